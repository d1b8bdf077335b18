r"""
How far back the gradient reaches: vanilla RNN, IRNN, LSTM and GRU
==================================================================

A loss at the last step :math:`T` sends a gradient back through time. How much of it reaches
the state :math:`k` steps earlier is the ratio
:math:`\|\partial \mathcal L/\partial h_{T-k}\| / \|\partial \mathcal L/\partial h_T\|`. This
example measures that ratio for cells of the same size on the same inputs: a vanilla
tanh RNN with a Gaussian and with an orthogonal recurrent matrix, the IRNN (ReLU with
:math:`W_{hh} = I`), an LSTM and a GRU. For the LSTM it also follows the cell state,
:math:`\|\partial \mathcal L/\partial c_{T-k}\|`.
"""

# %%
# The networks and their inputs
# -----------------------------
# Every network has :math:`n = 32` hidden units and reads the same :math:`B = 16` random
# sequences of length :math:`T = 100`. Only the last output carries a loss, so
# :math:`\partial \mathcal L/\partial h_T` is the gradient injected at the end and everything at
# :math:`t < T` arrived through the recurrence. The gated cells are built twice, with the
# bias of the gate that guards the old state (the LSTM's forget gate :math:`b_f`, the
# GRU's update gate :math:`b_z`) set to 1 and to 3.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN
from vgrad.gru import GRU
from vgrad.lstm import LSTM

T, B, d, n, m = 100, 16, 4, 32, 1
rng = np.random.default_rng(2025)
xs = rng.standard_normal((T, B, d))
dL_dy = np.zeros((T, B, m))
dL_dy[-1] = rng.standard_normal((B, m))

nets = {
    "tanh, Gaussian": RNN.random(d, n, m, rng, rho=1.0),
    "tanh, orthogonal": RNN.orthogonal(d, n, m, rng),
    "IRNN (ReLU, I)": RNN.identity(d, n, m, rng),
    "LSTM, b_f = 1": LSTM.random(d, n, m, rng, forget_bias=1.0),
    "LSTM, b_f = 3": LSTM.random(d, n, m, rng, forget_bias=3.0),
    "GRU, b_z = 1": GRU.random(d, n, m, rng, update_bias=1.0),
    "GRU, b_z = 3": GRU.random(d, n, m, rng, update_bias=3.0),
}
# sphinx_gallery_start_ignore
assert (n, B, T) == (32, 16, 100)  # as the text says; the gate biases are in the names
# sphinx_gallery_end_ignore

# %%
# The ratio for every lag
# -----------------------
# ``backward`` returns :math:`\partial \mathcal L/\partial h_t` for every t (and
# :math:`\partial \mathcal L/\partial c_t` for the LSTM), so one backward pass gives the whole
# curve.
# Both ratios are taken against :math:`\|\partial \mathcal L/\partial h_T\|`, per sequence; the
# curves are medians over the batch.


def ratio(d_state, dh_T):
    """Median over the batch of ||d_state[T - k]|| / ||dL/dh_T||, for k = 0..T."""
    norms = np.linalg.norm(d_state[::-1], axis=2)  # row k is step T - k
    return np.median(norms / np.linalg.norm(dh_T, axis=1), axis=1)


curves, cell_curves, dead = {}, {}, {}
for name, net in nets.items():
    grads = net.backward(net.forward(xs), dL_dy)
    curves[name] = ratio(grads.dh, grads.dh[T])
    if isinstance(net, LSTM):
        cell_curves[name] = ratio(grads.dc, grads.dh[T])
    dead[name] = np.mean(grads.dh == 0.0, axis=(1, 2))[::-1]  # share of exact zeros per lag k

# %%
# The last column is the average factor per step over the first 50 steps,
# :math:`(\text{ratio at } k = 50)^{1/50}`: the geometric mean of what one step multiplies by.

k = np.arange(T + 1)
lags = (10, 50, 99)
print(f"{'':20s}" + "".join(f"{f'k = {lag}':>10s}" for lag in lags) + "  per step")
rows = {**curves, **{f"{name}, cell": curve for name, curve in cell_curves.items()}}
for name, curve in rows.items():
    per_step = curve[50] ** (1 / 50)
    print(f"{name:20s}" + "".join(f"{curve[lag]:10.1e}" for lag in lags) + f"{per_step:10.3f}")

# %%
# The figure
# ----------
# Top, the vanilla RNN with three initialisations; bottom, the gated cells (dashed: gate
# bias 1, solid: gate bias 3), with the Gaussian tanh RNN in grey for reference. A ratio of
# exactly zero (a ReLU path switched off) cannot be drawn on a log axis and leaves a gap.


def draw(ax, curve, **style):
    ax.plot(k, np.where(curve > 0, curve, np.nan), **style)


fig, (ax_v, ax_g) = plt.subplots(2, 1, figsize=(6.0, 8.4), sharey=True)
for i, name in enumerate(["tanh, Gaussian", "tanh, orthogonal", "IRNN (ReLU, I)"]):
    draw(ax_v, curves[name], color=f"C{i}", label=name)
ax_v.set(
    title="Vanilla RNN, three initialisations",
    ylabel=r"$\|\partial \mathcal{L}/\partial h_{T-k}\|$"
    r" / $\|\partial \mathcal{L}/\partial h_T\|$",
)
draw(ax_g, curves["tanh, Gaussian"], color="0.6", linestyle=":", label="tanh RNN (reference)")
for bias, style in (("1", "--"), ("3", "-")):
    draw(
        ax_g,
        curves[f"LSTM, b_f = {bias}"],
        color="C3",
        linestyle=style,
        label=rf"LSTM $\partial \mathcal{{L}}/\partial h$, $b_f = {bias}$",
    )
    draw(
        ax_g,
        cell_curves[f"LSTM, b_f = {bias}"],
        color="C4",
        linestyle=style,
        label=rf"LSTM $\partial \mathcal{{L}}/\partial c$, $b_f = {bias}$",
    )
    draw(
        ax_g,
        curves[f"GRU, b_z = {bias}"],
        color="C5",
        linestyle=style,
        label=rf"GRU $\partial \mathcal{{L}}/\partial h$, $b_z = {bias}$",
    )
ax_g.set(title="Gated cells, gate bias 1 (dashed) and 3 (solid)")
for ax in (ax_v, ax_g):
    ax.set(yscale="log", xlabel="steps back, $k$", xlim=(0, T), ylim=(1e-22, 10.0))
    ax.legend(loc="lower left")
plt.show()

# %%
# What the curves say
# -------------------
# * **Vanilla tanh.** Each step multiplies by :math:`\mathrm{diag}(\phi'(a_t))\,W_{hh}`;
#   with a Gaussian :math:`W_{hh}` of spectral radius 1 the ratio still falls
#   geometrically, because :math:`\phi' < 1` almost everywhere. The orthogonal matrix keeps
#   every singular value at 1 and only slows the fall: tanh's derivative does the rest.
# * **IRNN.** With :math:`W_{hh} = I` and ReLU, one step multiplies by a 0/1 diagonal, so
#   the gradient of a unit that stays active is carried *exactly*, with no decay at all. A
#   unit that is switched off once cuts its path for good, and the paths die one by one:

for lag in (1, 10, 50, T):
    share = dead["IRNN (ReLU, I)"][lag]
    print(f"IRNN, k = {lag:3d}: {share:4.0%} of the unit gradients are exactly zero")

# sphinx_gallery_start_ignore
per_step = {name: curve[50] ** (1 / 50) for name, curve in rows.items()}
W_gauss = nets["tanh, Gaussian"].W_hh
np.testing.assert_allclose(np.abs(np.linalg.eigvals(W_gauss)).max(), 1.0, rtol=1e-9)
np.testing.assert_allclose(
    np.linalg.svd(nets["tanh, orthogonal"].W_hh, compute_uv=False), 1.0, rtol=1e-12
)
assert per_step["tanh, Gaussian"] < per_step["tanh, orthogonal"] < 1  # only slows the fall
# IRNN: each unit's gradient is carried exactly or is zero, and the zeros only spread
irnn = nets["IRNN (ReLU, I)"]
np.testing.assert_array_equal(irnn.W_hh, np.eye(n))
g_irnn = irnn.backward(irnn.forward(xs), dL_dy)
dh = g_irnn.dh
assert all(np.all((dh[t - 1] == dh[t]) | (dh[t - 1] == 0)) for t in range(1, T + 1))
assert np.all(np.diff(dead["IRNN (ReLU, I)"]) >= 0)
# sphinx_gallery_end_ignore

# %%
# **LSTM and GRU.** Along the LSTM's cell path the cell-state gradient is multiplied by the
# forget gates, which sit near :math:`\sigma(b_f) \approx 0.73` for :math:`b_f = 1`. The table's
# per-step factor is higher, although the cell path alone keeps less than
# :math:`\sigma(b_f)` per step: :math:`\partial \mathcal L/\partial c_t` also collects the
# paths through :math:`h`. It beats the tanh RNNs, but a factor of about 0.78 per
# step still loses more than five orders of magnitude over 50 steps. With :math:`b_f = 3`
# (:math:`\sigma(3) \approx 0.95`) the LSTM curves flatten: from :math:`k = 20` on the cell-state
# gradient stays between 5 % and 20 % of the gradient injected at step T. The GRU's update
# gate plays the same part. A gated cell provides a path whose gain is a gate instead of a
# weight matrix; the gate's bias decides whether that path remembers
# (:ref:`sphx_glr_auto_examples_05_gated_plot_forget_bias.py`).

# sphinx_gallery_start_ignore
lstm1 = nets["LSTM, b_f = 1"]
trace1 = lstm1.forward(xs)
assert round(float(np.median(trace1.f)), 2) == round(1 / (1 + np.exp(-1.0)), 2) == 0.73
assert round(1 / (1 + np.exp(-3.0)), 2) == 0.95
rate = per_step["LSTM, b_f = 1, cell"]
g1 = lstm1.backward(trace1, dL_dy)
alone = np.linalg.norm(g1.dc[T] * np.exp(lstm1.cell_path_log_gains(trace1)[50]), axis=1)
alone_rate = float(np.median(alone / np.linalg.norm(g1.dh[T], axis=1))) ** (1 / 50)
assert alone_rate < 1 / (1 + np.exp(-1.0)) < rate and round(rate, 2) == 0.78
assert rate > max(per_step["tanh, Gaussian"], per_step["tanh, orthogonal"])
assert cell_curves["LSTM, b_f = 1"][50] < 1e-5
flat = cell_curves["LSTM, b_f = 3"][20:]
assert np.all((flat > 0.05) & (flat < 0.2))
# sphinx_gallery_end_ignore
