r"""Synthetic tasks whose answer depends on inputs far in the past.

Each task is solved only by a network that carries information across many steps, and each
has a *baseline*: the loss of the best predictor that ignores the inputs. A network stuck at
the baseline has learned nothing about the long-range dependency (:doc:`/training`).

==============  =========================  =========  ======================================
task            input ``xs``               loss       baseline (input-blind)
==============  =========================  =========  ======================================
adding          (T, B, 2): value, marker   MSE, last  :math:`\operatorname{Var}(y^\star) = 1/6`
temporal order  (T, B, 6): one-hot         CE, last   :math:`\ln 4`
copy memory     (T, B, S + 2): one-hot     CE, all    :math:`K \ln S / (D + 2K)`
==============  =========================  =========  ======================================

Every generator takes the length ``T`` (:func:`copy_memory`: the ``delay``), the number of
sequences ``batch`` (B) and ``rng``, a ``numpy.random.Generator`` or an integer seed, and is
vectorised over the batch; :func:`empirical_baseline` measures the baseline on a sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ._validate import as_float_array, check_choice, check_int, check_real, check_rng
from .losses import WHERE, _mse, _softmax_cross_entropy

# fmt: off
__all__ = [
    "ORDER_CLASSES", "ORDER_SYMBOLS", "Batch", "adding_problem", "copy_memory",
    "empirical_baseline", "hochreiter_adding", "pascanu_adding", "pascanu_temporal_order",
    "score_runs", "temporal_order",
]
# fmt: on

#: Symbols of the temporal-order problem: four distractors, then the two that matter.
ORDER_SYMBOLS = ("a", "b", "c", "d", "X", "Y")
#: Classes of the temporal-order problem, in label order.
ORDER_CLASSES = ("XX", "XY", "YX", "YY")


@dataclass(frozen=True)
class Batch:
    r"""A batch of input sequences, their targets, and how to score a network's outputs.

    ``xs`` (T, B, d): inputs, time first (the layout of :meth:`vgrad.RNN.forward`); ``loss``:
    ``"mse"`` (:func:`vgrad.mse`) or ``"cross_entropy"`` (:func:`vgrad.softmax_cross_entropy`),
    scored at the steps ``where`` names, ``"last"`` or ``"all"``; ``target``: real (B, m) for
    ``"mse"``, class labels (B,) (``"last"``) or (T, B) (``"all"``) for ``"cross_entropy"``;
    ``n_outputs``: the output size m a network needs; ``baseline``: the stated loss of the best
    input-blind predictor (see each generator); ``lengths`` (B,), optional: each sequence's
    length, scored at its own last step (``where="last"``); ``tolerance``, optional: the largest
    absolute error of a right answer (squared-error tasks; see :meth:`wrong`).
    """

    xs: np.ndarray
    target: np.ndarray
    loss: str
    where: str
    n_outputs: int
    baseline: float
    lengths: np.ndarray | None = None
    tolerance: float | None = None

    def __post_init__(self) -> None:
        xs = as_float_array(self.xs, "xs", ndim=3)
        object.__setattr__(self, "xs", xs)
        check_choice(self.loss, "loss", ("mse", "cross_entropy"))
        check_choice(self.where, "where", WHERE)
        check_int(self.n_outputs, "n_outputs", minimum=1)
        check_real(self.baseline, "baseline", nonnegative=True)
        if self.lengths is not None:
            lengths = np.asarray(self.lengths)
            if lengths.dtype.kind not in "iu" or lengths.shape != (xs.shape[1],):
                raise ValueError(
                    f"lengths must be {xs.shape[1]} integers (one per sequence), got "
                    f"{lengths.dtype} of shape {lengths.shape}"
                )
            if lengths.min() < 1 or lengths.max() > xs.shape[0]:
                raise ValueError(f"lengths must lie in [1, T={xs.shape[0]}]")
            if self.where != "last":
                raise ValueError('lengths need where="last": one scored step per sequence')
            object.__setattr__(self, "lengths", lengths)
        if self.tolerance is not None:
            if self.loss != "mse":
                raise ValueError("tolerance applies to a squared-error task only")
            check_real(self.tolerance, "tolerance", positive=True)

    @property
    def T(self) -> int:
        """Sequence length."""
        return self.xs.shape[0]

    @property
    def B(self) -> int:
        """Batch size."""
        return self.xs.shape[1]

    @property
    def d(self) -> int:
        """Input size."""
        return self.xs.shape[2]

    def loss_and_grad(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        r"""Score outputs ``y`` (T, B, m): the loss and :math:`\partial\mathcal L/\partial y`."""
        y = as_float_array(y, "y", shape=(self.T, self.B, None))
        loss, grad = self._score(y, self.target, self.lengths)
        return float(loss), grad

    def losses_and_grads(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The R losses and gradients of R runs' outputs ``y`` (R, T, B, m) on this batch,
        each run as :meth:`loss_and_grad` scores it alone (:meth:`vgrad.RNN.stack`)."""
        y = as_float_array(y, "y", shape=(None, self.T, self.B, None), finite=False)
        return self._score(y, self.target, self.lengths)

    def _score(self, y: np.ndarray, target: np.ndarray, lengths: np.ndarray | None) -> tuple:
        """Loss and dL/dy of ``y`` (..., T, B, m) against ``target``, by this batch's loss at its
        ``where``; with ``lengths``, at step ``lengths[..., b] - 1`` of each sequence b only (the
        padding after it cannot reach that step: the recurrence is causal)."""
        fn = _mse if self.loss == "mse" else _softmax_cross_entropy
        if lengths is None:
            return fn(y, target, self.where)
        # plain fancy indices: take_along_axis gathers the same at several times the cost
        runs = tuple(i[..., None] for i in np.indices(y.shape[:-3], sparse=True))
        picked = (*runs, lengths - 1, np.arange(y.shape[-2]))  # y[picked]: shape (..., B, m)
        loss, grad = fn(y[picked][..., None, :, :], target, "last")
        dL_dy = np.zeros_like(y)
        dL_dy[picked] = grad[..., 0, :, :]
        return loss, dL_dy

    def sequences(self, part: slice) -> Batch:
        """The batch of the sequences ``part`` selects (a slice of the batch axis)."""
        if not isinstance(part, slice):
            raise TypeError(f"part must be a slice of the batch axis, got {type(part).__name__}")
        target = self.target[part] if self.where == "last" else self.target[:, part]
        lengths = None if self.lengths is None else self.lengths[part]
        if not self.xs[:, part].shape[1]:
            raise ValueError(f"part {part} selects no sequence of a batch of {self.B}")
        return replace(self, xs=self.xs[:, part], target=target, lengths=lengths)

    def outputs(self, y: np.ndarray) -> np.ndarray:
        """The scored outputs: ``y[..., t_b, b, :]`` at each sequence's scored step, shape
        (..., B, m) (``where="last"`` only)."""
        if self.where != "last":
            raise ValueError('outputs needs a task with where="last"')
        ends = self.lengths - 1 if self.lengths is not None else np.full(self.B, self.T - 1)
        return np.asarray(y)[..., ends, np.arange(self.B), :]

    def wrong(self, y: np.ndarray) -> np.ndarray:
        r"""Which sequences the outputs ``y`` (..., T, B, m) get wrong, boolean (..., B): the
        largest logit is not the label (cross-entropy), or an absolute error exceeds ``tolerance``
        (the success criterion of :doc:`/remedies`)."""
        out = self.outputs(y)
        if self.loss == "cross_entropy":
            return out.argmax(axis=-1) != self.target
        if self.tolerance is None:
            raise ValueError("this task states no tolerance for a correct answer")
        return np.abs(out - self.target).max(axis=-1) > self.tolerance


def score_runs(batches: Sequence[Batch], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Score R runs at once, run r's outputs ``y[r]`` (``y``: (R, T, B, m)) on ``batches[r]``.

    Returns the R losses and :math:`\partial \mathcal{L}/\partial y`, run r as
    ``batches[r].loss_and_grad(y[r])`` scores it alone; one vectorised pass when the batches
    are of one kind (loss, scored steps, target shape), as one task's are.
    """
    y = as_float_array(y, "y", ndim=4, finite=False)
    if len(batches) != y.shape[0]:
        raise ValueError(f"y has {y.shape[0]} runs but there are {len(batches)} batches")
    first = batches[0]
    kind = (first.loss, first.where, first.lengths is None, first.target.shape)
    if any((b.loss, b.where, b.lengths is None, b.target.shape) != kind for b in batches):
        scored = [b.losses_and_grads(y[r : r + 1]) for r, b in enumerate(batches)]
        return np.concatenate([s[0] for s in scored]), np.concatenate([s[1] for s in scored])
    lengths = None if first.lengths is None else np.stack([b.lengths for b in batches])
    return first._score(y, np.stack([b.target for b in batches]), lengths)


def _one_hot(symbols: np.ndarray, size: int, lengths: np.ndarray | None = None) -> np.ndarray:
    """One-hot rows of ``symbols`` (T, B) in [0, size), shape (T, B, size); with ``lengths``,
    the rows at and after step ``lengths[b]`` of sequence b are zero (padding)."""
    if lengths is not None:
        symbols = np.where(np.arange(symbols.shape[0])[:, None] >= lengths, size, symbols)
    # Rows of an identity with a zero row appended (the padding): one take, the fastest way
    # numpy has to build a one-hot array, which matters at one batch per training step.
    table = _ONE_HOT.get(size)
    if table is None:
        table = _ONE_HOT[size] = np.eye(size + 1, size)
        table.flags.writeable = False  # shared by every draw: take copies, nothing may write
    return table.take(symbols, axis=0)


_ONE_HOT: dict[int, np.ndarray] = {}


def _args(T: int, batch: int, rng: object, T_min: int, name: str = "T") -> tuple:
    """The generators' checked length ``T`` (at least ``T_min``), ``batch`` and ``rng``."""
    return check_int(T, name, minimum=T_min), check_int(batch, "batch", minimum=1), check_rng(rng)


def _padded_args(T: int, batch: int, rng: object, T_min: int) -> tuple:
    """:func:`_args`, then T_max = T + floor(T/10) and per-sequence lengths drawn uniformly
    from [T, T_max]."""
    T, batch, rng = _args(T, batch, rng, T_min)
    T_max = T + T // 10
    return T, batch, rng, T_max, rng.integers(T, T_max + 1, size=batch)


def _adding_inputs(values, t1, t2, lengths=None, markers=None) -> tuple:
    """Inputs (T, B, 2) of an adding task, the values and the markers (default zero) set to 1
    at steps ``t1`` and ``t2``, zero from each sequence's length on; and the marked sum (B,)."""
    cols = np.arange(values.shape[1])
    markers = np.zeros(values.shape) if markers is None else markers
    markers[t1, cols] = 1.0
    markers[t2, cols] = 1.0
    xs = np.stack([values, markers], axis=-1)
    if lengths is not None:
        xs[np.arange(len(xs))[:, None] >= lengths] = 0.0
    return xs, values[t1, cols] + values[t2, cols]


def _order_batch(symbols, t1, t2, rng, lengths=None) -> Batch:
    """A temporal-order batch: X or Y drawn for steps ``t1`` and ``t2`` of the distractors
    ``symbols`` (T, B), labelled ``2 * first + second``."""
    cols = np.arange(symbols.shape[1])
    first = rng.integers(0, 2, size=len(cols))
    second = rng.integers(0, 2, size=len(cols))
    symbols[t1, cols] = 4 + first
    symbols[t2, cols] = 4 + second
    xs = _one_hot(symbols, len(ORDER_SYMBOLS), lengths)  # zero inputs after each length
    label = 2 * first + second
    return Batch(xs, label, "cross_entropy", "last", 4, float(np.log(4.0)), lengths)


def adding_problem(T: int, batch: int, rng: np.random.Generator | int) -> Batch:
    r"""The adding problem: report the sum of two marked numbers seen long ago.

    Channel 0 holds values :math:`u_t \sim U(0, 1)`, channel 1 markers :math:`m_t`: 1 at one step
    drawn uniformly from :math:`[0, \lfloor T/2 \rfloor)` and one from
    :math:`[\lfloor T/2 \rfloor, T)` (0-based), 0 elsewhere (the variant of Le, Jaitly & Hinton,
    2015, of the task of Hochreiter & Schmidhuber, 1997). The target, scored by the squared
    error at the last step, is

    .. math:: y^\star = \sum_t m_t u_t = u_{t_1} + u_{t_2} .

    ``T`` >= 2 (``batch``, ``rng``: see the module); ``xs`` (T, B, 2), ``target`` (B, 1).
    """
    T, batch, rng = _args(T, batch, rng, 2)
    values = rng.uniform(size=(T, batch))
    t1 = rng.integers(0, T // 2, size=batch)
    t2 = rng.integers(T // 2, T, size=batch)
    xs, marked = _adding_inputs(values, t1, t2)
    return Batch(xs, marked[:, None], "mse", "last", n_outputs=1, baseline=1.0 / 6.0)


def temporal_order(T: int, batch: int, rng: np.random.Generator | int) -> Batch:
    r"""The temporal-order problem: classify the order of two symbols far apart.

    One-hot symbols from :data:`ORDER_SYMBOLS`: distractors ``a b c d`` drawn uniformly, and two
    relevant symbols, each ``X`` or ``Y`` with probability 1/2, at a step drawn from the early
    window :math:`[w, 2w)` and one from the middle window
    :math:`[\lfloor T/2 \rfloor, \lfloor T/2 \rfloor + w)`, :math:`w = \max(1, \lfloor T/10
    \rfloor)`: for T = 100, steps 10-19 and 50-59, close to Hochreiter & Schmidhuber (1997, task
    6a: 10-20 and 50-60 in sequences of 100-110 steps, with start and end markers, omitted
    here). The label, scored by cross-entropy at the last step, is one of :data:`ORDER_CLASSES`,
    ``2 * first + second`` with X = 0, Y = 1, each equally likely. ``T`` >= 4 (the two windows
    disjoint); ``xs`` (T, B, 6), ``target`` (B,) int in ``[0, 4)``.
    """
    T, batch, rng = _args(T, batch, rng, 4)
    w = max(1, T // 10)
    symbols = rng.integers(0, 4, size=(T, batch))
    t1 = rng.integers(w, 2 * w, size=batch)
    t2 = rng.integers(T // 2, T // 2 + w, size=batch)
    return _order_batch(symbols, t1, t2, rng)


def copy_memory(
    delay: int,
    batch: int,
    rng: np.random.Generator | int,
    *,
    n_memorize: int = 10,
    n_symbols: int = 8,
) -> Batch:
    r"""The copy-memory problem: reproduce a short sequence after a long blank delay.

    Symbols ``0 .. S-1`` are data, ``S`` is the blank and ``S + 1`` the delimiter. The input is K
    data symbols drawn uniformly, D - 1 blanks, the delimiter, then K blanks: :math:`T = D + 2K`
    steps. The target is blank for the first :math:`D + K` steps and the K data symbols for the
    last K, every step scored by cross-entropy (the setting of Arjovsky, Shah & Bengio, 2016,
    after Hochreiter & Schmidhuber, 1997). ``delay`` = D >= 1 (the steps from the last data
    symbol to the delimiter), ``n_memorize`` = K >= 1, ``n_symbols`` = S >= 2; ``xs``
    (T, B, S + 2), ``target`` (T, B) int in ``[0, S]``, ``n_outputs = S + 1``.
    """
    delay, batch, rng = _args(delay, batch, rng, 1, "delay")
    K = check_int(n_memorize, "n_memorize", minimum=1)
    S = check_int(n_symbols, "n_symbols", minimum=2)
    T = delay + 2 * K
    blank, delimiter = S, S + 1
    data = rng.integers(0, S, size=(K, batch))
    inputs = np.full((T, batch), blank)
    inputs[:K] = data
    inputs[K + delay - 1] = delimiter
    target = np.full((T, batch), blank)
    target[T - K :] = data
    xs = _one_hot(inputs, S + 2)
    baseline = K * float(np.log(S)) / T
    return Batch(xs, target, "cross_entropy", "all", n_outputs=S + 1, baseline=baseline)


def empirical_baseline(batch: Batch) -> float:
    r"""The loss of the best input-blind predictor, estimated from the targets of ``batch``.

    The predictor may depend on the time step but not on the inputs: for the squared error
    it predicts the sample mean (scoring the sample variance), for cross-entropy the class
    frequencies :math:`\hat p_t(c)` at each scored step (scoring
    :math:`-\frac1N \sum \ln \hat p_t(c_{t,b})`, biased low by about (classes - 1) / (2B)
    per step). With many sequences it converges to the generator's ``baseline``.
    """
    if not isinstance(batch, Batch):
        raise TypeError(f"batch must be a vgrad Batch, got {type(batch).__name__}")
    if batch.loss == "mse":
        return float(np.mean(np.var(batch.target, axis=0)))
    labels = batch.target if batch.where == "all" else batch.target[None]
    steps, m = labels.shape[0], batch.n_outputs
    # one histogram per scored step, all at once: step s, class c -> bin s * m + c
    bins = labels + m * np.arange(steps)[:, None]
    counts = np.bincount(bins.ravel(), minlength=steps * m).reshape(steps, m)
    p_hat = counts / labels.shape[1]
    picked = np.take_along_axis(p_hat, labels, axis=1)  # every picked class was seen: > 0
    return float(-np.mean(np.log(picked)))


def pascanu_temporal_order(T: int, batch: int, rng: np.random.Generator | int) -> Batch:
    r"""The temporal-order problem as Pascanu, Mikolov & Bengio (2013) set it.

    Each sequence b has its own length :math:`T_b`, drawn uniformly from
    :math:`[T, T + \lfloor T/10 \rfloor]`; with :math:`w = \lfloor T_b/10 \rfloor`, the two
    relevant symbols sit at steps drawn from :math:`[w, 2w)` and
    :math:`[\lfloor T_b/2 \rfloor, \lfloor T_b/2 \rfloor + w)`, and the label (as in
    :func:`temporal_order`) is scored at the sequence's own last step :math:`T_b - 1`; zero
    inputs pad each sequence after its end (:doc:`/remedies`). Baseline :math:`\ln 4`.
    ``T``, the shortest length, >= 10 (so that w >= 1); ``xs`` (T + T // 10, B, 6), ``target``
    (B,), ``lengths`` (B,).
    """
    T, batch, rng, T_max, L = _padded_args(T, batch, rng, 10)
    w = L // 10
    symbols = rng.integers(0, 4, size=(T_max, batch))
    t1 = w + (rng.random(batch) * w).astype(np.int64)
    t2 = L // 2 + (rng.random(batch) * w).astype(np.int64)
    return _order_batch(symbols, t1, t2, rng, L)


def pascanu_adding(T: int, batch: int, rng: np.random.Generator | int) -> Batch:
    r"""The adding problem as Pascanu, Mikolov & Bengio (2013) set it.

    Lengths :math:`T_b` and padding as in :func:`pascanu_temporal_order`. Channel 0 holds values
    :math:`u_t \sim U(0, 1)`, channel 1 the markers: one step drawn from
    :math:`[0, \lfloor T_b/10 \rfloor)`, one from :math:`[\lfloor T_b/10 \rfloor, \lfloor T_b/10
    \rfloor + \lfloor 4T_b/10 \rfloor)`. The target at the last step is the *mean* of the two
    marked values, scored by squared error; the blind guess 1/2 scores :math:`2 \cdot
    \frac{1}{12} / 4 = \frac{1}{24}`. A sequence is wrong when its squared error exceeds 0.04
    (their code), ``tolerance = 0.2`` on the absolute error, which the blind guess exceeds with
    probability :math:`4 \cdot 0.3^2 = 0.36`. Arguments and ``xs`` as in
    :func:`pascanu_temporal_order` (2 channels); ``target`` (B, 1).
    """
    T, batch, rng, T_max, L = _padded_args(T, batch, rng, 10)
    values = rng.uniform(size=(T_max, batch))
    w = L // 10
    t1 = (rng.random(batch) * w).astype(np.int64)
    t2 = w + (rng.random(batch) * ((4 * L) // 10)).astype(np.int64)
    xs, marked = _adding_inputs(values, t1, t2, L)
    target = (marked / 2.0)[:, None]
    return Batch(xs, target, "mse", "last", 1, 1.0 / 24.0, lengths=L, tolerance=0.2)


def hochreiter_adding(T: int, batch: int, rng: np.random.Generator | int) -> Batch:
    r"""The adding problem of Hochreiter & Schmidhuber (1997, experiment 4).

    Lengths :math:`T_b` and padding as in :func:`pascanu_temporal_order` (``T`` at least 22).
    Channel 0 holds values :math:`x_t \sim U(-1, 1)`, channel 1 the markers: 1 at two steps, −1
    at the first and last step of the sequence, 0 elsewhere. The first marked step is one of
    the first ten, the second one of the first :math:`\lfloor T/2 \rfloor - 1` steps not already
    marked; when step 0 is marked first, its value :math:`X_1` is 0 in the input. The target at
    the last step, :math:`0.5 + (X_1 + X_2)/4` (the marked sum scaled to [0, 1]), is scored by
    squared error, right when the absolute error is below 0.04. The blind guess 1/2 scores
    :math:`\big(\tfrac{9}{10}\cdot\tfrac13 + \tfrac13\big)/16 = \tfrac{19}{480}` (:math:`X_1`
    is 0 with probability 1/10). Returns ``xs`` (T + T // 10, B, 2), ``target`` (B, 1).
    """
    T, batch, rng, T_max, L = _padded_args(T, batch, rng, 22)  # T/2 - 1 steps hold the first 10
    values = rng.uniform(-1.0, 1.0, size=(T_max, batch))
    t1 = rng.integers(0, 10, size=batch)
    # the second: uniform over the first T/2 - 1 steps other than t1
    t2 = rng.integers(0, T // 2 - 2, size=batch)
    t2 = t2 + (t2 >= t1)
    markers = np.zeros((T_max, batch))
    markers[0] = -1.0
    markers[L - 1, np.arange(batch)] = -1.0
    # X1 = 0 in the input itself: otherwise a marked step 0 (marked first, its value not
    # counted, or second, counted) would leave the target undecided by the inputs
    values[0, t1 == 0] = 0.0
    xs, marked = _adding_inputs(values, t1, t2, L, markers)
    target = (0.5 + marked / 4.0)[:, None]  # the marked sum scaled to [0, 1]
    return Batch(xs, target, "mse", "last", 1, 19.0 / 480.0, lengths=L, tolerance=0.04)
