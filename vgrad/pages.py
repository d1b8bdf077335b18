"""The two helpers the site's executed pages need besides the engine: :func:`glue`, and
:func:`sci` to write a number the way the prose does.

The chapters of the vgrad site are notebooks. The docs build executes them with myst-nb,
whose ``glue`` hands a computed value to the prose around it; a reader can also download
each chapter as a ``.ipynb`` and run it in plain Jupyter, where myst-nb is usually not
installed. The pages therefore import ``glue`` from here: it is myst-nb's when myst-nb is
importable, and otherwise a small stand-in that keeps the values in :data:`GLUED`, so a
downloaded page needs nothing but vgrad and matplotlib.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GLUED", "glue", "sci"]

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
