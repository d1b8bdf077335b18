r"""
Powers of a scalar: vanish, persist or explode
==============================================

With the identity activation and a single hidden unit, the recurrence is
:math:`h_t = w\, h_{t-1} + w_x x_t`, and the gradient reaching :math:`h_{t-k}` from step
:math:`t` is multiplied by :math:`\partial h_t / \partial h_{t-k} = w^k`. Everything the
matrix case adds (directions, non-normality, saturation) comes on top of this one fact:
a number raised to the :math:`k`-th power either dies out, stays put or blows up, and it
does so exponentially fast.
"""

# %%
# The five weights
# ----------------
# :math:`w^k = e^{k \ln w}`, so on a logarithmic axis every curve is a straight line of
# slope :math:`\ln w` per step: below 1 it falls, above 1 it climbs, and only
# :math:`w = 1` stays level.

import matplotlib.pyplot as plt
import numpy as np

weights = [0.5, 0.9, 1.0, 1.1, 1.5]
k = np.arange(0, 101)

fig, ax = plt.subplots(figsize=(6.0, 4.4))
for i, w in enumerate(weights):
    # Largest value plotted: 1.5**100 ~ 4e17, smallest 0.5**100 ~ 8e-31, both far
    # inside float64's range, so the powers can be taken directly.
    ax.plot(k, w**k, color=f"C{i}")
    # Label each line at its end rather than in a legend: no colour matching needed.
    ax.annotate(
        f"$w = {w:g}$",
        (k[-1], w ** k[-1]),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        color=f"C{i}",
        annotation_clip=False,
    )
ax.axhline(1.0, color="0.3", linewidth=0.8)
ax.set_yscale("log")
ax.set(
    title="Powers of one recurrent weight over k steps",
    xlabel="steps back, $k$",
    ylabel=r"$w^k = \partial h_t / \partial h_{t-k}$",
    xlim=(0, k[-1]),
    ylim=(1e-31, 1e19),
)
ax.set_yticks(10.0 ** np.arange(-30, 19, 6))
ax.text(3, 1e13, "exploding: $w > 1$", color="0.3")
ax.text(3, 1e-9, "vanishing: $w < 1$", color="0.3", va="top")
plt.show()

# %%
# How many steps until a factor of a million?
# -------------------------------------------
# The number of steps after which the factor has shrunk or grown a million-fold is
# :math:`k = 6 / |\log_{10} w|`. The half-life (or doubling time) is
# :math:`\ln 2 / |\ln w|`. Neither depends on where the sequence starts: the decay is
# the same over steps 1 to 20 as over steps 981 to 1000.

print("   w   half-life or doubling   steps to 1e-6 or 1e+6      w^100")
for w in weights:
    if w == 1.0:
        print(f"{w:4.1f}   {'never':>21s}   {'never':>21s}   {w**100:8.2e}")
        continue
    half = np.log(2.0) / abs(np.log(w))
    million = 6.0 / abs(np.log10(w))
    print(f"{w:4.1f}   {half:21.1f}   {million:21.1f}   {w**100:8.2e}")

# %%
# Close to one only buys time
# ---------------------------
# A weight of 0.99 or 1.01 looks harmless, and over 10 steps it is. Over a sequence of
# a thousand steps, a typical length for text or audio, it is not: the powers are
# still exponential, just with a longer time constant :math:`1/|\ln w|`.

for w in (0.99, 1.01):
    print(
        f"w = {w}: w^10 = {w**10:.3f}   w^100 = {w**100:.3g}   w^1000 = {w**1000:.3g}   "
        f"time constant 1/|ln w| = {1.0 / abs(np.log(w)):.1f} steps"
    )

# %%
# A negative weight alternates in sign, :math:`w^k = (-1)^k |w|^k`, and its magnitude
# follows the curve of :math:`|w|`. For a matrix :math:`W_{hh}` the same picture holds
# direction by direction, with the scalar replaced by the eigenvalues for the long-run
# rate and by the singular values for any finite :math:`k`: see
# :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py` for a network
# where the two coincide.
