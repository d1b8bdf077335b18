r"""
Powers of a scalar: vanish, persist or explode
==============================================

With the identity activation and a single hidden unit, the recurrence is
:math:`h_t = w\, h_{t-1} + w_x x_t`, and the gradient reaching :math:`h_{t-k}` from step
:math:`t` is multiplied by :math:`\partial h_t / \partial h_{t-k} = w^k`. Everything the
matrix and a nonlinearity add (directions, non-normality, saturation) comes on top of this fact:
a number raised to the :math:`k`-th power dies out or blows up exponentially fast, unless
its modulus is one, where it stays put in size.
"""

# %%
# The weights
# -----------
# :math:`\log_{10} w^k = k \log_{10} w`, so on a logarithmic axis every curve is a straight
# line of slope :math:`\log_{10} w` decades per step: it falls for :math:`0 < w < 1`, climbs for
# :math:`w > 1`, and only :math:`w = 1` stays level.

import matplotlib.pyplot as plt
import numpy as np

weights = [0.5, 0.9, 1.0, 1.1, 1.5]
k = np.arange(0, 101)

# sphinx_gallery_start_ignore
for w in weights:  # straight lines of slope log10 w: falling below 1, level at 1, rising above
    np.testing.assert_allclose(np.log10(w**k), k * np.log10(w), atol=1e-12)
# sphinx_gallery_end_ignore

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
ax.text(3, 1e13, "exploding: $|w| > 1$", color="0.3")
ax.text(3, 1e-9, "vanishing: $|w| < 1$", color="0.3", va="top")
plt.show()

# %%
# How many steps until a factor of :math:`10^6`?
# ----------------------------------------------
# The number of steps after which the factor has shrunk or grown by :math:`10^6` is
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
    # sphinx_gallery_start_ignore
    assert np.isclose(abs(np.log10(w**million)), 6) and np.isclose(abs(np.log2(w**half)), 1)
    assert np.isclose(w**1000 / w**980, w**20)  # the same decay wherever it starts
    # sphinx_gallery_end_ignore

# %%
# Close to one only buys time
# ---------------------------
# A weight of 0.99 or 1.01 looks harmless, and over 10 steps it is. Over a thousand
# steps it is not: the powers are still exponential, just with a longer time constant
# :math:`1/|\ln w|`.

for w in (0.99, 1.01):
    print(
        f"w = {w}: w^10 = {w**10:.3f}   w^100 = {w**100:.3g}   w^1000 = {w**1000:.3g}   "
        f"time constant 1/|ln w| = {1.0 / abs(np.log(w)):.1f} steps"
    )
    # sphinx_gallery_start_ignore
    assert 0.9 < w**10 < 1.11 and not 1e-4 < w**1000 < 1e4  # harmless at 10, not at 1000
    assert all(abs(np.log(w)) < abs(np.log(v)) for v in weights if v != 1.0)  # longer
    # sphinx_gallery_end_ignore

# %%
# A negative weight alternates in sign, :math:`w^k = (-1)^k |w|^k`, and its magnitude
# follows the curve of :math:`|w|`. For a diagonalisable matrix :math:`W_{hh}` the picture
# holds for the component along each eigenvector, with :math:`w` replaced by its
# eigenvalue; the largest singular value only bounds the whole power,
# :math:`\|W_{hh}^k\|_2 \le \sigma_{\max}^k`. See
# :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py` for a network
# where the two coincide.

# sphinx_gallery_start_ignore
# The last paragraph on a random (non-normal, diagonalisable) matrix: W^k V = V diag(lam^k),
# and ||W^k||_2 <= s_max^k for every k.
W = np.random.default_rng(0).standard_normal((6, 6)) / np.sqrt(6)
lam, V = np.linalg.eig(W)
s_max = np.linalg.norm(W, 2)
P = np.eye(6)
for j in range(1, 41):
    P = W @ P
    np.testing.assert_allclose(P @ V, V * lam**j, atol=1e-10)
    assert np.linalg.norm(P, 2) <= s_max**j * (1 + 1e-12)
assert np.allclose((-0.9) ** k, (-1) ** k * 0.9**k)
# sphinx_gallery_end_ignore
