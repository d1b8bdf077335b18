"""The helpers the site's executed pages need besides the engine: :func:`glue` a value
into the prose, :func:`sci` to write a number as the prose does, :func:`show` a figure with
its alt text. A page downloaded as a notebook needs nothing but vgrad and matplotlib, which
is imported only when a figure is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["GLUED", "glue", "sci", "show"]

#: Every value glued since the module was imported, by name (with or without myst-nb).
GLUED: dict[str, Any] = {}

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant digits as the prose writes it: ``sci(1.234e-7) ==
    '1.2 × 10⁻⁷'``, plain between 0.01 and 10⁴ (``sci(0.5) == '0.5'``)."""
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    if -2 <= int(exponent) < 4:  # decided after rounding: 9999 at 2 digits is 1.0 × 10⁴
        return f"{float(f'{x:.{digits}g}'):.{max(digits, 4)}g}"  # 1200, not g's 1.2e+03
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Record ``variable`` under the non-empty ``name`` (the key of the page's ``{glue}``
    roles) in :data:`GLUED` and, where myst-nb is installed, with ``myst_nb.glue`` for the
    build, whatever ``display``; show it if ``display`` (without myst-nb, with IPython's
    ``display``, printed outside IPython)."""
    if not isinstance(name, str):
        raise TypeError(f"glue: name must be a str, not {type(name).__name__}")
    if not name:
        raise ValueError("glue: name must not be empty")
    GLUED[name] = variable
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        pass
    else:
        myst_glue(name, variable, display=display)
        return
    if display:
        try:
            from IPython.display import display as show
        except ImportError:
            print(repr(variable))
        else:
            show(variable)


#: What :func:`show` calls instead of ``plt.show()``, with the figure and its alt text:
#: None (plain matplotlib) but in the site's build, whose kernels set it at start-up.
_hook: Callable[[Any, str], None] | None = None


def show(fig: Any, alt: str) -> None:
    """Show ``fig`` with the alt text ``alt``, a non-empty sentence saying what it shows:
    ``plt.show()``, or in the site's build ``_hook(fig, alt)`` (``figures.install()`` of
    ``docs/_ext/figures.py``), which checks the figure against the site's size rules
    (ValueError) and displays its light, dark and SVG renderings."""
    if not isinstance(alt, str):
        raise TypeError(f"show: alt must be a str, not {type(alt).__name__}")
    if not alt.strip():
        raise ValueError("show: alt must say what the figure shows")
    if _hook is not None:
        _hook(fig, alt)
        return
    import matplotlib.pyplot as plt

    plt.show()
