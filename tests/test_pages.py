"""vgrad.pages: the helpers of the executed pages, as the prose uses them."""

import pytest

from vgrad import pages


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (1.234e-7, 2, "1.2 × 10⁻⁷"),
        (-4.56e12, 3, "-4.56 × 10¹²"),
        (0.5, 2, "0.5"),
        (0.0123, 2, "0.012"),
        (9999.0, 2, "1.0 × 10⁴"),  # rounds up out of the plain range
        (0.00999, 2, "0.01"),  # rounds up into it
        (12345.0, 2, "1.2 × 10⁴"),
        (0.009, 1, "9 × 10⁻³"),
    ],
)
def test_sci_writes_numbers_as_the_prose_does(x, digits, text):
    assert pages.sci(x, digits) == text


def test_glue_without_myst_nb_keeps_the_value(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_myst(name, *args, **kwargs):
        if name == "myst_nb":
            raise ImportError("no myst_nb here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst)
    pages.glue("answer", 42, display=False)
    assert pages.GLUED["answer"] == 42
    with pytest.raises(TypeError, match="name must be a str"):
        pages.glue(3, 1.0)
    with pytest.raises(ValueError, match="must not be empty"):
        pages.glue("", 1.0)


# -- figures ---------------------------------------------------------------------------

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext"


@pytest.fixture
def style():
    """The site's two style sheets (docs/_ext/figure_style.py), the light one applied."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("agg")
    sys.path.insert(0, str(EXT))
    try:
        import figure_style
    finally:
        sys.path.remove(str(EXT))
    with mpl.rc_context(figure_style.LIGHT):
        yield figure_style


def test_every_palette_colour_has_3_to_1_against_its_background(style):
    for palette, background in (
        (style.PALETTE_LIGHT, style.BACKGROUND_LIGHT),
        (style.PALETTE_DARK, style.BACKGROUND_DARK),
    ):
        for colour in palette:
            rgb = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
            bg = [int(background[i : i + 2], 16) / 255 for i in (0, 2, 4)]
            assert pages.contrast(rgb, bg) >= 3.0, (colour, background)
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
    pages.to_dark(fig, style.LIGHT, style.DARK)
    fig.canvas.draw()
    assert to_hex(line.get_color()).upper() == "#" + style.PALETTE_DARK[0]
    assert to_hex(fig.patch.get_facecolor()).upper() == "#" + style.BACKGROUND_DARK
    assert to_hex(ax.patch.get_facecolor()).upper() == "#" + style.BACKGROUND_DARK
    assert to_hex(ax.title.get_color()).upper() == "#CED6DD"
    label = ax.xaxis.get_major_ticks()[0].label1  # recoloured once, not twice
    assert to_hex(label.get_color()).upper() == "#CED6DD"
    bg = [int(style.BACKGROUND_DARK[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    assert pages.contrast(grey.get_color(), bg) >= 3.0  # a dark grey becomes a light one
    assert sum(pale.get_facecolor()[:3]) < 1.0  # a pale fill becomes a dark one
    plt.close(fig)


def test_check_figure_refuses_wide_figures_and_small_text(style):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    with pytest.raises(ValueError, match="10 in wide"):
        pages.check_figure(fig, pages.MAX_WIDTH_IN, pages.MIN_FONT_PT, "wide")
    fig.set_size_inches(6, 4)
    ax.set_xlabel("small", fontsize=8)
    with pytest.raises(ValueError, match="8 pt is below"):
        pages.check_figure(fig, pages.MAX_WIDTH_IN, pages.MIN_FONT_PT, "small")
    ax.set_xlabel("fine", fontsize=11)
    pages.check_figure(fig, pages.MAX_WIDTH_IN, pages.MIN_FONT_PT, "fine")
    plt.close(fig)


def test_save_png_carries_alt_text_theme_and_font_size(style):
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_title("Title", fontsize=13)
    with Image.open(io.BytesIO(pages.save_png(fig, "what it shows", "dark", scale=2))) as im:
        assert im.size[0] == 6 * 2 * pages.DPI
        assert im.info["Description"] == "what it shows"
        assert im.info["vgrad:theme"] == "dark"
        assert float(im.info["vgrad:min_font_pt"]) == 11.0  # the tick labels
        assert im.info["vgrad:dpi"] == "200"
    plt.close(fig)


def test_save_svg_is_the_same_on_every_save(style):
    """No date and no random element ids: two builds of a page give the same SVG download."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [1, 0], label="a line")
    ax.legend()
    first, second = pages.save_svg(fig), pages.save_svg(fig)
    plt.close(fig)
    assert first == second
    assert first.startswith(b"<?xml") and b"<svg" in first and b"<dc:date>" not in first


def test_show_outside_the_docs_build_is_plain_matplotlib(style, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.delenv("VGRAD_FIGURE_DARK_RC", raising=False)
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))
    fig, _ = plt.subplots(figsize=(10, 4))  # too wide for the site, fine for a reader
    pages.show(fig, alt="a figure")
    assert shown == [True]
    with pytest.raises(ValueError, match="alt must say"):
        pages.show(fig, alt=" ")
    with pytest.raises(TypeError, match="alt must be a str"):
        pages.show(fig, alt=None)
    plt.close(fig)


def test_plain_text_reads_mathtext():
    assert pages.plain_text(r"$W_{hh} = \rho\, Q$ and $\|x\|_2$") == "W_hh = ρ Q and ‖x‖_2"


def test_save_png_pair_is_the_2x_image_and_its_half(style):
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    fig, _ = plt.subplots(figsize=(6, 4))
    lo, hi = pages.save_png_pair(fig, "alt", "light", 11.0)
    with Image.open(io.BytesIO(lo)) as a, Image.open(io.BytesIO(hi)) as b:
        assert b.size == (2 * a.size[0], 2 * a.size[1]) == (1200, 800)
        assert a.info["vgrad:dpi"] == "100" and b.info["vgrad:dpi"] == "200"
        assert a.info["Description"] == b.info["Description"] == "alt"
    assert pages.save_png_pair(fig, "alt", "light", 11.0) == (lo, hi)  # deterministic
    plt.close(fig)


def test_save_png_measures_the_fonts_in_its_own_draw(style):
    """Without ``min_font``, the save records the smallest drawn font: what
    :func:`min_font_pt` finds in a separate draw, ticks and off-view labels included."""
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(2, 1, figsize=(6, 5))
    ax.plot([0, 1], [1, 2], label="a line")
    ax.legend(fontsize=9.5)
    bx.tick_params(labelsize=12.5)
    bx.set_xlim(0.5, 0.7)
    bx.text(5.0, 0.5, "outside", fontsize=6, in_layout=False)  # off the figure: not counted
    for scale in (1, 2):
        png = pages.save_png(fig, "alt", "light", scale)
        assert pages.png_min_font(png) == pages.min_font_pt(fig) == 9.5
    lo, hi = pages.save_png_pair(fig, "alt", "dark")
    assert pages.png_min_font(lo) == pages.png_min_font(hi) == 9.5
    assert pages.png_min_font(pages.save_png(fig, "alt", "light", 2, min_font=12.0)) == 12.0
    with pytest.raises(ValueError, match=r"9\.5 pt is below the 11 pt minimum"):
        pages.check_min_font(pages.png_min_font(png), pages.MIN_FONT_PT, "here")
    plt.close(fig)
