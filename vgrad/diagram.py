"""Boxes and arrows for the computation graphs of :doc:`/unrolled_rnn` (the gallery's
``plot_rnn_diagram.py``).

A box is a vector, an arrow a matrix that connects two of them: solid dark arrows are the
forward pass, dashed blue ones the backward pass, and the recurrent matrix is vermilion
wherever it appears (Okabe & Ito's colours, 2008; line style carries the same information).
Every function draws on a matplotlib ``Axes`` in data coordinates; matplotlib is imported
only when something is drawn, so ``import vgrad`` does not need it.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

__all__ = ["box", "layer_row", "unrolled_rnn"]

FORWARD = "#333333"
BACKWARD = "#0072B2"  # Okabe-Ito blue
SHARED = "#D55E00"  # Okabe-Ito vermilion: W_hh
#: Edge colour of each kind of box: inputs, hidden states, outputs, losses.
FILL = {"x": "#B87F00", "h": "#009E73", "y": "#C86EA0", "L": "#808080"}
BOX_W, BOX_H = 0.95, 0.72
#: Half-width kept free around an ellipsis in a row of boxes.
DOTS_GAP = 0.3
_DASHED = (0, (4, 2.5))  # the backward pass's line style
_CENTRED = {"ha": "center", "va": "center"}
_DOTS = {**_CENTRED, "fontsize": 20, "color": "0.35"}
_LABEL = {"fontsize": 11, "color": BACKWARD}  # a gradient's label


def _tint(hex_color: str, amount: float = 0.8) -> tuple[float, float, float]:
    """``hex_color`` mixed with white; ``amount=1`` is white."""
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(float(c) for c in rgb + (1 - rgb) * amount)


def _rounded(ax: Any, x: float, y: float, w: float, h: float, rounding: float, **style) -> None:
    """A rounded rectangle of size ``w`` by ``h`` centred at ``(x, y)``, above the arrows."""
    from matplotlib.patches import FancyBboxPatch

    shape = f"round,pad=0,rounding_size={rounding}"
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=shape, zorder=3, **style))


def box(ax: Any, x: float, y: float, label: str, kind: str, width=BOX_W, height=BOX_H, fontsize=14):
    """A rounded box centred at ``(x, y)`` in the colour of ``kind``: "x", "h", "y" or "L"."""
    if kind not in FILL:
        raise ValueError(f"box: kind must be one of {sorted(FILL)}, not {kind!r}")
    edge = FILL[kind]
    _rounded(ax, x, y, width, height, 0.14, facecolor=_tint(edge), edgecolor=edge, linewidth=1.6)
    ax.text(x, y, label, **_CENTRED, fontsize=fontsize, zorder=4)


def _arrow(ax: Any, start: Any, end: Any, backward=False, color=FORWARD, linewidth=1.6) -> None:
    """A straight arrow from ``start`` to ``end``; a ``backward`` one is dashed and blue."""
    from matplotlib.patches import FancyArrowPatch

    start, end = np.asarray(start, float), np.asarray(end, float)
    style = {"color": BACKWARD if backward else color, "linewidth": linewidth, "zorder": 2}
    if backward:  # a dashed outline would fray the head: dash the shaft, then a solid head
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-", linestyle=_DASHED, **style))
        start = end - 0.05 * (end - start) / np.linalg.norm(end - start)
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, **style))


def _link(ax: Any, left: float, right: float, y: float, above=None, below=None, shared=False):
    """A forward arrow ``left -> right`` above the line ``y``, labelled ``above``, and a backward
    one below it, labelled ``below``; ``shared``: the forward one is the shared ``W_hh``."""
    color, linewidth = (SHARED, 2.4) if shared else (FORWARD, 1.6)
    _arrow(ax, (left, y + 0.14), (right, y + 0.14), color=color, linewidth=linewidth)
    _arrow(ax, (right, y - 0.22), (left, y - 0.22), backward=True)
    mid = (left + right) / 2
    if above is not None:
        style = {"color": SHARED} if shared else {}
        ax.text(mid, y + 0.5, above, **_CENTRED, fontsize=12, **style)
    if below is not None:
        ax.text(mid, y - 0.42, below, ha="center", va="top", fontsize=11, color=BACKWARD,
                linespacing=1.4)  # fmt: skip


def _gaps(columns: list[tuple[str, float]]):
    """For each neighbouring pair of ``columns`` (name, x): the free line between them,
    ``(left, right, name of the right one)``, a box's half-width or ``DOTS_GAP`` away."""
    for (name0, x0), (name1, x1) in pairwise(columns):
        left = x0 + (DOTS_GAP if name0 == "dots" else BOX_W / 2)
        yield left, x1 - (DOTS_GAP if name1 == "dots" else BOX_W / 2), name1


def _jacobian(z: str, W: str) -> str:
    r"""The label :math:`\mathrm{diag}(\phi'(z))\, W` of a backward arrow, on two lines."""
    return rf"$\mathrm{{diag}}(\phi'({z}))$" + "\n" + rf"$\times\, {W}$"


def unrolled_rnn(ax: Any) -> list[Any]:
    r"""Draw the recurrent network unrolled over :math:`T` steps on ``ax`` (its aspect equal,
    frame off, limits set); return the legend handles (``Line2D``): the forward pass, the
    backward pass, the shared :math:`W_{hh}`.

    Columns :math:`h_0`, steps 1 and 2, an ellipsis and step :math:`T`, each step with
    :math:`x_t, h_t, y_t, \mathcal L_t`, under the loss layer :math:`\mathcal L = \sum_t
    \mathcal L_t`; the backward arrow out of each drawn :math:`h_t` is labelled with its step
    Jacobian :math:`\mathrm{diag}(\phi'(a_t))\, W_{hh}`.
    """
    import matplotlib.pyplot as plt

    columns = [("0", 0.0), ("1", 2.9), ("2", 5.8), ("dots", 7.8), ("T", 9.8)]
    y_x, y_h, y_y, y_l, y_bar = 0.0, 2.4, 4.5, 6.0, 7.45
    ax.set(aspect="equal", xlim=(-0.7, 10.9), ylim=(-1.1, 7.95))
    ax.axis("off")

    steps = [(name, x) for name, x in columns if name not in ("0", "dots")]
    for name, x in steps:
        box(ax, x, y_x, f"$x_{name}$", "x")
        box(ax, x, y_h, f"$h_{name}$", "h")
        box(ax, x, y_y, f"$y_{name}$", "y")
        box(ax, x, y_l, f"$\\mathcal{{L}}_{name}$", "L")
        # Vertical arrows run from the top of one box to the bottom of the next: forward
        # upwards, left of the column's centre; backward downwards, right of it. The input
        # has no backward arrow: nothing upstream of x_t needs its gradient.
        for lower, upper in pairwise([y_x, y_h, y_y, y_l, y_bar]):
            top, bottom = lower + BOX_H / 2, upper - BOX_H / 2
            _arrow(ax, (x - 0.16, top), (x - 0.16, bottom))
            if lower != y_x:
                _arrow(ax, (x + 0.16, bottom), (x + 0.16, top), backward=True)
        ax.text(x - 0.26, (y_x + y_h) / 2 - 0.4, "$W_{xh}$", ha="right", va="center", fontsize=11)
        ax.text(x - 0.26, (y_h + y_y) / 2, "$W_{hy}$", ha="right", va="center", fontsize=11)

    box(ax, columns[0][1], y_h, "$h_0$", "h")
    for name, x in columns[:1] + steps:
        x_text, lift, ha = (x, 0.3, "center") if name == "0" else (x + 0.26, 0.6, "left")
        label = rf"$\partial \mathcal{{L}}/\partial h_{name}$"
        ax.text(x_text, y_h + BOX_H / 2 + lift, label, ha=ha, va="center", **_LABEL)
    for y in (y_x, y_h, y_y, y_l):
        ax.text(columns[3][1], y, r"$\cdots$", **_DOTS)

    # the recurrence, the same W_hh on every arrow, each backward one with its Jacobian
    for left, right, name in _gaps(columns):
        jacobian = None if name == "dots" else _jacobian(f"a_{name}", "W_{hh}")
        _link(ax, left, right, y_h, r"$W_{hh}$", jacobian, shared=True)

    # the loss layer
    x_first, x_last = steps[0][1], steps[-1][1]
    style = {"facecolor": _tint(FILL["L"], 0.7), "edgecolor": "0.35", "linewidth": 1.8}
    mid = (x_first + x_last) / 2
    _rounded(ax, mid, y_bar, x_last - x_first + 1.8, BOX_H, 0.16, **style)
    loss = r"loss layer:  $\mathcal{L} = \mathcal{L}_1 + \mathcal{L}_2 + \cdots + \mathcal{L}_T$"
    ax.text(mid, y_bar, loss, **_CENTRED, fontsize=12, zorder=4)

    # the direction of time
    time = {"arrowstyle": "-|>", "color": "0.5", "linewidth": 1.2}
    ax.annotate("", xy=(x_last + 0.6, -0.85), xytext=(x_first - 0.6, -0.85), arrowprops=time)
    ax.text(x_last + 0.75, -0.85, "time", va="center", fontsize=11, color="0.4")
    return [
        plt.Line2D([], [], color=FORWARD, linewidth=1.8, label="forward pass"),
        plt.Line2D([], [], color=BACKWARD, linewidth=1.8, linestyle=_DASHED, label="backward pass"),
        plt.Line2D([], [], color=SHARED, linewidth=2.6, label=r"the same $W_{hh}$ at every step"),
    ]


def layer_row(ax: Any, kind: str) -> None:
    r"""Draw a network as one row of layers on ``ax`` (set up as by :func:`unrolled_rnn`), its
    loss at the right end: ``kind="deep"``, the input :math:`x` and layers :math:`y_1, \dots,
    y_L`, a different :math:`W_l` on every forward arrow; ``kind="rnn"``, the states
    :math:`h_0, \dots, h_T`, each fed its input :math:`x_t` through :math:`W_{xh}`, the shared
    :math:`W_{hh}` on every forward arrow. The backward arrow out of each drawn layer is
    labelled with its Jacobian, :math:`\mathrm{diag}(\phi'(z_l))\, W_l` or
    :math:`\mathrm{diag}(\phi'(a_t))\, W_{hh}`."""
    if kind not in ("deep", "rnn"):
        raise ValueError(f"layer_row: kind must be 'deep' or 'rnn', not {kind!r}")
    last = "L" if kind == "deep" else "T"
    row = [("0", 0.0), ("1", 2.9), ("dots", 4.9), (last, 6.9)]
    x_loss = 9.0
    ax.set(aspect="equal", xlim=(-0.7, 9.7), ylim=(-1.55 if kind == "deep" else -2.2, 0.95))
    ax.axis("off")
    for name, x in row:
        if name == "dots":
            ax.text(x, 0, r"$\cdots$", **_DOTS)
        elif kind == "deep":
            box(ax, x, 0, "$x$" if name == "0" else f"$y_{name}$", "x" if name == "0" else "h")
        else:
            box(ax, x, 0, f"$h_{name}$", "h")
            if name != "0":
                box(ax, x, -1.75, f"$x_{name}$", "x", height=0.6, fontsize=12)
                _arrow(ax, (x, -1.45), (x, -BOX_H / 2))
                ax.text(x + 0.1, -1.0, "$W_{xh}$", ha="left", va="center", fontsize=11)
    for left, right, name in _gaps(row):
        if name == "dots":
            forward, backward = (None, None) if kind == "deep" else (r"$W_{hh}$", None)
        elif kind == "deep":
            forward, backward = f"$W_{name}$", _jacobian(f"z_{name}", f"W_{name}")
        else:
            forward, backward = r"$W_{hh}$", _jacobian(f"a_{name}", "W_{hh}")
        _link(ax, left, right, 0, forward, backward, shared=kind == "rnn")
    box(ax, x_loss, 0, r"$\mathcal{L}$", "L")
    _link(ax, row[-1][1] + BOX_W / 2, x_loss - BOX_W / 2, 0)
