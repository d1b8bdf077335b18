"""Build machinery for the vgrad site that no off-the-shelf extension provides.

Five small jobs:

* **Engine staleness.** myst-nb's execution cache keys a page on its own cells and
  sphinx-gallery reruns an example only when the script's md5 changes; neither notices an
  edit to ``vgrad/``. :func:`engine_hash` fingerprints the engine sources (plus the figure
  style and the numpy/matplotlib versions), and a change of fingerprint (a) gives myst-nb a
  fresh cache directory, (b) deletes sphinx-gallery's ``*.md5`` files so every example
  reruns, and (c) changes the ``vgrad_engine_hash`` config value, which Sphinx tracks with
  ``rebuild="env"`` so every page is re-read.
* **One figure style** for gallery examples (via sphinx-gallery's ``reset_modules``) and
  executed pages (via a ``matplotlibrc`` that the Jupyter kernels inherit), while the
  downloadable scripts stay standalone.
* **API mini-galleries**: every documented object whose name appears in a gallery example
  gets an "Examples using ..." strip of thumbnails, found in sphinx-gallery's backreferences.
* **Short names**: ``vgrad.RNN`` resolves to the entry documented as ``vgrad.rnn.RNN``, in
  roles and in the gallery's code links; type variables in signatures stay plain text.
* **Bibliography style**: author-year labels that match the author-year citations.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import warnings
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

DOCS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = DOCS_DIR.parent
ENGINE_DIR = REPO_ROOT / "vgrad"
BUILD_DIR = DOCS_DIR / "_build"
STAMP_NAME = ".vgrad_engine_hash"
BACKREFERENCES_DIR = "gen_modules/backreferences"

# Okabe & Ito (2008), a palette that stays distinguishable under the common colour-vision
# deficiencies. Yellow goes last: it is the hardest to see on white.
OKABE_ITO = ["0072B2", "D55E00", "009E73", "CC79A7", "E69F00", "56B4E9", "000000", "F0E442"]

#: rcParams shared by every figure on the site, written as in a ``matplotlibrc`` file so
#: the same dict serves :func:`reset_gallery_style` and the kernels' rc file.
STYLE: dict[str, str] = {
    "axes.prop_cycle": f"cycler('color', {OKABE_ITO!r})",
    "image.cmap": "viridis",
    "figure.figsize": "6.4, 4.0",
    "figure.dpi": "100",
    "figure.constrained_layout.use": "True",
    "font.size": "11",
    "axes.titlesize": "12",
    "axes.labelsize": "11",
    "legend.fontsize": "10",
    "legend.frameon": "False",
    "axes.grid": "True",
    "grid.alpha": "0.35",
    "grid.linewidth": "0.6",
    "axes.spines.top": "False",
    "axes.spines.right": "False",
    "lines.linewidth": "2.0",
}


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

    The engine sources (path and bytes of every ``vgrad/**/*.py``), the figure style, and
    the numpy and matplotlib versions. Gallery scripts and page cells are not included:
    sphinx-gallery and myst-nb already track those themselves.

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
    h.update(json.dumps(STYLE, sort_keys=True).encode())
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
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return None
    removed = sorted(gallery_dir.rglob("*.md5")) if gallery_dir.is_dir() else []
    for path in removed:
        path.unlink()
    gallery_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return removed


# --------------------------------------------------------------------------------------
# Figure style


def write_matplotlibrc(path: Path) -> Path:
    """Write :data:`STYLE` as a ``matplotlibrc`` (only when its content changes)."""
    text = "# Generated by docs/_ext/sitebuild.py; do not edit.\n" + "".join(
        f"{key}: {value}\n" for key, value in STYLE.items()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return path


def write_ipython_profile(ipython_dir: Path) -> Path:
    """An IPython profile whose inline backend keeps :data:`STYLE` and renders at 2x.

    ``matplotlib-inline`` otherwise overrides ``figure.dpi`` and the figure colours with its
    own rc, and emits 1x PNGs that look blurred on high-density screens.
    """
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    text = (
        "# Generated by docs/_ext/sitebuild.py; do not edit.\n"
        "c.InlineBackend.rc = {}\n"
        "c.InlineBackend.figure_formats = {'retina'}\n"
        "# The kernel talks to the build over loopback TCP; its start-up notice about that\n"
        "# would be the only line on stderr. Python warnings are not affected by this.\n"
        "c.IPKernelApp.log_level = 'ERROR'\n"
    )
    config.parent.mkdir(parents=True, exist_ok=True)
    if not config.is_file() or config.read_text() != text:
        config.write_text(text)
    return ipython_dir


_warning_scope: list[warnings.catch_warnings] = []


def reset_gallery_style(gallery_conf: dict, fname: str | None, when: str) -> None:
    """sphinx-gallery ``reset_modules`` hook, run before and after every example.

    Before: apply :data:`STYLE` (sphinx-gallery's own reset has just called
    ``rcdefaults``) and turn ``RuntimeWarning`` (overflow, divide by zero, invalid value)
    into an error, so an example that overflows fails the build instead of printing a
    warning into its page. After: restore the warning filters.
    """
    if when == "before":
        import matplotlib as mpl

        mpl.rcParams.update(STYLE)
        scope = warnings.catch_warnings()
        scope.__enter__()
        _warning_scope.append(scope)
        warnings.simplefilter("error", RuntimeWarning)
    else:
        while _warning_scope:
            _warning_scope.pop().__exit__(None, None, None)


class NarrativeOrder:
    """Order examples within a gallery section by the argument of the pages.

    Files named in :data:`EXAMPLE_ORDER` come first, in that order; any other example
    follows, sorted by file name.
    """

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = Path(filename).name
        return (EXAMPLE_ORDER.index(name) if name in EXAMPLE_ORDER else len(EXAMPLE_ORDER), name)

    def __repr__(self) -> str:  # stable repr: sphinx compares config values between builds
        return f"<NarrativeOrder {EXAMPLE_ORDER}>"


#: The intended reading order of the gallery (file names, any section).
EXAMPLE_ORDER = [
    # 1. Deep networks
    "plot_activations.py",
    "plot_deep_flow.py",
    # 2. The unrolled RNN
    "plot_rnn_diagram.py",
    "plot_scalar_powers.py",
    "plot_gradient_decay.py",
    "plot_bptt_check.py",
    # 3. Eigenvalues and singular values
    "plot_eigen_powers.py",
    "plot_eig_vs_sv.py",
    # 4. Clipping and training
    "plot_clipping_geometry.py",
    "plot_cliff.py",
    "plot_train_clipping.py",
    "plot_train_length.py",
    "plot_train_gradient_reach.py",
    # 5. Beyond the vanilla RNN
    "plot_gated_gradient_paths.py",
    "plot_forget_bias.py",
    "plot_gated_explosion.py",
]


# --------------------------------------------------------------------------------------
# API mini-galleries


def _public_names(name: str) -> list[str]:
    """Names under which sphinx-gallery may have recorded the object documented as ``name``.

    sphinx-gallery records the shortest import path that yields the same object: for
    ``vgrad.rnn.RNN.forward`` that is ``vgrad.RNN.forward`` when the package re-exports
    ``RNN``. Return ``name`` and every such shorter spelling.
    """
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:i]) in sys.modules:
            break
    else:
        return [name]
    obj = _getattr_path(sys.modules[".".join(parts[:i])], parts[i:])
    keys = [name]
    for j in range(i - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:j]))
        if obj is not None and module is not None and _same(_getattr_path(module, parts[i:]), obj):
            keys.append(".".join(parts[:j] + parts[i:]))
    return keys


def _same(a: Any, b: Any) -> bool:
    """Identity, except that classmethods give a new bound method on every attribute access."""
    if a is b:
        return True
    func = getattr(a, "__func__", None)
    return (
        func is not None
        and func is getattr(b, "__func__", None)
        and getattr(a, "__self__", None) is getattr(b, "__self__", None)
    )


def _getattr_path(obj: Any, attrs: list[str]) -> Any:
    for attr in attrs:
        obj = getattr(obj, attr, None)
        if obj is None:
            return None
    return obj


def _add_minigallery(app: Any, what: str, name: str, obj: Any, options: Any, lines: list) -> None:
    # Functions and classes only: a class's strip covers its methods too, so the API
    # pages do not repeat the same thumbnails under every method.
    if what not in ("function", "class"):
        return
    path = Path(app.srcdir) / BACKREFERENCES_DIR / "backreferences_all.json"
    if not path.is_file():
        return
    # The API pages must be re-read when the set of examples using an object changes.
    app.env.note_dependency(str(path))
    try:
        used = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    names = _public_names(name)
    keys = [key for key in names if used.get(key)]
    if what == "class":
        keys += sorted(k for k in used if used[k] and any(k.startswith(n + ".") for n in names))
    if not keys:
        return
    short = name.rsplit(".", 1)[-1]
    lines.extend(
        [
            "",
            f".. rubric:: Examples using ``{short}``",
            "",
            f".. minigallery:: {' '.join(keys)}",
            "",
        ]
    )


# --------------------------------------------------------------------------------------
# Cross-references to re-exported names


def _alias_reexports(app: Any, doctree: Any) -> None:
    """Register ``vgrad.RNN`` as another name of the entry documented as ``vgrad.rnn.RNN``.

    api.md documents each object once, under its module, but the package re-exports its
    main names and pages, docstrings and the gallery use the short spelling. The aliases
    are noted as ``aliased`` entries, so the py domain (and sphinx-gallery's code links,
    which read the same table) resolve both spellings to the one documented object.
    """
    env = app.env
    docname = env.current_document.docname
    domain = env.domains["py"]
    for name, entry in list(domain.objects.items()):
        if entry.docname != docname or entry.aliased or not name.startswith("vgrad."):
            continue
        for alias in _public_names(name)[1:]:
            domain.note_object(alias, entry.objtype, entry.node_id, aliased=True)


def _plain_typevars(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Show type variables of vgrad signatures (``G`` in ``clip_by_norm(grads: G)``) as text.

    They have no documentation entry to link to; anything else unresolved still warns.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if target.split(".", 1)[0] != "vgrad":
        return None
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:i]))
        if module is not None:
            return contnode if isinstance(_getattr_path(module, parts[i:]), TypeVar) else None
    return None


# --------------------------------------------------------------------------------------
# Bibliography style


def register_bibliography_style() -> str:
    """Register the pybtex style ``vgrad`` and return its name.

    pybtex's ``plain`` with two changes: labels read "Bengio et al., 1994", matching the
    author-year citations in the text, and a thesis says what kind it is (Hochreiter's 1991
    thesis is a Diplom thesis, which ``plain`` would call a master's thesis).
    """
    from pybtex.plugin import register_plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting import toplevel
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.formatting.unsrt import date
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.template import field, optional_field, sentence

    def last_name(person: Any) -> str:
        return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries: Any) -> Any:
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [last_name(p) for p in people]
                if len(names) > 2:
                    who = f"{names[0]} et al."
                elif names:
                    who = " & ".join(names)
                else:
                    who = entry.fields.get("key", entry.key)
                yield f"{who}, {entry.fields.get('year', 'n.d.')}"

    class VgradStyle(PlainStyle):
        default_label_style = "vgrad-author-year"

        def get_mastersthesis_template(self, e: Any) -> Any:
            kind = e.fields.get("type", "Master's thesis")
            return toplevel[
                sentence[self.format_names("author")],
                self.format_title(e, "title"),
                sentence[kind, field("school"), optional_field("address"), date],
                sentence[optional_field("note")],
                self.format_web_refs(e),
            ]

    register_plugin("pybtex.style.labels", "vgrad-author-year", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "vgrad", VgradStyle, force=True)
    return "vgrad"


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


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def setup(app: Any) -> dict[str, Any]:
    # Recorded in the pickled environment: a new engine fingerprint re-reads every page.
    app.add_config_value("vgrad_engine_hash", "", "env", types=frozenset({str}))
    app.connect("config-inited", _on_config_inited)
    # After numpydoc (priority 500) has rewritten the docstring.
    app.connect("autodoc-process-docstring", _add_minigallery, priority=600)
    app.connect("doctree-read", _alias_reexports)
    app.connect("missing-reference", _plain_typevars)
    # Bump env_version when a change here must re-read every page.
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
