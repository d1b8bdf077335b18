"""What a reader takes away from the site, and how to run it.

Five jobs, for the HTML builder:

* **The engine as a wheel.** :func:`build_wheel` builds ``vgrad-<version>-py3-none-any.whl``
  from this very source tree (setuptools' PEP 517 backend, in a scratch copy, offline,
  reproducible through ``SOURCE_DATE_EPOCH``), and the build checks that the wheel's
  ``vgrad/*.py`` have the engine fingerprint of the code that executed the pages
  (:func:`sitebuild.engine_hash`) before publishing it as ``_downloads/<wheel>`` with a
  sidecar ``_downloads/vgrad-wheel.json`` (name, sha256, fingerprint).
* **Downloads that say how to run them.** Every gallery script, notebook and zip the site
  offers gets a header naming the install commands and the page it came from
  (:func:`script_header`, :func:`notebook_header`). The files are patched where readers get
  them, in the output's ``_downloads``; sphinx-gallery's own files stay as it wrote them.
* **Every chapter as a notebook.** Each executed page (a MyST page with code cells) offers
  ``_downloads/pages/<page>.ipynb`` (myst-nb's executed notebook, outputs included, with an
  install cell and the notation macros first) and ``_downloads/pages/<page>.md``, its source,
  in the right sidebar.
* **The Install page** (``install.md``): ``{{ wheel }}``, ``{{ version }}`` and
  ``{{ clone_url }}`` in its text are replaced by the build; every gallery example's
  "download" note links to it.
* **Where the project lives.** With ``vgrad_repository_url`` set, a repository link in the
  header and "Edit this page" on every page with a source in the repository; without it,
  neither. The licence is copied to ``LICENSE.txt`` for the footer's link.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import sitebuild

#: Files of the source tree that go into the wheel (and its metadata), besides the package.
WHEEL_INPUTS = ("pyproject.toml", "README.md", "LICENSE")
#: Where the build keeps the wheel between builds (it is rebuilt only when an input changes).
WHEEL_CACHE = sitebuild.BUILD_DIR / "wheel"
#: The sidecar next to the published wheel.
WHEEL_RECORD = "vgrad-wheel.json"
#: Chapter notebooks and sources, under the output's ``_downloads``.
PAGES_DIR = "pages"
#: A zip timestamp (1980-01-01) for builds outside a git checkout.
DEFAULT_EPOCH = 315532800
#: First line of every header this module writes (it is never written twice).
MARKER = "# From the vgrad site"


# --------------------------------------------------------------------------------------
# The wheel


def wheel_name(version: str) -> str:
    """The file name of vgrad's pure-Python wheel of ``version``.

    Parameters
    ----------
    version : str
        The package version, e.g. ``"0.1.0"``.

    Returns
    -------
    str
        ``vgrad-<version>-py3-none-any.whl``.

    Raises
    ------
    ValueError
        If ``version`` is empty or contains a ``-`` (not allowed in a wheel's name).
    """
    if not version or "-" in version:
        raise ValueError(f"not a wheel version: {version!r}")
    return f"vgrad-{version}-py3-none-any.whl"


def source_date_epoch(root: Path) -> int:
    """The timestamp stored for every file of the wheel.

    ``$SOURCE_DATE_EPOCH`` if set, else the time of the last commit of ``root``, else
    1980-01-01: the same tree always gives a byte-identical wheel.

    Parameters
    ----------
    root : pathlib.Path
        The source tree (a git checkout or not).

    Returns
    -------
    int
        Seconds since the epoch.

    Raises
    ------
    ValueError
        If ``$SOURCE_DATE_EPOCH`` is set but is not an integer.
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"SOURCE_DATE_EPOCH must be an integer, not {value!r}") from None
    if (root / ".git").exists() and shutil.which("git"):
        try:
            out = subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%ct"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout.strip()
            return max(int(out), DEFAULT_EPOCH)
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    return DEFAULT_EPOCH


def _inputs(root: Path) -> list[Path]:
    """The files a wheel is built from, relative to ``root``, sorted."""
    files = [Path(name) for name in WHEEL_INPUTS]
    files += [
        p.relative_to(root)
        for p in (root / "vgrad").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    ]
    return sorted(files)


def build_wheel(root: Path, dest: Path, *, epoch: int | None = None) -> Path:
    """Build vgrad's wheel from the source tree ``root`` into the directory ``dest``.

    The sources are copied to a scratch directory first, so that nothing is written into
    ``root`` and no stale ``build/`` can leak into the wheel. The backend is setuptools'
    ``build_meta`` of the running Python, called in a subprocess without network and
    without build isolation.

    Parameters
    ----------
    root : pathlib.Path
        The repository: ``pyproject.toml``, ``README.md``, ``LICENSE`` and ``vgrad/``.
    dest : pathlib.Path
        Directory for the wheel (created if needed).
    epoch : int, optional
        ``SOURCE_DATE_EPOCH`` for the build (default :func:`source_date_epoch`).

    Returns
    -------
    pathlib.Path
        The wheel.

    Raises
    ------
    FileNotFoundError
        If one of the inputs is missing.
    RuntimeError
        If setuptools is not installed or the build fails (its output is included).
    """
    missing = [name for name in WHEEL_INPUTS if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(f"cannot build the wheel: {', '.join(missing)} missing in {root}")
    if epoch is None:
        epoch = source_date_epoch(root)
    dest.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys\n"
        "try:\n"
        "    from setuptools import build_meta\n"
        "except ImportError:\n"
        "    sys.exit('setuptools is not installed: pip install setuptools')\n"
        "print(build_meta.build_wheel(sys.argv[1]))\n"
    )
    with tempfile.TemporaryDirectory(prefix="vgrad-wheel-") as tmp:
        src = Path(tmp) / "src"
        for rel in _inputs(root):
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, src / rel)
        out = Path(tmp) / "dist"
        out.mkdir()
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        proc = subprocess.run(
            [sys.executable, "-c", code, str(out)],
            cwd=src,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"building the vgrad wheel failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )
        name = proc.stdout.strip().splitlines()[-1]
        target = dest / name
        shutil.copyfile(out / name, target)
    return target


def wheel_sources(wheel: Path) -> dict[str, bytes]:
    """The ``vgrad/**/*.py`` files inside ``wheel``, by path, as :func:`sitebuild.engine_hash`
    takes them.

    Parameters
    ----------
    wheel : pathlib.Path
        A vgrad wheel.

    Returns
    -------
    dict of str to bytes
    """
    with zipfile.ZipFile(wheel) as zf:
        return {
            name: zf.read(name)
            for name in zf.namelist()
            if name.startswith("vgrad/") and name.endswith(".py")
        }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_wheel(root: Path, version: str, expected_hash: str) -> dict[str, str]:
    """The wheel of this tree, built or taken from :data:`WHEEL_CACHE`, checked against the
    engine fingerprint ``expected_hash``.

    Parameters
    ----------
    root : pathlib.Path
        The repository.
    version : str
        vgrad's version (names the wheel).
    expected_hash : str
        ``vgrad_engine_hash`` of this build.

    Returns
    -------
    dict of str to str
        ``wheel`` (file name), ``path``, ``sha256`` and ``vgrad_engine_hash``.

    Raises
    ------
    RuntimeError
        If the wheel's engine sources differ from the tree's (its fingerprint is not
        ``expected_hash``), or the build fails.
    """
    epoch = source_date_epoch(root)
    key = hashlib.sha256()
    for rel in _inputs(root):
        key.update(rel.as_posix().encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    try:
        key.update(f"setuptools=={metadata.version('setuptools')}".encode())
    except metadata.PackageNotFoundError:
        pass
    key.update(f"epoch={epoch}".encode())
    stamp = WHEEL_CACHE / "inputs.sha256"
    wheel = WHEEL_CACHE / wheel_name(version)
    if not (wheel.is_file() and stamp.is_file() and stamp.read_text() == key.hexdigest()):
        if WHEEL_CACHE.exists():
            shutil.rmtree(WHEEL_CACHE)
        built = build_wheel(root, WHEEL_CACHE, epoch=epoch)
        if built.name != wheel.name:
            raise RuntimeError(f"setuptools built {built.name}, expected {wheel.name}")
        stamp.write_text(key.hexdigest())
    fingerprint = sitebuild.engine_hash(wheel_sources(wheel))
    if fingerprint != expected_hash:
        raise RuntimeError(
            f"{wheel.name} has engine fingerprint {fingerprint}, but the pages and examples "
            f"were computed by engine {expected_hash}: the wheel is not the code that made "
            "this site"
        )
    return {
        "wheel": wheel.name,
        "path": str(wheel),
        "sha256": _sha256(wheel),
        "vgrad_engine_hash": fingerprint,
    }


# --------------------------------------------------------------------------------------
# Headers for downloads


def install_lines(version: str, install_url: str) -> list[str]:
    """Comment lines naming the commands that install what a download needs.

    Parameters
    ----------
    version : str
        vgrad's version (names the wheel).
    install_url : str
        Where the Install page is (a URL, or a path on the site).

    Returns
    -------
    list of str
    """
    return [
        "# It needs vgrad and matplotlib. Uncomment one line to install them into this kernel:",
        f"# %pip install {wheel_name(version)} matplotlib  # the wheel from the site, offline",
        "# %pip install vgrad matplotlib  # from PyPI, once vgrad is released there",
        f"# (the wheel, and how to install from a clone: {install_url})",
    ]


def first_notebook_cell(version: str) -> str:
    """sphinx-gallery's ``first_notebook_cell``: the install commands and the inline backend.

    The build adds the page's address in front (:func:`notebook_header`).

    Parameters
    ----------
    version : str
        vgrad's version.

    Returns
    -------
    str
    """
    return "\n".join([*install_lines(version, "the site's Install page"), "%matplotlib inline"])


def script_header(page_url: str, install_url: str, version: str) -> str:
    """The comment block put at the top of every downloaded gallery script.

    Parameters
    ----------
    page_url : str
        The example's page (a URL, or its path on the site).
    install_url : str
        The Install page (a URL, or its path on the site).
    version : str
        vgrad's version.

    Returns
    -------
    str
        Lines ending in a newline, starting with :data:`MARKER`.
    """
    return "\n".join(
        [
            f"{MARKER}: {page_url}",
            "# It needs vgrad and matplotlib; install them, then run it with python:",
            f"#     pip install {wheel_name(version)} matplotlib   # the wheel from the site",
            "#     pip install vgrad matplotlib      # from PyPI, once vgrad is released there",
            f"# The wheel, and how to install from a clone: {install_url}",
            "",
            "",
        ]
    )


def notebook_header(page_url: str, install_url: str, version: str) -> str:
    """The first cell of a downloaded notebook: where it comes from and how to install.

    Parameters
    ----------
    page_url : str
        The notebook's page (a URL, or its path on the site).
    install_url : str
        The Install page (a URL, or its path on the site).
    version : str
        vgrad's version.

    Returns
    -------
    str
        Comment lines only, starting with :data:`MARKER`: running the cell does nothing.
    """
    return "\n".join([f"{MARKER}: {page_url}", *install_lines(version, install_url)])


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def patch_script(text: str, header: str) -> str:
    """``text`` with ``header`` in front (unchanged if it already has one)."""
    return text if text.startswith(MARKER) else header + text


def patch_gallery_notebook(nb: dict[str, Any], header: str, first_cell: str) -> dict[str, Any]:
    """A sphinx-gallery notebook whose first cell starts with ``header``.

    sphinx-gallery's configured ``first_cell`` (the install commands and the inline backend)
    is replaced by ``header`` plus its last line; a notebook without it gets a new cell.
    """
    cells = nb.get("cells", [])
    if cells and "".join(cells[0].get("source", "")).startswith(MARKER):
        return nb
    if cells and "".join(cells[0].get("source", "")).strip() == first_cell.strip():
        tail = first_cell.strip().splitlines()[-1]
        cells[0]["source"] = header + "\n" + tail
    else:
        cells.insert(0, _cell("code", header))
    nb["cells"] = cells
    return nb


def chapter_notebook(nb: dict[str, Any], header: str, macros: dict[str, Any]) -> dict[str, Any]:
    """A page's executed notebook as readers download it.

    First an install cell (``header``, comments only), then a markdown cell defining the
    site's notation macros for Jupyter's MathJax; cell timings and myst-nb's bookkeeping are
    dropped, outputs are kept.

    Parameters
    ----------
    nb : dict
        The notebook myst-nb wrote (nbformat 4, as JSON).
    header : str
        See :func:`notebook_header`.
    macros : dict
        MathJax macros, ``name -> body`` or ``name -> [body, n_args]``.

    Returns
    -------
    dict
        A new notebook.

    Raises
    ------
    ValueError
        If ``nb`` is not an nbformat 4 notebook.
    """
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not an nbformat 4 notebook")
    cells = []
    for cell in nb["cells"]:
        cell = dict(cell)
        meta = {k: v for k, v in cell.get("metadata", {}).items() if k != "execution"}
        cell["metadata"] = meta
        cells.append(cell)
    defs = []
    for name, body in macros.items():
        if isinstance(body, list):
            defs.append(rf"\newcommand{{\{name}}}[{body[1]}]{{{body[0]}}}")
        else:
            defs.append(rf"\newcommand{{\{name}}}{{{body}}}")
    notation = "*The notation macros of this notebook's formulas:* $" + " ".join(defs) + "$"
    meta = {k: v for k, v in nb.get("metadata", {}).items() if k in ("kernelspec", "language_info")}
    cells = [_cell("code", header), _cell("markdown", notation), *cells]
    for i, cell in enumerate(cells):  # myst-nb's ids are random; these are reproducible
        cell["id"] = f"cell-{i}"
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def patch_zip(path: Path, transform: Any) -> None:
    """Rewrite the members of the zip ``path`` through ``transform(arcname, data) -> data``,
    keeping names, order and compression; every timestamp becomes 1980-01-01, so that the
    same files always give the same zip."""
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    tmp = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for info, data in members:
            info.date_time = (1980, 1, 1, 0, 0, 0)
            zf.writestr(info, transform(info.filename, data))
    tmp.replace(path)


# --------------------------------------------------------------------------------------
# Sphinx wiring


def _gallery_dirs(app: Any) -> list[tuple[str, Path]]:
    """``(gallery docname prefix, examples directory)`` of each sphinx-gallery gallery."""
    conf = app.config.sphinx_gallery_conf
    gallery = sitebuild._as_list(conf.get("gallery_dirs", []))
    examples = sitebuild._as_list(conf.get("examples_dirs", []))
    return [(g, (Path(app.srcdir) / e).resolve()) for g, e in zip(gallery, examples, strict=True)]


def _in_gallery(app: Any, docname: str) -> bool:
    return any(docname.startswith(g + "/") for g, _ in _gallery_dirs(app))


def _site_url(app: Any, target: str) -> str:
    """``target`` (a path in the output) as a URL if ``html_baseurl`` is set, else as
    ``page <path>`` (the site's address is not known to the build)."""
    base = (app.config.html_baseurl or "").rstrip("/")
    return f"{base}/{target}" if base else f"page {target}"


def _doc_url(app: Any, docname: str) -> str:
    return _site_url(app, app.builder.get_target_uri(docname))


def _on_config_inited(app: Any, config: Any) -> None:
    from sphinx.errors import ConfigError

    url = config.vgrad_repository_url.strip().rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError(f"vgrad_repository_url must be an http(s) URL, not {url!r}")
    config.vgrad_repository_url = url
    if url:
        options = config.html_theme_options
        icon = "fa-brands fa-github" if "github.com" in url else "fa-solid fa-code-branch"
        if "gitlab" in url:
            icon = "fa-brands fa-gitlab"
        options["icon_links"] = [
            {"name": "Source repository", "url": url, "icon": icon, "type": "fontawesome"}
        ]
        if "navbar-icon-links" not in options.get("navbar_end", []):
            options["navbar_end"] = [*options.get("navbar_end", []), "navbar-icon-links"]


def _on_builder_inited(app: Any) -> None:
    if app.builder.format != "html":
        return
    root = Path(app.confdir).parent
    app.vgrad_wheel = ensure_wheel(root, app.config.release, app.config.vgrad_engine_hash)


def _install_substitutions(app: Any) -> dict[str, str]:
    version = app.config.release
    clone = app.config.vgrad_repository_url or "<repository URL>"
    return {"{{ wheel }}": wheel_name(version), "{{ version }}": version, "{{ clone_url }}": clone}


def _on_source_read(app: Any, docname: str, source: list[str]) -> None:
    if docname != app.config.vgrad_install_page:
        return
    text = source[0]
    for token, value in _install_substitutions(app).items():
        text = text.replace(token, value)
    source[0] = text


def _add_install_note(app: Any, doctree: Any) -> None:
    """Every gallery example's "download" note also points to the Install page."""
    from docutils import nodes
    from sphinx import addnodes

    docname = app.env.current_document.docname
    if not _in_gallery(app, docname):
        return
    if not posixpath.basename(docname).startswith("plot_"):
        return
    ref = addnodes.pending_xref(
        "",
        nodes.inline("", "the Install page", classes=["xref", "std", "std-doc"]),
        refdomain="std",
        reftype="doc",
        reftarget="/" + app.config.vgrad_install_page,
        refexplicit=True,
        refwarn=True,
        refdoc=docname,
    )
    para = nodes.paragraph(
        "",
        "",
        nodes.Text("To run it you need vgrad and matplotlib: see "),
        ref,
        nodes.Text(" (pip, the wheel of this site, or a clone)."),
    )
    for note in doctree.findall(nodes.note):
        if "sphx-glr-download-link-note" in note.get("classes", []):
            note += para
            return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None:
        section.insert(1, nodes.note("", para))


def _chapter_source(app: Any, docname: str) -> Path | None:
    """The executed notebook of ``docname`` if it is a MyST page with code cells."""
    if _in_gallery(app, docname):
        return None
    src = Path(app.env.doc2path(docname))
    if src.suffix != ".md":
        return None
    nb_path = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if not nb_path.is_file():
        return None
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if not any(c.get("cell_type") == "code" for c in nb.get("cells", [])):
        return None
    return nb_path


def _edit_path(app: Any, docname: str) -> str | None:
    """The repository path of the file a page is made from, if it is in the repository."""
    root = Path(app.confdir).parent.resolve()
    for gallery, examples in _gallery_dirs(app):
        if docname.startswith(gallery + "/"):
            parent, _, name = docname[len(gallery) + 1 :].rpartition("/")
            base = examples / parent
            path = base / "README.rst" if name in ("index", "") else base / f"{name}.py"
            break
    else:
        path = Path(app.env.doc2path(docname)).resolve()
    if not path.is_file():
        return None
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def _on_page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any):
    if doctree is None:
        return
    if _chapter_source(app, pagename) is not None:
        context["vgrad_page_downloads"] = {
            "notebook": f"_downloads/{PAGES_DIR}/{pagename}.ipynb",
            "source": f"_downloads/{PAGES_DIR}/{pagename}.md",
        }
    url = app.config.vgrad_repository_url
    path = _edit_path(app, pagename) if url else None
    if path:
        edit = "/-/edit/" if "gitlab" in url else "/edit/"
        context["vgrad_edit_url"] = f"{url}{edit}{app.config.vgrad_repository_branch}/{path}"


def _write_wheel(app: Any, downloads: Path) -> None:
    info = app.vgrad_wheel
    shutil.copyfile(info["path"], downloads / info["wheel"])
    for stale in downloads.glob("vgrad-*-py3-none-any.whl"):
        if stale.name != info["wheel"]:
            stale.unlink()
    record = {k: v for k, v in info.items() if k != "path"}
    (downloads / WHEEL_RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def _patch_gallery_downloads(app: Any, downloads: Path) -> int:
    version = app.config.release
    install = _doc_url(app, app.config.vgrad_install_page)
    first = app.config.sphinx_gallery_conf["first_notebook_cell"] or ""

    def transform(docname: str, suffix: str, data: bytes) -> bytes:
        if not posixpath.basename(docname).startswith("plot_"):
            return data
        page = _doc_url(app, docname)
        if suffix == ".py":
            text = data.decode("utf-8")
            return patch_script(text, script_header(page, install, version)).encode("utf-8")
        if suffix == ".ipynb":
            nb = json.loads(data)
            nb = patch_gallery_notebook(nb, notebook_header(page, install, version), first)
            return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        return data

    count = 0
    srcdir = Path(app.srcdir)
    for key, (_, dest) in sorted(app.env.dlfiles.items(), key=lambda item: str(item[0])):
        path = Path(key)  # relative to the source directory (a str before Sphinx 8)
        src = (path.relative_to(srcdir) if path.is_absolute() else path).as_posix()
        if not _in_gallery(app, src):
            continue
        path = downloads / dest
        stem, suffix = posixpath.splitext(src)
        if not path.is_file():
            continue
        if suffix in (".py", ".ipynb"):
            path.write_bytes(transform(stem, suffix, path.read_bytes()))
            count += 1
        elif suffix == ".zip":
            base = posixpath.dirname(src)

            def member(name: str, data: bytes, base: str = base) -> bytes:
                stem, suffix = posixpath.splitext(name)
                return transform(posixpath.join(base, stem), suffix, data)

            patch_zip(path, member)
            count += 1
    return count


def _write_chapters(app: Any, downloads: Path) -> list[str]:
    version = app.config.release
    install = _doc_url(app, app.config.vgrad_install_page)
    macros = (app.config.mathjax4_config or {}).get("tex", {}).get("macros", {})
    out = downloads / PAGES_DIR
    written = []
    for docname in sorted(app.env.found_docs):
        nb_path = _chapter_source(app, docname)
        if nb_path is None:
            continue
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        header = notebook_header(_doc_url(app, docname), install, version)
        target = out / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(chapter_notebook(nb, header, macros), indent=1, ensure_ascii=False)
        target.write_text(text + "\n", encoding="utf-8")
        shutil.copyfile(app.env.doc2path(docname), target.with_suffix(".md"))
        written += [target.relative_to(out).as_posix(), f"{docname}.md"]
    if out.is_dir():
        for path in out.rglob("*"):
            if path.is_file() and path.relative_to(out).as_posix() not in written:
                path.unlink()
    return written


def _on_build_finished(app: Any, exception: Exception | None) -> None:
    from sphinx.util import logging

    if exception is not None or app.builder.format != "html":
        return
    log = logging.getLogger(__name__)
    downloads = Path(app.outdir) / "_downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    _write_wheel(app, downloads)
    shutil.copyfile(Path(app.confdir).parent / "LICENSE", Path(app.outdir) / "LICENSE.txt")
    patched = _patch_gallery_downloads(app, downloads)
    chapters = _write_chapters(app, downloads)
    log.info(
        "vgrad downloads: %s, %d gallery file(s) with install headers, %d chapter notebook(s)",
        app.vgrad_wheel["wheel"],
        patched,
        len(chapters) // 2,
    )


def setup(app: Any) -> dict[str, Any]:
    # Shown on the Install page and in the header: a change must re-read the pages.
    app.add_config_value("vgrad_repository_url", "", "env", types=frozenset({str}))
    app.add_config_value("vgrad_repository_branch", "main", "env", types=frozenset({str}))
    app.add_config_value("vgrad_install_page", "install", "env", types=frozenset({str}))
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("source-read", _on_source_read)
    app.connect("doctree-read", _add_install_note)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _on_build_finished)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
