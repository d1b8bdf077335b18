"""Everything the built site offers for download runs on a reader's machine.

A fresh virtual environment gets the wheel from the site (``_downloads/vgrad-*.whl``) and
nothing else of this repository, plus matplotlib, nbclient and ipykernel (at the versions
of docs/requirements.lock). In it, each downloaded gallery script runs with ``python -I -W
error``, and each downloaded gallery notebook and chapter notebook runs top to bottom with
nbclient, in a directory of its own; a cell that fails or writes to stderr fails the test.
Also: the wheel is the engine that computed the site (its fingerprint), and every download
starts with the install commands and the address of its page.

Slow (every example and page is executed again: one to three minutes on two cores), so it
runs with the browser tests (``nox -s browser``, in CI), not in ``nox -s tests``. Needs uv
(or pip with network) to make the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import conftest
import pytest
from conftest import REPO_ROOT, SITE

sys.path.insert(0, str(REPO_ROOT / "docs" / "_ext"))
import chapter_downloads  # docs/_ext, on sys.path since the line above
import gallery_downloads
import site_wheel
import sitebuild

DOWNLOADS = SITE / "_downloads"
WHEELS = sorted(DOWNLOADS.glob("vgrad-*-py3-none-any.whl"))
# Every example's files, once each (sphinx-gallery links each from one page).
SCRIPTS = sorted({p.name: p for p in DOWNLOADS.glob("*/plot_*.py")}.values())
GALLERY_NOTEBOOKS = sorted({p.name: p for p in DOWNLOADS.glob("*/plot_*.ipynb")}.values())
CHAPTER_NOTEBOOKS = sorted((DOWNLOADS / chapter_downloads.PAGES_DIR).rglob("*.ipynb"))
JOBS = min(2, os.cpu_count() or 1)  # downloads run at once
TIMEOUT = 900  # seconds per download

# Run inside the wheel's environment: execute one notebook, report errors and stderr.
NOTEBOOK_RUNNER = r"""
import json, sys
import nbclient, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
client = nbclient.NotebookClient(nb, timeout=600, kernel_name=sys.argv[2],
                                 resources={"metadata": {"path": sys.argv[3]}})
try:
    client.execute()
except nbclient.exceptions.CellExecutionError as exc:
    sys.exit(f"a cell failed:\n{exc}")
for cell in nb.cells:
    for out in cell.get("outputs", []):
        if out.get("name") == "stderr":
            sys.exit(f"a cell wrote to stderr:\n{out['text']}")
"""
KERNEL = "vgrad-wheel"


def _clean_env(tmp: Path) -> dict[str, str]:
    """The environment of a reader: no PYTHONPATH into this tree, no user configuration."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "MPL", "JUPYTER", "IPYTHON"))
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
        IPYTHONDIR=str(tmp / "ipython"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def _make_env(path: Path, wheel: Path) -> Path:
    requirements = [str(wheel), "matplotlib", "nbclient", "ipykernel"]
    lock = ["-c", str(REPO_ROOT / "docs" / "requirements.lock")]
    python = path / "bin" / "python"
    if uv := shutil.which("uv"):
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(path)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), *requirements, *lock],
            check=True,
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements, *lock], check=True
        )
    return python


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if len(WHEELS) != 1:
        pytest.fail(f"expected one wheel in {DOWNLOADS}, found {[w.name for w in WHEELS]}")
    tmp = tmp_path_factory.mktemp("wheel-env")
    env = _clean_env(tmp)
    python = _make_env(tmp / "venv", WHEELS[0])
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL],
        check=True,
        env=env,
        capture_output=True,
    )
    return python, env


def _run(python: Path, env: dict[str, str], download: Path, workdir: Path) -> tuple[str, float]:
    """Run one download in ``workdir`` (a copy of it alone); the error text, or ''."""
    workdir.mkdir(parents=True)
    copy = Path(shutil.copy(download, workdir / download.name))
    if copy.suffix == ".py":
        cmd = [str(python), "-I", "-W", "error", copy.name]
        run_env = {**env, "MPLBACKEND": "Agg"}
    else:
        cmd = [str(python), "-I", "-c", NOTEBOOK_RUNNER, copy.name, KERNEL, str(workdir)]
        run_env = env
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=workdir, env=run_env, capture_output=True, text=True, timeout=TIMEOUT
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return f"exit {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}", seconds
    return "", seconds


@pytest.fixture(scope="module")
def results(wheel_env, tmp_path_factory) -> dict[str, tuple[str, float]]:
    """Every download, run concurrently (JOBS at a time), by its path in the site."""
    python, env = wheel_env
    work = tmp_path_factory.mktemp("runs")
    items = [*SCRIPTS, *GALLERY_NOTEBOOKS, *CHAPTER_NOTEBOOKS]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        futures = {
            p.relative_to(SITE).as_posix(): pool.submit(_run, python, env, p, work / str(i))
            for i, p in enumerate(items)
        }
        out = {key: future.result() for key, future in futures.items()}
    wall = time.perf_counter() - start
    conftest.SUMMARY.append(
        f"downloads: {len(SCRIPTS)} gallery scripts, {len(GALLERY_NOTEBOOKS)} gallery "
        f"notebooks and {len(CHAPTER_NOTEBOOKS)} chapter notebooks ran in a venv of "
        f"{WHEELS[0].name} alone: {wall:.0f} s wall, {JOBS} at a time "
        f"({sum(s for _, s in out.values()):.0f} s in all); slowest: "
        + ", ".join(
            f"{Path(k).name} {s:.0f} s"
            for k, (_, s) in sorted(out.items(), key=lambda kv: -kv[1][1])[:3]
        )
    )
    return out


def test_site_offers_every_download() -> None:
    assert len(SCRIPTS) >= 16 and len(GALLERY_NOTEBOOKS) == len(SCRIPTS), (
        SCRIPTS,
        GALLERY_NOTEBOOKS,
    )
    assert len(CHAPTER_NOTEBOOKS) >= 10, CHAPTER_NOTEBOOKS
    for nb in CHAPTER_NOTEBOOKS:
        assert nb.with_suffix(".md").is_file(), f"no MyST source next to {nb}"


@pytest.mark.parametrize(
    "download",
    [p.relative_to(SITE).as_posix() for p in (*SCRIPTS, *GALLERY_NOTEBOOKS, *CHAPTER_NOTEBOOKS)],
)
def test_download_runs_with_the_wheel_alone(download: str, results) -> None:
    error, _ = results[download]
    assert not error, f"{download} failed in the wheel's environment:\n{error}"


def test_the_environment_is_the_wheel_alone(wheel_env, tmp_path) -> None:
    """vgrad comes from the wheel (not this tree), and the docs environment is absent."""
    python, env = wheel_env
    code = (
        "import importlib.util, vgrad\n"
        "assert importlib.util.find_spec('myst_nb') is None\n"
        "assert importlib.util.find_spec('sphinx') is None\n"
        "print(vgrad.__file__)\n"
    )
    out = subprocess.run(
        [str(python), "-I", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    path = Path(out.stdout.strip()).resolve()
    assert REPO_ROOT not in path.parents and python.parent.parent.resolve() in path.parents


def test_wheel_is_the_engine_of_the_site() -> None:
    """The sidecar records the wheel's hash and engine fingerprint; both are right, and the
    fingerprint is that of this tree's engine (the site is not stale)."""
    (wheel,) = WHEELS
    record = json.loads((DOWNLOADS / site_wheel.WHEEL_RECORD).read_text())
    assert record["wheel"] == wheel.name
    assert record["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    fingerprint = sitebuild.engine_hash(site_wheel.wheel_sources(wheel))
    assert record["vgrad_engine_hash"] == fingerprint
    assert fingerprint == sitebuild.engine_hash(), "the site was built from another engine"


def test_downloads_say_how_to_run_them() -> None:
    """Each script and notebook starts with the install commands and its page's address."""
    (wheel,) = WHEELS
    problems = []
    for path in SCRIPTS:
        head = path.read_text(encoding="utf-8")[:1000]
        page = f"{path.stem}.html"
        if not (head.startswith(gallery_downloads.MARKER) and page in head and wheel.name in head):
            problems.append(f"{path.name}: no header naming {page} and {wheel.name}")
    for path in [*GALLERY_NOTEBOOKS, *CHAPTER_NOTEBOOKS]:
        first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
        page = f"{path.stem}.html"
        ok = first.startswith(gallery_downloads.MARKER) and page in first
        if not (ok and "# %pip install vgrad matplotlib" in first and wheel.name in first):
            problems.append(f"{path.name}: first cell does not name {page} and the install")
    for path in DOWNLOADS.glob("*/*.zip"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.rsplit("/", 1)[-1].startswith("plot_") and name.endswith(".py"):
                    if not zf.read(name).decode().startswith(gallery_downloads.MARKER):
                        problems.append(f"{path.name}: {name} has no header")
    assert not problems, "\n".join(problems)
