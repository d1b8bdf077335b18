"""Engine staleness: executed output always comes from the engine next to the docs.

myst-nb's execution cache keys a page on its own cells and sphinx-gallery reruns an example
only when the script's md5 changes; neither notices an edit to ``vgrad/``.
:func:`engine_hash` fingerprints the engine sources (plus the figure style sheets and
their code, and the numpy/matplotlib versions), and a change of fingerprint (a) gives
myst-nb a fresh cache directory, (b) deletes sphinx-gallery's ``*.md5`` files so every
example reruns, and (c) changes the ``vgrad_engine_hash`` config value, which Sphinx tracks
with ``rebuild="env"`` so every page is re-read. It also writes the IPython profile that
keeps the executed pages' kernels on the site's figure style and installs the site's
rendering of their figures (``figures.py``) in them.

It also spares a rebuild work whose inputs did not change (each measured where it is
done): autosummary's stubs are regenerated only when something they are made from changed
(a content hash, :func:`autosummary_inputs`); sphinx-gallery runs without its worker
processes when no example is stale (:func:`gallery_is_current`). And a rebuild's search index
keeps the index entries of the pages it did not write, which Sphinx drops (issue 12599).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from figure_style import DARK, LIGHT, STYLE  # noqa: F401  (STYLE: the light sheet, re-exported)

DOCS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = DOCS_DIR.parent
ENGINE_DIR = REPO_ROOT / "vgrad"
BUILD_DIR = DOCS_DIR / "_build"
STAMP_NAME = ".vgrad_engine_hash"
#: The rendering of a page's figure, which the kernels' start-up installs.
FIGURES = DOCS_DIR / "_ext" / "figures.py"
#: The build code whose edits change figures: the scraper, and the rendering of a figure.
FIGURE_CODE = (DOCS_DIR / "_ext" / "figure_style.py", FIGURES)


# --------------------------------------------------------------------------------------
# Engine staleness


def engine_sources() -> dict[str, bytes]:
    """The engine sources: the bytes of every ``vgrad/**/*.py``, by repository-relative path."""
    return {
        path.relative_to(REPO_ROOT).as_posix(): path.read_bytes()
        for path in sorted(ENGINE_DIR.rglob("*.py"))
    }


def engine_hash(sources: Mapping[str, bytes] | None = None) -> str:
    """Fingerprint of everything that can change a computed number or figure.

    The engine sources (path and bytes of every ``vgrad/**/*.py``), the figure style sheets
    and the figure code (:data:`FIGURE_CODE`), and the numpy and matplotlib versions.
    Gallery scripts and page cells are not included: sphinx-gallery and myst-nb already
    track those themselves.

    Parameters
    ----------
    sources : mapping of str to bytes, optional
        The engine sources to fingerprint, by path (``"vgrad/rnn.py"``); default
        :func:`engine_sources`, the tree next to the docs. The docs build passes the files
        of the wheel it publishes, to check that they are the engine it executed.
    """
    if sources is None:
        sources = engine_sources()
    h = hashlib.sha256()
    for name in sorted(sources):
        h.update(name.encode())
        h.update(b"\0")
        h.update(sources[name])
        h.update(b"\0")
    h.update(json.dumps({"light": LIGHT, "dark": DARK}, sort_keys=True).encode())
    for path in FIGURE_CODE:
        h.update(path.read_bytes())
    for dist in ("numpy", "matplotlib"):
        try:
            h.update(f"{dist}=={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} missing".encode())
    return h.hexdigest()[:16]


def notebook_cache_path(digest: str) -> Path:
    """myst-nb cache directory for one engine fingerprint."""
    return BUILD_DIR / ".jupyter_cache" / digest


def prune_notebook_caches(digest: str) -> list[Path]:
    """Delete the caches of other fingerprints: they can never be valid again."""
    root = notebook_cache_path(digest).parent
    removed = []
    if root.is_dir():
        for entry in root.iterdir():
            if entry.is_dir() and entry.name != digest:
                shutil.rmtree(entry)
                removed.append(entry)
    return removed


def invalidate_gallery(gallery_dir: Path, digest: str) -> list[Path] | None:
    """Force every gallery example to rerun if the engine changed since the last build.

    sphinx-gallery skips an example whose ``<name>.py.md5`` matches the script. Deleting
    those files when the stored fingerprint differs makes it rerun them all. The new
    fingerprint is written before the examples run: an example that then fails has no md5
    file and reruns next time, so no output from the old engine survives. Returns the
    deleted files, or ``None`` when the gallery was current.
    """
    stamp = gallery_dir / STAMP_NAME
    if _is_current(stamp, digest):
        return None
    removed = sorted(gallery_dir.rglob("*.md5"))
    for path in removed:
        path.unlink()
    _write_stamp(stamp, digest)  # only once the old outputs are gone
    return removed


def _is_current(stamp: Path, digest: str) -> bool:
    """Whether the stamp file ``stamp`` holds the fingerprint ``digest``."""
    return stamp.is_file() and stamp.read_text().strip() == digest


def _write_stamp(stamp: Path, digest: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")


def prune_api_pages(srcdir: Path, outdir: Path, doctreedir: Path, digest: str) -> list[Path]:
    """Delete the API pages whenever this output's stamp (kept with its doctrees) does not
    hold ``digest``, i.e. after an engine change or at the first build into ``outdir``:
    autosummary's generated sources (``docs/api``, not in git, shared by every output and
    regenerated at once) and their HTML (``<outdir>/api``).

    Sphinx deletes neither a generated source nor the output of a document that is gone, so
    after a class leaves the engine its page stayed in the site, linked from nowhere, and
    failed the link checks of an incremental build's browser tests. The stamp is kept with
    the doctrees (not published). Returns the deleted folders.
    """
    stamp = doctreedir / STAMP_NAME
    if _is_current(stamp, digest):
        return []
    removed = [path for path in (srcdir / "api", outdir / "api") if path.is_dir()]
    for path in removed:
        shutil.rmtree(path)
    _write_stamp(stamp, digest)
    return removed


def write_ipython_profile(ipython_dir: Path) -> Path:
    """An IPython profile whose inline backend keeps :data:`figure_style.LIGHT` and renders at
    2x, and whose start-up installs the site's figure hook (:func:`figures.install`).

    ``matplotlib-inline`` otherwise overrides ``figure.dpi`` and the figure colours with its
    own rc, and emits 1x PNGs that look blurred on high-density screens. The start-up file
    makes a page's ``vgrad.pages.show`` render the light, dark and SVG figures of
    ``figures.py``; it loads that file by path, as the kernels do not have this folder on
    their ``sys.path``, and leaves no name in the page's namespace.
    """
    profile = ipython_dir / "profile_default"
    files = {
        profile / "ipython_kernel_config.py": (
            "# Generated by docs/_ext/sitebuild.py; do not edit.\n"
            "c.InlineBackend.rc = {}\n"
            "c.InlineBackend.figure_formats = {'retina'}\n"
            "# The kernel talks to the build over loopback TCP; its start-up notice about that\n"
            "# would be the only line on stderr. Python warnings are not affected by this.\n"
            "c.IPKernelApp.log_level = 'ERROR'\n"
        ),
        profile / "startup" / "00-vgrad-figures.py": (
            "# Generated by docs/_ext/sitebuild.py; do not edit.\n"
            "def _vgrad_figures():\n"
            "    import importlib.util\n"
            "    import sys\n"
            "\n"
            f"    spec = importlib.util.spec_from_file_location('figures', {str(FIGURES)!r})\n"
            "    module = importlib.util.module_from_spec(spec)\n"
            "    sys.modules['figures'] = module\n"
            "    spec.loader.exec_module(module)\n"
            "    module.install()\n"
            "\n"
            "\n"
            "_vgrad_figures()\n"
            "del _vgrad_figures\n"
        ),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
    return ipython_dir


# --------------------------------------------------------------------------------------
# Skipping work whose inputs are unchanged (a no-change rebuild)

AUTOSUMMARY_STAMP = ".vgrad_autosummary_inputs"


def autosummary_sources(app: Any) -> dict[Path, bytes]:
    """What autosummary's stub generation reads, but for the stubs it writes: every file it
    scans for ``autosummary`` directives (``autosummary_generate = True``: every source
    document Sphinx knew of at the start of the build) that has the word in it (one without
    it yields no stub; the gallery's pages, which a cold build only adds after autosummary
    ran, have none), the templates, ``conf.py`` and this folder's code (``autodoc-skip-member``
    handlers, say): the bytes of each, by path."""
    srcdir = Path(app.srcdir)
    env = app.env
    files = {
        path: data
        for path in map(Path, map(env.doc2path, env.found_docs))
        if path.is_file()
        and not path.is_relative_to(srcdir / "api")
        and b"autosummary" in (data := path.read_bytes())
    }
    more = {srcdir / "conf.py", *(srcdir / "_ext").glob("*.py")}
    for templates in app.config.templates_path:
        more |= set((srcdir / templates).rglob("*"))
    files.update((path, path.read_bytes()) for path in more if path.is_file())
    return files


def autosummary_inputs(app: Any, sources: Mapping[Path, bytes] | None = None) -> str:
    """A digest of everything autosummary's stub generation reads: the engine fingerprint
    (the modules it imports), Sphinx's version, ``sources`` (default
    :func:`autosummary_sources`, read now) and every stub in ``docs/api``: path and bytes
    of each."""
    import sphinx

    srcdir = Path(app.srcdir)
    files = dict(autosummary_sources(app) if sources is None else sources)
    files.update((path, path.read_bytes()) for path in (srcdir / "api").glob("*") if path.is_file())
    h = hashlib.sha256()
    h.update(f"{app.config.vgrad_engine_hash}\0sphinx {sphinx.__version__}\0".encode())
    for path in sorted(files):
        h.update(str(path.relative_to(srcdir) if path.is_relative_to(srcdir) else path).encode())
        h.update(b"\0" + files[path] + b"\0")
    return h.hexdigest()


def _skip_current_autosummary(app: Any) -> None:
    """Switch autosummary's stub generation off for this build when its inputs
    (:func:`autosummary_inputs`) are those it last ran on: it would write nothing, and
    regenerating 36 stubs (importing and parsing every module) took 0.8 s of a 6.9 s
    no-change rebuild under cProfile; with the skip a no-change ``-j 2`` rebuild took 0.81
    times as long (median of five alternating pairs, 2026-12-07). Runs just before
    autosummary's own ``builder-inited`` handler; :func:`_record_autosummary` runs after it
    (and after sphinx-gallery's, which runs the stale examples), so the sources are read
    here, as autosummary will read them: a template edited while the examples run is not
    recorded as one autosummary has seen."""
    stamp = Path(app.doctreedir) / AUTOSUMMARY_STAMP
    if not app.config.autosummary_generate:
        return
    app.vgrad_autosummary_sources = autosummary_sources(app)
    if _is_current(stamp, autosummary_inputs(app, app.vgrad_autosummary_sources)):
        app.vgrad_autosummary_generate = app.config.autosummary_generate
        app.config.autosummary_generate = False


def gallery_is_current(srcdir: Path, gallery_conf: Mapping[str, Any]) -> bool:
    """Whether sphinx-gallery would rerun no example: every example script has the md5
    sphinx-gallery recorded for it (``<gallery_dir>/.../<script>.md5``, compared as it
    compares them). A script it would not run counts as stale: the answer errs on the side
    of running."""
    import re

    from sphinx_gallery.utils import get_md5sum, iter_gallery_header_filenames

    if gallery_conf.get("run_stale_examples"):
        return False
    headers = set(iter_gallery_header_filenames(gallery_conf))
    examples = _as_list(gallery_conf.get("examples_dirs", []))
    galleries = _as_list(gallery_conf.get("gallery_dirs", []))
    for examples_dir, gallery_dir in zip(examples, galleries, strict=True):
        src_root, out_root = srcdir / examples_dir, srcdir / gallery_dir
        for src in sorted(src_root.rglob("*")):
            if (
                not src.is_file()
                or src.suffix not in gallery_conf["example_extensions"]
                or src.name in headers
                or re.search(gallery_conf["ignore_pattern"], src.name)
            ):
                continue
            md5 = out_root / src.relative_to(src_root).with_name(src.name + ".md5")
            if not md5.is_file() or md5.read_text() != get_md5sum(src, mode="t"):
                return False
    return True


def _serial_current_gallery(app: Any) -> None:
    """Run sphinx-gallery in this process when no example is stale: in parallel mode it
    starts its joblib worker processes even to find that every example is current (they
    import matplotlib and the scraper). Without them a no-change ``-j 2`` rebuild took 0.64
    times as long (median of five alternating pairs, 2026-12-07). Only the md5 checks are
    left to do."""
    gallery_conf = app.config.sphinx_gallery_conf
    if gallery_conf.get("parallel") and gallery_is_current(Path(app.srcdir), gallery_conf):
        gallery_conf["parallel"] = False


def _record_autosummary(app: Any) -> None:
    """Restore the setting (the environment pickles it; a change would re-read every page),
    and record the inputs: the sources as autosummary read them, the stubs as it wrote them."""
    sources = getattr(app, "vgrad_autosummary_sources", None)
    if hasattr(app, "vgrad_autosummary_generate"):
        app.config.autosummary_generate = app.vgrad_autosummary_generate
        del app.vgrad_autosummary_generate
    elif sources is not None:
        _write_stamp(Path(app.doctreedir) / AUTOSUMMARY_STAMP, autosummary_inputs(app, sources))
    if sources is not None:
        del app.vgrad_autosummary_sources


def _keep_index_entries(app: Any) -> list:
    """``html-collect-pages``, just before Sphinx writes the search index: put back the
    index entries of the pages this build did not write.

    Sphinx collects a page's index entries for the search only while writing the page, and
    does not read them back from the previous ``searchindex.js`` (Sphinx issue 12599, open
    in 9.0): after a no-change rebuild the search index had none (188 entries after a cold
    build), after an edit only those of the pages written. They are taken from that file, as
    it stored them (lower case); the pages are put in the order a cold build writes them.
    Only pages the index holds a title for get theirs back: it looks each entry's page up
    among its titles, and an entry of a page it has none for would fail the build (a guard:
    Sphinx indexes every page it writes, under "<no title>" if it has none). If the private
    attributes used here (``_index_entries``, ``_titles``, both on the env since Sphinx
    9.0) are missing, nothing is put back: the index is Sphinx's own."""
    builder = app.builder
    indexer = getattr(builder, "indexer", None)
    entries = getattr(indexer, "_index_entries", None)
    titles = getattr(indexer, "_titles", None)
    path = Path(app.outdir) / getattr(builder, "searchindex_filename", "searchindex.js")
    if not isinstance(entries, dict) or not isinstance(titles, dict) or not path.is_file():
        return []
    from sphinx.search import js_index

    try:
        frozen = js_index.loads(path.read_text(encoding="utf-8"))
        docnames = frozen["docnames"]
        restored: dict[str, set] = {}
        for entry, refs in frozen.get("indexentries", {}).items():
            for doc, target, main in refs:
                restored.setdefault(docnames[doc], set()).add((entry, target, "main" * main))
    except (ValueError, KeyError, TypeError, IndexError):
        return []
    for doc, found in restored.items():
        if doc not in entries and doc in titles and doc in app.env.all_docs:
            entries[doc] = sorted(found)
    ordered = sorted(entries.items())
    entries.clear()
    entries.update(ordered)
    return []


# --------------------------------------------------------------------------------------
# Sphinx wiring


def _on_config_inited(app: Any, config: Any) -> None:
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    digest = config.vgrad_engine_hash
    for gallery_dir in _as_list(config.sphinx_gallery_conf.get("gallery_dirs", [])):
        removed = invalidate_gallery(Path(app.srcdir) / gallery_dir, digest)
        if removed is not None:
            log.info(
                "vgrad engine fingerprint is now %s: %d gallery example(s) will rerun",
                digest,
                len(removed),
            )
    for path in prune_notebook_caches(digest):
        log.info("vgrad engine changed: removed stale notebook cache %s", path)
    for path in prune_api_pages(Path(app.srcdir), Path(app.outdir), Path(app.doctreedir), digest):
        log.info("vgrad engine changed: removed the API pages in %s", path)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def setup(app: Any) -> dict[str, Any]:
    # Recorded in the pickled environment: a new engine fingerprint re-reads every page.
    app.add_config_value("vgrad_engine_hash", "", "env", types=frozenset({str}))
    app.connect("config-inited", _on_config_inited)
    # Around autosummary's generation (its builder-inited handler has the default 500).
    app.connect("builder-inited", _skip_current_autosummary, priority=400)
    app.connect("builder-inited", _record_autosummary, priority=600)
    # Before sphinx-gallery's generate_gallery_rst (500), after it filled its defaults.
    app.connect("builder-inited", _serial_current_gallery, priority=400)
    app.connect("html-collect-pages", _keep_index_entries)
    # Bump env_version when a change here must re-read every page.
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
