r"""A vanilla recurrent network with backpropagation through time.

.. math::

    h_t = \phi(W_{xh} x_t + W_{hh} h_{t-1} + b_h), \qquad y_t = W_{hy} h_t + b_y .

:meth:`RNN.backward` returns every parameter gradient *and* the total loss gradient
:math:`\partial\mathcal L/\partial h_t` for every step, because the decay of that sequence is what
the site is about (:eq:`rnn-bptt` of :doc:`/unrolled_rnn`, :eq:`sw-outer` of
:doc:`/shared_weights`). The one-step Jacobian :math:`J_t = \partial h_t / \partial h_{t-1}
= \operatorname{diag}(\phi'(a_t))\, W_{hh}` (:eq:`rnn-step-jacobian`) and its products
(:eq:`sw-product`) are available directly, with their norms computed in log space so that
exploding regimes stay finite (:doc:`/eigenvalues`). Gradients of the loss are row vectors,
as on :doc:`/notation`:
:math:`\partial\mathcal L/\partial h_{t-1} = \partial\mathcal L_{t-1}/\partial h_{t-1}
+ \partial\mathcal L/\partial h_t \, J_t`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._cells import Cell, GradientsBase, TraceBase, check_step
from ._validate import as_float_array, check_int, check_real, check_rng, check_sizes
from .activations import ACTIVATIONS, Activation, get_activation
from .spectral import orthogonal, random_matrix

__all__ = ["RNN", "Gradients", "RNNGradients", "RNNTrace", "Trace"]

PARAMS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


@dataclass(frozen=True)
class RNNTrace(TraceBase):
    """Everything the forward pass computed, kept for the backward pass.

    ``vgrad.Trace`` is an older name for this class.

    Attributes
    ----------
    xs : ndarray, shape (T, B, d)
        The inputs :math:`x_1, \\dots, x_T`.
    h : ndarray, shape (T + 1, B, n)
        Hidden states; ``h[0]`` is :math:`h_0` and ``h[t]`` is :math:`h_t`.
    a : ndarray, shape (T, B, n)
        Pre-activations; ``a[t - 1]`` is :math:`a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h`.
    y : ndarray, shape (T, B, m)
        Outputs; ``y[t - 1]`` is :math:`y_t`.
    """

    xs: np.ndarray
    h: np.ndarray
    a: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class RNNGradients(GradientsBase):
    r"""Gradients of a loss with respect to the parameters and to every hidden state.

    ``vgrad.Gradients`` is an older name for this class.

    Attributes
    ----------
    W_xh, W_hh, b_h, W_hy, b_y : ndarray
        :math:`\partial\mathcal L/\partial \theta`, same shapes as the parameters.
    dh : ndarray, shape (T + 1, B, n)
        ``dh[t]`` is the *total* derivative :math:`\partial\mathcal L/\partial h_t` for
        :math:`t = 0, \dots, T`, through every path (the output at step t and all later steps).
    """

    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray

    PARAMS: ClassVar[tuple[str, ...]] = PARAMS


#: The names before RNNTrace and RNNGradients, kept for existing code.
Trace = RNNTrace
Gradients = RNNGradients


class RNN(Cell):
    r"""Vanilla (Elman) recurrent network.

    .. math::

        a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h, \quad h_t = \phi(a_t), \quad
        y_t = W_{hy} h_t + b_y .

    Parameters
    ----------
    W_xh : ndarray, shape (n, d)
        Input-to-hidden weights.
    W_hh : ndarray, shape (n, n)
        Hidden-to-hidden weights, shared by every step (:doc:`/shared_weights`).
    b_h : ndarray, shape (n,)
        Hidden bias.
    W_hy : ndarray, shape (m, n)
        Hidden-to-output weights.
    b_y : ndarray, shape (m,)
        Output bias.
    activation : str or Activation, default "tanh"
        :math:`\phi`: ``"identity"``, ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    Notes
    -----
    The parameters are copied to float64 arrays; they are plain attributes, so a training
    loop may update them in place.
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
        W_hh = as_float_array(W_hh, "W_hh", ndim=2)
        n = W_hh.shape[0]
        if W_hh.shape != (n, n):
            raise ValueError(f"W_hh must be square with shape (n, n), got {W_hh.shape}")
        W_xh = as_float_array(W_xh, "W_xh", shape=(n, None))
        W_hy = as_float_array(W_hy, "W_hy", shape=(None, n))
        m = W_hy.shape[0]
        self.W_xh = W_xh.copy()
        self.W_hh = W_hh.copy()
        self.b_h = as_float_array(b_h, "b_h", shape=(n,)).copy()
        self.W_hy = W_hy.copy()
        self.b_y = as_float_array(b_y, "b_y", shape=(m,)).copy()
        self.activation = get_activation(activation)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def random(
        cls,
        d: int,
        n: int,
        m: int,
        rng: np.random.Generator | int,
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
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        input_scale = check_real(input_scale, "input_scale", nonnegative=True)
        W_hh = random_matrix(n, rng, rho=rho, sigma_max=sigma_max)
        return cls._with_recurrent(W_hh, d, m, rng, activation, input_scale)

    @classmethod
    def orthogonal(
        cls,
        d: int,
        n: int,
        m: int,
        rng: np.random.Generator | int,
        *,
        gain: float = 1.0,
        activation: str | Activation = "tanh",
        input_scale: float = 1.0,
    ) -> RNN:
        r"""Network with :math:`W_{hh} = g\,Q`, Q Haar-orthogonal: every singular value is g.

        See :func:`RNN.random` for the other parameters.
        """
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        gain = check_real(gain, "gain")
        input_scale = check_real(input_scale, "input_scale", nonnegative=True)
        return cls._with_recurrent(gain * orthogonal(n, rng), d, m, rng, activation, input_scale)

    @classmethod
    def identity(
        cls,
        d: int,
        n: int,
        m: int,
        rng: np.random.Generator | int,
        *,
        gain: float = 1.0,
        activation: str | Activation = "relu",
        input_scale: float = 1.0,
    ) -> RNN:
        r"""Network with :math:`W_{hh} = g\,I` (with ReLU: the IRNN of Le, Jaitly & Hinton 2015)."""
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        gain = check_real(gain, "gain")
        input_scale = check_real(input_scale, "input_scale", nonnegative=True)
        return cls._with_recurrent(gain * np.eye(n), d, m, rng, activation, input_scale)

    @classmethod
    def _with_recurrent(cls, W_hh, d, m, rng, activation, input_scale) -> RNN:
        n = W_hh.shape[0]
        W_xh = rng.standard_normal((n, d)) * (input_scale / np.sqrt(d))
        W_hy = rng.standard_normal((m, n)) / np.sqrt(n)
        return cls(W_xh, W_hh, np.zeros(n), W_hy, np.zeros(m), activation=activation)

    def _options(self) -> dict[str, Any]:
        return {"activation": self.activation}

    # -- forward ------------------------------------------------------------------------

    def forward(self, xs: np.ndarray, h0: np.ndarray | None = None) -> RNNTrace:
        r"""Run the recurrence over a batch of sequences.

        Parameters
        ----------
        xs : ndarray, shape (T, B, d)
            Inputs, time first.
        h0 : ndarray, shape (B, n) or (n,), optional
            Initial state (zeros by default); a vector is broadcast over the batch.

        Returns
        -------
        RNNTrace
            ``h`` (T + 1, B, n), ``a`` (T, B, n), ``y`` (T, B, m).

        Raises
        ------
        FloatingPointError
            If the hidden state overflows float64 (an exploding forward pass).
        """
        xs, h = self._states(xs, h0=h0)
        T, B, n = h[1:].shape
        phi = self.activation.f
        # The input projection does not depend on the recurrence: one product for all steps.
        a = xs @ self.W_xh.T
        a += self.b_h
        # A contiguous copy of W_hh^T: BLAS multiplies small untransposed matrices faster.
        W_hh_T = np.ascontiguousarray(self.W_hh.T)
        recurrent = np.empty((B, n))  # W_hh h_{t-1}, reused by every step
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(T):
                np.matmul(h[t], W_hh_T, out=recurrent)
                a[t] += recurrent
                h[t + 1] = phi(a[t])
        if not np.isfinite(h).all():
            bad = int(np.argmin(np.isfinite(h).reshape(T + 1, -1).all(axis=1)))
            raise FloatingPointError(
                f"forward pass overflowed at step t={bad}: the hidden state left the float64 "
                "range (an exploding recurrence); use a smaller W_hh, a bounded activation, "
                "or jacobian_log_norms for the exploding regime"
            )
        y = h[1:] @ self.W_hy.T + self.b_y
        return RNNTrace(xs=xs, h=h, a=a, y=y)

    # -- backward -----------------------------------------------------------------------

    def backward(
        self, trace: RNNTrace, dL_dy: np.ndarray, *, truncate: int | None = None
    ) -> RNNGradients:
        r"""Backpropagation through time.

        Runs the recursion :eq:`rnn-bptt` of :doc:`/unrolled_rnn`, with the gradients as row
        vectors (the convention of :doc:`/notation`),

        .. math::

            \frac{\partial\mathcal L}{\partial h_t}
            = \frac{\partial\mathcal L_t}{\partial y_t} W_{hy}
            + \frac{\partial\mathcal L}{\partial h_{t+1}} J_{t+1}, \qquad
            J_{t+1} = \operatorname{diag}(\phi'(a_{t+1}))\, W_{hh},

        then accumulates
        :math:`\partial\mathcal L/\partial W_{hh} = \sum_t \delta_t^\top h_{t-1}^\top`
        (:eq:`sw-outer` of :doc:`/shared_weights`) with the row vector
        :math:`\delta_t = \partial\mathcal L/\partial a_t = \partial\mathcal L/\partial h_t
        \operatorname{diag}(\phi'(a_t))` as one matrix product.

        Parameters
        ----------
        trace : RNNTrace
            The result of :meth:`forward`.
        dL_dy : ndarray, shape (T, B, m)
            Upstream gradient :math:`\partial\mathcal L/\partial y_t` (for example from
            :func:`vgrad.mse`); zeros where a step carries no loss.
        truncate : int, optional
            Truncated BPTT: the loss at step :math:`s` sends its gradient back through at most
            ``truncate`` steps, i.e. only the terms :math:`k <` ``truncate`` of
            :math:`\sum_k \partial h_s/\partial h_{s-k} \cdots` are kept. ``truncate=1`` keeps
            no recurrent path at all; ``truncate >= T`` is exact BPTT. ``dh[t]`` is then the
            truncated gradient reaching :math:`h_t`.

        Returns
        -------
        RNNGradients
        """
        self._check_trace(trace)
        T, B, n = trace.a.shape
        m = self.W_hy.shape[0]
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(T, B, m))
        if self.activation == ACTIVATIONS["tanh"]:
            # tanh'(a) = 1 - tanh(a)^2 = 1 - h^2: reuse the stored h_t rather than evaluate tanh
            # again (the same numbers as activation.df(a), in one (T, B, n) array, not three)
            dphi = np.square(trace.h[1:])
            np.subtract(1.0, dphi, out=dphi)
        else:
            # a private copy, since _bptt_full overwrites it
            dphi = np.array(self.activation.df(trace.a), dtype=np.float64)
        if truncate is None or check_int(truncate, "truncate", minimum=1) >= T:
            dh, delta = self._bptt_full(dL_dy, dphi)
        else:
            dh_out = dL_dy @ self.W_hy  # the direct path y_t -> h_t, all steps at once
            dh, delta = self._bptt_truncated(dh_out, dphi, truncate)
        flat = delta.reshape(T * B, n).T
        ones = np.ones(T * B)  # sums over (t, b) as BLAS products, as vgrad.RNNStack does
        return RNNGradients(
            W_xh=flat @ trace.xs.reshape(T * B, -1),
            W_hh=flat @ trace.h[:-1].reshape(T * B, n),
            b_h=ones @ delta.reshape(T * B, n),
            W_hy=dL_dy.reshape(T * B, m).T @ trace.h[1:].reshape(T * B, n),
            b_y=ones @ dL_dy.reshape(T * B, m),
            dh=dh,
        )

    def _bptt_full(self, dL_dy: np.ndarray, dphi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # dphi must be the caller's own array: it is overwritten with
        # delta_t = phi'(a_t) * dL/dh_t, which saves allocating (and touching) one (T, B, n) array.
        T, B, n = dphi.shape
        dh = np.empty((T + 1, B, n))
        dh[0] = 0.0  # h_0 has no output of its own
        np.matmul(dL_dy, self.W_hy, out=dh[1:])  # the direct path y_t -> h_t, all steps at once
        delta = dphi
        carry = np.empty((B, n))  # W_hh^T delta_t: the path h_{t-1} -> h_t -> later losses
        for t in range(T, 0, -1):
            # dh[t] is complete here: its direct term plus the carry added at step t + 1
            delta[t - 1] *= dh[t]
            np.matmul(delta[t - 1], self.W_hh, out=carry)
            dh[t - 1] += carry
        return dh, delta

    def _bptt_truncated(
        self, dh_out: np.ndarray, dphi: np.ndarray, K: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # Lag by lag: e[p] is the gradient at h_{p+1} coming from the loss at step p+1+j.
        # Every loss term travels exactly K - 1 recurrent steps at most, vectorised over time.
        T, B, n = dh_out.shape
        dh = np.zeros((T + 1, B, n))
        delta = np.zeros((T, B, n))
        e = dh_out
        for j in range(K):
            width = T - j
            dh[1 : width + 1] += e
            step = e * dphi[:width]
            delta[:width] += step
            if j == K - 1:
                break
            back = step @ self.W_hh
            dh[0] += back[0]
            e = back[1:]
            if e.shape[0] == 0:
                break
        return dh, delta

    # -- Jacobians ----------------------------------------------------------------------

    def step_jacobians(self, trace: RNNTrace) -> np.ndarray:
        r"""All one-step Jacobians :math:`\partial h_t / \partial h_{t-1}`.

        .. math:: J_t = \operatorname{diag}(\phi'(a_t))\, W_{hh}

        (:eq:`rnn-step-jacobian` of :doc:`/unrolled_rnn`).

        Returns
        -------
        ndarray, shape (T, B, n, n)
            ``J[t - 1]`` is :math:`J_t`.
        """
        self._check_trace(trace)
        return self.activation.df(trace.a)[..., :, None] * self.W_hh

    def jacobian_product(self, trace: RNNTrace, t: int, k: int) -> np.ndarray:
        r"""The product :math:`\partial h_t / \partial h_{t-k} = J_t J_{t-1} \cdots J_{t-k+1}`.

        :eq:`sw-product` of :doc:`/shared_weights`; with the identity activation this is
        exactly :math:`W_{hh}^k` (:eq:`sw-power`).

        Returns
        -------
        ndarray, shape (B, n, n)

        Raises
        ------
        FloatingPointError
            If the product overflows; use :meth:`jacobian_log_norms` in that regime.
        """
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
