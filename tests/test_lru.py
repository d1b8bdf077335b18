"""The LRU: BPTT against finite differences, the run axis, the normalisation and ring
initialisation claims, Jacobians, errors, training; and GELU, its nonlinearity."""

import functools
import math

import numpy as np
import pytest
from conftest import assert_gradient, param_loss, run

import vgrad
from vgrad import LRU, RNN, mse
from vgrad.activations import gelu, gelu_prime
from vgrad.lru import LRUTrace, ring_init
from vgrad.tasks import adding_problem

SHAPES = [(1, 1, 1, 1, 1), (5, 3, 2, 4, 2), (7, 1, 3, 1, 1), (4, 2, 1, 3, 3)]  # T, B, d, n, m


def make(rng, d, n, m, **ring):
    """A random LRU with b_y away from zero, so that no derivative is special by accident."""
    net = LRU.random(d, n, m, rng, **({"r_min": 0.4, "r_max": 0.95} | ring))
    net.b_y[:] = 0.1 * rng.standard_normal(m)
    return net


def complex_normal(rng, shape, scale=0.5):
    return scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))


def _rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


# -- gradients against finite differences ---------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("where", ["all", "last"])
def test_gradients_match_finite_differences(rng, shape, where):
    T, B, d, n, m = shape
    net = make(rng, d, n, m)
    xs = rng.standard_normal((T, B, d))
    h0 = complex_normal(rng, (B, n))
    target = rng.standard_normal((T, B, m) if where == "all" else (B, m))
    _, g = run(net, xs, target, where, h0=h0)
    for name in net.PARAMS:
        f = param_loss(net, name, xs, target, where, h0=h0)
        assert_gradient(f, getattr(net, name), getattr(g, name), name)
    # dh[0] is dL/dRe h_0 + i dL/dIm h_0
    re, im = h0.real.copy(), h0.imag.copy()
    f_re = lambda v: run(net, xs, target, where, h0=v + 1j * im)[0]  # noqa: E731
    f_im = lambda v: run(net, xs, target, where, h0=re + 1j * v)[0]  # noqa: E731
    assert_gradient(f_re, re, g.dh[0].real, "Re dh[0]")
    assert_gradient(f_im, im, g.dh[0].imag, "Im dh[0]")


@pytest.mark.parametrize("r", [0.999, 1.0 - 1e-7])
def test_gradients_near_the_unit_circle(rng, r):
    """|lambda| -> 1: gamma -> 0 and d gamma / d nu = e^nu |lambda|^2 / gamma, still exact."""
    net = make(rng, 2, 3, 1, r_min=r, r_max=r)
    assert np.all(np.abs(np.abs(net.lambda_) - r) < 1e-12)
    xs, target = rng.standard_normal((30, 2, 2)), rng.standard_normal((30, 2, 1))
    _, g = run(net, xs, target)
    for name in ("nu", "theta", "B_re", "C_im"):
        f = param_loss(net, name, xs, target)
        assert_gradient(f, getattr(net, name), g.params()[name], name)


def test_dh_every_step_is_the_total_derivative(rng):
    T, B, d, n, m = 6, 2, 2, 3, 2
    net = make(rng, d, n, m)
    xs, target = rng.standard_normal((T, B, d)), rng.standard_normal((T, B, m))
    tr = net.forward(xs)
    _, dy = mse(tr.y, target)
    g = net.backward(tr, dy)
    conj_C = net.C_re - 1j * net.C_im
    for t in range(1, T):
        # Restart from h_t: the suffix's dh[0] is the path through step t + 1; add a_t's.
        suffix = net.backward(net.forward(xs[t:], tr.h[t]), dy[t:])
        direct = ((dy[t - 1] @ net.W_hy) * gelu_prime(tr.a[t - 1])) @ conj_C
        np.testing.assert_allclose(g.dh[t], suffix.dh[0] + direct, rtol=1e-12, atol=1e-15)
    t, N = 3, dy.size

    def loss_from(h):  # every loss term that depends on h_t
        later = net.forward(xs[t:], h).y
        y_t = gelu(((net.C_re + 1j * net.C_im) @ h.T).real.T + xs[t - 1] @ net.D.T)
        y_t = y_t @ net.W_hy.T + net.b_y
        return float((np.sum((later - target[t:]) ** 2) + np.sum((y_t - target[t - 1]) ** 2)) / N)

    re, im = tr.h[t].real.copy(), tr.h[t].imag.copy()
    assert_gradient(lambda v: loss_from(v + 1j * im), re, g.dh[t].real, "Re dh[3]")
    assert_gradient(lambda v: loss_from(re + 1j * v), im, g.dh[t].imag, "Im dh[3]")


# -- forward contract ---------------------------------------------------------------------------


def test_forward_contract(rng):
    net = make(rng, 3, 4, 2)
    xs = rng.standard_normal((5, 6, 3))
    h0 = complex_normal(rng, 4)
    tr = net.forward(xs, h0)
    assert tr.h.shape == (6, 6, 4) and tr.h.dtype == np.complex128
    assert tr.a.shape == tr.z.shape == (5, 6, 4) and tr.y.shape == (5, 6, 2)
    np.testing.assert_array_equal(tr.h[0], np.broadcast_to(h0, (6, 4)))
    lam = np.exp(-np.exp(net.nu) + 1j * net.theta)
    gamma = np.sqrt(1.0 - np.abs(lam) ** 2)
    B, C = net.B_re + 1j * net.B_im, net.C_re + 1j * net.C_im
    np.testing.assert_allclose(net.lambda_, lam, rtol=1e-15)
    np.testing.assert_allclose(net.gamma, gamma, rtol=1e-14)
    h = tr.h[0]
    for t in range(1, 6):
        h = lam * h + gamma * (xs[t - 1] @ B.T)
        np.testing.assert_allclose(tr.h[t], h, rtol=1e-13, atol=1e-15)
        a = (h @ C.T).real + xs[t - 1] @ net.D.T
        np.testing.assert_allclose(tr.a[t - 1], a, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tr.y[t - 1], gelu(a) @ net.W_hy.T + net.b_y, rtol=1e-12)
    alone = net.forward(xs[:, 2:3], h0)
    np.testing.assert_allclose(alone.h[:, 0], tr.h[:, 2], rtol=1e-13)
    real = net.forward(xs, h0.real)  # a real initial state is the complex one with Im = 0
    np.testing.assert_array_equal(real.h[0], np.broadcast_to(h0.real + 0j, (6, 4)))


def test_random_and_copies(rng):
    net = LRU.random(2, 5, 3, np.random.default_rng(7))
    assert net.sizes == (2, 5, 3) and net.R is None and repr(net) == "LRU(d=2, n=5, m=3)"
    shapes = {"B_re": (5, 2), "B_im": (5, 2), "nu": (5,), "theta": (5,), "C_re": (5, 5)}
    shapes |= {"C_im": (5, 5), "D": (5, 2), "W_hy": (3, 5), "b_y": (3,)}
    assert {k: p.shape for k, p in net.params().items()} == shapes
    nu, theta = ring_init(5, np.random.default_rng(7))  # random draws the ring first
    np.testing.assert_array_equal(net.nu, nu)
    np.testing.assert_array_equal(net.theta, theta)
    again = LRU.random(2, 5, 3, np.random.default_rng(7))
    for k, p in net.params().items():
        np.testing.assert_array_equal(p, again.params()[k])
    twin = net.copy()
    twin.nu[0] += 1.0
    assert twin.nu[0] != net.nu[0]


# -- the run axis -------------------------------------------------------------------------------


@pytest.mark.parametrize("shared", [True, False])
def test_each_run_is_the_network_alone(rng, shared):
    R, T, B, d, n, m = 3, 7, 4, 3, 5, 2
    nets = [make(rng, d, n, m) for _ in range(R)]
    stack = LRU.stack(nets)
    assert stack.R == R and "R=3" in repr(stack)
    xs = rng.standard_normal((T, B, d) if shared else (R, T, B, d))
    h0 = complex_normal(rng, (R, B, n))
    trace = stack.forward(xs, h0)
    G = rng.standard_normal((R, T, B, m))  # loss sum(G * y), a different one per run
    grads = stack.backward(trace, G)
    for r, net in enumerate(nets):
        alone = net.forward(xs if shared else xs[r], h0[r])
        for k in ("h", "a", "z", "y"):
            assert _rel(getattr(trace, k)[r], getattr(alone, k)) < 1e-13, k
        want = net.backward(alone, G[r])
        for k, g in want.params().items():
            assert _rel(getattr(grads, k)[r], g) < 1e-12, k
        assert _rel(grads.dh[r], want.dh) < 1e-12
        for k, p in net.params().items():
            np.testing.assert_array_equal(stack.run(r).params()[k], p)
    stack.keep(np.array([True, False, True]))
    assert stack.R == 2
    np.testing.assert_array_equal(stack.run(1).nu, nets[2].nu)


def test_reuse_of_work_arrays(rng):
    stack = LRU.stack([make(rng, 2, 4, 1) for _ in range(2)])
    xs1, xs2 = rng.standard_normal((2, 6, 3, 2))
    fresh = stack.forward(xs2)
    work = {}
    first = stack.forward(xs1, work=work)
    second = stack.forward(xs2, work=work)
    assert np.shares_memory(first.h, second.h)  # the first trace was overwritten
    np.testing.assert_array_equal(second.h, fresh.h)
    G = rng.standard_normal(second.y.shape)
    got, want = stack.backward(second, G, work=work), stack.backward(fresh, G)
    for k, g in want.params().items():
        np.testing.assert_array_equal(getattr(got, k), g)
    np.testing.assert_array_equal(got.dh, want.dh)


# -- the normalisation and the ring initialisation ------------------------------------------


def test_normalisation_keeps_the_state_power_of_order_one():
    """White-noise input: with gamma, E|h_t|^2 = E|B x|^2 (1 - |lambda|^{2t}), at most the
    input's power, however close |lambda| is to 1; without gamma (the same recurrence, h/gamma
    by linearity) it is E|B x|^2 / (1 - |lambda|^2) in the stationary state."""
    rs = np.array([0.9, 0.99, 0.999])
    n, T, Bsz = len(rs), 6000, 400
    net = LRU.random(1, n, 1, 0)
    net.nu[:] = np.log(-np.log(rs))  # |lambda| = rs, phases from the ring draw
    net.B_re[:] = 1.0 / np.sqrt(2.0)  # |B_j|^2 = 1: E|B x|^2 = 1 for x ~ N(0, 1)
    net.B_im[:] = 1.0 / np.sqrt(2.0)
    xs = np.random.default_rng(1).standard_normal((T, Bsz, 1))
    h = net.forward(xs).h[-1000:]  # stationary: 1 - |lambda|^{2t} < e^-10 for every unit
    power = np.mean(np.abs(h) ** 2, axis=(0, 1))
    # Monte Carlo: 400 sequences x 1000 correlated steps; 15% covers the sampling error here
    np.testing.assert_allclose(power, 1.0, rtol=0.15)
    unnormalised = np.mean(np.abs(h / net.gamma) ** 2, axis=(0, 1))
    np.testing.assert_allclose(unnormalised * (1.0 - rs**2), 1.0, rtol=0.15)
    assert unnormalised[2] > 50 * unnormalised[0]  # 1/(1 - r^2): 5.3, 50.3, 500.3


def test_ring_init_is_uniform_on_the_ring_area():
    N, r_min, r_max, max_phase = 20000, 0.4, 0.9, 3.0
    ring = dict(r_min=r_min, r_max=r_max, max_phase=max_phase)
    nu, theta = ring_init(N, np.random.default_rng(3), **ring)
    r = np.exp(-np.exp(nu))
    assert np.all((r >= r_min) & (r <= r_max))
    assert np.all((theta >= 0) & (theta <= max_phase))
    # Kolmogorov-Smirnov against the area law P(|lambda| <= s) = (s^2 - r_min^2) / (r_max^2 -
    # r_min^2), and the phase against U[0, max_phase]: 1.63/sqrt(N) is the 1% critical value.
    for sample, cdf in (
        (r, lambda s: (s**2 - r_min**2) / (r_max**2 - r_min**2)),
        (theta, lambda s: s / max_phase),
    ):
        s = np.sort(sample)
        ks = np.max(np.abs(cdf(s) - np.arange(1, N + 1) / N))
        assert ks < 1.63 / np.sqrt(N)
    # and not uniform in the radius: the median of |lambda| is sqrt((r_min^2 + r_max^2)/2)
    assert abs(np.median(r) - np.sqrt((r_min**2 + r_max**2) / 2)) < 0.01
    assert abs(np.median(r) - (r_min + r_max) / 2) > 0.03
    # the paper's defaults: the whole disc, phases in [0, 6.28]
    nu, theta = ring_init(N, 5)
    r = np.exp(-np.exp(nu))
    assert r.max() < 1.0 and abs(np.mean(r**2) - 0.5) < 0.01 and theta.max() <= 6.28


# -- Jacobians ----------------------------------------------------------------------------------


def test_step_jacobians_match_finite_differences(rng):
    net = make(rng, 2, 3, 1)
    xs = rng.standard_normal((4, 2, 2))
    tr = net.forward(xs, complex_normal(rng, (2, 3)))
    J = net.step_jacobians(tr)
    assert J.shape == (4, 2, 6, 6)
    t, b, n = 3, 1, 3
    state = np.concatenate([tr.h[t - 1, b].real, tr.h[t - 1, b].imag])
    for row in range(2 * n):  # one row of d(Re h_t, Im h_t)/d(Re h_{t-1}, Im h_{t-1})

        def out(s, row=row):
            h = net.forward(xs[t - 1 : t, b : b + 1], s[:n] + 1j * s[n:]).h[1, 0]
            return np.concatenate([h.real, h.imag])[row]

        assert_gradient(out, state, J[t - 1, b, row], f"J row {row}")
    np.testing.assert_array_equal(J[0], J[3])  # the same at every step and for every input


def test_jacobian_pullback_reproduces_backward_and_log_norms(rng):
    # Loss at step T only: (Re, Im) of dh_T pulled back through the transposed Jacobians.
    net = make(rng, 2, 3, 2)
    T, B = 9, 2
    tr = net.forward(rng.standard_normal((T, B, 2)))
    dy = np.zeros((T, B, 2))
    dy[-1] = rng.standard_normal((B, 2))
    g = net.backward(tr, dy)
    J = net.step_jacobians(tr)
    v = np.concatenate([g.dh[T].real, g.dh[T].imag], axis=1)
    for t in range(T, 0, -1):
        v = np.einsum("bij,bi->bj", J[t - 1], v)
        np.testing.assert_allclose(v[:, :3] + 1j * v[:, 3:], g.dh[t - 1], rtol=1e-12, atol=1e-15)
    # diag(lambda) is normal: ||J^k||_2 = max|lambda|^k, ||J^k||_F^2 = 2 sum |lambda|^{2k}
    k = np.arange(T + 1)
    mod = np.abs(net.lambda_)
    np.testing.assert_allclose(net.jacobian_log_norms(tr)[:, 0], k * np.log(mod.max()), atol=1e-12)
    fro = 0.5 * np.log(2 * np.sum(mod[None, :] ** (2 * k[:, None]), axis=1))
    np.testing.assert_allclose(net.jacobian_log_norms(tr, ord="fro")[:, 1], fro, atol=1e-12)


# -- errors ------------------------------------------------------------------------------------


def test_bad_shapes_name_the_argument():
    n, d, m = 2, 3, 1
    ok = dict(
        B_re=np.ones((n, d)),
        B_im=np.ones((n, d)),
        nu=np.zeros(n),
        theta=np.zeros(n),
        C_re=np.ones((n, n)),
        C_im=np.ones((n, n)),
        D=np.ones((n, d)),
        W_hy=np.ones((m, n)),
        b_y=np.zeros(m),
    )
    bad = {
        "B_re": np.ones((n + 1, d)),
        "B_im": np.ones((n, d + 1)),
        "theta": np.zeros(n + 1),
        "C_re": np.ones((n, n + 1)),
        "C_im": np.ones((n + 1, n)),
        "D": np.ones((n, d - 1)),
        "W_hy": np.ones((m, n + 1)),
        "b_y": np.zeros(m + 1),
    }
    for name, value in bad.items():
        with pytest.raises(ValueError, match=name):
            LRU(**{**ok, name: value})
    with pytest.raises(ValueError, match="nu must have 1 or 2 dimensions"):
        LRU(**{**ok, "nu": np.zeros((1, 1, n))})
    with pytest.raises(ValueError, match=r"nu must have shape \(n,\) or \(R, n\) with n >= 1"):
        LRU(**{**ok, "nu": np.zeros(0)})
    with pytest.raises(ValueError, match="theta must be finite"):
        LRU(**{**ok, "theta": np.array([0.0, np.nan])})
    with pytest.raises(TypeError, match="C_im must have a real floating dtype"):
        LRU(**{**ok, "C_im": np.ones((n, n), dtype=complex)})
    net = LRU(**ok)
    with pytest.raises(ValueError, match=r"xs must have shape \(T, B, d=3\)"):
        net.forward(np.ones((4, 1, 2)))
    with pytest.raises(ValueError, match="at least one step"):
        net.forward(np.ones((0, 1, 3)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 2\) or \(2,\)"):
        net.forward(np.ones((4, 2, 3)), h0=np.ones(3))
    with pytest.raises(ValueError, match=r"h0\.real must have shape \(2, 2\) or \(2,\)"):
        net.forward(np.ones((4, 2, 3)), h0=np.ones(3, dtype=complex))
    with pytest.raises(ValueError, match=r"h0\.real must be finite"):
        net.forward(np.ones((4, 2, 3)), h0=np.array([np.nan, 1j]))
    tr = net.forward(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="dL_dy must have shape"):
        net.backward(tr, np.ones((4, 2, 2)))
    with pytest.raises(ValueError, match="t must be <= T=4"):
        net.jacobian_log_norms(tr, t=5)
    with pytest.raises(ValueError, match="different hidden size"):
        LRU.random(3, 5, 1, 0).step_jacobians(tr)
    with pytest.raises(TypeError, match="trace must be the LRUTrace"):
        net.backward(RNN.random(3, 2, 1, 0).forward(np.ones((2, 1, 3))), np.zeros((2, 1, 1)))
    stack = LRU.stack([net, net])
    with pytest.raises(ValueError, match="step_jacobians takes one network"):
        stack.step_jacobians(stack.forward(np.ones((4, 2, 3))))
    with pytest.raises(TypeError, match=r"nets\[1\] must be a vgrad LRU"):
        LRU.stack([net, RNN.random(3, 2, 1, 0)])


def test_bad_ring_arguments():
    with pytest.raises(ValueError, match="r_min must be >= 0"):
        LRU.random(1, 2, 1, 0, r_min=-0.1)
    with pytest.raises(ValueError, match="r_max must be > 0"):
        LRU.random(1, 2, 1, 0, r_max=0.0)
    with pytest.raises(
        ValueError, match=r"need 0 <= r_min <= r_max <= 1, r_min < 1; got 0\.9, 0\.5"
    ):
        LRU.random(1, 2, 1, 0, r_min=0.9, r_max=0.5)
    with pytest.raises(ValueError, match=r"got 0\.0, 1\.5"):
        LRU.random(1, 2, 1, 0, r_max=1.5)
    with pytest.raises(ValueError, match="max_phase must be finite"):
        LRU.random(1, 2, 1, 0, max_phase=np.inf)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        LRU.random(1, 2, 1, rng=None)
    with pytest.raises(TypeError, match="n must be an integer"):
        LRU.random(1, 2.0, 1, 0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        LRU.random(1, 2, 1, 0, rho=0.9)
    with pytest.raises(ValueError, match=r"r_min < 1; got 1\.0, 1\.0"):  # nu would be -inf
        ring_init(3, 0, r_min=1.0, r_max=1.0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        ring_init(0, 0)
    with pytest.raises(TypeError, match="n must be an integer"):
        ring_init(2.5, 0)


def test_complex_initial_state_as_nested_lists(rng):
    net = make(rng, 3, 2, 1)
    xs = rng.standard_normal((2, 1, 3))
    want = net.forward(xs, np.array([0.5j, 1.0 - 2j])).h
    np.testing.assert_array_equal(net.forward(xs, [0.5j, 1.0 - 2j]).h, want)
    np.testing.assert_array_equal(net.forward(xs, [1, 2]).h[0], [[1.0, 2.0]])  # ints, as before
    with pytest.raises(ValueError, match="h0 must be a rectangular array"):
        net.forward(xs, [[1j], [1j, 2.0]])


def test_nu_gradient_is_zero_not_nan_once_exp_nu_overflows(rng):
    """nu = 720: e^nu overflows, lambda = 0 and gamma = 1 exactly, and dL/dnu is 0."""
    net = make(rng, 2, 3, 1)
    net.nu[0] = 720.0
    with np.errstate(over="ignore"):
        tr = net.forward(rng.standard_normal((4, 2, 2)))
        g = net.backward(tr, rng.standard_normal((4, 2, 1)))
        assert net.lambda_[0] == 0 and net.gamma[0] == 1.0 and g.nu[0] == 0.0
    assert all(np.isfinite(v).all() for v in g.params().values())


# -- training -----------------------------------------------------------------------------------


def test_training_decreases_the_loss():
    task = functools.partial(adding_problem, 20)
    net = LRU.random(2, 16, 1, 0, r_min=0.5, r_max=0.99)
    result = vgrad.train(net, task, steps=150, lr=3e-3, batch=32, rng=0, optimizer="adam")
    assert isinstance(result.net, LRU) and not result.diverged
    assert result.loss[-20:].mean() < 0.5 * result.loss[:10].mean()


def test_train_of_many_lrus_is_train_run_by_run():
    task = functools.partial(adding_problem, 12)
    nets = [LRU.random(2, 6, 1, s, r_min=0.5, r_max=0.99) for s in range(3)]
    opts = ["adam", "sgd", "rmsprop"]
    clips, lrs = [("norm", 1.0), ("value", 0.05), None], [3e-3, 0.05, 1e-3]
    kw = dict(steps=10, batch=8, profile_every=4)
    many = vgrad.train(nets, task, lr=lrs, rng=[1, 2, 3], clip=clips, optimizer=opts, **kw)
    for r, net in enumerate(nets):
        one = vgrad.train(net, task, lr=lrs[r], rng=1 + r, clip=clips[r], optimizer=opts[r], **kw)
        for field in ("loss", "grad_norm", "grad_norm_clipped", "profiles"):
            assert _rel(getattr(many[r], field), getattr(one, field)) < 1e-12, (r, field)
        for k, p in one.net.params().items():
            assert _rel(many[r].net.params()[k], p) < 1e-12, (r, k)


# -- GELU ---------------------------------------------------------------------------------------


def test_gelu_and_its_derivative():
    z = np.linspace(-8, 8, 16001)
    exact = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in z])
    assert np.max(np.abs(gelu(z) - exact)) < 1e-3  # the tanh form of z Phi(z)
    num = (gelu(z + 1e-6) - gelu(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(gelu_prime(z), num, rtol=1e-7, atol=1e-9)
    dense = gelu_prime(np.linspace(-50, 50, 1_000_001))
    assert -0.13 < dense.min() < -0.128 and 1.128 < dense.max() < 1.13
    assert gelu(0.0) == 0.0 and gelu_prime(0.0) == 0.5


def test_trace_type():
    net = LRU.random(1, 2, 1, 0)
    assert isinstance(net.forward(np.ones((2, 1, 1))), LRUTrace)
