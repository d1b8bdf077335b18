r"""Eigenvalues, singular values and the growth of matrix powers and products.

Backpropagation through time multiplies the gradient by one Jacobian per step, so whether
it vanishes or explodes is a question about products of matrices: the eigenvalues set the
asymptotic rate of a constant matrix's powers, the singular values bound every single step,
and a non-normal matrix can grow for a while with all its eigenvalues inside the unit
circle (:doc:`/eigenvalues`). Matrix arguments are ``(n, n)`` or a batch ``(..., n, n)``.
Norms of long products are returned as logarithms: :math:`1.5^{2000}` is not a float64, so
the running product is renormalised after every factor and its scale kept as a sum of logs,

.. math::

    P_k = F_1 F_2 \cdots F_k = e^{s_k} Q_k, \quad \|Q_k\|_F = 1, \quad
    \log\|P_k\| = s_k + \log\|Q_k\|

(:func:`log_norms_of_products`, behind :func:`power_norms` and the cells' ``jacobian_log_norms``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Real

import numpy as np

from ._validate import as_float_array, check_choice, check_int, check_real, check_rng

# fmt: off
__all__ = [
    "growth_rate", "log_norms_of_products", "lyapunov_exponents", "matrix_power_eig",
    "nonnormal_2x2", "nonnormal_coupling", "orthogonal", "power_norms", "random_matrix",
    "singular_values", "spectral_radius",
]
# fmt: on

#: log of the largest float64: a log-norm above it cannot be exponentiated.
_LOG_MAX = float(np.log(np.finfo(np.float64).max))

#: The matrix norms :func:`numpy.linalg.norm` computes, as ``ord`` values.
_MATRIX_ORDS: tuple[int | float | str, ...] = (1, 2, np.inf, "fro", "nuc")


def _log0(x: object) -> np.ndarray:
    """Natural log with ``log(0) = -inf`` and no divide-by-zero warning (an ndarray)."""
    x = np.asarray(x, dtype=np.float64)
    return np.log(x, out=np.full(x.shape, -np.inf), where=x > 0)


def _check_ord(ord: object, allowed: Sequence[int | float | str] = (2, "fro")) -> int | float | str:
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

    ``factors`` (each ``(*batch, N, N)``) multiply on the right: :math:`J_t, J_{t-1}, \dots` for
    :math:`\partial h_t/\partial h_{t-k}`; ``batch`` (int or tuple) gives :math:`P_0 = I` its
    shape; ``ord``: 2, 1, ``np.inf``, ``"fro"`` or ``"nuc"`` (:func:`numpy.linalg.norm`). Returns
    ``(K + 1, *batch)`` for K factors: ``[k]`` is :math:`\log\|P_k\|`, ``-inf`` once exactly zero.
    """
    batch = tuple(check_int(k, "batch", minimum=0) for k in np.atleast_1d(batch))
    N, ord = check_int(N, "N", minimum=1), _check_ord(ord, _MATRIX_ORDS)
    eye = np.eye(N)
    out = [np.full(batch, np.log(np.linalg.norm(eye, ord=ord)))]
    Q = np.broadcast_to(eye, (*batch, N, N)).copy()
    scale = np.zeros(batch)
    for k, F in enumerate(factors):
        Q = Q @ as_float_array(F, f"factors[{k}]", shape=(*batch, N, N))
        s = np.sqrt(np.einsum("...ij,...ij->...", Q, Q))
        alive = s > 0
        Q /= np.where(alive, s, 1.0)[..., None, None]
        scale = np.where(alive, scale + _log0(s), -np.inf)
        norm_Q = 1.0 if ord == "fro" else np.linalg.norm(Q, ord=ord, axis=(-2, -1))
        out.append(scale + np.log(np.where(alive, norm_Q, 1.0)))
    return np.stack(out)


def _square(M: object, name: str = "M") -> np.ndarray:
    """Validate a square matrix ``(n, n)`` or a batch of them ``(..., n, n)``."""
    M = as_float_array(M, name)
    if M.ndim < 2 or M.shape[-1] != M.shape[-2] or M.shape[-1] == 0:
        want = "a non-empty square matrix (n, n) or a batch (..., n, n)"
        raise ValueError(f"{name} must be {want}, got shape {M.shape}")
    return M


def spectral_radius(M: object) -> np.ndarray | float:
    r"""Spectral radius :math:`\rho(M) = \max_i |\lambda_i(M)|`, float or shape (...).

    :math:`\rho(M)^k` is the asymptotic growth rate of :math:`\|M^k\|` (Gelfand's formula),
    but it bounds no single step: :math:`\rho(M) \le \|M\|_2` (:doc:`/eigenvalues`).
    """
    M = _square(M)
    rho = np.max(np.abs(np.linalg.eigvals(M)), axis=-1)
    return float(rho) if M.ndim == 2 else rho


def singular_values(M: object) -> np.ndarray:
    r"""Singular values :math:`s_1 \ge \dots \ge s_n \ge 0` of ``M``, shape (n,) or (..., n).

    :math:`s_1 = \|M\|_2` bounds how much one multiplication by :math:`M` can stretch a
    vector (:doc:`/eigenvalues`).
    """
    return np.linalg.svd(_square(M), compute_uv=False)


def matrix_power_eig(M: object, p: int, *, max_cond: float = 1e8) -> np.ndarray:
    r"""Matrix power through the eigendecomposition, :math:`M^p = V \Lambda^p V^{-1}`.

    The identity of :doc:`/eigenvalues` behind vanishing (:math:`\rho(M) < 1`) and exploding
    (:math:`\rho(M) > 1`) powers; accurate only for well-conditioned :math:`V` (rounding
    error about :math:`\epsilon\,\kappa_2(V)\,\rho(M)^p`). A real ``M`` gives a real result
    of its shape, once the imaginary rounding residue is checked to be negligible. ``p`` >= 0.

    Raises ValueError if :math:`\kappa_2(V) >` ``max_cond`` (a defective ``M`` such as
    ``[[1, 1], [0, 1]]``) or the imaginary residue is not negligible, OverflowError if
    :math:`M^p` would not fit in float64; each message names the function to use instead.
    """
    M = _square(M)
    p = check_int(p, "p", minimum=0)
    max_cond = check_real(max_cond, "max_cond", positive=True)
    n = M.shape[-1]
    lam, V = np.linalg.eig(M)
    s = np.linalg.svd(V, compute_uv=False)
    # Compare without dividing: a singular V has s[-1] == 0.
    if np.any(s[..., -1] * max_cond < s[..., 0]):
        worst = float(np.max(s[..., 0] / np.maximum(s[..., -1], np.finfo(np.float64).tiny)))
        raise ValueError(
            f"M is defective or nearly so: its eigenvector matrix V has condition number "
            f"{worst:.3g} > max_cond={max_cond:.3g}, so V Lambda^p V^-1 would be inaccurate "
            f"(a Jordan block has no eigenbasis). Use np.linalg.matrix_power(M, p) instead."
        )
    cond = s[..., 0] / s[..., -1]
    # |entries of V Lambda^p V^-1| <= n * rho^p * cond(V) since V has unit columns.
    log_rho = _log0(np.max(np.abs(lam), axis=-1))
    log_bound = np.log(cond) + np.log(n) + (p * log_rho if p > 0 else 0.0)  # 0 * -inf is nan
    if np.any(log_bound > _LOG_MAX - 1.0):
        raise OverflowError(
            f"M^p may overflow float64 for p={p} (log of the bound on its entries is "
            f"{float(np.max(log_bound)):.4g} > {_LOG_MAX - 1.0:.4g}); use power_norms(M, {p}) "
            f"to get log ||M^k|| instead."
        )
    Mp = (V * lam[..., None, :] ** p) @ np.linalg.inv(V)
    if not np.iscomplexobj(Mp):
        return Mp
    tol = 100.0 * n * np.finfo(np.float64).eps * cond
    scale = np.linalg.norm(Mp, axis=(-2, -1))
    residue = np.max(np.abs(Mp.imag), axis=(-2, -1))
    if np.any(residue > tol * scale):
        raise ValueError(
            f"the imaginary part of V Lambda^p V^-1 for real M is not negligible "
            f"({float(np.max(residue)):.3g} against a result of norm {float(np.max(scale)):.3g}); "
            f"the result is inaccurate, use np.linalg.matrix_power(M, p) instead."
        )
    return np.ascontiguousarray(Mp.real)


def orthogonal(n: int, rng: object) -> np.ndarray:
    r"""A Haar-distributed random orthogonal ``(n, n)`` matrix :math:`Q` (:math:`Q^\top Q = I`).

    QR of a Gaussian matrix, the signs of :math:`R`'s diagonal moved into :math:`Q` so the
    distribution is uniform (Mezzadri 2007); every eigenvalue and singular value has modulus
    1 (:doc:`/eigenvalues`). ``rng``: a ``numpy.random.Generator`` or an integer seed.
    """
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def random_matrix(
    n: int,
    rng: object,
    *,
    rho: float | None = None,
    sigma_max: float | None = None,
    kind: str = "gaussian",
) -> np.ndarray:
    r"""A random ``(n, n)`` matrix of a ``kind``, optionally rescaled (:doc:`/eigenvalues`).

    ``"gaussian"``: i.i.d. :math:`\mathcal N(0, 1/n)` entries (non-normal; as
    :math:`n \to \infty` the eigenvalues fill the unit disc and :math:`\|M\|_2 \to 2`);
    ``"symmetric"``: :math:`(G + G^\top)/\sqrt{2}`, :math:`G` as above (normal, so
    :math:`\rho(M) = \|M\|_2`); ``"orthogonal"``: :func:`orthogonal`. ``rng``: a
    ``numpy.random.Generator`` or an integer seed. ``rho`` or ``sigma_max`` (at most one, > 0):
    :math:`M \leftarrow \rho\, M / \rho(M)` or :math:`M \leftarrow s_{\max} M / \|M\|_2`.
    """
    n = check_int(n, "n", minimum=1)
    rng = check_rng(rng)
    kind = check_choice(kind, "kind", ("gaussian", "symmetric", "orthogonal"))
    if rho is not None and sigma_max is not None:
        raise ValueError(
            f"give at most one of rho and sigma_max, got rho={rho}, sigma_max={sigma_max}"
        )
    if kind == "orthogonal":
        M = orthogonal(n, rng)
    else:
        M = rng.standard_normal((n, n)) / np.sqrt(n)
        if kind == "symmetric":
            M = (M + M.T) / np.sqrt(2.0)
    if rho is not None:
        M = M * (check_real(rho, "rho", positive=True) / spectral_radius(M))
    elif sigma_max is not None:
        M = M * (check_real(sigma_max, "sigma_max", positive=True) / singular_values(M)[0])
    return M


def nonnormal_2x2(rho: float, coupling: float) -> np.ndarray:
    r"""The non-normal matrix :math:`M = \begin{pmatrix}\rho & c\\ 0 & \rho\end{pmatrix}`,
    ``rho`` the double eigenvalue, ``coupling`` the entry :math:`c`.

    :math:`M^p = \begin{pmatrix}\rho^p & p\rho^{p-1}c\\ 0 & \rho^p\end{pmatrix}`. For
    :math:`|\rho| < 1` the norm :math:`\|M^p\|_2` tends to zero (like :math:`p|\rho|^p` when
    :math:`c \ne 0`), and it first grows (transient amplification) if and only if
    :math:`|c| > 1 - \rho^2` (:math:`c = 0.19` for :math:`\rho = 0.9`), the condition for
    :math:`\|M\|_2 = \tfrac12\bigl(|c| + \sqrt{c^2 + 4\rho^2}\bigr) > 1`; otherwise it never
    increases. See :func:`nonnormal_coupling` and :doc:`/eigenvalues`.
    """
    rho = check_real(rho, "rho")
    c = check_real(coupling, "coupling")
    return np.array([[rho, c], [0.0, rho]])


def nonnormal_coupling(rho: float, peak: float) -> float:
    r"""Coupling :math:`c` for which :math:`\max_{p \ge 0} \|M^p\|_2 = P` (``peak``, > 1),
    ``M = nonnormal_2x2(rho, c)``, :math:`0 \le \rho < 1` (otherwise the powers never peak).

    Solving :math:`\|M^p\|_2 = P` at a fixed :math:`p \ge 1` gives
    :math:`c_p = (P - \rho^{2p}/P) / (p\rho^{p-1})`; the norm increases with :math:`c`, so the
    answer is :math:`\min_p c_p`, attained near :math:`p^\star = 1/\ln(1/\rho)`
    (``rho=0.9, peak=20``: :math:`c \approx 5.16`, peak at :math:`p = 9`, with :math:`p = 10`
    0.01% lower; :doc:`/eigenvalues`).
    """
    rho = check_real(rho, "rho", nonnegative=True)
    if rho >= 1.0:
        raise ValueError(f"rho must be < 1 for the powers to peak, got {rho}")
    P = check_real(peak, "peak")
    if P <= 1.0:
        raise ValueError(f"peak must be > 1 (M^0 = I already has norm 1), got {P}")
    p_star = -1.0 / np.log(rho) if rho > 0 else 0.0
    p = np.arange(1, 2 * int(np.ceil(p_star)) + 3, dtype=np.float64)
    growth = p * rho ** (p - 1)
    p, growth = p[growth > 0], growth[growth > 0]  # p = 1 always stays; rho^p may underflow
    return float(np.min((P - rho ** (2 * p) / P) / growth))


def power_norms(M: object, p_max: int, ord: object = 2) -> np.ndarray:
    r"""Log norms :math:`\log\|M^p\|` for :math:`p = 0, \dots, p_{\max}`, overflow-free, shape
    (p_max + 1,) or (p_max + 1, ...).

    The running power is renormalised after every product and its scale kept as a logarithm
    (as in the cells' ``jacobian_log_norms``), so :math:`\rho = 1.5, p = 2000` is finite and
    exact to rounding; a nilpotent power gives :math:`-\infty` (:doc:`/eigenvalues`). ``ord``:
    the matrix norm, ``2, 1, np.inf, "fro"`` or ``"nuc"`` (:func:`numpy.linalg.norm`).
    """
    M = _square(M)
    p_max = check_int(p_max, "p_max", minimum=0)
    ord = _check_ord(ord, _MATRIX_ORDS)
    factors = (M for _ in range(p_max))  # M^p = M M ... M, the same on either side
    return log_norms_of_products(factors, M.shape[:-2], M.shape[-1], ord)


def lyapunov_exponents(matrices: object, k: int | None = None) -> np.ndarray:
    r"""Average log growth rates of the product :math:`J_T \cdots J_2 J_1`, shape (..., k).

    Discrete QR iteration: :math:`Q_0 = I_{n \times k}`, :math:`J_t Q_{t-1} = Q_t R_t`,
    :math:`\chi_i = \frac1T \sum_t \log |(R_t)_{ii}|`; as :math:`T \to \infty` they tend to the
    Lyapunov exponents, :math:`\log|\lambda_i(M)|` for a constant :math:`M`. No product is
    formed, so nothing overflows (:doc:`/eigenvalues`).
    ``matrices`` (T, n, n) or (T, ..., n, n): ``matrices[t - 1]`` is :math:`J_t` (the layout of
    ``RNN.step_jacobians``); ``k``: the number of exponents (default ``n``).
    """
    J = as_float_array(matrices, "matrices")
    if J.ndim < 3 or J.shape[-1] != J.shape[-2] or J.shape[0] == 0 or J.shape[-1] == 0:
        raise ValueError(
            f"matrices must have shape (T, n, n) or (T, ..., n, n) with T, n >= 1, got {J.shape}"
        )
    n = J.shape[-1]
    k = n if k is None else check_int(k, "k", minimum=1)
    if k > n:
        raise ValueError(f"k must be <= n = {n}, got {k}")
    Q = np.broadcast_to(np.eye(n)[:, :k], (*J.shape[1:-2], n, k))
    total = np.zeros((*J.shape[1:-2], k))
    for J_t in J:
        Q, R = np.linalg.qr(J_t @ Q)
        total += _log0(np.abs(np.diagonal(R, axis1=-2, axis2=-1)))
    return total / J.shape[0]


def growth_rate(matrices: object) -> np.ndarray | float:
    r"""Top exponent :math:`\chi_1` of :func:`lyapunov_exponents` (same ``matrices``): the
    average log growth per factor of :math:`\|J_T\cdots J_1 e_1\|`, float or shape (...);
    vanishing if negative, exploding if positive (:doc:`/eigenvalues`)."""
    lam = lyapunov_exponents(matrices, k=1)[..., 0]
    return float(lam) if lam.ndim == 0 else lam
