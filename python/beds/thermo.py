"""Thermodynamic diagnostics of a belief trajectory (:doc:`/mathematics/thermo`).

For a path q(t), t in [t0, t0 + Dt], with FR speed ``v(t) = sqrt(thetadot^T G thetadot)``:

* thermodynamic length ``L = int v dt`` (Crooks, PRL 99, 100602, 2007);
* action (divergence) ``A = Dt int v^2 dt >= L^2`` (Cauchy-Schwarz), equality exactly for a
  constant-speed FR geodesic;
* efficiency ``eta = L^2 / A`` in (0, 1] (**our definition**, BEDS papers not public);
* Sivak-Crooks bound on the excess work of a slow protocol (Sivak & Crooks, PRL 108, 190602,
  2012): ``W_ex >= k_B T tau_R L^2 / Dt`` (not ``L^2 / (2 Dt)``);
* Landauer efficiency ``k_B T * (information gained, nats) / energy spent``.

Discretisation (:func:`trajectory_diagnostics`): a trajectory sampled at times t_0 < ... < t_K is
taken piecewise geodesic: ``L = sum_k d_k`` with ``d_k = d_FR(q_k, q_{k+1})`` (exact distances,
so the length of a sampled geodesic is exact and every result is invariant under any
reparametrisation of the family), and segment speeds ``d_k / dt_k``, so ``A = Dt sum_k d_k^2 /
dt_k``.  Then ``L^2 <= A`` holds exactly for the discrete sums too (Cauchy-Schwarz), with equality
iff the segment speeds are equal.  For a smooth path sampled with step h both are accurate to
O(h^2) (relative): the chord-arc defect of a segment is O(h^3) and the speed's midpoint error O(h^2).
:func:`coordinate_diagnostics` does the same from parameter coordinates and a metric function
(midpoint rule, O(h^2)), for paths given in arbitrary coordinates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ._belief import Belief
from ._validation import as_real_array, check_broadcast, check_domain, check_finite_result, real_scalar

__all__ = [
    "BOLTZMANN",
    "Diagnostics",
    "LandauerWarning",
    "coordinate_diagnostics",
    "excess_work_bound",
    "landauer_efficiency",
    "trajectory_diagnostics",
]

#: Boltzmann constant in J/K (exact, SI 2019).
BOLTZMANN = 1.380649e-23


class Diagnostics(NamedTuple):
    """Thermodynamic length, action and efficiency of belief trajectories.

    Returned by :func:`trajectory_diagnostics` and :func:`coordinate_diagnostics` (a named tuple).
    For a path with Fisher-Rao speed ``v(t)`` over a duration ``Dt``: ``L = int v dt`` (G. E. Crooks,
    PRL 99, 100602, 2007), ``A = Dt int v^2 dt >= L^2`` (Cauchy-Schwarz, equality exactly for a
    constant-speed geodesic) and the efficiency ``L^2 / A`` in (0, 1] (**our definition**).  See
    :doc:`/mathematics/thermo`.

    Parameters
    ----------
    length : numpy.ndarray or numpy.floating
        The thermodynamic length L (Fisher-Rao, >= 0), with the batch shape of the beliefs (a numpy
        scalar for a single trajectory).
    action : numpy.ndarray or numpy.floating
        The action ``A = Dt sum_k d_k^2 / dt_k``, same shape.
    efficiency : numpy.ndarray or numpy.floating
        ``L^2 / A`` in (0, 1]; 1 where the action is 0 (a path that does not move).
    duration : float
        ``Dt``, the last time minus the first.
    segments : numpy.ndarray
        The Fisher-Rao length of each of the K segments, shape ``(K,) + batch``.

    See Also
    --------
    excess_work_bound : The Sivak-Crooks bound from a length.

    Examples
    --------
    >>> import numpy as np, beds
    >>> d = beds.trajectory_diagnostics([beds.Normal(0.0, 1.0), beds.Normal(0.0, 2.0)], [0.0, 1.0])
    >>> d.segments.round(6), round(float(d.length ** 2 / d.action), 12)
    (array([0.980258]), 1.0)
    """

    length: Any
    action: Any
    efficiency: Any
    duration: float
    segments: np.ndarray


class LandauerWarning(UserWarning):
    """An energy below the Landauer limit: an efficiency above 1 (:func:`landauer_efficiency`).

    Energy spent cannot fall below ``k_B T`` per nat of information; a value above 1 usually comes
    from mixed units.

    Examples
    --------
    >>> import warnings, beds
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     _ = beds.landauer_efficiency(2.0, beds.energy.joules(1.0))
    >>> w[0].category.__name__
    'LandauerWarning'
    """


def _times(times: Any, k: int) -> np.ndarray:
    t = as_real_array(times, "times").astype(np.float64)
    if t.ndim != 1 or t.shape[0] != k:
        raise ValueError(f"times must be a 1-d array with one time per point of the path ({k}), got shape {t.shape}")
    check_domain("times", t, "real")
    if k < 2:
        raise ValueError("a trajectory needs at least two points")
    with np.errstate(over="ignore"):
        dt = np.diff(t)
        span = t[-1] - t[0]
    if not (dt > 0).all():
        raise ValueError("times must be strictly increasing")
    if not (np.isfinite(dt).all() and np.isfinite(span)):
        raise ValueError("times must span less than the largest float (their differences overflow)")
    return t


def _summarise(seg: np.ndarray, t: np.ndarray, what: str) -> Diagnostics:
    dt = np.diff(t).reshape((-1,) + (1,) * (seg.ndim - 1))
    duration = float(t[-1] - t[0])
    with np.errstate(over="ignore", invalid="ignore"):
        length = seg.sum(axis=0)
        action = duration * (seg * seg / dt).sum(axis=0)
    check_finite_result(what, (length, action), " (the length or the action exceeds the largest float)")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        a = np.where(action > 0, action, 1.0)
        eta = length * length / a
        # where L^2 overflows: (L / sqrt(A))^2
        eta = np.where(action > 0, np.where(np.isfinite(eta), eta, (length / np.sqrt(a)) ** 2), 1.0)
    eta = np.minimum(eta, 1.0)  # Cauchy-Schwarz: above 1 only by rounding
    return Diagnostics(length[()], action[()], eta[()], duration, seg)


def trajectory_diagnostics(path: Belief | Sequence[Belief], times: Any) -> Diagnostics:
    """Compute the thermodynamic length, action and efficiency of belief trajectories (any family).

    A trajectory sampled at times ``t_0 < ... < t_K`` is taken piecewise geodesic: the length is
    ``L = sum_k d_k`` with ``d_k = d_FR(q_k, q_{k+1})`` (exact distances, so the length of a sampled
    geodesic is exact and every result is invariant under a reparametrisation of the family), the
    segment speeds are ``d_k / dt_k`` and the action ``A = Dt sum_k d_k^2 / dt_k``.  ``L^2 <= A``
    then holds exactly for the sums too (Cauchy-Schwarz), with equality iff the segment speeds are
    equal; for a smooth path sampled with step h both are accurate to O(h^2).  G. E. Crooks, PRL
    99, 100602 (2007); :doc:`/mathematics/thermo`.

    Parameters
    ----------
    path : Belief or sequence of Belief
        A belief batch whose first batch axis is time (batch shape ``(K+1,) + batch``), or a
        sequence of K+1 belief batches of one family whose batch shapes broadcast (each trajectory
        of the batch gets its own diagnostics).  K >= 1.
    times : array_like
        The K+1 sample times, one-dimensional, finite and strictly increasing.

    Returns
    -------
    Diagnostics
        Length, action, efficiency, duration and segment lengths (float64), with the batch shape
        of the beliefs.

    Raises
    ------
    ValueError
        If the path has fewer than two points (or is a single belief without a time axis),
        ``times`` does not have one finite time per point or is not strictly increasing, or the
        batches of a sequence do not broadcast.
    TypeError
        If ``path`` is neither a belief batch nor a sequence of beliefs, or mixes families.

    See Also
    --------
    coordinate_diagnostics : The same from coordinates and a metric.
    beds.geodesic : Points of the path of efficiency 1.

    Examples
    --------
    >>> import numpy as np, beds
    >>> p, q = beds.Normal(0.0, 1.0), beds.Normal(3.0, 2.0)
    >>> t = np.linspace(0, 1, 11)
    >>> d = beds.trajectory_diagnostics(beds.geodesic(p, q, t), t)
    >>> round(float(d.length), 9), round(float(d.efficiency), 12)
    (2.136237115, 1.0)
    """
    if isinstance(path, Belief):
        if path.ndim == 0:
            raise ValueError("path needs a leading time axis (batch shape (K+1, ...)), got a single belief")
        a, b = path[:-1], path[1:]
        k = path.batch_shape[0]
    else:
        try:
            items = list(path)
        except TypeError:
            items = None
        if not items or not all(isinstance(p, Belief) for p in items):
            raise TypeError(
                f"path must be a belief batch with a time axis or a sequence of beliefs, got {type(path).__name__}"
            )
        k = len(items)
        if k < 2:
            raise ValueError("a trajectory needs at least two points")
        t = _times(times, k)
        first = items[0]
        if all(type(p) is type(first) and all(a.shape == b.shape for a, b in zip(p._p, first._p)) for p in items):
            # one batch with a time axis: a single vectorized distance call
            path = type(first)._trusted(*(np.stack([p._p[j] for p in items]) for j in range(len(first.params))))
            seg = np.asarray(path[:-1].distance(path[1:]), dtype=np.float64)
        else:  # batches that broadcast against each other
            seg = np.stack([np.asarray(items[i].distance(items[i + 1])) for i in range(k - 1)])
        return _summarise(seg, t, "trajectory_diagnostics")
    t = _times(times, k)
    seg = np.asarray(a.distance(b), dtype=np.float64)
    return _summarise(seg, t, "trajectory_diagnostics")


def coordinate_diagnostics(theta: Any, times: Any, metric: Callable[[np.ndarray], np.ndarray]) -> Diagnostics:
    """Compute the length, action and efficiency of a path given in coordinates with its metric.

    For paths in arbitrary coordinates (not a family of beds): segment k has velocity ``(theta_{k+1}
    - theta_k) / dt_k`` and the metric at the coordinate midpoint, so its Fisher-Rao length is
    ``sqrt(dtheta^T G(mid) dtheta)`` (midpoint rule: O(h^2) accurate, and consistent under a change
    of coordinates to that order); length, action and efficiency follow as in
    :func:`trajectory_diagnostics`.  See :doc:`/mathematics/thermo`.

    Parameters
    ----------
    theta : array_like
        The coordinates, shape ``(K+1, ..., n)`` (a leading time axis, any batch axes, n
        coordinates), finite; converted to float64.
    times : array_like
        The K+1 sample times, one-dimensional, finite and strictly increasing.
    metric : callable
        ``metric(theta_mid)`` takes midpoints of shape ``(K, ..., n)`` and returns the metric
        matrices, shape ``(K, ..., n, n)``: finite, real, positive semi-definite along the path
        (a quadratic form ``dtheta^T G dtheta`` below ``-1e-12`` times ``sum |dtheta_i G_ij
        dtheta_j|`` is an error; smaller negative values, from rounding, are taken as 0).

    Returns
    -------
    Diagnostics
        Length, action, efficiency, duration and segment lengths, with the batch shape ``...``.

    Raises
    ------
    ValueError
        If ``theta`` has fewer than two axes or is not finite, ``times`` does not have one finite
        time per point (at least two) or is not strictly increasing, ``metric`` returns another
        shape, a value that is not finite or a negative quadratic form (the message names
        ``metric(theta)`` and the segment), or the length or action overflows.
    TypeError
        If ``theta`` or ``times`` does not hold real numbers, ``metric`` is not callable, or what
        it returns does not hold real numbers.

    See Also
    --------
    trajectory_diagnostics : Exact distances for beliefs of a beds family.

    Examples
    --------
    >>> import numpy as np, beds
    >>> t = np.linspace(0.0, 1.0, 5)
    >>> theta = np.stack([t, np.ones(5)], axis=-1)  # the mean moves at unit speed, sigma = 1
    >>> normal_metric = lambda th: np.eye(2) * np.array([1.0, 2.0]) / th[..., 1, None, None] ** 2
    >>> d = beds.coordinate_diagnostics(theta, t, normal_metric)
    >>> float(d.length), float(d.efficiency)
    (1.0, 1.0)
    """
    th = as_real_array(theta, "theta").astype(np.float64)
    if th.ndim < 2 or th.shape[0] < 2 or th.shape[-1] == 0:
        raise ValueError(f"theta must have shape (K+1, ..., n) with K >= 1 and n >= 1, got {th.shape}")
    check_domain("theta", th, "real")
    if not callable(metric):
        raise TypeError(f"metric must be a callable returning the metric matrices, got {type(metric).__name__}")
    t = _times(times, th.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(th, axis=0)
        mid = 0.5 * th[1:] + 0.5 * th[:-1]
    check_finite_result("coordinate_diagnostics", d, " (theta's steps exceed the largest float)")
    what = "metric(theta)"
    g = as_real_array(metric(mid), what).astype(np.float64, copy=False)
    if g.shape != mid.shape + (mid.shape[-1],):
        raise ValueError(f"{what} must return shape {mid.shape + (mid.shape[-1],)}, got {g.shape}")
    check_domain(what, g, "real")
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.einsum("...i,...ij,...j->...", d, g, d)
        size = np.einsum("...i,...ij,...j->...", np.abs(d), np.abs(g), np.abs(d))
    check_finite_result("coordinate_diagnostics", sq, " (dtheta^T G dtheta exceeds the largest float)")
    bad = sq < -1e-12 * size
    if bad.any():
        k = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{what} must return positive semi-definite matrices; the quadratic form dtheta^T G dtheta is "
            f"{sq[k].item()!r} at segment {k}"
        )
    seg = np.sqrt(np.maximum(sq, 0.0))
    return _summarise(seg, t, "coordinate_diagnostics")


def excess_work_bound(length: Any, duration: float, relaxation_time: Any, temperature: float = 300.0) -> Any:
    """Compute the Sivak-Crooks lower bound ``k_B T tau_R L^2 / Dt`` on the excess work of a protocol.

    A slow protocol of thermodynamic length L and duration Dt dissipates at least ``W_ex >= k_B T
    tau_R L^2 / Dt`` (tau_R the relaxation time), with the length in the Fisher metric without the
    factor 1/4 (hence not ``L^2 / (2 Dt)``).  D. A. Sivak and G. E. Crooks, PRL 108, 190602 (2012);
    :doc:`/mathematics/thermo`.

    Parameters
    ----------
    length : array_like
        The thermodynamic length L, >= 0 and finite.
    duration : float
        The duration Dt, a positive finite scalar.
    relaxation_time : array_like
        The relaxation time tau_R, >= 0 and finite; broadcasts with ``length``.
    temperature : float, optional
        The temperature in kelvins, a positive finite scalar (default 300).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The bounds in joules, with the broadcast shape; float32 when ``length`` and
        ``relaxation_time`` are float32 (numpy promotion), float64 otherwise.

    Raises
    ------
    ValueError
        If ``length`` or ``relaxation_time`` is negative or not finite, ``duration`` or
        ``temperature`` is not a positive finite scalar, the shapes do not broadcast, or the
        bound overflows the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    trajectory_diagnostics : The length of a belief trajectory.

    Examples
    --------
    >>> import beds
    >>> float(beds.excess_work_bound(2.0, 10.0, 0.5))  # k_B T * 0.5 * 4 / 10 at 300 K
    8.283894e-22
    """
    L = as_real_array(length, "length")
    check_domain("length", L, "nonnegative")
    tau = as_real_array(relaxation_time, "relaxation_time")
    check_domain("relaxation_time", tau, "nonnegative")
    dur = real_scalar(duration, "duration", "positive")
    temp = real_scalar(temperature, "temperature", "positive")
    check_broadcast("excess_work_bound", length=L, relaxation_time=tau)
    with np.errstate(over="ignore", invalid="ignore"):
        w = (BOLTZMANN * temp) * tau * (L / dur) * L
    check_finite_result("excess_work_bound", w, " (length^2 relaxation_time / duration is too large)")
    return w


def landauer_efficiency(information: Any, energy: Any, temperature: float = 300.0) -> Any:
    """Compute the Landauer efficiency ``k_B T * information / energy``.

    The ratio of the information gained (nats) to the energy spent, in units of the Landauer limit
    ``k_B T`` per nat (``k_B T ln 2`` per bit): 1 at the limit, below 1 otherwise (negative for a
    negative information).  A value above 1 means an energy below the Landauer limit, which no
    process reaches: usually a unit error (bits for nats, kJ for J, a wrong temperature).  The
    values are still returned, with a :class:`~beds.LandauerWarning`.  R. Landauer, IBM J. Res.
    Dev. 5 (1961); :doc:`/mathematics/thermo`.

    Parameters
    ----------
    information : array_like
        The information gained in nats, finite.
    energy : array_like
        The energy spent in joules, > 0 and finite; broadcasts with ``information``.
    temperature : float, optional
        The temperature in kelvins, a positive finite scalar (default 300).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The efficiencies (dimensionless), with the broadcast shape (numpy promotion of the input
        dtypes).

    Raises
    ------
    ValueError
        If ``information`` is not finite, ``energy`` is not > 0 and finite, ``temperature`` is not
        a positive finite scalar, the shapes do not broadcast, or an efficiency overflows the float
        range.
    TypeError
        If an argument does not hold real numbers.

    Warns
    -----
    LandauerWarning
        When an efficiency exceeds 1 (by more than rounding: ``1 + 1e-12``).

    See Also
    --------
    beds.energy.joules : The Landauer energy of an amount of information.

    Examples
    --------
    >>> import beds
    >>> float(beds.landauer_efficiency(1.0, beds.energy.joules(2.0)))  # half the limit
    0.5
    """
    i = as_real_array(information, "information")
    check_domain("information", i, "real")
    e = as_real_array(energy, "energy")
    check_domain("energy", e, "positive")
    temp = real_scalar(temperature, "temperature", "positive")
    check_broadcast("landauer_efficiency", information=i, energy=e)
    kt = BOLTZMANN * temp
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        eff = kt * i / e
        # an intermediate product may overflow or underflow where the result does not
        eff = np.where(np.isfinite(eff), eff, (kt / e) * i)
        eff = np.where(np.isfinite(eff), eff, kt * (i / e))
    check_finite_result("landauer_efficiency", eff, " (information / energy is too large)")
    above = eff > 1.0 + 1e-12
    if np.any(above):
        n = int(np.count_nonzero(above))
        warnings.warn(
            f"landauer_efficiency: {n} value(s) above 1 (largest {float(np.max(eff)):.6g}): the energy is below the "
            "Landauer limit k_B T per nat; check the units (nats, joules, kelvins)",
            LandauerWarning,
            stacklevel=2,
        )
    return eff
