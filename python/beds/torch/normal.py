"""Differentiable geometry of univariate normal beliefs N(mean, std^2) on torch tensors.

Same arguments, broadcasting and values as :mod:`beds.normal` (the forward pass runs the same
compiled kernels on the tensors' memory); gradients are reduced to the input shapes.

Gradients.  With G = diag(1/std^2, 2/std^2) the Fisher metric and Log the Riemannian logarithm,
``grad_q d^2/2 = -G(q) Log_q(q_ref)`` (Amari 1998): exactly zero at q = q_ref.  The fused kernel
``beds.ufuncs.normal_fr_penalty`` returns it with the value in one pass.  The distance gradient
is that vector divided by d (0 at coincident points: the subgradient, never NaN).  KL and Jeffreys
gradients are closed forms written with torch operations, so they can be differentiated twice;
distance and penalty gradients come from the kernels (first order only: a second derivative raises
RuntimeError).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import _core
from .. import normal as _normal
from .._validation import call_checked
from ._autograd import from_numpy, prepare, to_numpy
from ._family import Family, Functions

__all__ = ["distance", "fisher_rao_penalty", "jeffreys", "kl", "natural_gradient"]

T = torch.Tensor
_PEN_NAMES = ["mean", "std", "mean_ref", "std_ref", "strength"]
_PEN_DOMAINS = ["real", "positive", "real", "positive", "nonnegative"]


class _NormalFamily(Family):
    name = "normal"
    params = ("mean", "std")
    events = (0, 0)
    domains = ("real", "positive")
    kl_twice = True

    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _normal.distance(*a, *b)

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _normal.kl(*a, *b)

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _normal.jeffreys(*a, *b)

    def penalty(self, a: list[np.ndarray], b: list[np.ndarray], lam: np.ndarray, natural: bool) -> tuple:
        v, gm, gs, nm, ns = call_checked(_core.normal_fr_penalty, [*a, *b, lam], _PEN_NAMES, _PEN_DOMAINS)
        return v, [gm, gs], ([nm, ns] if natural else None)

    def log(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        return list(_core.normal_log(*a, *b))

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        x = [to_numpy(t) for t in (*a, *b)]
        _, gm, gs, _, _ = _core.normal_fr_penalty(*x, np.ones((), dtype=x[0].dtype))
        return [from_numpy(gm), from_numpy(gs)]

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        g1, g2 = _normal._kl_gradients(*a, *b)  # the family's formula, on tensors (differentiable)
        return list(g1), list(g2)


_F = Functions(_NormalFamily())


def distance(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Compute the Fisher-Rao distance between N(mean1, std1^2) and N(mean2, std2^2), differentiable.

    ``d = 2 sqrt(2) asinh(sqrt((dmu^2/2 + dsigma^2) / (4 std1 std2)))``, computed by the kernel of
    :func:`beds.normal.distance` on the tensors' memory (bit-identical values in float64).  The
    gradient in each argument is ``-G Log_q(q') / d`` (the kernel ``beds.ufuncs.normal_fr_penalty``),
    0 at coincident points (the subgradient, never NaN); first order only.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        CPU tensors of one dtype (float32 or float64) or Python numbers; they broadcast.  std > 0.

    Returns
    -------
    torch.Tensor
        The distances, of the broadcast shape and the input dtype.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, a tensor of another dtype than float32/float64, tensors of
        mixed dtypes, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (non-finite, std <= 0; the message names the argument and
        the index), or the shapes do not broadcast.

    See Also
    --------
    beds.normal.distance : The numpy function.
    fisher_rao_penalty : ``strength/2 d^2``.

    Notes
    -----
    With G = diag(1/std^2, 2/std^2) the Fisher metric, ``grad d^2/2 = -G Log_q(q')`` (Amari 1998).
    Reference: S. I. R. Costa, S. A. Santos, J. E. Strapasson, "Fisher information distance: a
    geometrical reading", Discrete Applied Mathematics 197 (2015); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> m = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> d = bt.normal.distance(m, 1.0, 0.0, 2.0)
    >>> d.sum().backward()
    >>> [round(x, 6) for x in d.tolist()]
    [0.980258, 1.189381]
    >>> abs(m.grad[0].item())  # same mean: the gradient in the mean is 0
    0.0
    """
    return _F.distance(mean1, std1, mean2, std2)


def kl(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Compute KL(N1 || N2) in nats, differentiable twice (closed-form torch backward).

    ``log(std2/std1) + (std1^2 + dmu^2) / (2 std2^2) - 1/2``, the value from the accurate kernel of
    :func:`beds.normal.kl`.  The gradients are the family's closed forms (those of
    :meth:`beds.Normal.kl_gradient` and :meth:`beds.Normal.kl_reference_gradient`), evaluated with torch
    operations: ``dmu / std2^2`` and ``(std1 - std2)(std1 + std2) / (std1 std2^2)`` in the first
    argument, ``-dmu / std2^2`` and ``((std2 - std1)(std2 + std1) - dmu^2) / std2^3`` in the second.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        As for :func:`distance`.

    Returns
    -------
    torch.Tensor
        KL divergences of the broadcast shape.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, a tensor of another dtype than float32/float64, tensors of
        mixed dtypes, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (non-finite, std <= 0; the message names the argument and
        the index), or the shapes do not broadcast.

    See Also
    --------
    beds.normal.kl : The numpy function.

    Notes
    -----
    Reference: S. Amari, *Information Geometry and Its Applications*, Springer (2016);
    :doc:`/mathematics/normal`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> m = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    >>> k = bt.normal.kl(m, 1.0, 1.0, 2.0)
    >>> round(k.item(), 6)   # ln 2 + 2/8 - 1/2
    0.443147
    >>> k.backward(); m.grad.item()   # dmu / std2^2
    -0.25
    """
    return _F.kl_div(mean1, std1, mean2, std2)


def jeffreys(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Compute the Jeffreys divergence KL(N1 || N2) + KL(N2 || N1), differentiable twice.

    ``[(std1^2 - std2^2)^2 + dmu^2 (std1^2 + std2^2)] / (2 std1^2 std2^2)`` (the kernel of
    :func:`beds.normal.jeffreys`); the gradients are the sums of the KL gradients in both orders.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        As for :func:`distance`.

    Returns
    -------
    torch.Tensor
        Jeffreys divergences of the broadcast shape.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, a tensor of another dtype than float32/float64, tensors of
        mixed dtypes, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (non-finite, std <= 0; the message names the argument and
        the index), or the shapes do not broadcast.

    See Also
    --------
    beds.normal.jeffreys : The numpy function.

    Notes
    -----
    Reference: H. Jeffreys, "An invariant form for the prior probability in estimation problems",
    Proc. R. Soc. A 186 (1946); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> round(bt.normal.jeffreys(torch.tensor(0.0, dtype=torch.float64), 1.0, 1.0, 2.0).item(), 6)
    1.75
    """
    return _F.jeffreys(mean1, std1, mean2, std2)


def fisher_rao_penalty(
    mean: Any, std: Any, mean_ref: Any, std_ref: Any, strength: Any = 1.0, *, return_natural: bool = False
) -> Any:
    """Compute the Fisher-Rao penalty ``strength/2 d_FR^2(q, q_ref)`` per belief, differentiable.

    The value, its gradient ``strength G (-Log_q(q_ref))`` and the natural gradient
    ``-strength Log_q(q_ref)`` come from one pass of the fused kernel
    ``beds.ufuncs.normal_fr_penalty`` (as :func:`beds.fisher_rao_penalty`).  Gradients flow to q, to
    the reference (``-strength G(q_ref) Log_{q_ref}(q)``) and to a tensor ``strength`` (``d^2/2``);
    first order only.

    Parameters
    ----------
    mean, std : torch.Tensor or float
        The beliefs q (std > 0).
    mean_ref, std_ref : torch.Tensor or float
        The reference beliefs.
    strength : torch.Tensor or float, default 1.0
        The strength lambda (finite, >= 0), broadcasting with the batch.
    return_natural : bool, default False
        Also return the natural gradient with respect to (mean, std).

    Returns
    -------
    torch.Tensor or Penalty
        The penalty per belief (sum it for a loss); with ``return_natural``, a
        :class:`~beds.torch.Penalty` ``(value, (natgrad_mean, natgrad_std))`` (detached).

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, a tensor of another dtype than float32/float64, tensors of
        mixed dtypes, or neither a tensor nor a real Python number.
    ValueError
        If an element is outside its domain (non-finite, std <= 0; the message names the argument and
        the index), or the shapes do not broadcast; or if strength is negative or not finite.

    See Also
    --------
    beds.fisher_rao_penalty : The numpy function on belief objects.
    natural_gradient : ``G^-1`` of any Euclidean gradient.

    Notes
    -----
    The Riemannian gradient of ``d^2/2`` is ``-Log_q(q_ref)``, a tangent vector; the Euclidean gradient
    is G times it (S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10,
    1998).  :doc:`/mathematics/regularization`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> s = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    >>> r = bt.normal.fisher_rao_penalty(0.0, s, 1.0, 2.0, 2.0)
    >>> round(r.item(), 6)  # 2/2 * 1.189381^2
    1.414627
    >>> r.backward(); round(s.grad.item(), 6)
    -3.11908
    """
    return _F.penalty((mean, std, mean_ref, std_ref), strength, return_natural)


def natural_gradient(std: Any, grad_mean: Any, grad_std: Any) -> tuple[T, T]:
    """Compute the natural gradient ``G^-1 g`` of a Euclidean gradient (g_mean, g_std) at N(., std^2).

    ``G = diag(1/std^2, 2/std^2)``, so the result is ``(std^2 g_mean, std^2 g_std / 2)``: the closed
    form of the family's inverse metric (the one :meth:`beds.Normal.apply_metric` applies), evaluated
    with differentiable torch operations.

    Parameters
    ----------
    std : torch.Tensor or float
        Standard deviations (> 0).
    grad_mean, grad_std : torch.Tensor or float
        Euclidean gradient with respect to mean and std.

    Returns
    -------
    tuple of torch.Tensor
        ``(natgrad_mean, natgrad_std)`` at the broadcast shape.

    Raises
    ------
    TypeError
        As for :func:`distance`.
    ValueError
        If std is not finite and > 0.

    See Also
    --------
    fisher_rao_penalty : Returns the natural gradient of the penalty with ``return_natural=True``.

    Notes
    -----
    Reference: S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10
    (1998); :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> bt.normal.natural_gradient(torch.tensor(2.0), 1.0, 1.0)
    (tensor(4.), tensor(2.))
    """
    fn = "beds.torch.normal.natural_gradient"
    (s, gm, gs), _ = prepare(fn, ["std", "grad_mean", "grad_std"], [std, grad_mean, grad_std])
    check_positive(fn, "std", s)
    h_mean, h_std = _normal._inverse_fisher_diagonal(s)
    return h_mean * gm, h_std * gs


def check_positive(fn: str, name: str, t: T) -> None:
    """Raise a ValueError naming ``name`` unless every element of ``t`` is finite and > 0.

    The check of the standard deviations of :func:`natural_gradient` (the autograd functions leave it
    to the kernels).

    Parameters
    ----------
    fn : str
        The public function, for the message.
    name : str
        The argument's name.
    t : torch.Tensor
        The values.

    Raises
    ------
    ValueError
        At the first element that is not finite and > 0 (its value and index in the message).

    Examples
    --------
    >>> import torch
    >>> from beds.torch.normal import check_positive
    >>> check_positive("f", "std", torch.tensor([1.0, 0.0]))
    Traceback (most recent call last):
    ...
    ValueError: f: std must be finite and > 0; found 0.0 at index (1,)
    """
    ok = torch.isfinite(t) & (t > 0)
    if not bool(ok.all()):
        idx = tuple(int(i) for i in torch.nonzero(~ok)[0]) if t.dim() else ()
        raise ValueError(f"{fn}: {name} must be finite and > 0; found {t.detach()[idx].item()!r} at index {idx}")
