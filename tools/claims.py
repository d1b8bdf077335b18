"""List prose sentences that state a number or a direction without a check.

The site's rule: every number, comparison or direction in prose (chapter pages and the text
of gallery scripts) is glued from a cell that asserts it, cites its source, or is a
definition or a parameter. This tool finds the sentences that may break the rule: those
that hold a number (a digit outside formulas and code, other than an equation, exercise or
figure number or a year; a number word from "four" up, "twice", "tenfold"; a decimal inside
a formula) or a comparison ("than", "more", "larger", "faster", "at most", "orders of
magnitude", "impossible", ...), and hold neither a ``{glue...}`` role nor a
citation. Each remaining sentence must either be rewritten so that it is checked, or carry
an entry with a one-line reason in ``tools/claims/<file name>.toml``::

    [[allow]]
    text = "a substring of the sentence as this tool prints it"
    why = "definition of rho"

An entry whose text matches no listed sentence is stale and is an error too, so that the
reasons stay in step with the prose.

Usage (from the repository root; ``nox -s lint`` runs it on every page and script)::

    python tools/claims.py                       # docs/*.md and gallery/**/*.py
    python tools/claims.py docs/clipping.md      # some files
    python tools/claims.py --all docs/index.md   # also the sentences that are checked

Exit status 1 if a sentence has no check and no reason, or an entry is stale.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

#: The checkout whose files are checked: the current folder (run it from the repository root).
REPO_ROOT = Path.cwd()
ALLOW_DIR = REPO_ROOT / "tools" / "claims"
#: Pages that are not prose a reader learns from (the API index, the bibliography).
SKIP_PAGES = {"api.md", "references.md"}

_NUMBER_WORDS = (
    "four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty hundreds? thousands? "
    "millions? halves twice double doubles triple tenfold hundredfold thousandfold dozens?"
)
_DIRECTION_WORDS = (
    r"than more less fewer larger smaller bigger higher lower "
    r"faster fastest slower slowest greater greatest longer longest shorter shortest exceeds? "
    r"impossible"
)
TRIGGER = re.compile(
    r"(?P<digit>(?<![\w.])\d+(?:[.,]\d+)*%?)"
    rf"|\b(?P<word>{'|'.join(_NUMBER_WORDS.split())})\b"
    rf"|\b(?P<direction>{'|'.join(_DIRECTION_WORDS.split())}|at (?:most|least)"
    r"|orders? of magnitude|\w+fold|times (?:larger|smaller|more|less|faster|slower))\b",
    re.I,
)
#: A decimal number inside a formula: a value, not an index or an exponent.
MATH_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+")
CHECKED = re.compile(r"\{glue(?::\w+)?\}`|\{cite(?::\w+)?\}`")
#: Numbers that are names, not claims: equation, exercise, figure and section numbers,
#: years of publications.
NAME_NUMBER = re.compile(
    r"\b(?:eqs?\.|equations?|exercises?|figures?|fig\.|sections?|chapters?|steps? \d+ to|"
    r"python|numpy|matplotlib|sphinx|version)\s*\(?\d[\d.\u2013-]*\)?"
    r"|\b(?:19|20)\d\d[a-z]?\b",
    re.I,
)


@dataclass
class Sentence:
    """One prose sentence: where it starts, its text as written, and what it holds."""

    path: Path
    line: int
    text: str
    triggers: list[str]
    checked: bool


# -- MyST pages -------------------------------------------------------------------------------

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\{([\w:-]+)\})?")
#: Fenced directives whose body is prose (the rest, code cells and tables of code, are not).
_PROSE_DIRECTIVES = {"exercise", "admonition", "note", "warning", "tip", "important", "only"}
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_INLINE_CODE = re.compile(r"``?[^`]+``?")
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$]+)\$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _role_text(match: re.Match) -> str:
    role, body = match[1], match[2]
    if role.startswith("glue"):
        return "GLUED"
    if role.startswith("cite"):
        return "CITED"
    if role in ("eq", "numref"):
        return "(EQ)"
    if role in ("math",):
        return f"${body}$"
    # {doc}`title <target>`, {ref}`text <target>`, {py:func}`name`: the visible words.
    visible = re.sub(r"\s*<[^>]*>$", "", body).lstrip("~!")
    return "NAME" if role.startswith("py:") else visible


def _plain(text: str) -> tuple[str, list[str]]:
    """Prose with roles, code and links reduced to what a reader sees, and formulas
    replaced by ``MATH``; also the decimals found inside formulas."""
    text = _ROLE.sub(_role_text, text)
    text = _INLINE_CODE.sub("CODE", text)
    text = _LINK.sub(r"\1", text)
    decimals: list[str] = []

    def math(match: re.Match) -> str:
        decimals.extend(MATH_DECIMAL.findall(match[1]))
        return "MATH"

    return _INLINE_MATH.sub(math, text), decimals


def page_paragraphs(text: str) -> list[tuple[int, str]]:
    """The prose paragraphs of a MyST page, each with the line it starts on."""
    lines = text.splitlines()
    out: list[tuple[int, str]] = []
    para: list[str] = []
    start = 0
    i = 0
    if lines and lines[0].strip() == "---":  # front matter
        i = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), 0) + 1
    fence: str | None = None
    prose_fences: list[str] = []  # open fenced directives whose body is prose
    in_display_math = False

    def flush() -> None:
        nonlocal para
        if para:
            out.append((start + 1, " ".join(para)))
        para = []

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if fence is not None:  # inside a non-prose fence
            if stripped.startswith(fence) and stripped.strip("`~") == "":
                fence = None
            i += 1
            continue
        if in_display_math:
            if "$$" in stripped:
                in_display_math = False
            i += 1
            continue
        m = _FENCE.match(stripped)
        if m:
            flush()
            name = m[3] or ""
            if not name and prose_fences and m[1] == prose_fences[-1]:
                prose_fences.pop()  # the end of a prose directive such as an exercise
            elif name in _PROSE_DIRECTIVES:
                prose_fences.append(m[1])
            else:
                fence = m[1]
            i += 1
            continue
        if stripped.startswith("$$"):
            flush()
            in_display_math = stripped.count("$$") == 1 or stripped == "$$"
            i += 1
            continue
        if (
            not stripped
            or stripped.startswith((":::", "%", "<!--", "```"))
            or re.fullmatch(r"\(.+\)=", stripped)
            or re.fullmatch(r":[\w-]+:.*", stripped)
        ):
            flush()
            i += 1
            continue
        if _MARKER.match(stripped):
            flush()  # a heading or a list item is a paragraph of its own
        if not para:
            start = i
        para.append(_MARKER.sub("", stripped))
        i += 1
    flush()
    return out


#: A heading or list marker, which is not part of the sentence (its digits are no claim).
_MARKER = re.compile(r"^(#{1,6}\s+|[-*+]\s+|\d+\.\s+)")


# -- gallery scripts --------------------------------------------------------------------------


def script_paragraphs(text: str) -> list[tuple[int, str]]:
    """The prose of a sphinx-gallery script: its docstring and its ``# %%`` text blocks."""
    out: list[tuple[int, str]] = []
    tree = ast.parse(text)
    doc = ast.get_docstring(tree, clean=False)
    if doc and tree.body:
        first = tree.body[0].lineno
        out += [(first + n, p) for n, p in _rst_paragraphs(doc.splitlines())]
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("# %%"):
            block, j = [], i + 1
            while j < len(lines) and lines[j].startswith("#"):
                block.append(lines[j][1:].removeprefix(" "))
                j += 1
            out += [(i + 2 + n, p) for n, p in _rst_paragraphs(block)]
            i = j
        else:
            i += 1
    return out


def _rst_paragraphs(lines: list[str]) -> list[tuple[int, str]]:
    out, para, start, in_literal = [], [], 0, False
    for n, line in enumerate([*lines, ""]):
        stripped = line.strip()
        if in_literal:
            if stripped and not line.startswith((" ", "\t")):
                in_literal = False
            else:
                continue
        if not stripped or re.fullmatch(r"[=\-~^*#]{3,}", stripped) or stripped.startswith(".."):
            if para:
                out.append((start, " ".join(para)))
            para = []
            in_literal = stripped.startswith(".. math") or stripped.startswith(".. code")
            continue
        if para and _MARKER.match(stripped):  # a list item is a paragraph of its own
            out.append((start, " ".join(para)))
            para = []
        if not para:
            start = n
        para.append(_MARKER.sub("", stripped))
    return out


_RST_ROLE = re.compile(r":(\w+(?::\w+)?):`([^`]*)`")


def _rst_to_myst(text: str) -> str:
    """Gallery prose in reST: ``:math:`x``` as a formula, other roles as their text."""

    def role(match: re.Match) -> str:
        name, body = match[1], match[2]
        if name == "math":
            return f"${body}$"
        if name.startswith("cite") or name == "footcite":
            return "CITED"
        return re.sub(r"\s*<[^>]*>$", "", body).lstrip("~!")

    return _RST_ROLE.sub(role, text)


# -- sentences --------------------------------------------------------------------------------

_SPLIT = re.compile(r"(?<=[.!?])[)\"'*]*\s+(?=[*_]*[A-Z(\[{$])")


def sentences(path: Path) -> list[Sentence]:
    """Every prose sentence of a page or a gallery script, with its triggers."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        paragraphs = [(n, _rst_to_myst(p)) for n, p in script_paragraphs(text)]
    else:
        paragraphs = page_paragraphs(text)
    out = []
    for line, para in paragraphs:
        for raw in _SPLIT.split(para):
            raw = raw.strip()
            if not raw:
                continue
            plain, decimals = _plain(raw)
            scan = NAME_NUMBER.sub("", plain)
            triggers = [m[0] for m in TRIGGER.finditer(scan)] + decimals
            checked = "GLUED" in plain or "CITED" in plain or bool(CHECKED.search(raw))
            out.append(Sentence(path, line, re.sub(r"\s+", " ", raw), triggers, checked))
    return out


def allow_entries(path: Path) -> list[dict[str, str]]:
    """The reasoned entries for ``path`` (``tools/claims/<name>.toml``)."""
    file = ALLOW_DIR / f"{path.name}.toml"
    if not file.is_file():
        return []
    entries = tomllib.loads(file.read_text(encoding="utf-8")).get("allow", [])
    for entry in entries:
        if not entry.get("text") or not entry.get("why", "").strip():
            raise ValueError(f"{file}: every [[allow]] needs a text and a why: {entry!r}")
    return entries


def default_files() -> list[Path]:
    pages = [p for p in sorted((REPO_ROOT / "docs").glob("*.md")) if p.name not in SKIP_PAGES]
    return pages + sorted((REPO_ROOT / "gallery").rglob("plot_*.py"))


def check(paths: list[Path], show_all: bool = False) -> int:
    """Print the unchecked sentences and stale entries of ``paths``; return how many."""
    problems = 0
    for path in paths:
        entries = allow_entries(path)
        used = [0] * len(entries)
        for s in sentences(path):
            if not s.triggers:
                continue
            reason = None
            if not s.checked:
                for k, entry in enumerate(entries):
                    if entry["text"] in s.text:
                        used[k] += 1
                        reason = entry["why"]
                        break
            rel = path
            if s.checked or reason:
                if show_all:
                    status = "glued/cited" if s.checked else f"allowed: {reason}"
                    print(f"{rel}:{s.line}: [{status}] {s.text}")
                continue
            problems += 1
            print(f"{rel}:{s.line}: [{', '.join(dict.fromkeys(s.triggers))}] {s.text}")
        for entry, n in zip(entries, used, strict=True):
            if n == 0:
                problems += 1
                where = f"{ALLOW_DIR.name}/{path.name}.toml"
                print(f"{where}: stale entry, matches nothing: {entry['text']!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="pages and scripts (default: all)")
    parser.add_argument("--all", action="store_true", help="also list the checked sentences")
    args = parser.parse_args(argv)
    paths = args.files or default_files()
    problems = check(paths, args.all)
    print(f"{problems} sentence(s) or entries without a check or a reason in {len(paths)} file(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
