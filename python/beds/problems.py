"""BEDS problem classes: attainable, maintainable, crystallizable (:doc:`/mathematics/problems`).

A problem P = (Theta, flux, target, accuracy delta).  Given a simulated :class:`~beds.Trajectory`
and a target, :func:`classify` decides, belief by belief and on the simulated horizon, which class
the trajectory demonstrates, with the quantities behind the verdict:

* **attainable**: the divergence to the target reaches ``delta`` (the finite-horizon stand-in for
  "divergence -> 0") with finite total energy (``time_attained``, ``total_energy``);
* **maintainable**: from some ``T0`` on, the divergence stays below ``delta`` at every recorded
  time, for at least a fraction ``hold`` of the horizon, with bounded power (``time_maintained``
  = T0, ``sup_power`` over [T0, end]);
* **crystallizable**: at a finite T the uncertainty is below ``eps`` and the mean error below
  ``delta``, *and* the crystallized belief (its mean output, halted from T on;
  :doc:`/mathematics/dynamics`) stays within ``delta`` of the target until the end of the
  horizon, which must leave at least a fraction ``hold`` of the horizon after T
  (``time_crystallized``).
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

This module is longer than the project's 500-line guideline because it holds the problem classes,
the canonical examples and the tracking-conjecture check, each documented with its method; about 380
of its lines are code, the rest documentation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_real_array, check_domain, int_scalar, real_scalar
from .dynamics import System, Trajectory

__all__ = [
    "MAX_EVENTS",
    "Verdict",
    "classify",
    "drifting_target_example",
    "stationary_target_example",
    "tracking_required_rate",
    "tracking_scan",
]


@dataclass(frozen=True)
class Verdict:
    """The verdict of :func:`classify`: which problem classes a simulated trajectory demonstrates.

    Belief by belief, on the simulated horizon, with the quantities behind each verdict (see the
    module docstring and :doc:`/mathematics/problems`).  A frozen dataclass.  Every array has the
    batch shape of the trajectory, except ``times`` and ``divergence``, which have a leading axis over
    the ``k`` recorded times; a time is NaN where its event does not happen.

    Parameters
    ----------
    attainable : numpy.ndarray
        Boolean: the divergence reaches ``delta`` with finite total energy.
    maintainable : numpy.ndarray
        Boolean: from some T0 on, the divergence stays <= ``delta`` at every recorded time, for at
        least a fraction ``hold`` of the horizon.
    crystallizable : numpy.ndarray
        Boolean: at some T the uncertainty is below ``eps`` and the error below ``delta``, and the
        halted mean stays within ``delta`` of the target to the end (at least ``hold`` of the
        horizon after T).
    times : numpy.ndarray
        The record times, shape ``(k,)``.
    divergence : numpy.ndarray
        The score of each belief against the target at each record, shape ``(k,) + batch``.
    total_energy : numpy.ndarray
        The energy at the last record (joules): Landauer, or ``E_obs`` times the observation count.
    sup_power : numpy.ndarray
        The largest power (energy increment over record spacing) after T0; 0 where there is no
        such record.
    time_attained : numpy.ndarray
        The first record time where the divergence is <= ``delta`` (NaN if none).
    time_maintained : numpy.ndarray
        T0 where maintainable (NaN otherwise).
    time_crystallized : numpy.ndarray
        The first crystallization time that passes the test (NaN if none).

    See Also
    --------
    classify : What computes it.

    Examples
    --------
    >>> from beds import problems
    >>> _, v = problems.stationary_target_example()
    >>> v.times.shape, v.divergence.shape, bool(v.crystallizable.all()), float(v.time_crystallized[0])
    ((201,), (201, 16), True, 7.0)
    """

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
    """Classify the problem that a simulated trajectory solves: attainable, maintainable, crystallizable.

    **[BEDS]** A problem ``P = (Theta, flux, target, delta)`` is attainable when the divergence to
    the target tends to 0 with finite energy, maintainable when it stays below ``delta`` from some
    T0 on with bounded power, crystallizable when at a finite T the uncertainty is below ``eps``
    and the mean within ``delta``.  On a finite simulated horizon this function decides, belief by
    belief (**our finite-horizon reading**, see the module docstring and
    :doc:`/mathematics/problems`):

    * attainable: ``divergence <= delta`` at some record, and the final energy is finite;
    * maintainable: ``divergence <= delta`` at every record from T0 to the end, with ``end - T0 >=
      hold * horizon``, and the power after T0 finite;
    * crystallizable: at a record T with ``end - T >= hold * horizon``, the uncertainty is below
      ``eps`` and the error (the distance of the mean to the target, angular for von Mises)
      below ``delta``, and the mean frozen at T stays within ``delta`` of the target at every later
      record (strictly below for point targets, ``<=`` in the chosen score for a target
      distribution).

    The divergence to a point target theta* is the Wasserstein-2 distance ``sqrt(|mean - theta*|^2 +
    tr Var)`` (``score="w2"``) or ``|mean - theta*| + tr Var`` (``"mean_var"``) (**ours**: the
    paper's KL to a point is infinite); for von Mises beliefs the angular error and the circular
    variance replace them.  A ``beds.Normal`` target is scored by ``KL(q || target)`` (``"kl"``) or
    the Gaussian W2 distance ``sqrt(dmu^2 + (sigma - sigma*)^2)`` (``"w2"``).  L. Caraffa, arXiv
    2601.02329 (2026), section on problem classes.

    Parameters
    ----------
    trajectory : Trajectory
        A trajectory from :meth:`beds.System.integrate` with at least two records (any kind; a
        target distribution needs kind ``"normal"``).
    target : float, array_like, callable or beds.Normal
        A fixed theta* (broadcasting to the means, e.g. ``(d,)`` for several coordinates), a
        callable ``theta*(times)`` returning shape ``(k,)`` or ``(k,) + batch`` (plus the event
        axes) for a drifting target, or a ``beds.Normal`` target distribution.  Finite.
    delta : float
        The accuracy, a positive finite number (a bool counts as a number).
    eps : float
        The crystallization threshold on the uncertainty (the variance; trace, largest eigenvalue
        or determinant of the covariance by ``rule``; the circular variance for von Mises), a
        positive finite number.  It need not be the system's own ``eps``.
    score : str, optional
        ``"w2"`` (default) or ``"mean_var"`` for a point target, ``"kl"`` or ``"w2"`` for a target
        distribution.
    rule : {"trace", "max_eig", "det"}, optional
        The uncertainty of the kinds with several coordinates.
    hold : float, optional
        The fraction of the horizon in (0, 1] that maintenance and the halted output must last
        (default 0.5).
    energy_per_observation : array_like, optional
        When given (>= 0, finite), the energy is ``E_obs`` times the observation count
        (:meth:`beds.Trajectory.operational_energy`); by default the Landauer energy
        :attr:`beds.Trajectory.energy`.

    Returns
    -------
    Verdict
        The three verdicts with their times, the divergences, the total energy and the supremum of
        the power.

    Raises
    ------
    TypeError
        If ``trajectory`` is not a :class:`~beds.Trajectory`, ``target`` does not hold real numbers,
        ``delta``, ``eps`` or ``hold`` is not a real number (a bool counts as one), or a target
        distribution is given for a kind other than ``"normal"``.
    ValueError
        If ``delta``, ``eps`` or ``hold`` is not a positive finite number, ``hold > 1``, ``rule`` or
        ``score`` is unknown (``"kl"`` for a point target included), the trajectory has fewer than
        two records, the target is not finite or does not broadcast to the means, or
        ``energy_per_observation`` is negative or not finite.

    See Also
    --------
    stationary_target_example, drifting_target_example : The canonical examples.

    Examples
    --------
    >>> import numpy as np, beds
    >>> from beds import problems
    >>> rng = np.random.default_rng(0)
    >>> s = beds.System.normal(np.zeros(3), var=1.0, gamma=0.5)
    >>> times = np.repeat(np.arange(1, 201) / 10.0, 3)  # every belief observes 10 times per unit
    >>> index = np.tile(np.arange(3), 200)
    >>> values = 1.0 + 0.3 * rng.standard_normal(600)
    >>> _, tr = s.integrate(times, index, values, 1 / 0.09, record=np.linspace(0.0, 20.0, 41))
    >>> v = problems.classify(tr, 1.0, delta=0.3, eps=0.05)
    >>> v.attainable, v.crystallizable, v.time_crystallized
    (array([ True,  True,  True]), array([ True,  True,  True]), array([0.5, 0.5, 0.5]))
    """
    import beds

    if not isinstance(trajectory, Trajectory):
        raise TypeError(f"trajectory must be a beds.Trajectory, got {type(trajectory).__name__}")
    # (a bool counts as a number, as before)
    delta, eps, hold = (
        float(v) if isinstance(v, bool) else real_scalar(v, name, "positive")
        for name, v in (("delta", delta), ("eps", eps), ("hold", hold))
    )
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
#: the largest number of observation events one simulation of this module may build (its event
#: arrays take about 40 bytes per event at their peak): a bound on the memory and time of a call
MAX_EVENTS = 20_000_000


def _stream_steps(n: int, rate: float, horizon: float, what: str) -> int:
    """The number of observation times of a periodic stream, or a ValueError when the stream of ``n``
    beliefs would exceed :data:`MAX_EVENTS` events (``what`` says which arguments set it)."""
    with np.errstate(over="ignore"):
        steps = math.floor(horizon * rate + 1e-9) if math.isfinite(horizon * rate) else math.inf
    if steps * n > MAX_EVENTS:
        raise ValueError(
            f"the simulation would need {float(steps) * n:.3g} observation events (n={n} beliefs, {float(steps):.3g} "
            f"observation times), more than the bound of {MAX_EVENTS:g}; {what}"
        )
    return int(steps)


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
    steps = _stream_steps(n, rate, horizon, "reduce rate, horizon or n")
    t = t0 + np.arange(1, steps + 1) / rate
    times = np.repeat(t, n)
    index = np.tile(np.arange(n, dtype=np.int64), steps)
    values = target(times) + rng.standard_normal(times.shape) / math.sqrt(obs_precision)
    return times, index, values


def _example_args(gamma: Any, obs_precision: Any, rate: Any, horizon: Any, n: Any, seed: Any) -> tuple:
    """The validated common arguments of the canonical examples."""
    gamma = real_scalar(gamma, "gamma", "positive")
    obs_precision = real_scalar(obs_precision, "obs_precision", "positive")
    rate = real_scalar(rate, "rate", "positive")
    horizon = real_scalar(horizon, "horizon", "positive")
    n = int_scalar(n, "n", 1, MAX_EVENTS)
    seed = int_scalar(seed, "seed", 0)
    _stream_steps(n, rate, horizon, "reduce rate, horizon or n")
    return gamma, obs_precision, rate, horizon, n, seed


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
    """Run canonical example 1: a fixed target observed with noise, which is crystallizable.

    ``n`` scalar Gaussian beliefs (mean 0, variance 10, rate ``gamma``, threshold ``eps``) observe
    ``theta + N(0, 1 / obs_precision)`` ``rate`` times per unit time for ``horizon``.  A belief
    settles at the steady precision ``tau* = tau_D / (1 - e^(-gamma / rate))`` (variance about
    ``gamma / (rate tau_D)``, 0.005 < ``eps`` with the defaults) around theta: **crystallizable**,
    hence attainable and maintainable.  See :doc:`/mathematics/problems`.

    Parameters
    ----------
    theta : float, optional
        The target.
    gamma : float, optional
        The dissipation rate (> 0).
    obs_precision : float, optional
        The precision of each observation (> 0).
    rate : float, optional
        Observations per unit time (> 0), at times ``(j + 1) / rate``.
    horizon : float, optional
        The simulated duration, recorded at 201 equally spaced times.
    n : int, optional
        The number of beliefs (independent runs).
    delta : float, optional
        The accuracy of :func:`classify`.
    eps : float, optional
        The crystallization threshold (of the system and of :func:`classify`).
    seed : int, optional
        The seed of ``np.random.default_rng`` for the observation noise.

    Returns
    -------
    trajectory : Trajectory
        The recorded trajectory, batch shape ``(n,)``.
    verdict : Verdict
        Its classification.

    Raises
    ------
    ValueError
        If ``theta`` is not finite, ``gamma``, ``obs_precision``, ``rate`` or ``horizon`` is not
        a positive finite number, ``n`` or ``seed`` is out of range, the stream would exceed
        :data:`MAX_EVENTS` observation events (``n`` times ``rate * horizon``), or ``delta`` or
        ``eps`` is not a positive finite number.
    TypeError
        If an argument is not a real number (``n`` and ``seed``: not an integer).

    See Also
    --------
    drifting_target_example : The counterexample.

    Examples
    --------
    >>> from beds import problems
    >>> tr, v = problems.stationary_target_example()
    >>> tr.mean.shape, bool(v.attainable.all()), bool(v.maintainable.all()), bool(v.crystallizable.all())
    ((201, 16), True, True, True)
    """
    theta = real_scalar(theta, "theta")
    gamma, obs_precision, rate, horizon, n, seed = _example_args(gamma, obs_precision, rate, horizon, n, seed)
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
    """Run canonical example 2: a target drifting at constant speed, maintainable but never crystallizable.

    The target moves as ``theta*(t) = speed t``.  ``n`` strongly dissipating scalar Gaussian beliefs
    (rate ``gamma``) observe it with noise ``rate`` times per unit time and track it with a lag of
    about ``speed / gamma`` and a bounded power: **maintainable**.  Their variance drops below
    ``eps``, but a crystallized (halted) output drifts away from the target at the target's speed:
    **never crystallizable**.  See :doc:`/mathematics/problems`.

    Parameters
    ----------
    speed : float, optional
        The speed v of the target.
    gamma : float, optional
        The dissipation rate (> 0).
    obs_precision : float, optional
        The precision of each observation (> 0).
    rate : float, optional
        Observations per unit time (> 0).
    horizon : float, optional
        The simulated duration, recorded at 401 equally spaced times.
    n : int, optional
        The number of beliefs.
    delta : float, optional
        The accuracy of :func:`classify`.
    eps : float, optional
        The crystallization threshold.
    seed : int, optional
        The seed of the observation noise.

    Returns
    -------
    trajectory : Trajectory
        The recorded trajectory, batch shape ``(n,)``.
    verdict : Verdict
        Its classification.

    Raises
    ------
    ValueError
        If ``speed`` is not finite, ``gamma``, ``obs_precision``, ``rate`` or ``horizon`` is not
        a positive finite number, ``n`` or ``seed`` is out of range, the stream would exceed
        :data:`MAX_EVENTS` observation events (``n`` times ``rate * horizon``), or ``delta`` or
        ``eps`` is not a positive finite number.
    TypeError
        If an argument is not a real number (``n`` and ``seed``: not an integer).

    See Also
    --------
    stationary_target_example : The crystallizable case.

    Examples
    --------
    >>> from beds import problems
    >>> _, v = problems.drifting_target_example(0.5)
    >>> bool(v.maintainable.all()), bool(v.crystallizable.any())
    (True, False)
    """
    speed = real_scalar(speed, "speed")
    gamma, obs_precision, rate, horizon, n, seed = _example_args(gamma, obs_precision, rate, horizon, n, seed)
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
    _stream_steps(
        n,
        rate,
        burn + span,
        f"the rate {rate:.6g} needed (about 16 rate / gamma observations per belief) is too high: reduce n",
    )
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
    """Find the smallest observation rate with which a dissipating belief tracks a moving target.

    The belief (rate ``gamma``) observes ``theta*(t) = speed t`` with noise of precision tau_D at a
    periodic rate lambda; the required rate is the smallest lambda for which the simulated
    steady-state mean squared error of the belief's mean against the target is at most ``1 /
    tau*`` (the belief is calibrated: its actual error meets tau*, not only its own variance).
    Found by bisection in log lambda on simulations of ``n`` beliefs with common random numbers,
    to a relative ``rtol``: at most about 40 simulations, each of ``16 n lambda / gamma``
    observation events, bounded by :data:`MAX_EVENTS`.  See :doc:`/mathematics/problems`.

    Parameters
    ----------
    gamma : float
        The dissipation rate, > 0 and finite.
    target_precision : float
        The precision tau* to reach, > 0 and finite.
    speed : float
        The speed v of the target, finite (0: a static target; the sign does not matter).
    obs_precision : float, optional
        The precision tau_D of each observation, > 0 and finite.
    n : int, optional
        The number of simulated beliefs (more: less noise in the error estimate), >= 1.
    seed : int, optional
        The seed of the common random numbers, >= 0.
    rtol : float, optional
        The relative accuracy of the rate, in ``[1e-10, 1]`` (finer than the simulation noise is
        pointless; below the rounding level the bisection could not end).

    Returns
    -------
    float
        The rate lambda (observations per unit time); ``inf`` when no rate suffices: when the lag
        ``|speed| / gamma`` alone exceeds the accuracy, or above ``1e7 gamma``.

    Raises
    ------
    ValueError
        If an argument is outside its domain, or a simulation of the search would exceed
        :data:`MAX_EVENTS` observation events (a rate far above ``gamma tau* / tau_D``, when the
        lag comes close to the accuracy, or a large ``n``).
    TypeError
        If an argument is not a real number (``n`` and ``seed``: not an integer).

    See Also
    --------
    tracking_scan : Fits of the power law over grids.
    beds.energy.observation_rate : The mean-field estimate ``gamma tau* / tau_D``.

    Examples
    --------
    >>> from beds import problems
    >>> round(problems.tracking_required_rate(1.0, 10.0, 0.0, n=50), 3)  # about gamma tau* / (2 tau_D)
    4.893
    >>> problems.tracking_required_rate(1.0, 10.0, 1.0)  # the lag v / gamma = 1 > 1 / sqrt(10)
    inf
    """
    gamma = real_scalar(gamma, "gamma", "positive")
    target_precision = real_scalar(target_precision, "target_precision", "positive")
    speed = abs(real_scalar(speed, "speed"))
    obs_precision = real_scalar(obs_precision, "obs_precision", "positive")
    n = int_scalar(n, "n", 1, MAX_EVENTS)
    seed = int_scalar(seed, "seed", 0)
    rtol = real_scalar(rtol, "rtol", "positive")
    if not 1e-10 <= rtol <= 1.0:
        raise ValueError(f"rtol must lie in [1e-10, 1], got {rtol!r}")
    target_mse = 1.0 / target_precision
    if speed > 0 and speed / gamma >= math.sqrt(target_mse):  # (Python floats: inf, no exception)
        return math.inf
    lo = gamma * target_precision / obs_precision / 8.0
    hi = lo * 16.0
    if not (lo > 0 and math.isfinite(hi)):
        raise ValueError(
            f"gamma * target_precision / obs_precision = {gamma * target_precision / obs_precision!r} is outside the "
            "range a simulation can search (the rates start at an eighth of it)"
        )
    while _tracking_mse(gamma, hi, speed, obs_precision, n, seed) > target_mse:
        lo, hi = hi, hi * 4.0
        if hi > 1e7 * gamma:
            return math.inf
    while _tracking_mse(gamma, lo, speed, obs_precision, n, seed) <= target_mse and lo > 1e-6:
        lo /= 4.0
    while hi / lo > 1 + rtol:
        mid = math.sqrt(lo) * math.sqrt(hi)
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
    """Check the tracking conjecture ``P ~ gamma tau* + v^2 tau*`` by simulation.

    The power is ``P = lambda E_obs`` with lambda from :func:`tracking_required_rate`.  Two least
    squares fits of ``log P``: for a static target (v = 0) over ``gammas`` x ``precisions``, the
    exponents of gamma and tau* (the mean-field prediction is 1 and 1, ``P = gamma tau* E_obs / (2
    tau_D)`` for a periodic filter whose error is the noise variance ``alpha / ((2 - alpha)
    tau_D)``); for a moving target over ``speeds`` x ``precisions``, with gamma chosen on a log grid
    of ``gamma_grid`` values above ``v sqrt(tau*)`` to minimize P, the exponents of v and tau*.  The
    measured exponents (:doc:`/mathematics/problems`) confirm the static part and refute the
    ``v^2 tau*`` term: the cheapest tracking costs about ``v tau*^(3/2)``.

    Parameters
    ----------
    gammas : array_like, optional
        The dissipation rates of the static fit (> 0), a one-dimensional grid of at least two
        values (the fits need two or more).
    precisions : array_like, optional
        The target precisions tau* (> 0), likewise.
    speeds : array_like, optional
        The target speeds of the moving fit (> 0), likewise.
    obs_precision : float, optional
        The precision of each observation, > 0.
    energy_per_observation : float, optional
        E_obs, a factor of every power, > 0.
    n : int, optional
        The number of simulated beliefs per rate, >= 1.
    gamma_grid : int, optional
        The number of rates tried per (v, tau*) in the moving fit, in ``[1, 1000]``.
    seed : int, optional
        The seed of the common random numbers, >= 0.

    Returns
    -------
    dict
        ``"gammas"``, ``"precisions"``, ``"speeds"`` (the grids as float arrays); ``"static_power"``
        (shape ``(len(gammas), len(precisions))``), ``"moving_power"`` and ``"best_gamma"`` (shape
        ``(len(speeds), len(precisions))``); ``"static_exponents"`` (``{"gamma", "tau"}``),
        ``"moving_exponents"`` (``{"speed", "tau"}``) and ``"best_gamma_exponents"`` (``{"speed",
        "tau"}``), floats.

    Raises
    ------
    ValueError
        If a grid is not one-dimensional with at least two values, all positive and finite,
        ``obs_precision`` or ``energy_per_observation`` is not a positive finite number, ``n``,
        ``gamma_grid`` (at most 1000) or ``seed`` is out of range, or a simulation would exceed
        :data:`MAX_EVENTS` observation events (:func:`tracking_required_rate`).
    TypeError
        If a grid does not hold real numbers, or an integer argument is not an integer.

    See Also
    --------
    tracking_required_rate : One point of the scan.

    Examples
    --------
    >>> from beds import problems
    >>> r = problems.tracking_scan((1.0, 2.0), (10.0, 20.0), (0.1, 0.2), n=50, gamma_grid=3)
    >>> round(r["static_exponents"]["gamma"], 6), r["moving_power"].shape
    (1.0, (2, 2))
    """
    gammas = as_real_array(gammas, "gammas").astype(float)
    precisions = as_real_array(precisions, "precisions").astype(float)
    speeds = as_real_array(speeds, "speeds").astype(float)
    for name, a in (("gammas", gammas), ("precisions", precisions), ("speeds", speeds)):
        if a.ndim != 1 or a.size < 2:
            raise ValueError(f"{name} must be a one-dimensional grid of at least two values, got shape {a.shape}")
        check_domain(name, a, "positive")
    obs_precision = real_scalar(obs_precision, "obs_precision", "positive")
    energy_per_observation = real_scalar(energy_per_observation, "energy_per_observation", "positive")
    n = int_scalar(n, "n", 1, MAX_EVENTS)
    gamma_grid = int_scalar(gamma_grid, "gamma_grid", 1, 1000)
    seed = int_scalar(seed, "seed", 0)
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
