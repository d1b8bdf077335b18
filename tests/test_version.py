"""One version: vgrad.__version__ (pyproject reads it); the files that must repeat it agree."""

import re
from pathlib import Path

import vgrad

ROOT = Path(__file__).resolve().parent.parent


def test_citation_and_changelog_carry_the_package_version():
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r'^version: "([^"]+)"', cff, re.M)[1] == vgrad.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{vgrad.__version__}]" in changelog


def test_pyproject_does_not_write_the_version():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert not re.search(r"^version\s*=\s*\"", pyproject, re.M)  # only the dynamic attr
