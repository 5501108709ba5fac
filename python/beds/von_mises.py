"""von Mises beliefs vM(mu, kappa): the circular belief manifold (angles, phases, directions).

Density ``exp(kappa cos(x - mu)) / (2 pi I0(kappa))`` on the circle, mean direction ``mu`` (any
real, read modulo 2 pi) and concentration ``kappa >= 0`` (kappa = 0 is the uniform law).  With
``A = I1 / I0`` (:mod:`beds.special`) the Fisher metric is diagonal,

    ds^2 = kappa A(kappa) dmu^2 + A'(kappa) dkappa^2,

a flat disc ``(dkappa^2 + kappa^2 dmu^2) / 2`` around the uniform law and, for large kappa, the
normal family's half-plane with ``sigma^2 = 1 / kappa``.

Geodesics have no closed form.  The metric does not depend on mu, so the manifold is a surface of
revolution; the C++ kernels work in the radius of its circles, ``rho = sqrt(kappa A(kappa))``, where
``ds^2 = P(rho)^2 drho^2 + rho^2 dmu^2`` and all of the geometry is the one function ``P`` (tabulated
to double precision by power series, Chebyshev pieces and an asymptotic series).  Clairaut's
relation ``rho^2 dmu/ds = c`` turns a geodesic into two integrals of ``P`` (swept angle and
length), and the boundary-value problem into Newton's method on the geodesic's initial direction;
geodesics dip toward the uniform law, pairs at ``|dmu| = pi`` pass through it.  Measured accuracy
against mpmath at 24 digits: relative error of the distance below 5e-15 for kappa in [1e-3, 1e5]
and the hard cases (angles next to pi, deep dips, ends of the double range); details on the docs
page :doc:`/mathematics/von_mises`.

Tangent vectors are ``(v_mu, v_kappa)``.  At the uniform law (kappa = 0) the polar chart is
singular; there a tangent vector is read in the Cartesian frame at angle ``mu``: ``v_kappa`` along
the direction ``mu`` and ``v_mu`` along ``mu + pi/2``, with squared norm ``(v_mu^2 + v_kappa^2) / 2``
(the limit of ``kappa * v_mu``).  Exp, log, geodesics and transport are exact through kappa = 0.

References: Mardia and Jupp, *Directional Statistics* (2000), ch. 3 and 5; Amari, *Information
Geometry and Its Applications* (2016); do Carmo, *Differential Geometry of Curves and Surfaces*,
4-4 (Clairaut's relation on surfaces of revolution).

This module is slightly longer than the project's 500-line guideline because it holds every array
function of the family and its belief class, each with its own numpydoc docstring; about 300 of its
lines are code.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from . import special
from ._belief import Belief, Tangent, _warn_not_converged
from ._dask import is_dask_array
from ._kernels import array_function
from ._validation import as_real_array, check_domain, check_iterations, karcher_weights

__all__ = [
    "VonMises",
    "distance",
    "entropy",
    "exp",
    "geodesic",
    "inner",
    "jeffreys",
    "karcher_mean",
    "kl",
    "log",
    "tangent_from_natural",
    "transport",
]

_M = "beds.von_mises"
_RANGE = "the geodesic runs to kappa = inf (the velocity is too large for floating point)"
_LOG_RANGE = (
    "the tangent vector at point 1 is not representable in floating point: |v_mu| ~ d / sqrt(kappa1 A(kappa1)) "
    "overflows for kappa1 below about 1e-300, |v_kappa| ~ sqrt(2) d kappa1 above about 1e300"
)
_TANGENT_RANGE = (
    "the tangent vector (of log at point 1, of transport at point 2) is not representable in floating point: "
    "its polar components overflow for kappa below about 1e-300 (v_mu ~ d / sqrt(kappa A(kappa))) or above about "
    "1e300 (v_kappa ~ sqrt(2) d kappa)"
)
_DIVERGENCE_RANGE = "the divergence exceeds the largest double (a concentration near 1.8e308)"
_INNER_RANGE = "the inner product exceeds the largest double"
_TRANSPORT_RANGE = (
    "the transported vector at point 2 is not representable in floating point (kappa2 below about 1e-300 or "
    "above about 1e300, where the polar components of a tangent vector overflow)"
)

distance = array_function(
    "von_mises_distance",
    """Fisher-Rao distance between vM(mu1, kappa1) and vM(mu2, kappa2).

    Clairaut quadratures plus a root find for the geodesic's lowest point (see the module
    docstring); relative error below 1e-11 against mpmath for kappa in [1e-3, 1e5].  Same mean:
    ``int_kappa1^kappa2 sqrt(A'(k)) dk``; ``|mu2 - mu1| = pi``: the sum of both distances to the
    uniform law.

    >>> import beds
    >>> round(float(beds.von_mises.distance(0.0, 1.0, 0.0, 10.0)), 7)
    1.7474632
    """,
    module=_M,
)

kl = array_function(
    "von_mises_kl",
    """KL(vM1 || vM2) = log(I0(kappa2) / I0(kappa1)) + A(kappa1) (kappa1 - kappa2 cos(mu1 - mu2)).

    Evaluated as a Bregman divergence of log I0 (a 10-point Gauss-Legendre integral of A' for
    near concentrations) plus ``2 A(kappa1) kappa2 sin^2((mu1 - mu2) / 2)``: non-negative and
    accurate for near pairs.
    """,
    on_domain_error=_DIVERGENCE_RANGE,
    module=_M,
)

jeffreys = array_function(
    "von_mises_jeffreys",
    """Jeffreys divergence ``KL(1 || 2) + KL(2 || 1)
    = (kappa1 - kappa2)(A1 - A2) + (A1 kappa2 + A2 kappa1)(1 - cos(mu1 - mu2))``.""",
    on_domain_error=_DIVERGENCE_RANGE,
    module=_M,
)

entropy = array_function(
    "von_mises_entropy",
    """Differential entropy ``log(2 pi I0(kappa)) - kappa A(kappa)`` in nats (log 2 pi at kappa = 0).""",
    module=_M,
)

inner = array_function(
    "von_mises_inner",
    """Fisher inner product ``kappa A(kappa) u_mu v_mu + A'(kappa) u_kappa v_kappa`` (at kappa = 0,
    ``(u_mu v_mu + u_kappa v_kappa) / 2``: the Cartesian convention of the module docstring).""",
    on_domain_error=_INNER_RANGE,
    module=_M,
)

exp = array_function(
    "von_mises_exp",
    """Riemannian exponential map: ``(mu', kappa')`` at t = 1 on the geodesic leaving (mu, kappa)
    with velocity (v_mu, v_kappa); mu' is wrapped to [-pi, pi].  Exact through the uniform law.""",
    on_domain_error=_RANGE,
    module=_M,
)

log = array_function(
    "von_mises_log",
    """Riemannian logarithm: velocity ``(v_mu, v_kappa)`` at point 1 of the minimizing geodesic that
    reaches point 2 at t = 1 (its norm is the distance).  At ``|mu2 - mu1| = pi`` the geodesic
    through the uniform law is returned.  Raises ValueError where a component is not representable
    (kappa1 within a few orders of magnitude of the ends of the double range).""",
    on_domain_error=_LOG_RANGE,
    module=_M,
)

geodesic = array_function(
    "von_mises_geodesic",
    """Point ``(mu, kappa)`` at parameter t of the geodesic from point 1 (t = 0) to point 2 (t = 1), at
    distance ``|t| d`` from point 1 (t outside [0, 1] extrapolates).""",
    on_domain_error=_RANGE,
    module=_M,
)

transport = array_function(
    "von_mises_transport",
    """Parallel transport of (v_mu, v_kappa) from point 1 to point 2 along the geodesic: on a surface
    the transported vector keeps its length and its angle with the geodesic.  Reference: do Carmo,
    *Differential Geometry of Curves and Surfaces*, 4-4.""",
    on_domain_error=_TRANSPORT_RANGE,
    module=_M,
)


def _wrap(x: np.ndarray) -> np.ndarray:
    return np.remainder(x + np.pi, 2 * np.pi) - np.pi


def karcher_mean(
    mu: Any,
    kappa: Any,
    weights: Any = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    return_iterations: bool = False,
) -> Any:
    """Weighted Frechet (Karcher) mean over the last axis: ``argmin_m sum_i w_i d(m, p_i)^2``.

    Riemannian gradient descent ``m <- Exp_m(sum_i w_i Log_m(p_i) / sum_i w_i)`` from the mean of
    the natural parameters ``kappa (cos mu, sin mu)``, stopped when the FR length of a step is at
    most ``tol * max(1, rms distance)``.  Returns ``(mu, kappa)`` (and the iteration counts, -1
    where not converged, if ``return_iterations``); a ConvergenceWarning flags non-convergence.
    """
    if any(is_dask_array(v) for v in (mu, kappa, weights)):
        return _karcher_mean_lazy(mu, kappa, weights, tol, max_iter, return_iterations)
    m = as_real_array(mu, "mu")
    k = as_real_array(kappa, "kappa")
    if m.ndim == 0 or k.ndim == 0:
        raise ValueError("karcher_mean reduces over the last axis: mu and kappa need at least one dimension")
    m, k = np.broadcast_arrays(m, k)
    if m.shape[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs (last axis has length 0)")
    check_domain("mu", m, "real")
    check_domain("kappa", k, "nonnegative")
    dtype = np.result_type(m, k, np.float32)
    w = np.asarray(karcher_weights(weights, m.shape, dtype), dtype=np.float64)
    check_iterations(tol, max_iter)
    kept = m.shape[:-1]
    n = m.shape[-1]
    m64 = m.astype(np.float64).reshape(-1, n)
    k64 = k.astype(np.float64).reshape(-1, n)
    w = w.reshape(-1, n)
    w = w / w.sum(axis=-1, keepdims=True)
    ex = (w * k64 * np.cos(m64)).sum(axis=-1)
    ey = (w * k64 * np.sin(m64)).sum(axis=-1)
    cm, ck = np.arctan2(ey, ex), np.hypot(ex, ey)
    iters = np.full(cm.shape, -1, dtype=np.int64)
    active = np.arange(cm.shape[0])
    for it in range(1, max_iter + 1):
        bm, bk = cm[active][:, None], ck[active][:, None]
        pw = w[active]
        vm, vk = log(bm, bk, m64[active], k64[active])
        sv_m = (pw * vm).sum(axis=-1)
        sv_k = (pw * vk).sum(axis=-1)
        step = np.sqrt(inner(bk[:, 0], sv_m, sv_k, sv_m, sv_k))
        rms = np.sqrt((pw * inner(bk, vm, vk, vm, vk)).sum(axis=-1))
        cm[active], ck[active] = exp(bm[:, 0], bk[:, 0], sv_m, sv_k)
        done = step <= tol * np.maximum(1.0, rms)
        iters[active[done]] = it
        active = active[~done]
        if active.size == 0:
            break
    cm, ck, iters = cm.reshape(kept), ck.reshape(kept), iters.reshape(kept)
    _warn_not_converged(iters, max_iter)
    out_m, out_k = cm.astype(dtype), ck.astype(dtype)
    return (out_m, out_k, iters) if return_iterations else (out_m, out_k)


def _karcher_block(m: np.ndarray, k: np.ndarray, w: np.ndarray, tol: float, max_iter: int) -> tuple:
    """:func:`karcher_mean` of one block (every reduced axis whole) of dask arrays."""
    return karcher_mean(m, k, w, tol=tol, max_iter=max_iter, return_iterations=True)


def _karcher_mean_lazy(mu: Any, kappa: Any, weights: Any, tol: float, max_iter: int, return_iterations: bool) -> Any:
    """:func:`karcher_mean` of dask arrays: lazy, the means of each block of the kept axes computed
    by the numpy code (the reduced axis gathered into one chunk), the arguments checked block by
    block (the messages of the numpy call)."""
    import dask.array as da

    from . import _dask

    m, k = _dask.lazy_or_real(mu, "mu"), _dask.lazy_or_real(kappa, "kappa")
    if m.ndim == 0 or k.ndim == 0:
        raise ValueError("karcher_mean reduces over the last axis: mu and kappa need at least one dimension")
    m, k = _dask.broadcast_arrays(_dask.as_dask(m), _dask.as_dask(k))
    if m.shape[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs (last axis has length 0)")
    check_iterations(tol, max_iter)
    dtype = np.result_type(m.dtype, k.dtype, np.float32)
    m, k = _dask.checked(m, "mu", "real"), _dask.checked(k, "kappa", "nonnegative")
    w = _dask.karcher_weights(weights, m, dtype)
    fn = partial(_karcher_block, tol=float(tol), max_iter=int(max_iter))
    cm, ck, it = da.apply_gufunc(
        fn, "(n),(n),(n)->(),(),()", m, k, w, output_dtypes=(dtype, dtype, np.int64), allow_rechunk=True
    )
    return (cm, ck, it) if return_iterations else (cm, ck)


class VonMises(Belief):
    """A batch of von Mises beliefs vM(mu, kappa) on the circle.

    ``mu`` is any finite real (read modulo 2 pi), ``kappa`` finite and >= 0 (0 is the uniform law).
    Parameters broadcast; float32 stays float32.  See :mod:`beds.von_mises` for the geometry and the
    tangent convention at kappa = 0.

    >>> import numpy as np, beds
    >>> p = beds.VonMises(mu=0.0, kappa=np.array([1.0, 2.0]))
    >>> q = beds.VonMises(mu=[0.0, 1.0], kappa=10.0)
    >>> beds.distance(p, q).round(6)
    array([1.747463, 2.093267])
    """

    __slots__ = ()
    params = ("mu", "kappa")
    domains = ("real", "nonnegative")
    tangent_domains = ("real", "real")
    family = "von_mises"
    entropy_params = ("kappa",)
    inner_params = ("kappa",)
    leaves_domain = _RANGE
    range_messages = {
        "log": _TANGENT_RANGE,
        "transport": _TANGENT_RANGE,
        "kl": _DIVERGENCE_RANGE,
        "jeffreys": _DIVERGENCE_RANGE,
        "inner": _INNER_RANGE,
    }

    def __init__(self, mu: Any, kappa: Any) -> None:
        self._set((mu, kappa))

    @property
    def mean_resultant_length(self) -> np.ndarray:
        """A(kappa) = E[cos(x - mu)]."""
        return special.mean_resultant(self.kappa)

    @property
    def circular_variance(self) -> np.ndarray:
        """1 - A(kappa)."""
        return 1.0 - special.mean_resultant(self.kappa)

    @property
    def natural(self) -> np.ndarray:
        """Natural parameters ``kappa (cos mu, sin mu)``, shape batch_shape + (2,)."""
        return np.stack([self.kappa * np.cos(self.mu), self.kappa * np.sin(self.mu)], axis=-1)

    @classmethod
    def from_natural(cls, eta: Any) -> VonMises:
        """The beliefs with natural parameters ``eta = kappa (cos mu, sin mu)`` (last axis of size 2)."""
        e = as_real_array(eta, "eta")
        if e.ndim == 0 or e.shape[-1] != 2:
            raise ValueError(f"eta needs a last axis of size 2, got shape {e.shape}")
        check_domain("eta", e, "real")
        return cls(np.arctan2(e[..., 1], e[..., 0]), np.hypot(e[..., 0], e[..., 1]))

    def _metric_diagonal(self) -> np.ndarray:
        k = self.kappa
        with np.errstate(invalid="ignore"):
            f = np.where(k > 0, k * special.mean_resultant(k), 0.5)
        return np.stack([f.astype(k.dtype), special.mean_resultant_derivative(k)], axis=-1)

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-10, max_iter: int = 100) -> VonMises:
        """Weighted Frechet (Karcher) mean over batch axes; see :func:`beds.von_mises.karcher_mean`."""
        (m, k), w, _ = self._reduction_layout(weights, axis)
        mu, kappa = karcher_mean(m, k, w, tol=tol, max_iter=max_iter)
        return VonMises._trusted(mu, kappa)

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: VonMises) -> list[np.ndarray]:
        """Gradient of ``KL(self || other) = log I0(kappa_o) - log I0(kappa) + A(kappa) (kappa -
        kappa_o cos(mu - mu_o))``: ``(A(kappa) kappa_o sin(mu - mu_o), A'(kappa) (kappa - kappa_o cos(mu -
        mu_o)))``, with ``kappa - kappa_o cos = (kappa - kappa_o) + 2 kappa_o sin^2((mu - mu_o)/2)`` (no
        cancellation for near pairs).  At kappa = 0 the components are in the Cartesian frame of the
        module docstring."""
        k, ko, dmu = self.kappa, other.kappa, self.mu - other.mu
        h = np.sin(0.5 * dmu)
        return [
            special.mean_resultant(k) * ko * np.sin(dmu),
            special.mean_resultant_derivative(k) * ((k - ko) + 2.0 * ko * h * h),
        ]

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # Angles are real numbers read modulo 2 pi.  ``mean`` is the mean direction mu and ``variance``
    # the circular variance 1 - A(kappa) (torch.distributions.VonMises' conventions); scipy's
    # ``vonmises(kappa, loc=mu).var()`` is another quantity, the linear variance of the
    # representative in [mu - pi, mu + pi).
    # ==================================================================================
    @property
    def mean(self) -> np.ndarray:
        """The mean direction ``mu`` (the circular mean; the same array as :attr:`mu`)."""
        return self.mu

    @property
    def variance(self) -> np.ndarray:
        """The circular variance ``1 - A(kappa) = 1 - E[cos(x - mu)]`` (as :attr:`circular_variance`)."""
        return self.circular_variance

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draws ``n`` angles per belief (numpy's von Mises generator, Best and Fisher 1979), in
        ``[mu - pi, mu + pi]`` (scipy's representatives), shape ``(n,) + batch_shape``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed).

        Returns
        -------
        numpy.ndarray
            Angles, the beliefs' dtype (kappa = 0: uniform).

        Raises
        ------
        ValueError, TypeError
            As for :meth:`beds.Normal.sample`.

        Examples
        --------
        >>> import beds
        >>> beds.VonMises(0.0, [1.0, 100.0]).sample(3, rng=0).shape
        (3, 2)
        """
        from . import _distributions as _d

        shape = (_d.check_n(n),) + self.batch_shape
        z = _d.get_rng(rng).vonmises(0.0, np.broadcast_to(self.kappa.astype(np.float64), shape), size=shape)
        return (self.mu + z).astype(self.dtype, copy=False)

    def log_prob(self, x: Any) -> np.ndarray:
        """Log density ``kappa cos(x - mu) - log(2 pi I0(kappa))`` on the circle (x any real), evaluated
        as ``-2 kappa sin^2((x - mu)/2) - log(2 pi i0e(kappa))`` (no overflow for large kappa).

        Parameters
        ----------
        x : array_like
            Angles, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log densities of the broadcast shape (with respect to arc length).

        Raises
        ------
        TypeError
            x not real numbers.
        ValueError
            NaN or infinite x; shapes that do not broadcast.

        Examples
        --------
        >>> import beds
        >>> round(float(beds.VonMises(0.0, 0.0).log_prob(1.0)), 12)  # uniform: -log(2 pi)
        -1.837877066409
        """
        from . import _distributions as _d

        a = _d.points(x)
        if not np.isfinite(a).all():
            raise ValueError("x must be finite (angles)")
        dt = _d.out_dtype(self.dtype, a)
        k = self.kappa.astype(np.float64)
        h = np.sin(0.5 * (a.astype(np.float64) - self.mu))
        lp = -2.0 * k * h * h - np.log(2.0 * np.pi * np.asarray(special.i0e(k), dtype=np.float64))
        return lp.astype(dt, copy=False)

    def pdf(self, x: Any) -> np.ndarray:
        """Density ``exp(kappa cos(x - mu)) / (2 pi I0(kappa))``; see :meth:`log_prob`."""
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """``int_{mu - pi}^{x} pdf``, with ``F(x + 2 pi) = F(x) + 1`` (scipy's convention: F(mu) = 1/2).

        Hill's series (1977) for kappa <= 500, an expansion of the integral in ``sin((x - mu)/2)``
        above; absolute error about 1e-15.

        Parameters
        ----------
        x : array_like
            Angles, broadcasting with the batch shape (finite).

        Returns
        -------
        numpy.ndarray
            Values of the broadcast shape.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.VonMises(1.0, 3.0).cdf([1.0 - np.pi, 1.0, 1.0 + np.pi]).round(12).tolist()
        [0.0, 0.5, 1.0]
        """
        from . import _distributions as _d

        a = _d.points(x)
        if not np.isfinite(a).all():
            raise ValueError("x must be finite (angles)")
        return _d.von_mises_cdf(a, self.mu, self.kappa).astype(_d.out_dtype(self.dtype, a), copy=False)

    def to_scipy(self) -> Any:
        """The frozen ``scipy.stats.vonmises(kappa, loc=mu)`` (array parameters for a batch)."""
        from . import _distributions as _d

        return _d.scipy_stats().vonmises(np.array(self.kappa), loc=np.array(self.mu))

    @classmethod
    def from_scipy(cls, frozen: Any) -> VonMises:
        """The beliefs of a frozen ``scipy.stats.vonmises(kappa, loc=mu)`` (scale must be 1)."""
        from . import _distributions as _d

        v = _d.scipy_params(frozen, "vonmises", cls.__name__)
        _d.require_zero(v, "scale", cls.__name__, "a von Mises belief lives on the unit circle (scale = 1)")
        return cls(np.asarray(v["loc"], dtype=np.float64), np.asarray(v["kappa"], dtype=np.float64))

    def to_torch(self) -> Any:
        """``torch.distributions.VonMises(mu, kappa)`` (a copy); ValueError where kappa = 0 (torch
        needs a positive concentration)."""
        from . import _distributions as _d

        if not (self.kappa > 0).all():
            raise ValueError("VonMises.to_torch: torch.distributions.VonMises needs kappa > 0 (kappa = 0 is uniform)")
        return _d.torch_module().distributions.VonMises(_d.tensor(self.mu), _d.tensor(self.kappa))

    @classmethod
    def from_torch(cls, dist: Any) -> VonMises:
        """The beliefs of a ``torch.distributions.VonMises``."""
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not isinstance(dist, D.VonMises):
            got = type(dist).__name__
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.VonMises, got {got}")
        return cls(_d.from_tensor(dist.loc), _d.from_tensor(dist.concentration))

    # ============================================================== end of distribution methods


def tangent_from_natural(p: VonMises, d_eta: Any) -> Tangent:
    """The tangent vector at p whose image in natural coordinates eta = kappa (cos mu, sin mu) is
    ``d_eta`` (last axis of size 2); at kappa = 0 this is the Cartesian convention itself."""
    d = as_real_array(d_eta, "d_eta")
    if d.ndim == 0 or d.shape[-1] != 2:
        raise ValueError(f"d_eta needs a last axis of size 2, got shape {d.shape}")
    c, s = np.cos(p.mu), np.sin(p.mu)
    radial = c * d[..., 0] + s * d[..., 1]
    across = -s * d[..., 0] + c * d[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        v_mu = np.where(p.kappa > 0, across / np.where(p.kappa > 0, p.kappa, 1.0), across)
    return Tangent(p, v_mu, radial)
