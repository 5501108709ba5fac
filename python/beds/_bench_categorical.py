"""The categorical section of ``python -m beds bench``: distance and KL at k = 10 and 1000 classes
against numpy's fastest formulas, per-thread CPU time, rounds interleaved, one thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from ._bench_timing import _cpu_best


def np_categorical_distance_einsum(p, q):
    return 2 * np.arccos(np.clip(np.einsum("...k,...k->...", np.sqrt(p), np.sqrt(q)), -1, 1))


def np_categorical_kl(p, q):
    return np.sum(p * np.log(p / q), axis=-1)


def np_categorical_kl_einsum(p, q):
    return np.einsum("...k,...k->...", p, np.log(p / q))


def _categorical_section(print_fn: Callable[[str], None], rounds: int = 9) -> list[dict[str, Any]]:
    """Categorical distance and KL against numpy's formulas (ns per class, one thread, CPU time)."""
    from .benchmarks import np_categorical_distance  # the formula of the main table

    all_threads = _core.get_num_threads()
    _core.set_num_threads(1)
    rng = np.random.default_rng(3)
    out = []
    print_fn("")
    print_fn("categorical sums: ns per class (n x k = 2e6), one thread, CPU time of the calling thread")
    header = f"{'kernel':28s} {'k':>5s} {'beds':>8s}   numpy formulas (ns, beds speed-up)"
    print_fn(header)
    print_fn("-" * len(header))
    try:
        for k in (10, 1000):
            n = 2_000_000 // k
            P, Q = rng.dirichlet(np.ones(k), size=n), rng.dirichlet(np.ones(k), size=n)
            for name, fns in (
                (
                    "categorical distance",
                    {
                        "beds": lambda: _core.categorical_distance(P, Q),
                        "2 arccos(einsum sqrt)": lambda: np_categorical_distance_einsum(P, Q),
                        "2 arccos(sum sqrt(pq))": lambda: np_categorical_distance(P, Q),
                    },
                ),
                (
                    "categorical kl",
                    {
                        "beds": lambda: _core.categorical_kl(P, Q),
                        "sum p log(p/q)": lambda: np_categorical_kl(P, Q),
                        "einsum p log(p/q)": lambda: np_categorical_kl_einsum(P, Q),
                    },
                ),
            ):
                t = {b: v / (n * k) * 1e9 for b, v in _cpu_best(fns, rounds).items()}
                tb = t.pop("beds")
                print_fn(
                    f"{name:28s} {k:5d} {tb:8.2f}   " + "; ".join(f"{b} {v:.2f} ({v / tb:.2f}x)" for b, v in t.items())
                )
                out.append({"kernel": name, "k": k, "beds_ns": tb, **{f"{b}_ns": v for b, v in t.items()}})
    finally:
        _core.set_num_threads(all_threads)
    return out
