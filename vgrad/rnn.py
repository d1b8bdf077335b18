r"""A vanilla recurrent network, :class:`~vgrad.RNN`, and backpropagation through time.

:meth:`RNN.backward` returns every parameter gradient *and* the total loss gradient
:math:`\partial\mathcal L/\partial h_t` at every step, whose decay the site is about
(:doc:`/unrolled_rnn`, :doc:`/shared_weights`); the one-step Jacobians and their products'
log-norms are methods (:doc:`/eigenvalues`). Gradients of the loss are row vectors
(:doc:`/notation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._cells import (
    Cell,
    GradientsBase,
    Seed,
    TraceBase,
    Work,
    check_options,
    check_sequence,
    check_step,
    check_weights,
    initial_state,
    merge_steps,
    steps_first,
    work_array,
)
from ._validate import as_float_array, check_int, check_real, check_rng, check_sizes
from .activations import ACTIVATIONS, Activation, get_activation
from .spectral import orthogonal, random_matrix

__all__ = ["RNN", "RNNGradients", "RNNTrace"]

PARAMS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


@dataclass(frozen=True)
class RNNTrace(TraceBase):
    r"""Everything the forward pass computed, kept for the backward pass; with a run axis
    (:meth:`RNN.stack`) each array has a leading axis R (``xs`` too, unless shared).

    Attributes
    ----------
    xs, h, a, y : ndarray, shapes (T, B, d), (T + 1, B, n), (T, B, n), (T, B, m)
        Inputs, hidden states, pre-activations and outputs: ``xs[t - 1]`` is :math:`x_t`,
        ``h[t]`` is :math:`h_t` (``h[0]`` the initial state), ``a[t - 1]`` is :math:`a_t`,
        ``y[t - 1]`` is :math:`y_t`.
    """

    a: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class RNNGradients(GradientsBase):
    r"""Gradients of a loss with respect to the parameters and to every hidden state.

    Attributes
    ----------
    W_xh, W_hh, b_h, W_hy, b_y : ndarray
        :math:`\partial\mathcal L/\partial \theta`, same shapes as the parameters.
    dh : ndarray, shape (T + 1, B, n), or (R, T + 1, B, n) with a run axis
        ``dh[t]`` is the *total* derivative :math:`\partial\mathcal L/\partial h_t`, through
        every path (the output at step t and all later steps).
    """

    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray

    PARAMS: ClassVar[tuple[str, ...]] = PARAMS


class RNN(Cell):
    r"""Vanilla (Elman) recurrent network.

    .. math::

        a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h, \quad h_t = \phi(a_t), \quad
        y_t = W_{hy} h_t + b_y .

    Parameters
    ----------
    W_xh, W_hh, b_h, W_hy, b_y : ndarray, shapes (n, d), (n, n), (n,), (m, n), (m,)
        Input and recurrent weights (shared by every step, :doc:`/shared_weights`), bias and
        read-out; copied to float64 attributes that a training loop may update in place, each
        with a leading run axis R or none, the same for all (:meth:`stack`).
    activation : str or Activation, default "tanh"
        :math:`\phi`: ``"identity"``, ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
    """

    PARAMS = PARAMS
    TRACE = RNNTrace

    def __init__(
        self,
        W_xh: np.ndarray,
        W_hh: np.ndarray,
        b_h: np.ndarray,
        W_hy: np.ndarray,
        b_y: np.ndarray,
        activation: str | Activation = "tanh",
    ) -> None:
        self.W_xh, self.W_hh, self.b_h, self.W_hy, self.b_y = check_weights(
            W_xh, W_hh, b_h, W_hy, b_y, PARAMS, 1
        )
        self.activation = get_activation(activation)

    @classmethod
    def random(
        cls,
        d: int,
        n: int,
        m: int,
        rng: Seed,
        *,
        rho: float | None = None,
        sigma_max: float | None = None,
        activation: str | Activation = "tanh",
        input_scale: float = 1.0,
    ) -> RNN:
        r"""Random network whose :math:`W_{hh}` has a prescribed spectral radius or norm.

        :math:`W_{hh}` is Gaussian with entries :math:`\mathcal N(0, 1/n)`, rescaled so that its
        spectral radius is ``rho`` or its largest singular value is ``sigma_max`` (give at most
        one). :math:`W_{xh}` has Gaussian entries of standard deviation
        ``input_scale`` :math:`/\sqrt{d}`, :math:`W_{hy}` entries :math:`\mathcal N(0, 1/n)`;
        biases are zero.
        """

        def W_hh(n: int, rng: np.random.Generator) -> np.ndarray:
            return random_matrix(n, rng, rho=rho, sigma_max=sigma_max)

        options = {"activation": activation, "input_scale": input_scale}
        return cls._with_recurrent(d, n, m, rng, W_hh, 1.0, options, "RNN.random")

    @classmethod
    def orthogonal(
        cls, d: int, n: int, m: int, rng: Seed, *, gain: float = 1.0, **options: Any
    ) -> RNN:
        r"""Network with :math:`W_{hh} = g\,Q`, Q Haar-orthogonal: every singular value is g;
        ``options``: ``activation`` (default ``"tanh"``) and ``input_scale`` (default 1), these
        and the other parameters as in :meth:`RNN.random`."""
        return cls._with_recurrent(d, n, m, rng, orthogonal, gain, options, "RNN.orthogonal")

    @classmethod
    def identity(
        cls, d: int, n: int, m: int, rng: Seed, *, gain: float = 1.0, **options: Any
    ) -> RNN:
        r"""Network with :math:`W_{hh} = g\,I`, by default with ReLU (the IRNN of Le, Jaitly &
        Hinton 2015); ``options`` as in :meth:`RNN.orthogonal`."""
        options = {"activation": "relu", **options}
        return cls._with_recurrent(
            d, n, m, rng, lambda n, rng: np.eye(n), gain, options, "RNN.identity"
        )

    @classmethod
    def _with_recurrent(cls, d, n, m, rng, W_hh, gain, options: dict[str, Any], where) -> RNN:
        """The network with :math:`W_{hh}` = ``gain * W_hh(n, rng)``, the rest as ``random``;
        ``options``: ``activation``, ``input_scale``, the keywords of ``where``."""
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        gain = check_real(gain, "gain")
        check_options(options, ("gain", "activation", "input_scale"), where)
        input_scale = check_real(options.get("input_scale", 1.0), "input_scale", nonnegative=True)
        W_hh = gain * W_hh(n, rng)
        W_xh = rng.standard_normal((n, d)) * (input_scale / np.sqrt(d))
        W_hy = rng.standard_normal((m, n)) / np.sqrt(n)
        return cls(W_xh, W_hh, np.zeros(n), W_hy, np.zeros(m), options.get("activation", "tanh"))

    def _options(self) -> dict[str, Any]:
        return {"activation": self.activation}

    def forward(
        self, xs: np.ndarray, h0: np.ndarray | None = None, *, work: Work | None = None
    ) -> RNNTrace:
        r"""Run the recurrence :math:`a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h`,
        :math:`h_t = \phi(a_t)`, :math:`y_t = W_{hy} h_t + b_y` (:doc:`/unrolled_rnn`); raise
        FloatingPointError if the state of one network overflows (with a run axis, never: the
        run's slice holds non-finite numbers).

        Parameters
        ----------
        xs : ndarray, shape (T, B, d), or (R, T, B, d) with a run axis (or shared by the runs)
            Inputs, time first.
        h0 : ndarray, shape (B, n) or (n,), or (R, B, n), optional
            Initial state (zeros by default).
        work : dict, optional
            Arrays a training loop keeps between calls; the trace overwrites the last one.
        """
        runs, (d, n, m) = self.W_hh.shape[:-2], self.sizes
        xs = check_sequence(xs, d, runs)
        T, B = xs.shape[-3:-1]
        h = work_array(work, "h", (*runs, T + 1, B, n))
        h[..., 0, :, :] = initial_state(h0, "h0", B, n, runs)
        a = work_array(work, "a", (*runs, T, B, n))
        # The input projection does not depend on the recurrence: one product for all steps.
        np.matmul(merge_steps(xs), self.W_xh.swapaxes(-1, -2), out=merge_steps(a))
        a += self.b_h[..., None, None, :]
        # A contiguous copy of W_hh^T: BLAS multiplies small untransposed matrices faster.
        W_hh_T = np.ascontiguousarray(self.W_hh.swapaxes(-1, -2))
        recurrent = np.empty((*runs, B, n))  # W_hh h_{t-1}, reused by every step
        hs, as_ = steps_first(h), steps_first(a)  # time-first views: hs[t] is h_t
        phi = self.activation.f
        ufunc = isinstance(phi, np.ufunc)  # tanh: written straight into h, no temporary per step
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(T):
                np.matmul(hs[t], W_hh_T, out=recurrent)
                as_[t] += recurrent
                if ufunc:
                    phi(as_[t], out=hs[t + 1])
                else:
                    hs[t + 1] = phi(as_[t])
        if not runs and not np.isfinite(h).all():
            bad = int(np.argmin(np.isfinite(h).reshape(T + 1, -1).all(axis=1)))
            raise FloatingPointError(
                f"forward pass overflowed at step t={bad}: the hidden state left the float64 "
                "range (an exploding recurrence); use a smaller W_hh, a bounded activation, "
                "or jacobian_log_norms for the exploding regime"
            )
        y = work_array(work, "y", (*runs, T, B, m))
        np.matmul(merge_steps(h[..., 1:, :, :]), self.W_hy.swapaxes(-1, -2), out=merge_steps(y))
        y += self.b_y[..., None, None, :]
        return RNNTrace(xs=xs, h=h, a=a, y=y)

    def backward(
        self,
        trace: RNNTrace,
        dL_dy: np.ndarray,
        *,
        truncate: int | None = None,
        work: Work | None = None,
    ) -> RNNGradients:
        r"""Backpropagation through time (:eq:`rnn-bptt` of :doc:`/unrolled_rnn`), t = T down:

        .. math::

            \frac{\partial\mathcal L}{\partial h_t} = \frac{\partial\mathcal L_t}{\partial y_t}
            W_{hy} + \delta_{t+1} W_{hh}, \qquad
            \delta_t = \frac{\partial\mathcal L}{\partial h_t} \operatorname{diag}(\phi'(a_t)),

        then :math:`\partial\mathcal L/\partial W_{hh} = \sum_t \delta_t^\top h_{t-1}^\top`
        (:eq:`sw-outer`) and the others, one product each.

        Parameters
        ----------
        trace : RNNTrace
            The result of :meth:`forward`.
        dL_dy : ndarray, shape (T, B, m), or (R, T, B, m) with a run axis
            :math:`\partial\mathcal L/\partial y_t`, zero where a step has no loss.
        truncate : int, optional
            Truncated BPTT: each loss term goes back at most ``truncate - 1`` steps (1: none;
            >= T: exact), in ``dh`` too.
        work : dict, optional
            As in :meth:`forward`: the next call overwrites ``dh``.
        """
        (T, B, n), runs, m = self._check_trace(trace), self.W_hh.shape[:-2], self.W_hy.shape[-2]
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(*runs, T, B, m), finite=not runs)
        delta = self._slopes(trace, work)  # phi'(a_t), then delta_t in place
        dh = work_array(work, "dh", trace.h.shape)
        dh[..., 0, :, :] = 0.0  # h_0 has no output; the direct paths y_t -> h_t, all t at once:
        np.matmul(merge_steps(dL_dy), self.W_hy, out=merge_steps(dh[..., 1:, :, :]))
        if truncate is None or check_int(truncate, "truncate", minimum=1) >= T:
            dhs, deltas = steps_first(dh), steps_first(delta)
            carry = np.empty((*runs, B, n))  # delta_t W_hh: the path h_{t-1} -> h_t -> later
            for t in range(T, 0, -1):
                deltas[t - 1] *= dhs[t]  # dhs[t] is complete: direct path + carry of t + 1
                np.matmul(deltas[t - 1], self.W_hh, out=carry)
                dhs[t - 1] += carry
        else:
            dh, delta = self._bptt_truncated(dh[..., 1:, :, :], delta, truncate)
        D, G = merge_steps(delta), merge_steps(dL_dy)
        ones = np.ones(T * B)  # sums over (t, b) as BLAS products: about 4x faster than sum()
        return RNNGradients(
            W_xh=D.swapaxes(-1, -2) @ merge_steps(trace.xs),
            W_hh=D.swapaxes(-1, -2) @ merge_steps(trace.h[..., :-1, :, :]),
            b_h=ones @ D,
            W_hy=G.swapaxes(-1, -2) @ merge_steps(trace.h[..., 1:, :, :]),
            b_y=ones @ G,
            dh=dh,
        )

    def _slopes(self, trace: RNNTrace, work: Work | None) -> np.ndarray:
        """:math:`\\phi'(a_t)` of every step, (..., T, B, n); for tanh :math:`1 - h_t^2`."""
        dphi = work_array(work, "delta", trace.a.shape)
        if self.activation == ACTIVATIONS["tanh"]:
            return np.subtract(1.0, np.square(trace.h[..., 1:, :, :], out=dphi), out=dphi)
        dphi[...] = self.activation.df(trace.a)
        return dphi

    def _bptt_truncated(
        self, dh_out: np.ndarray, dphi: np.ndarray, truncate: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # Lag by lag: e[p] is the gradient at h_{p+1} coming from the loss at step p+1+j.
        # Every loss term travels truncate - 1 recurrent steps at most, vectorised over time.
        T = dphi.shape[-3]
        dh = np.zeros((*dh_out.shape[:-3], T + 1, *dh_out.shape[-2:]))
        delta = np.zeros_like(dphi)
        dhs, deltas, dphis = steps_first(dh), steps_first(delta), steps_first(dphi)
        e = steps_first(dh_out)
        for j in range(truncate):  # truncate < T: e never runs out of steps
            width = T - j
            dhs[1 : width + 1] += e
            step = e * dphis[:width]
            deltas[:width] += step
            if j == truncate - 1:
                break
            back = step @ self.W_hh
            dhs[0] += back[0]
            e = back[1:]
        return dh, delta

    def step_jacobians(self, trace: RNNTrace) -> np.ndarray:
        r"""All one-step Jacobians :math:`J_t = \partial h_t / \partial h_{t-1}`, which are
        :math:`\operatorname{diag}(\phi'(a_t))\, W_{hh}` (:eq:`rnn-step-jacobian` of
        :doc:`/unrolled_rnn`), shape (T, B, n, n); ``J[t - 1]`` is :math:`J_t`."""
        self._one_network("step_jacobians")
        self._check_trace(trace)
        return self.activation.df(trace.a)[..., :, None] * self.W_hh

    def jacobian_product(self, trace: RNNTrace, t: int, k: int) -> np.ndarray:
        r"""The product :math:`\partial h_t / \partial h_{t-k} = J_t J_{t-1} \cdots J_{t-k+1}`.

        :eq:`sw-product` of :doc:`/shared_weights`; with the identity activation this is
        exactly :math:`W_{hh}^k` (:eq:`sw-power`). Shape (B, n, n); raises
        FloatingPointError if it overflows (use :meth:`jacobian_log_norms` there).
        """
        self._one_network("jacobian_product")
        t = check_step(check_int(t, "t", minimum=0), self._check_trace(trace)[0])
        k = check_int(k, "k", minimum=0)
        if k > t:
            raise ValueError(f"k must be <= t={t} (h_0 is the earliest state), got {k}")
        B, n = trace.h.shape[1:]
        P = np.broadcast_to(np.eye(n), (B, n, n)).copy()
        with np.errstate(over="ignore", invalid="ignore"):
            for s in range(t, t - k, -1):
                P = P @ self._step_jacobian(trace, s - 1)
        if not np.isfinite(P).all():
            raise FloatingPointError(
                f"the Jacobian product dh_{t}/dh_{t - k} overflowed float64; "
                "use jacobian_log_norms for its norm"
            )
        return P

    def _step_jacobian(self, trace: RNNTrace, s: int) -> np.ndarray:
        """:math:`J_{s+1}`, shape (B, n, n)."""
        return self.activation.df(trace.a[s])[:, :, None] * self.W_hh
