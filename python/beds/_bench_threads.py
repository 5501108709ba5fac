"""The thread-split section of ``python -m beds bench``: expensive kernels on one thread against two
(wall-clock speed-up with the load average, and the CPU time of each thread of the 2-thread run)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from ._bench_timing import _best_time, _task_times


def _thread_split_section(print_fn: Callable[[str], None], budget: float) -> list[dict[str, Any]]:
    """One thread against two for kernels that cost microseconds per element, at small sizes."""
    from . import mvnormal as _mv
    from . import von_mises as _vm

    all_threads = _core.get_num_threads()
    rng = np.random.default_rng(8)
    n = 1000
    vm = (rng.uniform(-3, 3, n), np.exp(rng.uniform(-3, 3, n)), rng.uniform(-3, 3, n), np.exp(rng.uniform(-3, 3, n)))
    cases: list[tuple[str, int, Callable[[], Any]]] = [("von_mises distance", n, lambda: _vm.distance(*vm))]
    for d, nd in ((3, 1000), (8, 100)):
        q, _ = np.linalg.qr(rng.standard_normal((2, nd, d, d)))
        S = q @ (np.exp(0.5 * rng.standard_normal((2, nd, d)))[..., None] * np.swapaxes(q, -1, -2))
        S = 0.5 * (S + np.swapaxes(S, -1, -2))
        m = rng.standard_normal((2, nd, d))
        cases.append((f"mvnormal distance d={d}", nd, lambda m=m, S=S: _mv.distance(m[0], S[0], m[1], S[1])))
    linux = os.path.exists("/proc/self/task")
    print_fn("")
    print_fn(
        "thread split (chunks sized by the cost of each kernel): microseconds per call, 1 and 2 threads; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'kernel':26s} {'N':>5s} {'1 thr':>10s} {'2 thr':>10s} {'wall x':>7s}   "
        "2-thread run: CPU per thread (run ms / run-queue wait ms), split speed-up"
    )
    print_fn(header)
    print_fn("-" * len(header))
    out = []
    try:
        for name, count, fn in cases:
            _core.set_num_threads(1)
            t1 = _best_time(fn, budget)
            _core.set_num_threads(2)
            t2 = _best_time(fn, budget)
            split = ""
            row: dict[str, Any] = {"kernel": name, "n": count, "t1_us": t1 * 1e6, "t2_us": t2 * 1e6}
            if linux:
                calls = max(3, int(budget / max(t1, 1e-6)))
                before = _task_times()
                for _ in range(calls):
                    fn()
                after = _task_times()
                busy = sorted(
                    ((after[k][0] - before[k][0], after[k][1] - before[k][1]) for k in after if k in before),
                    reverse=True,
                )
                busy = [b for b in busy if b[0] > 0.01 * busy[0][0]]
                total = sum(b[0] for b in busy)
                split = ", ".join(f"{r / calls / 1e6:.2f} / {w / calls / 1e6:.2f}" for r, w in busy)
                split += f"; {total / busy[0][0]:.2f}x"
                row.update(
                    {"cpu_ms_per_thread": [b[0] / calls / 1e6 for b in busy], "split_speedup": total / busy[0][0]}
                )
            print_fn(f"{name:26s} {count:5d} {t1 * 1e6:10.0f} {t2 * 1e6:10.0f} {t1 / t2:7.2f}   {split}")
            out.append(row)
    finally:
        _core.set_num_threads(all_threads)
    return out
