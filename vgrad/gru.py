r"""A gated recurrent unit and backpropagation through time.

.. math::

    \begin{aligned}
    z_t &= \sigma(W^z_x x_t + W^z_h h_{t-1} + b^z), \qquad
    r_t = \sigma(W^r_x x_t + W^r_h h_{t-1} + b^r),\\
    \tilde h_t &= \tanh\big(W^{\tilde h}_x x_t + W^{\tilde h}_h (r_t \odot h_{t-1})
        + b^{\tilde h}\big),\\
    h_t &= (1 - z_t) \odot \tilde h_t + z_t \odot h_{t-1}, \qquad y_t = W_{hy} h_t + b_y .
    \end{aligned}

This is the variant of Cho et al. (2014): the reset gate multiplies the state *before* the
recurrent weights (PyTorch and cuDNN apply it after, to :math:`W_h h_{t-1} + b_h`, and order
the blocks (r, z, n)). The update gate :math:`z_t` weighs the old state, so the direct
backward path :math:`h_t \to h_{t-1}` multiplies by :math:`\operatorname{diag}(z_t)` and by no
weight matrix: :math:`z_t` near 1 plays the part of the LSTM's forget gate. Derived in
:doc:`/gated` (equations :eq:`gated-gru` and :eq:`gated-gru-backward`). The stacked blocks
are named as the gates, ``GATES = ("z", "r", "h_tilde")``: the candidate's weights are
:math:`W^{\tilde h}_x, W^{\tilde h}_h` (``W_h_tilde`` in the code), and
:math:`q_t = r_t \odot h_{t-1}` is the reset state they multiply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ._cells import (
    GatedCell,
    GatedTraceBase,
    GradientsBase,
    gate,
    gate_blocks,
)
from ._runs import (
    column_blocks,
    columns,
    per_run,
    readout,
    readout_backward,
    run_first,
    time_first,
    work_array,
)
from ._validate import as_float_array, check_real, check_rng, check_sizes
from .activations import _sigmoid_from_tanh, sigmoid

__all__ = ["GRU", "GRUGradients", "GRUTrace", "backward_runs", "forward_runs"]

PARAMS = ("W_x", "W_h", "b", "W_hy", "b_y")
#: Order of the three blocks in the stacked ``W_x``, ``W_h``, ``b``, ``a`` and ``gates``.
GATES = ("z", "r", "h_tilde")


@dataclass(frozen=True)
class GRUTrace(GatedTraceBase):
    r"""Everything the forward pass computed, kept for the backward pass.

    Attributes
    ----------
    xs : ndarray, shape (T, B, d)
        The inputs.
    h : ndarray, shape (T + 1, B, n)
        Hidden states; ``h[0]`` is :math:`h_0`.
    a : ndarray, shape (T, B, 3n)
        Pre-activations of :math:`(z_t, r_t, \tilde h_t)` (``a[t - 1]``); the last block
        includes :math:`W^{\tilde h}_h (r_t \odot h_{t-1})`.
    gates : ndarray, shape (T, B, 3n)
        :math:`(z_t, r_t, \tilde h_t)`; also as ``z``, ``r``, ``h_tilde`` (each (T, B, n)).
    y : ndarray, shape (T, B, m)
        Outputs; ``y[t - 1]`` is :math:`y_t`.
    """

    xs: np.ndarray
    h: np.ndarray
    a: np.ndarray
    gates: np.ndarray
    y: np.ndarray

    z = gate(0, r"Update gate :math:`z_t`, shape (T, B, n).")
    r = gate(1, r"Reset gate :math:`r_t`, shape (T, B, n).")
    h_tilde = gate(2, r"Candidate state :math:`\tilde h_t`, shape (T, B, n).")


@dataclass(frozen=True)
class GRUGradients(GradientsBase):
    r"""Gradients of a loss with respect to the parameters and to every hidden state.

    Attributes
    ----------
    W_x, W_h, b, W_hy, b_y : ndarray
        :math:`\partial\mathcal L/\partial \theta`, same shapes as the parameters.
    dh : ndarray, shape (T + 1, B, n)
        ``dh[t]`` is the total derivative :math:`\partial\mathcal L/\partial h_t` (every path).
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray

    PARAMS: ClassVar[tuple[str, ...]] = PARAMS


class GRU(GatedCell):
    r"""Gated recurrent unit (Cho et al. 2014 variant) with a linear read-out.

    .. math::

        h_t = (1 - z_t) \odot \tilde h_t + z_t \odot h_{t-1}, \quad y_t = W_{hy} h_t + b_y .

    Parameters
    ----------
    W_x : ndarray, shape (3n, d)
        Input weights, blocks stacked in the order (z, r, h_tilde).
    W_h : ndarray, shape (3n, n)
        Recurrent weights, same order; the candidate block multiplies
        :math:`r_t \odot h_{t-1}`.
    b : ndarray, shape (3n,)
        Biases, same order; ``b[:n]`` is the update-gate bias :math:`b_z`.
    W_hy : ndarray, shape (m, n)
    b_y : ndarray, shape (m,)

    Notes
    -----
    :math:`h_t` is a convex combination of :math:`h_{t-1}` and a value in (-1, 1), so the
    state stays bounded and the forward pass cannot overflow. See :doc:`/gated`.
    """

    PARAMS = PARAMS
    GATES = GATES
    TRACE = GRUTrace

    @classmethod
    def random(
        cls,
        d: int,
        n: int,
        m: int,
        rng: np.random.Generator | int,
        *,
        update_bias: float = 0.0,
        input_scale: float = 1.0,
        recurrent_scale: float = 1.0,
    ) -> GRU:
        r"""Random GRU: Gaussian weights, zero biases except :math:`b_z` = ``update_bias``.

        Same scales as :meth:`vgrad.lstm.LSTM.random`. A positive update bias starts
        :math:`z_t` near :math:`\sigma(b_z)`, so the direct path keeps about that fraction of
        the gradient per step, less on average while the gate fluctuates, as for the LSTM.
        """
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        update_bias = check_real(update_bias, "update_bias")
        input_scale = check_real(input_scale, "input_scale", nonnegative=True)
        recurrent_scale = check_real(recurrent_scale, "recurrent_scale", nonnegative=True)
        return cls._random(d, n, m, rng, input_scale, recurrent_scale, {"z": update_bias})

    # -- forward ------------------------------------------------------------------------

    def forward(self, xs: np.ndarray, h0: np.ndarray | None = None) -> GRUTrace:
        r"""Run the cell over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (T, B, d)
            Inputs, time first.
        h0 : ndarray, shape (B, n) or (n,), optional
            Initial state (zeros by default); a vector is broadcast over the batch.

        Returns
        -------
        GRUTrace
        """
        xs, h = self._states(xs, h0=h0)
        T, _, n = h[1:].shape
        a = xs @ self.W_x.T + self.b  # the input part of every step in one product
        gates = np.empty_like(a)
        W_zr_T = self.W_h[: 2 * n].T
        W_h_tilde_T = self.W_h[2 * n :].T
        for t in range(T):
            a[t][:, : 2 * n] += h[t] @ W_zr_T
            gates[t][:, : 2 * n] = sigmoid(a[t][:, : 2 * n])
            z, r = gates[t][:, :n], gates[t][:, n : 2 * n]
            a[t][:, 2 * n :] += (r * h[t]) @ W_h_tilde_T
            h_tilde = gates[t][:, 2 * n :]
            h_tilde[:] = np.tanh(a[t][:, 2 * n :])
            h[t + 1] = (1.0 - z) * h_tilde + z * h[t]
        y = h[1:] @ self.W_hy.T + self.b_y
        return GRUTrace(xs=xs, h=h, a=a, gates=gates, y=y)

    # -- backward -----------------------------------------------------------------------

    def backward(self, trace: GRUTrace, dL_dy: np.ndarray) -> GRUGradients:
        r"""Backpropagation through time.

        With the row vectors :math:`\bar h_t = \partial\mathcal L/\partial h_t`,
        :math:`\delta^{\tilde h}_t = \bar h_t \odot (1 - z_t) \odot (1 - \tilde h_t^2)` and
        :math:`\bar q_t = \delta^{\tilde h}_t W^{\tilde h}_h`, the gradient reaching the
        reset state :math:`q_t = r_t \odot h_{t-1}`:

        .. math::

            \bar h_{t-1} = \frac{\partial\mathcal L_{t-1}}{\partial y_{t-1}} W_{hy}
                + \bar h_t \odot z_t + \bar q_t \odot r_t
                + \delta^z_t W^z_h + \delta^r_t W^r_h,

        :math:`\delta^z_t = \bar h_t \odot (h_{t-1} - \tilde h_t) \odot \sigma'(a^z_t)`,
        :math:`\delta^r_t = \bar q_t \odot h_{t-1} \odot \sigma'(a^r_t)`. The term
        :math:`\bar h_t \odot z_t` is the direct path (:eq:`gated-gru-backward` of
        :doc:`/gated`).

        Parameters
        ----------
        trace : GRUTrace
            The result of :meth:`forward`.
        dL_dy : ndarray, shape (T, B, m)
            Upstream gradient :math:`\partial\mathcal L/\partial y_t`.

        Returns
        -------
        GRUGradients
        """
        T, B, n = self._check_trace(trace)
        m = self.W_hy.shape[0]
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(T, B, m))
        z, r, h_tilde = trace.z, trace.r, trace.h_tilde
        h_prev = trace.h[:-1]
        W_h_tilde = self.W_h[2 * n :]
        dh_out = dL_dy @ self.W_hy
        dh = np.empty((T + 1, B, n))
        delta = np.empty((T, B, 3 * n))
        carry = np.zeros((B, n))  # dL/dh_t through step t + 1
        Z, RESET, H_TILDE = gate_blocks(n, 3)  # slices of the blocks (R is the runs)
        # Local derivatives that do not depend on the recursion, for all steps at once.
        d_h_tilde = (1.0 - z) * (1.0 - h_tilde**2)
        d_z = (h_prev - h_tilde) * z * (1.0 - z)
        d_r = h_prev * r * (1.0 - r)
        W_zr = self.W_h[: 2 * n]
        for t in range(T, 0, -1):
            s = t - 1
            dh[t] = dh_out[s] + carry
            delta[s][:, H_TILDE] = dh[t] * d_h_tilde[s]
            dq = delta[s][:, H_TILDE] @ W_h_tilde  # the adjoint of q_t = r_t * h_{t-1}
            delta[s][:, Z] = dh[t] * d_z[s]
            delta[s][:, RESET] = dq * d_r[s]
            carry = dh[t] * z[s] + dq * r[s] + delta[s][:, : 2 * n] @ W_zr
        dh[0] = carry
        flat = delta.reshape(T * B, 3 * n)
        h_flat = h_prev.reshape(T * B, n)
        q_flat = (r * h_prev).reshape(T * B, n)
        return GRUGradients(
            W_x=flat.T @ trace.xs.reshape(T * B, -1),
            W_h=np.concatenate([flat[:, : 2 * n].T @ h_flat, flat[:, 2 * n :].T @ q_flat]),
            b=delta.sum(axis=(0, 1)),
            W_hy=dL_dy.reshape(T * B, m).T @ trace.h[1:].reshape(T * B, n),
            b_y=dL_dy.sum(axis=(0, 1)),
            dh=dh,
        )

    # -- Jacobians ----------------------------------------------------------------------

    def direct_path_jacobians(self, trace: GRUTrace) -> np.ndarray:
        r"""The direct path :math:`h_t \to h_{t-1}` through the update gate,
        :math:`\operatorname{diag}(z_t)`.

        Returns
        -------
        ndarray, shape (T, B, n)
            The diagonals: ``[t - 1]`` is :math:`z_t` (a copy).
        """
        self._check_trace(trace)
        return trace.z.copy()

    def direct_path_log_gains(self, trace: GRUTrace, t: int | None = None) -> np.ndarray:
        r"""Log of the direct path over k steps, :math:`\sum_{s=t-k+1}^{t} \log z_s`, per unit.

        Computed as :math:`\log\sigma(a^z_s)`, finite even where :math:`z_s` underflows.

        Returns
        -------
        ndarray, shape (t + 1, B, n)
        """
        return self._gate_log_gains(trace, t, GATES.index("z"), "direct_path_log_gains")

    def step_jacobians(self, trace: GRUTrace) -> np.ndarray:
        r"""All one-step Jacobians :math:`\partial h_t/\partial h_{t-1}`.

        .. math::

            J_t = \operatorname{diag}(z_t)
              + \operatorname{diag}\big((h_{t-1} - \tilde h_t) \odot \sigma'(a^z_t)\big) W^z_h
              + \operatorname{diag}\big((1 - z_t) \odot (1 - \tilde h_t^2)\big)\,
                W^{\tilde h}_h \big(\operatorname{diag}(r_t)
                + \operatorname{diag}(h_{t-1} \odot \sigma'(a^r_t)) W^r_h\big).

        The first term is the direct path (:meth:`direct_path_jacobians`).

        Returns
        -------
        ndarray, shape (T, B, n, n)
            ``[t - 1]`` is :math:`J_t`.
        """
        return super().step_jacobians(trace)

    def _step_jacobian(self, trace: GRUTrace, s: int) -> np.ndarray:
        """The Jacobian of step s + 1, shape (B, n, n)."""
        W_z, W_r, W_h_tilde = np.split(self.W_h, 3, axis=0)
        z, r, h_tilde, h_prev = trace.z[s], trace.r[s], trace.h_tilde[s], trace.h[s]
        dq_dh = r[:, None, :] * W_h_tilde + W_h_tilde @ ((h_prev * r * (1.0 - r))[:, :, None] * W_r)
        J = ((h_prev - h_tilde) * z * (1.0 - z))[:, :, None] * W_z
        J += ((1.0 - z) * (1.0 - h_tilde**2))[:, :, None] * dq_dh
        diag = np.arange(z.shape[1])
        J[:, diag, diag] += z
        return J


# -- many GRUs at once ----------------------------------------------------------------------


def forward_runs(
    params: dict[str, np.ndarray], xs: np.ndarray, work: dict[str, np.ndarray] | None = None
) -> GRUTrace:
    r""":meth:`GRU.forward` for R cells at once, from zero states (:class:`vgrad.GRUStack`).

    Every parameter carries a leading run axis, ``xs`` has shape (T, B, d) or (R, T, B, d),
    and every array of the returned trace has the run axis first (``trace.z[r]`` is the
    update gate of run r). The arithmetic is that of
    :meth:`GRU.forward`, run by run, except that :math:`z_t` and :math:`r_t` come from one
    ``tanh``, :math:`\sigma(a) = \tfrac12 + \tfrac12 \tanh(a/2)` (within a few 1e-16 of
    :func:`vgrad.sigmoid`), each pre-activation is one product with the input and bias
    included, and the update is evaluated as
    :math:`h_t = \tilde h_t + z_t \odot (h_{t-1} - \tilde h_t)`. Layout and ``work`` as in
    :func:`vgrad.lstm.forward_runs`.
    """
    W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
    W_hy, b_y = params["W_hy"], params["b_y"]
    R, n = W_h.shape[0], W_h.shape[2]
    T, B = xs.shape[-3], xs.shape[-2]
    ZR, H_TILDE = slice(0, 2 * n), slice(2 * n, 3 * n)
    # The weights of z and r halved (exactly), so that one tanh gives both gates.
    W = np.concatenate([W_h, W_x, b[:, :, None]], axis=2)  # (W_h, W_x, b) side by side
    W_zr = 0.5 * W[:, ZR]
    W_h_tilde = W[:, H_TILDE]
    # Column t of hx is (h_t, x_{t+1}, 1), column t of qx is (q_{t+1}, x_{t+1}, 1).
    hx = columns(work, "hx", xs, n, R, T + 1)
    hx[0, :n] = 0.0
    qx = columns(work, "qx", xs, n, R, T)
    u = work_array(work, "a", (T, 3 * n, R, B))
    gates = work_array(work, "gates", (T, 3 * n, R, B))
    for t in range(T):
        np.matmul(W_zr, per_run(hx[t]), out=per_run(u[t, ZR]))  # a^{z,r}_t / 2, one per run
        _sigmoid_from_tanh(np.tanh(u[t, ZR], out=gates[t, ZR]))
        z, r, h_tilde = gates[t, :n], gates[t, n : 2 * n], gates[t, H_TILDE]
        np.multiply(r, hx[t, :n], out=qx[t, :n])
        np.matmul(W_h_tilde, per_run(qx[t]), out=per_run(u[t, H_TILDE]))
        np.tanh(u[t, H_TILDE], out=h_tilde)
        h = np.subtract(hx[t, :n], h_tilde, out=hx[t + 1, :n])
        h *= z
        h += h_tilde
    u[:, ZR] *= 2.0  # a_t, exactly
    h = hx[:, :n]
    y = readout(work, h, W_hy, b_y)
    return GRUTrace(xs=xs, h=run_first(h), a=run_first(u), gates=run_first(gates), y=y)


def backward_runs(
    params: dict[str, np.ndarray],
    trace: GRUTrace,
    dL_dy: np.ndarray,
    work: dict[str, np.ndarray] | None = None,
) -> GRUGradients:
    r""":meth:`GRU.backward` for R cells at once: the trace of :func:`forward_runs`,
    ``dL_dy`` of shape (R, T, B, m); every gradient has the run axis first.

    The recursion runs time first; the local derivatives of every step are computed before
    it, in one array ``D`` (T, 3, n, R, B) whose z and h_tilde blocks multiply
    :math:`\bar h_t` and whose r block multiplies :math:`\bar q_t`; the weight gradients are
    summed as the recursion goes. ``work`` as in :func:`forward_runs` (it overwrites ``dh``).
    """
    W_h, W_hy = params["W_h"], params["W_hy"]
    R, T, B, n = trace.h.shape[0], trace.h.shape[1] - 1, trace.h.shape[2], trace.h.shape[3]
    gates = time_first(trace.gates).reshape(T, 3, n, R, B)
    z, r, h_tilde = (gates[:, j] for j in range(3))
    h = time_first(trace.h)
    h_prev = h[:-1]
    D = np.subtract(1.0, gates, out=work_array(work, "D", (T, 3, n, R, B)))
    D *= gates  # sigma (1 - sigma): sigma' for z, r; block h_tilde is overwritten
    D[:, 0] *= h_prev - h_tilde
    D[:, 1] *= h_prev
    np.square(h_tilde, out=D[:, 2])
    np.subtract(1.0, D[:, 2], out=D[:, 2])
    D[:, 2] *= 1.0 - z
    # The columns of the forward pass: (h_{t-1}, x_t, 1) and (q_t, x_t, 1).
    hx = columns(work, "hx_back", trace.xs, n, R, T)
    hx[:, :n] = h_prev
    qx = columns(work, "qx_back", trace.xs, n, R, T)
    np.multiply(r, h_prev, out=qx[:, :n])
    W_zr_T = np.ascontiguousarray(W_h[:, : 2 * n].transpose(0, 2, 1))
    W_h_tilde_T = np.ascontiguousarray(W_h[:, 2 * n :].transpose(0, 2, 1))
    dh = work_array(work, "dh", (T + 1, n, R, B))
    dh[0] = 0.0
    dW_hy, db_y = readout_backward(dL_dy, W_hy, h, dh)  # and the direct paths y_t -> h_t
    delta = np.empty((3, n, R, B))
    delta_zr = per_run(delta[:2].reshape(2 * n, R, B))  # (R, 2n, B)
    delta_h_tilde = per_run(delta[2])
    dq = np.empty((n, R, B))  # the adjoint of q_t = r_t * h_{t-1}
    recurrent = np.empty((n, R, B))
    k = hx.shape[1]
    grad_zr, grad_h_tilde = np.zeros((R, 2 * n, k)), np.zeros((R, n, k))
    term_zr, term_h_tilde = np.empty_like(grad_zr), np.empty_like(grad_h_tilde)
    for t in range(T, 0, -1):
        s = t - 1
        np.multiply(dh[t], D[s, ::2], out=delta[::2])  # blocks z and h_tilde
        np.matmul(W_h_tilde_T, delta_h_tilde, out=per_run(dq))
        np.multiply(dq, D[s, 1], out=delta[1])
        np.matmul(W_zr_T, delta_zr, out=per_run(recurrent))
        dh[s] += recurrent
        np.multiply(dh[t], z[s], out=recurrent)  # the direct path
        dh[s] += recurrent
        np.multiply(dq, r[s], out=recurrent)
        dh[s] += recurrent
        np.matmul(delta_zr, per_run(hx[s]).swapaxes(1, 2), out=term_zr)
        grad_zr += term_zr
        np.matmul(delta_h_tilde, per_run(qx[s]).swapaxes(1, 2), out=term_h_tilde)
        grad_h_tilde += term_h_tilde
    grad = np.concatenate([grad_zr, grad_h_tilde], axis=1)  # dL/d(W_h, W_x, b)
    return GRUGradients(
        **column_blocks(grad, n),
        W_hy=dW_hy,
        b_y=db_y,
        dh=run_first(dh),
    )
