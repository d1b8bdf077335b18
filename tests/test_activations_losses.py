"""Activations, their derivative bounds, and the two losses."""

import numpy as np
import pytest

import vgrad
from vgrad.gradcheck import numerical_gradient


def test_sigmoid_derivative_peaks_at_exactly_one_quarter():
    assert vgrad.sigmoid_prime(np.array(0.0)) == 0.25
    z = np.linspace(-10, 10, 200001)
    d = vgrad.sigmoid_prime(z)
    assert d.max() == 0.25 and z[np.argmax(d)] == 0.0
    assert np.all(d[z != 0] < 0.25)


@pytest.mark.parametrize("name", list(vgrad.ACTIVATIONS))
def test_derivatives_and_gamma(name):
    act = vgrad.get_activation(name)
    z = np.linspace(-6, 6, 12001)
    z = z[np.abs(z) > 1e-3]  # relu has a kink at 0
    num = (act.f(z + 1e-6) - act.f(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(act.df(z), num, rtol=1e-7, atol=1e-9)
    # gamma is the supremum of |phi'|: never exceeded, and approached on the grid
    dense = np.linspace(-50, 50, 1_000_001)
    assert np.max(np.abs(act.df(dense))) <= act.gamma
    assert np.max(np.abs(act.df(dense))) >= act.gamma * (1 - 1e-9)


def test_sigmoid_is_stable_for_huge_arguments():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    s = vgrad.sigmoid(z)  # pytest turns any overflow warning into an error
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    np.testing.assert_allclose(s[1], np.exp(-40) / (1 + np.exp(-40)), rtol=1e-15)


def test_mse_values_and_gradient(rng):
    y = rng.standard_normal((4, 3, 2))
    target = rng.standard_normal((4, 3, 2))
    loss, g = vgrad.mse(y, target)
    assert loss == pytest.approx(np.mean((y - target) ** 2), rel=1e-15)
    np.testing.assert_allclose(
        g, numerical_gradient(lambda v: vgrad.mse(v, target)[0], y), rtol=1e-7
    )
    last_t = rng.standard_normal((3, 2))
    loss, g = vgrad.mse(y, last_t, where="last")
    assert loss == pytest.approx(np.mean((y[-1] - last_t) ** 2), rel=1e-15)
    assert np.all(g[:-1] == 0)
    np.testing.assert_allclose(
        g, numerical_gradient(lambda v: vgrad.mse(v, last_t, "last")[0], y), rtol=1e-7, atol=1e-12
    )


def test_cross_entropy_values_and_gradient(rng):
    logits = 3 * rng.standard_normal((5, 2, 4))
    labels = rng.integers(0, 4, size=(5, 2))
    loss, g = vgrad.softmax_cross_entropy(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    ref = -np.mean(np.log(np.take_along_axis(p, labels[..., None], -1)))
    assert loss == pytest.approx(ref, rel=1e-13)
    num = numerical_gradient(lambda v: vgrad.softmax_cross_entropy(v, labels)[0], logits)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-10)
    lab_last = labels[-1]
    loss, g = vgrad.softmax_cross_entropy(logits, lab_last, where="last")
    assert loss == pytest.approx(-np.mean(np.log(p[-1][np.arange(2), lab_last])), rel=1e-13)
    assert np.all(g[:-1] == 0)
    # huge logits: no overflow, loss is the logit gap
    big = np.zeros((1, 1, 3))
    big[0, 0] = [1000.0, 0.0, -1000.0]
    loss, _ = vgrad.softmax_cross_entropy(big, np.array([[1]]))
    assert loss == pytest.approx(1000.0, rel=1e-12)


def test_loss_input_errors(rng):
    y = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="unknown where 'first'"):
        vgrad.mse(y, y, where="first")
    with pytest.raises(ValueError, match=r"target must have shape \(3, 4\)"):
        vgrad.mse(y, y, where="last")
    with pytest.raises(ValueError, match="y must have 3 dimensions"):
        vgrad.mse(y[0], y[0])
    with pytest.raises(TypeError, match="labels must be an integer array"):
        vgrad.softmax_cross_entropy(y, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        vgrad.softmax_cross_entropy(y, np.full((2, 3), 4))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        vgrad.softmax_cross_entropy(y, np.zeros((2, 3), dtype=int), where="last")
