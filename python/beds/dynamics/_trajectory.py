"""The record of an integration: :class:`Trajectory`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_broadcast, check_domain, check_finite_result
from ..energy import BOLTZMANN
from ._common import canonical_kind, f64
from ._kinds import get_kind


@dataclass(frozen=True)
class Trajectory:
    """The states of a batch of beliefs recorded by :meth:`System.integrate`, with their energy budget.

    For each record time: the beliefs, their entropy, the information brought by the observations
    and the entropy produced by dissipation since the start of the integration, and the number of
    observations.  The entropy balance is ``H(t0) - H(t) = info_gained - info_dissipated``; the
    Landauer energy needed to hold the beliefs against dissipation is ``k_B T info_dissipated``
    (at rate ``gamma k_B T / 2`` per coordinate for the flat multiplicative model).  See
    :doc:`/mathematics/dynamics` and :doc:`/mathematics/energy`; R. Landauer, IBM J. Res. Dev. 5
    (1961).  A frozen dataclass (the arrays themselves are not made read-only); made by
    :meth:`System.integrate`, rarely by hand.

    Parameters
    ----------
    kind : str
        The belief kind: ``"normal"``, ``"diag_normal"``, ``"mvnormal"`` (``"mv_normal"`` is read
        as ``"mvnormal"``) or ``"von_mises"``.
    times : numpy.ndarray
        The record times, shape ``(k,)``.
    mean : numpy.ndarray
        The means, shape ``(k,) + batch`` (``+ (d,)`` for ``"diag_normal"`` and ``"mvnormal"``);
        the mean directions mu (radians) for ``"von_mises"``.
    precision : numpy.ndarray
        The precisions, shape ``(k,) + batch``, ``+ (d,)`` per coordinate (``"diag_normal"``),
        ``+ (d, d)`` matrices (``"mvnormal"``); the concentrations kappa for ``"von_mises"``.
    entropy : numpy.ndarray
        The entropies (nats), shape ``(k,) + batch``.
    info_gained : numpy.ndarray or None
        The information brought by the observations since the start (nats), shape ``(k,) +
        batch``: the sum of ``1/2 ln(1 + tau_D / tau-)`` over the observations (``1/2 ln det(I +
        Lambda-^-1 R)`` for a full Gaussian; for von Mises the entropy drop of each observation,
        negative when it contradicts the belief and lowers kappa).
    info_dissipated : numpy.ndarray or None
        The entropy produced by dissipation since the start (nats), shape ``(k,) + batch``.
    observations : numpy.ndarray
        The cumulative number of observations of each belief, shape ``(k,) + batch`` (float64).
    temperature : float
        The temperature in kelvins for :attr:`energy`.

    Raises
    ------
    ValueError
        If ``kind`` is unknown (nothing else is checked).

    See Also
    --------
    System.integrate : What records a trajectory.
    beds.plot.trajectory : Plot the mean with uncertainty bands.
    beds.problems.classify : Which problem class a trajectory demonstrates.

    Examples
    --------
    >>> import numpy as np, beds
    >>> s = beds.System.normal([0.0, 1.0], var=1.0, gamma=1.0)
    >>> _, tr = s.integrate([0.5, 1.0], [0, 1], [1.0, 2.0], 4.0, record=[0.0, 1.0, 2.0])
    >>> tr.mean.shape, tr.observations[-1]
    ((3, 2), array([1., 1.]))
    >>> tr.info_dissipated[:, 0]  # gamma t / 2 for the flat model
    array([0. , 0.5, 1. ])
    >>> bool(np.allclose(tr.entropy[0] - tr.entropy, tr.info_gained - tr.info_dissipated))
    True
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
        """The cumulative Landauer energy ``k_B T info_dissipated`` in joules, shape ``(k,) + batch``."""
        return BOLTZMANN * self.temperature * self.info_dissipated

    def operational_energy(self, energy_per_observation: Any) -> np.ndarray:
        """Compute the cumulative operational energy ``E_obs * (number of observations)``.

        The energy spent on observing, at a fixed cost ``E_obs`` per observation, as opposed to
        the Landauer energy :attr:`energy` needed to hold the beliefs against dissipation
        (:doc:`/mathematics/energy`).

        Parameters
        ----------
        energy_per_observation : array_like
            The energy of one observation in joules, >= 0 and finite; a scalar, or an array
            broadcasting with :attr:`observations`.

        Returns
        -------
        numpy.ndarray
            The energies in joules, shape ``(k,) + batch``.

        Raises
        ------
        ValueError
            If ``energy_per_observation`` is negative or not finite, does not broadcast (the
            message names both shapes), or the energy overflows the float range.
        TypeError
            If it does not hold real numbers.

        See Also
        --------
        beds.energy.operational_power : The same per unit time.

        Examples
        --------
        >>> import beds
        >>> _, tr = beds.System.normal(0.0, var=1.0, gamma=1.0).integrate([0.5, 1.0], 0, 1.0, 4.0, record=[1.0])
        >>> tr.operational_energy(2e-3)
        array([0.004])
        """
        e = f64(energy_per_observation, "energy_per_observation")
        check_domain("energy_per_observation", e, "nonnegative")
        check_broadcast("operational_energy", observations=self.observations, energy_per_observation=e)
        with np.errstate(over="ignore"):
            w = self.observations * e
        check_finite_result("operational_energy", w, " (observations times energy_per_observation)")
        return w

    def variance(self) -> np.ndarray:
        """Compute the recorded variances.

        ``1 / precision`` (per coordinate for ``"diag_normal"``), the covariance matrices
        ``precision^-1`` for ``"mvnormal"``, and the circular variance ``1 - A(kappa)``, ``A = I1
        / I0``, for ``"von_mises"``.

        Returns
        -------
        numpy.ndarray
            The variances, shaped like :attr:`precision`.

        See Also
        --------
        System.uncertainty : The scalar uncertainty of crystallization.

        Examples
        --------
        >>> import beds
        >>> _, tr = beds.System.normal(0.0, var=1.0, gamma=1.0).integrate([], [], [], 1.0, record=[0.0, 2.0])
        >>> tr.variance().round(6)  # e^(gamma t)
        array([1.      , 7.389056])
        """
        return get_kind(self.kind).variance(self.precision)

    def entropy_production_rate(self) -> np.ndarray:
        """Compute the mean entropy production by dissipation between consecutive records.

        ``(info_dissipated[j + 1] - info_dissipated[j]) / (times[j + 1] - times[j])``, in nats per
        unit time: ``gamma / 2`` per coordinate for the flat multiplicative model and ``q tau /
        2`` for additive diffusion (:doc:`/mathematics/energy`).  Two records at the same time
        give NaN (0 / 0, with numpy's invalid-value warning).

        Returns
        -------
        numpy.ndarray
            The rates, shape ``(k - 1,) + batch`` (empty for a single record).

        See Also
        --------
        beds.energy.landauer_power : The power that this rate costs at temperature T.

        Examples
        --------
        >>> import beds
        >>> s = beds.System.normal(0.0, var=1.0, gamma=0.5)
        >>> _, tr = s.integrate([1.0], [0], [1.0], 4.0, record=[0.0, 2.0, 3.0])
        >>> tr.entropy_production_rate()
        array([0.25, 0.25])
        """
        dt = np.diff(self.times).reshape((-1,) + (1,) * (self.info_dissipated.ndim - 1))
        return np.diff(self.info_dissipated, axis=0) / dt
