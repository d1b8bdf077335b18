"""Tests for vgrad.gradcheck: it must accept correct gradients at every scale and catch
wrong ones, and say when it could not resolve anything."""

from __future__ import annotations

import numpy as np
import pytest

from vgrad.gradcheck import GradCheck, check_directional, check_gradient, numerical_gradient


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(7).standard_normal((3, 4))


def test_numerical_gradient_of_known_functions(x):
    np.testing.assert_allclose(
        numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x), rtol=1e-9
    )
    A = np.random.default_rng(1).standard_normal((4, 4))
    q = lambda v: 0.5 * float(v @ A @ v)  # noqa: E731
    v = x[0]
    np.testing.assert_allclose(numerical_gradient(q, v), 0.5 * (A + A.T) @ v, rtol=1e-8)


def test_numerical_gradient_leaves_x_untouched_and_scales_step(x):
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_array_equal(x, before)
    # a fixed absolute step of 6e-6 would be lost entirely next to 1e12
    big = np.array([1e12, -3e12])
    np.testing.assert_allclose(
        numerical_gradient(lambda v: np.sum(v**2) / 1e12, big), 2 * big / 1e12, rtol=1e-8
    )


@pytest.mark.parametrize("scale", [1.0, 1e-12, 1e12])
def test_accepts_correct_gradient_at_any_scale(x, scale):
    f = lambda v: scale * np.sum(np.sin(v))  # noqa: E731
    result = check_gradient(f, x, scale * np.cos(x))
    assert isinstance(result, GradCheck)
    assert result.passed
    assert result.n_resolved == result.size == x.size
    assert result.max_rel_error < 1e-8


@pytest.mark.parametrize("scale", [1.0, 1e-12, 1e12])
def test_catches_gradient_wrong_by_1e_3_relative(x, scale):
    f = lambda v: scale * np.sum(np.sin(v))  # noqa: E731
    wrong = scale * np.cos(x)
    wrong[1, 2] *= 1 + 1e-3
    result = check_gradient(f, x, wrong)
    assert not result.passed
    assert result.worst_index == (1, 2)
    assert result.max_rel_error == pytest.approx(1e-3, rel=1e-3)
    assert "FAILED" in str(result)


def test_catches_a_transposed_or_missing_term(x):
    A = np.random.default_rng(2).standard_normal((4, 4))
    f = lambda v: float(v @ A @ v)  # noqa: E731
    v = x[0]
    assert check_gradient(f, v, (A + A.T) @ v).passed
    assert not check_gradient(f, v, 2 * A @ v).passed  # forgot that A is not symmetric
    assert not check_gradient(f, v, A @ v).passed


def test_gradient_below_noise_floor_is_accepted_but_reported_unresolved(x):
    # f is O(1) while its gradient is 1e-12: central differences cannot see the gradient
    f = lambda v: 1.0 + 1e-12 * np.sum(np.sin(v))  # noqa: E731
    g = 1e-12 * np.cos(x)
    correct, zero = check_gradient(f, x, g), check_gradient(f, x, np.zeros_like(x))
    assert correct.passed and zero.passed  # neither is declared wrong ...
    assert correct.n_resolved == zero.n_resolved == 0  # ... and the check says it saw nothing
    assert np.all(correct.atol > 1e-10)  # the noise floor eps |f| / h
    # the cure: check a function whose value is on the gradient's scale, here the part of f
    # that depends on x (subtracting 1 from f's value would be too late: f(x) has already
    # been rounded to a multiple of eps)
    part = lambda v: 1e-12 * np.sum(np.sin(v))  # noqa: E731
    resolved = check_gradient(part, x, g)
    assert resolved.passed and resolved.n_resolved == x.size
    assert not check_gradient(part, x, np.zeros_like(x)).passed


def test_explicit_atol_and_rtol(x):
    f = lambda v: np.sum(np.sin(v))  # noqa: E731
    wrong = np.cos(x) + 1e-5
    assert not check_gradient(f, x, wrong).passed
    assert check_gradient(f, x, wrong, atol=1e-4).passed
    assert check_gradient(f, x, np.cos(x) * (1 + 1e-3), rtol=1e-2).passed


def test_directional_accepts_correct_and_catches_wrong(x):
    for scale in (1.0, 1e-12):
        f = lambda v, s=scale: s * np.sum(np.sin(v))  # noqa: E731
        g = scale * np.cos(x)
        ok = check_directional(f, x, g, rng=0, n_dirs=3)
        assert ok.passed and ok.size == 3 and ok.n_resolved == 3
        wrong = g.copy()
        wrong[2, 0] += 1e-3 * np.max(np.abs(g))
        assert not check_directional(f, x, wrong, rng=0, n_dirs=3).passed


def test_zero_gradient_at_stationary_point():
    f = lambda v: float(np.sum(np.cos(v)))  # noqa: E731
    result = check_gradient(f, np.zeros(3), np.zeros(3))
    assert result.passed and result.max_abs_error < 1e-10


# --- bad inputs -------------------------------------------------------------------------


def test_bad_f(x):
    with pytest.raises(TypeError, match=r"\bf\b.*callable"):
        check_gradient("sin", x, x)
    with pytest.raises(TypeError, match=r"\bf\b.*scalar"):
        numerical_gradient(lambda v: v, x)
    with pytest.raises(TypeError, match=r"\bf\b.*scalar"):
        numerical_gradient(lambda v: 1j, x)
    with pytest.raises(ValueError, match=r"\bf\b.*finite"):
        numerical_gradient(lambda v: np.nan, x)


def test_bad_x_and_analytic(x):
    f = lambda v: float(np.sum(v))  # noqa: E731
    with pytest.raises(TypeError, match=r"\bx\b.*dtype"):
        check_gradient(f, np.arange(3), np.ones(3))
    with pytest.raises(ValueError, match=r"\bx\b.*finite"):
        numerical_gradient(f, np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match=r"\banalytic\b.*shape"):
        check_gradient(f, x, np.ones(3))
    with pytest.raises(ValueError, match=r"\banalytic\b.*finite"):
        check_directional(f, x, np.full_like(x, np.nan), rng=0)


def test_bad_options(x):
    f = lambda v: float(np.sum(v))  # noqa: E731
    with pytest.raises(ValueError, match=r"\beps\b"):
        numerical_gradient(f, x, eps=0.0)
    with pytest.raises(ValueError, match=r"\brtol\b"):
        check_gradient(f, x, np.ones_like(x), rtol=-1.0)
    with pytest.raises(ValueError, match=r"\batol\b"):
        check_gradient(f, x, np.ones_like(x), atol=-1.0)
    with pytest.raises(TypeError, match=r"\brng\b"):
        check_directional(f, x, np.ones_like(x), rng=None)
    with pytest.raises(ValueError, match=r"\bn_dirs\b"):
        check_directional(f, x, np.ones_like(x), rng=0, n_dirs=0)
