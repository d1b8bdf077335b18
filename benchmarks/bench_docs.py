"""Clean-build experiments on the documentation site: build times and reproducibility.

Run with the docs environment's Python from the repository root (``nox -s docs_timing`` and
``nox -s repro`` do exactly this)::

    python benchmarks/bench_docs.py timing            # cold, no-change and one-example builds
    python benchmarks/bench_docs.py timing -j 2       # extra arguments go to sphinx-build
    python benchmarks/bench_docs.py repro             # two clean builds, figures compared

Each experiment builds a fresh copy of the sources (the files git tracks plus untracked
ones it does not ignore, as they are in the working tree) in a temporary directory, so it
starts from nothing, as a clean clone would, and never touches the working tree or its build
output (but for keeping the log of a failed build, see below). Builds use the strict command
of ``nox -s docs`` (``-W --keep-going -n``), with pages and gallery examples executed.

``timing`` reports three wall-clock times, against the project's goals on a 2-core machine:

* cold: the first build of the copy (every example and page executed), goal 60 s;
* no change: the same build again, nothing edited, goal 3 s;
* one example: after a one-line edit of one gallery script (``--example``, default the
  first in the narrative order), which sphinx-gallery reruns alone, goal 10 s.

``repro`` builds two separate copies and compares every image file of the two sites
(``.png``, ``.svg``, ``.jpg``, ``.gif``) byte for byte; it exits 1 if any differs or exists
in one only. It also says which other files of the site differ; those are not figures:
sphinx-gallery's download zips record file times, and an example page that runs longer than
``min_reported_time`` shows its measured run time.

If a build fails, its log is copied to ``docs/_build/bench-logs/`` in the repository (the
temporary copy is deleted) and its errors are printed to stderr: every traceback, warning
and error block of the log, the traceback Sphinx saved if it crashed (kept too), then the
log's last lines.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Where the log of a failed build is kept: git-ignored, and outside the temporary copy.
LOG_DIR = REPO_ROOT / "docs" / "_build" / "bench-logs"
SPHINX_ARGS = ["-W", "--keep-going", "-n", "-b", "html"]
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp"}
GOALS = {"cold": 60.0, "no change": 3.0, "one example": 10.0}


def source_files(root: Path = REPO_ROOT) -> list[Path]:
    """The files of a clean clone plus untracked work in progress (never ignored output)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    # A tracked file deleted in the working tree is still listed by --cached.
    return [Path(p) for p in listing.split("\0") if p and (root / p).is_file()]


def copy_sources(dest: Path, root: Path = REPO_ROOT) -> Path:
    """Copy the sources into ``dest`` (which must not exist) and return it."""
    dest.mkdir(parents=True)
    for rel in source_files(root):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest / rel)
    # The npm install of tools/web (MathJax 4) is ignored output, not a source: the copy
    # links to the repository's, as `npm ci` in the copy would install the same bytes.
    modules = root / "tools" / "web" / "node_modules"
    if modules.is_dir():
        (dest / "tools" / "web" / "node_modules").symlink_to(modules, target_is_directory=True)
    return dest


def build(tree: Path, sphinx_args: list[str], log: Path) -> tuple[float, float]:
    """Build ``tree/docs`` into ``tree/docs/_build/html``.

    Returns the wall-clock seconds and the CPU seconds (user + system) of sphinx-build and
    everything it ran (the Jupyter kernels included). On a machine shared with other work
    the wall clock stretches; the CPU time of a serial build is what it would take alone.
    """
    cmd = [sys.executable, "-m", "sphinx", *SPHINX_ARGS, *sphinx_args]
    cmd += [str(tree / "docs"), str(tree / "docs" / "_build" / "html")]
    start, cpu_start = time.perf_counter(), _children_cpu()
    with log.open("a") as out:
        offset = out.tell()  # this build's part of the log (timing appends three)
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, cwd=tree, stdout=out, stderr=subprocess.STDOUT)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu_start
    if proc.returncode:
        with log.open("rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
        crash = saved_traceback(text)
        kept = keep_log(log, crash)
        sys.stdout.flush()
        sys.stderr.write(failure_report(text, crash))
        where = "".join(f"\n  {k}" for k in kept)
        raise SystemExit(f"sphinx-build failed (exit {proc.returncode}); logs kept:{where}")
    return seconds, cpu


# A line that opens a block worth showing when a build fails: a Python traceback, a Sphinx
# warning or error (with -W every warning is an error), sphinx-gallery's failure summary,
# the head of Sphinx's crash report (its end, with the saved traceback's path, is in the
# log's last lines).
BLOCK_START = re.compile(
    r"Traceback \(most recent call last\)|\bWARNING\b|\bERROR\b|\bCRITICAL\b"
    r"|Unexpected failing examples|\bfailed to execute\b"
    r"|Exception occurred|Extension error|Sphinx error|Configuration error"
)
MAX_BLOCK_LINES = 400  # in all; a log can repeat one traceback many times
TAIL_LINES = 40


def error_blocks(lines: list[str]) -> list[list[str]]:
    """The blocks of a build log that explain a failure, in order.

    A block starts at a line matching BLOCK_START. A Sphinx warning or error runs to the
    line that ends with its ``[type]`` tag (its message can hold a whole traceback, or a
    notebook cell and its error). Otherwise a block runs on over blank lines and lines
    indented deeper than its first (the frames of a traceback), and a traceback also takes
    the unindented line that ends it, the exception.
    """
    blocks: list[list[str]] = []
    i = 0
    while i < len(lines):
        if not BLOCK_START.search(lines[i]):
            i += 1
            continue
        start, end = i, _tagged_end(lines, i)
        if end is None:
            indent = _indent(lines[i])
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
                end += 1
            traceback = "Traceback (most recent call last)" in lines[i]
            if traceback and end < len(lines) and not BLOCK_START.search(lines[end]):
                end += 1  # "ValueError: ...", at the traceback's own indentation
        block = lines[start:end]
        while block and not block[-1].strip():
            block.pop()
        blocks.append(block)
        i = end
    return blocks


SPHINX_MESSAGE = re.compile(r"\b(WARNING|ERROR|CRITICAL):")
TYPE_TAG = re.compile(r"\[[\w.-]+\]\s*$")  # " [mystnb.exec]", " [ref.class]"


def _tagged_end(lines: list[str], i: int) -> int | None:
    """One past the last line of the Sphinx message starting at ``lines[i]``, if it ends
    with a type tag before the next message begins; else None."""
    if not SPHINX_MESSAGE.search(lines[i]):
        return None
    for j in range(i, min(len(lines), i + MAX_BLOCK_LINES)):
        if j > i and SPHINX_MESSAGE.search(lines[j]):
            return None
        if TYPE_TAG.search(lines[j]):
            return j + 1
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def failure_report(text: str, crash: Path | None = None) -> str:
    """What stderr shows of a failed build: the error blocks of its log, the traceback
    Sphinx saved if it crashed, and the log's last lines."""
    lines = ANSI_ESCAPE.sub("", text).splitlines()
    out = ["", _rule("errors in the build log")]
    shown = 0
    blocks = error_blocks(lines)
    for n, block in enumerate(blocks):
        if shown + len(block) > MAX_BLOCK_LINES:
            out.append(f"... and {len(blocks) - n} more blocks: see the full log")
            break
        out += [*block, ""]
        shown += len(block)
    if not blocks:
        out.append("(no traceback, warning or error line in the log)")
    if crash is not None:
        # Sphinx's crash report ends with "Traceback" underlined, then the traceback (with
        # -j, the worker's, which holds the error of the notebook cell or example).
        saved = ANSI_ESCAPE.sub("", crash.read_text(errors="replace")).splitlines()
        n = len(saved)
        heads = [i for i in range(n - 1) if saved[i] == "Traceback" and saved[i + 1][:3] == "==="]
        saved = saved[heads[-1] :] if heads else saved
        if len(saved) > MAX_BLOCK_LINES:
            half = MAX_BLOCK_LINES // 2
            saved = [*saved[:half], "...", *saved[-half:]]
        out += [_rule(f"the traceback Sphinx saved in {crash}"), *saved]
    out += [_rule(f"last {TAIL_LINES} lines of the build log"), *lines[-TAIL_LINES:]]
    return "\n".join(out) + "\n"


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # the colours of IPython's tracebacks
SAVED_TRACEBACK = re.compile(r"full traceback has been saved in:?\s+(\S+)")


def saved_traceback(text: str) -> Path | None:
    """The file where a crashed sphinx-build saved its traceback, if it says so."""
    match = SAVED_TRACEBACK.search(text)
    path = Path(match.group(1)) if match else None
    return path if path is not None and path.is_file() else None


def _rule(title: str) -> str:
    return f"{'=' * 20} {title} {'=' * 20}"


def keep_log(log: Path, *others: Path | None) -> list[Path]:
    """Copy ``log`` (and ``others``) to LOG_DIR: the build copy is deleted on exit."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    kept = []
    for path in (log, *others):
        if path is not None:
            kept.append(LOG_DIR / f"{stamp}-{path.name}")
            shutil.copyfile(path, kept[-1])
    return kept


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def first_example(tree: Path) -> Path:
    """The first gallery script in the site's reading order (docs/_ext/gallery_order.py)."""
    sys.path.insert(0, str(tree / "docs" / "_ext"))
    try:
        import gallery_order
    finally:
        sys.path.pop(0)
    section, names = next(iter(gallery_order.ORDER.items()))
    return tree / "gallery" / section / names[0]


def timing(
    workdir: Path, sphinx_args: list[str], example: str | None
) -> dict[str, tuple[float, float]]:
    warn_if_uncompiled()
    load, cores = os.getloadavg(), os.cpu_count()
    tree = copy_sources(workdir / "src")
    log = workdir / "build.log"
    times = {"cold": build(tree, sphinx_args, log)}
    times["no change"] = build(tree, sphinx_args, log)
    script = tree / example if example else first_example(tree)
    if not script.is_file():
        raise SystemExit(f"no such example: {script}")
    original = script.read_bytes()
    # A real edit (the md5 changes), so sphinx-gallery reruns this one example.
    script.write_bytes(original + b"\n# edited by benchmarks/bench_docs.py\n")
    try:
        times["one example"] = build(tree, sphinx_args, log)
    finally:
        script.write_bytes(original)
    print(f"edited example: {script.relative_to(tree).as_posix()}")
    print(f"load average before: {load[0]:.1f}, after: {os.getloadavg()[0]:.1f} ({cores} cores)")
    print(f"{'build':<13} {'wall s':>7} {'cpu s':>7} {'goal s':>7}")
    for name, (seconds, cpu) in times.items():
        verdict = "ok" if seconds <= GOALS[name] else "over goal"
        print(f"{name:<13} {seconds:7.1f} {cpu:7.1f} {GOALS[name]:7.0f}  {verdict}")
    return times


def warn_if_uncompiled() -> None:
    """Say so when every build will spend seconds compiling the environment's sources."""
    spec = importlib.util.find_spec("sphinx")
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or spec is None or not spec.origin:
        return
    if not (Path(spec.origin).parent / "__pycache__").is_dir():
        print(
            "note: PYTHONDONTWRITEBYTECODE is set and this environment has no bytecode, so "
            "every build recompiles Sphinx, numpy, matplotlib... (nox installs byte-compiled)"
        )


def site_files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def repro(workdir: Path, sphinx_args: list[str]) -> bool:
    sites = []
    for name in ("a", "b"):
        tree = copy_sources(workdir / name)
        seconds, cpu = build(tree, sphinx_args, workdir / f"build-{name}.log")
        print(f"clean build {name}: {seconds:.1f} s (cpu {cpu:.1f} s)")
        sites.append(tree / "docs" / "_build" / "html")
    files_a, files_b = site_files(sites[0]), site_files(sites[1])
    images = sorted(f for f in files_a | files_b if Path(f).suffix.lower() in IMAGE_SUFFIXES)
    missing = [f for f in images if f not in files_a or f not in files_b]
    differ = [
        f
        for f in images
        if f in files_a
        and f in files_b
        and not filecmp.cmp(sites[0] / f, sites[1] / f, shallow=False)
    ]
    # Doctrees hold each copy's absolute paths; they are build state, not the site.
    others = sorted(
        f for f in (files_a & files_b) - set(images) if not f.startswith((".doctrees/", "."))
    )
    other_differ = [f for f in others if not filecmp.cmp(sites[0] / f, sites[1] / f, False)]
    same = len(images) - len(missing) - len(differ)
    print(f"image files: {len(images)}, byte-identical: {same}, differ: {len(differ)}, ", end="")
    print(f"in one build only: {len(missing)}")
    for f in differ:
        print(f"  DIFFERS  {f}")
    for f in missing:
        print(f"  ONLY IN {'a' if f in files_a else 'b'}  {f}")
    kinds = Counter(Path(f).suffix or Path(f).name for f in other_differ)
    summary = "".join(f", {n} {kind}" for kind, n in kinds.most_common())
    print(f"other files of the site: {len(others)}, differ: {len(other_differ)}{summary}")
    for f in other_differ[:20]:
        print(f"  (differs) {f}")
    ok = not differ and not missing and len(images) > 0
    print("REPRODUCIBLE: all figures byte-identical" if ok else "NOT REPRODUCIBLE")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["timing", "repro"])
    parser.add_argument("--example", help="gallery script to edit, relative to the repo root")
    parser.add_argument("--keep", type=Path, help="build here and keep it (must not exist)")
    parser.add_argument(
        "--no-strict", action="store_true", help="warnings are not errors (drops -W)"
    )
    args, sphinx_args = parser.parse_known_args(argv)
    if args.no_strict:
        SPHINX_ARGS.remove("-W")
    if args.keep:
        args.keep.mkdir(parents=True)
        workdir, cleanup = args.keep, None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="vgrad-docs-")
        workdir = Path(cleanup.name)
    try:
        if args.mode == "timing":
            timing(workdir, sphinx_args, args.example)
            return 0
        return 0 if repro(workdir, sphinx_args) else 1
    finally:
        if cleanup is not None:
            cleanup.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
