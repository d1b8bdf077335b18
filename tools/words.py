"""Count what a reader meets on each chapter's main path: prose words, formulas, figures.

The main path is a chapter from its title to its "Exercises" section, without the
collapsed "Going further" blocks (``{going-further-start}`` to ``{going-further-end}``).
Prose is what :func:`claims.page_paragraphs` keeps (no code cells, no display formulas,
no directive options); inline formulas and code count as one word each. A chapter meant to
be assigned as a 30-minute core keeps its main path near 1,500 words.

Usage (from the repository root)::

    python tools/words.py                 # the chapters of docs/index.md's toctree
    python tools/words.py docs/gated.md   # some pages
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from claims import _plain, page_paragraphs

#: Reading speed of technical prose with formulas, words per minute: the reading time
#: shown is words / WPM plus a minute per figure, rounded up to 5 minutes.
WPM = 100
_FURTHER = re.compile(
    r"^```\{going-further-start\}.*?^```\{going-further-end\}[^\n]*\n```[ \t]*$", re.M | re.S
)
_EXERCISES = re.compile(r"^## Exercises\b", re.M)
_DISPLAY = re.compile(r"^\$\$", re.M)
_INLINE = re.compile(r"(?<![\\$])\$[^$\n]+\$")
_FIGURE = re.compile(
    r"\bshow\(fig|^(?:```|:::)\{(?:figure|image|glue:figure|gallery-figure|vgrad-live-\w+)\}", re.M
)
#: Chapters are the pages of the root toctree that are not reference material.
NOT_CHAPTERS = {"exercises", "corrections", "install", "api", "references", "auto_examples/index"}


@dataclass
class Count:
    """What one page's main path holds."""

    page: str
    words: int
    formulas: int
    figures: int
    further_words: int

    @property
    def minutes(self) -> int:
        """The reading time shown on the page: rounded up to 5 minutes."""
        raw = self.words / WPM + self.figures
        return max(5, 5 * -(-int(raw) // 5))


def main_path(text: str) -> tuple[str, str]:
    """(the main path, the text of its Going-further blocks)."""
    head = _EXERCISES.split(text, maxsplit=1)[0]
    further = "\n".join(m[0] for m in _FURTHER.finditer(head))
    return _FURTHER.sub("", head), further


def prose_words(text: str) -> int:
    words = 0
    for _, para in page_paragraphs(text):
        plain, _ = _plain(para)
        words += len(re.findall(r"[\w'’\u2013-]+", plain))
    return words


def count(path: Path) -> Count:
    text = path.read_text(encoding="utf-8")
    main, further = main_path(text)
    return Count(
        page=path.stem,
        words=prose_words(main),
        formulas=len(_DISPLAY.findall(main)) // 2 + len(_INLINE.findall(main)),
        figures=len(_FIGURE.findall(main)),
        further_words=prose_words("---\n---\n" + further) if further else 0,
    )


def chapters(docs: Path) -> list[Path]:
    index = (docs / "index.md").read_text(encoding="utf-8")
    toc = re.search(r"```\{toctree\}.*?\n\n(.*?)```", index, re.S)
    names = [n.strip() for n in (toc[1] if toc else "").splitlines() if n.strip()]
    return [docs / f"{n}.md" for n in names if n not in NOT_CHAPTERS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.files or chapters(Path("docs"))
    print("| page | main-path words | formulas | figures | reading time | going further |")
    print("|---|---|---|---|---|---|")
    total = 0
    for path in paths:
        c = count(path)
        total += c.words
        print(
            f"| {c.page} | {c.words:,} | {c.formulas} | {c.figures} | {c.minutes} min "
            f"| {c.further_words:,} words |"
        )
    print(f"| total | {total:,} | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
