"""Training: it learns a short task, records what it claims, and stops cleanly on blow-ups."""

import functools

import numpy as np
import pytest

import vgrad
from vgrad.tasks import Batch, adding_problem, temporal_order
from vgrad.training import TrainResult, evaluate, train


def order_net(seed, n=8):
    return vgrad.RNN.random(6, n, 4, seed, rho=1.0)


def test_training_learns_a_short_temporal_order_task():
    task = functools.partial(temporal_order, 6)
    net = order_net(0)
    held_out = temporal_order(6, 500, 99)
    before = evaluate(net, held_out)
    r = train(net, task, steps=150, lr=0.1, batch=32, rng=1, momentum=0.9, clip=("norm", 1.0))
    assert isinstance(r, TrainResult)
    assert not r.diverged and r.reason is None and r.step_stopped is None
    assert r.steps_done == 150 and r.loss.shape == r.grad_norm.shape == (150,)
    assert r.loss[:10].mean() > 0.9 * np.log(4)  # starts at chance
    assert r.loss[-10:].mean() < 0.1 * np.log(4)  # ends far below it
    assert evaluate(r.net, held_out) < 0.1 * before
    # the network passed in is untouched; the result holds a trained copy
    assert evaluate(net, held_out) == before
    assert not np.array_equal(r.net.W_hh, net.W_hh)


def test_updates_are_clipped_heavy_ball_sgd(rng):
    """Two steps by hand: g clipped to norm tau, v = mu v + g, theta -= lr v."""
    task = functools.partial(adding_problem, 7)
    net = vgrad.RNN.random(2, 5, 1, rng, rho=1.2)
    lr, mu, tau = 0.3, 0.8, 0.05
    r = train(net, task, steps=2, lr=lr, batch=4, rng=3, momentum=mu, clip=("norm", tau))
    batches = np.random.default_rng(3)
    manual = net.copy()
    v = {k: np.zeros_like(p) for k, p in manual.params().items()}
    norms = []
    for _ in range(2):
        b = task(4, batches)
        tr = manual.forward(b.xs)
        _, dy = b.loss_and_grad(tr.y)
        g = manual.backward(tr, dy)
        clipped, norm = vgrad.clip_by_norm(g, tau)
        norms.append(norm)
        for k, p in manual.params().items():
            v[k] = mu * v[k] + clipped.params()[k]
            p -= lr * v[k]
    for k, p in manual.params().items():
        np.testing.assert_allclose(r.net.params()[k], p, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(r.grad_norm, norms, rtol=1e-13)
    assert np.all(r.grad_norm > tau)  # clipping was active, so the step norm is tau
    np.testing.assert_allclose(r.grad_norm_clipped, tau, rtol=1e-13)


def test_clipping_that_never_acts_changes_nothing():
    # tau above every gradient norm: the clipped run is the unclipped run, bit for bit
    task = functools.partial(temporal_order, 12)
    net = order_net(4)
    kw = dict(steps=20, lr=0.05, batch=8, rng=6, momentum=0.9)
    plain = train(net, task, **kw)
    same = train(net, task, clip=("norm", 1.01 * plain.grad_norm.max()), **kw)
    np.testing.assert_array_equal(same.loss, plain.loss)
    np.testing.assert_array_equal(same.grad_norm_clipped, plain.grad_norm)
    for k, p in plain.net.params().items():
        np.testing.assert_array_equal(same.net.params()[k], p)
    # and a threshold just below the largest norm does change the run
    other = train(net, task, clip=("norm", 0.99 * plain.grad_norm.max()), **kw)
    assert not np.array_equal(other.net.W_hh, plain.net.W_hh)


def test_recorded_norms_and_profiles():
    T = 10
    task = functools.partial(temporal_order, T)
    net = order_net(2)
    plain = train(net, task, steps=25, lr=0.05, batch=8, rng=5, profile_every=10)
    np.testing.assert_array_equal(plain.grad_norm_clipped, plain.grad_norm)
    np.testing.assert_array_equal(plain.profile_steps, [0, 10, 20, 24])
    assert plain.profiles.shape == (4, T + 1)
    # the first profile is the batch mean of ||dL/dh_t|| of the initial network
    b = task(8, np.random.default_rng(5))
    tr = net.forward(b.xs)
    _, dy = b.loss_and_grad(tr.y)
    g = net.backward(tr, dy)
    np.testing.assert_allclose(
        plain.profiles[0], np.linalg.norm(g.dh, axis=2).mean(axis=1), rtol=1e-13
    )
    assert plain.grad_norm[0] == pytest.approx(vgrad.global_norm(g), rel=1e-13)
    # the loss sits at the last step only: all earlier gradient came back through W_hh
    assert np.all(plain.profiles[:, 1] < plain.profiles[:, T])

    by_value = train(net, task, steps=25, lr=0.05, batch=8, rng=5, clip=("value", 1e-3))
    assert np.all(by_value.grad_norm_clipped <= by_value.grad_norm)
    n_params = sum(p.size for p in net.params().values())
    assert np.all(by_value.grad_norm_clipped <= 1e-3 * np.sqrt(n_params) * (1 + 1e-12))
    none = train(net, task, steps=3, lr=0.05, batch=8, rng=5)
    assert none.profiles.shape == (0, T + 1) and none.profile_steps.shape == (0,)


def test_large_steps_diverge_cleanly_and_clipping_prevents_it():
    # plain SGD with a large learning rate throws the adding-problem network off: the run
    # stops with the reason, without a warning (pytest turns warnings into errors)
    task = functools.partial(adding_problem, 8)
    net = vgrad.RNN.random(2, 16, 1, 0, rho=1.0)
    kw = dict(steps=60, lr=1.0, batch=32, rng=100, momentum=0.9)
    r = train(net, task, **kw)
    assert r.diverged
    assert r.reason.startswith(f"step {r.step_stopped}:")
    assert "exceeds max_loss=1e+06" in r.reason
    assert r.steps_done == r.step_stopped == r.grad_norm.shape[0] < 60
    assert all(np.isfinite(p).all() for p in r.net.params().values())
    clipped = train(net, task, clip=("norm", 1.0), **kw)
    assert not clipped.diverged and clipped.steps_done == 60
    assert np.all(clipped.grad_norm_clipped <= 1.0 + 1e-12)


def _blowup_task(batch, rng, *, T, d=1, target=0.0):
    xs = np.ones((T, batch, d))
    return Batch(xs, np.full((batch, 1), target), "mse", "last", n_outputs=1, baseline=0.0)


def test_forward_overflow_is_recorded():
    # ReLU with W_hh = 10 I: the hidden state grows tenfold per step and leaves float64
    net = vgrad.RNN.identity(1, 2, 1, 0, gain=10.0)
    r = train(net, functools.partial(_blowup_task, T=400), steps=5, lr=0.1, batch=2, rng=0)
    assert r.diverged and r.step_stopped == 0 and r.steps_done == 0
    assert r.reason == "step 0: forward pass: the hidden state left the float64 range"
    np.testing.assert_array_equal(r.net.W_hh, net.W_hh)


def test_backward_overflow_is_recorded():
    # Linear network, W_hh = diag(0.5, 3). The input drives only the contracting direction,
    # so h_t stays bounded and the loss is 1; the output reads the expanding direction, so
    # dL/dh_t grows like 3^(T - t) and 3^700 ~ 1e334 overflows in the backward pass.
    net = vgrad.RNN(
        W_xh=np.array([[1.0], [0.0]]),
        W_hh=np.diag([0.5, 3.0]),
        b_h=np.zeros(2),
        W_hy=np.array([[0.0, 1.0]]),
        b_y=np.zeros(1),
        activation="identity",
    )
    task = functools.partial(_blowup_task, T=700, target=1.0)
    assert evaluate(net, task(2, 0)) == 1.0
    r = train(net, task, steps=3, lr=0.1, batch=2, rng=0)
    assert r.diverged and r.step_stopped == 0
    assert r.reason == "step 0: backward pass: the gradient left the float64 range"


def test_nonfinite_update_is_recorded():
    # a finite but enormous gradient times a huge learning rate overflows in the update
    net = vgrad.RNN(np.ones((1, 1)), 0.5 * np.eye(1), np.zeros(1), np.ones((1, 1)), np.zeros(1))
    task = functools.partial(_blowup_task, T=3, target=1e3)
    r = train(net, task, steps=3, lr=1e307, batch=2, rng=0)
    assert r.diverged and r.step_stopped == 0
    assert r.reason == "step 0: update: the parameters left the float64 range"


def test_train_errors():
    net = order_net(0)
    task = functools.partial(temporal_order, 8)
    kw = dict(steps=2, lr=0.1, batch=4, rng=0)
    with pytest.raises(TypeError, match="net must be a vgrad RNN"):
        train("net", task, **kw)
    with pytest.raises(TypeError, match="task must be callable"):
        train(net, 8, **kw)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        train(net, task, **{**kw, "steps": 0})
    with pytest.raises(ValueError, match="lr must be > 0"):
        train(net, task, **{**kw, "lr": 0.0})
    with pytest.raises(ValueError, match="momentum must be < 1"):
        train(net, task, momentum=1.0, **kw)
    with pytest.raises(ValueError, match="momentum must be >= 0"):
        train(net, task, momentum=-0.5, **kw)
    with pytest.raises(TypeError, match=r'clip must be None, \("norm", tau\)'):
        train(net, task, clip="norm", **kw)
    with pytest.raises(ValueError, match=r"unknown clip\[0\] 'l2'"):
        train(net, task, clip=("l2", 1.0), **kw)
    with pytest.raises(ValueError, match=r"clip\[1\] must be > 0"):
        train(net, task, clip=("norm", 0.0), **kw)
    with pytest.raises(ValueError, match="profile_every must be >= 1"):
        train(net, task, profile_every=0, **kw)
    with pytest.raises(ValueError, match="max_loss must be > 0"):
        train(net, task, max_loss=-1.0, **kw)
    with pytest.raises(TypeError, match="task must return a vgrad Batch"):
        train(net, lambda b, r: np.zeros((8, b, 6)), **kw)
    with pytest.raises(ValueError, match="d=2 inputs and m=1 outputs, got one with d=6, m=4"):
        train(net, functools.partial(adding_problem, 8), **kw)

    lengths = iter([8, 9])

    def growing(batch, rng):
        return temporal_order(next(lengths), batch, rng)

    with pytest.raises(ValueError, match="task changed its sequence length from T=8 to T=9"):
        train(net, growing, **kw)
    with pytest.raises(TypeError, match="batch must be a vgrad Batch"):
        evaluate(net, np.zeros((8, 2, 6)))
    with pytest.raises(TypeError, match="net must be a vgrad RNN"):
        evaluate(None, temporal_order(8, 2, 0))


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_error_rate_in_chunks_is_that_of_one_pass(cell, chunk):
    from vgrad.tasks import pascanu_temporal_order

    net = getattr(vgrad, cell).random(6, 5, 4, 3)
    test = pascanu_temporal_order(12, 64, 11)
    whole = test.wrong(net.forward(test.xs).y).mean()
    assert 0.0 < whole < 1.0  # an untrained net: some right, some wrong
    assert vgrad.error_rate(net, test, chunk=chunk) == whole


def test_batch_sequences_and_error_rate_errors():
    from vgrad.tasks import adding_problem, pascanu_temporal_order

    test = pascanu_temporal_order(12, 10, 0)
    part = test.sequences(slice(2, 5))
    assert part.B == 3 and part.T == test.T
    np.testing.assert_array_equal(part.xs, test.xs[:, 2:5])
    np.testing.assert_array_equal(part.lengths, test.lengths[2:5])
    np.testing.assert_array_equal(part.target, test.target[2:5])
    every = adding_problem(8, 6, 0)
    assert every.sequences(slice(0, 2)).target.shape == every.target[:2].shape
    with pytest.raises(TypeError, match="part must be a slice"):
        test.sequences(3)
    with pytest.raises(ValueError, match="selects no sequence"):
        test.sequences(slice(20, 30))
    net = vgrad.LSTM.random(6, 4, 4, 0)
    with pytest.raises(TypeError, match="batch must be a vgrad Batch"):
        vgrad.error_rate(net, test.xs)
    with pytest.raises(ValueError, match="chunk"):
        vgrad.error_rate(net, test, chunk=0)
