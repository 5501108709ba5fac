"""Differentiable distance, divergences and Fisher-Rao penalty, written once for every family.

A family (``Family`` subclass, one per module) gives the forward values on numpy views (the
validated array functions of beds, so errors name the arguments) and the pieces of the gradients:

* ``half_sq_grad(a, b)``: the gradient of ``d(a, b)^2 / 2`` with respect to the parameters of a,
  i.e. ``-G(a) Log_a(b)`` (G the Fisher metric, Log the Riemannian logarithm; Amari 1998), which is
  exactly zero at ``a == b``;
* ``distance_grad(a, b, d)``: the gradient of d itself, ``half_sq_grad / d`` (0 at ``a == b``, the
  subgradient of a distance at coincident points, never NaN);
* ``log(a, b)``: ``Log_a(b)`` in the input coordinates (for natural gradients);
* ``kl_grad`` / ``jeffreys_grad``: closed-form gradients of the divergences in both arguments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .._validation import check_domain
from ._autograd import Penalty, Spec, apply, from_numpy, prepare, to_numpy

T = torch.Tensor


def expand(x: Any, ndim: int) -> Any:
    """Appends ``ndim`` unit axes (a batch-shaped quantity laid out against event axes)."""
    if ndim == 0 or getattr(x, "ndim", 0) == 0:
        return x
    return x[(...,) + (None,) * ndim]


class Family:
    """Numerical pieces of one family (see the module docstring)."""

    name = ""
    params: tuple[str, ...] = ()
    events: tuple[int, ...] = ()  #: event axes of each parameter
    domains: tuple[str, ...] = ()  #: domain of each parameter (beds._validation.check_domain)
    per_coordinate_strength = False  #: strength broadcasts with the parameters (DiagNormal)
    distance_twice = False  #: distance/penalty gradients written in torch ops (double backward)
    kl_twice = False

    # ---------------------------------------------------------------- forward (numpy, validated)
    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def penalty(
        self, a: list[np.ndarray], b: list[np.ndarray], lam: np.ndarray, natural: bool
    ) -> tuple[np.ndarray, list[np.ndarray] | None, list[np.ndarray] | None]:
        """(value, gradient with respect to a or None, natural gradient or None)."""
        d = self.distance(a, b)
        value = 0.5 * lam * d * d
        nat = None
        if natural:
            nat = [-self.lam_layout(lam, e) * v for v, e in zip(self.log(a, b), self.events)]
        return np.asarray(value, dtype=d.dtype), None, nat

    def lam_layout(self, lam: Any, event: int) -> Any:
        return lam if self.per_coordinate_strength else expand(lam, event)

    # ---------------------------------------------------------------- gradient pieces
    def log(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        raise NotImplementedError

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        raise NotImplementedError

    def distance_grad(self, a: Sequence[T], b: Sequence[T], w: T | None, go: T) -> list[T]:
        """The gradient of d with respect to a, times the incoming gradient ``go``: here
        ``half_sq_grad(a, b) * w`` with ``w = go / d`` (0 where d == 0), computed once by the caller."""
        assert w is not None
        return [g.mul_(expand(w, e)) for g, e in zip(self.half_sq_grad(a, b), self.events)]

    def half_sq(self, a: Sequence[T], b: Sequence[T]) -> T:
        """``d^2 / 2`` per strength element (per coordinate for DiagNormal)."""
        d = from_numpy(self.distance([to_numpy(t) for t in a], [to_numpy(t) for t in b]))
        return 0.5 * d * d

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        raise NotImplementedError

    def jeffreys_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        ga, gb = self.kl_grad(a, b)
        hb, ha = self.kl_grad(b, a)
        return [x + y for x, y in zip(ga, ha)], [x + y for x, y in zip(gb, hb)]

    # ---------------------------------------------------------------- input checks
    def check(self, fn: str, names: Sequence[str], tensors: Sequence[T]) -> list[T]:
        """Family-specific checks and layout before the kernels run (e.g. shapes); returns the tensors."""
        return list(tensors)


def _broadcast_scalar(go: T) -> float | None:
    """The value of an incoming gradient that is one number broadcast (``loss.sum().backward()``),
    else None."""
    if go.requires_grad or go.numel() == 0 or any(go.stride()):
        return None
    return float(go[(0,) * go.dim()])


def times_grad(g: T, go: T, event: int) -> T:
    """``g * go`` with go laid out against ``event`` trailing axes (no pass over g when go is a
    broadcast 1, the gradient of a sum)."""
    c = _broadcast_scalar(go)
    if c is None:
        return g * expand(go, event)
    return g if c == 1.0 else g * c


def grad_over_distance(go: T, d: np.ndarray) -> np.ndarray:
    """``go / d`` where d > 0 and 0 where d == 0 (the subgradient at coincident points), one pass."""
    c = _broadcast_scalar(go)
    num = to_numpy(go) if c is None else np.asarray(c, dtype=d.dtype)
    shape = np.broadcast_shapes(num.shape, d.shape)
    return np.divide(num, d, out=np.zeros(shape, dtype=d.dtype), where=d > 0)


# ------------------------------------------------------------------------------------ specs
class DistanceSpec(Spec):
    def __init__(self, fam: Family) -> None:
        self.fam = fam
        self.name = f"{fam.name}.distance"
        self.twice = fam.distance_twice

    def forward(self, ctx: Any, arrays: list[np.ndarray], tensors: Sequence[T]) -> tuple:
        k = len(self.fam.params)
        d = np.asarray(self.fam.distance(arrays[:k], arrays[k:]))
        ctx.d = d
        return (d,)

    def backward(self, ctx: Any, tensors: Sequence[T], grads: Sequence[T], needs: Sequence[bool]) -> list:
        fam, k = self.fam, len(self.fam.params)
        go = grads[0]
        out: list[Any] = [None] * (2 * k)
        a, b = list(tensors[:k]), list(tensors[k:])
        w = None if fam.distance_twice else from_numpy(grad_over_distance(go, ctx.d))
        if any(needs[:k]):
            out[:k] = fam.distance_grad(a, b, w, go)
        if any(needs[k:]):
            out[k:] = fam.distance_grad(b, a, w, go)
        return out


class DivergenceSpec(Spec):
    def __init__(self, fam: Family, which: str) -> None:
        self.fam = fam
        self.which = which
        self.name = f"{fam.name}.{which}"
        self.twice = fam.kl_twice

    def forward(self, ctx: Any, arrays: list[np.ndarray], tensors: Sequence[T]) -> tuple:
        k = len(self.fam.params)
        return (np.asarray(getattr(self.fam, self.which)(arrays[:k], arrays[k:])),)

    def backward(self, ctx: Any, tensors: Sequence[T], grads: Sequence[T], needs: Sequence[bool]) -> list:
        fam, k = self.fam, len(self.fam.params)
        ga, gb = getattr(fam, f"{self.which}_grad")(list(tensors[:k]), list(tensors[k:]))
        go = grads[0]
        return [times_grad(g, go, e) for g, e in zip(list(ga) + list(gb), fam.events * 2)]


class PenaltySpec(Spec):
    def __init__(self, fam: Family, natural: bool) -> None:
        self.fam = fam
        self.natural = natural
        self.name = f"{fam.name}.fisher_rao_penalty"
        self.twice = fam.distance_twice
        self.n_extra = len(fam.params) if natural else 0

    def forward(self, ctx: Any, arrays: list[np.ndarray], tensors: Sequence[T]) -> tuple:
        k = len(self.fam.params)
        value, grad, nat = self.fam.penalty(arrays[:k], arrays[k : 2 * k], arrays[2 * k], self.natural)
        ctx.grad = grad
        return (np.asarray(value), *(nat or ()))

    def backward(self, ctx: Any, tensors: Sequence[T], grads: Sequence[T], needs: Sequence[bool]) -> list:
        fam, k = self.fam, len(self.fam.params)
        go = grads[0]
        a, b, lam = list(tensors[:k]), list(tensors[k : 2 * k]), tensors[2 * k]
        out: list[Any] = [None] * (2 * k + 1)
        if any(needs[:k]):
            if ctx.grad is not None and not self.twice:
                ga = [from_numpy(g) for g in ctx.grad]
            else:
                ga = [fam.lam_layout(lam, e) * g for g, e in zip(fam.half_sq_grad(a, b), fam.events)]
            for i, g in enumerate(ga):
                out[i] = times_grad(g, go, fam.events[i])
        if any(needs[k : 2 * k]):
            for i, g in enumerate(fam.half_sq_grad(b, a)):
                e = fam.events[i]
                out[k + i] = times_grad(fam.lam_layout(lam, e) * g, go, e)
        if needs[2 * k]:
            out[2 * k] = times_grad(fam.half_sq(a, b), go, 1 if fam.per_coordinate_strength else 0)
        return out


# ------------------------------------------------------------------------------- front ends
class Functions:
    """The public functions of one family, bound to its ``Family`` object."""

    def __init__(self, fam: Family) -> None:
        self.fam = fam
        self.dist = DistanceSpec(fam)
        self.kl = DivergenceSpec(fam, "kl")
        self.jeff = DivergenceSpec(fam, "jeffreys")
        self.pen = PenaltySpec(fam, False)
        self.pen_nat = PenaltySpec(fam, True)

        p = fam.params
        self._names = [f"{n}1" for n in p] + [f"{n}2" for n in p]
        self._pen_names = list(p) + [f"{n}_ref" for n in p] + ["strength"]

    def names(self) -> list[str]:
        return list(self._names)

    def _pair(self, spec: Spec, op: str, args: Sequence[Any]) -> T:
        fn = f"beds.torch.{self.fam.name}.{op}"
        names = self._names
        tensors, _ = prepare(fn, names, args)
        tensors = self.fam.check(fn, names, tensors)
        return apply(spec, tensors)

    def distance(self, *args: Any) -> T:
        return self._pair(self.dist, "distance", args)

    def kl_div(self, *args: Any) -> T:
        return self._pair(self.kl, "kl", args)

    def jeffreys(self, *args: Any) -> T:
        return self._pair(self.jeff, "jeffreys", args)

    def penalty(self, args: Sequence[Any], strength: Any, return_natural: bool) -> Any:
        fn = f"beds.torch.{self.fam.name}.fisher_rao_penalty"
        names = self._pen_names
        tensors, _ = prepare(fn, names, [*args, strength])
        tensors = self.fam.check(fn, names[:-1], tensors[:-1]) + [tensors[-1]]
        if isinstance(strength, torch.Tensor):
            lam = tensors[-1]
            ok = (lam >= 0) & torch.isfinite(lam)
            if not bool(ok.all()):
                bad = lam.detach()[~ok].flatten()[0].item()
                raise ValueError(f"{fn}: strength must be finite and >= 0; found {bad!r}")
        elif not (math.isfinite(strength) and strength >= 0):
            raise ValueError(f"{fn}: strength must be finite and >= 0; found {float(strength)!r}")
        try:
            if not return_natural:
                return apply(self.pen, tensors)
            value, *nat = apply(self.pen_nat, tensors)
        except ValueError:
            # the kernels name the arguments of the distance (mean1, ...): name the penalty's own
            for n, t, dom in zip(names, tensors, self.fam.domains * 2):
                check_domain(n, to_numpy(t), dom)
            raise
        return Penalty(value, tuple(nat))


def sqrt_safe(x: T) -> T:
    """sqrt with a finite derivative at 0 (where the value is used only through a masked branch)."""
    return torch.sqrt(torch.where(x > 0, x, torch.ones_like(x)))


PI = math.pi
