"""Driving any of the site's live figures in headless Chromium (tests_browser/test_live_*.py).

A figure (docs/_static/live/live_<name>.js on live_core.js) is a ``[data-vgrad-live=name]``
element holding labelled controls with ids ``vgrad-live-<i>-<control>``, an SVG plot, a
live summary and a table of the plotted values: per row ``data-k`` and one ``td[data-ln]``
per series, the natural log of the value. After every render the root's dataset holds the
state (one entry per control) and a render count.
"""

from __future__ import annotations

import json

import numpy as np

TIMEOUT_MS = 30_000

READ_TABLE = """root => Array.from(root.querySelectorAll("tbody tr"), tr => [
  Number(tr.dataset.k), Array.from(tr.querySelectorAll("td[data-ln]"), td => td.dataset.ln)])"""


class LiveFigure:
    """One live figure on an open page, driven through its controls."""

    def __init__(self, page, name: str) -> None:
        self.page = page
        self.name = name
        self.root = page.locator(f'[data-vgrad-live="{name}"]')

    def control(self, control_id: str):
        return self.root.locator(f"[id$='-{control_id}']:is(input, select)")

    def state(self) -> dict:
        return self.root.evaluate("root => ({...root.dataset})")

    def set(self, **values) -> dict:
        """Set controls by id (value + input event, as a drag does); wait for the redraw.
        ``values`` maps a control id to its value; returns the dataset after the render."""
        renders = int(self.state().get("renders", 0))
        # All in one task, so the one render the figure schedules sees every new value.
        self.root.evaluate(
            """(root, values) => {
                 for (const [id, v] of Object.entries(values)) {
                   const el = root.querySelector(`[id$='-${id}']`);
                   el.value = v;
                   el.dispatchEvent(new Event("input", {bubbles: true}));
                 } }""",
            {key: str(value) for key, value in values.items()},
        )
        self.page.wait_for_function(
            "([root, n]) => Number(root.dataset.renders) > n",
            arg=[self.root.element_handle(), renders],
            timeout=TIMEOUT_MS,
        )
        return self.state()

    def wait_for_change(self, renders: int) -> dict:
        self.page.wait_for_function(
            "([root, n]) => Number(root.dataset.renders) > n",
            arg=[self.root.element_handle(), renders],
            timeout=TIMEOUT_MS,
        )
        return self.state()

    def values(self) -> list[np.ndarray]:
        """The plotted natural logs, one array per series (index k = 0, 1, ...)."""
        rows = self.root.evaluate(READ_TABLE)
        assert [k for k, _ in rows] == list(range(len(rows)))
        return [np.array([float(row[1][i]) for row in rows]) for i in range(len(rows[0][1]))]

    def paths(self) -> list[str]:
        return self.root.locator("svg path").evaluate_all("ps => ps.map(p => p.getAttribute('d'))")

    def summary(self) -> str:
        return self.root.locator(".vgrad-live-summary").inner_text()


def read_data_script(text: str, name: str) -> dict:
    """The data a live figure's data script holds (docs/_ext/live_figure.py: data_script)."""
    prefix = f"(window.vgradLiveData = window.vgradLiveData || {{}})[{json.dumps(name)}] = "
    if not (text.startswith(prefix) and text.endswith(";\n")):
        raise ValueError(f"not the data script of live figure {name!r}: {text[:60]!r}")
    return json.loads(text[len(prefix) : -len(";\n")])


def collect_errors(page) -> list[str]:
    """The list every uncaught exception and console error, assertion or warning of ``page``
    is appended to, from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console {msg.type}: {msg.text}")
            if msg.type in ("error", "assert", "warning")
            else None
        ),
    )
    return errors


def open_figure(browser, url: str, name: str, viewport=None, scheme: str = "light"):
    """Open ``url``, unfold the Going-further block holding the figure, wait for its plot.
    Returns (context, page, errors, figure)."""
    context = browser.new_context(
        service_workers="block",
        viewport=viewport or {"width": 1200, "height": 900},
        color_scheme=scheme,
    )
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('mode', '{scheme}');")
    page.set_default_timeout(TIMEOUT_MS)
    errors = collect_errors(page)
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    figure = LiveFigure(page, name)
    figure.root.evaluate("root => { const d = root.closest('details'); if (d) d.open = true; }")
    figure.root.locator("svg path.vgrad-live-measured").wait_for(state="visible")
    return context, page, errors, figure


def max_log_error(plotted: np.ndarray, expected: np.ndarray) -> float:
    """Largest |log a - log b|: the relative error of the values (to first order), however
    small or large they are. -inf (an exact zero) must match exactly."""
    assert plotted.shape == expected.shape
    finite = np.isfinite(expected)
    assert np.array_equal(finite, np.isfinite(plotted)), (plotted, expected)
    assert np.array_equal(plotted[~finite], expected[~finite])
    if not finite.any():
        return 0.0
    a, b = plotted[finite], expected[finite]
    return float(np.max(np.abs(a - b)))
