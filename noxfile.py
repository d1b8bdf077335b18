"""Developer sessions.

``nox -s tests``        the test suite on each installed Python 3.11, 3.12, 3.13, and once
                        with the lowest versions pyproject.toml allows (numpy 1.26)
``nox -s lint``         ruff lint and format check, and tools/claims.py (prose claims)
``nox -s docs``         the strict site build into docs/_build/html (``-- --fast``, ``-- --clean``;
                        ``-- --student``: the student edition, without solutions, into
                        docs/_build/student)
``nox -s browser``      every built page in headless Chromium, and every download run in a
                        venv of the site's wheel alone (tests_browser/)
``nox -s repro``        two clean builds must give byte-identical figures
``nox -s docs_timing``  cold, no-change and one-example-edited build times
``nox -s kernels``      every example and page under several OpenBLAS kernels (tools/kernels.py)
``nox -s lock``         regenerate docs/requirements.lock
``nox -s bench``        the engine benchmark (benchmarks/bench_rnn.py)

Pythons: the tests run on every supported Python that is installed; one that is not is
skipped with the reason printed, or fails the run with ``--error-on-missing-interpreters``
(nox's default when the CI variable is set; ``.ci/run`` passes it); the tests never
download a Python (``--download-python auto`` lets nox 2025.10 or later fetch a missing
one). The other sessions use the oldest supported Python found. Interpreters are looked up
on PATH and in pyenv's versions folder (``$PYENV_ROOT/versions``), so a pyenv Python works
without ``pyenv global``. (uv cannot find them itself: ``uv python find 3.12`` (uv 0.13.9)
stops at pyenv's shim of an inactive version, which exits 127; checked 2026-12-07.)
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Sequence
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True

# The Pythons pyproject.toml supports (requires-python >= 3.11), oldest first.
PYTHONS = ("3.11", "3.12", "3.13")


# Links to the interpreters found, put first on PATH (see _expose_pythons).
PYTHON_LINKS = Path(__file__).resolve().parent / ".nox" / ".pythons"


def _works(exe: str, version: str) -> str | None:
    """The real executable behind ``exe`` if it runs and is Python ``version``, else None.
    (A pyenv shim of a version that is not active is on PATH but exits 127.)"""
    code = "import os, sys; print('%d.%d' % sys.version_info[:2], os.path.realpath(sys.executable))"
    try:
        out = subprocess.run(
            [exe, "-c", code], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split(maxsplit=1)
    except (OSError, subprocess.SubprocessError):
        return None
    return out[1].strip() if len(out) == 2 and out[0] == version else None


def _find_python(version: str) -> str | None:
    """``python3.X`` from PATH, else the newest ``$PYENV_ROOT/versions/3.X.*`` (pyenv's
    versions need not be active: their shims on PATH fail unless they are)."""
    name = f"python{version}"
    dirs = [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    candidates = [d / name for d in dirs if d.resolve() != PYTHON_LINKS]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    patch = re.compile(rf"{re.escape(version)}\.(\d+)")
    versions = [
        (int(m[1]), d) for d in pyenv_root.glob("versions/*") if (m := patch.fullmatch(d.name))
    ]
    candidates += [d / "bin" / name for _, d in sorted(versions, reverse=True)]
    for exe in candidates:
        if os.access(exe, os.X_OK) and (real := _works(str(exe), version)):
            return real
    return None


def _expose_pythons(versions: tuple[str, ...]) -> list[str]:
    """Find each version and put a ``python3.X`` link to it first on PATH, so that nox (and
    uv) resolve "3.X" to exactly that interpreter whatever their own discovery does.
    Returns the versions found, oldest first."""
    found = {v: exe for v in versions if (exe := _find_python(v))}
    for stale in PYTHON_LINKS.glob("python*"):  # a Python no longer found must stay unfound
        if stale.name.removeprefix("python") not in found:
            stale.unlink(missing_ok=True)
    if found and os.name == "posix":
        PYTHON_LINKS.mkdir(parents=True, exist_ok=True)
        for v, exe in found.items():
            link = PYTHON_LINKS / f"python{v}"
            if not (link.is_symlink() and os.readlink(link) == exe):
                tmp = PYTHON_LINKS / f".python{v}.{os.getpid()}"
                tmp.unlink(missing_ok=True)
                tmp.symlink_to(exe)
                tmp.replace(link)  # atomic: a concurrent nox never sees a missing link
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
        path = [str(PYTHON_LINKS), *(p for p in path if Path(p).resolve() != PYTHON_LINKS)]
        os.environ["PATH"] = os.pathsep.join(path)
    return [v for v in versions if v in found]


INSTALLED = _expose_pythons(PYTHONS)
# The single Python of every other session: the oldest supported one installed. If none is,
# "3.11", which nox 2025.10 or later tries to download (older nox reports it missing).
PYTHON = INSTALLED[0] if INSTALLED else PYTHONS[0]
# numpy 1.26 has no wheels for Python 3.13, so the lowest-versions run takes 3.11 or 3.12.
LOWEST_PYTHON = next((v for v in INSTALLED if v in ("3.11", "3.12")), "3.11")


# nox 2025.10 and later can download a missing Python; the tests never do (older nox cannot).
NO_DOWNLOAD = (
    {"download_python": "never"}
    if "download_python" in inspect.signature(nox.session).parameters
    else {}
)


@nox.session(venv_backend="venv", **NO_DOWNLOAD)
@nox.parametrize(
    ("python", "deps"),
    [*((v, "latest") for v in PYTHONS), (LOWEST_PYTHON, "lowest")],
    ids=[*PYTHONS, "lowest"],
)
def tests(session: nox.Session, deps: str) -> None:
    """Run the test suite on one Python, or with the lowest dependency versions.

    Each run takes the path a contributor takes by hand, so that it is the one tested: a
    plain ``python -m venv`` with the pip it carries, ``pip install -e ".[test]"`` (pip builds
    the package in isolation, with the setuptools pyproject.toml asks for, never the venv's
    own: a stock Python 3.11 venv carries setuptools 65, which rejects the SPDX licence
    field), then pytest. ``tests(3.11)``, ``tests(3.12)``, ``tests(3.13)``: the newest
    dependencies. ``tests(lowest)``: every direct dependency pinned at its floor in
    pyproject.toml (numpy 1.26, matplotlib 3.8, pytest 8, sphinx 9.0), on the oldest installed
    Python that numpy 1.26 supports (3.11 or 3.12). ``nox -s tests -p 3.12`` runs one Python
    (``tests(lowest)`` as well when that is its Python), ``nox -s "tests(lowest)"`` one
    session; arguments go to pytest, e.g. ``-- -x``.
    """
    floors = [f"{name}=={floor}" for name, floor in _floors().items()] if deps == "lowest" else []
    session.install("-e", ".[test]", *floors)
    code = (
        "import sys, numpy, matplotlib;"
        "print(sys.version.split()[0], numpy.__version__, matplotlib.__version__)"
    )
    python, numpy, matplotlib = str(session.run("python", "-c", code, silent=True)).split()
    session.log(f"Python {python}, numpy {numpy}, matplotlib {matplotlib}")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check; every prose claim checked or reasoned (tools/claims.py)."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "tools/claims.py")


WEB_DIR = Path("tools/web")


def _npm_ci(session: nox.Session) -> None:
    """Install tools/web/package-lock.json: MathJax 4, which the site serves, and axe-core,
    which the browser tests inject (``npm ci``; skipped while node_modules matches the
    lock). The build copies MathJax into the site; nothing is fetched when a page is read."""
    stamp = WEB_DIR / "node_modules" / ".package-lock.json"
    lock = WEB_DIR / "package-lock.json"
    if stamp.is_file() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    if not shutil.which("npm"):
        session.error("npm is missing (Debian: apt-get install npm): tools/web needs `npm ci`")
    session.run("npm", "ci", "--no-audit", "--no-fund", "--prefix", str(WEB_DIR), external=True)


def _install_docs_env(session: nox.Session, *extra: str) -> None:
    """The pinned docs environment, byte-compiled: with PYTHONDONTWRITEBYTECODE set (as on
    some CI images) an uncompiled environment recompiles every import on every build."""
    session.install("-e", ".[docs]", *extra, "-c", DOCS_LOCK, env={"UV_COMPILE_BYTECODE": "1"})
    _npm_ci(session)


DOCS_OUT = Path("docs/_build/html")
# The student edition: the same site with the exercises but without their solutions
# (-t student, docs/_ext/exercises.py). It shares the executed-notebook cache and the
# gallery output with the full build, so after one of them the other executes nothing.
STUDENT_OUT = Path("docs/_build/student")
# Exact versions of the docs environment (`nox -s lock` regenerates it), so that a build
# next year draws the same pixels.
DOCS_LOCK = "docs/requirements.lock"
# Generated next to the sources; `--clean` removes them with the build directory.
DOCS_GENERATED = (
    "docs/_build",
    "docs/api",
    "docs/auto_examples",
    "docs/gen_modules",
    "docs/jupyter_execute",
)


def _build_site(
    session: nox.Session, *, student: bool = False, fast: bool = False, extra: Sequence[str] = ()
) -> None:
    """The docs and browser sessions' sphinx-build command line: strict (every warning an
    error, every reference checked), into docs/_build/html, or the student edition into
    docs/_build/student. The modes are Sphinx tags (docs/conf.py): ``-t student``,
    ``-t fast``. (benchmarks/bench_docs.py, which builds fresh copies, has its own.)"""
    tags = [*(["-t", "student"] if student else []), *(["-t", "fast"] if fast else [])]
    session.run(
        "sphinx-build",
        *("-W", "--keep-going", "-n", "-b", "html", *tags, *extra),
        "docs",
        str(STUDENT_OUT if student else DOCS_OUT),
    )


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site, every warning an error.

    ``nox -s docs -- --fast`` skips executing the gallery and the pages (prose edits;
    glued numbers show blank). ``-- --clean`` first deletes all generated output.
    ``-- --student`` builds the student edition instead: every exercise, no solution (not
    in the pages, nor in the notebooks and sources offered for download), into
    docs/_build/student. Other arguments go to sphinx-build, e.g. ``-- -j 2``.
    """
    args = list(session.posargs)
    fast = "--fast" in args
    clean = "--clean" in args
    student = "--student" in args
    args = [a for a in args if a not in ("--fast", "--clean", "--student")]
    out = STUDENT_OUT if student else DOCS_OUT
    # Editable or not, conf.py imports and executes the vgrad of this source tree (it puts
    # the repository first on sys.path and on the kernels' PYTHONPATH), so the engine
    # fingerprint and the executed engine always agree; editable just skips a wheel build.
    _install_docs_env(session)
    if clean:
        for path in DOCS_GENERATED:
            session.log(f"removing {path}")
            shutil.rmtree(path, ignore_errors=True)
    _build_site(session, student=student, fast=fast, extra=args)
    session.log(f"open file://{(out / 'index.html').resolve()}")


# -- Site quality: browser tests, reproducibility, build times ------------------------------


@nox.session(python=False)
def lock(session: nox.Session) -> None:
    """Regenerate docs/requirements.lock from pyproject.toml's docs extra (and the browser
    tests' requirements). Current pins are kept where still valid; ``-- --upgrade`` moves
    everything to the newest versions."""
    session.run(
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "tests_browser/requirements.in",
        "--extra",
        "docs",
        "--universal",
        "--python-version",
        PYTHONS[0],  # the oldest supported: --universal then covers the newer ones
        "--custom-compile-command",
        "nox -s lock",
        "--quiet",
        "-o",
        DOCS_LOCK,
        *session.posargs,
        external=True,
    )


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Open every page of the built site in headless Chromium (tests_browser/), and run
    every script and notebook it offers for download in a fresh venv made from the site's
    wheel alone (tests_browser/test_downloads.py: a few minutes; needs uv or network).

    Builds the site first, strictly, into docs/_build/html (incrementally, as `nox -s docs`
    does), then the student edition into docs/_build/student (``nox -s docs -- --student``;
    it executes nothing the first build has not); ``-- --no-build`` tests the builds already
    there. Other arguments go to pytest,
    e.g. ``-- -k gallery -x``, ``-- -k downloads``. Needs the system Chromium (Debian:
    ``apt-get install chromium``, or set VGRAD_CHROMIUM); Playwright drives it and never
    downloads a browser.
    """
    args = list(session.posargs)
    build = "--no-build" not in args
    args = [a for a in args if a != "--no-build"]
    if not (os.environ.get("VGRAD_CHROMIUM") or shutil.which("chromium")):
        session.error("no chromium on PATH: apt-get install chromium (or set VGRAD_CHROMIUM)")
    _install_docs_env(session, "-r", "tests_browser/requirements.in")
    if build:
        _build_site(session, extra=["-q"])
        _build_site(session, student=True, extra=["-q"])
    session.run(
        "pytest",
        "tests_browser",
        "-p",
        "no:cacheprovider",
        *args,
        env={"VGRAD_SITE": str(DOCS_OUT.resolve())},  # the student edition beside it
    )


@nox.session(python=PYTHON)
def repro(session: nox.Session) -> None:
    """Two clean builds of the site in fresh copies; every figure must be byte-identical.

    Arguments go to benchmarks/bench_docs.py (and on to sphinx-build), e.g. ``-- -j 2``.
    """
    _install_docs_env(session)
    session.run("python", "benchmarks/bench_docs.py", "repro", *session.posargs)


@nox.session(python=PYTHON)
def docs_timing(session: nox.Session) -> None:
    """Time a cold build, a no-change rebuild and a rebuild after editing one example.

    Runs on a fresh copy of the sources; arguments go to benchmarks/bench_docs.py, e.g.
    ``-- --example gallery/02_unrolled_rnn/plot_gradient_decay.py`` or ``-- -j 2``.
    """
    _install_docs_env(session)
    session.run("python", "benchmarks/bench_docs.py", "timing", *session.posargs)


def _floors() -> dict[str, str]:
    """The floor of every direct dependency of the package and its ``test`` extra: the X of
    each ``name>=X`` in pyproject.toml."""
    project = tomllib.loads(Path(__file__).with_name("pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", "\n".join(wanted), re.M))


@nox.session(python=PYTHON)
@nox.parametrize("numpy", ["locked", "lowest"])
def kernels(session: nox.Session, numpy: str) -> None:
    """Run every gallery example and executed page under several OpenBLAS kernels.

    ``kernels(numpy='locked')``: the docs environment of docs/requirements.lock, under
    Haswell, Sandybridge, SkylakeX and Prescott. ``kernels(numpy='lowest')``: the same
    environment with the lowest numpy pyproject.toml admits (and the OpenBLAS it ships),
    under Haswell and SkylakeX. threadpoolctl confirms the kernel in use. Arguments go to
    tools/kernels.py, e.g. ``-- --kernels Haswell SkylakeX``, ``-- --only
    plot_train_clipping training.md``, ``-- -j 2``.
    """
    _install_docs_env(session, "threadpoolctl")
    args = list(session.posargs)
    if numpy == "lowest":
        session.install(f"numpy=={_floors()['numpy']}")  # after the lock, replacing its numpy
        if "--kernels" not in args:
            args += ["--kernels", "Haswell", "SkylakeX"]
    session.run("python", "tools/kernels.py", *args)


# Not in nox.options.sessions: run it on demand with `nox -s bench` (or `nox -s bench --
# --repeats 21`). torch is optional and deliberately not installed here: the torch columns
# appear only if torch is importable.


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Time RNN forward + backward against a textbook per-step loop (and torch.nn.RNN if
    present), then training updates of R stacked runs against R separate ones.

    Arguments go to benchmarks/bench_rnn.py, e.g. ``nox -s bench -- --repeats 21``.
    """
    session.install("-e", ".", "threadpoolctl")
    session.run("python", "benchmarks/bench_rnn.py", *session.posargs)
    session.run("python", "benchmarks/bench_train.py")
