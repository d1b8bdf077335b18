"""Layout and buffers of the gated cells' loops (:meth:`vgrad.LSTM.forward`, ``backward`` and
the GRU's), for one network (R = 1) or R stacked ones.

Those loops train R small cells at once, and at their sizes (a few thousand numbers per step)
the cost of a numpy call, not its arithmetic, sets the pace: an arithmetic ufunc (multiply,
add) on a strided slice costs several times more than on a contiguous block (3.3 against
9.9 us for one gate block at R = 32, n = 16, B = 20). So they keep every array *time first,
then the units, then run, then batch*, shape (T, k, R, B): column vectors, as on the pages.

* Every block of a step, one gate's ``x[t, j*n:(j+1)*n]``, is one contiguous (n, R, B) block.
* Run r's part of a step, ``x[t][:, r, :]``, is a (k, B) matrix with one row stride, so the
  product of a step is one BLAS call per run, written in place.
* The input :math:`x_t` and a constant 1 sit under :math:`h_{t-1}` in one column
  (:func:`columns`), so one product per step gives :math:`W_h h_{t-1} + W_x x_t + b`, and the
  same column gives all three weight gradients.
* The traces and gradients they return are *views* (..., T, B, k), :func:`run_first`, the
  layout of :class:`vgrad.RNN` (the run axis dropped for one network).
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
    """The (R, k, B) view of one step (k, R, B): run r's matrix, for ``np.matmul``; of every
    step (T, k, R, B), the (T, R, k, B) view (index it by step: ``per_run(x)[t]`` is
    ``per_run(x[t])``, made once before a loop rather than at each step)."""
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
    """The array (steps, n + d + 1, R, B) whose column t is :math:`(\\cdot, x_{t+1}, 1)`: rows
    :math:`n..n+d-1` hold the inputs ``xs`` ((T, B, d), shared, or (R, T, B, d)), row n + d
    is 1, rows :math:`0..n-1` hold ``states`` ((steps, n, R, B)) if given, else are left for
    the state the loop writes."""
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


def column_blocks(grad: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """The ``W_h``, ``W_x`` and ``b`` views of a gradient laid out as :func:`columns` (its
    last axis runs over (h, x, 1))."""
    return {"W_h": grad[..., :n], "W_x": grad[..., n:-1], "b": grad[..., -1]}


def readout(
    work: dict[str, np.ndarray] | None, h: np.ndarray, W_hy: np.ndarray, b_y: np.ndarray
) -> np.ndarray:
    r"""The outputs :math:`y_t = W_{hy} h_t + b_y` of every run and step, shape (R, T, B, m),
    from the loops' states ``h`` of shape (T + 1, n, R, B); the readout of both gated cells."""
    R, m = W_hy.shape[0], W_hy.shape[1]
    T, B = h.shape[0] - 1, h.shape[3]
    y = work_array(work, "y", (R, T, B, m))
    np.matmul(h[1:].transpose(0, 2, 3, 1), W_hy.transpose(0, 2, 1), out=y.swapaxes(0, 1))
    y += b_y[:, None, None, :]
    return y


def readout_backward(
    dL_dy: np.ndarray, W_hy: np.ndarray, h: np.ndarray, dh: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r""":func:`readout` backwards: writes the direct paths :math:`y_t \to h_t`,
    :math:`W_{hy}^\top \delta^y_t`, into ``dh[1:]`` ((T + 1, n, R, B), time first) and 0 into
    ``dh[0]`` (:math:`h_0` has no output), and returns
    :math:`\partial\mathcal L/\partial W_{hy}` and :math:`\partial\mathcal L/\partial b_y` of
    every run, the sums over (t, b) of :math:`\delta^y_t h_t^\top` and of :math:`\delta^y_t`,
    from ``dL_dy`` of shape (R, T, B, m)."""
    dh[0] = 0.0
    np.matmul(
        W_hy.transpose(0, 2, 1), dL_dy.transpose(1, 0, 3, 2), out=dh[1:].transpose(0, 2, 1, 3)
    )
    h_run = h[1:].transpose(0, 2, 3, 1)  # (T, R, B, n)
    dW_hy = np.matmul(dL_dy.swapaxes(0, 1).swapaxes(2, 3), h_run).sum(axis=0)
    return dW_hy, dL_dy.sum(axis=(1, 2))
