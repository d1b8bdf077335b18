r"""
Memory without transient growth
===============================

The Linear Recurrent Unit (Orvieto et al., 2023) multiplies its complex state by a
diagonal matrix :math:`\operatorname{diag}(\lambda)` at every step, with
:math:`\lambda_j = \exp(-\exp(\nu_j) + i\theta_j)`. Its step Jacobian is that diagonal
matrix, whatever the input, so the gradient through :math:`k` steps has the norm
:math:`\max_j |\lambda_j|^k`, exactly. This example measures that norm with the engine and
sets it beside a linear RNN whose recurrent matrix is non-normal, with both eigenvalues at
0.9, the largest modulus the LRU's initialisation allows: the RNN's gradient first grows,
twentyfold, before it decays.
"""

# %%
# Two recurrences, no eigenvalue above 0.9
# -----------------------------------------
# The LRU is drawn with the ring initialisation: :math:`|\lambda|^2` uniform between
# :math:`r_{\min}^2` and :math:`r_{\max}^2`, here with :math:`r_{\min} = 0.5` and
# :math:`r_{\max} = 0.9`, so no modulus exceeds 0.9. The linear
# RNN's recurrent matrix is :math:`\begin{pmatrix}0.9 & c\\ 0 & 0.9\end{pmatrix}`, with the
# coupling :math:`c` for which its powers peak at 20. Both networks run on random input;
# :meth:`vgrad.LRU.jacobian_log_norms` and :meth:`vgrad.RNN.jacobian_log_norms` return
# :math:`\log\|\partial h_T/\partial h_{T-k}\|_2` for every lag :math:`k`.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import LRU, RNN, nonnormal_2x2, nonnormal_coupling

rho, T = 0.9, 80
rng = np.random.default_rng(0)
lru = LRU.random(2, 16, 1, rng, r_min=0.5, r_max=rho)
lru_log = lru.jacobian_log_norms(lru.forward(rng.standard_normal((T, 1, 2))))[:, 0]

W = nonnormal_2x2(rho, nonnormal_coupling(rho, 20.0))
rnn = RNN(np.ones((2, 2)), W, np.zeros(2), np.ones((1, 2)), np.zeros(1), activation="identity")
rnn_log = rnn.jacobian_log_norms(rnn.forward(rng.standard_normal((T, 1, 2))))[:, 0]

k = np.arange(T + 1)
lam_max = np.abs(lru.lambda_).max()
print(f"LRU: largest |lambda| {lam_max:.4f}; RNN: spectral radius {rho}")
print(f"largest gradient norm: LRU {np.exp(lru_log).max():.3f}, RNN {np.exp(rnn_log).max():.1f}")

# %%
# The LRU's norm is exactly the power of its largest modulus
# -----------------------------------------------------------
# Every lag, to rounding: the step Jacobian is normal (in real form, each unit is
# :math:`|\lambda_j|` times a rotation), so its powers have no room to grow.

np.testing.assert_allclose(lru_log, k * np.log(lam_max), atol=1e-10)
assert np.exp(lru_log).max() <= 1 + 1e-12
# sphinx_gallery_start_ignore
# What the text says: the RNN's norm peaks at 20 (twentyfold) after a few steps, and both
# recurrences decay in the end; the LRU's largest modulus is below the RNN's radius.
assert abs(np.exp(rnn_log).max() - 20.0) < 1e-6 and np.argmax(rnn_log) > 1
assert lam_max <= rho and rnn_log[-1] < 0
assert np.all(rnn_log[1:51] > 0)  # the first fifty steps: above 1 whatever the radius
# sphinx_gallery_end_ignore

# %%
# The figure
# ----------
# Solid: the LRU's measured norm; dashed: :math:`\max_j|\lambda_j|^k`, on top of it. Dotted:
# the non-normal RNN, whose eigenvalues say nothing about its first fifty steps.

fig, ax = plt.subplots(figsize=(6.2, 4.0))
log10 = np.log10(np.e)
ax.plot(k, log10 * lru_log, label="LRU, measured")
ax.plot(k, k * np.log10(lam_max), "--", label=r"$\max_j |\lambda_j|^k$")
ax.plot(k, log10 * rnn_log, ":", label="non-normal linear RNN")
ax.set_xlabel("lag $k$ (steps)")
ax.set_ylabel(r"$\log_{10} \|\partial h_T / \partial h_{T-k}\|_2$")
ax.legend(loc="lower left")
ax.set_title("Gradient through k steps: LRU against a non-normal RNN")
plt.show()
