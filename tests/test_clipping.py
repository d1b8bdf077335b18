"""Norm clipping keeps the direction; value clipping rotates; neither lengthens a gradient."""

import numpy as np
import pytest

import vgrad


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_norm_clipping_keeps_direction_and_hits_threshold(rng):
    g = 1e3 * rng.standard_normal(50)
    clipped, norm = vgrad.clip_by_norm(g, 5.0)
    assert norm == pytest.approx(np.linalg.norm(g), rel=1e-14)
    assert np.linalg.norm(clipped) == pytest.approx(5.0, rel=1e-14)
    assert cosine(g, clipped) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("ratio", [1.0 + 1e-9, 1.01, 1.5, 1.99])
def test_norm_just_above_threshold_is_clipped(rng, ratio):
    # tau < ||g|| < 2 tau: a clip that fired only above 2 tau (or rescaled by another factor)
    # would return g unchanged here, or with the wrong norm.
    tau = 3.0
    u = rng.standard_normal((4, 5))
    g = [ratio * tau * u / np.linalg.norm(u)]
    (clipped,), norm = vgrad.clip_by_norm(g, tau)
    assert tau < norm < 2 * tau
    assert norm == pytest.approx(ratio * tau, rel=1e-14)
    assert np.linalg.norm(clipped) == pytest.approx(tau, rel=1e-14)
    np.testing.assert_allclose(clipped, g[0] / ratio, rtol=1e-14)


def test_below_threshold_is_returned_bit_for_bit(rng):
    g = [rng.standard_normal((3, 3)), rng.standard_normal(3)]
    clipped, norm = vgrad.clip_by_norm(g, 100.0)
    assert norm < 100
    for a, b in zip(g, clipped, strict=True):
        assert a.tobytes() == b.tobytes()


def test_value_clipping_rotates():
    g = np.array([100.0, 1.0])
    clipped, norm = vgrad.clip_by_value(g, 5.0)
    np.testing.assert_array_equal(clipped, [5.0, 1.0])
    assert norm == pytest.approx(np.hypot(100, 1))
    angle = np.degrees(np.arccos(cosine(g, clipped)))
    assert angle > 10  # from 0.57 degrees off the x-axis to 11.3 degrees
    np.testing.assert_allclose(angle, np.degrees(np.arctan(1 / 5) - np.arctan(1 / 100)), rtol=1e-12)


def test_global_norm_over_rnn_gradients_and_huge_values(rng):
    net = vgrad.RNN.random(2, 4, 1, rng, rho=1.0)
    tr = net.forward(rng.standard_normal((5, 3, 2)))
    _, dy = vgrad.mse(tr.y, np.ones((5, 3, 1)))
    g = net.backward(tr, dy)
    want = np.sqrt(sum(np.sum(v**2) for v in g.params().values()))
    assert vgrad.global_norm(g) == pytest.approx(want, rel=1e-14)
    clipped, norm = vgrad.clip_by_norm(g, want / 10)
    assert norm == pytest.approx(want, rel=1e-14)
    assert isinstance(clipped, vgrad.RNNGradients)
    assert vgrad.global_norm(clipped) == pytest.approx(want / 10, rel=1e-13)
    assert clipped.dh is g.dh  # dh is not a parameter gradient: passed through
    for k, v in clipped.params().items():
        np.testing.assert_allclose(v, g.params()[k] / 10, rtol=1e-13)
    huge = [np.array([3e200, 4e200])]
    assert vgrad.global_norm(huge) == pytest.approx(5e200, rel=1e-14)  # no overflow in squares


def test_clipping_cannot_grow_a_vanished_gradient():
    tiny = np.array([3e-30, -4e-30])
    for fn, arg in ((vgrad.clip_by_norm, 1.0), (vgrad.clip_by_value, 1.0)):
        clipped, norm = fn(tiny, arg)
        np.testing.assert_array_equal(clipped, tiny)
        assert norm == pytest.approx(5e-30)


def test_clipping_errors():
    with pytest.raises(ValueError, match="threshold must be > 0"):
        vgrad.clip_by_norm(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="limit must be > 0"):
        vgrad.clip_by_value(np.ones(2), -1.0)
    with pytest.raises(ValueError, match=r"grads\[1\] contains NaN or inf"):
        vgrad.clip_by_norm([np.ones(2), np.array([np.nan])], 1.0)
    with pytest.raises(TypeError, match="grads must be a vgrad gradients object"):
        vgrad.clip_by_norm({"a": np.ones(2)}, 1.0)
    with pytest.raises(TypeError, match=r"grads\[0\] must be an ndarray"):
        vgrad.clip_by_norm([[1.0, 2.0]], 1.0)
    with pytest.raises(TypeError, match="grads must have a real floating dtype"):
        vgrad.clip_by_norm(np.ones(2, dtype=int), 1.0)


def test_gated_gradients_are_clipped_jointly(rng):
    net = vgrad.LSTM.random(2, 3, 1, rng)
    tr = net.forward(rng.standard_normal((4, 2, 2)))
    _, dy = vgrad.mse(tr.y, np.ones((4, 2, 1)))
    g = net.backward(tr, dy)
    clipped, norm = vgrad.clip_by_norm(g, 1e-3)
    assert isinstance(clipped, vgrad.LSTMGradients)
    assert norm == pytest.approx(vgrad.global_norm(list(g.params().values())), rel=1e-14)
    assert vgrad.global_norm(clipped) == pytest.approx(1e-3, rel=1e-12)
    assert clipped.dh is g.dh and clipped.dc is g.dc
