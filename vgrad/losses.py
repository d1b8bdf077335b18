r"""Losses that return both their value and :math:`\partial\mathcal L/\partial y`.

Each takes the outputs of every step, ``y`` of shape (T, B, m), and a ``where`` that says which
steps carry a loss: ``"all"`` (a target at every step) or ``"last"`` (only :math:`y_T`, as in
the long-memory tasks of :doc:`/training`). Each returns ``(loss, dL_dy)``: the loss, a float,
and its gradient, of ``y``'s shape with zeros on steps without a loss, so that it can go
straight into :meth:`vgrad.RNN.backward`.
The private forms also take leading run axes (..., T, B, m), with shared targets or one set
per run (:func:`vgrad.tasks.score_runs`), and return one loss per run.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._validate import as_float_array, check_choice

__all__ = ["mse", "softmax_cross_entropy"]

WHERE = ("all", "last")


def _one_network(loss_fn: Callable, y: object, target: object, where: str) -> tuple:
    """``loss_fn`` on the checked outputs ``y`` (T, B, m) of one network; the loss as a float."""
    y = as_float_array(y, "y", ndim=3)
    loss, dL_dy = loss_fn(y, target, check_choice(where, "where", WHERE))
    return float(loss), dL_dy


def mse(y: np.ndarray, target: np.ndarray, where: str = "all") -> tuple[float, np.ndarray]:
    r"""Mean squared error over the steps that carry a loss.

    .. math::

        L = \frac{1}{N} \sum_{t, b, i} (y_{t,b,i} - \hat y_{t,b,i})^2, \qquad
        \frac{\partial\mathcal L}{\partial y} = \frac{2}{N} (y - \hat y),

    where :math:`\hat y` is ``target``, the sum runs over the counted steps, N their entries.

    Parameters
    ----------
    y : ndarray, shape (T, B, m)
    target : ndarray, shape (T, B, m) for ``where="all"``, (B, m) for ``"last"``
    where : {"all", "last"}
    """
    return _one_network(_mse, y, target, where)


def _mse(y: np.ndarray, target: object, where: str) -> tuple[np.ndarray, np.ndarray]:
    T, B, m = y.shape[-3:]
    want = (T, B, m) if where == "all" else (B, m)
    axes = tuple(range(-len(want), 0))  # the axes of one run
    if y.ndim > 3 and np.shape(target) == (*y.shape[:-3], *want):
        want = (*y.shape[:-3], *want)
    target = as_float_array(target, "target", shape=want)
    diff = (y if where == "all" else y[..., -1, :, :]) - target
    N = B * m * (T if where == "all" else 1)
    loss = np.sum(diff * diff, axis=axes) / N
    return loss, _on_steps(y, (2.0 / N) * diff, where)


def _on_steps(y: np.ndarray, grad: np.ndarray, where: str) -> np.ndarray:
    """dL/dy: ``grad`` (of every step, or of the last, without its step axis), zero elsewhere."""
    if where == "all":
        return grad
    dL_dy = np.zeros_like(y)
    dL_dy[..., -1, :, :] = grad
    return dL_dy


def softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray, where: str = "all"
) -> tuple[float, np.ndarray]:
    r"""Softmax cross-entropy, averaged over the counted (step, sequence) pairs.

    .. math::

        L = -\frac{1}{N} \sum_{t, b} \log \operatorname{softmax}(y_{t,b})_{c_{t,b}}, \qquad
        \frac{\partial\mathcal L}{\partial y_{t,b}} = \frac{1}{N}
        \big(\operatorname{softmax}(y_{t,b}) - e_{c_{t,b}}\big).

    Here y is ``logits`` and :math:`c_{t,b}` the class in ``labels``; the log-softmax subtracts
    the row maximum first, so large logits are safe.

    Parameters
    ----------
    logits : ndarray, shape (T, B, m)
    labels : ndarray of int in [0, m), shape (T, B) for ``where="all"``, (B,) for ``"last"``
    where : {"all", "last"}
    """
    return _one_network(_softmax_cross_entropy, logits, labels, where)


def _row_max(z: np.ndarray) -> np.ndarray:
    """``z.max(axis=-1, keepdims=True)``: for a few classes, elementwise maxima of the columns
    are several times faster than numpy's reduction over a short axis."""
    if z.shape[-1] > 8:
        return z.max(axis=-1, keepdims=True)
    out = z[..., :1].copy()
    for j in range(1, z.shape[-1]):
        np.maximum(out, z[..., j : j + 1], out=out)
    return out


def _softmax_cross_entropy(
    y: np.ndarray, labels: object, where: str
) -> tuple[np.ndarray, np.ndarray]:
    T, B, m = y.shape[-3:]
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be an integer array, got dtype {labels.dtype}")
    want = (T, B) if where == "all" else (B,)
    if labels.shape not in (want, (*y.shape[:-3], *want)):  # shared, or one set per run
        raise ValueError(f"labels must have shape {want}, got {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= m):
        raise ValueError(f"labels must lie in [0, {m}), got range [{labels.min()}, {labels.max()}]")
    z = y if where == "all" else y[..., -1:, :, :]
    lab = labels if where == "all" else labels[..., None, :]
    # Plain fancy indices (every axis but the classes, then the label): the entries
    # take_along_axis would pick, with a fraction of its overhead (one call per training step).
    picked = (*np.indices(z.shape[:-1], sparse=True), np.broadcast_to(lab, z.shape[:-1]))
    z = z - _row_max(z)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    N = math.prod(want)
    loss = -log_p[picked][..., None].sum(axis=(-3, -2, -1)) / N
    grad = np.exp(log_p)
    grad[picked] -= 1.0
    grad /= N
    return loss, _on_steps(y, grad if where == "all" else grad[..., 0, :, :], where)
