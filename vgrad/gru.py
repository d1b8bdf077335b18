r"""A gated recurrent unit, :class:`~vgrad.GRU`, and backpropagation through time.

The variant of Cho et al. (2014): the reset gate multiplies the state *before* the recurrent
weights (PyTorch and cuDNN apply it after, and order the blocks (r, z, n)). The direct backward
path :math:`h_t \to h_{t-1}` multiplies by :math:`\operatorname{diag}(z_t)` and by no weight
matrix: :math:`z_t` near 1 plays the part of the LSTM's forget gate. Derived in :doc:`/gated`
(:eq:`gated-gru`, :eq:`gated-gru-backward`). In the code :math:`W^{\tilde h}` is
``W_h_tilde``, and :math:`q_t = r_t \odot h_{t-1}` is the reset state it multiplies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._cells import GatedCell, GatedGradients, GatedTrace, Seed, Work, gate, per_run, work_array
from .activations import _sigmoid_from_tanh

__all__ = ["GRU", "GRUGradients", "GRUTrace"]

PARAMS = GatedGradients.PARAMS
#: Order of the three blocks in the stacked ``W_x``, ``W_h``, ``b``, ``a`` and ``gates``.
GATES = ("z", "r", "h_tilde")


@dataclass(frozen=True)
class GRUTrace(GatedTrace):
    r"""Everything :meth:`GRU.forward` computed, kept for :meth:`GRU.backward`.

    Attributes
    ----------
    a, gates : ndarray, shape (T, B, 3n)
        Pre-activations and values of :math:`(z_t, r_t, \tilde h_t)` (``[t - 1]``); the gates
        also as ``z``, ``r``, ``h_tilde``, each (T, B, n). The last block of ``a`` includes
        :math:`W^{\tilde h}_h (r_t \odot h_{t-1})`.
    xs, h, y : ndarray, shapes (T, B, d), (T + 1, B, n), (T, B, m)
        As in :class:`vgrad.RNNTrace`, and so is the run axis: ``trace.z[r]`` is run r's
        update gate.
    """

    z, r, h_tilde = map(gate, range(3), ("update gate", "reset gate", "candidate state"))


class GRUGradients(GatedGradients):
    """Gradients of a loss with respect to the parameters and to every hidden state.

    Attributes
    ----------
    W_x, W_h, b, W_hy, b_y, dh : ndarray, shaped as the parameters; dh (T + 1, B, n)
        As in :class:`vgrad.RNNGradients`, for this cell's parameters.
    """


class GRU(GatedCell):
    r"""Gated recurrent unit (Cho et al. 2014 variant) with a linear read-out.

    .. math::

        \begin{aligned}
        z_t &= \sigma(W^z_x x_t + W^z_h h_{t-1} + b^z), \qquad
        r_t = \sigma(W^r_x x_t + W^r_h h_{t-1} + b^r),\\
        \tilde h_t &= \tanh\big(W^{\tilde h}_x x_t + W^{\tilde h}_h (r_t \odot h_{t-1})
            + b^{\tilde h}\big),\\
        h_t &= (1 - z_t) \odot \tilde h_t + z_t \odot h_{t-1}, \qquad y_t = W_{hy} h_t + b_y .
        \end{aligned}

    :math:`h_t` is a convex combination of :math:`h_{t-1}` and a value in (-1, 1), so the
    state stays bounded and the forward pass cannot overflow. See :doc:`/gated`.

    Parameters
    ----------
    W_x, W_h, b, W_hy, b_y : ndarray, shapes (3n, d), (3n, n), (3n,), (m, n), (m,)
        Input and recurrent weights and biases, blocks stacked in the order (z, r, h_tilde)
        (``b[:n]`` is the update-gate bias :math:`b_z`; the candidate block of ``W_h``
        multiplies :math:`r_t \odot h_{t-1}`), and the read-out; all copied to float64, each
        with a leading run axis R or none (:meth:`stack`).
    """

    GATES = GATES
    TRACE = GRUTrace
    GRADIENTS = GRUGradients

    @classmethod
    def random(
        cls, d: int, n: int, m: int, rng: Seed, *, update_bias: float = 0.0, **scales: float
    ) -> GRU:
        r"""Random GRU: Gaussian weights, zero biases except :math:`b_z` = ``update_bias``.

        ``scales``: ``input_scale`` and ``recurrent_scale`` (default 1), which scale
        :math:`W_x` and :math:`W_h` as in :meth:`vgrad.LSTM.random`. A positive update bias
        starts :math:`z_t` near :math:`\sigma(b_z)`, so the direct path keeps about that
        fraction of the gradient per step, less while the gates fluctuate (as for the LSTM).
        """
        return cls._random(d, n, m, rng, "z", "update_bias", update_bias, scales)

    def forward(
        self, xs: np.ndarray, h0: np.ndarray | None = None, *, work: Work | None = None
    ) -> GRUTrace:
        r"""Run the cell, :eq:`gated-gru` of :doc:`/gated`, with the update evaluated as
        :math:`h_t = \tilde h_t + z_t \odot (h_{t-1} - \tilde h_t)`; ``xs``, ``h0``, ``work`` as
        in :meth:`vgrad.RNN.forward`."""
        xs, hx, W, a, gates = self._forward_start(xs, h0, work)
        (T, _, R, B), n = a.shape, self.W_h.shape[-1]
        qx = self._columns(work, "qx", xs, T)  # column t - 1: (q_t, x_t, 1), q_t = r_t h_{t-1}
        # The rows of z and r halved (exactly), so that one tanh gives both gates,
        # sigma(a) = 1/2 + tanh(a/2)/2, as in LSTM.forward.
        W_zr, W_h_tilde = 0.5 * W[:, : 2 * n], W[:, 2 * n :]
        # Views made once, indexed by step; as in LSTM.forward, gates[t] holds z_{t+1}, r_{t+1}:
        a_zr, a_h_tilde, zr = a[:, : 2 * n], a[:, 2 * n :], gates[:, : 2 * n]
        z, r, h_tilde = gates.reshape(T, 3, n, R, B).swapaxes(0, 1)  # each (T, n, R, B)
        a_zr_runs, a_h_tilde_runs = per_run(a_zr), per_run(a_h_tilde)
        h, q, hx_runs, qx_runs = hx[:, :n], qx[:, :n], per_run(hx), per_run(qx)
        with np.errstate(all="ignore"):  # a diverged run of a stack fails alone, in training
            for t in range(T):
                np.matmul(W_zr, hx_runs[t], out=a_zr_runs[t])  # a^{z,r}_{t+1} / 2
                _sigmoid_from_tanh(np.tanh(a_zr[t], out=zr[t]))
                np.multiply(r[t], h[t], out=q[t])
                np.matmul(W_h_tilde, qx_runs[t], out=a_h_tilde_runs[t])
                np.tanh(a_h_tilde[t], out=h_tilde[t])
                h_t = np.subtract(h[t], h_tilde[t], out=h[t + 1])
                h_t *= z[t]
                h_t += h_tilde[t]
        a[:, : 2 * n] *= 2.0  # a_t, exactly
        return self._trace(work, xs, h=h, a=a, gates=gates)

    def backward(
        self, trace: GRUTrace, dL_dy: np.ndarray, *, work: Work | None = None
    ) -> GRUGradients:
        r"""Backpropagation through time, :eq:`gated-gru-backward` of :doc:`/gated`; ``trace``,
        ``dL_dy``, ``work`` as in :meth:`vgrad.RNN.backward`.

        From the last step down, with the total derivatives (rows) :math:`\bar h_t, \bar q_t` by
        :math:`h_t` and :math:`q_t = r_t \odot h_{t-1}`, and :math:`D_t` of :func:`local_slopes`:

        .. math::

            \delta^z_t = \bar h_t \odot D^z_t, \quad
            \delta^{\tilde h}_t = \bar h_t \odot D^{\tilde h}_t, \quad
            \bar q_t = \delta^{\tilde h}_t W^{\tilde h}_h, \quad \delta^r_t = \bar q_t \odot D^r_t,
            \\ \bar h_{t-1} = \frac{\partial\mathcal L_{t-1}}{\partial y_{t-1}} W_{hy}
            + \bar h_t \odot z_t + \bar q_t \odot r_t + \delta^z_t W^z_h + \delta^r_t W^r_h.
        """
        h, gates, hx, dh, readout = self._backward_start(trace, dL_dy, work)
        T, n, R, B = dh[1:].shape
        gates = gates.reshape(T, 3, n, R, B)
        z, r, D = gates[:, 0], gates[:, 1], local_slopes(gates, h, work)
        qx = self._columns(work, "qx_back", trace.xs, T, r * h[:-1])  # column t - 1: (q_t, x_t, 1)
        W_h = self.W_h.reshape(R, 3 * n, n)
        W_zr_T = np.ascontiguousarray(W_h[:, : 2 * n].transpose(0, 2, 1))
        W_h_tilde_T = np.ascontiguousarray(W_h[:, 2 * n :].transpose(0, 2, 1))
        delta, dq, recurrent = np.empty((3, n, R, B)), np.empty((n, R, B)), np.empty((n, R, B))
        delta_zr, delta_h_tilde = per_run(delta[:2].reshape(2 * n, R, B)), per_run(delta[2])
        grad_zr, term_zr = np.zeros((2, R, 2 * n, hx.shape[1]))  # dL/d(W_h, W_x, b) of z, r
        grad_h_tilde, term_h = np.zeros((2, R, n, hx.shape[1]))  # apart: a += on its own array
        # costs 1.9 us, on a block of one (R, 3n, k) array 5.3
        # Views made once, indexed by step in the loop, as in LSTM.backward:
        D_z_h_tilde, D_r, delta_z_h_tilde = D[:, ::2], D[:, 1], delta[::2]
        dq_run, recurrent_run = per_run(dq), per_run(recurrent)
        hx_rows, qx_rows = hx.transpose(0, 2, 3, 1), qx.transpose(0, 2, 3, 1)  # (T, R, B, k)
        for t in range(T, 0, -1):
            s = t - 1
            np.multiply(dh[t], D_z_h_tilde[s], out=delta_z_h_tilde)  # blocks z and h_tilde
            np.matmul(W_h_tilde_T, delta_h_tilde, out=dq_run)  # q̄_t
            np.multiply(dq, D_r[s], out=delta[1])
            dh[s] += per_run(np.matmul(W_zr_T, delta_zr, out=recurrent_run))
            dh[s] += np.multiply(dh[t], z[s], out=recurrent)  # the direct path
            dh[s] += np.multiply(dq, r[s], out=recurrent)
            grad_zr += np.matmul(delta_zr, hx_rows[s], out=term_zr)
            grad_h_tilde += np.matmul(delta_h_tilde, qx_rows[s], out=term_h)
        grad = np.concatenate([grad_zr, grad_h_tilde], axis=1)
        return self._gradients(grad, readout, dh=dh)

    def direct_path_jacobians(self, trace: GRUTrace) -> np.ndarray:
        r"""The direct path :math:`h_t \to h_{t-1}` through the update gate,
        :math:`\operatorname{diag}(z_t)`: a copy of the diagonals, (T, B, n); ``[t - 1]`` is
        :math:`z_t`."""
        self._check_trace(trace)
        return trace.z.copy()

    def direct_path_log_gains(self, trace: GRUTrace, t: int | None = None) -> np.ndarray:
        r"""Log of the direct path over k = 0..t steps, :math:`\sum_{s=t-k+1}^{t} \log z_s`, per
        unit, shape (t + 1, B, n), as :meth:`vgrad.LSTM.cell_path_log_gains` for :math:`f_s`.
        """
        return self._gate_log_gains(trace, t, "z", "direct_path_log_gains")

    def step_jacobians(self, trace: GRUTrace) -> np.ndarray:
        r"""All one-step Jacobians :math:`J_t = \partial h_t/\partial h_{t-1}`, shape (T, B, n, n),
        ``[t - 1]`` is :math:`J_t`; the first term is the direct path
        (:meth:`direct_path_jacobians`):

        .. math::

            J_t = \operatorname{diag}(z_t)
              + \operatorname{diag}\big((h_{t-1} - \tilde h_t) \odot \sigma'(a^z_t)\big) W^z_h
              + \operatorname{diag}\big((1 - z_t) \odot (1 - \tilde h_t^2)\big)\,
                W^{\tilde h}_h \big(\operatorname{diag}(r_t)
                + \operatorname{diag}(h_{t-1} \odot \sigma'(a^r_t)) W^r_h\big).
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


def local_slopes(gates: np.ndarray, h: np.ndarray, work: Work | None) -> np.ndarray:
    r"""The factors of :meth:`GRU.backward` that do not depend on the recursion, all steps at
    once, time first (``gates`` (T, 3, n, R, B), ``h`` (T + 1, n, R, B)): ``D``
    (T, 3, n, R, B), whose blocks turn :math:`\bar h_t, \bar q_t, \bar h_t` into
    :math:`\delta^z_t, \delta^r_t, \delta^{\tilde h}_t`,

    .. math::

        D^z_t = (h_{t-1} - \tilde h_t) \odot \sigma'(a^z_t), \quad
        D^r_t = h_{t-1} \odot \sigma'(a^r_t), \quad
        D^{\tilde h}_t = (1 - z_t) \odot (1 - \tilde h_t^2),

    with :math:`\sigma' = \sigma (1 - \sigma)`.
    """
    z, h_tilde, h_prev = gates[:, 0], gates[:, 2], h[:-1]
    D = np.subtract(1.0, gates, out=work_array(work, "D", gates.shape))
    D *= gates  # sigma (1 - sigma) = sigma' for z, r; block h_tilde is overwritten
    D[:, 0] *= h_prev - h_tilde
    D[:, 1] *= h_prev
    np.square(h_tilde, out=D[:, 2])
    np.subtract(1.0, D[:, 2], out=D[:, 2])
    D[:, 2] *= 1.0 - z
    return D
