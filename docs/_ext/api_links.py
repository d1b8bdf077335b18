"""The API page's links to the gallery, and its short names.

* **Mini-galleries**: every documented object whose name appears in a gallery example gets
  an "Examples using ..." strip of thumbnails, found in sphinx-gallery's backreferences.
* **Short names**: ``vgrad.RNN`` resolves to the entry documented as ``vgrad.rnn.RNN``, in
  roles and in the gallery's code links.
* **Mini-galleries on the pages** come through MyST's ``{eval-rst}`` blocks (MyST cannot run
  the directive itself: it inserts reStructuredText input). Their nodes are re-homed in the
  page's doctree (:func:`_rehome_nodes`).

Classes bound to a second name (``RNN.TRACE = RNNTrace``) are left out by autodoc's
``exclude-members`` (``autodoc_default_options`` in conf.py), not here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

BACKREFERENCES_DIR = "gen_modules/backreferences"


def _public_names(name: str) -> list[str]:
    """Names under which sphinx-gallery may have recorded the object documented as ``name``.

    sphinx-gallery records the shortest import path that yields the same object: for
    ``vgrad.rnn.RNN.forward`` that is ``vgrad.RNN.forward`` when the package re-exports
    ``RNN``. Return ``name`` and every such shorter spelling.
    """
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:i]) in sys.modules:
            break
    else:
        return [name]
    obj = _getattr_path(sys.modules[".".join(parts[:i])], parts[i:])
    keys = [name]
    for j in range(i - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:j]))
        if obj is not None and module is not None and _same(_getattr_path(module, parts[i:]), obj):
            keys.append(".".join(parts[:j] + parts[i:]))
    return keys


def _same(a: Any, b: Any) -> bool:
    """Identity, except that classmethods give a new bound method on every attribute access."""
    if a is b:
        return True
    func = getattr(a, "__func__", None)
    return (
        func is not None
        and func is getattr(b, "__func__", None)
        and getattr(a, "__self__", None) is getattr(b, "__self__", None)
    )


def _getattr_path(obj: Any, attrs: list[str]) -> Any:
    for attr in attrs:
        obj = getattr(obj, attr, None)
        if obj is None:
            return None
    return obj


def _add_minigallery(app: Any, what: str, name: str, obj: Any, options: Any, lines: list) -> None:
    # Functions and classes only: a class's strip covers its methods too, so the API
    # pages do not repeat the same thumbnails under every method.
    if what not in ("function", "class"):
        return
    path = Path(app.srcdir) / BACKREFERENCES_DIR / "backreferences_all.json"
    if not path.is_file():
        return
    # The API pages must be re-read when the set of examples using an object changes.
    app.env.note_dependency(str(path))
    try:
        used = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    names = _public_names(name)
    keys = [key for key in names if used.get(key)]
    if what == "class":
        keys += sorted(k for k in used if used[k] and any(k.startswith(n + ".") for n in names))
    if not keys:
        return
    short = name.rsplit(".", 1)[-1]
    lines.extend(
        [
            "",
            f".. rubric:: Examples using ``{short}``",
            "",
            f".. minigallery:: {' '.join(keys)}",
            "",
        ]
    )


# --------------------------------------------------------------------------------------
# Cross-references to re-exported names


def _alias_reexports(app: Any, doctree: Any) -> None:
    """Register ``vgrad.RNN`` as another name of the entry documented as ``vgrad.rnn.RNN``.

    api.md documents each object once, under its module, but the package re-exports its
    main names and pages, docstrings and the gallery use the short spelling. The aliases
    are noted as ``aliased`` entries, so the py domain (and sphinx-gallery's code links,
    which read the same table) resolve both spellings to the one documented object.
    """
    env = app.env
    docname = env.current_document.docname
    domain = env.domains["py"]
    for name, entry in list(domain.objects.items()):
        if entry.docname != docname or entry.aliased or not name.startswith("vgrad."):
            continue
        for alias in _public_names(name)[1:]:
            domain.note_object(alias, entry.objtype, entry.node_id, aliased=True)


def _rehome_nodes(app: Any, doctree: Any) -> None:
    """Point every node at the page's own doctree.

    MyST parses an ``{eval-rst}`` block into a second document that shares the page's
    settings, which hold the build environment, and the nodes it returns keep pointing at
    that document. Sphinx pickles the page with a copy of its settings whose environment is
    removed; the second document keeps the original, environment included, so each page
    with such a block pickled the whole environment with it: about 1.7 MB instead of 0.12
    MB for unrolled_rnn (2026-12-07), unpickled whenever Sphinx reloads the page (figure
    numbering, parallel or incremental builds).
    """
    for node in doctree.findall():
        if node.document is not doctree:
            node.document = doctree


def setup(app: Any) -> dict[str, Any]:
    # After numpydoc (priority 500) has rewritten the docstring.
    app.connect("autodoc-process-docstring", _add_minigallery, priority=600)
    app.connect("doctree-read", _alias_reexports)
    app.connect("doctree-read", _rehome_nodes)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
