r"""
Checking backpropagation through time with finite differences
==============================================================

Many figures in this gallery trust :meth:`vgrad.RNN.backward`. This example checks it
against central finite differences, which need nothing but the forward pass: first the
gradient of every parameter entry, then the gradient with respect to the hidden state
:math:`h_{T-k}` for every lag :math:`k`, the quantity whose decay the other examples
plot. The network is small so that the whole check runs in about a second; change the
sizes or the seed and run it again.
"""

# %%
# A small network and a loss at every step
# ----------------------------------------
# A tanh network with :math:`d = 3` inputs, :math:`n = 5` hidden units and :math:`m = 2`
# outputs reads two sequences of :math:`T = 40` steps. Its Gaussian :math:`W_{hh}` has
# spectral radius 0.8, and the gradient of the last loss decays at every step back in time
# (lower panel of the figure). The loss is the mean squared error of *every* output, so
# every path through the unrolled graph carries gradient.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, check_gradient, mse

T, B, d, n, m = 40, 2, 3, 5, 2
rng = np.random.default_rng(1994)
net = RNN.random(d, n, m, rng, rho=0.8, activation="tanh")
xs = rng.standard_normal((T, B, d))
targets = rng.standard_normal((T, B, m))

trace = net.forward(xs)
loss, dL_dy = mse(trace.y, targets, where="all")
grads = net.backward(trace, dL_dy)
print(f"loss = {loss:.6f}")

# sphinx_gallery_start_ignore
assert (T, B, d, n, m) == (40, 2, 3, 5, 2)  # the text states them
assert abs(np.max(np.abs(np.linalg.eigvals(net.W_hh))) - 0.8) < 1e-12
# sphinx_gallery_end_ignore

# %%
# Every parameter entry
# ---------------------
# :func:`vgrad.check_gradient` perturbs one entry at a time by
# :math:`\Delta_i = \epsilon^{1/3}\max(1, |\theta_i|)` (about :math:`6\times 10^{-6}` for
# :math:`|\theta_i| \le 1`) and compares
# :math:`(\mathcal L(\theta + \Delta_i e_i) - \mathcal L(\theta - \Delta_i e_i)) / (2\Delta_i)`
# with the analytic value.
# Its tolerance is :math:`\mathrm{atol}_i + 10^{-6}|g_i|`, where :math:`\mathrm{atol}_i`
# is the rounding noise of the difference itself: a gradient entry smaller than that
# cannot be resolved by this difference, and the check reports how many entries
# were above it (``n_resolved``).


def loss_with(name, value):
    """The loss with parameter `name` replaced by `value`, everything else fixed."""
    probe = net.copy()
    setattr(probe, name, value)
    return mse(probe.forward(xs).y, targets, where="all")[0]


checks = {}
for name, param in net.params().items():
    checks[name] = check_gradient(
        lambda v, name=name: loss_with(name, v), param, grads.params()[name]
    )
    print(f"{name:5s} {checks[name]}")

# %%
# The relative error of every entry is :math:`|\hat g_i - g_i| / \max(|g_i|,
# \mathrm{atol}_i)`. A wrong term in the backward pass would show up as much larger errors:
# a missing transpose in the gradient of :math:`W_{hh}` gives errors above 1.

# sphinx_gallery_start_ignore
assert all(check.passed and check.n_resolved == check.size for check in checks.values())
g_T = grads.params()["W_hh"].T  # a missing transpose
rel_T = np.abs(checks["W_hh"].numerical - g_T) / np.maximum(np.abs(g_T), checks["W_hh"].atol)
assert np.max(rel_T) > 1
# sphinx_gallery_end_ignore

fig, (ax_p, ax_k) = plt.subplots(2, 1, figsize=(6.0, 8.4), gridspec_kw={"height_ratios": [2, 3]})
jitter = np.random.default_rng(0)
for i, (name, check) in enumerate(checks.items()):
    g = grads.params()[name]
    rel = np.abs(check.numerical - g) / np.maximum(np.abs(g), check.atol)
    # an exact match has error 0, which a log axis cannot show; put it at the bottom
    rel = np.maximum(rel.ravel(), 1e-16)
    x = i + jitter.uniform(-0.18, 0.18, rel.size)
    ax_p.plot(x, rel, "o", color=f"C{i}", markersize=4, alpha=0.8)
ax_p.axhline(1e-6, color="0.3", linestyle="--", linewidth=1.2)
ax_p.text(-0.4, 1.5e-6, "tolerance $10^{-6}$", color="0.3", va="bottom")
ax_p.set_xticks(range(len(checks)), [f"${p[0]}_{{{p[2:]}}}$" for p in checks])
ax_p.set_yscale("log")
ax_p.set(
    title="Every parameter entry",
    ylabel="relative error of the analytic gradient",
    ylim=(5e-17, 1e-3),
    xlim=(-0.5, len(checks) - 0.5),
)
ax_p.grid(axis="x", visible=False)

# %%
# The gradient at every lag
# -------------------------
# Now put the loss on the last output only, as in
# :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py`, so that
# :math:`\partial \mathcal L/\partial h_{T-k}` is exactly what survives :math:`k` steps of the
# backward recursion. BPTT returns all of them at once in ``dh``. The finite difference
# needs a forward pass that *starts* at :math:`h_{T-k}`: perturb one entry of the
# stored state, rerun the network over the remaining inputs
# :math:`x_{T-k+1}, \dots, x_T` from it (``forward(xs[T - k:], h0=...)``), and
# difference the losses. Nothing of the backward pass is reused.

y_target = targets[-1]
_, dL_dy_last = mse(trace.y, y_target, where="last")
dh = net.backward(trace, dL_dy_last).dh


def loss_from(t, h):
    """Loss at step T when the state at step t is replaced by h (restart the forward)."""
    if t == T:
        y_T = h @ net.W_hy.T + net.b_y
    else:
        y_T = net.forward(xs[t:], h0=h).y[-1]
    return mse(y_T[None], y_target, where="last")[0]


lags = np.arange(T + 1)
loss_last = loss_from(T, trace.h[T])
eps = np.finfo(np.float64).eps
bptt, fd, err, floor, rounding = (np.empty(T + 1) for _ in range(5))
passed, resolved = [], []
for k in lags:
    t = T - k
    check = check_gradient(lambda h, t=t: loss_from(t, h), trace.h[t], dh[t])
    bptt[k] = np.linalg.norm(dh[t])
    fd[k] = np.linalg.norm(check.numerical)
    err[k] = np.linalg.norm(check.numerical - dh[t])
    floor[k] = np.linalg.norm(check.atol)
    # one rounding unit of the loss, divided by the width of the difference
    step = eps ** (1 / 3) * np.maximum(1.0, np.abs(trace.h[t]))
    rounding[k] = np.linalg.norm(eps * loss_last / (2 * step))
    passed.append(check.passed)
    resolved.append(check.n_resolved)

# %%
# Solid: the BPTT gradient norm. Circles: the finite-difference estimate. Crosses: the
# norm of their difference. Dashed: the tolerance floor, the norm of the per-entry
# :math:`\mathrm{atol}`, which allows 100 rounding units of the loss; dotted: a single
# rounding unit, :math:`\epsilon \mathcal L / (2h)`, below which every cross stays.
#
# While the gradient is above the floor the two estimates agree to at least three digits,
# and to six or more at most of those lags; the check *resolves* every entry at the shorter
# of them and some entries up to the floor. Below the floor they still agree for a while,
# since the floor is deliberately generous, but the check does not vouch for them. Near the
# rounding level the finite difference runs out of bits: perturbing :math:`h_{T-k}` by
# :math:`h \approx 6\times 10^{-6}` changes the final loss by less than one unit in the
# last place, the two losses are identical and the difference quotient is exactly 0
# (not drawn on the log axis). BPTT, which never subtracts two losses, keeps following the
# decay.

ax_k.plot(lags, bptt, color="C0", label=r"BPTT $\|\partial \mathcal{L}/\partial h_{T-k}\|$")
ax_k.plot(
    lags, fd, "o", color="C1", markersize=5, markerfacecolor="none", label="finite differences"
)
ax_k.plot(lags, err, "x", color="C3", markersize=5, label="|finite diff. $-$ BPTT|")
ax_k.plot(lags, floor, "--", color="0.3", linewidth=1.2, label="tolerance floor (atol)")
ax_k.plot(lags, rounding, ":", color="0.3", linewidth=1.4, label="one rounding unit")
ax_k.set_yscale("log")
ax_k.set(
    title="Loss gradient at every lag",
    xlabel="steps back, $k$",
    ylabel="norm",
    xlim=(-0.5, T + 0.5),
)
ax_k.legend(loc="upper right")
fig.suptitle("Backpropagation through time\nchecked against finite differences")
plt.show()

# %%
# The numbers behind the figure:

above = bptt > floor
rel_err = err[above] / bptt[above]
zero = lags[fd == 0]
print(f"lags checked: {lags.size}, all passed: {all(passed)}")
print(f"lags with the gradient norm above the tolerance floor: k = 0..{lags[above].max()}")
print(
    f"relative error on those lags: median {np.median(rel_err):.1e}, "
    f"max {rel_err.max():.1e} at k = {lags[above][np.argmax(rel_err)]}"
)
print(f"entries resolved at k = 0, 20, 30, 40: {[resolved[j] for j in (0, 20, 30, 40)]} of {B * n}")
if zero.size:
    print(f"finite difference exactly 0 (losses equal to the last bit) from k = {zero.min()}")

# sphinx_gallery_start_ignore
assert all(passed) and np.all(rel_err < 1e-3)  # three digits above the floor
assert np.mean(rel_err < 1e-6) > 0.5  # six or more at most of those lags
n_above = int(above.sum())
assert all(r == B * n for r in resolved[: n_above // 2])  # every entry at the shorter lags
assert all(r > 0 for r in resolved[:n_above]) and np.all(above[:n_above])  # some up to the floor
assert np.all(err < rounding)  # every cross below one rounding unit
first_below = lags[~above][:3]  # still agree for a while below it
assert np.all(err[first_below] < 0.1 * bptt[first_below])
assert zero.size and np.all(fd[zero.min() :] == 0)  # exactly 0 from some lag on
assert np.all(bptt[zero] < rounding[zero])  # below one rounding unit there
assert np.all(np.diff(np.log(bptt)) < 0) and bptt[-1] > 0  # BPTT follows the decay
# sphinx_gallery_end_ignore
