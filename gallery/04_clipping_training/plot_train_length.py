r"""
How long a dependency can a vanilla RNN learn?
==============================================

Train the same small tanh RNN on the temporal-order problem for longer and longer sequences
and score what it learned. Short sequences are learned; beyond some length the network ends
at chance, whatever the seed. Norm clipping moves that length out a little, because it
removes the long steps that wreck training, but it cannot remove the limit: the gradient that
would teach the network about the early symbols has vanished before it gets there.

To run in a few seconds this uses 16 hidden units, three seeds per length and 300 updates
of 32 sequences, with the settings of
:ref:`sphx_glr_auto_examples_04_clipping_training_plot_train_clipping.py`. The length at
which learning stops depends on that budget; the trend does not.
"""

# %%
# A sweep over the sequence length
# --------------------------------
# For each length T, three initialisations are trained with plain SGD with momentum and
# with the same updates norm-clipped at :math:`\tau = 1`. Each final network is scored on
# 1000 fresh sequences, as a fraction of the chance loss :math:`\ln 4`: 1 is chance, and
# 0.5 is what a network scores if it knows one of the two symbols for sure and guesses the
# other. We call a run *learned* when this ratio is below 0.1.

import functools

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN
from vgrad.tasks import temporal_order
from vgrad.training import evaluate, train

lengths = [8, 16, 24, 32, 48]
seeds = range(3)
settings = dict(steps=300, lr=0.05, batch=32, momentum=0.9)
tau = 1.0
rules = ("SGD", "clipped")
chance = float(np.log(4.0))
learned = 0.1

ratio = {name: np.empty((len(lengths), len(seeds))) for name in rules}
never_clipped = np.zeros((len(lengths), len(seeds)), dtype=bool)
for i, T in enumerate(lengths):
    task = functools.partial(temporal_order, T)
    held_out = temporal_order(T, 1000, 12345)
    for j, seed in enumerate(seeds):
        net = RNN.random(6, 16, 4, seed, rho=1.0)
        clipped = train(net, task, rng=1000 + seed, clip=("norm", tau), **settings)
        # If no gradient was ever longer than tau, clipping never acted and plain SGD takes
        # exactly the same steps: the two runs are one run, and need not be computed twice.
        never_clipped[i, j] = clipped.grad_norm.max() <= tau
        plain = clipped if never_clipped[i, j] else train(net, task, rng=1000 + seed, **settings)
        ratio["clipped"][i, j] = evaluate(clipped.net, held_out) / chance
        ratio["SGD"][i, j] = evaluate(plain.net, held_out) / chance

print("   T   final loss / chance, per seed                     runs never clipped")
print("       " + "".join(f"{name:>24s}" for name in rules))
for i, T in enumerate(lengths):
    cells = ["  ".join(f"{r:6.3f}" for r in ratio[name][i]) for name in rules]
    print(f"{T:4d}   " + "".join(f"{c:>24s}" for c in cells) + f"{never_clipped[i].sum():14d}")

# %%
# Where learning stops
# --------------------
# The failing length of a rule is the shortest T in the sweep at which no seed learned.

failing = {}
for name in rules:
    none_learned = [T for T, row in zip(lengths, ratio[name], strict=True) if row.min() >= learned]
    failing[name] = none_learned[0] if none_learned else None
    print(
        f"{name:8s}: some seed learned at T = {[T for T in lengths if T not in none_learned]}, "
        f"failing length {failing[name]}"
    )

# %%
# The picture: each dot is one seed, each line the median over seeds.

fig, ax = plt.subplots(figsize=(8.0, 4.2), layout="constrained")
labels = {"SGD": "SGD", "clipped": rf"SGD, norm clipped at $\tau = {tau:g}$"}
for (name, r), color, dx in zip(ratio.items(), ("C1", "C0"), (-0.4, 0.4), strict=True):
    label = labels[name]
    ax.plot(lengths, np.median(r, axis=1), color=color, marker="o", label=label)
    for j in range(r.shape[1]):
        ax.plot(np.array(lengths) + dx, r[:, j], ls="none", marker=".", color=color, alpha=0.6)
ax.axhline(1.0, color="k", ls=":", lw=1.5, label=r"chance, $\ln 4$")
ax.axhline(0.5, color="0.4", ls="--", lw=1.0, label="one symbol of two")
ax.axhspan(0, learned, color="C2", alpha=0.15, lw=0, label=f"learned (< {learned:g})")
ax.set(
    xlabel="sequence length T",
    ylabel="held-out loss / chance loss",
    xticks=lengths,
    ylim=(-0.05, 1.3),
    title=f"Temporal order, vanilla tanh RNN, {settings['steps']} SGD steps",
)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
plt.show()

# %%
# Reading the figure
# ------------------
# Without clipping, learning already fails at moderate lengths: the long steps seen in the
# previous example knock runs back to chance before they converge. With clipping every run
# survives those steps and the network learns longer dependencies, but the curve climbs to
# chance all the same. At the longest length nothing is being wrecked any more: no gradient
# in any run was longer than :math:`\tau`, so clipping never acted and the two rules gave
# the very same runs. There is simply no signal. The next example,
# :ref:`sphx_glr_auto_examples_04_clipping_training_plot_train_gradient_reach.py`, measures
# how little of the loss gradient reaches the early steps as T grows.

# The paragraph above compares the two rules; fail loudly if a change makes it untrue.
assert failing["SGD"] is not None and failing["clipped"] is not None
assert failing["SGD"] < failing["clipped"] <= lengths[-1]
assert never_clipped[-1].all() and ratio["clipped"][-1].min() > 0.9
