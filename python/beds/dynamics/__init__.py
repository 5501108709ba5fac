"""BEDS dynamics: beliefs that dissipate, observations that restore them.

A :class:`System` is a batch of beliefs of one kind, each with a dissipation rate, a reference
belief that dissipation relaxes toward, and a crystallization threshold.  Every operation is solved
exactly (no time step):

* **multiplicative dissipation** (the P3 model, ``gamma=``): the natural parameters relax
  toward those of the reference, ``dx/dt = -gamma (x - x_ref)``, i.e. over ``dt``

      x <- a x + (1 - a) x_ref,   a = exp(-gamma dt),

  which is the geometric mixture ``q^a q_ref^(1-a)`` of :doc:`/mathematics/regularization`.  For a
  Gaussian, ``x = (tau, tau mu)`` (precision and precision times mean; information form ``(Lambda,
  Lambda mu)`` for a full covariance): ``tau <- a tau + (1 - a) tau_ref``.  With the default flat
  (uninformative, ``tau_ref = 0``) reference this is exactly P3: ``dtau/dt = -gamma tau``, the mean
  unchanged, the variance growing as ``sigma0^2 e^(gamma t)`` (P3 convention; some of the author's
  notes use ``sigma ~ e^(gamma t)``, i.e. variance at rate 2 gamma: beds follows P3).  For von
  Mises beliefs, ``x = eta = kappa (cos mu, sin mu)``: the circular analogue (the uniform law,
  eta = 0, is the flat reference; kappa decays as ``e^(-gamma t)``).
* **additive diffusion** (``q=``): the variance grows linearly, ``d(sigma^2)/dt = q`` (a random
  walk of the state), i.e. ``tau <- tau / (1 + q dt tau)`` (full covariance: ``Sigma <- Sigma + q dt I``).
* **observation** (Bayes' rule, conjugate): Gaussian ``tau+ = tau- + tau_D``,
  ``mu+ = (tau- mu- + tau_D D) / tau+``; von Mises ``eta += kappa_D (cos x, sin x)``.
* **fusion** of two systems' beliefs (multi-agent): the normalized product of the densities, i.e.
  the sum of the natural parameters (:doc:`/mathematics/dynamics`).  This counts a prior that
  both agents share twice.
* **crystallization**: a belief whose uncertainty is below ``eps`` outputs its mean and halts
  (``System.crystallize``); uncertainty is the variance for scalar Gaussians, the trace (default),
  largest eigenvalue or determinant of the covariance for several dimensions (``rule=``), and the
  circular variance ``1 - A(kappa)`` for von Mises beliefs.

:meth:`System.integrate` runs an observation stream (time, belief index, value, precision) in C++
(GIL released, no Python object in the loop; about 50 million events per second on one core for
scalar Gaussians on random streams, 190 to 260 million on regular streams, on the reference
machine) and records the trajectory.

Belief kinds and their state arrays (float64, batch shape ``B``):

=============== ======================================= =========================================
kind            state                                   constructor
=============== ======================================= =========================================
``normal``      mean ``B``, precision ``B``              ``System.normal(mean, var=, precision=)``
``diag_normal`` mean ``B+(d,)``, precision ``B+(d,)``     ``System.diag_normal(mean, var=, precision=)``
``mvnormal``    mean ``B+(d,)``, precision ``B+(d,d)``    ``System.mvnormal(mean, cov=, precision=)``
``von_mises``   eta ``B+(2,)`` = kappa (cos mu, sin mu)   ``System.von_mises(mu, kappa)``
=============== ======================================= =========================================

``System.mv_normal`` is the same constructor as ``System.mvnormal`` (its earlier name), and a kind
given by name accepts ``"mv_normal"`` for ``"mvnormal"``.

Layout: :class:`System` (``_system.py``) is the front: it validates, holds the state arrays and
dispatches to one module per belief kind, each the Python side of one C++ integrator header and
receiving arrays only: ``_gaussian.py`` (scalar and mean-field Gaussians,
``beds/dynamics_gaussian.hpp``), ``_mvnormal.py`` (full covariance, ``beds/dynamics_mvnormal.hpp``)
and ``_von_mises.py`` (``beds/dynamics_von_mises.hpp``); :class:`Trajectory` and the EMA helpers
have their own modules.

References: L. Caraffa, BEDS: a formal framework for continuous inference under energy constraints,
arXiv 2601.02329 (2026), sections on dissipation, crystallization and energy; the docs pages
:doc:`/mathematics/dynamics` and :doc:`/mathematics/energy`.
"""

from __future__ import annotations

from .. import energy as _energy
from . import _common
from ._common import RULES as RULES  # public, not in __all__ (as before)
from ._ema import ema_decay, ema_gain, gamma_from_ema
from ._system import System, to_belief
from ._trajectory import Trajectory
from ._von_mises import von_mises_entropy, von_mises_mean_resultant

#: Boltzmann constant in J/K (exact, SI 2019): :data:`beds.energy.BOLTZMANN`.
BOLTZMANN = _energy.BOLTZMANN
#: The belief kinds: the values of :attr:`System.kind` and :attr:`Trajectory.kind`.
KINDS = _common.KINDS

__all__ = [
    "BOLTZMANN",
    "KINDS",
    "System",
    "Trajectory",
    "ema_decay",
    "ema_gain",
    "gamma_from_ema",
    "to_belief",
    "von_mises_entropy",
    "von_mises_mean_resultant",
]

# the public names belong to beds.dynamics (documentation, doctests, pickling)
for _name in __all__:
    if _name not in ("BOLTZMANN", "KINDS"):
        globals()[_name].__module__ = __name__
del _name
