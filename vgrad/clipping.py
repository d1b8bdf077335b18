r"""Gradient clipping, by global norm (Pascanu, Mikolov & Bengio 2013) and element-wise.

Norm clipping rescales the whole gradient when it is too long, so it keeps the direction and
only shortens the step; clipping each entry to :math:`[-c, c]` can change the direction.
Neither lengthens any entry, so clipping bounds the step of an exploding gradient and cannot
restore a vanishing one (:doc:`/clipping`).

``grads`` is a cell's gradients, ``RNNGradients``, ``LSTMGradients``, ``GRUGradients`` or
``LRUGradients`` (its ``params()`` are clipped together; ``dh``, ``dc`` pass through untouched),
an ndarray, or a non-empty sequence of ndarrays; NaN or inf in it is a ValueError. One network
is the case R = 1 of ``_clip_runs`` and :func:`norms_per_run`, which :func:`vgrad.train` applies
to R runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, check_real

__all__ = ["Clipped", "clip_by_norm", "clip_by_value", "global_norm"]


class Clipped(NamedTuple):
    """The clipped gradients (same kind as given) and the global norm *before* clipping."""

    grads: object
    norm: float


def _is_grad_object(grads: object) -> bool:  # a cell's gradients: params() names them
    return dataclasses.is_dataclass(grads) and callable(getattr(grads, "params", None))


def _arrays(grads: object) -> list[np.ndarray]:
    if _is_grad_object(grads):
        items = list(grads.params().items())
    elif isinstance(grads, np.ndarray):
        items = [("grads", grads)]
    elif isinstance(grads, Sequence) and not isinstance(grads, str | bytes) and len(grads) > 0:
        items = [(f"grads[{i}]", g) for i, g in enumerate(grads)]
    else:
        raise TypeError(
            "grads must be a vgrad gradients object (RNN, LSTM, GRU or LRU), an ndarray, or a "
            f"non-empty sequence of ndarrays, got {type(grads).__name__}"
        )
    out = []
    for name, g in items:
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{name} must be an ndarray, got {type(g).__name__}")
        if not np.all(np.isfinite(g)):
            raise ValueError(
                f"{name} contains NaN or inf: clipping cannot repair a gradient that already "
                "overflowed; stop the run (see vgrad.train) or lower the learning rate"
            )
        out.append(as_float_array(g, name))
    return out


def _rebuild(grads: object, arrays: list[np.ndarray]) -> object:
    if _is_grad_object(grads):
        return dataclasses.replace(grads, **dict(zip(grads.params(), arrays, strict=True)))
    if isinstance(grads, np.ndarray):
        return arrays[0]
    return type(grads)(arrays) if isinstance(grads, tuple | list) else arrays


def _along_runs(values: float | np.ndarray, like: np.ndarray) -> float | np.ndarray:
    """Per-run ``values`` (R,) shaped to broadcast against ``like`` (R, ...); a scalar as is."""
    if not isinstance(values, np.ndarray) or values.ndim == 0:
        return values
    return values.reshape((-1,) + (1,) * (like.ndim - 1))


def global_norm(grads: object) -> float:
    r"""Euclidean norm :math:`\|g\| = \sqrt{\sum_i \|g_i\|_F^2}` of all entries together, a float
    (0.0 for an all-zero gradient), :eq:`eq-clip-global`, without overflow (:func:`norms_per_run`).

    Parameters
    ----------
    grads : RNNGradients, LSTMGradients, GRUGradients, LRUGradients, ndarray or sequence of ndarray
    """
    return float(norms_per_run([g.reshape(1, -1) for g in _arrays(grads)])[0])


def norms_per_run(arrays: Sequence[np.ndarray]) -> np.ndarray:
    r"""The global norm :math:`\|g^{(r)}\|` of each run r of ``arrays`` (each (R, ...)), shape
    (R,): 0 for an all-zero run, inf for one with a non-finite entry. Each run is divided by
    its largest magnitude before squaring, so that entries near 1e200 do not overflow."""
    if not arrays:
        raise ValueError("arrays must be a non-empty sequence of (R, ...) arrays")
    R = arrays[0].shape[0]
    flat = [a.reshape(R, -1) for a in arrays]
    with np.errstate(all="ignore"):
        peak = np.abs(np.concatenate(flat, axis=1)).max(axis=1, initial=0.0)
        safe = np.where((peak > 0) & np.isfinite(peak), peak, 1.0)
        norm = safe * np.sqrt(sum(np.square(f / safe[:, None]).sum(axis=1) for f in flat))
    return np.where(np.isfinite(peak), np.where(peak > 0, norm, 0.0), np.inf)


def _clip_runs(
    g: dict, norm: np.ndarray, tau: np.ndarray, limit: np.ndarray
) -> tuple[dict, np.ndarray]:
    """Clip each run r of the dict of arrays ``g`` (R, ...), of norms ``norm`` (R,), from
    :func:`norms_per_run`, by norm at ``tau[r]`` or by value at ``limit[r]`` (inf: not that
    way); the clipped dict and its norms (R,). Unchecked: :func:`vgrad.train`'s step."""
    with np.errstate(all="ignore"):
        scale = np.where(norm > tau, tau / norm, 1.0)
    by_value = np.isfinite(limit)
    rescale, any_by_value = (scale != 1.0).any(), by_value.any()
    out = {}
    for k, p in g.items():
        q = p * _along_runs(scale, p) if rescale else p
        if any_by_value:
            q = np.clip(q, -_along_runs(limit, p), _along_runs(limit, p))
        out[k] = q
    clipped = np.minimum(norm, tau)
    if any_by_value:
        clipped = np.where(by_value, norms_per_run(list(out.values())), clipped)
    return out, clipped


def _clip(grads: object, tau: float, limit: float) -> Clipped:
    """``_clip_runs`` on one network's gradients (R = 1), returned in their own kind."""
    arrays = dict(enumerate(g[None] for g in _arrays(grads)))
    norm = norms_per_run(list(arrays.values()))
    out, _ = _clip_runs(arrays, norm, np.array([tau]), np.array([limit]))
    if all(out[i] is arrays[i] for i in arrays):  # nothing clipped: ``grads`` itself
        return Clipped(grads, float(norm[0]))
    return Clipped(_rebuild(grads, [q[0] for q in out.values()]), float(norm[0]))


def clip_by_norm(grads: object, threshold: float) -> Clipped:
    r"""Rescale all gradients together so that their global norm is at most ``threshold``.

    .. math:: g \leftarrow \min\!\Big(1, \frac{\tau}{\|g\|}\Big)\, g

    Parameters
    ----------
    grads : RNNGradients, LSTMGradients, GRUGradients, LRUGradients, ndarray or sequence of ndarray
    threshold : float
        :math:`\tau > 0`, as in :eq:`eq-clip-norm` of :doc:`/clipping`.

    Returns
    -------
    Clipped
        ``(grads, norm)``: gradients of the same kind (the very same ``grads`` when
        :math:`\|g\| \le \tau`), and :math:`\|g\|` before clipping.
    """
    return _clip(grads, check_real(threshold, "threshold", positive=True), np.inf)


def clip_by_value(grads: object, limit: float) -> Clipped:
    r"""Clip every gradient entry to :math:`[-c, c]` (this can rotate the gradient).

    .. math:: g_i \leftarrow \max\bigl(-c, \min(c, g_i)\bigr)

    Parameters
    ----------
    grads : RNNGradients, LSTMGradients, GRUGradients, LRUGradients, ndarray or sequence of ndarray
    limit : float
        :math:`c > 0`, as in :eq:`eq-clip-value` of :doc:`/clipping`.

    Returns
    -------
    Clipped
        ``(grads, norm)`` as :func:`clip_by_norm`, but always new arrays.
    """
    return _clip(grads, np.inf, check_real(limit, "limit", positive=True))
