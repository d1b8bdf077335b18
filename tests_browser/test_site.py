"""Every page of the built site, in headless Chromium.

One test per page. A page fails on: a request to any host but the loopback server (the
site must read offline), a failed or 4xx/5xx request, a console error or uncaught
exception, a MathJax error node (conf.py makes an undefined macro an error), a formula
MathJax left untypeset or math delimiters left as plain text, an image that did not load,
or an in-site link, image ``srcset`` entry or ``#fragment`` with no target.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from conftest import SITE, page_ids, site_pages

PAGES = site_pages()
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 800}

# Everything the checks need from the rendered page, gathered once MathJax has finished.
# Lazy images are switched to eager and awaited, so every <img> has either loaded or failed.
INSPECT_JS = r"""
async () => {
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  const images = Array.from(document.images);
  for (const img of images) img.loading = "eager";
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done, {once: true});
    img.addEventListener("error", done, {once: true});
  })));
  const describe = (el) => (el.getAttribute("data-mjx-error") || el.textContent || "").trim();
  const mathErrors = Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]"))
    .map((el) => describe(el).slice(0, 200));
  const untypeset = Array.from(document.querySelectorAll(".math"))
    .filter((el) => !el.querySelector("mjx-container"))
    .map((el) => el.textContent.trim().slice(0, 200));
  // Prose text with TeX delimiters that nothing turned into math; code is exempt.
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .math";
  const rawMath = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const delimiters = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\$[^\s$][^$]*\$/;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent && !parent.closest(skip) && delimiters.test(node.data)) {
      rawMath.push(node.data.trim().slice(0, 200));
    }
  }
  // Display formulas wider than the text column get a scroll bar: split them instead.
  const wideMath = Array.from(document.querySelectorAll('mjx-container[display="true"]'))
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${el.scrollWidth}px in ${el.clientWidth}px, near #` +
      (el.closest("[id]") || {}).id);
  return {
    hasMathJax: !!(window.MathJax && window.MathJax.startup),
    wideMath,
    mathErrors,
    untypeset,
    rawMath,
    brokenImages: images.filter((img) => img.naturalWidth === 0)
      .map((img) => img.currentSrc || img.src),
    links: Array.from(document.querySelectorAll("a[href]"), (a) => a.href),
    srcset: images.flatMap((img) => (img.getAttribute("srcset") || "").split(",")
      .map((part) => part.trim().split(/\s+/)[0]).filter(Boolean)
      .map((url) => new URL(url, document.baseURI).href)),
    ids: Array.from(document.querySelectorAll("[id]"), (el) => el.id),
  };
}
"""


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def site_file(path: str) -> PurePosixPath:
    """The file of the site that the URL path ``path`` serves, relative to the site root."""
    rel = unquote(path).lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return PurePosixPath(rel)


def watch(context, page) -> list[str]:
    """Record every request to another host (and block it), failed or 4xx/5xx request,
    console error and uncaught exception of ``page`` into the returned list."""
    problems: list[str] = []

    def route(route):
        if is_loopback(route.request.url):
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    context.route("**/*", route)
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text} ({msg.location.get('url', '')})")
            if msg.type in ("error", "assert")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
    page.on(
        "requestfailed",
        lambda req: (
            problems.append(f"request failed: {req.url} ({req.failure})")
            if is_loopback(req.url)
            else None
        ),
    )
    page.on(
        "response",
        lambda resp: (
            problems.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None
        ),
    )
    return problems


@pytest.mark.parametrize("relpath", PAGES)
def test_page(relpath: str, browser, base_url: str) -> None:
    # A laptop-sized window: the width at which every display formula must fit its column.
    context = browser.new_context(service_workers="block", viewport=VIEWPORT)
    page = context.new_page()
    problems = watch(context, page)
    try:
        page.goto(base_url + relpath, wait_until="load", timeout=TIMEOUT_MS)
        page.set_default_timeout(TIMEOUT_MS)
        report = page.evaluate(INSPECT_JS)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    finally:
        context.close()

    problems += [f"MathJax error: {text}" for text in report["mathErrors"]]
    problems += [f"formula not typeset: {text}" for text in report["untypeset"]]
    problems += [f"math delimiters left as text: {text!r}" for text in report["rawMath"]]
    # Docstring formulas sit in narrow, scrollable signature blocks of the API pages.
    if not relpath.startswith("api"):
        problems += [f"display formula overflows: {text}" for text in report["wideMath"]]
    problems += [f"image did not load: {src}" for src in report["brokenImages"]]
    problems += check_links(relpath, base_url, report["links"], set(report["ids"]))
    problems += check_links(relpath, base_url, report["srcset"], set(), kind="srcset entry")

    assert not problems, f"{relpath}: {len(problems)} problem(s)\n  " + "\n  ".join(
        dict.fromkeys(problems)
    )


def check_links(
    relpath: str, base_url: str, urls: list[str], live_ids: set[str], kind: str = "link"
) -> list[str]:
    """In-site targets that do not exist: a missing file, or a fragment with no element id."""
    problems = []
    for url in dict.fromkeys(urls):
        if not url.startswith(base_url):
            continue  # another site (a citation's DOI, say) or mailto:: not ours to check
        target, fragment = urldefrag(url)
        path = site_file(urlsplit(target).path)
        if not (SITE / path).is_file():
            problems.append(f"broken {kind}: {url} (no file {path})")
            continue
        if not fragment or path.suffix != ".html":
            continue
        fragment = unquote(fragment)
        ids = page_ids(path.as_posix())
        if path.as_posix() == relpath:
            ids = ids | live_ids
        if fragment not in ids:
            problems.append(f"broken anchor: {url} (no id {fragment!r} in {path})")
    return problems


def test_site_has_pages() -> None:
    """A site of a handful of files means a broken build, not a passing one."""
    assert len(PAGES) >= 5, PAGES
    assert "index.html" in PAGES
    assert re.search(r"auto_examples/", " ".join(PAGES)), "no gallery pages in the site"


def test_mathjax_accessibility_reads_offline(browser, base_url: str) -> None:
    """MathJax 4 gives every formula speech and Braille as the page loads (its explorer is
    on by default); the speech rule engine runs in a worker and fetches its locale files.
    Those come from the site too, not from a CDN, and every formula ends up with speech."""
    relpath = next(
        (p for p in PAGES if 'class="math' in (SITE / p).read_text(encoding="utf-8")), None
    )
    assert relpath, "no page with a formula"
    context = browser.new_context(service_workers="block")
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    problems = watch(context, page)
    try:
        page.goto(base_url + relpath, wait_until="load", timeout=TIMEOUT_MS)
        page.evaluate("async () => { await window.MathJax.startup.promise; }")
        page.wait_for_function(
            "() => { const all = document.querySelectorAll('mjx-container');"
            " return all.length > 0 &&"
            " document.querySelectorAll('mjx-container[has-speech]').length === all.length; }",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    finally:
        context.close()
    assert any("/sre/mathmaps/" in url and is_loopback(url) for url in requested), requested
    assert not problems, f"{relpath}: " + "\n  ".join(dict.fromkeys(problems))
