"""Multivariate normal beliefs N(mean, cov) with full covariance: exact Fisher-Rao geometry.

Fisher metric (no factor 1/4), at N(mu, Sigma) on tangent vectors (x, B) (B symmetric)::

    <(x1, B1), (x2, B2)> = x1^T Sigma^-1 x2 + 1/2 tr(Sigma^-1 B1 Sigma^-1 B2)

(Skovgaard 1984).  Affine maps are isometries, so every pair is first moved to N(0, I) with the
Cholesky factor of Sigma1.  There is no closed form for the distance in general; beds computes:

* closed forms: the same-mean distance ``sqrt(1/2 sum ln^2 lambda_i)`` (lambda = eigenvalues of
  Sigma1^-1 Sigma2, computed as ``log1p`` of the eigenvalues of ``L1^-1 (Sigma2 - Sigma1) L1^-T``, so
  near pairs keep full relative accuracy), the same-covariance distance
  ``sqrt(2) arccosh(1 + D^2/4) = 2 sqrt(2) asinh(D / (2 sqrt 2))`` (D = Mahalanobis distance; in the
  fixed-covariance model the distance would be D itself), KL, Jeffreys, entropy;
* the Calvo-Oller lower bound (same-mean formula on the (d+1) x (d+1) SPD embeddings
  ``[[Sigma + mu mu^T, mu], [mu^T, 1]]``, Calvo & Oller 1990) and the sqrt(Jeffreys) upper bound;
* exact geodesics from an initial velocity (Eriksen 1987, Calvo & Oller 1991): at N(0, I) with
  tangent (x, B), ``Lambda(t) = expm(t A)``, ``A = [[-B, x, 0], [x^T, 0, -x^T], [0, -x, B]]``,
  ``Sigma(t) = Lambda[:d, :d]^-1``, ``mu(t) = Sigma(t) Lambda[d, :d]``.  A is symmetric, so
  ``expm(A) - I = U diag(expm1(a)) U^T``;
* the log map and the distance by geodesic shooting: Newton's method on (x, B) with the exact
  Jacobian (Daleckii-Krein formula for the Frechet derivative of the symmetric matrix
  exponential), started from the projected Calvo-Oller SPD geodesic, with continuation along
  that curve as a fallback.  Every distance is certified against the bounds and carries its
  iteration count (``return_info=True``); a pair that does not converge gives a
  :class:`~beds.ConvergenceWarning`, a flag, and the iterate, never a silent value;
* Nielsen's approximation (Nielsen 2023): sqrt(Jeffreys) summed along the discretized projected
  Calvo-Oller curve, an independent method (an upper approximation of the distance).

Inputs: means of shape (..., d) and covariances of shape (..., d, d) (finite, symmetric within a
relative 1e-10 (float64) / 1e-5 (float32) of sqrt(S_ii S_jj), positive definite; the symmetric
part is used).  :meth:`MVNormal.from_cholesky` and :meth:`MVNormal.from_precision` (and
:func:`cov_from_cholesky`, :func:`cov_from_precision`) accept Cholesky factors or precision
matrices.  Batches broadcast over the leading axes.  Fixed-size kernels for d = 2, 3, 4, dynamic
Eigen code otherwise (any d >= 1).

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

import inspect
import warnings
from typing import Any, NamedTuple

import numpy as np

from . import _core
from ._belief import Belief, ConvergenceWarning, Tangent, _is_duck_array, bind_arguments
from ._validation import as_real_array, as_tuple, call_checked, check_domain, check_iterations

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

_M = "beds.mvnormal"
#: default relative tolerance of the shooting (FR length of the last Newton step / distance)
TOL = 1e-12
MAX_ITER = 50


class DistanceInfo(NamedTuple):
    """Result of ``distance(..., return_info=True)`` (arrays of the batch shape)."""

    distance: Any
    lower: Any  #: Calvo-Oller lower bound
    upper: Any  #: sqrt(Jeffreys) upper bound
    iterations: Any  #: Newton iterations (int64), -1 where not converged
    converged: Any  #: iterations >= 0


# ------------------------------------------------------------------------ argument handling
def _kinds_check(values: list[np.ndarray], names: list[str], kinds: str) -> None:
    """Shapes: 'v' (..., d), 'm' (..., d, d), 's' scalar per batch element; d >= 1 and consistent."""
    d = None
    for a, n, k in zip(values, names, kinds):
        if k == "v":
            if a.ndim < 1:
                raise ValueError(f"{n} must have a last axis of length d (a vector), got shape {a.shape}")
            dd = a.shape[-1]
        elif k == "m":
            if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
                raise ValueError(f"{n} must have two trailing axes of equal length (d, d), got shape {a.shape}")
            dd = a.shape[-1]
        else:
            continue
        if dd == 0:
            raise ValueError(f"{n} must have d >= 1, got shape {a.shape}")
        if d is None:
            d = dd
        elif dd != d:
            desc = ", ".join(f"{nn} {aa.shape}" for nn, aa, kk in zip(names, values, kinds) if kk != "s")
            raise ValueError(f"dimensions d do not agree: {desc}")


_DOMAIN = {"v": "real", "m": "spd", "b": "symmetric", "s": "real"}


def _call(
    ufunc_name: str,
    values: list[Any],
    names: list[str],
    kinds: str,
    extra: tuple = (),
    out: Any = None,
    message: str | None = None,
    finite: bool = False,
) -> Any:
    """Validated call of an mvnormal ufunc.  kinds: v (mean-like), m (covariance), b (symmetric
    tangent matrix), s (scalar per element); ``extra`` are trailing (tol, max_iter) arguments.
    ``message``: the ValueError raised when every argument is valid but the kernel reports a result
    it cannot represent; with ``finite``, also when a float result overflowed to infinity."""
    uf = getattr(_core, ufunc_name)
    for v in values:
        if type(v) is not np.ndarray and _is_duck_array(v):
            return uf(*values, *extra, **({"out": out} if out is not None else {}))
    arrays = [as_real_array(v, n) for v, n in zip(values, names)]
    _kinds_check(arrays, names, kinds.replace("b", "m"))
    core = [{"v": 1, "m": 2, "b": 2, "s": 0}[k] for k in kinds] + [0] * len(extra)
    domains = [_DOMAIN[k] for k in kinds] + ["real"] * len(extra)
    res = call_checked(
        uf,
        arrays + list(extra),
        names + ["tol", "max_iter"][: len(extra)],
        domains,
        out=out,
        core_ndims=core,
        on_domain_error=message,
    )
    if finite and message is not None:
        for r in as_tuple(res):
            r = np.asarray(r)
            if r.dtype.kind == "f" and not np.isfinite(r).all():
                raise ValueError(message)
    return res


def _tol_iter(tol: Any, max_iter: Any) -> tuple:
    check_iterations(tol, max_iter)
    return (np.float64(tol), np.int64(max_iter))


def _warn(iterations: Any, what: str, stacklevel: int = 3) -> None:
    bad = int(np.count_nonzero(np.asarray(iterations) < 0))
    if bad:
        warnings.warn(
            f"{what}: geodesic shooting did not converge for {bad} pair(s); the iterate is returned "
            "(use return_info=True for the flags and the bounds)",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )


#: beyond this Fisher-Rao distance the matrix exponential of the geodesic overflows
_MAX_SHOOTING_DISTANCE = 700

_FAR = (
    "(mean2, cov2) is too far from (mean1, cov1) for geodesic shooting: the matrix exponential of the "
    f"geodesic overflows (supported: Fisher-Rao distances below about {_MAX_SHOOTING_DISTANCE}; beyond about 20 "
    "the shooting is flagged as not converged); mvnormal.bounds brackets the distance"
)

#: the ValueError raised when every argument is valid but the result is not representable
_RANGE_MESSAGES = {
    "exp": "exp: the result overflowed (tangent vector too long)",
    "kl": "kl: the divergence overflows (about 1.8e308 at most): (mean2, cov2) is too far from (mean1, cov1)",
    "jeffreys": "jeffreys: the divergence overflows (about 1.8e308 at most): (mean2, cov2) is too far from "
    "(mean1, cov1)",
    "inner": "inner: the inner product overflows (about 1.8e308 at most): u and v are too long at cov",
    "same_cov_distance": "same_cov_distance: mean2 - mean1 overflows (it must be finite)",
}


def _make(name: str, ufunc_name: str, names: tuple[str, ...], kinds: str, doc: str) -> Any:
    def fn(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        return _call(
            ufunc_name,
            bind_arguments(name, names, args, kwargs),
            list(names),
            kinds,
            out=out,
            message=_RANGE_MESSAGES.get(name),
            finite=name in _RANGE_MESSAGES,
        )

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = _M
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    params.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return fn


_PAIR = ("mean1", "cov1", "mean2", "cov2")

kl = _make(
    "kl",
    "mvnormal_kl",
    _PAIR,
    "vmvm",
    """KL(N1 || N2) in nats.

    ``1/2 [tr(S2^-1 S1) - d + dmu^T S2^-1 dmu + ln det S2 / det S1]``, evaluated at N(0, I) from the
    eigenvalues mu_i of ``L1^-1 (S2 - S1) L1^-T`` as ``1/2 sum [log1p(mu) - mu/(1+mu) + c^2/(1+mu)]``
    (``log1pmx`` near mu = 0), so near pairs keep full relative accuracy.

    >>> import numpy as np, beds
    >>> round(float(beds.mvnormal.kl(np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2))), 6)
    0.693147
    """,
)
jeffreys = _make(
    "jeffreys",
    "mvnormal_jeffreys",
    _PAIR,
    "vmvm",
    """Jeffreys divergence KL(N1 || N2) + KL(N2 || N1).

    ``1/2 [tr(S2^-1 S1) + tr(S1^-1 S2) - 2d + dmu^T (S1^-1 + S2^-1) dmu]``, a sum of non-negative terms
    ``1/2 sum [mu^2/(1+mu) + c^2 (2+mu)/(1+mu)]``.  ``sqrt(jeffreys)`` bounds the FR distance above.""",
)
entropy = _make(
    "entropy",
    "mvnormal_entropy",
    ("cov",),
    "m",
    """Differential entropy ``d/2 log(2 pi e) + 1/2 log det cov`` (from the Cholesky factor).""",
)
same_mean_distance = _make(
    "same_mean_distance",
    "mvnormal_same_mean_distance",
    ("cov1", "cov2"),
    "mm",
    """Fisher-Rao distance between N(mu, cov1) and N(mu, cov2) (same mean).

    ``sqrt(1/2 sum_i ln^2 lambda_i)``, lambda = eig(cov1^-1 cov2) (the same-mean submanifold is totally
    geodesic).  Computed as ``log1p(mu_i)``, mu = eig(L1^-1 (cov2 - cov1) L1^-T), L1 = chol(cov1):
    relative error about 1e-15 even for pairs 1e-12 apart, where ``log(eig(...))`` loses 4 digits
    per 1e-4 of separation.  pyRiemann's ``distance_riemann`` is ``sqrt(2)`` times this value.

    >>> import numpy as np, beds
    >>> round(float(beds.mvnormal.same_mean_distance(np.eye(1), 4 * np.eye(1))), 15)   # sqrt(2) ln 2
    0.980258143468547
    """,
)
same_cov_distance = _make(
    "same_cov_distance",
    "mvnormal_same_cov_distance",
    ("mean1", "cov", "mean2"),
    "vmv",
    """Fisher-Rao distance between N(mean1, cov) and N(mean2, cov) in the full manifold.

    ``sqrt(2) arccosh(1 + D^2/4)``, D = Mahalanobis distance, evaluated as ``2 sqrt(2) asinh(D / (2 sqrt 2))``
    (accurate for near pairs).  This is the distance among all normals; inside the model with a
    fixed covariance it would be D itself.

    >>> import numpy as np, beds
    >>> round(float(beds.mvnormal.same_cov_distance(np.zeros(1), np.eye(1), [1.3])), 7)
    1.2581013
    """,
)
inner = _make(
    "inner",
    "mvnormal_inner",
    ("cov", "u_mean", "u_cov", "v_mean", "v_cov"),
    "mvbvb",
    """Fisher inner product at N(., cov): ``u_mean^T cov^-1 v_mean + 1/2 tr(cov^-1 u_cov cov^-1 v_cov)``.""",
)
exp = _make(
    "exp",
    "mvnormal_exp",
    ("mean", "cov", "v_mean", "v_cov"),
    "vmvb",
    """Riemannian exponential map: the point at t = 1 of the geodesic leaving N(mean, cov) with
    velocity (v_mean, v_cov) (v_cov symmetric).  Returns ``(mean', cov')``.

    Exact (Eriksen 1987, Calvo & Oller 1991): with cov = L L^T, x = L^-1 v_mean, B = L^-1 v_cov L^-T,
    ``Lambda = expm(A)``, ``A = [[-B, x, 0], [x^T, 0, -x^T], [0, -x, B]]`` (symmetric, size 2d+1, by
    its eigen-decomposition), ``Sigma = Lambda[:d, :d]^-1``, ``mu = Sigma Lambda[d, :d]``, mapped back by
    L.  Agrees with a 40-digit mpmath evaluation of the same matrix exponential to about 1e-15.""",
)


def bounds(mean1: Any, cov1: Any, mean2: Any, cov2: Any) -> tuple[Any, Any]:
    """(lower, upper) bounds of the Fisher-Rao distance: Calvo-Oller and sqrt(Jeffreys).

    Lower: the SPD distance ``sqrt(1/2 sum ln^2 eig(P1^-1 P2))`` between the embeddings
    ``P = [[cov + mean mean^T, mean], [mean^T, 1]]`` (Calvo & Oller 1990), computed in difference form.
    Upper: ``sqrt(KL(N1||N2) + KL(N2||N1))`` (any exponential family).

    >>> import numpy as np, beds
    >>> lo, up = beds.mvnormal.bounds([0, 0], [[1, .2], [.2, .5]], [1, -1], [[.6, -.1], [-.1, 1.4]])
    >>> round(float(lo), 6), round(float(up), 6)
    (1.754847, 2.02214)
    """
    return _call(
        "mvnormal_bounds",
        [mean1, cov1, mean2, cov2],
        list(_PAIR),
        "vmvm",
        message="bounds: the bounds overflow (about 1.8e308 at most): (mean2, cov2) is too far from (mean1, cov1)",
        finite=True,
    )


def distance(
    mean1: Any,
    cov1: Any,
    mean2: Any,
    cov2: Any,
    *,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
    return_info: bool = False,
    out: Any = None,
) -> Any:
    """Fisher-Rao distance between N(mean1, cov1) and N(mean2, cov2) by geodesic shooting.

    Newton's method on the initial velocity (x, B) at N(0, I) (after the affine map of point 1 to
    N(0, I)) so that the exact geodesic ``expm(A(x, B))`` reaches point 2; the distance is
    ``sqrt(x^T x + 1/2 tr B^2)`` (Eriksen 1987, Calvo & Oller 1991).  Exact Jacobian; start from
    the projected Calvo-Oller geodesic, continuation as a fallback.  Equal means or equal
    covariances take the closed forms (:func:`same_mean_distance`, :func:`same_cov_distance`).
    Every result is checked against the Calvo-Oller lower and sqrt(Jeffreys) upper bounds.  The
    computation is scaled (translation to mean1 = 0, covariances divided by a power of four),
    so covariances anywhere in the float range, subnormal ones included, give the same answer.

    Parameters
    ----------
    mean1, cov1, mean2, cov2 : array_like
        Means (..., d) and covariances (..., d, d) (symmetric positive definite); batch shapes
        broadcast.
    tol : float, optional
        Relative FR length of the last Newton step (the quadratic convergence makes the final
        error much smaller: about 1e-15 relative against independent mpmath/scipy solutions).
    max_iter : int, optional
        Newton iterations per pair.
    return_info : bool, optional
        Return a :class:`DistanceInfo` (distance, lower, upper, iterations, converged).
    out : ndarray, optional
        Where to write the distances.

    Returns
    -------
    distance : ndarray or DistanceInfo
        Where the shooting did not converge (iterations -1) the value is the last iterate
        clipped to ``[lower, upper]`` (the lower bound if the iterate is not finite): never
        outside the certified bounds, and flagged.

    Raises
    ------
    ValueError
        Invalid arguments (naming them), or a pair too far apart for the matrix exponential of
        the geodesic (Fisher-Rao distance beyond about 700).

    Warns
    -----
    ConvergenceWarning
        When some pair did not converge.

    Examples
    --------
    >>> import numpy as np, beds
    >>> S1 = [[1, .2], [.2, .5]]; S2 = [[.6, -.1], [-.1, 1.4]]
    >>> round(float(beds.mvnormal.distance([0, 0], S1, [1, -1], S2)), 13)
    1.8075952200369
    """
    extra = _tol_iter(tol, max_iter)
    res = _call(
        "mvnormal_distance_info", [mean1, cov1, mean2, cov2], list(_PAIR), "vmvm", extra, message=f"distance: {_FAR}"
    )
    d, lo, up, it = res
    if out is not None:
        np.copyto(out, d)
        d = out
    _warn(it, "distance")
    if return_info:
        return DistanceInfo(d, lo, up, it, np.asarray(it) >= 0)
    return d


def log(
    mean1: Any,
    cov1: Any,
    mean2: Any,
    cov2: Any,
    *,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
    return_iterations: bool = False,
) -> Any:
    """Riemannian logarithm: the initial velocity ``(v_mean, v_cov)`` at point 1 of the geodesic that
    reaches point 2 at t = 1 (geodesic shooting, see :func:`distance`); its FR norm is the distance.
    Returns ``(v_mean, v_cov)`` (and the iteration counts, -1 where not converged, if
    ``return_iterations``)."""
    x, b, it = _call(
        "mvnormal_log",
        [mean1, cov1, mean2, cov2],
        list(_PAIR),
        "vmvm",
        _tol_iter(tol, max_iter),
        message=f"log: {_FAR}",
    )
    _warn(it, "log")
    return (x, b, it) if return_iterations else (x, b)


def geodesic(
    mean1: Any, cov1: Any, mean2: Any, cov2: Any, t: Any, *, tol: float = TOL, max_iter: int = MAX_ITER
) -> tuple[Any, Any]:
    """Point ``(mean, cov)`` at parameter t of the geodesic from point 1 (t = 0) to point 2 (t = 1):
    ``exp(t log(p1, p2))``, at FR distance ``|t| d`` from point 1."""
    m, c, it = _call(
        "mvnormal_geodesic",
        [mean1, cov1, mean2, cov2, t],
        list(_PAIR) + ["t"],
        "vmvms",
        _tol_iter(tol, max_iter),
        message=f"geodesic: the point overflowed (|t| too large), or {_FAR}",
    )
    _warn(it, "geodesic")
    return m, c


def transport(
    mean1: Any,
    cov1: Any,
    mean2: Any,
    cov2: Any,
    v_mean: Any,
    v_cov: Any,
    *,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
    return_iterations: bool = False,
) -> Any:
    """Parallel transport of a tangent vector along the geodesic from point 1 to point 2.

    Transports ``(v_mean, v_cov)``, tangent at N(mean1, cov1), along the Fisher-Rao geodesic to
    N(mean2, cov2) with the Levi-Civita connection of the Fisher metric.  Along a curve
    ``(mu(t), Sigma(t))`` a field ``(y, C)`` is parallel when::

        y' = 1/2 (Sigma' Sigma^-1 y + C Sigma^-1 mu')
        C' = 1/2 (Sigma' Sigma^-1 C + C Sigma^-1 Sigma') - 1/2 (mu' y^T + y mu'^T)

    (the connection of the geodesic equations of Skovgaard 1984).  The pair is moved to
    point 1 = N(0, I) by an affine isometry, the geodesic comes from geodesic shooting (see
    :func:`log`) as Eriksen's exact matrix-exponential solution, and the equation is integrated
    along it in a moving frame where it is a rotation, by 8-stage Gauss-Legendre collocation
    (order 16; it conserves the metric exactly, so the result is an isometry to rounding error).
    Equal means: the closed form of the affine-invariant geometry of covariances,
    ``E v E^T`` (and ``E v_mean``) with ``E = (cov2 cov1^-1)^(1/2)``.

    Parameters
    ----------
    mean1, cov1 : array_like
        Start point, shapes (..., d) and (..., d, d) (covariances symmetric positive definite).
    mean2, cov2 : array_like
        End point.
    v_mean, v_cov : array_like
        Tangent vector at the start point: mean component (..., d) and symmetric covariance
        component (..., d, d).
    tol, max_iter : float, int, optional
        Geodesic shooting tolerance and iteration limit (as in :func:`distance`).
    return_iterations : bool, optional
        Also return the shooting iterations (0 for equal means, -1 where not converged).

    Returns
    -------
    w_mean, w_cov : ndarray
        The transported vector, tangent at the end point (batch shapes broadcast).  It has the
        same Fisher norm as ``(v_mean, v_cov)`` and the same inner product with any other
        transported vector.
    iterations : ndarray of int64
        Only with ``return_iterations``.

    Raises
    ------
    ValueError
        If a covariance is not symmetric positive definite, an entry is not finite, ``v_cov`` is
        not symmetric, shapes do not agree, or ``tol`` / ``max_iter`` are invalid.

    Warns
    -----
    ConvergenceWarning
        Where the geodesic shooting did not converge (the transport then follows the geodesic
        of the last iterate).

    References
    ----------
    L. T. Skovgaard, Scand. J. Statist. 11 (1984); P. S. Eriksen (1987); M. Calvo, J. M. Oller,
    Statistics & Decisions 9 (1991); E. Hairer, C. Lubich, G. Wanner, *Geometric Numerical
    Integration*, Springer (2006), section IV.2 (Gauss collocation conserves quadratic invariants).

    Examples
    --------
    >>> import numpy as np, beds
    >>> S1 = [[1, .2], [.2, .5]]; S2 = [[.6, -.1], [-.1, 1.4]]
    >>> v = (np.array([1.0, 0.0]), np.array([[0.0, 0.1], [0.1, 0.0]]))
    >>> w = beds.mvnormal.transport([0, 0], S1, [1, -1], S2, *v)
    >>> n0 = beds.mvnormal.inner(S1, v[0], v[1], v[0], v[1])
    >>> n1 = beds.mvnormal.inner(S2, w[0], w[1], w[0], w[1])
    >>> bool(np.isclose(n0, n1, rtol=1e-13))
    True
    """
    wm, wc, it = _call(
        "mvnormal_transport",
        [mean1, cov1, mean2, cov2, v_mean, v_cov],
        list(_PAIR) + ["v_mean", "v_cov"],
        "vmvmvb",
        _tol_iter(tol, max_iter),
        message=f"transport: the result overflowed (v too long), or {_FAR}",
    )
    _warn(it, "transport")
    return (wm, wc, it) if return_iterations else (wm, wc)


def distance_nielsen(
    mean1: Any,
    cov1: Any,
    mean2: Any,
    cov2: Any,
    *,
    tol: float = 1e-6,
    max_segments: int = 1 << 16,
    return_segments: bool = False,
) -> Any:
    """Nielsen's approximation of the Fisher-Rao distance (Nielsen 2023, arXiv 2307.10644).

    The Calvo-Oller SPD geodesic between the embeddings is projected back to the normal manifold
    (``mu = b / c``, ``Sigma = A - b b^T / c`` for ``P = [[A, b], [b^T, c]]``) and its length is
    approximated by ``sum_k sqrt(J(c_k, c_{k+1}))`` over a uniform discretization; the number of
    segments doubles from 2 until two sums agree within ``tol`` (relative).  This is the length of a
    curve that is close to but not the geodesic, so it lies slightly above the distance (0.1 % on the
    MATH.md test vector); it is an independent check, not the exact distance.

    Parameters
    ----------
    mean1, cov1, mean2, cov2 : array_like
        The two beliefs (batch shapes broadcast).
    tol : float, optional
        Relative agreement of two successive sums.
    max_segments : int, optional
        Largest number of segments (an integer >= 2).
    return_segments : bool, optional
        Also return the segments used (-1 where ``max_segments`` was reached first).

    Returns
    -------
    length : ndarray
    segments : ndarray of int64
        Only with ``return_segments``.

    Raises
    ------
    ValueError
        Invalid arguments, ``max_segments`` not an integer >= 2, ``tol`` not positive.

    Warns
    -----
    ConvergenceWarning
        Pairs that reached ``max_segments`` before ``tol``.

    Examples
    --------
    >>> import numpy as np, beds
    >>> S1 = [[1, .2], [.2, .5]]; S2 = [[.6, -.1], [-.1, 1.4]]
    >>> round(float(beds.mvnormal.distance_nielsen([0, 0], S1, [1, -1], S2, tol=1e-9)), 4)
    1.8093
    """
    check_iterations(tol, 1)
    if isinstance(max_segments, bool) or not isinstance(max_segments, (int, np.integer)) or max_segments < 2:
        raise ValueError(f"max_segments must be an integer >= 2, got {max_segments!r}")
    extra = (np.float64(tol), np.int64(max_segments))
    v, seg = _call(
        "mvnormal_nielsen",
        [mean1, cov1, mean2, cov2],
        list(_PAIR),
        "vmvm",
        extra,
        message="distance_nielsen: (mean2, cov2) is too far from (mean1, cov1) for the discretized curve "
        "(its sum overflows or loses all accuracy)",
        finite=True,
    )
    bad = int(np.count_nonzero(np.asarray(seg) < 0))
    if bad:
        warnings.warn(
            f"distance_nielsen: {bad} pair(s) did not reach tol={tol} with max_segments={max_segments}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return (v, seg) if return_segments else v


def metric(cov: Any) -> np.ndarray:
    """Fisher information matrix in the coordinates (mean_1..d, cov[i, j] for i >= j in
    ``np.tril_indices(d)`` order), shape ``batch + (n, n)``, n = d + d(d+1)/2.

    Block diagonal: ``cov^-1`` for the mean and ``1/2 tr(cov^-1 E_a cov^-1 E_b)`` for the covariance
    entries, E_a the symmetric basis matrix of entry a (1 at (i, j) and (j, i)).
    """
    c = as_real_array(cov, "cov")
    check_domain("cov", c, "spd")
    dt = np.result_type(c.dtype, np.float32)
    c = c.astype(np.float64)
    d = c.shape[-1]
    P = np.linalg.inv(0.5 * (c + np.swapaxes(c, -1, -2)))
    P = 0.5 * (P + np.swapaxes(P, -1, -2))
    ii, jj = np.tril_indices(d)
    E = np.zeros((len(ii), d, d))
    E[np.arange(len(ii)), ii, jj] = 1.0
    E[np.arange(len(ii)), jj, ii] = 1.0
    X = np.einsum("...ab,kbc->...kac", P, E)
    G = 0.5 * np.einsum("...iab,...jba->...ij", X, X)
    n = d + len(ii)
    out = np.zeros(c.shape[:-2] + (n, n))
    out[..., :d, :d] = P
    out[..., d:, d:] = G
    return out.astype(dt, copy=False)


def karcher_mean(
    mean: Any,
    cov: Any,
    weights: Any = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    return_iterations: bool = False,
) -> Any:
    """Weighted Frechet (Karcher) mean over the last batch axis.

    Minimizes ``sum_i w_i d(m, p_i)^2`` by Riemannian gradient descent,
    ``m <- exp_m(sum_i w_i log_m(p_i) / sum w)``, stopped when the FR length of a step is at most
    ``tol * max(1, rms distance)``.

    Beliefs that share one mean (every belief of the reduced set with a positive weight has
    exactly the same mean) stay in the totally geodesic submanifold of covariances, where the
    metric is half the affine-invariant metric of SPD matrices: the mean is that common mean with
    the Riemannian mean of the covariances, whose log and exp maps are closed forms
    (``L log(L^-1 S L^-T) L^T`` by symmetric eigen-decompositions, M = L L^T; Pennec, Fillard &
    Ayache 2006; Moakher 2005), computed in compiled code with the same stopping rule.  Other sets
    take each log by geodesic shooting (:func:`log`).

    Parameters
    ----------
    mean : array_like, shape (..., n, d)
        Means of the beliefs; the mean is taken over axis -2.
    cov : array_like, shape (..., n, d, d)
        Covariances (symmetric positive definite).
    weights : array_like, shape (..., n), optional
        Non-negative weights with a positive sum (equal weights if None).
    tol : float, optional
        Relative FR length of the last step.
    max_iter : int, optional
        Iteration limit.  The compiled same-mean iteration also stops, flagged not converged, once
        the steps stop decreasing at rounding level (an unreachable ``tol`` costs a bounded time).
    return_iterations : bool, optional
        Also return the iteration counts (-1 where not converged).

    Returns
    -------
    mean : ndarray, shape (..., d)
    cov : ndarray, shape (..., d, d)
    iterations : ndarray of int64
        Only with ``return_iterations``.

    Raises
    ------
    ValueError
        Invalid shapes, entries, weights, ``tol`` or ``max_iter``.

    Warns
    -----
    ConvergenceWarning
        When a mean did not converge.

    Examples
    --------
    >>> import numpy as np, beds
    >>> m, S = beds.mvnormal.karcher_mean(np.zeros((2, 1)), [[[1.0]], [[4.0]]])
    >>> float(S[0, 0])   # geometric mean of the variances
    2.0
    """
    m = as_real_array(mean, "mean")
    c = as_real_array(cov, "cov")
    if m.ndim < 2 or c.ndim < 3:
        raise ValueError(
            "karcher_mean reduces over the last batch axis: mean needs shape (..., n, d) and cov "
            f"(..., n, d, d); got {m.shape} and {c.shape}"
        )
    _kinds_check([m, c], ["mean", "cov"], "vm")
    check_domain("mean", m, "real")
    check_domain("cov", c, "spd")
    check_iterations(tol, max_iter)
    dt = np.result_type(m.dtype, c.dtype, np.float32)
    batch = np.broadcast_shapes(m.shape[:-1], c.shape[:-2])
    if batch[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs")
    d = m.shape[-1]
    m = np.broadcast_to(m, batch + (d,)).astype(np.float64)
    c = np.broadcast_to(c, batch + (d, d)).astype(np.float64)
    if weights is None:
        w = np.ones(batch)
    else:
        w = np.broadcast_to(as_real_array(weights, "weights"), batch).astype(np.float64)
        check_domain("weights", w, "nonnegative")
        if not (w.sum(axis=-1) > 0).all():
            raise ValueError("weights must have a positive sum over the reduced axis")
    w = w / w.sum(axis=-1, keepdims=True)
    # start: the point of largest weight
    k = np.argmax(w, axis=-1)
    mu = np.take_along_axis(m, k[..., None, None], axis=-2)[..., 0, :]
    S = np.take_along_axis(c, k[..., None, None, None], axis=-3)[..., 0, :, :]
    its = np.full(batch[:-1], -1, dtype=np.int64)
    # sets whose beliefs (of positive weight) share one mean: closed-form SPD geometry
    same = np.all((m == mu[..., None, :]) | (w[..., None] == 0), axis=(-2, -1))
    if same.any():
        with np.errstate(invalid="ignore"):
            S_spd, it_spd = _core.mvnormal_spd_mean(c[same], w[same], np.float64(tol), np.int64(max_iter))
        if not np.isfinite(S_spd).all():
            raise ValueError(
                "karcher_mean: the covariances span too wide a range for their mean to be computed "
                "(the eigenvalues of cov_i^-1 cov_j must lie within about 1e-300..1e300)"
            )
        S = S.copy()
        S[same] = S_spd
        its[same] = it_spd
    if not same.all():
        gen = ~same
        mu[gen], S[gen], its[gen] = _karcher_shooting(m[gen], c[gen], w[gen], mu[gen], S[gen], tol, max_iter)
    bad = int(np.count_nonzero(its < 0))
    if bad:
        warnings.warn(
            f"karcher_mean: {bad} mean(s) did not converge in max_iter={max_iter} iterations",
            ConvergenceWarning,
            stacklevel=2,
        )
    mu, S = mu.astype(dt, copy=False), S.astype(dt, copy=False)
    return (mu, S, its) if return_iterations else (mu, S)


def _karcher_shooting(
    m: np.ndarray, c: np.ndarray, w: np.ndarray, mu: np.ndarray, S: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Karcher means of general sets (k, n, ...) by gradient descent with shooting logs."""
    its = np.full(w.shape[:-1], -1, dtype=np.int64)
    extra = (np.float64(1e-12), np.int64(MAX_ITER))
    done = np.zeros(w.shape[:-1], dtype=bool)
    for it in range(1, max_iter + 1):
        x, B, ok = _core.mvnormal_log(mu[..., None, :], S[..., None, :, :], m, c, *extra)
        if (ok < 0).any():
            break
        gx = np.einsum("...n,...nd->...d", w, x)
        gB = np.einsum("...n,...nij->...ij", w, B)
        gB = 0.5 * (gB + np.swapaxes(gB, -1, -2))
        step = np.sqrt(_core.mvnormal_inner(S, gx, gB, gx, gB))
        rms = np.sqrt(np.einsum("...n,...n->...", w, _core.mvnormal_inner(S[..., None, :, :], x, B, x, B)))
        mu_new, S_new = _core.mvnormal_exp(mu, S, gx, gB)
        upd = ~done
        mu = np.where(upd[..., None], mu_new, mu)
        S = np.where(upd[..., None, None], S_new, S)
        newly = upd & (step <= tol * np.maximum(1.0, rms))
        its[newly] = it
        done |= newly
        if done.all():
            break
    return mu, S, its


def cov_from_cholesky(chol: Any) -> np.ndarray:
    """Covariance ``L L^T`` from lower-triangular Cholesky factors (..., d, d) with a positive
    diagonal (the strict upper triangle is ignored)."""
    L = as_real_array(chol, "chol")
    if L.ndim < 2 or L.shape[-1] != L.shape[-2] or L.shape[-1] == 0:
        raise ValueError(f"chol must have two trailing axes of equal length d >= 1, got shape {L.shape}")
    check_domain("chol", L, "real")
    dg = np.diagonal(L, axis1=-2, axis2=-1)
    if not (dg > 0).all():
        bad = np.argwhere(~(dg > 0))[0]
        raise ValueError(
            f"chol must have a positive diagonal; found {dg[tuple(bad)]!r} at index {tuple(int(i) for i in bad)}"
        )
    L = np.tril(L.astype(np.result_type(L.dtype, np.float32)))
    return L @ np.swapaxes(L, -1, -2)


def cov_from_precision(precision: Any) -> np.ndarray:
    """Covariance ``precision^-1`` (through the Cholesky factor of the precision matrix)."""
    P = as_real_array(precision, "precision")
    check_domain("precision", P, "spd")
    dt = np.result_type(P.dtype, np.float32)
    P = P.astype(np.float64)
    L = np.linalg.cholesky(0.5 * (P + np.swapaxes(P, -1, -2)))
    eye = np.broadcast_to(np.eye(P.shape[-1]), P.shape)
    Li = np.linalg.solve(L, eye)  # L^-1
    C = np.swapaxes(Li, -1, -2) @ Li
    return (0.5 * (C + np.swapaxes(C, -1, -2))).astype(dt, copy=False)


class MVNormal(Belief):
    """A batch of multivariate normal beliefs N(mean, cov), mean (..., d), cov (..., d, d).

    The batch shapes of ``mean`` and ``cov`` broadcast; ``cov`` must be finite, symmetric (relative
    tolerance 1e-10, 1e-5 for float32) and positive definite (ValueError naming the argument and
    the batch index otherwise).  Tangent vectors have components ``mean`` (d) and ``cov``
    (symmetric d x d).  Alternative constructors: :meth:`from_cholesky`, :meth:`from_precision`.
    Parallel transport integrates the transport equation along the exact geodesic
    (:func:`transport`).

    >>> import numpy as np, beds
    >>> p = beds.MVNormal(np.zeros(2), [[1, .2], [.2, .5]])
    >>> q = beds.MVNormal([1, -1], [[.6, -.1], [-.1, 1.4]])
    >>> round(float(beds.distance(p, q)), 13)
    1.8075952200369
    >>> v = beds.log(p, q)
    >>> bool(np.allclose(beds.exp(v).cov, q.cov))
    True
    """

    __slots__ = ()
    params = ("mean", "cov")
    domains = ("real", "spd")
    tangent_domains = ("real", "symmetric")
    event_ndim = 1
    event_ndims = (1, 2)
    family = "mvnormal"
    entropy_params = ("cov",)
    inner_params = ("cov",)
    leaves_domain = "exp: the result overflowed (tangent vector too long)"

    def __init__(self, mean: Any, cov: Any) -> None:
        m = as_real_array(mean, "mean")
        c = as_real_array(cov, "cov")
        if m.ndim < 1:
            raise ValueError(f"mean must have a last axis of length d, got shape {m.shape}")
        if c.ndim < 2 or c.shape[-1] != c.shape[-2]:
            raise ValueError(f"cov must have two trailing axes of equal length (d, d), got shape {c.shape}")
        if m.shape[-1] != c.shape[-1]:
            raise ValueError(f"mean {m.shape} and cov {c.shape} have different dimensions d")
        if m.shape[-1] == 0:
            raise ValueError("MVNormal needs d >= 1")
        super().__init__(mean, cov)

    @classmethod
    def from_cholesky(cls, mean: Any, chol: Any) -> MVNormal:
        """N(mean, L L^T) from lower-triangular Cholesky factors L (positive diagonal)."""
        return cls(mean, cov_from_cholesky(chol))

    @classmethod
    def from_precision(cls, mean: Any, precision: Any) -> MVNormal:
        """N(mean, precision^-1) from precision matrices (symmetric positive definite)."""
        return cls(mean, cov_from_precision(precision))

    @property
    def dim(self) -> int:
        """Dimension d."""
        return self._p[0].shape[-1]

    @property
    def precision(self) -> np.ndarray:
        """Precision matrices cov^-1."""
        return cov_from_precision(self.cov)

    def distance(self, other: Belief, *, tol: float = TOL, max_iter: int = MAX_ITER, return_info: bool = False) -> Any:
        """Fisher-Rao distance (geodesic shooting, see :func:`beds.mvnormal.distance`)."""
        self._check_same(other)
        return distance(self.mean, self.cov, other.mean, other.cov, tol=tol, max_iter=max_iter, return_info=return_info)

    def bounds(self, other: MVNormal) -> tuple[Any, Any]:
        """(Calvo-Oller lower, sqrt(Jeffreys) upper) bounds of the distance to ``other``."""
        self._check_same(other)
        return bounds(self.mean, self.cov, other.mean, other.cov)

    def distance_nielsen(self, other: MVNormal, tol: float = 1e-6) -> Any:
        """Nielsen's approximation (see :func:`beds.mvnormal.distance_nielsen`)."""
        self._check_same(other)
        return distance_nielsen(self.mean, self.cov, other.mean, other.cov, tol=tol)

    def log(self, other: Belief, *, tol: float = TOL, max_iter: int = MAX_ITER) -> Tangent:
        self._check_same(other)
        x, b = log(self.mean, self.cov, other.mean, other.cov, tol=tol, max_iter=max_iter)
        base = self if x.shape == self.mean.shape else self._broadcast_to(x.shape)
        return Tangent._trusted(base, (x, b))

    def geodesic(self, other: Belief, t: Any, *, tol: float = TOL, max_iter: int = MAX_ITER) -> MVNormal:
        self._check_same(other)
        ta = t if isinstance(t, (int, float)) and not isinstance(t, bool) else as_real_array(t, "t")
        m, c = geodesic(self.mean, self.cov, other.mean, other.cov, ta, tol=tol, max_iter=max_iter)
        return MVNormal._trusted(m, c)

    def transport(self, v: Tangent, other: Belief, *, tol: float = TOL, max_iter: int = MAX_ITER) -> Tangent:
        """Parallel transport of v (tangent at self) to ``other`` along the geodesic; see
        :func:`beds.mvnormal.transport`."""
        self._check_tangent(v)
        self._check_same(other)
        wm, wc = transport(self.mean, self.cov, other.mean, other.cov, v._c[0], v._c[1], tol=tol, max_iter=max_iter)
        base = other if other._p[0].shape == wm.shape else other._broadcast_to(wm.shape)
        return Tangent._trusted(base, (wm, wc))

    def metric(self) -> np.ndarray:
        """Fisher information in the coordinates (mean, lower triangle of cov); see :func:`metric`."""
        return metric(self.cov)

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-10, max_iter: int = 100) -> MVNormal:
        """Weighted Frechet (Karcher) mean over batch axes; see :func:`beds.mvnormal.karcher_mean`."""
        (m, c), w, _ = self._reduction_layout(weights, axis)
        mu, S = karcher_mean(m, c, w, tol=tol, max_iter=max_iter)
        return MVNormal._trusted(np.asarray(mu), np.asarray(S))
