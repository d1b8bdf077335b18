"""LSTM and GRU: BPTT against finite differences, total state gradients, Jacobians, errors."""

import numpy as np
import pytest
from conftest import assert_gradient, make, param_loss, run

from vgrad import RNN, mse
from vgrad.gru import GRU, GRUTrace
from vgrad.lstm import LSTM, LSTMTrace

SHAPES = [(1, 1, 1, 1, 1), (5, 3, 2, 4, 2), (7, 1, 3, 1, 1), (4, 2, 1, 3, 3)]  # T, B, d, n, m
PARAMS = ("W_x", "W_h", "b", "W_hy", "b_y")


# -- gradients against finite differences ---------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("where", ["all", "last"])
def test_lstm_gradients_match_finite_differences(rng, shape, where):
    T, B, d, n, m = shape
    net = make(LSTM, rng, d, n, m)
    xs = rng.standard_normal((T, B, d))
    h0, c0 = 0.5 * rng.standard_normal((2, B, n))
    target = rng.standard_normal((T, B, m) if where == "all" else (B, m))
    _, g = run(net, xs, target, where, h0=h0, c0=c0)
    for name in PARAMS:
        f = param_loss(net, name, xs, target, where, h0=h0, c0=c0)
        assert_gradient(f, getattr(net, name), getattr(g, name), name)
    assert_gradient(lambda h: run(net, xs, target, where, h0=h, c0=c0)[0], h0, g.dh[0], "dh[0]")
    assert_gradient(lambda c: run(net, xs, target, where, h0=h0, c0=c)[0], c0, g.dc[0], "dc[0]")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("where", ["all", "last"])
def test_gru_gradients_match_finite_differences(rng, shape, where):
    T, B, d, n, m = shape
    net = make(GRU, rng, d, n, m)
    xs = rng.standard_normal((T, B, d))
    h0 = 0.5 * rng.standard_normal((B, n))
    target = rng.standard_normal((T, B, m) if where == "all" else (B, m))
    _, g = run(net, xs, target, where, h0=h0)
    for name in PARAMS:
        f = param_loss(net, name, xs, target, where, h0=h0)
        assert_gradient(f, getattr(net, name), getattr(g, name), name)
    assert_gradient(lambda h: run(net, xs, target, where, h0=h)[0], h0, g.dh[0], "dh[0]")


def test_lstm_dh_dc_every_step_are_total_derivatives(rng):
    T, B, d, n, m = 6, 2, 2, 3, 2
    net = make(LSTM, rng, d, n, m)
    xs = rng.standard_normal((T, B, d))
    target = rng.standard_normal((T, B, m))
    tr = net.forward(xs)
    _, dy = mse(tr.y, target)
    g = net.backward(tr, dy)
    for t in range(1, T):
        # Restart from (h_t, c_t): the suffix's dh[0], dc[0] are the paths through step t+1.
        suffix = net.backward(net.forward(xs[t:], tr.h[t], tr.c[t]), dy[t:])
        want_h = suffix.dh[0] + dy[t - 1] @ net.W_hy
        np.testing.assert_allclose(g.dh[t], want_h, rtol=1e-12, atol=1e-15)
        # c_t also reaches the loss through h_t = o_t tanh(c_t): the total derivative adds it.
        through_h = want_h * tr.o[t - 1] * (1.0 - np.tanh(tr.c[t]) ** 2)
        np.testing.assert_allclose(g.dc[t], suffix.dc[0] + through_h, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g.dh[T], dy[T - 1] @ net.W_hy, rtol=1e-15)
    N = dy.size
    t = 3

    def loss_from(h, c):  # every loss term that depends on the state at step t
        later = net.forward(xs[t:], h, c).y
        y_t = h @ net.W_hy.T + net.b_y
        return float((np.sum((later - target[t:]) ** 2) + np.sum((y_t - target[t - 1]) ** 2)) / N)

    # dL/dc_t holding nothing fixed: h_t moves with c_t.
    h_of_c = lambda c: tr.o[t - 1] * np.tanh(c)  # noqa: E731
    assert_gradient(lambda c: loss_from(h_of_c(c), c), tr.c[t], g.dc[t], "dc[3]")
    assert_gradient(lambda h: loss_from(h, tr.c[t]), tr.h[t], g.dh[t], "dh[3]")


def test_gru_dh_every_step_is_total_derivative(rng):
    T, B, d, n, m = 6, 2, 2, 3, 2
    net = make(GRU, rng, d, n, m)
    xs = rng.standard_normal((T, B, d))
    target = rng.standard_normal((T, B, m))
    tr = net.forward(xs)
    _, dy = mse(tr.y, target)
    g = net.backward(tr, dy)
    for t in range(1, T):
        suffix = net.backward(net.forward(xs[t:], tr.h[t]), dy[t:])
        np.testing.assert_allclose(
            g.dh[t], suffix.dh[0] + dy[t - 1] @ net.W_hy, rtol=1e-12, atol=1e-15
        )
    t, N = 2, dy.size

    def f(h):
        later = net.forward(xs[t:], h).y
        y_t = h @ net.W_hy.T + net.b_y
        return float((np.sum((later - target[t:]) ** 2) + np.sum((y_t - target[t - 1]) ** 2)) / N)

    assert_gradient(f, tr.h[t], g.dh[t], "dh[2]")


# -- forward contract -------------------------------------------------------------------------


def sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_lstm_forward_contract(rng):
    net = make(LSTM, rng, 3, 4, 2)
    xs = rng.standard_normal((5, 6, 3))
    tr = net.forward(xs, c0=np.ones(4))
    assert tr.h.shape == tr.c.shape == (6, 6, 4)
    assert tr.a.shape == tr.gates.shape == (5, 6, 16) and tr.y.shape == (5, 6, 2)
    np.testing.assert_array_equal(tr.h[0], 0.0)
    np.testing.assert_array_equal(tr.c[0], 1.0)
    Wi, Wf, Wg, Wo = np.split(net.W_h, 4)
    Ui, Uf, Ug, Uo = np.split(net.W_x, 4)
    bi, bf, bg, bo = np.split(net.b, 4)
    for t in range(1, 6):
        x, h = xs[t - 1], tr.h[t - 1]
        i = sig(x @ Ui.T + h @ Wi.T + bi)
        f = sig(x @ Uf.T + h @ Wf.T + bf)
        g = np.tanh(x @ Ug.T + h @ Wg.T + bg)
        o = sig(x @ Uo.T + h @ Wo.T + bo)
        c = f * tr.c[t - 1] + i * g
        # A pre-activation is a sum, computed in one fused product: its rounding error scales
        # with its terms, and a gate's with that (slopes <= 1), not with a cancelled sum.
        for got, want, U, W, b in (
            (tr.i, i, Ui, Wi, bi),
            (tr.f, f, Uf, Wf, bf),
            (tr.g, g, Ug, Wg, bg),
            (tr.o, o, Uo, Wo, bo),
        ):
            terms = np.abs(x) @ np.abs(U.T) + np.abs(h) @ np.abs(W.T) + np.abs(b)
            assert np.all(np.abs(got[t - 1] - want) <= 1e-13 * (np.abs(want) + terms))
        # c_t is a sum: its error scales with its terms (gates from one tanh are exact to a
        # few 1e-16 absolute, vgrad.activations._sigmoid_from_tanh), not with a cancelled sum.
        scale = np.abs(f * tr.c[t - 1]) + np.abs(i * g)
        assert np.all(np.abs(tr.c[t] - c) <= 1e-13 * scale)
        np.testing.assert_allclose(tr.h[t], o * np.tanh(tr.c[t]), rtol=1e-13)
        np.testing.assert_allclose(tr.y[t - 1], tr.h[t] @ net.W_hy.T + net.b_y, rtol=1e-13)
    alone = net.forward(xs[:, 2:3], c0=np.ones(4))
    np.testing.assert_allclose(alone.c[:, 0], tr.c[:, 2], rtol=1e-13)


def test_gru_forward_contract(rng):
    net = make(GRU, rng, 3, 4, 2)
    xs = rng.standard_normal((5, 6, 3))
    h0 = 0.3 * rng.standard_normal(4)
    tr = net.forward(xs, h0)
    assert tr.h.shape == (6, 6, 4) and tr.gates.shape == (5, 6, 12) and tr.y.shape == (5, 6, 2)
    Wz, Wr, Wn = np.split(net.W_h, 3)
    Uz, Ur, Un = np.split(net.W_x, 3)
    bz, br, bn = np.split(net.b, 3)
    np.testing.assert_array_equal(tr.h[0], np.broadcast_to(h0, (6, 4)))
    for t in range(1, 6):
        x, h = xs[t - 1], tr.h[t - 1]
        z = sig(x @ Uz.T + h @ Wz.T + bz)
        r = sig(x @ Ur.T + h @ Wr.T + br)
        h_tilde = np.tanh(x @ Un.T + (r * h) @ Wn.T + bn)  # reset applied before W_h
        np.testing.assert_allclose(tr.z[t - 1], z, rtol=1e-13)
        np.testing.assert_allclose(tr.r[t - 1], r, rtol=1e-13)
        np.testing.assert_allclose(tr.h_tilde[t - 1], h_tilde, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(tr.h[t], (1 - z) * h_tilde + z * h, rtol=1e-13, atol=1e-16)
    alone = net.forward(xs[:, 4:5], h0)
    np.testing.assert_allclose(alone.h[:, 0], tr.h[:, 4], rtol=1e-13)


def test_random_constructors(rng):
    lstm = LSTM.random(2, 5, 3, np.random.default_rng(7), forget_bias=3.0)
    assert lstm.sizes == (2, 5, 3) and lstm.W_x.shape == (20, 2) and lstm.W_h.shape == (20, 5)
    np.testing.assert_array_equal(lstm.b, np.r_[np.zeros(5), np.full(5, 3.0), np.zeros(10)])
    again = LSTM.random(2, 5, 3, np.random.default_rng(7), forget_bias=3.0)
    np.testing.assert_array_equal(lstm.W_h, again.W_h)
    gru = GRU.random(2, 5, 3, rng, update_bias=2.0)
    assert gru.sizes == (2, 5, 3) and gru.W_h.shape == (15, 5)
    np.testing.assert_array_equal(gru.b, np.r_[np.full(5, 2.0), np.zeros(10)])
    for net in (lstm, gru):  # copies are independent
        twin = net.copy()
        twin.W_h[0, 0] += 1.0
        assert twin.W_h[0, 0] != net.W_h[0, 0]
        assert repr(net).startswith(type(net).__name__ + "(d=2, n=5, m=3")


# -- Jacobians ---------------------------------------------------------------------------------


def test_lstm_step_jacobian_matches_finite_differences(rng):
    net = make(LSTM, rng, 2, 3, 1)
    xs = rng.standard_normal((4, 2, 2))
    tr = net.forward(xs, 0.5 * rng.standard_normal((2, 3)), 0.5 * rng.standard_normal((2, 3)))
    J = net.step_jacobians(tr)
    assert J.shape == (4, 2, 6, 6)
    t, b, n = 3, 1, 3
    state = np.concatenate([tr.h[t - 1, b], tr.c[t - 1, b]])
    for row in range(2 * n):  # one row of d(h_t, c_t)/d(h_{t-1}, c_{t-1}) at a time

        def out(s, row=row):
            step = net.forward(xs[t - 1 : t, b : b + 1], s[:n], s[n:])
            return np.concatenate([step.h[1, 0], step.c[1, 0]])[row]

        assert_gradient(out, state, J[t - 1, b, row], f"J row {row}")
    # the cell block is exactly diag(f_t), and so is the cell path
    f = net.cell_path_jacobians(tr)
    np.testing.assert_array_equal(f, tr.f)
    for s in range(4):
        np.testing.assert_array_equal(J[s][:, n:, n:], f[s][:, :, None] * np.eye(n))


def test_gru_step_jacobian_matches_finite_differences(rng):
    net = make(GRU, rng, 2, 4, 1)
    xs = rng.standard_normal((3, 2, 2))
    tr = net.forward(xs, 0.5 * rng.standard_normal((2, 4)))
    J = net.step_jacobians(tr)
    assert J.shape == (3, 2, 4, 4)
    t, b = 2, 0
    for row in range(4):

        def out(h, row=row):
            return net.forward(xs[t - 1 : t, b : b + 1], h).h[1, 0, row]

        assert_gradient(out, tr.h[t - 1, b], J[t - 1, b, row], f"J row {row}")
    np.testing.assert_array_equal(net.direct_path_jacobians(tr), tr.z)


def test_lstm_jacobian_product_reproduces_backward(rng):
    # Loss at step T only. (dL/dh_T, 0) pulled back through the transposed state Jacobians
    # gives dh exactly and the part of dc that is not routed through h_t.
    net = make(LSTM, rng, 2, 3, 2)
    T, B, n = 8, 2, 3
    tr = net.forward(rng.standard_normal((T, B, 2)), c0=rng.standard_normal((B, n)))
    dy = np.zeros((T, B, 2))
    dy[-1] = rng.standard_normal((B, 2))
    g = net.backward(tr, dy)
    J = net.step_jacobians(tr)
    v = np.concatenate([g.dh[T], np.zeros((B, n))], axis=1)
    for t in range(T, -1, -1):
        dc_partial = g.dc[t] - (g.dh[t] * tr.o[t - 1] * (1 - np.tanh(tr.c[t]) ** 2) if t else 0)
        np.testing.assert_allclose(v[:, :n], g.dh[t], rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(v[:, n:], dc_partial, rtol=1e-11, atol=1e-15)
        if t:
            v = np.einsum("bij,bi->bj", J[t - 1], v)
    np.testing.assert_allclose(v[:, n:], g.dc[0], rtol=1e-11)  # at t = 0 they coincide


def test_gru_jacobian_product_reproduces_backward(rng):
    net = make(GRU, rng, 2, 3, 2)
    T, B = 8, 2
    tr = net.forward(rng.standard_normal((T, B, 2)))
    dy = np.zeros((T, B, 2))
    dy[-1] = rng.standard_normal((B, 2))
    g = net.backward(tr, dy)
    J = net.step_jacobians(tr)
    v = g.dh[T]
    for t in range(T, 0, -1):
        v = np.einsum("bij,bi->bj", J[t - 1], v)
        np.testing.assert_allclose(v, g.dh[t - 1], rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_log_norms_match_explicit_products(rng, cls):
    net = make(cls, rng, 2, 3, 1)
    T = 12
    tr = net.forward(rng.standard_normal((T, 2, 2)))
    J = net.step_jacobians(tr)
    for ord_ in (2, "fro"):
        ln = net.jacobian_log_norms(tr, ord=ord_)
        assert ln.shape == (T + 1, 2)
        P = np.broadcast_to(np.eye(J.shape[-1]), J.shape[1:]).copy()
        for k in range(T + 1):
            want = np.log(np.linalg.norm(P, ord=ord_, axis=(1, 2)))
            np.testing.assert_allclose(ln[k], want, rtol=1e-10, atol=1e-12)
            if k < T:
                P = P @ J[T - 1 - k]
    # an earlier end point is the same sweep started there
    np.testing.assert_allclose(
        net.jacobian_log_norms(tr, t=5)[1],
        np.log(np.linalg.norm(J[4], ord=2, axis=(1, 2))),
        rtol=1e-12,
    )


def test_cell_path_log_gains_are_exact_and_never_underflow(rng):
    net = make(LSTM, rng, 2, 3, 1)
    tr = net.forward(rng.standard_normal((6, 2, 2)))
    gains = net.cell_path_log_gains(tr)
    assert gains.shape == (7, 2, 3)
    for k in range(7):
        np.testing.assert_allclose(gains[k], np.log(np.prod(tr.f[6 - k :], axis=0)), rtol=1e-12)
    np.testing.assert_allclose(net.cell_path_log_gains(tr, t=4)[2], np.log(tr.f[3] * tr.f[2]))
    # A gate shut to sigma(-800) = e^-800 is 0 in float64, but its log is -800.
    net.b[3:6] = -800.0
    net.W_x[3:6] = 0.0
    net.W_h[3:6] = 0.0
    tr = net.forward(rng.standard_normal((5, 1, 2)))
    assert np.all(tr.f == 0.0)
    np.testing.assert_allclose(net.cell_path_log_gains(tr)[5], -4000.0, rtol=1e-15)
    gru = make(GRU, rng, 2, 3, 1)
    gru.b[:3] = 5.0
    tr = gru.forward(rng.standard_normal((4, 2, 2)))
    np.testing.assert_allclose(
        gru.direct_path_log_gains(tr)[4], np.log(np.prod(tr.z, axis=0)), rtol=1e-12
    )


def test_forget_gate_one_carries_the_gradient_unchanged(rng):
    # With W_h = 0 the only route from c_T back to c_0 is the cell path; a forget gate of
    # exactly 1 (sigma(40) rounds to 1) passes dL/dc_T to c_0 without loss, for any T.
    net = LSTM.random(2, 3, 1, rng, forget_bias=40.0)
    net.W_h[:] = 0.0
    net.W_x[:6] = 0.0
    net.b[:3] = -40.0  # input gate shut, so c_t stays at c_0 and tanh(c_t) is not saturated
    T = 300
    tr = net.forward(rng.standard_normal((T, 2, 2)), c0=rng.standard_normal((2, 3)))
    assert np.all(tr.f == 1.0)
    dy = np.zeros((T, 2, 1))
    dy[-1] = 1.0
    g = net.backward(tr, dy)
    np.testing.assert_array_equal(g.dc[0], g.dc[T])
    assert np.all(g.dh[:T] == 0.0) and np.all(g.dc[0] != 0.0)
    # and the same cell with the vanilla recursion's factor instead: sigma(b_f)^T
    net.b[3:6] = 1.0
    tr = net.forward(tr.xs, c0=tr.c[0])
    g = net.backward(tr, dy)
    ratio = g.dc[0] / g.dc[T]
    np.testing.assert_allclose(ratio, 1.0 / (1.0 + np.exp(-1.0)) ** T, rtol=1e-10)


# -- bad input: one test per kind --------------------------------------------------------------


@pytest.mark.parametrize("cls, G", [(LSTM, 4), (GRU, 3)])
def test_bad_shapes_name_the_argument(cls, G):
    n, d, m = 2, 3, 1
    ok = dict(
        W_x=np.ones((G * n, d)),
        W_h=np.ones((G * n, n)),
        b=np.zeros(G * n),
        W_hy=np.ones((m, n)),
        b_y=np.zeros(m),
    )
    bad = {
        "W_h": np.ones((G * n + 1, n)),
        "W_x": np.ones((G * n - 1, d)),
        "b": np.zeros(n),
        "W_hy": np.ones((m, n + 1)),
        "b_y": np.zeros(m + 1),
    }
    for name, value in bad.items():
        with pytest.raises(ValueError, match=name):
            cls(**{**ok, name: value})
    net = cls(**ok)
    with pytest.raises(ValueError, match=r"xs must have shape \(T, B, d=3\)"):
        net.forward(np.ones((4, 1, 2)))
    with pytest.raises(ValueError, match="xs must have 3 dimensions"):
        net.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="at least one step"):
        net.forward(np.ones((0, 1, 3)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 2\) or \(2,\)"):
        net.forward(np.ones((4, 2, 3)), h0=np.ones(3))
    tr = net.forward(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="dL_dy must have shape"):
        net.backward(tr, np.ones((4, 2, 2)))
    with pytest.raises(ValueError, match="t must be <= T=4"):
        net.jacobian_log_norms(tr, t=5)
    other = cls.random(3, 5, 1, 0)
    with pytest.raises(ValueError, match="different hidden size"):
        other.step_jacobians(tr)


def test_lstm_bad_cell_state():
    net = LSTM.random(1, 2, 1, 0)
    with pytest.raises(ValueError, match=r"c0 must have shape \(3, 2\)"):
        net.forward(np.ones((2, 3, 1)), c0=np.ones((2, 2)))
    with pytest.raises(ValueError, match="c0 must be finite"):
        net.forward(np.ones((2, 3, 1)), c0=np.array([np.nan, 0.0]))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bad_types_and_values(cls):
    net = cls.random(1, 2, 1, 0)
    with pytest.raises(TypeError, match="W_h must have a real floating dtype"):
        cls(net.W_x, net.W_h.astype(int), net.b, net.W_hy, net.b_y)
    with pytest.raises(ValueError, match="b must be finite"):
        cls(net.W_x, net.W_h, np.full_like(net.b, np.inf), net.W_hy, net.b_y)
    with pytest.raises(ValueError, match="xs must be finite"):
        net.forward(np.full((2, 1, 1), np.nan))
    with pytest.raises(TypeError, match=f"trace must be the {cls.__name__}Trace"):
        net.backward(RNN.random(1, 2, 1, 0).forward(np.ones((2, 1, 1))), np.zeros((2, 1, 1)))
    tr = net.forward(np.ones((3, 1, 1)))
    with pytest.raises(ValueError, match="ord must be one of 2, 'fro'"):
        net.jacobian_log_norms(tr, ord=1)
    with pytest.raises(TypeError, match="t must be an integer"):
        net.jacobian_log_norms(tr, t=1.5)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        cls.random(1, 2, 1, rng=None)
    with pytest.raises(TypeError, match="n must be an integer"):
        cls.random(1, 2.0, 1, 0)
    with pytest.raises(ValueError, match="recurrent_scale must be >= 0"):
        cls.random(1, 2, 1, 0, recurrent_scale=-1.0)
    with pytest.raises(ValueError, match="input_scale must be >= 0"):
        cls.random(1, 2, 1, 0, input_scale=-1.0)
    with pytest.raises(TypeError, match=r"'recurent_scale'.*input_scale, recurrent_scale"):
        cls.random(1, 2, 1, 0, recurent_scale=1.0)  # the scales are named keywords
    bias = "forget_bias" if cls is LSTM else "update_bias"
    with pytest.raises(ValueError, match=f"{bias} must be finite"):
        cls.random(1, 2, 1, 0, **{bias: np.inf})


def test_trace_types_are_distinct():
    lstm, gru = LSTM.random(1, 2, 1, 0), GRU.random(1, 2, 1, 0)
    xs = np.ones((2, 1, 1))
    assert isinstance(lstm.forward(xs), LSTMTrace) and isinstance(gru.forward(xs), GRUTrace)
    with pytest.raises(TypeError, match="trace must be the GRUTrace"):
        gru.direct_path_jacobians(lstm.forward(xs))
    with pytest.raises(TypeError, match="trace must be the LSTMTrace"):
        lstm.cell_path_log_gains(gru.forward(xs))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_run_first_traces_name_their_gates(rng, cls):
    """The gate properties of a batched trace (run axis first) are each run's gates."""
    T, B, d, n, m, R = 5, 3, 2, 4, 1, 3
    nets = [cls.random(d, n, m, seed) for seed in range(R)]
    xs = rng.standard_normal((T, B, d))
    runs = cls.stack(nets).forward(xs)
    for r, net in enumerate(nets):
        one = net.forward(xs)
        for gate in cls.GATES:
            assert getattr(runs, gate).shape == (R, T, B, n)
            np.testing.assert_allclose(getattr(runs, gate)[r], getattr(one, gate), atol=1e-14)
