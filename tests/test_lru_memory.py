"""The curse-of-memory computation of docs/linear.md: the LRU's gradient by nu for an impulse
k steps back is d(gamma lambda^k)/d nu = lambda^k ln(lambda) (k gamma - lambda^2 / gamma), so
the mean squared sensitivity to white noise is q ln(lambda)^2 / (1 - q)^2 (q = lambda^2),
bounded by 1/4 at every memory."""

import numpy as np
import pytest

from vgrad import LRU
from vgrad.activations import gelu_prime


def scalar_lru(nu, theta=0.0):
    one, zero = np.ones((1, 1)), np.zeros((1, 1))
    return LRU(one, zero, [nu], [theta], one, zero, zero, one, np.zeros(1))


def coef(r, k):
    g = np.sqrt(1 - r**2)
    return r**k * np.log(r) * (k * g - r**2 / g)


@pytest.mark.parametrize("r", [0.3, 0.9, 0.99, 0.999])
def test_nu_gradient_of_an_impulse_is_the_coefficient(r):
    lags = np.array([0, 1, 7, 100, 1000])
    st = LRU.stack([scalar_lru(np.log(-np.log(r)))] * lags.size)
    xs = np.zeros((lags.size, lags.max() + 1, 1, 1))
    xs[:, 0] = 1.0
    tr = st.forward(xs)
    dy = np.zeros_like(tr.y)
    runs = np.arange(lags.size)
    dy[runs, lags, 0, 0] = 1 / gelu_prime(tr.a[runs, lags, 0, 0])  # dL/d Re h_{k+1} = 1
    np.testing.assert_allclose(st.backward(tr, dy).nu[:, 0], coef(r, lags), rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("r", [0.5, 0.9, 0.99, 0.999])
def test_mean_squared_sensitivity_closed_form_and_bound(r):
    k = np.arange(int(60 / (1 - r)))
    q = r * r
    closed = q * np.log(r) ** 2 / (1 - q) ** 2
    np.testing.assert_allclose(np.sum(coef(r, k) ** 2), closed, rtol=1e-9)
    assert closed < 0.25
