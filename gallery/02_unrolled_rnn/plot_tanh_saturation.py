r"""
Saturation: how the inputs set the gradient's decay
===================================================

In a tanh network each step back multiplies the gradient by
:math:`\mathrm{diag}(\phi'(a_t))\, W_{hh}`, and :math:`\tanh'(a) = 1 - \tanh(a)^2` is
below 1 away from :math:`a = 0`. How far below depends on how hard the inputs push the
units into the flat parts of tanh. This example measures the per-step factor of the
gradient against the spectral radius :math:`\rho` of :math:`W_{hh} = \rho\, Q`
(:math:`Q` orthogonal, so that the identity activation would give exactly :math:`\rho`),
for several input scales.
"""

# %%
# The measurement
# ---------------
# Each network has :math:`n = 32` hidden units and reads a batch of 16 random sequences of
# :math:`T = 80` steps through input weights scaled by ``input_scale``, from a random
# initial state. The loss is the mean squared error of the last output only, so what reaches
# :math:`h_{T-k}` is what survived :math:`k` Jacobians. The per-step factor is the
# median over the batch of
# :math:`(\|\partial \mathcal L/\partial h_0\| / \|\partial \mathcal L/\partial h_{T-20}\|)^{1/60}`,
# measured between :math:`k = 20` and :math:`k = 80`, leaving out the steps nearest the loss.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, mse

T, B, d, n, m = 80, 16, 4, 32, 2


def rate(rho, input_scale, seed=0):
    """Median per-step factor of |dL/dh_{T-k}| between k = 20 and k = 80, tanh network."""
    rng = np.random.default_rng(seed)
    net = RNN.orthogonal(d, n, m, rng, gain=rho, activation="tanh", input_scale=input_scale)
    trace = net.forward(rng.standard_normal((T, B, d)), h0=rng.standard_normal((B, n)))
    _, dL_dy = mse(trace.y, rng.standard_normal((B, m)), where="last")
    log_grad = np.log10(np.linalg.norm(net.backward(trace, dL_dy).dh[::-1], axis=2))
    return 10 ** np.median((log_grad[T] - log_grad[20]) / (T - 20))


# sphinx_gallery_start_ignore
assert (T, B, n) == (80, 16, 32)  # the text states them
# sphinx_gallery_end_ignore


# %%
# The factor against the spectral radius
# --------------------------------------
# Dashed: the identity activation, whose factor is exactly :math:`\rho`. The shaded band
# is where the gradient vanishes (a factor below 1 per step).

rho_grid = np.linspace(0.5, 1.5, 11)
input_scales = [0.0, 0.5, 1.0, 2.0]

fig, ax = plt.subplots(figsize=(6.0, 4.6))
factors = {}
ax.plot(rho_grid, rho_grid, color="0.3", linestyle="--", label=r"identity: $\rho$")
markers = ["o", "s", "^", "D"]
for i, (scale, marker) in enumerate(zip(input_scales, markers, strict=True)):
    rates = factors[scale] = [rate(rho, scale) for rho in rho_grid]
    ax.plot(rho_grid, rates, color=f"C{i}", marker=marker, label=f"tanh, input scale {scale:g}")
    print(f"tanh, input scale {scale:3.1f}: factor per step at rho = 1.5 is {rates[-1]:.3f}")
ax.axhline(1.0, color="0.3", linewidth=0.8)
ax.fill_between(rho_grid, 0.2, 1.0, color="0.5", alpha=0.08, linewidth=0)
ax.text(1.48, 0.24, "vanishing", color="0.35", ha="right")
ax.text(0.52, 1.03, "exploding", color="0.35")
ax.set(
    title="Per-step gradient factor against spectral radius",
    xlabel=r"spectral radius $\rho$ of $W_{hh}$",
    ylabel="gradient factor per step",
    xlim=(0.48, 1.52),
    ylim=(0.2, 1.6),
)
ax.legend(loc="upper left")
plt.show()

# %%
# Without any input (``input_scale=0``, only the random initial state) the activity of
# the network with :math:`\rho = 1.5` settles at a moderate level, only partly saturated,
# and its gradient still grows, far more slowly than :math:`\rho^k`; the stronger the input,
# the smaller the factor. The spectral radius alone does not say whether a tanh network's
# gradient vanishes: :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py`
# shows the full curves for unit inputs.

# sphinx_gallery_start_ignore
free = factors[0.0][-1]  # no input, rho = 1.5
assert rho_grid[-1] == 1.5 and 1 < free < 1 + (rho_grid[-1] - 1) / 4
rng = np.random.default_rng(0)  # the same network and initial state as rate(1.5, 0.0)
net = RNN.orthogonal(d, n, m, rng, gain=1.5, activation="tanh", input_scale=0.0)
h = net.forward(rng.standard_normal((T, B, d)), h0=rng.standard_normal((B, n))).h
assert 0.3 < np.mean(1 - h[20:] ** 2) < 0.9  # partly saturated
slope_t = np.mean(1 - h[20:] ** 2, axis=(1, 2))  # settled: the mean slope varies little
assert np.ptp(slope_t) < 0.1 * np.mean(slope_t)
assert factors[1.0][-1] < 1 < free  # rho = 1.5: vanishes with unit input, grows without
rows = np.array([factors[scale] for scale in input_scales])
assert np.all(np.diff(rows, axis=0) < 0)  # a stronger input, a smaller factor, at every rho
# sphinx_gallery_end_ignore
