r"""
The forget-gate bias sets how long the cell remembers
=====================================================

Along the LSTM's cell path the gradient is multiplied by the forget gate and by nothing
else: :math:`\partial c_t/\partial c_{t-1} = \mathrm{diag}(f_t)` with
:math:`f_t = \sigma(b_f + W_{xf} x_t + W_{hf} h_{t-1})`. Over :math:`k` steps the path keeps
the product :math:`f_t f_{t-1} \cdots f_{t-k+1}`, unit by unit. If the gate sat at its bias,
that product would be :math:`\sigma(b_f)^k`. This example tabulates that number for
:math:`b_f \in \{0, 1, 3, 5\}` and then measures the real product in random LSTMs, where the
gate also moves with the input and the state.
"""

# %%
# The bias alone: :math:`\sigma(b_f)^k`
# -------------------------------------
# :math:`\sigma(b_f) < 1` for every finite bias, so the product always decays; the bias
# sets how fast. The *half-life*, the number of steps after which half of the gradient is
# left, is :math:`k_{1/2} = \ln 2 / \ln(1 + e^{-b_f})`, since
# :math:`-\ln \sigma(b) = \ln(1 + e^{-b})`.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import sigmoid
from vgrad.lstm import LSTM

biases = [0.0, 1.0, 3.0, 5.0]
print(" b_f   sigma(b_f)   half-life   after 10     after 100    after 1000")
for b in biases:
    s = float(sigmoid(b))
    half_life = np.log(2.0) / np.log1p(np.exp(-b))
    print(
        f"{b:4.0f}   {s:10.4f}   {half_life:9.1f}   {s**10:9.2e}   {s**100:9.2e}   {s**1000:9.2e}"
    )
    # sphinx_gallery_start_ignore
    np.testing.assert_allclose(s**half_life, 0.5, rtol=1e-12)  # the half-life formula
    # sphinx_gallery_end_ignore

# %%
# The gate in a running network
# -----------------------------
# A random LSTM with :math:`n = 32` units reads :math:`B = 32` random sequences of
# :math:`T = 200` steps. :meth:`~vgrad.lstm.LSTM.cell_path_log_gains` returns, for every
# sequence and unit, :math:`\sum_{s=T-k+1}^{T} \ln f_s`, the logarithm of the cell path
# over the last :math:`k` steps. It is computed from the gates' pre-activations, so even a
# product that would underflow float64 has a finite, accurate logarithm. The figure shows the
# median over all units and sequences (solid), the 10 to 90 % range (shaded) and
# :math:`\sigma(b_f)^k` (dashed).

T, B, d, n, m = 200, 32, 4, 32, 1
rng = np.random.default_rng(7)
xs = rng.standard_normal((T, B, d))
k = np.arange(T + 1)
log10 = np.log(10.0)
# sphinx_gallery_start_ignore
assert (n, B, T) == (32, 32, 200) and biases == [0.0, 1.0, 3.0, 5.0]  # as the text says
spread, mean_af, lo_min = {}, {}, []
# sphinx_gallery_end_ignore

fig, ax = plt.subplots(figsize=(6.0, 5.4))
measured = {}
for i, b in enumerate(biases):
    net = LSTM.random(d, n, m, rng, forget_bias=b)
    trace = net.forward(xs)
    gains = net.cell_path_log_gains(trace).reshape(T + 1, -1) / log10
    lo, med, hi = np.percentile(gains, [10, 50, 90], axis=1)
    measured[b] = med
    # sphinx_gallery_start_ignore
    assert lo.min() > np.log10(np.finfo(float).tiny)  # 10**lo is a float64 (comment below)
    lo_min.append(lo.min())
    spread[b] = (hi[100] - med[100], med[100] - lo[100])
    mean_af[b] = float(trace.a[..., n : 2 * n].mean())
    assert np.array_equal(trace.f, trace.gates[..., n : 2 * n])  # a one-network trace
    # sphinx_gallery_end_ignore
    color = f"C{i}"
    # Plotted as powers of ten of the log10 values; the smallest, near 1e-80, is a float64.
    ax.fill_between(k, 10.0**lo, 10.0**hi, color=color, alpha=0.2, linewidth=0)
    ax.plot(k, 10.0**med, color=color, label=f"$b_f = {b:g}$, measured (median)")
    ax.plot(k, float(sigmoid(b)) ** k, color=color, linestyle="--", linewidth=1.2)
ax.plot([], [], color="0.4", linestyle="--", linewidth=1.2, label=r"$\sigma(b_f)^k$")
ax.fill_between([], [], [], color="0.4", alpha=0.2, linewidth=0, label="10 to 90 % of units")
ax.set(
    title="Cell path of an LSTM over k steps",
    xlabel="steps back, $k$",
    ylabel=r"$f_T f_{T-1} \cdots f_{T-k+1}$ (per unit)",
    yscale="log",
    xlim=(0, T),
    ylim=(1e-12, 2.0),
)
fig.legend(loc="outside lower center", ncols=2)
plt.show()

# %%
# On the log axis a straight line is a constant factor per step; the bottom of the plot,
# :math:`10^{-12}`, is a gradient shrunk a trillion times. The measured median against
# :math:`\sigma(b_f)^k` after 100 steps, as base-10 logarithms:

for b in biases:
    bias_only = 100 * np.log10(float(sigmoid(b)))
    print(
        f"b_f = {b:g}: median log10 product {measured[b][100]:7.2f}, "
        f"sigma(b_f)^100 gives {bias_only:7.2f}"
    )
    # sphinx_gallery_start_ignore
    # The text below: the median is under sigma(b_f)^k from k = 2 on, further at k = 100
    # than at k = 10; the pre-activation's mean is near b_f; the spread at k = 100.
    gap = measured[b] - k * np.log10(float(sigmoid(b)))
    assert np.all(gap[2:] < 0) and gap[100] < gap[10]
    assert abs(mean_af[b] - b) < 0.2
    if b <= 3:
        assert min(spread[b]) > 1.0
    # sphinx_gallery_end_ignore

# sphinx_gallery_start_ignore
assert round(float(sigmoid(5.0)), 3) == 0.993
assert -81 < min(lo_min) < -79  # the smallest plotted value, "near 1e-80"
assert 95 < np.log(2.0) / np.log1p(np.exp(-5.0)) < 110  # "about a hundred steps"
# sphinx_gallery_end_ignore

# %%
# What the measurement adds
# -------------------------
# * The median falls *faster* than :math:`\sigma(b_f)^k` (below it from :math:`k = 2` on).
#   The gate's pre-activation fluctuates around :math:`b_f`, and :math:`\ln \sigma` is
#   concave, so the average of :math:`\ln f_s` lies below :math:`\ln \sigma` of the average
#   pre-activation (Jensen's inequality), which here is within 0.2 of :math:`b_f`. Noise in
#   the gate costs memory.
# * The spread is wide: for :math:`b_f \le 3`, at :math:`k = 100` a tenth of the units keep
#   more than ten times the median and a tenth less than a tenth of it (counting every unit
#   of every sequence). Which units
#   remember depends on the weights and the input.
# * No finite bias makes the path lossless. Even :math:`b_f = 5`, a gate at 0.993, halves
#   the gradient in about a hundred steps. The cell path replaces the vanilla factor
#   :math:`\mathrm{diag}(\phi'(a_t))\,W_{hh}` by a gate, whose rate the network can learn
#   to push towards 1, but it is still a decay.
