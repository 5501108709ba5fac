"""Differentiable geometry of multivariate normal beliefs N(mean, cov) on torch tensors.

Means have shape ``batch + (d,)``, covariances ``batch + (d, d)`` (symmetric within the tolerance of
:mod:`beds.mvnormal`, positive definite; the symmetric part is used), or, with ``cholesky=True``,
lower-triangular Cholesky factors L with a positive diagonal (``cov = L L^T``; the strict upper
triangle is ignored, and autograd carries the chain rule ``dL = tril((G + G^T) L)``).

Values come from :mod:`beds.mvnormal` (geodesic shooting for the distance).  Gradients, with the
logarithm map ``Log_1(2) = (x, V)`` at point 1 (:func:`beds.mvnormal.log`) and the Fisher metric
``<(x, U), (y, V)> = x^T S^-1 y + tr(S^-1 U S^-1 V) / 2``::

    grad_mean1 d^2/2 = -S1^-1 x,     grad_cov1 d^2/2 = -S1^-1 V S1^-1 / 2

(symmetric matrices: the gradient of a function of the symmetric part), 0 at q = q_ref; the
distance gradient divides by d (0 at coincident points).  The gradients of the distance and of the
penalty need one extra shooting per belief and side; they are first order only.  KL and Jeffreys
gradients are closed forms written with torch linear algebra (double backward works)::

    grad_mean1 KL = S2^-1 (m1 - m2),  grad_cov1 KL = S2^-1 (S1 - S2) S1^-1 / 2,
    grad_cov2 KL = -S2^-1 (S1 - S2 + dm dm^T) S2^-1 / 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import _core
from .. import mvnormal as _mv
from ._autograd import Penalty, from_numpy, prepare, to_numpy
from ._family import Family, Functions

__all__ = ["cov_from_cholesky", "distance", "fisher_rao_penalty", "jeffreys", "kl", "natural_gradient"]

T = torch.Tensor


def _sym(s: T) -> T:
    return 0.5 * (s + s.mT)


def _inv_np(s: np.ndarray) -> np.ndarray:
    p = np.linalg.inv(0.5 * (s + np.swapaxes(s, -1, -2)))
    return 0.5 * (p + np.swapaxes(p, -1, -2))


class _MVNormalFamily(Family):
    name = "mvnormal"
    params = ("mean", "cov")
    events = (1, 2)
    domains = ("real", "spd")
    kl_twice = True

    def check(self, fn: str, names: Sequence[str], tensors: Sequence[T]) -> list[T]:
        d = None
        for i, (n, t) in enumerate(zip(names, tensors)):
            if i % 2 == 0:
                if t.dim() < 1:
                    raise ValueError(f"{fn}: {n} must have a last axis of length d (shape (..., d)), got a scalar")
                dd = t.shape[-1]
            else:
                if t.dim() < 2 or t.shape[-1] != t.shape[-2]:
                    raise ValueError(f"{fn}: {n} must have two trailing axes of equal length, got {tuple(t.shape)}")
                dd = t.shape[-1]
            if dd == 0:
                raise ValueError(f"{fn}: {n} must have d >= 1, got shape {tuple(t.shape)}")
            if d is None:
                d = dd
            elif dd != d:
                desc = ", ".join(f"{m} {tuple(x.shape)}" for m, x in zip(names, tensors))
                raise ValueError(f"{fn}: dimensions d do not agree: {desc}")
        return list(tensors)

    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _mv.distance(*a, *b)

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _mv.kl(*a, *b)

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _mv.jeffreys(*a, *b)

    def log(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        x, v, _ = _core.mvnormal_log(*a, *b, np.float64(_mv.TOL), np.int64(_mv.MAX_ITER))
        return [x, v]

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        # -G Log with G (x, V) = (S^-1 x, S^-1 V S^-1 / 2), the metric of beds.MVNormal.apply_metric.
        # That method (three batched solves, and a belief to build) costs twice this one inverse:
        # +44 us per side at N = 10 and +5.8 ms at N = 10^4 (d = 3), so the formula stays here until
        # the family's method is as cheap.
        xa = [to_numpy(t) for t in a]
        x, v = self.log(xa, [to_numpy(t) for t in b])
        p = _inv_np(xa[1])
        g_m = -(p @ x[..., None])[..., 0]
        g_s = -0.5 * (p @ v @ p)
        return [from_numpy(g_m), from_numpy(g_s)]

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        m1, s1 = a[0], _sym(a[1])
        m2, s2 = b[0], _sym(b[1])
        p1 = torch.linalg.inv(s1)
        p2 = torch.linalg.inv(s2)
        dm = (m1 - m2)[..., None]
        g_m1 = (p2 @ dm)[..., 0]
        # (S2^-1 - S1^-1) / 2 = S2^-1 (S1 - S2) S1^-1 / 2 and S2^-1 (S2 - S1 - dm dm^T) S2^-1 / 2: the
        # differences of the inputs are taken first, so both vanish exactly at q = q_ref and keep
        # their relative accuracy for near pairs
        ds = s1 - s2
        g_s1 = 0.5 * _sym(p2 @ ds @ p1)
        g_s2 = -0.5 * _sym(p2 @ (ds + dm @ dm.mT) @ p2)
        return [g_m1, g_s1], [-g_m1, g_s2]


_FAM = _MVNormalFamily()
_F = Functions(_FAM)


def _phi(x: T) -> T:
    """Lower triangle with the diagonal halved: the inverse of ``X -> X + X^T`` on lower-triangular X."""
    return torch.tril(x) - 0.5 * torch.diag_embed(torch.diagonal(x, dim1=-2, dim2=-1))


def cov_from_cholesky(chol: Any, name: str = "chol", fn: str = "beds.torch.mvnormal.cov_from_cholesky") -> T:
    """Compute the covariance ``L L^T`` from lower-triangular Cholesky factors, differentiably.

    The strict upper triangle of ``chol`` is ignored; the diagonal must be positive.  The result is
    exactly symmetric (``(C + C^T) / 2``); torch operations, so autograd carries the chain rule
    ``dL = tril((G + G^T) L)`` (:func:`beds.cholesky_grad`).

    Parameters
    ----------
    chol : torch.Tensor
        Cholesky factors, shape ``batch + (d, d)``, CPU, float32 or float64.
    name : str, optional
        The argument's name in the error messages (the callers pass ``"chol1"``, ...).
    fn : str, optional
        The public function in the error messages.

    Returns
    -------
    torch.Tensor
        ``tril(chol) tril(chol)^T``.

    Raises
    ------
    TypeError
        If ``chol`` is a CUDA tensor, of another dtype than float32/float64, or not a tensor.
    ValueError
        If it is not square, not finite, or a diagonal entry is <= 0 (with its index).

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> bt.mvnormal.cov_from_cholesky(torch.tensor([[2.0, 0.0], [1.0, 1.0]]))
    tensor([[4., 2.],
            [2., 2.]])
    """
    (lt,), _ = prepare(fn, [name], [chol])
    if lt.dim() < 2 or lt.shape[-1] != lt.shape[-2] or lt.shape[-1] == 0:
        raise ValueError(f"{fn}: {name} must have two trailing axes of equal length d >= 1, got {tuple(lt.shape)}")
    low = torch.tril(lt)
    if not bool(torch.isfinite(low).all()):
        bad = torch.nonzero(~torch.isfinite(low))[0].tolist()
        raise ValueError(f"{fn}: {name} must be finite; found {lt.detach()[tuple(bad)].item()!r} at index {tuple(bad)}")
    dg = torch.diagonal(low, dim1=-2, dim2=-1)
    if not bool((dg > 0).all()):
        bad = tuple(torch.nonzero(~(dg > 0))[0].tolist())
        raise ValueError(f"{fn}: {name} needs a positive diagonal; found {dg.detach()[bad].item()!r} at index {bad}")
    c = low @ low.mT
    return 0.5 * (c + c.mT)


def _covs(fn: str, args: list[Any], names: list[str], cholesky: bool) -> list[Any]:
    if not cholesky:
        return args
    out = list(args)
    for i in range(1, len(args), 2):
        out[i] = cov_from_cholesky(args[i], names[i], fn)
    return out


def distance(mean1: Any, cov1: Any, mean2: Any, cov2: Any, *, cholesky: bool = False) -> T:
    """Compute the Fisher-Rao distance between N(mean1, cov1) and N(mean2, cov2), differentiable.

    The value of :func:`beds.mvnormal.distance` (geodesic shooting, about 1e-15 relative; a
    ConvergenceWarning flags a pair that did not converge).  The gradient in each argument is
    ``(-S^-1 x, -S^-1 V S^-1 / 2) / d`` with ``(x, V)`` the logarithm map toward the other belief and
    S its covariance (module docstring), 0 at coincident points; it needs one more shooting per belief
    and side, first order only.

    Parameters
    ----------
    mean1 : torch.Tensor
        Means of the first beliefs, ``batch + (d,)``.
    cov1 : torch.Tensor
        Their covariances ``batch + (d, d)`` (or Cholesky factors when ``cholesky=True``).
    mean2, cov2 : torch.Tensor
        The second beliefs, likewise.
    cholesky : bool, default False
        Read cov1, cov2 as lower-triangular Cholesky factors.

    Returns
    -------
    torch.Tensor
        Distances of the broadcast batch shape.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or not a tensor.
    ValueError
        If the shapes are wrong (``(..., d)`` means, ``(..., d, d)`` matrices, one d), a value is not
        finite, a covariance is not symmetric positive definite (a Cholesky factor has a diagonal entry
        <= 0), or the batch shapes do not broadcast.

    See Also
    --------
    beds.mvnormal.distance : The numpy function.

    Notes
    -----
    Reference: L. T. Skovgaard, "A Riemannian geometry of the multivariate normal model", Scandinavian
    Journal of Statistics 11 (1984); :doc:`/mathematics/mvnormal`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> f = lambda x: torch.tensor(x, dtype=torch.float64)
    >>> d = bt.mvnormal.distance(f([0, 0]), f([[1, .2], [.2, .5]]), f([1, -1]), f([[.6, -.1], [-.1, 1.4]]))
    >>> round(d.item(), 13)
    1.8075952200369
    """
    fn = "beds.torch.mvnormal.distance"
    names = ["mean1", "chol1", "mean2", "chol2"] if cholesky else _F.names()
    return _F._pair(_F.dist, "distance", _covs(fn, [mean1, cov1, mean2, cov2], names, cholesky))


def kl(mean1: Any, cov1: Any, mean2: Any, cov2: Any, *, cholesky: bool = False) -> T:
    """Compute KL(N1 || N2), differentiable twice (closed-form torch backward).

    ``1/2 [tr(S2^-1 S1) - d + dm^T S2^-1 dm + ln det S2 - ln det S1]`` (the value from the accurate kernel
    of :func:`beds.mvnormal.kl`).  Gradients in factored forms that vanish exactly at equality:
    ``S2^-1 dm`` and ``S2^-1 (S1 - S2) S1^-1 / 2`` in the first argument, ``-S2^-1 dm`` and ``-S2^-1
    (S1 - S2 + dm dm^T) S2^-1 / 2`` in the second.

    Parameters
    ----------
    mean1, cov1, mean2, cov2 : torch.Tensor
        As for :func:`distance`.
    cholesky : bool, default False
        Read cov1, cov2 as Cholesky factors.

    Returns
    -------
    torch.Tensor
        KL divergences in nats.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or not a tensor.
    ValueError
        If the shapes are wrong (``(..., d)`` means, ``(..., d, d)`` matrices, one d), a value is not
        finite, a covariance is not symmetric positive definite (a Cholesky factor has a diagonal entry
        <= 0), or the batch shapes do not broadcast.

    See Also
    --------
    beds.mvnormal.kl : The numpy function.

    Notes
    -----
    Reference: L. T. Skovgaard, "A Riemannian geometry of the multivariate normal model", Scandinavian
    Journal of Statistics 11 (1984); :doc:`/mathematics/mvnormal`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> f = lambda x: torch.tensor(x, dtype=torch.float64)
    >>> round(bt.mvnormal.kl(f([0, 0]), f([[1, 0], [0, 1]]), f([1, 1]), f([[2, 0], [0, 2]])).item(), 6)
    0.693147
    """
    fn = "beds.torch.mvnormal.kl"
    names = ["mean1", "chol1", "mean2", "chol2"] if cholesky else _F.names()
    return _F._pair(_F.kl, "kl", _covs(fn, [mean1, cov1, mean2, cov2], names, cholesky))


def jeffreys(mean1: Any, cov1: Any, mean2: Any, cov2: Any, *, cholesky: bool = False) -> T:
    """Compute the Jeffreys divergence KL(N1 || N2) + KL(N2 || N1), differentiable twice.

    ``1/2 [tr(S2^-1 S1) + tr(S1^-1 S2) - 2d + dm^T (S1^-1 + S2^-1) dm]``; the gradients are the sums of
    the KL gradients in both orders.

    Parameters
    ----------
    mean1, cov1, mean2, cov2 : torch.Tensor
        As for :func:`distance`.
    cholesky : bool, default False
        Read cov1, cov2 as Cholesky factors.

    Returns
    -------
    torch.Tensor
        Jeffreys divergences in nats.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or not a tensor.
    ValueError
        If the shapes are wrong (``(..., d)`` means, ``(..., d, d)`` matrices, one d), a value is not
        finite, a covariance is not symmetric positive definite (a Cholesky factor has a diagonal entry
        <= 0), or the batch shapes do not broadcast.

    See Also
    --------
    beds.mvnormal.jeffreys : The numpy function.

    Notes
    -----
    Reference: H. Jeffreys, "An invariant form for the prior probability in estimation problems",
    Proc. R. Soc. A 186 (1946); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> f = lambda x: torch.tensor(x, dtype=torch.float64)
    >>> round(bt.mvnormal.jeffreys(f([0.0]), f([[1.0]]), f([1.0]), f([[2.0]])).item(), 6)
    1.0
    """
    fn = "beds.torch.mvnormal.jeffreys"
    names = ["mean1", "chol1", "mean2", "chol2"] if cholesky else _F.names()
    return _F._pair(_F.jeff, "jeffreys", _covs(fn, [mean1, cov1, mean2, cov2], names, cholesky))


def fisher_rao_penalty(
    mean: Any,
    cov: Any,
    mean_ref: Any,
    cov_ref: Any,
    strength: Any = 1.0,
    *,
    cholesky: bool = False,
    return_natural: bool = False,
) -> Any:
    """Compute ``strength/2 d_FR^2(q, q_ref)`` per belief, differentiable (first order).

    Gradient ``strength G (-Log_q(q_ref))``, i.e. ``(-strength S^-1 x, -strength S^-1 V S^-1 / 2)``;
    natural gradient ``-strength (x, V)`` (as :func:`beds.fisher_rao_penalty`), or, with
    ``cholesky=True``, the same tangent vector in Cholesky coordinates ``dL = L Phi(L^-1 dS L^-T)``
    (Phi: lower triangle, halved diagonal).

    Parameters
    ----------
    mean, cov : torch.Tensor
        The beliefs q (cov: covariances or, with ``cholesky=True``, Cholesky factors).
    mean_ref, cov_ref : torch.Tensor
        The reference beliefs (same convention).
    strength : torch.Tensor or float, default 1.0
        The strength (finite, >= 0), broadcasting with the batch.
    cholesky : bool, default False
        Read the matrices as Cholesky factors.
    return_natural : bool, default False
        Also return the natural gradient.

    Returns
    -------
    torch.Tensor or Penalty
        The penalty per belief, or ``Penalty(value, (natgrad_mean, natgrad_cov_or_chol))``.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or not a tensor.
    ValueError
        If the shapes are wrong (``(..., d)`` means, ``(..., d, d)`` matrices, one d), a value is not
        finite, a covariance is not symmetric positive definite (a Cholesky factor has a diagonal entry
        <= 0), or the batch shapes do not broadcast; or if strength is negative or not finite.

    See Also
    --------
    beds.fisher_rao_penalty : The numpy function on belief objects.

    Notes
    -----
    Reference: L. T. Skovgaard, "A Riemannian geometry of the multivariate normal model", Scandinavian
    Journal of Statistics 11 (1984); :doc:`/mathematics/mvnormal`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> f = lambda x: torch.tensor(x, dtype=torch.float64)
    >>> m = f([0.0, 0.0]).requires_grad_()
    >>> r = bt.mvnormal.fisher_rao_penalty(m, f([[1, .2], [.2, .5]]), f([1, -1]), f([[.6, -.1], [-.1, 1.4]]))
    >>> round(r.item(), 11)  # 1.8075952200369^2 / 2
    1.63370023975
    """
    fn = "beds.torch.mvnormal.fisher_rao_penalty"
    names = ["mean", "chol", "mean_ref", "chol_ref"] if cholesky else ["mean", "cov", "mean_ref", "cov_ref"]
    args = _covs(fn, [mean, cov, mean_ref, cov_ref], names, cholesky)
    res = _F.penalty(args, strength, return_natural)
    if not (return_natural and cholesky):
        return res
    nm, nv = res.natural_grad
    low = torch.tril(cov.detach())
    li = torch.linalg.solve_triangular(low, torch.eye(low.shape[-1], dtype=low.dtype), upper=False)
    dl = low @ _phi(li @ nv @ li.mT)
    return Penalty(res.value, (nm, dl))


def natural_gradient(cov: Any, grad_mean: Any, grad_cov: Any) -> tuple[T, T]:
    """Compute the natural gradient ``(S g_mean, 2 S sym(g_cov) S)`` of a Euclidean gradient at N(., S).

    The inverse of the Fisher metric in (mean, cov) coordinates (that of
    :meth:`beds.MVNormal.apply_metric` with ``inverse=True``), for a symmetric ``g_cov``, the gradient of
    a function of the symmetric part; differentiable torch operations.  For Cholesky coordinates use
    the covariance gradient and map the result with ``dL = L Phi(L^-1 dS L^-T)``.

    Parameters
    ----------
    cov : torch.Tensor
        Covariances ``batch + (d, d)``.
    grad_mean, grad_cov : torch.Tensor
        Euclidean gradients with respect to the mean ``(..., d)`` and the covariance ``(..., d, d)``.

    Returns
    -------
    tuple of torch.Tensor
        ``(natgrad_mean, natgrad_cov)``.

    Raises
    ------
    TypeError, ValueError
        Device, dtype, type or shape of an argument (named).

    Notes
    -----
    Reference: S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10
    (1998); L. T. Skovgaard (1984); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> nm, nc = bt.mvnormal.natural_gradient(2 * torch.eye(2), torch.ones(2), torch.eye(2))
    >>> nm, nc
    (tensor([2., 2.]), tensor([[8., 0.],
            [0., 8.]]))
    """
    fn = "beds.torch.mvnormal.natural_gradient"
    (s, gm, gs), _ = prepare(fn, ["cov", "grad_mean", "grad_cov"], [cov, grad_mean, grad_cov])
    _FAM.check(fn, ["grad_mean", "cov", "grad_mean", "grad_cov"], [gm, s, gm, gs])
    s = _sym(s)
    return (s @ gm[..., None])[..., 0], 2.0 * s @ _sym(gs) @ s
