"""Offline MathJax: copy MathJax 3 from the ``sphinx-mathjax-offline`` wheel into the
output's ``_static/mathjax``, so that reading the site requests nothing from a CDN.
``docs/conf.py`` points ``mathjax_path`` at :data:`MATHJAX_ENTRY` when it is installed.
"""

from __future__ import annotations

import shutil
from importlib import metadata, util
from pathlib import Path
from typing import Any

MATHJAX_DIST = "sphinx-mathjax-offline"
#: Entry point inside the bundled MathJax 3 distribution (relative to ``_static``).
MATHJAX_ENTRY = "mathjax/tex-mml-chtml.js"


def mathjax_source() -> Path | None:
    """The MathJax 3 files shipped by the ``sphinx-mathjax-offline`` wheel, if installed."""
    spec = util.find_spec(MATHJAX_DIST)
    if spec is None or not spec.submodule_search_locations:
        return None
    src = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    return src if (src / "tex-mml-chtml.js").is_file() else None


def _copy_mathjax(app: Any) -> None:
    from sphinx.util import logging

    if app.builder.format != "html":
        return
    src = mathjax_source()
    if src is None:
        logging.getLogger(__name__).warning(
            "%s is not installed, so MathJax would be fetched from a CDN at read time; "
            "install the docs extra: pip install -e '.[docs]'",
            MATHJAX_DIST,
            type="vgrad",
            subtype="mathjax",
        )
        return
    dest = Path(app.outdir) / "_static" / "mathjax"
    version = metadata.version(MATHJAX_DIST)
    stamp = dest / ".dist-version"
    if stamp.is_file() and stamp.read_text() == version:
        return
    if dest.exists():
        shutil.rmtree(dest)
    # The SVG renderer and the node entry point are never loaded by the CHTML component;
    # latest.js exists only to fetch the newest MathJax from a CDN.
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*svg*", "node-main.js", "latest.js"))
    stamp.write_text(version)


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _copy_mathjax)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
