"""Run every gallery example and every executed page under several OpenBLAS kernels.

Run with the docs environment's Python from the repository root (``nox -s kernels`` does
exactly this, with ``threadpoolctl`` installed)::

    python tools/kernels.py                            # Haswell, Sandybridge, SkylakeX, Prescott
    python tools/kernels.py --kernels Haswell SkylakeX
    python tools/kernels.py --only plot_train_clipping training.md

Why: OpenBLAS chooses its compute kernels by CPU when numpy is imported, and different
kernels add up a matrix product in different orders, so the last bits of every product
differ between machines. Most of what the site computes does not care; a training run is
chaotic and can end somewhere else entirely. ``OPENBLAS_CORETYPE`` forces a kernel, which
lets one machine stand in for several: each kernel the CPU can run is confirmed with
threadpoolctl (a kernel the CPU lacks is skipped, with the reason printed), then every
example runs as a script (``python -W error::RuntimeWarning plot_x.py``, as a reader runs
the download) and every page runs as a notebook (a Jupyter kernel, stderr an error, as in
the strict build).

It fails (exit 1) if anything raises, an assertion that guards the prose included, and
prints the traceback. It then prints the narrated values across kernels: each glued value
of a page as the page shows it (its ``{glue:text}`` format applied), each line a page's
cells print, and each line an example prints. By default it lists those that differ as
shown and counts the rest (those that differ only below the precision shown, and those
identical); ``--all`` lists every one.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = REPO_ROOT / "docs"
GALLERY_DIR = REPO_ROOT / "gallery"
KERNELS = ("Haswell", "Sandybridge", "SkylakeX", "Prescott")
# The names threadpoolctl reports for a forced kernel. OpenBLAS builds without
# DYNAMIC_OLDER serve a request for Prescott with the generic Katmai (SSE) kernels.
REPORTED_AS = {"Prescott": {"Prescott", "Katmai"}}
PAGE_TIMEOUT = 300  # seconds per notebook cell, as generous as the build's nb_execution_timeout
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")


@dataclass
class Job:
    """One example or page, run under one kernel."""

    path: Path
    kernel: str
    ok: bool = False
    seconds: float = 0.0
    error: str = ""
    values: dict[str, str] = field(default_factory=dict)  # narrated name -> shown text

    @property
    def name(self) -> str:
        return self.path.relative_to(REPO_ROOT).as_posix()


def kernel_env(kernel: str) -> dict[str, str]:
    """The environment of the build (one BLAS thread, this vgrad) with ``kernel`` forced."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "MPLBACKEND")}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env["OPENBLAS_CORETYPE"] = kernel
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def probe(kernel: str) -> tuple[str | None, str]:
    """The kernel OpenBLAS really uses when ``kernel`` is asked for: (name, None) if it is
    that kernel, else (None, the reason to skip it)."""
    code = (
        "import json, numpy, threadpoolctl\n"
        "print(json.dumps([i for i in threadpoolctl.threadpool_info()"
        " if i.get('internal_api') == 'openblas']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=kernel_env(kernel), capture_output=True, text=True
    )
    if proc.returncode:
        return None, f"probe failed: {proc.stderr.strip().splitlines()[-1:]}"
    pools = json.loads(proc.stdout)
    if not pools:
        return None, "numpy does not use OpenBLAS here, so OPENBLAS_CORETYPE has no effect"
    used = pools[0].get("architecture") or "unknown"
    if used not in REPORTED_AS.get(kernel, {kernel}):
        return None, f"this CPU cannot run it: OpenBLAS fell back to {used}"
    return used, ""


# -- Running one example or page ----------------------------------------------------------


def run_example(job: Job) -> None:
    """Run a gallery script as a reader runs the download; its narrated values are the
    lines it prints."""
    env = kernel_env(job.kernel) | {"MPLBACKEND": "agg"}
    cmd = [sys.executable, "-W", "error::RuntimeWarning", str(job.path)]
    proc = subprocess.run(cmd, cwd=job.path.parent, env=env, capture_output=True, text=True)
    job.ok = proc.returncode == 0
    job.error = "" if job.ok else proc.stderr or f"exit {proc.returncode}"
    lines = [line.rstrip() for line in proc.stdout.splitlines() if line.strip()]
    job.values = {f"line {i + 1:3d}": line for i, line in enumerate(lines)}


def run_page(job: Job) -> None:
    """Run a page's cells in a Jupyter kernel (this script again, in a child process with
    the kernel's environment, so the Jupyter kernel inherits it)."""
    env = kernel_env(job.kernel)
    cmd = [sys.executable, __file__, "--page-worker", str(job.path)]
    proc = subprocess.run(cmd, cwd=DOCS_DIR, env=env, capture_output=True, text=True)
    if proc.returncode:
        job.error = proc.stderr or f"exit {proc.returncode}"
        return
    result = json.loads(proc.stdout)
    job.ok, job.error = not result["error"], result["error"]
    job.values = shown_values(job.path.read_text(), result["glued"]) | result["printed"]


def page_worker(path: Path) -> int:
    """Execute one MyST notebook page and print, as JSON, its glued values (text/plain),
    the lines its cells print (shown on the page unless the cell is removed) and the
    error, if any."""
    import nbclient
    from myst_nb.core.read import read_myst_markdown_notebook

    nb = read_myst_markdown_notebook(path.read_text())
    error = ""
    with tempfile.TemporaryDirectory(prefix="vgrad-ipython-") as ipython_dir:
        os.environ["IPYTHONDIR"] = ipython_dir  # no user profile: the build uses its own
        client = nbclient.NotebookClient(
            nb, timeout=PAGE_TIMEOUT, kernel_name="python3", resources={"metadata": {}}
        )
        try:
            client.execute(cwd=str(DOCS_DIR))
        except nbclient.exceptions.CellExecutionError as exc:
            error = str(exc)
    glued: dict[str, str] = {}
    printed: dict[str, str] = {}
    code_cells = (cell for cell in nb.cells if cell.cell_type == "code")
    for number, cell in enumerate(code_cells, start=1):
        for out in cell.get("outputs", []):
            if out.get("name") == "stderr" and not error:
                # The strict build turns stderr output of a cell into a failing warning.
                error = f"a cell wrote to stderr:\n{out['text']}"
            if out.get("name") == "stdout":
                lines = [line.rstrip() for line in out["text"].splitlines() if line.strip()]
                for i, line in enumerate(lines, start=len(printed) + 1):
                    printed[f"cell {number:2d}, line {i:3d}"] = line
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = out.get("data", {})
                text = next((v for k, v in data.items() if k.endswith("text/plain")), "")
                glued[name] = text
    print(json.dumps({"glued": glued, "printed": printed, "error": error}))
    return 0


def shown_values(source: str, glued: dict[str, str]) -> dict[str, str]:
    """Each glued value as the page shows it: the format spec of its first
    ``{glue:text}`name:spec``` role applied, or the plain value."""
    specs: dict[str, str] = {}
    for name, spec in GLUE_ROLE.findall(source):
        specs.setdefault(name, spec)
    shown = {}
    for name, text in glued.items():
        spec = specs.get(name, "")
        try:
            value = ast.literal_eval(text)
            shown[name] = format(value, spec) if spec else str(value)
        except (ValueError, SyntaxError, TypeError):
            shown[name] = text
        shown[name + " (stored)"] = text
    return shown


# -- Discovery and report -----------------------------------------------------------------


def executed_pages() -> list[Path]:
    """The pages myst-nb executes: MyST notebooks with at least one code cell."""
    pages = []
    for path in sorted(DOCS_DIR.glob("*.md")):
        text = path.read_text()
        if text.startswith("---") and "file_format: mystnb" in text and "{code-cell}" in text:
            pages.append(path)
    return pages


def examples() -> list[Path]:
    return sorted(GALLERY_DIR.rglob("plot_*.py"))


def report(jobs: list[Job], kernels: list[str], show_all: bool = False) -> int:
    by_path: dict[str, dict[str, Job]] = {}
    for job in jobs:
        by_path.setdefault(job.name, {})[job.kernel] = job
    failed = [job for job in jobs if not job.ok]
    for job in failed:
        print(f"\n=== FAILED: {job.name} under {job.kernel} ===\n{job.error.rstrip()}\n")

    which = "all of them" if show_all else "only those that differ as shown; --all lists every one"
    print(f"\nNarrated values across kernels ({which}):")
    width = max(len(k) for k in kernels)
    moved_total = hidden_total = steady_total = 0
    for name, runs in by_path.items():
        keys = [k for k in next(iter(runs.values())).values if not k.endswith(" (stored)")]
        for run in runs.values():
            keys += [k for k in run.values if k not in keys and not k.endswith(" (stored)")]
        moved = []
        for key in keys:
            shown = {kern: runs[kern].values.get(key, "—") for kern in kernels if kern in runs}
            stored = {kern: runs[kern].values.get(key + " (stored)") for kern in shown}
            if len(set(shown.values())) > 1:
                moved.append((key + "   (differs)" if show_all else key, shown))
                continue
            if len(set(stored.values())) > 1:
                hidden_total += 1
            else:
                steady_total += 1
            if show_all:
                moved.append((key, shown))
        moved_total += sum(key.endswith("(differs)") or not show_all for key, _ in moved)
        if moved:
            print(f"\n  {name}")
            for key, shown in moved:
                print(f"    {key}")
                for kern, text in shown.items():
                    print(f"      {kern:<{width}}  {text}")
    print(
        f"\n{moved_total} narrated values differ as shown between kernels; "
        f"{hidden_total} differ only below the precision shown; {steady_total} are identical."
    )
    seconds = {k: sum(j.seconds for j in jobs if j.kernel == k) for k in kernels}
    print("run time per kernel: " + ", ".join(f"{k} {s:.0f} s" for k, s in seconds.items()))
    if failed:
        print(f"FAILED: {len(failed)} of {len(jobs)} runs (see above)")
        return 1
    print(f"PORTABLE: all {len(jobs)} runs passed under {', '.join(kernels)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", nargs="+", default=list(KERNELS), metavar="KERNEL")
    parser.add_argument("--only", nargs="+", default=[], help="file names (or stems) to run")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--all", action="store_true", help="list every narrated value")
    parser.add_argument("--page-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.page_worker:
        return page_worker(args.page_worker)

    kernels = []
    for kernel in args.kernels:
        used, why = probe(kernel)
        if used is None:
            print(f"kernel {kernel}: SKIPPED, {why}")
        else:
            print(f"kernel {kernel}: confirmed by threadpoolctl (OpenBLAS reports {used})")
            kernels.append(kernel)
    if not kernels:
        print("no kernel to run: nothing was checked")
        return 1

    paths = examples() + executed_pages()
    if args.only:
        paths = [p for p in paths if p.name in args.only or p.stem in args.only]
        if not paths:
            raise SystemExit(f"--only matched nothing: {args.only}")
    jobs = [Job(path, kernel) for kernel in kernels for path in paths]

    def run(job: Job) -> Job:
        start = time.perf_counter()
        (run_page if job.path.suffix == ".md" else run_example)(job)
        job.seconds = time.perf_counter() - start
        print(f"  {'ok  ' if job.ok else 'FAIL'} {job.kernel:<11} {job.seconds:5.1f} s  {job.name}")
        sys.stdout.flush()
        return job

    print(
        f"running {len(paths)} examples and pages under {len(kernels)} kernels, "
        f"{args.jobs} at a time"
    )
    # Longest first, so the two workers finish together.
    jobs.sort(key=lambda j: j.path.suffix != ".md")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(run, jobs))
    return report(jobs, kernels, args.all)


if __name__ == "__main__":
    raise SystemExit(main())
