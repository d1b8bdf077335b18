"""The site's rendering of a figure: size and font rules, light and dark PNGs, SVG, alt text.

Build code, not engine: a reader's page calls :func:`vgrad.pages.show`, which in plain
Jupyter is ``plt.show()``. The build's kernels run :func:`install` at start-up (the IPython
profile that ``sitebuild.write_ipython_profile`` writes), after which that call comes to
:func:`show` here: the figure is checked against the size rules (:data:`MAX_WIDTH_IN`,
:data:`MIN_FONT_PT`) and displayed as a light PNG at 2x, an SVG (a download under the
figure) and a dark PNG at 2x, each PNG carrying its alt text, theme and smallest font in
tEXt chunks. The gallery's scraper (``figure_style.dual_scraper``) uses the same PNG
writer and dark recolouring. matplotlib and PIL are imported only when a figure is drawn,
so importing this module in every kernel costs next to nothing (it imports vgrad, which the
pages import anyway).
"""

from __future__ import annotations

import colorsys
import os
import re
from typing import Any

__all__ = [
    "DPI",
    "MAX_WIDTH_IN",
    "MIN_FONT_PT",
    "check_figure",
    "check_min_font",
    "check_width",
    "contrast",
    "figure_title",
    "install",
    "min_font_pt",
    "plain_text",
    "png_min_font",
    "save_png",
    "save_png_pair",
    "save_svg",
    "show",
    "to_dark",
]

_TEX = {
    r"\partial": "∂", r"\rho": "ρ", r"\sigma": "σ", r"\phi": "φ", r"\gamma": "γ",
    r"\tau": "τ", r"\lambda": "λ", r"\theta": "θ", r"\Delta": "Δ", r"\|": "‖",
    r"\times": "×", r"\cdots": "…", r"\approx": "≈", r"\le": "≤", r"\ge": "≥",
    r"\max": "max", r"\log": "log", r"\,": " ", r"\;": " ", r"\ ": " ",
}  # fmt: skip


def plain_text(text: str) -> str:
    """``text`` with matplotlib's mathtext (``$\\rho^k$``) made readable (``ρ^k``), for alt text."""
    for tex, char in _TEX.items():
        text = text.replace(tex, char)
    text = re.sub(r"\\(?:mathrm|mathbf|operatorname|text)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return " ".join(text.replace("$", "").replace("{", "").replace("}", "").split())


#: Widest figure, in inches at :data:`DPI`: the site's text column is ~624 css px.
MAX_WIDTH_IN = 6.24
#: Smallest font in a figure, in points: 1 pt is 100/72 css px when the figure is shown at
#: its drawn width, so 11 pt is 15 css px on a desktop and about 9 on a 390 px phone.
MIN_FONT_PT = 11.0
#: Pixels per inch of the 1x image (the 2x copy has twice as many).
DPI = 100


def figure_title(fig: Any) -> str:
    """A figure's suptitle, else its axes titles joined by "; ", as plain text (empty if it
    has none)."""
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return plain_text(sup.get_text())
    titles = []
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            text = ax.get_title(loc).strip()
            if text:
                titles.append(plain_text(text))
    return "; ".join(titles)


def min_font_pt(fig: Any) -> float:
    """The smallest font size, in points, of any visible non-empty text of ``fig``."""
    fig.canvas.draw()  # ticks and their labels exist only once the figure is drawn
    return _smallest_drawn_font(fig, None)


def _smallest_drawn_font(fig: Any, renderer: Any) -> float:
    from matplotlib.text import Text

    # _drawn lays the text out, the costly part: ask it of the smallest texts first and stop
    # at the first one drawn (the same minimum; 1.6 ms instead of 5.4 on gated.md's first
    # figure, 46 texts, 2026-12-07).
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    texts.sort(key=Text.get_fontsize)
    return next((t.get_fontsize() for t in texts if _drawn(t, renderer)), float("inf"))


def _drawn(text: Any, renderer: Any = None) -> bool:
    """Whether ``text`` lies inside its figure (tick labels outside the view are not drawn)."""
    try:
        fig = text.get_figure(root=True)  # the top figure, not a subfigure (matplotlib >= 3.10)
    except TypeError:
        fig = text.figure  # matplotlib < 3.10 has no root=; its .figure is the top figure
    try:
        box = text.get_window_extent(renderer)
    except (RuntimeError, ValueError):
        return False
    w, h = fig.bbox.width, fig.bbox.height
    return box.x1 > 0 and box.y1 > 0 and box.x0 < w and box.y0 < h


def check_width(fig: Any, max_width_in: float, where: str) -> None:
    """Raise ValueError if ``fig`` is wider than ``max_width_in`` (see :func:`check_figure`)."""
    width = fig.get_size_inches()[0]
    if width > max_width_in + 1e-9:
        raise ValueError(
            f"{where}: figure is {width:g} in wide, more than the {max_width_in:g} in the page "
            "shows: make it narrower (stack panels vertically, or make two figures)"
        )


def check_min_font(smallest: float, min_font: float, where: str) -> None:
    """Raise ValueError if a figure's ``smallest`` font is below ``min_font`` points."""
    if smallest < min_font - 1e-9:
        raise ValueError(f"{where}: a text of {smallest:g} pt is below the {min_font:g} pt minimum")


def check_figure(fig: Any, max_width_in: float, min_font: float, where: str) -> float:
    """Raise ValueError if ``fig`` is wider than ``max_width_in`` or has text below ``min_font``;
    return its smallest font size (:func:`min_font_pt`).

    The site's figure rule (see :data:`MAX_WIDTH_IN`): a figure is drawn at the width it is
    shown, so that its text is legible; wide content becomes a taller figure or two. The
    build itself checks the size while it saves (:func:`save_png` measures the fonts during
    its own draw, and :func:`png_min_font` reads them back), which saves a draw per figure.
    """
    check_width(fig, max_width_in, where)
    smallest = min_font_pt(fig)
    check_min_font(smallest, min_font, where)
    return smallest


def save_png(
    fig: Any, alt: str, theme: str = "light", scale: int = 1, min_font: float | None = None
) -> bytes:
    """``fig`` as PNG bytes at ``scale`` x :data:`DPI`, with the alt text, the theme and the
    smallest font size in its tEXt chunks (the site's browser tests read them).

    ``min_font`` is written as given; if None, it is measured during the save's own draw
    (:func:`png_min_font` reads it back), so the figure is drawn once, not twice.
    """
    pixels, min_font = _render(fig, scale * DPI, min_font)
    return _encode_png(pixels, alt, theme, min_font, scale * DPI)


def save_svg(fig: Any) -> bytes:
    """``fig`` as SVG bytes, the same on every build: no date, and element ids drawn from a
    fixed salt rather than a random one (matplotlib >= 3.9, which numbers clip paths rather
    than using ``id()``; the site's build pins a newer one)."""
    import io

    import matplotlib as mpl

    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "vgrad"}):
        fig.savefig(buf, format="svg", facecolor=fig.get_facecolor(), metadata={"Date": None})
    return buf.getvalue()


def png_min_font(png: bytes) -> float:
    """The smallest font size (points) that :func:`save_png` recorded in ``png``."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return float(im.info["vgrad:min_font_pt"])


def save_png_pair(
    fig: Any, alt: str, theme: str, min_font: float | None = None
) -> tuple[bytes, bytes]:
    """``fig`` at 1x and at 2x, with the tEXt chunks of :func:`save_png` (``min_font``
    measured as there if None), from one draw: the 2x pixels, and their 2 x 2 means."""
    pixels, min_font = _render(fig, 2 * DPI, min_font)
    return (
        _encode_png(pixels.reduce(2), alt, theme, min_font, DPI),
        _encode_png(pixels, alt, theme, min_font, 2 * DPI),
    )


def _render(fig: Any, dpi: int, min_font: float | None) -> tuple[Any, float]:
    """``fig`` drawn at ``dpi``, as a PIL image, and ``min_font``, or if None the smallest
    font that draw drew.

    The fonts are measured with the draw's own renderer, at its dpi (the figure's bbox is
    then in the same pixels): the draw creates the ticks, so no second draw is needed.
    The image is RGB when every pixel is opaque (the site's figures have a background).
    """
    import io

    from PIL import Image

    drawn = []

    def on_draw(event: Any) -> None:
        r = event.renderer
        smallest = _smallest_drawn_font(fig, r) if min_font is None else min_font
        drawn.append((int(r.width), int(r.height), smallest))

    cid = fig.canvas.mpl_connect("draw_event", on_draw)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="rgba", dpi=dpi, facecolor=fig.get_facecolor())
    finally:
        fig.canvas.mpl_disconnect(cid)
    if not drawn:
        raise RuntimeError("save_png: the figure was saved without a draw event")
    width, height, smallest = drawn[-1]
    image = Image.frombuffer("RGBA", (width, height), buf.getbuffer(), "raw", "RGBA", 0, 1)
    if image.getextrema()[3][0] == 255:
        image = image.convert("RGB")
    return image, smallest


def _encode_png(image: Any, alt: str, theme: str, min_font: float, dpi: int) -> bytes:
    """``image`` as PNG bytes: the alt text, theme, smallest font and dpi as tEXt chunks
    (the browser tests read them), and ``dpi`` in pHYs."""
    import io

    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Description", alt)
    info.add_text("vgrad:theme", theme)
    info.add_text("vgrad:min_font_pt", f"{min_font:g}")
    info.add_text("vgrad:dpi", str(dpi))
    buf = io.BytesIO()
    image.save(buf, format="png", pnginfo=info, dpi=(dpi, dpi))
    return buf.getvalue()


def _rgb_key(rgba: Any) -> tuple[int, int, int]:
    return tuple(round(255 * c) for c in rgba[:3])


def _luminance(rgb: Any) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Any, b: Any) -> float:
    """WCAG contrast ratio of two RGB(A) colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _colour_map(light: Any, dark: Any) -> tuple[dict, Any]:
    """Each colour of the light style sheet, with the dark sheet's colour for the same key."""
    import matplotlib as mpl
    from matplotlib.colors import to_rgba

    light = light if isinstance(light, mpl.RcParams) else mpl.RcParams(light)
    dark = dark if isinstance(dark, mpl.RcParams) else mpl.RcParams(dark)
    table: dict[tuple[int, int, int], tuple] = {}
    cycles = (light["axes.prop_cycle"], dark["axes.prop_cycle"])
    for lc, dc in zip(*(c.by_key()["color"] for c in cycles), strict=True):
        table.setdefault(_rgb_key(to_rgba(lc)), to_rgba(dc))
    for key in light:
        if key.endswith(("color", "facecolor", "edgecolor")) and key in dark:
            try:
                lc, dc = to_rgba(light[key]), to_rgba(dark[key])
            except (ValueError, TypeError):
                continue
            table.setdefault(_rgb_key(lc), dc)
    return table, (to_rgba(dark["figure.facecolor"]), to_rgba(dark["text.color"]))


def _to_dark_colour(rgba: Any, table: dict, background_ink: Any) -> tuple:
    """The dark rendering of one colour: its dark-sheet counterpart if it has one; a grey
    is mirrored between the dark background (for white) and the dark ink (for black); a
    pale tint becomes a dark one of the same hue; any other colour keeps its hue and is
    lightened until it has 3:1 against the background."""
    from matplotlib.colors import to_rgba

    rgba = to_rgba(rgba)
    if rgba[3] == 0:
        return rgba
    mapped = table.get(_rgb_key(rgba))
    if mapped is not None:
        return (*mapped[:3], rgba[3] * mapped[3])
    background, ink = background_ink
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


def to_dark(fig: Any, light: Any, dark: Any, drawn: bool = False) -> None:
    """Recolour ``fig``, drawn in the ``light`` style sheet, into the ``dark`` one, in place.

    Every colour of an artist that the light sheet defines (a cycle colour, the
    background, the ink, the grid) becomes the dark sheet's colour for the same key; other
    colours follow :func:`_to_dark_colour`. Images (colormaps) keep their colours.
    ``drawn=True`` says the figure has just been drawn (saved), so its ticks exist.

    The figure keeps the layout of that draw (its layout engine is switched off): the dark
    rendering has the light one's geometry exactly, and its draw skips recomputing the
    constrained layout, the costliest part of drawing a figure with many labels.
    """
    from matplotlib.axes import Axes
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    table, bg_ink = _colour_map(light, dark)

    def m(c: Any) -> Any:
        return _to_dark_colour(c, table, bg_ink)

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


# --------------------------------------------------------------------------------------
# A page's figure in the build


def show(fig: Any, alt: str) -> None:
    """Display ``fig`` as the site does: the hook :func:`vgrad.pages.show` calls in the
    build's kernels (``alt`` already checked there).

    Checks the figure against the site's rules (:data:`MAX_WIDTH_IN`, :data:`MIN_FONT_PT`),
    then displays a light rendering at 2x, the same as SVG (which the build turns into a
    download link under the figure, for slides and print) and a dark rendering at 2x, drawn
    in the style sheet that the environment variable ``VGRAD_FIGURE_DARK_RC`` names; each
    PNG carries ``alt`` and its theme for the build to mark. The figure is closed.

    Raises
    ------
    ValueError
        If the figure breaks the size rules.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.display import SVG, Image, display

    check_width(fig, MAX_WIDTH_IN, where=alt)
    width = round(fig.get_size_inches()[0] * DPI)
    light = mpl.RcParams(mpl.rcParams)
    dark = mpl.rc_params_from_file(os.environ["VGRAD_FIGURE_DARK_RC"], use_default_template=False)
    light_png = save_png(fig, alt, "light", 2)  # measures the fonts in its own draw
    # The layout is done: the SVG keeps it rather than redoing it (one layout draw fewer),
    # and so the dark PNG has exactly the light one's layout (to_dark keeps the layout it
    # finds; before, it found the SVG's, laid out again).
    fig.set_layout_engine("none")
    smallest = png_min_font(light_png)
    check_min_font(smallest, MIN_FONT_PT, where=alt)
    display(Image(data=light_png, format="png", width=width))
    display(SVG(data=save_svg(fig)))
    to_dark(fig, light, dark, drawn=True)
    display(Image(data=save_png(fig, alt, "dark", 2, smallest), format="png", width=width))
    plt.close(fig)


def install() -> None:
    """Make :func:`vgrad.pages.show` render through :func:`show` in this process (the build's
    kernels call it at start-up; a reader's Jupyter never does)."""
    import vgrad.pages

    vgrad.pages._hook = show
