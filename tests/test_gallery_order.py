"""The gallery's order is written in three places; they must agree (see DEVELOPING.md)."""

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "docs" / "_ext"))
import sitebuild  # noqa: E402

sys.path.pop(0)


def test_every_example_has_its_place_in_the_reading_order():
    scripts = sorted(p.name for p in (REPO / "gallery").rglob("plot_*.py"))
    assert sorted(sitebuild.EXAMPLE_ORDER) == scripts  # none missing, none stale
    assert len(set(sitebuild.EXAMPLE_ORDER)) == len(sitebuild.EXAMPLE_ORDER)


def test_sections_of_the_conf_are_the_gallery_folders_in_order():
    conf = (REPO / "docs" / "conf.py").read_text()
    listed = re.findall(r'"\.\./gallery/([^"/]+)"', conf)
    folders = sorted(p.name for p in (REPO / "gallery").iterdir() if p.is_dir())
    assert listed == folders


def test_reading_order_follows_the_sections():
    section = {p.name: p.parent.name for p in (REPO / "gallery").rglob("plot_*.py")}
    order = [section[name] for name in sitebuild.EXAMPLE_ORDER]
    assert order == sorted(order)  # each section's examples together, sections in order
