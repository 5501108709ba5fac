"""Microbenchmarks of the beds kernels against numpy formulations and peers (``python -m beds bench``).

Every row times one kernel on N beliefs (float64, C-contiguous, output allocated by the call, as a
user would call it) and prints nanoseconds per element and the ratio to each baseline measured in
the same run:

* ``numpy``: the best hand-vectorized numpy formula of the same quantity (for the Normal distance,
  the accurate asinh form; the cheaper arccosh form is shown as its own row);
* ``geomstats``: ``UnivariateNormalDistributions`` / ``DiagonalNormalDistributions`` metrics, when
  geomstats is importable (geomstats 2.8 needs numpy < 2.4; it is never a dependency of beds).
  Peers are timed on a subsample (they are slow) and reported per element.

An accuracy table follows: the largest relative error against mpmath (when installed) on near
pairs (relative perturbation 1e-12) and far pairs (|dmu| up to 1e6, std in [1e-8, 1e8]).

Three more sections measure on the calling thread's CPU clock, which the other jobs of a shared
machine disturb much less than the wall clock:

* categorical sums: distance and KL at k = 10 and 1000 classes against numpy's fastest formulas
  (``2 arccos(einsum(sqrt p, sqrt q))``, ``2 arccos(sum sqrt(p q))``; ``sum p log(p/q)`` and its
  einsum form), one thread, rounds interleaved, minimum per method;
* thread split: kernels that cost microseconds per element at sizes where the loops used to stay
  on one thread (von Mises distance N = 1e3, MVNormal distance d = 3 and 8), one thread against
  two: wall-clock speed-up (with the load average), the CPU time of each thread of the 2-thread
  run (``/proc/self/task/*/schedstat``: run and run-queue wait) and the speed-up that split gives
  when every thread has a core (total CPU / busiest thread);
* small calls (``--only-small-calls``): the fixed cost of a call, microseconds per call on N = 1,
  10 and 100 beliefs for building beliefs, the object and array APIs, the raw ufunc and numpy's
  formula (one thread, best of repeated loops, see ``beds._bench_small_calls``).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from . import categorical as _cat
from . import diag_normal as _diag
from . import normal as _normal
from ._bench_categorical import _categorical_section
from ._bench_dynamics import _dynamics_section
from ._bench_threads import _thread_split_section
from ._bench_timing import _best_time

__all__ = ["main", "run"]

SQRT2 = np.sqrt(2.0)


# --------------------------------------------------------------------- numpy formulations
def np_normal_distance_asinh(m1, s1, m2, s2):
    return 2 * SQRT2 * np.arcsinh(np.sqrt((0.5 * (m1 - m2) ** 2 + (s1 - s2) ** 2) / (4 * s1 * s2)))


def np_normal_distance_acosh(m1, s1, m2, s2):
    return SQRT2 * np.arccosh(1 + (0.5 * (m1 - m2) ** 2 + (s1 - s2) ** 2) / (2 * s1 * s2))


def np_normal_log(m0, s0, m1, s1):
    dm, ds = m1 - m0, s1 - s0
    r2 = 0.5 * dm * dm + ds * ds
    c = r2 / (2 * s0 * s1)
    sh = np.sqrt(c * (c + 2))
    rho = np.log1p(c + sh)
    f = np.divide(rho, sh, out=np.ones_like(sh), where=sh > 0) / s1
    return f * dm * s0, f * (s0 * ds + 0.5 * r2)


def np_normal_exp(m0, s0, vm, vs):
    a = vm / SQRT2
    n = np.hypot(a, vs)
    rho = n / s0
    with np.errstate(invalid="ignore", divide="ignore"):
        cphi = np.where(n > 0, a / n, 0.0)
        sphi = np.where(n > 0, vs / n, 0.0)
    d = np.cosh(rho) - sphi * np.sinh(rho)
    return m0 + SQRT2 * s0 * cphi * np.sinh(rho) / d, s0 / d


def np_normal_geodesic(m0, s0, m1, s1, t):
    vm, vs = np_normal_log(m0, s0, m1, s1)
    return np_normal_exp(m0, s0, t * vm, t * vs)


def np_normal_kl(m1, s1, m2, s2):
    return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def np_diag_distance(m1, s1, m2, s2):
    return np.sqrt(np.sum(np_normal_distance_asinh(m1, s1, m2, s2) ** 2, axis=-1))


def np_categorical_distance(p, q):
    return 2 * np.arccos(np.clip(np.sum(np.sqrt(p * q), axis=-1), -1, 1))


# ------------------------------------------------------------------------------- peers
def _geomstats() -> Any:
    try:
        import geomstats.backend as gs  # noqa: F401
        from geomstats.information_geometry.normal import DiagonalNormalDistributions, UnivariateNormalDistributions
    except Exception:  # noqa: BLE001 - any import problem means "not available"
        return None
    uni = UnivariateNormalDistributions()
    return {"uni": uni, "diag": DiagonalNormalDistributions}


def _gs_uni_distance(gsm, m1, s1, m2, s2):
    return gsm["uni"].metric.dist(np.stack([m1, s1], -1), np.stack([m2, s2], -1))


def _gs_uni_geodesic(gsm, m1, s1, m2, s2, t):
    geo = gsm["uni"].metric.geodesic(initial_point=np.stack([m1, s1], -1), end_point=np.stack([m2, s2], -1))
    return geo(np.atleast_1d(t))


def _gs_diag_distance(gsm, m1, s1, m2, s2):
    d = m1.shape[-1]
    space = gsm["diag"](d)
    return space.metric.dist(np.concatenate([m1, s1], -1), np.concatenate([m2, s2], -1))


def _inputs(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "m1": rng.standard_normal(n),
        "s1": np.exp(0.5 * rng.standard_normal(n)),
        "m2": rng.standard_normal(n),
        "s2": np.exp(0.5 * rng.standard_normal(n)),
    }


def _rows(n: int, rng: np.random.Generator, gsm: Any) -> list[tuple[str, Callable, dict[str, Callable], int]]:
    """(name, beds call, {baseline name: call}, elements per call) for one size."""
    x = _inputs(n, rng)
    m1, s1, m2, s2 = x["m1"], x["s1"], x["m2"], x["s2"]
    vm, vs = 0.3 * m2, 0.3 * (s2 - s1)
    peers_small = min(n, 2000)
    sl = slice(0, peers_small)
    rows: list[tuple[str, Callable, dict[str, Callable], int]] = []

    def peer(fn: Callable, count: int) -> Callable:
        fn.count = count  # type: ignore[attr-defined]
        return fn

    base = {
        "numpy": lambda: np_normal_distance_asinh(m1, s1, m2, s2),
        "numpy arccosh": lambda: np_normal_distance_acosh(m1, s1, m2, s2),
    }
    if gsm:
        base["geomstats"] = peer(lambda: _gs_uni_distance(gsm, m1[sl], s1[sl], m2[sl], s2[sl]), peers_small)
    rows.append(("normal distance", lambda: _normal.distance(m1, s1, m2, s2), base, n))
    rows.append(("normal kl", lambda: _normal.kl(m1, s1, m2, s2), {"numpy": lambda: np_normal_kl(m1, s1, m2, s2)}, n))
    rows.append(
        ("normal log", lambda: _normal.log(m1, s1, m2, s2), {"numpy": lambda: np_normal_log(m1, s1, m2, s2)}, n)
    )
    rows.append(
        ("normal exp", lambda: _normal.exp(m1, s1, vm, vs), {"numpy": lambda: np_normal_exp(m1, s1, vm, vs)}, n)
    )
    gbase = {"numpy": lambda: np_normal_geodesic(m1, s1, m2, s2, 0.3)}
    if gsm:
        k = min(n, 50)
        gbase["geomstats"] = peer(lambda: [_gs_uni_geodesic(gsm, m1[i], s1[i], m2[i], s2[i], 0.3) for i in range(k)], k)
    rows.append(("normal geodesic", lambda: _normal.geodesic(m1, s1, m2, s2, 0.3), gbase, n))
    rows.append(("normal transport", lambda: _normal.transport(m1, s1, m2, s2, vm, vs), {}, n))

    d = 10
    nd = max(1, n // d) if n >= 10**6 else n
    rng2 = np.random.default_rng(1)
    M1, M2 = rng2.standard_normal((nd, d)), rng2.standard_normal((nd, d))
    S1, S2 = np.exp(0.5 * rng2.standard_normal((nd, d))), np.exp(0.5 * rng2.standard_normal((nd, d)))
    dbase = {"numpy": lambda: np_diag_distance(M1, S1, M2, S2)}
    if gsm:
        kk = min(nd, 500)
        dbase["geomstats"] = peer(lambda: _gs_diag_distance(gsm, M1[:kk], S1[:kk], M2[:kk], S2[:kk]), kk)
    rows.append((f"diag_normal distance d={d}", lambda: _diag.distance(M1, S1, M2, S2), dbase, nd))

    k = 10
    P = rng2.dirichlet(np.ones(k), size=nd)
    Q = rng2.dirichlet(np.ones(k), size=nd)
    rows.append(
        (
            f"categorical distance k={k}",
            lambda: _cat.distance(P, Q),
            {"numpy": lambda: np_categorical_distance(P, Q)},
            nd,
        )
    )
    return rows


def run(
    sizes: tuple[int, ...] = (10**3, 10**5, 10**6),
    threads: tuple[int, ...] | None = None,
    accuracy: bool = True,
    budget: float = 0.4,
    print_fn: Callable[[str], None] = print,
    regularization: bool = True,
    dynamics: bool = True,
    mvnormal: bool = True,
    von_mises: bool = True,
    small_calls: bool = True,
    categorical: bool = True,
    thread_split: bool = True,
) -> list[dict[str, Any]]:
    """Runs the benchmark table and the sections of the families and returns their rows as dicts."""
    all_threads = _core.get_num_threads()
    if threads is None:
        threads = tuple(sorted({1, all_threads}))
    gsm = _geomstats()
    rng = np.random.default_rng(0)
    print_fn(
        f"beds {_core.__version__}  numpy {np.__version__}  simd {_core.simd_level()}  "
        f"cpus {all_threads}  {platform.machine()} {platform.processor() or ''}".rstrip()
    )
    print_fn("geomstats: " + ("available" if gsm else "not importable (optional; needs numpy < 2.4)"))
    header = f"{'kernel':28s} {'N':>9s} {'thr':>3s} {'beds ns/el':>11s}   baselines (ns/el, beds speed-up)"
    print_fn(header)
    print_fn("-" * len(header))
    results = []
    try:
        for n in sizes:
            rows = _rows(n, rng, gsm)
            base_times: dict[tuple[str, str], float] = {}
            for th in threads:
                _core.set_num_threads(th)
                for name, fn, baselines, count in rows:
                    t = _best_time(fn, budget) / count * 1e9
                    parts = []
                    for bname, bfn in baselines.items():
                        key = (name, bname)
                        if key not in base_times:  # baselines are single-threaded: time them once
                            c = getattr(bfn, "count", count)
                            base_times[key] = (
                                _best_time(bfn, budget, min_repeat=1 if "geomstats" in bname else 3) / c * 1e9
                            )
                        bt = base_times[key]
                        parts.append(f"{bname} {bt:,.1f} ({bt / t:,.1f}x)")
                    print_fn(f"{name:28s} {count:9d} {th:3d} {t:11.2f}   " + "; ".join(parts))
                    results.append(
                        {
                            "kernel": name,
                            "n": count,
                            "threads": th,
                            "ns_per_element": t,
                            **{f"{b}_ns": base_times[(name, b)] for b in baselines},
                        }
                    )
    finally:
        _core.set_num_threads(all_threads)
    if small_calls:
        from . import _bench_small_calls

        results += _bench_small_calls.run(budget=min(budget, 0.2), print_fn=print_fn)
    if categorical:
        results += _categorical_section(print_fn)
    if thread_split:
        results += _thread_split_section(print_fn, budget)
    if regularization:
        from . import _bench_regularization

        results += _bench_regularization.run(threads=threads, budget=min(budget, 0.3), print_fn=print_fn)
    if accuracy:
        _accuracy_table(gsm, print_fn)
    if dynamics:
        results += _dynamics_section(budget, print_fn)
    if mvnormal:
        from ._bench_mvnormal import run_mvnormal

        for row in run_mvnormal(print_fn, threads=threads, accuracy=accuracy):
            results.append({"kernel": f"mvnormal {row['kernel']} d={row['d']}", **row})
    if von_mises:
        from . import _bench_von_mises

        # distances cost tens of microseconds per pair: N = 1e5 and 1e6 only with --large
        vm_sizes = (10**3, 10**4) + ((10**5, 10**6) if max(sizes) >= 10**7 else ())
        results += _bench_von_mises.run(sizes=vm_sizes, budget=min(budget, 0.3), print_fn=print_fn)
    return results


def _accuracy_table(gsm: Any, print_fn: Callable[[str], None]) -> None:
    try:
        import mpmath as mp
    except ImportError:
        print_fn("accuracy: mpmath not installed (pip install 'beds[test]')")
        return
    mp.mp.dps = 50
    rng = np.random.default_rng(2)
    n = 200
    m1 = rng.uniform(-10, 10, n)
    s1 = np.exp(rng.uniform(np.log(1e-8), np.log(1e8), n))
    near = (
        m1 * (1 + 1e-12 * rng.standard_normal(n)) + 1e-12 * s1 * rng.standard_normal(n),
        s1 * (1 + 1e-12 * rng.standard_normal(n)),
    )
    far = (rng.uniform(-1e6, 1e6, n), np.exp(rng.uniform(np.log(1e-8), np.log(1e8), n)))

    def exact(a, b, c, d):
        out = []
        for w, x, y, z in zip(a, b, c, d):
            w, x, y, z = (mp.mpf(float(v)) for v in (w, x, y, z))
            out.append(float(mp.sqrt(2) * mp.acosh(1 + ((w - y) ** 2 / 2 + (x - z) ** 2) / (2 * x * z))))
        return np.array(out)

    print_fn("")
    print_fn("accuracy of the normal distance vs mpmath (max relative error over 200 pairs)")
    for label, (m2, s2) in (("near pairs (1e-12 apart)", near), ("far pairs (|dmu|<=1e6, std 1e-8..1e8)", far)):
        ref = exact(m1, s1, m2, s2)
        errs = {
            "beds": _normal.distance(m1, s1, m2, s2),
            "numpy asinh": np_normal_distance_asinh(m1, s1, m2, s2),
        }
        with np.errstate(all="ignore"):
            errs["numpy arccosh"] = np_normal_distance_acosh(m1, s1, m2, s2)
        if gsm:
            try:
                errs["geomstats"] = np.asarray(_gs_uni_distance(gsm, m1, s1, m2, s2), dtype=float)
            except Exception as e:  # noqa: BLE001
                print_fn(f"  geomstats failed: {e!r}")
        with np.errstate(all="ignore"):
            cells = [
                f"{k} {np.nanmax(np.abs(v - ref) / ref):.1e}" if np.all(np.isfinite(v)) else f"{k} non-finite"
                for k, v in errs.items()
            ]
        print_fn(f"  {label:38s} " + "; ".join(cells))


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m beds bench", description=__doc__.split("\n")[0])
    ap.add_argument("--large", action="store_true", help="also run N = 1e7")
    ap.add_argument(
        "--sizes",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        help="comma-separated sizes (default 1e3,1e5,1e6)",
    )
    ap.add_argument("--threads", type=lambda s: [int(x) for x in s.split(",")], help="thread counts (default 1,all)")
    ap.add_argument("--simd", choices=["baseline", "avx2"], help="instruction-set build of the loops")
    ap.add_argument("--no-accuracy", action="store_true", help="skip the accuracy table")
    ap.add_argument("--no-dynamics", action="store_true", help="skip the BEDS dynamics section")
    ap.add_argument("--only-dynamics", action="store_true", help="run only the BEDS dynamics section")
    ap.add_argument("--budget", type=float, default=0.4, help="seconds per measurement (default 0.4)")
    ap.add_argument(
        "--no-regularization",
        action="store_true",
        help="skip the regularization section (Fisher-Rao penalties, SIGReg)",
    )
    ap.add_argument("--no-mvnormal", action="store_true", help="skip the multivariate normal section")
    ap.add_argument("--no-von-mises", action="store_true", help="skip the von Mises section")
    ap.add_argument("--no-small-calls", action="store_true", help="skip the small-call section")
    ap.add_argument(
        "--only-small-calls",
        action="store_true",
        help="run only the small-call section (microseconds per call at N = 1, 10, 100)",
    )
    ap.add_argument("--no-categorical", action="store_true", help="skip the categorical sums section")
    ap.add_argument("--no-thread-split", action="store_true", help="skip the 1 vs 2 threads section")
    ap.add_argument("--only-threads", action="store_true", help="run only the categorical and thread sections")
    args = ap.parse_args(argv)
    sizes = tuple(args.sizes) if args.sizes else (10**3, 10**5, 10**6) + ((10**7,) if args.large else ())
    if args.simd:
        _core.set_simd_level(args.simd)
    if args.only_dynamics:
        _dynamics_section(args.budget, print)
        return 0
    if args.only_small_calls:
        from . import _bench_small_calls

        print(f"beds {_core.__version__}  numpy {np.__version__}  {platform.machine()} {platform.processor() or ''}")
        _bench_small_calls.run(budget=min(args.budget, 0.2))
        return 0
    if args.only_threads:
        _categorical_section(print)
        _thread_split_section(print, args.budget)
        return 0
    run(
        sizes,
        tuple(args.threads) if args.threads else None,
        accuracy=not args.no_accuracy,
        budget=args.budget,
        regularization=not args.no_regularization,
        dynamics=not args.no_dynamics,
        mvnormal=not args.no_mvnormal,
        von_mises=not args.no_von_mises,
        small_calls=not args.no_small_calls,
        categorical=not args.no_categorical,
        thread_split=not args.no_thread_split,
    )
    return 0
