"""Runs of different update rules in one stack (vgrad.optim.Optimizer.per_kind)."""

import functools

import numpy as np
import pytest

import vgrad
from vgrad import train
from vgrad.optim import SGD, Adam, Optimizer, RMSProp
from vgrad.tasks import pascanu_temporal_order


def test_per_kind_updates_each_run_as_its_own_rule():
    rules = [SGD(0.9), Adam(beta1=0.8), SGD(0.5), RMSProp(), Adam()]
    rng = np.random.default_rng(0)
    P = {"w": rng.standard_normal((5, 3, 2)), "b": rng.standard_normal((5, 2))}
    Gs = [{k: rng.standard_normal(v.shape) for k, v in P.items()} for _ in range(3)]
    lrs = np.array([0.1, 0.01, 0.2, 0.03, 0.002])
    mixed = Optimizer.per_kind(rules)
    state, Q = mixed.init(P), P
    for t, G in enumerate(Gs, start=1):
        Q, state = mixed.update(Q, G, state, t, lrs)
    for r, rule in enumerate(rules):
        p = {k: v[r] for k, v in P.items()}
        st = rule.init(p)
        for t, G in enumerate(Gs, start=1):
            p, st = rule.update(p, {k: v[r] for k, v in G.items()}, st, t, lrs[r])
        for k in p:
            np.testing.assert_array_equal(Q[k][r], p[k])
    # Dropping runs keeps the others' rules, in order; one kind left is a plain stacked rule.
    kept = mixed.take(np.array([True, False, False, True, True]))
    Q2, _ = kept.update(
        {k: v[[0, 3, 4]] for k, v in P.items()},
        {k: v[[0, 3, 4]] for k, v in Gs[0].items()},
        kept.init({k: v[[0, 3, 4]] for k, v in P.items()}),
        1,
        lrs[[0, 3, 4]],
    )
    for j, r in enumerate((0, 3, 4)):
        p, _ = rules[r].update(
            {k: v[r] for k, v in P.items()},
            {k: v[r] for k, v in Gs[0].items()},
            rules[r].init({k: v[r] for k, v in P.items()}),
            1,
            lrs[r],
        )
        for k in p:
            np.testing.assert_array_equal(Q2[k][j], p[k])
    only_sgd = mixed.take(np.array([True, False, True, False, False]))
    assert type(only_sgd) is SGD and only_sgd.hyper()["momentum"].tolist() == [0.9, 0.5]
    assert type(Optimizer.per_kind([Adam(), Adam(beta1=0.5)])) is Adam


def test_per_kind_errors():
    with pytest.raises(ValueError, match="rules"):
        Optimizer.per_kind([])
    with pytest.raises(TypeError, match=r"rules\[1\]"):
        Optimizer.per_kind([Adam(), "sgd"])


def test_train_of_many_nets_mixes_rules_as_train_of_one_does():
    task = functools.partial(pascanu_temporal_order, 10)
    nets = [vgrad.RNN.random(6, 8, 4, s, rho=1.0) for s in range(3)]
    kw = dict(steps=6, batch=8, clip=("norm", 1.0))
    opts = [None, "adam", None]
    mus = [0.9, 0.0, 0.5]
    lrs = [0.05, 0.002, 0.02]
    many = train(nets, task, rng=[1, 2, 3], lr=lrs, momentum=mus, optimizer=opts, **kw)
    for r, net in enumerate(nets):
        one = train(net, task, rng=1 + r, lr=lrs[r], momentum=mus[r], optimizer=opts[r], **kw)
        assert np.max(np.abs(many[r].loss - one.loss)) < 1e-12 * np.max(one.loss)
        for k, p in one.net.params().items():
            err = np.max(np.abs(many[r].net.params()[k] - p)) / np.max(np.abs(p))
            assert err < 1e-12, (r, k, err)
