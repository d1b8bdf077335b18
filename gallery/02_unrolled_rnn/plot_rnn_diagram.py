r"""
The unrolled recurrent network
==============================

A recurrent network applies the same update at every step,
:math:`h_t = \phi(W_{xh} x_t + W_{hh} h_{t-1} + b_h)`, :math:`y_t = W_{hy} h_t + b_y`.
Written out over a sequence of length :math:`T` it becomes a feed-forward network with
:math:`T` hidden layers, one per time step, plus a loss on top. This example draws that
graph with matplotlib: the forward pass, the backward pass that carries the loss
gradient back through time, and the comparison with an ordinary deep network.
"""

# %%
# Drawing
# -------
# Boxes are the vectors of the computation, arrows the matrices that connect them.
# Solid dark arrows are the forward pass; dashed blue arrows are the backward pass, which
# runs every forward arrow in reverse. The recurrent matrix is drawn in vermilion
# wherever it appears, and line style (solid or dashed) carries the same information as
# colour. The boxes and arrows come from ``vgrad.diagram``, a few small functions on
# top of matplotlib's patches.

from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from vgrad.diagram import BACKWARD, BOX_H, BOX_W, FILL, FORWARD, SHARED, arrow, box, link, tint

# %%
# The unrolled graph
# ------------------
# The initial state :math:`h_0` and three time steps are drawn, then an ellipsis, then
# the last step :math:`T`. Reading upwards in each column: the input :math:`x_t` enters
# through :math:`W_{xh}`, the hidden state :math:`h_t` also receives :math:`h_{t-1}`
# through :math:`W_{hh}`, the output :math:`y_t = W_{hy} h_t + b_y` is compared with its
# target in the loss :math:`\mathcal L_t`, and the loss layer adds the per-step losses.
#
# The backward pass starts at the loss layer. Every :math:`h_t` collects gradient from
# two places: its own output, and :math:`h_{t+1}`, through the Jacobian
# :math:`\partial h_{t+1} / \partial h_t = \mathrm{diag}(\phi'(a_{t+1}))\, W_{hh}`. Going
# from :math:`h_T` back to :math:`h_{T-k}` therefore multiplies by :math:`k` such
# Jacobians, all containing the *same* :math:`W_{hh}`.

columns = [("0", 0.0), ("1", 2.9), ("2", 5.8), ("dots", 7.8), ("T", 9.8)]
Y_X, Y_H, Y_Y, Y_L, Y_BAR = 0.0, 2.4, 4.5, 6.0, 7.45
HALF = BOX_W / 2
DOTS_GAP = 0.3  # half-width kept free around an ellipsis


def backward_jacobian(t):
    return rf"$\mathrm{{diag}}(\phi'(a_{t}))$" + "\n" + r"$\times\, W_{hh}$"


fig, ax = plt.subplots(figsize=(6.2, 6.6))
ax.set_aspect("equal")
ax.axis("off")

steps = [(name, x) for name, x in columns if name not in ("0", "dots")]
for name, x in steps:
    box(ax, x, Y_X, f"$x_{name}$", "x")
    box(ax, x, Y_H, f"$h_{name}$", "h")
    box(ax, x, Y_Y, f"$y_{name}$", "y")
    box(ax, x, Y_L, f"$\\mathcal{{L}}_{name}$", "L")
    # Vertical arrows run from the top of one box to the bottom of the next: forward
    # upwards, left of the column's centre; backward downwards, right of it. The input
    # has no backward arrow: nothing upstream of x_t needs its gradient.
    rows = [Y_X, Y_H, Y_Y, Y_L, Y_BAR]
    for lower, upper in pairwise(rows):
        top, bottom = lower + BOX_H / 2, upper - BOX_H / 2
        arrow(ax, (x - 0.16, top), (x - 0.16, bottom))
        if lower != Y_X:
            arrow(ax, (x + 0.16, bottom), (x + 0.16, top), BACKWARD, dashed=True)
    ax.text(x - 0.26, (Y_X + Y_H) / 2 - 0.4, "$W_{xh}$", ha="right", va="center", fontsize=11)
    ax.text(x - 0.26, (Y_H + Y_Y) / 2, "$W_{hy}$", ha="right", va="center", fontsize=11)

box(ax, columns[0][1], Y_H, "$h_0$", "h")
for name, x in columns[:1] + steps:
    ax.text(
        x + 0.26 if name != "0" else x,
        Y_H + BOX_H / 2 + (0.6 if name != "0" else 0.3),
        rf"$\partial \mathcal{{L}}/\partial h_{name}$",
        ha="left" if name != "0" else "center",
        va="center",
        fontsize=11,
        color=BACKWARD,
    )
for y in (Y_X, Y_H, Y_Y, Y_L):
    ax.text(columns[3][1], y, r"$\cdots$", ha="center", va="center", fontsize=20, color="0.35")

# the recurrence, the same W_hh on every arrow
for (name0, x0), (name1, x1) in pairwise(columns):
    left = x0 + (DOTS_GAP if name0 == "dots" else HALF)
    right = x1 - (DOTS_GAP if name1 == "dots" else HALF)
    # every arrow into a drawn state gets its Jacobian; the one into the ellipsis does not
    jacobian = None if name1 == "dots" else backward_jacobian(name1)
    link(ax, left, right, Y_H, r"$W_{hh}$", jacobian, shared=True)

# the loss layer
x_first, x_last = steps[0][1], steps[-1][1]
ax.add_patch(
    FancyBboxPatch(
        (x_first - 0.9, Y_BAR - BOX_H / 2),
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
    Y_BAR,
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
handles = [
    plt.Line2D([], [], color=FORWARD, linewidth=1.8, label="forward pass"),
    plt.Line2D(
        [], [], color=BACKWARD, linewidth=1.8, linestyle=(0, (4, 2.5)), label="backward pass"
    ),
    plt.Line2D([], [], color=SHARED, linewidth=2.6, label=r"the same $W_{hh}$ at every step"),
]
fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=11)
fig.suptitle("An RNN unrolled over T time steps:\nforward pass and backpropagation through time")
plt.show()

# %%
# Counting the products
# ---------------------
# The gradient that reaches :math:`h_{T-k}` from the loss at step :math:`T` has crossed
# :math:`k` dashed horizontal arrows, and each of them multiplies by one Jacobian. The
# loss at step :math:`s` reaches :math:`h_t` through :math:`s - t` of them, so the total
# gradient at :math:`h_t` is a sum over the losses of steps :math:`t` to :math:`T`, each
# term carrying its own product. For :math:`T = 4`, writing ``dLs/dhs`` for the direct
# term :math:`\partial L_s / \partial h_s = (\partial L_s / \partial y_s)\, W_{hy}`:

T = 4
for t in range(T, -1, -1):
    terms = [
        f"dL{s}/dh{s}" + "".join(f" J{u}" for u in range(s, t, -1)) for s in range(max(t, 1), T + 1)
    ]
    print(f"dL/dh{t} = " + " + ".join(terms))

# %%
# Here ``Ju`` stands for :math:`\mathrm{diag}(\phi'(a_u))\, W_{hh}` and the gradients are
# row vectors, so the products read from left to right along the backward pass. The
# longest product, for :math:`h_0`, has :math:`T` factors.

# %%
# The same picture as a deep network
# ----------------------------------
# Lay the hidden states in a row and the unrolled network is a stack of :math:`T`
# layers, like the deep network of :doc:`/deep_networks` (the lower row leaves out the
# outputs and draws only the loss of the last step). Two things differ: every layer
# receives an input of its own, and every layer uses the same matrix. In the deep network
# the backward pass multiplies by :math:`\mathrm{diag}(a'(z_l))\, W_l` with a different
# :math:`W_l` each time; in the recurrent network by
# :math:`\mathrm{diag}(\phi'(a_t))\, W_{hh}`, with one :math:`W_{hh}` raised, in effect,
# to the :math:`k`-th power.

row = [("0", 0.0), ("1", 2.9), ("dots", 4.9), ("last", 6.9)]
X_LOSS = 9.0
fig, (ax_ff, ax_rnn) = plt.subplots(
    2, 1, figsize=(6.2, 5.6), gridspec_kw={"height_ratios": [2.5, 3.15]}
)
for ax, kind in ((ax_ff, "deep"), (ax_rnn, "rnn")):
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
        left = x0 + (DOTS_GAP if name0 == "dots" else HALF)
        right = x1 - (DOTS_GAP if name1 == "dots" else HALF)
        layer = last if name1 == "last" else name1
        if kind == "deep":
            forward = None if name1 == "dots" else f"$W_{layer}$"
            backward = (
                None
                if name1 == "dots"
                else rf"$\mathrm{{diag}}(a'(z_{layer}))$" + "\n" + rf"$\times\, W_{layer}$"
            )
            link(ax, left, right, 0, forward, backward)
        else:
            backward = None if name1 == "dots" else backward_jacobian(layer)
            link(ax, left, right, 0, r"$W_{hh}$", backward, shared=True)
    box(ax, X_LOSS, 0, r"$\mathcal{L}$", "L")
    link(ax, row[-1][1] + HALF, X_LOSS - HALF, 0)
    ax.set(xlim=(-0.7, 9.7), ylim=(-1.55 if kind == "deep" else -2.2, 0.95))
ax_ff.set_title("Deep network: a different weight matrix in every layer")
ax_rnn.set_title("Unrolled RNN: one recurrent matrix in every layer,\nand an input at each")
plt.show()

# %%
# With a different matrix in every layer, the product of :math:`L` layer Jacobians can be
# steered by the initialisation of each layer. With one shared matrix the product
# contains :math:`W_{hh}` :math:`k` times, so its size is governed by how powers of a
# single matrix behave: see
# :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_scalar_powers.py` for the scalar case
# and :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py` for the
# measured gradients.

# sphinx_gallery_thumbnail_number = 1
