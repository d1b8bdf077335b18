"""The plumbing shared by the recurrent cells: argument checks, parameters, trace checks.

:class:`vgrad.RNN`, :class:`vgrad.LSTM` and :class:`vgrad.GRU` take the same input layout
(time first, then batch) and report the same errors through these checks, so a reader who
switches cells sees the same messages. :class:`Cell` holds what does not depend on a cell's
equations (its parameters by name, copies, sizes, the run axis, the trace check, the
log-norms of Jacobian products); each cell's forward pass, backward pass and Jacobians stay
in its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ._products import check_ord, log_norms_of_products
from ._runs import Work, readout, run_first
from ._validate import as_float_array, check_int


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
    """The view (T, ..., B, k) of an array (..., T, B, k): ``steps_first(h)[t]`` is step t
    of every run."""
    return x.swapaxes(0, x.ndim - 3)  # a no-op view for one network; 10x cheaper than moveaxis


def merge_steps(x: np.ndarray) -> np.ndarray:
    """The view (..., T B, k) of an array (..., T, B, k): the rows of all steps and sequences
    of a run as one matrix, for one product over all steps."""
    return x.reshape(*x.shape[:-3], -1, x.shape[-1])


def check_weights(
    W_x: object, W_h: object, b: object, W_hy: object, b_y: object, gates: int
) -> tuple[np.ndarray, ...]:
    """Validate stacked gate weights ``W_x`` (G n, d), ``W_h`` (G n, n), ``b`` (G n,) and the
    read-out ``W_hy`` (m, n), ``b_y`` (m,), where G = ``gates``, each with the same optional
    leading run axis R; return float64 copies."""
    W_h = as_float_array(W_h, "W_h", ndim=(2, 3))
    *runs, rows, n = W_h.shape
    if n == 0 or rows != gates * n:
        raise ValueError(
            f"W_h must have shape ({gates} n, n) or (R, {gates} n, n) with the {gates} gate "
            f"blocks stacked, got {W_h.shape}"
        )
    W_x = as_float_array(W_x, "W_x", shape=(*runs, gates * n, None))
    b = as_float_array(b, "b", shape=(*runs, gates * n))
    W_hy = as_float_array(W_hy, "W_hy", shape=(*runs, None, n))
    b_y = as_float_array(b_y, "b_y", shape=(*runs, W_hy.shape[-2]))
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


def gate_blocks(n: int, gates: int) -> list[slice]:
    """Slices of the ``gates`` blocks of length n in a stacked axis of length ``gates * n``."""
    return [slice(j * n, (j + 1) * n) for j in range(gates)]


class TraceBase:
    """What every cell's trace has: the pre-activations ``a`` of shape (T, B, ...)."""

    a: np.ndarray
    h: np.ndarray

    @property
    def T(self) -> int:
        """Number of time steps."""
        return self.a.shape[-3]


def gate(j: int, doc: str) -> property:
    """A trace attribute: block ``j`` (shape (T, B, n)) of the stacked ``gates``."""
    return property(lambda trace: trace._block(j), doc=doc)


class GatedTraceBase(TraceBase):
    """A trace whose ``gates`` array stacks blocks of length n (one block per gate)."""

    gates: np.ndarray

    def _block(self, j: int) -> np.ndarray:
        n = self.h.shape[-1]  # (T + 1, B, n), or run-first (R, T + 1, B, n)
        return self.gates[..., j * n : (j + 1) * n]


class GradientsBase:
    """Parameter gradients by name, in the order of the cell's ``PARAMS``."""

    PARAMS: ClassVar[tuple[str, ...]]

    def params(self) -> dict[str, np.ndarray]:
        """The parameter gradients by name (the state adjoints excluded), in ``params`` order."""
        return {k: getattr(self, k) for k in self.PARAMS}


class Cell:
    """Parameters, copies, sizes, trace checks and the run axis (``stack``, ``run``, ``keep``)
    of a recurrent cell with a linear read-out.

    A subclass names its parameters in ``PARAMS`` (input weights first, read-out ``W_hy``,
    ``b_y`` last), its trace class in ``TRACE``, the state size in units of n in
    ``STATE_BLOCKS`` (1 for h, 2 for the LSTM's (h, c)), and defines ``_step_jacobian``.
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
        """Check that ``trace`` came from this kind of cell with this hidden size;
        return its ``(T, B, n)``."""
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

    def _one_network(self, what: str) -> None:
        """Refuse a network with a run axis where ``what`` takes one network."""
        if self.W_hy.ndim != 2:
            raise ValueError(
                f"{what} takes one network, got {self!r}; take one run with net.run(r)"
            )

    def _step_jacobian(self, trace: Any, s: int) -> np.ndarray:
        """The Jacobian of step s + 1 of the state, shape (B, N, N)."""
        raise NotImplementedError

    # -- many networks as one -----------------------------------------------------------

    @classmethod
    def stack(cls, nets: Sequence[Any]) -> Any:
        """R cells of one kind and shape as one cell with a leading run axis.

        Every parameter gets shape (R, ...): ``forward`` and ``backward`` then run all R
        networks at once, one batched product per step (how :func:`vgrad.train_many` trains
        many seeds), and each run's numbers are those of the network alone, to rounding.
        The members must share their shape and their options (the RNN's activation).

        Parameters
        ----------
        nets : sequence of cells of this class
            The members (copied), each without a run axis.

        Returns
        -------
        Cell
            A cell of the same class with a run axis; ``run(r)`` is member r again.
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
        self._runs_only("run")
        return type(self)(**{k: p[r] for k, p in self.params().items()}, **self._options())

    def keep(self, runs: np.ndarray) -> None:
        """Keep only the runs selected by ``runs`` (a boolean mask or indices)."""
        self._runs_only("keep")
        for k, p in self.params().items():
            setattr(self, k, p[runs])

    def _runs_only(self, what: str) -> None:
        if self.R is None:
            name = type(self).__name__
            raise ValueError(f"{what} needs a network with a run axis ({name}.stack), got {self!r}")

    def _gate_log_gains(self, trace: Any, t: int | None, j: int, what: str) -> np.ndarray:
        """:func:`log_gains` of the sigmoid gate in block ``j`` of the pre-activations."""
        self._one_network(what)
        T, _, n = self._check_trace(trace)
        return log_gains(log_sigmoid(trace.a[..., j * n : (j + 1) * n]), check_step(t, T))

    def jacobian_log_norms(
        self, trace: Any, t: int | None = None, ord: int | str = 2
    ) -> np.ndarray:
        r"""Log-norms of the products :math:`J_t J_{t-1} \cdots J_{t-k+1}` of the one-step
        Jacobians of the state, for every lag k = 0..t.

        The state is :math:`h_t`, or :math:`(h_t, c_t)` for the LSTM. The running product is
        renormalised after every factor and its scale kept as a sum of logarithms, so no
        intermediate over- or underflows (the product of :func:`vgrad.spectral.power_norms`;
        :doc:`/eigenvalues`).

        Parameters
        ----------
        trace : the trace returned by ``forward``
        t : int, optional
            The later time step (default T).
        ord : {2, "fro"}
            Spectral norm (largest singular value) or Frobenius norm.

        Returns
        -------
        ndarray, shape (t + 1, B)
            Entry ``[k, b]``; ``-inf`` where the product is exactly zero (dead ReLUs).
        """
        self._one_network("jacobian_log_norms")
        T, B, n = self._check_trace(trace)
        t = check_step(t, T)
        ord = check_ord(ord)
        factors = (self._step_jacobian(trace, t - k) for k in range(1, t + 1))
        return log_norms_of_products(factors, B, self.STATE_BLOCKS * n, ord)


class GatedCell(Cell):
    """A cell with stacked gate weights ``W_x`` (G n, d), ``W_h`` (G n, n), ``b`` (G n,) and a
    read-out ``W_hy`` (m, n), ``b_y`` (m,); G = ``len(GATES)``."""

    PARAMS = ("W_x", "W_h", "b", "W_hy", "b_y")
    GATES: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        W_x: np.ndarray,
        W_h: np.ndarray,
        b: np.ndarray,
        W_hy: np.ndarray,
        b_y: np.ndarray,
    ) -> None:
        self.W_x, self.W_h, self.b, self.W_hy, self.b_y = check_weights(
            W_x, W_h, b, W_hy, b_y, gates=len(self.GATES)
        )

    @classmethod
    def _random(
        cls,
        d: int,
        n: int,
        m: int,
        rng: np.random.Generator,
        input_scale: float,
        recurrent_scale: float,
        biases: dict[str, float],
    ) -> Any:
        """Gaussian weights (the scales of :meth:`vgrad.LSTM.random`), zero biases except
        the gate blocks named in ``biases``."""
        G = len(cls.GATES)
        W_x = rng.standard_normal((G * n, d)) * (input_scale / np.sqrt(d))
        W_h = rng.standard_normal((G * n, n)) * (recurrent_scale / np.sqrt(n))
        W_hy = rng.standard_normal((m, n)) / np.sqrt(n)
        b = np.zeros(G * n)
        for gate, value in biases.items():
            b[gate_blocks(n, G)[cls.GATES.index(gate)]] = value
        return cls(W_x, W_h, b, W_hy, np.zeros(m))

    def _trace(self, work: Work | None, xs: np.ndarray, **arrays: np.ndarray) -> Any:
        """The trace of a forward pass from the loop's time-first arrays (``h`` among them): the
        read-out :math:`y_t = W_{hy} h_t + b_y`, and every array as a run-first view (the
        run axis dropped for one network)."""
        runs, (_, n, m) = self.W_hy.shape[:-2], self.sizes
        R = self.R or 1
        y = readout(work, arrays["h"], self.W_hy.reshape(R, m, n), self.b_y.reshape(R, m))
        views = {k: run_first(v) if runs else run_first(v)[0] for k, v in arrays.items()}
        return self.TRACE(xs=xs, y=y if runs else y[0], **views)

    def step_jacobians(self, trace: Any) -> np.ndarray:
        """The one-step Jacobians of the state, shape (T, B, N, N); ``[t - 1]`` is step t."""
        self._one_network("step_jacobians")
        T = self._check_trace(trace)[0]
        return np.stack([self._step_jacobian(trace, s) for s in range(T)])
