"""Energy accounting of BEDS beliefs (docs page ``mathematics/energy``; the paper's errors corrected).

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
arXiv 2601.02329 (2026), section on energy; docs page ``mathematics/energy``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import as_real_array, check_domain

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
    t = float(temperature)
    if not (math.isfinite(t) and t > 0):
        raise ValueError(f"temperature must be a positive number of kelvins, got {temperature!r}")
    return t


def _out(x: np.ndarray) -> Any:
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def joules(nats: Any, temperature: Any = ROOM_TEMPERATURE) -> Any:
    """Energy ``k_B T * nats`` in joules (the Landauer cost of ``nats`` of information at T).

    >>> from beds import energy
    >>> float(energy.joules(1.0))         # k_B T at 300 K
    4.141947e-21
    """
    return _out(BOLTZMANN * _temperature(temperature) * _arr(nats, "nats", "real"))


def landauer_power(gamma: Any, temperature: Any = ROOM_TEMPERATURE, coordinates: Any = 1) -> Any:
    """Landauer floor ``gamma k_B T / 2`` per dissipating coordinate (J per unit time), times
    ``coordinates``: the minimum power that holds any steady state under ``dtau/dt = -gamma tau``.

    Exact: the entropy of a Gaussian belief rises at gamma/2 nats per unit time whatever its
    precision (docs page ``mathematics/energy``).
    """
    g = _arr(gamma, "gamma", "nonnegative")
    c = _arr(coordinates, "coordinates", "nonnegative")
    return _out(0.5 * g * BOLTZMANN * _temperature(temperature) * c)


def additive_entropy_rate(q: Any, precision: Any) -> Any:
    """Entropy production ``q tau / 2`` (nats per unit time) of a Gaussian belief of precision tau
    under additive diffusion ``d(sigma^2)/dt = q``."""
    return _out(0.5 * _arr(q, "q", "nonnegative") * _arr(precision, "precision", "positive"))


def information_per_observation(precision: Any, obs_precision: Any) -> Any:
    """Information brought by one Gaussian observation, ``1/2 ln(1 + tau_D / tau)`` nats, where tau
    is the precision before the update (``precision``) and tau_D = ``obs_precision``."""
    tau = _arr(precision, "precision", "positive")
    td = _arr(obs_precision, "obs_precision", "nonnegative")
    return _out(0.5 * np.log1p(td / tau))


def observation_rate(gamma: Any, target_precision: Any, obs_precision: Any) -> Any:
    """Observation rate ``lambda = gamma tau* / tau_D`` that holds the precision tau* against
    ``dtau/dt = -gamma tau`` (mean-field balance ``lambda tau_D = gamma tau*``)."""
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    td = _arr(obs_precision, "obs_precision", "positive")
    return _out(g * ts / td)


def operational_power(rate: Any, energy_per_observation: Any) -> Any:
    """Operational power ``lambda E_obs`` (J per unit time) of observing at rate ``lambda``."""
    return _out(
        _arr(rate, "rate", "nonnegative") * _arr(energy_per_observation, "energy_per_observation", "nonnegative")
    )


def maintenance_power(gamma: Any, target_precision: Any, obs_precision: Any, energy_per_observation: Any) -> Any:
    """Power ``P = (gamma tau* / tau_D) E_obs`` needed to hold tau* with observations of precision
    tau_D costing ``E_obs`` each: proportional to gamma tau*."""
    return _out(
        np.asarray(observation_rate(gamma, target_precision, obs_precision))
        * _arr(energy_per_observation, "energy_per_observation", "nonnegative")
    )


def optimal_observation_precision(gamma: Any, target_precision: Any, max_rate: Any) -> Any:
    """Observation precision ``tau_D = gamma tau* / lambda_max`` needed to hold tau* when the
    observation rate is capped at ``lambda_max`` (the least precise, hence cheapest, observations
    that suffice)."""
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    lm = _arr(max_rate, "max_rate", "positive")
    return _out(g * ts / lm)


def paper_eq19_power(gamma: Any, target_precision: Any, obs_precision: Any, temperature: Any = ROOM_TEMPERATURE) -> Any:
    """The paper's eq. 19, ``P = (gamma k_B T / 2) (tau* / tau_D) ln(1 + tau_D / tau*)``, exposed
    under its own name for comparison.  It is NOT a lower bound.

    Since ``ln(1 + x) / x < 1`` for every ``x = tau_D / tau* > 0``, eq. 19 lies strictly below the
    Landauer floor ``gamma k_B T / 2`` (:func:`landauer_power`), which is exact: the entropy of a
    dissipating Gaussian rises at gamma/2 nats per unit time whatever tau.  The error comes from
    taking the information per observation at tau* (the post-update steady state) rather than at the
    pre-update precision; the paper also mixes bits and nats (its ln 2 factor).  Use
    :func:`landauer_power` for the floor (docs page ``mathematics/energy``).

    >>> from beds import energy
    >>> bool(energy.paper_eq19_power(1.0, 10.0, 5.0) < energy.landauer_power(1.0))
    True
    """
    g = _arr(gamma, "gamma", "nonnegative")
    ts = _arr(target_precision, "target_precision", "positive")
    td = _arr(obs_precision, "obs_precision", "positive")
    x = td / ts
    return _out(0.5 * g * BOLTZMANN * _temperature(temperature) * np.log1p(x) / x)
