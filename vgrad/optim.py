r"""Update rules for training: SGD with heavy-ball momentum, RMSProp and Adam.

Each rule turns the (possibly clipped, :mod:`vgrad.clipping`) gradient :math:`\tilde g` of
step :math:`t = 1, 2, \dots` into an update, elementwise, from zero state:

.. math::

    \text{SGD:}\quad & v \leftarrow \mu v + \tilde g, &
        \theta &\leftarrow \theta - \eta\, v, \\
    \text{RMSProp:}\quad & s \leftarrow \beta s + (1 - \beta)\, \tilde g^2, &
        \theta &\leftarrow \theta - \eta\, \tilde g / (\sqrt{s} + \epsilon), \\
    \text{Adam:}\quad & m \leftarrow \beta_1 m + (1 - \beta_1)\, \tilde g,\ \
        s \leftarrow \beta_2 s + (1 - \beta_2)\, \tilde g^2, &
        \theta &\leftarrow \theta - \eta\, \frac{m / (1 - \beta_1^t)}
        {\sqrt{s / (1 - \beta_2^t)} + \epsilon},

(Tieleman & Hinton 2012 for RMSProp, as ``torch.optim.RMSprop``; Kingma & Ba 2015 for Adam;
:doc:`/remedies`). A rule is a frozen dataclass of its hyper-parameters; its
:meth:`~Optimizer.update` takes :math:`\eta` and one network's parameters, or R runs stacked
along a leading axis, :math:`\eta` and hyper-parameters one per run (:meth:`Optimizer.per_kind`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ._validate import check_real
from .clipping import _along_runs as _b

__all__ = ["SGD", "Adam", "Optimizer", "RMSProp", "get_optimizer"]


@dataclass(frozen=True)
class Optimizer:
    """Base of the update rules; see the module docstring for their equations."""

    #: The state arrays the rule keeps for each parameter, zero at the start.
    slots: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        """Check the hyper-parameters: ``eps`` > 0, every other one in [0, 1)."""
        for name, value in self.hyper().items():
            value = check_real(value, name, positive=name == "eps", nonnegative=name != "eps")
            if name != "eps" and value >= 1.0:
                raise ValueError(f"{name} must be < 1, got {value}")

    def init(self, params: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
        """Zero state for every parameter: ``state[slot][name]``."""
        return {s: {k: np.zeros_like(p) for k, p in params.items()} for s in self.slots}

    def update(
        self,
        params: dict[str, np.ndarray],
        grads: dict[str, np.ndarray],
        state: dict[str, dict[str, np.ndarray]],
        t: int,
        lr: float | np.ndarray,
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
        """One step ``t`` (from 1): the new parameters and the new state (nothing is modified
        in place, so a caller can still refuse the step)."""
        raise NotImplementedError

    def hyper(self) -> dict[str, float]:
        """The hyper-parameters by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def stacked(cls, rules: Sequence[Optimizer]) -> Optimizer:
        """The ``rules`` (of one class) as one rule, each hyper-parameter an array: one per run."""
        kinds = {type(r) for r in rules}
        if len(kinds) != 1:
            names = sorted(k.__name__ for k in kinds)
            raise ValueError(f"optimizer must be one kind of rule for every run, got {names}")
        values = {k: np.array([r.hyper()[k] for r in rules]) for k in rules[0].hyper()}
        return _unchecked(kinds.pop(), values)

    @staticmethod
    def per_kind(rules: Sequence[Optimizer]) -> Optimizer:
        """One rule for a stack of runs from their ``rules``, in order: :meth:`stacked` for one
        kind; for several, each kind's :meth:`stacked` rule updates that kind's runs, and the
        state holds every kind's slots (zero, and unused, where a run's rule has none)."""
        if not len(rules):
            raise ValueError("rules must hold one rule per run, got none")
        for i, r in enumerate(rules):
            if not isinstance(r, Optimizer):
                raise TypeError(f"rules[{i}] must be a vgrad.optim rule, got {r!r}")
        kinds = list(dict.fromkeys(type(r) for r in rules))
        if len(kinds) == 1:
            return Optimizer.stacked(rules)
        runs = [np.array([i for i, r in enumerate(rules) if type(r) is kind]) for kind in kinds]
        return _PerKind(tuple((Optimizer.stacked([rules[i] for i in ix]), ix) for ix in runs))

    def take(self, runs: np.ndarray) -> Optimizer:
        """A stacked rule restricted to the runs selected by ``runs``."""
        hyper = {k: np.asarray(v)[runs] if np.ndim(v) else v for k, v in self.hyper().items()}
        return _unchecked(type(self), hyper)


def _unchecked(kind: type, hyper: dict) -> Optimizer:
    """A rule of class ``kind`` with these hyper-parameters (arrays, one value per run),
    without the checks of its constructor."""
    out = object.__new__(kind)
    for k, v in hyper.items():
        object.__setattr__(out, k, v)
    return out


@dataclass(frozen=True)
class _PerKind(Optimizer):
    """Runs of several kinds of rule in one stack (:meth:`Optimizer.per_kind`): ``parts``
    pairs each kind's stacked rule with the indices of its runs."""

    parts: tuple[tuple[Optimizer, np.ndarray], ...]

    def __post_init__(self) -> None:
        """No checks (the parts are stacked rules); the state holds every part's slots."""
        slots = dict.fromkeys(s for rule, _ in self.parts for s in rule.slots)
        object.__setattr__(self, "slots", tuple(slots))

    def update(self, params, grads, state, t, lr):
        new = {k: p.copy() for k, p in params.items()}
        new_state = {s: {k: v.copy() for k, v in a.items()} for s, a in state.items()}
        for rule, ix in self.parts:
            mine = {s: _rows(state[s], ix) for s in rule.slots}
            lr_ix = np.asarray(lr)[ix] if np.ndim(lr) else lr
            p, st = rule.update(_rows(params, ix), _rows(grads, ix), mine, t, lr_ix)
            for k in new:
                new[k][ix] = p[k]
            for s in rule.slots:
                for k in new:
                    new_state[s][k][ix] = st[s][k]
        return new, new_state

    def take(self, runs: np.ndarray) -> Optimizer:
        keep = np.zeros(sum(len(ix) for _, ix in self.parts), dtype=bool)
        keep[runs] = True
        position = np.cumsum(keep) - 1  # the index of each kept run in the smaller stack
        parts = tuple(
            (rule.take(keep[ix]), position[ix[keep[ix]]])
            for rule, ix in self.parts
            if keep[ix].any()
        )
        return parts[0][0] if len(parts) == 1 else _PerKind(parts)


def _rows(arrays: dict[str, np.ndarray], ix: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[ix] for k, v in arrays.items()}


@dataclass(frozen=True)
class SGD(Optimizer):
    r"""SGD with heavy-ball momentum :math:`\mu` (``momentum``), in [0, 1)."""

    momentum: float = 0.0
    slots: ClassVar[tuple[str, ...]] = ("v",)

    def update(self, params, grads, state, t, lr):
        v_new = {k: _b(self.momentum, p) * state["v"][k] + grads[k] for k, p in params.items()}
        new = {k: p - _b(lr, p) * v_new[k] for k, p in params.items()}
        return new, {"v": v_new}


@dataclass(frozen=True)
class RMSProp(Optimizer):
    r"""RMSProp: decay :math:`\beta` (``decay``) of the mean square, :math:`\epsilon` outside
    the square root."""

    decay: float = 0.99
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("s",)

    def update(self, params, grads, state, t, lr):
        s_new, new = {}, {}
        for k, p in params.items():
            beta, g = _b(self.decay, p), grads[k]
            s_new[k] = beta * state["s"][k] + (1.0 - beta) * (g * g)
            new[k] = p - _b(lr, p) * g / (np.sqrt(s_new[k]) + _b(self.eps, p))
        return new, {"s": s_new}


@dataclass(frozen=True)
class Adam(Optimizer):
    r"""Adam with bias correction: :math:`\beta_1` (``beta1``), :math:`\beta_2` (``beta2``),
    :math:`\epsilon` (``eps``)."""

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("m", "s")

    def update(self, params, grads, state, t, lr):
        m_new, s_new, new = {}, {}, {}
        for k, p in params.items():
            b1, b2, g = _b(self.beta1, p), _b(self.beta2, p), grads[k]
            m_new[k] = m = b1 * state["m"][k] + (1.0 - b1) * g
            s_new[k] = s = b2 * state["s"][k] + (1.0 - b2) * (g * g)
            step = m / (1.0 - b1**t) * _b(lr, p)
            new[k] = p - step / (np.sqrt(s / (1.0 - b2**t)) + _b(self.eps, p))
        return new, {"m": m_new, "s": s_new}


RULES = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam}


def get_optimizer(rule: str | Optimizer) -> Optimizer:
    """An update rule from its name (``"sgd"``, ``"rmsprop"``, ``"adam"``: default
    hyper-parameters) or as given."""
    if isinstance(rule, Optimizer):
        return rule
    if isinstance(rule, str) and rule.lower() in RULES:
        return RULES[rule.lower()]()
    raise TypeError(
        f"optimizer must be one of {sorted(RULES)} or a vgrad.optim rule such as "
        f"Adam(beta1=0.9), got {rule!r}"
    )
