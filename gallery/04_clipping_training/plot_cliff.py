r"""
The exploding-gradient cliff
============================

Pascanu, Mikolov & Bengio (2013) explain exploding gradients with the smallest recurrent
network there is: one unit, one weight, one bias. Its loss surface has a cliff, a wall on
whose face the gradient is enormous. This example builds the model in a few lines of
numpy, checks its gradient, finds where the cliff is and draws it;
:ref:`sphx_glr_auto_examples_04_clipping_training_plot_cliff_descent.py` then runs
gradient descent into it, with and without norm clipping.

The model and its loss are

.. math::

    x_t = w\, \sigma(x_{t-1}) + b, \qquad t = 1, \dots, T, \qquad
    \mathcal{L}(w, b) = (x_T - y)^2 .
"""

# %%
# The model and its gradient
# --------------------------
# We take :math:`x_0 = 0.5`, :math:`T = 50` and target :math:`y = 0.7`. The forward pass
# keeps every state; the backward pass is backpropagation through time for a single unit:
# :math:`\partial \mathcal L/\partial x_T = 2(x_T - y)`, then at each step back
#
# .. math::
#
#     \frac{\partial \mathcal L}{\partial w} \mathrel{+}= \frac{\partial \mathcal L}{\partial x_t}\,
#     \sigma(x_{t-1}), \qquad
#     \frac{\partial \mathcal L}{\partial b} \mathrel{+}= \frac{\partial \mathcal L}{\partial x_t},
#
#     \frac{\partial \mathcal L}{\partial x_{t-1}} = \frac{\partial \mathcal L}{\partial x_t}\,
#     w\,\sigma'(x_{t-1}) .
#
# The last line is the whole story of this site in one dimension: the gradient reaching
# :math:`x_0` carries the product :math:`\prod_t w\,\sigma'(x_{t-1})` of :math:`T` one-step
# derivatives. Everything is vectorised, so the same function evaluates a single point or a
# whole grid of :math:`(w, b)`.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import check_gradient, sigmoid, sigmoid_prime

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


# %%
# Checking the gradient
# ---------------------
# Before trusting any descent path, compare the hand-written gradient with central
# differences (:func:`vgrad.check_gradient`, whose tolerance follows the rounding noise of
# the differences) on both sides of the cliff and on its face. On the face the loss bends
# so sharply that the default difference step (:math:`6\times10^{-6}` relative) is too
# coarse, its truncation error alone exceeding the tolerance; a step of :math:`10^{-8}`
# is fine enough.

B_CLIFF = X0 - 4.8 * float(sigmoid(X0))  # where the cliff crosses w = 4.8 (derived below)
checks = [(3.0, -1.0, None), (6.0, -5.0, None), (6.0, -2.0, None), (4.8, B_CLIFF, 1e-8)]
for w0, b0, eps in checks:
    _, gw, gb = loss_and_grad(w0, b0)
    analytic = np.array([float(gw), float(gb)])
    result = check_gradient(
        lambda p: float(loss(p[0], p[1])), [w0, b0], analytic, rtol=1e-5, eps=eps
    )
    print(
        f"(w, b) = ({w0:4.1f}, {b0:6.3f}): BPTT [{analytic[0]:11.5g} {analytic[1]:11.5g}]  "
        f"differences [{result.numerical[0]:11.5g} {result.numerical[1]:11.5g}]  "
        f"max rel error {result.max_rel_error:.1e}"
    )
    assert result.passed and result.n_resolved == 2, result
# sphinx_gallery_start_ignore
# On the face the default step is too coarse (the text says so).
_, gw, gb = loss_and_grad(4.8, B_CLIFF)
coarse = check_gradient(
    lambda p: float(loss(p[0], p[1])), [4.8, B_CLIFF], [float(gw), float(gb)], rtol=1e-5
)
assert not coarse.passed
step = np.finfo(float).eps ** (1 / 3)  # the default relative step the text states, 6e-6
assert abs(step - 6e-6) < 1e-7
explicit = check_gradient(
    lambda p: float(loss(p[0], p[1])), [4.8, B_CLIFF], [float(gw), float(gb)], rtol=1e-5, eps=step
)
np.testing.assert_array_equal(coarse.numerical, explicit.numerical)
# sphinx_gallery_end_ignore

# %%
# Where the cliff is
# ------------------
# For a fixed :math:`(w, b)` the map :math:`x \mapsto w\sigma(x) + b` has a fixed point at
# :math:`x_0` exactly when :math:`b = x_0 - w\sigma(x_0)`. That fixed point is *unstable*
# when its slope :math:`w\sigma'(x_0)` exceeds 1, i.e. for
# :math:`w > 1/\sigma'(x_0) \approx 4.26`: starting there, a tiny change of :math:`b`
# sends :math:`x_t` to one of two stable states, low or high, and the two sides of that
# line in the :math:`(w, b)` plane end at different :math:`x_T`. That line is the cliff.
#
# On the line itself :math:`x_t = x_0` for every :math:`t`, so the chain rule has a closed
# form: with :math:`\lambda = w\sigma'(x_0)`,
# :math:`\partial x_T/\partial b = \sum_{k<T} \lambda^k = (\lambda^T - 1)/(\lambda - 1)`
# and :math:`\partial x_T/\partial w = \sigma(x_0)\,\partial x_T/\partial b`. The BPTT
# gradient agrees:

w_min = 1.0 / float(sigmoid_prime(X0))
print(f"the cliff starts at w = 1/sigma'(x0) = {w_min:.3f}")
# sphinx_gallery_start_ignore
assert abs(w_min - 4.26) < 0.005  # the value the text states
# sphinx_gallery_end_ignore
for w0 in (5.0, 6.0):
    b_cliff = X0 - w0 * float(sigmoid(X0))
    lam = w0 * float(sigmoid_prime(X0))
    dxdb = (lam**T - 1.0) / (lam - 1.0)
    closed = 2.0 * (X0 - TARGET) * dxdb * np.array([float(sigmoid(X0)), 1.0])
    _, gw, gb = loss_and_grad(w0, b_cliff)
    bptt = np.array([float(gw), float(gb)])
    print(
        f"w = {w0}: lambda = {lam:.3f}, lambda^T = {lam**T:.3g}, |grad L| on the cliff: "
        f"BPTT {np.linalg.norm(bptt):.6g}, closed form {np.linalg.norm(closed):.6g}"
    )
    np.testing.assert_allclose(bptt, closed, rtol=1e-6)

# %%
# The loss surface
# ----------------
# Evaluate :math:`\mathcal L` on a grid and draw :math:`\log_{10} \mathcal L`. The cliff line is
# dashed: below it :math:`x_T` ends on the low state, above it on the high one. The
# dark band on the left is the valley :math:`x_T = y`, which for :math:`w > 4.26` survives
# only on the face of the cliff, where :math:`x_T` sweeps through every value between the
# two states, the target included. The lower panel cuts the surface at three values of
# :math:`w`: the loss drops by a factor of four or more across a wall narrower than a tenth
# of the grid's spacing in :math:`b`.

w_grid = np.linspace(2.0, 9.0, 351)
b_grid = np.linspace(-6.5, 1.0, 376)
W, B = np.meshgrid(w_grid, b_grid)
LOG_FLOOR = -2.0  # colour scale floor; L reaches 0 exactly on the valley floor
log_L = np.log10(np.maximum(loss(W, B), 10.0**LOG_FLOOR))

w_cliff = np.linspace(w_min, w_grid[-1], 50)
b_cliff_line = X0 - w_cliff * sigmoid(X0)

# sphinx_gallery_start_ignore
# The text above: right of w_min the valley (L < 0.1) lies within two grid rows of the cliff,
# and across the cliff (a tenth of a grid row either side) x_T goes from low to high and the
# loss drops by a factor of four or more at each cut drawn below.
db = b_grid[1] - b_grid[0]
valley = (W > w_min) & (log_L <= -1.0)
assert valley.any() and np.all(np.abs(B - (X0 - W * sigmoid(X0)))[valley] < 2 * db)
for w0 in (5.0, 6.0, 7.0):
    b_cut = X0 - w0 * float(sigmoid(X0))
    x_below, x_above = forward(w0, b_cut - db / 20)[0][-1], forward(w0, b_cut + db / 20)[0][-1]
    assert x_below < X0 < x_above
    assert (x_below - TARGET) ** 2 > 4 * (x_above - TARGET) ** 2
# sphinx_gallery_end_ignore


def draw_surface(ax):
    mesh = ax.pcolormesh(W, B, log_L, shading="auto", cmap="cividis", vmin=LOG_FLOOR)
    ax.contour(W, B, log_L, levels=np.arange(-1.5, 2.6, 0.5), colors="white", linewidths=0.4)
    ax.plot(w_cliff, b_cliff_line, color="black", linestyle="--", linewidth=1.2)
    ax.set(xlabel="$w$", ylabel="$b$", xlim=w_grid[[0, -1]], ylim=b_grid[[0, -1]])
    ax.grid(False)
    return mesh


fig, (ax_s, ax_c) = plt.subplots(
    2, 1, figsize=(6.0, 9.0), layout="constrained", height_ratios=[1.2, 1.0]
)
mesh = draw_surface(ax_s)
fig.colorbar(mesh, ax=ax_s, label=r"$\log_{10} \mathcal{L}$ (floored at $-2$)")
ax_s.set_title("Log loss over (w, b), the cliff dashed")
for i, w0 in enumerate((5.0, 6.0, 7.0)):
    b_cut = X0 - w0 * float(sigmoid(X0))
    b_line = np.linspace(b_cut - 1.5, b_cut + 1.5, 3001)
    ax_s.axvline(w0, color=f"C{i}", linewidth=1.0, linestyle=":")
    ax_c.plot(b_line - b_cut, loss(w0, b_line), color=f"C{i}", label=f"$w = {w0:g}$")
ax_c.set(
    title="Loss across the cliff at fixed w",
    xlabel=r"distance to the cliff, $b - (x_0 - w\sigma(x_0))$",
    ylabel=r"$\mathcal{L}$",
)
ax_c.legend()
fig.suptitle("The loss surface of the single-unit RNN has a cliff")
plt.show()

# %%
# :ref:`sphx_glr_auto_examples_04_clipping_training_plot_cliff_descent.py` runs gradient
# descent into this wall, with and without norm clipping.
