r"""
Training with and without gradient clipping
===========================================

A vanilla tanh RNN learns the temporal-order problem: two symbols, each X or Y, appear early
and in the middle of a sequence of distractors, and the network must report their order at
the last step. Plain SGD with momentum can meet a very long gradient, take a long step,
and end at chance. The same runs with norm clipping meet long gradients
too, shorten the steps, and several of them learn the task.

Everything here is small: 16 hidden units, sequences of 20 steps, 300 updates of 32
sequences, eight random initialisations trained side by side.
"""

# %%
# The task and the two update rules
# ---------------------------------
# :func:`vgrad.tasks.temporal_order` draws the sequences. The loss is the cross-entropy of
# the answer (XX, XY, YX or YY) at the last step; guessing uniformly scores
# :math:`\ln 4`, the baseline that a network without memory cannot beat.
#
# :func:`vgrad.train`, given a list of networks, runs minibatch SGD with momentum
# :math:`\mu = 0.9` on all of them at once; each run gets the updates it would get if
# trained alone, to rounding.
# With ``clip=("norm", tau)``, a gradient longer than :math:`\tau = 1` is rescaled to
# length :math:`\tau` before it enters the update; its direction is kept. Every network is
# trained under both rules, and all runs see the same batches.

import functools

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, perturb
from vgrad.tasks import temporal_order
from vgrad.training import evaluate, train

T = 20
task = functools.partial(temporal_order, T)
chance = float(np.log(4.0))
settings = dict(steps=300, lr=0.05, batch=32, momentum=0.9, rng=1000)
tau = 1.0
rules = {"SGD": None, "clipped": ("norm", tau)}


def train_both(nets):
    """Train every net under both rules in one loop; results[name][i] belongs to nets[i]."""
    clips = [clip for clip in rules.values() for _ in nets]
    results = train(nets * len(rules), task, clip=clips, **settings)
    return {name: results[i * len(nets) : (i + 1) * len(nets)] for i, name in enumerate(rules)}


seeds = range(8)
runs = train_both([RNN.random(6, 16, 4, seed, rho=1.0) for seed in seeds])

# %%
# Choosing a pair to look at
# --------------------------
# Training is chaotic. Change the initial weights by one part in :math:`10^{12}`, about
# what rounding changes when the same script runs on another processor, and an unclipped
# run's loss curve soon becomes a different curve. So the pair shown below is not picked
# by hand. It is the first seed whose runs show the behaviour this page describes:
#
# * the unclipped loss, averaged over 10 steps, fell below 60% of chance at some point,
#   and over the last 50 steps it is back within 10% of chance;
# * the clipped run ends below 10% of chance;
#
# and whose two *perturbed* copies (every weight times :math:`1 + 10^{-12} z`, see
# :func:`vgrad.perturb`) show it too.


def smooth(loss, width=10):
    return np.convolve(loss, np.ones(width) / width, mode="valid")


def described(plain, clipped):
    """Whether a pair of runs shows the behaviour the text describes."""
    went_down = smooth(plain.loss).min() < 0.6 * chance
    back_at_chance = abs(plain.loss[-50:].mean() / chance - 1) < 0.1
    return went_down and back_at_chance and clipped.loss[-50:].mean() < 0.1 * chance


candidates = [s for s in seeds if described(runs["SGD"][s], runs["clipped"][s])]
copies = [
    perturb(RNN.random(6, 16, 4, s, rho=1.0), 1e-12, rng=j) for s in candidates for j in (1, 2)
]
checks = train_both(copies)
survives = {
    s: all(described(checks["SGD"][2 * i + j], checks["clipped"][2 * i + j]) for j in (0, 1))
    for i, s in enumerate(candidates)
}
shown = [s for s in candidates if survives[s]]
print(f"seeds showing the behaviour: {candidates}; in both perturbed copies too: {shown}")
# sphinx_gallery_start_ignore
assert shown, "no seed shows the behaviour this page describes: the text needs revising"
# sphinx_gallery_end_ignore
seed = shown[0]
i_seed = candidates.index(seed)
print(f"shown below: seed {seed}")

# %%
# Loss and gradient norm, step by step
# ------------------------------------
# The top panel shows the training loss at every step, the bottom panel the global norm of
# the gradient *before* clipping, :math:`\|\nabla_\theta \mathcal{L}\|`, for both runs.
# The thin lines are the two perturbed copies: the unclipped ones follow the thick line for
# a while, then go their own way, and still tell the same story. The dashed line is the
# threshold :math:`\tau`.

plain, clipped = runs["SGD"][seed], runs["clipped"][seed]
steps = np.arange(settings["steps"])
fig, (ax_loss, ax_norm) = plt.subplots(2, 1, figsize=(6.0, 7.0), sharex=True, layout="constrained")
for name, color, label in (
    ("SGD", "C1", "SGD"),
    ("clipped", "C0", rf"SGD, norm clipped at $\tau={tau:g}$"),
):
    res = runs[name][seed]
    ax_loss.plot(steps, res.loss, color=color, lw=1.4, label=label)
    ax_norm.semilogy(steps, res.grad_norm, color=color, lw=1.4, label=label)
    for j in (0, 1):
        copy = checks[name][2 * i_seed + j]
        ax_loss.plot(steps, copy.loss, color=color, lw=0.6, alpha=0.6)
        ax_norm.semilogy(steps, copy.grad_norm, color=color, lw=0.6, alpha=0.6)
ax_loss.axhline(chance, color="k", ls=":", lw=1.5, label=r"chance, $\ln 4$")
ax_loss.set(ylabel="training loss (cross-entropy)", ylim=(0, 3 * chance))
ax_loss.set_title(f"Temporal order, T = {T}: seed {seed}, same batches\n(thin: perturbed copies)")
ax_loss.legend(loc="upper right")
ax_norm.axhline(tau, color="k", ls="--", lw=1.2, label=r"threshold $\tau$")
ax_norm.set(xlabel="training step", ylabel=r"$\|\nabla_\theta \mathcal{L}\|$ before clipping")
ax_norm.legend(loc="lower left")
plt.show()

# sphinx_gallery_start_ignore
# The text: the settings it states, and the unclipped copies follow the run shown at first
# (to rounding) and then go their own way.
assert (T, settings["steps"], settings["batch"], len(seeds), tau) == (20, 300, 32, 8, 1.0)
assert settings["momentum"] == 0.9 and plain.net.W_hh.shape == (16, 16)
for j in (0, 1):
    apart = np.abs(checks["SGD"][2 * i_seed + j].loss - plain.loss)
    assert apart[:20].max() < 1e-6 and apart.max() > 0.1
# sphinx_gallery_end_ignore

# %%
# What the long steps did
# -----------------------
# The unclipped run brought the loss well below chance and then lost it all: after its best
# stretch it met a gradient more than five times longer than :math:`\tau`, took a long
# step, and did not recover: it ends at chance. What the long steps leave behind shows on
# fresh sequences: a large share of the hidden units of a typical unclipped network sit at
# :math:`|h| > 0.99`, where :math:`\tanh' \approx 0` passes almost no gradient back; a
# typical clipped network keeps more than 85% of its units in the responsive range. The
# table gives each seed's numbers.

best = int(np.argmin(smooth(plain.loss)))
print(
    f"seed {seed}, SGD: lowest 10-step mean loss {smooth(plain.loss)[best] / chance:.2f} of "
    f"chance (steps {best}-{best + 9}); largest gradient after it "
    f"{plain.grad_norm[best:].max():.1f} (tau = {tau:g}); last 50 steps "
    f"{plain.loss[-50:].mean() / chance:.2f} of chance"
)
print(
    f"seed {seed}, clipped: last 50 steps {clipped.loss[-50:].mean() / chance:.3f} of chance, "
    f"{(clipped.grad_norm > tau).sum()} of {len(steps)} steps shortened"
)

held_out = temporal_order(T, 2000, 12345)


def saturation(net):
    """Fraction of hidden units with |h| > 0.99 on the held-out sequences."""
    return float(np.mean(np.abs(net.forward(held_out.xs).h[1:]) > 0.99))


ratio = {name: [evaluate(res.net, held_out) / chance for res in runs[name]] for name in rules}
peak = {name: [res.grad_norm.max() for res in runs[name]] for name in rules}
saturated = {name: [saturation(res.net) for res in runs[name]] for name in rules}
print("seed   held-out loss / chance   largest gradient norm   saturated units")
print("          SGD   clipped             SGD   clipped          SGD   clipped")
for s in seeds:
    print(
        f"{s:4d}  {ratio['SGD'][s]:7.3f}  {ratio['clipped'][s]:8.3f}"
        f"        {peak['SGD'][s]:8.1f}  {peak['clipped'][s]:8.1f}"
        f"       {saturated['SGD'][s]:6.0%}  {saturated['clipped'][s]:8.0%}"
    )
print(
    f"median saturated units: SGD {np.median(saturated['SGD']):.0%}, "
    f"clipped {np.median(saturated['clipped']):.0%}"
)

# sphinx_gallery_start_ignore
# The paragraphs above must stay true on every machine (nox -s kernels runs this under
# several BLAS kernels): the chosen pair shows the behaviour, and the medians compare.
assert plain.grad_norm[best:].max() > 5 * tau
assert np.median(saturated["SGD"]) > max(0.4, 4 * np.median(saturated["clipped"]))
assert np.median(saturated["clipped"]) < 0.15
assert held_out.B == 2000
assert ratio["clipped"][seed] < 0.1  # the clipped run shown learns (docs/training.md's caption)
# sphinx_gallery_end_ignore

# %%
# Eight initialisations
# ---------------------
# One pair of runs proves little. Score each final network on 2000 fresh sequences,
# relative to the chance loss: 1 means nothing was learned, 0 a perfect answer.

learned = {name: sum(r < 0.1 for r in ratio[name]) for name in rules}
print(
    f"learned (held-out loss below 10% of chance): SGD {learned['SGD']} of {len(seeds)}, "
    f"clipped {learned['clipped']} of {len(seeds)}"
)

fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
x = np.arange(len(seeds))
ax.bar(x - 0.2, ratio["SGD"], width=0.4, color="C1", label="SGD")
ax.bar(x + 0.2, ratio["clipped"], width=0.4, color="C0", label=rf"clipped, $\tau={tau:g}$")
ax.axhline(1.0, color="k", ls=":", lw=1.5, label="chance")
ax.set(xticks=x, xlabel="seed", ylabel="held-out loss / chance loss", ylim=(0, 1.45))
ax.set_title(f"After {settings['steps']} steps, T = {T}")
ax.legend(loc="upper center", ncols=3)
plt.show()

# sphinx_gallery_start_ignore
assert learned["clipped"] >= learned["SGD"] + 3  # "several clipped runs learn"
assert min(peak["clipped"]) > 5 * tau  # "gradients many times longer than tau"
# sphinx_gallery_end_ignore

# %%
# The clipped runs met gradients more than five times longer than :math:`\tau` too (the table's
# middle columns); clipping only shortened those steps and left every direction as it
# was. In several runs that was enough to keep one bad stretch from undoing the training.
# Clipping cannot help with the opposite problem: a gradient too *small* to carry
# information back from the early steps is never made longer, at most shortened. The chapter
# :doc:`/training` makes the sequences longer until that is what stops learning, with or
# without clipping, and the next example,
# :ref:`sphx_glr_auto_examples_04_clipping_training_plot_train_gradient_reach.py`, measures
# how little of the gradient then reaches the early steps.
