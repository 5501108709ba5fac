"""Differentiable geometry of mean-field normal beliefs N(mean, diag(std^2)) on torch tensors.

Parameters have shape ``batch + (d,)``; distances and divergences reduce over the last axis, as in
:mod:`beds.diag_normal`.  The geometry is the product of d half-planes, so the gradients are the
coordinate-wise normal ones (:mod:`beds.torch.normal`): ``grad d^2/2 = -G Log`` per coordinate,
``grad d = that / d`` with d the total distance (0 at coincident beliefs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import _core
from .. import diag_normal as _diag
from .. import normal as _normal
from .._validation import call_checked
from ._autograd import from_numpy, prepare, to_numpy
from ._family import Family, Functions
from .normal import check_positive

__all__ = ["distance", "fisher_rao_penalty", "jeffreys", "kl", "natural_gradient"]

T = torch.Tensor
_PEN_NAMES = ["mean", "std", "mean_ref", "std_ref", "strength"]
_PEN_DOMAINS = ["real", "positive", "real", "positive", "nonnegative"]


class _DiagNormalFamily(Family):
    name = "diag_normal"
    params = ("mean", "std")
    events = (1, 1)
    domains = ("real", "positive")
    per_coordinate_strength = True
    kl_twice = True

    def check(self, fn: str, names: Sequence[str], tensors: Sequence[T]) -> list[T]:
        """Scalars broadcast over the coordinates (a stride-0 view of shape (d,), no copy)."""
        dims = [t.shape[-1] for t in tensors if t.dim()]
        if not dims:
            raise ValueError(f"{fn}: {', '.join(names)} are scalars; one needs a last axis of coordinates (d,)")
        return [t.expand(dims[0]) if t.dim() == 0 else t for t in tensors]

    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _diag.distance(*a, *b)

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _diag.kl(*a, *b)

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _diag.jeffreys(*a, *b)

    def penalty(self, a: list[np.ndarray], b: list[np.ndarray], lam: np.ndarray, natural: bool) -> tuple:
        try:
            shape = np.broadcast_shapes(a[0].shape, a[1].shape, b[0].shape, b[1].shape, lam.shape)
        except ValueError:
            desc = ", ".join(f"{n} {x.shape}" for n, x in zip(_PEN_NAMES, [*a, *b, lam]))
            raise ValueError(f"shapes do not broadcast: {desc}") from None
        lam_b = np.broadcast_to(lam, shape)
        v, gm, gs, nm, ns = call_checked(
            _core.diag_normal_fr_penalty, [*a, *b, lam_b], _PEN_NAMES, _PEN_DOMAINS, core_ndims=[1] * 5
        )
        return v, [gm, gs], ([nm, ns] if natural else None)

    def log(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        return list(_core.normal_log(*a, *b))

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        x = [to_numpy(t) for t in (*a, *b)]
        _, gm, gs, _, _ = _core.normal_fr_penalty(*x, np.ones((), dtype=x[0].dtype))
        return [from_numpy(gm), from_numpy(gs)]

    def half_sq(self, a: Sequence[T], b: Sequence[T]) -> T:
        d = from_numpy(np.asarray(_normal.distance(*(to_numpy(t) for t in (*a, *b)))))
        return 0.5 * d * d

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        g1, g2 = _normal._kl_gradients(*a, *b)  # the coordinate-wise normal formula, on tensors
        return list(g1), list(g2)


_F = Functions(_DiagNormalFamily())


def distance(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Compute the Fisher-Rao distance of mean-field normals, ``sqrt(sum_i d_normal(i)^2)`` over the last axis.

    The product of d half-planes (:func:`beds.diag_normal.distance` on the tensors' memory).  The
    gradient is the coordinate-wise ``-G Log`` of the normal family over the total distance (one pass
    of ``beds.ufuncs.normal_fr_penalty``), 0 at coincident beliefs; first order only.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        Tensors of shape ``batch + (d,)`` (broadcasting; a scalar is shared by the coordinates, but at
        least one argument needs the last axis), CPU, float32 or float64; std > 0.

    Returns
    -------
    torch.Tensor
        Distances of the broadcast batch shape.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (the message names the argument and the index), the shapes
        do not broadcast, or every argument is a scalar (no coordinate axis).

    See Also
    --------
    beds.diag_normal.distance : The numpy function.

    Notes
    -----
    Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information distance: a
    geometrical reading", Discrete Applied Mathematics 197 (2015); :doc:`/mathematics/diag_normal`,
    :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z = torch.zeros(2, dtype=torch.float64)
    >>> round(bt.diag_normal.distance(z, 1.0, z + 1, 1.0).item(), 5)
    1.38629
    """
    return _F.distance(mean1, std1, mean2, std2)


def kl(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Compute KL(N1 || N2) of mean-field normals (the sum of the coordinate KLs), differentiable twice.

    ``sum_i [log(std2_i/std1_i) + (std1_i^2 + dmu_i^2) / (2 std2_i^2) - 1/2]`` (the kernel of
    :func:`beds.diag_normal.kl`); the gradients are the normal family's closed forms per coordinate
    (:meth:`beds.DiagNormal.kl_gradient`, :meth:`beds.DiagNormal.kl_reference_gradient`) in torch
    operations.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        As for :func:`distance`.

    Returns
    -------
    torch.Tensor
        KL divergences per belief (nats).

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (the message names the argument and the index), the shapes
        do not broadcast, or every argument is a scalar (no coordinate axis).

    See Also
    --------
    beds.diag_normal.kl : The numpy function.

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z = torch.zeros(2, dtype=torch.float64)
    >>> round(bt.diag_normal.kl(z, 1.0, z + 1, 1.0).item(), 6)
    1.0
    """
    return _F.kl_div(mean1, std1, mean2, std2)


def jeffreys(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Compute the Jeffreys divergence of mean-field normals (sum over the last axis), differentiable twice.

    ``KL(N1 || N2) + KL(N2 || N1)``: the sum over the coordinates of
    ``[(std1^2 - std2^2)^2 + dmu^2 (std1^2 + std2^2)] / (2 std1^2 std2^2)``.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        As for :func:`distance`.

    Returns
    -------
    torch.Tensor
        Jeffreys divergences per belief (nats).

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (the message names the argument and the index), the shapes
        do not broadcast, or every argument is a scalar (no coordinate axis).

    See Also
    --------
    beds.diag_normal.jeffreys : The numpy function.

    Notes
    -----
    Reference: H. Jeffreys, "An invariant form for the prior probability in estimation problems",
    Proc. R. Soc. A 186 (1946); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> z = torch.zeros(2, dtype=torch.float64)
    >>> round(bt.diag_normal.jeffreys(z, 1.0, z + 1, 1.0).item(), 6)
    2.0
    """
    return _F.jeffreys(mean1, std1, mean2, std2)


def fisher_rao_penalty(
    mean: Any, std: Any, mean_ref: Any, std_ref: Any, strength: Any = 1.0, *, return_natural: bool = False
) -> Any:
    """Compute ``sum_i strength_i/2 d_i^2`` per belief, with per-coordinate strengths (EWC-like weights).

    One pass of the fused kernel ``beds.ufuncs.diag_normal_fr_penalty`` (as
    :func:`beds.fisher_rao_penalty` on a :class:`beds.DiagNormal`): value, gradient
    ``strength G (-Log_q(q_ref))`` and natural gradient ``-strength Log_q(q_ref)``, per coordinate.
    Gradients flow to q, to the reference and to a tensor strength; first order only.

    Parameters
    ----------
    mean, std : torch.Tensor or float
        The beliefs q, shape ``batch + (d,)``.
    mean_ref, std_ref : torch.Tensor or float
        The reference beliefs.
    strength : torch.Tensor or float, default 1.0
        Per-coordinate strengths (finite, >= 0), broadcasting with ``batch + (d,)`` (one per belief:
        ``strength[..., None]``).
    return_natural : bool, default False
        Also return the natural gradient with respect to (mean, std).

    Returns
    -------
    torch.Tensor or Penalty
        The penalty per belief, or ``Penalty(value, (natgrad_mean, natgrad_std))``.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (the message names the argument and the index), the shapes
        do not broadcast, or every argument is a scalar (no coordinate axis); or if strength is negative or not finite.

    See Also
    --------
    beds.fisher_rao_penalty : The numpy function on belief objects.

    Notes
    -----
    Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information distance: a
    geometrical reading", Discrete Applied Mathematics 197 (2015); :doc:`/mathematics/diag_normal`,
    :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> m = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    >>> r = bt.diag_normal.fisher_rao_penalty(m, 1.0, torch.ones(3, dtype=torch.float64), 1.0)
    >>> r.backward(); [round(g, 6) for g in m.grad.tolist()]
    [-0.924196, -0.924196, -0.924196]
    """
    return _F.penalty((mean, std, mean_ref, std_ref), strength, return_natural)


def natural_gradient(std: Any, grad_mean: Any, grad_std: Any) -> tuple[T, T]:
    """Compute the natural gradient ``(std^2 g_mean, std^2 g_std / 2)`` of a Euclidean gradient, per coordinate.

    The inverse of the Fisher metric ``diag(1/std^2, 2/std^2)`` of every coordinate: the family's closed
    form (:meth:`beds.DiagNormal.apply_metric`), in differentiable torch operations.

    Parameters
    ----------
    std : torch.Tensor or float
        Standard deviations (> 0).
    grad_mean, grad_std : torch.Tensor or float
        Euclidean gradient with respect to mean and std.

    Returns
    -------
    tuple of torch.Tensor
        ``(natgrad_mean, natgrad_std)``.

    Raises
    ------
    TypeError
        As for :func:`distance`.
    ValueError
        If std is not finite and > 0.

    Notes
    -----
    Reference: S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10
    (1998); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> bt.diag_normal.natural_gradient(torch.tensor([1.0, 2.0]), 1.0, 1.0)
    (tensor([1., 4.]), tensor([0.5000, 2.0000]))
    """
    fn = "beds.torch.diag_normal.natural_gradient"
    (s, gm, gs), _ = prepare(fn, ["std", "grad_mean", "grad_std"], [std, grad_mean, grad_std])
    check_positive(fn, "std", s)
    h_mean, h_std = _normal._inverse_fisher_diagonal(s)
    return h_mean * gm, h_std * gs
