"""Exercises on the chapter pages: the student edition and the list of all exercises.

The exercises and their worked solutions are sphinx-exercise directives at the end of each
chapter. A solution is written in the gated form, so that it can hold executed code cells::

    ```{solution-start} ex-label
    :class: dropdown
    ```
    prose, {code-cell} cells that compute and assert every number, glued values
    ```{solution-end}
    ```

This extension adds two things sphinx-exercise does not do:

``vgrad_student = True`` (the tag ``student``: ``nox -s docs -- --student``)
    The student edition: every solution is removed from the pages, and from the chapter
    notebooks and sources offered for download. sphinx-exercise's own ``hide_solutions``
    drops only the ``solution-start`` marker of a gated solution and leaves its content on
    the page, so this removes the merged solution nodes instead. The solution cells still
    execute (with the same myst-nb cache as the full build): a wrong solution fails the
    student build too.
``.. vgrad-exercise-list::``
    Replaced at build time by every exercise on the site, chapter by chapter in the order
    of the root toctree, each linked to its page; nothing to keep in step by hand. The page
    is re-read whenever another page changes (``vgrad_generated_list_docs``, teaching.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

LIST_DOC = "exercises"


class exercise_list(nodes.General, nodes.Element):
    """Placeholder for the generated list of exercises."""


def placeholder_directive(node_class: type[nodes.Element]) -> type[SphinxDirective]:
    """A directive that leaves a ``node_class`` node, filled at doctree-resolved."""
    return type(node_class.__name__, (SphinxDirective,), {"run": lambda self: [node_class()]})


class RemoveSolutions(SphinxTransform):
    """Student edition: drop every solution, after sphinx-exercise has merged the gated
    ones (its MergeGatedSolutions runs at priority 10)."""

    default_priority = 11

    def apply(self, **kwargs: Any) -> None:
        if not self.config.vgrad_student:
            return
        from sphinx_exercise.nodes import solution_node

        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def _fill_list(app: Any, doctree: nodes.document, docname: str) -> None:
    """Each page's exercises (sphinx-exercise's registry) in reading order, numbered and
    titled as the page shows them, linked; the list page's own projects are right there."""
    from sphinx_exercise.nodes import exercise_subtitle

    env = app.env
    registry = getattr(env, "sphinx_exercise_registry", {})
    for placeholder in list(doctree.findall(exercise_list)):
        content: list[nodes.Node] = []
        for doc in env.collect_relations():  # the pages in reading order (previous/next)
            found = sorted(
                (info["node"]["serial_number"], label, info["node"])
                for label, info in registry.items()
                if info["type"] == "exercise" and info["docname"] == doc != LIST_DOC
            )
            if not found:
                continue
            page = app.builder.get_relative_uri(docname, doc)
            title = nodes.strong(text=env.titles[doc].astext())
            head = nodes.paragraph("", "", nodes.reference("", "", title, refuri=page))
            items = nodes.bullet_list(classes=["vgrad-exercise-list"])
            numbers = env.toc_fignumbers.get(doc, {}).get("exercise", {})
            for _, label, node in found:
                subtitle = next(iter(node.findall(exercise_subtitle)), None)
                subtitle = subtitle.astext().strip() if subtitle else ""
                text = "Exercise " + ".".join(str(n) for n in numbers.get(label, ()))
                text += f": {subtitle}" if subtitle else ""
                link = nodes.reference("", text, refuri=f"{page}#{label}", internal=True)
                items += nodes.list_item("", nodes.paragraph("", "", link))
            content.append(nodes.container("", head, items, classes=["vgrad-exercise-chapter"]))
        if not content:
            content = [nodes.paragraph(text="No page has exercises yet.")]
        placeholder.replace_self(content)


# -- Student edition: the downloads ----------------------------------------------------------

_START = re.compile(r"^```\{solution-start\}.*?\n```[ \t]*\n", re.M | re.S)
_END = re.compile(r"^```\{solution-end\}[^\n]*\n```[ \t]*(\n|$)", re.M)


def _cut(text: str, inside: bool) -> tuple[str, bool]:
    """``text`` without what lies between ``solution-start`` and ``solution-end`` markers,
    starting ``inside`` a solution or not; and whether it ends inside one."""
    kept, pos = [], 0
    while (marker := (_END if inside else _START).search(text, pos)) is not None:
        if not inside:
            kept.append(text[pos : marker.start()])
        pos, inside = marker.end(), not inside
    return "".join(kept) + ("" if inside else text[pos:]), inside


def strip_solutions_text(text: str) -> str:
    """MyST source without its gated solutions (from ``solution-start`` to ``solution-end``).

    Raises
    ------
    ValueError
        If a ``solution-start`` has no ``solution-end`` after it.
    """
    out, inside = _cut(text, False)
    if inside:
        raise ValueError("a solution-start has no solution-end")
    return out


def strip_solutions_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """A notebook without the cells and text between ``solution-start`` and ``solution-end``
    (the markers sit in markdown cells; the code cells between them go too)."""
    cells, inside = [], False
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            if not inside:
                cells.append(cell)
            continue
        text, inside = _cut("".join(cell.get("source", "")), inside)
        if text.strip():
            cells.append({**cell, "source": text})
    if inside:
        raise ValueError("a solution-start has no solution-end")
    return {**nb, "cells": cells}


def _strip_downloads(app: Any, exception: Exception | None) -> None:
    if exception is not None or not app.config.vgrad_student or app.builder.format != "html":
        return
    pages = Path(app.outdir) / "_downloads" / "pages"
    for path in sorted(pages.rglob("*.md")) if pages.is_dir() else []:
        path.write_text(strip_solutions_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in sorted(pages.rglob("*.ipynb")) if pages.is_dir() else []:
        nb = strip_solutions_notebook(json.loads(path.read_text(encoding="utf-8")))
        text = json.dumps(nb, indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("sphinx_exercise")
    app.add_config_value("vgrad_student", False, "env", bool)
    app.add_node(exercise_list)
    app.add_directive("vgrad-exercise-list", placeholder_directive(exercise_list))
    app.add_transform(RemoveSolutions)
    app.connect("doctree-resolved", _fill_list)
    # After chapter_downloads.py writes the chapter notebooks (its handler has the default 500).
    app.connect("build-finished", _strip_downloads, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
