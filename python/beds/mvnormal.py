"""Multivariate normal beliefs N(mean, cov) with full covariance: exact Fisher-Rao geometry.

Fisher metric (no factor 1/4), at N(mu, Sigma) on tangent vectors (x, B) (B symmetric)::

    <(x1, B1), (x2, B2)> = x1^T Sigma^-1 x2 + 1/2 tr(Sigma^-1 B1 Sigma^-1 B2)

(Skovgaard 1984).  Affine maps are isometries, so every pair is first moved to N(0, I) with the
Cholesky factor of Sigma1, and every row is computed at a normalized scale (covariances divided by
a power of four): covariances anywhere in the float range, subnormal ones included, give the same
answers.  There is no closed form for the distance in general; beds computes:

* closed forms: the same-mean distance ``sqrt(1/2 sum ln^2 lambda_i)`` (lambda = eigenvalues of
  Sigma1^-1 Sigma2, computed as ``log1p`` of the eigenvalues of ``L1^-1 (Sigma2 - Sigma1) L1^-T``, so
  near pairs keep full relative accuracy), the same-covariance distance
  ``sqrt(2) arccosh(1 + D^2/4) = 2 sqrt(2) asinh(D / (2 sqrt 2))`` (D = Mahalanobis distance; in the
  fixed-covariance model the distance would be D itself), KL, Jeffreys, entropy;
* the Calvo-Oller lower bound (same-mean formula on the (d+1) x (d+1) SPD embeddings
  ``[[Sigma + mu mu^T, mu], [mu^T, 1]]``, Calvo & Oller 1990) and the sqrt(Jeffreys) upper bound;
* exact geodesics from an initial velocity (Eriksen 1987, Calvo & Oller 1991): at N(0, I) with
  tangent (x, B), ``Lambda(t) = expm(t A)``, ``A = [[-B, x, 0], [x^T, 0, -x^T], [0, -x, B]]``,
  ``Sigma(t) = Lambda[:d, :d]^-1``, ``mu(t) = Sigma(t) Lambda[d, :d]``;
* the log map and the distance by geodesic shooting: Newton's method on (x, B) with the exact
  Jacobian, started from the projected Calvo-Oller SPD geodesic.  Every distance is certified
  against the bounds and carries its iteration count (``return_info=True``); a pair that does not
  converge gives a :class:`~beds.ConvergenceWarning`, a flag, and a value inside its bounds;
* parallel transport along the geodesic, integrated in a moving frame by Gauss-Legendre
  collocation (closed form for equal means);
* Karcher means: the affine-invariant closed-form iteration for beliefs that share one mean,
  gradient descent over the shooting log map otherwise;
* Nielsen's approximation (Nielsen 2023): sqrt(Jeffreys) summed along the discretized projected
  Calvo-Oller curve, an independent method (an upper approximation of the distance).

Inputs: means of shape (..., d) and covariances of shape (..., d, d) (finite, symmetric within a
relative 1e-10 (float64) / 1e-5 (float32) of sqrt(S_ii S_jj), positive definite; the symmetric
part is used).  Batches broadcast over the leading axes.  Fixed-size kernels for d = 2, 3, 4,
dynamic Eigen code otherwise (any d >= 1).  The formulas: :doc:`/mathematics/mvnormal`.

References: L. T. Skovgaard, *A Riemannian geometry of the multivariate normal model*, Scand. J.
Statist. 11 (1984); M. Calvo, J. M. Oller, *A distance between multivariate normal distributions
based in an embedding into the Siegel group*, J. Multivariate Anal. 35 (1990), and *An explicit
solution of information geodesic equations for the multivariate normal model*, Statistics &
Decisions 9 (1991); P. S. Eriksen, *Geodesics connected with the Fisher metric on the
multivariate normal manifold*, Proc. GST Workshop, Lancaster (1987); F. Nielsen, *A simple
approximation method for the Fisher-Rao distance between multivariate normal distributions*,
Entropy 25 (2023), arXiv 2307.10644.
"""

from __future__ import annotations

from ._mvnormal_belief import MVNormal
from ._mvnormal_closed import bounds, entropy, exp, inner, jeffreys, kl, same_cov_distance, same_mean_distance
from ._mvnormal_numpy import cov_from_cholesky, cov_from_precision, karcher_mean, metric
from ._mvnormal_shooting import MAX_ITER as MAX_ITER
from ._mvnormal_shooting import TOL as TOL
from ._mvnormal_shooting import DistanceInfo, distance, distance_nielsen, geodesic, log, transport

__all__ = [
    "DistanceInfo",
    "MVNormal",
    "bounds",
    "cov_from_cholesky",
    "cov_from_precision",
    "distance",
    "distance_nielsen",
    "entropy",
    "exp",
    "geodesic",
    "inner",
    "jeffreys",
    "karcher_mean",
    "kl",
    "log",
    "metric",
    "same_cov_distance",
    "same_mean_distance",
    "transport",
]

for _f in (
    cov_from_cholesky,
    cov_from_precision,
    karcher_mean,
    metric,
    DistanceInfo,
    distance,
    distance_nielsen,
    geodesic,
    log,
    transport,
    bounds,
    MVNormal,
):
    _f.__module__ = __name__  # documented and used as beds.mvnormal.<name>
del _f
