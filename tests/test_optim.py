"""The update rules against steps computed by hand, and inside train (one network or many)."""

import functools

import numpy as np
import pytest

import vgrad
from vgrad.optim import SGD, Adam, Optimizer, RMSProp, get_optimizer
from vgrad.tasks import temporal_order
from vgrad.training import train


def _two_steps(rule, lr, g1, g2):
    p = {"w": np.array([1.0, -2.0])}
    state = rule.init(p)
    p1, state = rule.update(p, {"w": g1}, state, 1, lr)
    p2, state = rule.update(p1, {"w": g2}, state, 2, lr)
    return p1["w"], p2["w"]


G1, G2 = np.array([0.5, -1.0]), np.array([0.25, 2.0])


def test_sgd_with_momentum_by_hand():
    p1, p2 = _two_steps(SGD(momentum=0.9), 0.1, G1, G2)
    # v1 = g1; v2 = 0.9 g1 + g2
    np.testing.assert_allclose(p1, [1.0 - 0.05, -2.0 + 0.1], rtol=1e-15)
    v2 = np.array([0.9 * 0.5 + 0.25, 0.9 * -1.0 + 2.0])
    np.testing.assert_allclose(p2, p1 - 0.1 * v2, rtol=1e-15)


def test_rmsprop_by_hand():
    p1, p2 = _two_steps(RMSProp(decay=0.9, eps=1e-8), 0.01, G1, G2)
    s1 = 0.1 * G1**2
    np.testing.assert_allclose(p1, [1.0, -2.0] - 0.01 * G1 / (np.sqrt(s1) + 1e-8), rtol=1e-14)
    # the first step has the size lr / sqrt(1 - decay) whatever the gradient's size
    np.testing.assert_allclose(np.abs(p1 - [1.0, -2.0]), 0.01 / np.sqrt(0.1), rtol=1e-7)
    s2 = 0.9 * s1 + 0.1 * G2**2
    np.testing.assert_allclose(p2, p1 - 0.01 * G2 / (np.sqrt(s2) + 1e-8), rtol=1e-14)


def test_adam_by_hand():
    p1, p2 = _two_steps(Adam(beta1=0.9, beta2=0.999, eps=1e-8), 0.001, G1, G2)
    # step 1: m_hat = g1, s_hat = g1^2, so each coordinate moves by lr * sign(g1)
    np.testing.assert_allclose(p1, [1.0 - 0.001, -2.0 + 0.001], rtol=1e-9)
    m2 = 0.9 * 0.1 * G1 + 0.1 * G2
    s2 = 0.999 * 0.001 * G1**2 + 0.001 * G2**2
    step = 0.001 * (m2 / (1 - 0.9**2)) / (np.sqrt(s2 / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(p2, p1 - step, rtol=1e-13)
    # hand arithmetic for the first coordinate: m2 = 0.07, s2 = 0.0003125 (0.000312500...)
    assert m2[0] == pytest.approx(0.07, rel=1e-14)
    assert s2[0] == pytest.approx(0.999 * 0.001 * 0.25 + 0.001 * 0.0625, rel=1e-14)


def test_update_leaves_its_inputs_alone():
    rule = Adam()
    p = {"w": np.ones(3)}
    state = rule.init(p)
    rule.update(p, {"w": np.ones(3)}, state, 1, 0.1)
    np.testing.assert_array_equal(p["w"], 1.0)
    np.testing.assert_array_equal(state["m"]["w"], 0.0)


def test_stacked_rules_give_each_run_its_own_hyper_parameters():
    rules = [Adam(beta1=0.5), Adam(beta1=0.9, eps=1e-3)]
    stacked = Optimizer.stacked(rules)
    P = {"w": np.array([[1.0, -2.0], [3.0, 0.5]])}
    Gs = [np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([[0.25, 2.0], [-1.0, 0.3]])]
    state = stacked.init(P)
    P1, state = stacked.update(P, {"w": Gs[0]}, state, 1, np.array([0.1, 0.01]))
    P2, _ = stacked.update(P1, {"w": Gs[1]}, state, 2, np.array([0.1, 0.01]))
    for r, (rule, lr) in enumerate(zip(rules, [0.1, 0.01], strict=True)):
        p = {"w": P["w"][r]}
        st = rule.init(p)
        p, st = rule.update(p, {"w": Gs[0][r]}, st, 1, lr)
        p, st = rule.update(p, {"w": Gs[1][r]}, st, 2, lr)
        np.testing.assert_allclose(P2["w"][r], p["w"], rtol=1e-15)
    assert stacked.take(np.array([False, True])).hyper()["beta1"].tolist() == [0.9]


def test_rule_errors():
    with pytest.raises(ValueError, match="beta2"):
        Adam(beta2=1.0)
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=-0.1)
    with pytest.raises(ValueError, match="eps"):
        RMSProp(eps=0.0)
    with pytest.raises(TypeError, match="optimizer"):
        get_optimizer("lbfgs")
    with pytest.raises(ValueError, match="one kind"):
        Optimizer.stacked([Adam(), SGD()])
    assert get_optimizer("adam") == Adam()


@pytest.mark.parametrize("rule", ["rmsprop", Adam(beta1=0.8), "sgd"])
def test_train_of_many_nets_applies_each_rule_as_train_of_one_does(rule):
    task = functools.partial(temporal_order, 10)
    nets = [vgrad.RNN.random(6, 8, 4, s, rho=1.1) for s in range(3)]
    clips = [None, ("norm", 0.5), ("value", 0.01)]
    kw = dict(steps=8, batch=8, lr=0.01, optimizer=rule)
    many = train(nets, task, rng=[1, 2, 3], clip=clips, **kw)
    for r, net in enumerate(nets):
        one = train(net, task, rng=1 + r, clip=clips[r], **kw)
        assert np.max(np.abs(many[r].loss - one.loss)) < 1e-12 * np.max(one.loss)
        for k, p in one.net.params().items():
            err = np.max(np.abs(many[r].net.params()[k] - p)) / np.max(np.abs(p))
            assert err < 1e-12, (r, k, err)


def test_clipping_acts_before_the_rule():
    # Adam's first step has size lr in every coordinate whatever the gradient, so clipping
    # changes nothing there; RMSProp's depends on the gradient only through its sign too.
    # SGD's first step is -lr * clipped g: its size is lr * tau exactly when clipping acts.
    task = functools.partial(temporal_order, 10)
    net = vgrad.RNN.random(6, 8, 4, 0, rho=1.5)
    res = train(net, task, steps=1, batch=8, rng=0, lr=0.1, clip=("norm", 1e-3))
    moved = [res.net.params()[k] - p for k, p in net.params().items()]
    assert res.grad_norm[0] > 1e-3
    assert vgrad.global_norm(moved) == pytest.approx(0.1 * 1e-3, rel=1e-10)


def test_momentum_belongs_to_sgd():
    task = functools.partial(temporal_order, 10)
    net = vgrad.RNN.random(6, 4, 4, 0)
    with pytest.raises(ValueError, match="momentum"):
        train(net, task, steps=1, batch=2, rng=0, lr=0.1, momentum=0.9, optimizer="adam")
