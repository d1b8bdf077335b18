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


class ExerciseListDirective(SphinxDirective):
    """``vgrad-exercise-list``: every exercise of the site, by chapter, with links."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        return [exercise_list()]


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


def _chapters(env: Any) -> list[str]:
    """Documents in the order of the root toctree (depth first)."""
    order: list[str] = []

    def walk(doc: str) -> None:
        for child in env.toctree_includes.get(doc, []):
            if child not in order:
                order.append(child)
                walk(child)

    walk(env.config.root_doc)
    return order


def exercises_by_chapter(env: Any) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """``[(docname, [(label, number, subtitle), ...]), ...]`` for every page with exercises,
    in reading order; ``number`` is the page's exercise number as the page shows it."""
    from sphinx_exercise.nodes import exercise_subtitle

    registry = getattr(env, "sphinx_exercise_registry", {})
    out = []
    for doc in _chapters(env):
        if doc == LIST_DOC:  # the list page's own projects are right there
            continue
        entries = [
            (info["node"].get("serial_number", 0), label, info["node"])
            for label, info in registry.items()
            if info["type"] == "exercise" and info["docname"] == doc
        ]
        rows = []
        numbers = env.toc_fignumbers.get(doc, {}).get("exercise", {})
        for _, label, node in sorted(entries, key=lambda e: e[0]):
            number = ".".join(str(n) for n in numbers.get(label, ()))
            subtitle = next(iter(node.findall(exercise_subtitle)), None)
            rows.append((label, number, subtitle.astext().strip() if subtitle else ""))
        if rows:
            out.append((doc, rows))
    return out


def _fill_list(app: Any, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(exercise_list)):
        env = app.env
        content: list[nodes.Node] = []
        for doc, rows in exercises_by_chapter(env):
            title = env.titles[doc].astext()
            head = nodes.paragraph()
            head += nodes.reference(
                "", "", nodes.strong(text=title), refuri=app.builder.get_relative_uri(docname, doc)
            )
            items = nodes.bullet_list(classes=["vgrad-exercise-list"])
            for label, number, subtitle in rows:
                uri = app.builder.get_relative_uri(docname, doc) + "#" + label
                text = f"Exercise {number}" + (f": {subtitle}" if subtitle else "")
                para = nodes.paragraph()
                para += nodes.reference("", text, refuri=uri, internal=True)
                items += nodes.list_item("", para)
            section = nodes.container(classes=["vgrad-exercise-chapter"])
            section += [head, items]
            content.append(section)
        if not content:
            content = [nodes.paragraph(text="No page has exercises yet.")]
        placeholder.replace_self(content)


# -- Student edition: the downloads ----------------------------------------------------------

_START = re.compile(r"^```\{solution-start\}.*?\n```[ \t]*\n", re.M | re.S)
_END = re.compile(r"^```\{solution-end\}[^\n]*\n```[ \t]*(\n|$)", re.M)


def strip_solutions_text(text: str) -> str:
    """MyST source without its gated solutions (from ``solution-start`` to ``solution-end``).

    Raises
    ------
    ValueError
        If a ``solution-start`` has no ``solution-end`` after it.
    """
    out, pos = [], 0
    while (start := _START.search(text, pos)) is not None:
        end = _END.search(text, start.end())
        if end is None:
            raise ValueError(f"solution-start at offset {start.start()} has no solution-end")
        out.append(text[pos : start.start()])
        pos = end.end()
    out.append(text[pos:])
    return "".join(out)


def strip_solutions_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """A notebook without the cells and text between ``solution-start`` and ``solution-end``
    (the markers sit in markdown cells; the code cells between them go too)."""
    cells, inside = [], False
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            if not inside:
                cells.append(cell)
            continue
        text = "".join(cell.get("source", ""))
        kept, pos = [], 0
        while True:
            if not inside:
                start = _START.search(text, pos)
                if start is None:
                    kept.append(text[pos:])
                    break
                kept.append(text[pos : start.start()])
                pos, inside = start.end(), True
            else:
                end = _END.search(text, pos)
                if end is None:
                    break
                pos, inside = end.end(), False
        new = "".join(kept)
        if new.strip():
            cells.append({**cell, "source": new})
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
    app.add_directive("vgrad-exercise-list", ExerciseListDirective)
    app.add_transform(RemoveSolutions)
    app.connect("doctree-resolved", _fill_list)
    # After downloads.py has written the chapter notebooks (its handler has the default 500).
    app.connect("build-finished", _strip_downloads, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
