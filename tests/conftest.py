"""Fixtures and the helpers every engine test uses: one meaning for each, in one place.

Tests import the helpers with ``from conftest import assert_gradient, make, param_loss, run``.
"""

import numpy as np
import pytest

import vgrad
from vgrad.gradcheck import check_gradient


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260127)


def make(cls, rng, d, n, m, *, activation="tanh", rho=0.9):
    """A random network of class ``cls`` with biases away from zero (and the gates of a gated
    cell away from 1/2), so that no derivative is special by accident."""
    if cls is vgrad.RNN:
        net = vgrad.RNN.random(d, n, m, rng, rho=rho, activation=activation)
        net.b_h[:] = 0.1 * rng.standard_normal(n)
    else:
        net = cls.random(d, n, m, rng, input_scale=1.0, recurrent_scale=1.5)
        net.b[:] += 0.3 * rng.standard_normal(net.b.shape)
    net.b_y[:] = 0.1 * rng.standard_normal(m)
    return net


def run(net, xs, target, where="all", **initial):
    """Forward, MSE loss (:func:`vgrad.mse` with ``where``) and backward; ``initial`` holds the
    initial states by name (``h0``, and ``c0`` for an LSTM). Returns (loss, gradients)."""
    trace = net.forward(xs, **initial)
    loss, dy = vgrad.mse(trace.y, target, where)
    return loss, net.backward(trace, dy)


def param_loss(net, name, xs, target, where="all", **initial):
    """The loss of :func:`run` as a function of the parameter ``name`` alone."""

    def f(value):
        saved = getattr(net, name)
        setattr(net, name, value)
        try:
            return run(net, xs, target, where, **initial)[0]
        finally:
            setattr(net, name, saved)

    return f


def assert_gradient(f, x, analytic, name, *, allow_zero=False):
    """``analytic`` is the gradient of ``f`` at ``x``, by central finite differences.

    The tolerance is relative (1e-6) above the finite-difference noise floor at this |f|.
    At least one entry must be resolved above that floor, or the check proves nothing: an
    all-zero gradient fails unless the test says it expects one (``allow_zero=True``, and
    then ``analytic`` must be exactly zero).
    """
    res = check_gradient(f, x, analytic, rtol=1e-6)
    assert res.passed, f"{name}: {res}"
    if allow_zero and np.all(np.asarray(analytic) == 0):
        return
    assert res.n_resolved > 0, f"{name}: nothing resolved above the noise floor"
