r"""
Eigenvalues against singular values
===================================

Eigenvalues say where the powers of a matrix end up; singular values say how much a single
multiplication can stretch a vector. For a non-normal matrix, such as a random Gaussian
:math:`W_{hh}`, the two can disagree widely. This example shows the gap three ways: a 2x2
matrix whose powers grow twentyfold although both its eigenvalues are 0.9, a random
Gaussian matrix, and the bound of Pascanu et al. (2013) on the Jacobian products of a tanh
RNN.

The spectral radius :math:`\rho(M) = \max_i |\lambda_i|` sets the asymptotic rate,
:math:`\|M^p\|^{1/p} \to \rho(M)`. The largest singular value
:math:`s_{\max}(M) = \|M\|_2` bounds every step, so
:math:`\|M^p\|_2 \le s_{\max}^p`. For a symmetric matrix the two coincide.
"""

# %%
# Transient growth: a 2x2 matrix with both eigenvalues 0.9
# ---------------------------------------------------------
# :math:`M = \begin{pmatrix}\rho & c\\ 0 & \rho\end{pmatrix}` has the double eigenvalue
# :math:`\rho`, but
# :math:`M^p = \begin{pmatrix}\rho^p & p\rho^{p-1}c\\ 0 & \rho^p\end{pmatrix}`: the corner
# grows like :math:`p` before :math:`\rho^p` wins. :func:`vgrad.nonnormal_coupling` picks
# the :math:`c` for which the norm peaks at 20, and :func:`vgrad.power_norms` returns
# :math:`\log\|M^p\|_2`. For a 2x2 triangular matrix the norm also has a closed form,
# :math:`\|M^p\|_2 = \tfrac12\big(|b_p| + \sqrt{b_p^2 + 4\rho^{2p}}\big)` with
# :math:`b_p = p\rho^{p-1}c`, which the computed norms must match.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import (
    RNN,
    nonnormal_2x2,
    nonnormal_coupling,
    power_norms,
    random_matrix,
    singular_values,
    spectral_radius,
)

rho = 0.9
c = nonnormal_coupling(rho, 20.0)
M = nonnormal_2x2(rho, c)
P = 80
p = np.arange(P + 1)
norms = np.exp(power_norms(M, P))
b_p = p * rho ** np.maximum(p - 1, 0) * c
np.testing.assert_allclose(norms, 0.5 * (b_p + np.sqrt(b_p**2 + 4.0 * rho ** (2 * p))), rtol=1e-12)

s_max = singular_values(M)[0]
above_one = p[norms > 1.0]
print(f"c = {c:.4f}, spectral radius {spectral_radius(M):.2f}, s_max {s_max:.3f}")
print(f"largest ||M^p|| = {norms.max():.3f} at p = {int(np.argmax(norms))}")
print(f"||M^p|| > 1 for p = 1..{above_one.max()}; ||M^{P}|| = {norms[-1]:.2e}")
# sphinx_gallery_start_ignore
# What the text says: both eigenvalues 0.9, peak 20 after nine steps of growth, a factor
# 5.3 per step allowed and overshot at once, above 1 for more than fifty steps.
np.testing.assert_allclose(np.linalg.eigvals(M), [rho, rho])
np.testing.assert_allclose(norms.max(), 20.0, rtol=1e-9)
assert int(np.argmax(norms)) == 9 and np.all(np.diff(norms[:10]) > 0)
assert round(float(s_max), 1) == 5.3 and np.all(norms[2:] < s_max ** p[2:])
assert np.array_equal(above_one, np.arange(1, above_one.max() + 1)) and above_one.max() > 50
assert np.all(np.diff(np.log(norms[9:])) < 0)  # after the peak, only decay
# sphinx_gallery_end_ignore

fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
ax.semilogy(p, norms, color="C0", label=r"$\|M^p\|_2$")
ax.semilogy(p, rho**p, color="C1", linestyle="--", label=rf"$\rho^p = {rho:g}^p$")
ax.semilogy(p, s_max**p, color="C2", linestyle=":", label=rf"$s_{{\max}}^p = {s_max:.2f}^p$")
ax.axhline(1.0, color="black", linewidth=0.8)
ax.set(
    title=f"Powers of a non-normal 2x2 matrix, both eigenvalues {rho:g}",
    xlabel="power $p$",
    ylabel="norm",
    ylim=(1e-3, 1e3),
)
ax.legend()
plt.show()

# %%
# Read as a scalar, the eigenvalue 0.9 suggests decay from the first step, but
# :math:`\rho^p` is only a lower bound; the largest singular value allows
# growth by a factor 5.3 per step and overshoots at once. The truth lies between: nine
# steps of growth up to 20, then a decay that needs more than fifty steps to bring the norm
# back below 1, at the rate :math:`\rho` only in the long run. A gradient pushed back
# through this matrix can stay amplified for a long while although no eigenvalue reaches 1.

# %%
# A random Gaussian matrix
# ------------------------
# Recurrent weights are often initialised with i.i.d. Gaussian entries. For
# :math:`W = g\,G` with :math:`G_{ij} \sim \mathcal{N}(0, 1/n)`, the eigenvalues fill the
# disc of radius :math:`g` as :math:`n` grows (the circular law; at finite :math:`n` a few
# stray just outside) while :math:`s_{\max}(W) \to 2g`. :func:`vgrad.random_matrix`
# draws :math:`G`.

rng = np.random.default_rng(2013)
n, gain = 100, 0.9
W = gain * random_matrix(n, rng)
eig = np.linalg.eigvals(W)
rho_W = spectral_radius(W)
s_W = singular_values(W)[0]
print(f"n = {n}, g = {gain}: spectral radius {rho_W:.3f}, s_max {s_W:.3f}")
print(f"s_max / g = {s_W / gain:.3f} (limit 2)")

PW = 30
pw = np.arange(PW + 1)
norms_W = np.exp(power_norms(W, PW))
print(
    f"largest ||W^p|| = {norms_W.max():.2f} at p = {int(np.argmax(norms_W))}; "
    f"||W^p|| > 1 for p = 1..{pw[norms_W > 1.0].max()}"
)
assert rho_W < 1.0  # every eigenvalue inside the unit circle: W^p -> 0
# sphinx_gallery_start_ignore
# What the text says: one step stretches by 1.7, the powers peak near 2 and stay above 1
# for some twenty steps.
above_W = pw[norms_W > 1.0]
assert round(float(s_W), 1) == 1.7 and abs(norms_W.max() - 2.0) < 0.15
# The suptitle and the text above: a few eigenvalues stray just outside radius g, and
# s_max is near 2g.
assert 0 < np.sum(np.abs(eig) > gain) <= 5 and rho_W < 1.1 * gain and abs(s_W / gain - 2) < 0.1
assert np.array_equal(above_W, np.arange(1, above_W.max() + 1)) and 15 <= above_W.max() <= 25
# sphinx_gallery_end_ignore

fig, (ax_e, ax_n) = plt.subplots(1, 2, figsize=(6.2, 5.4), layout="constrained")
t = np.linspace(0.0, 2.0 * np.pi, 400)
ax_e.plot(eig.real, eig.imag, ".", color="C0", markersize=4, label="eigenvalues")
ax_e.plot(gain * np.cos(t), gain * np.sin(t), color="C1", label=f"radius $g = {gain:g}$")
ax_e.plot(
    s_W * np.cos(t),
    s_W * np.sin(t),
    color="C2",
    linestyle=":",
    label=rf"radius $s_{{\max}} = {s_W:.2f}$",
)
ax_e.plot(np.cos(t), np.sin(t), color="black", linewidth=0.8, label="unit circle")
ax_e.set(
    title="Eigenvalues",
    xlabel="real part",
    ylabel="imaginary part",
    aspect="equal",
    xlim=(-2.0, 2.0),
    ylim=(-2.0, 2.0),
    yticks=[-2, -1, 0, 1, 2],
)
below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "handlelength": 1.5}
ax_e.legend(**below)
ax_n.semilogy(pw, norms_W, color="C0", label=r"$\|W^p\|_2$")
ax_n.semilogy(pw, rho_W**pw, color="C1", linestyle="--", label=rf"$\rho^p = {rho_W:.2f}^p$")
ax_n.semilogy(pw, s_W**pw, color="C2", linestyle=":", label=rf"$s_{{\max}}^p = {s_W:.2f}^p$")
ax_n.axhline(1.0, color="black", linewidth=0.8)
ax_n.set(title="Norms of its powers", xlabel="power $p$", ylabel="norm", ylim=(1e-2, 1e3))
ax_n.legend(**below)
fig.suptitle(
    f"A Gaussian {n}x{n} matrix with g = {gain:g}: eigenvalues fill\n"
    "the disc of radius g, the largest singular value is near 2g"
)
plt.show()

# %%
# All eigenvalues are inside the unit circle, so :math:`W^p \to 0`; yet one step can
# stretch a vector by 1.7, the norms of the powers grow to about 2 and stay above 1 for
# some twenty steps. A spectral radius below one guarantees decay eventually, not at
# every step.

# %%
# Pascanu's bound on the Jacobian products of a tanh RNN
# ------------------------------------------------------
# In a real RNN the step Jacobians :math:`J_t = \mathrm{diag}(\phi'(a_t))\,W_{hh}` change
# from step to step, and the activation derivative is at most :math:`\gamma` (1 for tanh).
# Since :math:`\|\mathrm{diag}(\phi'(a_t))\|_2 \le \gamma`, every product is bounded by the
# largest singular value, not by the spectral radius:
#
# .. math::
#
#     \Big\|\frac{\partial h_T}{\partial h_{T-k}}\Big\|_2
#     \le \prod_{t=T-k+1}^{T} \|\mathrm{diag}(\phi'(a_t))\|_2\,\|W_{hh}\|_2
#     \le \big(\gamma\,s_{\max}(W_{hh})\big)^k .
#
# :meth:`vgrad.RNN.jacobian_log_norms` returns the left-hand side as a natural logarithm
# for every lag :math:`k`, so nothing overflows. Compare it with
# :math:`k \log(\gamma s_{\max})` for three scales of :math:`W_{hh}`, ``B`` random input
# sequences each (lines: median over the sequences, bands: their range).

T, B, d, n_h = 60, 8, 4, 32
k = np.arange(T + 1)
to_log10 = 1.0 / np.log(10.0)
fig, ax = plt.subplots(figsize=(6.0, 4.6), layout="constrained")
for i, s in enumerate((0.8, 1.5, 4.0)):
    net = RNN.random(d, n_h, 1, np.random.default_rng(i), sigma_max=s, input_scale=0.3)
    xs = np.random.default_rng(100 + i).standard_normal((T, B, d))
    log_norms = net.jacobian_log_norms(net.forward(xs))  # (T + 1, B): log ||dh_T/dh_{T-k}||
    bound = k * np.log(net.activation.gamma * s)
    assert np.all(log_norms <= bound[:, None] + 1e-9), "the bound must hold for every sequence"
    ax.fill_between(
        k,
        log_norms.min(axis=1) * to_log10,
        log_norms.max(axis=1) * to_log10,
        color=f"C{i}",
        alpha=0.25,
        linewidth=0,
    )
    ax.plot(
        k,
        np.median(log_norms, axis=1) * to_log10,
        color=f"C{i}",
        label=rf"$s_{{\max}} = {s:g}$",
    )
    ax.plot(k, bound * to_log10, color=f"C{i}", linestyle="--", linewidth=1.2)
    # sphinx_gallery_start_ignore
    median_decades = float(np.median(log_norms[-1]) * to_log10)  # log10 of the product at k = T
    if s == 1.5:  # the bound allows growth, the products shrink
        assert bound[-1] > 0 > median_decades and np.all(log_norms[-1] < 0)
    if s == 4.0:  # about five decades of growth over T = 60, some thirty below the bound
        assert T == 60 and 4.5 < median_decades < 5.5
        assert 28 < bound[-1] * to_log10 - median_decades < 33
    assert net.activation.gamma == 1.0  # tanh
    # sphinx_gallery_end_ignore
    print(
        f"s_max = {s}: rho(W_hh) = {spectral_radius(net.W_hh):.2f}; per step, the bound "
        f"allows {np.log(s):+.3f}, the median product changes by "
        f"{np.median(log_norms[-1]) / T:+.3f} (natural log)"
    )
ax.set(
    title="Jacobian products of a tanh RNN (solid) and their bound (dashed)",
    xlabel="steps back, $k$",
    ylabel=r"$\log_{10}\|\partial h_T/\partial h_{T-k}\|_2$",
)
ax.legend()
plt.show()

# sphinx_gallery_thumbnail_number = 1

# %%
# The bound holds for every sequence at every lag, as it must. It is a one-way guarantee.
# With :math:`\gamma s_{\max} < 1` the gradient *must* vanish, and with
# :math:`\gamma s_{\max} \le 1` it cannot grow, so :math:`s_{\max} > 1/\gamma` is
# necessary for it to explode. It is not sufficient:
# at :math:`s_{\max} = 1.5` the bound allows growth, but the products shrink, because
# :math:`\tanh' < 1` wherever a unit is away from zero. At :math:`s_{\max} = 4` they
# do grow, by about five orders of magnitude over 60 steps, which is still some thirty
# orders below what the bound allows. Neither the spectral radius nor the largest singular
# value alone tells the whole story; the next pages measure what actually happens.
