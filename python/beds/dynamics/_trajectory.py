"""The record of an integration: :class:`Trajectory`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_domain
from ..energy import BOLTZMANN
from ._common import canonical_kind, f64
from ._kinds import get_kind


@dataclass(frozen=True)
class Trajectory:
    """States recorded by :meth:`System.integrate` at ``times`` (shape ``(k,)``).

    Per belief (shape ``(k,) + batch_shape`` plus the event axes of the kind):

    * ``mean`` (``mu`` for von Mises), ``precision`` (scalar, per coordinate, or the precision
      matrix; ``kappa`` for von Mises);
    * ``entropy`` (nats);
    * ``info_gained``: information brought by the observations since the start, the sum of
      ``1/2 ln(1 + tau_D / tau-)`` (``1/2 ln det(I + Lambda-^-1 R)`` for a full Gaussian), nats;
    * ``info_dissipated``: entropy produced by dissipation since the start, nats;
      ``info_gained - info_dissipated`` is the entropy decrease ``H(t0) - H(t)``;
    * ``observations``: cumulative number of observations;
    * ``energy``: ``k_B T info_dissipated`` in joules, the Landauer work needed to hold the belief
      against dissipation (docs page ``mathematics/energy``: at rate ``gamma k_B T / 2`` per coordinate for the
      multiplicative model); :meth:`operational_energy` gives ``E_obs`` times the observation count.

    ``kind`` is one of ``"normal"``, ``"diag_normal"``, ``"mvnormal"`` (the older spelling
    ``"mv_normal"`` is accepted and read as ``"mvnormal"``) and ``"von_mises"``.

    For von Mises beliefs the information gained by an observation is its entropy drop
    ``H(pre) - H(post)`` (negative when an observation contradicts the belief and lowers kappa),
    and the dissipated information the entropy produced between observations.
    """

    kind: str
    times: np.ndarray
    mean: np.ndarray
    precision: np.ndarray
    entropy: np.ndarray
    info_gained: np.ndarray
    info_dissipated: np.ndarray
    observations: np.ndarray
    temperature: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", canonical_kind(self.kind))

    @property
    def energy(self) -> np.ndarray:
        """Cumulative Landauer energy ``k_B T info_dissipated`` (J)."""
        return BOLTZMANN * self.temperature * self.info_dissipated

    def operational_energy(self, energy_per_observation: Any) -> np.ndarray:
        """Cumulative operational energy ``E_obs * (number of observations)`` (J)."""
        e = f64(energy_per_observation, "energy_per_observation")
        check_domain("energy_per_observation", e, "nonnegative")
        return self.observations * e

    def variance(self) -> np.ndarray:
        """Variance (per coordinate for diag_normal, covariance matrix for mvnormal; circular
        variance ``1 - A(kappa)`` for von Mises)."""
        return get_kind(self.kind).variance(self.precision)

    def entropy_production_rate(self) -> np.ndarray:
        """Mean entropy production by dissipation between consecutive records, nats per unit time,
        shape ``(k - 1,) + batch``."""
        dt = np.diff(self.times).reshape((-1,) + (1,) * (self.info_dissipated.ndim - 1))
        return np.diff(self.info_dissipated, axis=0) / dt
