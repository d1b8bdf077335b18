r"""Norms of long products of step Jacobians, kept in log space.

Backpropagation through :math:`k` steps multiplies :math:`k` Jacobians, and their product can
leave the float64 range in either direction long before anything interesting happens. The
running product is therefore renormalised after every factor and its scale kept as a sum of
logarithms:

.. math::

    P_k = F_1 F_2 \cdots F_k = e^{s_k} Q_k, \quad \|Q_k\|_F = 1, \quad
    \log\|P_k\| = s_k + \log\|Q_k\| .

Shared by :meth:`vgrad.RNN.jacobian_log_norms`, :meth:`vgrad.LSTM.jacobian_log_norms` and
:meth:`vgrad.GRU.jacobian_log_norms` (see :doc:`/eigenvalues`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def check_ord(ord: object) -> int | str:
    """Accept the two matrix norms the Jacobian helpers support: 2 and ``"fro"``."""
    if isinstance(ord, bool) or ord not in (2, "fro"):
        raise ValueError(f"ord must be 2 or 'fro', got {ord!r}")
    return ord  # type: ignore[return-value]


def log_norms_of_products(
    factors: Iterable[np.ndarray], B: int, N: int, ord: int | str = 2
) -> np.ndarray:
    r"""Natural-log norms of the running products :math:`P_k = F_1 F_2 \cdots F_k`.

    Parameters
    ----------
    factors : iterable of ndarray, each of shape (B, N, N)
        :math:`F_1, F_2, \dots`, in the order they multiply on the right. For
        :math:`\partial h_t/\partial h_{t-k}` that is :math:`J_t, J_{t-1}, \dots`.
    B, N : int
        Batch size and matrix size (needed for :math:`P_0 = I` when there are no factors).
    ord : {2, "fro"}
        Spectral or Frobenius norm.

    Returns
    -------
    ndarray, shape (K + 1, B)
        Entry ``[k, b]`` is :math:`\log\|P_k\|` (``[0]`` is the norm of the identity);
        ``-inf`` once a product is exactly zero.
    """
    out = [np.full(B, np.log(np.linalg.norm(np.eye(N), ord=ord)))]
    Q = np.broadcast_to(np.eye(N), (B, N, N)).copy()
    scale = np.zeros(B)
    for F in factors:
        Q = Q @ F
        s = np.sqrt(np.einsum("bij,bij->b", Q, Q))
        alive = s > 0
        Q /= np.where(alive, s, 1.0)[:, None, None]
        scale = scale + np.log(np.where(alive, s, 1.0))
        scale[~alive] = -np.inf
        norm_Q = 1.0 if ord == "fro" else np.linalg.norm(Q, ord=2, axis=(1, 2))
        out.append(scale + np.log(np.where(alive, norm_Q, 1.0)))
    return np.stack(out)
