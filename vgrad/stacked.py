r"""R vanilla RNNs of one shape, run as one: every parameter carries a leading run axis.

Training many small networks one after another is dominated by Python's per-operation cost,
not by arithmetic: a (32, 16) by (16, 16) product takes about as long to *call* as to
compute. Stacking R networks turns the R products of a time step into one batched product,
so an experiment over many seeds costs a fraction of its separate runs
(``benchmarks/bench_train.py`` measures it). :class:`LSTMStack` and :class:`GRUStack` do the
same for the gated cells.
The mathematics is that of :class:`vgrad.RNN`, run by run:

.. math::

    a^{(r)}_t = W^{(r)}_{xh} x^{(r)}_t + W^{(r)}_{hh} h^{(r)}_{t-1} + b^{(r)}_h, \quad
    h^{(r)}_t = \phi(a^{(r)}_t), \quad y^{(r)}_t = W^{(r)}_{hy} h^{(r)}_t + b^{(r)}_y ,

and :meth:`RNNStack.backward` is the BPTT recursion of :meth:`vgrad.RNN.backward`
(:doc:`/shared_weights`) for each run. Runs never interact: member r's gradients equal those
of ``stack.net(r)`` alone to rounding (``tests/test_stacked.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import gru as _gru
from . import lstm as _lstm
from ._validate import as_float_array
from .activations import ACTIVATIONS
from .gru import GRU
from .lstm import LSTM
from .rnn import PARAMS, RNN, Gradients

__all__ = ["GRUStack", "LSTMStack", "RNNStack", "StackedGradients", "StackedTrace", "stack_of"]


@dataclass(frozen=True)
class StackedTrace:
    """The forward pass of an :class:`RNNStack`: :class:`vgrad.RNNTrace` per run, run axis first.

    Attributes
    ----------
    xs : ndarray, shape (T, B, d) or (R, T, B, d)
        Inputs: one batch for every run, or one batch per run.
    h : ndarray, shape (R, T + 1, B, n)
        ``h[r]`` is the ``h`` of run r's :class:`vgrad.RNNTrace`.
    a : ndarray, shape (R, T, B, n)
    y : ndarray, shape (R, T, B, m)
    """

    xs: np.ndarray
    h: np.ndarray
    a: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class StackedGradients(Gradients):
    """:class:`vgrad.RNNGradients` of every run: each parameter gradient has a leading run
    axis R, and ``dh`` has shape (R, T + 1, B, n)."""


class RNNStack:
    """R vanilla RNNs with the same sizes and activation, parameters stacked on axis 0.

    Parameters
    ----------
    nets : sequence of RNN
        The members, copied. All must have the same ``sizes`` and activation.
    """

    def __init__(self, nets: Sequence[RNN]) -> None:
        if isinstance(nets, RNN) or not isinstance(nets, Sequence) or len(nets) == 0:
            raise TypeError(f"nets must be a non-empty sequence of vgrad RNNs, got {nets!r}")
        for i, net in enumerate(nets):
            if not isinstance(net, RNN):
                raise TypeError(f"nets[{i}] must be a vgrad RNN, got {type(net).__name__}")
            if net.sizes != nets[0].sizes or net.activation != nets[0].activation:
                raise ValueError(
                    f"nets[{i}] is {net!r} but nets[0] is {nets[0]!r}: a stack needs one "
                    "shape and one activation"
                )
        self.activation = nets[0].activation
        self._work: dict[str, np.ndarray] = {}
        for k in PARAMS:
            setattr(self, k, np.stack([getattr(net, k) for net in nets]))

    @property
    def R(self) -> int:
        """Number of stacked runs."""
        return self.W_hh.shape[0]

    @property
    def sizes(self) -> tuple[int, int, int]:
        """``(d, n, m)`` of every member."""
        return self.W_xh.shape[2], self.W_hh.shape[1], self.W_hy.shape[1]

    def params(self) -> dict[str, np.ndarray]:
        """The stacked parameters by name, as the live arrays (shape (R, ...))."""
        return {k: getattr(self, k) for k in PARAMS}

    def net(self, r: int) -> RNN:
        """Member ``r`` as an independent :class:`vgrad.RNN`."""
        return RNN(**{k: p[r] for k, p in self.params().items()}, activation=self.activation)

    def keep(self, runs: np.ndarray) -> None:
        """Keep only the members selected by ``runs`` (a boolean mask or indices)."""
        for k, p in self.params().items():
            setattr(self, k, p[runs])

    def __repr__(self) -> str:
        d, n, m = self.sizes
        return f"RNNStack(R={self.R}, d={d}, n={n}, m={m}, activation={self.activation.name!r})"

    def _array(self, name: str, shape: tuple[int, ...], reuse: bool) -> np.ndarray:
        # A fresh array of a few MB costs a page fault per 4 kB on first touch (glibc hands
        # large freed blocks back to the system), more than the arithmetic done in it; a
        # training loop therefore reuses the arrays of its previous step.
        if not reuse:
            return np.empty(shape)
        arr = self._work.get(name)
        if arr is None or arr.shape != shape:
            arr = self._work[name] = np.empty(shape)
        return arr

    def forward(self, xs: np.ndarray, *, reuse: bool = False) -> StackedTrace:
        """Run every member over its inputs, from :math:`h_0 = 0`.

        ``xs`` has shape (T, B, d) (the same sequences for every run) or (R, T, B, d).
        Nothing is checked for overflow: a member whose state leaves the float64 range
        has non-finite entries in its own slice, and the caller decides what to do with it.
        With ``reuse=True`` the trace lives in arrays the stack keeps between calls: faster,
        and the previous call's trace is overwritten.
        """
        d, n, _ = self.sizes
        R = self.R
        xs = as_float_array(xs, "xs", ndim=(3, 4), finite=False)
        if xs.shape[-1] != d or (xs.ndim == 4 and xs.shape[0] != R):
            raise ValueError(f"xs must have shape (T, B, {d}) or ({R}, T, B, {d}), got {xs.shape}")
        T, B = xs.shape[-3], xs.shape[-2]
        # Run axis first: each run's (B, n) block of a step is contiguous, so numpy hands
        # every block of a batched product straight to BLAS, and the weight gradients
        # below need no transposed copies.
        # The input projection of all steps at once: one (T B, d) by (d, n) product per run.
        X = xs.reshape(*xs.shape[:-3], T * B, d)
        a = self._array("a", (R, T * B, n), reuse)
        np.matmul(X, self.W_xh.transpose(0, 2, 1), out=a)
        a = a.reshape(R, T, B, n)
        a += self.b_h[:, None, None, :]
        W_hh_T = np.ascontiguousarray(self.W_hh.transpose(0, 2, 1))
        h = self._array("h", (R, T + 1, B, n), reuse)
        h[:, 0] = 0.0
        phi = self.activation.f
        recurrent = np.empty((R, B, n))
        with np.errstate(all="ignore"):
            for t in range(T):
                np.matmul(h[:, t], W_hh_T, out=recurrent)  # one batched product for all runs
                a[:, t] += recurrent
                if isinstance(phi, np.ufunc):  # tanh: straight into h, no temporary
                    phi(a[:, t], out=h[:, t + 1])
                else:
                    h[:, t + 1] = phi(a[:, t])
            y = self._array("y", (R, T * B, self.sizes[2]), reuse)
            np.matmul(h[:, 1:].reshape(R, T * B, n), self.W_hy.transpose(0, 2, 1), out=y)
            y = y.reshape(R, T, B, -1)
            y += self.b_y[:, None, None, :]
        return StackedTrace(xs=xs, h=h, a=a, y=y)

    def backward(
        self, trace: StackedTrace, dL_dy: np.ndarray, *, reuse: bool = False
    ) -> StackedGradients:
        r"""Full BPTT for every member (:meth:`vgrad.RNN.backward`, run by run).

        ``dL_dy`` has shape (R, T, B, m). Non-finite members give non-finite gradients in
        their own slices only. ``reuse`` as in :meth:`forward` (it overwrites ``dh``).
        """
        R, T, B, n = trace.a.shape
        m = self.W_hy.shape[1]
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(R, T, B, m), finite=False)
        with np.errstate(all="ignore"):
            dphi = self._array("dphi", (R, T, B, n), reuse)
            if self.activation == ACTIVATIONS["tanh"]:
                np.square(trace.h[:, 1:], out=dphi)  # tanh'(a) = 1 - h^2, as in RNN.backward
                np.subtract(1.0, dphi, out=dphi)
            else:
                dphi[...] = self.activation.df(trace.a)
            dh = self._array("dh", (R, T + 1, B, n), reuse)
            dh[:, 0] = 0.0
            # The direct path y_t -> h_t, all steps at once (a reshape of dh[:, 1:] is a view).
            np.matmul(dL_dy.reshape(R, T * B, m), self.W_hy, out=dh[:, 1:].reshape(R, T * B, n))
            delta = dphi  # overwritten with phi'(a_t) * dL/dh_t
            carry = np.empty((R, B, n))
            for t in range(T, 0, -1):
                delta[:, t - 1] *= dh[:, t]
                np.matmul(delta[:, t - 1], self.W_hh, out=carry)
                dh[:, t - 1] += carry
            # Sums over (t, b) per run, as one batched product per weight: with the run axis
            # first, every (T B, .) block is a free reshape.
            D = delta.reshape(R, T * B, n)
            D_T = D.transpose(0, 2, 1)
            X = trace.xs.reshape(*trace.xs.shape[:-3], T * B, -1)
            G = dL_dy.reshape(R, T * B, m)
            # The bias gradients are sums over (t, b); as products with a ones vector they
            # run in BLAS, about four times faster than numpy's sum over a middle axis.
            ones = np.ones(T * B)
            return StackedGradients(
                W_xh=D_T @ X,
                W_hh=D_T @ trace.h[:, :-1].reshape(R, T * B, n),
                b_h=ones @ D,
                W_hy=G.transpose(0, 2, 1) @ trace.h[:, 1:].reshape(R, T * B, n),
                b_y=ones @ G,
                dh=dh,
            )


class _GatedStack:
    """R gated cells of one shape, parameters stacked on axis 0; the maths is the cell's own
    (``forward_runs`` and ``backward_runs`` of :mod:`vgrad.lstm` and :mod:`vgrad.gru`)."""

    _cell: type
    _module: object

    def __init__(self, nets: Sequence) -> None:
        cell = self._cell
        if isinstance(nets, cell) or not isinstance(nets, Sequence) or len(nets) == 0:
            raise TypeError(f"nets must be a non-empty sequence of vgrad {cell.__name__}s")
        for i, net in enumerate(nets):
            if not isinstance(net, cell):
                raise TypeError(
                    f"nets[{i}] must be a vgrad {cell.__name__}, got {type(net).__name__}"
                )
            if net.sizes != nets[0].sizes:
                raise ValueError(
                    f"nets[{i}] is {net!r} but nets[0] is {nets[0]!r}: a stack needs one shape"
                )
        self._names = tuple(nets[0].params())
        self._work: dict[str, np.ndarray] = {}
        for k in self._names:
            setattr(self, k, np.stack([getattr(net, k) for net in nets]))

    @property
    def R(self) -> int:
        """Number of stacked runs."""
        return self.W_h.shape[0]

    @property
    def sizes(self) -> tuple[int, int, int]:
        """``(d, n, m)`` of every member."""
        return self.W_x.shape[2], self.W_h.shape[2], self.W_hy.shape[1]

    def params(self) -> dict[str, np.ndarray]:
        """The stacked parameters by name, as the live arrays (shape (R, ...))."""
        return {k: getattr(self, k) for k in self._names}

    def net(self, r: int):
        """Member ``r`` as an independent cell."""
        return self._cell(**{k: p[r] for k, p in self.params().items()})

    def keep(self, runs: np.ndarray) -> None:
        """Keep only the members selected by ``runs`` (a boolean mask or indices)."""
        for k, p in self.params().items():
            setattr(self, k, p[runs])

    def __repr__(self) -> str:
        d, n, m = self.sizes
        return f"{type(self).__name__}(R={self.R}, d={d}, n={n}, m={m})"

    def forward(self, xs: np.ndarray, *, reuse: bool = False):
        """Run every member from zero states; ``xs`` (T, B, d) or (R, T, B, d). ``reuse`` as
        in :meth:`RNNStack.forward`."""
        d = self.sizes[0]
        xs = as_float_array(xs, "xs", ndim=(3, 4), finite=False)
        if xs.shape[-1] != d or (xs.ndim == 4 and xs.shape[0] != self.R):
            raise ValueError(
                f"xs must have shape (T, B, {d}) or ({self.R}, T, B, {d}), got {xs.shape}"
            )
        with np.errstate(all="ignore"):
            return self._module.forward_runs(self.params(), xs, self._work if reuse else None)

    def backward(self, trace, dL_dy: np.ndarray, *, reuse: bool = False):
        """BPTT for every member; ``dL_dy`` has shape (R, T, B, m). ``reuse`` as in
        :meth:`RNNStack.backward`."""
        R, T1, B, _ = trace.h.shape
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(R, T1 - 1, B, self.sizes[2]), finite=False)
        with np.errstate(all="ignore"):
            return self._module.backward_runs(
                self.params(), trace, dL_dy, self._work if reuse else None
            )


class LSTMStack(_GatedStack):
    """R :class:`vgrad.LSTM` cells of one shape, run as one (:func:`vgrad.lstm.forward_runs`).

    Member r's gradients equal those of ``stack.net(r)`` alone to rounding
    (``tests/test_stacked.py``).
    """

    _cell = LSTM
    _module = _lstm


class GRUStack(_GatedStack):
    """R :class:`vgrad.GRU` cells of one shape, run as one (:func:`vgrad.gru.forward_runs`)."""

    _cell = GRU
    _module = _gru


def stack_of(nets: Sequence) -> RNNStack | LSTMStack | GRUStack:
    """The stack for a sequence of one kind of cell."""
    first = nets[0] if isinstance(nets, Sequence) and len(nets) else nets
    if isinstance(first, LSTM):
        return LSTMStack(nets)
    if isinstance(first, GRU):
        return GRUStack(nets)
    return RNNStack(nets)
