"""One job: every download says how to run it, and every chapter is a download.

* **Gallery downloads.** Every gallery script and notebook the site offers, alone or in a
  zip, starts with a header naming its page and the install commands (:func:`script_header`,
  :func:`notebook_header`). The files are patched where readers get them, in the output's
  ``_downloads``; sphinx-gallery's own files stay as it wrote them. Each example's page also
  says, in sphinx-gallery's "download" note, where the Install page is.
* **Every chapter as a notebook.** Each executed page (a MyST page with code cells) offers
  ``_downloads/pages/<page>.ipynb`` (myst-nb's executed notebook, outputs included, with the
  install cell and the notation macros first) and ``_downloads/pages/<page>.md``, its
  source, in the right sidebar (``_templates/vgrad-page-downloads.html``).

Why not a library feature: sphinx-gallery's ``first_notebook_cell`` is one fixed string for
every notebook (``docs/conf.py`` sets it to ``%matplotlib inline``), so it cannot name each
notebook's page; sphinx-gallery has no header for scripts or zips, and its download note is
a fixed template (``EXAMPLE_HEADER`` in ``sphinx_gallery/gen_rst.py``). myst-nb writes each
page's executed notebook to ``jupyter_execute/`` but offers no download of it, and
pydata-sphinx-theme has no download button (Sphinx's ``html_copy_source`` publishes sources
as ``_sources/<page>.md.txt``, not as notebooks).
"""

from __future__ import annotations

import json
import posixpath
import shutil
import zipfile
from pathlib import Path
from typing import Any

import sitebuild
from site_wheel import wheel_name

#: Chapter notebooks and sources, under the output's ``_downloads``.
PAGES_DIR = "pages"
#: First line of every header this module writes (it is never written twice).
MARKER = "# From the vgrad site"


def install_lines(version: str, install_url: str) -> list[str]:
    """Comment lines naming the commands that install what a download needs (vgrad's
    ``version`` names the wheel; ``install_url`` is the Install page's URL or path)."""
    return [
        "# It needs vgrad and matplotlib. Uncomment one line to install them into this kernel:",
        f"# %pip install {wheel_name(version)} matplotlib  # the wheel from the site, offline",
        "# %pip install vgrad matplotlib  # from PyPI, once vgrad is released there",
        f"# (the wheel, and how to install from a clone: {install_url})",
    ]


def script_header(page_url: str, install_url: str, version: str) -> str:
    """The comment block put at the top of every downloaded gallery script: lines ending in
    a newline, starting with :data:`MARKER` and the example's page (a URL or a path)."""
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
    """The first cell of a downloaded notebook: :data:`MARKER` and its page, then
    :func:`install_lines`. Comment lines only: running the cell does nothing."""
    return "\n".join([f"{MARKER}: {page_url}", *install_lines(version, install_url)])


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def patch_gallery_notebook(nb: dict[str, Any], header: str, first_cell: str) -> dict[str, Any]:
    """A sphinx-gallery notebook whose first cell, sphinx-gallery's ``first_notebook_cell``
    (``first_cell``; an older build's cell ends with it too), gets ``header`` in front; a
    notebook without that cell gets ``header`` as a new first cell."""
    cells = nb.setdefault("cells", [])
    source = "".join(cells[0].get("source", "")).strip() if cells else ""
    if source.startswith(MARKER):
        return nb
    if first_cell.strip() and source.endswith(first_cell.strip()):
        cells[0]["source"] = header + "\n" + first_cell.strip()
    else:
        cells.insert(0, _cell("code", header))
    return nb


def chapter_notebook(nb: dict[str, Any], header: str, macros: dict[str, Any]) -> dict[str, Any]:
    """A page's executed notebook ``nb`` (nbformat 4, as myst-nb wrote it) as readers
    download it: first an install cell (``header``), then a markdown cell defining the
    notation ``macros`` (``name -> body`` or ``name -> [body, n_args]``) for Jupyter's
    MathJax; cell timings and myst-nb's bookkeeping are dropped, outputs are kept. A new
    notebook; a ValueError if ``nb`` is not nbformat 4."""
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


def _in_gallery(app: Any, docname: str) -> bool:
    """Whether ``docname`` is a page (or a file) of a sphinx-gallery gallery."""
    galleries = sitebuild._as_list(app.config.sphinx_gallery_conf.get("gallery_dirs", []))
    return any(docname.startswith(g + "/") for g in galleries)


def _doc_url(app: Any, docname: str) -> str:
    """The page ``docname`` as a URL if ``html_baseurl`` is set, else as ``page <path>``
    (the site's address is not known to the build)."""
    base, target = (app.config.html_baseurl or "").rstrip("/"), app.builder.get_target_uri(docname)
    return f"{base}/{target}" if base else f"page {target}"


def _add_install_note(app: Any, doctree: Any) -> None:
    """Every gallery example's "download" note also points to the Install page."""
    from docutils import nodes
    from sphinx import addnodes

    docname = app.env.current_document.docname
    if not (_in_gallery(app, docname) and posixpath.basename(docname).startswith("plot_")):
        return
    link = nodes.inline("", "the Install page", classes=["xref", "std", "std-doc"])
    kw = dict(refdomain="std", reftype="doc", refexplicit=True, refwarn=True, refdoc=docname)
    ref = addnodes.pending_xref("", link, reftarget="/" + app.config.vgrad_install_page, **kw)
    para = nodes.paragraph("", "", nodes.Text("To run it you need vgrad and matplotlib: see "))
    para += [ref, nodes.Text(" (pip, the wheel of this site, or a clone).")]
    for note in doctree.findall(nodes.note):
        if "sphx-glr-download-link-note" in note.get("classes", []):
            note += para
            return


def _chapter_source(app: Any, docname: str) -> Path | None:
    """The executed notebook of ``docname`` if it is a MyST page with code cells."""
    nb_path = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if _in_gallery(app, docname) or Path(app.env.doc2path(docname)).suffix != ".md":
        return None
    try:
        cells = json.loads(nb_path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    return nb_path if any(c.get("cell_type") == "code" for c in cells) else None


def _on_page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any):
    if doctree is not None and _chapter_source(app, pagename) is not None:
        context["vgrad_page_downloads"] = {
            "notebook": f"_downloads/{PAGES_DIR}/{pagename}.ipynb",
            "source": f"_downloads/{PAGES_DIR}/{pagename}.md",
        }


def _patch_gallery_downloads(app: Any, downloads: Path) -> int:
    version = app.config.release
    install = _doc_url(app, app.config.vgrad_install_page)
    first = app.config.sphinx_gallery_conf["first_notebook_cell"] or ""

    def transform(docname: str, suffix: str, data: bytes) -> bytes:
        if not posixpath.basename(docname).startswith("plot_"):
            return data
        page = _doc_url(app, docname)
        if suffix == ".py":
            if data.startswith(MARKER.encode()):
                return data
            return script_header(page, install, version).encode("utf-8") + data
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
    downloads = Path(app.outdir) / "_downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    patched = _patch_gallery_downloads(app, downloads)
    chapters = _write_chapters(app, downloads)
    logging.getLogger(__name__).info(
        "vgrad downloads: %d gallery file(s) with install headers, %d chapter notebook(s)",
        patched,
        len(chapters) // 2,
    )


def setup(app: Any) -> dict[str, Any]:
    # Downloads and example pages point to it: a change must re-read the pages.
    app.add_config_value("vgrad_install_page", "install", "env", types=frozenset({str}))
    app.connect("doctree-read", _add_install_note)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _on_build_finished)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
