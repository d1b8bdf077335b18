"""Developer sessions.

``nox -s tests``        the test suite (fast, no browser)
``nox -s lint``         ruff lint and format check
``nox -s docs``         the strict site build into docs/_build/html (``-- --fast``, ``-- --clean``)
``nox -s browser``      every built page in headless Chromium (tests_browser/)
``nox -s repro``        two clean builds must give byte-identical figures
``nox -s docs_timing``  cold, no-change and one-example-edited build times
``nox -s lock``         regenerate docs/requirements.lock
``nox -s bench``        the engine benchmark (benchmarks/bench_rnn.py)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


def _install_docs_env(session: nox.Session, *extra: str) -> None:
    """The pinned docs environment, byte-compiled: with PYTHONDONTWRITEBYTECODE set (as on
    some CI images) an uncompiled environment recompiles every import on every build."""
    session.install("-e", ".[docs]", *extra, "-c", DOCS_LOCK, env={"UV_COMPILE_BYTECODE": "1"})


DOCS_OUT = Path("docs/_build/html")
# Exact versions of the docs environment (`nox -s lock` regenerates it), so that a build
# next year draws the same pixels.
DOCS_LOCK = "docs/requirements.lock"
# Generated next to the sources; `--clean` removes them with the build directory.
DOCS_GENERATED = ("docs/_build", "docs/auto_examples", "docs/gen_modules", "docs/jupyter_execute")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site, every warning an error.

    ``nox -s docs -- --fast`` skips executing the gallery and the pages (prose edits;
    glued numbers show blank). ``-- --clean`` first deletes all generated output.
    Other arguments go to sphinx-build, e.g. ``-- -j 2``.
    """
    args = list(session.posargs)
    fast = "--fast" in args
    clean = "--clean" in args
    args = [a for a in args if a not in ("--fast", "--clean")]
    # Editable or not, conf.py imports and executes the vgrad of this source tree (it puts
    # the repository first on sys.path and on the kernels' PYTHONPATH), so the engine
    # fingerprint and the executed engine always agree; editable just skips a wheel build.
    _install_docs_env(session)
    if clean:
        for path in DOCS_GENERATED:
            session.log(f"removing {path}")
            shutil.rmtree(path, ignore_errors=True)
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-n",
        "-b",
        "html",
        *args,
        "docs",
        str(DOCS_OUT),
        env={"VGRAD_DOCS_FAST": "1" if fast else "0"},
    )
    session.log(f"open file://{(DOCS_OUT / 'index.html').resolve()}")


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
        PYTHON,
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
    """Open every page of the built site in headless Chromium (tests_browser/).

    Builds the site first, strictly, into docs/_build/html (incrementally, as `nox -s docs`
    does); ``-- --no-build`` tests the site already there. Other arguments go to pytest,
    e.g. ``-- -k gallery -x``. Needs the system Chromium (Debian: ``apt-get install
    chromium``, or set VGRAD_CHROMIUM); Playwright drives it and never downloads a browser.
    """
    args = list(session.posargs)
    build = "--no-build" not in args
    args = [a for a in args if a != "--no-build"]
    if not (os.environ.get("VGRAD_CHROMIUM") or shutil.which("chromium")):
        session.error("no chromium on PATH: apt-get install chromium (or set VGRAD_CHROMIUM)")
    _install_docs_env(session, "-r", "tests_browser/requirements.in")
    if build:
        session.run(
            "sphinx-build",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "-b",
            "html",
            "docs",
            str(DOCS_OUT),
            env={"VGRAD_DOCS_FAST": "0"},
        )
    session.run(
        "pytest",
        "tests_browser",
        "-p",
        "no:cacheprovider",
        *args,
        env={"VGRAD_SITE": str(DOCS_OUT.resolve())},
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


# Not in nox.options.sessions: run it on demand with `nox -s bench` (or `nox -s bench --
# --repeats 21`). torch is optional and deliberately not installed here: the torch columns
# appear only if torch is importable.


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Time RNN forward + backward against a textbook per-step loop (and torch.nn.RNN if present).

    Arguments go to benchmarks/bench_rnn.py, e.g. ``nox -s bench -- --repeats 21``.
    """
    session.install("-e", ".")
    session.run("python", "benchmarks/bench_rnn.py", *session.posargs)
