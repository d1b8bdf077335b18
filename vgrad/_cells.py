"""What the recurrent cells share: argument checks, parameters, traces, the run axis.

:class:`vgrad.RNN`, :class:`vgrad.LSTM`, :class:`vgrad.GRU` and :class:`vgrad.LRU` take inputs
time first, (T, B, d), and report the same errors. :class:`Cell` holds what does not depend on a
cell's equations; each cell's forward pass, backward pass and Jacobians stay in its own module.
Every parameter of a cell may carry a leading run axis R: see :meth:`Cell.stack`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._validate import as_float_array, check_int, check_real, check_rng, check_sizes
from .spectral import _check_ord, log_norms_of_products

#: Arrays a training loop keeps between calls of a forward or backward pass, by name.
Work = dict[str, np.ndarray]
#: A random generator, or the integer seed of a new one (:func:`numpy.random.default_rng`).
Seed = np.random.Generator | int


def run_first(x: np.ndarray) -> np.ndarray:
    """The view (R, T, B, k) of a time-first array (T, k, R, B)."""
    return x.transpose(2, 0, 3, 1)


def per_run(x: np.ndarray) -> np.ndarray:
    """The (R, k, B) view of one step (k, R, B), run r's matrix for ``np.matmul``; of every
    step (T, k, R, B), the (T, R, k, B) view (``per_run(x)[t]`` is ``per_run(x[t])``)."""
    return x.swapaxes(-3, -2)


def work_array(
    work: Work | None, name: str, shape: tuple[int, ...], dtype: type = np.float64
) -> np.ndarray:
    """An uninitialised array (float64 unless ``dtype``): new if ``work`` is None, else
    ``work[name]`` (new if its shape or dtype differs). A fresh array costs a page fault per
    4 kB on first touch."""
    if work is None:
        return np.empty(shape, dtype)
    arr = work.get(name)
    if arr is None or arr.shape != shape or arr.dtype != dtype:
        arr = work[name] = np.empty(shape, dtype)
    return arr


def check_sequence(xs: object, d: int, runs: tuple[int, ...] = ()) -> np.ndarray:
    """Validate a batch of input sequences of shape (T, B, d) with T, B >= 1, or, for a
    network with ``runs`` = (R,), one batch per run, (R, T, B, d)."""
    xs = as_float_array(xs, "xs", ndim=(3, 4) if runs else 3, finite=not runs)
    want = f"(T, B, d={d})" + (f" or ({runs[0]}, T, B, {d})" if runs else "")
    if xs.shape[-1] != d or (xs.ndim == 4 and xs.shape[:1] != runs):
        raise ValueError(f"xs must have shape {want}, got {xs.shape}")
    if xs.shape[-3] == 0 or xs.shape[-2] == 0:
        raise ValueError(f"xs must have at least one step and one sequence, got {xs.shape}")
    return xs


def initial_state(
    value: object, name: str, B: int, n: int, runs: tuple[int, ...] = ()
) -> np.ndarray:
    """An initial state of shape (B, n), or (R, B, n) for ``runs`` = (R,): zeros if
    ``value`` is None; a vector (n,) or a matrix (B, n) is broadcast over the runs."""
    if value is None:
        return np.zeros((*runs, B, n))
    value = as_float_array(value, name, ndim=(1, 2, 3) if runs else (1, 2))
    if value.shape not in ((n,), (B, n), (*runs, B, n)):
        raise ValueError(f"{name} must have shape ({B}, {n}) or ({n},), got {value.shape}")
    return np.broadcast_to(value, (*runs, B, n))


def steps_first(x: np.ndarray) -> np.ndarray:
    """The view (T, ..., B, k) of an array (..., T, B, k): ``[t]`` is step t of every run."""
    return x.swapaxes(0, x.ndim - 3)  # a no-op view for one network; 10x cheaper than moveaxis


def merge_steps(x: np.ndarray) -> np.ndarray:
    """The view (..., T B, k) of an array (..., T, B, k), for one product over all steps."""
    return x.reshape(*x.shape[:-3], -1, x.shape[-1])


def check_weights(
    W_x: object, W_h: object, b: object, W_hy: object, b_y: object, names: Sequence[str], G: int
) -> tuple[np.ndarray, ...]:
    """Validate the input (G n, d) and recurrent (G n, n) weights, bias (G n,), ``W_hy`` (m, n)
    and ``b_y`` (m,) of a cell of G blocks, named ``names``, each with the same optional leading
    run axis R; return float64 copies."""
    W_h = as_float_array(W_h, names[1], ndim=(2, 3))
    *runs, rows, n = W_h.shape
    if n == 0 or rows != G * n:
        blocks = f"{G} n" if G > 1 else "n"
        raise ValueError(
            f"{names[1]} must have shape ({blocks}, n) or (R, {blocks}, n)"
            + (f" with the {G} gate blocks stacked" if G > 1 else "")
            + f", got {W_h.shape}"
        )
    W_x = as_float_array(W_x, names[0], shape=(*runs, G * n, None))
    b = as_float_array(b, names[2], shape=(*runs, G * n))
    return (W_x.copy(), W_h.copy(), b.copy(), *check_readout(W_hy, b_y, runs, n))


def check_readout(
    W_hy: object, b_y: object, runs: tuple[int, ...], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the read-out ``W_hy`` (m, n) and ``b_y`` (m,), each with the leading run axis
    ``runs`` (() or (R,)); return float64 copies."""
    W_hy = as_float_array(W_hy, "W_hy", shape=(*runs, None, n))
    b_y = as_float_array(b_y, "b_y", shape=(*runs, W_hy.shape[-2]))
    return W_hy.copy(), b_y.copy()


def check_options(options: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Refuse a keyword argument that ``where`` does not take, naming it and the keywords
    ``allowed`` (all that ``where`` takes, those bound by name as well)."""
    for k in options:
        if k not in allowed:
            raise TypeError(
                f"{where}() got an unexpected keyword argument {k!r}; "
                f"its keywords are {', '.join(allowed)}"
            )


def check_step(t: object, T: int) -> int:
    """The later time step of a lag sweep: default T, at most T."""
    t = T if t is None else check_int(t, "t", minimum=0)
    if t > T:
        raise ValueError(f"t must be <= T={T}, got {t}")
    return t


@dataclass(frozen=True)
class TraceBase:
    """What every cell's trace has: the inputs ``xs`` (T, B, d), the states ``h``
    (T + 1, B, n), and, in each cell's trace, the pre-activations ``a`` (T, B, ...)."""

    xs: np.ndarray
    h: np.ndarray

    @property
    def T(self) -> int:
        """Number of time steps."""
        return self.a.shape[-3]


@dataclass(frozen=True)
class GatedTrace(TraceBase):
    """The trace of a gated cell: pre-activations ``a`` and gate values ``gates`` (T, B, G n),
    the G blocks side by side, and the read-out ``y`` (T, B, m)."""

    a: np.ndarray
    gates: np.ndarray
    y: np.ndarray

    def _block(self, j: int) -> np.ndarray:
        n = self.h.shape[-1]
        return self.gates[..., j * n : (j + 1) * n]


def gate(j: int, name: str) -> property:
    """A trace attribute: block ``j`` of the stacked ``gates``, documented as ``name``."""
    doc = f"The {name}, block {j} of ``gates``, shape (T, B, n); ``[t - 1]`` is step t."
    return property(lambda trace: trace._block(j), doc=doc)


@dataclass(frozen=True)
class GradientsBase:
    """Parameter gradients by name, in the order of the cell's ``PARAMS``."""

    PARAMS: ClassVar[tuple[str, ...]]

    def params(self) -> dict[str, np.ndarray]:
        """The parameter gradients by name (the state adjoints excluded), in ``params`` order."""
        return {k: getattr(self, k) for k in self.PARAMS}


@dataclass(frozen=True)
class GatedGradients(GradientsBase):
    """The gradients of a gated cell: its parameters', then ``dh``."""

    W_x: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray

    PARAMS: ClassVar[tuple[str, ...]] = ("W_x", "W_h", "b", "W_hy", "b_y")


class Cell:
    """Parameters, copies, sizes, trace checks and the run axis (``stack``, ``run``, ``keep``)
    of a recurrent cell with a linear read-out.

    A subclass names its parameters (the input weights first, ``W_hy`` and ``b_y`` among them) in
    ``PARAMS``, its trace class in ``TRACE``, the state size in units of n in ``STATE_BLOCKS``
    (1 for h, 2 for the LSTM's (h, c) or the LRU's (Re h, Im h)), and defines
    ``_step_jacobian``.
    """

    PARAMS: ClassVar[tuple[str, ...]]
    TRACE: ClassVar[type]
    STATE_BLOCKS: ClassVar[int] = 1
    W_hy: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        """``(d, n, m)``: input, hidden and output sizes."""
        W_in = getattr(self, self.PARAMS[0])
        return W_in.shape[-1], self.W_hy.shape[-1], self.W_hy.shape[-2]

    def params(self) -> dict[str, np.ndarray]:
        """The parameters by name, as the live arrays (updating them updates the network)."""
        return {k: getattr(self, k) for k in self.PARAMS}

    def _options(self) -> dict[str, Any]:
        """Constructor arguments other than the parameters (none by default)."""
        return {}

    def copy(self) -> Any:
        """An independent copy of the network."""
        return type(self)(**self.params(), **self._options())

    def __repr__(self) -> str:
        d, n, m = self.sizes
        runs = "".join(f"R={R}, " for R in self.W_hy.shape[:-2])
        options = "".join(f", {k}={getattr(v, 'name', v)!r}" for k, v in self._options().items())
        return f"{type(self).__name__}({runs}d={d}, n={n}, m={m}{options})"

    def _check_trace(self, trace: object) -> tuple[int, int, int]:
        """Check ``trace``'s kind, hidden size and run axis against this cell; return (T, B, n)."""
        if not isinstance(trace, self.TRACE):
            raise TypeError(
                f"trace must be the {self.TRACE.__name__} returned by "
                f"{type(self).__name__}.forward, got {type(trace).__name__}"
            )
        T, B, n = trace.T, trace.h.shape[-2], trace.h.shape[-1]
        if n != self.W_hy.shape[-1] or trace.h.shape[:-3] != self.W_hy.shape[:-2]:
            raise ValueError(
                f"trace.h has shape {trace.h.shape}: it was computed by a network with a "
                f"different hidden size or number of runs than {self!r}"
            )
        return T, B, n

    def _one_network(self, what: str, runs: bool = False) -> None:
        """Refuse a network with a run axis where ``what`` takes one network (with ``runs``:
        refuse one without a run axis, where ``what`` needs one)."""
        if runs and self.R is None:
            stack = f"{type(self).__name__}.stack"
            raise ValueError(f"{what} needs a network with a run axis ({stack}), got {self!r}")
        if not runs and self.R is not None:
            raise ValueError(
                f"{what} takes one network, got {self!r}; take one run with net.run(r)"
            )

    @classmethod
    def stack(cls, nets: Sequence[Any]) -> Any:
        """The R cells ``nets`` (of this class, without a run axis, of one shape and activation)
        as one cell whose parameters, copied, have a leading run axis R; ``run(r)`` is member r
        again.

        ``forward`` and ``backward`` then run all R networks at once, one batched product per
        step (how :func:`vgrad.train` trains many seeds), each run's numbers those of the
        network alone, to rounding; every array of their traces and gradients has the leading
        axis R too (``xs`` too, unless the runs share one batch). The Jacobian methods take one
        network (``run(r)``).
        """
        name = cls.__name__
        if isinstance(nets, Cell) or not isinstance(nets, Sequence) or len(nets) == 0:
            raise TypeError(f"nets must be a non-empty sequence of vgrad {name}s, got {nets!r}")
        for i, net in enumerate(nets):
            if not isinstance(net, cls) or net.R is not None:
                raise TypeError(f"nets[{i}] must be a vgrad {name} without a run axis, got {net!r}")
            if net.sizes != nets[0].sizes or net._options() != nets[0]._options():
                options = "".join(f" and one {k}" for k in nets[0]._options())
                raise ValueError(
                    f"nets[{i}] is {net!r} but nets[0] is {nets[0]!r}: a stack needs one "
                    f"shape{options}"
                )
        params = {k: np.stack([getattr(net, k) for net in nets]) for k in cls.PARAMS}
        return cls(**params, **nets[0]._options())

    @property
    def R(self) -> int | None:
        """Number of runs (the length of the run axis), None for one network."""
        return self.W_hy.shape[0] if self.W_hy.ndim == 3 else None

    def run(self, r: int) -> Any:
        """Run ``r`` of a network with a run axis, as a network of its own (a copy)."""
        self._one_network("run", runs=True)
        return type(self)(**{k: p[r] for k, p in self.params().items()}, **self._options())

    def keep(self, runs: np.ndarray) -> None:
        """Keep only the runs selected by ``runs`` (a boolean mask or indices)."""
        self._one_network("keep", runs=True)
        for k, p in self.params().items():
            setattr(self, k, p[runs])

    def jacobian_log_norms(
        self, trace: Any, t: int | None = None, ord: int | str = 2
    ) -> np.ndarray:
        r"""Log-norms of the products :math:`J_t J_{t-1} \cdots J_{t-k+1}` of the one-step
        Jacobians of the state (:math:`h_t`, or :math:`(h_t, c_t)` for the LSTM), for every
        lag k = 0..t, renormalised after every factor so that nothing over- or underflows
        (:func:`vgrad.spectral.power_norms`; :doc:`/eigenvalues`).

        Returns an array (t + 1, B), entry ``[k, b]``, ``-inf`` where the product is exactly zero
        (dead ReLUs), for the ``trace`` of ``forward``, the later time step ``t`` (default T) and
        ``ord`` 2 (spectral norm, the largest singular value) or ``"fro"`` (Frobenius norm).
        """
        self._one_network("jacobian_log_norms")
        T, B, n = self._check_trace(trace)
        t = check_step(t, T)
        ord = _check_ord(ord)
        factors = (self._step_jacobian(trace, t - k) for k in range(1, t + 1))
        return log_norms_of_products(factors, B, self.STATE_BLOCKS * n, ord)


class GatedCell(Cell):
    """A cell with stacked gate weights ``W_x`` (G n, d), ``W_h`` (G n, n), ``b`` (G n,) and a
    read-out ``W_hy`` (m, n), ``b_y`` (m,); G = ``len(GATES)``.

    Its loops keep every array *time first, then the units, then run, then batch*, (T, k, R, B):
    column vectors, as on the pages. At their sizes the cost of a numpy call sets the pace, and
    an arithmetic ufunc on a strided slice costs several times more than on a contiguous block
    (9.9 against 3.3 us for one gate block at R = 32, n = 16, B = 20); here a step's gate block
    is one contiguous (n, R, B) block, and run r's part of a step a (k, B) matrix, so a step's
    product is one BLAS call per run, in place. The input and a constant 1 sit under
    :math:`h_{t-1}` in one column (:meth:`_columns`): one product gives
    :math:`W_h h_{t-1} + W_x x_t + b`. Traces and gradients are returned as views (..., T, B, k)
    (:func:`run_first`), the layout of :class:`vgrad.RNN`.
    """

    PARAMS = GatedGradients.PARAMS
    GATES: ClassVar[tuple[str, ...]]
    GRADIENTS: ClassVar[type]

    def __init__(
        self, W_x: np.ndarray, W_h: np.ndarray, b: np.ndarray, W_hy: np.ndarray, b_y: np.ndarray
    ) -> None:
        self.W_x, self.W_h, self.b, self.W_hy, self.b_y = check_weights(
            W_x, W_h, b, W_hy, b_y, self.PARAMS, len(self.GATES)
        )

    @classmethod
    def _random(cls, d, n, m, rng, gate, name, bias, scales: dict[str, Any]) -> Any:
        """``random`` of a gated cell (:meth:`vgrad.LSTM.random`): block ``gate`` of ``b`` is
        ``bias``, checked as the argument ``name``."""
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        bias = check_real(bias, name)
        check_options(scales, (name, "input_scale", "recurrent_scale"), f"{cls.__name__}.random")
        input_scale, recurrent_scale = (
            check_real(scales.get(k, 1.0), k, nonnegative=True)
            for k in ("input_scale", "recurrent_scale")
        )
        G = len(cls.GATES)
        W_x = rng.standard_normal((G * n, d)) * (input_scale / np.sqrt(d))
        W_h = rng.standard_normal((G * n, n)) * (recurrent_scale / np.sqrt(n))
        W_hy = rng.standard_normal((m, n)) / np.sqrt(n)
        b = np.zeros(G * n)
        j = cls.GATES.index(gate)
        b[j * n : (j + 1) * n] = bias
        return cls(W_x, W_h, b, W_hy, np.zeros(m))

    def _forward_start(self, xs: object, h0: object, work: Work | None) -> tuple[np.ndarray, ...]:
        """Check ``xs``; return it, the columns ``hx`` (column t: (h_t, x_{t+1}, 1), h_0 filled
        in), the weights (W_h, W_x, b) side by side (R, G n, n + d + 1), ``a`` and ``gates``."""
        runs, (d, n, _) = self.W_h.shape[:-2], self.sizes
        xs = check_sequence(xs, d, runs)
        T, B = xs.shape[-3:-1]
        R, G = self.R or 1, len(self.GATES)
        hx = self._columns(work, "hx", xs, T + 1)
        hx[0, :n] = self._initial_columns(h0, "h0", B)
        W = np.concatenate([self.W_h, self.W_x, self.b[..., None]], axis=-1).reshape(R, G * n, -1)
        a = work_array(work, "a", (T, G * n, R, B))
        return xs, hx, W, a, work_array(work, "gates", (T, G * n, R, B))

    def _columns(self, work, name, xs, steps, states=None) -> np.ndarray:
        """The array (steps, n + d + 1, R, B) whose column t is (state, x_{t+1}, 1): the inputs
        ``xs`` ((T, B, d), or (R, T, B, d)), zero past T, and ``states`` (steps, n, R, B) if given
        (else left for the loop to write)."""
        (T, B, d), n = xs.shape[-3:], self.W_h.shape[-1]
        out = work_array(work, name, (steps, n + d + 1, self.R or 1, B))
        x_tf = xs.transpose(0, 2, 1)[:, :, None, :] if xs.ndim == 3 else xs.transpose(1, 3, 0, 2)
        out[:T, n : n + d] = x_tf
        out[T:, n : n + d] = 0.0
        out[:, n + d] = 1.0
        if states is not None:
            out[:, :n] = states
        return out

    def _initial_columns(self, value: object, name: str, B: int) -> np.ndarray:
        """The initial state ``value`` (:func:`initial_state`) as the loops' columns (n, R, B)."""
        n, R = self.W_h.shape[-1], self.R or 1
        state = initial_state(value, name, B, n, self.W_h.shape[:-2])
        return state.reshape(R, B, n).transpose(2, 0, 1)

    def _time_first(self, x: np.ndarray) -> np.ndarray:
        """The view (T, k, R, B) of an array (..., T, B, k) of a trace: :func:`run_first` undone."""
        return x.reshape(self.R or 1, *x.shape[-3:]).transpose(1, 3, 0, 2)

    def _trace(self, work: Work | None, xs: np.ndarray, **arrays: np.ndarray) -> Any:
        """The trace, from the loop's time-first ``arrays``: the read-out
        :math:`y_t = W_{hy} h_t + b_y` and every array as a run-first view."""
        runs, (_, n, m) = self.W_hy.shape[:-2], self.sizes
        R, h = self.R or 1, arrays["h"]
        y = work_array(work, "y", (R, h.shape[0] - 1, h.shape[3], m))
        W_hy_T = self.W_hy.reshape(R, m, n).transpose(0, 2, 1)
        np.matmul(h[1:].transpose(0, 2, 3, 1), W_hy_T, out=y.swapaxes(0, 1))
        y += self.b_y.reshape(R, m)[:, None, None, :]
        views = {k: run_first(v) if runs else run_first(v)[0] for k, v in arrays.items()}
        return self.TRACE(xs=xs, y=y if runs else y[0], **views)

    def _backward_start(
        self, trace: Any, dL_dy: object, work: Work | None
    ) -> tuple[np.ndarray, ...]:
        """Check ``dL_dy``; return, time first, ``h``, ``gates``, the columns ``hx`` (column
        t - 1: (h_{t-1}, x_t, 1)), ``dh`` holding the paths y_t -> h_t, the read-out's grads."""
        (T, B, n), runs, m = self._check_trace(trace), self.W_h.shape[:-2], self.W_hy.shape[-2]
        R = self.R or 1
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(*runs, T, B, m), finite=not runs)
        h, gates = self._time_first(trace.h), self._time_first(trace.gates)
        hx = self._columns(work, "hx_back", trace.xs, T, h[:-1])
        dh = work_array(work, "dh", (T + 1, n, R, B))
        dL_dy = dL_dy.reshape(R, T, B, m)
        dh[0] = 0.0
        W_hy_T = self.W_hy.reshape(R, m, n).transpose(0, 2, 1)
        np.matmul(W_hy_T, dL_dy.transpose(1, 0, 3, 2), out=dh[1:].transpose(0, 2, 1, 3))
        dW_hy = np.matmul(dL_dy.swapaxes(0, 1).swapaxes(2, 3), h[1:].transpose(0, 2, 3, 1))
        return h, gates, hx, dh, (dW_hy.sum(axis=0), dL_dy.sum(axis=(1, 2)))

    def _gradients(
        self, grad: np.ndarray, readout: tuple[np.ndarray, ...], **states: np.ndarray
    ) -> Any:
        """The gradients from the loop's ``grad`` (R, G n, n + d + 1), the read-out's and the
        time-first state adjoints ``states``."""
        n = self.W_h.shape[-1]
        grads = {"W_x": grad[..., n:-1], "W_h": grad[..., :n], "b": grad[..., -1]}
        grads |= {"W_hy": readout[0], "b_y": readout[1]}
        grads |= {k: run_first(v) for k, v in states.items()}
        return self.GRADIENTS(**(grads if self.R else {k: v[0] for k, v in grads.items()}))

    def _gate_log_gains(self, trace: Any, t: int | None, gate: str, what: str) -> np.ndarray:
        r"""Running sums :math:`\sum_{s=t-k+1}^{t} \log v_s` for k = 0..t, shape (t + 1, B, n),
        of the sigmoid gate :math:`v_s` named ``gate``, from its pre-activations:
        :math:`\log\sigma(a) = -\log(1 + e^{-a})` is finite where :math:`\sigma(a)` underflows."""
        self._one_network(what)
        T, _, n = self._check_trace(trace)
        t, j = check_step(t, T), self.GATES.index(gate)
        log_gate = -np.logaddexp(0.0, -trace.a[..., j * n : (j + 1) * n])
        out = np.zeros((t + 1, *log_gate.shape[1:]))
        np.cumsum(log_gate[:t][::-1], axis=0, out=out[1:])  # v_t, v_{t-1}, ..., v_1
        return out

    def step_jacobians(self, trace: Any) -> np.ndarray:
        """The one-step Jacobians of the state, shape (T, B, N, N); ``[t - 1]`` is step t."""
        self._one_network("step_jacobians")
        T = self._check_trace(trace)[0]
        return np.stack([self._step_jacobian(trace, s) for s in range(T)])
