r"""The Linear Recurrent Unit, :class:`~vgrad.LRU`, and backpropagation through time.

The LRU of Orvieto et al. (2023), "Resurrecting Recurrent Neural Networks for Long Sequences"
(ICML 2023), is a linear recurrence on a complex diagonal state whose eigenvalues are its
parameters: :math:`\lambda = e^{-e^{\nu} + i\theta}` lies inside the unit circle for every
real :math:`\nu, \theta`, so the step Jacobian, :math:`\operatorname{diag}(\lambda)` whatever
the input, has every singular value :math:`|\lambda_j| < 1`, and the gradient through k steps
is :math:`\lambda_j^k` per unit, with no transient growth (:doc:`/eigenvalues` explains why the
RNN's non-normal Jacobians can). The nonlinearity comes after the recurrence, per step.

The cell's equations are in :class:`LRU`; where this engine departs from the paper, and why:

- **phase**: :math:`\theta` is the phase itself, so that the code reads as
  :math:`\lambda = \exp(-\exp(\nu) + i\theta)`; the paper trains :math:`\log\theta`.
- **normalisation**: :math:`\gamma = \sqrt{1 - |\lambda|^2}` is a function of :math:`\nu`, so the
  claim "under white-noise input the state keeps unit scale as :math:`|\lambda| \to 1`" holds
  throughout training; the paper trains :math:`\log\gamma` on its own, initialised at this
  value.
- **widths**: the paper's layer maps H features to H, with a diagonal D; here the input has d
  features and the layer n (its state's size), so :math:`D` is a full (n, d) matrix and C is
  (n, n) complex.
- **nonlinearity**: the paper's block wraps the LRU in a normalisation, a nonlinear projection
  (MLP or GLU) and a skip connection; here the LRU's output goes through GELU
  (:func:`vgrad.activations.gelu`, the tanh form, the default of ``jax.nn.gelu``), this engine's
  choice of per-step nonlinearity, and then the linear read-out every vgrad cell has. One layer,
  no normalisation, no skip.

Complex numbers live inside the passes (complex128); the parameters are real float64 arrays, a
complex matrix as its real and imaginary parts (``B_re``, ``B_im``, ``C_re``, ``C_im``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ._cells import (
    Cell,
    GradientsBase,
    Seed,
    TraceBase,
    Work,
    check_readout,
    check_sequence,
    initial_state,
    merge_steps,
    steps_first,
    work_array,
)
from ._validate import as_float_array, check_int, check_real, check_rng, check_sizes
from .activations import gelu, gelu_prime

__all__ = ["LRU", "LRUGradients", "LRUTrace", "ring_init"]

PARAMS = ("B_re", "B_im", "nu", "theta", "C_re", "C_im", "D", "W_hy", "b_y")


@dataclass(frozen=True)
class LRUTrace(TraceBase):
    r"""Everything :meth:`LRU.forward` computed, kept for :meth:`LRU.backward`; with a run axis
    (:meth:`LRU.stack`) each array has a leading axis R (``xs`` too, unless shared).

    Attributes
    ----------
    xs, h : ndarray, shapes (T, B, d), (T + 1, B, n) complex
        Inputs and the complex states: ``xs[t - 1]`` is :math:`x_t`, ``h[t]`` is :math:`h_t`
        (``h[0]`` the initial state).
    a, z, y : ndarray, shapes (T, B, n), (T, B, n), (T, B, m)
        ``a[t - 1]`` is :math:`a_t = \operatorname{Re}(C h_t) + D x_t`, ``z[t - 1]`` is
        :math:`\operatorname{GELU}(a_t)`, ``y[t - 1]`` the read-out :math:`y_t`.
    """

    a: np.ndarray
    z: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class LRUGradients(GradientsBase):
    r"""Gradients of a loss with respect to the parameters and to every state.

    Attributes
    ----------
    B_re, B_im, nu, theta, C_re, C_im, D, W_hy, b_y : ndarray
        :math:`\partial\mathcal L/\partial \theta`, same shapes as the parameters.
    dh : ndarray, complex, shape (T + 1, B, n), or (R, T + 1, B, n) with a run axis
        ``dh[t]`` is the *total* derivative by :math:`h_t`, through every path, as one complex
        number per unit: :math:`\partial\mathcal L/\partial \operatorname{Re} h_t + i\,
        \partial\mathcal L/\partial \operatorname{Im} h_t` (:meth:`LRU.backward`).
    """

    B_re: np.ndarray
    B_im: np.ndarray
    nu: np.ndarray
    theta: np.ndarray
    C_re: np.ndarray
    C_im: np.ndarray
    D: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    dh: np.ndarray

    PARAMS: ClassVar[tuple[str, ...]] = PARAMS


def ring_init(
    n: int, rng: Seed, *, r_min: float = 0.0, r_max: float = 1.0, max_phase: float = 6.28
) -> tuple[np.ndarray, np.ndarray]:
    r"""The ring initialisation of Orvieto et al. (2023): ``(nu, theta)`` of n eigenvalues
    uniform on the ring :math:`r_{\min} \le |\lambda| \le r_{\max}` (uniform on its *area*, so
    :math:`|\lambda|^2` is uniform on :math:`[r_{\min}^2, r_{\max}^2]`), phase uniform on
    ``[0, max_phase]``; defaults as in the paper's code (6.28: 2π to two decimals).

    .. math::

        u_1, u_2 \sim U[0, 1), \quad
        \nu = \log\big(-\tfrac12 \log(u_1 (r_{\max}^2 - r_{\min}^2) + r_{\min}^2)\big), \quad
        \theta = \mathrm{max\_phase}\; u_2 .
    """
    n, rng = check_int(n, "n", minimum=1), check_rng(rng)
    r_min = check_real(r_min, "r_min", nonnegative=True)
    r_max = check_real(r_max, "r_max", positive=True)
    if not (r_min <= r_max <= 1.0 and r_min < 1.0):  # |lambda| = 1 would be nu = -inf
        raise ValueError(f"need 0 <= r_min <= r_max <= 1, r_min < 1; got {r_min}, {r_max}")
    max_phase = check_real(max_phase, "max_phase", nonnegative=True)
    u1, u2 = rng.uniform(size=(2, n))
    nu = np.log(-0.5 * np.log(u1 * (r_max**2 - r_min**2) + r_min**2))
    return nu, max_phase * u2


def each_step(x: np.ndarray, M: np.ndarray) -> np.ndarray:
    """The rows :math:`x_t M` of every step and sequence, (..., T, B, l), from ``x`` (..., T,
    B, k) (or (T, B, k) shared by the runs) and ``M`` (..., k, l): one product for all steps."""
    return (merge_steps(x) @ M).reshape(*M.shape[:-2], *x.shape[-3:-1], M.shape[-1])


def sum_steps(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    r""":math:`\sum_{t, b} u_t^\top v_t`, (..., k, l), from ``u`` (..., T, B, k) and ``v``
    (..., T, B, l) (either may be shared by the runs): a parameter's gradient."""
    return merge_steps(u).swapaxes(-1, -2) @ merge_steps(v)


class LRU(Cell):
    r"""Linear Recurrent Unit (Orvieto et al. 2023) with GELU and a linear read-out.

    .. math::

        \begin{aligned}
        \lambda &= \exp(-\exp(\nu) + i\theta), \qquad \gamma = \sqrt{1 - |\lambda|^2}, \\
        h_t &= \lambda \odot h_{t-1} + \gamma \odot (B x_t), \qquad h_t \in \mathbb C^n, \\
        a_t &= \operatorname{Re}(C h_t) + D x_t, \qquad
        y_t = W_{hy}\, \operatorname{GELU}(a_t) + b_y ,
        \end{aligned}

    with :math:`B = B_{re} + i B_{im}`, :math:`C = C_{re} + i C_{im}`. Every :math:`|\lambda_j|
    = e^{-e^{\nu_j}}` is below 1, and :math:`\gamma` scales the input so that white noise keeps
    :math:`\mathbb E|h_t|^2` of order 1 however close :math:`|\lambda|` comes to 1 (without it
    the state's power grows like :math:`1/(1 - |\lambda|^2)`). The module notes say where this
    differs from the paper.

    Parameters
    ----------
    B_re, B_im : ndarray, shape (n, d)
        Input matrix :math:`B`, real and imaginary parts.
    nu, theta : ndarray, shape (n,)
        The eigenvalues :math:`\lambda = \exp(-\exp(\nu) + i\theta)`: log of minus the log
        modulus, and the phase.
    C_re, C_im, D : ndarray, shapes (n, n), (n, n), (n, d)
        Output matrices: :math:`\operatorname{Re}(C h_t) + D x_t`.
    W_hy, b_y : ndarray, shapes (m, n), (m,)
        The read-out. All copied to float64 attributes that a training loop may update in
        place, each with a leading run axis R or none, the same for all (:meth:`stack`).
    """

    PARAMS = PARAMS
    TRACE = LRUTrace
    STATE_BLOCKS = 2  # the real form of the state: (Re h_t, Im h_t)

    def __init__(
        self,
        B_re: np.ndarray,
        B_im: np.ndarray,
        nu: np.ndarray,
        theta: np.ndarray,
        C_re: np.ndarray,
        C_im: np.ndarray,
        D: np.ndarray,
        W_hy: np.ndarray,
        b_y: np.ndarray,
    ) -> None:
        nu = as_float_array(nu, "nu", ndim=(1, 2))
        *runs, n = nu.shape
        if n == 0:
            raise ValueError(f"nu must have shape (n,) or (R, n) with n >= 1, got {nu.shape}")
        B_re = as_float_array(B_re, "B_re", shape=(*runs, n, None))
        self.nu, self.B_re, d = nu.copy(), B_re.copy(), B_re.shape[-1]
        shapes = {"B_im": (n, d), "theta": (n,), "C_re": (n, n), "C_im": (n, n), "D": (n, d)}
        given = {"B_im": B_im, "theta": theta, "C_re": C_re, "C_im": C_im, "D": D}
        for k, v in given.items():
            setattr(self, k, as_float_array(v, k, shape=(*runs, *shapes[k])).copy())
        self.W_hy, self.b_y = check_readout(W_hy, b_y, tuple(runs), n)

    @classmethod
    def random(
        cls,
        d: int,
        n: int,
        m: int,
        rng: Seed,
        *,
        r_min: float = 0.0,
        r_max: float = 1.0,
        max_phase: float = 6.28,
    ) -> LRU:
        r"""Random LRU as the paper initialises it: eigenvalues by :func:`ring_init` (``r_min``,
        ``r_max``, ``max_phase``, the paper's defaults), :math:`B_{re}, B_{im}` with entries
        :math:`\mathcal N(0, 1/(2d))`, :math:`C_{re}, C_{im}` :math:`\mathcal N(0, 1/n)`,
        :math:`D` :math:`\mathcal N(0, 1/d)` (the paper's diagonal D has variance 1, and d = 1
        gives that), :math:`W_{hy}` :math:`\mathcal N(0, 1/n)`, :math:`b_y = 0`."""
        d, n, m = check_sizes(d, n, m)
        rng = check_rng(rng)
        nu, theta = ring_init(n, rng, r_min=r_min, r_max=r_max, max_phase=max_phase)
        B_re, B_im = rng.standard_normal((2, n, d)) / np.sqrt(2 * d)
        C_re, C_im = rng.standard_normal((2, n, n)) / np.sqrt(n)
        D = rng.standard_normal((n, d)) / np.sqrt(d)
        W_hy = rng.standard_normal((m, n)) / np.sqrt(n)
        return cls(B_re, B_im, nu, theta, C_re, C_im, D, W_hy, np.zeros(m))

    @property
    def lambda_(self) -> np.ndarray:
        r"""The eigenvalues :math:`\lambda = \exp(-\exp(\nu) + i\theta)`, complex, (..., n)."""
        return np.exp(-np.exp(self.nu) + 1j * self.theta)

    @property
    def gamma(self) -> np.ndarray:
        r"""The normalisation :math:`\gamma = \sqrt{1 - |\lambda|^2}
        = \sqrt{1 - e^{-2 e^{\nu}}}`, (..., n), without cancellation as :math:`|\lambda| \to 1`
        (the paper's symbol; not the derivative bound ``Activation.gamma``)."""
        return np.sqrt(-np.expm1(-2.0 * np.exp(self.nu)))

    def forward(
        self, xs: np.ndarray, h0: np.ndarray | None = None, *, work: Work | None = None
    ) -> LRUTrace:
        r"""Run the cell: :math:`h_t = \lambda \odot h_{t-1} + \gamma \odot (B x_t)`,
        :math:`a_t = \operatorname{Re}(C h_t) + D x_t`,
        :math:`y_t = W_{hy} \operatorname{GELU}(a_t) + b_y`. As :math:`|\lambda| < 1` and
        :math:`\gamma \le 1`, the state cannot overflow.

        Parameters
        ----------
        xs : ndarray, shape (T, B, d), or (R, T, B, d) with a run axis (or shared by the runs)
            Inputs, time first.
        h0 : ndarray, real or complex, shape (B, n) or (n,), or (R, B, n), optional
            Initial state (zeros by default).
        work : dict, optional
            Arrays a training loop keeps between calls; the trace overwrites the last one.
        """
        runs, (d, n, _) = self.nu.shape[:-1], self.sizes
        xs = check_sequence(xs, d, runs)
        T, B = xs.shape[-3:-1]
        h = work_array(work, "h", (*runs, T + 1, B, n), np.complex128)
        h[..., 0, :, :] = complex_state(h0, B, n, runs)
        # The inputs do not depend on the recurrence: gamma ⊙ (B x_t) for all steps at once.
        B_T = (self.B_re + 1j * self.B_im).swapaxes(-1, -2)
        h[..., 1:, :, :] = self.gamma[..., None, None, :] * each_step(xs, B_T)
        hs, lambda_ = steps_first(h), self.lambda_[..., None, :]  # hs[t] is h_t, every run
        for t in range(T):
            hs[t + 1] += lambda_ * hs[t]
        C_T = (self.C_re + 1j * self.C_im).swapaxes(-1, -2)
        a = each_step(h[..., 1:, :, :], C_T).real + each_step(xs, self.D.swapaxes(-1, -2))
        z = gelu(a)
        y = each_step(z, self.W_hy.swapaxes(-1, -2)) + self.b_y[..., None, None, :]
        return LRUTrace(xs=xs, h=h, a=a, z=z, y=y)

    def backward(
        self, trace: LRUTrace, dL_dy: np.ndarray, *, work: Work | None = None
    ) -> LRUGradients:
        r"""Backpropagation through time, t = T down; ``trace``, ``dL_dy``
        (:math:`\partial\mathcal L/\partial y_t`) and ``work`` as in :meth:`vgrad.RNN.backward`.
        A complex state's adjoint is :math:`\bar h_t = \partial\mathcal L/\partial\operatorname{Re}
        h_t + i\,\partial\mathcal L/\partial\operatorname{Im} h_t` (rows); :math:`^*` conjugates:

        .. math::

            \delta_t = \frac{\partial\mathcal L_t}{\partial y_t} W_{hy} \odot
                \operatorname{GELU}'(a_t), \qquad
            \bar h_t = \delta_t C^* + \lambda^* \odot \bar h_{t+1}
            \quad (\bar h_{T+1} = 0;\ h_0 \text{ has no output}),

        with conjugates because multiplying by :math:`\lambda` acts on (Re, Im) as
        :math:`|\lambda|` times a rotation, whose transpose is that of :math:`\lambda^*`. Then,
        summed over steps and sequences, :math:`\bar\lambda = \sum \bar h_t \odot h_{t-1}^*`,
        :math:`\bar B = \operatorname{diag}(\gamma) \sum \bar h_t^\top x_t^\top`,
        :math:`\bar\gamma = \operatorname{Re} \sum \bar h_t \odot (B x_t)^*`,
        :math:`\bar C = \sum \delta_t^\top (h_t^*)^\top`, and by the chain rule with
        :math:`\partial_\nu \lambda = -e^{\nu}\lambda`, :math:`\partial_\theta \lambda = i\lambda`,
        :math:`\partial_\nu \gamma = e^{\nu}|\lambda|^2/\gamma`:

        .. math::

            \frac{\partial\mathcal L}{\partial\nu} = \operatorname{Re}\big(\bar\lambda\,
                (\partial_\nu\lambda)^*\big) + \bar\gamma\, \partial_\nu\gamma
                = e^{\nu}\Big(\frac{|\lambda|^2}{\gamma} \bar\gamma
                - \operatorname{Re}(\bar\lambda \lambda^*)\Big), \qquad
            \frac{\partial\mathcal L}{\partial\theta} = \operatorname{Re}\big(\bar\lambda\,
                (\partial_\theta\lambda)^*\big) = \operatorname{Im}(\bar\lambda \lambda^*).
        """
        (T, B, _), runs, m = self._check_trace(trace), self.nu.shape[:-1], self.W_hy.shape[-2]
        dL_dy = as_float_array(dL_dy, "dL_dy", shape=(*runs, T, B, m), finite=not runs)
        lambda_conj, gamma, h, xs = np.conj(self.lambda_), self.gamma, trace.h, trace.xs
        delta = each_step(dL_dy, self.W_hy) * gelu_prime(trace.a)  # dL/da_t
        dh = work_array(work, "dh", h.shape, np.complex128)
        dh[..., 0, :, :] = 0.0  # h_0 has no output; the paths a_t -> h_t, all t at once:
        dh[..., 1:, :, :] = each_step(delta, self.C_re - 1j * self.C_im)
        dhs, lambda_conj_b = steps_first(dh), lambda_conj[..., None, :]  # b: over the batch
        for t in range(T, 0, -1):
            dhs[t - 1] += lambda_conj_b * dhs[t]  # dhs[t] is complete: the path h_{t-1} -> h_t
        # d_lambda, dB, d_gamma, dC: the docstring's adjoints, summed over steps and sequences
        dh_x = sum_steps(dh[..., 1:, :, :], xs)  # sum of dh_t^T x_t^T, (..., n, d)
        dB = gamma[..., :, None] * dh_x
        d_gamma = (dh_x * (self.B_re - 1j * self.B_im)).real.sum(axis=-1)
        d_lambda = (dh[..., 1:, :, :] * np.conj(h[..., :-1, :, :])).sum(axis=(-3, -2))
        dC = sum_steps(delta, np.conj(h[..., 1:, :, :]))
        # d lambda / d nu and d gamma / d nu with e^nu inside the exponent: exactly 0 once e^nu
        # overflows (nu > 709, lambda = 0), not inf * 0 = NaN
        dlambda_dnu = -np.exp(self.nu - np.exp(self.nu) + 1j * self.theta)  # -e^nu lambda
        dgamma_dnu = np.exp(self.nu - 2.0 * np.exp(self.nu)) / gamma  # e^nu |lambda|^2 / gamma
        return LRUGradients(
            B_re=dB.real,
            B_im=dB.imag,
            nu=(d_lambda * np.conj(dlambda_dnu)).real + d_gamma * dgamma_dnu,
            theta=(d_lambda * lambda_conj).imag,
            C_re=dC.real,
            C_im=dC.imag,
            D=sum_steps(delta, xs),
            W_hy=sum_steps(dL_dy, trace.z),
            b_y=dL_dy.sum(axis=(-3, -2)),
            dh=dh,
        )

    def step_jacobians(self, trace: LRUTrace) -> np.ndarray:
        r"""All one-step Jacobians of the real state :math:`(\operatorname{Re} h_t,
        \operatorname{Im} h_t)`, the real form of :math:`\operatorname{diag}(\lambda)`, the same
        at every step and for every input, shape (T, B, 2n, 2n):

        .. math::

            J_t = \begin{pmatrix} \operatorname{diag}(\operatorname{Re}\lambda) &
                -\operatorname{diag}(\operatorname{Im}\lambda) \\
                \operatorname{diag}(\operatorname{Im}\lambda) &
                \operatorname{diag}(\operatorname{Re}\lambda) \end{pmatrix},

        normal, with singular values :math:`|\lambda_j|` (each twice).
        """
        self._one_network("step_jacobians")
        T, B, n = self._check_trace(trace)
        return np.broadcast_to(self._step_jacobian(trace, 0), (T, B, 2 * n, 2 * n)).copy()

    def _step_jacobian(self, trace: LRUTrace, s: int) -> np.ndarray:
        """The Jacobian of step s + 1, shape (B, 2n, 2n) (a read-only broadcast view)."""
        re, im = np.diag(self.lambda_.real), np.diag(self.lambda_.imag)
        J = np.block([[re, -im], [im, re]])
        return np.broadcast_to(J, (trace.h.shape[-2], *J.shape))


def complex_state(value: object, B: int, n: int, runs: tuple[int, ...]) -> np.ndarray:
    """The initial state ``h0``, real or complex, as a complex array (..., B, n): zeros if
    None; a complex one is checked as its parts ``h0.real``, ``h0.imag``, as the other cells
    check a real one (vector or matrix, broadcast over the runs)."""
    if isinstance(value, list | tuple):  # nested lists: an array if any entry is complex
        with contextlib.suppress(ValueError):  # ragged: initial_state names h0
            value = np.asarray(value) if np.iscomplexobj(value) else value
    if isinstance(value, np.ndarray) and np.iscomplexobj(value):
        re = initial_state(np.ascontiguousarray(value.real), "h0.real", B, n, runs)
        return re + 1j * initial_state(np.ascontiguousarray(value.imag), "h0.imag", B, n, runs)
    return initial_state(value, "h0", B, n, runs).astype(np.complex128)
