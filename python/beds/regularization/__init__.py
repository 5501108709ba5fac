"""Fisher-Rao regularization and the governing equation of the BEDS regularizers.

The BEDS claim (:doc:`/mathematics/regularization`, **our reconstruction**: the papers that state
it are not public) is that the thermodynamically optimal regularizer is the squared Fisher-Rao distance to a
reference belief,

    R(q) = lam/2 d_FR^2(q, q_ref),

minimized by the natural-gradient flow ``dtheta/dt = -G(theta)^-1 grad[L + R]`` (G the Fisher
metric; Amari, "Natural gradient works efficiently in learning", Neural Computation 10, 1998),
optionally with a moving reference ``dtheta_ref/dt = gamma (theta - theta_ref)``.  Four choices
define a method: the divergence D, the metric G, the reference and the law of the reference
precision; :class:`GoverningEquation` holds them, and its constructors give Ridge / weight decay,
EWC (Kirkpatrick et al., PNAS 114, 2017), online EWC (Schwarz et al., ICML 2018), EMA / Polyak
averaging, SAC's entropy bonus (Haarnoja et al., ICML 2018 and arXiv 1812.05905) and the
Fisher-Rao penalty; :func:`sigreg` is LeJEPA's SIGReg (Balestriero & LeCun, arXiv 2511.08544,
2025).

Gradients.  For ``R = lam/2 d^2(q, q_ref)`` the Riemannian gradient is ``-lam Log_q(q_ref)``
(a tangent vector at q, in the family's coordinates): that is the natural gradient
``G^-1 grad R``.  The Euclidean gradient with respect to the family's parameters is
``G (-lam Log_q(q_ref))``.  Other parametrisations follow by the chain rule (explicit Jacobians):

=====================  ======================================================================
``param``              gradient / natural gradient
=====================  ======================================================================
family coordinates     ``grad = G (-lam v)``, ``natgrad = -lam v`` (default, any family with
                       ``log`` and ``metric``)
``"log_<name>"``       for a positive parameter (``log_std``, ``log_rate``; the von Mises kappa
                       may be 0, so there is no ``log_kappa``):
                       ``grad_u = theta grad_theta``, ``natgrad_u = natgrad_theta / theta``
``"logits"``           Categorical: ``grad_z = (diag p - p p^T) grad_p = -lam v`` (v in probability
                       coordinates, summing to 0), natural gradient ``-lam v / p`` centred (the
                       minimum-norm solution; the logit Fisher matrix is singular along 1)
=====================  ======================================================================

Each family supplies what these need (its KL gradient, its metric, its charts, its geodesics)
through the protocol of :mod:`beds._geometry`; nothing here depends on a particular family.

Covariance and Cholesky parametrisations of full normals follow from the family-coordinate
gradient with :func:`cholesky_grad`.  The Normal and DiagNormal penalties run in fused C++ kernels
(value, gradient and natural gradient in one pass, ``beds.ufuncs.normal_fr_penalty`` and
``diag_normal_fr_penalty``); every other family goes through the generic path above.

Layout: the penalties (``_penalty.py``), the governing equation (``_governing.py``, its steps in
``_steps.py``), the belief-level update (``_update.py``) and SIGReg (``_sigreg.py``).
"""

from __future__ import annotations

from ._governing import GoverningEquation, sac_temperature_update
from ._penalty import PenaltyResult, cholesky_grad, empirical_fisher, fisher_rao_penalty, kl_penalty
from ._sigreg import SIGReg, sigreg
from ._update import belief_update

__all__ = [
    "GoverningEquation",
    "PenaltyResult",
    "SIGReg",
    "belief_update",
    "cholesky_grad",
    "empirical_fisher",
    "fisher_rao_penalty",
    "kl_penalty",
    "sac_temperature_update",
    "sigreg",
]

# the public names belong to beds.regularization (documentation, doctests, pickling)
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
