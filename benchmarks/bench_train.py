"""Time per training update of R networks: one ``vgrad.train`` call on all R against R calls.

Run from the repository root (vgrad must be installed, e.g. ``pip install -e .``)::

    python benchmarks/bench_train.py            # the table
    python benchmarks/bench_train.py --repeats 9 --steps 40
    python benchmarks/bench_train.py --cell lstm   # or gru, lru

Every run trains a tanh RNN (or an LSTM, GRU or LRU; d = 6 inputs, 4 outputs) on the
temporal-order task with SGD, momentum 0.9 and norm clipping at 1, one fresh batch per
update from one shared stream:

* ``stacked``: ``train`` given the list of the R networks, one batched forward and backward
  pass per update for all of them.
* ``separate``: ``train`` on each network in turn.
* ``torch``: a PyTorch CPU loop over the same R networks (``torch.nn.RNN``, ``LSTM`` or
  ``GRU`` + ``Linear``, float64, one thread, ``clip_grad_norm_`` and ``SGD(momentum=0.9)``),
  only if torch imports. ``torch.nn.GRU`` applies its reset gate after the recurrent product
  (vgrad's GRU before it): the same cost, not the same numbers. PyTorch has no LRU: no
  torch column for ``--cell lru``, nor an ``--old`` one (engines before it have none).

Before timing, the script asserts that ``stacked`` and ``separate`` end with the same
parameters (to 1e-12 relative, after a few updates). Times are the median over ``--repeats``
repeats of the time per update, the implementations taking turns within each repeat (in
reverse order every other repeat, so that neither follows the other more often). The
BLAS thread variables are set to 1 before numpy is imported. Times are CPU seconds of this
process (``time.process_time``), which a shared machine disturbs less than wall-clock time;
``--wall`` reports wall-clock time instead. With ``--old``, a checkout from before
``train`` took a list of networks trains them with its ``train_many``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import functools  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import old_engine  # noqa: E402

import vgrad  # noqa: E402
import vgrad.tasks  # noqa: E402
from vgrad.tasks import temporal_order  # noqa: E402

try:
    import torch
except ImportError:  # optional: the torch column is then left out
    torch = None

SIZES = [(50, 20, 16), (100, 20, 32)]  # T, B, n
RUNS = [1, 8, 32]
SETTINGS = dict(lr=0.05, momentum=0.9, clip=("norm", 1.0))


CELL = "rnn"
ENGINES = {"new": vgrad}  # "old" too with --old: another checkout's vgrad, timed beside this one


def nets_for(engine, R: int, n: int) -> list:
    if CELL == "lstm":
        return [engine.LSTM.random(6, n, 4, seed) for seed in range(R)]
    if CELL == "gru":
        return [engine.GRU.random(6, n, 4, seed) for seed in range(R)]
    if CELL == "lru":
        return [engine.LRU.random(6, n, 4, seed) for seed in range(R)]
    return [engine.RNN.random(6, n, 4, seed, rho=1.0) for seed in range(R)]


def stacked(engine, nets, T, B, steps):
    task = functools.partial(engine.tasks.temporal_order, T)
    train = getattr(engine, "train_many", engine.train)  # an --old engine before 2026-12-08
    return train(nets, task, steps=steps, batch=B, rng=0, **SETTINGS)


def separate(engine, nets, T, B, steps):
    task = functools.partial(engine.tasks.temporal_order, T)
    return [engine.train(net, task, steps=steps, batch=B, rng=0, **SETTINGS) for net in nets]


def torch_loop(nets, T, B, steps):
    """The same R trainings in PyTorch, one network after another."""
    models = []
    for net in nets:
        n = net.sizes[1]
        if CELL == "rnn":
            rnn = torch.nn.RNN(6, n, nonlinearity="tanh", dtype=torch.float64)
            W_x, W_h = net.W_xh, net.W_hh
        else:
            rnn = (torch.nn.LSTM if CELL == "lstm" else torch.nn.GRU)(6, n, dtype=torch.float64)
            W_x, W_h = net.W_x, net.W_h
        out = torch.nn.Linear(n, 4, dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.from_numpy(W_x))
            rnn.weight_hh_l0.copy_(torch.from_numpy(W_h))
            rnn.bias_ih_l0.zero_()
            rnn.bias_hh_l0.zero_()
            out.weight.copy_(torch.from_numpy(net.W_hy))
            out.bias.zero_()
        params = [*rnn.parameters(), *out.parameters()]
        models.append((rnn, out, params, torch.optim.SGD(params, lr=0.05, momentum=0.9)))
    rng = np.random.default_rng(0)
    batches = [temporal_order(T, B, rng) for _ in range(steps)]
    for rnn, out, params, opt in models:
        for data in batches:
            xs = torch.from_numpy(data.xs)
            labels = torch.from_numpy(data.target)
            opt.zero_grad()
            h, _ = rnn(xs)
            loss = torch.nn.functional.cross_entropy(out(h[-1]), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()


def check(T: int, B: int, n: int) -> None:
    """Stacked and separate runs, of every engine, end with the same parameters."""
    ends = []
    for engine in ENGINES.values():
        nets = nets_for(engine, 3, n)
        ends += [stacked(engine, nets, T, B, 5), separate(engine, nets, T, B, 5)]
    for runs in ends[1:]:
        for a, b in zip(runs, ends[0], strict=True):
            for k, p in b.net.params().items():
                err = np.max(np.abs(a.net.params()[k] - p)) / np.max(np.abs(p))
                assert err < 1e-12, (k, err)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="updates timed per repeat")
    parser.add_argument("--cell", choices=["rnn", "lstm", "gru", "lru"], default="rnn")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    parser.add_argument(
        "--old", metavar="CHECKOUT", help="also time the vgrad of this checkout (old_engine.py)"
    )
    args = parser.parse_args()
    global CELL, torch
    CELL = args.cell
    if args.old and CELL == "lru":
        parser.error("--old times an engine from before the LRU: use it with rnn, lstm or gru")
    if args.old:
        ENGINES["old"] = old_engine.load(args.old)
    clock = time.perf_counter if args.wall else time.process_time
    if torch is not None:
        torch.set_num_threads(1)
    print(f"Python {platform.python_version()}, numpy {np.__version__}", end="")
    try:
        import threadpoolctl

        blas = [(i["internal_api"], i.get("architecture")) for i in threadpoolctl.threadpool_info()]
        print(f", BLAS {blas}", end="")
    except ImportError:
        pass
    print(f", torch {torch.__version__ if torch else 'not installed'}")
    if CELL == "lru":
        torch = None  # PyTorch has no LRU to compare with
    for name, engine in ENGINES.items():
        print(f"{name}: vgrad from {os.path.dirname(engine.__file__)}")
    kind = "wall-clock" if args.wall else "CPU"
    print(
        f"{args.cell}: median of {args.repeats} repeats of {args.steps} updates; "
        f"{kind} ms per update of all R runs"
    )
    impls = {
        f"{how}{'' if name == 'new' else ' ' + name}": (fn, engine)
        for how, fn in (("stacked", stacked), ("separate", separate))
        for name, engine in ENGINES.items()
    }
    if torch:
        impls["torch"] = (torch_loop, None)
    head = f"{'T':>4} {'B':>3} {'n':>3} {'R':>3}" + "".join(f" {k:>12}" for k in impls)
    head += f" {'sep/stk':>8} {'stk/R=1':>8}"
    if args.old:
        head += f" {'stk new/old':>11} {'sep new/old':>11}"
    if torch:
        head += f" {'torch/stk':>9}"
    print(head)
    for T, B, n in SIZES:
        check(T, B, n)
        one = None
        for R in RUNS:
            nets = {name: nets_for(engine, R, n) for name, engine in ENGINES.items()}
            times = {name: [] for name in impls}
            for repeat in range(args.repeats):
                # Every other repeat in reverse order: an implementation that follows another
                # inherits its freed (warm) memory, which favours the second of a pair.
                order = list(impls.items())
                for name, (fn, engine) in order if repeat % 2 == 0 else order[::-1]:
                    members = nets["old" if name.endswith(" old") else "new"]
                    start = clock()
                    if engine is None:
                        fn(members, T, B, args.steps)
                    else:
                        fn(engine, members, T, B, args.steps)
                    times[name].append((clock() - start) / args.steps * 1e3)
            med = {name: statistics.median(t) for name, t in times.items()}
            one = med["stacked"] if R == 1 else one
            row = f"{T:4d} {B:3d} {n:3d} {R:3d}" + "".join(f" {med[k]:12.2f}" for k in impls)
            row += f" {med['separate'] / med['stacked']:8.2f} {med['stacked'] / one:8.2f}"
            if args.old:
                row += f" {med['stacked'] / med['stacked old']:11.2f}"
                row += f" {med['separate'] / med['separate old']:11.2f}"
            if torch:
                row += f" {med['torch'] / med['stacked']:9.2f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
