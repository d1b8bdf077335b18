"""The live gradient-decay figure of shared_weights.html, in headless Chromium.

The page's script (docs/_static/live/live_decay.js) computes ||dh_T/dh_{T-k}||_2 for the
reader's settings; docs/_ext/live_figure.py wrote its inputs into the site at build time.
These tests set the controls as a reader would (directly and from the keyboard), read the
plotted numbers from the figure's table, and compare them with vgrad's own
``RNN.jacobian_log_norms`` on the same inputs. They also check what the page says about the
figure, that moving a control redraws it, that it is labelled for screen readers, and that
it degrades to the gallery's static figure without JavaScript and works from file://.
"""

from __future__ import annotations

import itertools
import math
import re
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, SITE, site_pages
from live_helpers import collect_errors, read_data_script

import vgrad

sys.path.insert(0, str(REPO_ROOT / "docs" / "_ext"))
import live_figure  # docs/_ext is not a package

PAGE = "shared_weights.html"
DATA = SITE / live_figure.data_file("decay")
TIMEOUT_MS = 30_000
#: Largest accepted |log a - log b|, i.e. relative error of the plotted norms.
TOLERANCE = 1e-6

ROOT = '[data-vgrad-live="decay"]'
RHO, STEPS, INPUTS = (f"{ROOT} input[id$='-{name}']" for name in ("rho", "T", "inputs"))
ACTIVATION, KIND = (f"{ROOT} select[id$='-{name}']" for name in ("activation", "kind"))
PATH = f"{ROOT} path.vgrad-live-measured"

# The plotted values as the screen-reader table holds them: k and the natural log of the norm.
READ_TABLE = """root => Array.from(root.querySelectorAll("tbody tr"),
  tr => [Number(tr.dataset.k), tr.querySelector("td[data-ln]").dataset.ln])"""


@pytest.fixture(scope="module")
def data() -> dict:
    return read_data_script(DATA.read_text(encoding="utf-8"), "decay")


def vgrad_log_norms(data: dict, rho: float, T: int, activation: str, kind: str, s: float):
    """vgrad's natural-log norms log ||dh_T/dh_{T-k}||_2, k = 0..T, for one setting (``s`` is
    the input scale, named in words on the page)."""
    n = data["n"]
    W_hh = rho * np.array(data["matrices"][kind])
    net = vgrad.RNN(
        np.array(data["W_xh"]), W_hh, np.zeros(n), np.zeros((1, n)), np.zeros(1), activation
    )
    xs = s * np.array(data["xs"])[:T, None, :]  # one sequence: (T, B=1, d)
    return net.jacobian_log_norms(net.forward(xs))[:, 0]


# --------------------------------------------------------------------------------------
# The page in a browser


class Live:
    """The figure on one open page, driven through its controls."""

    def __init__(self, page) -> None:
        self.page = page
        self.root = page.locator(ROOT)

    def state(self) -> dict:
        return self.root.evaluate(
            """root => ({rho: Number(root.dataset.rho), T: Number(root.dataset.steps),
              activation: root.dataset.activation, kind: root.dataset.kind,
              s: Number(root.dataset.inputScale), renders: Number(root.dataset.renders)})"""
        )

    def set(self, rho=None, T=None, activation=None, kind=None, s=None) -> dict:
        """Set controls directly (value + input event, as a drag does); wait for the redraw."""
        for selector, value in ((RHO, rho), (STEPS, T), (INPUTS, s)):
            if value is not None:
                self.page.locator(selector).evaluate(
                    """(el, v) => { el.value = v;
                       el.dispatchEvent(new Event("input", {bubbles: true})); }""",
                    str(value),
                )
        for selector, value in ((ACTIVATION, activation), (KIND, kind)):
            if value is not None:
                self.page.locator(selector).select_option(value)
        want = {"rho": rho, "T": T, "activation": activation, "kind": kind, "s": s}
        want = {key: value for key, value in want.items() if value is not None}
        return self.wait_for(want)

    def wait_for(self, want: dict) -> dict:
        self.page.wait_for_function(
            """([root, want]) => Object.entries(want).every(([key, value]) => {
                 const have = {rho: Number(root.dataset.rho), T: Number(root.dataset.steps),
                   activation: root.dataset.activation, kind: root.dataset.kind,
                   s: Number(root.dataset.inputScale)}[key];
                 return have === value; })""",
            arg=[self.root.element_handle(), want],
            timeout=TIMEOUT_MS,
        )
        return self.state()

    def values(self) -> np.ndarray:
        rows = self.root.evaluate(READ_TABLE)
        assert [k for k, _ in rows] == list(range(len(rows)))
        return np.array([float(ln) for _, ln in rows])

    def path(self) -> str:
        return self.page.locator(PATH).get_attribute("d")


def open_live(browser, url: str):
    context = browser.new_context(service_workers="block", viewport={"width": 1200, "height": 900})
    # Chromium asks for /favicon.ico, which the site does not have; not the figure's business.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = collect_errors(page)
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    page.locator(f"{ROOT} svg path.vgrad-live-measured").wait_for(state="visible")
    return context, page, errors


@pytest.fixture(scope="module")
def live(browser, base_url: str):
    context, page, errors = open_live(browser, base_url + PAGE)
    try:
        yield Live(page)
    finally:
        context.close()
    assert not errors, "\n".join(errors)


# --------------------------------------------------------------------------------------
# The inputs vgrad wrote


def test_data_is_what_vgrad_writes_now(data: dict) -> None:
    """The site's inputs are those of the current docs/_ext/live_figure.py and vgrad."""
    assert data == read_data_script(
        live_figure.data_script(live_figure.decay_data(), "decay"), "decay"
    )


def test_matrices_have_the_advertised_spectra(data: dict) -> None:
    n = data["n"]
    Q = np.array(data["matrices"]["normal"])
    N = np.array(data["matrices"]["nonnormal"])
    assert Q.shape == N.shape == (n, n)
    np.testing.assert_allclose(Q.T @ Q, np.eye(n), atol=1e-13)  # orthogonal
    # The same eigenvalues, all of modulus one, so rho * M has spectral radius rho exactly.
    eig_Q, eig_N = (np.linalg.eigvals(M) for M in (Q, N))
    np.testing.assert_allclose(np.abs(eig_Q), 1.0, atol=1e-12)
    distance = np.abs(eig_N[:, None] - eig_Q[None, :])
    assert distance.min(axis=0).max() < 1e-9 and distance.min(axis=1).max() < 1e-9
    assert abs(vgrad.spectral_radius(N) - 1.0) < 1e-9
    # ... and N is far from normal: its largest singular value is well above its radius.
    assert vgrad.singular_values(N)[0] > 1.5
    assert np.linalg.norm(N @ N.T - N.T @ N) > 1.0
    assert np.array(data["xs"]).shape == (data["T_max"], data["d"])
    assert np.array(data["W_xh"]).shape == (n, data["d"])


def test_opens_on_the_normal_matrix(browser, base_url: str) -> None:
    """The figure opens on the setting the page's first "thing to try" describes: identity
    activation, normal matrix, rho = 0.95, where the curve is exactly rho^k."""
    context, page, errors = open_live(browser, base_url + PAGE)
    try:
        live = Live(page)
        state = live.state()
        assert (state["activation"], state["kind"], state["rho"]) == ("identity", "normal", 0.95)
        assert page.locator(KIND).input_value() == "normal"
        assert page.locator(ACTIVATION).input_value() == "identity"
        k = np.arange(state["T"] + 1)
        np.testing.assert_allclose(live.values(), k * np.log(0.95), rtol=0, atol=TOLERANCE)
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def test_what_the_page_says_about_the_figure(data: dict) -> None:
    """The "Things to try" of shared_weights.md, on the figure's own inputs (s: the input
    scale)."""
    T = 60
    k = np.arange(T + 1)
    for rho, s in itertools.product((0.6, 0.95, 1.0, 1.3, 1.5), (0.0, 0.5, 2.0)):
        scalar = k * np.log(rho)
        # 1. identity, normal: exactly rho^k.
        identity = vgrad_log_norms(data, rho, T, "identity", "normal", s)
        np.testing.assert_allclose(identity, scalar, rtol=0, atol=1e-9)
        # 2. tanh, normal: never above rho^k; at s = 0 exactly the identity's curve.
        tanh = vgrad_log_norms(data, rho, T, "tanh", "normal", s)
        assert np.all(tanh <= scalar + 1e-9)
        if s == 0.0:
            np.testing.assert_allclose(tanh, identity, rtol=0, atol=1e-12)
        # 3. identity, non-normal: never below rho^k.
        assert np.all(vgrad_log_norms(data, rho, T, "identity", "nonnormal", s) >= scalar - 1e-9)
    # 2. larger inputs saturate tanh: the gradient vanishes although rho > 1.
    assert vgrad_log_norms(data, 1.3, T, "tanh", "normal", 2.0)[T] < np.log(1e-3)
    # 3. rho = 0.95, identity, non-normal: first grows more than tenfold, then decays.
    bump = vgrad_log_norms(data, 0.95, T, "identity", "nonnormal", 0.5)
    peak = int(np.argmax(bump))
    assert bump[peak] > np.log(10) and 0 < peak < T and bump[T] < bump[peak]


# --------------------------------------------------------------------------------------
# The numbers in the browser against vgrad

SETTINGS = [
    (rho, T, activation, kind, 0.5)
    for rho, T, activation, kind in itertools.product(
        (0.6, 1.0, 1.3), (20, 60), ("identity", "tanh"), ("normal", "nonnormal")
    )
] + [
    (1.1, 40, "tanh", "normal", 0.0),
    (1.1, 40, "tanh", "nonnormal", 2.0),
    (1.5, 100, "tanh", "nonnormal", 1.0),
    (0.5, 100, "identity", "nonnormal", 1.0),
    (1.5, 5, "identity", "normal", 2.0),
]


@pytest.mark.parametrize(("rho", "T", "activation", "kind", "s"), SETTINGS)
def test_plotted_values_match_vgrad(live: Live, data: dict, rho, T, activation, kind, s) -> None:
    state = live.set(rho=rho, T=T, activation=activation, kind=kind, s=s)
    assert (state["rho"], state["T"], state["activation"], state["kind"], state["s"]) == (
        rho,
        T,
        activation,
        kind,
        s,
    )
    plotted = live.values()
    expected = vgrad_log_norms(data, rho, T, activation, kind, s)
    assert plotted.shape == expected.shape == (T + 1,)
    error = np.max(np.abs(plotted - expected))
    assert error < TOLERANCE, f"max |log(browser) - log(vgrad)| = {error:.3g}"


def test_keyboard_operates_every_control(live: Live, data: dict) -> None:
    page = live.page
    live.set(rho=1.0, T=30, activation="identity", kind="normal", s=0.5)
    page.locator(RHO).focus()
    before = live.path()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    state = live.wait_for({"rho": 1.05})
    assert page.locator(f"{ROOT} output[for$='-rho']").inner_text() == "1.05"
    assert live.path() != before
    np.testing.assert_allclose(
        live.values(),
        vgrad_log_norms(data, 1.05, 30, "identity", "normal", 0.5),
        rtol=0,
        atol=TOLERANCE,
    )
    page.keyboard.press("End")
    assert live.wait_for({"rho": data["rho"]["max"]})["rho"] == 1.5
    page.keyboard.press("Home")
    assert live.wait_for({"rho": data["rho"]["min"]})["rho"] == 0.5

    # Tab walks through the controls in reading order, with a visible focus ring.
    order = [
        page.locator(sel).get_attribute("id") for sel in (RHO, STEPS, ACTIVATION, KIND, INPUTS)
    ]
    page.locator(RHO).focus()
    for expected_id in order[1:]:
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        assert focused == expected_id
        outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        assert outline[0] != "none" and outline[1] >= 2, (focused, outline)

    page.locator(STEPS).focus()
    page.keyboard.press("ArrowLeft")
    assert live.wait_for({"T": 29})["T"] == 29
    page.locator(ACTIVATION).focus()
    page.keyboard.press("ArrowDown")  # identity -> tanh
    state = live.wait_for({"activation": "tanh"})
    page.locator(KIND).focus()
    page.keyboard.press("ArrowDown")  # normal -> non-normal
    state = live.wait_for({"kind": "nonnormal"})
    page.locator(INPUTS).focus()
    page.keyboard.press("ArrowRight")
    state = live.wait_for({"s": 0.55})
    expected = vgrad_log_norms(data, state["rho"], state["T"], "tanh", "nonnormal", 0.55)
    np.testing.assert_allclose(live.values(), expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize(
    ("control", "value"),
    [("rho", 1.2), ("T", 45), ("activation", "identity"), ("kind", "normal"), ("s", 1.5)],
)
def test_moving_a_control_changes_the_figure(live: Live, control: str, value) -> None:
    live.set(rho=0.9, T=50, activation="tanh", kind="nonnormal", s=0.5)
    path, values = live.path(), live.values()
    summary = live.page.locator(f"{ROOT} .vgrad-live-summary").inner_text()
    live.set(**{control: value})
    assert live.path() != path
    new_values = live.values()
    assert new_values.shape != values.shape or not np.array_equal(new_values, values)
    assert live.page.locator(f"{ROOT} .vgrad-live-summary").inner_text() != summary


def test_the_curve_is_the_values(live: Live) -> None:
    """The measured path has one point per k, equally spaced, at heights linear in log10."""
    live.set(rho=1.05, T=70, activation="identity", kind="nonnormal", s=0.5)
    points = np.array(
        [[float(x), float(y)] for x, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", live.path())]
    )
    log10 = live.values() / math.log(10)
    assert points.shape == (71, 2)
    steps = np.diff(points[:, 0])
    assert np.all(steps > 0) and np.ptp(steps) < 0.01
    slope, offset = np.polyfit(log10, points[:, 1], 1)
    assert slope < 0  # larger norms are drawn higher
    assert np.max(np.abs(points[:, 1] - (slope * log10 + offset))) < 0.01
    # rho^k, dashed, is the straight line through (0, 1) with slope log10(rho)
    reference = live.page.locator(f"{ROOT} path.vgrad-live-reference").get_attribute("d")
    ref_y = np.array([float(y) for _, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", reference)])
    np.testing.assert_allclose(ref_y, slope * np.arange(71) * math.log10(1.05) + offset, atol=0.01)


# --------------------------------------------------------------------------------------
# Accessibility, themes, fallbacks


def test_labelled_for_screen_readers(live: Live) -> None:
    page = live.page
    state = live.set(rho=1.1, T=50, activation="identity", kind="normal", s=0.5)
    for selector in (RHO, STEPS, ACTIVATION, KIND, INPUTS):
        labels = page.locator(selector).evaluate("el => Array.from(el.labels, l => l.textContent)")
        assert len(labels) == 1 and labels[0].strip(), selector
    svg = page.locator(f"{ROOT} svg")
    assert svg.get_attribute("role") == "img"
    names = svg.get_attribute("aria-labelledby").split()
    assert names and all(page.locator(f"#{name}").count() == 1 for name in names)
    summary = page.locator(f"{ROOT} .vgrad-live-summary")
    assert summary.get_attribute("aria-live") == "polite"
    # 1.1^50 = 117.39...: the scalar prediction the summary quotes
    assert "ρ = 1.10" in summary.inner_text() and "117" in summary.inner_text()
    table = page.locator(f"{ROOT} table")
    assert table.locator("tbody tr").count() == state["T"] + 1
    assert table.locator("caption").inner_text().strip()
    box = table.locator("xpath=..").bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1  # hidden from view only
    assert table.evaluate("el => getComputedStyle(el).display") != "none"


def test_colours_follow_the_theme(live: Live) -> None:
    page = live.page
    stroke = f"getComputedStyle(document.querySelector('{PATH}')).stroke"
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    light = page.evaluate(stroke)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    dark = page.evaluate(stroke)
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    assert light == "rgb(0, 114, 178)"  # Okabe-Ito blue
    assert dark == "rgb(86, 180, 233)"  # Okabe-Ito sky blue


def test_without_javascript_the_static_figure_shows(browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    try:
        page.goto(base_url + PAGE, wait_until="load", timeout=TIMEOUT_MS)
        assert not page.locator(ROOT).is_visible()
        figure = page.locator("#live-decay-static")
        assert figure.is_visible()
        image = figure.locator("img")
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete", arg=image.element_handle(), timeout=TIMEOUT_MS
        )
        assert image.evaluate("img => img.naturalWidth") > 0
        href = figure.locator("a[href*='plot_gradient_decay']").first.get_attribute("href")
        assert (SITE / href.split("#")[0]).is_file()
    finally:
        context.close()


def test_missing_data_says_so(browser, base_url: str) -> None:
    """If the data script does not arrive, the figure says so and links the static figure."""
    context = browser.new_context(service_workers="block")
    context.route("**/decay_data.js*", lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(base_url + PAGE, wait_until="load", timeout=TIMEOUT_MS)
        message = page.locator(f"{ROOT} .vgrad-live-error")
        message.wait_for(state="visible", timeout=TIMEOUT_MS)
        href = message.locator("a").get_attribute("href")
        assert (SITE / href).is_file()
        assert page.locator(f"{ROOT} svg").count() == 0
    finally:
        context.close()


def test_works_from_file_url(browser) -> None:
    """Opened from disk, the figure still gets its data (a script, not a fetched file)."""
    context, page, errors = open_live(browser, (SITE / PAGE).as_uri())
    try:
        assert Live(page).values().shape == (Live(page).state()["T"] + 1,)
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def test_scripts_load_only_where_the_figure_is() -> None:
    for relpath in site_pages():
        html = (SITE / relpath).read_text(encoding="utf-8")
        assert ("live_decay.js" in html) == ('data-vgrad-live="decay"' in html), relpath
    assert 'data-vgrad-live="decay"' in (SITE / PAGE).read_text(encoding="utf-8")
