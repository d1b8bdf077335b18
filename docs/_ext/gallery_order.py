"""The gallery's reading order, read from ``gallery/ORDER.txt``, strictly.

The file lists each section folder (``01_deep_networks/``) followed by its examples,
indented, in the order the chapters use them. :func:`check` compares it with the folders
and scripts on disk; the build stops (and ``tests/test_gallery_order.py`` fails) when an
example is missing from the order, listed twice, listed under the wrong section, or listed
but absent. ``docs/conf.py`` takes ``subsection_order`` from :func:`section_paths` and
``within_subsection_order`` from :class:`NarrativeOrder`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

GALLERY_DIR = Path(__file__).resolve().parents[2] / "gallery"
ORDER_FILE = GALLERY_DIR / "ORDER.txt"


def read_order(path: Path = ORDER_FILE) -> dict[str, list[str]]:
    """The sections of ``path`` in order, each with its example file names in order."""
    order: dict[str, list[str]] = {}
    section = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            if not line.endswith("/"):
                raise ValueError(f"{path.name}:{number}: a section is a folder name ending in /")
            section = line[:-1]
            order.setdefault(section, [])
        elif section is None:
            raise ValueError(f"{path.name}:{number}: an example before any section")
        else:
            order[section].append(line.strip())
    return order


def check(gallery_dir: Path = GALLERY_DIR, path: Path | None = None) -> dict[str, list[str]]:
    """:func:`read_order`, after checking it against the scripts in ``gallery_dir``.

    Raises
    ------
    ValueError
        Naming every example missing from the order, listed twice, listed in another
        section than its folder, or listed but absent, and every section folder not listed.
    """
    order = read_order(path or gallery_dir / "ORDER.txt")
    on_disk = {
        p.name: p.parent.name for p in gallery_dir.glob("*/plot_*.py") if p.parent != gallery_dir
    }
    folders = sorted(p.name for p in gallery_dir.iterdir() if p.is_dir() and p.name[0] != "_")
    problems = []
    listed = [(section, name) for section, names in order.items() for name in names]
    seen: set[str] = set()
    for section, name in listed:
        if name in seen:
            problems.append(f"{name} is listed twice")
        seen.add(name)
        if name not in on_disk:
            problems.append(f"{section}/{name} is listed but does not exist")
        elif on_disk[name] != section:
            problems.append(f"{name} is listed under {section}/ but lives in {on_disk[name]}/")
    for name, section in sorted(on_disk.items()):
        if name not in seen:
            problems.append(f"{section}/{name} is missing from the order: add it to ORDER.txt")
    for folder in folders:
        if folder not in order:
            problems.append(f"section folder {folder}/ is missing from the order")
    if problems:
        raise ValueError("gallery/ORDER.txt: " + "; ".join(problems))
    return order


def section_paths(prefix: str = "../gallery") -> list[str]:
    """The section folders in order, as sphinx-gallery's ``subsection_order`` wants them."""
    return [f"{prefix}/{section}" for section in check()]


class NarrativeOrder:
    """sphinx-gallery ``within_subsection_order``: examples in the order of ORDER.txt.

    An example that is not listed is an error (:func:`check` has already refused it at
    configuration time; this guards a file added while the build runs).
    """

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir
        self.order = [name for names in check().values() for name in names]

    def __call__(self, filename: str) -> int:
        name = Path(filename).name
        if name not in self.order:
            raise ValueError(f"{name} is missing from gallery/ORDER.txt")
        return self.order.index(name)

    def __repr__(self) -> str:  # stable repr: sphinx compares config values between builds
        return f"<NarrativeOrder {self.order}>"


def _on_config_inited(app: Any, config: Any) -> None:
    from sphinx.errors import ExtensionError

    try:
        check()
    except ValueError as error:
        raise ExtensionError(str(error)) from error


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _on_config_inited)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
