"""Thermodynamic diagnostics of a belief trajectory (docs page ``mathematics/thermo``).

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

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ._belief import Belief
from ._validation import as_real_array, check_domain

__all__ = [
    "BOLTZMANN",
    "Diagnostics",
    "coordinate_diagnostics",
    "excess_work_bound",
    "landauer_efficiency",
    "trajectory_diagnostics",
]

#: Boltzmann constant in J/K (exact, SI 2019).
BOLTZMANN = 1.380649e-23


class Diagnostics(NamedTuple):
    """Length L, action A = Dt int v^2 dt, efficiency L^2 / A, duration Dt and the segment lengths
    (arrays with the batch shape of the beliefs; ``segments`` has a leading axis of K segments)."""

    length: Any
    action: Any
    efficiency: Any
    duration: float
    segments: np.ndarray


def _times(times: Any, k: int) -> np.ndarray:
    t = as_real_array(times, "times").astype(np.float64)
    if t.ndim != 1 or t.shape[0] != k:
        raise ValueError(f"times must be a 1-d array with one time per point of the path ({k}), got shape {t.shape}")
    check_domain("times", t, "real")
    if k < 2:
        raise ValueError("a trajectory needs at least two points")
    if not (np.diff(t) > 0).all():
        raise ValueError("times must be strictly increasing")
    return t


def _summarise(seg: np.ndarray, t: np.ndarray) -> Diagnostics:
    dt = np.diff(t).reshape((-1,) + (1,) * (seg.ndim - 1))
    duration = float(t[-1] - t[0])
    length = seg.sum(axis=0)
    action = duration * (seg * seg / dt).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.where(action > 0, length * length / np.where(action > 0, action, 1.0), 1.0)
    return Diagnostics(length[()], action[()], eta[()], duration, seg)


def trajectory_diagnostics(path: Belief | Sequence[Belief], times: Any) -> Diagnostics:
    """Length, action and efficiency of belief trajectories (any family).

    ``path`` is a belief batch whose first batch axis is time (shape ``(K+1,) + batch``) or a
    sequence of K+1 belief batches of one family; ``times`` the K+1 increasing sample times.  Each
    trajectory of the batch gets its own diagnostics.  See the module docstring for the
    discretisation (exact for piecewise geodesic paths, O(h^2) otherwise).

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
        items = list(path)
        if not items or not all(isinstance(p, Belief) for p in items):
            raise TypeError("path must be a belief batch with a time axis or a sequence of beliefs")
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
        return _summarise(seg, t)
    t = _times(times, k)
    seg = np.asarray(a.distance(b), dtype=np.float64)
    return _summarise(seg, t)


def coordinate_diagnostics(theta: Any, times: Any, metric: Callable[[np.ndarray], np.ndarray]) -> Diagnostics:
    """Length, action and efficiency of a path given in coordinates: ``theta`` of shape
    ``(K+1, ..., n)``, ``metric(theta)`` returning ``(..., n, n)``.  Midpoint rule: segment k has
    velocity ``(theta_{k+1} - theta_k) / dt_k`` and metric at the coordinate midpoint, so the
    segment FR length is ``sqrt(dtheta^T G(mid) dtheta)`` (O(h^2) accurate, consistent under a
    change of coordinates to that order)."""
    th = as_real_array(theta, "theta").astype(np.float64)
    if th.ndim < 2:
        raise ValueError(f"theta must have shape (K+1, ..., n), got {th.shape}")
    check_domain("theta", th, "real")
    t = _times(times, th.shape[0])
    d = np.diff(th, axis=0)
    mid = 0.5 * (th[1:] + th[:-1])
    g = np.asarray(metric(mid), dtype=np.float64)
    if g.shape != mid.shape + (mid.shape[-1],):
        raise ValueError(f"metric(theta) must return shape {mid.shape + (mid.shape[-1],)}, got {g.shape}")
    sq = np.einsum("...i,...ij,...j->...", d, g, d)
    seg = np.sqrt(np.maximum(sq, 0.0))
    return _summarise(seg, t)


def excess_work_bound(length: Any, duration: float, relaxation_time: Any, temperature: float = 300.0) -> Any:
    """Sivak-Crooks lower bound on the excess work of a protocol of duration Dt (joules):
    ``W_ex >= k_B T tau_R L^2 / Dt`` (Sivak & Crooks 2012; tau_R the relaxation time, L the
    thermodynamic length)."""
    L = as_real_array(length, "length")
    check_domain("length", L, "nonnegative")
    tau = as_real_array(relaxation_time, "relaxation_time")
    check_domain("relaxation_time", tau, "nonnegative")
    if not (np.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be finite and > 0, got {duration!r}")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be finite and > 0, got {temperature!r}")
    return BOLTZMANN * temperature * tau * L * L / duration


def landauer_efficiency(information: Any, energy: Any, temperature: float = 300.0) -> Any:
    """Landauer efficiency ``k_B T * information / energy``: information gained in nats, energy
    spent in joules; 1 at the Landauer limit (k_B T per nat, k_B T ln 2 per bit)."""
    i = as_real_array(information, "information")
    check_domain("information", i, "real")
    e = as_real_array(energy, "energy")
    check_domain("energy", e, "positive")
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be finite and > 0, got {temperature!r}")
    return BOLTZMANN * temperature * i / e
