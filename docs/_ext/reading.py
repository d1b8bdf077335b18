"""Small repairs to markup that other extensions write, for screen readers and search.

Each rewrite is on the finished HTML of a page body (``html-page-context``), and each is
checked by ``tests_browser/test_reading.py`` (axe-core on every page):

* myst-nb's "Show code cell source" toggles carry ``aria-label="Toggle hidden content"``,
  a name that does not contain the words a sighted reader sees (axe
  ``label-content-name-mismatch``): the label goes, the visible words name the control.
* docutils marks the bibliography ``role="list"`` with ``role="doc-biblioentry"``
  children, which axe does not count as list items (``aria-required-children``): they
  become ``role="listitem"``.
* sphinx-gallery's thumbnail cards show their example's first paragraph as a tooltip,
  with the TeX source of its formulas (``\\gamma = \\sup_z``): :func:`tex_to_text` turns
  it into the text a reader would say (``γ = sup_z``).

* pydata-sphinx-theme's sidebar expanders are bare ``<summary>`` elements with a chevron
  (axe ``summary-name``): :func:`name_expanders` names each after the page it expands.

The search button is fixed in ``docs/_templates/search-button-field.html`` and the
thumbnail links' names in ``docs/_static/vgrad.css``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markupsafe import Markup

#: TeX commands and the characters they stand for in plain text.
_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "psi": "ψ", "omega": "ω", "Lambda": "Λ", "Sigma": "Σ", "Delta": "Δ",
    "partial": "∂", "nabla": "∇", "sum": "Σ", "prod": "∏", "infty": "∞", "approx": "≈",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "times": "×",
    "cdot": "·", "cdots": "⋯", "ldots": "…", "dots": "…", "odot": "⊙", "to": "→",
    "rightarrow": "→", "in": "∈", "pm": "±", "top": "ᵀ", "lVert": "‖", "rVert": "‖",
    "|": "‖", "ell": "ℓ", "sqrt": "√", "max": "max", "min": "min", "sup": "sup",
    "log": "log", "exp": "exp", "tanh": "tanh", "det": "det",
}  # fmt: skip
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad\b|\\[()\[\]]")
_SIZING = re.compile(r"\\(left|right|big|Big|bigg|Bigg)\b\s*")
_WRAPPERS = re.compile(r"\\(mathrm|mathbf|mathit|mathcal|operatorname|text|boldsymbol)\s*")
_COMMAND = re.compile(r"\\([A-Za-z]+|\|)")
_FRAC = re.compile(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_ATTR = re.compile(r'(<div class="sphx-glr-thumbcontainer"[^>]*?tooltip=")([^"]*)(")')


def tex_to_text(tex: str) -> str:
    """Plain text for a short TeX formula: ``\\sigma_{\\max}(W)`` becomes ``σ_max(W)``.

    Parameters
    ----------
    tex : str
        TeX source, as written between ``$`` signs (or ``:math:``).

    Returns
    -------
    str
        Greek letters and operators as Unicode, font and sizing commands dropped,
        ``\\frac{a}{b}`` as ``a/b``; braces that only group are removed.
    """
    text = _SPACING.sub(" ", tex)
    text = _SIZING.sub("", text)
    text = _WRAPPERS.sub("", text)
    text = _FRAC.sub(r"\1/\2", text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m[1], m[1]), text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _plain_tooltip(match: re.Match) -> str:
    # Formulas in an example's first paragraph arrive here as their bare TeX; prose
    # has no backslashes or braces, so the whole text can go through the conversion.
    plain = tex_to_text(html.unescape(match[2]))
    return match[1] + html.escape(plain, quote=True) + match[3]


def rewrite_body(body: str) -> str:
    """The three rewrites of the module docstring, on the HTML of one page body."""
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    return _ATTR.sub(_plain_tooltip, body)


_EXPANDER = re.compile(
    r'(<a [^>]*class="[^"]*reference internal[^"]*"[^>]*>((?:(?!</a>).)*)</a>\s*'
    r"<details[^>]*>\s*)<summary>",
    re.S,
)


def name_expanders(toctree_html: str) -> str:
    """Give each sidebar expander (the theme's bare ``<summary>`` with a chevron, axe
    ``summary-name``) a name: "Sections of" and the title of the page it expands."""

    def label(match: re.Match) -> str:
        title = html.unescape(re.sub(r"<[^>]+>", "", match[2])).strip()
        return f'{match[1]}<summary aria-label="{html.escape("Sections of " + title)}">'

    return _EXPANDER.sub(label, toctree_html)


def _on_page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any):
    if "body" in context:
        context["body"] = rewrite_body(context["body"])
    generate = context.get("generate_toctree_html")
    if callable(generate):  # pydata-sphinx-theme's, which the sidebar template calls
        # It returns HTML text or a BeautifulSoup tree; the templates print either.
        def named(*args: Any, **kwargs: Any) -> Markup:
            return Markup(name_expanders(str(generate(*args, **kwargs))))

        context["generate_toctree_html"] = named


def setup(app: Any) -> dict[str, Any]:
    # After pydata-sphinx-theme (priority 500) has put generate_toctree_html in the context.
    app.connect("html-page-context", _on_page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
