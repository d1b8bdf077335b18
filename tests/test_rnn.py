"""The RNN engine: forward contract, BPTT against finite differences, Jacobians, truncation."""

import numpy as np
import pytest
from conftest import assert_gradient, make, param_loss, run

import vgrad

ACTS = ["identity", "sigmoid", "tanh", "relu"]
SHAPES = [(1, 1, 1, 1, 1), (5, 3, 2, 4, 2), (7, 1, 3, 1, 1), (4, 2, 1, 6, 3)]  # T, B, d, n, m


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("where", ["all", "last"])
def test_gradients_match_finite_differences(rng, act, shape, where):
    T, B, d, n, m = shape
    net = make(vgrad.RNN, rng, d, n, m, activation=act)
    xs = rng.standard_normal((T, B, d))
    h0 = 0.5 * rng.standard_normal((B, n))
    target = rng.standard_normal((T, B, m) if where == "all" else (B, m))
    if act == "relu":  # keep pre-activations away from the kink where the derivative jumps
        net.b_h[:] = 0.5
    _, g = run(net, xs, target, where, h0=h0)
    # A ReLU unit that is off at every step has exactly zero gradient upstream of it (one
    # unit, n = 1, can be): the only case where an all-zero gradient is the right answer.
    dead = act == "relu"
    for name in vgrad.rnn.PARAMS:
        f = param_loss(net, name, xs, target, where, h0=h0)
        assert_gradient(f, getattr(net, name), getattr(g, name), name, allow_zero=dead)
    f = lambda h: run(net, xs, target, where, h0=h)[0]  # noqa: E731
    assert_gradient(f, h0, g.dh[0], "dh[0]", allow_zero=dead)


@pytest.mark.parametrize("act", ACTS)
def test_dh_every_step_is_total_derivative(rng, act):
    # dL/dh_t for t >= 1: restart the network from h_t and check against dL/dh0 of the suffix.
    T, B, d, n, m = 6, 2, 2, 3, 2
    net = make(vgrad.RNN, rng, d, n, m, activation=act)
    if act == "relu":
        net.b_h[:] = 0.5
    xs = rng.standard_normal((T, B, d))
    target = rng.standard_normal((T, B, m))
    tr = net.forward(xs)
    _, dy = vgrad.mse(tr.y, target)
    g = net.backward(tr, dy)
    for t in range(1, T):
        suffix = net.forward(xs[t:], tr.h[t])
        g_suffix = net.backward(suffix, dy[t:])
        # the suffix carries every later loss term; y_t's own term is the direct path
        want = g_suffix.dh[0] + dy[t - 1] @ net.W_hy
        np.testing.assert_allclose(g.dh[t], want, rtol=1e-12, atol=1e-15)
    # and the suffix dL/dh0 itself matches finite differences
    t = 3
    N = dy.size

    def f(h):  # the loss as a function of h_t: y_t = W_hy h_t + b_y plus everything later
        tr_s = net.forward(xs[t:], h)
        y_t = h @ net.W_hy.T + net.b_y
        later = np.sum((tr_s.y - target[t:]) ** 2)
        return float((later + np.sum((y_t - target[t - 1]) ** 2)) / N)

    assert_gradient(f, tr.h[t], g.dh[t], "dh[3]")
    np.testing.assert_array_equal(g.dh[T], dy[T - 1] @ net.W_hy)


def test_forward_contract(rng):
    net = make(vgrad.RNN, rng, 3, 4, 2, activation="tanh")
    xs = rng.standard_normal((5, 6, 3))
    tr = net.forward(xs)
    assert tr.h.shape == (6, 6, 4) and tr.a.shape == (5, 6, 4) and tr.y.shape == (5, 6, 2)
    np.testing.assert_array_equal(tr.h[0], 0.0)
    for t in range(1, 6):
        a = xs[t - 1] @ net.W_xh.T + tr.h[t - 1] @ net.W_hh.T + net.b_h
        np.testing.assert_allclose(tr.a[t - 1], a, rtol=1e-14)
        np.testing.assert_allclose(tr.h[t], np.tanh(a), rtol=1e-14)
        np.testing.assert_allclose(tr.y[t - 1], tr.h[t] @ net.W_hy.T + net.b_y, rtol=1e-14)
    # batch elements are independent: running one alone gives the same numbers
    alone = net.forward(xs[:, 2:3])
    np.testing.assert_allclose(alone.h[:, 0], tr.h[:, 2], rtol=1e-13)


def test_identity_activation_jacobian_product_is_matrix_power(rng):
    net = vgrad.RNN.random(2, 5, 1, rng, rho=1.1, activation="identity")
    tr = net.forward(rng.standard_normal((12, 3, 2)))
    for k in (0, 1, 4, 12):
        P = net.jacobian_product(tr, 12, k)
        Wk = np.linalg.matrix_power(net.W_hh, k)
        for b in range(3):
            np.testing.assert_allclose(P[b], Wk, rtol=1e-13, atol=1e-14 * np.abs(Wk).max())


def test_step_jacobians_and_product_agree_with_backward(rng):
    # dL/dh_{t-k} through the single loss at step t is (dh_t/dh_{t-k})^T dL/dh_t.
    net = make(vgrad.RNN, rng, 2, 4, 3, activation="tanh", rho=1.2)
    T = 9
    tr = net.forward(rng.standard_normal((T, 2, 2)))
    dy = np.zeros((T, 2, 3))
    dy[-1] = rng.standard_normal((2, 3))
    g = net.backward(tr, dy)
    J = net.step_jacobians(tr)
    assert J.shape == (T, 2, 4, 4)
    for k in range(T + 1):
        P = net.jacobian_product(tr, T, k)
        np.testing.assert_allclose(
            np.einsum("bij,bi->bj", P, g.dh[T]), g.dh[T - k], rtol=1e-10, atol=1e-15
        )
    np.testing.assert_allclose(net.jacobian_product(tr, T, 1), J[T - 1], rtol=1e-15)


def test_orthogonal_scaled_singular_values_are_rho_to_the_T(rng):
    rho, T, n = 0.93, 40, 6
    net = vgrad.RNN.orthogonal(1, n, 1, rng, gain=rho, activation="identity")
    tr = net.forward(rng.standard_normal((T, 1, 1)))
    sv = np.linalg.svd(net.jacobian_product(tr, T, T)[0], compute_uv=False)
    np.testing.assert_allclose(sv, rho**T, rtol=1e-11)


def test_log_norms_match_explicit_products_and_survive_explosion(rng):
    net = make(vgrad.RNN, rng, 2, 5, 1, activation="tanh", rho=1.3)
    tr = net.forward(rng.standard_normal((15, 2, 2)))
    for ord_ in (2, "fro"):
        ln = net.jacobian_log_norms(tr, ord=ord_)
        assert ln.shape == (16, 2)
        for k in range(16):
            P = net.jacobian_product(tr, 15, k)
            ref = np.log(np.linalg.norm(P, ord=ord_, axis=(1, 2)))
            np.testing.assert_allclose(ln[k], ref, rtol=1e-10, atol=1e-12)
    # identity activation, rho = 1.5, T = 500: 1.5^500 ~ 1e88 per singular value, products of
    # that are beyond float64 for a normal matrix at larger T; the log norm is exact and finite.
    rho, T = 1.5, 500
    ortho = vgrad.RNN.orthogonal(1, 8, 1, rng, gain=rho, activation="identity")
    tr = ortho.forward(np.zeros((T, 1, 1)))
    ln = ortho.jacobian_log_norms(tr)
    np.testing.assert_allclose(ln[:, 0], np.arange(T + 1) * np.log(rho), rtol=1e-11, atol=1e-11)
    ln_small = vgrad.RNN.orthogonal(1, 8, 1, rng, gain=0.5, activation="identity")
    tr = ln_small.forward(np.zeros((2000, 1, 1)))  # 0.5^2000 underflows float64
    out = ln_small.jacobian_log_norms(tr, ord="fro")
    np.testing.assert_allclose(out[-1, 0], 2000 * np.log(0.5) + 0.5 * np.log(8), rtol=1e-11)


def test_rnn_log_norms_use_shared_helper(rng):
    # RNN.jacobian_log_norms runs on vgrad.spectral.log_norms_of_products; the
    # identity-activation case is exact.
    net = vgrad.RNN.orthogonal(1, 4, 1, rng, gain=0.9, activation="identity")
    tr = net.forward(np.zeros((50, 1, 1)))
    np.testing.assert_allclose(net.jacobian_log_norms(tr)[:, 0], np.arange(51) * np.log(0.9))


def test_dead_relu_log_norm_is_minus_inf(rng):
    net = vgrad.RNN.identity(1, 3, 1, rng, activation="relu")
    net.b_h[:] = -5.0  # every unit dead: phi'(a) = 0
    tr = net.forward(np.zeros((4, 1, 1)))
    ln = net.jacobian_log_norms(tr)
    assert ln[0, 0] == 0.0 and np.all(np.isneginf(ln[1:, 0]))


@pytest.mark.parametrize("K", [1, 2, 3, 5])
def test_truncated_bptt_keeps_only_short_paths(rng, K):
    T, B, d, n, m = 7, 2, 2, 3, 2
    net = make(vgrad.RNN, rng, d, n, m, activation="tanh", rho=1.1)
    tr = net.forward(rng.standard_normal((T, B, d)))
    dy = rng.standard_normal((T, B, m))
    got = net.backward(tr, dy, truncate=K)
    # reference: one loss term at a time, exact BPTT, keep deltas within K steps of the source
    delta = np.zeros((T, B, n))
    dh = np.zeros((T + 1, B, n))
    dphi = net.activation.df(tr.a)
    for s in range(1, T + 1):
        one = np.zeros_like(dy)
        one[s - 1] = dy[s - 1]
        full = net.backward(tr, one)
        for p in range(max(0, s - K + 1), s + 1):
            dh[p] += full.dh[p]
            if p >= 1:
                delta[p - 1] += full.dh[p] * dphi[p - 1]
    np.testing.assert_allclose(got.dh, dh, rtol=1e-12, atol=1e-14)
    want_W_hh = delta.reshape(-1, n).T @ tr.h[:-1].reshape(-1, n)
    np.testing.assert_allclose(got.W_hh, want_W_hh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got.W_hy, net.backward(tr, dy).W_hy, rtol=1e-14)


def test_truncation_at_or_beyond_T_is_exact(rng):
    net = make(vgrad.RNN, rng, 2, 3, 1, activation="tanh")
    tr = net.forward(rng.standard_normal((6, 2, 2)))
    dy = rng.standard_normal((6, 2, 1))
    full = net.backward(tr, dy)
    for K in (6, 50):
        np.testing.assert_array_equal(net.backward(tr, dy, truncate=K).W_hh, full.W_hh)
    # the lag-by-lag algorithm with K = T + 1 reproduces the sequential sweep
    dh, _ = net._bptt_truncated(dy @ net.W_hy, net.activation.df(tr.a), 7)
    np.testing.assert_allclose(dh, full.dh, rtol=1e-12, atol=1e-15)


def test_forward_overflow_is_reported(rng):
    net = vgrad.RNN.orthogonal(1, 4, 1, rng, gain=10.0, activation="identity")
    with pytest.raises(FloatingPointError, match="overflowed at step"):
        net.forward(np.ones((400, 1, 1)))


def test_constructors_hit_prescribed_spectra(rng):
    net = vgrad.RNN.random(3, 20, 2, rng, rho=0.8)
    assert np.isclose(np.max(np.abs(np.linalg.eigvals(net.W_hh))), 0.8, rtol=1e-12)
    net = vgrad.RNN.random(3, 20, 2, rng, sigma_max=1.3)
    assert np.isclose(np.linalg.norm(net.W_hh, 2), 1.3, rtol=1e-12)
    net = vgrad.RNN.identity(2, 5, 1, rng, gain=0.7)
    np.testing.assert_array_equal(net.W_hh, 0.7 * np.eye(5))
    assert net.activation.name == "relu" and net.sizes == (2, 5, 1)
    a = vgrad.RNN.random(3, 6, 2, np.random.default_rng(1), rho=0.9)
    b = vgrad.RNN.random(3, 6, 2, np.random.default_rng(1), rho=0.9)
    np.testing.assert_array_equal(a.W_hh, b.W_hh)


# -- bad input: one test per kind ----------------------------------------------------------


def test_bad_shapes_name_the_argument(rng):
    W = np.eye(3)
    with pytest.raises(ValueError, match="W_hh"):
        vgrad.RNN(np.ones((3, 2)), np.ones((3, 4)), np.zeros(3), np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="W_xh"):
        vgrad.RNN(np.ones((4, 2)), W, np.zeros(3), np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="b_h"):
        vgrad.RNN(np.ones((3, 2)), W, np.zeros(4), np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="b_y"):
        vgrad.RNN(np.ones((3, 2)), W, np.zeros(3), np.ones((1, 3)), np.zeros(2))
    net = vgrad.RNN(np.ones((3, 2)), 0.5 * W, np.zeros(3), np.ones((1, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"xs must have shape \(T, B, d=2\)"):
        net.forward(np.ones((4, 1, 3)))
    with pytest.raises(ValueError, match="xs must have 3 dimensions"):
        net.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="h0"):
        net.forward(np.ones((4, 2, 2)), h0=np.ones((3, 3)))
    tr = net.forward(np.ones((4, 2, 2)))
    with pytest.raises(ValueError, match="dL_dy"):
        net.backward(tr, np.ones((4, 2, 2)))
    with pytest.raises(ValueError, match="k must be <= t"):
        net.jacobian_product(tr, 2, 3)
    with pytest.raises(ValueError, match="t must be <= T"):
        net.jacobian_log_norms(tr, t=9)


def test_bad_dtypes_and_values(rng):
    W = np.eye(2)
    with pytest.raises(TypeError, match="W_hh must have a real floating dtype"):
        vgrad.RNN(np.ones((2, 1)), np.eye(2, dtype=int), np.zeros(2), np.ones((1, 2)), np.zeros(1))
    with pytest.raises(TypeError, match="W_xh"):
        vgrad.RNN(np.ones((2, 1), dtype=complex), W, np.zeros(2), np.ones((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match="W_hh must be finite"):
        vgrad.RNN(
            np.ones((2, 1)),
            np.array([[np.nan, 0], [0, 1]]),
            np.zeros(2),
            np.ones((1, 2)),
            np.zeros(1),
        )
    net = vgrad.RNN(np.ones((2, 1)), 0.5 * W, np.zeros(2), np.ones((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match="xs must be finite"):
        net.forward(np.full((2, 1, 1), np.inf))
    with pytest.raises(TypeError, match="trace must be the RNNTrace"):
        net.backward({"h": 1}, np.zeros((2, 1, 1)))
    tr = net.forward(np.ones((3, 1, 1)))
    with pytest.raises(TypeError, match="truncate must be an integer"):
        net.backward(tr, np.zeros((3, 1, 1)), truncate=2.5)
    with pytest.raises(ValueError, match="truncate must be >= 1"):
        net.backward(tr, np.zeros((3, 1, 1)), truncate=0)
    with pytest.raises(ValueError, match="ord must be one of 2, 'fro'"):
        net.jacobian_log_norms(tr, ord=1)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        vgrad.RNN.random(1, 2, 1, rng=None)
    with pytest.raises(TypeError, match="n must be an integer"):
        vgrad.RNN.random(1, 2.0, 1, rng)
    # orthogonal and identity pass their options on by name: a misspelt one is named, and so
    # is every keyword the function takes.
    for make_net in (vgrad.RNN.orthogonal, vgrad.RNN.identity):
        with pytest.raises(TypeError, match=r"'activaton'.*gain, activation, input_scale"):
            make_net(1, 2, 1, rng, activaton="relu")
    assert vgrad.RNN.identity(1, 2, 1, 0).activation.name == "relu"
    assert vgrad.RNN.identity(1, 2, 1, 0, activation="tanh").activation.name == "tanh"


def test_unknown_activation_name():
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'; expected one of"):
        vgrad.RNN(np.ones((2, 1)), np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1), "gelu")
    with pytest.raises(TypeError, match="activation must be a string"):
        vgrad.get_activation(3)


def test_backward_leaves_the_trace_intact_and_custom_activations_work(rng):
    # backward reuses phi'(a) in place for delta; neither the trace nor a df that returns a
    # read-only view may be touched.
    net = make(vgrad.RNN, rng, 2, 3, 1, activation="tanh")
    tr = net.forward(rng.standard_normal((5, 2, 2)))
    h, a = tr.h.copy(), tr.a.copy()
    net.backward(tr, np.ones((5, 2, 1)))
    np.testing.assert_array_equal(tr.h, h)
    np.testing.assert_array_equal(tr.a, a)
    ident = vgrad.Activation(
        "my_identity", lambda z: z, lambda z: np.broadcast_to(1.0, z.shape), 1.0
    )
    custom = vgrad.RNN(**net.params(), activation=ident)
    builtin = vgrad.RNN(**net.params(), activation="identity")
    xs = rng.standard_normal((4, 2, 2))
    g1 = custom.backward(custom.forward(xs), np.ones((4, 2, 1)))
    g2 = builtin.backward(builtin.forward(xs), np.ones((4, 2, 1)))
    for k in vgrad.rnn.PARAMS:
        np.testing.assert_array_equal(getattr(g1, k), getattr(g2, k))
