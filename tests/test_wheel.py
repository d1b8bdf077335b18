"""The built wheel works on its own: installed into a fresh virtual environment, with no
source tree on the path, it runs a gallery script and the pages' helper.

Builds in isolation, as a release does: with ``uv build`` when uv is on PATH, else with
``pip wheel``, which installs the backend pyproject.toml asks for (setuptools>=77) into a
temporary environment of its own. Never with the running Python's setuptools: a stock
``python3.11 -m venv`` carries setuptools 65, which rejects the SPDX licence field. Skipped,
with the reason, only when the backend cannot be fetched (offline, nothing cached).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "gallery" / "01_deep_networks" / "plot_activations.py"
UV = shutil.which("uv")
# What uv or pip says when it cannot get the build backend (no network and nothing cached).
OFFLINE_SIGNS = (
    "Failed to fetch",
    "failed to resolve",
    "No solution found",
    "dns error",
    "Could not find a version that satisfies the requirement setuptools",
)


def _copy_sources(dest: Path) -> Path:
    """What a build needs, copied, so that no build/ or egg-info lands in the repository."""
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copyfile(REPO_ROOT / name, dest / name)
    shutil.copytree(
        REPO_ROOT / "vgrad", dest / "vgrad", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest


def _build_wheel(src: Path, out: Path) -> Path:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
    if UV:
        cmd = [UV, "build", "--wheel", "--quiet", "--out-dir", str(out), str(src)]
    elif importlib.util.find_spec("pip") is not None:
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), "."]
    else:
        pytest.skip("no isolated build: neither uv nor pip is installed")
    proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        if any(sign.lower() in proc.stderr.lower() for sign in OFFLINE_SIGNS):
            pytest.skip(f"cannot get the build backend (setuptools) offline:\n{proc.stderr}")
        pytest.fail(f"building the wheel failed:\n{proc.stdout}\n{proc.stderr}")
    (wheel,) = out.glob("vgrad-*-py3-none-any.whl")
    return wheel


def _fresh_env(path: Path, *requirements: str) -> Path:
    """A new venv at ``path`` with ``requirements``; returns its Python."""
    if UV:
        subprocess.run(
            [UV, "venv", "--quiet", "--python", sys.executable, str(path)], check=True, timeout=120
        )
        python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run(
            [UV, "pip", "install", "--quiet", "--python", str(python), *requirements],
            check=True,
            timeout=300,
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
        python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *requirements],
            check=True,
            timeout=600,
        )
    return python


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    (tmp / "src").mkdir()
    wheel = _build_wheel(_copy_sources(tmp / "src"), tmp / "dist")
    # Every version as in this environment (numpy, matplotlib and theirs: with the lowest
    # matplotlib, a newer pyparsing warns), which also lets uv take them from its cache.
    pins = sorted(
        {
            f"{dist.metadata['Name']}=={dist.version}"
            for dist in metadata.distributions()
            if dist.metadata["Name"] and dist.metadata["Name"].lower() != "vgrad"
        }
    )
    constraints = tmp / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    return wheel, _fresh_env(tmp / "env", str(wheel), "matplotlib", "-c", str(constraints))


def test_wheel_contents(wheel_env: tuple[Path, Path]) -> None:
    """Exactly the engine, its licence and metadata; the version is vgrad.__version__."""
    wheel, _ = wheel_env
    import vgrad

    assert wheel.name == f"vgrad-{vgrad.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"vgrad-{vgrad.__version__}.dist-info/METADATA").decode()
    engine = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "vgrad").rglob("*.py")}
    assert {n for n in names if n.startswith("vgrad/")} == engine
    assert f"vgrad-{vgrad.__version__}.dist-info/licenses/LICENSE" in names
    assert "License-Expression: MIT" in meta
    assert "Requires-Dist: numpy>=1.26" in meta


def test_gallery_script_runs_against_the_wheel(wheel_env: tuple[Path, Path], tmp_path) -> None:
    """A gallery script, copied out of the tree, runs with warnings as errors; the vgrad it
    imports is the installed wheel's, and the pages' glue works without myst-nb."""
    _, python = wheel_env
    script = shutil.copy(SCRIPT, tmp_path / SCRIPT.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["MPLBACKEND"] = "Agg"
    # -I: no PYTHONPATH, no user site, not even the script's directory first on sys.path.
    # Every warning is an error but a DeprecationWarning: matplotlib 3.8 (the lowest
    # allowed) calls a pyparsing API that newer pyparsing deprecates.
    subprocess.run(
        [str(python), "-I", "-W", "error", "-W", "ignore::DeprecationWarning", str(script)],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )
    check = (
        "import importlib.util, pathlib, sys, vgrad\n"
        "from vgrad.pages import GLUED, glue\n"
        "assert importlib.util.find_spec('myst_nb') is None, 'myst_nb is installed'\n"
        "glue('x', 1.5, display=False)\n"
        "assert GLUED == {'x': 1.5}\n"
        "print(pathlib.Path(vgrad.__file__).resolve())\n"
    )
    out = subprocess.run(
        [str(python), "-I", "-W", "error", "-c", check],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    installed = Path(out)
    assert python.parent.parent.resolve() in installed.parents, installed
    assert REPO_ROOT not in installed.parents, installed
