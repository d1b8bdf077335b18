"""The API pages' short names and the members autodoc leaves out (docs/_ext/api_links.py,
``autodoc_default_options`` in docs/conf.py). No Sphinx, no build."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest

import vgrad

DOCS = Path(__file__).resolve().parents[1] / "docs"
if str(DOCS / "_ext") not in sys.path:
    sys.path.append(str(DOCS / "_ext"))

import api_links  # noqa: E402

MODULES = [importlib.import_module(f"vgrad.{m.name}") for m in pkgutil.iter_modules(vgrad.__path__)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vgrad.rnn.RNN", ["vgrad.rnn.RNN", "vgrad.RNN"]),
        ("vgrad.rnn.RNN.forward", ["vgrad.rnn.RNN.forward", "vgrad.RNN.forward"]),
        ("vgrad.clipping.clip_by_norm", ["vgrad.clipping.clip_by_norm", "vgrad.clip_by_norm"]),
        ("vgrad.activations.ACTIVATIONS", ["vgrad.activations.ACTIVATIONS", "vgrad.ACTIVATIONS"]),
        ("vgrad.rnn", ["vgrad.rnn"]),
        ("vgrad.RNN", ["vgrad.RNN"]),
        ("vgrad.diagram.unrolled_rnn", ["vgrad.diagram.unrolled_rnn"]),
        ("vgrad.activations.RNN", ["vgrad.activations.RNN"]),  # not this module's RNN
        ("numpy.linalg.norm", ["numpy.linalg.norm"]),
    ],
)
def test_spellings(name: str, expected: list[str]) -> None:
    assert api_links.spellings(name) == expected


def test_every_reexported_class_and_function_has_its_short_spelling() -> None:
    for short in vgrad.__all__:
        obj = getattr(vgrad, short)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            documented = f"{obj.__module__}.{obj.__qualname__}"
            assert api_links.spellings(documented) == [documented, f"vgrad.{short}"]


def test_autodoc_leaves_out_every_class_bound_to_a_second_name() -> None:
    """``RNN.TRACE = RNNTrace`` would be a second entry, "alias of RNNTrace", on RNN's page."""
    tree = ast.parse((DOCS / "conf.py").read_text())
    options = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", None) == "autodoc_default_options" for t in node.targets)
    )
    excluded = {name.strip() for name in options.get("exclude-members", "").split(",")}
    aliases = {
        attr
        for module in MODULES
        for cls in vars(module).values()
        if inspect.isclass(cls) and cls.__module__ == module.__name__
        for attr, value in vars(cls).items()
        if inspect.isclass(value) and attr != value.__name__
    }
    assert aliases  # RNN.TRACE, LSTM.GRADIENTS, ...
    assert aliases <= excluded
    # exclude-members does not reach the module pages' class tables (autosummary asks only
    # autodoc-skip-member), so no module binds a class of its own to a second name.
    assert not [
        f"{module.__name__}.{name}"
        for module in MODULES
        for name, value in vars(module).items()
        if inspect.isclass(value) and value.__module__ == module.__name__ and name != value.__name__
    ]
