"""Stacked runs: R networks in one loop give each network's own numbers."""

import functools

import numpy as np
import pytest

import vgrad
from vgrad.tasks import (
    Batch,
    adding_problem,
    copy_memory,
    pascanu_adding,
    pascanu_temporal_order,
    score_runs,
    temporal_order,
)
from vgrad.training import train

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu"]


def _rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shared", [True, False])
def test_each_member_gets_its_own_gradients(activation, shared, rng):
    R, T, B, d, n, m = 3, 7, 4, 3, 5, 2
    nets = [vgrad.RNN.random(d, n, m, rng, rho=1.1, activation=activation) for _ in range(R)]
    for net in nets:  # nonzero biases, so that their gradients are tested too
        net.b_h[:] = rng.standard_normal(n)
        net.b_y[:] = rng.standard_normal(m)
    stack = vgrad.RNN.stack(nets)
    xs = rng.standard_normal((T, B, d) if shared else (R, T, B, d))
    trace = stack.forward(xs)
    G = rng.standard_normal((R, T, B, m))  # loss sum(G * y), a different one per run
    grads = stack.backward(trace, G)
    for r, net in enumerate(nets):
        alone = net.forward(xs if shared else xs[r])
        np.testing.assert_allclose(trace.h[r], alone.h, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(trace.y[r], alone.y, rtol=1e-13, atol=1e-15)
        want = net.backward(alone, G[r])
        for k, g in want.params().items():
            assert _rel(getattr(grads, k)[r], g) < 1e-12, k
        assert _rel(grads.dh[r], want.dh) < 1e-12


def test_reuse_gives_the_same_numbers_and_overwrites(rng):
    nets = [vgrad.RNN.random(2, 4, 1, rng) for _ in range(2)]
    stack = vgrad.RNN.stack(nets)
    xs1, xs2 = rng.standard_normal((2, 6, 3, 2))
    fresh = [stack.forward(x).h.copy() for x in (xs1, xs2)]
    work = {}
    first = stack.forward(xs1, work=work)
    second = stack.forward(xs2, work=work)
    assert np.shares_memory(first.h, second.h)  # the first trace was overwritten
    np.testing.assert_array_equal(second.h, fresh[1])


def test_members_round_trip_and_keep(rng):
    nets = [vgrad.RNN.random(2, 4, 3, s) for s in range(3)]
    stack = vgrad.RNN.stack(nets)
    assert stack.R == 3 and stack.sizes == (2, 4, 3) and "R=3" in repr(stack)
    for r, net in enumerate(nets):
        for k, p in net.params().items():
            np.testing.assert_array_equal(stack.run(r).params()[k], p)
    stack.keep(np.array([True, False, True]))
    assert stack.R == 2
    np.testing.assert_array_equal(stack.run(1).W_hh, nets[2].W_hh)
    nets[0].W_hh[0, 0] += 1.0  # the stack holds copies
    assert stack.W_hh[0, 0, 0] != nets[0].W_hh[0, 0]


def test_stack_errors(rng):
    with pytest.raises(TypeError, match="non-empty sequence of vgrad"):
        vgrad.RNN.stack([])
    with pytest.raises(TypeError, match=r"nets\[1\] must be a vgrad RNN"):
        vgrad.RNN.stack([vgrad.RNN.random(2, 4, 1, 0), "net"])
    with pytest.raises(ValueError, match="a stack needs one shape and one activation"):
        vgrad.RNN.stack([vgrad.RNN.random(2, 4, 1, 0), vgrad.RNN.random(2, 5, 1, 0)])
    with pytest.raises(ValueError, match="a stack needs one shape and one activation"):
        vgrad.RNN.stack(
            [vgrad.RNN.random(2, 4, 1, 0), vgrad.RNN.random(2, 4, 1, 0, activation="relu")]
        )
    stack = vgrad.RNN.stack([vgrad.RNN.random(2, 4, 1, s) for s in range(2)])
    with pytest.raises(ValueError, match=r"xs must have shape \(T, B, d=2\) or \(2, T, B, 2\)"):
        stack.forward(np.zeros((5, 3, 3)))
    with pytest.raises(ValueError, match=r"xs must have shape"):
        stack.forward(np.zeros((3, 5, 3, 2)))


def test_train_of_many_nets_is_train_run_by_run():
    """Per-run batches, learning rates, momenta and clipping rules, all in one loop."""
    T = 12
    task = functools.partial(temporal_order, T)
    nets = [vgrad.RNN.random(6, 8, 4, s, rho=1.2) for s in range(4)]
    clips = [None, ("norm", 1.0), ("value", 0.05), ("norm", 0.3)]
    lrs, mus = [0.05, 0.1, 0.2, 0.05], [0.9, 0.0, 0.5, 0.9]
    kw = dict(steps=12, batch=16, profile_every=5)
    many = train(nets, task, lr=lrs, momentum=mus, rng=[10, 11, 12, 13], clip=clips, **kw)
    for r, net in enumerate(nets):
        one = train(net, task, lr=lrs[r], momentum=mus[r], rng=10 + r, clip=clips[r], **kw)
        got = many[r]
        assert not got.diverged and got.steps_done == one.steps_done == 12
        for field in ("loss", "grad_norm", "grad_norm_clipped", "profiles"):
            assert _rel(getattr(got, field), getattr(one, field)) < 1e-12, (r, field)
        np.testing.assert_array_equal(got.profile_steps, one.profile_steps)
        for k, p in one.net.params().items():
            assert _rel(got.net.params()[k], p) < 1e-12, (r, k)
    # the nets passed in are untouched
    np.testing.assert_array_equal(nets[0].W_hh, vgrad.RNN.random(6, 8, 4, 0, rho=1.2).W_hh)


def test_shared_seeds_and_omega_on_some_runs_are_train_run_by_run():
    """Runs given one integer seed share its batches (drawn once); Omega is paid only by the
    runs with alpha > 0, and each run still gets train's numbers."""
    T = 10
    task = functools.partial(pascanu_temporal_order, T)
    base = [vgrad.RNN.random(6, 8, 4, s, rho=1.0) for s in range(2)]
    nets, seeds = base * 3, [5, 6] * 3
    alphas, clips = [0.0, 0.0, 0.0, 0.0, 0.5, 2.0], [None, None] + [("norm", 1.0)] * 4
    kw = dict(steps=10, batch=8, lr=0.05, momentum=0.9)
    many = train(nets, task, rng=seeds, omega=alphas, clip=clips, **kw)
    for r, net in enumerate(nets):
        one = train(net, task, rng=seeds[r], omega=alphas[r], clip=clips[r], **kw)
        assert _rel(many[r].loss, one.loss) < 1e-12, r
        if alphas[r] > 0:
            assert _rel(many[r].omega, one.omega) < 1e-12, r
        else:
            assert many[r].omega is None and one.omega is None
        for k, p in one.net.params().items():
            assert _rel(many[r].net.params()[k], p) < 1e-12, (r, k)


@pytest.mark.parametrize(
    "make",
    [
        lambda T, B, r: pascanu_temporal_order(T, B, r),
        lambda T, B, r: pascanu_adding(T, B, r),
        lambda T, B, r: temporal_order(T, B, r),
        lambda T, B, r: copy_memory(T, B, r, n_memorize=3, n_symbols=4),
    ],
)
def test_score_runs_scores_each_run_on_its_own_batch(make, rng):
    batches = [make(10, 5, seed) for seed in range(3)]
    T = batches[0].T
    assert all(b.T == T for b in batches)
    y = rng.standard_normal((3, T, 5, batches[0].n_outputs))
    losses, grads = score_runs(batches, y)
    assert losses.shape == (3,) and grads.shape == y.shape
    for r, batch in enumerate(batches):
        loss, grad = batch.loss_and_grad(y[r])
        assert abs(losses[r] - loss) <= 1e-14 * abs(loss), r
        np.testing.assert_allclose(grads[r], grad, rtol=1e-13, atol=1e-18)
    with pytest.raises(ValueError, match="3 runs but there are 2 batches"):
        score_runs(batches[:2], y)


def test_one_rng_means_the_same_batches_for_every_run():
    task = functools.partial(adding_problem, 10)
    nets = [vgrad.RNN.random(2, 6, 1, s) for s in range(3)]
    many = train(nets, task, steps=8, lr=0.05, batch=8, rng=7, momentum=0.9)
    for net, got in zip(nets, many, strict=True):
        one = train(net, task, steps=8, lr=0.05, batch=8, rng=7, momentum=0.9)
        assert _rel(got.loss, one.loss) < 1e-12
        assert _rel(got.net.W_hh, one.net.W_hh) < 1e-12


def test_a_diverging_run_stops_alone():
    # The adding-problem run of tests/test_training.py that diverges without clipping,
    # next to the same network clipped and a quiet one: only the first stops.
    task = functools.partial(adding_problem, 8)
    net = vgrad.RNN.random(2, 16, 1, 0, rho=1.0)
    kw = dict(steps=60, batch=32, rng=100, momentum=0.9)
    many = train([net, net, net], task, lr=[1.0, 1.0, 0.01], clip=[None, ("norm", 1.0), None], **kw)
    wild = train(net, task, lr=1.0, **kw)
    assert wild.diverged and many[0].diverged
    assert many[0].step_stopped == wild.step_stopped
    assert many[0].reason == wild.reason  # "step N: the loss ... exceeds max_loss=1e+06"
    assert all(np.isfinite(p).all() for p in many[0].net.params().values())
    assert _rel(many[0].net.W_hh, wild.net.W_hh) < 1e-12
    assert not many[1].diverged and many[1].steps_done == 60
    tame = train(net, task, lr=1.0, clip=("norm", 1.0), **kw)
    assert _rel(many[1].loss, tame.loss) < 1e-10
    assert not many[2].diverged and many[2].reason is None and many[2].step_stopped is None


def test_overflow_in_one_run_is_recorded_without_a_warning():
    # ReLU with W_hh = 10 I overflows in the forward pass; W_hh = 0.5 I does not.
    def task(batch, rng):
        return Batch(np.ones((400, batch, 1)), np.zeros((batch, 1)), "mse", "last", 1, 0.0)

    nets = [vgrad.RNN.identity(1, 2, 1, 0, gain=g) for g in (10.0, 0.5)]
    bad, good = train(nets, task, steps=3, lr=0.01, batch=2, rng=0)
    assert bad.diverged and bad.step_stopped == 0 and bad.steps_done == 0
    assert bad.reason == "step 0: forward pass: the hidden state left the float64 range"
    np.testing.assert_array_equal(bad.net.W_hh, nets[0].W_hh)
    assert not good.diverged and good.steps_done == 3


def test_train_of_many_nets_errors():
    net = vgrad.RNN.random(6, 8, 4, 0)
    task = functools.partial(temporal_order, 8)
    kw = dict(steps=2, lr=0.1, batch=4, rng=0)
    with pytest.raises(TypeError, match="net must be a vgrad RNN, LSTM, GRU or LRU, or a sequence"):
        train([], task, **kw)
    with pytest.raises(TypeError, match=r"net\[1\] must be a vgrad RNN"):
        train([net, "net"], task, **kw)
    per_run = {
        "lr": [0.1],
        "momentum": [0.5],
        "clip": [None],
        "optimizer": ["adam"],
        "omega": [0.0],
    }
    for name, value in per_run.items():  # one network: one value each
        with pytest.raises(TypeError, match=f"{name} must be one value when net is one network"):
            train(net, task, **{**kw, name: value})
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        train(net, task, **{**kw, "rng": [1]})
    with pytest.raises(ValueError, match=r"lr must be one value or 2 values \(one per run\)"):
        train([net, net], task, **{**kw, "lr": [0.1, 0.2, 0.3]})
    with pytest.raises(ValueError, match="lr must be > 0"):
        train([net, net], task, **{**kw, "lr": [0.1, 0.0]})
    with pytest.raises(ValueError, match="momentum must be < 1"):
        train([net, net], task, momentum=[0.5, 1.0], **kw)
    with pytest.raises(ValueError, match=r"clip must be one value or 2 values"):
        train([net, net], task, clip=[None], **kw)
    with pytest.raises(ValueError, match=r"unknown clip\[0\] 'l2'"):
        train([net, net], task, clip=[None, ("l2", 1.0)], **kw)
    with pytest.raises(ValueError, match=r"rng must be one value or 2 values"):
        train([net, net], task, **{**kw, "rng": [1, 2, 3]})
    with pytest.raises(TypeError, match=r"rng\[1\]"):
        train([net, net], task, **{**kw, "rng": [1, "x"]})
    with pytest.raises(ValueError, match="steps must be >= 1"):
        train([net], task, **{**kw, "steps": 0})


@pytest.mark.parametrize(
    "make", [lambda r: temporal_order(9, 5, r), lambda r: adding_problem(9, 5, r)]
)
def test_batch_scores_stacked_outputs_run_by_run(make, rng):
    batch = make(rng)
    y = rng.standard_normal((3, 9, 5, batch.n_outputs))
    losses, grads = batch.losses_and_grads(y)
    assert losses.shape == (3,) and grads.shape == y.shape
    for r in range(3):
        loss, grad = batch.loss_and_grad(y[r])
        assert abs(losses[r] - loss) <= 1e-15 * abs(loss)
        np.testing.assert_allclose(grads[r], grad, rtol=1e-14, atol=0)


def test_perturb_changes_every_parameter_by_about_rel():
    net = vgrad.RNN.random(3, 5, 2, 0)
    net.b_h[:] = 1.0  # b_y stays zero, and a zero stays zero
    moved = vgrad.perturb(net, 1e-12, 1)
    for k, p in net.params().items():
        q = moved.params()[k]
        nz = p != 0
        assert np.all(q[~nz] == 0), k
        if nz.any():
            rel = np.abs(q[nz] / p[nz] - 1)
            assert 0 < rel.max() < 1e-11, k
    assert moved.activation == net.activation
    np.testing.assert_array_equal(vgrad.perturb(net, 0.0, 1).W_hh, net.W_hh)
    with pytest.raises(TypeError, match="net must be a vgrad RNN"):
        vgrad.perturb("net", 1e-12, 0)
    with pytest.raises(ValueError, match="rel must be >= 0"):
        vgrad.perturb(net, -1.0, 0)


# -- the gated cells: the same interface, each member its own ---------------------------------

GATED = [(vgrad.LSTM, vgrad.LSTM.stack), (vgrad.GRU, vgrad.GRU.stack)]


@pytest.mark.parametrize(("cell", "Stack"), GATED)
@pytest.mark.parametrize("shared", [True, False])
def test_each_gated_member_gets_its_own_gradients(cell, Stack, shared, rng):
    R, T, B, d, n, m = 3, 7, 4, 3, 5, 2
    nets = [cell.random(d, n, m, rng) for _ in range(R)]
    for net in nets:  # nonzero biases, so that their gradients are tested too
        net.b[:] = rng.standard_normal(net.b.shape)
        net.b_y[:] = rng.standard_normal(m)
    stack = Stack(nets)
    assert isinstance(stack, cell) and stack.R == R and stack.sizes == (d, n, m)
    xs = rng.standard_normal((T, B, d) if shared else (R, T, B, d))
    trace = stack.forward(xs)
    G = rng.standard_normal((R, T, B, m))
    grads = stack.backward(trace, G)
    for r, net in enumerate(nets):
        alone = net.forward(xs if shared else xs[r])
        np.testing.assert_allclose(trace.h[r], alone.h, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(trace.y[r], alone.y, rtol=1e-13, atol=1e-15)
        want = net.backward(alone, G[r])
        for k, g in want.params().items():
            assert _rel(getattr(grads, k)[r], g) < 1e-12, k
        assert _rel(grads.dh[r], want.dh) < 1e-12
        for k, p in net.params().items():
            np.testing.assert_array_equal(stack.run(r).params()[k], p)


@pytest.mark.parametrize("cell", [vgrad.LSTM, vgrad.GRU])
def test_a_gated_stack_is_each_network_alone_to_the_last_bit(cell, rng):
    # One forward and one backward: the run axis changes nothing about a run's arithmetic.
    R, T, B, d, n, m = 3, 6, 4, 3, 5, 2
    nets = [cell.random(d, n, m, rng) for _ in range(R)]
    for net in nets:
        net.b[:] = rng.standard_normal(net.b.shape)
    stack = cell.stack(nets)
    xs = rng.standard_normal((R, T, B, d))
    names = ("h0", "c0") if cell is vgrad.LSTM else ("h0",)
    states = {k: rng.standard_normal((R, B, n)) for k in names}
    G = rng.standard_normal((R, T, B, m))
    trace = stack.forward(xs, **states)
    grads = stack.backward(trace, G)
    for r, net in enumerate(nets):
        alone = net.forward(xs[r], **{k: v[r] for k, v in states.items()})
        for k in ("h", "a", "gates", "y", *cell.GATES, *(("c",) if "c0" in states else ())):
            np.testing.assert_array_equal(getattr(trace, k)[r], getattr(alone, k), err_msg=k)
        want = net.backward(alone, G[r])
        for k in (*cell.PARAMS, "dh", *(("dc",) if "c0" in states else ())):
            np.testing.assert_array_equal(getattr(grads, k)[r], getattr(want, k), err_msg=k)
    kept = cell.stack(nets)
    kept.keep(np.array([False, True, True]))
    assert kept.R == 2 and repr(kept).startswith(f"{cell.__name__}(R=2,")
    np.testing.assert_array_equal(kept.run(0).W_h, nets[1].W_h)


@pytest.mark.parametrize(("cell", "Stack"), GATED)
def test_train_of_many_gated_cells_is_train_run_by_run(cell, Stack):
    task = functools.partial(temporal_order, 10)
    nets = [cell.random(6, 6, 4, s) for s in range(3)]
    clips = [None, ("norm", 0.5), ("value", 0.01)]
    kw = dict(steps=6, batch=8, lr=0.01, optimizer="adam", profile_every=2)
    many = train(nets, task, rng=[4, 5, 6], clip=clips, **kw)
    for r, net in enumerate(nets):
        one = train(net, task, rng=4 + r, clip=clips[r], **kw)
        assert isinstance(many[r].net, cell)
        for field in ("loss", "grad_norm", "grad_norm_clipped", "profiles"):
            assert _rel(getattr(many[r], field), getattr(one, field)) < 1e-12, (r, field)
        for k, p in one.net.params().items():
            assert _rel(many[r].net.params()[k], p) < 1e-12, (r, k)


@pytest.mark.parametrize("cell", [vgrad.LSTM, vgrad.GRU])
def test_a_diverging_gated_run_stops_alone(cell):
    # A far too large learning rate drives one run's loss past max_loss; the others go on.
    task = functools.partial(adding_problem, 6)
    nets = [cell.random(2, 6, 1, 0)] * 2
    kw = dict(steps=30, batch=8, rng=3, momentum=0.9, max_loss=50.0)
    wild, calm = train(nets, task, lr=[50.0, 0.01], **kw)
    alone = train(nets[0], task, lr=50.0, **kw)
    assert wild.diverged and alone.diverged and wild.reason == alone.reason
    assert wild.step_stopped == alone.step_stopped
    assert _rel(wild.net.W_h, alone.net.W_h) < 1e-12
    assert not calm.diverged and calm.steps_done == 30


def test_gated_stack_errors(rng):
    with pytest.raises(TypeError, match="nets\\[0\\] must be a vgrad LSTM"):
        vgrad.LSTM.stack([vgrad.GRU.random(2, 3, 1, rng)])
    with pytest.raises(TypeError, match="nets must be a non-empty sequence of vgrad LSTMs"):
        vgrad.LSTM.stack(vgrad.LSTM.random(2, 3, 1, rng))
    with pytest.raises(ValueError, match="one shape"):
        vgrad.GRU.stack([vgrad.GRU.random(2, 3, 1, rng), vgrad.GRU.random(2, 4, 1, rng)])
    stack = vgrad.LSTM.stack([vgrad.LSTM.random(2, 3, 1, rng)])
    with pytest.raises(TypeError, match="without a run axis"):
        vgrad.LSTM.stack([stack])
    with pytest.raises(ValueError, match="xs"):
        stack.forward(np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match="dL_dy"):
        stack.backward(stack.forward(np.zeros((4, 2, 2))), np.zeros((4, 2, 1)))
    for method in ("step_jacobians", "jacobian_log_norms", "cell_path_log_gains"):
        with pytest.raises(ValueError, match=f"{method} takes one network"):
            getattr(stack, method)(stack.forward(np.zeros((4, 2, 2))))
    with pytest.raises(ValueError, match="run needs a network with a run axis"):
        vgrad.LSTM.random(2, 3, 1, rng).run(0)
    with pytest.raises(ValueError, match="omega"):
        train(
            [vgrad.LSTM.random(2, 3, 1, rng)],
            functools.partial(adding_problem, 4),
            steps=1,
            lr=0.1,
            batch=2,
            rng=0,
            omega=1.0,
        )


@pytest.mark.parametrize(("cell", "Stack"), GATED)
def test_gated_reuse_gives_the_same_numbers_and_overwrites(cell, Stack, rng):
    # train passes work: the arrays of one step are those of the next.
    stack = Stack([cell.random(2, 4, 1, rng) for _ in range(2)])
    xs1, xs2 = rng.standard_normal((2, 6, 3, 2))
    G = rng.standard_normal((2, 6, 3, 1))
    fresh = []
    for x in (xs1, xs2):
        trace = stack.forward(x)
        grads = stack.backward(trace, G)
        fresh.append(
            (
                trace.h.copy(),
                trace.gates.copy(),
                {k: g.copy() for k, g in grads.params().items()},
                grads.dh.copy(),
            )
        )
    work = {}
    first = stack.forward(xs1, work=work)
    second = stack.forward(xs2, work=work)
    assert np.shares_memory(first.h, second.h)  # the first trace was overwritten
    grads = stack.backward(second, G, work=work)
    np.testing.assert_array_equal(second.h, fresh[1][0])
    np.testing.assert_array_equal(second.gates, fresh[1][1])
    for k, g in grads.params().items():
        np.testing.assert_array_equal(g, fresh[1][2][k])
    np.testing.assert_array_equal(grads.dh, fresh[1][3])


def test_gates_from_one_tanh_match_the_sigmoid():
    # The stacked loops evaluate sigma(a) as 1/2 + tanh(a/2) / 2.
    from vgrad.activations import _sigmoid_from_tanh

    a = np.concatenate([np.linspace(-40.0, 40.0, 100_001), [-800.0, 800.0, 0.0]])
    sig = _sigmoid_from_tanh(np.tanh(0.5 * a))
    assert np.max(np.abs(sig - vgrad.sigmoid(a))) < 4.5e-16  # two ulps of 1/2
    upper = a >= 0  # where sigma >= 1/2 the relative error is a few ulps too
    assert np.max(np.abs(sig[upper] / vgrad.sigmoid(a[upper]) - 1.0)) < 5e-16


@pytest.mark.parametrize(("cell", "Stack"), GATED)
def test_stacked_gated_gradients_match_finite_differences(cell, Stack, rng):
    # Directly, not only through the single cell: member r's loss moves with its own parameters.
    from conftest import assert_gradient, make

    R, T, B, d, n, m = 2, 5, 3, 2, 3, 2
    stack = Stack([make(cell, rng, d, n, m) for _ in range(R)])
    xs = rng.standard_normal((R, T, B, d))
    target = rng.standard_normal((R, T, B, m))

    def loss(stack):
        y = stack.forward(xs).y
        return 0.5 * np.sum((y - target) ** 2), y - target

    _, G = loss(stack)
    grads = stack.backward(stack.forward(xs), G)
    for k, p in stack.params().items():

        def f(value, k=k):
            saved = getattr(stack, k)
            setattr(stack, k, value)
            try:
                return loss(stack)[0]
            finally:
                setattr(stack, k, saved)

        assert_gradient(f, p, getattr(grads, k), k)


def test_truncated_bptt_with_a_run_axis_is_each_runs_own(rng):
    R, T, B, d, n, m = 3, 9, 4, 3, 5, 2
    nets = [vgrad.RNN.random(d, n, m, rng, rho=1.1) for _ in range(R)]
    stack = vgrad.RNN.stack(nets)
    xs = rng.standard_normal((R, T, B, d))
    G = rng.standard_normal((R, T, B, m))
    for truncate in (1, 3, T):
        grads = stack.backward(stack.forward(xs), G, truncate=truncate)
        for r, net in enumerate(nets):
            want = net.backward(net.forward(xs[r]), G[r], truncate=truncate)
            for k, g in want.params().items():
                assert _rel(getattr(grads, k)[r], g) < 1e-12, (truncate, k)
            assert _rel(grads.dh[r], want.dh) < 1e-12


def test_one_network_methods_refuse_a_run_axis(rng):
    stack = vgrad.RNN.stack([vgrad.RNN.random(2, 4, 1, s) for s in range(2)])
    trace = stack.forward(rng.standard_normal((5, 3, 2)))
    for method in ("step_jacobians", "jacobian_log_norms"):
        with pytest.raises(ValueError, match=f"{method} takes one network"):
            getattr(stack, method)(trace)
    with pytest.raises(ValueError, match="jacobian_product takes one network"):
        stack.jacobian_product(trace, 3, 2)
    with pytest.raises(ValueError, match="run needs a network with a run axis"):
        vgrad.RNN.random(2, 4, 1, 0).run(0)
    with pytest.raises(TypeError, match=r"nets\[0\] must be a vgrad RNN without a run axis"):
        vgrad.RNN.stack([stack])
