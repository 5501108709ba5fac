"""Timers shared by the sections of ``python -m beds bench``: best wall-clock time, best per-thread
CPU time of interleaved calls, and the CPU time of each thread of the process (``schedstat``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any


# ------------------------------------------------------------------------------ timing
def _best_time(fn: Callable[[], Any], budget: float = 0.4, min_repeat: int = 3, max_repeat: int = 50) -> float:
    fn()  # warm-up (page faults, thread start)
    best = float("inf")
    start = time.perf_counter()
    for i in range(max_repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if i + 1 >= min_repeat and time.perf_counter() - start > budget:
            break
    return best


def _best_cpu_times(fns: dict[str, Callable[[], Any]], budget: float, min_repeat: int = 5) -> dict[str, float]:
    """Best per-thread CPU time (``time.thread_time``) of each call, the calls interleaved so that
    they see the same load of a shared machine; about ``budget`` seconds in all."""
    for fn in fns.values():
        fn()  # warm-up
    best = dict.fromkeys(fns, float("inf"))
    start = time.perf_counter()
    for i in range(200):
        for name, fn in fns.items():
            t0 = time.thread_time()
            fn()
            best[name] = min(best[name], time.thread_time() - t0)
        if i + 1 >= min_repeat and time.perf_counter() - start > budget:
            break
    return best


def _cpu_best(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Minimum CPU time of the calling thread per function, rounds interleaved (one thread)."""
    best = dict.fromkeys(fns, float("inf"))
    for fn in fns.values():
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.thread_time()
            fn()
            best[name] = min(best[name], time.thread_time() - t0)
    return best


def _task_times() -> dict[str, tuple[int, int]]:
    """(ns on a CPU, ns waiting in the run queue) of every thread of this process."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                run, wait = f.read().split()[:2]
            out[tid] = (int(run), int(wait))
        except (OSError, ValueError):
            pass
    return out
