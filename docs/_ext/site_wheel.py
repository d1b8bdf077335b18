"""One job: the engine's wheel in the site, built from this tree and checked to be the code
that computed the pages.

:func:`build_wheel` builds ``vgrad-<version>-py3-none-any.whl`` from this very source tree
(setuptools' PEP 517 backend, in a scratch copy, offline, reproducible through
``SOURCE_DATE_EPOCH``); :func:`ensure_wheel` checks that the wheel's ``vgrad/*.py`` have the
engine fingerprint of the code that executed the pages (:func:`sitebuild.engine_hash`);
the build then publishes it as ``_downloads/<wheel>`` with a sidecar
``_downloads/vgrad-wheel.json`` (name, sha256, fingerprint) and removes any older wheel.

Why not a library feature: Sphinx, myst-nb and sphinx-gallery publish files
(``html_extra_path``, ``:download:``) but build none, and nothing in them can check that a
file is the engine that computed the site. The Install page names the wheel through MyST
substitutions set in ``docs/conf.py`` (:func:`wheel_name`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import sitebuild

#: Files of the source tree that go into the wheel (and its metadata), besides the package.
WHEEL_INPUTS = ("pyproject.toml", "README.md", "LICENSE")
#: Where the build puts the wheel before publishing it.
WHEEL_DIR = sitebuild.BUILD_DIR / "wheel"
#: The sidecar next to the published wheel.
WHEEL_RECORD = "vgrad-wheel.json"
#: A zip timestamp (1980-01-01) for builds outside a git checkout.
DEFAULT_EPOCH = 315532800


def wheel_name(version: str) -> str:
    """``vgrad-<version>-py3-none-any.whl``; a ValueError if ``version`` is empty or has a
    ``-`` (not allowed in a wheel's name)."""
    if not version or "-" in version:
        raise ValueError(f"not a wheel version: {version!r}")
    return f"vgrad-{version}-py3-none-any.whl"


def source_date_epoch(root: Path) -> int:
    """The timestamp stored for every file of the wheel: ``$SOURCE_DATE_EPOCH`` if set (a
    ValueError if it is not an integer), else the time of the last commit of ``root``, else
    1980-01-01; so the same tree always gives a byte-identical wheel."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"SOURCE_DATE_EPOCH must be an integer, not {value!r}") from None
    if (root / ".git").exists() and shutil.which("git"):
        try:
            cmd = ["git", "-C", str(root), "log", "-1", "--format=%ct"]
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout
            return max(int(out), DEFAULT_EPOCH)
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    return DEFAULT_EPOCH


def _inputs(root: Path) -> list[Path]:
    """The files a wheel is built from, relative to ``root``, sorted."""
    files = [Path(name) for name in WHEEL_INPUTS]
    files += [
        p.relative_to(root)
        for p in (root / "vgrad").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    ]
    return sorted(files)


def build_wheel(root: Path, dest: Path, *, epoch: int | None = None) -> Path:
    """Build vgrad's wheel from the source tree ``root`` into the directory ``dest``; return
    its path.

    The inputs (``pyproject.toml``, ``README.md``, ``LICENSE``, ``vgrad/``) are copied to a
    scratch directory first, so nothing is written into ``root`` and no stale ``build/``
    leaks into the wheel. The backend is setuptools' ``build_meta`` of the running Python,
    in a subprocess, without network or build isolation, with ``SOURCE_DATE_EPOCH=epoch``
    (default :func:`source_date_epoch`). FileNotFoundError if an input is missing;
    RuntimeError, with the backend's output, if the build fails (as when setuptools is
    missing).
    """
    missing = [name for name in WHEEL_INPUTS if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(f"cannot build the wheel: {', '.join(missing)} missing in {root}")
    if epoch is None:
        epoch = source_date_epoch(root)
    dest.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys\nfrom setuptools import build_meta\nprint(build_meta.build_wheel(sys.argv[1]))"
    )
    with tempfile.TemporaryDirectory(prefix="vgrad-wheel-") as tmp:
        src = Path(tmp) / "src"
        for rel in _inputs(root):
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, src / rel)
        out = Path(tmp) / "dist"
        out.mkdir()
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        cmd = [sys.executable, "-c", code, str(out)]
        proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(
                f"building the vgrad wheel failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )
        name = proc.stdout.strip().splitlines()[-1]
        target = dest / name
        shutil.copyfile(out / name, target)
    return target


def wheel_sources(wheel: Path) -> dict[str, bytes]:
    """The ``vgrad/**/*.py`` files inside ``wheel``, by path, as :func:`sitebuild.engine_hash`
    takes them."""
    with zipfile.ZipFile(wheel) as zf:
        return {
            name: zf.read(name)
            for name in zf.namelist()
            if name.startswith("vgrad/") and name.endswith(".py")
        }


def ensure_wheel(root: Path, version: str, expected_hash: str) -> dict[str, str]:
    """The wheel of the tree ``root``, built into :data:`WHEEL_DIR` at every build and checked
    against the engine fingerprint ``expected_hash`` (``vgrad_engine_hash`` of this build).

    Returns ``wheel`` (file name), ``path``, ``sha256`` and ``vgrad_engine_hash``. A
    RuntimeError if the wheel's engine sources are not the tree's, or the build fails.
    Keeping the wheel between builds (keyed on a hash of its inputs) was tried and removed:
    a no-change ``-j 2`` rebuild took 0.90 times as long with it (median of three
    alternating pairs, 2026-12-08), under the 15 % build machinery kept for speed must save.
    """
    shutil.rmtree(WHEEL_DIR, ignore_errors=True)
    wheel = build_wheel(root, WHEEL_DIR)
    if wheel.name != wheel_name(version):
        raise RuntimeError(f"setuptools built {wheel.name}, expected {wheel_name(version)}")
    fingerprint = sitebuild.engine_hash(wheel_sources(wheel))
    if fingerprint != expected_hash:
        raise RuntimeError(
            f"{wheel.name} has engine fingerprint {fingerprint}, but the pages and examples "
            f"were computed by engine {expected_hash}: the wheel is not the code that made "
            "this site"
        )
    return {
        "wheel": wheel.name,
        "path": str(wheel),
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "vgrad_engine_hash": fingerprint,
    }


def _on_builder_inited(app: Any) -> None:
    if app.builder.format == "html":
        root = Path(app.confdir).parent
        app.vgrad_wheel = ensure_wheel(root, app.config.release, app.config.vgrad_engine_hash)


def _on_build_finished(app: Any, exception: Exception | None) -> None:
    """Publish the wheel and its sidecar in ``_downloads``, and remove any older wheel."""
    if exception is not None or app.builder.format != "html":
        return
    downloads = Path(app.outdir) / "_downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    info = app.vgrad_wheel
    shutil.copyfile(info["path"], downloads / info["wheel"])
    for stale in downloads.glob("vgrad-*-py3-none-any.whl"):
        if stale.name != info["wheel"]:
            stale.unlink()
    record = {k: v for k, v in info.items() if k != "path"}
    (downloads / WHEEL_RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
