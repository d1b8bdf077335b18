"""The site's figure: drawn once at one size, saved light and dark, with its alt text.

Build code, not engine: a reader's page calls :func:`vgrad.pages.show`, which in plain
Jupyter is ``plt.show()``. The build's kernels run :func:`install` at start-up (the IPython
profile that ``sitebuild.write_ipython_profile`` writes, which loads this file by path), and
the gallery's scraper (``figure_style.dual_scraper``) imports it: both save through
:func:`save_pngs` and :func:`to_dark`. Kept, as no library does it (matplotlib 3.11,
sphinx-gallery 0.22, myst-nb 1.4 checked):

* **One size.** A figure is drawn at most :data:`MAX_WIDTH_IN` wide at :data:`DPI`, the
  width the text column (about 624 css px) shows it at, so a point of font is 100/72 css
  px; no text is smaller than :data:`MIN_FONT_PT` (15 css px on a desktop, about 9 on a
  390 px phone). :func:`check_size` refuses a figure that breaks either rule: wide content
  becomes a taller figure or two.
* **Two style sheets, one drawing.** :data:`LIGHT` and :data:`DARK` give the same keys
  different colours: Okabe & Ito (2008) hues, darker on white and lighter on the dark page,
  each with 3:1 contrast against its background (as the live figures' ``live.css``). The
  dark rendering is the light figure recoloured (:func:`to_dark`), so the two never drift
  apart and nothing is computed twice; matplotlib applies a style only when artists are made.
* **PNGs through PIL**, not ``savefig``: one draw at 2x gives the 2x copy and, by 2 x 2
  means, the 1x one (``savefig`` draws again per dpi; sphinx-gallery's ``image_srcset`` does
  that), and measures the smallest font on the way; the alt text, theme, smallest font and
  dpi ride in tEXt chunks, from where ``figure_marks`` marks executed pages' images (myst-nb
  takes only width and height from an output's metadata) and the browser tests read sizes.

matplotlib and PIL are imported only when a figure is drawn, so loading this file in every
kernel costs next to nothing. Readers' downloads never see any of this.
"""

from __future__ import annotations

import colorsys
import functools
import io
from typing import Any

#: Widest figure, in inches at :data:`DPI`: the site's text column is ~624 css px.
MAX_WIDTH_IN = 6.24
#: Smallest font in a figure, in points (see the module docstring).
MIN_FONT_PT = 11.0
#: Pixels per inch of the 1x image (the 2x copy has twice as many).
DPI = 100

# Okabe & Ito (2008) hues. On white: the darker member of each pair (orange, sky blue and
# purple are darkened until they reach 3:1); on the dark page: the lighter member. Index i
# of one list is index i of the other, so "C0" is blue in both modes.
PALETTE_LIGHT = ["0072B2", "D55E00", "009E73", "C86EA0", "B87F00", "000000", "5D5D5D"]
PALETTE_DARK = ["56B4E9", "E69F00", "009E73", "CC79A7", "F0E442", "CED6DD", "9AA4AE"]
#: The page backgrounds of pydata-sphinx-theme (``--pst-color-background``).
BACKGROUND_LIGHT = "FFFFFF"
BACKGROUND_DARK = "14181E"

_SHARED: dict[str, str] = {
    "image.cmap": "viridis",
    "figure.figsize": "6.0, 3.8",
    "figure.dpi": str(DPI),
    "savefig.dpi": str(DPI),
    "figure.constrained_layout.use": "True",
    "font.size": "11",
    "axes.titlesize": "12",
    "axes.labelsize": "12",
    "xtick.labelsize": "11",
    "ytick.labelsize": "11",
    "legend.fontsize": "11",
    "legend.title_fontsize": "11",
    "figure.titlesize": "13",
    "legend.frameon": "False",
    "axes.grid": "True",
    "grid.alpha": "0.35",
    "grid.linewidth": "0.6",
    "axes.spines.top": "False",
    "axes.spines.right": "False",
    "lines.linewidth": "2.0",
}


def _colours(palette: list[str], background: str, ink: str, grid: str) -> dict[str, str]:
    return {
        "axes.prop_cycle": f"cycler('color', {palette!r})",
        **dict.fromkeys(("figure.facecolor", "figure.edgecolor", "savefig.facecolor"), background),
        **dict.fromkeys(("savefig.edgecolor", "axes.facecolor", "legend.facecolor"), background),
        **dict.fromkeys(("axes.edgecolor", "axes.labelcolor", "text.color"), ink),
        **dict.fromkeys(("xtick.color", "ytick.color", "patch.edgecolor"), ink),
        "grid.color": grid,
        "legend.edgecolor": grid,
    }


#: rcParams of the light rendering, as written in a ``matplotlibrc`` file (the executed
#: pages' kernels read it as one, the gallery applies it before every example).
LIGHT: dict[str, str] = {**_SHARED, **_colours(PALETTE_LIGHT, BACKGROUND_LIGHT, "000000", "B0B0B0")}
#: The dark rendering: the same keys; only colours differ.
DARK: dict[str, str] = {**_SHARED, **_colours(PALETTE_DARK, BACKGROUND_DARK, "CED6DD", "5A6572")}
#: The style every figure is drawn in (the light one; the dark one is derived from it).
STYLE = LIGHT


def _smallest_drawn_font(fig: Any, renderer: Any) -> float:
    """The smallest font size, in points, of the visible texts of the (top) figure ``fig``
    that lie inside it (tick labels outside the view are not drawn)."""
    from matplotlib.text import Text

    def inside(text: Text) -> bool:
        try:
            box = text.get_window_extent(renderer)
        except (RuntimeError, ValueError):
            return False
        return box.x1 > 0 and box.y1 > 0 and box.x0 < fig.bbox.width and box.y0 < fig.bbox.height

    # Laying a text out is the costly part: ask it of the smallest texts first and stop at
    # the first one drawn (1.6 ms instead of 5.4 on gated.md's first figure, 2026-12-07).
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    texts.sort(key=Text.get_fontsize)
    return next((t.get_fontsize() for t in texts if inside(t)), float("inf"))


def check_size(fig: Any, smallest: float, where: str) -> None:
    """Raise ValueError if ``fig`` is wider than :data:`MAX_WIDTH_IN` or its ``smallest``
    font is below :data:`MIN_FONT_PT`: a figure is drawn at the width it is shown, so that
    its text is legible."""
    width = fig.get_size_inches()[0]
    if width > MAX_WIDTH_IN + 1e-9:
        raise ValueError(
            f"{where}: figure is {width:g} in wide, more than the {MAX_WIDTH_IN:g} in the page "
            "shows: make it narrower (stack panels vertically, or make two figures)"
        )
    if smallest < MIN_FONT_PT - 1e-9:
        raise ValueError(
            f"{where}: a text of {smallest:g} pt is below the {MIN_FONT_PT:g} pt minimum"
        )


def save_pngs(
    fig: Any, alt: str, theme: str, min_font: float | None = None, half: bool = False
) -> tuple[list[bytes], float]:
    """``fig`` as PNG bytes at 2 x :data:`DPI` (preceded, if ``half``, by the same pixels
    halved: the 1x copy), and its smallest font: ``min_font``, or if None the smallest font
    this draw drew. Each PNG has ``dpi`` in pHYs and the alt text, theme, smallest font and
    dpi in tEXt chunks. The image is RGB when every pixel is opaque.
    """
    from PIL import Image, PngImagePlugin

    drawn = []  # the fonts are measured with the draw's own renderer: no second draw

    def on_draw(event: Any) -> None:
        r = event.renderer
        smallest = _smallest_drawn_font(fig, r) if min_font is None else min_font
        drawn.append((int(r.width), int(r.height), smallest))

    cid = fig.canvas.mpl_connect("draw_event", on_draw)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="rgba", dpi=2 * DPI, facecolor=fig.get_facecolor())
    finally:
        fig.canvas.mpl_disconnect(cid)
    width, height, smallest = drawn[-1]
    image = Image.frombuffer("RGBA", (width, height), buf.getbuffer(), "raw", "RGBA", 0, 1)
    if image.getextrema()[3][0] == 255:
        image = image.convert("RGB")
    pngs = []
    for im, dpi in [*([(image.reduce(2), DPI)] if half else []), (image, 2 * DPI)]:
        info = PngImagePlugin.PngInfo()
        info.add_text("Description", alt)
        info.add_text("vgrad:theme", theme)
        info.add_text("vgrad:min_font_pt", f"{smallest:g}")
        info.add_text("vgrad:dpi", str(dpi))
        out = io.BytesIO()
        im.save(out, format="png", pnginfo=info, dpi=(dpi, dpi))
        pngs.append(out.getvalue())
    return pngs, smallest


def contrast(a: Any, b: Any) -> float:
    """WCAG contrast ratio of two RGB(A) colours (1 to 21)."""

    def luminance(rgb: Any) -> float:
        red, green, blue = (
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]
        )
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb_key(rgba: Any) -> tuple[int, int, int]:
    return tuple(round(255 * c) for c in rgba[:3])


@functools.cache
def _colour_map() -> tuple[dict, tuple, tuple]:
    """Each colour of :data:`LIGHT`, with :data:`DARK`'s colour for the same key; and the dark
    background and ink."""
    import matplotlib as mpl
    from matplotlib.colors import to_rgba

    light, dark = mpl.RcParams(LIGHT), mpl.RcParams(DARK)
    table: dict[tuple[int, int, int], tuple] = {}
    cycles = (light["axes.prop_cycle"], dark["axes.prop_cycle"])
    for lc, dc in zip(*(c.by_key()["color"] for c in cycles), strict=True):
        table.setdefault(_rgb_key(to_rgba(lc)), to_rgba(dc))
    for key in light:
        if key.endswith("color"):  # facecolor and edgecolor too
            table.setdefault(_rgb_key(to_rgba(light[key])), to_rgba(dark[key]))
    return table, to_rgba(dark["figure.facecolor"]), to_rgba(dark["text.color"])


def _to_dark_colour(rgba: Any) -> tuple:
    """The dark rendering of one colour: its dark-sheet counterpart if it has one; a grey
    is mirrored between the dark background (for white) and the dark ink (for black); a
    pale tint becomes a dark one of the same hue; any other colour keeps its hue and is
    lightened until it has 3:1 against the background."""
    from matplotlib.colors import to_rgba

    rgba = to_rgba(rgba)
    if rgba[3] == 0:
        return rgba
    table, background, ink = _colour_map()
    mapped = table.get(_rgb_key(rgba))
    if mapped is not None:
        return (*mapped[:3], rgba[3] * mapped[3])
    r, g, b = rgba[:3]
    if max(r, g, b) - min(r, g, b) < 0.08:  # a grey: white -> background, black -> ink
        t = 1 - (r + g + b) / 3
        return (
            *(bg + t * (ik - bg) for bg, ik in zip(background[:3], ink[:3], strict=True)),
            rgba[3],
        )
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    if lightness > 0.7:  # a pale fill (a tint behind text): the same hue, as dark as it was pale
        return (*colorsys.hls_to_rgb(h, 1.0 - lightness + 0.08, s * 0.6), rgba[3])
    while lightness < 0.95 and contrast(colorsys.hls_to_rgb(h, lightness, s), background) < 3:
        lightness += 0.02
    return (*colorsys.hls_to_rgb(h, min(lightness, 1.0), s), rgba[3])


def to_dark(fig: Any, drawn: bool = False) -> None:
    """Recolour ``fig``, drawn in :data:`LIGHT`, into :data:`DARK`, in place.

    Every colour of an artist that the light sheet defines (a cycle colour, the background,
    the ink, the grid) becomes the dark sheet's colour for the same key; other colours
    follow :func:`_to_dark_colour`. Images (colormaps) keep their colours. ``drawn=True``
    says the figure has just been drawn (saved), so its ticks exist. The figure keeps the
    layout of that draw (its layout engine is switched off): the dark rendering has the
    light one's geometry exactly, and skips the costliest part of a draw.
    """
    from matplotlib.axes import Axes
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    m = _to_dark_colour
    if not drawn:
        fig.canvas.draw()  # create the ticks, so that their colours can be read and mapped
    fig.set_layout_engine("none")  # keep the positions that draw computed
    seen: set[int] = set()  # every artist is recoloured once, from its light colour
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            if not ticks:
                continue
            t = ticks[0]
            # tick_params also styles the ticks matplotlib creates at the next draw
            axis.set_tick_params(
                which="both",
                color=m(t.tick1line.get_color()),
                labelcolor=m(t.label1.get_color()),
                grid_color=m(t.gridline.get_color()),
            )
            for tick in ticks:
                seen.update(map(id, (tick.tick1line, tick.tick2line, tick.gridline)))
                seen.update(map(id, (tick.label1, tick.label2)))
    for artist in fig.findobj():
        if id(artist) in seen or isinstance(artist, Axes):
            continue
        seen.add(id(artist))
        if isinstance(artist, Text):
            artist.set_color(m(artist.get_color()))
            box = artist.get_bbox_patch()
            if box is not None and id(box) not in seen:
                seen.add(id(box))
                box.set_facecolor(m(box.get_facecolor()))
                box.set_edgecolor(m(box.get_edgecolor()))
            arrow = getattr(artist, "arrow_patch", None)
            if arrow is not None and id(arrow) not in seen:
                seen.add(id(arrow))
                arrow.set_color(m(arrow.get_edgecolor()))
        elif isinstance(artist, Line2D):
            # read all three first: marker colours may follow the line colour
            line, face, edge = (
                artist.get_color(),
                artist.get_markerfacecolor(),
                artist.get_markeredgecolor(),
            )
            artist.set_color(m(line))
            artist.set_markerfacecolor(m(face))
            artist.set_markeredgecolor(m(edge))
        elif isinstance(artist, Patch):
            artist.set_facecolor(m(artist.get_facecolor()))
            artist.set_edgecolor(m(artist.get_edgecolor()))
        elif isinstance(artist, Collection):
            if artist.get_array() is None:
                artist.set_facecolor([m(c) for c in artist.get_facecolor()])
            artist.set_edgecolor([m(c) for c in artist.get_edgecolor()])


def show(fig: Any, alt: str) -> None:
    """Display ``fig`` as the site does, then close it: the hook :func:`vgrad.pages.show`
    calls in the build's kernels (``alt`` already checked there).

    Displays the light rendering at 2x (:func:`check_size` checks it on the way; ValueError),
    the same as SVG (which the build turns into a download link under the figure, for
    slides and print) and the dark rendering at 2x.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.display import SVG, Image, display

    width = round(fig.get_size_inches()[0] * DPI)
    (light,), smallest = save_pngs(fig, alt, "light")
    check_size(fig, smallest, alt)
    # The layout is done: the SVG keeps it rather than redoing it (one layout draw fewer),
    # and so the dark PNG has exactly the light one's layout.
    fig.set_layout_engine("none")
    display(Image(data=light, format="png", width=width))
    svg = io.BytesIO()
    # The same SVG on every build: no date, element ids from a fixed salt, not a random one.
    with mpl.rc_context({"svg.hashsalt": "vgrad"}):
        fig.savefig(svg, format="svg", facecolor=fig.get_facecolor(), metadata={"Date": None})
    display(SVG(data=svg.getvalue()))
    to_dark(fig, drawn=True)
    display(Image(data=save_pngs(fig, alt, "dark", smallest)[0][0], format="png", width=width))
    plt.close(fig)


def install() -> None:
    """Make :func:`vgrad.pages.show` render through :func:`show` in this process (the build's
    kernels call it at start-up; a reader's Jupyter never does)."""
    import vgrad.pages

    vgrad.pages._hook = show
