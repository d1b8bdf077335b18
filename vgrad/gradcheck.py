r"""Finite-difference gradient checks with tolerances scaled to what differences can resolve.

The central difference of :func:`numerical_gradient`, with the step :math:`\Delta_i =
\epsilon^{1/3}\max(1, |x_i|)`, balances truncation error (about :math:`\Delta_i^2 |\partial_i^3 f| /
6`) against rounding error (about :math:`\epsilon\,|f| / \Delta_i`). The rounding term is a *noise
floor*: entries of the gradient below it are accepted but counted as *unresolved*, so a check that
resolved nothing is visibly vacuous. The floor scales with :math:`|f|`, not :math:`|\nabla f|`: to
check a tiny gradient, check a function whose value is on its scale, such as the layer-local product
:math:`\langle \bar y, y(\theta)\rangle` with the tiny upstream gradient :math:`\bar y`
(:doc:`/deep_networks`). The floor assumes ``f`` is evaluated to within about 100 ulps of its value;
a function that loses more by cancellation needs an explicit ``atol``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, check_int, check_real, check_rng

__all__ = ["GradCheck", "check_directional", "check_gradient", "numerical_gradient"]

_EPS = float(np.finfo(np.float64).eps)
_STEP = _EPS ** (1.0 / 3.0)
#: Rounding of one evaluation of f is taken as at most this many ulps of |f|.
_ULPS = 100.0
_TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True)
class GradCheck:
    r"""Outcome of a gradient check: estimates :math:`\hat g_i` against analytic :math:`g_i`.

    ``passed``: every entry satisfies :math:`|\hat g_i - g_i| \le \mathrm{atol}_i +
    \mathrm{rtol}|g_i|`; ``max_abs_error`` :math:`\max_i |\hat g_i - g_i|`; ``max_rel_error``
    :math:`\max_i |\hat g_i - g_i| / \max(|g_i|, \mathrm{atol}_i)`; ``worst_index``: the index of
    the entry with the largest error relative to its tolerance; ``n_resolved``: the entries with
    :math:`|g_i| > \mathrm{atol}_i`, actually checked to ``rtol``, of ``size`` compared;
    ``numerical``: the finite-difference estimate (gradient, or directional derivatives);
    ``atol``: each entry's absolute tolerance (the noise floor unless given).
    """

    passed: bool
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...]
    n_resolved: int
    size: int
    numerical: np.ndarray
    atol: np.ndarray

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"gradient check {verdict}: max abs error {self.max_abs_error:.3g}, max rel error "
            f"{self.max_rel_error:.3g} at {self.worst_index}, {self.n_resolved}/{self.size} "
            f"entries above the finite-difference noise floor"
        )


def _evaluate(f: Callable[[np.ndarray], object], x: np.ndarray) -> float:
    value = f(x)
    if np.ndim(value) != 0 or not np.isrealobj(value) or isinstance(value, bool | np.bool_):
        raise TypeError(f"f must return a real scalar, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"f must return a finite value, got {value}")
    return value


def _args(f: object, x: object, eps: object, analytic: object = None, rtol: object = 0.0):
    """The checks' validated ``x``, ``eps`` (default :data:`_STEP`), ``analytic`` and ``rtol``."""
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = as_float_array(x, "x")
    if analytic is not None:
        analytic = as_float_array(analytic, "analytic", shape=x.shape)
    rtol = check_real(rtol, "rtol", nonnegative=True)
    eps = _STEP if eps is None else check_real(eps, "eps", positive=True)
    return x, eps, analytic, rtol


def _difference(f, x_plus: np.ndarray, x_minus: np.ndarray, width: float) -> tuple[float, float]:
    """The quotient (f(x_plus) - f(x_minus)) / width and its scale max |f(x_+-)| / width."""
    f_plus, f_minus = _evaluate(f, x_plus), _evaluate(f, x_minus)
    return (f_plus - f_minus) / width, max(abs(f_plus), abs(f_minus)) / width


def _central_differences(f, x, eps):
    """Return (estimate, scale) per entry, each as :func:`_difference` gives it."""
    grad, scale = np.empty_like(x), np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(x[i]))
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        # the width of the step actually taken, after rounding
        grad[i], scale[i] = _difference(f, x_plus, x_minus, x_plus[i] - x_minus[i])
    return grad, scale


def numerical_gradient(
    f: Callable[[np.ndarray], object], x: object, eps: float | None = None
) -> np.ndarray:
    r"""Central-difference gradient of a scalar function, :math:`\hat g_i =
    \frac{f(x + \Delta_i e_i) - f(x - \Delta_i e_i)}{2 \Delta_i}`,
    :math:`\Delta_i = \mathrm{eps}\max(1, |x_i|)`, of ``x``'s shape (:doc:`/deep_networks`).

    ``f(x) -> float`` is given a float64 work copy of ``x`` (any shape; not modified) with one
    entry perturbed; ``eps`` defaults to :math:`\epsilon^{1/3} \approx 6\times10^{-6}`.
    """
    x, eps, _, _ = _args(f, x, eps)
    return _central_differences(f, x, eps)[0]


def _compare(numerical, analytic, scale, rtol, atol):
    if atol is None:
        atol = _ULPS * _EPS * scale
    else:
        atol = np.full(analytic.shape, check_real(atol, "atol", nonnegative=True))
    err = np.abs(numerical - analytic)
    mag = np.abs(analytic)
    tol = atol + rtol * mag
    ratio = err / np.maximum(tol, _TINY)
    worst = np.unravel_index(int(np.argmax(ratio)), ratio.shape) if ratio.size else ()
    return GradCheck(
        passed=bool(np.all(err <= tol)),
        max_abs_error=float(np.max(err, initial=0.0)),
        max_rel_error=float(np.max(err / np.maximum(np.maximum(mag, atol), _TINY), initial=0.0)),
        worst_index=tuple(int(i) for i in worst),
        n_resolved=int(np.count_nonzero(mag > atol)),
        size=int(analytic.size),
        numerical=numerical,
        atol=atol,
    )


def check_gradient(
    f: Callable[[np.ndarray], object],
    x: object,
    analytic: object,
    *,
    rtol: float = 1e-6,
    atol: float | None = None,
    eps: float | None = None,
) -> GradCheck:
    r"""Compare an analytic gradient with central differences, entry by entry.

    Entry :math:`i` passes if :math:`|\hat g_i - g_i| \le \mathrm{atol}_i + \mathrm{rtol}\,|g_i|`,
    by default with the noise floor of the module docstring (:doc:`/deep_networks`),

    .. math:: \mathrm{atol}_i = \frac{100\,\epsilon \max|f(x \pm \Delta_i e_i)|}{2\Delta_i}.

    ``f, x, eps`` as in :func:`numerical_gradient`; ``analytic``: the gradient to check, of
    ``x``'s shape; ``rtol``: relative tolerance (truncation error is about :math:`10^{-11}`
    relative); ``atol`` replaces the noise floor. Read the returned :class:`GradCheck`'s
    ``n_resolved``: entries below the floor are accepted but unchecked.
    """
    x, eps, analytic, rtol = _args(f, x, eps, analytic, rtol)
    numerical, scale = _central_differences(f, x, eps)
    return _compare(numerical, analytic, scale, rtol, atol)


def check_directional(
    f: Callable[[np.ndarray], object],
    x: object,
    analytic: object,
    rng: object,
    *,
    n_dirs: int = 4,
    rtol: float = 1e-6,
    atol: float | None = None,
    eps: float | None = None,
) -> GradCheck:
    r"""Compare directional derivatives :math:`g \cdot v` along random unit directions
    :math:`v` with central differences

    .. math:: \frac{f(x + \Delta v) - f(x - \Delta v)}{2\Delta},
        \qquad \Delta = \mathrm{eps}\max(1, \max_i|x_i|).

    Costs :math:`2\,n_{\mathrm{dirs}}` evaluations whatever the size of ``x``; an error in any
    entry shifts :math:`g \cdot v` (almost surely). The default ``atol`` is the noise floor
    of :func:`check_gradient` (:doc:`/deep_networks`), whose arguments it shares; ``rng`` (a
    Generator or an int seed) draws the ``n_dirs`` directions, the entries of the returned
    :class:`GradCheck` (``numerical[j]`` is the quotient along the ``j``-th).
    """
    x, eps, analytic, rtol = _args(f, x, eps, analytic, rtol)
    rng = check_rng(rng)
    n_dirs = check_int(n_dirs, "n_dirs", minimum=1)
    h = eps * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    numerical, projected, scale = np.empty(n_dirs), np.empty(n_dirs), np.empty(n_dirs)
    for j in range(n_dirs):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        numerical[j], scale[j] = _difference(f, x + h * v, x - h * v, 2.0 * h)
        projected[j] = float(np.sum(analytic * v))
    return _compare(numerical, projected, scale, rtol, atol)
