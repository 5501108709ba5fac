"""The BEDS dynamics section of ``python -m beds bench``: ``System.integrate`` on event streams
(events per second against numpy and scipy formulations of the same stream and a Python event loop)
and on dense streams (ns per belief-step against a numpy loop over steps and the event form), on
one thread."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _core
from ._bench_timing import _best_cpu_times, _best_time


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
    formulations of the same regular stream and a Python event loop, and of its dense form against
    the numpy loop."""
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
    out += _dense_rows(budget, print_fn, rng)
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


def np_integrate_rounds_reference(
    mean: np.ndarray,
    prec: np.ndarray,
    gamma: np.ndarray,
    ref: tuple[float, float],
    dt: float,
    values: np.ndarray,
    obs_prec: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numpy loop over steps of a regular stream with a Gaussian reference ``(mean, precision)``:
    ``tau <- a tau + (1 - a) tau_ref`` (the mean precision-weighted likewise) between the
    observations, and the information gained ``log1p(tau_D / tau-) / 2`` of each observation
    accumulated, as :meth:`beds.System.integrate` records it.  Returns the means, precisions and
    information gained (nats)."""
    mean, prec = mean.copy(), prec.copy()
    gained = np.zeros_like(mean)
    a = np.exp(-gamma * dt)
    w = (1.0 - a) * ref[1]
    wm = w * ref[0]
    tmp = np.empty_like(mean)
    for row in values:
        np.multiply(prec, a, out=prec)  # a tau
        np.multiply(prec, mean, out=mean)  # a tau mu
        mean += wm
        prec += w  # tau- = a tau + w
        mean /= prec  # mu- = (a tau mu + w mu_ref) / tau-
        np.divide(obs_prec, prec, out=tmp)
        np.log1p(tmp, out=tmp)
        tmp *= 0.5
        gained += tmp
        prec += obs_prec
        np.subtract(row, mean, out=tmp)
        tmp *= obs_prec
        tmp /= prec
        mean += tmp
    return mean, prec, gained


def _dense_rows(budget: float, print_fn: Callable[[str], None], rng: np.random.Generator) -> list[dict[str, Any]]:
    """The regular streams in dense form (``System.integrate(times, values=, precisions=)``: no
    arrays of event times and indices) against the numpy loop over steps that computes the same
    state (and, with a reference, the information gained) and against the event form of the same
    stream: per-thread CPU time, interleaved, best of repeats, in ns per belief-step."""
    from .dynamics import System

    out = []
    ref = (0.5, 2.0)
    for n, steps in ((1000, 1000), (100_000, 100)):
        dt, gamma, tau_d = 0.01, np.full(n, 0.5), 2.0
        values = rng.standard_normal((steps, n))
        step_times = dt * np.arange(1, steps + 1)
        times, index = np.repeat(step_times, n), np.tile(np.arange(n, dtype=np.int64), steps)
        m = steps * n
        for model in ("flat", "reference"):
            if model == "flat":
                s = System.normal(np.zeros(n), precision=np.ones(n), gamma=gamma)
                numpy_loop = lambda: np_integrate_rounds(np.zeros(n), np.ones(n), gamma, dt, values, tau_d)  # noqa: E731
            else:
                s = System.normal(np.zeros(n), precision=np.ones(n), gamma=gamma, reference=ref)
                numpy_loop = lambda: np_integrate_rounds_reference(  # noqa: E731
                    np.zeros(n), np.ones(n), gamma, ref, dt, values, tau_d
                )
            # check the three formulations agree before timing them
            fin, tr = s.integrate(step_times, values=values, precisions=tau_d)
            ev, _ = s.integrate(times, index, values.reshape(-1), tau_d)
            if not (np.array_equal(fin.mean, ev.mean) and np.array_equal(fin.precision, ev.precision)):
                raise RuntimeError("the dense and event forms of System.integrate disagree")
            got = numpy_loop()
            ok = np.allclose(fin.mean, got[0], rtol=1e-12, atol=1e-12) and np.allclose(
                fin.precision, got[1], rtol=1e-12
            )
            if model == "reference":
                ok = ok and np.allclose(tr.info_gained[-1], got[2], rtol=1e-12)
            if not ok:
                raise RuntimeError("numpy and beds integrations disagree")
            best = _best_cpu_times(
                {
                    "dense": lambda s=s: s.integrate(step_times, values=values, precisions=tau_d),
                    "numpy": numpy_loop,
                    "events": lambda s=s: s.integrate(times, index, values.reshape(-1), tau_d),
                },
                2 * budget,
            )
            ns = {k: v / m * 1e9 for k, v in best.items()}
            rate = m / best["dense"] / 1e6
            label = f"dense ({model}): n={n} x {steps} steps"
            print_fn(
                f"{label:44s} {m:9d} {rate:10.1f}   {ns['dense']:.2f} ns/belief-step; numpy loop {ns['numpy']:.2f} "
                f"({ns['numpy'] / ns['dense']:.1f}x); event form {ns['events']:.2f} "
                f"({ns['events'] / ns['dense']:.1f}x)  [CPU time]"
            )
            out.append(
                {
                    "kernel": f"integrate dense {model} n={n}",
                    "events": m,
                    "beds_mev_s": rate,
                    "numpy_mev_s": m / best["numpy"] / 1e6,
                    "event_form_mev_s": m / best["events"] / 1e6,
                    "ns_per_belief_step": ns["dense"],
                    "numpy_ns_per_belief_step": ns["numpy"],
                    "event_form_ns_per_belief_step": ns["events"],
                    "speedup_vs_numpy": ns["numpy"] / ns["dense"],
                    "speedup_vs_event_form": ns["events"] / ns["dense"],
                    "timer": "thread_time",
                }
            )
    return out
