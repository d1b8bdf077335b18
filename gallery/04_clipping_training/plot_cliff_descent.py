r"""
Gradient descent on the cliff, with and without clipping
========================================================

:ref:`sphx_glr_auto_examples_04_clipping_training_plot_cliff.py` draws the loss surface
of Pascanu, Mikolov & Bengio's (2013) single-unit recurrent network,
:math:`x_t = w\, \sigma(x_{t-1}) + b` for :math:`t = 1, \dots, T`, with loss
:math:`\mathcal{L}(w, b) = (x_T - y)^2`: a wall runs across the :math:`(w, b)` plane on whose face
the gradient is enormous. This example runs plain gradient descent into that wall, once
as it is and once with the gradient clipped to a maximum norm.
"""

# %%
# The model
# ---------
# The same model as in the cliff example: :math:`x_0 = 0.5`, :math:`T = 50`, target
# :math:`y = 0.7`, and backpropagation through time for a single unit, vectorised so that
# one call evaluates a whole batch or grid of :math:`(w, b)` (the cliff example checks
# this gradient against finite differences).

import matplotlib.pyplot as plt
import numpy as np

from vgrad import clip_by_norm, sigmoid, sigmoid_prime

X0, T, TARGET = 0.5, 50, 0.7
# sphinx_gallery_start_ignore
assert (X0, T, TARGET) == (0.5, 50, 0.7)  # the values the text states
# sphinx_gallery_end_ignore


def forward(w, b):
    """States x_0..x_T and sigmoid(x_0)..sigmoid(x_{T-1}), each (T + 1 or T, *shape)."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
    x = np.empty((T + 1, *w.shape))
    s = np.empty((T, *w.shape))
    x[0] = X0
    for t in range(1, T + 1):
        s[t - 1] = sigmoid(x[t - 1])
        x[t] = w * s[t - 1] + b
    return x, s


def loss(w, b):
    return (forward(w, b)[0][-1] - TARGET) ** 2


def loss_and_grad(w, b):
    """L, dL/dw, dL/db by backpropagation through time."""
    x, s = forward(w, b)
    w = np.asarray(w, dtype=float)
    dx = 2.0 * (x[-1] - TARGET)  # dL/dx_T
    dw = np.zeros_like(dx)
    db = np.zeros_like(dx)
    for t in range(T, 0, -1):
        dw += dx * s[t - 1]
        db += dx
        dx = dx * w * s[t - 1] * (1.0 - s[t - 1])  # dL/dx_{t-1}: times w sigma'(x_{t-1})
    return (x[-1] - TARGET) ** 2, dw, db


# The surface and the cliff line b = x_0 - w sigma(x_0) for w > 1/sigma'(x_0), as drawn in
# the cliff example, for the background of the descent paths.
w_grid = np.linspace(2.0, 9.0, 351)
b_grid = np.linspace(-6.5, 1.0, 376)
W, B = np.meshgrid(w_grid, b_grid)
LOG_FLOOR = -2.0
log_L = np.log10(np.maximum(loss(W, B), 10.0**LOG_FLOOR))
w_cliff = np.linspace(1.0 / float(sigmoid_prime(X0)), w_grid[-1], 50)
b_cliff_line = X0 - w_cliff * sigmoid(X0)


def draw_surface(ax):
    mesh = ax.pcolormesh(W, B, log_L, shading="auto", cmap="cividis", vmin=LOG_FLOOR)
    ax.contour(W, B, log_L, levels=np.arange(-1.5, 2.6, 0.5), colors="white", linewidths=0.4)
    ax.plot(w_cliff, b_cliff_line, color="black", linestyle="--", linewidth=1.2)
    ax.set(xlabel="$w$", ylabel="$b$", xlim=w_grid[[0, -1]], ylim=b_grid[[0, -1]])
    ax.grid(False)
    return mesh


# %%
# Gradient descent into the cliff
# -------------------------------
# Start at :math:`(w, b) = (6.5, -5)`, on the low side, and take plain gradient steps with
# learning rate :math:`\eta = 0.005`, once unclipped and once with the gradient clipped to
# norm :math:`\tau = 20` by :func:`vgrad.clip_by_norm`. The gradient norm stays about 10
# and the threshold acts only within a hundredth of the cliff line, so the two paths
# coincide until the first such step. ``descend`` runs a batch of starting points at once:
# here those used at the end of this example, of which we follow :math:`(6.5, -5)` first.

ETA, TAU, STEPS = 0.005, 20.0, 200
# sphinx_gallery_start_ignore
assert (ETA, TAU, STEPS) == (0.005, 20.0, 200)  # the values the text states
# sphinx_gallery_end_ignore


def descend(starts, clip):
    """Paths (STEPS + 1, n, 2), losses (STEPS + 1, n), gradient norms (STEPS, n)."""
    theta = np.array(starts, dtype=float).reshape(-1, 2)
    paths, losses, norms = [theta], [], []
    for _ in range(STEPS):
        L, gw, gb = loss_and_grad(theta[:, 0], theta[:, 1])
        g = np.stack([gw, gb], axis=1)
        losses.append(L)
        norms.append(np.linalg.norm(g, axis=1))
        if clip:
            g = np.array([clip_by_norm(g_i, TAU).grads for g_i in g])
        theta = theta - ETA * g
        paths.append(theta)
    losses.append(loss(theta[:, 0], theta[:, 1]))
    return np.array(paths), np.array(losses), np.array(norms)


starts = [(w0, b0) for w0 in (5.0, 5.5, 6.0, 6.5, 7.0, 7.5) for b0 in (-6.0, -5.0)]
start = (6.5, -5.0)
# sphinx_gallery_start_ignore
assert len(starts) == 12 and start == (6.5, -5.0)  # as the text states
# sphinx_gallery_end_ignore
batch = {
    name: descend(starts, clip) for name, clip in (("no clipping", False), ("norm clipping", True))
}
j0 = starts.index(start)
runs = {
    name: (path[:, j0 : j0 + 1], losses[:, j0 : j0 + 1], norms[:, j0 : j0 + 1])
    for name, (path, losses, norms) in batch.items()
}
for name, (path, losses, norms) in runs.items():
    steps = np.linalg.norm(np.diff(path[:, 0], axis=0), axis=1)
    k = int(np.argmax(steps))
    print(
        f"{name:13s}: largest gradient {norms.max():.3g}, longest step {steps[k]:.3g} "
        f"(step {k}), final (w, b) = ({path[-1, 0, 0]:.3g}, {path[-1, 0, 1]:.3g}), "
        f"final loss {losses[-1, 0]:.3g}"
    )

# sphinx_gallery_start_ignore
# The paragraph above: until the first clipped step the gradient norm is about 10 and the two
# paths coincide; every clipped step is taken within a hundredth of the cliff line.
_, _, norms_u = runs["no clipping"]
first = int(np.argmax(norms_u[:, 0] > TAU))
assert first > 0 and np.all(np.abs(norms_u[:first, 0] - 10) < 2.5)
np.testing.assert_array_equal(
    runs["no clipping"][0][: first + 1], runs["norm clipping"][0][: first + 1]
)
path, _, norms = runs["norm clipping"]
on_wall = np.abs(path[:-1, 0, 1] - (X0 - path[:-1, 0, 0] * sigmoid(X0)))[norms[:, 0] > TAU]
assert on_wall.size > 0 and on_wall.max() < 0.01
# sphinx_gallery_end_ignore

# %%
# On the surface, both paths climb straight to the cliff and then zig-zag across it,
# running along the wall towards the valley. Then one unclipped step lands on the face of
# the wall: a gradient of norm about :math:`2\times10^4` throws the parameters far out of
# the picture (the arrow points to where they land), and the loss jumps by more than three
# orders of magnitude. The clipped path makes the same moves, but no step is longer than
# :math:`\eta\tau = 0.1` (bottom panel). That bounds how far a step moves, not how much the
# loss changes: the clipped path keeps crossing the wall, its loss jumping tenfold or more at
# many crossings (the count and the largest jump are printed below), and after 200 steps it
# is still on the wall.

path_c, loss_c, norm_c = (a[:, 0] for a in runs["norm clipping"])
steps_c = np.linalg.norm(np.diff(path_c, axis=0), axis=1)
rise_c = loss_c[1:] / loss_c[:-1]  # the loss after each clipped step over the loss before it
# sphinx_gallery_start_ignore
path_u, loss_u, norm_u = (a[:, 0] for a in runs["no clipping"])
k_u = int(np.argmax(np.linalg.norm(np.diff(path_u, axis=0), axis=1)))
assert 1e4 < norm_u[k_u] < 3e4 and loss_u[k_u + 1] > 1e3 * loss_u[k_u]
w_land, b_land = path_u[k_u + 1]  # out of the picture
assert not (w_grid[0] <= w_land <= w_grid[-1] and b_grid[0] <= b_land <= b_grid[-1])
# Straight up to the cliff (within 2 degrees of the b axis), then across it, back and forth at
# least ten times, staying within one unit of b of it while w falls by more than one.
gap_u = path_u[:, 1] - (X0 - path_u[:, 0] * sigmoid(X0))
reach = int(np.argmax(np.diff(np.sign(gap_u)) != 0))
climb = np.degrees(np.arctan2(*np.diff(path_u[: reach + 1], axis=0).T[::-1]))
assert reach > 0 and np.all(np.abs(climb - 90) < 2)
for path, end in ((path_u, k_u), (path_c, STEPS)):
    gap = path[:, 1] - (X0 - path[:, 0] * sigmoid(X0))
    assert np.sum(np.diff(np.sign(gap[: end + 1])) != 0) >= 10
    assert np.abs(gap[reach : end + 1]).max() < 1 and path[end, 0] < path[reach, 0] - 1
assert np.isclose(ETA * TAU, 0.1) and steps_c.max() <= ETA * TAU * (1 + 1e-12)
cliff_gap = path_c[:, 1] - (X0 - path_c[:, 0] * sigmoid(X0))  # b minus the cliff's b
crossing = np.diff(np.sign(cliff_gap)) != 0
assert np.sum((rise_c >= 10) & crossing) >= 10  # "tenfold or more at many crossings"
assert np.sum(np.diff(np.sign(cliff_gap)) != 0) >= 10 and path_c[:, 0].min() > w_cliff[0]
assert np.abs(cliff_gap[-1]) < 0.2 and loss_c[-1] > 0.1  # on the wall, not in the valley
# sphinx_gallery_end_ignore
k_c = int(np.argmax(rise_c))
print(
    f"norm clipping: largest loss jump at step {k_c}, from {loss_c[k_c]:.3g} to "
    f"{loss_c[k_c + 1]:.3g}, with a step {steps_c[k_c]:.3g} long; "
    f"{int(np.sum(rise_c >= 10))} steps raise the loss tenfold or more"
)

colors = {"no clipping": "C1", "norm clipping": "C0"}
widths = {"no clipping": 1.0, "norm clipping": 3.0}
box = (np.array([w_grid[0], b_grid[0]]), np.array([w_grid[-1], b_grid[-1]]))
fig, axs = plt.subplot_mosaic(
    [["paths"], ["loss"], ["step"]],
    figsize=(6.0, 10.0),
    layout="constrained",
    height_ratios=[2.0, 1.0, 1.0],
)
draw_surface(axs["paths"])
for name in ("norm clipping", "no clipping"):  # the thin unclipped path on top
    path, losses, norms = runs[name]
    path = path[:, 0]
    inside = np.all((path >= box[0]) & (path <= box[1]), axis=1)
    shown = path if inside.all() else path[: np.argmin(inside)]
    label = rf"{name}, $\tau = {TAU:g}$" if name == "norm clipping" else name
    axs["paths"].plot(*shown.T, color=colors[name], linewidth=widths[name], label=label)
    if not inside.all():
        k = len(shown) - 1
        axs["paths"].annotate(
            f"step {k}: thrown to\n$(w, b) = ({path[k + 1, 0]:.0f}, {path[k + 1, 1]:.0f})$",
            xy=np.clip(path[k + 1], box[0] + 0.2, box[1] - 0.2),
            xytext=(5.3, -0.9),
            fontsize=11,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            arrowprops={"arrowstyle": "->", "color": colors[name], "linewidth": 1.5},
        )
    axs["loss"].semilogy(losses[:, 0], color=colors[name], linewidth=widths[name] / 1.5)
    axs["step"].semilogy(
        np.linalg.norm(np.diff(path, axis=0), axis=1),
        color=colors[name],
        linewidth=widths[name] / 1.5,
        label=name,
    )
axs["paths"].plot(*start, "o", color="black", markersize=6, label="start")
axs["paths"].set_title("Descent paths from the same start")
axs["paths"].legend(loc="lower left", frameon=True, framealpha=0.85)
axs["loss"].set(title="Loss", ylabel=r"$\mathcal{L}$")
axs["loss"].tick_params(labelbottom=False)
axs["step"].axhline(ETA * TAU, color="black", linewidth=0.8, linestyle="--")
axs["step"].set(
    title="Step length (dashed: the clipped maximum)", xlabel="step", ylabel=r"$\|\Delta\theta\|$"
)
axs["step"].sharex(axs["loss"])
fig.suptitle("Gradient descent on the cliff,\nwith and without norm clipping")
plt.show()

# %%
# Not a lucky start
# -----------------
# Whether an unclipped step lands on the face of the wall depends on where it meets the
# cliff, so look at all the starting points that ``descend`` ran, on the low side of
# the cliff, and list each run's largest single step and final loss.

results = {}
for name, (path, losses, _) in batch.items():
    results[name] = (np.linalg.norm(np.diff(path, axis=0), axis=2).max(axis=0), losses[-1])
print(f"{'':12s}  {'no clipping':^25s}  {'norm clipping':^25s}")
print(f"{'start':12s}" + 2 * f"  {'longest step':>12s} {'final loss':>12s}")
for j, (w0, b0) in enumerate(starts):
    row = "".join(
        f"  {results[name][0][j]:12.3g} {results[name][1][j]:12.3g}"
        for name in ("no clipping", "norm clipping")
    )
    print(f"({w0:3.1f}, {b0:4.1f}) " + row)

# %%
# Without clipping the outcome is a lottery: half of the runs take a step longer than 1,
# and such a jump may land in the valley (several runs end with a loss below
# :math:`10^{-3}`, lower than their clipped twins) or far away (two end with losses above
# 10). With clipping no step is longer than :math:`\eta\tau`. Clipping does not remove the
# cliff, and it does not make the gradient on the wall a better guide: it only refuses to
# take the long step that gradient asks for. A *vanishing* gradient, the other half of the
# problem, it cannot lengthen
# (:ref:`sphx_glr_auto_examples_04_clipping_training_plot_clipping_geometry.py`).

# sphinx_gallery_start_ignore
longest_u, final_u = results["no clipping"]
longest_c, final_c = results["norm clipping"]
assert np.sum(longest_u > 1) == len(starts) // 2
assert np.sum((longest_u > 1) & (final_u < 1e-3) & (final_u < final_c)) >= 3
assert np.sum((longest_u > 1) & (final_u > 10)) == 2
assert np.all(longest_c <= ETA * TAU * (1 + 1e-12))
# sphinx_gallery_end_ignore
