"""The cost of a small call (``python -m beds bench --only-small-calls``).

In a training loop or a loop over layers beds is called on a few beliefs at a time, and what counts
is the fixed cost of a call, not the cost per element.  For N = 1, 10 and 100 beliefs (float64,
one thread) this section prints microseconds per call of

* building the beliefs (``beds.Normal(mean, std)``, validated);
* the object API on built beliefs (``p.distance(q)`` and ``beds.distance(p, q)``);
* the array API (``beds.normal.distance(m1, s1, m2, s2)``, validated);
* the raw ufunc (``beds.ufuncs.normal_distance``: no validation beyond numpy's);
* the numpy formula of the same quantity (what beds replaces);

for the Normal distance and Kullback-Leibler divergence and, as representatives of the families with
vector parameters and of the one-parameter families, the distances of DiagNormal (d = 4),
Categorical (k = 4) and Exponential.  Times are per-thread CPU time
(``time.thread_time``: other processes on a shared machine do not inflate them), the minimum over
repeats of a loop of calls, minus the cost of the loop itself (an empty call).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core

__all__ = ["SIZES", "measure", "run"]

SIZES = (1, 10, 100)
SQRT2 = float(np.sqrt(2.0))


def _per_call(fn: Callable[[], Any], budget: float, calls: int = 200, min_repeats: int = 5) -> float:
    """Seconds of CPU time of this thread per call of fn: the best of repeated loops of ``calls``."""
    fn()
    best = float("inf")
    start = time.perf_counter()
    repeats = 0
    while repeats < min_repeats or time.perf_counter() - start < budget:
        t0 = time.thread_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.thread_time() - t0) / calls)
        repeats += 1
        if repeats >= 1000:
            break
    return best


def _np_normal(m1, s1, m2, s2):
    return 2 * SQRT2 * np.arcsinh(np.sqrt((0.5 * (m1 - m2) ** 2 + (s1 - s2) ** 2) / (4 * s1 * s2)))


def _np_normal_kl(m1, s1, m2, s2):
    return np.log(s2 / s1) + (s1 * s1 + (m1 - m2) ** 2) / (2 * s2 * s2) - 0.5


def _np_diag(m1, s1, m2, s2):
    return np.sqrt(np.sum(_np_normal(m1, s1, m2, s2) ** 2, axis=-1))


def _np_categorical(p, q):
    return 2 * np.arccos(np.clip(np.sum(np.sqrt(p * q), axis=-1), -1.0, 1.0))


def _np_exponential(r1, r2):
    return np.abs(np.log(r2 / r1))


def _cases(n: int, rng: np.random.Generator) -> list[tuple[str, str, Callable[[], Any]]]:
    """(family, what, call) for n beliefs."""
    import beds

    out: list[tuple[str, str, Callable[[], Any]]] = []

    def family(
        label: str, cls: Any, module: Any, ufunc: Any, numpy_fn: Any, a: tuple, b: tuple, op: str = "distance"
    ) -> None:
        p, q = cls(*a), cls(*b)
        args = a + b
        method, generic, function = getattr(p, op), getattr(beds, op), getattr(module, op)
        checks = [np.asarray(f()) for f in (lambda: method(q), lambda: generic(p, q), lambda: function(*args))]
        ref = np.asarray(ufunc(*args))
        for c in checks:  # every row computes the same numbers
            if not np.allclose(c, ref, rtol=1e-12, atol=0):
                raise RuntimeError(f"{label}: the object and array APIs disagree with the ufunc")
        if not np.allclose(numpy_fn(*args), ref, rtol=1e-9, atol=1e-12):
            raise RuntimeError(f"{label}: the numpy formula disagrees with the ufunc")
        out.extend(
            [
                (label, f"build {cls.__name__}(...)", lambda: cls(*a)),
                (label, f"p.{op}(q)", lambda: method(q)),
                (label, f"beds.{op}(p, q)", lambda: generic(p, q)),
                (label, f"beds.{module.__name__.split('.')[-1]}.{op}", lambda: function(*args)),
                (label, "raw ufunc", lambda: ufunc(*args)),
                (label, "numpy formula", lambda: numpy_fn(*args)),
            ]
        )

    m1, m2 = rng.standard_normal((2, n))
    s1, s2 = np.exp(0.5 * rng.standard_normal((2, n)))
    family("Normal", beds.Normal, beds.normal, _core.normal_distance, _np_normal, (m1, s1), (m2, s2))
    family("Normal kl", beds.Normal, beds.normal, _core.normal_kl, _np_normal_kl, (m1, s1), (m2, s2), op="kl")
    d = 4
    M1, M2 = rng.standard_normal((2, n, d))
    S1, S2 = np.exp(0.5 * rng.standard_normal((2, n, d)))
    family(
        f"DiagNormal d={d}", beds.DiagNormal, beds.diag_normal, _core.diag_normal_distance, _np_diag, (M1, S1), (M2, S2)
    )
    k = 4
    P, Q = rng.dirichlet(np.ones(k), size=n), rng.dirichlet(np.ones(k), size=n)
    family(
        f"Categorical k={k}",
        beds.Categorical,
        beds.categorical,
        _core.categorical_distance,
        _np_categorical,
        (P,),
        (Q,),
    )
    r1, r2 = np.exp(rng.standard_normal((2, n)))
    family("Exponential", beds.Exponential, beds.exponential, _core.exponential_distance, _np_exponential, (r1,), (r2,))
    return out


def measure(sizes: tuple[int, ...] = SIZES, budget: float = 0.2) -> list[dict[str, Any]]:
    """Microseconds per call of every case at every size (one thread): a list of rows
    ``{"family", "call", "n", "us"}``."""
    threads = _core.get_num_threads()
    _core.set_num_threads(1)
    try:
        empty = _per_call(lambda: None, budget)
        rows = []
        for n in sizes:
            for fam, what, fn in _cases(n, np.random.default_rng(n)):
                us = max(_per_call(fn, budget) - empty, 0.0) * 1e6
                rows.append({"family": fam, "call": what, "n": n, "us": us})
        return rows
    finally:
        _core.set_num_threads(threads)


def run(budget: float = 0.2, print_fn: Callable[[str], None] = print, sizes: tuple[int, ...] = SIZES) -> list[dict]:
    """Prints the small-call table and returns its rows (``kernel`` = family and call)."""
    rows = measure(sizes, budget)
    print_fn("")
    print_fn("Small calls: microseconds per call, distance (or kl) between two batches of N beliefs (float64,")
    print_fn("one thread; per-thread CPU time, best of repeated loops, the loop's own cost subtracted)")
    header = f"{'family':18s} {'call':28s}" + "".join(f"{'N=' + str(n):>9s}" for n in sizes)
    print_fn(header)
    print_fn("-" * len(header))
    table: dict[tuple[str, str], dict[int, float]] = {}
    for r in rows:
        table.setdefault((r["family"], r["call"]), {})[r["n"]] = r["us"]
    fam_prev = None
    for (fam, what), by_n in table.items():
        if fam_prev is not None and fam != fam_prev:
            _summary(fam_prev, table, sizes, print_fn)
        fam_prev = fam
        print_fn(f"{fam:18s} {what:28s}" + "".join(f"{by_n[n]:9.2f}" for n in sizes))
    if fam_prev is not None:
        _summary(fam_prev, table, sizes, print_fn)
    return [{"kernel": f"small call {r['family']} {r['call']}", **r} for r in rows]


def _summary(
    fam: str, table: dict[tuple[str, str], dict[int, float]], sizes: tuple[int, ...], print_fn: Callable[[str], None]
) -> None:
    calls = {what: by_n for (f, what), by_n in table.items() if f == fam}
    raw = calls["raw ufunc"]
    numpy = calls["numpy formula"]
    apis = [w for w in calls if w not in ("raw ufunc", "numpy formula") and not w.startswith("build ")]
    gaps = [f"{what} {max(calls[what][n] - raw[n] for n in sizes):.2f}" for what in apis]
    slowest = max(calls[w][n] / numpy[n] for w in apis for n in sizes)
    print_fn(
        f"{'':18s} largest gap to the raw ufunc (us): {'; '.join(gaps)}; beds/numpy time ratio at worst {slowest:.2f}"
    )
