"""Reading the site: accessibility, phones, keyboard and search, in headless Chromium.

* **axe-core** (the engine the accessibility audits of browsers use) on every page, light
  and dark: no violation of impact "serious" or "critical". axe is injected into the page
  from ``tools/web/node_modules/axe-core`` (``npm ci`` in tools/web, which ``nox -s browser``
  runs); nothing is fetched from the network.
* **Phones** (390 css px): no inline formula is cut off by the box the theme puts around it,
  none is wider than its line (inline formulas are kept whole), none runs past the right
  edge of the screen outside a sideways-scrolling box, and every
  display formula fits its column or scrolls inside it without running into its number.
  Headings wrap inside the column.
* **Keyboard**: formulas are not Tab stops (MathJax's menu can turn that on for a reader who
  wants to explore them).
* **Search**: each chapter ranks first for its own topic, and no result snippet shows TeX.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO_ROOT, SUMMARY, site_pages

PAGES = site_pages()
TIMEOUT_MS = 30_000
AXE = REPO_ROOT / "tools" / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

#: Query, and the page that must be the first result.
SEARCHES = [
    ("forget gate", "gated.html"),
    ("spectral radius", "eigenvalues.html"),
    ("clipping", "clipping.html"),
]

READY_JS = """async () => {
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  await document.fonts.ready;
}"""

# Inline formulas the reader cannot see whole at phone width: either the theme's span.math
# box clips its content, or the formula runs past the right edge of the screen without a
# sideways-scrolling ancestor to reach it with.
CLIPPED_JS = """() => {
  // A closed <details> (a concept check's answer) lays nothing out: open them all to measure.
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const vw = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if ((s.overflowX === "auto" || s.overflowX === "scroll") && p.scrollWidth > p.clientWidth)
        return true;
    }
    return false;
  };
  const out = [];
  for (const span of document.querySelectorAll("span.math")) {
    const mjx = span.querySelector("mjx-container");
    if (!mjx) continue;
    const text = (span.querySelector("mjx-assistive-mml, mjx-speech") || span).textContent
      .trim().slice(0, 60);
    // Rectangles, not scrollWidth: italic letters stick out of their box by a pixel.
    const r = mjx.getBoundingClientRect(), box = span.getBoundingClientRect();
    if (getComputedStyle(span).overflowX !== "visible" &&
        (r.right > box.right + 2 || r.left < box.left - 2)) {
      out.push(`clipped by its box: ${text}`);
      continue;
    }
    if (r.right > vw + 1 && !scrolls(span)) out.push(`past the screen edge: ${text}`);
    // Inline formulas are kept whole (no line breaks inside), so each must fit its line.
    const line = span.parentElement.closest("p, li, dd, dt, td, th, figcaption, div");
    if (line && r.width > line.getBoundingClientRect().width + 1)
      out.push(`wider than its line: ${text}`);
  }
  return out;
}"""

DISPLAY_JS = """() => {
  const out = [];
  for (const div of document.querySelectorAll("div.math")) {
    const mjx = div.querySelector("mjx-container");
    if (!mjx) continue;
    const r = mjx.getBoundingClientRect();
    const cut = mjx.scrollWidth > mjx.clientWidth + 1;
    const eqno = div.querySelector(".eqno");
    if (eqno) {
      const e = eqno.getBoundingClientRect();
      if (e.left < r.right - 1 && e.right > r.left + 1 && e.top < r.bottom && e.bottom > r.top)
        out.push(`equation number overlaps its formula near #${div.id || ""}`);
    }
    if (cut && !div.classList.contains("vgrad-scrolls") &&
        getComputedStyle(mjx).overflowX !== "auto")
      out.push(`display formula cut with no scrolling near #${div.id || ""}`);
  }
  for (const h of document.querySelectorAll("article h1, article h2, article h3")) {
    if (h.scrollWidth > h.clientWidth + 1) out.push(`heading overflows: ${h.textContent}`);
  }
  return out;
}"""

# Elements MathJax typeset that the Tab key reaches, but for display formulas too wide for
# their column: those scroll, and a keyboard reader must reach them to scroll them
# (mathjax_strict.js marks them "vgrad-scrolls").
TAB_STOPS_JS = """() => Array.from(document.querySelectorAll("mjx-container"))
  .filter((el) => el.tabIndex >= 0 && el.getAttribute("tabindex") !== null)
  .filter((el) => !(el.classList.contains("vgrad-scrolls") && el.scrollWidth > el.clientWidth))
  .length"""

AXE_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                  target: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


def open_page(browser, base_url: str, relpath: str, viewport: dict, scheme: str = "light"):
    context = browser.new_context(service_workers="block", viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('mode', '{scheme}');")
    page.goto(base_url + relpath, wait_until="load", timeout=TIMEOUT_MS)
    page.set_default_timeout(TIMEOUT_MS)
    page.evaluate(READY_JS)
    return context, page


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"no {AXE}: run `npm ci` in tools/web (nox -s browser does)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("relpath", PAGES)
def test_axe(relpath: str, scheme: str, browser, base_url: str, axe_source: str) -> None:
    context, page = open_page(browser, base_url, relpath, DESKTOP, scheme)
    try:
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(AXE_JS)
    finally:
        context.close()
    count = sum(v["nodes"] for v in violations)
    assert count == 0, f"{relpath} ({scheme}): {count} serious/critical axe node(s)\n" + (
        "\n".join(json.dumps(v) for v in violations)
    )


@pytest.mark.parametrize("relpath", PAGES)
def test_phone(relpath: str, browser, base_url: str) -> None:
    context, page = open_page(browser, base_url, relpath, PHONE)
    try:
        problems = page.evaluate(CLIPPED_JS) + page.evaluate(DISPLAY_JS)
    finally:
        context.close()
    assert not problems, f"{relpath} at 390 px:\n  " + "\n  ".join(problems)


#: No display formula of the site is taller than ~125 css px when set whole; MathJax 4.1's
#: automatic breaking of displays shredded aligned environments into 300-720 px columns of
#: single symbols, on desktops too (hence displayOverflow "scroll" in conf.py).
MAX_DISPLAY_PX = 250


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("relpath", [p for p in PAGES if not p.startswith("api")])
def test_display_formulas_set_whole(relpath: str, viewport: dict, browser, base_url: str) -> None:
    context, page = open_page(browser, base_url, relpath, viewport)
    try:
        heights = page.evaluate(
            """() => [...document.querySelectorAll('div.math mjx-container[display="true"]')]
                 .map((c) => Math.round(c.getBoundingClientRect().height))"""
        )
    finally:
        context.close()
    tall = [h for h in heights if h > MAX_DISPLAY_PX]
    assert not tall, f"{relpath}: display formulas {tall} px tall (broken into lines?)"


@pytest.mark.parametrize("relpath", PAGES)
def test_formulas_not_tab_stops(relpath: str, browser, base_url: str) -> None:
    context, page = open_page(browser, base_url, relpath, DESKTOP)
    try:
        stops = page.evaluate(TAB_STOPS_JS)
    finally:
        context.close()
    assert stops == 0, f"{relpath}: {stops} formulas are Tab stops"


def search_results(browser, base_url: str, query: str) -> list[dict]:
    context, page = open_page(browser, base_url, f"search.html?q={query}", DESKTOP)
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=TIMEOUT_MS)
        # Snippets are fetched after the list appears; wait until the search has finished.
        page.wait_for_function(
            "() => document.querySelector('#search-results p.search-summary') &&"
            " !document.querySelector('#search-results p.search-summary')"
            ".textContent.includes('Preparing')",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_load_state("networkidle")
        return page.evaluate(
            """() => Array.from(document.querySelectorAll("#search-results ul.search > li"),
              (li) => ({href: li.querySelector("a").getAttribute("href"),
                        snippet: (li.querySelector("p.context") || {}).textContent || ""}))"""
        )
    finally:
        context.close()


@pytest.mark.parametrize(("query", "expected"), SEARCHES)
def test_search_ranks_chapter_first(query: str, expected: str, browser, base_url: str) -> None:
    results = search_results(browser, base_url, query)
    pages = [r["href"].split("#")[0].split("?")[0] for r in results]
    rank = pages.index(expected) + 1 if expected in pages else None
    SUMMARY.append(f"search {query!r}: {expected} ranks {rank} of {len(pages)}")
    assert rank == 1, f"{query!r}: {expected} ranks {rank}; first: {pages[:5]}"
    tex = [
        r["snippet"][:80] for r in results if re.search(r"\\\(|\\[a-zA-Z]+\{|\\\)", r["snippet"])
    ]
    assert not tex, f"{query!r}: snippets show TeX: {tex}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_live_figure_legible(viewport: dict, browser, base_url: str) -> None:
    """The live figure's log-axis exponents are text, not dots, and each slider has at
    least two css px per position (its 100 positions were 75 px wide)."""
    context, page = open_page(browser, base_url, "shared_weights.html", viewport)
    try:
        page.wait_for_selector('[data-vgrad-live="decay"] path.vgrad-live-measured')
        sizes = page.evaluate(
            """() => Array.from(
              document.querySelectorAll(
                '[data-vgrad-live] .vgrad-live-axes text[text-anchor="end"] tspan'),
              (t) => parseFloat(getComputedStyle(t).fontSize))"""
        )
        sliders = page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-vgrad-live] input[type=range]'),
              (s) => [s.getBoundingClientRect().width, (s.max - s.min) / (s.step || 1)])"""
        )
    finally:
        context.close()
    assert sizes and min(sizes) >= 9, f"exponent labels in {min(sizes, default=0):.1f} px type"
    # Two px per position, for the first 100 positions (a finer slider still has the keys).
    assert sliders and all(w >= 2 * min(n, 100) for w, n in sliders), sliders
