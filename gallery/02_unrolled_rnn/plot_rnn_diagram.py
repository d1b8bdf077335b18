r"""
The unrolled recurrent network
==============================

A recurrent network applies the same update at every step,
:math:`h_t = \phi(W_{xh} x_t + W_{hh} h_{t-1} + b_h)`, :math:`y_t = W_{hy} h_t + b_y`.
Written out over a sequence of length :math:`T` it becomes a feed-forward network with
:math:`T` hidden layers, one per time step, plus a loss layer that every step feeds.
This example draws that graph with matplotlib: the forward pass, the backward pass that
carries the loss gradient back through time, and the comparison with an ordinary deep
network.
"""

# %%
# Drawing
# -------
# Boxes are the vectors of the computation, arrows the matrices that connect them. Solid
# dark arrows are the forward pass; dashed blue arrows are the backward pass, which runs
# every forward arrow but the input's in reverse. The recurrent matrix is drawn in vermilion
# on the forward arrows, which are also thicker, and line style (solid or dashed) tells
# forward from backward without the colours. The drawing comes from ``vgrad.diagram``, a few
# small functions on top of matplotlib's patches.
#
# The initial state :math:`h_0` and steps 1 and 2 are drawn, then an ellipsis, then the
# last step :math:`T`. Reading upwards in each column: the input :math:`x_t` enters
# through :math:`W_{xh}`, the hidden state :math:`h_t` also receives :math:`h_{t-1}`
# through :math:`W_{hh}`, the output :math:`y_t = W_{hy} h_t + b_y` is compared with its
# target in the loss :math:`\mathcal L_t`, and the loss layer adds the per-step losses.

import matplotlib.pyplot as plt

from vgrad.diagram import layer_row, unrolled_rnn

fig, ax = plt.subplots(figsize=(6.2, 6.6))
handles = unrolled_rnn(ax)
fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=11)
fig.suptitle("An RNN unrolled over T time steps:\nforward pass and backpropagation through time")
plt.show()

# %%
# The backward pass starts at the loss layer. Every :math:`h_t` between :math:`h_0` and
# :math:`h_T` collects gradient from two places: its own output, and :math:`h_{t+1}`,
# through the Jacobian
# :math:`\partial h_{t+1} / \partial h_t = \mathrm{diag}(\phi'(a_{t+1}))\, W_{hh}`. Going
# from :math:`h_T` back to :math:`h_{T-k}` therefore multiplies by :math:`k` such
# Jacobians, all containing the *same* :math:`W_{hh}`.

# %%
# Counting the products
# ---------------------
# The gradient that reaches :math:`h_{T-k}` from the loss at step :math:`T` has crossed
# :math:`k` dashed horizontal arrows, and each of them multiplies by one Jacobian. The
# loss at step :math:`s` reaches :math:`h_t` through :math:`s - t` of them, so the total
# gradient at :math:`h_t` is a sum over the losses of steps :math:`\max(t, 1)` to
# :math:`T`, each term carrying its own product. For :math:`T = 4`, writing ``dLs/dhs``
# for the direct term :math:`\partial \mathcal L_s / \partial h_s
# = (\partial \mathcal L_s / \partial y_s)\, W_{hy}`:

T = 4
for t in range(T, -1, -1):
    terms = [
        f"dL{s}/dh{s}" + "".join(f" J{u}" for u in range(s, t, -1)) for s in range(max(t, 1), T + 1)
    ]
    print(f"dL/dh{t} = " + " + ".join(terms))

# sphinx_gallery_start_ignore
assert terms[-1].count(" J") == T  # the longest product, for h_0, has T factors
# sphinx_gallery_end_ignore

# %%
# Here ``Ju`` stands for :math:`\mathrm{diag}(\phi'(a_u))\, W_{hh}` and the gradients are
# row vectors, so the products read from left to right along the backward pass. The
# longest product, for :math:`h_0`, has :math:`T` factors.

# %%
# The same picture as a deep network
# ----------------------------------
# Lay the hidden states in a row and the unrolled network is a stack of :math:`T`
# layers, like the deep network of :doc:`/deep_networks` (the lower row leaves out the
# outputs and draws only the loss of the last step, though every step has one). Two
# further things differ: every layer receives an input of its own, and every layer uses
# the same matrix. In the deep network the backward pass multiplies by
# :math:`\mathrm{diag}(\phi'(z_l))\, W_l` with a different :math:`W_l` each time; in the
# recurrent network by :math:`\mathrm{diag}(\phi'(a_t))\, W_{hh}`: the same :math:`W_{hh}`
# every time, between diagonal matrices that change from step to step.

fig, (ax_ff, ax_rnn) = plt.subplots(
    2, 1, figsize=(6.2, 5.6), gridspec_kw={"height_ratios": [2.5, 3.15]}
)
layer_row(ax_ff, "deep")
layer_row(ax_rnn, "rnn")
ax_ff.set_title("Deep network: a different weight matrix in every layer")
ax_rnn.set_title("Unrolled RNN: one recurrent matrix in every layer,\nand an input at each")
plt.show()

# %%
# With a different matrix in every layer, the product of :math:`L` layer Jacobians can be
# steered by the initialisation of each layer. With one shared matrix the product
# contains :math:`W_{hh}` :math:`k` times. With the identity activation it is the
# power :math:`W_{hh}^k`, governed by how powers of a single matrix behave (the scalar
# case: :ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_scalar_powers.py`); with tanh
# the slopes between the factors can change its rate, which the eigenvalues of
# :math:`W_{hh}` then do not fix
# (:ref:`sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py` measures both).

# sphinx_gallery_thumbnail_number = 1
