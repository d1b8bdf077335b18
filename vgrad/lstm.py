r"""A long short-term memory cell (with forget gate) and backpropagation through time.

.. math::

    \begin{aligned}
    a_t &= W_x x_t + W_h h_{t-1} + b, \qquad
        (i_t, f_t, g_t, o_t) = (\sigma(a^i_t), \sigma(a^f_t), \tanh(a^g_t), \sigma(a^o_t)),\\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t), \qquad
    y_t = W_{hy} h_t + b_y .
    \end{aligned}

The cell state :math:`c_t` reaches :math:`c_{t-1}` through one elementwise product, so its
direct backward path multiplies by :math:`\operatorname{diag}(f_t)` and by no weight matrix.
:meth:`LSTM.backward` returns the total derivatives :math:`\partial\mathcal L/\partial h_t` and
:math:`\partial\mathcal L/\partial c_t` at every step; :meth:`LSTM.cell_path_jacobians`,
:meth:`LSTM.step_jacobians` and :meth:`LSTM.jacobian_log_norms` separate that direct path
from the full one-step Jacobian, which also runs through :math:`h_{t-1}` and the gates.
Derived in :doc:`/gated` (equations :eq:`gated-lstm-gates`, :eq:`gated-lstm-cell`,
:eq:`gated-lstm-backward`, :eq:`gated-lstm-jacobian`).
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

__all__ = ["LSTM", "LSTMGradients", "LSTMTrace", "backward_runs", "forward_runs"]

PARAMS = ("W_x", "W_h", "b", "W_hy", "b_y")
#: Order of the four gate blocks in the stacked ``W_x``, ``W_h``, ``b``, ``a`` and ``gates``.
GATES = ("i", "f", "g", "o")
SIGMOID = [0, 1, 3]  # the blocks with a sigmoid


@dataclass(frozen=True)
class LSTMTrace(GatedTraceBase):
    r"""Everything the forward pass computed, kept for the backward pass.

    Attributes
    ----------
    xs : ndarray, shape (T, B, d)
        The inputs :math:`x_1, \dots, x_T`.
    h : ndarray, shape (T + 1, B, n)
        Hidden states; ``h[0]`` is :math:`h_0`.
    c : ndarray, shape (T + 1, B, n)
        Cell states; ``c[0]`` is :math:`c_0`.
    a : ndarray, shape (T, B, 4n)
        Gate pre-activations :math:`a_t = W_x x_t + W_h h_{t-1} + b` (``a[t - 1]``), blocks
        in the order (i, f, g, o).
    gates : ndarray, shape (T, B, 4n)
        :math:`(i_t, f_t, g_t, o_t)` after their nonlinearities; also as ``i``, ``f``,
        ``g``, ``o`` (each (T, B, n)).
    y : ndarray, shape (T, B, m)
        Outputs; ``y[t - 1]`` is :math:`y_t`.
    """

    xs: np.ndarray
    h: np.ndarray
    c: np.ndarray
    a: np.ndarray
    gates: np.ndarray
    y: np.ndarray

    i = gate(0, r"Input gate :math:`i_t`, shape (T, B, n).")
    f = gate(1, r"Forget gate :math:`f_t`, shape (T, B, n).")
    g = gate(2, r"Candidate :math:`g_t = \tanh(a^g_t)`, shape (T, B, n).")
    o = gate(3, r"Output gate :math:`o_t`, shape (T, B, n).")


@dataclass(frozen=True)
class LSTMGradients(GradientsBase):
    r"""Gradients of a loss with respect to the parameters and to every state.

    Attributes
    ----------
    W_x, W_h, b, W_hy, b_y : ndarray
        :math:`\partial\mathcal L/\partial \theta`, same shapes as the parameters.
    dh : ndarray, shape (T + 1, B, n)
        ``dh[t]`` is the total derivative :math:`\partial\mathcal L/\partial h_t`: every path from
        :math:`h_t` to the loss (through :math:`y_t` and through the gates of step t + 1).
    dc : ndarray, shape (T + 1, B, n)
        ``dc[t]`` is the total derivative :math:`\partial\mathcal L/\partial c_t`: every path from
        :math:`c_t`, both the direct one through :math:`c_{t+1}` and the one through
        :math:`h_t = o_t \odot \tanh(c_t)`. Nothing is held fixed except the past. ``dc[0]``
        is :math:`\partial\mathcal L/\partial c_0` (the given :math:`c_0` does not feed
        :math:`h_0`).
    """

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray
    dc: np.ndarray

    PARAMS: ClassVar[tuple[str, ...]] = PARAMS


class LSTM(GatedCell):
    r"""LSTM with a forget gate, stacked gate weights and a linear read-out.

    .. math::

        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t), \quad
        y_t = W_{hy} h_t + b_y .

    Parameters
    ----------
    W_x : ndarray, shape (4n, d)
        Input weights of the four gates, stacked in the order (i, f, g, o).
    W_h : ndarray, shape (4n, n)
        Recurrent weights, same order.
    b : ndarray, shape (4n,)
        Gate biases, same order; ``b[n:2n]`` is the forget-gate bias :math:`b_f`.
    W_hy : ndarray, shape (m, n)
        Hidden-to-output weights.
    b_y : ndarray, shape (m,)
        Output bias.

    Notes
    -----
    The parameters are copied to float64 arrays and are plain attributes, so a training loop
    may update them in place. The cell is bounded (:math:`|h_t| < 1`,
    :math:`|c_t| \le |c_0| + t`), so unlike :class:`vgrad.rnn.RNN` its forward pass cannot
    overflow. See :doc:`/gated`.
    """

    PARAMS = PARAMS
    GATES = GATES
    TRACE = LSTMTrace
    STATE_BLOCKS = 2  # the state is (h_t, c_t)

    @classmethod
    def random(
        cls,
        d: int,
        n: int,
        m: int,
        rng: np.random.Generator | int,
        *,
        forget_bias: float = 1.0,
        input_scale: float = 1.0,
        recurrent_scale: float = 1.0,
    ) -> LSTM:
        r"""Random LSTM: Gaussian weights, zero biases except :math:`b_f` = ``forget_bias``.

        :math:`W_h` has entries :math:`\mathcal N(0, \mathrm{recurrent\_scale}^2/n)`,
        :math:`W_x` entries :math:`\mathcal N(0, \mathrm{input\_scale}^2/d)` (the scales are
        named in words: :math:`s` is a singular value on the pages), and
        :math:`W_{hy}` entries :math:`\mathcal N(0, 1/n)`. A positive forget bias starts the
        forget gates near :math:`\sigma(b_f)`, so the cell path passes about
        :math:`\sigma(b_f)` of the gradient per step, less on average while the gate
        fluctuates (:doc:`/gated`; Gers, Schmidhuber & Cummins 2000).
        """
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        forget_bias = check_real(forget_bias, "forget_bias")
        input_scale = check_real(input_scale, "input_scale", nonnegative=True)
        recurrent_scale = check_real(recurrent_scale, "recurrent_scale", nonnegative=True)
        return cls._random(d, n, m, rng, input_scale, recurrent_scale, {"f": forget_bias})

    # -- forward ------------------------------------------------------------------------

    def forward(
        self, xs: np.ndarray, h0: np.ndarray | None = None, c0: np.ndarray | None = None
    ) -> LSTMTrace:
        r"""Run the cell over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (T, B, d)
            Inputs, time first.
        h0, c0 : ndarray, shape (B, n) or (n,), optional
            Initial hidden and cell states (zeros by default); a vector is broadcast.

        Returns
        -------
        LSTMTrace
        """
        xs, h, c = self._states(xs, h0=h0, c0=c0)
        T, _, n = h[1:].shape
        a = xs @ self.W_x.T + self.b  # the input part of every step in one product
        gates = np.empty_like(a)
        W_h_T = self.W_h.T
        s_i, s_f, s_g, s_o = gate_blocks(n, 4)
        for t in range(T):
            a[t] += h[t] @ W_h_T
            gate = gates[t]
            gate[:] = sigmoid(a[t])  # i, f, o; the g block is overwritten with its tanh
            gate[:, s_g] = np.tanh(a[t][:, s_g])
            c[t + 1] = gate[:, s_f] * c[t] + gate[:, s_i] * gate[:, s_g]
            h[t + 1] = gate[:, s_o] * np.tanh(c[t + 1])
        y = h[1:] @ self.W_hy.T + self.b_y
        return LSTMTrace(xs=xs, h=h, c=c, a=a, gates=gates, y=y)

    # -- backward -----------------------------------------------------------------------

    def backward(self, trace: LSTMTrace, dL_dy: np.ndarray) -> LSTMGradients:
        r"""Backpropagation through time, with total derivatives for both states.

        From the last step down, with the row vectors :math:`\bar h_t = \partial\mathcal L/\partial
        h_t` and :math:`\bar c_t = \partial\mathcal L/\partial c_t` (:eq:`gated-lstm-backward` of
        :doc:`/gated`):

        .. math::

            \bar h_t = \frac{\partial\mathcal L_t}{\partial y_t} W_{hy} + \delta_{t+1} W_h,
            \qquad
            \bar c_t = \bar c_{t+1} \odot f_{t+1}
                + \bar h_t \odot o_t \odot (1 - \tanh^2 c_t),

        where the row vector :math:`\delta_t = \partial\mathcal L/\partial a_t` stacks
        :math:`\bar c_t \odot g_t \odot \sigma'(a^i_t)`,
        :math:`\bar c_t \odot c_{t-1} \odot \sigma'(a^f_t)`,
        :math:`\bar c_t \odot i_t \odot (1 - g_t^2)` and
        :math:`\bar h_t \odot \tanh(c_t) \odot \sigma'(a^o_t)`. The first term of
        :math:`\bar c_t` is the cell path: no weight matrix, one forget gate per step.
        See :doc:`/gated`.

        Parameters
        ----------
        trace : LSTMTrace
            The result of :meth:`forward`.
        dL_dy : ndarray, shape (T, B, m)
            Upstream gradient :math:`\partial\mathcal L/\partial y_t`; zeros where a step carries no
            loss.

        Returns
        -------
        LSTMGradients
        """
        T, B, n = self._check_trace(trace)
        m = self.W_hy.shape[0]
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(T, B, m))
        i, f, g, o = trace.i, trace.f, trace.g, trace.o
        tanh_c = np.tanh(trace.c[1:])
        dh_out = dL_dy @ self.W_hy  # the direct path y_t -> h_t, all steps at once
        dh = np.empty((T + 1, B, n))
        dc = np.empty((T + 1, B, n))
        delta = np.empty((T, B, 4 * n))
        carry_h = np.zeros((B, n))  # dL/dh_t through the gates of step t + 1
        carry_c = np.zeros((B, n))  # dL/dc_t through c_{t+1}
        s_i, s_f, s_g, s_o = gate_blocks(n, 4)
        # Local derivatives that do not depend on the recursion, for all steps at once.
        K = o * (1.0 - tanh_c**2)  # the diagonal of K_t = dh_t/dc_t, every step
        d_i = g * i * (1.0 - i)
        d_f = trace.c[:-1] * f * (1.0 - f)
        d_g = i * (1.0 - g**2)
        d_o = tanh_c * o * (1.0 - o)
        for t in range(T, 0, -1):
            s = t - 1
            dh[t] = dh_out[s] + carry_h
            dc[t] = carry_c + dh[t] * K[s]
            delta[s][:, s_i] = dc[t] * d_i[s]
            delta[s][:, s_f] = dc[t] * d_f[s]
            delta[s][:, s_g] = dc[t] * d_g[s]
            delta[s][:, s_o] = dh[t] * d_o[s]
            carry_h = delta[s] @ self.W_h
            carry_c = dc[t] * f[s]
        dh[0] = carry_h
        dc[0] = carry_c
        flat = delta.reshape(T * B, 4 * n).T
        return LSTMGradients(
            W_x=flat @ trace.xs.reshape(T * B, -1),
            W_h=flat @ trace.h[:-1].reshape(T * B, n),
            b=delta.sum(axis=(0, 1)),
            W_hy=dL_dy.reshape(T * B, m).T @ trace.h[1:].reshape(T * B, n),
            b_y=dL_dy.sum(axis=(0, 1)),
            dh=dh,
            dc=dc,
        )

    # -- Jacobians ----------------------------------------------------------------------

    def cell_path_jacobians(self, trace: LSTMTrace) -> np.ndarray:
        r"""The direct cell path :math:`\partial c_t/\partial c_{t-1} = \operatorname{diag}(f_t)`.

        This is the partial derivative with :math:`h_{t-1}` held fixed: the path that skips
        the gates' dependence on the state.

        Returns
        -------
        ndarray, shape (T, B, n)
            The diagonals: ``[t - 1]`` is :math:`f_t` (a copy).
        """
        self._check_trace(trace)
        return trace.f.copy()

    def cell_path_log_gains(self, trace: LSTMTrace, t: int | None = None) -> np.ndarray:
        r"""Log of the cell path over k steps, :math:`\sum_{s=t-k+1}^{t} \log f_s`, per unit.

        The diagonal of :math:`\prod_s \operatorname{diag}(f_s)`, computed from the
        pre-activations as :math:`\log\sigma(a^f_s)`, so a gate closed to below the smallest
        float64 still has a finite logarithm. Its largest entry is the log 2-norm.

        Parameters
        ----------
        trace : LSTMTrace
        t : int, optional
            The later time step (default T).

        Returns
        -------
        ndarray, shape (t + 1, B, n)
            Entry ``[k, b, j]``; ``[0]`` is zero.
        """
        return self._gate_log_gains(trace, t, GATES.index("f"))

    def step_jacobians(self, trace: LSTMTrace) -> np.ndarray:
        r"""Full one-step Jacobians of the state :math:`(h_t, c_t)`.

        .. math::

            \frac{\partial (h_t, c_t)}{\partial (h_{t-1}, c_{t-1})} =
            \begin{pmatrix}
              \operatorname{diag}(\tanh c_t \odot \sigma'(a^o_t)) W^o_h + K_t C_t & K_t F_t \\
              C_t & F_t
            \end{pmatrix},

        with :math:`F_t = \operatorname{diag}(f_t)`,
        :math:`K_t = \operatorname{diag}(o_t \odot (1 - \tanh^2 c_t))` and

        .. math::

            C_t = \frac{\partial c_t}{\partial h_{t-1}}
            = \operatorname{diag}(c_{t-1} \odot \sigma'(a^f_t)) W^f_h
            + \operatorname{diag}(g_t \odot \sigma'(a^i_t)) W^i_h
            + \operatorname{diag}(i_t \odot (1 - g_t^2)) W^g_h,

        where
        :math:`W^i_h, W^f_h, W^g_h, W^o_h` are the blocks of :math:`W_h`
        (:eq:`gated-lstm-jacobian` of :doc:`/gated`). The
        bottom-right block is the cell path
        (:meth:`cell_path_jacobians`); everything else goes through the gates.

        The row vector of *partial* adjoints :math:`(\bar h_t,\ \partial\mathcal L/\partial
        c_t|_{h_t})`, multiplied on the right by this Jacobian, gives the one of step t - 1.
        For a loss at step T only,

        .. math::

            \frac{\partial\mathcal L}{\partial c_t}\Big|_{h_t}
            = \bar c_t - \bar h_t \odot o_t \odot (1 - \tanh^2 c_t)

        for :math:`t \ge 1`, and the two adjoints coincide at t = 0.

        Returns
        -------
        ndarray, shape (T, B, 2n, 2n)
            ``[t - 1]`` is the Jacobian of step t; rows and columns ordered (h, c).
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


# -- many LSTMs at once ---------------------------------------------------------------------


def forward_runs(
    params: dict[str, np.ndarray], xs: np.ndarray, work: dict[str, np.ndarray] | None = None
) -> LSTMTrace:
    r""":meth:`LSTM.forward` for R cells at once, from zero states (:class:`vgrad.LSTMStack`).

    Every parameter carries a leading run axis (``W_h`` has shape (R, 4n, n)), ``xs`` has
    shape (T, B, d) (the same inputs for every run) or (R, T, B, d), and every array of the
    returned trace has the run axis first (``trace.f[r]`` is the forget gate of run r).
    The arithmetic is that
    of :meth:`LSTM.forward`, run by run, with one batched product per step for all runs
    giving :math:`a_t = W_h h_{t-1} + W_x x_t + b` at once, and all four gates from one
    ``tanh`` per step, :math:`\sigma(a) = \tfrac12 + \tfrac12 \tanh(a/2)` (within a few
    1e-16 of :func:`vgrad.sigmoid`).

    The loop works on time-first arrays (T, k, R, B) whose gate blocks are contiguous; the
    trace's arrays are run-first views of them (``vgrad._runs``). With ``work`` (a dict the
    caller keeps) the arrays are reused from the previous call, whose trace is overwritten.
    """
    W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
    W_hy, b_y = params["W_hy"], params["b_y"]
    R, n = W_h.shape[0], W_h.shape[2]
    T, B = xs.shape[-3], xs.shape[-2]
    # Column t of hx is (h_t, x_{t+1}, 1); the weights (W_h, W_x, b) side by side, those of
    # the sigmoid blocks i, f, o halved (exactly), so the product of a step is a_t with
    # those blocks halved, and one tanh gives every gate.
    hx = columns(work, "hx", xs, n, R, T + 1)
    hx[0, :n] = 0.0
    W = np.concatenate([W_h, W_x, b[:, :, None]], axis=2).reshape(R, 4, n, -1)
    W[:, SIGMOID] *= 0.5
    W = W.reshape(R, 4 * n, -1)
    u = work_array(work, "a", (T, 4 * n, R, B))
    gates = work_array(work, "gates", (T, 4 * n, R, B))
    c = work_array(work, "c", (T + 1, n, R, B))
    c[0] = 0.0
    ig = np.empty((n, R, B))
    for t in range(T):
        np.matmul(W, per_run(hx[t]), out=per_run(u[t]))  # one product per run
        gate = np.tanh(u[t], out=gates[t]).reshape(4, n, R, B)
        _sigmoid_from_tanh(gate[:2])  # i, f
        _sigmoid_from_tanh(gate[3])  # o
        i, f, g, o = gate
        np.multiply(f, c[t], out=c[t + 1])
        np.multiply(i, g, out=ig)
        c[t + 1] += ig
        h = np.tanh(c[t + 1], out=hx[t + 1, :n])
        h *= o
    a = u.reshape(T, 4, n, R, B)
    a[:, :2] *= 2.0  # a_t, exactly
    a[:, 3] *= 2.0
    h = hx[:, :n]
    y = readout(work, h, W_hy, b_y)
    return LSTMTrace(
        xs=xs, h=run_first(h), c=run_first(c), a=run_first(u), gates=run_first(gates), y=y
    )


def backward_runs(
    params: dict[str, np.ndarray],
    trace: LSTMTrace,
    dL_dy: np.ndarray,
    work: dict[str, np.ndarray] | None = None,
) -> LSTMGradients:
    r""":meth:`LSTM.backward` for R cells at once: the trace of :func:`forward_runs`,
    ``dL_dy`` of shape (R, T, B, m); every gradient has the run axis first.

    The recursion runs time first, as :func:`forward_runs`. The local derivatives of every
    step are computed before it, in one array ``D`` (T, 4, n, R, B) whose blocks multiply
    :math:`(\bar c_t, \bar c_t, \bar c_t, \bar h_t)` into :math:`\delta_t`; the weight
    gradients are summed over the steps as the recursion goes, from the columns
    :math:`(h_{t-1}, x_t, 1)` of the forward pass. ``work`` as in :func:`forward_runs` (it
    overwrites ``dh`` and ``dc``).
    """
    W_h, W_hy = params["W_h"], params["W_hy"]
    R, T, B, n = trace.h.shape[0], trace.h.shape[1] - 1, trace.h.shape[2], trace.h.shape[3]
    gates = time_first(trace.gates).reshape(T, 4, n, R, B)
    i, f, g, o = (gates[:, j] for j in range(4))
    c = time_first(trace.c)
    h = time_first(trace.h)
    tanh_c = np.tanh(c[1:], out=work_array(work, "tanh_c", (T, n, R, B)))
    K = np.square(tanh_c, out=work_array(work, "K", (T, n, R, B)))
    np.subtract(1.0, K, out=K)
    K *= o  # the diagonal of K_t = dh_t/dc_t, every step
    D = np.subtract(1.0, gates, out=work_array(work, "D", (T, 4, n, R, B)))
    D *= gates  # sigma (1 - sigma): sigma' for i, f, o; block g is overwritten
    np.square(g, out=D[:, 2])
    np.subtract(1.0, D[:, 2], out=D[:, 2])
    D[:, 0] *= g
    D[:, 1] *= c[:-1]
    D[:, 2] *= i
    D[:, 3] *= tanh_c
    hx = columns(work, "hx_back", trace.xs, n, R, T)  # column t - 1 is (h_{t-1}, x_t, 1)
    hx[:, :n] = h[:-1]
    dh = work_array(work, "dh", (T + 1, n, R, B))
    dh[0] = 0.0
    dW_hy, db_y = readout_backward(dL_dy, W_hy, h, dh)  # and the direct paths y_t -> h_t
    dc = work_array(work, "dc", (T + 1, n, R, B))
    delta = np.empty((4, n, R, B))
    delta_run = per_run(delta.reshape(4 * n, R, B))  # (R, 4n, B)
    W_h_T = np.ascontiguousarray(W_h.transpose(0, 2, 1))
    recurrent = np.empty((n, R, B))
    carry_c = np.zeros((n, R, B))  # dL/dc_t through c_{t+1}
    grad = np.zeros((R, 4 * n, hx.shape[1]))  # dL/d(W_h, W_x, b)
    term = np.empty_like(grad)
    for t in range(T, 0, -1):
        s = t - 1
        np.multiply(dh[t], K[s], out=dc[t])
        dc[t] += carry_c
        np.multiply(dc[t], D[s, :3], out=delta[:3])
        np.multiply(dh[t], D[s, 3], out=delta[3])
        np.matmul(W_h_T, delta_run, out=per_run(recurrent))
        dh[s] += recurrent  # dL/dh_{t-1} through the gates of step t
        np.matmul(delta_run, per_run(hx[s]).swapaxes(1, 2), out=term)
        grad += term
        np.multiply(dc[t], f[s], out=carry_c)
    dc[0] = carry_c
    return LSTMGradients(
        **column_blocks(grad, n),
        W_hy=dW_hy,
        b_y=db_y,
        dh=run_first(dh),
        dc=run_first(dc),
    )
