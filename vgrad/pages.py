"""The one helper the site's executed pages need besides the engine: :func:`glue`.

The chapters of the vgrad site are notebooks. The docs build executes them with myst-nb,
whose ``glue`` hands a computed value to the prose around it; a reader can also download
each chapter as a ``.ipynb`` and run it in plain Jupyter, where myst-nb is usually not
installed. The pages therefore import ``glue`` from here: it is myst-nb's when myst-nb is
importable, and otherwise a small stand-in that keeps the values in :data:`GLUED`, so a
downloaded page needs nothing but vgrad and matplotlib.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GLUED", "glue"]

#: Every value glued since the module was imported, by name (with or without myst-nb).
GLUED: dict[str, Any] = {}


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
