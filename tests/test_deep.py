"""Tests for vgrad.deep: exact backpropagation and the per-layer shrinking of the gradient."""

from __future__ import annotations

import numpy as np
import pytest

from vgrad.activations import ACTIVATIONS, sigmoid_prime
from vgrad.deep import DeepGradients, DeepNet, DeepTrace, GradientFlow, gradient_flow
from vgrad.gradcheck import check_directional, check_gradient
from vgrad.spectral import singular_values

ACTS = list(ACTIVATIONS)


def _net_with_biases(depth, width, seed, activation, in_dim=None, **kw):
    """A random net with non-zero biases, so that db is not checked at a special point."""
    rng = np.random.default_rng(seed)
    base = DeepNet.random(depth, width, rng, activation=activation, in_dim=in_dim, **kw)
    b = [0.3 * rng.standard_normal(width) for _ in range(depth)]
    return DeepNet(base.W, b, activation)


def _replace(net, kind, ell, value):
    W, b = list(net.W), list(net.b)
    {"W": W, "b": b}[kind][ell - 1] = value
    return DeepNet(W, b, net.activation)


def _loss(net, x, target):
    """0.5 ||y_L - target||^2 summed over the batch, and its gradient with respect to y_L."""
    y = net.forward(x).y[-1]
    return 0.5 * float(np.sum((y - target) ** 2)), y - target


def test_sigmoid_prime_peaks_at_exactly_a_quarter():
    assert sigmoid_prime(np.float64(0.0)) == 0.25
    z = np.linspace(-10.0, 10.0, 200_001)  # contains 0 exactly
    d = sigmoid_prime(z)
    assert d.max() == 0.25 and z[np.argmax(d)] == 0.0
    assert np.all(d[z != 0] < 0.25)


@pytest.mark.parametrize("activation", ACTS)
def test_backward_matches_finite_differences(activation):
    rng = np.random.default_rng(11)
    net = _net_with_biases(3, 4, 5, activation, in_dim=3)
    x = rng.standard_normal((2, 3))
    target = rng.standard_normal((2, 4))
    trace = net.forward(x)
    if activation == "relu":  # finite differences must not straddle the kink at 0
        assert min(np.min(np.abs(z)) for z in trace.z) > 1e-3
    grads = net.backward(trace, _loss(net, x, target)[1])
    checks = [(check_gradient(lambda v: _loss(net, v, target)[0], x, grads.dy[0]), grads.dy[0])]
    for ell in range(1, net.depth + 1):
        for kind, analytic in (("W", grads.W[ell - 1]), ("b", grads.b[ell - 1])):
            value = (net.W if kind == "W" else net.b)[ell - 1]
            f = lambda v, k=kind, ell=ell: _loss(_replace(net, k, ell, v), x, target)[0]  # noqa: E731
            checks.append((check_gradient(f, value, analytic), analytic))
    for result, analytic in checks:
        assert result.passed, str(result)
        # every entry is resolved, except the exact zeros behind inactive ReLU units
        assert result.n_resolved == np.count_nonzero(analytic), str(result)
    if activation != "relu":
        assert all(result.n_resolved == result.size for result, _ in checks)


@pytest.mark.parametrize("activation", ACTS)
def test_intermediate_gradients_are_dL_dy_l(activation):
    """dy[l] is the gradient of the loss with respect to y_l (checked by restarting at y_l)."""
    rng = np.random.default_rng(3)
    net = _net_with_biases(4, 5, 8, activation)
    x, target = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    trace = net.forward(x)
    grads = net.backward(trace, _loss(net, x, target)[1])
    for ell in range(net.depth):
        tail = DeepNet(net.W[ell:], net.b[ell:], activation)
        f = lambda y, tail=tail: _loss(tail, y, target)[0]  # noqa: E731
        result = check_directional(f, trace.y[ell], grads.dy[ell], rng=ell, n_dirs=3)
        assert result.passed, str(result)


def test_sigmoid_gradient_shrinks_by_at_most_gamma_norm_W_per_layer():
    rng = np.random.default_rng(0)
    net = DeepNet.random(10, 32, rng, activation="sigmoid", init="standard")
    x = rng.standard_normal((16, 32))
    trace = net.forward(x)
    dL_dy = rng.standard_normal((16, 32))
    grads = net.backward(trace, dL_dy)
    norms = [np.linalg.norm(d, axis=1) for d in grads.dy]  # per example
    bounds = []
    for ell in range(1, net.depth + 1):
        bound = 0.25 * singular_values(net.W[ell - 1])[0]  # gamma ||W_l||_2
        bounds.append(bound)
        # an inequality that must hold for every example, up to rounding only
        assert np.all(norms[ell - 1] <= bound * norms[ell] * (1 + 1e-12))
    ratio = np.mean(norms[0]) / np.mean(norms[-1])
    assert ratio <= np.prod(bounds)
    assert np.prod(bounds) < 1e-4 and ratio < 1e-6  # a large factor: the gradient vanishes


def test_layer_jacobians_compose_the_backward_pass():
    rng = np.random.default_rng(4)
    net = _net_with_biases(5, 6, 9, "tanh")
    trace = net.forward(rng.standard_normal((3, 6)))
    grads = net.backward(trace, rng.standard_normal((3, 6)))
    for ell, J in enumerate(net.jacobians(trace), start=1):
        assert J.shape == (3, 6, 6)
        np.testing.assert_allclose(
            grads.dy[ell - 1], np.einsum("bi,bij->bj", grads.dy[ell], J), rtol=1e-12, atol=1e-15
        )
        assert np.all(singular_values(J)[:, 0] <= singular_values(net.W[ell - 1])[0] * (1 + 1e-12))


def test_identity_activation_with_orthogonal_weights_preserves_the_norm():
    rng = np.random.default_rng(5)
    net = DeepNet.random(50, 8, rng, activation="identity", init="orthogonal")
    x = rng.standard_normal((4, 8))
    grads = net.backward(net.forward(x), rng.standard_normal((4, 8)))
    norms = np.array([np.linalg.norm(d, axis=1) for d in grads.dy])
    np.testing.assert_allclose(norms, np.broadcast_to(norms[-1], norms.shape), rtol=1e-12)
    flow = gradient_flow(net, x, 1)
    np.testing.assert_allclose(flow.log_dy, flow.log_dy[-1], atol=1e-12)


def test_gradient_flow_matches_backward():
    rng = np.random.default_rng(6)
    net = DeepNet.random(8, 10, rng, activation="tanh", init="xavier")
    x, dL_dy = rng.standard_normal((5, 10)), rng.standard_normal((5, 10))
    grads = net.backward(net.forward(x), dL_dy)
    flow = gradient_flow(net, x, dL_dy)
    assert isinstance(flow, GradientFlow)
    np.testing.assert_allclose(
        flow.dy_norm, [np.mean(np.linalg.norm(d, axis=1)) for d in grads.dy], rtol=1e-12
    )
    np.testing.assert_allclose(flow.dW_norm, [np.linalg.norm(g) for g in grads.W], rtol=1e-12)
    np.testing.assert_allclose(flow.db_norm, [np.linalg.norm(g) for g in grads.b], rtol=1e-12)
    # the random probe: unit-norm upstream gradient per example
    assert gradient_flow(net, x, 0).dy_norm[-1] == pytest.approx(1.0, rel=1e-14)


def test_gradient_flow_stays_finite_where_backward_underflows():
    rng = np.random.default_rng(7)
    net = DeepNet.random(1000, 10, rng, activation="sigmoid")
    x = rng.standard_normal((2, 10))
    flow = gradient_flow(net, x, 0)
    assert np.all(np.isfinite(flow.log_dy)) and flow.log_dy[0] < np.log(1e-300)
    grads = net.backward(net.forward(x), rng.standard_normal((2, 10)))
    assert np.all(grads.dy[0] == 0.0)  # float64 has already lost it


def test_exploding_backward_is_refused_but_logged():
    rng = np.random.default_rng(8)
    net = DeepNet.random(600, 4, rng, activation="identity", init="orthogonal", gain=2.0)
    x = 1e-300 * rng.standard_normal((1, 4))  # forward stays small, backward grows 2^600
    with pytest.raises(OverflowError, match="gradient_flow"):
        net.backward(net.forward(x), np.ones((1, 4)))
    flow = gradient_flow(net, x, np.ones((1, 4)))
    assert flow.log_dy[0] - flow.log_dy[-1] == pytest.approx(600 * np.log(2.0), rel=1e-12)
    deeper = DeepNet.random(1100, 4, rng, activation="identity", init="orthogonal", gain=2.0)
    deeper_flow = gradient_flow(deeper, x, np.ones((1, 4)))
    assert deeper_flow.log_dy[0] > np.log(np.finfo(np.float64).max)
    with pytest.raises(OverflowError, match="log_"):
        _ = deeper_flow.dy_norm
    with pytest.raises(OverflowError, match="gain"):
        net.forward(np.ones((1, 4)))  # 2^600 > 1e150


def test_tiny_gradient_is_checked_layer_locally():
    """Deep in the vanishing regime dL/dW_1 is below the finite-difference noise floor of the
    loss, so a global check resolves nothing. Checking layer 1's own vector-Jacobian product,
    with the tiny dL/dy_1 as probe, resolves every entry (see vgrad.gradcheck)."""
    rng = np.random.default_rng(9)
    net = DeepNet.random(14, 6, rng, activation="sigmoid")
    x, target = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    trace = net.forward(x)
    grads = net.backward(trace, _loss(net, x, target)[1])
    assert np.max(np.abs(grads.W[0])) < 1e-9
    glob = check_gradient(
        lambda v: _loss(_replace(net, "W", 1, v), x, target)[0], net.W[0], grads.W[0]
    )
    assert glob.n_resolved == 0
    a, b_1, y_0, dy_1 = net.activation, net.b[0], trace.y[0], grads.dy[1]
    local = lambda W_1: float(np.sum(dy_1 * a.f(y_0 @ W_1.T + b_1)))  # noqa: E731
    result = check_gradient(local, net.W[0], grads.W[0])
    assert result.passed and result.n_resolved == result.size, str(result)
    wrong = grads.W[0] * (1 + 1e-4)
    assert not check_gradient(local, net.W[0], wrong).passed


def test_trace_and_gradient_shapes():
    net = DeepNet.random(3, 5, 0, in_dim=2)
    assert net.depth == 3 and net.widths == (2, 5, 5, 5)
    trace = net.forward(np.ones((4, 2)))
    assert isinstance(trace, DeepTrace)
    assert [y.shape for y in trace.y] == [(4, 2), (4, 5), (4, 5), (4, 5)]
    assert [z.shape for z in trace.z] == [(4, 5)] * 3
    grads = net.backward(trace, np.ones((4, 5)))
    assert isinstance(grads, DeepGradients)
    assert [d.shape for d in grads.dy] == [(4, 2), (4, 5), (4, 5), (4, 5)]
    assert [g.shape for g in grads.W] == [(5, 2), (5, 5), (5, 5)]
    assert [g.shape for g in grads.b] == [(5,)] * 3


def test_initialisations():
    n, m = 400, 300
    W = DeepNet.random(1, m, 0, init="standard", in_dim=n).W[0]
    assert np.max(np.abs(W)) <= 1 / np.sqrt(n) and np.var(W) == pytest.approx(1 / (3 * n), rel=0.02)
    W = DeepNet.random(1, m, 0, init="xavier", in_dim=n).W[0]
    bound = np.sqrt(6 / (n + m))
    assert np.max(np.abs(W)) <= bound and np.var(W) == pytest.approx(bound**2 / 3, rel=0.02)
    W = DeepNet.random(1, m, 0, init="he", in_dim=n).W[0]
    assert np.var(W) == pytest.approx(2 / n, rel=0.02)
    W = DeepNet.random(1, 20, 0, init="orthogonal", gain=1.5).W[0]
    np.testing.assert_allclose(W.T @ W, 2.25 * np.eye(20), atol=1e-13)
    W1 = DeepNet.random(2, 7, 3, init="he").W
    W2 = DeepNet.random(2, 7, 3, init="he", gain=0.5).W
    np.testing.assert_array_equal(W2[1], 0.5 * W1[1])  # same seed, gain multiplies
    assert np.all(DeepNet.random(2, 7, 3).b[1] == 0.0)


# --- bad inputs -------------------------------------------------------------------------


def test_bad_inputs():
    net = DeepNet.random(2, 3, 0)
    trace = net.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\bx\b.*shape"):
        net.forward(np.ones((2, 4)))
    with pytest.raises(TypeError, match=r"\bx\b.*dtype"):
        net.forward(np.ones((2, 3), dtype=int))
    with pytest.raises(ValueError, match=r"\bdL_dy\b.*shape"):
        net.backward(trace, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"\bdL_dy\b.*finite"):
        net.backward(trace, np.full((2, 3), np.nan))
    with pytest.raises(TypeError, match=r"\btrace\b"):
        net.backward(trace.y, np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"\btrace\b"):
        DeepNet.random(3, 3, 0).backward(trace, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\bupstream\b.*shape"):
        gradient_flow(net, np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"\bnet\b"):
        gradient_flow("net", np.ones((2, 3)), 0)


def test_bad_construction():
    with pytest.raises(ValueError, match=r"W\[1\].*shape"):
        DeepNet([np.ones((3, 2)), np.ones((3, 4))], [np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match=r"b\[0\].*shape"):
        DeepNet([np.ones((3, 2))], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"\bW\b.*\bb\b"):
        DeepNet([np.ones((3, 2))], [])
    with pytest.raises(TypeError, match=r"\bW\b"):
        DeepNet(np.ones((3, 2)), [np.zeros(3)])
    with pytest.raises(ValueError, match=r"\bactivation\b"):
        DeepNet([np.ones((3, 2))], [np.zeros(3)], activation="softplus")
    with pytest.raises(ValueError, match=r"\binit\b"):
        DeepNet.random(2, 3, 0, init="glorot")
    with pytest.raises(ValueError, match=r"\bdepth\b"):
        DeepNet.random(0, 3, 0)
    with pytest.raises(TypeError, match=r"\bwidth\b"):
        DeepNet.random(2, 3.0, 0)
    with pytest.raises(TypeError, match=r"\brng\b"):
        DeepNet.random(2, 3, None)
    with pytest.raises(ValueError, match=r"\bin_dim\b"):
        DeepNet.random(2, 3, 0, init="orthogonal", in_dim=4)
    with pytest.raises(ValueError, match=r"\bgain\b"):
        DeepNet.random(2, 3, 0, gain=float("nan"))
