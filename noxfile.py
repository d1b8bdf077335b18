"""Developer sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s docs``, ``nox -s bench``."""

from __future__ import annotations

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


DOCS_OUT = Path("docs/_build/html")
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
    session.install("-e", ".[docs]")
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
