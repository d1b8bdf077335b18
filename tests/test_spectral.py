"""Tests for vgrad.spectral: eigen/singular structure of matrix powers and products."""

from __future__ import annotations

import numpy as np
import pytest

from vgrad.spectral import (
    growth_rate,
    log_norms_of_products,
    lyapunov_exponents,
    matrix_power_eig,
    nonnormal_2x2,
    nonnormal_coupling,
    orthogonal,
    power_norms,
    random_matrix,
    singular_values,
    spectral_radius,
)


def _product(J: np.ndarray) -> np.ndarray:
    """J_T ... J_2 J_1 for J[t - 1] = J_t."""
    P = np.eye(J.shape[-1])
    for J_t in J:
        P = J_t @ P
    return P


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


def test_spectral_radius_and_singular_values_match_definitions(rng):
    M = rng.standard_normal((5, 5))
    assert spectral_radius(M) == pytest.approx(np.max(np.abs(np.linalg.eigvals(M))), rel=1e-14)
    s = singular_values(M)
    np.testing.assert_allclose(s, np.sqrt(np.linalg.eigvalsh(M.T @ M))[::-1], rtol=1e-12)
    assert np.all(np.diff(s) <= 0)
    assert spectral_radius(M) <= s[0] * (1 + 1e-14)


def test_batched_shapes(rng):
    M = rng.standard_normal((3, 2, 4, 4))
    assert spectral_radius(M).shape == (3, 2)
    assert singular_values(M).shape == (3, 2, 4)
    assert spectral_radius(M)[1, 0] == pytest.approx(spectral_radius(M[1, 0]), rel=1e-14)
    np.testing.assert_allclose(
        matrix_power_eig(M, 7), np.linalg.matrix_power(M, 7), rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize("p", [0, 1, 2, 5, 17, 60])
def test_matrix_power_eig_matches_repeated_multiplication(rng, p):
    M = rng.standard_normal((6, 6)) / np.sqrt(6)
    lam = np.linalg.eigvals(M)
    assert np.any(np.abs(lam.imag) > 0.1), "the test needs complex eigenvalues"
    Mp = matrix_power_eig(M, p)
    assert Mp.dtype == np.float64 and Mp.shape == (6, 6)
    expected = np.linalg.matrix_power(M, p)
    # rounding in both methods is relative to ||M||^p, not to the (possibly smaller) result
    scale = max(np.linalg.norm(M, 2) ** p, np.linalg.norm(expected))
    assert np.linalg.norm(Mp - expected) <= 1e-10 * scale


def test_matrix_power_eig_vanishes_and_explodes_with_rho(rng):
    for rho, p in [(0.5, 200), (1.5, 200)]:
        M = random_matrix(4, rng, rho=rho, kind="symmetric")
        assert np.linalg.norm(matrix_power_eig(M, p), 2) == pytest.approx(rho**p, rel=1e-8)


@pytest.mark.parametrize(
    "M",
    [
        [[1.0, 1.0], [0.0, 1.0]],
        [[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 2.0]],
        [[0.9, 5.0], [0.0, 0.9]],
    ],
)
def test_matrix_power_eig_refuses_defective_matrices(M):
    with pytest.raises(ValueError, match="matrix_power"):
        matrix_power_eig(M, 3)


def test_matrix_power_eig_overflow_is_a_clear_error(rng):
    M = random_matrix(4, rng, rho=1.5)
    with pytest.raises(OverflowError, match="power_norms"):
        matrix_power_eig(M, 2000)
    # the vanishing direction underflows quietly to zero (no warning under filterwarnings=error)
    assert np.all(np.abs(matrix_power_eig(random_matrix(4, rng, rho=0.5), 5000)) < 1e-300)


def test_matrix_power_eig_zero_matrix():
    np.testing.assert_array_equal(matrix_power_eig(np.zeros((3, 3)), 0), np.eye(3))
    np.testing.assert_array_equal(matrix_power_eig(np.zeros((3, 3)), 4), np.zeros((3, 3)))


@pytest.mark.parametrize("kind", ["gaussian", "symmetric", "orthogonal"])
def test_random_matrix_hits_prescribed_rho_and_sigma(rng, kind):
    M = random_matrix(8, rng, rho=0.9, kind=kind)
    assert abs(spectral_radius(M) - 0.9) <= 1e-12
    M = random_matrix(8, rng, sigma_max=1.7, kind=kind)
    assert abs(singular_values(M)[0] - 1.7) <= 1e-12


def test_random_matrix_kinds(rng):
    G = random_matrix(200, rng)
    # circular law: N(0, 1/n) entries give eigenvalues filling the unit disc, ||G||_2 near 2
    assert 0.9 < spectral_radius(G) < 1.2
    assert 1.8 < singular_values(G)[0] < 2.2
    S = random_matrix(6, rng, kind="symmetric")
    np.testing.assert_array_equal(S, S.T)
    assert spectral_radius(S) == pytest.approx(singular_values(S)[0], rel=1e-12)


def test_orthogonal_is_orthogonal_and_haar_signs(rng):
    Q = orthogonal(7, rng)
    np.testing.assert_allclose(Q.T @ Q, np.eye(7), atol=1e-14)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(Q)), 1.0, rtol=1e-12)
    # with the sign fix, E[Q] = 0; without it Q's diagonal is biased positive
    diag = np.array([np.diag(orthogonal(3, rng)) for _ in range(2000)])
    assert np.all(np.abs(diag.mean(axis=0)) < 0.05)


def test_seed_reproducibility():
    np.testing.assert_array_equal(random_matrix(5, 3, rho=0.8), random_matrix(5, 3, rho=0.8))


def test_nonnormal_powers_grow_before_decaying():
    c = nonnormal_coupling(0.9, 20.0)
    M = nonnormal_2x2(0.9, c)
    assert spectral_radius(M) == pytest.approx(0.9, rel=1e-14)
    norms = np.exp(power_norms(M, 200))
    assert norms.max() == pytest.approx(20.0, rel=1e-12)
    assert int(np.argmax(norms)) in (9, 10)  # near p* = 1 / ln(1 / 0.9) = 9.49
    assert norms[200] < 1e-6
    # the large-c estimate c / (e rho ln(1/rho)) of the peak
    assert c / (np.e * 0.9 * np.log(1 / 0.9)) == pytest.approx(20.0, rel=0.02)
    # closed form for the off-diagonal entry of M^p
    np.testing.assert_allclose(np.linalg.matrix_power(M, 7)[0, 1], 7 * 0.9**6 * c, rtol=1e-13)


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.9, -0.9, 0.99])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_nonnormal_grows_first_iff_coupling_above_one_minus_rho_squared(rho, sign):
    threshold = 1.0 - rho**2  # ||M||_2 = (|c| + sqrt(c^2 + 4 rho^2)) / 2 = 1 exactly there
    assert np.linalg.norm(nonnormal_2x2(rho, sign * threshold), 2) == pytest.approx(1.0, rel=1e-12)
    below = np.exp(power_norms(nonnormal_2x2(rho, sign * threshold * (1 - 1e-6)), 400))
    assert np.all(below[1:] <= 1.0) and np.all(np.diff(below) <= 1e-15)  # never grows
    above = np.exp(power_norms(nonnormal_2x2(rho, sign * threshold * (1 + 1e-6)), 400))
    assert above[1] > 1.0 and above[-1] < 1.0  # grows first, decays in the end


def test_nonnormal_threshold_at_rho_09():
    assert 1.0 - 0.9**2 == pytest.approx(0.19)  # the value the docstring states
    assert np.exp(power_norms(nonnormal_2x2(0.9, 0.18), 100)).max() == 1.0  # p = 0 only
    assert np.exp(power_norms(nonnormal_2x2(0.9, 0.20), 100))[1] > 1.0


@pytest.mark.parametrize("rho", [0.0, 1e-300, 0.3, 0.9, 0.99])
@pytest.mark.parametrize("peak", [1.5, 20.0])
def test_nonnormal_coupling_gives_exactly_the_peak(rho, peak):
    c = nonnormal_coupling(rho, peak)
    assert np.exp(power_norms(nonnormal_2x2(rho, c), 600)).max() == pytest.approx(peak, rel=1e-12)
    # and it is the smallest such coupling
    assert np.exp(power_norms(nonnormal_2x2(rho, 0.99 * c), 600)).max() < peak


def test_power_norms_match_explicit_powers(rng):
    M = rng.standard_normal((5, 5)) / np.sqrt(5)
    for ord in [2, "fro", 1, np.inf]:
        expected = [np.log(np.linalg.norm(np.linalg.matrix_power(M, p), ord)) for p in range(13)]
        np.testing.assert_allclose(power_norms(M, 12, ord=ord), expected, rtol=1e-12, atol=1e-12)


def test_power_norms_overflow_free_and_gelfand(rng):
    M = random_matrix(6, rng, rho=1.5)
    logs = power_norms(M, 2000)  # ||M^2000|| is about 10^352, beyond float64
    assert np.all(np.isfinite(logs)) and logs[-1] > np.log(np.finfo(np.float64).max)
    assert logs[500] / 500 == pytest.approx(np.log(1.5), abs=0.01)
    # Gelfand: log||M^p|| / p -> log rho, from above
    assert logs[-1] / 2000 == pytest.approx(np.log(1.5), abs=2e-3)
    assert np.all(logs[1:] / np.arange(1, 2001) >= np.log(1.5) - 1e-12)


def test_power_norms_batched_and_nilpotent(rng):
    M = rng.standard_normal((3, 4, 4))
    logs = power_norms(M, 5)
    assert logs.shape == (6, 3)
    np.testing.assert_allclose(logs[:, 2], power_norms(M[2], 5), rtol=1e-13)
    N = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(power_norms(N, 3), [0.0, 0.0, -np.inf, -np.inf])


def test_lyapunov_constant_scaled_orthogonal_is_exact(rng):
    Q = random_matrix(5, rng, rho=0.7, kind="orthogonal")
    J = np.broadcast_to(Q, (50, 5, 5))
    np.testing.assert_allclose(lyapunov_exponents(J), np.log(0.7), rtol=1e-12)
    assert growth_rate(J) == pytest.approx(np.log(0.7), rel=1e-12)


def test_lyapunov_constant_normal_matrix_gives_log_eigenvalues(rng):
    S = random_matrix(4, rng, kind="symmetric")
    T = 3000
    lam = lyapunov_exponents(np.broadcast_to(S, (T, 4, 4)))
    expected = np.sort(np.log(np.abs(np.linalg.eigvalsh(S))))[::-1]
    # the first-frame bias decays like 1/T
    np.testing.assert_allclose(lam, expected, atol=20 / T)
    assert growth_rate(np.broadcast_to(S, (T, 4, 4))) == pytest.approx(
        np.log(spectral_radius(S)), abs=20 / T
    )


def test_lyapunov_matches_explicit_short_product(rng):
    T, n = 6, 4
    J = np.eye(n) + 0.3 * rng.standard_normal((T, n, n))
    P = _product(J)
    lam = lyapunov_exponents(J)
    # exact identity: the QR iteration is the QR factorisation of the product
    R = np.linalg.qr(P)[1]
    np.testing.assert_allclose(T * lam, np.log(np.abs(np.diag(R))), rtol=1e-10, atol=1e-12)
    # volumes: partial sums never exceed those of log singular values; all n give log|det|
    log_s = np.log(singular_values(P))
    assert np.all(np.cumsum(T * lam) <= np.cumsum(log_s) + 1e-10)
    assert T * lam.sum() == pytest.approx(np.linalg.slogdet(P)[1], rel=1e-10)
    np.testing.assert_allclose(lyapunov_exponents(J, k=2), lam[:2], rtol=1e-12)


def test_lyapunov_long_product_tracks_top_singular_value(rng):
    T, n = 300, 3
    J = np.array([orthogonal(n, rng) @ np.diag([1.5, 1.0, 0.5]) for _ in range(T)])
    P = _product(J)  # only its top singular pair is accurate: sigma_3 / sigma_1 < eps
    _, s, Vt = np.linalg.svd(P)
    lam1 = growth_rate(J)
    assert T * lam1 == pytest.approx(np.log(np.linalg.norm(P[:, 0])), rel=1e-10)
    # ||P e_1|| lies between sigma_1 |<v_1, e_1>| and sigma_1, so the gap to
    # (1/T) log sigma_1 is at most log(1/|<v_1, e_1>|) / T, an O(1/T) bias
    assert np.log(s[0] * abs(Vt[0, 0])) - 1e-9 <= T * lam1 <= np.log(s[0]) + 1e-9


def test_lyapunov_batched(rng):
    J = rng.standard_normal((20, 3, 4, 4))
    lam = lyapunov_exponents(J, k=2)
    assert lam.shape == (3, 2)
    np.testing.assert_allclose(lam[1], lyapunov_exponents(J[:, 1], k=2), rtol=1e-12)


# --- bad inputs: the error type, and a message naming the argument -------------------------

BAD_M = [
    (np.ones(3), ValueError, r"\bM\b.*square"),
    (np.ones((2, 3)), ValueError, r"\bM\b.*square"),
    (np.zeros((2, 0, 0)), ValueError, r"\bM\b.*square"),
    (np.array([[1, 2], [3, 4]]), TypeError, r"\bM\b.*dtype"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, r"\bM\b.*finite"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), ValueError, r"\bM\b.*finite"),
    (np.eye(2, dtype=complex), TypeError, r"\bM\b.*dtype"),
    ("abc", TypeError, r"\bM\b"),
]


@pytest.mark.parametrize(("M", "exc", "match"), BAD_M)
@pytest.mark.parametrize(
    "fn",
    [
        spectral_radius,
        singular_values,
        lambda M: matrix_power_eig(M, 2),
        lambda M: power_norms(M, 2),
    ],
)
def test_bad_matrix(fn, M, exc, match):
    with pytest.raises(exc, match=match):
        fn(M)


@pytest.mark.parametrize(
    ("p", "exc"), [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)]
)
def test_bad_p(p, exc):
    with pytest.raises(exc, match=r"\bp\b"):
        matrix_power_eig(np.eye(2), p)
    with pytest.raises(exc, match=r"\bp_max\b"):
        power_norms(np.eye(2), p)


@pytest.mark.parametrize("rng", [None, np.random.RandomState(0), 1.5, "seed"])
def test_bad_rng(rng):
    with pytest.raises(TypeError, match=r"\brng\b"):
        random_matrix(3, rng)
    with pytest.raises(TypeError, match=r"\brng\b"):
        orthogonal(3, rng)


def test_bad_random_matrix_arguments(rng):
    with pytest.raises(ValueError, match=r"\brho\b.*\bsigma_max\b"):
        random_matrix(3, rng, rho=1.0, sigma_max=1.0)
    with pytest.raises(ValueError, match=r"\brho\b"):
        random_matrix(3, rng, rho=-1.0)
    with pytest.raises(ValueError, match=r"\bsigma_max\b"):
        random_matrix(3, rng, sigma_max=0.0)
    with pytest.raises(ValueError, match=r"\bkind\b"):
        random_matrix(3, rng, kind="uniform")
    with pytest.raises(ValueError, match=r"\bn\b"):
        random_matrix(0, rng)


def test_bad_other_arguments():
    with pytest.raises(ValueError, match=r"\bord\b"):
        power_norms(np.eye(2), 3, ord=3)
    with pytest.raises(ValueError, match=r"\bmatrices\b"):
        lyapunov_exponents(np.eye(3))
    with pytest.raises(ValueError, match=r"\bmatrices\b"):
        lyapunov_exponents(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match=r"\bk\b"):
        lyapunov_exponents(np.ones((4, 2, 2)), k=3)
    with pytest.raises(ValueError, match=r"\brho\b"):
        nonnormal_coupling(1.0, 5.0)
    with pytest.raises(ValueError, match=r"\bpeak\b"):
        nonnormal_coupling(0.5, 1.0)
    with pytest.raises(ValueError, match=r"\bmax_cond\b"):
        matrix_power_eig(np.eye(2), 2, max_cond=0.0)


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        (([np.eye(3)], 1, 3, "max"), ValueError, r"\bord\b"),
        (([np.eye(3)], 1, 0), ValueError, r"\bN\b"),
        (([np.eye(3)], "x", 3), TypeError, r"\bbatch\b"),
        (([np.ones((1, 2, 2))], 1, 3), ValueError, r"factors\[0\] must have shape \(1, 3, 3\)"),
        (([np.eye(3)[None], np.full((1, 3, 3), np.nan)], 1, 3), ValueError, r"\[1\].*finite"),
    ],
)
def test_log_norms_of_products_names_a_bad_argument(args, exc, match):
    with pytest.raises(exc, match=match):
        log_norms_of_products(*args)
