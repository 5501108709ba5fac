"""Differentiable geometry of von Mises beliefs vM(mu, kappa) on torch tensors.

Values are those of :mod:`beds.von_mises` (Clairaut quadratures for the distance, same kernels).
With the diagonal Fisher metric ``G = diag(kappa A(kappa), A'(kappa))`` (A = I1/I0,
:mod:`beds.special`) and the logarithm map of :func:`beds.von_mises.log`,
``grad d^2/2 = -G Log`` (exactly 0 at q = q_ref) and ``grad d = that / d`` (0 at coincident points).
At kappa = 0 the gradient in mu is 0 (the uniform law does not depend on mu) and the gradient in
kappa is the one-sided derivative ``-A'(0) v_kappa = -v_kappa / 2`` (tangent vectors at the uniform
law follow the Cartesian convention of :mod:`beds.von_mises`).  The distance is not differentiable
where the minimizing geodesic is not unique (``|mu1 - mu2| = pi``).  KL and Jeffreys gradients are
closed forms with A and A'.  Every gradient here comes from the compiled kernels (first order only:
a second derivative raises RuntimeError).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import _core
from .. import von_mises as _vm
from ._autograd import from_numpy, prepare, to_numpy
from ._family import Family, Functions

__all__ = ["distance", "fisher_rao_penalty", "jeffreys", "kl", "natural_gradient"]

T = torch.Tensor


def _metric(kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kappa A(kappa), A'(kappa)): the diagonal of the Fisher metric in (mu, kappa).

    The metric of ``beds.VonMises`` for kappa > 0; at kappa = 0 the mu entry here is 0 (Euclidean
    gradients in (mu, kappa): the uniform law does not depend on mu), where the family's metric
    takes the Cartesian frame of its tangent vectors (1/2)."""
    return kappa * _core.special_mean_resultant(kappa), _core.special_mean_resultant_derivative(kappa)


class _VonMisesFamily(Family):
    name = "von_mises"
    params = ("mu", "kappa")
    events = (0, 0)
    domains = ("real", "nonnegative")

    def distance(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _vm.distance(*a, *b)

    def kl(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _vm.kl(*a, *b)

    def jeffreys(self, a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
        return _vm.jeffreys(*a, *b)

    def log(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        return list(_core.von_mises_log(*a, *b))

    def half_sq_grad(self, a: Sequence[T], b: Sequence[T]) -> list[T]:
        x = [to_numpy(t) for t in a]
        vm, vk = self.log(x, [to_numpy(t) for t in b])
        f, h = _metric(x[1])
        return [from_numpy(-f * vm), from_numpy(-h * vk)]

    def kl_grad(self, a: Sequence[T], b: Sequence[T]) -> tuple[list[T], list[T]]:
        # Both arguments at once, sharing A(kappa1) and the angle terms.  The first-argument part is
        # the formula of beds.VonMises.kl_gradient; calling that method here would build two
        # VonMises objects and validate A per call (+30 us at N = 10, against 5 us for all of this),
        # and the second-argument part has no home in beds.von_mises yet (a kl_reference_gradient of
        # the protocol in beds._geometry).
        m1, k1 = (to_numpy(t) for t in a)
        m2, k2 = (to_numpy(t) for t in b)
        a1 = _core.special_mean_resultant(k1)
        a2 = _core.special_mean_resultant(k2)
        d1 = _core.special_mean_resultant_derivative(k1)
        delta = m1 - m2
        sn = np.sin(delta)
        h = 2.0 * np.sin(0.5 * delta) ** 2  # 1 - cos(delta), without cancellation
        g_m1 = a1 * k2 * sn
        g_k1 = d1 * ((k1 - k2) + k2 * h)
        g_k2 = (a2 - a1) + a1 * h
        return [from_numpy(g_m1), from_numpy(g_k1)], [from_numpy(-g_m1), from_numpy(np.asarray(g_k2))]


_F = Functions(_VonMisesFamily())


def distance(mu1: Any, kappa1: Any, mu2: Any, kappa2: Any) -> T:
    """Compute the Fisher-Rao distance between vM(mu1, kappa1) and vM(mu2, kappa2), differentiable.

    The value of :func:`beds.von_mises.distance` (Clairaut quadratures, relative error below 1e-11).
    The gradient in each argument is ``-G Log / d`` with ``G = diag(kappa A(kappa), A'(kappa))`` and the
    logarithm map of :func:`beds.von_mises.log`, 0 at coincident points; at kappa = 0 the gradient in mu
    is 0 and the one in kappa the one-sided derivative.  First order only; not differentiable where the
    minimizing geodesic is not unique (``|mu1 - mu2| = pi``).

    Parameters
    ----------
    mu1, kappa1, mu2, kappa2 : torch.Tensor or float
        Mean directions (any finite real, read modulo 2 pi) and concentrations (finite, >= 0);
        CPU tensors of one dtype (float32 or float64) or Python numbers; they broadcast.

    Returns
    -------
    torch.Tensor
        Distances of the broadcast shape.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If a value is not finite, a kappa is < 0 (the message names the argument and the index), or the
        shapes do not broadcast.

    See Also
    --------
    beds.von_mises.distance : The numpy function.

    Notes
    -----
    Reference: K. V. Mardia, P. E. Jupp, *Directional Statistics*, Wiley (2000);
    :doc:`/mathematics/von_mises`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> k = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    >>> d = bt.von_mises.distance(0.0, k, 0.0, 10.0)
    >>> round(d.item(), 7)
    1.7474632
    >>> d.backward(); round(k.grad.item(), 7)  # -sqrt(A'(1)) on the same-mean line
    -0.5952697
    """
    return _F.distance(mu1, kappa1, mu2, kappa2)


def kl(mu1: Any, kappa1: Any, mu2: Any, kappa2: Any) -> T:
    """Compute KL(vM1 || vM2) = log(I0(kappa2)/I0(kappa1)) + A(kappa1)(kappa1 - kappa2 cos(mu1 - mu2)), differentiable.

    Gradients: ``A1 kappa2 sin(mu1 - mu2)`` and ``A'(kappa1)(kappa1 - kappa2 cos(mu1 - mu2))`` in
    (mu1, kappa1) (the formula of :meth:`beds.VonMises.kl_gradient`); ``-A1 kappa2 sin(mu1 - mu2)`` and
    ``A2 - A1 cos(mu1 - mu2)`` in (mu2, kappa2), with ``1 - cos = 2 sin^2(/2)`` (no cancellation).
    Computed with the compiled Bessel ratios: first order only.

    Parameters
    ----------
    mu1, kappa1, mu2, kappa2 : torch.Tensor or float
        As for :func:`distance`.

    Returns
    -------
    torch.Tensor
        KL divergences in nats.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If a value is not finite, a kappa is < 0 (the message names the argument and the index), or the
        shapes do not broadcast.

    See Also
    --------
    beds.von_mises.kl : The numpy function.

    Notes
    -----
    A = I1/I0 (:func:`beds.special.mean_resultant`).  Reference: K. V. Mardia, P. E. Jupp,
    *Directional Statistics*, Wiley (2000); :doc:`/mathematics/von_mises`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> round(bt.von_mises.kl(torch.tensor(0.0, dtype=torch.float64), 1.0, 0.0, 2.0).item(), 6)
    0.141689
    """
    return _F.kl_div(mu1, kappa1, mu2, kappa2)


def jeffreys(mu1: Any, kappa1: Any, mu2: Any, kappa2: Any) -> T:
    """Compute the Jeffreys divergence of two von Mises beliefs, differentiable (first order).

    ``(kappa1 - kappa2)(A1 - A2) + (A1 kappa2 + A2 kappa1)(1 - cos(mu1 - mu2))``, ``KL(1 || 2) + KL(2 ||
    1)``; the gradients are the sums of the KL gradients in both orders.

    Parameters
    ----------
    mu1, kappa1, mu2, kappa2 : torch.Tensor or float
        As for :func:`distance`.

    Returns
    -------
    torch.Tensor
        Jeffreys divergences in nats.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If a value is not finite, a kappa is < 0 (the message names the argument and the index), or the
        shapes do not broadcast.

    See Also
    --------
    beds.von_mises.jeffreys : The numpy function.

    Notes
    -----
    Reference: K. V. Mardia, P. E. Jupp, *Directional Statistics*, Wiley (2000);
    :doc:`/mathematics/von_mises`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> round(bt.von_mises.jeffreys(torch.tensor(0.0, dtype=torch.float64), 1.0, 0.0, 2.0).item(), 6)
    0.251385
    """
    return _F.jeffreys(mu1, kappa1, mu2, kappa2)


def fisher_rao_penalty(
    mu: Any, kappa: Any, mu_ref: Any, kappa_ref: Any, strength: Any = 1.0, *, return_natural: bool = False
) -> Any:
    """Compute ``strength/2 d_FR^2(q, q_ref)`` per belief, differentiable (as :func:`beds.fisher_rao_penalty`).

    Gradient ``strength G (-Log_q(q_ref))``; natural gradient ``-strength Log_q(q_ref)`` as
    ``(v_mu, v_kappa)`` (at kappa = 0, in the Cartesian convention of :mod:`beds.von_mises`).  First
    order only.

    Parameters
    ----------
    mu, kappa : torch.Tensor or float
        The beliefs q.
    mu_ref, kappa_ref : torch.Tensor or float
        The reference beliefs.
    strength : torch.Tensor or float, default 1.0
        The strength (finite, >= 0), broadcasting with the batch.
    return_natural : bool, default False
        Also return the natural gradient.

    Returns
    -------
    torch.Tensor or Penalty
        The penalty per belief, or ``Penalty(value, (natgrad_mu, natgrad_kappa))``.

    Raises
    ------
    TypeError
        If an argument is a CUDA tensor, of another dtype than float32/float64, of a dtype that differs
        from the others, or neither a tensor nor a real Python number.
    ValueError
        If a value is not finite, a kappa is < 0 (the message names the argument and the index), or the
        shapes do not broadcast; or if strength is negative or not finite.

    See Also
    --------
    beds.fisher_rao_penalty : The numpy function on belief objects.

    Notes
    -----
    Reference: K. V. Mardia, P. E. Jupp, *Directional Statistics*, Wiley (2000);
    :doc:`/mathematics/von_mises`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> r = bt.von_mises.fisher_rao_penalty(torch.tensor(0.0, dtype=torch.float64), 1.0, 0.0, 10.0)
    >>> round(r.item(), 7)  # 1.7474632^2 / 2
    1.5268139
    """
    return _F.penalty((mu, kappa, mu_ref, kappa_ref), strength, return_natural)


def natural_gradient(kappa: Any, grad_mu: Any, grad_kappa: Any) -> tuple[T, T]:
    """Compute the natural gradient ``(g_mu / (kappa A(kappa)), g_kappa / A'(kappa))`` of a Euclidean gradient.

    The inverse of the Fisher metric ``diag(kappa A(kappa), A'(kappa))`` in (mu, kappa).  At kappa = 0
    the mean direction is not identifiable (the metric's mu entry is 0): the mu component is returned
    as 0 there.  The metric comes from the compiled Bessel ratios; the division is a torch operation
    (differentiable in the gradient, not in kappa).

    Parameters
    ----------
    kappa : torch.Tensor or float
        Concentrations (finite, >= 0).
    grad_mu, grad_kappa : torch.Tensor or float
        Euclidean gradient with respect to mu and kappa.

    Returns
    -------
    tuple of torch.Tensor
        ``(natgrad_mu, natgrad_kappa)``.

    Raises
    ------
    TypeError
        As for :func:`distance`.
    ValueError
        If kappa is not finite or < 0.

    Notes
    -----
    Reference: S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10
    (1998); :doc:`/mathematics/von_mises`, :doc:`/torch`.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> nm, nk = bt.von_mises.natural_gradient(torch.tensor(1.0, dtype=torch.float64), 1.0, 1.0)
    >>> round(nm.item(), 6), round(nk.item(), 6)
    (2.240194, 2.8221)
    """
    fn = "beds.torch.von_mises.natural_gradient"
    (k, gm, gk), _ = prepare(fn, ["kappa", "grad_mu", "grad_kappa"], [kappa, grad_mu, grad_kappa])
    ok = torch.isfinite(k) & (k >= 0)
    if not bool(ok.all()):
        raise ValueError(f"{fn}: kappa must be finite and >= 0; found {k.detach()[~ok].flatten()[0].item()!r}")
    f, h = (from_numpy(np.asarray(x)) for x in _metric(to_numpy(k)))
    nm = torch.where(f > 0, gm / torch.where(f > 0, f, torch.ones_like(f)), torch.zeros_like(gm * f))
    return nm, gk / h
