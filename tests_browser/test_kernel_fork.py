"""The build's forked kernels (docs/_ext/kernel_fork.py) against ordinary Jupyter kernels.

The docs build executes its pages in kernels forked from one warm process. Here a notebook
that looks at everything a fork could carry over from its zygote (cwd, sys.path, the
environment, the matplotlib backend and its inline hook, module state, the process) runs
in both kinds of kernel; the outputs must be the same, and no process may outlive the
zygote. This needs the docs environment (ipykernel, nbclient), as the browser tests do.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext"
sys.path.insert(0, str(EXT))

from jupyter_cache.executors.utils import single_nb_execution  # noqa: E402
from kernel_fork import Zygote  # noqa: E402

# nbclient runs each execution in an event loop of its own and leaves it to the garbage
# collector, which reports it as unclosed; that is nbclient's, in both kinds of kernel.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _collect_loops():
    yield
    gc.collect()  # here, where the mark above applies, not at the end of the session


CELLS = [
    # where the kernel runs, what it imports from, which backend pyplot will use (the
    # zygote has imported more modules than a fresh kernel: that is its purpose)
    "import os, sys, matplotlib\n"
    "print(os.getcwd(), sys.path, matplotlib.get_backend(), sep='\\n')\n"
    "print(os.environ['VGRAD_FORK_PROBE'], 'JPY_PARENT_PID' in os.environ)",
    # a figure left open is shown by the inline backend at the end of the cell
    "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);",
    "print(plt.get_fignums())",
    # stderr, and a result
    "print('to stderr', file=sys.stderr)\n6 * 7",
    # a pid of its own, distinct from the zygote's
    "print(os.getpid() != os.getppid(), os.getpid() != int(os.environ['VGRAD_ZYGOTE_PID']))",
]


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    z = Zygote(tempfile.mkdtemp(prefix="vgrad-zygote-"))
    assert z.ready()
    yield z
    z.close()
    # The zygote's process group (its waiters and kernels) is gone with it.
    left = subprocess.run(["pgrep", "-g", str(z.process.pid)], capture_output=True, text=True)
    assert left.stdout.strip() == ""


def _notebook(cells: list[str]):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _run(nb, cwd: Path, **options) -> list:
    result = single_nb_execution(
        nb, cwd=str(cwd), allow_errors=False, timeout=60, meta_override=True, **options
    )
    assert result.err is None, result.exc_string
    return [cell.get("outputs", []) for cell in nb.cells]


def test_forked_kernel_gives_the_outputs_of_a_fresh_one(zygote, tmp_path, monkeypatch):
    monkeypatch.setenv("VGRAD_FORK_PROBE", "set after the zygote started")
    monkeypatch.setenv("VGRAD_ZYGOTE_PID", str(zygote.process.pid))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    forked = _run(copy.deepcopy(nb), tmp_path, **zygote.client_options())
    plain = _run(copy.deepcopy(nb), tmp_path)
    assert json.dumps(forked, sort_keys=True) == json.dumps(plain, sort_keys=True)
    text = forked[0][0]["text"].splitlines()
    assert text[0] == str(tmp_path) and "module://matplotlib_inline" in text[2]
    assert text[3] == "set after the zygote started True"
    assert [o["output_type"] for o in forked[1]][-1] == "display_data"  # the open figure
    assert forked[4][0]["text"] == "True True\n"


def test_kernels_run_concurrently_and_end(zygote, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    cells = ["import os, time\ntime.sleep(0.5)\nprint(os.getpid())"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    with ThreadPoolExecutor(3) as pool:
        runs = list(
            pool.map(
                lambda _: _run(copy.deepcopy(nb), tmp_path, **zygote.client_options()), range(3)
            )
        )
    pids = {r[0][0]["text"] for r in runs}
    assert len(pids) == 3
    for pid in pids:  # each kernel has exited
        assert not os.path.exists(f"/proc/{int(pid)}")
