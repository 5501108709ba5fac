"""Multivariate normal section of ``python -m beds bench`` (a few seconds).

Times per pair, one thread and all threads, for d = 2, 3, 8, 32: the general distance (geodesic
shooting to 1e-12), the same-mean closed form, the bounds and the exp map.  Baselines, each optional
(skipped when not importable; never dependencies of beds):

* a scipy shooting reference (``scipy.linalg.expm`` + ``scipy.optimize.least_squares`` on the same
  Eriksen parametrization), on a few pairs;
* pyRiemann's batched ``distance_riemann`` for the same-mean distance (its metric is sqrt(2) times
  the Fisher-Rao one: compared after dividing by sqrt(2)) and its ``mean_riemann`` for the Karcher
  mean of beliefs that share one mean (the same minimizer: the Riemannian mean of the covariances);
* the PyPI package ``fisherrao`` (``calvo_oller_distance``: the Calvo-Oller bound without the
  factor 1/2, i.e. sqrt(2) times a lower bound, not the distance) and geomstats
  (``GeneralNormalDistributions``: a product metric that is not Fisher-Rao).

Accuracy: same-mean distance on near pairs (relative perturbation 1e-10) against mpmath at 50
digits, for beds, pyRiemann and the textbook ``log(eigvalsh)`` formula; Karcher means against a
fixed-point iteration run to its rounding level.

A second table times the closed-form same-mean paths on the CPU clock of the calling thread (one
thread; distance at d = 3 and 10; Karcher mean of 1e4 3 x 3 and 1e3 10 x 10 covariances, beds at
its default tol 1e-10, pyRiemann at its default tol 1e-8, both errors against the reference); a
third splits the distance and parallel transport at d = 3 (n = 1000) and d = 8 (n = 100) over two
threads (wall-clock speed-up and the CPU time of each thread).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from . import mvnormal as _mv

__all__ = ["run_mvnormal", "scipy_shooting_distance"]


def _spd(rng: np.random.Generator, n: int, d: int, spread: float = 0.5) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal((n, d, d)))
    ev = np.exp(spread * rng.standard_normal((n, d)))
    S = Q @ (ev[..., None] * np.swapaxes(Q, -1, -2))
    return 0.5 * (S + np.swapaxes(S, -1, -2))


def scipy_shooting_distance(m1: np.ndarray, S1: np.ndarray, m2: np.ndarray, S2: np.ndarray) -> float:
    """Reference: least-squares shooting with scipy.linalg.expm on the (2d+1) Eriksen matrix."""
    import scipy.linalg as sl
    from scipy.optimize import least_squares

    d = len(m1)
    L = np.linalg.cholesky(S1)
    m = sl.solve_triangular(L, m2 - m1, lower=True)
    Li = sl.solve_triangular(L, np.eye(d), lower=True)
    S = Li @ S2 @ Li.T
    Si = np.linalg.inv(S)
    tgt_D, tgt_d = Si, Si @ m
    iu = np.tril_indices(d)

    def unpack(v):
        x = v[:d]
        B = np.zeros((d, d))
        B[iu] = v[d:]
        return x, B + np.tril(B, -1).T

    def res(v):
        x, B = unpack(v)
        A = np.zeros((2 * d + 1, 2 * d + 1))
        A[:d, :d] = -B
        A[:d, d] = A[d, :d] = x
        A[d, d + 1 :] = A[d + 1 :, d] = -x
        A[d + 1 :, d + 1 :] = B
        E = sl.expm(A)
        return np.concatenate([E[d, :d] - tgt_d, (E[:d, :d] - tgt_D)[iu]])

    lw, U = np.linalg.eigh(np.block([[S + np.outer(m, m), m[:, None]], [m[None, :], np.ones((1, 1))]]))
    W = U @ np.diag(np.log(lw)) @ U.T
    v0 = np.concatenate([W[:d, d], W[:d, :d][iu]])
    sol = least_squares(res, v0, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    x, B = unpack(sol.x)
    return float(np.sqrt(x @ x + 0.5 * np.sum(B * B)))


def _best(fn: Callable[[], Any], budget: float) -> float:
    fn()
    best = float("inf")
    start = time.perf_counter()
    for i in range(30):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if i >= 1 and time.perf_counter() - start > budget:
            break
    return best


def run_mvnormal(
    print_fn: Callable[[str], None] = print,
    budget: float = 0.2,
    threads: tuple[int, ...] | None = None,
    accuracy: bool = True,
) -> list[dict[str, Any]]:
    """Prints the MVNormal table (microseconds per pair) and returns its rows."""
    all_threads = _core.get_num_threads()
    threads = threads or tuple(sorted({1, 2, all_threads}))
    rng = np.random.default_rng(4)
    rows = []
    print_fn("")
    print_fn("MVNormal: microseconds per pair (float64)")
    header = (
        f"{'kernel':30s} {'d':>3s} {'pairs':>6s} "
        + " ".join(f"{f'{t} thr':>9s}" for t in threads)
        + "   baselines (1 thread)"
    )
    print_fn(header)
    print_fn("-" * len(header))
    try:
        import pyriemann.geometry.distance as prd  # pyRiemann >= 0.12
    except Exception:  # noqa: BLE001
        try:
            import pyriemann.utils.distance as prd
        except Exception:  # noqa: BLE001
            prd = None
    try:
        import fisherrao
    except Exception:  # noqa: BLE001
        fisherrao = None
    try:
        for d in (2, 3, 8, 32):
            n = {2: 4000, 3: 4000, 8: 500, 32: 4}[d]
            m1, m2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
            S1, S2 = _spd(rng, n, d), _spd(rng, n, d)
            cases: list[tuple[str, Callable[[], Any], int, dict[str, tuple[Callable[[], Any], int]]]] = []
            base: dict[str, tuple[Callable[[], Any], int]] = {}
            try:
                import scipy  # noqa: F401

                if d <= 3:  # seconds per pair beyond (3 s at d = 8, 14 s at d = 32)
                    base["scipy shooting"] = (
                        lambda: [scipy_shooting_distance(m1[i], S1[i], m2[i], S2[i]) for i in range(2)],
                        2,
                    )
            except ImportError:
                pass
            if fisherrao is not None:
                kf = min(n, 200)
                base["fisherrao (CO x sqrt2)"] = (
                    lambda kf=kf: [fisherrao.calvo_oller_distance(m1[i], S1[i], m2[i], S2[i]) for i in range(kf)],
                    kf,
                )
            cases.append(("distance (shooting, tol 1e-12)", lambda: _mv.distance(m1, S1, m2, S2), n, base))
            sbase: dict[str, tuple[Callable[[], Any], int]] = {}
            if prd is not None:
                sbase["pyriemann distance_riemann"] = (lambda: prd.distance_riemann(S1, S2), n)
            sbase["numpy log(eigvalsh)"] = (
                lambda: np.sqrt(0.5 * np.sum(np.log(np.linalg.eigvalsh(_whiten(S1, S2))) ** 2, axis=-1)),
                n,
            )
            cases.append(("same-mean distance", lambda: _mv.same_mean_distance(S1, S2), n, sbase))
            cases.append(("bounds (Calvo-Oller, sqrt J)", lambda: _mv.bounds(m1, S1, m2, S2), n, {}))
            cases.append(("exp map", lambda: _mv.exp(m1, S1, 0.3 * m2, 0.1 * (S2 - S1)), n, {}))
            if d <= 8:
                cases.append(("transport", lambda: _mv.transport(m1, S1, m2, S2, 0.3 * m2, 0.1 * (S2 - S1)), n, {}))
            for name, fn, count, baselines in cases:
                ts = []
                for th in threads:
                    _core.set_num_threads(th)
                    ts.append(_best(fn, budget) / count * 1e6)
                _core.set_num_threads(1)
                parts = []
                bt = {}
                for bname, (bfn, bc) in baselines.items():
                    bt[bname] = _best(bfn, budget) / bc * 1e6
                    parts.append(f"{bname} {bt[bname]:,.2f} ({bt[bname] / ts[0]:,.1f}x)")
                print_fn(
                    f"{name:30s} {d:3d} {count:6d} " + " ".join(f"{t:9.3f}" for t in ts) + "   " + "; ".join(parts)
                )
                rows.append({"kernel": name, "d": d, "us_per_pair": dict(zip(threads, ts)), "baselines_us": bt})
    finally:
        _core.set_num_threads(all_threads)
    rows += _same_mean_section(print_fn, budget, rng)
    if accuracy:
        _accuracy(print_fn, prd)
    return rows


def _spd_mean_reference(C: np.ndarray, M: np.ndarray, iters: int = 40) -> np.ndarray:
    """Riemannian mean of SPD matrices by the fixed-point iteration (numpy eigh), run far past
    convergence from M: the reference of the accuracy columns."""

    def fn(X: np.ndarray, f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        ev, V = np.linalg.eigh(X)
        return (V * f(ev)[..., None, :]) @ np.swapaxes(V, -1, -2)

    for _ in range(iters):
        L = np.linalg.cholesky(M)
        Li = np.linalg.inv(L)
        G = fn(Li @ C @ Li.T, np.log).mean(axis=0)
        M = L @ fn(G, np.exp) @ L.T
    return M


def _cpu_best(fns: dict[str, Callable[[], Any]], budget: float, rounds: int = 15) -> dict[str, float]:
    """Minimum CPU time of the calling thread per function (seconds), rounds interleaved.  For
    one-thread comparisons: beds runs on the calling thread, and numpy's LAPACK calls on small
    matrices do too (set OPENBLAS_NUM_THREADS=1 for BLAS-heavy baselines)."""
    best = dict.fromkeys(fns, float("inf"))
    for fn in fns.values():
        fn()
    start = time.perf_counter()
    for i in range(rounds):
        for name, fn in fns.items():
            t0 = time.thread_time()
            fn()
            best[name] = min(best[name], time.thread_time() - t0)
        if i >= 2 and time.perf_counter() - start > budget * len(fns):
            break
    return best


def _pyriemann() -> tuple[Any, Any]:
    """pyRiemann's distance and mean modules (None, None when not installed)."""
    try:
        import pyriemann.geometry.distance as prd
        import pyriemann.geometry.mean as prm
    except Exception:  # noqa: BLE001
        try:
            import pyriemann.utils.distance as prd
            import pyriemann.utils.mean as prm
        except Exception:  # noqa: BLE001
            return None, None
    return prd, prm


def _same_mean_section(
    print_fn: Callable[[str], None], budget: float, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Same-mean distance and Karcher mean against pyRiemann: one thread, CPU time of the calling
    thread, minimum over interleaved rounds."""
    prd, prm = _pyriemann()
    rows: list[dict[str, Any]] = []
    all_threads = _core.get_num_threads()
    _core.set_num_threads(1)
    print_fn("")
    print_fn("MVNormal, beliefs with one mean (one thread, CPU time; closed-form affine-invariant paths)")
    header = f"{'kernel':34s} {'d':>3s} {'n':>6s} {'beds':>10s}   baseline (beds speed-up); accuracy"
    print_fn(header)
    print_fn("-" * (len(header) + 20))
    try:
        for d, n in ((3, 20000), (10, 2000)):
            S1, S2 = _spd(rng, n, d), _spd(rng, n, d)
            fns = {"beds": lambda: _mv.same_mean_distance(S1, S2)}
            if prd is not None:
                fns["pyriemann distance_riemann"] = lambda: prd.distance_riemann(S1, S2)
            t = {k: v / n * 1e6 for k, v in _cpu_best(fns, budget).items()}
            tb = t.pop("beds")
            txt = "; ".join(f"{k} {v:.3f} us ({v / tb:.2f}x)" for k, v in t.items())
            print_fn(f"{'same-mean distance (us/pair)':34s} {d:3d} {n:6d} {tb:10.3f}   {txt}")
            rows.append({"kernel": "same-mean distance", "d": d, "us_per_pair": {1: tb}, "baselines_us": t})
        for d, n in ((3, 10000), (10, 1000)):
            C = _spd(rng, n, d)
            m = np.broadcast_to(rng.standard_normal(d), (n, d))
            fns = {"beds": lambda: _mv.karcher_mean(m, C)}
            if prm is not None:
                fns["pyriemann mean_riemann"] = lambda: prm.mean_riemann(C)
            t = {k: v * 1e3 for k, v in _cpu_best(fns, budget, rounds=7).items()}
            tb = t.pop("beds")
            _, S = _mv.karcher_mean(m, C)
            ref = _spd_mean_reference(C, S.copy())
            err = {"beds": float(np.linalg.norm(S - ref) / np.linalg.norm(ref))}
            if prm is not None:
                P = prm.mean_riemann(C)
                err["pyriemann"] = float(np.linalg.norm(P - ref) / np.linalg.norm(ref))
            txt = "; ".join(f"{k} {v:.2f} ms ({v / tb:.2f}x)" for k, v in t.items())
            txt += "; relative error " + ", ".join(f"{k} {v:.1e}" for k, v in err.items())
            print_fn(f"{'Karcher mean (ms per set)':34s} {d:3d} {n:6d} {tb:10.2f}   {txt}")
            rows.append(
                {
                    "kernel": "karcher mean, one mean (ms)",
                    "d": d,
                    "us_per_pair": {1: tb},
                    "baselines_us": t,
                    "error": err,
                }
            )
    finally:
        _core.set_num_threads(all_threads)
    rows += _thread_split(print_fn, budget, rng)
    return rows


def _thread_split(print_fn: Callable[[str], None], budget: float, rng: np.random.Generator) -> list[dict[str, Any]]:
    """MVNormal distance and transport, 1 thread against 2 at small batches: wall-clock speed-up and
    the CPU time of each thread of the 2-thread run (/proc/self/task/*/schedstat; the split
    speed-up is total CPU / busiest thread, what two free cores give)."""
    import os

    from ._bench_timing import _best_time, _task_times

    linux = os.path.exists("/proc/self/task")
    all_threads = _core.get_num_threads()
    print_fn("")
    print_fn(f"MVNormal thread split: ms per call, 1 and 2 threads (load average {os.getloadavg()[0]:.1f})")
    header = (
        f"{'kernel':24s} {'d':>3s} {'n':>5s} {'1 thr':>8s} {'2 thr':>8s} {'wall x':>7s}   CPU ms per thread, split x"
    )
    print_fn(header)
    print_fn("-" * len(header))
    rows = []
    try:
        for d, n in ((3, 1000), (8, 100)):
            m1, m2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
            S1, S2 = _spd(rng, n, d), _spd(rng, n, d)
            y, C = rng.standard_normal((n, d)), S2 - S1
            for name, fn in (
                ("distance", lambda: _mv.distance(m1, S1, m2, S2)),
                ("transport", lambda: _mv.transport(m1, S1, m2, S2, y, C)),
            ):
                _core.set_num_threads(1)
                t1 = _best_time(fn, budget)
                _core.set_num_threads(2)
                t2 = _best_time(fn, budget)
                row: dict[str, Any] = {
                    "kernel": f"{name} thread split",
                    "d": d,
                    "n": n,
                    "t1_ms": t1 * 1e3,
                    "t2_ms": t2 * 1e3,
                }
                split = ""
                if linux:
                    calls = max(3, int(budget / max(t1, 1e-6)))
                    before = _task_times()
                    for _ in range(calls):
                        fn()
                    after = _task_times()
                    busy = sorted((after[k][0] - before[k][0] for k in after if k in before), reverse=True)
                    busy = [b for b in busy if b > 0.01 * busy[0]]
                    split = ", ".join(f"{b / calls / 1e6:.2f}" for b in busy) + f"; {sum(busy) / busy[0]:.2f}x"
                    row.update(
                        {"cpu_ms_per_thread": [b / calls / 1e6 for b in busy], "split_speedup": sum(busy) / busy[0]}
                    )
                print_fn(f"{name:24s} {d:3d} {n:5d} {t1 * 1e3:8.2f} {t2 * 1e3:8.2f} {t1 / t2:7.2f}   {split}")
                rows.append(row)
    finally:
        _core.set_num_threads(all_threads)
    return rows


def _whiten(S1: np.ndarray, S2: np.ndarray) -> np.ndarray:
    L = np.linalg.cholesky(S1)
    Y = np.linalg.solve(L, S2)
    return np.linalg.solve(L, np.swapaxes(Y, -1, -2))


def _accuracy(print_fn: Callable[[str], None], prd: Any) -> None:
    try:
        import mpmath as mp
    except ImportError:
        return
    rng = np.random.default_rng(5)
    print_fn("")
    print_fn("MVNormal same-mean distance, near pairs (relative perturbation 1e-10), max relative error vs mpmath:")
    for d in (3, 10):
        n = 20
        S1 = _spd(rng, n, d)
        E = rng.standard_normal((n, d, d))
        S2 = S1 + 1e-10 * (E + np.swapaxes(E, -1, -2)) * np.abs(S1).max(axis=(1, 2))[:, None, None]
        ref = []
        with mp.workdps(50):
            for a, b in zip(S1, S2):
                Li = mp.inverse(mp.cholesky(mp.matrix(a.tolist())))
                ev = mp.eigsy(Li * mp.matrix(b.tolist()) * Li.T, eigvals_only=True)
                ref.append(float(mp.sqrt(sum(mp.log(e) ** 2 for e in ev) / 2)))
        ref = np.array(ref)
        got = {
            "beds": _mv.same_mean_distance(S1, S2),
            "log(eigvalsh)": np.sqrt(0.5 * np.sum(np.log(np.linalg.eigvalsh(_whiten(S1, S2))) ** 2, axis=-1)),
        }
        if prd is not None:
            with np.errstate(all="ignore"):
                got["pyriemann/sqrt2"] = np.asarray(prd.distance_riemann(S1, S2)) / np.sqrt(2)
        cells = [f"{k} {np.max(np.abs(v - ref) / ref):.1e}" for k, v in got.items()]
        print_fn(f"  d = {d:2d}: " + "; ".join(cells))
    # general distance: beds vs the scipy shooting reference on the reference vector (docs: mathematics/mvnormal)
    S1 = np.array([[1, 0.2], [0.2, 0.5]])
    S2 = np.array([[0.6, -0.1], [-0.1, 1.4]])
    m2 = np.array([1.0, -1.0])
    exact = 1.80759522003692
    try:
        sc = scipy_shooting_distance(np.zeros(2), S1, m2, S2)
        sc_txt = f"scipy shooting {abs(sc - exact) / exact:.1e}"
    except ImportError:
        sc_txt = "scipy not installed"
    b = float(_mv.distance(np.zeros(2), S1, m2, S2))
    nl = float(_mv.distance_nielsen(np.zeros(2), S1, m2, S2, tol=1e-8))
    print_fn(
        f"reference vector (docs: mathematics/mvnormal), d_FR = 1.80759522003692: "
        f"beds {abs(b - exact) / exact:.1e}; {sc_txt}; "
        f"Nielsen approximation {abs(nl - exact) / exact:.1e}"
    )
