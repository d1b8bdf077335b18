r"""
Clipping, geometrically
=======================

Two ways of taming a gradient that is too large: norm clipping rescales the whole vector
and keeps its direction, element-wise clipping caps every coordinate and can turn it. In
two dimensions both are pictures, a circle and a square. Neither can lengthen a gradient,
so clipping can shorten an exploding gradient but cannot restore a vanishing one.

Norm clipping with threshold :math:`\tau` and element-wise clipping with limit :math:`c`
are

.. math::

    g \leftarrow \min\Big(1, \frac{\tau}{\|g\|}\Big)\, g ,
    \qquad
    g_i \leftarrow \min\big(\max(g_i, -c), c\big) .
"""

# %%
# A handful of gradients in the plane
# -----------------------------------
# Gradients of different directions and lengths, clipped by
# :func:`vgrad.clip_by_norm` with :math:`\tau = 1` and by :func:`vgrad.clip_by_value` with
# :math:`c = 1`. Both return the clipped gradient and the norm it had before.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import RNN, clip_by_norm, clip_by_value, mse

TAU = C = 1.0
angles = np.radians([15.0, 50.0, 80.0, 125.0, 170.0, 215.0, 260.0, 320.0])
lengths = np.array([2.8, 1.7, 0.7, 2.3, 1.2, 0.5, 2.6, 1.9])
grads = lengths[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)

by_norm = np.array([clip_by_norm(g, TAU).grads for g in grads])
by_value = np.array([clip_by_value(g, C).grads for g in grads])
# sphinx_gallery_start_ignore
assert len(grads) == 8 and TAU == C == 1.0  # as the text states
for clipped in (by_norm, by_value):  # neither rule lengthens a gradient or any entry
    assert np.all(np.abs(clipped) <= np.abs(grads))
# The picture's text: every arrow longer than c ends on the square; an arrow with one
# coordinate clipped and the other not turns towards the nearest diagonal.
long = lengths > C
assert np.all(np.max(np.abs(by_value[long]), axis=1) == C)
one_cut = np.sum(np.abs(grads) > C, axis=1) == 1


def off_diag(v):
    """Angle of each row of v from the nearest diagonal, in radians."""
    return np.abs(np.abs(np.arctan2(v[:, 1], v[:, 0])) % (np.pi / 2) - np.pi / 4)


assert one_cut.any() and np.all(off_diag(by_value[one_cut]) < off_diag(grads[one_cut]))
# sphinx_gallery_end_ignore


def turn_deg(u, v):
    """Angle between u and v in degrees."""
    cos = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


print("  |g|   direction |  norm clip: |g|  turned |  value clip: |g|  turned")
for g, n, v in zip(grads, by_norm, by_value, strict=True):
    print(
        f"{np.linalg.norm(g):5.2f}   {np.degrees(np.arctan2(g[1], g[0])) % 360:6.1f} deg"
        f" |          {np.linalg.norm(n):5.2f}  {turn_deg(g, n):4.1f} deg"
        f" |           {np.linalg.norm(v):5.2f}  {turn_deg(g, v):4.1f} deg"
    )

# %%
# The picture
# -----------
# Grey arrows are the gradients, coloured arrows what clipping makes of them. Norm
# clipping pulls every long arrow back to the circle :math:`\|g\| = \tau` along its own
# line; short arrows are untouched. Element-wise clipping pushes long arrows onto the
# square :math:`|g_i| \le c`, and every arrow that had one coordinate clipped and the other
# not is turned towards the nearest diagonal.


def arrows(ax, vectors, **style):
    for v in vectors:
        ax.annotate("", xy=v, xytext=(0.0, 0.0), arrowprops={"arrowstyle": "-|>", **style})


# Side by side, as on a slide: the circle on the left, the square on the right.
fig, (ax_n, ax_v) = plt.subplots(
    1, 2, figsize=(6.2, 3.9), layout="constrained", sharex=True, sharey=True
)
for ax, clipped, color, title in (
    (ax_n, by_norm, "C0", rf"Norm, $\tau = {TAU:g}$"),
    (ax_v, by_value, "C1", rf"Element-wise, $c = {C:g}$"),
):
    arrows(ax, grads, color="0.65", linewidth=1.2, shrinkA=0, shrinkB=0)
    arrows(ax, clipped, color=color, linewidth=2.0, shrinkA=0, shrinkB=0)
    ax.set(title=title, xlabel="$g_1$", xlim=(-3.2, 3.2), ylim=(-3.2, 3.2), aspect="equal")
    ax.set_xticks([-2, 0, 2])
    ax.set_yticks([-2, 0, 2])
ax_n.add_patch(plt.Circle((0.0, 0.0), TAU, fill=False, linestyle="--", color="black"))
ax_v.add_patch(plt.Rectangle((-C, -C), 2 * C, 2 * C, fill=False, linestyle="--", color="black"))
ax_n.set_ylabel("$g_2$")
fig.suptitle("Norm clipping keeps a gradient's direction,\nelement-wise clipping turns it")
plt.show()

# %%
# How far element-wise clipping turns a gradient
# ----------------------------------------------
# By symmetry it is enough to look at directions :math:`\theta` between 0 and 90 degrees.
# A gradient of length :math:`r` is clipped to
# :math:`(\min(r\cos\theta, c), \min(r\sin\theta, c))`. Norm clipping maps every
# direction to itself (the diagonal). Element-wise clipping bends the map towards 45
# degrees: the longer the gradient, the more directions end up at the corner of the box,
# all pointing along the diagonal whatever they were. It also lets through up to
# :math:`c\sqrt{n}` in :math:`n` dimensions, so the length it allows depends on the
# direction too.

theta = np.radians(np.linspace(0.0, 90.0, 181))
unit = np.stack([np.cos(theta), np.sin(theta)], axis=1)
fig, (ax_d, ax_l) = plt.subplots(2, 1, figsize=(6.0, 7.6), layout="constrained")
ax_d.plot([0, 90], [0, 90], color="C0", label=r"norm clipping: direction kept, length $\tau$")
# sphinx_gallery_start_ignore
corners = []
# sphinx_gallery_end_ignore
for i, r in enumerate((1.2, 2.0, 5.0, 50.0)):
    clipped = np.array([clip_by_value(r * u, C).grads for u in unit])
    direction = np.degrees(np.arctan2(clipped[:, 1], clipped[:, 0]))
    ax_d.plot(np.degrees(theta), direction, color=f"C{i + 1}", label=f"element-wise, $r = {r:g}$")
    ax_l.plot(np.degrees(theta), np.linalg.norm(clipped, axis=1), color=f"C{i + 1}")
    print(f"r = {r:4g}: largest turn {np.max(np.abs(direction - np.degrees(theta))):4.1f} deg")
    # sphinx_gallery_start_ignore
    # The text: bent towards 45 degrees, and more directions at the corner the longer r is.
    assert np.all(np.abs(direction - 45.0) <= np.abs(np.degrees(theta) - 45.0) + 1e-9)
    corners.append(int(np.sum(np.all(clipped == C, axis=1))))  # directions sent to the corner
    # sphinx_gallery_end_ignore
# sphinx_gallery_start_ignore
assert np.all(np.diff(corners) > 0)  # the longer the gradient, the more directions at the corner
# sphinx_gallery_end_ignore
ax_l.axhline(TAU, color="C0")
ax_l.axhline(C * np.sqrt(2.0), color="black", linestyle=":", linewidth=1.2, label=r"$c\sqrt{2}$")
ax_d.set(
    title="Direction after clipping",
    xlabel=r"direction before, $\theta$ (degrees)",
    ylabel="direction after (degrees)",
    aspect="equal",
    xticks=[0, 15, 30, 45, 60, 75, 90],
    yticks=[0, 15, 30, 45, 60, 75, 90],
)
ax_l.set(
    title="Length after clipping",
    xlabel=r"direction before, $\theta$ (degrees)",
    ylabel=r"$\|g\|$ after",
    ylim=(0.0, 1.6),
    xticks=[0, 15, 30, 45, 60, 75, 90],
)
# One legend for both panels, in the empty lower part of the lower one.
handles = ax_d.get_legend_handles_labels()[0] + ax_l.get_legend_handles_labels()[0]
ax_l.legend(handles=handles, loc="lower center")
fig.suptitle("Element-wise clipping:\nthe direction and length that come out")
plt.show()

# %%
# A vanishing gradient passes through unchanged
# ---------------------------------------------
# Now a real one. A tanh RNN with :math:`s_{\max}(W_{hh}) = 0.9` reads 40 steps of
# random input from a random initial state and is scored on its last output only. By the
# time the loss gradient reaches :math:`h_0` it has been multiplied by 40 step Jacobians
# :math:`\mathrm{diag}(\tanh'(a_t))\,W_{hh}`, each of norm at most 0.9. Clipping it at any
# threshold above its (tiny) norm returns the very same array, and element-wise clipping
# leaves it equal too.

rng = np.random.default_rng(7)
T_STEPS, B, d, n = 40, 4, 3, 16
net = RNN.random(d, n, 1, rng, sigma_max=0.9)
trace = net.forward(rng.standard_normal((T_STEPS, B, d)), h0=rng.uniform(-1.0, 1.0, (B, n)))
loss, dL_dy = mse(trace.y, rng.standard_normal((B, 1)), where="last")
grads = net.backward(trace, dL_dy)
# sphinx_gallery_start_ignore
# The parameters the text states, and the bound on each step Jacobian: gamma s_max = 0.9.
assert T_STEPS == 40 and net.activation.name == "tanh" and net.activation.gamma == 1.0
assert abs(np.linalg.norm(net.W_hh, 2) - 0.9) < 1e-12
# sphinx_gallery_end_ignore

dh0 = grads.dh[0]
kept = clip_by_norm(dh0, 1.0)
print(f"||dL/dh_T|| = {np.linalg.norm(grads.dh[-1]):.3g}, ||dL/dh_0|| = {kept.norm:.3g}")
print(f"clip_by_norm(dL/dh_0, 1) returns the same array: {kept.grads is dh0}")
unchanged = np.array_equal(clip_by_value(dh0, 1.0).grads, dh0)
print(f"clip_by_value(dL/dh_0, 1) changes nothing: {unchanged}")
# sphinx_gallery_start_ignore
assert kept.grads is dh0 and unchanged and kept.norm < 1e-6 * np.linalg.norm(grads.dh[-1])
# sphinx_gallery_end_ignore

# %%
# The same holds inside a parameter gradient. The gradient of :math:`W_{hh}` is a sum over
# time, :math:`\sum_t \delta_t^\top h_{t-1}^\top` with
# :math:`\delta_t = \phi'(a_t) \odot \partial \mathcal L/\partial h_t`, and the term from step
# :math:`t` has travelled back :math:`T - t` steps. Split it up, check that the terms add
# up to what :meth:`vgrad.RNN.backward` returns, and clip the whole gradient (all five
# parameter arrays together) at a deliberately harsh :math:`\tau = 0.01`: clipping
# multiplies the gradient, and with it every term of the sum, by one common factor.

delta = grads.dh[1:] * net.activation.df(trace.a)  # (T, B, n): dL/da_t
terms = np.einsum("tbi,tbj->tij", delta, trace.h[:-1])  # terms[t - 1] is step t's share
np.testing.assert_allclose(terms.sum(axis=0), grads.W_hh, rtol=1e-10, atol=1e-14)
term_norms = np.linalg.norm(terms, axis=(1, 2))
lag = T_STEPS - np.arange(1, T_STEPS + 1)

TAU_HARD = 0.01
clipped = clip_by_norm(grads, TAU_HARD)
# sphinx_gallery_start_ignore
assert clipped.norm > TAU_HARD  # so that this clipping really acts
# sphinx_gallery_end_ignore
scale = TAU_HARD / clipped.norm
np.testing.assert_allclose(clipped.grads.W_hh, scale * grads.W_hh, rtol=1e-12)
# sphinx_gallery_start_ignore
assert len(grads.params()) == 5 and TAU_HARD == 0.01  # as the text states
# sphinx_gallery_end_ignore
print(
    f"global gradient norm {clipped.norm:.3g}: "
    f"clipping at tau = {TAU_HARD} scales every term by {scale:.3g}"
)
print(
    f"share of step 1 (lag {lag[0]}) relative to step T (lag 0): "
    f"{term_norms[0] / term_norms[-1]:.3g}, before and after clipping"
)

fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
ax.semilogy(lag, term_norms, "o-", markersize=3, label="unclipped")
ax.semilogy(
    lag, scale * term_norms, "s-", markersize=3, label=rf"norm-clipped at $\tau = {TAU_HARD}$"
)
ax.set(
    title="Each step's term in the gradient of W_hh",
    xlabel="steps back, $k = T - t$",
    ylabel=r"$\|\delta_t^\top h_{t-1}^\top\|_F$",
)
ax.legend()
plt.show()

# sphinx_gallery_thumbnail_number = 1

# %%
# On a log scale clipping is a vertical shift: the whole profile moves down together and
# its slope, the rate at which the gradient forgets distant steps, does not change.
# Norm clipping can stop an update from being too large; it leaves the long-range part's
# share of the gradient as it was. Other remedies, from initialisation and regularisers to
# optimisers and architectures, act on that share; :doc:`/remedies` tests some of them.
