"""MathJax 4, served from the site itself.

MathJax 4 rather than 3 for its ``displayOverflow`` option: a display formula wider than its
column scrolls in its own box (conf.py says why). Inline formulas are kept whole
(``linebreaks.inline`` off); none is wider than a phone's column, which the browser tests
check. No Python package ships it,
so ``tools/web/package.json`` pins it (and its default font, New Computer Modern) and
``npm ci`` in ``tools/web`` installs it; ``nox -s docs`` and ``nox -s browser`` run that
step, and its lock file (``tools/web/package-lock.json``) fixes every byte by its hash.
This extension copies the parts a browser loads into ``_static/mathjax`` of the output:
the CHTML components, the accessibility code with the speech rule engine's locale files
(the formula menu loads them on demand), and the font's CHTML data and woff2 files under
``_static/mathjax/fonts``. conf.py points MathJax's loader there (``loader.paths.fonts``),
so reading the site never needs the network, and building it needs none after ``npm ci``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

WEB_DIR = Path(__file__).resolve().parents[2] / "tools" / "web"
NODE_MODULES = WEB_DIR / "node_modules"
#: The entry point, relative to ``_static`` (conf.py's ``mathjax_path``).
ENTRY = "mathjax/tex-mml-chtml.js"
FONT = "mathjax-newcm"
#: Where the loader finds fonts, as a MathJax loader path (conf.py's ``loader.paths``).
FONTS_PATH = "[mathjax]/fonts"

# Never loaded in a browser by the CHTML component: the SVG output, node entry points.
_SKIP = shutil.ignore_patterns(
    "*svg*", "node-main*", "require.mjs", "*.md", "package.json", "cjs", "mjs", "*.map"
)


def _version(package: Path) -> str:
    return json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]


def sources() -> tuple[Path, Path]:
    """The installed MathJax package and its font package; a clear error if absent."""
    mathjax = NODE_MODULES / "mathjax"
    font = NODE_MODULES / "@mathjax" / f"{FONT}-font"
    if not (mathjax / "tex-mml-chtml.js").is_file() or not (font / "chtml.js").is_file():
        raise RuntimeError(
            f"MathJax 4 is not installed in {NODE_MODULES}: run `npm ci` in {WEB_DIR} "
            "(nox -s docs does it), or the site would have no formulas offline"
        )
    return mathjax, font


def _copy(app: Any) -> None:
    if app.builder.format != "html":
        return
    mathjax, font = sources()
    dest = Path(app.outdir) / "_static" / "mathjax"
    stamp = dest / ".dist-version"
    version = f"mathjax {_version(mathjax)}, {font.name} {_version(font)}"
    if stamp.is_file() and stamp.read_text() == version:
        return
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(mathjax, dest, ignore=_SKIP)
    font_dest = dest / "fonts" / font.name
    font_dest.mkdir(parents=True)
    shutil.copy2(font / "chtml.js", font_dest / "chtml.js")
    shutil.copytree(font / "chtml", font_dest / "chtml")
    for package, target in ((mathjax, dest), (font, font_dest)):
        if (package / "LICENSE").is_file():
            shutil.copy2(package / "LICENSE", target / "LICENSE")
    stamp.write_text(version)


def setup(app: Any) -> dict[str, Any]:
    sources()  # fail at once, before any page is read, if npm ci has not run
    app.connect("builder-inited", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
