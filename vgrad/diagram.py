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

from typing import Any

import numpy as np

__all__ = ["BACKWARD", "FILL", "FORWARD", "SHARED", "arrow", "box", "link", "tint"]

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
