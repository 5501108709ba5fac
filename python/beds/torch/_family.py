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

The formulas belong to the families: where a family module writes them as functions of its
parameter arrays that take tensors too (the normal family's KL gradients and inverse metric,
:mod:`beds.normal`; the categorical logit map, :mod:`beds.categorical`), the torch modules call them;
the others call the numpy functions and kernels of the family on views of the tensors.

This module is longer than the project's 500-line guideline because it holds one autograd family per
belief family, each documented; about 190 of its lines are code, the rest documentation.
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
    """Append ``ndim`` unit axes to x: a batch-shaped quantity laid out against event axes.

    Parameters
    ----------
    x : torch.Tensor, numpy.ndarray or float
        The quantity (a number or a 0-d value is returned as it is).
    ndim : int
        The number of event axes.

    Returns
    -------
    torch.Tensor, numpy.ndarray or float
        A view with ``ndim`` trailing axes of length 1.
    """
    if ndim == 0 or getattr(x, "ndim", 0) == 0:
        return x
    return x[(...,) + (None,) * ndim]


class Family:
    """The numerical pieces of one family for the autograd functions (see the module docstring).

    One subclass per torch module (``_NormalFamily``, ...), with the class attributes below; the
    methods take the belief parameters as lists (numpy views for the forward pass, tensors for the
    gradient pieces).

    The class is longer than the 300-line guideline because it holds the documented contract of the autograd
    families; about 40 of its lines are code.

    Attributes
    ----------
    name : str
        The module name (``"normal"``), in the function names and messages.
    params : tuple of str
        The parameter names.
    events : tuple of int
        The number of event axes of each parameter.
    domains : tuple of str
        The domain of each parameter (``beds._validation.check_domain``).
    per_coordinate_strength : bool
        True when a strength broadcasts with the parameters (DiagNormal).
    distance_twice, kl_twice : bool
        True when the distance (penalty) or divergence gradients are torch operations (double
        backward works).
    """

    name = ""
    params: tuple[str, ...] = ()
    events: tuple[int, ...] = ()  #: event axes of each parameter
    domains: tuple[str, ...] = ()  #: domain of each parameter (beds._validation.check_domain)
    per_coordinate_strength = False  #: strength broadcasts with the parameters (DiagNormal)
    distance_twice = False  #: distance/penalty gradients written in torch ops (double backward)
    kl_twice = False

    # ---------------------------------------------------------------- forward (numpy, validated)
    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        """Compute the Fisher-Rao distances with the validated numpy functions of the family.

        Parameters
        ----------
        a : list of numpy.ndarray
            The parameters of the first beliefs (views of the tensors).
        b : list of numpy.ndarray
            Those of the second beliefs.

        Returns
        -------
        numpy.ndarray
            One value per belief.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        """Compute KL(a || b) with the validated numpy functions of the family.

        Parameters
        ----------
        a : list of numpy.ndarray
            The parameters of the first beliefs (views of the tensors).
        b : list of numpy.ndarray
            Those of the second beliefs.

        Returns
        -------
        numpy.ndarray
            One value per belief.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        """Compute the Jeffreys divergences with the validated numpy functions of the family.

        Parameters
        ----------
        a : list of numpy.ndarray
            The parameters of the first beliefs (views of the tensors).
        b : list of numpy.ndarray
            Those of the second beliefs.

        Returns
        -------
        numpy.ndarray
            One value per belief.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def penalty(
        self, a: list[np.ndarray], b: list[np.ndarray], lam: np.ndarray, natural: bool
    ) -> tuple[np.ndarray, list[np.ndarray] | None, list[np.ndarray] | None]:
        """Compute the penalty ``lam/2 d^2``, its gradient with respect to a and its natural gradient.

        Default: the value from :meth:`distance` and the natural gradient ``-lam Log_a(b)`` (from
        :meth:`log`), no gradient (the backward then uses :meth:`half_sq_grad`); Normal and DiagNormal
        override it with their fused kernels.

        Parameters
        ----------
        a : list of numpy.ndarray
            The parameters of the first beliefs (views of the tensors).
        b : list of numpy.ndarray
            Those of the second beliefs.
        lam : numpy.ndarray
            The strength (validated by the caller).
        natural : bool
            Whether the natural gradient is wanted.

        Returns
        -------
        value : numpy.ndarray
            The penalties.
        grad : list of numpy.ndarray or None
            The gradient with respect to a, or None.
        natural_grad : list of numpy.ndarray or None
            The natural gradient (with ``natural``), or None.
        """
        d = self.distance(a, b)
        value = 0.5 * lam * d * d
        nat = None
        if natural:
            nat = [-self.lam_layout(lam, e) * v for v, e in zip(self.log(a, b), self.events)]
        return np.asarray(value, dtype=d.dtype), None, nat

    def lam_layout(self, lam: Any, event: int) -> Any:
        """Lay a strength out against a parameter with ``event`` event axes.

        Parameters
        ----------
        lam : torch.Tensor or numpy.ndarray
            The strength.
        event : int
            The parameter's number of event axes.

        Returns
        -------
        torch.Tensor or numpy.ndarray
            ``lam`` itself (per-coordinate strengths) or with ``event`` unit axes appended.
        """
        return lam if self.per_coordinate_strength else expand(lam, event)

    # ---------------------------------------------------------------- gradient pieces
    def log(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        """Compute the Riemannian logarithm ``Log_a(b)`` in the input coordinates (for natural gradients).

        Parameters
        ----------
        a : list of numpy.ndarray
            The parameters of the first beliefs (views of the tensors).
        b : list of numpy.ndarray
            Those of the second beliefs.

        Returns
        -------
        list of numpy.ndarray
            The tangent components at a.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        """Compute the gradient of ``d(a, b)^2 / 2`` with respect to a: ``-G(a) Log_a(b)``.

        Exactly zero at ``a == b``.

        Parameters
        ----------
        a : sequence of torch.Tensor
            The parameters of the first beliefs.
        b : sequence of torch.Tensor
            Those of the second beliefs.

        Returns
        -------
        list of torch.Tensor
            One gradient per parameter of a, at the broadcast shape.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def distance_grad(self, a: Sequence[T], b: Sequence[T], w: T | None, go: T) -> list[T]:
        """Compute the gradient of d with respect to a, times the incoming gradient ``go``.

        Default: ``half_sq_grad(a, b) * w`` with ``w = go / d`` (0 where d == 0: the subgradient at
        coincident points), computed once by the caller for both sides.

        Parameters
        ----------
        a : sequence of torch.Tensor
            The parameters of the first beliefs.
        b : sequence of torch.Tensor
            Those of the second beliefs.
        w : torch.Tensor or None
            ``go / d`` (None for families that compute the gradient of d themselves).
        go : torch.Tensor
            The incoming gradient.

        Returns
        -------
        list of torch.Tensor
            One gradient per parameter of a.

        Raises
        ------
        AssertionError
            If ``w`` is None (a family that passes None overrides this method).
        """
        assert w is not None
        return [g.mul_(expand(w, e)) for g, e in zip(self.half_sq_grad(a, b), self.events)]

    def half_sq(self, a: Sequence[T], b: Sequence[T]) -> T:
        """Compute ``d^2 / 2`` per strength element (per coordinate for DiagNormal), as a tensor.

        The gradient of the penalty with respect to the strength.

        Parameters
        ----------
        a : sequence of torch.Tensor
            The parameters of the first beliefs.
        b : sequence of torch.Tensor
            Those of the second beliefs.

        Returns
        -------
        torch.Tensor
            The values (not differentiable).
        """
        d = from_numpy(self.distance([to_numpy(t) for t in a], [to_numpy(t) for t in b]))
        return 0.5 * d * d

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        """Compute the gradients of ``KL(a || b)`` with respect to a and to b.

        Closed forms (torch operations where ``kl_twice``): the family's formulas (:meth:`beds.Normal.kl_gradient`
        and :meth:`beds.Normal.kl_reference_gradient` and their equivalents).

        Parameters
        ----------
        a : sequence of torch.Tensor
            The parameters of the first beliefs.
        b : sequence of torch.Tensor
            Those of the second beliefs.

        Returns
        -------
        grad_a : list of torch.Tensor
            One gradient per parameter of a, at the broadcast shape.
        grad_b : list of torch.Tensor
            One gradient per parameter of b.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def jeffreys_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        """Compute the gradients of the Jeffreys divergence: the KL gradients in both orders, added.

        Parameters
        ----------
        a : sequence of torch.Tensor
            The parameters of the first beliefs.
        b : sequence of torch.Tensor
            Those of the second beliefs.

        Returns
        -------
        grad_a : list of torch.Tensor
            One gradient per parameter of a, at the broadcast shape.
        grad_b : list of torch.Tensor
            One gradient per parameter of b.
        """
        ga, gb = self.kl_grad(a, b)
        hb, ha = self.kl_grad(b, a)
        return [x + y for x, y in zip(ga, ha)], [x + y for x, y in zip(gb, hb)]

    # ---------------------------------------------------------------- input checks
    def check(self, fn: str, names: Sequence[str], tensors: Sequence[T]) -> list[T]:
        """Check and lay out the tensors before the kernels run (shapes, class counts, ...).

        Default: nothing to check.

        Parameters
        ----------
        fn : str
            The public function, for the messages.
        names : sequence of str
            The argument names.
        tensors : sequence of torch.Tensor
            The arguments.

        Returns
        -------
        list of torch.Tensor
            The tensors (possibly expanded views).
        """
        return list(tensors)


def _broadcast_scalar(go: T) -> float | None:
    """The value of an incoming gradient that is one number broadcast (``loss.sum().backward()``),
    else None."""
    if go.requires_grad or go.numel() == 0 or any(go.stride()):
        return None
    return float(go[(0,) * go.dim()])


def times_grad(g: T, go: T, event: int) -> T:
    """Multiply a gradient by the incoming gradient ``go``, laid out against ``event`` trailing axes.

    No pass over g when go is a broadcast 1 (the gradient of a sum).

    Parameters
    ----------
    g : torch.Tensor
        The gradient at the broadcast shape.
    go : torch.Tensor
        The incoming gradient (batch-shaped).
    event : int
        The number of event axes of g.

    Returns
    -------
    torch.Tensor
        ``g * go``.
    """
    c = _broadcast_scalar(go)
    if c is None:
        return g * expand(go, event)
    return g if c == 1.0 else g * c


def grad_over_distance(go: T, d: np.ndarray) -> np.ndarray:
    """Compute ``go / d`` where d > 0 and 0 where d == 0 (the subgradient at coincident points), in one pass.

    Parameters
    ----------
    go : torch.Tensor
        The incoming gradient.
    d : numpy.ndarray
        The distances.

    Returns
    -------
    numpy.ndarray
        The ratios, of the broadcast shape.
    """
    c = _broadcast_scalar(go)
    num = to_numpy(go) if c is None else np.asarray(c, dtype=d.dtype)
    shape = np.broadcast_shapes(num.shape, d.shape)
    return np.divide(num, d, out=np.zeros(shape, dtype=d.dtype), where=d > 0)


# ------------------------------------------------------------------------------------ specs
class DistanceSpec(Spec):
    """The autograd operation of a family's distance: forward on the kernels, backward ``-G Log / d`` per side.

    Parameters
    ----------
    fam : Family
        The family.
    """

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
    """The autograd operation of a family's KL or Jeffreys divergence, with its closed-form gradients.

    Parameters
    ----------
    fam : Family
        The family.
    which : str
        ``"kl"`` or ``"jeffreys"``.
    """

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
    """The autograd operation of a family's Fisher-Rao penalty (and, optionally, its natural gradient).

    Parameters
    ----------
    fam : Family
        The family.
    natural : bool
        Whether the natural gradient is an extra (non-differentiable) output.
    """

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
    """The public functions of one family, bound to its ``Family`` object.

    Each function checks its arguments (:func:`beds.torch._autograd.prepare` and the family's
    ``check``) and applies the family's spec.

    Parameters
    ----------
    fam : Family
        The family.
    """

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
        """Return the argument names of the pair functions (``mean1, std1, mean2, std2``, ...).

        Returns
        -------
        list of str
            The names.
        """
        return list(self._names)

    def _pair(self, spec: Spec, op: str, args: Sequence[Any]) -> T:
        fn = f"beds.torch.{self.fam.name}.{op}"
        names = self._names
        tensors, _ = prepare(fn, names, args)
        tensors = self.fam.check(fn, names, tensors)
        return apply(spec, tensors)

    def distance(self, *args: Any) -> T:
        """Compute the distance of the pair given as ``(*params1, *params2)``, differentiable.

        Parameters
        ----------
        *args : torch.Tensor or float
            The parameters of both beliefs.

        Returns
        -------
        torch.Tensor
            One value per belief.
        """
        return self._pair(self.dist, "distance", args)

    def kl_div(self, *args: Any) -> T:
        """Compute the KL divergence of the pair given as ``(*params1, *params2)``, differentiable.

        Parameters
        ----------
        *args : torch.Tensor or float
            The parameters of both beliefs.

        Returns
        -------
        torch.Tensor
            One value per belief.
        """
        return self._pair(self.kl, "kl", args)

    def jeffreys(self, *args: Any) -> T:
        """Compute the Jeffreys divergence of the pair given as ``(*params1, *params2)``, differentiable.

        Parameters
        ----------
        *args : torch.Tensor or float
            The parameters of both beliefs.

        Returns
        -------
        torch.Tensor
            One value per belief.
        """
        return self._pair(self.jeff, "jeffreys", args)

    def penalty(self, args: Sequence[Any], strength: Any, return_natural: bool) -> Any:
        """Compute the Fisher-Rao penalty of ``args = (*params, *params_ref)`` with ``strength``.

        Parameters
        ----------
        args : sequence of torch.Tensor or float
            The parameters of the beliefs and of the references.
        strength : torch.Tensor or float
            The strength.
        return_natural : bool
            Also return the natural gradient (a :class:`~beds.torch.Penalty`).

        Returns
        -------
        torch.Tensor or Penalty
            The penalty per belief, or ``Penalty(value, natural_grad)``.

        Raises
        ------
        ValueError
            If the strength is negative or not finite, or a parameter is outside its domain (named with
            the penalty's own argument names).
        """
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
    """Compute sqrt with a finite derivative at 0 (where the value is used only through a masked branch).

    Parameters
    ----------
    x : torch.Tensor
        The argument.

    Returns
    -------
    torch.Tensor
        ``sqrt(x)`` where x > 0, 1 elsewhere.
    """
    return torch.sqrt(torch.where(x > 0, x, torch.ones_like(x)))


PI = math.pi
