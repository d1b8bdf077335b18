"""Forward + backward time of ``vgrad.RNN`` against a textbook loop and ``torch.nn.RNN``.

Run from the repository root (vgrad must be installed, e.g. ``pip install -e .``)::

    python benchmarks/bench_rnn.py            # the table
    python benchmarks/bench_rnn.py --repeats 21

Every implementation does the same work on the same numbers: a tanh RNN over (T, B, d)
inputs, a linear readout ``y_t = W_hy h_t + b_y`` with ``M`` outputs, and the loss
``L = sum(G * y)`` for a fixed random ``G`` (so ``dL/dy = G``). Each computes the forward pass,
then every parameter gradient and ``dL/dh_0``:

* ``vgrad``: ``RNN.forward`` + ``RNN.backward`` (which also returns ``dL/dh_t`` for every t).
* ``naive``: the textbook loop written below. Per step: the input projection, the readout,
  and, going back, the weight gradients accumulated as per-step products.
* ``torch``: ``torch.nn.RNN`` (tanh, float64, batch_first=False) + ``torch.nn.Linear``, with
  ``loss.backward()``; ``b_hh = 0`` so that ``b_ih`` is vgrad's ``b_h``. Only if torch imports.

Before timing, the script asserts that all three give the same gradients. Times are the
median over ``--repeats`` repeats (after a warm-up) of the mean time of one forward + backward
within the repeat, measured with ``time.perf_counter``; the implementations take turns within
each repeat, so that a shared machine's changing load does not favour one of them. Everything
runs on one thread: the BLAS thread variables are set to 1 below, before numpy is imported,
and ``torch.set_num_threads(1)``.
"""

from __future__ import annotations

import os

# One BLAS thread for numpy (OpenBLAS, MKL or any OpenMP build); must precede the numpy import.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import old_engine  # noqa: E402

import vgrad  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional: the torch columns are then left out
    torch = None

SIZES = [(100, 32, 16, 64), (100, 1, 1, 32), (200, 16, 8, 128), (50, 64, 32, 256)]  # T, B, d, n
M = 1  # readout size: one scalar output per step
RHO = 0.9  # spectral radius of W_hh: a stable, non-saturated regime
OLD = None  # with --old: another checkout's vgrad (old_engine.py), timed beside this one


# -- the textbook loop ------------------------------------------------------------------


def naive_forward_backward(p: dict[str, np.ndarray], xs: np.ndarray, h0: np.ndarray, G):
    """Straightforward BPTT for tanh: every product inside the time loop (min-char-rnn style).

    Returns the gradients of ``L = sum(G * y)`` as a dict with the keys of ``RNN.params`` and
    ``"dh0"``.
    """
    W_xh, W_hh, b_h, W_hy, b_y = (p[k] for k in vgrad.rnn.PARAMS)
    T = xs.shape[0]
    hs = [h0]
    for t in range(T):
        a = xs[t] @ W_xh.T + hs[-1] @ W_hh.T + b_h
        hs.append(np.tanh(a))
        _y = hs[-1] @ W_hy.T + b_y  # the readout, computed as a forward pass would
    g = {k: np.zeros_like(v) for k, v in p.items()}
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dy = G[t]
        g["W_hy"] += dy.T @ hs[t + 1]
        g["b_y"] += dy.sum(axis=0)
        dh = dy @ W_hy + carry
        delta = (1.0 - hs[t + 1] ** 2) * dh  # tanh'(a) = 1 - tanh(a)^2
        g["W_xh"] += delta.T @ xs[t]
        g["W_hh"] += delta.T @ hs[t]
        g["b_h"] += delta.sum(axis=0)
        carry = delta @ W_hh
    g["dh0"] = carry
    return g


def vgrad_forward_backward(net: vgrad.RNN, xs: np.ndarray, h0: np.ndarray, G):
    trace = net.forward(xs, h0)
    return net.backward(trace, G)


# -- torch ------------------------------------------------------------------------------


def torch_setup(net: vgrad.RNN, xs, h0, G):
    """A torch RNN + Linear holding the same weights, and a closure running forward + backward."""
    d, n, m = net.sizes
    rnn = torch.nn.RNN(d, n, nonlinearity="tanh", batch_first=False).double()
    lin = torch.nn.Linear(n, m).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(net.W_xh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(net.W_hh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(net.b_h))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(net.W_hy))
        lin.bias.copy_(torch.from_numpy(net.b_y))
    x_t = torch.from_numpy(xs)
    G_t = torch.from_numpy(G)
    h0_t = torch.from_numpy(h0).clone()[None].requires_grad_(True)  # (1, B, n): one layer
    params = [*rnn.parameters(), *lin.parameters(), h0_t]

    def run():
        for q in params:
            q.grad = None
        out, _ = rnn(x_t, h0_t)
        loss = (lin(out) * G_t).sum()
        loss.backward()

    def grads() -> dict[str, np.ndarray]:
        run()
        return {
            "W_xh": rnn.weight_ih_l0.grad.numpy(),
            "W_hh": rnn.weight_hh_l0.grad.numpy(),
            "b_h": rnn.bias_ih_l0.grad.numpy(),
            "W_hy": lin.weight.grad.numpy(),
            "b_y": lin.bias.grad.numpy(),
            "dh0": h0_t.grad[0].numpy(),
        }

    return run, grads


# -- measurement ------------------------------------------------------------------------


def measure(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median over ``repeats`` of the mean seconds per call of each function.

    The functions take turns within every repeat, so a change in the machine's load (it may
    be shared) hits all of them alike. Each turn runs enough calls to last about 20 ms.
    """
    loops = {}
    for name, fn in fns.items():
        for _ in range(3):  # warm-up: caches, lazy initialisation, the allocator
            fn()
        start = time.perf_counter()
        fn()
        loops[name] = max(1, round(0.02 / max(time.perf_counter() - start, 1e-7)))
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(loops[name]):
                fn()
            times[name].append((time.perf_counter() - start) / loops[name])
    return {name: statistics.median(ts) for name, ts in times.items()}


def assert_same(name: str, got: dict, want: dict) -> None:
    for key, ref in want.items():
        # float64 round-off of differently ordered sums: relative to the gradient's scale
        scale = max(np.abs(ref).max(), 1e-300)
        np.testing.assert_allclose(
            got[key], ref, rtol=1e-9, atol=1e-11 * scale, err_msg=f"{name}: gradient {key}"
        )


def blas_info() -> str:
    lines = []
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        lines.append(f"numpy {np.__version__} BLAS: {cfg.get('name')} {cfg.get('version')}")
    except (TypeError, KeyError):  # numpy < 1.25 has no mode="dicts"
        lines.append(f"numpy {np.__version__} (BLAS: see numpy.show_config())")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"  threadpool {pool['internal_api']} {pool.get('version')}: "
                f"{pool['num_threads']} thread(s), {pool.get('architecture')}"
            )
    except ImportError:
        lines.append("  (threadpoolctl not installed: thread count forced via environment)")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        lines.append(f"  {var}={os.environ.get(var, '<unset>')}")
    if torch is not None:
        lines.append(
            f"torch {torch.__version__}: {torch.get_num_threads()} thread(s), "
            f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}"
        )
    else:
        lines.append("torch not importable: torch columns omitted")
    return "\n".join(lines)


def bench_size(T: int, B: int, d: int, n: int, repeats: int, use_torch: bool) -> dict[str, float]:
    """Check that the implementations agree at this size, then time them (seconds per call)."""
    rng = np.random.default_rng([T, B, d, n])
    net = vgrad.RNN.random(d, n, M, rng, rho=RHO)
    net.b_h[:] = 0.1 * rng.standard_normal(n)
    net.b_y[:] = 0.1 * rng.standard_normal(M)
    xs = rng.standard_normal((T, B, d))
    h0 = 0.5 * rng.standard_normal((B, n))
    G = rng.standard_normal((T, B, M))
    p = net.params()

    g = vgrad_forward_backward(net, xs, h0, G)
    ours = {**g.params(), "dh0": g.dh[0]}
    assert_same("naive", naive_forward_backward(p, xs, h0, G), ours)
    fns = {
        "vgrad": lambda: vgrad_forward_backward(net, xs, h0, G),
        "naive": lambda: naive_forward_backward(p, xs, h0, G),
    }
    if OLD is not None:
        old = OLD.RNN(**p)
        g_old = vgrad_forward_backward(old, xs, h0, G)
        assert_same("old", {**g_old.params(), "dh0": g_old.dh[0]}, ours)
        fns["old"] = lambda: vgrad_forward_backward(old, xs, h0, G)
    if use_torch:
        run, grads = torch_setup(net, xs, h0, G)
        assert_same("torch", grads(), ours)
        fns["torch"] = run
    return measure(fns, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="timed repeats (median, >= 7)")
    parser.add_argument("--no-torch", action="store_true", help="skip torch even if installed")
    parser.add_argument(
        "--old", metavar="CHECKOUT", help="also time the vgrad of this checkout (old_engine.py)"
    )
    args = parser.parse_args()
    global OLD
    if args.old:
        OLD = old_engine.load(args.old)
    if args.repeats < 7:
        parser.error(f"--repeats must be >= 7, got {args.repeats}")
    use_torch = torch is not None and not args.no_torch
    if use_torch:
        torch.set_num_threads(1)

    print(f"Python {platform.python_version()} on {platform.machine()}")
    print(f"vgrad {vgrad.__version__} from {os.path.dirname(vgrad.__file__)}")
    if OLD is not None:
        print(f"old vgrad {OLD.__version__} from {os.path.dirname(OLD.__file__)}")
    print(blas_info())
    print(f"loss sum(G * y), tanh, float64, M={M} output(s), median of {args.repeats} repeats\n")

    header = f"{'T':>4} {'B':>3} {'d':>3} {'n':>4} | {'vgrad ms':>9} {'naive ms':>9}"
    header += f" {'naive/vg':>8}"
    if OLD is not None:
        header += f" | {'old ms':>9} {'vg/old':>8}"
    if use_torch:
        header += f" | {'torch ms':>9} {'torch/vg':>8}"
    print(header)
    print("-" * len(header))
    for T, B, d, n in SIZES:
        t = bench_size(T, B, d, n, args.repeats, use_torch)
        row = f"{T:>4} {B:>3} {d:>3} {n:>4} | {1e3 * t['vgrad']:>9.3f} {1e3 * t['naive']:>9.3f}"
        row += f" {t['naive'] / t['vgrad']:>8.2f}"
        if OLD is not None:
            row += f" | {1e3 * t['old']:>9.3f} {t['vgrad'] / t['old']:>8.2f}"
        if use_torch:
            row += f" | {1e3 * t['torch']:>9.3f} {t['torch'] / t['vgrad']:>8.2f}"
        print(row, flush=True)
    print("\nratios > 1: vgrad is faster. Gradients of all implementations asserted equal.")


if __name__ == "__main__":
    main()
