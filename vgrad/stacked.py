r"""R gated cells of one shape, run as one: every parameter carries a leading run axis.

Training many small networks one after another is dominated by Python's per-operation cost,
not by arithmetic: a (32, 16) by (16, 16) product takes about as long to *call* as to
compute. Stacking R networks turns the R products of a time step into one batched product,
so an experiment over many seeds costs a fraction of its separate runs
(``benchmarks/bench_train.py`` measures it). The vanilla RNN and the LSTM do this themselves
(:meth:`vgrad.RNN.stack`, :meth:`vgrad.LSTM.stack`); :class:`GRUStack` does it for the GRU.
Runs never interact: member r's gradients equal those of ``stack.run(r)`` alone to
rounding (``tests/test_stacked.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import gru as _gru
from ._runs import Work
from ._validate import as_float_array
from .gru import GRU
from .lstm import LSTM
from .rnn import RNN

__all__ = ["GRUStack", "stack_of"]


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

    def run(self, r: int):
        """Member ``r`` as an independent cell."""
        return self._cell(**{k: p[r] for k, p in self.params().items()})

    def keep(self, runs: np.ndarray) -> None:
        """Keep only the members selected by ``runs`` (a boolean mask or indices)."""
        for k, p in self.params().items():
            setattr(self, k, p[runs])

    def __repr__(self) -> str:
        d, n, m = self.sizes
        return f"{type(self).__name__}(R={self.R}, d={d}, n={n}, m={m})"

    def forward(self, xs: np.ndarray, *, work: Work | None = None):
        """Run every member from zero states; ``xs`` (T, B, d) or (R, T, B, d). ``work`` as
        in :meth:`vgrad.RNN.forward`."""
        d = self.sizes[0]
        xs = as_float_array(xs, "xs", ndim=(3, 4), finite=False)
        if xs.shape[-1] != d or (xs.ndim == 4 and xs.shape[0] != self.R):
            raise ValueError(
                f"xs must have shape (T, B, {d}) or ({self.R}, T, B, {d}), got {xs.shape}"
            )
        with np.errstate(all="ignore"):
            return self._module.forward_runs(self.params(), xs, work)

    def backward(self, trace, dL_dy: np.ndarray, *, work: Work | None = None):
        """BPTT for every member; ``dL_dy`` has shape (R, T, B, m). ``work`` as in
        :meth:`vgrad.RNN.backward`."""
        R, T1, B, _ = trace.h.shape
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(R, T1 - 1, B, self.sizes[2]), finite=False)
        with np.errstate(all="ignore"):
            return self._module.backward_runs(self.params(), trace, dL_dy, work)


class GRUStack(_GatedStack):
    """R :class:`vgrad.GRU` cells of one shape, run as one (:func:`vgrad.gru.forward_runs`)."""

    _cell = GRU
    _module = _gru


def stack_of(nets: Sequence) -> RNN | LSTM | GRUStack:
    """The stack for a sequence of one kind of cell (:meth:`vgrad.RNN.stack` for RNNs,
    :meth:`vgrad.LSTM.stack` for LSTMs)."""
    first = nets[0] if isinstance(nets, Sequence) and len(nets) else nets
    if isinstance(first, LSTM):
        return LSTM.stack(nets)
    if isinstance(first, GRU):
        return GRUStack(nets)
    return RNN.stack(nets)
