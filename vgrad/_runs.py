"""Layout and buffers of the stacked loops (:func:`vgrad.lstm.forward_runs` and the GRU's).

Those loops train R small cells at once, and at their sizes (a (5, 16, 48) array per step)
the cost of a numpy call, not its arithmetic, sets the pace. So they keep every array
*time first, then batch, then run*, shape (T, B, R, ...):

* the slice of one step, ``x[t]``, is one contiguous block, and a ufunc on it runs at full
  speed (on a strided run-first slice ``x[:, t]`` it costs several times more);
* the rows of one run, :func:`per_run`, are a (T B, k) matrix with one row stride, so the
  products over all steps (the input projection, the read-out, the weight gradients) are
  one BLAS call per run, with no copy;
* the traces and gradients they return are run-first *views*, :func:`run_first`.
"""

from __future__ import annotations

import numpy as np


def run_first(x: np.ndarray) -> np.ndarray:
    """The view (R, T, B, ...) of a time-first array (T, B, R, ...)."""
    return np.moveaxis(x, 2, 0)


def time_first(x: np.ndarray) -> np.ndarray:
    """The view (T, B, R, ...) of a run-first array (R, T, B, ...): :func:`run_first` undone."""
    return np.moveaxis(x, 0, 2)


def per_run(x: np.ndarray) -> np.ndarray:
    """The (R, T B, k) view of a contiguous time-first array (T, B, R, k): run r's rows."""
    T, B, R, k = x.shape
    return x.reshape(T * B, R, k).swapaxes(0, 1)


def with_ones(xs: np.ndarray) -> np.ndarray:
    """The inputs (T, B, d) or (R, T, B, d) with a constant 1 appended, flattened to
    (T B, d + 1) or (R, T B, d + 1): the bias becomes one more input weight, so one product
    gives :math:`W_x x_t + b`, and its transpose gives both gradients."""
    ones = np.ones((*xs.shape[:-1], 1))
    x1 = np.concatenate([xs, ones], axis=-1)
    T, B = xs.shape[-3], xs.shape[-2]
    return x1.reshape(*xs.shape[:-3], T * B, xs.shape[-1] + 1)


def input_products(x1: np.ndarray, W_x: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """Write :math:`W_x x_t + b` of every step and run into ``out`` (T, B, R, k), from the
    inputs of :func:`with_ones`, ``W_x`` (R, k, d) and ``b`` (R, k): one product per run."""
    W1 = np.concatenate([W_x.transpose(0, 2, 1), b[:, None, :]], axis=1)  # (R, d + 1, k)
    np.matmul(x1, W1, out=per_run(out))


def work_array(work: dict[str, np.ndarray] | None, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised float64 array of ``shape``: new if ``work`` is None, else the one kept
    in ``work`` under ``name`` (replaced when its shape differs).

    A training loop calls the passes hundreds of times with arrays of the same few MB; a
    fresh array costs a page fault per 4 kB on first touch (glibc hands large freed blocks
    back to the system), often more than the arithmetic done in it.
    """
    if work is None:
        return np.empty(shape)
    arr = work.get(name)
    if arr is None or arr.shape != shape:
        arr = work[name] = np.empty(shape)
    return arr
