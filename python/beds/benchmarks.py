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

import math
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from . import categorical as _cat
from . import diag_normal as _diag
from . import normal as _normal

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


# ------------------------------------------------------------------------------ BEDS dynamics
def np_integrate_rounds(
    mean: np.ndarray, prec: np.ndarray, gamma: np.ndarray, dt: float, values: np.ndarray, obs_prec: float
) -> tuple[np.ndarray, np.ndarray]:
    """The best pure-numpy formulation of the BEDS integration for a regular stream: every belief is
    observed once per step, so each step is vectorized over the beliefs (a Python loop over steps)."""
    mean, prec = mean.copy(), prec.copy()
    a = np.exp(-gamma * dt)
    for row in values:
        prec *= a
        prec += obs_prec
        mean += (obs_prec / prec) * (row - mean)
    return mean, prec


def scipy_integrate_rounds(
    mean: np.ndarray, prec: np.ndarray, gamma: np.ndarray, dt: float, values: np.ndarray, obs_prec: float
) -> tuple[np.ndarray, np.ndarray]:
    """The same stream with scipy.integrate.solve_ivp (RK45) for dtau/dt = -gamma tau between the
    observations (vectorized over the beliefs), and the Bayesian jumps at the observations."""
    from scipy.integrate import solve_ivp

    mean, prec = mean.copy(), prec.copy()
    for row in values:
        prec = solve_ivp(lambda _t, y: -gamma * y, (0.0, dt), prec, rtol=1e-10, atol=1e-12).y[:, -1]
        prec = prec + obs_prec
        mean += (obs_prec / prec) * (row - mean)
    return mean, prec


def py_integrate_events(
    mean: np.ndarray,
    prec: np.ndarray,
    last: np.ndarray,
    gamma: float,
    times: np.ndarray,
    index: np.ndarray,
    values: np.ndarray,
    obs_prec: float,
) -> None:
    """An irregular stream has no vectorization across beliefs: one Python step per event."""
    exp = math.exp
    for t, i, x in zip(times.tolist(), index.tolist(), values.tolist()):
        tau = prec[i] * exp(-gamma * (t - last[i]))
        tp = tau + obs_prec
        mean[i] += (obs_prec / tp) * (x - mean[i])
        prec[i] = tp
        last[i] = t


def _dynamics_section(budget: float, print_fn: Callable[[str], None]) -> list[dict[str, Any]]:
    """Throughput of System.integrate (events per second, one thread) against the numpy and scipy
    formulations of the same regular stream and a Python event loop."""
    all_threads = _core.get_num_threads()
    _core.set_num_threads(1)
    try:
        return _dynamics_rows(budget, print_fn)
    finally:
        _core.set_num_threads(all_threads)


def _dynamics_rows(budget: float, print_fn: Callable[[str], None]) -> list[dict[str, Any]]:
    from .dynamics import System

    rng = np.random.default_rng(5)
    out = []
    print_fn("")
    print_fn("BEDS dynamics: scalar Gaussian beliefs, event-driven integration (one thread)")
    header = f"{'stream':44s} {'events':>9s} {'beds Mev/s':>10s}   baselines (Mev/s, beds speed-up)"
    print_fn(header)
    print_fn("-" * len(header))
    for n, steps in ((1000, 2000), (100_000, 20)):
        dt, gamma, tau_d = 0.01, np.full(n, 0.5), 2.0
        values = rng.standard_normal((steps, n))
        times = np.repeat(dt * np.arange(1, steps + 1), n)
        index = np.tile(np.arange(n, dtype=np.int64), steps)
        flat_values = values.reshape(-1)
        m = times.size
        s = System.normal(np.zeros(n), precision=np.ones(n), gamma=gamma)
        t_beds = _best_time(lambda: s.integrate(times, index, flat_values, tau_d), budget)
        # check the formulations agree before timing them
        fin, _ = s.integrate(times, index, flat_values, tau_d)
        nm, npr = np_integrate_rounds(np.zeros(n), np.ones(n), gamma, dt, values, tau_d)
        if not (np.allclose(fin.mean, nm, rtol=1e-12, atol=1e-12) and np.allclose(fin.precision, npr, rtol=1e-12)):
            raise RuntimeError("numpy and beds integrations disagree")
        t_np = _best_time(lambda: np_integrate_rounds(np.zeros(n), np.ones(n), gamma, dt, values, tau_d), budget)
        rate = m / t_beds / 1e6
        parts = [f"numpy {m / t_np / 1e6:,.2f} ({t_np / t_beds:,.1f}x)"]
        row = {"kernel": f"integrate regular n={n}", "events": m, "beds_mev_s": rate, "numpy_mev_s": m / t_np / 1e6}
        try:
            import scipy  # noqa: F401

            k = max(1, min(steps, 20 if n <= 1000 else 2))
            t_sp = _best_time(
                lambda: scipy_integrate_rounds(np.zeros(n), np.ones(n), gamma, dt, values[:k], tau_d),
                budget,
                min_repeat=1,
            ) / (k * n)
            parts.append(f"scipy solve_ivp {1e-6 / t_sp:,.3f} ({t_sp * m / t_beds:,.0f}x)")
            row["scipy_mev_s"] = 1e-6 / t_sp
        except ImportError:
            parts.append("scipy not installed")
        print_fn(
            f"{'regular: n=' + str(n) + ' beliefs x ' + str(steps) + ' steps':44s} {m:9d} {rate:10.1f}   "
            + "; ".join(parts)
        )
        out.append(row)
    # random streams (no numpy vectorization possible): beds only, per model
    n, m = 1000, 2_000_000
    times = np.sort(rng.uniform(0, 100, m))
    index = rng.integers(0, n, m)
    values = rng.standard_normal(m)
    k = 50_000
    t_py = (
        _best_time(
            lambda: py_integrate_events([0.0] * n, [1.0] * n, [0.0] * n, 0.5, times[:k], index[:k], values[:k], 2.0),
            budget,
            min_repeat=1,
        )
        / k
    )
    first = True
    for label, kw in (
        ("multiplicative, flat reference", {"gamma": 0.5}),
        ("multiplicative, reference N(0, 1/0.1)", {"gamma": 0.5, "reference": (0.0, 0.1)}),
        ("additive diffusion", {"q": 0.5}),
    ):
        s = System.normal(np.zeros(n), precision=np.ones(n), **kw)
        t_api = _best_time(lambda: s.integrate(times, index, values, 2.0), budget)
        extra = f"   python loop {1e-6 / t_py:,.2f} ({t_py * m / t_api:,.0f}x)" if first else ""
        first = False
        print_fn(f"{'random: ' + label:44s} {m:9d} {m / t_api / 1e6:10.1f}" + extra)
        out.append({"kernel": f"integrate random {label}", "events": m, "beds_mev_s": m / t_api / 1e6})
    return out


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


def np_categorical_distance_einsum(p, q):
    return 2 * np.arccos(np.clip(np.einsum("...k,...k->...", np.sqrt(p), np.sqrt(q)), -1, 1))


def np_categorical_kl(p, q):
    return np.sum(p * np.log(p / q), axis=-1)


def np_categorical_kl_einsum(p, q):
    return np.einsum("...k,...k->...", p, np.log(p / q))


def _categorical_section(print_fn: Callable[[str], None], rounds: int = 9) -> list[dict[str, Any]]:
    """Categorical distance and KL against numpy's formulas (ns per class, one thread, CPU time)."""
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
