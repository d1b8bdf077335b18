r"""Activation functions, their derivatives, and the bound :math:`\gamma = \sup_z |\phi'(z)|`.

One step of the backward recursion multiplies by :math:`\operatorname{diag}(\phi'(a)) W`,
whose norm is at most :math:`\gamma \|W\|` (:doc:`/deep_networks`, :doc:`/eigenvalues`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from ._validate import check_choice

# fmt: off
__all__ = [
    "ACTIVATIONS", "Activation", "gelu", "gelu_prime", "get_activation", "sigmoid", "sigmoid_prime",
]
# fmt: on


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, without overflow: for
    :math:`z < 0` it evaluates :math:`e^{z} / (1 + e^{z})`."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    # The numerator, 1 where z >= 0 and e <= 1 where z < 0, is the larger of e and the mask:
    # a few times faster than np.where over the two branches, with the same numbers.
    return np.asarray(np.maximum(e, z >= 0) / (1.0 + e))


def _sigmoid_from_tanh(t: np.ndarray) -> np.ndarray:
    r"""Turn :math:`t = \tanh(a/2)` into :math:`\sigma(a) = \tfrac12 + \tfrac12 \tanh(a/2)` in
    place, for the gated cells, which evaluate all gates of a step with one ``tanh``; it
    differs from :func:`sigmoid` by a few 1e-16 absolute (a gate below 1e-17 is 0)."""
    t *= 0.5
    t += 0.5
    return t


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, at most 1/4 (reached at z = 0)."""
    s = sigmoid(z)
    return s * (1.0 - s)


_identity = partial(np.asarray, dtype=np.float64)
_identity_prime = partial(np.ones_like, dtype=np.float64)


def _tanh_prime(z: np.ndarray) -> np.ndarray:
    t = np.tanh(z)
    return 1.0 - t * t


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_prime(z: np.ndarray) -> np.ndarray:
    # The derivative at exactly 0 is taken as 0 (the subgradient most libraries use).
    return (np.asarray(z) > 0).astype(np.float64)


#: :math:`\sqrt{2/\pi}` and the cubic coefficient of the tanh form of GELU.
_GELU_K, _GELU_C = np.sqrt(2.0 / np.pi), 0.044715


def gelu(z: np.ndarray) -> np.ndarray:
    r"""GELU in its tanh form (Hendrycks & Gimpel 2016), the default of ``jax.nn.gelu``:
    :math:`\tfrac12 z\,(1 + \tanh u)`, :math:`u = \sqrt{2/\pi}\,(z + 0.044715\, z^3)`, within
    1e-3 of :math:`z\,\Phi(z)`; the per-step nonlinearity of :class:`vgrad.LRU` (not one of
    ``ACTIVATIONS``, the vanilla cells' choices)."""
    z = np.asarray(z, dtype=np.float64)  # z * z * z: 120x faster than z**3 (numpy 2.4)
    return 0.5 * z * (1.0 + np.tanh(_GELU_K * (z + _GELU_C * z * z * z)))


def gelu_prime(z: np.ndarray) -> np.ndarray:
    r""":math:`\tfrac12 (1 + \tanh u) + \tfrac12 z\,(1 - \tanh^2 u)\,u'`, with
    :math:`u' = \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\, z^2)`: the derivative of :func:`gelu`;
    between -0.129 and 1.129."""
    z = np.asarray(z, dtype=np.float64)
    t = np.tanh(_GELU_K * (z + _GELU_C * z * z * z))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_K * (1.0 + 3.0 * _GELU_C * z * z)


@dataclass(frozen=True)
class Activation:
    r"""An elementwise activation :math:`\phi` with its derivative and derivative bound.

    ``name``: the lookup name (``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``); ``f``:
    :math:`\phi`; ``df``: :math:`\phi'`, of the pre-activation; ``gamma``:
    :math:`\gamma = \sup_z |\phi'(z)|`, 1/4 for the sigmoid, 1 for the others.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    gamma: float

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.f(z)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", _identity, _identity_prime, 1.0),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime, 0.25),
    "tanh": Activation("tanh", np.tanh, _tanh_prime, 1.0),
    "relu": Activation("relu", _relu, _relu_prime, 1.0),
}


def get_activation(activation: str | Activation) -> Activation:
    """Return the :class:`Activation` called ``activation`` (a key of ``ACTIVATIONS``, else
    ValueError; TypeError for a non-string), or ``activation`` itself if it is one."""
    if isinstance(activation, Activation):
        return activation
    return ACTIVATIONS[check_choice(activation, "activation", list(ACTIVATIONS))]
