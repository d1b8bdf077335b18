r"""
Gradient flow through a deep network
====================================

Backpropagation carries the loss gradient from the last layer to the first, multiplying
it at layer :math:`l` by :math:`\mathrm{diag}(\phi'(z_l))\, W_l`. Whether it arrives at the
first layer with a usable size depends on two things: the activation's derivative and
the scale of the weights. This example measures the gradient norm at every layer of deep
networks for three activations and three weight initialisations.
"""

# %%
# Nine networks
# -------------
# Every network has :math:`L = 40` layers of 128 units and zero biases. The weights are
# drawn by :meth:`vgrad.DeepNet.random <vgrad.deep.DeepNet.random>` with one of three
# rules (:math:`n` is the fan-in):
#
# * *standard*: :math:`W_{ij} \sim U(-1/\sqrt{n}, 1/\sqrt{n})`, variance :math:`1/(3n)`;
# * *Xavier* (Glorot & Bengio): variance :math:`2/(n_{in} + n_{out}) = 1/n` here, which
#   keeps the signal's variance to first order for an activation with slope 1 at 0, such
#   as tanh;
# * *He*: variance :math:`2/n`, which makes up for ReLU zeroing the negative half of a
#   symmetric input.
#
# :func:`vgrad.gradient_flow` runs a batch of 64 random inputs forward, starts the
# backward pass from a random unit gradient at the output, and returns the logarithm of
# the mean norm :math:`\|\partial \mathcal L / \partial y_l\|` at every layer. It renormalises as
# it goes, so the logarithm stays accurate even where the gradient itself would underflow.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import DeepNet, gradient_flow

L, width, batch = 40, 128, 64
activations = ["sigmoid", "tanh", "relu"]
inits = {"standard": "-", "xavier": "--", "he": ":"}
init_names = {"standard": "standard", "xavier": "Xavier", "he": "He"}
layers = np.arange(L + 1)

flows, active = {}, {}
for act in activations:
    for init in inits:
        # One seed per network, so each curve can be reproduced on its own.
        rng = np.random.default_rng(2010)
        net = DeepNet.random(L, width, rng, activation=act, init=init)
        x = rng.standard_normal((batch, width))
        flows[act, init] = gradient_flow(net, x, upstream=rng)
        # the fraction of units with a positive pre-activation, over all layers
        active[act, init] = np.mean([z > 0 for z in net.forward(x).z])
        # sphinx_gallery_start_ignore
        assert all(np.all(b == 0) for b in net.b) and net.W[0].shape == (width, width)
        if act == "sigmoid":  # gamma sigma_max(W_l) < 1 in every layer, for every init
            assert max(np.linalg.norm(W, 2) for W in net.W) < 4
        # sphinx_gallery_end_ignore

# sphinx_gallery_start_ignore
assert (L, width, batch) == (40, 128, 64) and len(flows) == 9  # the text states them
# sphinx_gallery_end_ignore

# %%
# The gradient, layer by layer
# ----------------------------
# Each curve starts at 1 at the output layer :math:`l = L` (the upstream gradient has
# unit norm) and is read from right to left, the way the backward pass runs. The norms
# stay within float64 here (the smallest is about :math:`10^{-34}`), so they are plotted
# directly; ``dy_norm`` would raise rather than overflow if one exceeded it.

fig, axes = plt.subplots(3, 1, figsize=(6.0, 9.6), sharex=True, sharey=True)
for ax, act in zip(axes, activations, strict=True):
    for i, (init, style) in enumerate(inits.items()):
        ax.plot(
            layers, flows[act, init].dy_norm, color=f"C{i}", linestyle=style, label=init_names[init]
        )
    ax.set_yscale("log")
    ax.set(title=f"{act} network", xlim=(0, L))
    ax.annotate(
        "",
        xy=(0.35, 0.06),
        xytext=(0.65, 0.06),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "0.4"},
    )
    ax.text(0.5, 0.08, "backward pass", transform=ax.transAxes, ha="center", color="0.4")
axes[-1].set(xlabel="layer l (input 0, output 40)")
for ax in axes:
    ax.set(ylabel=r"$\|\partial \mathcal{L} / \partial y_l\|$ (batch mean)", ylim=(1e-36, 1e3))
axes[0].set_yticks(10.0 ** np.arange(-35, 1, 5))
axes[1].legend(title="initialisation", loc="center right")
fig.suptitle("Loss gradient norm per layer in 40-layer networks,\nby activation and initialisation")
plt.show()

# sphinx_gallery_start_ignore
smallest = min(flow.dy_norm.min() for flow in flows.values())
assert all(np.isclose(flow.dy_norm[L], 1.0, rtol=1e-12) for flow in flows.values())
assert round(np.log10(smallest)) == -34 and smallest > np.finfo(float).tiny
# sphinx_gallery_end_ignore

# %%
# Per-layer factors
# -----------------
# A straight line on the log axis is a constant factor per layer. The geometric mean
# factor over the :math:`L` layers, :math:`(\|\partial \mathcal L/\partial y_0\| /
# \|\partial \mathcal L/\partial y_L\|)^{1/L}`, summarises each curve. The last two columns are
# the norms of the weight gradients :math:`\partial \mathcal L/\partial W_1` and
# :math:`\partial \mathcal L/\partial W_L` of the first and the last layer: under plain
# gradient descent they set how fast each layer learns.

print(f"{'activation':10s} {'init':9s} {'factor/layer':>12s} {'|dL/dy_0|':>10s}", end="")
print(f" {'|dL/dW_1|':>10s} {'|dL/dW_L|':>10s}")
for (act, init), flow in flows.items():
    per_layer = np.exp((flow.log_dy[0] - flow.log_dy[L]) / L)
    dW_first, dW_last = flow.dW_norm[[0, L - 1]]
    print(
        f"{act:10s} {init_names[init]:9s} {per_layer:12.3f} {flow.dy_norm[0]:10.2e}"
        f" {dW_first:10.2e} {dW_last:10.2e}"
    )

# %%
# Reading the figure
# ------------------
# * The **sigmoid** shrinks the gradient at every layer for all three initialisations: its
#   derivative is at most :math:`1/4`, and even the He weights keep
#   :math:`\tfrac14\,\sigma_{\max}(W_l) < 1`; the larger He weights only slow the decay down.
#   After 40 layers the first layer's gradient is :math:`10^{-20}` to :math:`10^{-34}` of
#   the last one's.
# * **tanh** has derivative 1 at 0. With Xavier weights, whose gain matches that slope,
#   the gradient stays within an order of magnitude over all 40 layers; the smaller
#   standard weights shrink it by about 10 orders of magnitude, the larger He weights let
#   it grow a little.
# * **ReLU** passes the gradient unchanged through active units and blocks it through
#   inactive ones, about half of them; He's factor 2 in the variance compensates for that
#   half in expectation, so the He curve stays within a factor 2 of 1 while the others
#   decay.

# sphinx_gallery_start_ignore
log10_dy = {key: np.log10(flow.dy_norm) for key, flow in flows.items()}
for init in inits:  # sigmoid: smaller at every layer, 1e-20 to 1e-34 at the input
    assert np.all(np.diff(log10_dy["sigmoid", init]) > 0)
    assert -34.5 < log10_dy["sigmoid", init][0] < -19.5
assert log10_dy["sigmoid", "standard"][0] < log10_dy["sigmoid", "xavier"][0]
assert log10_dy["sigmoid", "xavier"][0] < log10_dy["sigmoid", "he"][0]
assert np.all(np.abs(log10_dy["tanh", "xavier"]) < 1)  # within an order of magnitude
assert -10.5 < log10_dy["tanh", "standard"][0] < -9.5  # about 10 orders
assert 0 < log10_dy["tanh", "he"][0] < 1  # grows a little
assert all(0.45 < active["relu", init] < 0.55 for init in inits)  # about half are on
assert np.all(np.abs(log10_dy["relu", "he"]) < np.log10(2))  # within a factor 2 of 1
assert log10_dy["relu", "standard"][0] < -5 and log10_dy["relu", "xavier"][0] < -5
# sphinx_gallery_end_ignore

# %%
# In every case the per-layer factor depends on the activation's derivatives *and* the
# weights' scale together: no activation is safe with the wrong weight scale. An unrolled recurrent
# network is such a deep network, with the important difference that every layer uses the
# same matrix :math:`W_{hh}`
# (:ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_rnn_diagram.py`).
