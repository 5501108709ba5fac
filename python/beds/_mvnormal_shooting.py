"""The geodesic-shooting operations of :mod:`beds.mvnormal`: the distance (with its certificate), the
log map, geodesic points, parallel transport and Nielsen's approximation.

Re-exported by :mod:`beds.mvnormal`, where they are documented (:doc:`/mathematics/mvnormal`).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from . import _core
from ._belief import ConvergenceWarning
from ._dask import is_dask_array
from ._mvnormal_closed import _FAR, _call, _tol_iter, _warn
from ._validation import check_iterations

__all__ = ["MAX_ITER", "TOL", "DistanceInfo", "distance", "distance_nielsen", "geodesic", "log", "transport"]

#: default relative tolerance of the shooting (FR length of the last Newton step / distance): the
#: default of the kernels
TOL: float = _core.MVNORMAL_TOL
#: default limit of the Newton iterations of the shooting: the default of the kernels
MAX_ITER: int = _core.MVNORMAL_MAX_ITER


class DistanceInfo(NamedTuple):
    """Result of ``distance(..., return_info=True)``: the distance with its certificate.

    Every field is an array of the batch shape.  ``lower <= distance <= upper`` always holds,
    converged or not (a pair that did not converge returns its last iterate clipped to the bounds).

    Parameters
    ----------
    distance : numpy.ndarray
        The Fisher-Rao distance (where not converged: the clipped iterate).
    lower : numpy.ndarray
        Calvo-Oller lower bound.
    upper : numpy.ndarray
        The sqrt(Jeffreys) upper bound (inf where not representable).
    iterations : numpy.ndarray
        Newton iterations (int64), 0 for the closed forms, -1 where not converged.
    converged : numpy.ndarray
        ``iterations >= 0``.

    Examples
    --------
    >>> import numpy as np, beds
    >>> info = beds.mvnormal.distance(np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2), return_info=True)
    >>> bool(info.lower <= info.distance <= info.upper), bool(info.converged)
    (True, True)
    """

    distance: Any
    lower: Any
    upper: Any
    iterations: Any
    converged: Any


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
    Every result is checked against the Calvo-Oller lower and sqrt(Jeffreys) upper bounds.  See
    :doc:`/mathematics/mvnormal`.

    Parameters
    ----------
    mean1, cov1 : array_like
        First belief: mean (..., d), covariance (..., d, d) (symmetric positive definite).
    mean2, cov2 : array_like
        Second belief; batch shapes broadcast.
    tol : float, optional
        Relative FR length of the last Newton step (the quadratic convergence makes the final
        error much smaller: about 1e-15 relative against independent mpmath/scipy solutions).
    max_iter : int, optional
        Newton iterations per pair.
    return_info : bool, optional
        Return a :class:`DistanceInfo` (distance, lower, upper, iterations, converged).
    out : numpy.ndarray, optional
        Where to write the distances.

    Returns
    -------
    numpy.ndarray or DistanceInfo
        The distances (batch shape).  Where the shooting did not converge (iterations -1) the
        value is the last iterate clipped to ``[lower, upper]`` (the lower bound if the iterate
        is not finite): never outside the certified bounds, and flagged.

    Raises
    ------
    ValueError
        If an argument is not finite, a covariance is not symmetric positive definite, the shapes
        do not agree, ``tol`` / ``max_iter`` are not positive, or a pair is too far apart for the
        matrix exponential of the geodesic (Fisher-Rao distance beyond about 700).

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
    d, lo, up, it = _call(
        "distance_info", [mean1, cov1, mean2, cov2, *_tol_iter(tol, max_iter)], message=f"distance: {_FAR}"
    )
    if out is not None:
        np.copyto(out, d)
        d = out
    _warn(it, "distance")
    if return_info:
        return DistanceInfo(d, lo, up, it, it >= 0)
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
    """Riemannian logarithm: the initial velocity at point 1 of the geodesic to point 2.

    The velocity ``(v_mean, v_cov)`` with ``exp(mean1, cov1, v_mean, v_cov) = (mean2, cov2)``, by
    geodesic shooting (see :func:`distance`); its Fisher norm is the distance.  See
    :doc:`/mathematics/mvnormal`.

    Parameters
    ----------
    mean1, cov1 : array_like
        First belief: mean (..., d), covariance (..., d, d) (symmetric positive definite).
    mean2, cov2 : array_like
        Second belief; batch shapes broadcast.
    tol : float, optional
        Shooting tolerance (as in :func:`distance`).
    max_iter : int, optional
        Newton iterations per pair.
    return_iterations : bool, optional
        Also return the iteration counts (-1 where not converged).

    Returns
    -------
    v_mean : numpy.ndarray
        Mean component of the tangent vector at point 1, (..., d).
    v_cov : numpy.ndarray
        Its covariance component, symmetric (..., d, d).
    iterations : numpy.ndarray
        Only with ``return_iterations``.

    Raises
    ------
    ValueError
        If an argument is not finite, a covariance is not symmetric positive definite, the shapes
        do not agree, ``tol`` / ``max_iter`` are not positive, or the pair is too far apart for
        the shooting (Fisher-Rao distance beyond about 700).

    Warns
    -----
    ConvergenceWarning
        When some pair did not converge (the iterate is returned).

    Examples
    --------
    >>> import numpy as np, beds
    >>> x, B = beds.mvnormal.log(np.zeros(1), np.eye(1), np.zeros(1), 4 * np.eye(1))
    >>> round(float(B[0, 0]), 12)  # 2 ln 2: the variance grows like exp(t B)
    1.38629436112
    """
    x, b, it = _call("log", [mean1, cov1, mean2, cov2, *_tol_iter(tol, max_iter)], message=f"log: {_FAR}")
    _warn(it, "log")
    return (x, b, it) if return_iterations else (x, b)


def geodesic(
    mean1: Any, cov1: Any, mean2: Any, cov2: Any, t: Any, *, tol: float = TOL, max_iter: int = MAX_ITER
) -> tuple[Any, Any]:
    """Point at parameter t of the geodesic from point 1 (t = 0) to point 2 (t = 1).

    ``exp(p1, t log(p1, p2))`` (the log by geodesic shooting, the exp exact), at Fisher-Rao
    distance ``|t| d`` from point 1; any real t.  See :doc:`/mathematics/mvnormal`.

    Parameters
    ----------
    mean1, cov1 : array_like
        First belief: mean (..., d), covariance (..., d, d) (symmetric positive definite).
    mean2, cov2 : array_like
        Second belief; batch shapes broadcast.
    t : array_like
        Parameter (batch shape, broadcasting).
    tol : float, optional
        Shooting tolerance (as in :func:`distance`).
    max_iter : int, optional
        Newton iterations per pair.

    Returns
    -------
    mean : numpy.ndarray
        Means of the points, (..., d).
    cov : numpy.ndarray
        Their covariances, (..., d, d).

    Raises
    ------
    ValueError
        If an argument is not finite, a covariance is not symmetric positive definite, the shapes
        do not agree, ``tol`` / ``max_iter`` are not positive, the point overflows (``|t|`` too
        large), or the pair is too far apart for the shooting.

    Warns
    -----
    ConvergenceWarning
        When some pair did not converge.

    Examples
    --------
    >>> import numpy as np, beds
    >>> m, S = beds.mvnormal.geodesic(np.zeros(1), np.eye(1), np.zeros(1), 4 * np.eye(1), 0.5)
    >>> round(float(S[0, 0]), 12)  # the geometric mean of the variances
    2.0
    """
    m, c, it = _call(
        "geodesic",
        [mean1, cov1, mean2, cov2, t, *_tol_iter(tol, max_iter)],
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
    ``E v_cov E^T`` (and ``E v_mean``) with ``E = (cov2 cov1^-1)^(1/2)``.  See
    :doc:`/mathematics/mvnormal`.

    Parameters
    ----------
    mean1, cov1 : array_like
        Start point, shapes (..., d) and (..., d, d) (covariances symmetric positive definite).
    mean2, cov2 : array_like
        End point.
    v_mean, v_cov : array_like
        Tangent vector at the start point: mean component (..., d) and symmetric covariance
        component (..., d, d).
    tol : float, optional
        Geodesic shooting tolerance (as in :func:`distance`).
    max_iter : int, optional
        Newton iterations of the shooting.
    return_iterations : bool, optional
        Also return the shooting iterations (0 for equal means, -1 where not converged).

    Returns
    -------
    w_mean : numpy.ndarray
        Mean component of the transported vector, tangent at the end point (batch shapes
        broadcast).  ``(w_mean, w_cov)`` has the Fisher norm of ``(v_mean, v_cov)`` and the same
        inner product with any other transported vector.
    w_cov : numpy.ndarray
        Its covariance component (symmetric).
    iterations : numpy.ndarray
        Only with ``return_iterations`` (int64).

    Raises
    ------
    ValueError
        If a covariance is not symmetric positive definite, an entry is not finite, ``v_cov`` is
        not symmetric, shapes do not agree, ``tol`` / ``max_iter`` are not positive, the result
        overflows, or the pair is too far apart for the shooting.

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
        "transport",
        [mean1, cov1, mean2, cov2, v_mean, v_cov, *_tol_iter(tol, max_iter)],
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
    """Approximate the Fisher-Rao distance by Nielsen's method (Nielsen 2023, arXiv 2307.10644).

    The Calvo-Oller SPD geodesic between the embeddings is projected back to the normal manifold
    (``mu = b / c``, ``Sigma = A - b b^T / c`` for ``P = [[A, b], [b^T, c]]``) and its length is
    approximated by ``sum_k sqrt(J(c_k, c_{k+1}))`` over a uniform discretization; the number of
    segments doubles from 2 until two sums agree within ``tol`` (relative).  This is the length of
    a curve that is close to but not the geodesic, so it lies slightly above the distance (0.1 %
    on the reference vector of :doc:`/mathematics/mvnormal`): an independent check, not the exact
    distance.

    Parameters
    ----------
    mean1, cov1 : array_like
        First belief: mean (..., d), covariance (..., d, d) (symmetric positive definite).
    mean2, cov2 : array_like
        Second belief; batch shapes broadcast.
    tol : float, optional
        Relative agreement of two successive sums.
    max_segments : int, optional
        Largest number of segments, an integer in ``[2, 1_000_000]``.
    return_segments : bool, optional
        Also return the segments used (-1 where ``max_segments`` was reached first).

    Returns
    -------
    length : numpy.ndarray
        The approximations (batch shape).
    segments : numpy.ndarray
        Only with ``return_segments`` (int64).

    Raises
    ------
    ValueError
        If an argument is not finite, a covariance is not symmetric positive definite, the shapes
        do not agree, ``max_segments`` is not an integer in ``[2, 1_000_000]``, ``tol`` is not
        positive, or the pair is too far apart for the discretized curve.

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
    check_iterations(tol, max_segments, "max_segments")  # also bounds max_segments (the cost of a call)
    if max_segments < 2:
        raise ValueError(f"max_segments must be an integer >= 2, got {max_segments!r}")
    v, seg = _call(
        "nielsen",
        [mean1, cov1, mean2, cov2, np.float64(tol), np.int64(max_segments)],
        message="distance_nielsen: (mean2, cov2) is too far from (mean1, cov1) for the discretized curve "
        "(its sum overflows or loses all accuracy)",
        finite=True,
    )
    bad = 0 if is_dask_array(seg) else int(np.count_nonzero(np.asarray(seg) < 0))
    if bad:
        warnings.warn(
            f"distance_nielsen: {bad} pair(s) did not reach tol={tol} with max_segments={max_segments}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return (v, seg) if return_segments else v
