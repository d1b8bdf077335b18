r"""A long short-term memory cell, :class:`~vgrad.LSTM`, and backpropagation through time.

The cell state's direct backward path :math:`c_t \to c_{t-1}` multiplies by
:math:`\operatorname{diag}(f_t)` and by no weight matrix; :meth:`LSTM.cell_path_jacobians`
and :meth:`LSTM.step_jacobians` separate it from the full one-step Jacobian. Derived in
:doc:`/gated` (:eq:`gated-lstm-gates`, :eq:`gated-lstm-cell`, :eq:`gated-lstm-backward`,
:eq:`gated-lstm-jacobian`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._cells import GatedCell, GatedGradients, GatedTrace, Seed, Work, gate, per_run, work_array
from .activations import _sigmoid_from_tanh

__all__ = ["LSTM", "LSTMGradients", "LSTMTrace"]

PARAMS = GatedGradients.PARAMS
#: Order of the four gate blocks in the stacked ``W_x``, ``W_h``, ``b``, ``a`` and ``gates``.
GATES = ("i", "f", "g", "o")


@dataclass(frozen=True)
class LSTMTrace(GatedTrace):
    r"""Everything :meth:`LSTM.forward` computed, kept for :meth:`LSTM.backward`.

    Attributes
    ----------
    c : ndarray, shape (T + 1, B, n)
        Cell states; ``c[0]`` is :math:`c_0`.
    a, gates : ndarray, shape (T, B, 4n)
        Pre-activations :math:`a_t` and gates :math:`(i_t, f_t, g_t, o_t)` (``[t - 1]``),
        blocks (i, f, g, o); the gates also as ``i``, ``f``, ``g``, ``o``, each (T, B, n).
    xs, h, y : ndarray, shapes (T, B, d), (T + 1, B, n), (T, B, m)
        As in :class:`vgrad.RNNTrace`, and so is the run axis: ``trace.f[r]`` is run r's
        forget gate.
    """

    c: np.ndarray

    i, f, g, o = map(gate, range(4), ("input gate", "forget gate", "candidate", "output gate"))


@dataclass(frozen=True)
class LSTMGradients(GatedGradients):
    r"""Gradients of a loss with respect to the parameters and to every state.

    Attributes
    ----------
    W_x, W_h, b, W_hy, b_y, dh : ndarray, shaped as the parameters; dh (T + 1, B, n)
        As in :class:`vgrad.RNNGradients`, for this cell's parameters.
    dc : ndarray, shape (T + 1, B, n)
        ``dc[t]`` is the total derivative :math:`\partial\mathcal L/\partial c_t`, through
        :math:`c_{t+1}` and through :math:`h_t` (``dc[0]``: through :math:`c_1` only).
    """

    dc: np.ndarray


class LSTM(GatedCell):
    r"""LSTM with a forget gate, stacked gate weights and a linear read-out.

    .. math::

        \begin{aligned}
        a_t &= W_x x_t + W_h h_{t-1} + b, \qquad
            (i_t, f_t, g_t, o_t) = (\sigma(a^i_t), \sigma(a^f_t), \tanh(a^g_t), \sigma(a^o_t)),\\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t), \qquad
        y_t = W_{hy} h_t + b_y .
        \end{aligned}

    The cell is bounded (:math:`|h_t| < 1`, :math:`|c_t| \le |c_0| + t`), so its forward pass
    cannot overflow. See :doc:`/gated`.

    Parameters
    ----------
    W_x, W_h, b, W_hy, b_y : ndarray, shapes (4n, d), (4n, n), (4n,), (m, n), (m,)
        Input and recurrent weights and biases of the gates, blocks stacked in the order
        (i, f, g, o) (``b[n:2n]`` is the forget-gate bias :math:`b_f`), and the read-out; all
        copied to float64, each with a leading run axis R or none (:meth:`stack`).
    """

    GATES = GATES
    TRACE = LSTMTrace
    GRADIENTS = LSTMGradients
    STATE_BLOCKS = 2  # the state is (h_t, c_t)

    @classmethod
    def random(
        cls, d: int, n: int, m: int, rng: Seed, *, forget_bias: float = 1.0, **scales: float
    ) -> LSTM:
        r"""Random LSTM: Gaussian weights, zero biases except :math:`b_f` = ``forget_bias``;
        ``scales`` are ``input_scale`` and ``recurrent_scale`` (default 1):

        .. math::

            (W_h)_{jk} \sim \mathcal N(0, \mathrm{recurrent\_scale}^2/n), \quad
            (W_x)_{jk} \sim \mathcal N(0, \mathrm{input\_scale}^2/d), \quad
            (W_{hy})_{jk} \sim \mathcal N(0, 1/n).

        A positive forget bias starts the forget gates near :math:`\sigma(b_f)`, so the cell path
        passes about that fraction of the gradient per step, less while the gates fluctuate
        (:doc:`/gated`; Gers et al. 2000).
        """
        return cls._random(d, n, m, rng, "f", "forget_bias", forget_bias, scales)

    def forward(
        self,
        xs: np.ndarray,
        h0: np.ndarray | None = None,
        c0: np.ndarray | None = None,
        *,
        work: Work | None = None,
    ) -> LSTMTrace:
        r"""Run the cell, :eq:`gated-lstm-gates` and :eq:`gated-lstm-cell` of :doc:`/gated`;
        ``xs``, ``h0``, ``work`` as in :meth:`vgrad.RNN.forward`, ``c0`` the initial cell state,
        shaped as ``h0`` (zeros by default)."""
        xs, hx, W, a, gates = self._forward_start(xs, h0, work)
        (T, _, R, B), n = a.shape, self.W_h.shape[-1]
        c = work_array(work, "c", (T + 1, n, R, B))
        c[0] = self._initial_columns(c0, "c0", B)
        # The sigmoid blocks i, f, o of W halved (exactly): one product per step and one tanh
        # give all four gates, sigma(a) = 1/2 + tanh(a/2)/2 (a step 1.16x faster than four
        # separate activations, R = 32, n = 16, measured 2026-12-07).
        W.reshape(R, 4, n, -1)[:, [0, 1, 3]] *= 0.5
        # Views made once and indexed by step. The loop's t is the maths' t - 1: column t of
        # hx is (h_t, x_{t+1}, 1), so gates[t] holds i_{t+1}, ..., and c[t], h[t] are c_t, h_t.
        i, f, g, o = gates.reshape(T, 4, n, R, B).swapaxes(0, 1)  # each (T, n, R, B)
        i_f, h = gates.reshape(T, 4, n, R, B)[:, :2], hx[:, :n]
        a_runs, hx_runs = per_run(a), per_run(hx)
        ig = np.empty((n, R, B))
        with np.errstate(all="ignore"):  # a diverged run of a stack fails alone, in training
            for t in range(T):
                np.matmul(W, hx_runs[t], out=a_runs[t])  # one product per run
                np.tanh(a[t], out=gates[t])
                _sigmoid_from_tanh(i_f[t])
                _sigmoid_from_tanh(o[t])
                np.multiply(f[t], c[t], out=c[t + 1])  # c_{t+1} = f_{t+1} c_t + i_{t+1} g_{t+1}
                c[t + 1] += np.multiply(i[t], g[t], out=ig)
                np.multiply(o[t], np.tanh(c[t + 1], out=h[t + 1]), out=h[t + 1])
        a[:, : 2 * n] *= 2.0  # a_t, exactly (two slices: 9x faster than indexing blocks 0, 1, 3)
        a[:, 3 * n :] *= 2.0
        return self._trace(work, xs, h=h, c=c, a=a, gates=gates)

    def backward(
        self, trace: LSTMTrace, dL_dy: np.ndarray, *, work: Work | None = None
    ) -> LSTMGradients:
        r"""Backpropagation through time, :eq:`gated-lstm-backward` of :doc:`/gated`; ``trace``,
        ``dL_dy``, ``work`` as in :meth:`vgrad.RNN.backward`.

        From the last step down, with row vectors :math:`\bar h_t, \bar c_t` for the total
        derivatives of the loss by :math:`h_t, c_t`, and the slopes :math:`K_t, D_t` of
        :func:`local_slopes` (the first term of :math:`\bar c_t` is the cell path):

        .. math::

            \bar h_t = \frac{\partial\mathcal L_t}{\partial y_t} W_{hy} + \delta_{t+1} W_h,
            \qquad \bar c_t = \bar c_{t+1} \odot f_{t+1} + \bar h_t \odot K_t,

            \delta_t = (\bar c_t, \bar c_t, \bar c_t, \bar h_t) \odot D_t, \qquad
            \frac{\partial\mathcal L}{\partial (W_h, W_x, b)}
            = \sum_t \delta_t^\top (h_{t-1}, x_t, 1).
        """
        _, gates, hx, dh, readout = self._backward_start(trace, dL_dy, work)
        T, n, R, B = dh[1:].shape
        f, c = self._time_first(trace.f), self._time_first(trace.c)
        K, D = local_slopes(gates, c, work)
        dc = work_array(work, "dc", (T + 1, n, R, B))
        W_h_T = np.ascontiguousarray(self.W_h.reshape(R, 4 * n, n).swapaxes(1, 2))
        delta, recurrent = np.empty((4, n, R, B)), np.empty((n, R, B))
        delta_run = per_run(delta.reshape(4 * n, R, B))  # (R, 4n, B)
        carry_c = np.zeros((n, R, B))  # dL/dc_t through c_{t+1}
        grad, term = np.zeros((2, R, 4 * n, hx.shape[1]))  # dL/d(W_h, W_x, b); one step's
        hx_rows = hx.transpose(0, 2, 3, 1)  # (T, R, B, k): step s is (h_{s}, x_{s+1}, 1) as rows
        D_ifg, D_o = D[:, :3], D[:, 3]
        recurrent_run = per_run(recurrent)
        for t in range(T, 0, -1):
            s = t - 1
            np.multiply(dh[t], K[s], out=dc[t])
            dc[t] += carry_c  # c̄_t: through h_t and through c_{t+1}
            np.multiply(dc[t], D_ifg[s], out=delta[:3])
            np.multiply(dh[t], D_o[s], out=delta[3])
            dh[s] += per_run(np.matmul(W_h_T, delta_run, out=recurrent_run))
            grad += np.matmul(delta_run, hx_rows[s], out=term)
            np.multiply(dc[t], f[s], out=carry_c)  # the cell path: times f_t, no matrix
        dc[0] = carry_c
        return self._gradients(grad, readout, dh=dh, dc=dc)

    def cell_path_jacobians(self, trace: LSTMTrace) -> np.ndarray:
        r"""The direct cell path, the diagonals of :math:`\partial c_t/\partial c_{t-1}
        = \operatorname{diag}(f_t)` (with :math:`h_{t-1}` held fixed): a copy, (T, B, n);
        ``[t - 1]`` is :math:`f_t`."""
        self._check_trace(trace)
        return trace.f.copy()

    def cell_path_log_gains(self, trace: LSTMTrace, t: int | None = None) -> np.ndarray:
        r"""Log of the cell path over k = 0..t steps, :math:`\sum_{s=t-k+1}^{t} \log f_s`, per
        unit: the diagonal of :math:`\prod_s \operatorname{diag}(f_s)` (its largest entry is
        the log 2-norm), from :math:`\log\sigma(a^f_s)`, finite where :math:`f_s` underflows.
        Returns an array (t + 1, B, n), entry ``[k, b, j]``, ``[0]`` zero, for the later time
        step ``t`` (default T).
        """
        return self._gate_log_gains(trace, t, "f", "cell_path_log_gains")

    def step_jacobians(self, trace: LSTMTrace) -> np.ndarray:
        r"""Full one-step Jacobians of the state :math:`(h_t, c_t)`, shape (T, B, 2n, 2n), rows
        and columns ordered (h, c); ``[t - 1]`` is step t (:eq:`gated-lstm-jacobian` of
        :doc:`/gated`):

        .. math::

            \frac{\partial (h_t, c_t)}{\partial (h_{t-1}, c_{t-1})} =
            \begin{pmatrix}
              \operatorname{diag}(\tanh c_t \odot \sigma'(a^o_t)) W^o_h + K_t C_t & K_t F_t \\
              C_t & F_t
            \end{pmatrix},

            C_t = \frac{\partial c_t}{\partial h_{t-1}} =
            \operatorname{diag}(c_{t-1} \odot \sigma'(a^f_t)) W^f_h
            + \operatorname{diag}(g_t \odot \sigma'(a^i_t)) W^i_h
            + \operatorname{diag}(i_t \odot (1 - g_t^2)) W^g_h,

        with :math:`F_t = \operatorname{diag}(f_t)` (the cell path,
        :meth:`cell_path_jacobians`), :math:`K_t = \partial h_t/\partial c_t` of
        :func:`local_slopes` and the blocks :math:`W^i_h, W^f_h, W^g_h, W^o_h` of :math:`W_h`.
        For a loss at step T only, the row :math:`(\bar h_t, \bar c_t - \bar h_t \odot K_t)`
        times this Jacobian gives that row at step t - 1.
        """
        return super().step_jacobians(trace)

    def _step_jacobian(self, trace: LSTMTrace, s: int) -> np.ndarray:
        """The Jacobian of step s + 1, shape (B, 2n, 2n)."""
        n = self.W_h.shape[1]
        W_i, W_f, W_g, W_o = np.split(self.W_h, 4, axis=0)
        i, f, g, o = trace.i[s], trace.f[s], trace.g[s], trace.o[s]
        tanh_c = np.tanh(trace.c[s + 1])
        C = (
            (trace.c[s] * f * (1.0 - f))[:, :, None] * W_f
            + (g * i * (1.0 - i))[:, :, None] * W_i
            + (i * (1.0 - g**2))[:, :, None] * W_g
        )
        K = o * (1.0 - tanh_c**2)  # the diagonal of K_t = dh_t/dc_t
        B = i.shape[0]
        J = np.zeros((B, 2 * n, 2 * n))
        J[:, :n, :n] = (tanh_c * o * (1.0 - o))[:, :, None] * W_o + K[:, :, None] * C
        J[:, n:, :n] = C
        diag = np.arange(n)
        J[:, diag, n + diag] = K * f
        J[:, n + diag, n + diag] = f
        return J


def local_slopes(gates: np.ndarray, c: np.ndarray, work: Work | None) -> tuple[np.ndarray, ...]:
    r"""The factors of :meth:`LSTM.backward` that do not depend on the recursion, every step
    at once, time first (``gates`` (T, 4n, R, B), ``c`` (T + 1, n, R, B)): ``K`` (T, n, R, B),
    the diagonals of :math:`K_t = \partial h_t/\partial c_t`, and ``D`` (T, 4, n, R, B),

    .. math::

        K_t = o_t \odot (1 - \tanh^2 c_t), \qquad
        D_t = \big(g_t \odot \sigma'(a^i_t),\ c_{t-1} \odot \sigma'(a^f_t),\
        i_t \odot (1 - g_t^2),\ \tanh c_t \odot \sigma'(a^o_t)\big),

    with :math:`\sigma' = \sigma (1 - \sigma)`.
    """
    T, _, R, B = gates.shape
    n = c.shape[1]
    i, _, g, o = gates.reshape(T, 4, n, R, B).transpose(1, 0, 2, 3, 4)
    tanh_c = np.tanh(c[1:], out=work_array(work, "tanh_c", (T, n, R, B)))
    K = np.square(tanh_c, out=work_array(work, "K", (T, n, R, B)))
    np.subtract(1.0, K, out=K)
    K *= o
    D = np.subtract(1.0, gates, out=work_array(work, "D", (T, 4 * n, R, B))).reshape(T, 4, n, R, B)
    D *= gates.reshape(T, 4, n, R, B)  # sigma (1 - sigma) = sigma' for i, f, o; g overwritten:
    np.subtract(1.0, np.square(g, out=D[:, 2]), out=D[:, 2])
    D[:, 0] *= g
    D[:, 1] *= c[:-1]
    D[:, 2] *= i
    D[:, 3] *= tanh_c
    return K, D
