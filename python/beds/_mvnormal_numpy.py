"""The parts of :mod:`beds.mvnormal` computed with numpy on top of the kernels: the Fisher
information matrix, the Karcher mean (Riemannian gradient descent over the compiled log and exp
maps), covariances from Cholesky factors or precision matrices, and the shape check of mean and
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

__all__ = ["check_dims", "cov_from_cholesky", "cov_from_precision", "karcher_mean", "metric"]


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
    """Weighted Frechet (Karcher) mean over the last batch axis (mean (..., n, d), cov (..., n, d, d)).

    Riemannian gradient descent with unit step, ``m <- exp_m(sum_i w_i log_m(p_i) / sum w)`` (each
    log by geodesic shooting), stopped when the FR length of a step is at most
    ``tol * max(1, rms distance)``.  Returns ``(mean, cov)`` (and the iteration counts, -1 where
    not converged, if ``return_iterations``); emits a ConvergenceWarning when a mean did not
    converge.
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
    extra = (np.float64(_core.MVNORMAL_TOL), np.int64(_core.MVNORMAL_MAX_ITER))
    done = np.zeros(batch[:-1], dtype=bool)
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
    bad = int(np.count_nonzero(its < 0))
    if bad:
        warnings.warn(
            f"karcher_mean: {bad} mean(s) did not converge in max_iter={max_iter} iterations",
            ConvergenceWarning,
            stacklevel=2,
        )
    mu, S = mu.astype(dt, copy=False), S.astype(dt, copy=False)
    return (mu, S, its) if return_iterations else (mu, S)


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
