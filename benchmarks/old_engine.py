"""Load a second vgrad, from another checkout, beside the installed one.

The benchmarks compare the engine of this tree with an older one in one process, so that
both meet the same machine load::

    git worktree add --detach ../vgrad-main main
    python benchmarks/bench_train.py --old ../vgrad-main

The other checkout's ``vgrad/`` package is imported under the name ``vgrad_old``; its
modules import each other relatively, so none of them sees this tree's ``vgrad``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load(checkout: str | Path) -> ModuleType:
    """The ``vgrad`` package of ``checkout`` (a repository root), as module ``vgrad_old``."""
    init = Path(checkout).resolve() / "vgrad" / "__init__.py"
    if not init.is_file():
        raise SystemExit(f"--old: no vgrad/__init__.py under {checkout}")
    spec = importlib.util.spec_from_file_location(
        "vgrad_old", init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["vgrad_old"] = module
    spec.loader.exec_module(module)
    return module
