"""docs/_ext/figures.py: the site's rendering of a figure (size and font rules, light and
dark PNGs, SVG, alt text), as the build's kernels and the gallery's scraper use it."""

import sys
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext"
sys.path.insert(0, str(EXT))
try:
    import figures
finally:
    sys.path.remove(str(EXT))


@pytest.fixture
def style():
    """The site's two style sheets, the light one applied."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("agg")
    with mpl.rc_context(figures.LIGHT):
        yield figures


def test_every_palette_colour_has_3_to_1_against_its_background(style):
    for palette, background in (
        (style.PALETTE_LIGHT, style.BACKGROUND_LIGHT),
        (style.PALETTE_DARK, style.BACKGROUND_DARK),
    ):
        for colour in palette:
            rgb = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
            bg = [int(background[i : i + 2], 16) / 255 for i in (0, 2, 4)]
            assert figures.contrast(rgb, bg) >= 3.0, (colour, background)
    # the live figures' pairs (docs/_static/live/live.css) are the first two of each
    assert style.PALETTE_LIGHT[:2] == ["0072B2", "D55E00"]
    assert style.PALETTE_DARK[:2] == ["56B4E9", "E69F00"]


def test_to_dark_maps_each_light_colour_to_its_dark_counterpart(style):
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])  # C0
    (grey,) = ax.plot([0, 1], [1, 0], color="0.3")
    pale = ax.axvspan(0.2, 0.4, color=(0.9, 0.95, 1.0))
    ax.set_title("t")
    figures.to_dark(fig)
    fig.canvas.draw()
    assert to_hex(line.get_color()).upper() == "#" + style.PALETTE_DARK[0]
    assert to_hex(fig.patch.get_facecolor()).upper() == "#" + style.BACKGROUND_DARK
    assert to_hex(ax.patch.get_facecolor()).upper() == "#" + style.BACKGROUND_DARK
    assert to_hex(ax.title.get_color()).upper() == "#CED6DD"
    label = ax.xaxis.get_major_ticks()[0].label1  # recoloured once, not twice
    assert to_hex(label.get_color()).upper() == "#CED6DD"
    bg = [int(style.BACKGROUND_DARK[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    assert figures.contrast(grey.get_color(), bg) >= 3.0  # a dark grey becomes a light one
    assert sum(pale.get_facecolor()[:3]) < 1.0  # a pale fill becomes a dark one
    plt.close(fig)


def test_check_size_refuses_wide_figures_and_small_text(style):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    with pytest.raises(ValueError, match="10 in wide"):
        figures.check_size(fig, 11.0, "wide")
    fig.set_size_inches(6, 4)
    ax.set_xlabel("small", fontsize=8)
    with pytest.raises(ValueError, match="8 pt is below"):
        figures.check_size(fig, figures.save_pngs(fig, "alt", "light")[1], "small")
    ax.set_xlabel("fine", fontsize=11)
    figures.check_size(fig, figures.save_pngs(fig, "alt", "light")[1], "fine")
    plt.close(fig)


def test_save_png_carries_alt_text_theme_and_font_size(style):
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_title("Title", fontsize=13)
    (png,), _ = figures.save_pngs(fig, "what it shows", "dark")
    with Image.open(io.BytesIO(png)) as im:
        assert im.size[0] == 6 * 2 * figures.DPI
        assert im.info["Description"] == "what it shows"
        assert im.info["vgrad:theme"] == "dark"
        assert float(im.info["vgrad:min_font_pt"]) == 11.0  # the tick labels
        assert im.info["vgrad:dpi"] == "200"
    plt.close(fig)


def test_save_png_pair_is_the_2x_image_and_its_half(style):
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig, _ = plt.subplots(figsize=(6, 4))
    (lo, hi), _ = figures.save_pngs(fig, "alt", "light", 11.0, half=True)
    with Image.open(io.BytesIO(lo)) as a, Image.open(io.BytesIO(hi)) as b:
        assert b.size == (2 * a.size[0], 2 * a.size[1]) == (1200, 800)
        assert a.info["vgrad:dpi"] == "100" and b.info["vgrad:dpi"] == "200"
        assert a.info["Description"] == b.info["Description"] == "alt"
    assert figures.save_pngs(fig, "alt", "light", 11.0, half=True)[0] == [lo, hi]  # the same
    plt.close(fig)


def test_save_pngs_measures_the_fonts_in_its_own_draw(style):
    """Without ``min_font``, the save records the smallest drawn font, ticks and off-view
    labels included, at either scale."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig, (ax, bx) = plt.subplots(2, 1, figsize=(6, 5))
    ax.plot([0, 1], [1, 2], label="a line")
    ax.legend(fontsize=9.5)
    bx.tick_params(labelsize=12.5)
    bx.set_xlim(0.5, 0.7)
    bx.text(5.0, 0.5, "outside", fontsize=6, in_layout=False)  # off the figure: not counted
    pngs, smallest = figures.save_pngs(fig, "alt", "dark", half=True)
    assert smallest == 9.5
    for png in pngs:
        with Image.open(io.BytesIO(png)) as im:
            assert im.info["vgrad:min_font_pt"] == "9.5"
    assert figures.save_pngs(fig, "alt", "light", min_font=12.0)[1] == 12.0
    with pytest.raises(ValueError, match=r"9\.5 pt is below the 11 pt minimum"):
        figures.check_size(fig, smallest, "here")
    plt.close(fig)


def test_show_displays_light_svg_and_dark_renderings(style, monkeypatch):
    """The build's hook: a light PNG, the SVG download and a dark PNG, each PNG marked with
    the alt text and its theme; the figure is closed, and a wide one is refused."""
    import io
    import types

    import matplotlib.pyplot as plt
    from PIL import Image

    # IPython's display, as a kernel has it (the tests' environment has no IPython)
    shown = []
    display = types.ModuleType("IPython.display")
    display.display = shown.append
    display.Image = lambda data, format, width: ("png", data, width)
    display.SVG = lambda data: ("svg", data, None)
    ipython = types.ModuleType("IPython")
    ipython.version_info = (9, 0)  # matplotlib's canvases and pyplot look at these two
    ipython.get_ipython = lambda: None
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [1, 0])
    figures.show(fig, "a falling line")
    assert [kind for kind, _, _ in shown] == ["png", "svg", "png"]
    svg = shown[1][1]  # no date and no random element ids: the same on every build
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"<dc:date>" not in svg
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [1, 0])
    figures.show(fig, "a falling line")
    assert shown[4][1] == svg
    for (_, png, width), theme in ((shown[0], "light"), (shown[2], "dark")):
        assert width == 600
        with Image.open(io.BytesIO(png)) as im:
            assert im.size[0] == 1200
            assert im.info["Description"] == "a falling line"
            assert im.info["vgrad:theme"] == theme
    assert not plt.fignum_exists(fig.number)
    wide, _ = plt.subplots(figsize=(10, 4))
    with pytest.raises(ValueError, match="10 in wide"):
        figures.show(wide, "too wide")
    plt.close(wide)


def test_install_makes_vgrad_pages_show_render_here(monkeypatch):
    from vgrad import pages

    monkeypatch.setattr(pages, "_hook", None)
    figures.install()
    assert pages._hook is figures.show


def test_plain_text_reads_mathtext():
    sys.path.insert(0, str(EXT))
    try:
        import figure_style
    finally:
        sys.path.remove(str(EXT))
    assert figure_style.plain_text(r"$W_{hh} = \rho\, Q$ and $\|x\|_2$") == "W_hh = ρ Q and ‖x‖_2"
