r"""
How much gradient reaches the first steps, during training
==========================================================

In the temporal-order problem the loss sits at the last step, so everything the network
learns about the early symbols arrives through :math:`\partial \mathcal L / \partial h_t` for small
t, sent back through every step in between. This example trains a clipped vanilla tanh RNN
at several sequence lengths and watches that gradient as training goes on: the fraction that
reaches :math:`h_1`,

.. math::

    r_T = \frac{\|\partial \mathcal L / \partial h_1\|}{\|\partial \mathcal L / \partial h_T\|},

shrinks exponentially with T. Learning the task needs that gradient, so the longer the
sequence, the longer training waits for a usable signal, until it never comes.

One seed and 300 updates per length, 16 hidden units, the settings of
:ref:`sphx_glr_auto_examples_04_clipping_training_plot_train_clipping.py`: a few seconds.
Training is chaotic, so each run is repeated from two copies of its network perturbed by one
part in :math:`10^{12}` (:func:`vgrad.perturb`), about what rounding changes on another
processor; everything said below holds for all three.
"""

# %%
# Training runs that record the gradient profile
# ----------------------------------------------
# With ``profile_every=10``, :func:`vgrad.train` stores every tenth step the batch
# mean of :math:`\|\partial \mathcal L/\partial h_t\|` for t = 0, ..., T, the same quantity the
# Jacobian analysis bounds (``dh`` of :meth:`vgrad.RNN.backward`). Every network starts
# with :math:`\rho(W_{hh}) = 1`; the table also gives the spectral radius at the end.
# :func:`vgrad.train_many` trains a network and its two perturbed copies in one loop.

import functools
import itertools

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, perturb, spectral_radius
from vgrad.tasks import temporal_order
from vgrad.training import evaluate, train_many

lengths = [8, 16, 32, 64]
settings = dict(steps=300, lr=0.05, batch=32, momentum=0.9, clip=("norm", 1.0))
chance = float(np.log(4.0))

runs, copies = {}, {}
for T in lengths:
    net = RNN.random(6, 16, 4, 0, rho=1.0)
    nets = [net, perturb(net, 1e-12, rng=1), perturb(net, 1e-12, rng=2)]
    task = functools.partial(temporal_order, T)
    runs[T], *copies[T] = train_many(nets, task, rng=1000, profile_every=10, **settings)


def reach(res, T):
    """r_T at every recorded step: the share of dL/dh_T that arrives at h_1."""
    return res.profiles[:, 1] / res.profiles[:, T]


def first_step_above(res, T, level=1e-2):
    """The first recorded step at which r_T exceeds ``level``, or None."""
    above = np.flatnonzero(reach(res, T) > level)
    return int(res.profile_steps[above[0]]) if above.size else None


print("   T   r_T at step 0   r_T at the end   first step r_T > 1%   rho(W_hh) end   loss/chance")
for T, res in runs.items():
    r = reach(res, T)
    score = evaluate(res.net, temporal_order(T, 1000, 12345)) / chance
    rho = spectral_radius(res.net.W_hh)
    print(
        f"{T:4d}   {r[0]:13.2e}   {r[-1]:14.2e}   {first_step_above(res, T)!s:>19}"
        f"   {rho:13.2f}   {score:11.3f}"
    )

# %%
# The reach over training, and the profile at the end
# ---------------------------------------------------
# Left: :math:`r_T` at every recorded step (log scale); thin lines, the perturbed copies.
# Right: the whole profile at the end of training, :math:`\|\partial \mathcal L/\partial h_{T-k}\|`
# divided by its value at :math:`k = 0`, against the distance k from the loss; dotted, the
# same at step 0.

fig, (ax_t, ax_k) = plt.subplots(2, 1, figsize=(6.0, 8.0), layout="constrained")
for i, (T, res) in enumerate(runs.items()):
    color = f"C{i}"
    ax_t.semilogy(res.profile_steps, reach(res, T), color=color, marker=".", label=f"T = {T}")
    for copy in copies[T]:
        ax_t.semilogy(copy.profile_steps, reach(copy, T), color=color, lw=0.7, alpha=0.6)
    k = np.arange(T, -1, -1)  # profiles[:, t] sits at distance k = T - t from the loss
    ax_k.semilogy(k, res.profiles[-1] / res.profiles[-1, T], color=color, label=f"T = {T}")
    ax_k.semilogy(k, res.profiles[0] / res.profiles[0, T], color=color, ls=":", lw=1.2)
ax_t.set(
    xlabel="training step",
    ylabel=r"$\|\partial \mathcal{L}/\partial h_1\| \,/\, \|\partial \mathcal{L}/\partial h_T\|$",
    title="Gradient reaching the first step",
)
ax_t.legend(loc="lower left")
ax_k.set(
    xlabel="steps back, $k$",
    ylabel=r"$\|\partial \mathcal{L}/\partial h_{T-k}\| \,/\, "
    r"\|\partial \mathcal{L}/\partial h_T\|$",
    title="Profile after training (dotted: at step 0)",
)
ax_k.legend(loc="lower left")
plt.show()

# %%
# What it shows
# -------------
# At step 0 the share of the gradient that reaches :math:`h_1` falls by orders of magnitude
# from one length to the next. At the short lengths, learning lifts it to order one within a
# few dozen steps: the recurrent weights grow until the state can carry a symbol to the
# end, and then the gradient can travel back just as far. At T = 32 the first steps get
# almost nothing for a long stretch of training, and the climb comes late: learning is
# slow. At T = 64 the profile keeps falling at a steady rate per step (a straight line on
# the log scale) and the signal never arrives: learning is impossible within this budget.
# Clipping was on in every run; it only ever shortens a gradient, so it cannot lift these
# curves.

# sphinx_gallery_start_ignore
# The paragraph above makes these comparisons; they must hold for the run shown and for
# both perturbed copies (the thresholds in steps are the words "a few dozen steps" and
# "a long stretch" of the text).
for k in range(3):
    run = {T: runs[T] if k == 0 else copies[T][k - 1] for T in lengths}
    wait = {T: first_step_above(run[T], T) for T in lengths}
    start = [reach(run[T], T)[0] for T in lengths]
    assert all(a > 10 * b for a, b in itertools.pairwise(start))
    assert min(reach(run[8], 8)[-1], reach(run[16], 16)[-1]) > 0.1
    assert min(spectral_radius(run[T].net.W_hh) for T in (8, 16)) > 1.2
    assert wait[8] is not None and wait[16] is not None and wait[32] is not None
    assert max(wait[8], wait[16]) <= 50 < 100 < wait[32]
    assert wait[64] is None and reach(run[64], 64).max() < 1e-6
# sphinx_gallery_end_ignore
