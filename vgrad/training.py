r"""Stochastic gradient descent on a vanilla RNN, with optional clipping, watched step by step.

One step draws a fresh batch from a task (:mod:`vgrad.tasks`), runs BPTT, optionally clips,
and updates with heavy-ball momentum :math:`\mu`:

.. math::

    v \leftarrow \mu v + \operatorname{clip}(g), \qquad \theta \leftarrow \theta - \eta\, v .

Besides the loss, every step records the gradient norm before and after clipping, and every
few steps the profile :math:`\|\partial L / \partial h_t\|` over t, which shows how much of
the loss gradient reaches the early steps (:doc:`/training`).

A run that blows up is stopped, not crashed: an overflow in the forward or backward pass, a
non-finite loss or gradient, or a loss above ``max_loss`` ends the run with the reason
recorded, and the network keeps its last finite parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_int, check_real, check_rng
from .clipping import clip_by_norm, clip_by_value, global_norm
from .rnn import RNN, Gradients
from .tasks import Batch

__all__ = ["TrainResult", "evaluate", "train"]

CLIP_KINDS = ("norm", "value")


@dataclass(frozen=True)
class TrainResult:
    r"""What happened during :func:`train`.

    Attributes
    ----------
    net : RNN
        The trained network (a copy; the network passed in is untouched). After a divergence
        it holds the parameters of the last finite step.
    loss : ndarray, shape (S,)
        Training loss of each completed step, on that step's batch, before its update.
    grad_norm : ndarray, shape (S,)
        Global norm of the parameter gradient before clipping.
    grad_norm_clipped : ndarray, shape (S,)
        Global norm of the gradient after clipping, the one that enters the momentum update
        (equal to ``grad_norm`` without clipping).
    profile_steps : ndarray of int, shape (P,)
        The steps at which a profile was taken.
    profiles : ndarray, shape (P, T + 1)
        ``profiles[i, t]`` is the batch mean of :math:`\|\partial L / \partial h_t\|` at
        step ``profile_steps[i]``, for t = 0..T.
    diverged : bool
        Whether the run was stopped early.
    reason : str or None
        Why it was stopped.
    step_stopped : int or None
        The step that failed (no update was applied at that step); S equals it.
    """

    net: RNN
    loss: np.ndarray
    grad_norm: np.ndarray
    grad_norm_clipped: np.ndarray
    profile_steps: np.ndarray
    profiles: np.ndarray
    diverged: bool
    reason: str | None
    step_stopped: int | None

    @property
    def steps_done(self) -> int:
        """Number of completed (applied) updates."""
        return self.loss.shape[0]


def _check_clip(clip: object) -> tuple[str, float] | None:
    if clip is None:
        return None
    if not isinstance(clip, tuple) or len(clip) != 2:
        raise TypeError(
            f'clip must be None, ("norm", tau) or ("value", c), got {type(clip).__name__} {clip!r}'
        )
    kind = check_choice(clip[0], "clip[0]", CLIP_KINDS)
    return kind, check_real(clip[1], "clip[1]", positive=True)


def _draw(
    task: Callable[[int, np.random.Generator], Batch],
    batch: int,
    rng: np.random.Generator,
    net: RNN,
) -> Batch:
    data = task(batch, rng)
    if not isinstance(data, Batch):
        raise TypeError(f"task must return a vgrad Batch, got {type(data).__name__}")
    d, _, m = net.sizes
    if data.d != d or data.n_outputs != m:
        raise ValueError(
            f"the task needs a network with d={data.d} inputs and m={data.n_outputs} outputs, "
            f"got one with d={d}, m={m}"
        )
    return data


def evaluate(net: RNN, batch: Batch) -> float:
    """The loss of ``net`` on ``batch`` (no gradient), e.g. a large held-out batch.

    Raises
    ------
    FloatingPointError
        If the forward pass overflows.
    """
    if not isinstance(net, RNN):
        raise TypeError(f"net must be a vgrad RNN, got {type(net).__name__}")
    if not isinstance(batch, Batch):
        raise TypeError(f"batch must be a vgrad Batch, got {type(batch).__name__}")
    loss, _ = batch.loss_and_grad(net.forward(batch.xs).y)
    return loss


def train(
    net: RNN,
    task: Callable[[int, np.random.Generator], Batch],
    *,
    steps: int,
    lr: float,
    batch: int,
    rng: np.random.Generator | int,
    momentum: float = 0.0,
    clip: tuple[str, float] | None = None,
    profile_every: int | None = None,
    max_loss: float = 1e6,
) -> TrainResult:
    r"""Train a copy of ``net`` by minibatch SGD with momentum and optional gradient clipping.

    .. math::

        g = \nabla_\theta L, \quad
        \tilde g = \begin{cases}
            \min(1, \tau / \|g\|)\, g & \texttt{clip=("norm", tau)} \\
            \operatorname{clip}(g, -c, c) & \texttt{clip=("value", c)}
        \end{cases}, \quad
        v \leftarrow \mu v + \tilde g, \quad \theta \leftarrow \theta - \eta v .

    Parameters
    ----------
    net : RNN
        The initial network; it is copied, not modified.
    task : callable
        ``task(batch, rng) -> Batch``, e.g. ``functools.partial(vgrad.tasks.adding_problem,
        50)``. Called once per step for a fresh batch; its sequence length must not change.
    steps : int
        Number of updates.
    lr : float
        Learning rate :math:`\eta > 0`.
    batch : int
        Sequences per step.
    rng : numpy.random.Generator or int
        Source of every batch.
    momentum : float, default 0
        :math:`\mu \in [0, 1)`; 0 is plain SGD.
    clip : None, ("norm", tau) or ("value", c)
        Norm clipping (:func:`vgrad.clip_by_norm`) or element-wise clipping
        (:func:`vgrad.clip_by_value`) of the parameter gradient.
    profile_every : int, optional
        Record :math:`\|\partial L/\partial h_t\|` at steps 0, ``profile_every``, ... and at
        the last step. ``None`` records none.
    max_loss : float, default 1e6
        A loss above this stops the run as diverged.

    Returns
    -------
    TrainResult
    """
    if not isinstance(net, RNN):
        raise TypeError(f"net must be a vgrad RNN, got {type(net).__name__}")
    if not callable(task):
        raise TypeError(f"task must be callable as task(batch, rng), got {type(task).__name__}")
    steps = check_int(steps, "steps", minimum=1)
    lr = check_real(lr, "lr", positive=True)
    batch = check_int(batch, "batch", minimum=1)
    rng = check_rng(rng)
    momentum = check_real(momentum, "momentum", nonnegative=True)
    if momentum >= 1.0:
        raise ValueError(f"momentum must be < 1, got {momentum}")
    clip = _check_clip(clip)
    if profile_every is not None:
        profile_every = check_int(profile_every, "profile_every", minimum=1)
    max_loss = check_real(max_loss, "max_loss", positive=True)

    net = net.copy()
    params = net.params()
    velocity = {k: np.zeros_like(p) for k, p in params.items()}
    loss_log, norm_log, clipped_log = [], [], []
    profile_steps, profiles = [], []
    reason = None
    T = None
    for step in range(steps):
        data = _draw(task, batch, rng, net)
        if T is None:
            T = data.T
        elif data.T != T:
            raise ValueError(f"task changed its sequence length from T={T} to T={data.T}")
        want_profile = profile_every is not None and (
            step % profile_every == 0 or step == steps - 1
        )
        # Overflow is a possible outcome of training, not a bug: numpy raises it inside
        # this block (so every array that leaves it is finite), and the run ends with the
        # reason instead of printing a warning.
        stage = "forward pass"
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                trace = net.forward(data.xs)
                stage = "loss"
                loss, dL_dy = data.loss_and_grad(trace.y)
                if loss > max_loss:
                    raise _Stop(f"the loss {loss:.3g} exceeds max_loss={max_loss:g}")
                stage = "backward pass"
                grads = net.backward(trace, dL_dy)
                g, norm = _clip(grads, clip)
                stage = "update"
                velocity = {k: momentum * velocity[k] + g[k] for k in params}
                new = {k: p - lr * velocity[k] for k, p in params.items()}
                stage = "gradient profile"
                profile = _mean_norms(grads.dh) if want_profile else None
        except _Stop as exc:
            reason = f"step {step}: {exc}"
            break
        except FloatingPointError as exc:
            reason = f"step {step} ({stage}): {exc}"
            break
        for k, p in params.items():
            p[...] = new[k]
        loss_log.append(loss)
        norm_log.append(norm)
        clipped_log.append(_clipped_norm(g, norm, clip))
        if profile is not None:
            profile_steps.append(step)
            profiles.append(profile)
    diverged = reason is not None
    return TrainResult(
        net=net,
        loss=np.asarray(loss_log, dtype=np.float64),
        grad_norm=np.asarray(norm_log, dtype=np.float64),
        grad_norm_clipped=np.asarray(clipped_log, dtype=np.float64),
        profile_steps=np.asarray(profile_steps, dtype=np.int64),
        profiles=np.asarray(profiles, dtype=np.float64).reshape(len(profiles), (T or 0) + 1),
        diverged=diverged,
        reason=reason,
        step_stopped=len(loss_log) if diverged else None,
    )


class _Stop(Exception):
    """A training step produced something unusable; the message says what."""


def _mean_norms(dh: np.ndarray) -> np.ndarray:
    """Batch mean of ||dh[t, b]|| for every t, scaled per step so squares cannot overflow."""
    scale = np.max(np.abs(dh), axis=(1, 2))
    scale = np.where(scale > 0, scale, 1.0)
    return scale * np.linalg.norm(dh / scale[:, None, None], axis=2).mean(axis=1)


def _clipped_norm(g: dict[str, np.ndarray], norm: float, clip: tuple[str, float] | None) -> float:
    if clip is None:
        return norm
    if clip[0] == "norm":
        return min(norm, clip[1])
    return global_norm(list(g.values()))


def _clip(grads: Gradients, clip: tuple[str, float] | None) -> tuple[dict[str, np.ndarray], float]:
    if clip is None:
        norm = global_norm(grads)
        clipped = grads
    else:
        kind, threshold = clip
        fn = clip_by_norm if kind == "norm" else clip_by_value
        clipped, norm = fn(grads, threshold)
    if not np.isfinite(norm):  # entries are finite, but their norm exceeds float64
        raise _Stop(f"the gradient norm is {norm}")
    return clipped.params(), norm
