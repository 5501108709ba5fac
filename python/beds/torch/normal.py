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


def normal_kl_grad(a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
    """Gradients of KL(N(m1, s1^2) || N(m2, s2^2)) in both arguments (differences kept factored,
    so that near pairs keep relative accuracy)."""
    m1, s1 = a
    m2, s2 = b
    dm = m1 - m2
    v2 = s2 * s2
    g_m1 = dm / v2
    g_s1 = (s1 - s2) * (s1 + s2) / (s1 * v2)
    g_s2 = ((s2 - s1) * (s2 + s1) - dm * dm) / (v2 * s2)
    return [g_m1, g_s1], [-g_m1, g_s2]


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
        return normal_kl_grad(a, b)


_F = Functions(_NormalFamily())


def distance(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Fisher-Rao distance between N(mean1, std1^2) and N(mean2, std2^2), differentiable.

    ``d = 2 sqrt(2) asinh(sqrt((dmu^2/2 + dsigma^2) / (4 std1 std2)))`` (Costa, Santos and
    Strapasson 2015), computed by the kernel of :func:`beds.normal.distance`.

    Parameters
    ----------
    mean1, std1, mean2, std2 : torch.Tensor or float
        CPU tensors of one dtype (float32 or float64) or Python numbers; they broadcast.  std > 0.

    Returns
    -------
    torch.Tensor
        The distances, of the broadcast shape and the input dtype.  The gradient is
        ``-G Log_q(q') / d`` in each argument (0 at coincident points).

    Raises
    ------
    TypeError
        A CUDA tensor, a dtype other than float32/float64, mixed dtypes, a non-number.
    ValueError
        Non-finite values, std <= 0 (naming the argument and the element), shapes that do not
        broadcast.

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
    """KL(N1 || N2) in nats, differentiable (twice: closed-form torch backward).

    ``log(std2/std1) + (std1^2 + dmu^2) / (2 std2^2) - 1/2`` (value from the accurate kernel of
    :func:`beds.normal.kl`).  Gradients: ``dmu / std2^2``, ``(std1^2 - std2^2) / (std1 std2^2)``
    in the first argument, ``-dmu / std2^2``, ``(std2^2 - std1^2 - dmu^2) / std2^3`` in the second.

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
    TypeError, ValueError
        As for :func:`distance`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> round(bt.normal.kl(torch.tensor(0.0, dtype=torch.float64), 1.0, 1.0, 2.0).item(), 6)
    0.443147
    """
    return _F.kl_div(mean1, std1, mean2, std2)


def jeffreys(mean1: Any, std1: Any, mean2: Any, std2: Any) -> T:
    """Jeffreys divergence KL(N1 || N2) + KL(N2 || N1), differentiable (twice).

    ``[(std1^2 - std2^2)^2 + dmu^2 (std1^2 + std2^2)] / (2 std1^2 std2^2)``.

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
    TypeError, ValueError
        As for :func:`distance`.

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
    """The Fisher-Rao penalty ``strength/2 d_FR^2(q, q_ref)`` per belief, differentiable.

    The value, its gradient ``strength G (-Log_q(q_ref))`` and the natural gradient
    ``-strength Log_q(q_ref)`` come from one pass of the fused kernel
    ``beds.ufuncs.normal_fr_penalty`` (as :func:`beds.fisher_rao_penalty`).  Gradients flow to q, to
    the reference (``-strength G(q_ref) Log_{q_ref}(q)``) and to a tensor ``strength`` (``d^2/2``).

    Parameters
    ----------
    mean, std : torch.Tensor or float
        The beliefs q (std > 0).
    mean_ref, std_ref : torch.Tensor or float
        The reference beliefs.
    strength : torch.Tensor or float, default 1.0
        lambda >= 0, broadcasting with the batch.
    return_natural : bool, default False
        Also return the natural gradient with respect to (mean, std).

    Returns
    -------
    torch.Tensor or Penalty
        The penalty per belief (sum it for a loss); with ``return_natural``, a
        :class:`~beds.torch.Penalty` ``(value, (natgrad_mean, natgrad_std))``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`distance`; strength < 0 or not finite.

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
    """The natural gradient ``G^-1 g`` of a Euclidean gradient (g_mean, g_std) at N(., std^2).

    ``G = diag(1/std^2, 2/std^2)``, so the result is ``(std^2 g_mean, std^2 g_std / 2)``
    (Amari 1998).  Differentiable torch operations.

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
        std not finite and > 0.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> bt.normal.natural_gradient(torch.tensor(2.0), 1.0, 1.0)
    (tensor(4.), tensor(2.))
    """
    fn = "beds.torch.normal.natural_gradient"
    (s, gm, gs), _ = prepare(fn, ["std", "grad_mean", "grad_std"], [std, grad_mean, grad_std])
    check_positive(fn, "std", s)
    v = s * s
    return v * gm, 0.5 * v * gs


def check_positive(fn: str, name: str, t: T) -> None:
    """ValueError naming ``name`` unless every element is finite and > 0."""
    ok = torch.isfinite(t) & (t > 0)
    if not bool(ok.all()):
        idx = tuple(int(i) for i in torch.nonzero(~ok)[0]) if t.dim() else ()
        raise ValueError(f"{fn}: {name} must be finite and > 0; found {t.detach()[idx].item()!r} at index {idx}")
