"""Energy accounting of BEDS beliefs (the paper's errors corrected; :doc:`/mathematics/energy`).

Units: information in nats, energy in joules, temperature in kelvins (default 300 K), time in the
unit of the rates (``gamma`` per unit time, observation rates ``lambda`` per unit time, so powers
are joules per unit time).  ``k_B = 1.380649e-23 J/K`` exactly; at 300 K, ``k_B T`` =
4.141947e-21 J per nat (Landauer: ``k_B T ln 2`` per bit).

* Landauer floor: the entropy of ``N(mu, 1/tau)`` is ``1/2 ln(2 pi e) - 1/2 ln tau``; under
  ``dtau/dt = -gamma tau`` it rises at ``gamma / 2`` nats per unit time whatever tau, so holding any
  steady state costs at least ``P_min = gamma k_B T / 2`` per independently dissipating coordinate
  (exact).  Under additive diffusion ``d(sigma^2)/dt = q`` the entropy rises at ``q tau / 2``.
* One Gaussian observation of precision tau_D brings ``1/2 ln(1 + tau_D / tau)`` nats.
* Mean-field balance ``dtau/dt = -gamma tau + lambda tau_D``: the steady state tau* needs the
  observation rate ``lambda = gamma tau* / tau_D``, and with a fixed energy per observation the
  power ``P = (gamma tau* / tau_D) E_obs``, proportional to gamma tau* ("halving the uncertainty
  quadruples the power" is about the standard deviation: tau* ~ 1/sigma^2).
* With the rate capped at lambda_max, the observation precision needed is
  ``tau_D = gamma tau* / lambda_max``.

Reference: L. Caraffa, BEDS: a formal framework for continuous inference under energy constraints,
arXiv 2601.02329 (2026), section on energy; :doc:`/mathematics/energy`.

This module is longer than the project's 500-line guideline because it holds every energy formula
carries its derivation and reference in its docstring; about 100 of its lines are code, the rest
documentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_real_array, check_broadcast, check_domain, check_finite_result, real_scalar

__all__ = [
    "BOLTZMANN",
    "ROOM_TEMPERATURE",
    "additive_entropy_rate",
    "information_per_observation",
    "joules",
    "landauer_power",
    "maintenance_power",
    "observation_rate",
    "operational_power",
    "optimal_observation_precision",
    "paper_eq19_power",
]

#: Boltzmann constant in J/K (exact, SI 2019).
BOLTZMANN = 1.380649e-23
#: Default temperature in kelvins.
ROOM_TEMPERATURE = 300.0


def _arr(x: Any, name: str, domain: str) -> np.ndarray:
    a = as_real_array(x, name).astype(np.float64, copy=False)
    check_domain(name, a, domain)
    return a


def _temperature(temperature: Any) -> float:
    return real_scalar(temperature, "temperature", "positive")


def _out(x: np.ndarray, what: str = "", hint: str = "") -> Any:
    """The result (a numpy scalar for 0-d), or a ValueError when it overflowed the float range."""
    if what:
        check_finite_result(what, x, hint)
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a * b / c`` without an intermediate overflow or underflow where the result is finite."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = a * b / c
        r = np.where(np.isfinite(r) & (r != 0), r, a * (b / c))
        r = np.where(np.isfinite(r) & (r != 0), r, (a / c) * b)
    return r


def joules(nats: Any, temperature: Any = ROOM_TEMPERATURE) -> Any:
    """Convert information in nats to the Landauer energy ``k_B T * nats`` in joules.

    Landauer's principle: erasing one nat of information at temperature T costs at least
    ``k_B T`` (``k_B T ln 2`` per bit), with ``k_B = 1.380649e-23 J/K`` exactly (SI 2019); at 300 K
    ``k_B T = 4.141947e-21`` J.  R. Landauer, IBM J. Res. Dev. 5 (1961); :doc:`/mathematics/energy`.

    Parameters
    ----------
    nats : array_like
        Information in nats, finite (negative values give negative energies).
    temperature : float, optional
        The temperature in kelvins, a positive finite Python or numpy scalar (default 300).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The energies in joules, float64, the shape of ``nats`` (a numpy scalar for a scalar).

    Raises
    ------
    ValueError
        If ``nats`` is not finite, or ``temperature`` is not positive and finite (or is a string
        that is not a number).
    TypeError
        If ``nats`` does not hold real numbers, or ``temperature`` is not a scalar (an array of
        temperatures is not accepted).

    See Also
    --------
    landauer_power : The power of the Landauer floor of dissipation.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.joules(1.0))  # k_B T at 300 K
    4.141947e-21
    >>> f"{energy.joules(0.6931471805599453, temperature=1.0):.6e}"  # one bit at 1 K: k_B ln 2
    '9.569930e-24'
    """
    kt = BOLTZMANN * _temperature(temperature)
    n = _arr(nats, "nats", "real")
    with np.errstate(over="ignore"):
        return _out(kt * n, "joules", " (nats times k_B T exceeds the largest float)")


def landauer_power(gamma: Any, temperature: Any = ROOM_TEMPERATURE, coordinates: Any = 1) -> Any:
    """Compute the Landauer floor ``gamma k_B T / 2`` of the power that holds a dissipating belief.

    The entropy of a Gaussian belief ``N(mu, 1/tau)`` is ``1/2 ln(2 pi e) - 1/2 ln tau``; under
    ``dtau/dt = -gamma tau`` it rises at ``gamma / 2`` nats per unit time whatever tau, so holding any
    steady state costs at least ``P_min = gamma k_B T / 2`` per independently dissipating
    coordinate (exact).  See :doc:`/mathematics/energy`; R. Landauer, IBM J. Res. Dev. 5 (1961).

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    temperature : float, optional
        The temperature in kelvins, a positive finite scalar (default 300).
    coordinates : array_like, optional
        The number of independently dissipating coordinates, >= 0 and finite (a real factor, not
        checked to be an integer); broadcasts with ``gamma``.  Default 1.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The powers in joules per unit time, float64, with the broadcast shape (a numpy scalar for
        scalar input).

    Raises
    ------
    ValueError
        If ``gamma`` or ``coordinates`` is negative or not finite, ``temperature`` is not positive
        and finite, or the shapes do not broadcast, or the result overflows the float range.
    TypeError
        If an array argument does not hold real numbers, or ``temperature`` is not a scalar.

    See Also
    --------
    paper_eq19_power : The paper's expression, which lies below this floor.
    additive_entropy_rate : The entropy rate under additive diffusion.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.landauer_power(1.0))  # gamma k_B T / 2 at 300 K
    2.0709735e-21
    >>> energy.landauer_power([1.0, 2.0], coordinates=3)
    array([6.2129205e-21, 1.2425841e-20])
    """
    g = _arr(gamma, "gamma", "nonnegative")
    c = _arr(coordinates, "coordinates", "nonnegative")
    kt = BOLTZMANN * _temperature(temperature)
    check_broadcast("landauer_power", gamma=g, coordinates=c)
    with np.errstate(over="ignore"):
        return _out(0.5 * g * kt * c, "landauer_power", " (gamma times coordinates times k_B T is too large)")


def additive_entropy_rate(q: Any, precision: Any) -> Any:
    """Compute the entropy production ``q tau / 2`` of a Gaussian belief under additive diffusion.

    Under ``d(sigma^2)/dt = q`` the entropy ``1/2 ln(2 pi e sigma^2)`` rises at ``q / (2 sigma^2) =
    q tau / 2`` nats per unit time: unlike the multiplicative model (``gamma / 2``), the rate grows with
    the precision.  See :doc:`/mathematics/energy`.

    Parameters
    ----------
    q : array_like
        The diffusion rate (variance per unit time), >= 0 and finite.
    precision : array_like
        The precision tau = 1 / sigma^2, > 0 and finite; broadcasts with ``q``.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The rates in nats per unit time, float64, with the broadcast shape (a numpy scalar for
        scalar input).

    Raises
    ------
    ValueError
        If ``q`` is negative or not finite, ``precision`` is not > 0 and finite, or the shapes do
        not broadcast, or the result overflows the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    landauer_power : The multiplicative model's floor.
    joules : Nats to joules.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.additive_entropy_rate(0.5, 4.0))
    1.0
    """
    qq, p = _arr(q, "q", "nonnegative"), _arr(precision, "precision", "positive")
    check_broadcast("additive_entropy_rate", q=qq, precision=p)
    with np.errstate(over="ignore"):
        return _out(0.5 * qq * p, "additive_entropy_rate", " (q times precision is too large)")


def information_per_observation(precision: Any, obs_precision: Any) -> Any:
    """Compute the information ``1/2 ln(1 + tau_D / tau)`` brought by one Gaussian observation.

    The entropy drop of a Gaussian belief of precision tau (before the update) observing a value
    with precision tau_D: the posterior precision is ``tau + tau_D``, so the entropy falls by
    ``1/2 ln((tau + tau_D) / tau)`` nats.  Computed with ``log1p``, accurate for small ratios.  See
    :doc:`/mathematics/energy`.

    Parameters
    ----------
    precision : array_like
        The precision tau of the belief before the update, > 0 and finite.
    obs_precision : array_like
        The precision tau_D of the observation, >= 0 and finite; broadcasts with ``precision``.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The information in nats (>= 0), float64, with the broadcast shape (a numpy scalar for
        scalar input).

    Raises
    ------
    ValueError
        If ``precision`` is not > 0 and finite, ``obs_precision`` is negative or not finite, or the
        shapes do not broadcast, or the result overflows the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    beds.Trajectory : Its ``info_gained`` sums this over the observations.

    Examples
    --------
    >>> from beds import energy
    >>> round(float(energy.information_per_observation(1.0, 3.0)), 12)  # ln(4) / 2 = ln 2
    0.69314718056
    """
    tau = _arr(precision, "precision", "positive")
    td = _arr(obs_precision, "obs_precision", "nonnegative")
    check_broadcast("information_per_observation", precision=tau, obs_precision=td)
    with np.errstate(over="ignore"):
        x = td / tau
        # where the ratio overflows, log1p(x) = log(td) - log(tau) to double precision
        info = np.where(np.isfinite(x), np.log1p(x), np.log(np.maximum(td, np.finfo(np.float64).tiny)) - np.log(tau))
    return _out(0.5 * info)


def observation_rate(gamma: Any, target_precision: Any, obs_precision: Any) -> Any:
    """Compute the observation rate ``lambda = gamma tau* / tau_D`` that holds the precision tau*.

    Mean-field balance: with observations of precision tau_D at rate lambda, ``dtau/dt = -gamma tau
    + lambda tau_D``, whose steady state ``tau*`` needs ``lambda tau_D = gamma tau*``.  See
    :doc:`/mathematics/energy`.

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    target_precision : array_like
        The precision tau* to hold, > 0 and finite.
    obs_precision : array_like
        The precision tau_D of one observation, > 0 and finite.  The three arguments broadcast.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The rates (observations per unit time), float64, with the broadcast shape (a numpy scalar
        for scalar input).

    Raises
    ------
    ValueError
        If an argument is outside its domain or the shapes do not broadcast, or the result overflows
        the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    maintenance_power : The power at a fixed energy per observation.
    optimal_observation_precision : The precision needed at a capped rate.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.observation_rate(0.5, 40.0, 2.0))
    10.0
    """
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    td = _arr(obs_precision, "obs_precision", "positive")
    check_broadcast("observation_rate", gamma=g, target_precision=ts, obs_precision=td)
    return _out(_ratio(g, ts, td), "observation_rate", " (gamma * target_precision / obs_precision is too large)")


def operational_power(rate: Any, energy_per_observation: Any) -> Any:
    """Compute the operational power ``lambda E_obs`` of observing at rate lambda.

    The energy spent per unit time on observations that cost ``E_obs`` joules each, as opposed to the
    Landauer floor of dissipation (:func:`landauer_power`).  See :doc:`/mathematics/energy`.

    Parameters
    ----------
    rate : array_like
        The observation rate lambda per unit time, >= 0 and finite.
    energy_per_observation : array_like
        The energy of one observation in joules, >= 0 and finite; broadcasts with ``rate``.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The powers in joules per unit time, float64, with the broadcast shape (a numpy scalar for
        scalar input).

    Raises
    ------
    ValueError
        If an argument is negative or not finite, or the shapes do not broadcast, or the result
        overflows the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    maintenance_power : The same with the rate that holds a precision.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.operational_power(10.0, 1e-3))
    0.01
    """
    r, e = _arr(rate, "rate", "nonnegative"), _arr(energy_per_observation, "energy_per_observation", "nonnegative")
    check_broadcast("operational_power", rate=r, energy_per_observation=e)
    with np.errstate(over="ignore"):
        return _out(r * e, "operational_power", " (rate times energy_per_observation is too large)")


def maintenance_power(gamma: Any, target_precision: Any, obs_precision: Any, energy_per_observation: Any) -> Any:
    """Compute the power ``P = (gamma tau* / tau_D) E_obs`` that holds the precision tau*.

    The operational power at the observation rate of :func:`observation_rate`: proportional to
    ``gamma tau*``, so halving the standard deviation (quadrupling tau*) quadruples the power.  See
    :doc:`/mathematics/energy`.

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    target_precision : array_like
        The precision tau* to hold, > 0 and finite.
    obs_precision : array_like
        The precision tau_D of one observation, > 0 and finite.
    energy_per_observation : array_like
        The energy of one observation in joules, >= 0 and finite.  The four arguments broadcast.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The powers in joules per unit time, float64, with the broadcast shape (a numpy scalar for
        scalar input).

    Raises
    ------
    ValueError
        If an argument is outside its domain or the shapes do not broadcast, or the result overflows
        the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    landauer_power : The floor that no observation scheme can beat.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.maintenance_power(0.5, 40.0, 2.0, 1e-3))  # 10 observations per unit time
    0.01
    """
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    td = _arr(obs_precision, "obs_precision", "positive")
    e = _arr(energy_per_observation, "energy_per_observation", "nonnegative")
    check_broadcast("maintenance_power", gamma=g, target_precision=ts, obs_precision=td, energy_per_observation=e)
    with np.errstate(over="ignore", under="ignore"):
        # the rate times E_obs, in the order that avoids an intermediate overflow where possible
        p = _ratio(g, ts, td) * e
        p = np.where(np.isfinite(p), p, _ratio(g * e, ts, td))
    return _out(p, "maintenance_power", " (the observation rate times energy_per_observation is too large)")


def optimal_observation_precision(gamma: Any, target_precision: Any, max_rate: Any) -> Any:
    """Compute the observation precision ``tau_D = gamma tau* / lambda_max`` needed at a capped rate.

    When the observation rate cannot exceed ``lambda_max``, the mean-field balance ``lambda tau_D =
    gamma tau*`` gives the least precise (hence cheapest) observations that still hold tau*.  See
    :doc:`/mathematics/energy`.

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    target_precision : array_like
        The precision tau* to hold, > 0 and finite.
    max_rate : array_like
        The largest observation rate lambda_max, > 0 and finite.  The three arguments broadcast.

    Returns
    -------
    numpy.ndarray or numpy.floating
        The observation precisions, float64, with the broadcast shape (a numpy scalar for scalar
        input).

    Raises
    ------
    ValueError
        If an argument is outside its domain or the shapes do not broadcast, or the result overflows
        the float range.
    TypeError
        If an argument does not hold real numbers.

    See Also
    --------
    observation_rate : The rate at a given observation precision.

    Examples
    --------
    >>> from beds import energy
    >>> float(energy.optimal_observation_precision(0.5, 40.0, 4.0))
    5.0
    """
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    lm = _arr(max_rate, "max_rate", "positive")
    check_broadcast("optimal_observation_precision", gamma=g, target_precision=ts, max_rate=lm)
    return _out(
        _ratio(g, ts, lm), "optimal_observation_precision", " (gamma * target_precision / max_rate is too large)"
    )


def paper_eq19_power(gamma: Any, target_precision: Any, obs_precision: Any, temperature: Any = ROOM_TEMPERATURE) -> Any:
    """Compute the paper's eq. 19, ``P = (gamma k_B T / 2) (tau* / tau_D) ln(1 + tau_D / tau*)``.

    Exposed under its own name for comparison: it is **not** a lower bound.  Since ``ln(1 + x) / x <
    1`` for every ``x = tau_D / tau* > 0``, eq. 19 lies strictly below the Landauer floor ``gamma k_B
    T / 2`` (:func:`landauer_power`), which is exact: the entropy of a dissipating Gaussian rises at
    gamma/2 nats per unit time whatever tau.  The error comes from taking the information per
    observation at tau* (the post-update steady state) rather than at the pre-update precision; the
    paper also mixes bits and nats (its ln 2 factor).  L. Caraffa, arXiv 2601.02329 (2026), eq. 19;
    :doc:`/mathematics/energy`.

    Parameters
    ----------
    gamma : array_like
        The dissipation rate per unit time, >= 0 and finite.
    target_precision : array_like
        The steady precision tau*, > 0 and finite.
    obs_precision : array_like
        The precision tau_D of one observation, > 0 and finite.  The three arguments broadcast.
    temperature : float, optional
        The temperature in kelvins, a positive finite scalar (default 300).

    Returns
    -------
    numpy.ndarray or numpy.floating
        The eq. 19 powers in joules per unit time, float64, with the broadcast shape (a numpy
        scalar for scalar input).

    Raises
    ------
    ValueError
        If an argument is outside its domain or the shapes do not broadcast, or the result overflows
        the float range.
    TypeError
        If an array argument does not hold real numbers, or ``temperature`` is not a scalar.

    See Also
    --------
    landauer_power : The exact floor.

    Examples
    --------
    >>> from beds import energy
    >>> bool(energy.paper_eq19_power(1.0, 10.0, 5.0) < energy.landauer_power(1.0))
    True
    """
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    td = _arr(obs_precision, "obs_precision", "positive")
    kt = BOLTZMANN * _temperature(temperature)
    check_broadcast("paper_eq19_power", gamma=g, target_precision=ts, obs_precision=td)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        x = td / ts
        # log1p(x) / x in (0, 1]; where x overflows, (log td - log ts) ts / td (the limit form)
        f = np.where(np.isfinite(x), np.log1p(x) / np.where(x > 0, x, 1.0), (np.log(td) - np.log(ts)) * (ts / td))
        f = np.where(x > 0, f, 1.0)  # x underflowed to 0: log1p(x) / x -> 1
        p = 0.5 * g * kt * f
    return _out(p, "paper_eq19_power", " (gamma k_B T is too large)")
