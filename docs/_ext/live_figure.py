r"""The live gradient-decay figure: inputs written by vgrad, numbers computed in the browser.

A page places the figure with the directive

.. code-block:: md

    ```{vgrad-live-decay}
    ```

which leaves an empty container for ``_static/live/live_decay.js`` to fill with controls
(spectral radius :math:`\rho`, number of steps :math:`T`, activation, kind of matrix, input
scale, named in words since :math:`\beta` is the clipping factor; it opens on the identity
activation and the normal matrix), an SVG plot of
:math:`\|\partial h_T/\partial h_{T-k}\|_2` against :math:`k` and a table of the plotted
numbers for screen readers. The script runs the recurrence and multiplies the step
Jacobians itself; it reads its inputs from ``_static/live/decay_data.js``, which
:func:`decay_data` computes with vgrad and this module writes into the build output at every
build (it is not a source file). The browser tests (``tests_browser/test_live_figure.py``)
check the plotted numbers against :meth:`vgrad.RNN.jacobian_log_norms` on the same inputs.

Without JavaScript the directive's ``<noscript>`` shows the gallery's static figure of the
same quantity instead, with a link to its example; other builders show that figure too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

import vgrad

#: Inputs of the live figure, as fixed by the page: hidden size, input size, longest
#: sequence, seed. n = 16 keeps a whole update (forward pass, T products, T SVDs of 16 x 16)
#: at a few milliseconds of JavaScript.
N_HIDDEN, D_INPUT, T_MAX, SEED = 16, 4, 100, 2024
#: Scale of the strictly upper part of the non-normal matrix's Schur form: entries
#: N(0, COUPLING^2 / n), like the off-diagonal entries of a random Gaussian matrix.
COUPLING = 1.0
RHO_RANGE = (0.5, 1.5, 0.01)  # min, max, step of the slider
INPUT_SCALE_RANGE = (0.0, 2.0, 0.05)  # the input scale multiplying every x_t

DATA_FILE = "_static/live/decay_data.js"
SCRIPT_FILE = "live/live_decay.js"
STYLE_FILE = "live/live_decay.css"
#: The script reads the data from this global; the browser tests strip it to get the JSON.
DATA_PREFIX = "window.vgradLiveData = "
DATA_SUFFIX = ";\n"

#: The static figure of the same quantity, shown when scripts are off, and its example.
FALLBACK_IMAGE = "auto_examples/02_unrolled_rnn/images/sphx_glr_plot_gradient_decay_001.png"
FALLBACK_EXAMPLE = "sphx_glr_auto_examples_02_unrolled_rnn_plot_gradient_decay.py"
FALLBACK_DOC = "auto_examples/02_unrolled_rnn/plot_gradient_decay"


def _rotation_blocks(theta: np.ndarray) -> np.ndarray:
    """Block-diagonal matrix of the 2 x 2 rotations by the angles ``theta``."""
    S = np.zeros((2 * theta.size, 2 * theta.size))
    for j, t in enumerate(theta):
        S[2 * j : 2 * j + 2, 2 * j : 2 * j + 2] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    return S


def decay_data(
    n: int = N_HIDDEN, d: int = D_INPUT, T_max: int = T_MAX, seed: int = SEED
) -> dict[str, Any]:
    r"""The inputs of the live figure: two recurrent matrices, input weights and inputs.

    Both matrices are written in a real Schur basis :math:`Z` (a Haar-random orthogonal matrix
    from :func:`vgrad.orthogonal`):

    * ``normal``: :math:`Q = Z S Z^\top`, with :math:`S` block diagonal of :math:`n/2` plane
      rotations by angles :math:`\theta_j`. :math:`Q` is orthogonal, its eigenvalues are
      :math:`e^{\pm i\theta_j}`, and every power of :math:`\rho Q` has all singular values
      equal to :math:`\rho^k`.
    * ``nonnormal``: :math:`N = Z (S + U) Z^\top` with :math:`U` strictly upper block
      triangular. A block-triangular matrix has the eigenvalues of its diagonal blocks, so
      :math:`N` has exactly the eigenvalues of :math:`Q` and :math:`\rho(\rho N) = \rho`, yet
      its powers grow for a while before :math:`\rho^k` takes over (:doc:`/eigenvalues`).

    The page multiplies either matrix by the reader's :math:`\rho` and the inputs by the
    reader's input scale :math:`s_{\mathrm{in}}`; the recurrence is
    :math:`h_t = \phi(W_{xh} (s_{\mathrm{in}} x_t) + \rho M h_{t-1})` with :math:`h_0 = 0` and
    no bias, on one
    fixed input sequence ``xs`` (the tanh Jacobians depend on it through :math:`h_t`).

    Returns
    -------
    dict
        JSON-ready: ``n``, ``d``, ``T_max``, ``seed``, ``rho`` and ``input_scale`` (slider
        ranges), ``W_xh`` (n x d), ``xs`` (T_max x d) and ``matrices`` (``normal`` and
        ``nonnormal``, n x n), as nested lists of floats.
    """
    if n % 2:
        raise ValueError(f"n must be even (the rotations come in 2 x 2 blocks), got {n}")
    rng = np.random.default_rng(seed)
    Z = vgrad.orthogonal(n, rng)
    theta = np.sort(rng.uniform(0.05 * np.pi, 0.95 * np.pi, n // 2))
    S = _rotation_blocks(theta)
    upper = np.zeros((n, n), dtype=bool)
    for j in range(n // 2):
        upper[2 * j : 2 * j + 2, 2 * j + 2 :] = True
    U = np.where(upper, rng.standard_normal((n, n)) * (COUPLING / np.sqrt(n)), 0.0)
    W_xh = rng.standard_normal((n, d)) / np.sqrt(d)
    xs = rng.standard_normal((T_max, d))
    return {
        "format": 1,
        "generator": f"vgrad {vgrad.__version__}",
        "n": n,
        "d": d,
        "T_max": T_max,
        "seed": seed,
        "rho": dict(zip(("min", "max", "step"), RHO_RANGE, strict=True)),
        "input_scale": dict(zip(("min", "max", "step"), INPUT_SCALE_RANGE, strict=True)),
        "W_xh": W_xh.tolist(),
        "xs": xs.tolist(),
        "matrices": {
            "normal": (Z @ S @ Z.T).tolist(),
            "nonnormal": (Z @ (S + U) @ Z.T).tolist(),
        },
    }


def data_script(data: dict[str, Any]) -> str:
    """``data`` as a classic script: a ``<script src>`` loads it from ``file://`` too, where a
    ``fetch`` of a JSON file is refused. Floats are written with ``repr``, which JavaScript
    parses back to the same float64."""
    return DATA_PREFIX + json.dumps(data, separators=(",", ":"), allow_nan=False) + DATA_SUFFIX


def read_data_script(text: str) -> dict[str, Any]:
    """Inverse of :func:`data_script` (for the tests)."""
    if not (text.startswith(DATA_PREFIX) and text.endswith(DATA_SUFFIX)):
        raise ValueError(f"not a live-figure data script: {text[:60]!r}")
    return json.loads(text[len(DATA_PREFIX) : -len(DATA_SUFFIX)])


# --------------------------------------------------------------------------------------
# Doctree


class live_decay(nodes.General, nodes.Element):
    """The container the script fills; HTML only."""


class noscript(nodes.General, nodes.Element):
    """Children shown only without scripts (in HTML); other builders show them always."""


class LiveDecayDirective(SphinxDirective):
    """``vgrad-live-decay``: the live figure, with the static gallery figure as fallback."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.env
        serial = env.new_serialno("vgrad-live-decay")
        fallback = nodes.figure(
            classes=["vgrad-live-fallback"],
            ids=["live-decay-static" + (f"-{serial}" if serial else "")],
        )
        # In fast mode (gallery not run) the image may not exist yet: the link alone then.
        # If the gallery runs and the image is still missing, Sphinx warns about it.
        with_image = (Path(env.srcdir) / FALLBACK_IMAGE).is_file() or _gallery_runs(self.config)
        if with_image:
            fallback += nodes.image(
                uri="/" + FALLBACK_IMAGE,
                alt="Norm of the Jacobian product against the lag k for recurrent matrices "
                "of spectral radius 0.5 to 1.5, with identity and tanh activations.",
            )
        ref = addnodes.pending_xref(
            "",
            nodes.inline("", "the gradient-decay example"),
            refdomain="std",
            reftype="ref",
            reftarget=FALLBACK_EXAMPLE,
            refexplicit=True,
            refwarn=True,
            refdoc=env.current_document.docname,
        )
        fallback += nodes.caption(
            "",
            "",
            nodes.Text(
                "The interactive version of this figure needs JavaScript. "
                + (
                    "This static figure of the same quantity comes from "
                    if with_image
                    else "The gallery shows the same quantity in "
                )
            ),
            ref,
            nodes.Text("."),
        )
        box = noscript()
        box += fallback
        return [live_decay(), box]


def _gallery_runs(config: Any) -> bool:
    return str(config.sphinx_gallery_conf.get("plot_gallery", "True")) != "False"


def _visit_live_decay_html(self: Any, node: live_decay) -> None:
    builder = self.builder
    href = ""
    if FALLBACK_DOC in builder.env.all_docs:
        href = builder.get_relative_uri(builder.current_docname, FALLBACK_DOC)
    # `hidden` until the script has built the figure: without scripts only <noscript> shows.
    self.body.append(
        f'<div class="vgrad-live" data-vgrad-live="decay" data-fallback-href="{href}" hidden>'
        "</div>\n"
    )
    raise nodes.SkipNode


def _visit_noscript_html(self: Any, node: noscript) -> None:
    self.body.append("<noscript>")


def _depart_noscript_html(self: Any, node: noscript) -> None:
    self.body.append("</noscript>\n")


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def _pass(self: Any, node: nodes.Node) -> None:
    pass


# --------------------------------------------------------------------------------------
# Build events


def _write_data(app: Any) -> None:
    """Write the data script into the output before the pages: Sphinx stamps each page's
    ``<script>`` URL with a checksum of the file it finds there."""
    if app.builder.format != "html":
        return
    path = Path(app.outdir) / DATA_FILE
    text = data_script(decay_data())
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _add_assets(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Load the script and its styles on the pages that hold a live figure, and only there."""
    if doctree is None or doctree.next_node(live_decay) is None:
        return
    app.add_css_file(STYLE_FILE)
    app.add_js_file(DATA_FILE.removeprefix("_static/"), loading_method="defer")
    app.add_js_file(SCRIPT_FILE, loading_method="defer")


def setup(app: Any) -> dict[str, Any]:
    app.add_node(
        live_decay,
        html=(_visit_live_decay_html, None),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.add_node(
        noscript,
        html=(_visit_noscript_html, _depart_noscript_html),
        latex=(_pass, _pass),
        text=(_pass, _pass),
        man=(_pass, _pass),
        texinfo=(_pass, _pass),
    )
    app.add_directive("vgrad-live-decay", LiveDecayDirective)
    app.connect("builder-inited", _write_data)
    app.connect("html-page-context", _add_assets)
    # Bump env_version when a change to the directive's nodes must re-read its pages.
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
