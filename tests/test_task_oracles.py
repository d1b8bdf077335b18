"""Every task's target is decided by its inputs: oracles written apart from the generators.

Each oracle reads only a sequence's inputs (``xs[:L, b]`` for a sequence of length L, and
for a target at step t only ``xs[: t + 1, b]``) and states the answer from the task's
definition (its paper and the generator's docstring), without calling anything in
``vgrad.tasks``. If the oracle agrees with the generator's target on every sequence, over
several lengths and seeds, then a perfect (causal) network can get 0% wrong, and the tests
check that such a network is scored so. They also check the scoring mask: the loss sees
the scored steps and nothing else.
"""

import numpy as np
import pytest

from vgrad.tasks import (
    adding_problem,
    copy_memory,
    hochreiter_adding,
    pascanu_adding,
    pascanu_temporal_order,
    temporal_order,
)

SEEDS = (0, 1, 2)
B = 1000  # sequences per draw


# -- the oracles: plain loops over one sequence's inputs ------------------------------------


def oracle_adding(x):
    """Sum of the values whose marker is 1 (Le et al. 2015)."""
    return sum(v for v, m in x if m == 1.0)


def oracle_pascanu_adding(x):
    """Mean of the two values whose marker is 1 (Pascanu et al. 2013)."""
    marked = [v for v, m in x if m == 1.0]
    assert len(marked) == 2
    return (marked[0] + marked[1]) / 2


def oracle_hochreiter_adding(x):
    """0.5 + (X1 + X2) / 4 over the two pairs marked 1 (Hochreiter & Schmidhuber 1997,
    experiment 4); X1 = 0 when the first pair is marked first, which the input shows as a
    marked first pair with value 0."""
    marked = [v for v, m in x if m == 1.0]
    assert len(marked) == 2
    return 0.5 + (marked[0] + marked[1]) / 4


def oracle_order(x):
    """The class of the two relevant symbols (X = column 4, Y = column 5) in order of
    appearance: XX, XY, YX, YY = 0, 1, 2, 3."""
    relevant = [int(sym) - 4 for sym in np.argmax(x, axis=1) if sym >= 4]
    assert len(relevant) == 2
    return 2 * relevant[0] + relevant[1]


def oracle_copy(x, S):
    """Target at every step t from the inputs up to t: blank (S) until one step after the
    delimiter (S + 1), then the data symbols (< S) in the order they were read."""
    data, after, out = [], None, []
    for t, sym in enumerate(np.argmax(x, axis=1).tolist()):
        if sym < S and after is None:
            data.append(sym)
        if sym == S + 1:
            after = t
        k = t - after - 1 if after is not None else -1
        out.append(data[k] if 0 <= k < len(data) else S)
    return out


# -- checks shared by the tasks scored at one step per sequence -----------------------------


def scored_steps(b):
    """Each sequence's scored step, from the batch's stated lengths (T - 1 without)."""
    return b.lengths - 1 if b.lengths is not None else np.full(b.B, b.T - 1)


def check_mask(b, rng):
    """The loss sees the scored step of each sequence and nothing else: its gradient is zero
    elsewhere, and changing the outputs elsewhere leaves it unchanged."""
    y = rng.standard_normal((b.T, b.B, b.n_outputs))
    loss, grad = b.loss_and_grad(y)
    scored = np.zeros((b.T, b.B), dtype=bool)
    if b.where == "all":
        scored[:] = True
    else:
        scored[scored_steps(b), np.arange(b.B)] = True
    assert np.all(np.any(grad != 0.0, axis=2) == scored)
    y2 = y + np.where(scored[..., None], 0.0, rng.standard_normal(y.shape))
    assert b.loss_and_grad(y2)[0] == loss


def perfect_outputs(b, answers):
    """Outputs of a network that states ``answers`` at each sequence's scored step."""
    y = np.zeros((b.T, b.B, b.n_outputs))
    ends, cols = scored_steps(b), np.arange(b.B)
    if b.loss == "mse":
        y[ends, cols, 0] = answers
    else:
        y[ends, cols, answers] = 40.0
    return y


def valid_inputs(b, j):
    """Sequence j's inputs up to its length; the padding after it must be zero."""
    L = b.T if b.lengths is None else int(b.lengths[j])
    assert np.all(b.xs[L:, j] == 0.0)
    return b.xs[:L, j]


# -- the tests -------------------------------------------------------------------------------


ONE_STEP = [
    (adding_problem, oracle_adding, (2, 3, 17, 100)),
    (temporal_order, oracle_order, (4, 9, 30, 100)),
    (pascanu_temporal_order, oracle_order, (10, 23, 50, 100)),
    (pascanu_adding, oracle_pascanu_adding, (10, 23, 50, 100)),
    (hochreiter_adding, oracle_hochreiter_adding, (22, 37, 50, 100)),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("make", "oracle", "lengths"), ONE_STEP, ids=lambda v: getattr(v, "__name__", "")
)
def test_target_is_a_function_of_the_inputs(make, oracle, lengths, seed):
    rng = np.random.default_rng(seed)
    for T in lengths:
        b = make(T, B, rng)
        answers = np.array([oracle(valid_inputs(b, j)) for j in range(b.B)])
        target = b.target[:, 0] if b.loss == "mse" else b.target
        if b.loss == "mse":
            np.testing.assert_allclose(target, answers, rtol=0, atol=1e-15)
        else:
            np.testing.assert_array_equal(target, answers)
        # a network that states the oracle's answer at the scored step gets nothing wrong
        y = perfect_outputs(b, answers)
        if b.loss == "cross_entropy" or b.tolerance is not None:
            assert not b.wrong(y).any()
        assert b.loss_and_grad(y)[0] < 1e-15
        check_mask(b, rng)


@pytest.mark.parametrize("seed", SEEDS)
def test_copy_memory_target_follows_the_inputs_step_by_step(seed):
    rng = np.random.default_rng(seed)
    for delay, K, S in ((1, 10, 8), (7, 3, 2), (30, 10, 8), (100, 5, 4)):
        b = copy_memory(delay, 300, rng, n_memorize=K, n_symbols=S)
        for j in range(b.B):
            # the target at step t from the inputs up to t alone: causal, so reachable
            answers = oracle_copy(b.xs[:, j], S)
            for t in (0, K, K + delay - 1, K + delay, b.T - 1):
                assert oracle_copy(b.xs[: t + 1, j], S)[t] == answers[t]
            np.testing.assert_array_equal(b.target[:, j], answers)
        y = 40.0 * (np.arange(S + 1) == b.target[..., None])  # states the answer everywhere
        assert b.loss_and_grad(y)[0] < 1e-15
        check_mask(b, rng)


def test_hochreiter_adding_first_pair_marked_first_reads_zero():
    """When the first pair is marked first its value X1 is 0 in the input too; when it is
    marked second its value counts. Without the first, a marked first pair and one marked
    step among the first ten could come from either order, with different targets."""
    b = hochreiter_adding(40, 20_000, 3)
    ones = b.xs[..., 1] == 1.0
    marked_first_pair = ones[0]
    assert 0.05 < marked_first_pair.mean() < 0.15
    zero = b.xs[0, :, 0] == 0.0
    assert zero[marked_first_pair].any() and (~zero[marked_first_pair]).any()
    assert not zero[~marked_first_pair].any()
