"""The members autodoc leaves out (``autodoc_default_options`` in docs/conf.py). No Sphinx,
no build."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import vgrad

DOCS = Path(__file__).resolve().parents[1] / "docs"
MODULES = [importlib.import_module(f"vgrad.{m.name}") for m in pkgutil.iter_modules(vgrad.__path__)]


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
