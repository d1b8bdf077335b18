"""Execute the pages' notebooks while sphinx-gallery runs the examples.

Why: Sphinx runs the two kinds of executed content one after the other. sphinx-gallery runs
every example at ``builder-inited``, section by section (two at a time with ``-j 2``, so a
core idles whenever a section's longest example runs alone), and only then does Sphinx read
the pages, when myst-nb executes each one. It reads them in chunks of about fifteen documents
in name order, so the executed pages (most of them in the second half of the alphabet) share
one chunk, which one process works through while the other has nothing left to do.
Measured: a cold ``-j 2`` build takes 0.657 times as long with this extension as without it
(``-t no_preexecute``), the median ratio of three alternating pairs (medians 51.4 s against
81.9 s; CPU 87.6 s against 91.7 s; 2026-12-07).

What: at ``builder-inited``, before sphinx-gallery starts, this extension converts every
executed page into its notebook exactly as myst-nb will (the same reader, the same
``source-read`` handlers), and executes the notebooks in background threads, longest first,
into myst-nb's own jupyter-cache (``nb_execution_cache_path``). The threads only wait on the
kernels, which are separate processes. Before Sphinx starts reading (``env-before-read-docs``)
the build waits for them.

What it does not change: myst-nb still decides, page by page, whether the cache holds an
executed copy of exactly that page's code (jupyter-cache compares a hash of the code cells);
a page whose notebook differs, or one that failed here, is executed again by myst-nb during
reading, which then reports any error as usual (so a failing page still fails the build).
Nothing is kept between builds that would not be kept without this extension: it fills the
same cache myst-nb's ``cache`` mode fills. With execution off (the tag ``fast``) it does
nothing; the tag ``no_preexecute`` (``sphinx-build -t no_preexecute``) turns it off.

The kernels are ordinary Jupyter kernels. Forking them from one process that had already
imported IPython, numpy, matplotlib and vgrad was tried and removed: a cold ``-j 2`` build
with ordinary kernels took 1.08 times as long as with forked ones, the median ratio of three
alternating pairs (one pair 0.88; medians 74.7 s against 72.2 s; CPU 112.3 s against
102.2 s; 2026-12-07): forking saved 7.5 % of the wall time by the median ratio, 3.4 % between
the medians, under the 15 % a piece of build machinery must save to be kept.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

#: Rough cost of each page's notebook, in seconds of one core (a build's ``[preexecute]``
#: log line gives each page's time, stretched by the examples running beside it): the
#: longest is started first, so that it does not become the tail of the build. A page
#: missing here counts as average.
_COST_HINT = {
    "remedies": 24.0,
    "training": 9.0,
    "shared_weights": 2.7,
    "gated": 2.6,
    "unrolled_rnn": 2.5,
    "eigenvalues": 2.4,
    "deep_networks": 2.2,
}

_state: dict[str, Any] = {}


def _notebooks(app: Any) -> list[tuple[str, Path, Any, Any]]:
    """(docname, path, notebook, read_fmt) of every page myst-nb will execute. Kernel
    aliases (``nb_kernel_rgx_aliases``, unset here) are not applied: a page they would rename
    misses the cache and myst-nb executes it while reading."""
    from myst_nb.core.read import create_nb_reader

    md_config = app.env.myst_config
    nb_config = app.env.mystnb_config
    found = app.project.discover(app.config.exclude_patterns, app.config.include_patterns)
    out = []
    for docname in sorted(found):
        path = Path(app.project.doc2path(docname, absolute=True))
        if path.suffix != ".md" or not path.is_file():
            continue  # the gallery's pages are reStructuredText; nothing else executes
        content = [path.read_text(encoding="utf-8")]
        app.events.emit("source-read", docname, content)
        reader = create_nb_reader(str(path), md_config, nb_config, content[0])
        if reader is None:
            continue
        notebook = reader.read(content[0])
        if nb_config.metadata_key in notebook.metadata:
            continue  # a page that overrides execution settings is left to myst-nb
        if not any(c["cell_type"] == "code" for c in notebook.cells):
            continue
        out.append((docname, path, notebook, reader.read_fmt))
    return out


def _execute(docname: str, path: Path, notebook: Any, read_fmt: Any, lock: threading.Lock):
    """Execute one notebook into the cache, as myst-nb's cache client does; return a message."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    nb_config = _state["nb_config"]
    with lock:  # one writer at a time on the cache's sqlite database
        cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
        try:
            cache.match_cache_notebook(notebook)
            return f"{docname}: already cached"
        except KeyError:
            pass
    start = time.perf_counter()
    result = single_nb_execution(
        notebook,
        cwd=str(path.parent),
        allow_errors=nb_config.execution_allow_errors,
        timeout=nb_config.execution_timeout,
        meta_override=True,
    )
    if result.err is not None:
        # Not cached: myst-nb executes the page again while reading and reports the error.
        return f"{docname}: failed ({type(result.err).__name__}), left to myst-nb"
    with lock:
        if read_fmt is not None:
            stage = cache.add_nb_to_project(str(path), read_data=read_fmt)
        else:
            stage = cache.add_nb_to_project(str(path))
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, stage.uri, data={"execution_seconds": result.time}),
            check_validity=False,
            overwrite=True,
        )
    return f"{docname}: executed in {time.perf_counter() - start:.1f} s"


def _start(app: Any) -> None:
    if app.tags.has("no_preexecute"):
        return
    nb_config = getattr(app.env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache":
        return
    pages = _notebooks(app)
    pages.sort(key=lambda p: -_COST_HINT.get(p[0], 1.5))
    _state["nb_config"] = nb_config
    lock = threading.Lock()
    # As many kernels as build processes: together with sphinx-gallery's workers this
    # oversubscribes the cores a little, which fills the gaps between examples.
    pool = ThreadPoolExecutor(max_workers=max(1, app.parallel), thread_name_prefix="preexec")
    futures: list[Future] = [pool.submit(_execute, *page, lock) for page in pages]
    _state.update(pool=pool, futures=futures, start=time.perf_counter())


def _wait(app: Any, env: Any, docnames: list[str]) -> None:
    pool = _state.pop("pool", None)
    if pool is None:
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    waited = time.perf_counter()
    messages = [f.result() for f in _state.pop("futures")]
    pool.shutdown(wait=True)
    logger.info(
        "[preexecute] %d pages in %.1f s (waited %.1f s after the gallery): %s",
        len(messages),
        time.perf_counter() - _state["start"],
        time.perf_counter() - waited,
        "; ".join(messages),
    )


def _abandon(app: Any, exception: Exception | None) -> None:
    # A build that failed before reading (an example raised) drops the notebooks not yet
    # started instead of finishing them at interpreter exit.
    pool = _state.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def setup(app: Any) -> dict[str, Any]:
    # Listeners of equal priority run in the order they were connected, and extensions are
    # set up in the order conf.py lists them: listed after myst_nb (whose builder-inited
    # handlers create the configs read here) and before sphinx_gallery.gen_gallery (whose
    # handler runs the examples), this starts between the two.
    app.connect("builder-inited", _start)
    app.connect("env-before-read-docs", _wait)
    app.connect("build-finished", _abandon)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
