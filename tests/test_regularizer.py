"""Pascanu's Omega: its value from the Jacobians, its simplified gradient by finite differences."""

import functools

import numpy as np
import pytest

import vgrad
from vgrad.regularizer import omega, omega_terms
from vgrad.tasks import pascanu_temporal_order, temporal_order
from vgrad.training import train


def _pass(net, rng, T=9, B=5, where="last"):
    d, _, m = net.sizes
    xs = rng.standard_normal((T, B, d))
    trace = net.forward(xs)
    target = rng.standard_normal((B, m) if where == "last" else (T, B, m))
    _, dL_dy = vgrad.mse(trace.y, target, where=where)
    return trace, net.backward(trace, dL_dy)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_value_is_the_norm_ratio_through_each_step_jacobian(activation, rng):
    net = vgrad.RNN.random(3, 6, 2, rng, rho=1.1, activation=activation)
    trace, grads = _pass(net, rng, where="all")
    J = net.step_jacobians(trace)  # J[t - 1] = dh_t / dh_{t-1}
    T, B = trace.T, trace.h.shape[1]
    want = 0.0
    for k in range(T):
        for b in range(B):
            row = grads.dh[k + 1, b]
            want += (np.linalg.norm(row @ J[k, b]) / np.linalg.norm(row) - 1.0) ** 2 / B
    got = omega(net, trace, grads)
    assert got.value == pytest.approx(want, rel=1e-12)
    assert got.kept == 1.0


def test_gradient_is_that_of_the_simplified_objective(rng):
    """Finite differences of Omega~(W) with dL/dh and phi'(a) frozen at the current pass."""
    net = vgrad.RNN.random(3, 5, 2, rng, rho=1.2)
    trace, grads = _pass(net, rng, where="all")
    dh = grads.dh
    delta = (1.0 - trace.h[1:] ** 2) * dh[1:]

    def frozen(W):
        return omega_terms(W, dh, delta).value

    got = omega(net, trace, grads).W_hh
    num = vgrad.numerical_gradient(frozen, net.W_hh.copy())
    scale = np.max(np.abs(num))
    assert np.max(np.abs(got - num)) < 1e-7 * scale
    assert scale > 1e-3  # a real gradient, not zero against zero


def test_negligible_gradients_are_skipped(rng):
    net = vgrad.RNN.random(3, 5, 2, rng, rho=1.0)
    trace, grads = _pass(net, rng, where="all")
    dh = grads.dh.copy()
    dh[3:6, 1] *= 1e-12  # three (k, b) terms whose dL/dh_{k+1} is below the bound
    delta = (1.0 - trace.h[1:] ** 2) * dh[1:]
    T, B = trace.T, dh.shape[1]
    full = omega_terms(net.W_hh, dh, delta, bound=0.0)
    skip = omega_terms(net.W_hh, dh, delta, bound=1e-10)
    assert skip.kept == pytest.approx(1.0 - 3 / (T * B), rel=1e-14)
    # the skipped terms are exactly those three: removing them from the full sum
    ratio = np.linalg.norm(delta @ net.W_hh, axis=-1) / np.linalg.norm(dh[1:], axis=-1)
    terms = (ratio - 1.0) ** 2 / B
    assert full.value - skip.value == pytest.approx(terms[2:5, 1].sum(), rel=1e-10)
    # and they carry no gradient: scaling them further changes nothing
    dh2 = dh.copy()
    dh2[3:6, 1] *= 1e-3
    delta2 = (1.0 - trace.h[1:] ** 2) * dh2[1:]
    again = omega_terms(net.W_hh, dh2, delta2)
    np.testing.assert_allclose(again.W_hh, skip.W_hh, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("via", ["omega_terms", "omega"])
def test_stacked_omega_is_each_runs_own(rng, via):
    # omega slices the step axis of a stacked dh (dh[..., 1:, :, :], not dh[1:]): one Omega per run
    nets = [vgrad.RNN.random(3, 5, 2, rng, rho=1.1) for _ in range(3)]
    stack = vgrad.RNN.stack(nets)
    xs = rng.standard_normal((8, 4, 3))
    G = rng.standard_normal((3, 8, 4, 2))
    trace = stack.forward(xs)
    grads = stack.backward(trace, G)
    if via == "omega":
        got = omega(stack, trace, grads)
    else:
        delta = (1.0 - trace.h[:, 1:] ** 2) * grads.dh[:, 1:]
        got = omega_terms(stack.W_hh, grads.dh, delta)
    assert np.shape(got.value) == np.shape(got.kept) == (3,)
    for r, net in enumerate(nets):
        alone = net.forward(xs)
        want = omega(net, alone, net.backward(alone, G[r]))
        assert got.value[r] == pytest.approx(want.value, rel=1e-12)
        assert got.kept[r] == want.kept
        np.testing.assert_allclose(got.W_hh[r], want.W_hh, rtol=1e-11, atol=1e-14)


def test_training_with_omega_adds_alpha_times_its_gradient():
    task = functools.partial(temporal_order, 12)
    net = vgrad.RNN.random(6, 8, 4, 0, rho=1.0)
    alpha, lr = 0.5, 0.1
    res = train(net, task, steps=1, batch=6, rng=3, lr=lr, omega=alpha)
    data = task(6, np.random.default_rng(3))
    trace = net.forward(data.xs)
    _, dL_dy = data.loss_and_grad(trace.y)
    grads = net.backward(trace, dL_dy)
    reg = omega(net, trace, grads)
    np.testing.assert_allclose(
        res.net.W_hh, net.W_hh - lr * (grads.W_hh + alpha * reg.W_hh), rtol=1e-13
    )
    np.testing.assert_allclose(res.net.W_xh, net.W_xh - lr * grads.W_xh, rtol=1e-13)
    assert res.omega[0] == pytest.approx(reg.value, rel=1e-13)


def test_train_of_many_nets_with_omega_is_train_run_by_run():
    task = functools.partial(pascanu_temporal_order, 10)
    nets = [vgrad.RNN.random(6, 8, 4, s, rho=1.0) for s in range(3)]
    alphas = [0.0, 0.3, 2.0]
    kw = dict(steps=6, batch=8, lr=0.05, momentum=0.9, clip=("norm", 1.0))
    many = train(nets, task, rng=[5, 6, 7], omega=alphas, **kw)
    assert many[0].omega is None
    for r, net in enumerate(nets):
        one = train(net, task, rng=5 + r, omega=alphas[r], **kw)
        for k, p in one.net.params().items():
            err = np.max(np.abs(many[r].net.params()[k] - p)) / np.max(np.abs(p))
            assert err < 1e-12, (r, k)
        if alphas[r]:
            np.testing.assert_allclose(many[r].omega, one.omega, rtol=1e-11)


def test_omega_errors(rng):
    net = vgrad.RNN.random(2, 3, 1, rng)
    trace, grads = _pass(net, rng, T=4, B=2)
    with pytest.raises(TypeError, match="net"):
        omega("net", trace, grads)
    with pytest.raises(TypeError, match="trace"):
        omega(net, grads, grads)
    other, _ = _pass(net, rng, T=5, B=2)
    with pytest.raises(ValueError, match="same pass"):
        omega(net, other, grads)
    with pytest.raises(ValueError, match="omega"):
        train(
            net,
            functools.partial(vgrad.adding_problem, 4),
            steps=1,
            batch=2,
            rng=0,
            lr=0.1,
            omega=-1.0,
        )
