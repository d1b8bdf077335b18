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

shrinks fast with T. Learning the task needs that gradient; the runs below show how long
training waits for it at each length.

One seed and 300 updates per length, 16 hidden units, the settings of
:ref:`sphx_glr_auto_examples_04_clipping_training_plot_train_clipping.py`.
Training is chaotic, so each run is repeated from two copies of its network perturbed by one
part in :math:`10^{12}` (:func:`vgrad.perturb`), about what rounding changes on another
processor; everything said below holds for all three.
"""

# %%
# Training runs that record the gradient profile
# ----------------------------------------------
# With ``profile_every=10``, :func:`vgrad.train` stores every tenth step the batch
# mean of :math:`\|\partial \mathcal L/\partial h_t\|` at every t, the same quantity the
# Jacobian analysis bounds (``dh`` of :meth:`vgrad.RNN.backward`). Every network starts
# with :math:`\rho(W_{hh}) = 1`; the table also gives the spectral radius at the end.
# Given a network and its two perturbed copies as a list, :func:`vgrad.train` trains the
# three in one loop.

import functools
import itertools

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, perturb, spectral_radius
from vgrad.tasks import temporal_order
from vgrad.training import evaluate, train

lengths = [8, 16, 32, 64]
settings = dict(steps=300, lr=0.05, batch=32, momentum=0.9, clip=("norm", 1.0))
chance = float(np.log(4.0))

runs, copies = {}, {}
for T in lengths:
    net = RNN.random(6, 16, 4, 0, rho=1.0)
    nets = [net, perturb(net, 1e-12, rng=1), perturb(net, 1e-12, rng=2)]
    task = functools.partial(temporal_order, T)
    runs[T], *copies[T] = train(nets, task, rng=1000, profile_every=10, **settings)


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
# divided by its value at the last step, against the distance k from the loss; dotted, the
# same before training.

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
# At step 0 the share of the gradient that reaches :math:`h_1` falls more than tenfold from
# one length to the next. At T = 8 it is above 1% from the start; at T = 16 training lifts
# it above 1% within 50 steps; both end above 0.1: the recurrent weights grow (spectral
# radius above 1.2 at the end) until the state can carry a symbol to the end, and then the
# gradient can travel back just as far. At T = 32 it is below 1% at every recorded step of
# the first 100 and climbs later: the signal arrives late. At T = 64 it is below
# :math:`10^{-6}` at every recorded step of the 300, and the final profile falls at a steady
# rate per step (a straight line on the log scale): within this budget the signal does not
# arrive. Clipping was on in every run; it rescales the
# whole gradient, so it leaves each recorded :math:`r_T` as it is.

# sphinx_gallery_start_ignore
# The text makes these statements; they must hold for the run shown and for both perturbed
# copies.
assert settings["steps"] == 300 and runs[8].net.W_hh.shape == (16, 16)
for k in range(3):
    run = {T: runs[T] if k == 0 else copies[T][k - 1] for T in lengths}
    wait = {T: first_step_above(run[T], T) for T in lengths}
    start = [reach(run[T], T)[0] for T in lengths]
    assert all(a > 10 * b for a, b in itertools.pairwise(start))
    assert min(reach(run[8], 8)[-1], reach(run[16], 16)[-1]) > 0.1
    assert min(spectral_radius(run[T].net.W_hh) for T in (8, 16)) > 1.2
    assert wait[8] is not None and wait[16] is not None and wait[32] is not None
    assert max(wait[8], wait[16]) <= 50 < 100 < wait[32]
    assert start[0] > 1e-2 > start[1]  # T = 8 starts above 1%, T = 16 below
    assert wait[64] is None and reach(run[64], 64).max() < 1e-6
    final = np.log(run[64].profiles[-1])  # a straight line against the step
    assert np.corrcoef(np.arange(65), final)[0, 1] ** 2 > 0.99
# sphinx_gallery_end_ignore
