r"""The regulariser :math:`\Omega` of Pascanu, Mikolov & Bengio (2013), which asks every step
of a vanilla RNN to preserve the norm of the loss gradient it passes back (:doc:`/remedies`).

With :math:`\bar h_t = \partial\mathcal L/\partial h_t` (``dh`` of :meth:`vgrad.RNN.backward`,
a row vector), :math:`J_t = \operatorname{diag}(\phi'(a_t))\,W_{hh}` and
:math:`\delta_t = \bar h_t \odot \phi'(a_t)`,

.. math::

    \Omega = \sum_{t} \Omega_t, \qquad
    \Omega_t = \Big( \frac{\| \bar h_t J_t \|}{\| \bar h_t \|} - 1 \Big)^2
             = \Big( \frac{\| \delta_t W_{hh} \|}{\| \bar h_t \|} - 1 \Big)^2 ,

each term averaged over the batch (Pascanu et al.'s index k is t - 1). As in their §3.3 and
code, the gradient is taken with respect to :math:`W_{hh}` only, with :math:`\bar h_t` and
:math:`\phi'(a_t)` held constant: the derivative of

.. math::

    \tilde\Omega(W) = \sum_t \operatorname{mean}_b
        \Big( \frac{\| \delta_t W \|}{\| \bar h_t \|} - 1 \Big)^2
    \quad\text{at } W = W_{hh}, \qquad
    \frac{\partial \tilde\Omega}{\partial W} = \sum_{t, b} \delta_t^\top
        \frac{2 (r_t - 1)}{B\, \|u_t\|\, \|\bar h_t\|}\, u_t ,

with :math:`u_t = \delta_t W_{hh}` and :math:`r_t = \|u_t\| / \|\bar h_t\|`. A term whose
:math:`\|\bar h_t\|` is below ``bound`` (default 1e-10, the :math:`10^{-20}` on the squared
norm of Pascanu's code) is skipped: no gradient reaches that step. Unlike that code (ratio of
*squared* norms, divided by the number of terms kept), this module follows the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_real
from .activations import ACTIVATIONS
from .rnn import RNN, RNNGradients, RNNTrace

__all__ = ["Omega", "omega", "omega_terms"]


@dataclass(frozen=True)
class Omega:
    r""":math:`\Omega` (``value``), :math:`\partial\tilde\Omega/\partial W_{hh}` (``W_hh``, shaped
    as :math:`W_{hh}`) and the fraction of the (t, b) terms not skipped (``kept``); ``value``
    and ``kept`` are floats, or one per run for stacked inputs."""

    value: float | np.ndarray
    W_hh: np.ndarray
    kept: float | np.ndarray


def omega_terms(
    W_hh: np.ndarray, dh: np.ndarray, delta: np.ndarray, *, bound: float = 1e-10
) -> Omega:
    r""":math:`\Omega` and :math:`\partial\tilde\Omega/\partial W_{hh}` from ``W_hh`` (..., n, n),
    ``dh`` (..., T + 1, B, n), :math:`\bar h_t` for t = 0..T, and ``delta`` (..., T, B, n),
    :math:`\delta_t` for t = 1..T, with any leading run axes (:meth:`vgrad.RNN.stack`); ``bound``
    as in :func:`omega` (the terms with :math:`\|\bar h_t\|` below it are skipped)."""
    bound = check_real(bound, "bound", nonnegative=True)
    *lead, T, B, n = delta.shape
    u = delta @ W_hh[..., None, :, :]  # u_t = delta_t W_hh, for every t and b at once
    n_dh = np.linalg.norm(dh[..., 1:, :, :], axis=-1)  # (..., T, B)
    n_u = np.linalg.norm(u, axis=-1)
    keep = n_dh >= bound
    safe_dh = np.where(keep, n_dh, 1.0)
    r = np.where(keep, n_u / safe_dh, 1.0)
    value = np.sum((r - 1.0) ** 2, axis=(-2, -1)) / B
    # A zero u_t (only possible with dead units) has no direction: its subgradient 0.
    ok = keep & (n_u > 0)
    c = np.where(ok, 2.0 * (r - 1.0) / (B * np.where(ok, n_u, 1.0) * safe_dh), 0.0)
    V = delta.reshape(*lead, T * B, n)
    CU = (c[..., None] * u).reshape(*lead, T * B, n)
    grad = np.swapaxes(V, -1, -2) @ CU
    kept = keep.mean(axis=(-2, -1))
    if not lead:
        return Omega(float(value), grad, float(kept))
    return Omega(value, grad, kept)


def omega(net: RNN, trace: RNNTrace, grads: RNNGradients, *, bound: float = 1e-10) -> Omega:
    r""":math:`\Omega` of a vanilla RNN at one forward and backward pass, and its simplified
    gradient :math:`\partial\tilde\Omega/\partial W_{hh}` (module docstring).

    Parameters
    ----------
    net : RNN
        One network, or a stack of them (:meth:`vgrad.RNN.stack`).
    trace, grads : RNNTrace, RNNGradients
        From ``net.forward`` and ``net.backward(trace, dL_dy)`` (its ``dh``: :math:`\bar h_t`).
    bound : float, default 1e-10
        Skip the terms whose :math:`\|\bar h_t\|` is below it.

    Returns
    -------
    Omega
    """
    for name, value, kind, what in (
        ("net", net, RNN, "a vgrad RNN"),
        ("trace", trace, RNNTrace, "the RNNTrace of net.forward"),
        ("grads", grads, RNNGradients, "the RNNGradients of net.backward"),
    ):
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    if grads.dh.shape != trace.h.shape:
        raise ValueError(
            f"grads.dh has shape {grads.dh.shape} but trace.h has {trace.h.shape}: "
            "they must come from the same pass"
        )
    delta = slopes(net.activation, trace.a, trace.h) * grads.dh[..., 1:, :, :]
    return omega_terms(net.W_hh, grads.dh, delta, bound=bound)


def slopes(activation, a: np.ndarray, h: np.ndarray) -> np.ndarray:
    r""":math:`\phi'(a_t)` for t = 1..T (``h`` has the T + 1 states, run axes first)."""
    if activation == ACTIVATIONS["tanh"]:
        return 1.0 - np.square(h[..., 1:, :, :])  # as RNN.backward: 1 - h^2
    return activation.df(a)
