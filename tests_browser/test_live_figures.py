"""The live figures of eigenvalues.html (powers of a 2 x 2 matrix), gated.html (the forget
gate) and clipping.html (the cliff), in headless Chromium, against vgrad; and what every live
figure shares (keyboard, labels, axe, themes, phone, fallbacks, files).

Each test sets the controls as a reader would (directly, and from the keyboard), reads the
plotted numbers (the exact natural logs in the figure's screen-reader table, or the cliff's
descent paths from the figure's result) and compares them with vgrad on the same inputs:
``vgrad.power_norms`` for the matrix explorer, ``vgrad.LSTM.cell_path_log_gains`` and
``vgrad.RNN.jacobian_log_norms`` for the forget gate, to 1e-12 in the log (relative 1e-12 in
the value); for the cliff, every step from the browser's own point against vgrad's sigmoid
and clip_by_norm (see test_cliff_every_step_is_vgrads for why step by step). The "Things to
try" of the three pages are checked on the figures' own numbers.
"""

from __future__ import annotations

import itertools
import re
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, SITE, site_pages
from live_helpers import TIMEOUT_MS, max_log_error, open_figure, read_data_script

import vgrad

sys.path.insert(0, str(REPO_ROOT / "docs" / "_ext"))

import live_figure  # docs/_ext is not a package

#: Largest accepted |log(browser) - log(vgrad)|: the maths is the same, step for step.
TOLERANCE = 1e-12
PAGES = {
    "decay": "shared_weights.html",
    "powers": "eigenvalues.html",
    "forget": "gated.html",
    "cliff": "clipping.html",
}
CLIFF_EXAMPLE = REPO_ROOT / "gallery" / "04_clipping_training" / "plot_cliff_descent.py"
LIVE = REPO_ROOT / "docs" / "_static" / "live"
#: The issue's budget of script per figure.
MAX_SCRIPT_BYTES = 30 * 1024


# --------------------------------------------------------------------------------------
# vgrad's numbers


def powers_reference(l1: float, l2: float, c: float, P: int) -> list[np.ndarray]:
    """log ||M^p||_2, log rho^p and log sigma_max^p, p = 0..P, for M = [[l1, c], [0, l2]]."""
    M = np.array([[l1, c], [0.0, l2]])
    p = np.arange(P + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(p == 0, 0.0, p * np.log(float(vgrad.spectral_radius(M))))
        sigma = np.where(p == 0, 0.0, p * np.log(float(vgrad.singular_values(M)[0])))
    return [vgrad.power_norms(M, P), rho, sigma]


@pytest.fixture(scope="module")
def forget_data() -> dict:
    text = (SITE / live_figure.data_file("forget")).read_text(encoding="utf-8")
    return read_data_script(text, "forget")


def forget_reference(data: dict, b_f: float, s: float, T: int) -> list[np.ndarray]:
    """The forget-gate figure's three curves from vgrad: the median unit's cell path
    (LSTM.cell_path_log_gains), k log sigma(b_f), and the tanh RNN's log ||dh_T/dh_{T-k}||_2
    (RNN.jacobian_log_norms), k = 0..T."""
    n, d = data["n"], data["d"]
    W_x, W_h = np.array(data["W_x"]), np.array(data["W_h"])
    xs = s * np.array(data["xs"])[:T, None, :]
    lstm = vgrad.LSTM.random(d, n, 1, 0)
    lstm.W_x[:], lstm.W_h[:] = W_x, W_h
    lstm.b[:] = 0.0
    lstm.b[n : 2 * n] = b_f
    cell = np.median(lstm.cell_path_log_gains(lstm.forward(xs))[:, 0, :], axis=1)
    bias = np.arange(T + 1) * float(np.log(vgrad.sigmoid(b_f)))
    rnn = vgrad.RNN(
        W_x[2 * n : 3 * n], np.array(data["Q"]), np.zeros(n), np.zeros((1, n)), np.zeros(1), "tanh"
    )
    return [cell, bias, rnn.jacobian_log_norms(rnn.forward(xs))[:, 0]]


def test_forget_data_is_what_vgrad_writes_now(forget_data: dict) -> None:
    assert forget_data == read_data_script(
        live_figure.data_script(live_figure.forget_data(), "forget"), "forget"
    )
    n = forget_data["n"]
    Q = np.array(forget_data["Q"])
    np.testing.assert_allclose(Q.T @ Q, np.eye(n), atol=1e-13)  # orthogonal, as the page says
    assert np.array(forget_data["W_x"]).shape == (4 * n, forget_data["d"])
    assert np.array(forget_data["W_h"]).shape == (4 * n, n)


# --------------------------------------------------------------------------------------
# Pages in a browser


def _opened(browser, base_url: str, name: str):
    """One figure opened for a whole module's tests; no page error may occur meanwhile."""
    context, _, errors, figure = open_figure(browser, base_url + PAGES[name], name)
    try:
        yield figure
    finally:
        context.close()
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def powers(browser, base_url: str):
    yield from _opened(browser, base_url, "powers")


@pytest.fixture(scope="module")
def forget(browser, base_url: str):
    yield from _opened(browser, base_url, "forget")


POWERS_SETTINGS = [
    (0.9, 0.9, 2.0, 80),
    (0.9, 0.9, 10.0, 200),
    (0.5, -0.9, 5.0, 200),
    (1.1, 0.3, 0.0, 50),
    (-1.2, 1.2, 10.0, 200),
    (0.99, 0.98, 0.35, 150),
    (0.0, 0.0, 3.0, 10),  # nilpotent: M^2 = 0, log norm -inf from p = 2
    (1.0, 1.0, 1.0, 120),  # a Jordan block at the knife edge: grows like p
]


@pytest.mark.parametrize(("l1", "l2", "c", "P"), POWERS_SETTINGS)
def test_powers_match_vgrad(powers, l1, l2, c, P) -> None:
    state = powers.set(l1=l1, l2=l2, c=c, P=P)
    assert [float(state[k]) for k in ("lambda1", "lambda2", "coupling", "powers")] == [l1, l2, c, P]
    plotted = powers.values()
    expected = powers_reference(l1, l2, c, P)
    for name, a, b in zip(("||M^p||", "rho^p", "sigma_max^p"), plotted, expected, strict=True):
        assert a.shape == (P + 1,)
        error = max_log_error(a, b)
        assert error <= TOLERANCE, f"{name}: max |log(browser) - log(vgrad)| = {error:.3g}"


FORGET_SETTINGS = [
    (1.0, 1.0, 100),
    (3.0, 0.0, 50),
    (-2.0, 3.0, 200),
    (5.0, 1.0, 100),
    (0.0, 0.5, 150),
    (6.0, 2.0, 200),
    (2.5, 1.5, 5),
]


@pytest.mark.parametrize(("b_f", "s", "T"), FORGET_SETTINGS)
def test_forget_matches_vgrad(forget, forget_data, b_f, s, T) -> None:
    state = forget.set(bf=b_f, inputs=s, T=T)
    assert [float(state[k]) for k in ("forgetBias", "inputScale", "steps")] == [b_f, s, T]
    plotted = forget.values()
    expected = forget_reference(forget_data, b_f, s, T)
    for name, a, b in zip(
        ("cell path", "sigma(b_f)^k", "tanh RNN"), plotted, expected, strict=True
    ):
        assert a.shape == (T + 1,)
        error = max_log_error(a, b)
        assert error <= TOLERANCE, f"{name}: max |log(browser) - log(vgrad)| = {error:.3g}"


# --------------------------------------------------------------------------------------
# What the pages say about the figures ("Things to try")


def test_powers_opens_as_the_page_says(browser, base_url: str) -> None:
    context, _, errors, figure = open_figure(browser, base_url + PAGES["powers"], "powers")
    try:
        state = figure.state()
        assert [float(state[k]) for k in ("lambda1", "lambda2", "coupling")] == [0.9, 0.9, 2.0]
        norms = figure.values()[0]
        P = int(state["powers"])
        peak = int(np.argmax(norms))
        # 1. "the norm climbs above one before it decays"
        assert norms[peak] > 0 and 0 < peak < P and norms[P] < 0
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def test_powers_what_the_page_says(powers) -> None:
    # 1. between the dashed and the dotted line, whatever you set
    for l1, l2, c, P in POWERS_SETTINGS:
        powers.set(l1=l1, l2=l2, c=c, P=P)
        norms, rho, sigma = powers.values()
        finite = np.isfinite(norms)
        assert np.all(rho[finite] <= norms[finite] + 1e-12)
        assert np.all(norms <= sigma + 1e-12)
    # 2. c = 0: on the dashed line
    for l1, l2 in ((0.9, 0.9), (0.5, -1.1), (1.2, 0.3)):
        powers.set(l1=l1, l2=l2, c=0, P=100)
        norms, rho, _ = powers.values()
        np.testing.assert_allclose(norms, rho, rtol=0, atol=1e-12)
    # 3. ||M^P||^(1/P) falls towards rho as P grows (at the opening matrix)
    gelfand = []
    for P in (20, 50, 100, 200):
        powers.set(l1=0.9, l2=0.9, c=2, P=P)
        gelfand.append(np.exp(powers.values()[0][P] / P))
        assert f"{gelfand[-1]:.3f}" in powers.summary()
    assert all(a > b > 0.9 for a, b in itertools.pairwise(gelfand))


def test_forget_opens_as_the_page_says(browser, base_url: str) -> None:
    context, _, errors, figure = open_figure(browser, base_url + PAGES["forget"], "forget")
    try:
        state = figure.state()
        assert [float(state[k]) for k in ("forgetBias", "inputScale", "steps")] == [1, 1, 100]
        assert figure.control("bf").input_value() == "1"
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def test_forget_what_the_page_says(forget) -> None:
    # 1. input scale 0: the cell path is sigma(b_f)^k, the RNN flat at one
    for b_f in (-2.0, 1.0, 5.0):
        forget.set(bf=b_f, inputs=0, T=100)
        cell, bias, rnn = forget.values()
        np.testing.assert_allclose(cell, bias, rtol=0, atol=1e-12)
        np.testing.assert_allclose(rnn, 0.0, rtol=0, atol=1e-12)
    # 2. as it opens (b_f = 1, input scale 1, T = 100): the median cell path below
    # sigma(b_f)^k at every k >= 1; over the 100 steps the RNN keeps less still
    forget.set(bf=1, inputs=1, T=100)
    cell, bias, rnn = forget.values()
    assert np.all(cell[1:] < bias[1:]) and rnn[100] < cell[100]
    # 3. b_f = 5: a sizeable share kept over 100 steps, the RNN's vanished
    forget.set(bf=5, inputs=1, T=100)
    cell, _, rnn = forget.values()
    assert cell[100] > np.log(0.2) and rnn[100] < np.log(1e-10)


# --------------------------------------------------------------------------------------
# The cliff: the gallery's one-unit network, vgrad's sigmoid and clip_by_norm


def cliff_loss_and_grad(model: dict, w: float, b: float) -> tuple[float, float, float]:
    """L, dL/dw, dL/db of x_t = w sigma(x_{t-1}) + b, L = (x_T - y)^2: the gallery's
    ``loss_and_grad`` (plot_cliff_descent.py), for one point."""
    x, s = [model["x0"]], []
    for t in range(1, model["T"] + 1):
        s.append(float(vgrad.sigmoid(x[t - 1])))
        x.append(w * s[t - 1] + b)
    dx, dw, db = 2.0 * (x[-1] - model["target"]), 0.0, 0.0
    for t in range(model["T"], 0, -1):
        dw += dx * s[t - 1]
        db += dx
        dx = dx * w * s[t - 1] * (1.0 - s[t - 1])
    return (x[-1] - model["target"]) ** 2, dw, db


def cliff_step(model: dict, theta: np.ndarray, eta: float, tau: float | None):
    """The loss at theta and the next point: theta - eta g, g clipped by vgrad.clip_by_norm."""
    L, gw, gb = cliff_loss_and_grad(model, *theta)
    g = np.array([gw, gb])
    if tau is not None:
        g = vgrad.clip_by_norm(g, tau).grads
    return L, theta - eta * g


def cliff_descent(model: dict, start, eta: float, tau: float | None, steps: int):
    theta, path, losses = np.array(start, dtype=float), [], []
    for _ in range(steps):
        path.append(theta)
        L, theta = cliff_step(model, theta, eta, tau)
        losses.append(L)
    path.append(theta)
    losses.append(cliff_loss_and_grad(model, *theta)[0])
    return np.array(path), np.array(losses)


@pytest.fixture(scope="module")
def cliff_model() -> dict:
    text = (SITE / live_figure.data_file("cliff")).read_text(encoding="utf-8")
    return read_data_script(text, "cliff")


def test_cliff_is_the_gallery_model(cliff_model: dict) -> None:
    """The figure's network and opening setting are those of plot_cliff_descent.py."""
    source = CLIFF_EXAMPLE.read_text(encoding="utf-8")
    x0, T, target = re.search(r"^X0, T, TARGET = (.+), (.+), (.+)$", source, re.M).groups()
    assert (cliff_model["x0"], cliff_model["T"], cliff_model["target"]) == (
        float(x0),
        int(T),
        float(target),
    )
    eta, tau, steps = re.search(r"^ETA, TAU, STEPS = (.+), (.+), (.+)$", source, re.M).groups()
    w0, b0 = re.search(r"^start = \((.+), (.+)\)$", source, re.M).groups()
    opening = {k: cliff_model[k]["value"] for k in ("w0", "b0", "eta", "tau", "steps")}
    assert opening == {
        "w0": float(w0),
        "b0": float(b0),
        "eta": float(eta),
        "tau": float(tau),
        "steps": int(steps),
    }


@pytest.fixture(scope="module")
def cliff(browser, base_url: str):
    yield from _opened(browser, base_url, "cliff")


CLIFF_RUNS = """root => { const r = window.vgradLive.instances.find(i => i.root === root).result;
  return {plain: r.plain.path, clip: r.clip.path, plainLoss: r.plain.losses,
          clipLoss: r.clip.losses, clipped: r.clip.clipped}; }"""

CLIFF_SETTINGS = [
    (6.5, -5.0, 0.005, 20.0, 200),
    (5.0, -6.0, 0.02, 5.0, 400),
    (8.0, 0.5, 0.01, 50.0, 300),
    (7.5, -6.0, 0.001, 1.0, 100),
    (3.0, -3.0, 0.02, 20.0, 400),
]


@pytest.mark.parametrize(("w0", "b0", "eta", "tau", "steps"), CLIFF_SETTINGS)
def test_cliff_every_step_is_vgrads(cliff, cliff_model, w0, b0, eta, tau, steps) -> None:
    """Each plotted step, from the browser's own point, is the step vgrad's sigmoid and
    clip_by_norm take: the next point to 1e-12 (relative), the loss at the point to 1e-9
    (relative, plus 1e-20). The loss is checked more loosely because on the wall x_T
    amplifies a last-bit difference of exp by (w sigma'(x_0))^T, and near the target
    (x_T - y)^2 cancels; the whole paths are not compared past the wall for the same reason
    (test_cliff_paths_match_away_from_the_wall compares them where they are well conditioned)."""
    state = cliff.set(w0=w0, b0=b0, eta=eta, tau=tau, steps=steps)
    assert [float(state[k]) for k in ("w0", "b0", "eta", "tau", "steps")] == [
        w0,
        b0,
        eta,
        tau,
        steps,
    ]
    runs = cliff.root.evaluate(CLIFF_RUNS)
    plotted = cliff.values()
    for name, clip in (("plain", None), ("clip", tau)):
        path = np.array(runs[name])
        losses = np.array(runs[f"{name}Loss"])
        assert path.shape == (steps + 1, 2) and losses.shape == (steps + 1,)
        # the table holds the logs of these losses
        np.testing.assert_allclose(plotted[0 if clip else 1], np.log(losses), rtol=0, atol=1e-14)
        for k in range(steps):
            L, nxt = cliff_step(cliff_model, path[k], eta, clip)
            assert abs(L - losses[k]) <= 1e-9 * L + 1e-20, (name, k, L, losses[k])
            error = np.max(np.abs(nxt - path[k + 1]) / np.maximum(1.0, np.abs(nxt)))
            assert error <= TOLERANCE, (name, k, error)


def test_cliff_paths_match_away_from_the_wall(cliff, cliff_model) -> None:
    """Where no step meets the wall (w = 3: w sigma'(x_0) < 1), the whole descent agrees
    with vgrad's to 1e-12 (the path; the loss to 1e-9), and at tau = 20 nothing is clipped."""
    for b0, eta, steps in ((-3.0, 0.02, 400), (-6.5, 0.005, 200), (1.0, 0.01, 300)):
        cliff.set(w0=3, b0=b0, eta=eta, tau=20, steps=steps)
        runs = cliff.root.evaluate(CLIFF_RUNS)
        path, losses = cliff_descent(cliff_model, (3.0, b0), eta, None, steps)
        for name in ("plain", "clip"):
            np.testing.assert_allclose(np.array(runs[name]), path, rtol=TOLERANCE, atol=1e-14)
            # the loss as in test_cliff_every_step_is_vgrads: (x_T - y)^2 cancels near y
            np.testing.assert_allclose(np.array(runs[f"{name}Loss"]), losses, rtol=1e-9, atol=1e-20)
        assert runs["clipped"] == 0


def test_cliff_opens_as_the_page_says(browser, base_url: str, cliff_model) -> None:
    context, _, errors, figure = open_figure(browser, base_url + PAGES["cliff"], "cliff")
    try:
        state = figure.state()
        opening = {k: cliff_model[k]["value"] for k in ("w0", "b0", "eta", "tau", "steps")}
        assert {k: float(state[k]) for k in opening} == opening
        runs = figure.root.evaluate(CLIFF_RUNS)
    finally:
        context.close()
    assert not errors, "\n".join(errors)
    # 1. one unclipped step throws the parameters far away; that run ends far higher
    # One step longer than 10 in (w, b), taken on the wall: its gradient is more than 100
    # times the threshold (the step is eta times the gradient)
    steps = np.linalg.norm(np.diff(np.array(runs["plain"]), axis=0), axis=1)
    assert np.sum(steps > 10) == 1 and steps.max() / opening["eta"] > 100 * opening["tau"]
    assert runs["plainLoss"][-1] > 100 * runs["clipLoss"][-1]
    # ... and so does the same descent in numpy with vgrad
    o = opening
    _, plain = cliff_descent(cliff_model, (o["w0"], o["b0"]), o["eta"], None, o["steps"])
    _, clip = cliff_descent(cliff_model, (o["w0"], o["b0"]), o["eta"], o["tau"], o["steps"])
    assert plain[-1] > 100 * clip[-1]


def test_cliff_what_the_page_says(cliff) -> None:
    # 2. from w = 3, at the example's threshold, nothing is clipped; the curves are one
    for b0 in (-6.5, -3.0, 0.0, 1.0):
        for eta, steps in ((0.02, 400), (0.001, 400), (0.005, 200)):
            cliff.set(w0=3, b0=b0, eta=eta, tau=20, steps=steps)
            runs = cliff.root.evaluate(CLIFF_RUNS)
            assert runs["clipped"] == 0, (b0, eta)
            assert runs["plain"] == runs["clip"]


# --------------------------------------------------------------------------------------
# Keyboard, screen readers, themes


@pytest.mark.parametrize(
    ("name", "controls"),
    [
        ("powers", ["l1", "l2", "c", "P"]),
        ("forget", ["bf", "inputs", "T"]),
        ("cliff", ["w0", "b0", "eta", "tau", "steps"]),
    ],
)
def test_keyboard_operates_every_control(browser, base_url: str, name, controls) -> None:
    context, page, errors, figure = open_figure(browser, base_url + PAGES[name], name)
    try:
        figure.control(controls[0]).focus()
        for i, control_id in enumerate(controls):
            if i:
                page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.id")
            assert focused.endswith(f"-{control_id}"), (focused, control_id)
            outline = page.evaluate(
                "(() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
            )
            assert outline[0] != "none" and outline[1] >= 2, (focused, outline)
            before = figure.state()
            paths = figure.paths()
            page.keyboard.press("ArrowLeft")
            after = figure.wait_for_change(int(before["renders"]))
            changed = [k for k in after if k != "renders" and after[k] != before[k]]
            assert len(changed) == 1, (control_id, changed)
            output = figure.root.locator(f"output[for$='-{control_id}']")
            assert output.inner_text().replace("\u2212", "-") in (
                after[changed[0]],
                f"{float(after[changed[0]]):.2f}",
                f"{float(after[changed[0]]):.1f}",
            )
            assert figure.paths() != paths
    finally:
        context.close()
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", ["powers", "forget", "cliff"])
def test_labelled_for_screen_readers(browser, base_url: str, name) -> None:
    context, page, errors, figure = open_figure(browser, base_url + PAGES[name], name)
    try:
        inputs = figure.root.locator("input, select")
        assert inputs.count() >= 3
        for i in range(inputs.count()):
            labels = inputs.nth(i).evaluate("el => Array.from(el.labels, l => l.textContent)")
            assert len(labels) == 1 and labels[0].strip()
        for i in range(figure.root.locator("input[type=range]").count()):
            slider = figure.root.locator("input[type=range]").nth(i)
            assert slider.get_attribute("aria-valuetext")
        svg = figure.root.locator("svg")
        assert svg.get_attribute("role") == "img"
        names = svg.get_attribute("aria-labelledby").split()
        assert names and all(page.locator(f"#{n}").count() == 1 for n in names)
        summary = figure.root.locator(".vgrad-live-summary")
        assert summary.get_attribute("aria-live") == "polite" and summary.inner_text().strip()
        table = figure.root.locator("table")
        assert table.locator("thead th").count() == 1 + len(figure.values())
        assert table.locator("caption").inner_text().startswith("Plotted values:")
        box = table.locator("xpath=..").bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1
    finally:
        context.close()
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", ["powers", "forget"])
def test_colours_follow_the_theme(browser, base_url: str, name) -> None:
    context, page, errors, figure = open_figure(browser, base_url + PAGES[name], name)
    try:
        strokes = """root => ["measured", "reference", "third"].map(c =>
            getComputedStyle(root.querySelector("path.vgrad-live-" + c)).stroke)"""
        page.evaluate("document.documentElement.dataset.theme = 'light'")
        light = figure.root.evaluate(strokes)
        page.evaluate("document.documentElement.dataset.theme = 'dark'")
        dark = figure.root.evaluate(strokes)
    finally:
        context.close()
    assert light == ["rgb(0, 114, 178)", "rgb(213, 94, 0)", "rgb(0, 158, 115)"]
    assert dark == ["rgb(86, 180, 233)", "rgb(230, 159, 0)", "rgb(0, 158, 115)"]
    assert not errors, "\n".join(errors)


AXE_FIGURE_JS = """async (root) => {
  const r = await axe.run(root, {resultTypes: ["violations"]});
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["decay", "powers", "forget", "cliff"])
def test_axe_on_the_open_figure(browser, base_url: str, name, scheme) -> None:
    """axe-core on the figure itself, unfolded (a closed Going-further block hides it from
    the page-wide axe run): no serious or critical violation, in both colour modes."""
    axe = REPO_ROOT / "tools" / "web" / "node_modules" / "axe-core" / "axe.min.js"
    context, page, errors, figure = open_figure(
        browser, base_url + PAGES[name], name, scheme=scheme
    )
    try:
        page.add_script_tag(content=axe.read_text(encoding="utf-8"))
        violations = figure.root.evaluate(AXE_FIGURE_JS)
    finally:
        context.close()
    assert not violations, violations
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", ["decay", "powers", "forget", "cliff"])
def test_legible_on_a_phone(browser, base_url: str, name) -> None:
    """At 390 px the figure fits the screen, its text is at least 11 px, and each slider
    has two css px per position (for its first 100)."""
    context, _page, errors, figure = open_figure(
        browser, base_url + PAGES[name], name, viewport={"width": 390, "height": 844}
    )
    try:
        figure.root.scroll_into_view_if_needed()
        box = figure.root.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        svg_box = figure.root.locator("svg").bounding_box()
        assert svg_box["x"] + svg_box["width"] <= 390 + 0.5, svg_box
        sizes = figure.root.evaluate(
            """root => Array.from(root.querySelectorAll("svg text"),
              t => parseFloat(getComputedStyle(t).fontSize))"""
        )
        assert sizes and min(sizes) >= 11, sizes
        sliders = figure.root.evaluate(
            """root => Array.from(root.querySelectorAll("input[type=range]"),
              s => [s.getBoundingClientRect().width, (s.max - s.min) / (s.step || 1)])"""
        )
        assert all(w >= 2 * min(n, 100) for w, n in sliders), sliders
    finally:
        context.close()
    assert not errors, "\n".join(errors)


# --------------------------------------------------------------------------------------
# Fallbacks, files


@pytest.mark.parametrize("name", ["powers", "forget", "cliff"])
def test_without_javascript_the_static_figure_shows(browser, base_url: str, name) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    try:
        page.goto(base_url + PAGES[name], wait_until="load", timeout=TIMEOUT_MS)
        figure = page.locator(f"#live-{name}-static")
        page.locator(f"details:has(#live-{name}-static) > summary").click()
        assert not page.locator(f'[data-vgrad-live="{name}"]').is_visible()
        assert figure.is_visible()
        image = figure.locator("img")
        image.scroll_into_view_if_needed()
        assert image.get_attribute("alt")
        href = figure.locator("a[href*='auto_examples']").first.get_attribute("href")
        assert (SITE / href.split("#")[0]).is_file()
    finally:
        context.close()


def test_missing_data_says_so(browser, base_url: str) -> None:
    context = browser.new_context(service_workers="block")
    context.route("**/forget_data.js*", lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(base_url + PAGES["forget"], wait_until="load", timeout=TIMEOUT_MS)
        message = page.locator('[data-vgrad-live="forget"] .vgrad-live-error')
        message.wait_for(state="attached", timeout=TIMEOUT_MS)
        href = message.locator("a").get_attribute("href")
        assert (SITE / href).is_file()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["powers", "forget", "cliff"])
def test_works_from_file_url(browser, name) -> None:
    context, _, errors, figure = open_figure(browser, (SITE / PAGES[name]).as_uri(), name)
    try:
        assert len(figure.values()) == (2 if name == "cliff" else 3)
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def test_scripts_load_only_where_their_figure_is() -> None:
    for relpath in site_pages():
        html = (SITE / relpath).read_text(encoding="utf-8")
        has_any = "data-vgrad-live=" in html
        assert ("live_core.js" in html) == has_any, relpath
        for name in live_figure.FIGURES:
            assert (f"live_{name}.js" in html) == (f'data-vgrad-live="{name}"' in html), relpath
    for name, page in PAGES.items():
        assert f'data-vgrad-live="{name}"' in (SITE / page).read_text(encoding="utf-8")


def test_script_sizes() -> None:
    """Each figure's own script, plus the shared module and its data, within the budget; the
    sizes are printed in the summary."""
    from conftest import SUMMARY

    core = (LIVE / "live_core.js").stat().st_size
    sizes = [
        f"live figures: live_core.js {core} B, live.css {(LIVE / 'live.css').stat().st_size} B"
    ]
    for name in live_figure.FIGURES:
        own = (LIVE / f"live_{name}.js").stat().st_size
        data_path = SITE / live_figure.data_file(name)
        data = data_path.stat().st_size if data_path.is_file() else 0
        sizes.append(
            f"  {name}: live_{name}.js {own} B, data {data} B, with the core {own + core} B"
        )
        assert own + core <= MAX_SCRIPT_BYTES, (name, own + core)
        assert data <= MAX_SCRIPT_BYTES, (name, data)
    SUMMARY.extend(sizes)
