"""tools/kernels.py: what it calls a narrated value, and how it compares them across kernels."""

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "kernels.py"


@pytest.fixture(scope="module")
def kernels():
    spec = importlib.util.spec_from_file_location("kernels_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_glued_values_are_compared_as_the_page_shows_them(kernels):
    source = "a {glue:text}`x:.2f` b {glue:text}`n` c {glue}`s` d {glue:text}`x:.5f`"
    shown = kernels.shown_values(source, {"x": "0.123456", "n": "3", "s": "'text'"})
    assert shown["x"] == "0.12"  # the first role's format wins
    assert shown["x (stored)"] == "0.123456"
    assert shown["n"] == "3" and shown["s"] == "text"


def test_report_separates_moved_from_rounding_level_values(kernels, capsys):
    page = kernels.DOCS_DIR / "training.md"
    jobs = []
    for kernel, stored in (("Haswell", "0.1231"), ("SkylakeX", "0.1234")):
        job = kernels.Job(page, kernel, ok=True)
        job.values = {"x": "0.12", "x (stored)": stored, "count": "3", "count (stored)": "3"}
        jobs.append(job)
    jobs[1].values["count"] = jobs[1].values["count (stored)"] = "4"
    assert kernels.report(jobs, ["Haswell", "SkylakeX"]) == 0
    out = capsys.readouterr().out
    assert "count" in out and "    x\n" not in out
    assert "1 narrated values differ as shown" in out and "1 differ only below" in out


def test_a_failed_run_fails_the_report_and_shows_its_traceback(kernels, capsys):
    job = kernels.Job(kernels.DOCS_DIR / "training.md", "Haswell", error="Traceback: boom")
    assert kernels.report([job], ["Haswell"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: docs/training.md under Haswell" in out and "Traceback: boom" in out


def test_every_page_with_code_cells_is_executed(kernels):
    pages = {p.name for p in kernels.executed_pages()}
    assert {"training.md", "eigenvalues.md", "gated.md"} <= pages
    assert "api.md" not in pages and "references.md" not in pages
    assert len(kernels.examples()) >= 16
