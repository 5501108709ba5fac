"""The parts of :mod:`beds.mvnormal` computed with numpy on top of the kernels: the Fisher
information matrix, the Karcher mean (the compiled affine-invariant iteration for beliefs that
share one mean, Riemannian gradient descent over the compiled log and exp maps otherwise),
covariances from Cholesky factors or precision matrices, and the shape check of mean and
covariance arguments.  Re-exported by :mod:`beds.mvnormal`, where they are documented.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core
from ._belief import ConvergenceWarning
from ._validation import as_real_array, check_domain, check_iterations

__all__ = ["MVNormalGradients", "check_dims", "cov_from_cholesky", "cov_from_precision", "karcher_mean", "metric"]


def check_dims(values: Sequence[np.ndarray], names: Sequence[str], core_ndims: Sequence[int]) -> None:
    """Event shapes (..., d) and (..., d, d) (core_ndims 1 and 2; 0 is a scalar per belief) with
    one d >= 1 for every argument."""
    d = None
    for a, n, c in zip(values, names, core_ndims):
        if c == 1:
            if a.ndim < 1:
                raise ValueError(f"{n} must have a last axis of length d (a vector), got shape {a.shape}")
        elif c == 2:
            if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
                raise ValueError(f"{n} must have two trailing axes of equal length (d, d), got shape {a.shape}")
        else:
            continue
        if a.shape[-1] == 0:
            raise ValueError(f"{n} must have d >= 1, got shape {a.shape}")
        if d is None:
            d = a.shape[-1]
        elif a.shape[-1] != d:
            desc = ", ".join(f"{nn} {aa.shape}" for nn, aa, cc in zip(names, values, core_ndims) if cc)
            raise ValueError(f"dimensions d do not agree: {desc}")


def metric(cov: Any) -> np.ndarray:
    """Fisher information matrix of N(mean, cov) in the coordinates (mean, lower triangle of cov).

    The coordinates are ``mean_1..d`` then ``cov[i, j]`` for ``i >= j`` in ``np.tril_indices(d)``
    order, n = d + d(d+1)/2 of them.  The matrix is block diagonal: ``cov^-1`` for the mean and
    ``1/2 tr(cov^-1 E_a cov^-1 E_b)`` for the covariance entries, E_a the symmetric basis matrix
    of entry a (1 at (i, j) and (j, i)) (Skovgaard 1984; :doc:`/mathematics/mvnormal`).  It does
    not depend on the mean.

    Parameters
    ----------
    cov : array_like
        Covariances (..., d, d), symmetric positive definite.

    Returns
    -------
    numpy.ndarray
        Shape ``batch + (n, n)``.

    Raises
    ------
    ValueError
        If a covariance is not finite, symmetric and positive definite.

    Examples
    --------
    >>> import numpy as np, beds
    >>> beds.mvnormal.metric([[2.0]]).tolist()
    [[0.5, 0.0], [0.0, 0.125]]
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
    Ayache, IJCV 66, 2006; Moakher, SIAM J. Matrix Anal. Appl. 26, 2005), computed in compiled
    code with the same stopping rule and a step that halves when a step grows (Congedo et al.,
    PLoS ONE 2015).  Other sets take each log by geodesic shooting (:func:`log`).  See
    :doc:`/mathematics/mvnormal`.

    Parameters
    ----------
    mean : array_like
        Means of the beliefs, shape (..., n, d); the mean is taken over axis -2.
    cov : array_like
        Covariances, shape (..., n, d, d) (symmetric positive definite).
    weights : array_like, optional
        Non-negative weights, shape (..., n), with a positive sum (equal weights if None).
    tol : float, optional
        Relative FR length of the last step.
    max_iter : int, optional
        Iteration limit.  Both iterations also stop, flagged not converged, after 8 steps without
        a new shortest step (rounding level reached before ``tol``): an unreachable ``tol`` costs
        a bounded time.
    return_iterations : bool, optional
        Also return the iteration counts (-1 where not converged).

    Returns
    -------
    mean : numpy.ndarray
        The mean of each set, shape (..., d).
    cov : numpy.ndarray
        Its covariance, shape (..., d, d).
    iterations : numpy.ndarray
        Only with ``return_iterations`` (int64; -1 where not converged).

    Raises
    ------
    ValueError
        If the shapes are not (..., n, d) and (..., n, d, d), an entry is not finite, a covariance
        is not symmetric positive definite, the weights are negative or sum to 0, ``tol`` /
        ``max_iter`` are not positive, or the covariances of a same-mean set span too wide a range
        (eigenvalues of ``cov_i^-1 cov_j`` beyond about 1e300).

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
    check_dims([m, c], ["mean", "cov"], [1, 2])
    check_domain("mean", m, "real")
    check_domain("cov", c, "spd")
    check_iterations(tol, max_iter)
    dt = np.result_type(m.dtype, c.dtype, np.float32)
    try:
        batch = np.broadcast_shapes(m.shape[:-1], c.shape[:-2])
    except ValueError:
        raise ValueError(
            f"the batch shapes of mean {m.shape[:-1]} and cov {c.shape[:-2]} do not broadcast "
            f"(mean (..., n, d), cov (..., n, d, d))"
        ) from None
    if batch[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs")
    d = m.shape[-1]
    m = np.broadcast_to(m, batch + (d,)).astype(np.float64)
    c = np.broadcast_to(c, batch + (d, d)).astype(np.float64)
    if weights is None:
        w = np.ones(batch)
    else:
        w = as_real_array(weights, "weights")
        try:
            w = np.broadcast_to(w, batch).astype(np.float64)
        except ValueError:
            raise ValueError(f"weights of shape {w.shape} do not broadcast to the batch shape {batch}") from None
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
            f"karcher_mean: {bad} mean(s) did not reach tol={tol}: stopped after max_iter={max_iter} "
            "iterations, or earlier when 8 steps in a row were no shorter than the shortest so far "
            "(the rounding level of the data)",
            ConvergenceWarning,
            stacklevel=2,
        )
    mu, S = mu.astype(dt, copy=False), S.astype(dt, copy=False)
    return (mu, S, its) if return_iterations else (mu, S)


def _karcher_shooting(
    m: np.ndarray, c: np.ndarray, w: np.ndarray, mu: np.ndarray, S: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Karcher means of general sets (k, n, ...) by gradient descent with shooting logs.  A set also
    stops, flagged not converged, after 8 steps without a new shortest step (rounding level
    reached before ``tol``): an unreachable ``tol`` costs a bounded time whatever ``max_iter``."""
    its = np.full(w.shape[:-1], -1, dtype=np.int64)
    extra = (np.float64(_core.MVNORMAL_TOL), np.int64(_core.MVNORMAL_MAX_ITER))
    done = np.zeros(w.shape[:-1], dtype=bool)
    best = np.full(w.shape[:-1], np.inf)
    since = np.zeros(w.shape[:-1], dtype=np.int64)
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
        better = step < best
        best = np.where(better, step, best)
        since = np.where(better, 0, since + 1)
        done |= newly | (since >= 8)
        if done.all():
            break
    return mu, S, its


def cov_from_cholesky(chol: Any) -> np.ndarray:
    """Compute covariances ``L L^T`` from lower-triangular Cholesky factors.

    The strict upper triangle of ``chol`` is ignored; a positive diagonal makes ``L L^T`` symmetric
    positive definite (the Cholesky factorization is unique under that condition: Golub & Van
    Loan, *Matrix Computations*, theorem 4.2.7).

    Parameters
    ----------
    chol : array_like
        Lower-triangular factors (..., d, d), d >= 1, with a positive diagonal.

    Returns
    -------
    numpy.ndarray
        The covariances (..., d, d), float32 for float32 input, float64 otherwise.

    Raises
    ------
    ValueError
        If the shape is not (..., d, d) with d >= 1, an entry is not finite, or a diagonal entry
        is not positive.

    Examples
    --------
    >>> import numpy as np, beds
    >>> beds.mvnormal.cov_from_cholesky([[2.0, 9.0], [1.0, 1.0]]).tolist()
    [[4.0, 2.0], [2.0, 2.0]]
    """
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
    """Compute covariances ``precision^-1`` from precision matrices.

    Inverted through the Cholesky factor ``precision = L L^T`` as ``L^-T L^-1`` (triangular
    solves; the result is symmetrized), which keeps the relative accuracy of well-scaled factors.

    Parameters
    ----------
    precision : array_like
        Precision matrices (..., d, d), symmetric positive definite.

    Returns
    -------
    numpy.ndarray
        The covariances (..., d, d), float32 for float32 input, float64 otherwise.

    Raises
    ------
    ValueError
        If a precision matrix is not finite, symmetric and positive definite.

    Examples
    --------
    >>> import numpy as np, beds
    >>> beds.mvnormal.cov_from_precision([[4.0, 0.0], [0.0, 0.5]]).round(12).tolist()
    [[0.25, 0.0], [0.0, 2.0]]
    """
    P = as_real_array(precision, "precision")
    check_domain("precision", P, "spd")
    dt = np.result_type(P.dtype, np.float32)
    P = P.astype(np.float64)
    L = np.linalg.cholesky(0.5 * (P + np.swapaxes(P, -1, -2)))
    eye = np.broadcast_to(np.eye(P.shape[-1]), P.shape)
    Li = np.linalg.solve(L, eye)  # L^-1
    C = np.swapaxes(Li, -1, -2) @ Li
    return (0.5 * (C + np.swapaxes(C, -1, -2))).astype(dt, copy=False)


class MVNormalGradients:
    """The hooks of :class:`beds.MVNormal` for the generic penalty and gradient code.

    A mixin without state (it reads ``mean`` and ``cov``): the Euclidean KL gradient and the
    Fisher metric as a map between tangent vectors and gradients, the questions that
    :mod:`beds._geometry` asks a family (see :doc:`/mathematics/regularization`).

    Examples
    --------
    >>> import beds
    >>> issubclass(beds.MVNormal, beds._mvnormal_numpy.MVNormalGradients)
    True
    """

    __slots__ = ()
    mean: np.ndarray
    cov: np.ndarray

    # ------------------------------------------- what the generic code needs (beds._geometry)
    # Gradients with respect to cov are symmetric matrices G with dR = tr(G dcov) (the convention of
    # beds.cholesky_grad); tangent vectors (x, B) have a symmetric B.
    def kl_gradient(self, other: Any) -> list[np.ndarray]:
        """Return the Euclidean gradient of ``KL(self || other)`` with respect to (mean, cov).

        ``KL = 1/2 [tr(S_o^-1 S) + dm^T S_o^-1 dm - d + ln det S_o - ln det S]`` (dm = mean - mean_o)
        has the gradient ``S_o^-1 dm`` for the mean and the symmetric ``1/2 (S_o^-1 - S^-1)`` for
        the covariance (``dKL = tr(G dS)``); used by :func:`beds.kl_penalty`.

        Parameters
        ----------
        other : MVNormal
            The reference beliefs.

        Returns
        -------
        list of numpy.ndarray
            ``[grad_mean, grad_cov]``.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p, q = beds.MVNormal(np.ones(1), [[1.0]]), beds.MVNormal(np.zeros(1), [[2.0]])
        >>> [g.round(12).tolist() for g in p.kl_gradient(q)]
        [[0.5], [[-0.25]]]
        """
        po = cov_from_precision(other.cov)
        gm = np.einsum("...ij,...j->...i", po, self.mean - other.mean)
        return [gm, 0.5 * (po - cov_from_precision(self.cov))]

    def apply_metric(self, components: Any, inverse: bool = False) -> list[np.ndarray]:
        """Apply the Fisher metric to a tangent vector (or its inverse to a gradient).

        ``G (x, B) = (S^-1 x, 1/2 S^-1 B S^-1)`` maps tangent vectors to gradients (covectors with
        ``dR = <g, dx> + tr(G dS)``); ``inverse``: ``(S g, 2 S G S)``.  See :mod:`beds._geometry`.

        Parameters
        ----------
        components : sequence of array_like
            ``(x, B)`` (or a gradient ``(g, G)`` with ``inverse``), broadcasting to the batch.
        inverse : bool, optional
            Apply ``G^-1`` instead.

        Returns
        -------
        list of numpy.ndarray
            The two components (the matrix one symmetrized).

        Examples
        --------
        >>> import numpy as np, beds
        >>> p = beds.MVNormal(np.zeros(1), [[2.0]])
        >>> [c.tolist() for c in p.apply_metric([np.ones(1), np.ones((1, 1))])]
        [[0.5], [[0.125]]]
        """
        s = 0.5 * (self.cov + np.swapaxes(self.cov, -1, -2))
        x = np.broadcast_to(components[0], self.mean.shape)
        b = np.broadcast_to(components[1], self.cov.shape)
        if inverse:
            gx = np.einsum("...ij,...j->...i", s, x)
            gb = 2.0 * (s @ b @ s)
        else:
            gx = np.linalg.solve(s, x[..., None])[..., 0]
            y = np.linalg.solve(s, b)  # S^-1 B
            gb = 0.5 * np.linalg.solve(s, np.swapaxes(y, -1, -2))  # S^-1 B S^-1 (B symmetric)
        return [gx, 0.5 * (gb + np.swapaxes(gb, -1, -2))]
