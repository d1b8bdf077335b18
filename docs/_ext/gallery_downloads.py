"""One job: every gallery download says how to run it.

Every gallery script and notebook the site offers, alone or in a zip, starts with a header
naming its page and the install commands (:func:`script_header`, :func:`notebook_header`;
``chapter_downloads`` puts the latter in the chapters' notebooks too). The files are patched
where readers get them, in the output's ``_downloads``; sphinx-gallery's own files stay as it
wrote them. Each example's page also says, in sphinx-gallery's "download" note, where the
Install page is.

Why not a library feature: sphinx-gallery's ``first_notebook_cell`` is one fixed string for
every notebook (``docs/conf.py`` sets it to ``%matplotlib inline``), so it cannot name each
notebook's page; sphinx-gallery has no header for scripts or zips, and its download note is
a fixed template (``EXAMPLE_HEADER`` in ``sphinx_gallery/gen_rst.py``).
"""

from __future__ import annotations

import json
import posixpath
import zipfile
from pathlib import Path
from typing import Any

import sitebuild
from site_wheel import wheel_name

#: First line of every header this module writes (it is never written twice).
MARKER = "# From the vgrad site"


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
    """The first cell of a downloaded notebook: :data:`MARKER` and its page (a URL or a path),
    then the commands that install what it needs (vgrad's ``version`` names the wheel;
    ``install_url`` is the Install page's URL or path). Comment lines only: running the cell
    does nothing."""
    return "\n".join(
        [
            f"{MARKER}: {page_url}",
            "# It needs vgrad and matplotlib. Uncomment one line to install them into this kernel:",
            f"# %pip install {wheel_name(version)} matplotlib  # the wheel from the site, offline",
            "# %pip install vgrad matplotlib  # from PyPI, once vgrad is released there",
            f"# (the wheel, and how to install from a clone: {install_url})",
        ]
    )


def patch_gallery_notebook(nb: dict[str, Any], header: str) -> dict[str, Any]:
    """A sphinx-gallery notebook with ``header`` in front of its first cell (sphinx-gallery's
    ``first_notebook_cell``, which docs/conf.py sets), unless it is there already."""
    cell = nb["cells"][0]
    source = "".join(cell["source"]).strip()
    if not source.startswith(MARKER):
        cell["source"] = header + "\n" + source
    return nb


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


def _patch_gallery_downloads(app: Any, exception: Exception | None) -> None:
    """``build-finished``: put the headers in the gallery's files in the output."""
    if exception is not None or app.builder.format != "html":
        return
    downloads = Path(app.outdir) / "_downloads"
    version = app.config.release
    install = _doc_url(app, app.config.vgrad_install_page)

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
            nb = patch_gallery_notebook(nb, notebook_header(page, install, version))
            return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        return data

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
        elif suffix == ".zip":
            base = posixpath.dirname(src)

            def member(name: str, data: bytes, base: str = base) -> bytes:
                stem, suffix = posixpath.splitext(name)
                return transform(posixpath.join(base, stem), suffix, data)

            patch_zip(path, member)


def setup(app: Any) -> dict[str, Any]:
    # Downloads and example pages point to it: a change must re-read the pages.
    app.add_config_value("vgrad_install_page", "install", "env", types=frozenset({str}))
    app.connect("doctree-read", _add_install_note)
    app.connect("build-finished", _patch_gallery_downloads)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
