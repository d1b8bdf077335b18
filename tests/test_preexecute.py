"""docs/_ext/preexecute.py only helps if it starts between myst-nb's and sphinx-gallery's
builder-inited handlers, which the order of conf.py's extensions decides."""

import ast
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "docs" / "conf.py"


def _extensions() -> list[str]:
    tree = ast.parse(CONF.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "extensions" for t in node.targets
        ):
            return [ast.literal_eval(e) for e in node.value.elts]
    raise AssertionError("conf.py assigns no extensions list")


def test_preexecute_runs_after_myst_nb_and_before_the_gallery():
    ext = _extensions()
    assert ext.index("myst_nb") < ext.index("preexecute") < ext.index("sphinx_gallery.gen_gallery")
