"""The exercises: on every chapter page, with a solution each; listed on the Exercises page;
and absent, solutions and all, from the student edition (``nox -s docs -- --student``).

The full build is ``$VGRAD_SITE`` (default ``docs/_build/html``); the student edition is
the folder ``student`` beside it (``docs/_build/student``). ``nox -s browser`` builds both;
CI builds them with ``nox -s docs`` and ``nox -s docs -- --student`` (the second executes
nothing: it reuses the notebook cache and the gallery output of the first).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SITE

STUDENT = SITE.parent / "student"
#: The pages without exercises: everything in the root toctree but the chapters, and the
#: summary that closes them.
NOT_CHAPTERS = {
    "notation",
    "exercises",
    "corrections",
    "conclusion",  # a one-page summary: its exercises moved with their theory
    "auto_examples/index",
    "install",
    "api",
    "references",
}
MIN_EXERCISES, MAX_EXERCISES = 3, 6


def chapters() -> list[str]:
    """The chapter pages: the root toctree of docs/index.md, minus NOT_CHAPTERS."""
    text = (REPO_ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    block = re.search(r"```\{toctree\}\n(.*?)```", text, re.S)
    assert block is not None, "docs/index.md has no toctree"
    entries = [line.strip() for line in block[1].splitlines() if line.strip() and line[0] != ":"]
    return [e for e in entries if e not in NOT_CHAPTERS]


class _Blocks(HTMLParser):
    """The exercise and solution ``<div>``s of a page, in order: (kind, id, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = []
        self._open: list[tuple[int, int]] = []  # (index into blocks, div depth)
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        self._depth += 1
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        kind = next((k for k in ("exercise", "solution") if k in classes), None)
        if kind is not None:
            self.blocks.append([kind, a.get("id") or "", ""])
            self._open.append((len(self.blocks) - 1, self._depth))

    def handle_endtag(self, tag: str) -> None:
        if tag != "div":
            return
        if self._open and self._open[-1][1] == self._depth:
            self._open.pop()
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for index, _ in self._open:
            self.blocks[index][2] += data


def blocks(site: Path, doc: str) -> list[tuple[str, str, str]]:
    parser = _Blocks()
    parser.feed((site / f"{doc}.html").read_text(encoding="utf-8"))
    return [(k, i, " ".join(t.split())) for k, i, t in parser.blocks]


def _need(site: Path, how: str) -> None:
    if not (site / "index.html").is_file():
        pytest.fail(f"no build at {site}: {how}", pytrace=False)


@pytest.fixture(scope="module")
def student() -> Path:
    _need(STUDENT, "run `nox -s docs -- --student` (nox -s browser builds it too)")
    return STUDENT


def test_every_chapter_has_exercises_each_followed_by_its_solution() -> None:
    docs = chapters()
    assert len(docs) >= 8, docs
    for doc in docs:
        found = blocks(SITE, doc)
        kinds = [k for k, _, _ in found]
        n = kinds.count("exercise")
        assert MIN_EXERCISES <= n <= MAX_EXERCISES, f"{doc}: {n} exercises"
        assert kinds == ["exercise", "solution"] * n, f"{doc}: {kinds}"
        for kind, ident, text in found:
            assert ident, f"{doc}: a {kind} without an id"
            # a difficulty mark in every title; every solution has more than its title
            if kind == "exercise":
                assert re.search(r"· ★{1,3}\)", text), f"{doc}#{ident}: no difficulty mark"
            else:
                assert len(text) > 80, f"{doc}#{ident}: an empty solution"


def test_the_exercises_page_lists_every_exercise_in_order() -> None:
    expected = [
        f"{doc}.html#{ident}"
        for doc in chapters()
        for kind, ident, _ in blocks(SITE, doc)
        if kind == "exercise"
    ]
    text = (SITE / "exercises.html").read_text(encoding="utf-8")
    # Only the generated list: the page's own projects link to the API and the chapters.
    lists = re.findall(r'<div class="vgrad-exercise-chapter[^"]*">(.*?)</ul>', text, re.S)
    listed = re.findall(
        r'<a class="reference internal" href="([^"#]+\.html#[^"]+)"', "".join(lists)
    )
    assert listed == expected


def test_the_student_edition_has_every_exercise_and_no_solution(student: Path) -> None:
    solutions: list[tuple[str, str]] = []
    for doc in chapters():
        full, stud = blocks(SITE, doc), blocks(student, doc)
        assert [b for b in full if b[0] == "exercise"] == stud, doc
        solutions += [(doc, text) for kind, _, text in full if kind == "solution"]
    assert solutions
    # Every file a reader of the student edition gets: pages, the search index, and the
    # notebooks and MyST sources offered for download.
    files = {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in student.rglob("*")
        if p.suffix in (".html", ".js", ".md", ".ipynb", ".txt") and p.is_file()
    }
    for path, text in files.items():
        assert 'class="solution' not in text, path
        assert "{solution" not in text, path
    flat = {p: " ".join(t.split()) for p, t in files.items()}
    for doc, text in solutions:
        # "Solution" and a solution's opening words, which no exercise repeats
        snippet = text.removeprefix("Solution").strip()[:60]
        hits = [p for p, t in flat.items() if snippet in t]
        assert not hits, f"{doc}: solution text {snippet!r} in {hits}"
    # ...and the full edition does have them, in its downloads too.
    nb = json.loads((SITE / "_downloads" / "pages" / "eigenvalues.ipynb").read_text("utf-8"))
    assert any("{solution-start}" in "".join(c["source"]) for c in nb["cells"])


def test_the_student_notebooks_keep_every_other_cell(student: Path) -> None:
    for doc in chapters():
        full = json.loads((SITE / "_downloads" / "pages" / f"{doc}.ipynb").read_text("utf-8"))
        stud = json.loads((student / "_downloads" / "pages" / f"{doc}.ipynb").read_text("utf-8"))
        n_full = sum(c["cell_type"] == "code" for c in full["cells"])
        n_stud = sum(c["cell_type"] == "code" for c in stud["cells"])
        n_solutions = sum(kind == "solution" for kind, _, _ in blocks(SITE, doc))
        # each solution holds at least one code cell, which goes; the rest stays
        assert n_full - n_stud >= n_solutions, doc
        assert n_stud >= n_full - 2 * n_solutions, doc


def test_a_solution_opens_and_closes(browser, base_url: str) -> None:
    page = browser.new_page()
    try:
        page.goto(base_url + "eigenvalues.html#ex-eig-transient")
        solution = page.locator("#ex-eig-transient + .solution, #ex-eig-transient ~ .solution")
        solution = solution.first
        content = solution.locator("section").first
        assert not content.is_visible()
        solution.locator("button.toggle-button").click()
        content.wait_for(state="visible")
        assert "nonnormal_2x2" in content.inner_text()
        solution.locator("button.toggle-button").click()
        content.wait_for(state="hidden")
    finally:
        page.close()


def test_a_reference_to_an_exercise_names_its_number() -> None:
    text = (SITE / "eigenvalues.html").read_text(encoding="utf-8")
    # {ref}`ex-eig-powers` in the solution of ex-eig-sandwich
    link = re.search(r'<a class="reference internal" href="#ex-eig-powers">(.*?)</a>', text, re.S)
    assert link is not None
    number = re.sub(r"<[^>]+>", "", link[1]).strip()
    assert re.fullmatch(r"Exercise \d+", number), number
