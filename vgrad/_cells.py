"""Argument checks and small numerics shared by the recurrent cells.

:class:`vgrad.RNN`, :class:`vgrad.LSTM` and :class:`vgrad.GRU` take the same input layout
(time first, then batch) and report the same errors through these checks, so a reader who
switches cells sees the same messages.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_int


def check_sequence(xs: object, d: int) -> np.ndarray:
    """Validate a batch of input sequences of shape (T, B, d) with T, B >= 1."""
    xs = as_float_array(xs, "xs", ndim=3)
    if xs.shape[2] != d:
        raise ValueError(f"xs must have shape (T, B, d={d}), got {xs.shape}")
    if xs.shape[0] == 0 or xs.shape[1] == 0:
        raise ValueError(f"xs must have at least one step and one sequence, got {xs.shape}")
    return xs


def initial_state(value: object, name: str, B: int, n: int) -> np.ndarray:
    """An initial state of shape (B, n): zeros if ``value`` is None, a vector is broadcast."""
    if value is None:
        return np.zeros((B, n))
    value = as_float_array(value, name, ndim=(1, 2))
    if value.shape not in ((n,), (B, n)):
        raise ValueError(f"{name} must have shape ({B}, {n}) or ({n},), got {value.shape}")
    return np.broadcast_to(value, (B, n))


def check_weights(
    W_x: object, W_h: object, b: object, W_hy: object, b_y: object, gates: int
) -> tuple[np.ndarray, ...]:
    """Validate stacked gate weights ``W_x`` (G n, d), ``W_h`` (G n, n), ``b`` (G n,) and the
    read-out ``W_hy`` (m, n), ``b_y`` (m,), where G = ``gates``; return float64 copies."""
    W_h = as_float_array(W_h, "W_h", ndim=2)
    n = W_h.shape[1]
    if n == 0 or W_h.shape[0] != gates * n:
        raise ValueError(
            f"W_h must have shape ({gates} n, n) with the {gates} gate blocks stacked, "
            f"got {W_h.shape}"
        )
    W_x = as_float_array(W_x, "W_x", shape=(gates * n, None))
    b = as_float_array(b, "b", shape=(gates * n,))
    W_hy = as_float_array(W_hy, "W_hy", shape=(None, n))
    b_y = as_float_array(b_y, "b_y", shape=(W_hy.shape[0],))
    return W_x.copy(), W_h.copy(), b.copy(), W_hy.copy(), b_y.copy()


def check_step(t: object, T: int) -> int:
    """The later time step of a lag sweep: default T, at most T."""
    t = T if t is None else check_int(t, "t", minimum=0)
    if t > T:
        raise ValueError(f"t must be <= T={T}, got {t}")
    return t


def log_sigmoid(a: np.ndarray) -> np.ndarray:
    r""":math:`\log\sigma(a) = -\log(1 + e^{-a})`, finite for every finite ``a``.

    A gate can be so closed that :math:`\sigma(a)` underflows to 0; its logarithm cannot.
    """
    return -np.logaddexp(0.0, -a)


def log_gains(log_gate: np.ndarray, t: int) -> np.ndarray:
    r"""Running sums :math:`\sum_{s=t-k+1}^{t} \log v_s` for k = 0..t, from per-step logs.

    ``log_gate[s - 1]`` is :math:`\log v_s` (shape (T, B, n)); the result has shape
    (t + 1, B, n) with a zero row for k = 0.
    """
    steps = log_gate[:t][::-1]  # v_t, v_{t-1}, ..., v_1
    out = np.zeros((t + 1, *log_gate.shape[1:]))
    np.cumsum(steps, axis=0, out=out[1:])
    return out
