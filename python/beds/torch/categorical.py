"""Differentiable geometry of categorical beliefs given by logits, on torch tensors.

Inputs are logits of shape ``batch + (k,)`` (the beliefs are ``softmax(logits)``, as
``beds.Categorical(logits=...)``); values are those of :mod:`beds.categorical` on the softmax
probabilities (same kernels).  ``p -> 2 sqrt(p)`` maps the simplex onto the sphere of radius 2,
so with ``a = sqrt(p)``, ``b = sqrt(q)``, ``delta = b - a`` and ``theta = d / 2 = 2 asin(|delta| / 2)``:

    grad_z1 d       = -a * (delta + |delta|^2 a / 2) / sin(theta)
    grad_z1 d^2/2   = -Log_p(q) = -2 (theta / sin theta) a * (delta + |delta|^2 a / 2)

(the logit gradient of ``d^2/2`` is minus the logarithm map in probability coordinates).  delta is
taken from the logits as ``a * expm1(r / 2)``, ``r = log q - log p`` with the log-sum-exp difference
evaluated as ``log1p(sum p expm1(z2 - z1))`` for near pairs: gradients keep their relative accuracy
for pairs 1e-12 apart, and they are exactly 0 at q = p.  Every gradient here is written with torch
operations, so double backward works.  Natural gradients are in logit coordinates: the minimum-norm
(centred) solution of the singular logit Fisher system ``(diag p - p p^T) x = g``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import categorical as _cat
from .._validation import check_domain
from ._autograd import prepare
from ._family import Family, Functions, times_grad

__all__ = ["distance", "fisher_rao_penalty", "jeffreys", "kl", "natural_gradient"]

T = torch.Tensor


def _softmax(z: np.ndarray) -> np.ndarray:
    """The probabilities of beds.Categorical(logits=z) (the same numpy evaluation: identical values)."""
    return _cat._softmax(z)


def _log_ratio(z1: T, z2: T) -> tuple[T, T, T]:
    """``r = log softmax(z2) - log softmax(z1)`` (accurate for near pairs), log p and log q."""
    lp = torch.log_softmax(z1, dim=-1)
    lq = torch.log_softmax(z2, dim=-1)
    dz = z2 - z1
    near = dz.abs().amax(dim=-1, keepdim=True) <= 0.5
    dzn = torch.where(near, dz, torch.zeros_like(dz))
    dlse = torch.log1p((lp.exp() * torch.expm1(dzn)).sum(dim=-1, keepdim=True))
    r = torch.where(near, dzn - dlse, lq - lp)
    return r, lp, lq


class _Sphere:
    """The sphere quantities of a pair (z1, z2), broadcast."""

    def __init__(self, z1: T, z2: T) -> None:
        r, lp, lq = _log_ratio(z1, z2)
        self.r = r
        a = torch.exp(0.5 * lp)
        b = torch.exp(0.5 * lq)
        self.a, self.b = a, b
        small = r.abs() < 1
        self.delta = torch.where(small, a * torch.expm1(0.5 * torch.where(small, r, torch.zeros_like(r))), b - a)
        s2 = (self.delta * self.delta).sum(dim=-1, keepdim=True)
        self.s2 = s2
        self.pos = s2 > 0
        safe = torch.where(self.pos, s2, torch.ones_like(s2))
        n = torch.sqrt(safe)
        self.theta = 2.0 * torch.asin(torch.clamp(0.5 * n, max=1.0))
        self.sin = n * torch.sqrt(torch.clamp(1.0 - 0.25 * safe, min=0.0))
        self.ratio = torch.where(self.pos, self.theta / self.sin, 1.0 + s2 / 6.0)  # theta / sin(theta)

    def half_sq(self) -> T:
        return torch.where(self.pos, 2.0 * self.theta * self.theta, torch.zeros_like(self.s2))[..., 0]

    def log_dir(self) -> T:
        """``a * (delta + |delta|^2 a / 2)``: Log_p(q) = 2 (theta/sin theta) times this."""
        return self.a * (self.delta + 0.5 * self.s2 * self.a)


class _CategoricalFamily(Family):
    name = "categorical"
    params = ("logits",)
    events = (1,)
    domains = ("real",)
    distance_twice = True
    kl_twice = True

    def check(self, fn: str, names: Sequence[str], tensors: Sequence[T]) -> list[T]:
        k = None
        for n, t in zip(names, tensors):
            if t.dim() == 0 or t.shape[-1] == 0:
                raise ValueError(f"{fn}: {n} must have a last axis of k >= 1 classes, got shape {tuple(t.shape)}")
            if k is None:
                k = t.shape[-1]
            elif t.shape[-1] != k:
                desc = ", ".join(f"{m} {tuple(x.shape)}" for m, x in zip(names, tensors))
                raise ValueError(f"{fn}: the numbers of classes (last axes) differ: {desc}")
        try:
            torch.broadcast_shapes(*(t.shape for t in tensors))
        except RuntimeError:
            desc = ", ".join(f"{m} {tuple(x.shape)}" for m, x in zip(names, tensors))
            raise ValueError(f"{fn}: shapes do not broadcast: {desc}") from None
        for n, t in zip(names, tensors):
            if not bool(torch.isfinite(t).all()):
                check_domain(n, t.detach().numpy(), "real")
        return list(tensors)

    def _probs(self, a: list[np.ndarray], b: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return _softmax(a[0]), _softmax(b[0])

    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _cat.distance(*self._probs(a, b))

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _cat.kl(*self._probs(a, b))

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _cat.jeffreys(*self._probs(a, b))

    def penalty(self, a: list[np.ndarray], b: list[np.ndarray], lam: np.ndarray, natural: bool) -> tuple:
        d = self.distance(a, b)
        value = np.asarray(0.5 * lam * d * d, dtype=d.dtype)
        nat = None
        if natural:
            s = _Sphere(torch.from_numpy(a[0]), torch.from_numpy(b[0]))
            w = 2.0 * s.ratio * torch.expm1(0.5 * s.r)
            w = w - w.mean(dim=-1, keepdim=True)
            nat = [(-torch.from_numpy(np.asarray(lam))[..., None] * w).numpy()]
        return value, None, nat

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        s = _Sphere(a[0], b[0])
        return [-2.0 * s.ratio * s.log_dir()]

    def distance_grad(self, a: Sequence[T], b: Sequence[T], w: T | None, go: T) -> list[T]:
        s = _Sphere(a[0], b[0])
        sin = torch.where(s.pos, s.sin, torch.ones_like(s.sin))
        return [times_grad(torch.where(s.pos, -s.log_dir() / sin, torch.zeros_like(s.delta)), go, 1)]

    def half_sq(self, a: Sequence[T], b: Sequence[T]) -> T:
        return _Sphere(a[0], b[0]).half_sq()

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        r, lp, lq = _log_ratio(a[0], b[0])
        p = lp.exp()
        kl = -(p * r).sum(dim=-1, keepdim=True)
        small = r.abs() < 1
        q_minus_p = torch.where(small, p * torch.expm1(torch.where(small, r, torch.zeros_like(r))), lq.exp() - p)
        return [p * (-r - kl)], [q_minus_p]


_F = Functions(_CategoricalFamily())


def distance(logits1: Any, logits2: Any) -> T:
    """Compute the Fisher-Rao distance ``2 arccos(sum sqrt(p q))`` between two softmax beliefs, differentiable.

    The value of :func:`beds.categorical.distance` on ``p = softmax(logits1)``, ``q =
    softmax(logits2)`` (the probabilities of ``beds.Categorical(logits=...)``).  The gradient in
    logits1 is ``-a (delta + |delta|^2 a / 2) / sin(d/2)`` with ``a = sqrt(p)``, ``delta = sqrt(q) -
    sqrt(p)`` taken from the logits (module docstring), 0 at equal distributions; torch operations,
    differentiable twice.

    Parameters
    ----------
    logits1, logits2 : torch.Tensor
        Finite logits of shape ``batch + (k,)`` (batches broadcast, k equal), CPU, float32 or float64.

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
        If a logit is not finite, an argument has no class axis, the numbers of classes differ, or the
        batch shapes do not broadcast.

    See Also
    --------
    beds.categorical.distance : The numpy function on probabilities.

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016), section 2.3;
    :doc:`/mathematics/categorical`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z1 = torch.log(torch.tensor([0.5, 0.5], dtype=torch.float64))
    >>> z2 = torch.log(torch.tensor([0.1, 0.9], dtype=torch.float64))
    >>> round(bt.categorical.distance(z1, z2).item(), 6)
    0.927295
    """
    return _F.distance(logits1, logits2)


def kl(logits1: Any, logits2: Any) -> T:
    """Compute KL(p || q) of ``p = softmax(logits1)``, ``q = softmax(logits2)``, differentiable twice.

    ``sum_i p_i log(p_i / q_i)``; gradients ``p (log(p/q) - KL)`` in logits1 (the logit image of
    :meth:`beds.Categorical.kl_gradient`) and ``q - p`` in logits2 (that of
    :meth:`beds.Categorical.kl_reference_gradient`), with ``log(q/p)`` and ``q - p`` taken from the
    logits (``expm1`` of the log-ratio) so that near pairs keep their relative accuracy.

    Parameters
    ----------
    logits1, logits2 : torch.Tensor
        As for :func:`distance`.

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
        If a logit is not finite, an argument has no class axis, the numbers of classes differ, or the
        batch shapes do not broadcast.

    See Also
    --------
    beds.categorical.kl : The numpy function on probabilities.

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016), section 2.3;
    :doc:`/mathematics/categorical`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z1 = torch.log(torch.tensor([0.5, 0.5], dtype=torch.float64))
    >>> z2 = torch.log(torch.tensor([0.1, 0.9], dtype=torch.float64))
    >>> round(bt.categorical.kl(z1, z2).item(), 6)
    0.510826
    """
    return _F.kl_div(logits1, logits2)


def jeffreys(logits1: Any, logits2: Any) -> T:
    """Compute the Jeffreys divergence ``sum (p - q) log(p / q)`` of two softmax beliefs, differentiable twice.

    ``KL(p || q) + KL(q || p)``; the gradients are the sums of the KL gradients in both orders.

    Parameters
    ----------
    logits1, logits2 : torch.Tensor
        As for :func:`distance`.

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
        If a logit is not finite, an argument has no class axis, the numbers of classes differ, or the
        batch shapes do not broadcast.

    See Also
    --------
    beds.categorical.jeffreys : The numpy function on probabilities.

    Notes
    -----
    Reference: H. Jeffreys, "An invariant form for the prior probability in estimation problems",
    Proc. R. Soc. A 186 (1946); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z1 = torch.log(torch.tensor([0.5, 0.5], dtype=torch.float64))
    >>> z2 = torch.log(torch.tensor([0.1, 0.9], dtype=torch.float64))
    >>> round(bt.categorical.jeffreys(z1, z2).item(), 6)
    0.87889
    """
    return _F.jeffreys(logits1, logits2)


def fisher_rao_penalty(logits: Any, logits_ref: Any, strength: Any = 1.0, *, return_natural: bool = False) -> Any:
    """Compute ``strength/2 d_FR^2(softmax(logits), softmax(logits_ref))`` per belief, differentiable twice.

    The logit gradient is ``-strength Log_p(p_ref)`` (the logarithm map in probability coordinates, as
    :func:`beds.fisher_rao_penalty` with ``param="logits"``); the natural gradient is its centred
    solution ``-strength (w - mean(w))``, ``w = Log_p(p_ref) / p``.

    Parameters
    ----------
    logits, logits_ref : torch.Tensor
        Logits of the beliefs and of the reference, shape ``batch + (k,)``.
    strength : torch.Tensor or float, default 1.0
        The strength (finite, >= 0), broadcasting with the batch shape.
    return_natural : bool, default False
        Also return the natural gradient in logit coordinates.

    Returns
    -------
    torch.Tensor or Penalty
        The penalty per belief, or ``Penalty(value, (natgrad_logits,))``.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or not a tensor.
    ValueError
        If a logit is not finite, an argument has no class axis, the numbers of classes differ, or the
        batch shapes do not broadcast; or if strength is negative or not finite.

    See Also
    --------
    beds.fisher_rao_penalty : The numpy function (``param="logits"``).

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016), section 2.3;
    :doc:`/mathematics/categorical`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> r = bt.categorical.fisher_rao_penalty(z, torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))
    >>> r.backward(); abs(round(float(z.grad.sum()), 12))  # logit gradients sum to 0
    0.0
    """
    return _F.penalty((logits, logits_ref), strength, return_natural)


def natural_gradient(logits: Any, grad_logits: Any) -> T:
    """Compute the natural gradient in logit coordinates of a Euclidean logit gradient.

    The logit Fisher matrix ``diag(p) - p p^T`` is singular along the constant vector (logits are
    defined up to a constant); the minimum-norm solution of ``(diag p - p p^T) x = g`` is
    ``x = g / p - mean(g / p)`` (exact when ``sum g = 0``, which every gradient of a function of
    ``softmax(logits)`` satisfies).  The family's formula (the vector map of
    ``beds.Categorical.chart("logits")``), in differentiable torch operations.

    Parameters
    ----------
    logits : torch.Tensor
        Logits, shape ``batch + (k,)``.
    grad_logits : torch.Tensor
        Euclidean gradient with respect to the logits (broadcasting).

    Returns
    -------
    torch.Tensor
        The centred natural gradient.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or not a tensor.
    ValueError
        If a logit is not finite, an argument has no class axis, the numbers of classes differ, or the
        batch shapes do not broadcast.

    Notes
    -----
    Reference: S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10
    (1998); :doc:`/mathematics/regularization`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> bt.categorical.natural_gradient(torch.zeros(2), torch.tensor([0.25, -0.25]))
    tensor([ 0.5000, -0.5000])
    """
    fn = "beds.torch.categorical.natural_gradient"
    (z, g), _ = prepare(fn, ["logits", "grad_logits"], [logits, grad_logits])
    z, g = _CategoricalFamily().check(fn, ["logits", "grad_logits"], [z, g])
    return _cat._logits_vector(torch.softmax(z, dim=-1), g)
