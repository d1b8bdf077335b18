r"""vgrad's live figures: inputs written by vgrad, numbers computed in the browser.

A page places a figure with its directive, e.g.

.. code-block:: md

    ```{vgrad-live-decay}
    ```

which leaves an empty container for the figure's script to fill with labelled controls, an
SVG plot on a log scale, a live text summary and a table of the plotted numbers for screen
readers. The figures (:data:`FIGURES`):

* ``decay`` (shared_weights.md): :math:`\|\partial h_T/\partial h_{T-k}\|_2` against
  :math:`k` for a 16-unit network, :math:`\rho`, :math:`T`, activation, kind of matrix and
  input scale set by the reader, on inputs :func:`decay_data` writes with vgrad;
* ``powers`` (eigenvalues.md): :math:`\|M^p\|_2` of a triangular 2 x 2 matrix against
  :math:`\rho(M)^p` and :math:`\sigma_{\max}(M)^p`; no data, every input is the reader's;
* ``cliff`` (clipping.md): the loss along gradient descent on the one-unit network of the
  gallery's cliff examples, from the reader's start, learning rate and threshold, with and
  without norm clipping;
* ``forget`` (gated.md): the median over units of the LSTM's cell path
  :math:`\prod_s f_s` (the diagonal of :math:`\partial c_T/\partial c_{T-k}` along the
  cell path) for the reader's forget-gate bias and input scale, beside
  :math:`\sigma(b_f)^k` and a vanilla tanh RNN's :math:`\|\partial h_T/\partial h_{T-k}\|_2`,
  on weights and inputs :func:`forget_data` writes with vgrad.

Every figure's script (``_static/live/live_<name>.js``) says what its controls are and what
it computes; the controls, the plot, the table and the summary are those of the one shared
module ``_static/live/live_core.js``, with the styles of ``live.css``. A figure's data goes
into ``_static/live/<name>_data.js`` at every build (it is not a source file). The browser
tests (``tests_browser/test_live_*.py``) check the plotted numbers against vgrad.

Without JavaScript the directive's ``<noscript>`` shows a static figure of the same quantity
from the gallery instead, with a link to its example; other builders show that figure too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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


def _header(**inputs: Any) -> dict[str, Any]:
    """What every data file opens with: its format, the vgrad that wrote it, then the
    inputs it was made from; a slider's range ``(min, max, step[, value])`` becomes a dict."""
    keys = ("min", "max", "step", "value")
    return {
        "format": 1,
        "generator": f"vgrad {vgrad.__version__}",
        **{
            k: dict(zip(keys, v, strict=False)) if isinstance(v, tuple) else v
            for k, v in inputs.items()
        },
    }


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
        **_header(n=n, d=d, T_max=T_max, seed=seed, rho=RHO_RANGE, input_scale=INPUT_SCALE_RANGE),
        "W_xh": W_xh.tolist(),
        "xs": xs.tolist(),
        "matrices": {
            "normal": (Z @ S @ Z.T).tolist(),
            "nonnormal": (Z @ (S + U) @ Z.T).tolist(),
        },
    }


#: The forget-gate figure: an LSTM and a vanilla tanh RNN of N_FORGET units read the same
#: T_FORGET_MAX inputs of size D_FORGET. Both are as vgrad makes them at random
#: (:meth:`vgrad.LSTM.random` with forget bias 0, which the reader's bias replaces;
#: the RNN's recurrent matrix orthogonal, spectral radius 1, its best case).
N_FORGET, D_FORGET, T_FORGET_MAX, SEED_FORGET = 16, 4, 200, 29
FORGET_BIAS_RANGE = (-2.0, 6.0, 0.1)
FORGET_INPUT_RANGE = (0.0, 3.0, 0.05)


def forget_data(
    n: int = N_FORGET, d: int = D_FORGET, T_max: int = T_FORGET_MAX, seed: int = SEED_FORGET
) -> dict[str, Any]:
    r"""The inputs of the forget-gate figure: an LSTM's weights, a tanh RNN's, and inputs.

    The LSTM is ``vgrad.LSTM.random(d, n, 1, rng, forget_bias=0.0)``: gates in the order
    (i, f, g, o), :math:`a_t = W_x x_t + W_h h_{t-1} + b`, zero biases; the page sets
    :math:`b_f` (the f block of :math:`b`) and multiplies every :math:`x_t` by the reader's
    input scale. The RNN is :math:`h_t = \tanh(W_{xh} (s\,x_t) + Q h_{t-1})` with ``Q`` from
    :func:`vgrad.orthogonal` and ``W_xh`` the LSTM's candidate block (:math:`W_x`'s g rows),
    so both read their inputs through the same weights. ``W_x``, ``W_h`` and ``xs`` are
    rounded to four decimals (what the page and the tests use); ``Q`` is exactly orthogonal.

    Returns
    -------
    dict
        JSON-ready: ``n``, ``d``, ``T_max``, ``seed``, slider ranges ``forget_bias`` and
        ``input_scale``, ``W_x`` (4n x d), ``W_h`` (4n x n), ``Q`` (n x n) and ``xs``
        (T_max x d).
    """
    rng = np.random.default_rng(seed)
    lstm = vgrad.LSTM.random(d, n, 1, rng, forget_bias=0.0)
    Q = vgrad.orthogonal(n, rng)
    xs = rng.standard_normal((T_max, d))
    return {
        **_header(
            n=n,
            d=d,
            T_max=T_max,
            seed=seed,
            forget_bias=FORGET_BIAS_RANGE,
            input_scale=FORGET_INPUT_RANGE,
        ),
        # Four decimals keep the file small; the rounded numbers are the network's.
        "W_x": np.round(lstm.W_x, 4).tolist(),
        "W_h": np.round(lstm.W_h, 4).tolist(),
        "Q": Q.tolist(),
        "xs": np.round(xs, 4).tolist(),
    }


#: The cliff figure: the one-unit network of the gallery's cliff examples
#: (gallery/04_clipping_training/plot_cliff_descent.py: ``X0, T, TARGET``), and the
#: sliders' (min, max, step, opening value): the opening setting is that example's.
CLIFF_MODEL = {"x0": 0.5, "T": 50, "target": 0.7}
CLIFF_CONTROLS = {
    "w0": (2.0, 9.0, 0.05, 6.5),
    "b0": (-6.5, 1.0, 0.05, -5.0),
    "eta": (0.001, 0.02, 0.001, 0.005),
    "tau": (1.0, 100.0, 1.0, 20.0),
    "steps": (10, 400, 1, 200),
}


def cliff_data() -> dict[str, Any]:
    """The cliff figure's model constants and slider ranges (no weights: the network has
    two parameters, the reader's start)."""
    return _header(**CLIFF_MODEL, **CLIFF_CONTROLS)


def _example(section: str, name: str, number: int) -> tuple[str, str, str]:
    """Image, reference label and document of figure ``number`` of a gallery example."""
    image = f"auto_examples/{section}/images/sphx_glr_{name}_{number:03d}.png"
    label = f"sphx_glr_auto_examples_{section}_{name}.py"
    return image, label, f"auto_examples/{section}/{name}"


#: name -> (data function or None, fallback example (section, name, figure number), alt text)
FIGURES: dict[str, tuple[Callable[[], dict[str, Any]] | None, tuple[str, str, int], str]] = {
    "decay": (
        decay_data,
        ("02_unrolled_rnn", "plot_gradient_decay", 1),
        "Norm of the Jacobian product against the lag k for recurrent matrices "
        "of spectral radius 0.5 to 1.5, with identity and tanh activations.",
    ),
    "powers": (
        None,
        ("03_eigen_singular", "plot_eig_vs_sv", 1),
        "Norm of the powers of a non-normal 2 x 2 matrix with both eigenvalues 0.9 against "
        "the power p, between the spectral radius and the largest singular value to the p.",
    ),
    "cliff": (
        cliff_data,
        ("04_clipping_training", "plot_cliff_descent", 1),
        "Gradient descent on the loss surface of a one-unit network with a cliff, with and "
        "without clipping the gradient's norm: paths, losses and step lengths.",
    ),
    "forget": (
        forget_data,
        ("05_gated", "plot_forget_bias", 1),
        "The LSTM's cell path against the lag k for forget-gate biases 0 to 5, with the "
        "bias alone's prediction sigma(b_f) to the k.",
    ),
}

#: The words of the link to the fallback's example.
FALLBACK_LINK_TEXT = {
    "decay": "the gradient-decay example",
    "powers": "the example on eigenvalues against singular values",
    "cliff": "the example of gradient descent on the cliff",
    "forget": "the forget-gate bias example",
}

SCRIPT_DIR = "live"
CORE_SCRIPT = "live/live_core.js"
STYLE_FILE = "live/live.css"


def data_file(name: str) -> str:
    """The figure's data script, relative to the output directory."""
    return f"_static/live/{name}_data.js"


#: Kept for the decay figure's tests.
DATA_FILE = data_file("decay")
#: The scripts read a figure's data from window.vgradLiveData[name].
DATA_PREFIX = "(window.vgradLiveData = window.vgradLiveData || {})[{name}] = "
DATA_SUFFIX = ";\n"


def _prefix(name: str) -> str:
    return DATA_PREFIX.replace("{name}", json.dumps(name))


def data_script(data: dict[str, Any], name: str = "decay") -> str:
    """``data`` as a classic script: a ``<script src>`` loads it from ``file://`` too, where a
    ``fetch`` of a JSON file is refused. Floats are written with ``repr``, which JavaScript
    parses back to the same float64."""
    body = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return _prefix(name) + body + DATA_SUFFIX


def read_data_script(text: str, name: str = "decay") -> dict[str, Any]:
    """Inverse of :func:`data_script` (for the tests)."""
    prefix = _prefix(name)
    if not (text.startswith(prefix) and text.endswith(DATA_SUFFIX)):
        raise ValueError(f"not the data script of live figure {name!r}: {text[:60]!r}")
    return json.loads(text[len(prefix) : -len(DATA_SUFFIX)])


# --------------------------------------------------------------------------------------
# Doctree


class live_figure(nodes.General, nodes.Element):
    """The container a figure's script fills; HTML only. Attribute ``name``."""


class noscript(nodes.General, nodes.Element):
    """Children shown only without scripts (in HTML); other builders show them always."""


class LiveFigureDirective(SphinxDirective):
    """``vgrad-live-<name>``: a live figure, with a static gallery figure as fallback."""

    has_content = False
    figure = ""  # set per directive in setup()

    def run(self) -> list[nodes.Node]:
        env = self.env
        name = self.figure
        _, (section, example, number), alt = FIGURES[name]
        image, label, _ = _example(section, example, number)
        serial = env.new_serialno(f"vgrad-live-{name}")
        fallback = nodes.figure(
            classes=["vgrad-live-fallback"],
            ids=[f"live-{name}-static" + (f"-{serial}" if serial else "")],
        )
        # In fast mode (gallery not run) the image may not exist yet: the link alone then.
        # If the gallery runs and the image is still missing, Sphinx warns about it.
        with_image = (Path(env.srcdir) / image).is_file() or _gallery_runs(self.config)
        if with_image:
            fallback += nodes.image(uri="/" + image, alt=alt)
        ref = addnodes.pending_xref(
            "",
            nodes.inline("", FALLBACK_LINK_TEXT[name]),
            refdomain="std",
            reftype="ref",
            reftarget=label,
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
        return [live_figure(name=name), box]


def _gallery_runs(config: Any) -> bool:
    return str(config.sphinx_gallery_conf.get("plot_gallery", "True")) != "False"


def _visit_live_figure_html(self: Any, node: live_figure) -> None:
    builder = self.builder
    name = node["name"]
    _, (section, example, number), _ = FIGURES[name]
    doc = _example(section, example, number)[2]
    href = ""
    if doc in builder.env.all_docs:
        href = builder.get_relative_uri(builder.current_docname, doc)
    # `hidden` until the script has built the figure: without scripts only <noscript> shows.
    self.body.append(
        f'<div class="vgrad-live" data-vgrad-live="{name}" data-fallback-href="{href}" hidden>'
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
    """Write the data scripts into the output before the pages: Sphinx stamps each page's
    ``<script>`` URL with a checksum of the file it finds there."""
    if app.builder.format != "html":
        return
    for name, (make, _, _) in FIGURES.items():
        if make is None:
            continue
        path = Path(app.outdir) / data_file(name)
        text = data_script(make(), name)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def _add_assets(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Load the scripts and styles of the figures a page holds, and only there."""
    if doctree is None:
        return
    names = list(dict.fromkeys(node["name"] for node in doctree.findall(live_figure)))
    if not names:
        return
    app.add_css_file(STYLE_FILE)
    app.add_js_file(CORE_SCRIPT, loading_method="defer")
    for name in names:
        if FIGURES[name][0] is not None:
            app.add_js_file(data_file(name).removeprefix("_static/"), loading_method="defer")
        app.add_js_file(f"{SCRIPT_DIR}/live_{name}.js", loading_method="defer")


def setup(app: Any) -> dict[str, Any]:
    app.add_node(
        live_figure,
        html=(_visit_live_figure_html, None),
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
    for name in FIGURES:
        directive = type(f"Live_{name}", (LiveFigureDirective,), {"figure": name})
        app.add_directive(f"vgrad-live-{name}", directive)
    app.connect("builder-inited", _write_data)
    app.connect("html-page-context", _add_assets)
    # Bump env_version when a change to the directive's nodes must re-read its pages.
    return {
        "version": "2",
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
