r"""
Gradient decay through time in a recurrent network
==================================================

The gradient of a loss at the last step :math:`T` reaches the hidden state
:math:`k` steps earlier through :math:`k` step Jacobians,

.. math::

    \frac{\partial \mathcal L}{\partial h_{T-k}} = \frac{\partial \mathcal L}{\partial h_T}\,
    \frac{\partial h_T}{\partial h_{T-k}}, \qquad
    \frac{\partial h_T}{\partial h_{T-k}} = J_T J_{T-1} \cdots J_{T-k+1},

with the one-step Jacobian :math:`J_t = \mathrm{diag}(\phi'(a_t))\, W_{hh}`.

This example measures both factors with backpropagation through time, for recurrent
matrices of spectral radius :math:`\rho` from 0.5 to 1.5, and compares them with the
scalar prediction :math:`\rho^k`.
"""

# %%
# A recurrent matrix for which :math:`\rho^k` is exact
# ----------------------------------------------------
# For a general matrix, :math:`\rho^k` only describes the *long-run* rate of
# :math:`\|W_{hh}^k\|`; for finite :math:`k` the norm can be much larger (see
# :doc:`/eigenvalues`). To test the prediction itself, take
# :math:`W_{hh} = \rho\, Q` with :math:`Q` orthogonal, which
# :meth:`vgrad.RNN.orthogonal <vgrad.rnn.RNN.orthogonal>` builds with ``gain=rho``. Then
# :math:`W_{hh}^k = \rho^k Q^k` and :math:`Q^k` is orthogonal too, so *every* singular
# value of :math:`W_{hh}^k` is :math:`\rho^k`: with the identity activation the
# prediction must hold exactly, for every :math:`k` and every gradient direction.
#
# Each network has :math:`n = 32` hidden units and reads a batch of 16 random sequences
# of :math:`T = 80` steps, starting from a random state :math:`h_0`. The loss is the mean
# squared error of the last output only (:func:`vgrad.mse` with ``where="last"``), so
# nothing is added to the gradient on the way back: what reaches :math:`h_{T-k}` is what
# survived :math:`k` Jacobians.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, mse

T, B, d, n, m = 80, 16, 4, 32, 2
rhos = [0.5, 0.9, 1.0, 1.1, 1.5]
k = np.arange(T + 1)
ln10 = np.log(10.0)


def measure(rho, activation, seed=0):
    """log10 of |dL/dh_{T-k}| / |dL/dh_T| and of |dh_T/dh_{T-k}|_2 for k = 0..T, per sequence."""
    rng = np.random.default_rng(seed)
    net = RNN.orthogonal(d, n, m, rng, gain=rho, activation=activation)
    xs = rng.standard_normal((T, B, d))
    trace = net.forward(xs, h0=rng.standard_normal((B, n)))
    _, dL_dy = mse(trace.y, rng.standard_normal((B, m)), where="last")
    dh = net.backward(trace, dL_dy).dh  # dh[t] = dL/dh_t, t = 0..T
    # Norms, then logs. The largest numbers here (rho = 1.5, identity) are a hidden state
    # of about 1e15 and a gradient of about 1e27: far inside float64, so no rescaling.
    log_grad = np.log10(np.linalg.norm(dh[::-1], axis=2))  # row k is h_{T-k}
    log_grad -= log_grad[0]
    # jacobian_log_norms works in log space throughout (natural logs), so it would stay
    # finite even where the product itself overflows.
    log_jac = net.jacobian_log_norms(trace) / ln10
    return log_grad, log_jac, net.activation.df(trace.a).mean()


results = {act: {rho: measure(rho, act) for rho in rhos} for act in ("identity", "tanh")}

# sphinx_gallery_start_ignore
assert (T, B, n, rhos[0], rhos[-1]) == (80, 16, 32, 0.5, 1.5)  # the text states them
# sphinx_gallery_end_ignore

# %%
# Measured against :math:`\rho^k`
# -------------------------------
# Solid lines: the loss gradient :math:`\|\partial \mathcal L/\partial h_{T-k}\|`, relative to
# :math:`\|\partial \mathcal L/\partial h_T\|`. Dotted: the spectral norm of the Jacobian product
# :math:`\|\partial h_T/\partial h_{T-k}\|_2`, which bounds that ratio. Both are medians
# over the 16 sequences. Wide pale bands: :math:`\rho^k`. The vertical axis is
# :math:`\log_{10}`, so a straight line is a constant factor per step.

fig, axes = plt.subplots(2, 1, figsize=(6.0, 9.4), sharex=True, sharey=True)
titles = {"identity": "identity activation", "tanh": "tanh activation"}
for ax, (act, by_rho) in zip(axes, results.items(), strict=True):
    for i, (rho, (log_grad, log_jac, _)) in enumerate(by_rho.items()):
        color = f"C{i}"
        ax.plot(k, k * np.log10(rho), color=color, linewidth=7, alpha=0.25, solid_capstyle="butt")
        ax.plot(k, np.median(log_grad, axis=1), color=color, label=rf"$\rho = {rho:g}$")
        ax.plot(k, np.median(log_jac, axis=1), color=color, linestyle=":", linewidth=1.6)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set(title=titles[act], ylabel=r"$\log_{10}$ of the norm", xlim=(0, T), ylim=(-42, 18))
axes[-1].set(xlabel="steps back, $k$")
handles, labels = axes[0].get_legend_handles_labels()
handles += [
    plt.Line2D(
        [],
        [],
        color="0.3",
        label=r"$\|\partial \mathcal{L}/\partial h_{T-k}\|\,/\,"
        r"\|\partial \mathcal{L}/\partial h_T\|$",
    ),
    plt.Line2D([], [], color="0.3", linestyle=":", label=r"$\|\partial h_T/\partial h_{T-k}\|_2$"),
    plt.Line2D([], [], color="0.3", linewidth=7, alpha=0.25, label=r"$\rho^k$"),
]
fig.legend(handles=handles, loc="outside lower center", ncols=3)
fig.suptitle(
    r"Gradient reaching $k$ steps back, $W_{hh} = \rho\, Q$"
    "\n"
    r"with $Q$ orthogonal ($T = 80$, $n = 32$)"
)
plt.show()

# %%
# Identity activation: :math:`\rho^k` to rounding error
# -----------------------------------------------------
# In the upper panel the three curves of each colour coincide. The largest deviation of the
# measured :math:`\log_{10}` norms from :math:`k \log_{10}\rho`, over every step and
# sequence, is at the level of floating-point rounding:

print("identity activation: max |log10(norm) - k log10(rho)| over k = 0..80 and the batch")
for rho, (log_grad, log_jac, _) in results["identity"].items():
    exact = (k * np.log10(rho))[:, None]
    print(
        f"  rho = {rho:3.1f}: gradient {np.abs(log_grad - exact).max():.1e}, "
        f"Jacobian {np.abs(log_jac - exact).max():.1e}   "
        f"(gradient at k = 80: 10^{round(np.median(log_grad[T]), 1) + 0.0:+.1f})"  # no "-0.0"
    )
    # sphinx_gallery_start_ignore
    assert np.abs(log_grad - exact).max() < 1e-12 and np.abs(log_jac - exact).max() < 1e-12
    # sphinx_gallery_end_ignore

# %%
# tanh: saturation makes the gradient vanish even for :math:`\rho > 1`
# --------------------------------------------------------------------
# With tanh each step multiplies by :math:`\mathrm{diag}(\phi'(a_t))` as well, and
# :math:`\tanh'(a) = 1 - \tanh(a)^2 < 1` away from 0. Driven by inputs of unit scale, the
# pre-activations are spread out and the average derivative is well below 1, so every curve
# in the lower panel bends below its :math:`\rho^k` band. Even with :math:`\rho = 1.5`,
# where the linear network gains 14 orders of magnitude over 80 steps, the tanh network's
# gradient decays. The per-step factor below is the median over the sequences of the
# geometric mean
# :math:`(\|\partial \mathcal L/\partial h_{T-k}\| / \|\partial \mathcal L/\partial h_T\|)^{1/k}`
# at :math:`k = T`:

print(" rho   factor/step: identity     tanh   mean tanh'(a_t)")
for rho in rhos:
    rate_id = 10 ** np.median(results["identity"][rho][0][T] / T)
    log_grad, _, mean_dphi = results["tanh"][rho]
    rate_tanh = 10 ** np.median(log_grad[T] / T)
    print(f"{rho:4.1f}   {rate_id:20.3f}   {rate_tanh:6.3f}   {mean_dphi:15.3f}")
    # sphinx_gallery_start_ignore
    # the mean slope is well below 1 and every tanh curve ends below its band
    assert mean_dphi < 0.7 and np.median(log_grad[T]) < T * np.log10(rho) - 1
    assert rate_tanh < 1  # the gradient vanishes, for rho > 1 too
    # sphinx_gallery_end_ignore

# sphinx_gallery_start_ignore
# rho = 1.5: the linear network gains 14 orders of magnitude, the tanh network's gradient decays
assert round(np.median(results["identity"][1.5][0][T])) == 14
assert np.median(results["tanh"][1.5][0][T]) < 0
# sphinx_gallery_end_ignore

# %%
# How strongly the inputs drive the units decides how far the factor falls:
# :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_tanh_saturation.py` measures
# the per-step factor against :math:`\rho` for several input scales. For a Gaussian
# :math:`W_{hh}`, which is not normal, :math:`\rho^k` describes only the long run: see
# :ref:`sphx_glr_auto_examples_03_eigen_singular_plot_eig_vs_sv.py`.
#
# For the linear network the spectral radius gives the rate in the long run and the
# singular values bound every finite stretch. With tanh the slopes enter every factor,
# and of these only the bound :math:`(\gamma\, s_{\max}(W_{hh}))^k` remains. The pages
# :doc:`/shared_weights` and :doc:`/eigenvalues` derive each of these statements.
