r"""
The cell path is bounded, the full Jacobian is not
==================================================

The LSTM's cell path multiplies the gradient by :math:`\mathrm{diag}(f_t)` with every
:math:`f_t < 1`, so along that path alone the gradient can only shrink. But the cell state
also feeds the hidden state, :math:`h_t = o_t \odot \tanh(c_t)`, and the hidden state
feeds every gate of the next step through the recurrent weights :math:`W_h`. Those paths
multiply by weight matrices, as in a vanilla RNN, and they can explode. This example
measures the full one-step Jacobian
:math:`\partial(h_t, c_t)/\partial(h_{t-1}, c_{t-1})` and its products for LSTMs whose
recurrent weights are scaled up, and shows what happens to the loss gradient.
"""

# %%
# Three LSTMs, one bias
# ---------------------
# All three have the forget bias :math:`b_f = 3` and recurrent weights with entries
# :math:`\mathcal{N}(0, \mathrm{scale}^2/n)` for a recurrent scale of 1, 4 or 8. For each, on 16
# random sequences of 100 steps:
#
# * :meth:`~vgrad.lstm.LSTM.jacobian_log_norms` gives
#   :math:`\log \|\partial(h_T, c_T)/\partial(h_{T-k}, c_{T-k})\|_2`, the full product,
#   computed in log space so that it cannot overflow;
# * :meth:`~vgrad.lstm.LSTM.cell_path_log_gains` gives the cell path alone,
#   :math:`\prod_s f_s` per unit; its largest entry is the norm of that diagonal product;
# * :meth:`~vgrad.lstm.LSTM.backward` gives the gradient that a loss at step T actually
#   sends back, :math:`\|\partial \mathcal L/\partial h_{T-k}\|`.

import matplotlib.pyplot as plt
import numpy as np

from vgrad import clip_by_norm
from vgrad.gru import GRU
from vgrad.lstm import LSTM

T, B, d, n, m = 100, 16, 4, 32, 1
rng = np.random.default_rng(3)
xs = rng.standard_normal((T, B, d))
dL_dy = np.zeros((T, B, m))
dL_dy[-1] = rng.standard_normal((B, m))
scales = [1.0, 4.0, 8.0]
log10 = np.log(10.0)
# sphinx_gallery_start_ignore
assert (B, T, n) == (16, 100, 32) and scales == [1.0, 4.0, 8.0]  # as the text says
# sphinx_gallery_end_ignore

full, cell, grad_ratio, grads = {}, {}, {}, {}
for s in scales:
    net = LSTM.random(d, n, m, np.random.default_rng(11), forget_bias=3.0, recurrent_scale=s)
    trace = net.forward(xs)
    g = net.backward(trace, dL_dy)
    full[s] = np.median(net.jacobian_log_norms(trace), axis=1) / log10
    cell[s] = np.median(net.cell_path_log_gains(trace).max(axis=2), axis=1) / log10
    norms = np.linalg.norm(g.dh[::-1], axis=2) / np.linalg.norm(g.dh[T], axis=1)
    grad_ratio[s] = np.median(norms, axis=1)
    grads[s] = g

k = np.arange(T + 1)
fig, (ax_j, ax_g) = plt.subplots(2, 1, figsize=(6.0, 8.4))
for i, s in enumerate(scales):
    ax_j.plot(k, 10.0 ** full[s], color=f"C{i}", label=f"full Jacobian, scale {s:g}")
    ax_j.plot(k, 10.0 ** cell[s], color=f"C{i}", linestyle="--", label=f"cell path, scale {s:g}")
    ax_g.plot(k, grad_ratio[s], color=f"C{i}", label=f"scale {s:g}")
ax_j.axhline(1.0, color="0.4", linewidth=0.8)
ax_j.set(
    title=r"$\|\partial(h_T, c_T)/\partial(h_{T-k}, c_{T-k})\|_2$ (median)",
    ylabel="norm",
)
ax_g.set(
    title="Gradient sent back by a loss at step T (median)",
    ylabel=r"$\|\partial \mathcal{L}/\partial h_{T-k}\|\ /\ \|\partial \mathcal{L}/\partial h_T\|$",
)
for ax in (ax_j, ax_g):
    ax.set(yscale="log", xlabel="steps back, $k$", xlim=(0, T))
    ax.legend(loc="upper left")
plt.show()

# %%
# The dashed lines never rise above 1, whatever the weights: the cell path is a product of
# numbers in (0, 1). The solid lines include every other path, through :math:`h` and the
# gates; with the larger recurrent weights (scales 4 and 8) they grow with k, and the loss
# gradient ends above the one injected, larger at :math:`k = 100` than at 50. The numbers at
# :math:`k = 100`, as base-10 logarithms:

for s in scales:
    print(
        f"scale {s:g}: full Jacobian {full[s][T]:6.2f}, cell path {cell[s][T]:6.2f}, "
        f"gradient ratio {np.log10(grad_ratio[s][T]):6.2f}"
    )

# sphinx_gallery_start_ignore
for s in scales:
    assert np.all(cell[s] <= 0)  # the dashed lines never rise above 1
for s in (4.0, 8.0):
    assert np.all(np.diff(full[s][::10]) > 0)  # they grow with k (every 10 steps)
    assert grad_ratio[s][T] > 1 and grad_ratio[s][T] > grad_ratio[s][T // 2]
assert full[1.0][T] < full[4.0][T] < full[8.0][T]
# sphinx_gallery_end_ignore

# %%
# The GRU behaves the same way: its direct path :math:`\mathrm{diag}(z_t)` is bounded by 1,
# and the paths through the reset gate and the candidate are not.

gru = GRU.random(d, n, m, np.random.default_rng(11), update_bias=3.0, recurrent_scale=8.0)
gru_trace = gru.forward(xs)
gru_full = np.median(gru.jacobian_log_norms(gru_trace)[T]) / log10
gru_direct = np.median(gru.direct_path_log_gains(gru_trace)[T].max(axis=1)) / log10
print(f"GRU, scale 8, k = 100: full Jacobian {gru_full:6.2f}, direct path {gru_direct:6.2f}")
# sphinx_gallery_start_ignore
assert gru_direct < 0 < 5 < gru_full  # bounded by 1; the other paths explode
# sphinx_gallery_end_ignore

# %%
# Hence clipping
# --------------
# A gated cell removes the *need* for the gradient to pass through a weight matrix at every
# step, not the possibility. When the recurrent weights are large, the parameter gradient
# explodes just as it does for a vanilla RNN, and norm clipping is the same remedy: it
# rescales a whole gradient longer than :math:`\tau` to length :math:`\tau` and keeps its
# direction.
# :func:`vgrad.clip_by_norm` takes the gradients as a list of arrays:

tau = 100.0
for s in scales:
    clipped, norm = clip_by_norm(list(grads[s].params().values()), tau)
    after = np.sqrt(sum(np.sum(a**2) for a in clipped))
    print(f"scale {s:g}: gradient norm {norm:9.3g} -> {after:9.3g} after clipping at {tau:g}")
    # sphinx_gallery_start_ignore
    # scale 1 passes unchanged, the others are cut to tau
    assert np.isclose(after, norm if s == 1.0 else tau, rtol=1e-12) and (norm < tau) == (s == 1.0)
    # sphinx_gallery_end_ignore

# %%
# The healthy gradient (scale 1) passes unchanged; the exploding ones are cut to
# length :math:`\tau`. Clipping cannot do the opposite: the vanishing part of a gradient
# stays vanished, which is why the gate biases of
# :ref:`sphx_glr_auto_examples_05_gated_plot_forget_bias.py` matter.
