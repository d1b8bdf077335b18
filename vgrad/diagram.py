"""Boxes and arrows for the computation graphs drawn on the site (the unrolled RNN of
:doc:`/unrolled_rnn` and the gallery's ``plot_rnn_diagram.py``).

A box is a vector of the computation, an arrow a matrix that connects two of them. Solid
dark arrows are the forward pass; dashed blue ones the backward pass, which runs every
forward arrow in reverse; the recurrent matrix is vermilion wherever it appears. Colours
are Okabe & Ito's (2008), and line style carries the same information as colour. Every
function draws on a matplotlib ``Axes`` in data coordinates; matplotlib is imported only
when something is drawn, so ``import vgrad`` does not need it.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

__all__ = [
    "BACKWARD",
    "FILL",
    "FORWARD",
    "SHARED",
    "arrow",
    "backward_jacobian",
    "box",
    "layer_row",
    "link",
    "tint",
    "unrolled_rnn",
]

FORWARD = "#333333"
BACKWARD = "#0072B2"  # Okabe-Ito blue
SHARED = "#D55E00"  # Okabe-Ito vermilion: W_hh
#: Edge colour of each kind of box: inputs, hidden states, outputs, losses.
FILL = {"x": "#B87F00", "h": "#009E73", "y": "#C86EA0", "L": "#808080"}
BOX_W, BOX_H = 0.95, 0.72


def tint(hex_color: str, amount: float = 0.8) -> tuple[float, float, float]:
    """``hex_color`` mixed with white; ``amount=1`` is white."""
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(float(c) for c in rgb + (1 - rgb) * amount)


def box(
    ax: Any,
    x: float,
    y: float,
    label: str,
    kind: str,
    width: float = BOX_W,
    height: float = BOX_H,
    fontsize: float = 14,
) -> None:
    """A rounded box centred at ``(x, y)``, filled in the pale tint of ``FILL[kind]``."""
    from matplotlib.patches import FancyBboxPatch

    if kind not in FILL:
        raise ValueError(f"box: kind must be one of {sorted(FILL)}, not {kind!r}")
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0,rounding_size=0.14",
            facecolor=tint(FILL[kind]),
            edgecolor=FILL[kind],
            linewidth=1.6,
            zorder=3,
        )
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=4)


def arrow(
    ax: Any,
    start: Any,
    end: Any,
    color: str = FORWARD,
    dashed: bool = False,
    linewidth: float = 1.6,
) -> None:
    """A straight arrow from ``start`` to ``end``; a dashed one keeps a solid head."""
    from matplotlib.patches import FancyArrowPatch

    start, end = np.asarray(start, float), np.asarray(end, float)
    common = {"color": color, "linewidth": linewidth, "zorder": 2}
    if not dashed:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, **common))
        return
    # A dashed outline would make a ragged head: dash the shaft, then draw the head alone
    # on the last bit of the line, solid.
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-", linestyle=(0, (4, 2.5)), **common))
    direction = (end - start) / np.linalg.norm(end - start)
    head = FancyArrowPatch(end - 0.05 * direction, end, arrowstyle="-|>", mutation_scale=13)
    head.set(**common)
    ax.add_patch(head)


def link(
    ax: Any,
    left: float,
    right: float,
    y: float,
    forward_label: str | None = None,
    backward_label: str | None = None,
    shared: bool = False,
) -> None:
    """A forward arrow ``left -> right`` above the line ``y`` and a backward one below,
    each with its label; ``shared`` draws the forward one as the shared ``W_hh``."""
    arrow(ax, (left, y + 0.14), (right, y + 0.14), SHARED if shared else FORWARD,
          linewidth=2.4 if shared else 1.6)  # fmt: skip
    arrow(ax, (right, y - 0.22), (left, y - 0.22), BACKWARD, dashed=True)
    mid = (left + right) / 2
    if forward_label is not None:
        style = {"color": SHARED} if shared else {}
        ax.text(mid, y + 0.5, forward_label, ha="center", va="center", fontsize=12, **style)
    if backward_label is not None:
        ax.text(mid, y - 0.42, backward_label, ha="center", va="top", fontsize=11,
                color=BACKWARD, linespacing=1.4)  # fmt: skip


#: Half-width kept free around an ellipsis in a row of boxes.
DOTS_GAP = 0.3


def backward_jacobian(t: str) -> str:
    r"""The label of the backward arrow into ``h_{t-1}``: the step Jacobian
    :math:`J_t = \mathrm{diag}(\phi'(a_t))\, W_{hh}`, on two lines."""
    return rf"$\mathrm{{diag}}(\phi'(a_{t}))$" + "\n" + r"$\times\, W_{hh}$"


def unrolled_rnn(ax: Any) -> list[Any]:
    r"""Draw the recurrent network unrolled over :math:`T` steps on ``ax``.

    Columns for :math:`h_0`, steps 1 and 2, an ellipsis and step :math:`T`; in each step the
    input :math:`x_t`, the state :math:`h_t`, the output :math:`y_t` and the loss
    :math:`\mathcal L_t`, a loss layer :math:`\mathcal L = \sum_t \mathcal L_t` on top,
    forward arrows (the recurrence :math:`h_{t-1} \to h_t` through the shared
    :math:`W_{hh}`) and the backward arrows of backpropagation through time, each recurrent
    one labelled with its Jacobian :func:`backward_jacobian`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its aspect is set equal, its frame switched off and its limits set.

    Returns
    -------
    list of matplotlib.lines.Line2D
        Legend handles for the forward pass, the backward pass and the shared
        :math:`W_{hh}`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    columns = [("0", 0.0), ("1", 2.9), ("2", 5.8), ("dots", 7.8), ("T", 9.8)]
    y_x, y_h, y_y, y_l, y_bar = 0.0, 2.4, 4.5, 6.0, 7.45
    half = BOX_W / 2
    ax.set_aspect("equal")
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
        rows = [y_x, y_h, y_y, y_l, y_bar]
        for lower, upper in pairwise(rows):
            top, bottom = lower + BOX_H / 2, upper - BOX_H / 2
            arrow(ax, (x - 0.16, top), (x - 0.16, bottom))
            if lower != y_x:
                arrow(ax, (x + 0.16, bottom), (x + 0.16, top), BACKWARD, dashed=True)
        ax.text(x - 0.26, (y_x + y_h) / 2 - 0.4, "$W_{xh}$", ha="right", va="center", fontsize=11)
        ax.text(x - 0.26, (y_h + y_y) / 2, "$W_{hy}$", ha="right", va="center", fontsize=11)

    box(ax, columns[0][1], y_h, "$h_0$", "h")
    for name, x in columns[:1] + steps:
        ax.text(
            x + 0.26 if name != "0" else x,
            y_h + BOX_H / 2 + (0.6 if name != "0" else 0.3),
            rf"$\partial \mathcal{{L}}/\partial h_{name}$",
            ha="left" if name != "0" else "center",
            va="center",
            fontsize=11,
            color=BACKWARD,
        )
    for y in (y_x, y_h, y_y, y_l):
        ax.text(columns[3][1], y, r"$\cdots$", ha="center", va="center", fontsize=20, color="0.35")

    # the recurrence, the same W_hh on every arrow
    for (name0, x0), (name1, x1) in pairwise(columns):
        left = x0 + (DOTS_GAP if name0 == "dots" else half)
        right = x1 - (DOTS_GAP if name1 == "dots" else half)
        # every arrow into a drawn state gets its Jacobian; the one into the ellipsis does not
        jacobian = None if name1 == "dots" else backward_jacobian(name1)
        link(ax, left, right, y_h, r"$W_{hh}$", jacobian, shared=True)

    # the loss layer
    x_first, x_last = steps[0][1], steps[-1][1]
    ax.add_patch(
        FancyBboxPatch(
            (x_first - 0.9, y_bar - BOX_H / 2),
            x_last - x_first + 1.8,
            BOX_H,
            boxstyle="round,pad=0,rounding_size=0.16",
            facecolor=tint(FILL["L"], 0.7),
            edgecolor="0.35",
            linewidth=1.8,
            zorder=3,
        )
    )
    ax.text(
        (x_first + x_last) / 2,
        y_bar,
        r"loss layer:  $\mathcal{L} = \mathcal{L}_1 + \mathcal{L}_2 + \cdots + \mathcal{L}_T$",
        ha="center",
        va="center",
        fontsize=12,
        zorder=4,
    )

    # the direction of time
    ax.annotate(
        "",
        xy=(x_last + 0.6, -0.85),
        xytext=(x_first - 0.6, -0.85),
        arrowprops={"arrowstyle": "-|>", "color": "0.5", "linewidth": 1.2},
    )
    ax.text(x_last + 0.75, -0.85, "time", va="center", fontsize=11, color="0.4")

    ax.set(xlim=(-0.7, 10.9), ylim=(-1.1, 7.95))
    return [
        plt.Line2D([], [], color=FORWARD, linewidth=1.8, label="forward pass"),
        plt.Line2D(
            [], [], color=BACKWARD, linewidth=1.8, linestyle=(0, (4, 2.5)), label="backward pass"
        ),
        plt.Line2D([], [], color=SHARED, linewidth=2.6, label=r"the same $W_{hh}$ at every step"),
    ]


def layer_row(ax: Any, kind: str) -> None:
    r"""Draw a network as one row of layers on ``ax``, its loss at the right end.

    ``kind="deep"``: the input :math:`x`, layers :math:`y_1, \dots, y_L`, a different
    :math:`W_l` on every forward arrow and :math:`\mathrm{diag}(\phi'(z_l))\, W_l` on every
    backward one. ``kind="rnn"``: the states :math:`h_0, h_1, \dots, h_T`, each fed its
    input :math:`x_t` through :math:`W_{xh}`, the shared :math:`W_{hh}` on every forward
    arrow and the step Jacobian :func:`backward_jacobian` on every backward one.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its aspect is set equal, its frame switched off and its limits set.
    kind : {"deep", "rnn"}
        Which network.

    Raises
    ------
    ValueError
        If ``kind`` is neither ``"deep"`` nor ``"rnn"``.
    """
    if kind not in ("deep", "rnn"):
        raise ValueError(f"layer_row: kind must be 'deep' or 'rnn', not {kind!r}")
    row = [("0", 0.0), ("1", 2.9), ("dots", 4.9), ("last", 6.9)]
    x_loss, half = 9.0, BOX_W / 2
    ax.set_aspect("equal")
    ax.axis("off")
    last = "L" if kind == "deep" else "T"
    for name, x in row:
        name = last if name == "last" else name
        if name == "dots":
            ax.text(x, 0, r"$\cdots$", ha="center", va="center", fontsize=20, color="0.35")
        elif kind == "deep":
            box(ax, x, 0, "$x$" if name == "0" else f"$y_{name}$", "x" if name == "0" else "h")
        else:
            box(ax, x, 0, f"$h_{name}$", "h")
            if name != "0":
                box(ax, x, -1.75, f"$x_{name}$", "x", height=0.6, fontsize=12)
                arrow(ax, (x, -1.45), (x, -BOX_H / 2))
                ax.text(x + 0.1, -1.0, "$W_{xh}$", ha="left", va="center", fontsize=11)
    for (name0, x0), (name1, x1) in pairwise(row):
        left = x0 + (DOTS_GAP if name0 == "dots" else half)
        right = x1 - (DOTS_GAP if name1 == "dots" else half)
        layer = last if name1 == "last" else name1
        if kind == "deep":
            forward = None if name1 == "dots" else f"$W_{layer}$"
            backward = (
                None
                if name1 == "dots"
                else rf"$\mathrm{{diag}}(\phi'(z_{layer}))$" + "\n" + rf"$\times\, W_{layer}$"
            )
            link(ax, left, right, 0, forward, backward)
        else:
            backward = None if name1 == "dots" else backward_jacobian(layer)
            link(ax, left, right, 0, r"$W_{hh}$", backward, shared=True)
    box(ax, x_loss, 0, r"$\mathcal{L}$", "L")
    link(ax, row[-1][1] + half, x_loss - half, 0)
    ax.set(xlim=(-0.7, 9.7), ylim=(-1.55 if kind == "deep" else -2.2, 0.95))
