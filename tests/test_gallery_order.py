"""The gallery's reading order (docs/_ext/gallery_order.py) lists every example once, in its
own section, and the sections are the gallery's folders (see CONTRIBUTING.md)."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "docs" / "_ext"))
import gallery_order  # noqa: E402

sys.path.pop(0)


def test_the_sections_are_the_gallery_folders_in_order():
    gallery = REPO / "gallery"
    folders = sorted(p.name for p in gallery.iterdir() if p.is_dir() and p.name[0] != "_")
    assert list(gallery_order.ORDER) == folders


@pytest.mark.parametrize("section", sorted(gallery_order.ORDER))
def test_each_section_lists_its_own_examples_once(section):
    listed = gallery_order.ORDER[section]
    assert len(set(listed)) == len(listed), f"{section}: an example is listed twice"
    on_disk = sorted(p.name for p in (REPO / "gallery" / section).glob("plot_*.py"))
    assert sorted(listed) == on_disk


def test_the_sort_key_follows_the_order_and_refuses_strangers():
    """The key docs/conf.py gives sphinx-gallery: ExplicitOrder over the flattened list."""
    sorting = pytest.importorskip("sphinx_gallery.sorting")
    key = sorting.ExplicitOrder(gallery_order.EXAMPLES)
    assert key("plot_activations.py") < key("plot_deep_flow.py") < key("plot_rnn_diagram.py")
    with pytest.raises(sorting.ConfigError, match=r"plot_unknown\.py"):
        key("plot_unknown.py")
