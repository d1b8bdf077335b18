"""Layout and buffers of the gated cells' loops (LSTM and GRU), for one network (R = 1) or R.

At their sizes (a few thousand numbers per step) the cost of a numpy call sets the pace, and an
arithmetic ufunc on a strided slice costs several times more than on a contiguous block (3.3
against 9.9 us for one gate block at R = 32, n = 16, B = 20). So the loops keep every array
*time first, then the units, then run, then batch*, (T, k, R, B): column vectors, as on the
pages. A step's gate block is one contiguous (n, R, B) block; run r's part of a step is a
(k, B) matrix, so a step's product is one BLAS call per run, in place; the input and a
constant 1 sit under :math:`h_{t-1}` in one column (:func:`columns`), so one product gives
:math:`W_h h_{t-1} + W_x x_t + b`. Traces and gradients are returned as views (..., T, B, k),
:func:`run_first`, the layout of :class:`vgrad.RNN`.
"""

from __future__ import annotations

import numpy as np

#: Arrays a training loop keeps between calls of a forward or backward pass, by name.
Work = dict[str, np.ndarray]


def run_first(x: np.ndarray) -> np.ndarray:
    """The view (R, T, B, k) of a time-first array (T, k, R, B)."""
    return x.transpose(2, 0, 3, 1)


def time_first(x: np.ndarray) -> np.ndarray:
    """The view (T, k, R, B) of a run-first array (R, T, B, k): :func:`run_first` undone."""
    return x.transpose(1, 3, 0, 2)


def state_columns(state: np.ndarray, R: int) -> np.ndarray:
    """A state (B, n) or (R, B, n) as the loops' columns (n, R, B), R = 1 for one network."""
    return state.reshape(R, *state.shape[-2:]).transpose(2, 0, 1)


def per_run(x: np.ndarray) -> np.ndarray:
    """The (R, k, B) view of one step (k, R, B), run r's matrix for ``np.matmul``; of every
    step (T, k, R, B), the (T, R, k, B) view (``per_run(x)[t]`` is ``per_run(x[t])``)."""
    return x.swapaxes(-3, -2)


def columns(
    work: Work | None,
    name: str,
    xs: np.ndarray,
    n: int,
    R: int,
    steps: int,
    states: np.ndarray | None = None,
) -> np.ndarray:
    """The array (steps, n + d + 1, R, B) whose column t is (state, x_{t+1}, 1): the inputs
    ``xs`` ((T, B, d), or (R, T, B, d)), zero past T, and ``states`` (steps, n, R, B) if given
    (else left for the loop to write)."""
    T, B, d = xs.shape[-3], xs.shape[-2], xs.shape[-1]
    out = work_array(work, name, (steps, n + d + 1, R, B))
    x_tf = xs.transpose(0, 2, 1)[:, :, None, :] if xs.ndim == 3 else xs.transpose(1, 3, 0, 2)
    out[:T, n : n + d] = x_tf
    out[T:, n : n + d] = 0.0
    out[:, n + d] = 1.0
    if states is not None:
        out[:, :n] = states
    return out


def work_array(work: Work | None, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised float64 array: new if ``work`` is None, else ``work[name]`` (new if its
    shape differs). A fresh array costs a page fault per 4 kB on first touch."""
    if work is None:
        return np.empty(shape)
    arr = work.get(name)
    if arr is None or arr.shape != shape:
        arr = work[name] = np.empty(shape)
    return arr
