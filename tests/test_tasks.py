"""The long-range tasks: their layout, and baselines checked against samples, not trusted."""

import numpy as np
import pytest

import vgrad
from vgrad.tasks import (
    ORDER_CLASSES,
    Batch,
    adding_problem,
    copy_memory,
    empirical_baseline,
    temporal_order,
)

N_MC = 20_000  # sequences for the Monte-Carlo baselines


def test_adding_problem_layout(rng):
    T, B = 9, 500
    b = adding_problem(T, B, rng)
    assert (b.xs.shape, b.target.shape, b.n_outputs) == ((T, B, 2), (B, 1), 1)
    assert (b.loss, b.where, b.T, b.B, b.d) == ("mse", "last", T, B, 2)
    values, marks = b.xs[..., 0], b.xs[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(marks)) == {0.0, 1.0}
    # exactly one marker in each half [0, T//2) and [T//2, T)
    np.testing.assert_array_equal(marks[: T // 2].sum(axis=0), 1.0)
    np.testing.assert_array_equal(marks[T // 2 :].sum(axis=0), 1.0)
    np.testing.assert_allclose(b.target[:, 0], (values * marks).sum(axis=0), rtol=1e-15)
    # both halves are used over many sequences, including their first and last steps
    first, second = marks[: T // 2].argmax(axis=0), marks[T // 2 :].argmax(axis=0)
    assert set(first) == set(range(T // 2)) and set(second) == set(range(T - T // 2))


def test_adding_problem_baseline_is_one_sixth(rng):
    b = adding_problem(20, N_MC, rng)
    assert b.baseline == 1 / 6
    # predicting the mean, 1, scores Var(u1 + u2) = 2/12; standard error from the sample
    sq = (b.target[:, 0] - 1.0) ** 2
    se = sq.std() / np.sqrt(N_MC)
    assert abs(sq.mean() - 1 / 6) < 4 * se
    loss, _ = vgrad.mse(np.ones((20, N_MC, 1)), b.target, where="last")
    assert loss == pytest.approx(sq.mean(), rel=1e-12)
    assert abs(empirical_baseline(b) - 1 / 6) < 4 * se


def test_temporal_order_layout(rng):
    for T in (4, 7, 30, 100):
        B = 400
        b = temporal_order(T, B, rng)
        assert (b.xs.shape, b.target.shape, b.n_outputs) == ((T, B, 6), (B,), 4)
        assert (b.loss, b.where) == ("cross_entropy", "last")
        np.testing.assert_array_equal(b.xs.sum(axis=2), 1.0)  # one-hot
        sym = b.xs.argmax(axis=2)
        relevant = sym >= 4
        np.testing.assert_array_equal(relevant.sum(axis=0), 2)
        w = max(1, T // 10)
        t1 = relevant.argmax(axis=0)
        t2 = T - 1 - relevant[::-1].argmax(axis=0)
        assert np.all((t1 >= w) & (t1 < 2 * w))
        assert np.all((t2 >= T // 2) & (t2 < T // 2 + w))
        cols = np.arange(B)
        label = 2 * (sym[t1, cols] - 4) + (sym[t2, cols] - 4)
        np.testing.assert_array_equal(b.target, label)
    b = temporal_order(100, 2000, rng)
    t1 = (b.xs.argmax(axis=2) >= 4).argmax(axis=0)
    assert set(t1) == set(range(10, 20))  # the early window of Hochreiter & Schmidhuber
    assert ORDER_CLASSES == ("XX", "XY", "YX", "YY")


def test_temporal_order_baseline_is_ln4(rng):
    b = temporal_order(20, N_MC, rng)
    assert b.baseline == pytest.approx(np.log(4), rel=1e-15)
    freq = np.bincount(b.target, minlength=4) / N_MC
    assert np.all(np.abs(freq - 0.25) < 4 * np.sqrt(0.25 * 0.75 / N_MC))
    # ln 4 - (plug-in entropy) is about chi2(3) / (2N) for uniform classes: >= 0, tiny
    gap = np.log(4) - empirical_baseline(b)
    assert 0 <= gap < 20 / (2 * N_MC)
    # a network that outputs equal logits scores exactly ln 4
    loss, _ = b.loss_and_grad(np.zeros((20, N_MC, 4)))
    assert loss == pytest.approx(np.log(4), rel=1e-14)


def test_copy_memory_layout(rng):
    delay, B, K, S = 5, 300, 3, 4
    b = copy_memory(delay, B, rng, n_memorize=K, n_symbols=S)
    T = delay + 2 * K
    assert (b.xs.shape, b.target.shape, b.n_outputs) == ((T, B, S + 2), (T, B), S + 1)
    assert (b.loss, b.where) == ("cross_entropy", "all")
    sym = b.xs.argmax(axis=2)
    np.testing.assert_array_equal(b.xs.sum(axis=2), 1.0)
    assert np.all(sym[:K] < S)
    np.testing.assert_array_equal(sym[K : K + delay - 1], S)  # blanks
    np.testing.assert_array_equal(sym[K + delay - 1], S + 1)  # the delimiter
    np.testing.assert_array_equal(sym[K + delay :], S)
    np.testing.assert_array_equal(b.target[: T - K], S)
    np.testing.assert_array_equal(b.target[T - K :], sym[:K])  # recall what was seen
    assert set(np.unique(sym[:K])) == set(range(S))
    # delay 1: the delimiter follows the data at once
    b1 = copy_memory(1, 2, rng, n_memorize=K, n_symbols=S)
    np.testing.assert_array_equal(b1.xs.argmax(axis=2)[K], S + 1)


@pytest.mark.parametrize("delay", [1, 30, 100])
def test_copy_memory_baseline(rng, delay):
    K, S = 10, 8
    b = copy_memory(delay, N_MC, rng)
    T = delay + 2 * K
    assert b.baseline == pytest.approx(10 * np.log(8) / (delay + 20), rel=1e-15)
    # the input-blind predictor: certain "blank" where the target is known, uniform guess
    # over the data symbols on the last K steps (its loss does not depend on the data)
    small = copy_memory(delay, 50, rng)
    logits = np.zeros((T, 50, S + 1))
    logits[: T - K, :, S] = 60.0
    logits[T - K :, :, S] = -60.0
    loss, _ = small.loss_and_grad(logits)
    assert loss == pytest.approx(b.baseline, rel=1e-12)
    # no input-blind predictor does better: the per-step entropy of the targets, whose
    # plug-in estimate falls short of K ln S / T by about chi2(K (S - 1)) / (2 N T)
    gap = b.baseline - empirical_baseline(b)
    assert 0 <= gap < 3 * K * (S - 1) / (2 * N_MC * T)


def test_generators_are_seeded_and_vectorised():
    for gen, arg in ((adding_problem, 12), (temporal_order, 12), (copy_memory, 4)):
        a, b = gen(arg, 6, 7), gen(arg, 6, np.random.default_rng(7))
        np.testing.assert_array_equal(a.xs, b.xs)
        np.testing.assert_array_equal(a.target, b.target)
        c = gen(arg, 6, 8)
        assert not np.array_equal(a.xs, c.xs)


def test_task_errors():
    with pytest.raises(ValueError, match="T must be >= 2"):
        adding_problem(1, 4, 0)
    with pytest.raises(ValueError, match="T must be >= 4"):
        temporal_order(3, 4, 0)
    with pytest.raises(ValueError, match="batch must be >= 1"):
        temporal_order(10, 0, 0)
    with pytest.raises(TypeError, match="T must be an integer"):
        temporal_order(10.0, 3, 0)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        adding_problem(10, 3, np.random.RandomState(0))
    with pytest.raises(ValueError, match="delay must be >= 1"):
        copy_memory(0, 3, 0)
    with pytest.raises(ValueError, match="n_symbols must be >= 2"):
        copy_memory(5, 3, 0, n_symbols=1)
    with pytest.raises(TypeError, match="batch must be a vgrad Batch"):
        empirical_baseline(np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        Batch(np.zeros((3, 2, 1)), np.zeros((2, 1)), "l1", "last", 1, 0.0)
    with pytest.raises(TypeError, match="xs must have a real floating dtype"):
        Batch(np.zeros((3, 2, 1), dtype=int), np.zeros((2, 1)), "mse", "last", 1, 0.0)


# -- the tasks as Pascanu et al. (2013) and Hochreiter & Schmidhuber (1997) set them --------

from vgrad.tasks import hochreiter_adding, pascanu_adding, pascanu_temporal_order  # noqa: E402


@pytest.mark.parametrize("make", [pascanu_temporal_order, pascanu_adding, hochreiter_adding])
def test_variable_lengths_are_padded_after_the_end(make, rng):
    T, B = 40, 3000
    b = make(T, B, rng)
    assert b.T == T + T // 10 and b.lengths.shape == (B,)
    assert set(np.unique(b.lengths)) == set(range(T, T + T // 10 + 1))
    after = np.arange(b.T)[:, None] >= b.lengths
    assert np.all(b.xs[after] == 0.0)
    # the loss is scored at each sequence's own last step, and nowhere else
    y = rng.standard_normal((b.T, B, b.n_outputs))
    _, dL_dy = b.loss_and_grad(y)
    nonzero = np.any(dL_dy != 0.0, axis=2)
    np.testing.assert_array_equal(nonzero.argmax(axis=0), b.lengths - 1)
    np.testing.assert_array_equal(nonzero.sum(axis=0), 1)


def test_padding_changes_nothing_the_loss_sees(rng):
    """A padded batch scores and trains exactly as each sequence would alone."""
    b = pascanu_temporal_order(30, 6, rng)
    net = vgrad.RNN.random(6, 7, 4, rng, rho=1.1)
    trace = net.forward(b.xs)
    loss, dL_dy = b.loss_and_grad(trace.y)
    grads = net.backward(trace, dL_dy)
    total = {k: np.zeros_like(p) for k, p in net.params().items()}
    losses = []
    for j in range(b.B):
        L = int(b.lengths[j])
        xs = b.xs[:L, j : j + 1]
        alone = net.forward(xs)
        lj, gj = vgrad.softmax_cross_entropy(alone.y, b.target[j : j + 1], where="last")
        losses.append(lj)
        for k, g in net.backward(alone, gj).params().items():
            total[k] += g / b.B
    assert loss == pytest.approx(np.mean(losses), rel=1e-13)
    for k, g in grads.params().items():
        np.testing.assert_allclose(g, total[k], rtol=1e-11, atol=1e-15)


def test_pascanu_temporal_order_layout_and_baseline(rng):
    T, B = 60, N_MC
    b = pascanu_temporal_order(T, B, rng)
    assert b.baseline == np.log(4) and (b.loss, b.d, b.n_outputs) == ("cross_entropy", 6, 4)
    sym = b.xs.argmax(axis=2)
    valid = np.arange(b.T)[:, None] < b.lengths
    np.testing.assert_array_equal(b.xs.sum(axis=2), valid)
    relevant = (sym >= 4) & valid
    np.testing.assert_array_equal(relevant.sum(axis=0), 2)
    t1 = relevant.argmax(axis=0)
    t2 = b.T - 1 - relevant[::-1].argmax(axis=0)
    w = b.lengths // 10
    assert np.all((t1 >= w) & (t1 < 2 * w))
    assert np.all((t2 >= b.lengths // 2) & (t2 < b.lengths // 2 + w))
    label = 2 * (sym[t1, np.arange(B)] - 4) + (sym[t2, np.arange(B)] - 4)
    np.testing.assert_array_equal(label, b.target)
    assert 0 <= np.log(4) - empirical_baseline(b) < 20 / (2 * B)
    # the blind predictor is wrong 3/4 of the time
    wrong = b.wrong(np.zeros((b.T, B, 4)) + np.arange(4) * 1e-9).mean()
    se = np.sqrt(0.75 * 0.25 / B)
    assert abs(wrong - 0.75) < 4 * se


def test_pascanu_adding_layout_and_baseline(rng):
    T, B = 50, N_MC
    b = pascanu_adding(T, B, rng)
    values, marks = b.xs[..., 0], b.xs[..., 1]
    np.testing.assert_array_equal(marks.sum(axis=0), 2.0)
    first = marks.argmax(axis=0)
    second = b.T - 1 - marks[::-1].argmax(axis=0)
    w = b.lengths // 10
    assert np.all(first < w) and np.all((second >= w) & (second < w + (4 * b.lengths) // 10))
    np.testing.assert_allclose(b.target[:, 0], (values * marks).sum(axis=0) / 2, rtol=1e-15)
    sq = (b.target[:, 0] - 0.5) ** 2
    se = sq.std() / np.sqrt(B)
    assert b.baseline == 1 / 24 and abs(sq.mean() - 1 / 24) < 4 * se
    assert abs(empirical_baseline(b) - 1 / 24) < 4 * se
    # blind answer 1/2 is wrong (squared error > 0.04) with probability 4 * 0.3^2 = 0.36
    wrong = b.wrong(np.full((b.T, B, 1), 0.5)).mean()
    assert abs(wrong - 0.36) < 4 * np.sqrt(0.36 * 0.64 / B)


def test_hochreiter_adding_layout_and_baseline(rng):
    T, B = 40, N_MC
    b = hochreiter_adding(T, B, rng)
    values, marks = b.xs[..., 0], b.xs[..., 1]
    cols = np.arange(B)
    valid = np.arange(b.T)[:, None] < b.lengths
    assert np.all(np.abs(values[valid]) <= 1.0)
    np.testing.assert_array_equal((marks == 1.0).sum(axis=0), 2)
    assert np.all(marks[b.lengths - 1, cols] == -1.0)
    ones = marks == 1.0
    first = ones.argmax(axis=0)
    second = b.T - 1 - ones[::-1].argmax(axis=0)
    assert first.max() < T // 2 - 1 and second.max() < T // 2 - 1
    assert np.all((marks[0] == -1.0) | (marks[0] == 1.0))
    sq = (b.target[:, 0] - 0.5) ** 2
    se = sq.std() / np.sqrt(B)
    assert b.baseline == 19 / 480 and abs(sq.mean() - 19 / 480) < 4 * se
    assert np.all((b.target >= 0.0) & (b.target <= 1.0))
    # target = 0.5 + (X1 + X2) / 4 over the marked input values; when step 0 is marked
    # first, X1 = 0 in the input itself (tests/test_task_oracles.py: the target is decided
    # by the inputs)
    full = 0.5 + np.where(ones, values, 0.0).sum(axis=0) / 4
    np.testing.assert_allclose(b.target[:, 0], full, rtol=1e-14)
    at0 = ones[0]
    assert 0.05 < at0.mean() < 0.15 and (values[0, at0] == 0.0).any()
    # a perfect answer is right, one off by 0.05 is wrong
    y = np.zeros((b.T, B, 1))
    y[b.lengths - 1, cols] = b.target
    assert not b.wrong(y).any() and b.wrong(y + 0.05).all()


def test_new_task_errors(rng):
    with pytest.raises(ValueError, match="T"):
        pascanu_temporal_order(9, 2, rng)
    with pytest.raises(ValueError, match="T"):
        hochreiter_adding(21, 2, rng)
    b = temporal_order(10, 4, rng)
    with pytest.raises(ValueError, match="lengths"):
        Batch(b.xs, b.target, "cross_entropy", "last", 4, 1.0, lengths=np.array([1, 2]))
    with pytest.raises(ValueError, match="lengths"):
        Batch(b.xs, b.target, "cross_entropy", "last", 4, 1.0, lengths=np.array([0, 2, 3, 4]))
    with pytest.raises(ValueError, match="tolerance"):
        Batch(b.xs, b.target, "cross_entropy", "last", 4, 1.0, tolerance=0.1)
    with pytest.raises(ValueError, match="tolerance"):
        vgrad.adding_problem(5, 3, rng).wrong(np.zeros((5, 3, 1)))


@pytest.mark.parametrize("gen", [adding_problem, temporal_order, pascanu_temporal_order])
def test_outputs_of_another_length_or_batch_are_refused_by_name(gen):
    b = gen(20, 4, 0)
    for shape in [(b.T - 1, 4, b.n_outputs), (b.T + 3, 4, b.n_outputs), (b.T, 5, b.n_outputs)]:
        with pytest.raises(ValueError, match=r"\by must have shape"):
            b.loss_and_grad(np.zeros(shape))
        with pytest.raises(ValueError, match=r"\by must have shape"):
            b.losses_and_grads(np.zeros((2, *shape)))
