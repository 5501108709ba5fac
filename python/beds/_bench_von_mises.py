"""Benchmark section of ``python -m beds bench``: von Mises special functions and geodesics.

Rows:

* ``A'(kappa)``: ``beds.special.mean_resultant_derivative`` against scipy's ``i1e / i0e`` plus the
  naive ``1 - A/kappa - A^2`` (ns per element, and the relative error of both at kappa = 1e6);
* ``i0e``: against ``scipy.special.i0e``;
* geodesics: ``distance``, ``log``, ``exp`` and ``geodesic`` (t = 0.3) per pair at kappa_1 in
  {1e-3, 1, 1e2, 1e5}, kappa_2 = 2 kappa_1, angle differences 0.01, 0.5, 1.5, 3: CPU time of the
  calling thread (``time.thread_time``: the time other processes take is not counted) for N pairs,
  the best of 7 or more rounds over all cells (a burst of load spoils one round of a cell, not all
  of its repeats), one thread.  The same-run baseline is what a user would write
  with scipy: the Clairaut integrals of the geodesic by ``scipy.integrate.quad`` and the turning
  point by ``scipy.optimize.brentq`` (distance, log), and the geodesic equations integrated by
  ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10) from the log velocity (exp; geodesic = the
  quadrature solve plus the ODE to t).  The largest relative difference of the scipy values to
  beds' is printed under the table (the scipy reference uses the naive A' = 1 - A/kappa - A^2,
  which loses digits for large kappa);
* random pairs (kappa log-uniform in [1e-3, 1e5], angles uniform): distance per pair at each N;
* the 2-thread split at N = 1e3 for the four operations: the best wall time on 1 and 2 threads,
  and for the 2-thread calls the CPU time of each thread (``/proc/self/task/*/schedstat``: run
  time and run-queue wait) and the split speed-up (total CPU / CPU of the busiest thread), which
  is what two free cores would give when the machine is shared.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from . import special as _special
from . import von_mises as _vm

KAPPAS = (1e-3, 1.0, 1e2, 1e5)
ANGLES = (0.01, 0.5, 1.5, 3.0)
OPS = ("distance", "log", "exp", "geodesic")
T_GEODESIC = 0.3


def _best(fn: Callable[[], Any], budget: float, min_repeat: int = 2) -> float:
    """Best CPU time of the calling thread over repeated calls (seconds)."""
    fn()
    best, start, i = float("inf"), time.perf_counter(), 0
    while True:
        t0 = time.thread_time()
        fn()
        best = min(best, time.thread_time() - t0)
        i += 1
        if i >= min_repeat and time.perf_counter() - start > budget:
            return best


def _best_wall(fn: Callable[[], Any], budget: float, min_repeat: int = 3) -> float:
    fn()
    best, start, i = float("inf"), time.perf_counter(), 0
    while True:
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        i += 1
        if i >= min_repeat and time.perf_counter() - start > budget:
            return best


# ------------------------------------------------------------------------------ scipy reference
def _fh(k: float) -> tuple[float, float]:
    """f = kappa A and h = A' (naive formula) with A from scipy's i1e / i0e."""
    from scipy.special import i0e, i1e

    if k == 0.0:
        return 0.0, 0.5
    a = i1e(k) / i0e(k)
    return k * a, 1.0 - a / k - a * a


def scipy_clairaut(mu1: float, k1: float, mu2: float, k2: float) -> tuple[float, float, float]:
    """Distance and log (v_mu, v_kappa) by the Clairaut integrals in kappa, with scipy.

    A geodesic is fixed by its turning point kappa* <= a = min(k1, k2) (f(kappa*) = c^2): it runs
    from a to b = max(k1, k2) (angle swept Phi(a, b)), or first dips to kappa* (2 Phi(kappa*, a) +
    Phi(a, b)).  sigma = -+sqrt(a - kappa*) joins both into one increasing function from 0 to pi,
    solved by brentq; the integrals use kappa = kappa* + t^2 (no 1/sqrt singularity) and quad
    (which reports roundoff next to the turning point, where f - c^2 cancels: not shown).
    """
    from scipy.integrate import quad
    from scipy.optimize import brentq

    d_mu = float(np.remainder(mu2 - mu1 + np.pi, 2 * np.pi) - np.pi)
    dmu = abs(d_mu)
    a, b = min(k1, k2), max(k1, k2)
    opts = {"epsabs": 0.0, "epsrel": 1e-12, "limit": 200}

    def integrals(ks: float, x: float, y: float) -> tuple[float, float]:
        if y <= x:
            return 0.0, 0.0
        c2 = _fh(ks)[0]

        def phi(t: float) -> float:
            f, h = _fh(ks + t * t)
            return 2 * t * np.sqrt(c2 * h / (f * (f - c2))) if f > c2 else 0.0

        def length(t: float) -> float:
            f, h = _fh(ks + t * t)
            return 2 * t * np.sqrt(h * f / (f - c2)) if f > c2 else 0.0

        lo, hi = np.sqrt(max(x - ks, 0.0)), np.sqrt(y - ks)
        return quad(phi, lo, hi, **opts)[0], quad(length, lo, hi, **opts)[0]

    def swept(sigma: float) -> tuple[float, float]:
        ks = a - sigma * sigma
        pa, la = integrals(ks, a, b)
        if sigma <= 0:
            return pa, la
        pd, ld = integrals(ks, ks, a)
        return 2 * pd + pa, 2 * ld + la

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dmu == 0.0 or a == 0.0:
            radial = quad(lambda k: np.sqrt(_fh(k)[1]), a, b, **opts)[0]
            return radial, 0.0, float(np.sign(k2 - k1)) * radial / np.sqrt(_fh(k1)[1])
        s_max = np.sqrt(a) * (1.0 - 1e-12)
        sigma = brentq(lambda s: swept(s)[0] - dmu, -s_max, s_max, xtol=1e-15 * np.sqrt(a), rtol=1e-15)
        d = swept(sigma)[1]
    c2 = _fh(a - sigma * sigma)[0]
    f1, h1 = _fh(k1)
    # unit speed: f dmu/ds = c, (dkappa/ds)^2 = (f - c^2) / (f h); up from a unless it dips first
    up = k1 == a and sigma <= 0
    vk = d * np.sqrt(max(f1 - c2, 0.0) / (f1 * h1)) * (1.0 if up else -1.0)
    vm = d * np.sqrt(c2) / f1 * np.sign(d_mu)
    return d, vm, vk


class _Stalled(Exception):
    pass


def scipy_exp(mu: float, k: float, vmu: float, vk: float, t: float = 1.0, max_fev: int = 20000) -> tuple[float, float]:
    """The geodesic equations of h dkappa^2 + f dmu^2 integrated by solve_ivp (DOP853) to t.

    Raises RuntimeError after ``max_fev`` evaluations of the right-hand side: for large kappa the
    naive A' is rounding noise at the 1e-6 level and the step control stalls (minutes at 1e5)."""
    from scipy.integrate import solve_ivp
    from scipy.special import i0e, i1e

    fev = [0]

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        fev[0] += 1
        if fev[0] > max_fev:
            raise _Stalled
        _, kk, vm, vkk = y
        a = i1e(kk) / i0e(kk)
        h = 1.0 - a / kk - a * a
        f, fp = kk * a, a + kk * h  # f' = A + kappa A'
        hp = -h / kk + a / (kk * kk) - 2.0 * a * h  # A'' = -A'/kappa + A/kappa^2 - 2 A A'
        return [vm, vkk, -(fp / f) * vm * vkk, (fp * vm * vm - hp * vkk * vkk) / (2.0 * h)]

    try:
        sol = solve_ivp(rhs, (0.0, t), [mu, k, vmu, vk], method="DOP853", rtol=1e-10, atol=1e-12)
    except _Stalled:
        raise RuntimeError(f"solve_ivp did not finish in {max_fev} evaluations") from None
    return float(sol.y[0, -1]), float(sol.y[1, -1])


# ------------------------------------------------------------------------------ sections
def _geodesic_table(
    budget: float,
    print_fn: Callable[[str], None],
    baseline: bool,
    n: int,
    kappas: tuple[float, ...] = KAPPAS,
    angles: tuple[float, ...] = ANGLES,
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(3)
    rows: list[dict[str, Any]] = []
    print_fn("")
    print_fn(
        f"von Mises geodesics: microseconds per pair, one thread (CPU time, best of 7 or more rounds over the cells, "
        f"N = {n} pairs near each cell: kappa2 = 2 kappa1, mu2 - mu1 = dmu); scipy baseline in the same run, "
        f"milliseconds per pair"
    )
    head = (
        f"{'kappa1':>7s} {'dmu':>5s} | {'distance':>8s} {'log':>6s} {'exp':>6s} {'geodesic':>8s} |"
        f" {'quad':>7s} {'quad':>7s} {'ODE':>7s} {'quad+ODE':>8s} |  speed-up (x)"
    )
    print_fn(head)
    print_fn(f"{'':13s} | {'':31s} | {'dist':>7s} {'log':>7s} {'exp':>7s} {'geodesic':>8s} |  dist log exp geodesic")
    print_fn("-" * len(head))
    worst: dict[str, float] = dict.fromkeys(OPS, 0.0)
    diff_d = diff_e = 0.0
    stalled: list[str] = []
    if baseline:  # imports and first calls out of the timings
        scipy_exp(0.0, 1.0, *scipy_clairaut(0.0, 1.0, 1.0, 2.0)[1:])
    # the timings: rounds over all cells, the best of each (a burst of load on this shared machine
    # then spoils one round of a cell, not all of its repeats)
    cells = []
    for k in kappas:
        for a in angles:
            j = rng.uniform(0.99, 1.01, n)  # distinct elements near the cell
            m1, k1, m2, k2 = np.zeros(n), k * j, a * j, 2.0 * k * j[::-1]
            vmu, vk = _vm.log(m1, k1, m2, k2)
            cells.append((k, a, m1, k1, m2, k2, vmu, vk))
    best = np.full((len(cells), len(OPS)), np.inf)
    start, rounds = time.perf_counter(), 0
    while rounds < 7 or time.perf_counter() - start < budget:
        for i, (_, _, m1, k1, m2, k2, vmu, vk) in enumerate(cells):
            for j, op in enumerate(OPS):
                t0 = time.thread_time()
                if op == "distance":
                    _vm.distance(m1, k1, m2, k2)
                elif op == "log":
                    _vm.log(m1, k1, m2, k2)
                elif op == "exp":
                    _vm.exp(m1, k1, vmu, vk)
                else:
                    _vm.geodesic(m1, k1, m2, k2, T_GEODESIC)
                best[i, j] = min(best[i, j], time.thread_time() - t0)
        rounds += 1
    for i, (k, a, _, k1, m2, k2, vmu, vk) in enumerate(cells):
        us = {op: best[i, j] / n * 1e6 for j, op in enumerate(OPS)}
        for op in OPS:
            worst[op] = max(worst[op], us[op])
        ref_ms: dict[str, float | None] = dict.fromkeys(OPS)
        if baseline:
            p = (0.0, float(k1[0]), float(m2[0]), float(k2[0]))
            t0 = time.thread_time()
            d_ref, rv_m, rv_k = scipy_clairaut(*p)  # distance and log: one solve
            t_quad = (time.thread_time() - t0) * 1e3
            ref_ms["distance"] = ref_ms["log"] = t_quad
            diff_d = max(diff_d, abs(d_ref / float(_vm.distance(*p)) - 1.0))
            try:
                t0 = time.thread_time()
                e_ref = scipy_exp(0.0, p[1], float(vmu[0]), float(vk[0]))
                ref_ms["exp"] = (time.thread_time() - t0) * 1e3
                diff_e = max(diff_e, abs(e_ref[1] / p[3] - 1.0), abs(e_ref[0] - p[2]) / p[2])
                t0 = time.thread_time()
                scipy_exp(0.0, p[1], rv_m, rv_k, T_GEODESIC)
                ref_ms["geodesic"] = t_quad + (time.thread_time() - t0) * 1e3
            except RuntimeError:
                stalled.append(f"kappa1 {k:.0e} dmu {a:g}")
        ref = " ".join(
            f"{'-' if ref_ms[op] is None else f'{ref_ms[op]:.1f}':>{8 if op == 'geodesic' else 7}s}" for op in OPS
        )
        ratio = " ".join("-" if ref_ms[op] is None else f"{ref_ms[op] * 1e3 / us[op]:,.0f}" for op in OPS)
        print_fn(
            f"{k:7.0e} {a:5.2f} | {us['distance']:8.2f} {us['log']:6.2f} {us['exp']:6.2f} {us['geodesic']:8.2f} |"
            f" {ref} |  {ratio}"
        )
        for op in OPS:
            t_ref = ref_ms[op]
            rows.append(
                {
                    "kernel": f"von_mises {op}",
                    "kappa": k,
                    "dmu": a,
                    "n": n,
                    "beds_ns": us[op] * 1e3,
                    "scipy_ns": None if t_ref is None else t_ref * 1e6,
                }
            )
    print_fn("worst cell (us per pair): " + ", ".join(f"{op} {worst[op]:.2f}" for op in OPS))
    if baseline:
        note = f"; the ODE stalled (naive A', > 20000 evaluations): {', '.join(stalled)}" if stalled else ""
        print_fn(
            "scipy: quad + brentq on the Clairaut integrals (distance and log: one solve), solve_ivp DOP853 rtol 1e-10"
            f" (exp; geodesic = quad + ODE to t = {T_GEODESIC}); relative difference to beds: distance {diff_d:.1e},"
            f" exp end point {diff_e:.1e}{note}"
        )
    else:
        print_fn("scipy not installed: no baseline")
    return rows


def _schedstat() -> dict[str, tuple[int, int]]:
    """ns of run time and of run-queue wait of each thread of this process (Linux)."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                run, wait = f.read().split()[:2]
            out[tid] = (int(run), int(wait))
        except (OSError, ValueError):
            pass
    return out


def _thread_split(budget: float, print_fn: Callable[[str], None], n: int = 1000) -> list[dict[str, Any]]:
    rng = np.random.default_rng(8)
    args = _pairs(n, rng)
    vmu, vk = _vm.log(*args)
    fns = {
        "distance": lambda: _vm.distance(*args),
        "log": lambda: _vm.log(*args),
        "exp": lambda: _vm.exp(args[0], args[1], vmu, vk),
        "geodesic": lambda: _vm.geodesic(*args, T_GEODESIC),
    }
    linux = os.path.exists("/proc/self/task")
    print_fn("")
    print_fn(
        f"von Mises on 2 threads, N = {n} random pairs: best wall time per call (ms); for the 2-thread calls the "
        f"CPU of each thread (run / run-queue wait, ms per call) and the split speed-up; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    head = f"{'operation':10s} {'1 thr':>8s} {'2 thr':>8s} {'wall x':>7s}   CPU per thread (run / wait), split"
    print_fn(head)
    print_fn("-" * len(head))
    rows = []
    for op, fn in fns.items():
        _core.set_num_threads(1)
        t1 = _best_wall(fn, budget / 8)
        _core.set_num_threads(2)
        t2 = _best_wall(fn, budget / 8)
        row: dict[str, Any] = {"kernel": f"von_mises {op} threads", "n": n, "t1_us": t1 * 1e6, "t2_us": t2 * 1e6}
        split = ""
        if linux:
            calls = max(3, int(budget / 8 / max(t1, 1e-6)))
            before = _schedstat()
            for _ in range(calls):
                fn()
            after = _schedstat()
            busy = sorted(
                ((after[i][0] - before[i][0], after[i][1] - before[i][1]) for i in after if i in before), reverse=True
            )
            busy = [b for b in busy if b[0] > 0.01 * busy[0][0]]
            total = sum(b[0] for b in busy)
            split = ", ".join(f"{r / calls / 1e6:.2f} / {w / calls / 1e6:.2f}" for r, w in busy)
            split += f"; {total / busy[0][0]:.2f}x"
            row.update({"cpu_ms_per_thread": [b[0] / calls / 1e6 for b in busy], "split_speedup": total / busy[0][0]})
        _core.set_num_threads(1)
        print_fn(f"{op:10s} {t1 * 1e3:8.2f} {t2 * 1e3:8.2f} {t1 / t2:7.2f}   {split}")
        rows.append(row)
    return rows


def _pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return (
        rng.uniform(-np.pi, np.pi, n),
        10 ** rng.uniform(-3, 5, n),
        rng.uniform(-np.pi, np.pi, n),
        10 ** rng.uniform(-3, 5, n),
    )


def run(
    sizes: tuple[int, ...] = (10**3, 10**4),
    budget: float = 0.3,
    print_fn: Callable[[str], None] = print,
    cell_pairs: int = 1000,
    threads: bool = True,
    kappas: tuple[float, ...] = KAPPAS,
    angles: tuple[float, ...] = ANGLES,
) -> list[dict[str, Any]]:
    """Prints the von Mises section and returns its rows."""
    rng = np.random.default_rng(11)
    rows: list[dict[str, Any]] = []
    all_threads = _core.get_num_threads()
    _core.set_num_threads(1)
    try:
        import scipy  # noqa: F401

        have_scipy = True
    except ImportError:
        have_scipy = False
    try:
        print_fn("")
        print_fn("von Mises (one thread, CPU time)")
        header = f"{'kernel':36s} {'N':>8s} {'beds ns':>11s}   baselines"
        print_fn(header)
        print_fn("-" * len(header))
        k = np.geomspace(1e-3, 1e8, 10**6)
        t_ap = _best(lambda: _special.mean_resultant_derivative(k), budget) / k.size * 1e9
        t_i0 = _best(lambda: _special.i0e(k), budget) / k.size * 1e9
        if have_scipy:
            from scipy.special import i0e, i1e

            def naive() -> np.ndarray:
                a = i1e(k) / i0e(k)
                return 1.0 - a / k - a * a

            t_naive = _best(naive, budget) / k.size * 1e9
            t_sci0 = _best(lambda: i0e(k), budget) / k.size * 1e9
            exact = 0.50000025000037500086  # kappa^2 A'(kappa) at kappa = 1e6 (mpmath, 30 digits)
            a6 = i1e(1e6) / i0e(1e6)
            err_naive = abs((1.0 - a6 / 1e6 - a6 * a6) * 1e12 / exact - 1)
            err_beds = abs(float(_special.mean_resultant_derivative(1e6)) * 1e12 / exact - 1)
            print_fn(
                f"{'A(kappa) derivative':36s} {k.size:8d} {t_ap:11.1f}   scipy i1e/i0e + naive formula "
                f"{t_naive:.1f} ns ({t_naive / t_ap:.1f}x); rel. error at kappa=1e6: beds {err_beds:.1e}, "
                f"naive {err_naive:.1e}"
            )
            print_fn(f"{'i0e':36s} {k.size:8d} {t_i0:11.1f}   scipy.special.i0e {t_sci0:.1f} ns ({t_sci0 / t_i0:.1f}x)")
            rows += [
                {"kernel": "von_mises A'", "n": k.size, "beds_ns": t_ap, "scipy_ns": t_naive},
                {"kernel": "i0e", "n": k.size, "beds_ns": t_i0, "scipy_ns": t_sci0},
            ]
        else:
            print_fn(f"{'A(kappa) derivative':36s} {k.size:8d} {t_ap:11.1f}   (scipy not installed)")
        for n in sizes:
            args = _pairs(n, rng)
            t = _best(lambda: _vm.distance(*args), budget, min_repeat=1) / n
            print_fn(f"{'distance (random pairs)':36s} {n:8d} {t * 1e9:11.0f}   kappa log-uniform in [1e-3, 1e5]")
            rows.append({"kernel": "von_mises distance random", "n": n, "beds_ns": t * 1e9})
        with warnings.catch_warnings():
            # (quad warns where the naive A' of the scipy reference loses its digits: kappa = 1e5)
            warnings.simplefilter("ignore")
            rows += _geodesic_table(budget, print_fn, have_scipy, cell_pairs, kappas, angles)
        if threads:
            rows += _thread_split(budget, print_fn)
    finally:
        _core.set_num_threads(all_threads)
    return rows
