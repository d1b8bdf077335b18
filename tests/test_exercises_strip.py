"""The student edition's downloads: docs/_ext/exercises.py cuts every gated solution out of
a chapter's MyST source and executed notebook, and nothing else.

(The built student edition itself is checked in tests_browser/test_exercises.py.)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext" / "exercises.py"


@pytest.fixture(scope="module")
def exercises():
    spec = importlib.util.spec_from_file_location("_exercises_under_test", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


START = "```{solution-start} ex-a\n:class: dropdown\n```\n"
END = "```{solution-end}\n```\n"


def test_text_loses_exactly_the_solutions(exercises) -> None:
    text = (
        "intro\n```{exercise} A\n:label: ex-a\n\nDo it.\n```\n\n"
        + START
        + "secret one\n```{code-cell} ipython3\nx = 1\n```\n"
        + END
        + "between\n"
        + START.replace("ex-a", "ex-b")
        + "secret two\n"
        + END
        + "outro\n"
    )
    out = exercises.strip_solutions_text(text)
    assert "secret" not in out and "solution" not in out
    assert out == "intro\n```{exercise} A\n:label: ex-a\n\nDo it.\n```\n\nbetween\noutro\n"


def test_text_without_an_end_is_an_error(exercises) -> None:
    with pytest.raises(ValueError, match="no solution-end"):
        exercises.strip_solutions_text(START + "secret\n")


def _md(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _code(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}


def test_notebook_loses_the_cells_inside_solutions(exercises) -> None:
    nb = {
        "cells": [
            _code("setup = 1"),
            _md("## Exercises\n```{exercise} A\n:label: ex-a\n```\n\n" + START + "secret\n"),
            _code("answer = 42"),
            _md("more secret\n" + END + "\n```{exercise} B\n```\n\n" + START + "x"),
            _code("answer = 43"),
            _md(END),
            _code("after = 1"),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    out = exercises.strip_solutions_notebook(nb)
    sources = ["".join(c["source"]) for c in out["cells"]]
    assert sources == [
        "setup = 1",
        "## Exercises\n```{exercise} A\n:label: ex-a\n```\n\n",
        "\n```{exercise} B\n```\n\n",
        "after = 1",
    ]
    assert len(nb["cells"]) == 7  # the input is not modified


def test_notebook_without_an_end_is_an_error(exercises) -> None:
    nb = {"cells": [_md(START), _code("answer = 42")], "metadata": {}}
    with pytest.raises(ValueError, match="no solution-end"):
        exercises.strip_solutions_notebook(nb)
