"""Benchmark section of ``python -m beds bench``: von Mises special functions and distances.

Rows:

* ``A'(kappa)``: ``beds.special.mean_resultant_derivative`` against scipy's ``i1e / i0e`` plus the
  naive ``1 - A/kappa - A^2`` (ns per element, and the relative error of both at kappa = 1e6);
* ``i0e``: against ``scipy.special.i0e``;
* ``distance``: ``beds.von_mises.distance`` per pair (kappa log-uniform in [1e-2, 1e3], angles
  uniform), one thread, against a scipy reference of the same distance on three fixed pairs:
  shooting with ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10) on the geodesic equations and
  ``scipy.optimize.root`` on the initial direction and length (what a user would write without
  beds).  The relative difference of the two distances is printed with the timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from . import special as _special
from . import von_mises as _vm


def _best(fn: Callable[[], Any], budget: float, min_repeat: int = 2) -> float:
    fn()
    best, start, i = float("inf"), time.perf_counter(), 0
    while True:
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        i += 1
        if i >= min_repeat and time.perf_counter() - start > budget:
            return best


def scipy_distance(mu1: float, k1: float, mu2: float, k2: float) -> float:
    """Fisher-Rao distance between two von Mises laws by geodesic shooting with scipy.

    Unknowns: the direction angle and the length of the initial velocity at point 1; residual: the
    end point of the geodesic ODE (Christoffel symbols of h dk^2 + f dmu^2, f = k A, h = A', with A
    from scipy's i1e / i0e) minus point 2.
    """
    from scipy.integrate import solve_ivp
    from scipy.optimize import root
    from scipy.special import i0e, i1e

    def fh(k: float) -> tuple[float, float, float, float]:
        a = i1e(k) / i0e(k)
        h = 1.0 - a / k - a * a
        fp = a + k * h  # f' = A + k A'
        hp = -h / k + a / (k * k) - 2.0 * a * h  # A'' = -A'/k + A/k^2 - 2 A A'
        return k * a, h, fp, hp

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        _, k, vm, vk = y
        f, h, fp, hp = fh(k)
        return [vm, vk, -(fp / f) * vm * vk, (fp * vm * vm - hp * vk * vk) / (2.0 * h)]

    dmu = float(np.remainder(mu2 - mu1 + np.pi, 2 * np.pi) - np.pi)

    def residual(x: np.ndarray) -> np.ndarray:
        theta, length = x
        f, h, _, _ = fh(k1)
        v0 = [np.sin(theta) / np.sqrt(f), np.cos(theta) / np.sqrt(h)]  # unit speed
        sol = solve_ivp(rhs, (0.0, length), [0.0, k1, *v0], method="DOP853", rtol=1e-10, atol=1e-12)
        return np.array([sol.y[0, -1] - dmu, np.log(abs(sol.y[1, -1]) / k2)])

    f1, h1, _, _ = fh(k1)
    guess_len = float(np.sqrt(f1 * dmu * dmu + h1 * (k2 - k1) ** 2))
    guess = [np.arctan2(np.sqrt(f1) * dmu, np.sqrt(h1) * (k2 - k1)), max(guess_len, 1e-3)]
    out = root(residual, guess, method="hybr", options={"xtol": 1e-12, "maxfev": 60})
    return float(out.x[1]) if out.success else float("nan")


def _pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return (
        rng.uniform(-np.pi, np.pi, n),
        10 ** rng.uniform(-2, 3, n),
        rng.uniform(-np.pi, np.pi, n),
        10 ** rng.uniform(-2, 3, n),
    )


def run(
    sizes: tuple[int, ...] = (10**3, 10**4),
    budget: float = 0.3,
    print_fn: Callable[[str], None] = print,
    scipy_sample: int = 3,
) -> list[dict[str, Any]]:
    """Prints the von Mises section and returns its rows."""
    rng = np.random.default_rng(11)
    rows: list[dict[str, Any]] = []
    all_threads = _core.get_num_threads()
    _core.set_num_threads(1)
    try:
        print_fn("")
        print_fn("von Mises (one thread)")
        header = f"{'kernel':36s} {'N':>8s} {'beds ns':>11s}   baselines"
        print_fn(header)
        print_fn("-" * len(header))
        k = np.geomspace(1e-3, 1e8, 10**6)
        t_ap = _best(lambda: _special.mean_resultant_derivative(k), budget) / k.size * 1e9
        t_i0 = _best(lambda: _special.i0e(k), budget) / k.size * 1e9
        try:
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
        except ImportError:
            print_fn(f"{'A(kappa) derivative':36s} {k.size:8d} {t_ap:11.1f}   (scipy not installed)")
        # the scipy reference on three fixed, well-conditioned pairs (its shooting is slow and can
        # stall on random ones: extreme concentrations, geodesics near the uniform law)
        fixed = np.array([(0.0, 1.0, 1.0, 2.0), (0.0, 2.0, 0.5, 5.0), (0.3, 3.0, 1.2, 1.5)])[: max(scipy_sample, 1)]
        sample = tuple(fixed[:, j] for j in range(4))
        scipy_sample = len(fixed)
        t_scipy = None
        try:
            import scipy  # noqa: F401

            t0 = time.perf_counter()
            ref = [scipy_distance(*(float(a[i]) for a in sample)) for i in range(scipy_sample)]
            t_scipy = (time.perf_counter() - t0) / scipy_sample
            ours = _vm.distance(*sample)[:scipy_sample]
            ok = np.isfinite(ref)
            diff = float(np.max(np.abs(np.asarray(ref)[ok] / ours[ok] - 1))) if ok.any() else float("nan")
        except ImportError:
            diff = float("nan")
        for n in sizes:
            args = _pairs(n, rng)
            t = _best(lambda: _vm.distance(*args), budget, min_repeat=1) / n
            _core.set_num_threads(2)  # the 2-thread time (the cost-aware loops split from 2 pairs)
            t2 = _best(lambda: _vm.distance(*args), budget, min_repeat=1) / n
            _core.set_num_threads(1)
            extra = f"2 threads {t2 * 1e9:.0f} ns ({t / t2:.2f}x); "
            if t_scipy is not None:
                extra += (
                    f"scipy shooting {t_scipy * 1e3:.0f} ms/pair ({t_scipy / t:,.0f}x; "
                    f"max rel. difference {diff:.1e} on {scipy_sample} pairs)"
                )
            print_fn(f"{'distance':36s} {n:8d} {t * 1e9:11.0f}   {extra}")
            rows.append(
                {
                    "kernel": "von_mises distance",
                    "n": n,
                    "beds_ns": t * 1e9,
                    "beds_2thr_ns": t2 * 1e9,
                    "scipy_ns": None if t_scipy is None else t_scipy * 1e9,
                }
            )
    finally:
        _core.set_num_threads(all_threads)
    return rows
