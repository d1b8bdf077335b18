"""vgrad's live figures: inputs written by vgrad, numbers computed in the browser.

A page places a figure with its directive, e.g. ``{vgrad-live-decay}`` in a fenced block:
``decay`` (shared_weights.md), ``powers`` (eigenvalues.md), ``cliff`` (clipping.md) and
``forget`` (gated.md), in :data:`FIGURES`. What a figure shows and computes is in its script
``_static/live/live_<name>.js``, on the shared ``live_core.js`` and ``live.css``; the browser
tests (``tests_browser/test_live_*.py``) check its numbers against vgrad.

What is kept here, and why:

* the data functions: the inputs are vgrad's (its RNG, orthogonal matrices, LSTM), so
  they are computed at build time, never copied into the JavaScript;
* :func:`_write_data`: a figure's data goes into ``_static/live/<name>_data.js`` at every
  build (not a source file), as a classic script, which loads from ``file://`` too;
* the directive: the figure's container and the ``<noscript>`` around its fallback are
  docutils ``raw`` HTML nodes, which other builders drop; the fallback itself, a static
  gallery figure of the same quantity with a link to its example, is a numbered figure
  with a cross-reference, shown by every builder, so it is built here;
* :func:`_add_assets`: Sphinx's per-page ``add_js_file``, so that the scripts load only on
  the pages that hold their figure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

import vgrad

#: Inputs of the live figure, as fixed by the page: hidden size, input size, longest
#: sequence, seed. n = 16 keeps a whole update (forward pass, T products, T SVDs of 16 x 16)
#: at a few milliseconds of JavaScript.
N_HIDDEN, D_INPUT, T_MAX, SEED = 16, 4, 100, 2024


def _header(**inputs: Any) -> dict[str, Any]:
    """What every data file opens with: its format, the vgrad that wrote it, then the
    inputs it was made from; a slider's range ``(min, max, step[, value])`` becomes a dict."""
    keys = ("min", "max", "step", "value")
    ranges = {k: dict(zip(keys, v, strict=False)) for k, v in inputs.items() if type(v) is tuple}
    # A range keeps its input's place: ** of an existing key updates the value in place.
    return {"format": 1, "generator": f"vgrad {vgrad.__version__}", **inputs, **ranges}


def decay_data() -> dict[str, Any]:
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

    The page multiplies either matrix by the reader's :math:`\rho` and the inputs ``xs`` by
    the reader's input scale (live_decay.js has the recurrence).
    """
    n, d = N_HIDDEN, D_INPUT  # n even: the rotations come in 2 x 2 blocks
    rng = np.random.default_rng(SEED)
    Z = vgrad.orthogonal(n, rng)
    theta = np.sort(rng.uniform(0.05 * np.pi, 0.95 * np.pi, n // 2))
    S = np.zeros((n, n))
    for j, t in enumerate(theta):  # the 2 x 2 rotation blocks
        S[2 * j : 2 * j + 2, 2 * j : 2 * j + 2] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    block = np.arange(n) // 2
    upper = block[None, :] > block[:, None]  # strictly upper block triangular
    # U's entries N(0, 1/n), like the off-diagonal entries of a random Gaussian matrix.
    U = np.where(upper, rng.standard_normal((n, n)) * (1.0 / np.sqrt(n)), 0.0)
    W_xh = rng.standard_normal((n, d)) / np.sqrt(d)
    xs = rng.standard_normal((T_MAX, d))
    return {
        **_header(
            n=n, d=d, T_max=T_MAX, seed=SEED, rho=(0.5, 1.5, 0.01), input_scale=(0.0, 2.0, 0.05)
        ),
        "W_xh": W_xh.tolist(),
        "xs": xs.tolist(),
        "matrices": {"normal": (Z @ S @ Z.T).tolist(), "nonnormal": (Z @ (S + U) @ Z.T).tolist()},
    }


#: The forget-gate figure's units, input size, longest sequence and seed.
N_FORGET, D_FORGET, T_FORGET_MAX, SEED_FORGET = 16, 4, 200, 29


def forget_data() -> dict[str, Any]:
    r"""The inputs of the forget-gate figure: an LSTM's weights, a tanh RNN's, and inputs.

    Both networks are as vgrad makes them at random. The LSTM is
    ``vgrad.LSTM.random(d, n, 1, rng, forget_bias=0.0)`` (gates i, f, g, o; zero biases, whose
    f block the page sets); the RNN's ``Q`` is from :func:`vgrad.orthogonal` (spectral radius
    1, its best case) and its ``W_xh`` is the LSTM's candidate block (``W_x``'s g rows), so
    both read their inputs through the same weights (live_forget.js has both recurrences).
    ``W_x``, ``W_h`` and ``xs`` are rounded to four decimals, which keeps the file small (the
    rounded numbers are the network's); ``Q`` is exactly orthogonal.
    """
    n, d = N_FORGET, D_FORGET
    rng = np.random.default_rng(SEED_FORGET)
    lstm = vgrad.LSTM.random(d, n, 1, rng, forget_bias=0.0)
    Q = vgrad.orthogonal(n, rng)
    xs = rng.standard_normal((T_FORGET_MAX, d))
    ranges = {"forget_bias": (-2.0, 6.0, 0.1), "input_scale": (0.0, 3.0, 0.05)}
    return {
        **_header(n=n, d=d, T_max=T_FORGET_MAX, seed=SEED_FORGET, **ranges),
        "W_x": np.round(lstm.W_x, 4).tolist(),
        "W_h": np.round(lstm.W_h, 4).tolist(),
        "Q": Q.tolist(),
        "xs": np.round(xs, 4).tolist(),
    }


#: The cliff figure: the one-unit network of the gallery's cliff examples
#: (gallery/04_clipping_training/plot_cliff_descent.py: ``X0, T, TARGET``), and the
#: sliders' (min, max, step, opening value): the opening setting is that example's. No
#: weights: the network has two parameters, the reader's start.
CLIFF_MODEL = {"x0": 0.5, "T": 50, "target": 0.7}
CLIFF_CONTROLS = {
    "w0": (2.0, 9.0, 0.05, 6.5),
    "b0": (-6.5, 1.0, 0.05, -5.0),
    "eta": (0.001, 0.02, 0.001, 0.005),
    "tau": (1.0, 100.0, 1.0, 20.0),
    "steps": (10, 400, 1, 200),
}


#: name -> (data function or None, the fallback's gallery example, the words of its link);
#: the fallback is that example's first figure (its alt text comes from the PNG: figure_marks).
FIGURES: dict[str, tuple[Any, str, str]] = {
    "decay": (decay_data, "02_unrolled_rnn/plot_gradient_decay", "the gradient-decay example"),
    "powers": (
        None,
        "03_eigen_singular/plot_eig_vs_sv",
        "the example on eigenvalues against singular values",
    ),
    "cliff": (
        lambda: _header(**CLIFF_MODEL, **CLIFF_CONTROLS),
        "04_clipping_training/plot_cliff_descent",
        "the example of gradient descent on the cliff",
    ),
    "forget": (forget_data, "05_gated/plot_forget_bias", "the forget-gate bias example"),
}


def data_file(name: str) -> str:
    """The figure's data script, relative to the output directory."""
    return f"_static/live/{name}_data.js"


def data_script(data: dict[str, Any], name: str) -> str:
    """``data`` as a classic script: a ``<script src>`` loads it from ``file://`` too, where a
    ``fetch`` of a JSON file is refused. The scripts read it from
    ``window.vgradLiveData[name]``. Floats are written with ``repr``, which JavaScript parses
    back to the same float64 (``tests_browser/live_helpers.py`` reads it back)."""
    body = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return f"(window.vgradLiveData = window.vgradLiveData || {{}})[{json.dumps(name)}] = {body};\n"


class LiveFigureDirective(SphinxDirective):
    """``vgrad-live-<name>``: a live figure, with a static gallery figure as fallback."""

    def run(self) -> list[nodes.Node]:
        name, docname = self.name.removeprefix("vgrad-live-"), self.env.current_document.docname
        example, link_text = FIGURES[name][1:]
        section, stem = example.split("/")
        doc = f"auto_examples/{example}"
        image = f"auto_examples/{section}/images/sphx_glr_{stem}_001.png"
        # The html builder's link from this page to the example (the JS links to it on error).
        href = relative_uri(docname, doc) + ".html" if doc in self.env.found_docs else ""
        serial = self.env.new_serialno(f"vgrad-live-{name}")
        fallback = nodes.figure(
            classes=["vgrad-live-fallback"],
            ids=[f"live-{name}-static" + (f"-{serial}" if serial else "")],
        )
        # In fast mode (gallery not run) the image may not exist yet: the link alone then.
        # If the gallery runs and the image is still missing, Sphinx warns about it.
        plot_gallery = str(self.config.sphinx_gallery_conf.get("plot_gallery", "True"))
        with_image = (Path(self.env.srcdir) / image).is_file() or plot_gallery != "False"
        if with_image:
            fallback += nodes.image(uri="/" + image)
        ref = addnodes.pending_xref(
            "",
            nodes.inline("", link_text),
            refdomain="std",
            reftype="ref",
            reftarget=f"sphx_glr_{doc.replace('/', '_')}.py",
            refexplicit=True,
            refwarn=True,
        )
        lead = "The interactive version of this figure needs JavaScript. " + (
            "This static figure of the same quantity comes from "
            if with_image
            else "The gallery shows the same quantity in "
        )
        fallback += nodes.caption("", lead, ref, nodes.Text("."))
        # `hidden` until the script has built the figure: without scripts only <noscript> shows.
        div = (
            f'<div class="vgrad-live" data-vgrad-live="{name}" data-fallback-href="{href}" hidden>'
        )
        return [
            nodes.raw("", div + "</div>\n", format="html", vgrad_live=name),
            nodes.raw("", "<noscript>", format="html"),
            fallback,
            nodes.raw("", "</noscript>\n", format="html"),
        ]


def _write_data(app: Any) -> None:
    """Write the data scripts into the output before the pages: Sphinx stamps each page's
    ``<script>`` URL with a checksum of the file it finds there."""
    if app.builder.format != "html":
        return
    for name, (make, _, _) in FIGURES.items():
        if make is not None:
            path = Path(app.outdir) / data_file(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(data_script(make(), name), encoding="utf-8")


def _add_assets(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Load the scripts and styles of the figures a page holds, and only there."""
    raws = doctree.findall(nodes.raw) if doctree else ()  # no doctree: genindex, search
    names = dict.fromkeys(node["vgrad_live"] for node in raws if "vgrad_live" in node)
    if names:
        app.add_css_file("live/live.css")
        app.add_js_file("live/live_core.js", loading_method="defer")
    for name in names:
        if FIGURES[name][0] is not None:
            app.add_js_file(f"live/{name}_data.js", loading_method="defer")
        app.add_js_file(f"live/live_{name}.js", loading_method="defer")


def setup(app: Any) -> dict[str, Any]:
    for name in FIGURES:
        app.add_directive(f"vgrad-live-{name}", LiveFigureDirective)
    app.connect("builder-inited", _write_data)
    app.connect("html-page-context", _add_assets)
    # Bump env_version when a change to the directive's nodes must re-read its pages.
    return {"env_version": 3, "parallel_read_safe": True, "parallel_write_safe": True}
