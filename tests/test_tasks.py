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
