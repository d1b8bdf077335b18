"""The helpers the site's executed pages need besides the engine: :func:`glue`,
:func:`sci` to write a number the way the prose does, and :func:`show` to show a figure
with its alt text.

The chapters of the vgrad site are notebooks. The docs build executes them with myst-nb,
whose ``glue`` hands a computed value to the prose around it; a reader can also download
each chapter as a ``.ipynb`` and run it in plain Jupyter, where myst-nb is usually not
installed. The pages therefore import ``glue`` from here: it is myst-nb's when myst-nb is
importable, and otherwise a small stand-in that keeps the values in :data:`GLUED`, so a
downloaded page needs nothing but vgrad and matplotlib.

:func:`show` is ``plt.show()`` once it has checked the alt text; the site's build renders
the figure its own way (light and dark PNGs, an SVG, size rules: ``docs/_ext/figures.py``
in the repository) by setting the hook :data:`_hook`. matplotlib is imported only when a
figure is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["GLUED", "glue", "plain_text", "sci", "show"]

#: Every value glued since the module was imported, by name (with or without myst-nb).
GLUED: dict[str, Any] = {}

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(x: float, digits: int = 2) -> str:
    """``x`` as the prose writes it: ``'1.2 × 10⁻⁷'``, plain between 0.01 and 10⁴.

    Parameters
    ----------
    x : float
    digits : int, optional
        Significant digits (default 2).

    Returns
    -------
    str
        E.g. ``sci(1.234e-7) == '1.2 × 10⁻⁷'``, ``sci(0.5) == '0.5'``.
    """
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    if -2 <= int(exponent) < 4:  # decided after rounding: 9999 at 2 digits is 1.0 × 10⁴
        return f"{x:.{digits}g}"
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Record ``variable`` under ``name`` for the page's text, and show it if ``display``.

    Parameters
    ----------
    name : str
        The key under which the page's ``{glue}`` roles and directives find the value.
    variable : object
        The value: a number, a string, a figure, or anything IPython can display.
    display : bool, optional
        Also show the value as the cell's output (default ``True``).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is empty.

    Notes
    -----
    With myst-nb installed (the docs build) this calls ``myst_nb.glue``, which emits the
    value as a cell output for the build to read. Without it the value is stored in
    :data:`GLUED` and, when ``display`` is true, shown with IPython's ``display`` (printed,
    outside IPython), which is all a reader running the notebook needs.
    """
    if not isinstance(name, str):
        raise TypeError(f"glue: name must be a str, not {type(name).__name__}")
    if not name:
        raise ValueError("glue: name must not be empty")
    GLUED[name] = variable
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        myst_glue = None
    if myst_glue is not None:
        myst_glue(name, variable, display=display)
        return
    if display:
        try:
            from IPython.display import display as show
        except ImportError:
            print(repr(variable))
        else:
            show(variable)


# --------------------------------------------------------------------------------------
# Figures


_TEX = {
    r"\partial": "∂", r"\rho": "ρ", r"\sigma": "σ", r"\phi": "φ", r"\gamma": "γ",
    r"\tau": "τ", r"\lambda": "λ", r"\theta": "θ", r"\Delta": "Δ", r"\|": "‖",
    r"\times": "×", r"\cdots": "…", r"\approx": "≈", r"\le": "≤", r"\ge": "≥",
    r"\max": "max", r"\log": "log", r"\,": " ", r"\;": " ", r"\ ": " ",
}  # fmt: skip


def plain_text(text: str) -> str:
    """``text`` with matplotlib's mathtext (``$\\rho^k$``) made readable (``ρ^k``), for alt text."""
    import re

    for tex, char in _TEX.items():
        text = text.replace(tex, char)
    text = re.sub(r"\\(?:mathrm|mathbf|operatorname|text)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return " ".join(text.replace("$", "").replace("{", "").replace("}", "").split())


#: What :func:`show` calls instead of ``plt.show()``, with the figure and its alt text:
#: None (plain matplotlib) but in the site's build, whose kernels set it at start-up.
_hook: Callable[[Any, str], None] | None = None


def show(fig: Any, alt: str) -> None:
    """Show ``fig`` with the alt text ``alt``, a sentence saying what the figure shows.

    This displays the figure as matplotlib would (``plt.show()``): a downloaded page needs
    only matplotlib. The site's build sets the module's ``_hook`` (its kernels run
    ``figures.install()`` from ``docs/_ext/figures.py`` at start-up), and then ``show``
    calls ``_hook(fig, alt)`` instead, which checks the figure against the site's size
    rules and displays its light, dark and SVG renderings.

    Raises
    ------
    TypeError
        If ``alt`` is not a string.
    ValueError
        If ``alt`` is empty, or (docs build) the figure breaks the size rules.
    """
    if not isinstance(alt, str):
        raise TypeError(f"show: alt must be a str, not {type(alt).__name__}")
    if not alt.strip():
        raise ValueError("show: alt must say what the figure shows")
    if _hook is not None:
        _hook(fig, alt)
        return
    import matplotlib.pyplot as plt

    plt.show()
