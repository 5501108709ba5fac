"""BEDS problem classes: attainable, maintainable, crystallizable (docs page ``mathematics/problems``).

A problem P = (Theta, flux, target, accuracy delta).  Given a simulated :class:`~beds.Trajectory`
and a target, :func:`classify` decides, belief by belief and on the simulated horizon, which class
the trajectory demonstrates, with the quantities behind the verdict:

* **attainable**: the divergence to the target reaches ``delta`` (the finite-horizon stand-in for
  "divergence -> 0") with finite total energy (``time_attained``, ``total_energy``);
* **maintainable**: from some ``T0`` on, the divergence stays below ``delta`` at every recorded
  time, for at least a fraction ``hold`` of the horizon, with bounded power (``time_maintained``
  = T0, ``sup_power`` over [T0, end]);
* **crystallizable**: at a finite T the uncertainty is below ``eps`` and the mean error below
  ``delta``, *and* the crystallized belief (its mean output, halted from T on; docs page ``mathematics/dynamics``)
  stays within ``delta`` of the target until the end of the horizon, which must leave at least a
  fraction ``hold`` of the horizon after T (``time_crystallized``).
  Without this last condition any target reached once would count; with it, a drifting target
  theta*(t) = v t is never crystallizable (a halted output drifts away), although it is
  maintainable.  Crystallizable implies attainable, not conversely.

Divergences.  A point target theta* has no density, so the paper's KL(q || delta_theta*) is
infinite for every belief: beds scores point targets with the Wasserstein-2 distance
``W2(q, delta_theta*) = sqrt(|mean - theta*|^2 + tr Var)`` (``score="w2"``, default) or
``|mean - theta*| + tr Var`` (``score="mean_var"``); for von Mises beliefs the angular error
replaces ``|mean - theta*|`` and the circular variance ``1 - A(kappa)`` the variance.  A target
distribution (``beds.Normal``) is scored by ``KL(q || pi*)`` (``score="kl"``) or by the
Gaussian W2 distance ``sqrt(dmu^2 + (sigma - sigma*)^2)`` (``score="w2"``).

The canonical examples (:func:`stationary_target_example`, :func:`drifting_target_example`) and
the simulation check of the tracking conjecture (:func:`tracking_required_rate`,
:func:`tracking_scan`) are built on :meth:`beds.System.integrate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_real_array, check_domain
from .dynamics import System, Trajectory

__all__ = [
    "Verdict",
    "classify",
    "drifting_target_example",
    "stationary_target_example",
    "tracking_required_rate",
    "tracking_scan",
]


@dataclass(frozen=True)
class Verdict:
    """Outcome of :func:`classify`; every array has the batch shape of the trajectory (times and
    divergence have a leading axis over the recorded times).  Times are NaN where the event does
    not happen."""

    attainable: np.ndarray
    maintainable: np.ndarray
    crystallizable: np.ndarray
    times: np.ndarray
    divergence: np.ndarray
    total_energy: np.ndarray
    sup_power: np.ndarray
    time_attained: np.ndarray
    time_maintained: np.ndarray
    time_crystallized: np.ndarray


def _first_true(mask: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Time of the first True along axis 0 (NaN if none)."""
    any_ = mask.any(axis=0)
    j = np.argmax(mask, axis=0)
    return np.where(any_, times[j], np.nan)


def _point_error(traj: Trajectory, theta: np.ndarray) -> np.ndarray:
    """|mean - theta*| (Euclidean over coordinates; angular for von Mises), shape (k,) + batch."""
    if traj.kind == "von_mises":
        d = np.angle(np.exp(1j * (traj.mean - theta)))
        return np.abs(d)
    diff = traj.mean - theta
    if traj.kind in ("diag_normal", "mvnormal"):
        return np.sqrt((diff * diff).sum(-1))
    return np.abs(diff)


def _total_var(traj: Trajectory) -> np.ndarray:
    v = traj.variance()
    if traj.kind == "diag_normal":
        return v.sum(-1)
    if traj.kind == "mvnormal":
        return np.trace(v, axis1=-2, axis2=-1)
    return v


def _uncertainty(traj: Trajectory, rule: str) -> np.ndarray:
    v = traj.variance()
    if traj.kind == "diag_normal":
        return {"trace": v.sum(-1), "max_eig": v.max(-1), "det": v.prod(-1)}[rule]
    if traj.kind == "mvnormal":
        ev = np.linalg.eigvalsh(v)
        return {"trace": ev.sum(-1), "max_eig": ev.max(-1), "det": ev.prod(-1)}[rule]
    return v


def _target_values(target: Any, times: np.ndarray, traj: Trajectory) -> np.ndarray:
    """theta*(t) at the record times, broadcast against the trajectory means."""
    k = times.shape[0]
    if callable(target):
        th = as_real_array(target(times), "target(times)").astype(np.float64)
        # a leading time axis: (k,) or (k,) + batch (+ event)
        th = th.reshape((k,) + (1,) * (traj.mean.ndim - 1)) if th.ndim == 1 else th
    else:
        th = as_real_array(target, "target").astype(np.float64)
        th = th[None]
    check_domain("target", th, "real")
    try:
        np.broadcast_shapes(th.shape, traj.mean.shape)
    except ValueError:
        raise ValueError(
            f"target of shape {th.shape[1:]} does not broadcast to the beliefs {traj.mean.shape[1:]}"
        ) from None
    return th


def _divergence_to_distribution(
    traj: Trajectory, target: Any, score: str, mean: np.ndarray | None = None, var: np.ndarray | None = None
) -> np.ndarray:
    from . import normal as _normal

    if traj.kind != "normal":
        raise TypeError("a target distribution (beds.Normal) needs a trajectory of scalar normal beliefs")
    m = traj.mean if mean is None else mean
    v = traj.variance() if var is None else var
    s = np.sqrt(v)
    if score == "kl":
        return _normal.kl(m, s, np.asarray(target.mean), np.asarray(target.std))
    return np.sqrt((m - target.mean) ** 2 + (s - target.std) ** 2)


def classify(
    trajectory: Trajectory,
    target: Any,
    *,
    delta: float,
    eps: float,
    score: str = "w2",
    rule: str = "trace",
    hold: float = 0.5,
    energy_per_observation: Any = None,
) -> Verdict:
    """Classifies the problem that a simulated trajectory solves (see the module docstring).

    ``target``: a fixed theta* (number or array broadcasting to the event shape), a callable
    ``theta*(times)`` returning shape ``(k,)`` or ``(k,) + batch (+ event)`` for a drifting target, or
    a ``beds.Normal`` target distribution.  ``delta``: accuracy; ``eps``: crystallization threshold
    on the uncertainty (variance; trace / largest eigenvalue / determinant of the covariance by
    ``rule``; circular variance for von Mises).  Energy: the Landauer energy of the trajectory
    (``trajectory.energy``) or, with ``energy_per_observation``, ``E_obs`` times the observation
    count.  Power: energy increments divided by the record spacing.
    """
    import beds

    if not isinstance(trajectory, Trajectory):
        raise TypeError(f"trajectory must be a beds.Trajectory, got {type(trajectory).__name__}")
    for name, val in (("delta", delta), ("eps", eps), ("hold", hold)):
        if not (isinstance(val, int | float | np.floating | np.integer) and math.isfinite(val) and val > 0):
            raise ValueError(f"{name} must be a positive number, got {val!r}")
    if hold > 1:
        raise ValueError(f"hold must be in (0, 1], got {hold!r}")
    if rule not in ("trace", "max_eig", "det"):
        raise ValueError(f"rule must be 'trace', 'max_eig' or 'det', got {rule!r}")
    tr = trajectory
    times = tr.times
    k = times.shape[0]
    if k < 2:
        raise ValueError("the trajectory needs at least two recorded times")
    is_dist = isinstance(target, beds.Normal)
    if is_dist:
        if score not in ("kl", "w2"):
            raise ValueError(f"score must be 'kl' or 'w2' for a target distribution, got {score!r}")
        div = _divergence_to_distribution(tr, target, score)
        err = np.abs(tr.mean - target.mean)
    else:
        if score not in ("w2", "mean_var"):
            raise ValueError(
                f"score must be 'w2' or 'mean_var' for a point target (KL to a point is infinite), got {score!r}"
            )
        theta = _target_values(target, times, tr)
        err = _point_error(tr, theta)
        tv = _total_var(tr)
        div = np.sqrt(err * err + tv) if score == "w2" else err + tv
    # energy and power
    if energy_per_observation is None:
        energy = tr.energy
    else:
        energy = tr.operational_energy(energy_per_observation)
    dt = np.diff(times).reshape((-1,) + (1,) * (energy.ndim - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        power = np.where(dt > 0, np.diff(energy, axis=0) / np.where(dt > 0, dt, 1.0), 0.0)
    ok = div <= delta
    # attainable
    time_attained = _first_true(ok, times)
    attainable = np.isfinite(time_attained) & np.isfinite(energy[-1])
    # maintainable: the last index from which ok holds to the end
    suffix_ok = np.flip(np.logical_and.accumulate(np.flip(ok, axis=0), axis=0), axis=0)
    t0 = _first_true(suffix_ok, times)
    horizon = times[-1] - times[0]
    maintainable = np.isfinite(t0) & (times[-1] - np.where(np.isfinite(t0), t0, times[-1]) >= hold * horizon)
    start = np.where(np.isfinite(t0), t0, times[0])
    in_window = times[1:].reshape((-1,) + (1,) * (energy.ndim - 1)) > start
    sup_power = np.where(in_window, power, -np.inf).max(axis=0)
    sup_power = np.where(np.isfinite(sup_power), sup_power, 0.0)
    maintainable = maintainable & np.isfinite(sup_power)
    # crystallizable: uncertainty < eps and error < delta at T, and the halted output stays close
    unc = _uncertainty(tr, rule) if not (is_dist and tr.kind != "normal") else None
    # (a crystallization must leave at least a fraction `hold` of the horizon to check the output)
    early = (times[-1] - times >= hold * horizon).reshape((-1,) + (1,) * (err.ndim - 1))
    cand = (unc < eps) & (err < delta) & early
    tcr = np.full(cand.shape[1:], np.nan)
    crystallizable = np.zeros(cand.shape[1:], dtype=bool)
    if cand.any():
        # for each belief, try the candidate times in order; the halted output at T must stay within
        # delta of the target for every later record
        for j in range(k):
            todo = cand[j] & ~crystallizable
            if not todo.any():
                continue
            if is_dist:
                m_fixed = np.broadcast_to(tr.mean[j], tr.mean[j:].shape)
                v_fixed = np.broadcast_to(tr.variance()[j], tr.mean[j:].shape)
                later = _divergence_to_distribution(tr, target, score, m_fixed, v_fixed) <= delta
            else:
                fixed = Trajectory(
                    tr.kind,
                    times[j:],
                    np.broadcast_to(tr.mean[j], tr.mean[j:].shape),
                    tr.precision[j:],
                    tr.entropy[j:],
                    None,
                    None,
                    tr.observations[j:],
                    tr.temperature,
                )
                later = _point_error(fixed, theta[j:] if theta.shape[0] == k else theta) < delta
            stays = later.all(axis=0)
            good = todo & stays
            crystallizable |= good
            tcr = np.where(good & np.isnan(tcr), times[j], tcr)
    return Verdict(
        attainable=attainable,
        maintainable=maintainable,
        crystallizable=crystallizable,
        times=times,
        divergence=div,
        total_energy=energy[-1],
        sup_power=sup_power,
        time_attained=time_attained,
        time_maintained=np.where(maintainable, t0, np.nan),
        time_crystallized=tcr,
    )


# ============================================================================ canonical examples
def _periodic_stream(
    n: int,
    rate: float,
    horizon: float,
    target: Callable[[np.ndarray], np.ndarray],
    obs_precision: float,
    rng: np.random.Generator,
    t0: float = 0.0,
) -> tuple[np.ndarray, ...]:
    """Every belief observes target(t) + N(0, 1/obs_precision) at t = t0 + (j + 1)/rate."""
    steps = int(math.floor(horizon * rate + 1e-9))
    t = t0 + np.arange(1, steps + 1) / rate
    times = np.repeat(t, n)
    index = np.tile(np.arange(n, dtype=np.int64), steps)
    values = target(times) + rng.standard_normal(times.shape) / math.sqrt(obs_precision)
    return times, index, values


def stationary_target_example(
    theta: float = 1.0,
    *,
    gamma: float = 0.1,
    obs_precision: float = 1.0,
    rate: float = 20.0,
    horizon: float = 50.0,
    n: int = 16,
    delta: float = 0.3,
    eps: float = 0.01,
    seed: int = 0,
) -> tuple[Trajectory, Verdict]:
    """Canonical example 1: a fixed target theta* observed with noise.  The belief settles at the
    steady precision ``tau* = tau_D / (1 - e^(-gamma / rate))`` (variance about gamma / (rate tau_D),
    here 0.005 < eps) around theta*: **crystallizable** (hence attainable and maintainable)."""
    rng = np.random.default_rng(seed)
    sys_ = System.normal(np.zeros(n), var=np.full(n, 10.0), gamma=gamma, eps=eps)
    times, index, values = _periodic_stream(n, rate, horizon, lambda t: np.full_like(t, theta), obs_precision, rng)
    rec = np.linspace(0.0, horizon, 201)
    _, traj = sys_.integrate(times, index, values, obs_precision, record=rec)
    return traj, classify(traj, theta, delta=delta, eps=eps)


def drifting_target_example(
    speed: float = 0.5,
    *,
    gamma: float = 5.0,
    obs_precision: float = 1.0,
    rate: float = 200.0,
    horizon: float = 20.0,
    n: int = 16,
    delta: float = 0.6,
    eps: float = 0.05,
    seed: int = 0,
) -> tuple[Trajectory, Verdict]:
    """Canonical example 2: a target drifting at constant speed, theta*(t) = speed t.  A strongly
    dissipating belief (gamma large) tracks it with a lag of about speed / gamma and a bounded
    power: **maintainable**.  Its variance drops below eps, but a crystallized (halted) output
    drifts away from the target at the target's speed: **never crystallizable**."""
    rng = np.random.default_rng(seed)
    sys_ = System.normal(np.zeros(n), var=np.full(n, 1.0), gamma=gamma, eps=eps)
    target = lambda t: speed * t  # noqa: E731
    times, index, values = _periodic_stream(n, rate, horizon, target, obs_precision, rng)
    rec = np.linspace(0.0, horizon, 401)
    _, traj = sys_.integrate(times, index, values, obs_precision, record=rec)
    return traj, classify(traj, target, delta=delta, eps=eps)


# ============================================================================ tracking conjecture
def _tracking_mse(gamma: float, rate: float, speed: float, obs_precision: float, n: int, seed: int) -> float:
    """Simulated steady-state mean squared error of the belief mean against theta*(t) = speed t."""
    rng = np.random.default_rng(seed)
    alpha = -math.expm1(-gamma / rate)
    burn, span = 8.0 / gamma, 8.0 / gamma
    # start at the steady-state precision, the mean at the steady lag
    lag = speed / rate * (1 - alpha) / alpha
    sys_ = System.normal(np.full(n, -lag), precision=np.full(n, obs_precision / alpha), gamma=gamma)
    times, index, values = _periodic_stream(n, rate, burn + span, lambda t: speed * t, obs_precision, rng)
    rec = np.sort(burn + span * rng.random(64))
    _, traj = sys_.integrate(times, index, values, obs_precision, record=rec)
    return float(np.mean((traj.mean - speed * rec[:, None]) ** 2))


def tracking_required_rate(
    gamma: float,
    target_precision: float,
    speed: float,
    *,
    obs_precision: float = 1.0,
    n: int = 200,
    seed: int = 0,
    rtol: float = 0.01,
) -> float:
    """Smallest periodic observation rate lambda (observations of precision tau_D per unit time) for
    which a belief dissipating at ``gamma`` tracks theta*(t) = speed t with a simulated steady-state
    mean squared error <= 1 / tau* (the belief is calibrated: its actual error, not its own
    variance, meets tau*).  Bisection in log lambda on simulations with common random numbers.
    Returns inf when no rate suffices (the lag speed / gamma alone exceeds the accuracy)."""
    target_mse = 1.0 / target_precision
    if speed > 0 and (speed / gamma) ** 2 >= target_mse:
        return math.inf
    lo = gamma * target_precision / obs_precision / 8.0
    hi = lo * 16.0
    while _tracking_mse(gamma, hi, speed, obs_precision, n, seed) > target_mse:
        lo, hi = hi, hi * 4.0
        if hi > 1e7 * gamma:
            return math.inf
    while _tracking_mse(gamma, lo, speed, obs_precision, n, seed) <= target_mse and lo > 1e-6:
        lo /= 4.0
    while hi / lo > 1 + rtol:
        mid = math.sqrt(lo * hi)
        if _tracking_mse(gamma, mid, speed, obs_precision, n, seed) <= target_mse:
            hi = mid
        else:
            lo = mid
    return hi


def _fit(logs: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    a = np.column_stack(logs + [np.ones_like(y)])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return coef[:-1]


def tracking_scan(
    gammas: Any = (0.5, 1.0, 2.0),
    precisions: Any = (10.0, 20.0, 40.0),
    speeds: Any = (0.1, 0.2, 0.4),
    *,
    obs_precision: float = 1.0,
    energy_per_observation: float = 1.0,
    n: int = 200,
    gamma_grid: int = 9,
    seed: int = 0,
) -> dict[str, Any]:
    """Simulation check of the tracking conjecture ``P ~ gamma tau* + v^2 tau*`` (docs page ``mathematics/problems``).

    Power ``P = lambda E_obs`` with lambda from :func:`tracking_required_rate`.  Two fits of
    ``log P`` by least squares:

    * static target (v = 0), over ``gammas`` x ``precisions``: exponents of gamma and tau*
      (the mean-field prediction is 1 and 1, ``P = gamma tau* E_obs / (2 tau_D)`` for a periodic
      filter whose error is the noise variance ``alpha / ((2 - alpha) tau_D)``);
    * moving target, over ``speeds`` x ``precisions``, with gamma chosen (on a log grid of
      ``gamma_grid`` values) to minimize P: exponents of v and tau*.

    Returns the grids, the powers and the fitted exponents.
    """
    gammas = np.asarray(gammas, dtype=float)
    precisions = np.asarray(precisions, dtype=float)
    speeds = np.asarray(speeds, dtype=float)
    for name, a in (("gammas", gammas), ("precisions", precisions), ("speeds", speeds)):
        check_domain(name, a, "positive")
    static = (
        np.array(
            [
                [tracking_required_rate(g, ts, 0.0, obs_precision=obs_precision, n=n, seed=seed) for ts in precisions]
                for g in gammas
            ]
        )
        * energy_per_observation
    )
    gg, tt = np.meshgrid(gammas, precisions, indexing="ij")
    e_static = _fit([np.log(gg).ravel(), np.log(tt).ravel()], np.log(static).ravel())
    moving = np.empty((speeds.size, precisions.size))
    best_gamma = np.empty_like(moving)
    for i, v in enumerate(speeds):
        for j, ts in enumerate(precisions):
            # the lag v / gamma must stay below the accuracy: gamma > v sqrt(tau*)
            g_min = v * math.sqrt(ts)
            grid = g_min * np.geomspace(1.1, 8.0, gamma_grid)
            p = [tracking_required_rate(g, ts, v, obs_precision=obs_precision, n=n, seed=seed) for g in grid]
            b = int(np.argmin(p))
            moving[i, j] = p[b] * energy_per_observation
            best_gamma[i, j] = grid[b]
    vv, tt2 = np.meshgrid(speeds, precisions, indexing="ij")
    e_moving = _fit([np.log(vv).ravel(), np.log(tt2).ravel()], np.log(moving).ravel())
    e_gamma = _fit([np.log(vv).ravel(), np.log(tt2).ravel()], np.log(best_gamma).ravel())
    return {
        "gammas": gammas,
        "precisions": precisions,
        "speeds": speeds,
        "static_power": static,
        "moving_power": moving,
        "best_gamma": best_gamma,
        "static_exponents": {"gamma": float(e_static[0]), "tau": float(e_static[1])},
        "moving_exponents": {"speed": float(e_moving[0]), "tau": float(e_moving[1])},
        "best_gamma_exponents": {"speed": float(e_gamma[0]), "tau": float(e_gamma[1])},
    }
