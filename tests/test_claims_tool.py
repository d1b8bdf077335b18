"""tools/claims.py: which sentences it lists, and its reasoned entries."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "claims.py"


@pytest.fixture()
def claims(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location("claims_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["claims_tool"] = module
    spec.loader.exec_module(module)
    return module


PAGE = """---
file_format: mystnb
---

# A page

The gradient is 40 times smaller here. It is {glue:text}`ratio` times smaller there.

```{code-cell} ipython3
x = 1000  # code is not prose
```

A result from the paper is twice as large {cite}`pascanu2013difficulty`. With
$\\rho = 0.9$ it decays, and by {eq}`e1` the norm is $\\le 1$.

Equation (3) and Exercise 2 name things; in 2013 nothing was measured.
"""


def test_lists_unchecked_numbers_and_comparisons(claims, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    listed = {s.text: s for s in claims.sentences(page) if s.triggers and not s.checked}
    assert set(listed) == {
        "The gradient is 40 times smaller here.",
        "With $\\rho = 0.9$ it decays, and by {eq}`e1` the norm is $\\le 1$.",
    }


def test_allow_entries_and_stale_entries(claims, tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    allow = tmp_path / "tools" / "claims"
    allow.mkdir(parents=True)
    (allow / "page.md.toml").write_text(
        '[[allow]]\ntext = "40 times smaller"\nwhy = "asserted below"\n'
        '[[allow]]\ntext = "decays, and by"\nwhy = "parameter and derivation"\n'
    )
    assert claims.check([Path("page.md")]) == 0
    (allow / "page.md.toml").write_text('[[allow]]\ntext = "no such sentence"\nwhy = "stale"\n')
    assert claims.check([Path("page.md")]) == 3  # two unlisted sentences, one stale entry
    assert "stale entry" in capsys.readouterr().out


def test_gallery_text_blocks(claims, tmp_path):
    script = tmp_path / "plot_x.py"
    script.write_text(
        '"""\nA title\n=======\n\nIt grows tenfold.\n"""\n\nimport numpy as np\n\n'
        "# %%\n# The gate at :math:`0.993` halves it.\n\nx = 5  # 100 times\n"
    )
    listed = [s.text for s in claims.sentences(script) if s.triggers and not s.checked]
    assert listed == ["It grows tenfold.", "The gate at $0.993$ halves it."]


def test_text_after_a_prose_directive_is_read(claims, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# P\n\n```{exercise} One\n:label: a\n\nIt is 40 times smaller.\n```\n\n"
        "```{exercise} Two\n:label: b\n\nIt is 50 times larger.\n```\n\nThen 60 more.\n"
    )
    listed = [s.text for s in claims.sentences(page) if s.triggers and not s.checked]
    assert listed == ["It is 40 times smaller.", "It is 50 times larger.", "Then 60 more."]


def test_list_markers_hide_no_number(claims, tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# P\n\n- 50 times smaller here.\n- **Bold.** Then 60 more.\n1. Fine.\n")
    listed = [s.text for s in claims.sentences(page) if s.triggers and not s.checked]
    assert listed == ["50 times smaller here.", "Then 60 more."]
