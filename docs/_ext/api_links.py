"""The API page's links to the gallery, and its short names.

Each piece is kept because no library option does it (checked against the installed Sphinx
9.0, sphinx-gallery 0.22.1 and myst-parser 5.2.0, their documentation and source):

* **Mini-galleries** (:func:`_add_minigallery`): every documented function and class that a
  gallery example uses gets an "Examples using ..." strip of thumbnails under its docstring.
* **Short names** (:func:`_alias_reexports`): ``vgrad.RNN`` resolves to the entry
  documented as ``vgrad.rnn.RNN``, in roles and in the gallery's code links.
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

import vgrad

BACKREFERENCES_DIR = "gen_modules/backreferences"


def spellings(name: str) -> list[str]:
    """``name`` and, for an object the package re-exports, its short spelling.

    ``vgrad.rnn.RNN.forward`` gives ``["vgrad.rnn.RNN.forward", "vgrad.RNN.forward"]``;
    a name the package does not re-export (``vgrad.rnn``, ``vgrad.diagram.unrolled_rnn``)
    gives ``[name]``. vgrad is one package of flat modules, and api.md documents each
    object once, under its module.
    """
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "vgrad" or parts[2] not in vgrad.__all__:
        return [name]
    module = sys.modules.get(f"vgrad.{parts[1]}")
    if getattr(module, parts[2], None) is not getattr(vgrad, parts[2]):
        return [name]
    return [name, ".".join(["vgrad", *parts[2:]])]


def _add_minigallery(app: Any, what: str, name: str, obj: Any, options: Any, lines: list) -> None:
    """Append a rubric and a ``minigallery`` of the examples that use ``name`` to its docstring.

    Kept, not replaced by a ``.. minigallery::`` line in the autosummary templates:
    sphinx-gallery records a function under the spelling the example imports it by
    (``from vgrad import mse`` gives ``vgrad.mse``, also with ``prefer_full_module``, whose
    "full module" is then ``vgrad``), so the strip needs both spellings; the directive's
    only heading, ``:add-heading:``, is a section title (a page heading with its own anchor,
    not this rubric under the docstring; after the ``autoclass`` of class.rst, it would
    also move the strip below the methods); and a template cannot know whether an object
    has examples, so a rubric written there would stay, empty, above objects that have none
    (the optimisers). Functions and classes only: a class's strip covers its methods too,
    so the pages do not repeat it under every method.
    """
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
    names = spellings(name)
    keys = [key for key in names if used.get(key)]
    if what == "class":
        members = tuple(n + "." for n in names)
        keys += sorted(k for k in used if used[k] and k.startswith(members))
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


def _alias_reexports(app: Any, doctree: Any) -> None:
    """Register ``vgrad.RNN`` as another name of the entry documented as ``vgrad.rnn.RNN``.

    Pages, docstrings and the gallery use the short spelling. Kept: autodoc adds
    ``:canonical:`` (an ``aliased`` entry) only for where a class is defined
    (``__module__.__qualname__``, here the documented name itself), and no Sphinx option
    registers a re-export. The aliases are ``aliased`` entries, so the py domain (and
    sphinx-gallery's code links, which read the same table and prefer a non-aliased entry)
    resolve both spellings to the one documented object.
    """
    domain = app.env.domains["py"]
    docname = app.env.current_document.docname
    for name, entry in list(domain.objects.items()):
        if entry.docname == docname and not entry.aliased:
            for alias in spellings(name)[1:]:
                domain.note_object(alias, entry.objtype, entry.node_id, aliased=True)


def _rehome_nodes(app: Any, doctree: Any) -> None:
    """Point every node at the page's own doctree.

    MyST parses an ``{eval-rst}`` block into a second document that shares the page's
    settings, which hold the build environment, and the nodes it returns keep pointing at
    that document (still so in myst-parser 5.2's ``render_restructuredtext``). Sphinx
    pickles the page with a copy of its settings whose environment is removed; the second
    document keeps the original, environment included, so each page with such a block
    pickled the whole environment with it: about 1.7 MB instead of 0.12 MB for
    unrolled_rnn (2026-12-07), unpickled whenever Sphinx reloads the page (figure
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
