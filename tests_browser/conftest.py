"""Fixtures for the browser tests: the built site, a loopback server and headless Chromium.

The site directory is ``$VGRAD_SITE`` (default ``docs/_build/html``); ``nox -s browser``
builds it first. Chromium is the system one (``$VGRAD_CHROMIUM``, else ``chromium`` on
PATH): Playwright drives it but never downloads a browser of its own.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("VGRAD_SITE", REPO_ROOT / "docs" / "_build" / "html")).resolve()
#: Directories of the build output that hold assets, not pages.
ASSET_DIRS = {"_static", "_images", "_downloads", "_sources", "_sphinx_design_static"}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def site_pages() -> list[str]:
    """Every HTML page of the site, as a path relative to its root."""
    if not SITE.is_dir():
        return []
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not ASSET_DIRS.intersection(p.relative_to(SITE).parts[:-1])
    )


def pytest_configure(config: pytest.Config) -> None:
    if not site_pages():
        raise pytest.UsageError(
            f"no built site at {SITE}: run `nox -s browser` (which builds it) or set VGRAD_SITE"
        )


#: Lines for the closing summary, added by the tests (test_downloads.py: counts and times).
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.write_line(f"browser: {len(site_pages())} pages of {SITE} checked")
    for line in SUMMARY:
        terminalreporter.write_line(line)


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (key == "name" and tag == "a")):
                self.ids.add(value)


@functools.cache
def page_ids(relpath: str) -> frozenset[str]:
    """Element ids (and ``<a name>``s) in the HTML of one page, the targets of ``#fragment``."""
    parser = _IdCollector()
    parser.feed((SITE / relpath).read_text(encoding="utf-8"))
    return frozenset(parser.ids)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """The site served over HTTP on 127.0.0.1 (a free port), for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium_path() -> str:
    path = os.environ.get("VGRAD_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "no Chromium: install the Debian package (apt-get install chromium) or set "
            "VGRAD_CHROMIUM to the browser's executable",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
