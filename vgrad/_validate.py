"""Argument checking shared by every public function: errors name the argument, what was
expected and what was received, so that a reader learns what to fix without reading the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np


def as_float_array(
    x: object,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` as a float64 array after checking dtype, rank, ``shape`` (``None``: a free
    axis) and finiteness; integer ndarrays and booleans are refused (a list of ints is cast)."""
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, Real | Sequence) and not isinstance(x, str | bytes):
        try:
            arr = np.asarray(x)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"{name} must be a rectangular array of real numbers; {exc}") from None
    else:
        raise TypeError(f"{name} must be a real floating array, got {type(x).__name__}")
    if arr.dtype.kind in "iu" and not isinstance(x, np.ndarray):
        arr = arr.astype(np.float64)  # plain Python numbers in a list are fine
    elif arr.dtype.kind != "f":
        raise TypeError(f"{name} must have a real floating dtype, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got shape {arr.shape}")
    if shape is not None:
        ok = arr.ndim == len(shape) and all(
            s is None or s == a for s, a in zip(shape, arr.shape, strict=True)
        )
        if not ok:
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} non-finite entries (NaN or inf)")
    return arr


def check_int(x: object, name: str, *, minimum: int | None = None) -> int:
    """Return ``x`` as ``int`` if it is an integer (not a bool) at least ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {x!r}")
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    return int(x)


def check_sizes(d: object, n: object, m: object) -> tuple[int, int, int]:
    """Input, hidden and output sizes ``(d, n, m)`` of a recurrent network, each at least 1."""
    return check_int(d, "d", minimum=1), check_int(n, "n", minimum=1), check_int(m, "m", minimum=1)


def check_real(x: object, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``x`` as a finite ``float``, optionally requiring a sign."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    v = float(x)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if positive and v <= 0:
        raise ValueError(f"{name} must be > 0, got {v}")
    if nonnegative and v < 0:
        raise ValueError(f"{name} must be >= 0, got {v}")
    return v


def check_choice(x: object, name: str, choices: Sequence[str]) -> str:
    """Return ``x`` if it is one of ``choices``, else raise naming all of them."""
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a string, one of {list(choices)}, got {type(x).__name__}")
    if x not in choices:
        raise ValueError(f"unknown {name} {x!r}; expected one of {list(choices)}")
    return x


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Accept a ``numpy.random.Generator`` or an integer seed; refuse global-state randomness."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy.random.Generator or an integer seed, got {type(rng).__name__}"
    )
