r"""
Activation functions and the bound on their derivative
======================================================

Every backward step through a layer multiplies the gradient by the derivative of that
layer's activation, evaluated at its pre-activation. How large that derivative can be,
:math:`\gamma = \sup_z |\phi'(z)|`, caps what the activation lets a single layer pass
on. This example plots the sigmoid, tanh and ReLU with their derivatives and compares the
bound with the values a layer typically sees.
"""

# %%
# The three activations
# ---------------------
# :func:`vgrad.get_activation` returns the function :math:`\phi`, its derivative
# :math:`\phi'` and the bound :math:`\gamma` together.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import get_activation

names = ["sigmoid", "tanh", "relu"]
acts = {name: get_activation(name) for name in names}
z = np.linspace(-6.0, 6.0, 1201)

fig, (ax_f, ax_df) = plt.subplots(2, 1, figsize=(6.0, 7.0), sharex=True)
for i, (name, act) in enumerate(acts.items()):
    color = f"C{i}"
    ax_f.plot(z, act.f(z), color=color, label=name)
    df = act.df(z)
    if name == "relu":
        df[z == 0.0] = np.nan  # no vertical line at the jump
    ax_df.plot(z, df, color=color, label=rf"{name}: $\gamma = {act.gamma:g}$")
    ax_df.axhline(act.gamma, color=color, linestyle=":", linewidth=1.2)
# The sigmoid's bound is reached at exactly one point: mark it.
ax_df.plot(0.0, acts["sigmoid"].df(0.0), "o", color="C0", markersize=7, zorder=3)
ax_df.annotate(
    r"$\sigma'(0) = 1/4$",
    (0.0, 0.25),
    xytext=(-5.6, 0.42),
    arrowprops={"arrowstyle": "->", "color": "0.3"},
    color="C0",
)
ax_f.set(title="the activations φ(z)", ylim=(-1.2, 2.2))
ax_df.set(
    title="their derivatives φ′(z), bound γ dotted",
    xlabel="pre-activation $z$",
    ylim=(-0.05, 1.15),
)
ax_f.legend(loc="upper left")
ax_df.legend(loc="center right")
fig.suptitle("Sigmoid, tanh and ReLU and their derivatives")
plt.show()

# %%
# Where the bound is attained
# ---------------------------
# The sigmoid's derivative :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))` peaks at
# :math:`1/4` at :math:`z = 0` only; tanh's peaks at :math:`1` there only. ReLU's derivative is
# exactly 1 on the whole positive half-line and 0 on the negative one. On a fine grid the
# largest derivative matches :math:`\gamma`:

for name, act in acts.items():
    print(f"{name:8s} max phi'(z) on the grid = {act.df(z).max():.6f}   gamma = {act.gamma:g}")

# sphinx_gallery_start_ignore
for act in acts.values():
    assert np.isclose(act.df(z).max(), act.gamma, rtol=1e-12, atol=0)
zero = np.abs(z) < 1e-9  # the grid point at 0 (linspace may leave it off by rounding)
assert zero.sum() == 1
for name in ("sigmoid", "tanh"):  # below gamma everywhere else on the grid
    assert np.all(acts[name].df(z[~zero]) < acts[name].gamma)
assert np.all(acts["relu"].df(z[z > 0]) == 1) and np.all(acts["relu"].df(z[z < 0]) == 0)
# sphinx_gallery_end_ignore

# %%
# What a layer typically sees
# ---------------------------
# Pre-activations are spread out, so the derivative a gradient actually meets is on
# average below :math:`\gamma`. Draw pre-activations :math:`z` from a centred normal distribution,
# for a few values of its standard deviation (the *spread*), and average :math:`\phi'(z)`:

rng = np.random.default_rng(0)
spreads = np.array([0.5, 1.0, 2.0, 4.0])
z_draw = rng.standard_normal(200_000)
print("  spread  " + "  ".join(f"{name:>8s}" for name in names))
for spread in spreads:
    means = [act.df(spread * z_draw).mean() for act in acts.values()]
    print(f"{spread:8.1f}  " + "  ".join(f"{m:8.4f}" for m in means))
    # sphinx_gallery_start_ignore
    assert all(m < act.gamma for m, act in zip(means, acts.values(), strict=True))
    # sphinx_gallery_end_ignore

# %%
# Through many layers
# -------------------
# If every layer contributed its derivative bound and nothing else, the gradient after
# :math:`L` sigmoid layers would be at most :math:`(1/4)^L` times its starting size. With
# spread-out pre-activations it is smaller still. The product of :math:`L` independent
# derivatives has *expectation* :math:`(\mathbb{E}\,\sigma'(z))^L`, shown for
# unit spread, from the table above. The *typical* product, its median, is smaller again:
# the logarithm of the product is a sum of :math:`L` independent terms, so the median is
# close to :math:`\exp(L\,\mathbb{E}\log\sigma'(z))`, and by Jensen's inequality
# :math:`\mathbb{E}\log\sigma' < \log\mathbb{E}\,\sigma'`. tanh and ReLU have
# :math:`\gamma = 1`, so their bound does not decay at all.

depth = np.arange(0, 31)
mean_sigmoid = acts["sigmoid"].df(z_draw).mean()  # spread 1
geo_sigmoid = np.exp(np.log(acts["sigmoid"].df(z_draw)).mean())  # exp E log sigma'(z)
# The median of products of 20 independent derivatives, from the same draws:
median_20 = np.median(np.prod(acts["sigmoid"].df(z_draw[:200_000].reshape(-1, 20)), axis=1))
fig, ax = plt.subplots(figsize=(6.0, 4.0))
ax.plot(depth, 0.25**depth, color="C0", label=r"sigmoid bound $(1/4)^L$")
for factor, style, what in (
    (mean_sigmoid, "--", "mean: "),
    (geo_sigmoid, ":", r"median: $\approx$ "),
):
    ax.plot(
        depth,
        factor**depth,
        color="C0",
        linestyle=style,
        label=rf"sigmoid, {what}$({factor:.3f})^L$",
    )
ax.plot(depth, np.ones_like(depth, dtype=float), color="C1", label=r"tanh and ReLU bound $1^L$")
ax.set_yscale("log")
ax.set(
    title="Product of the activation derivatives of L layers",
    xlabel="number of layers L",
    ylabel="product of derivatives",
    xlim=(0, depth[-1]),
    ylim=(1e-22, 10),
)
ax.legend(loc="lower left")
plt.show()

for L in (1, 5, 10, 20):
    print(
        f"L = {L:2d}: (1/4)^L = {0.25**L:.3e}   mean product = {mean_sigmoid**L:.3e}   "
        f"median product ~ {geo_sigmoid**L:.3e}"
    )
print(f"measured median of 10000 products of 20 derivatives: {median_20:.3e}")

# sphinx_gallery_start_ignore
assert 0.25 > mean_sigmoid > geo_sigmoid  # the bound, the mean, the median, in that order
assert abs(np.log(median_20) - 20 * np.log(geo_sigmoid)) < 0.05 * 20 * abs(np.log(geo_sigmoid))
# sphinx_gallery_end_ignore

# %%
# This is only half the story. A backward step multiplies by
# :math:`\mathrm{diag}(\phi'(z))\, W`, so the honest per-layer bound is
# :math:`\gamma \|W\|_2`: large weights can compensate for a small :math:`\gamma`, and
# tanh or ReLU networks must still lose their gradient if :math:`\|W_l\|_2 \le q < 1` in
# every layer. The same
# product, with one shared :math:`W`, is what the recurrent examples study.
