"""One job: every chapter is a download.

Each executed page (a MyST page with code cells) offers ``_downloads/pages/<page>.ipynb``
(myst-nb's executed notebook, outputs included, with the install cell of
``gallery_downloads`` and the notation macros first) and ``_downloads/pages/<page>.md``, its
source, in the right sidebar (``_templates/vgrad-page-downloads.html``).

Why not a library feature: myst-nb writes each page's executed notebook to
``jupyter_execute/`` but offers no download of it, and pydata-sphinx-theme has no download
button (Sphinx's ``html_copy_source`` publishes sources as ``_sources/<page>.md.txt``, not as
notebooks).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from gallery_downloads import _doc_url, notebook_header

#: Chapter notebooks and sources, under the output's ``_downloads``.
PAGES_DIR = "pages"


def new_cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


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
    cells = [new_cell("code", header), new_cell("markdown", notation), *cells]
    for i, cell in enumerate(cells):  # myst-nb's ids are random; these are reproducible
        cell["id"] = f"cell-{i}"
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


# --------------------------------------------------------------------------------------
# Sphinx wiring


def _chapter_source(app: Any, docname: str) -> Path | None:
    """The executed notebook of ``docname`` if it is a MyST page with code cells."""
    nb_path = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if Path(app.env.doc2path(docname)).suffix != ".md":
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


def _write_chapters(app: Any, exception: Exception | None) -> None:
    """``build-finished``: write every chapter's notebook and source, delete older ones."""
    if exception is not None or app.builder.format != "html":
        return
    version = app.config.release
    install = _doc_url(app, app.config.vgrad_install_page)
    macros = (app.config.mathjax4_config or {}).get("tex", {}).get("macros", {})
    out = Path(app.outdir) / "_downloads" / PAGES_DIR
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


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("gallery_downloads")  # its vgrad_install_page and install cell
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _write_chapters)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
