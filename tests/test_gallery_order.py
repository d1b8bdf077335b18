"""The gallery's reading order is gallery/ORDER.txt, checked strictly (see CONTRIBUTING.md)."""

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "docs" / "_ext"))
import gallery_order  # noqa: E402

sys.path.pop(0)


def test_every_example_is_in_the_order_once_and_in_its_section():
    order = gallery_order.check()  # raises, naming each problem, if any
    listed = [name for names in order.values() for name in names]
    assert sorted(listed) == sorted(p.name for p in (REPO / "gallery").glob("*/plot_*.py"))


def test_sections_are_the_gallery_folders_in_order():
    folders = sorted(p.name for p in (REPO / "gallery").iterdir() if p.is_dir())
    assert list(gallery_order.check()) == folders
    assert gallery_order.section_paths() == [f"../gallery/{f}" for f in folders]


@pytest.fixture
def gallery(tmp_path):
    """A copy of the gallery's folders, scripts and order file to break."""
    copy = tmp_path / "gallery"
    shutil.copytree(REPO / "gallery", copy, ignore=shutil.ignore_patterns("*.rst", "__pycache__"))
    return copy


def test_an_example_missing_from_the_order_is_an_error(gallery):
    (gallery / "05_gated" / "plot_new_idea.py").write_text('"""New\n===\n"""\n')
    with pytest.raises(ValueError, match=r"05_gated/plot_new_idea.py is missing from the order"):
        gallery_order.check(gallery)


def test_a_listed_example_that_does_not_exist_is_an_error(gallery):
    (gallery / "05_gated" / "plot_forget_bias.py").unlink()
    with pytest.raises(ValueError, match=r"plot_forget_bias\.py is listed but does not exist"):
        gallery_order.check(gallery)


def test_an_example_listed_under_another_section_is_an_error(gallery):
    moved = gallery / "01_deep_networks" / "plot_forget_bias.py"
    (gallery / "05_gated" / "plot_forget_bias.py").rename(moved)
    with pytest.raises(ValueError, match=r"listed under 05_gated/ but lives in 01_deep_networks/"):
        gallery_order.check(gallery)


def test_an_example_listed_twice_and_an_unlisted_section_are_errors(gallery):
    order = gallery / "ORDER.txt"
    order.write_text(order.read_text() + "    plot_forget_bias.py\n")
    (gallery / "06_new").mkdir()
    with pytest.raises(ValueError, match=r"listed twice.*section folder 06_new/ is missing"):
        gallery_order.check(gallery)


def test_the_sort_key_follows_the_order_and_refuses_strangers():
    key = gallery_order.NarrativeOrder("unused")
    assert key("plot_activations.py") < key("plot_deep_flow.py")
    with pytest.raises(ValueError, match=r"missing from gallery/ORDER\.txt"):
        key("plot_unknown.py")
