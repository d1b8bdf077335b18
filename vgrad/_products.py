r"""Norms of long products of matrices, kept in log space.

A product of k Jacobians can leave the float64 range long before anything interesting
happens, so the running product is renormalised after every factor and its scale kept as a
sum of logarithms (:doc:`/eigenvalues`):

.. math::

    P_k = F_1 F_2 \cdots F_k = e^{s_k} Q_k, \quad \|Q_k\|_F = 1, \quad
    \log\|P_k\| = s_k + \log\|Q_k\| .

The cells' ``jacobian_log_norms`` and :func:`vgrad.spectral.power_norms` call
:func:`log_norms_of_products`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Real

import numpy as np

#: log of the largest float64: a log-norm above it cannot be exponentiated.
LOG_MAX = float(np.log(np.finfo(np.float64).max))

#: The matrix norms :func:`numpy.linalg.norm` computes, as ``ord`` values.
MATRIX_ORDS: tuple[int | float | str, ...] = (1, 2, np.inf, "fro", "nuc")


def log0(x: object) -> np.ndarray:
    """Natural log with ``log(0) = -inf`` and no divide-by-zero warning (an ndarray)."""
    x = np.asarray(x, dtype=np.float64)
    return np.log(x, out=np.full(x.shape, -np.inf), where=x > 0)


def check_ord(ord: object, allowed: Sequence[int | float | str] = (2, "fro")) -> int | float | str:
    """Validate a matrix-norm ``ord`` against ``allowed`` (by default 2 and ``"fro"``)."""
    for choice in allowed:
        same_kind = isinstance(ord, str) if isinstance(choice, str) else isinstance(ord, Real)
        if same_kind and not isinstance(ord, bool) and ord == choice:
            return choice
    names = ", ".join("np.inf" if c == np.inf else repr(c) for c in allowed)
    raise ValueError(f"ord must be one of {names}, got {ord!r}")


def log_norms_of_products(
    factors: Iterable[np.ndarray], batch: int | tuple[int, ...], N: int, ord: int | float | str = 2
) -> np.ndarray:
    r"""Natural-log norms of the running products :math:`P_k = F_1 F_2 \cdots F_k`.

    ``factors`` (each (*batch, N, N)) multiply on the right: :math:`J_t, J_{t-1}, \dots`
    for :math:`\partial h_t/\partial h_{t-k}`. ``batch`` (int or tuple) gives :math:`P_0 = I`
    its shape; ``ord`` is as in :func:`numpy.linalg.norm`. Returns (K + 1, *batch) for K factors:
    ``[k]`` is :math:`\log\|P_k\|`, ``-inf`` once a product is exactly zero.
    """
    batch = (batch,) if isinstance(batch, int) else tuple(batch)
    eye = np.eye(N)
    out = [np.full(batch, np.log(np.linalg.norm(eye, ord=ord)))]
    Q = np.broadcast_to(eye, (*batch, N, N)).copy()
    scale = np.zeros(batch)
    for F in factors:
        Q = Q @ F
        s = np.sqrt(np.einsum("...ij,...ij->...", Q, Q))
        alive = s > 0
        Q /= np.where(alive, s, 1.0)[..., None, None]
        scale = np.where(alive, scale + log0(s), -np.inf)
        norm_Q = 1.0 if ord == "fro" else np.linalg.norm(Q, ord=ord, axis=(-2, -1))
        out.append(scale + np.log(np.where(alive, norm_Q, 1.0)))
    return np.stack(out)
