r"""A deep feed-forward network and the backward flow of its loss gradient (:doc:`/deep_networks`).

Layer :math:`l = 1, \dots, L` computes :math:`z_l = W_l y_{l-1} + b_l` and
:math:`y_l = \phi(z_l)`, from :math:`y_0 = x`; backpropagation multiplies the gradient by
:math:`\operatorname{diag}(\phi'(z_l)) W_l` at each layer, a norm of at most
:math:`\gamma\|W_l\|_2` (:math:`\gamma = 1/4` for the sigmoid). Arrays are batched (rows are
examples; parameter gradients are summed over them); tuples hold :math:`y_l` at index ``l``,
and :math:`z_l, W_l, b_l` at ``l - 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral

import numpy as np

from ._validate import as_float_array, check_choice, check_int, check_real, check_rng
from .activations import Activation, get_activation
from .spectral import _LOG_MAX, _log0, orthogonal

__all__ = ["DeepGradients", "DeepNet", "DeepTrace", "GradientFlow", "gradient_flow"]

#: Activations or gradients beyond this magnitude are refused before they overflow.
_HUGE = 1e150


def _refuse_huge(a: np.ndarray, message: str) -> None:
    if np.max(np.abs(a), initial=0.0) > _HUGE:
        raise OverflowError(message)


@dataclass(frozen=True)
class DeepTrace:
    """Forward pass: ``y[l]`` = :math:`y_l` (``l = 0..L``), ``z[l - 1]`` = :math:`z_l`."""

    y: tuple[np.ndarray, ...]
    z: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class DeepGradients:
    r"""Backward pass: ``dy[l]`` = :math:`\partial\mathcal L/\partial y_l` (``l = 0..L``, shape
    ``(B, n_l)``), ``W[l - 1]`` = :math:`\partial\mathcal L/\partial W_l`, ``b[l - 1]`` =
    :math:`\partial\mathcal L/\partial b_l` (summed over the batch)."""

    dy: tuple[np.ndarray, ...]
    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]


def _init_weight(init: str, n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    if init == "orthogonal":
        return orthogonal(n_in, rng)
    if init == "he":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    # the "standard" and the "normalised" initialisation of Glorot & Bengio (2010)
    bound = 1.0 / np.sqrt(n_in) if init == "standard" else np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-bound, bound, size=(n_out, n_in))


class DeepNet:
    r"""A stack of fully connected layers :math:`y_l = \phi(W_l y_{l-1} + b_l)`.

    ``W[l - 1]`` is :math:`W_l`, shape ``(n_l, n_{l-1})``; ``b[l - 1]`` is :math:`b_l`, shape
    ``(n_l,)``; ``activation`` is the same :math:`\phi` in every layer (:doc:`/deep_networks`).
    """

    def __init__(
        self, W: Sequence[object], b: Sequence[object], activation: str | Activation = "sigmoid"
    ) -> None:
        if not isinstance(W, Sequence) or not isinstance(b, Sequence) or len(W) == 0:
            raise TypeError("W and b must be non-empty sequences of arrays (one per layer)")
        if len(W) != len(b):
            raise ValueError(f"W and b must have one entry per layer, got {len(W)} and {len(b)}")
        Ws, bs = [], []
        for i, (W_l, b_l) in enumerate(zip(W, b, strict=True)):  # W_l: (n_l, n_{l-1})
            Ws.append(as_float_array(W_l, f"W[{i}]", shape=(None, Ws[-1].shape[0] if i else None)))
            bs.append(as_float_array(b_l, f"b[{i}]", shape=(Ws[-1].shape[0],)))
        self.W: tuple[np.ndarray, ...] = tuple(Ws)
        self.b: tuple[np.ndarray, ...] = tuple(bs)
        self.activation = get_activation(activation)

    @classmethod
    def random(
        cls,
        depth: int,
        width: int,
        rng: object,
        *,
        activation: str | Activation = "sigmoid",
        init: str = "standard",
        gain: float | None = None,
        in_dim: int | None = None,
    ) -> DeepNet:
        r"""``depth`` layers of ``width`` units (input size ``in_dim``, default ``width``), zero
        biases, weights drawn by ``init`` and multiplied by ``gain`` (default 1):
        ``"standard"`` :math:`U(\pm 1/\sqrt{n_{in}})` and ``"xavier"``
        :math:`U(\pm\sqrt{6/(n_{in} + n_{out})})` (Glorot & Bengio, 2010), ``"he"``
        :math:`\mathcal N(0, 2/n_{in})` (He et al., 2015), ``"orthogonal"`` Haar orthogonal
        (needs ``in_dim == width``). See :doc:`/deep_networks`.
        """
        depth = check_int(depth, "depth", minimum=1)
        width = check_int(width, "width", minimum=1)
        rng = check_rng(rng)
        init = check_choice(init, "init", ("standard", "xavier", "he", "orthogonal"))
        gain = 1.0 if gain is None else check_real(gain, "gain")
        in_dim = width if in_dim is None else check_int(in_dim, "in_dim", minimum=1)
        if init == "orthogonal" and in_dim != width:
            raise ValueError(f"init='orthogonal' needs in_dim == width = {width}, got {in_dim}")
        W = [gain * _init_weight(init, *n, rng) for n in pairwise([in_dim] + [width] * depth)]
        return cls(W, [np.zeros(width) for _ in range(depth)], activation)

    @property
    def depth(self) -> int:
        """Number of layers :math:`L`."""
        return len(self.W)

    @property
    def widths(self) -> tuple[int, ...]:
        r""":math:`(n_0, n_1, \dots, n_L)`, with :math:`n_0` the input dimension."""
        return (self.W[0].shape[1], *(W_l.shape[0] for W_l in self.W))

    def forward(self, x: object) -> DeepTrace:
        r"""Run :math:`y_l = \phi(W_l y_{l-1} + b_l)` from :math:`y_0 = x`, shape ``(B, n_0)``."""
        y = [as_float_array(x, "x", shape=(None, self.widths[0]))]
        z = []
        for ell, (W_l, b_l) in enumerate(zip(self.W, self.b, strict=True), start=1):
            z.append(y[-1] @ W_l.T + b_l)
            y.append(self.activation.f(z[-1]))
            _refuse_huge(z[-1], f"pre-activations exceed {_HUGE:.0e} at layer {ell}; lower gain")
        return DeepTrace(tuple(y), tuple(z))

    def _check_trace(self, trace: object) -> DeepTrace:
        if not isinstance(trace, DeepTrace) or len(trace.z) != self.depth:
            raise TypeError(f"trace must be the DeepTrace of this {self.depth}-layer net's forward")
        return trace

    def _layer_backward(
        self, trace: DeepTrace, ell: int, dy_l: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One step: from dL/dy_l to (dL/dy_{l-1}, dL/dW_l, dL/db_l)."""
        delta = self.activation.df(trace.z[ell - 1]) * dy_l  # dL/dz_l = L'_l phi'_l
        return delta @ self.W[ell - 1], delta.T @ trace.y[ell - 1], delta.sum(axis=0)

    def backward(self, trace: DeepTrace, dL_dy: object) -> DeepGradients:
        r"""Backpropagate ``dL_dy`` = :math:`\partial\mathcal L/\partial y_L`, shape ``(B, n_L)``.

        .. math:: \frac{\partial\mathcal L}{\partial y_{l-1}}
            = \Bigl(\phi'(z_l)\odot\frac{\partial\mathcal L}{\partial y_l}\Bigr) W_l,
            \qquad
            \frac{\partial\mathcal L}{\partial W_l}
            = \sum_b \Bigl(\phi'(z_l)\odot\frac{\partial\mathcal L}{\partial y_l}\Bigr)^\top
            y_{l-1}.

        Gradients beyond float64 need :func:`gradient_flow` (log space; :doc:`/deep_networks`).
        """
        trace = self._check_trace(trace)
        L = self.depth
        dy = [None] * L + [as_float_array(dL_dy, "dL_dy", shape=trace.y[-1].shape)]
        dW, db = [None] * L, [None] * L
        for ell in range(L, 0, -1):
            _refuse_huge(dy[ell], f"dL/dy_{ell} exceeds {_HUGE:.0e}; use gradient_flow (log space)")
            dy[ell - 1], dW[ell - 1], db[ell - 1] = self._layer_backward(trace, ell, dy[ell])
        return DeepGradients(tuple(dy), tuple(dW), tuple(db))

    def jacobians(self, trace: DeepTrace) -> tuple[np.ndarray, ...]:
        r"""Layer Jacobians :math:`\partial y_l/\partial y_{l-1} = \operatorname{diag}(\phi'(z_l))
        W_l`, entry ``l - 1`` of shape ``(B, n_l, n_{l-1})``. See :doc:`/deep_networks`."""
        trace = self._check_trace(trace)
        return tuple(
            self.activation.df(z_l)[:, :, None] * W_l
            for z_l, W_l in zip(trace.z, self.W, strict=True)
        )


@dataclass(frozen=True)
class GradientFlow:
    r"""Natural-log gradient norms per layer, from :func:`gradient_flow`: ``log_dy[l]``,
    ``log_dW[l - 1]``, ``log_db[l - 1]`` are the logs of the ``*_norm`` properties' values at
    layer :math:`l`, which raise OverflowError beyond float64."""

    log_dy: np.ndarray
    log_dW: np.ndarray
    log_db: np.ndarray

    @staticmethod
    def _exp(log: np.ndarray) -> np.ndarray:
        if np.any(log > _LOG_MAX):
            raise OverflowError("a gradient norm exceeds float64; use the log_* attributes")
        return np.exp(log)

    @property
    def dy_norm(self) -> np.ndarray:
        r""":math:`\operatorname{mean}_b \|\partial\mathcal L/\partial y_l\|` for ``l = 0..L``."""
        return self._exp(self.log_dy)

    @property
    def dW_norm(self) -> np.ndarray:
        r""":math:`\|\partial\mathcal L/\partial W_l\|_F` for ``l = 1..L``."""
        return self._exp(self.log_dW)

    @property
    def db_norm(self) -> np.ndarray:
        r""":math:`\|\partial\mathcal L/\partial b_l\|` for ``l = 1..L``."""
        return self._exp(self.log_db)


def gradient_flow(net: DeepNet, x: object, upstream: object) -> GradientFlow:
    r"""Per-layer gradient norms of ``net`` at input ``x`` ``(B, n_0)``, computed in log space.

    ``upstream`` is :math:`\partial\mathcal L/\partial y_L` (array ``(B, n_L)``) or a
    ``numpy.random.Generator`` / int seed that draws a random unit-norm gradient per example
    (the loss-agnostic probe of :doc:`/deep_networks`). The backward pass is linear in it, so
    it is renormalised after every layer and the scale kept as a logarithm: a sigmoid net of
    depth 1000 gives finite logs, not zeros. Returns a :class:`GradientFlow`.
    """
    if not isinstance(net, DeepNet):
        raise TypeError(f"net must be a DeepNet, got {type(net).__name__}")
    trace = net.forward(x)
    shape = trace.y[-1].shape
    if isinstance(upstream, np.random.Generator | Integral) and not isinstance(upstream, bool):
        dy = check_rng(upstream, "upstream").standard_normal(shape)
        dy /= np.linalg.norm(dy, axis=1, keepdims=True)
    else:
        dy = as_float_array(upstream, "upstream", shape=shape)
    L = net.depth
    log_dy, log_dW, log_db = np.empty(L + 1), np.empty(L), np.empty(L)
    log_scale = 0.0  # true dL/dy_l = exp(log_scale) * dy
    log_dy[L] = _log0(np.mean(np.linalg.norm(dy, axis=1)))
    for ell in range(L, 0, -1):
        dy, dW_l, db_l = net._layer_backward(trace, ell, dy)
        log_dW[ell - 1] = log_scale + _log0(np.linalg.norm(dW_l))
        log_db[ell - 1] = log_scale + _log0(np.linalg.norm(db_l))
        s = float(np.max(np.abs(dy), initial=0.0))
        if s > 0:
            dy = dy / s
            log_scale += np.log(s)
        log_dy[ell - 1] = log_scale + _log0(np.mean(np.linalg.norm(dy, axis=1)))
    return GradientFlow(log_dy, log_dW, log_db)
