"""No stale results on the site: a change to vgrad's sources reruns what it computed.

docs/_ext/sitebuild.py fingerprints the engine (:func:`engine_hash`); a new fingerprint
deletes sphinx-gallery's ``*.md5`` files (every example reruns), selects a fresh myst-nb
cache directory (every page re-executes) and deletes the old ones. These tests run those
functions on temporary trees: no Sphinx, no build.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext" / "sitebuild.py"
# sitebuild imports the style sheets from its sibling figure_style.
if str(EXT.parent) not in sys.path:
    sys.path.append(str(EXT.parent))


@pytest.fixture
def sitebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh copy of the module, pointed at a fake repository under ``tmp_path``."""
    spec = importlib.util.spec_from_file_location("_sitebuild_under_test", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    repo = tmp_path / "repo"
    engine = repo / "vgrad"
    engine.mkdir(parents=True)
    (engine / "__init__.py").write_text("from .rnn import RNN\n")
    (engine / "rnn.py").write_text("class RNN:\n    rho = 0.9\n")
    monkeypatch.setattr(module, "REPO_ROOT", repo)
    monkeypatch.setattr(module, "ENGINE_DIR", engine)
    monkeypatch.setattr(module, "BUILD_DIR", repo / "docs" / "_build")
    return module


def test_engine_hash_is_stable(sitebuild) -> None:
    digest = sitebuild.engine_hash()
    assert digest == sitebuild.engine_hash()
    assert len(digest) == 16 and int(digest, 16) >= 0


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda e: (e / "rnn.py").write_text("class RNN:\n    rho = 1.1\n"), id="edit"),
        pytest.param(lambda e: (e / "lstm.py").write_text("X = 1\n"), id="new-module"),
        pytest.param(lambda e: (e / "rnn.py").rename(e / "cells.py"), id="rename"),
        pytest.param(lambda e: (e / "rnn.py").unlink(), id="delete"),
        pytest.param(
            lambda e: (e / "sub").mkdir() or (e / "sub" / "m.py").write_text(""), id="subpackage"
        ),
    ],
)
def test_engine_hash_changes_with_the_engine(sitebuild, edit) -> None:
    before = sitebuild.engine_hash()
    edit(sitebuild.ENGINE_DIR)
    assert sitebuild.engine_hash() != before


def test_engine_hash_changes_with_the_figure_style(sitebuild, monkeypatch) -> None:
    before = sitebuild.engine_hash()
    monkeypatch.setitem(sitebuild.STYLE, "lines.linewidth", "3.0")
    assert sitebuild.engine_hash() != before


@pytest.mark.parametrize("name", ["figure_style.py", "figures.py"])
def test_engine_hash_changes_with_the_figure_code(sitebuild, monkeypatch, tmp_path, name) -> None:
    """An edit to the scraper or to the rendering of a page's figure reruns everything."""
    copies = tuple(tmp_path / path.name for path in sitebuild.FIGURE_CODE)
    for path, copy in zip(sitebuild.FIGURE_CODE, copies, strict=True):
        copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(sitebuild, "FIGURE_CODE", copies)
    assert {path.name for path in copies} == {"figure_style.py", "figures.py"}
    before = sitebuild.engine_hash()
    with (tmp_path / name).open("a") as f:
        f.write("# an edit\n")
    assert sitebuild.engine_hash() != before


def test_ipython_profile_installs_the_figure_hook(sitebuild, monkeypatch, tmp_path) -> None:
    """The kernels' start-up file makes vgrad.pages.show render through figures.show, and
    leaves no name in the page's namespace."""
    from vgrad import pages

    monkeypatch.setattr(pages, "_hook", None)
    monkeypatch.setitem(sys.modules, "figures", None)  # an ordinary kernel: load it by path
    profile = sitebuild.write_ipython_profile(tmp_path / "ipython") / "profile_default"
    startup = profile / "startup" / "00-vgrad-figures.py"
    namespace: dict = {}
    exec(compile(startup.read_text(), str(startup), "exec"), namespace)
    assert set(namespace) == {"__builtins__"}
    assert pages._hook is sys.modules["figures"].show
    assert sys.modules["figures"].__file__ == str(sitebuild.FIGURES)


def test_engine_hash_changes_with_numpy_version(sitebuild, monkeypatch) -> None:
    before = sitebuild.engine_hash()
    real = sitebuild.metadata.version
    monkeypatch.setattr(
        sitebuild.metadata, "version", lambda d: "0.0.1" if d == "numpy" else real(d)
    )
    assert sitebuild.engine_hash() != before


def test_engine_hash_ignores_what_cannot_change_a_result(sitebuild) -> None:
    before = sitebuild.engine_hash()
    (sitebuild.ENGINE_DIR / "notes.txt").write_text("not code")
    (sitebuild.ENGINE_DIR / "__pycache__").mkdir()
    (sitebuild.ENGINE_DIR / "__pycache__" / "rnn.cpython-311.pyc").write_bytes(b"\0")
    (sitebuild.REPO_ROOT / "README.md").write_text("prose")
    assert sitebuild.engine_hash() == before


def _gallery(root: Path) -> list[Path]:
    """A generated gallery with sphinx-gallery's md5 files, in nested sections."""
    files = [root / "01_deep" / "plot_a.py.md5", root / "02_rnn" / "plot_b.py.md5"]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("d41d8cd98f00b204e9800998ecf8427e")
    (root / "02_rnn" / "plot_b.rst").write_text("generated page")
    return files


def test_invalidate_gallery_on_first_build_and_on_engine_change(sitebuild, tmp_path) -> None:
    gallery = tmp_path / "auto_examples"
    md5s = _gallery(gallery)

    removed = sitebuild.invalidate_gallery(gallery, "aaaa")
    assert sorted(removed) == sorted(md5s)
    assert not any(p.exists() for p in md5s)
    assert (gallery / "02_rnn" / "plot_b.rst").exists(), "only md5 files go"
    assert (gallery / sitebuild.STAMP_NAME).read_text().strip() == "aaaa"

    # The examples ran again and wrote new md5 files: same engine, nothing to do.
    _gallery(gallery)
    assert sitebuild.invalidate_gallery(gallery, "aaaa") is None
    assert all(p.exists() for p in md5s)

    # The engine changed: every example reruns.
    assert sorted(sitebuild.invalidate_gallery(gallery, "bbbb")) == sorted(md5s)
    assert not any(p.exists() for p in md5s)
    assert (gallery / sitebuild.STAMP_NAME).read_text().strip() == "bbbb"


def test_invalidate_gallery_creates_a_missing_gallery(sitebuild, tmp_path) -> None:
    gallery = tmp_path / "auto_examples"
    assert sitebuild.invalidate_gallery(gallery, "aaaa") == []
    assert sitebuild.invalidate_gallery(gallery, "aaaa") is None


def test_notebook_cache_follows_the_fingerprint(sitebuild) -> None:
    a, b = sitebuild.notebook_cache_path("aaaa"), sitebuild.notebook_cache_path("bbbb")
    assert a != b and a.parent == b.parent
    assert sitebuild.BUILD_DIR in a.parents


def test_prune_notebook_caches_keeps_only_the_current_one(sitebuild) -> None:
    current, stale = sitebuild.notebook_cache_path("aaaa"), sitebuild.notebook_cache_path("bbbb")
    for cache in (current, stale):
        (cache / "executed").mkdir(parents=True)
        (cache / "global.db").write_text("db")
    assert sitebuild.prune_notebook_caches("aaaa") == [stale]
    assert (current / "global.db").exists()
    assert not stale.exists()
    assert sitebuild.prune_notebook_caches("aaaa") == []


def test_prune_notebook_caches_without_a_build(sitebuild) -> None:
    assert sitebuild.prune_notebook_caches("aaaa") == []


class _FakeApp:
    """Records what ``sitebuild.setup`` registers; Sphinx itself is not needed."""

    def __init__(self) -> None:
        self.config_values: dict[str, tuple] = {}
        self.handlers: dict[str, list] = {}

    def add_config_value(self, name, default, rebuild, types=None) -> None:
        self.config_values[name] = (default, rebuild)

    def connect(self, event, handler, priority=500) -> None:
        self.handlers.setdefault(event, []).append(handler)


def test_setup_rereads_every_page_and_invalidates_on_a_new_fingerprint(sitebuild) -> None:
    app = _FakeApp()
    sitebuild.setup(app)
    # rebuild="env": a new value of vgrad_engine_hash makes Sphinx re-read every page.
    assert app.config_values["vgrad_engine_hash"][1] == "env"
    assert sitebuild._on_config_inited in app.handlers["config-inited"]


def test_on_config_inited_prunes_gallery_caches_and_api_pages(sitebuild, tmp_path) -> None:
    pytest.importorskip("sphinx", reason="the Sphinx hook logs through sphinx.util.logging")
    srcdir = tmp_path / "docs"
    md5s = _gallery(srcdir / "auto_examples")
    stale = sitebuild.notebook_cache_path("old0")
    stale.mkdir(parents=True)

    config = SimpleNamespace(
        vgrad_engine_hash="new1", sphinx_gallery_conf={"gallery_dirs": "auto_examples"}
    )
    (srcdir / "api").mkdir()
    out = tmp_path / "html"
    app = SimpleNamespace(srcdir=str(srcdir), outdir=str(out), doctreedir=str(out / ".doctrees"))
    sitebuild._on_config_inited(app, config)
    assert not any(p.exists() for p in md5s)
    assert not stale.exists()
    assert not (srcdir / "api").exists()
    assert (srcdir / "auto_examples" / sitebuild.STAMP_NAME).read_text().strip() == "new1"


def test_the_real_fingerprint_covers_the_real_engine() -> None:
    spec = importlib.util.spec_from_file_location("_sitebuild_real", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import vgrad

    assert Path(vgrad.__file__).resolve().parent == module.ENGINE_DIR
    engine_modules = {
        Path(m.__file__).resolve()
        for name, m in sys.modules.items()
        if name.startswith("vgrad.") and getattr(m, "__file__", None)
    }
    assert engine_modules, "vgrad imported no submodules"
    assert all(module.ENGINE_DIR in p.parents for p in engine_modules)


def test_prune_api_pages_once_per_engine_and_output(sitebuild, tmp_path) -> None:
    src, out, doctrees = tmp_path / "docs", tmp_path / "html", tmp_path / "html" / ".doctrees"
    for folder in (src / "api", out / "api"):
        folder.mkdir(parents=True)
        (folder / "vgrad.stacked.html").write_text("a page of a class that is gone")
    assert sitebuild.prune_api_pages(src, out, doctrees, "aaaa") == [src / "api", out / "api"]
    assert not (src / "api").exists() and not (out / "api").exists()
    (out / "api").mkdir()
    assert sitebuild.prune_api_pages(src, out, doctrees, "aaaa") == []  # same engine: kept
    assert (out / "api").is_dir()
    assert sitebuild.prune_api_pages(src, out, doctrees, "bbbb") == [out / "api"]


# -- work a no-change rebuild skips -------------------------------------------------------


def _examples(tmp_path: Path) -> tuple[Path, dict]:
    """An examples folder of two scripts and a gallery that has run both (their md5s)."""
    pytest.importorskip("sphinx_gallery")
    from sphinx_gallery.utils import get_md5sum

    src = tmp_path / "docs"
    for name in ("01_a/plot_one.py", "01_a/plot_two.py"):
        script = tmp_path / "gallery" / name
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(f'"""{name}\n=====\n"""\nprint(1)\n')
        out = src / "auto_examples" / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_name(out.name + ".md5").write_text(get_md5sum(script, mode="t"))
    (tmp_path / "gallery" / "01_a" / "README.rst").write_text("A\n=\n")
    conf = {
        "examples_dirs": "../gallery",
        "gallery_dirs": "auto_examples",
        "example_extensions": {".py"},
        "ignore_pattern": r"__init__\.py",
        "source_suffix": {".rst": "restructuredtext"},
        "run_stale_examples": False,
    }
    return src, conf


def test_gallery_is_current_until_a_script_changes(sitebuild, tmp_path) -> None:
    src, conf = _examples(tmp_path)
    assert sitebuild.gallery_is_current(src, conf)
    assert not sitebuild.gallery_is_current(src, {**conf, "run_stale_examples": True})
    (tmp_path / "gallery" / "01_a" / "plot_two.py").write_text('"""Two\n===\n"""\nprint(2)\n')
    assert not sitebuild.gallery_is_current(src, conf)


def test_gallery_with_a_new_script_is_not_current(sitebuild, tmp_path) -> None:
    src, conf = _examples(tmp_path)
    (tmp_path / "gallery" / "01_a" / "plot_three.py").write_text('"""Three\n=====\n"""\n')
    assert not sitebuild.gallery_is_current(src, conf)


def test_current_gallery_runs_without_workers(sitebuild, tmp_path) -> None:
    src, conf = _examples(tmp_path)
    conf["parallel"] = 2
    app = SimpleNamespace(srcdir=str(src), config=SimpleNamespace(sphinx_gallery_conf=conf))
    sitebuild._serial_current_gallery(app)
    assert conf["parallel"] is False
    conf["parallel"] = 2
    (src / "auto_examples" / "01_a" / "plot_one.py.md5").unlink()
    sitebuild._serial_current_gallery(app)
    assert conf["parallel"] == 2


_AUTOSUMMARY_INPUTS = (
    "api.md",
    "_templates/autosummary/class.rst",
    "api/vgrad.rnn.rst",
    "conf.py",
    "_ext/x.py",
)


def _autosummary_app(tmp_path: Path) -> SimpleNamespace:
    src = tmp_path / "docs"
    for name in _AUTOSUMMARY_INPUTS:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(f"{name}\n.. autosummary::\n")
    env = SimpleNamespace(found_docs={"api"}, doc2path=lambda doc: src / f"{doc}.md")
    config = SimpleNamespace(
        autosummary_generate=True, templates_path=["_templates"], vgrad_engine_hash="e1"
    )
    return SimpleNamespace(
        srcdir=str(src), doctreedir=str(tmp_path / "doctrees"), env=env, config=config
    )


def _autosummary_runs(sitebuild, app) -> bool:
    """One builder-inited: whether autosummary would generate (its setting in between)."""
    sitebuild._skip_current_autosummary(app)
    runs = app.config.autosummary_generate
    sitebuild._record_autosummary(app)
    assert app.config.autosummary_generate is True  # restored: the environment pickles it
    return bool(runs)


def test_autosummary_runs_only_when_its_inputs_change(sitebuild, tmp_path) -> None:
    pytest.importorskip("sphinx")
    app = _autosummary_app(tmp_path)
    src = Path(app.srcdir)
    assert _autosummary_runs(sitebuild, app)  # first build: no record
    assert not _autosummary_runs(sitebuild, app)  # nothing changed
    for edit in _AUTOSUMMARY_INPUTS:
        (src / edit).write_text("edited .. autosummary::")
        assert _autosummary_runs(sitebuild, app), edit
        assert not _autosummary_runs(sitebuild, app), edit
    # A page without the directive makes no stub (a gallery page added by the build): no
    # rerun; one with it does.
    (src / "gallery_page.md").write_text("An example.")
    app.env.found_docs.add("gallery_page")
    assert not _autosummary_runs(sitebuild, app)
    (src / "gallery_page.md").write_text(".. autosummary::\n   vgrad.RNN\n")
    assert _autosummary_runs(sitebuild, app)
    app.env.found_docs.discard("gallery_page")  # a page with the directive removed
    assert _autosummary_runs(sitebuild, app)
    (src / "api" / "vgrad.rnn.rst").unlink()  # a stub deleted
    assert _autosummary_runs(sitebuild, app)
    app.config.vgrad_engine_hash = "e2"  # another engine
    assert _autosummary_runs(sitebuild, app)
    assert not _autosummary_runs(sitebuild, app)


def test_autosummary_records_the_sources_it_read(sitebuild, tmp_path) -> None:
    """A template edited while the build runs (between autosummary's generation and the
    record, while sphinx-gallery runs the examples) is not taken as seen."""
    pytest.importorskip("sphinx")
    app = _autosummary_app(tmp_path)
    template = Path(app.srcdir) / "_templates/autosummary/class.rst"
    sitebuild._skip_current_autosummary(app)
    assert app.config.autosummary_generate is True  # first build: runs
    template.write_text("edited during the build")
    sitebuild._record_autosummary(app)
    assert _autosummary_runs(sitebuild, app)  # the edit is new to autosummary
    assert not _autosummary_runs(sitebuild, app)


def test_index_entries_of_pages_not_written_are_kept(sitebuild, tmp_path) -> None:
    pytest.importorskip("sphinx")
    from sphinx.search import js_index

    frozen = {
        "docnames": ["api/a", "api/b", "api/c", "gone"],
        "indexentries": {
            "rnn (class)": [[0, "vgrad.RNN", True], [1, "x", False]],
            "old": [[2, "o", False], [3, "o", False]],
        },
    }
    (tmp_path / "searchindex.js").write_text(js_index.dumps(frozen))
    # This build wrote api/b (its entries are fresh), not api/a; the index has no title for
    # api/c (its entries would fail the index); "gone" was removed.
    entries = {"api/b": [("New", "n", "")]}
    titles = {"api/a": "A", "api/b": "B"}
    indexer = SimpleNamespace(_index_entries=entries, _titles=titles)
    builder = SimpleNamespace(indexer=indexer, searchindex_filename="searchindex.js")
    env = SimpleNamespace(all_docs={"api/a": 1, "api/b": 1, "api/c": 1})
    app = SimpleNamespace(builder=builder, outdir=str(tmp_path), env=env)
    assert sitebuild._keep_index_entries(app) == []
    assert list(entries) == ["api/a", "api/b"]  # in the order a cold build writes them
    assert entries["api/a"] == [("rnn (class)", "vgrad.RNN", "main")]
    assert entries["api/b"] == [("New", "n", "")]
    # Without Sphinx's private attributes nothing is put back.
    entries = {"api/b": []}
    builder.indexer = SimpleNamespace(_index_entries=entries)
    assert sitebuild._keep_index_entries(app) == [] and entries == {"api/b": []}


def test_index_entries_survive_a_real_no_change_rebuild(sitebuild, tmp_path) -> None:
    """Against this Sphinx (its private ``_index_entries`` and ``_titles``, Sphinx issue
    12599): a rebuild that writes no page keeps the index entries of a cold build."""
    pytest.importorskip("sphinx")
    from sphinx.application import Sphinx
    from sphinx.search import js_index

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("")
    (src / "index.rst").write_text("Title\n=====\n\n.. index:: vanishing gradient\n\nText.\n")
    out = tmp_path / "out"

    def build() -> dict:
        app = Sphinx(src, src, out, out / ".doctrees", "html", status=None, warning=None)
        app.connect("html-collect-pages", sitebuild._keep_index_entries)
        app.build()
        return js_index.loads((out / "searchindex.js").read_text())["indexentries"]

    cold = build()
    assert "vanishing gradient" in cold
    assert build() == cold  # nothing written, the entries kept
