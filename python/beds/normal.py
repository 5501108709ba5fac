"""Univariate normal beliefs N(mean, std^2): the hyperbolic half-plane.

Fisher metric ``ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2`` (no factor 1/4).  With ``x = mu / sqrt(2)``
it is twice the Poincare half-plane metric (curvature -1/2), so every operation has a closed form
(Moebius maps of the half-plane).  The distance is evaluated as

    d = 2 sqrt(2) asinh( sqrt( (dmu^2 / 2 + dsigma^2) / (4 sigma1 sigma2) ) )

which is accurate to a few ulp for near pairs (where the arccosh form loses every digit) and for
far pairs (where the artanh form loses digits).  Reference: Costa, Santos and Strapasson, "Fisher
information distance: a geometrical reading", Discrete Applied Mathematics 197 (2015).

Array-level functions take the parameters as separate arrays (numpy broadcasting, float32 or
float64, ``out=``); :class:`Normal` is the object interface.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._belief import Belief, _warn_not_converged
from ._geometry import broadcast, check_penalty_out
from ._kernels import array_function, call_kernel
from ._validation import as_real_array, check_iterations, karcher_weights

__all__ = [
    "Normal",
    "distance",
    "entropy",
    "exp",
    "geodesic",
    "inner",
    "jeffreys",
    "karcher_mean",
    "kl",
    "log",
    "transport",
]

_M = "beds.normal"

distance = array_function(
    "normal_distance",
    """Fisher-Rao distance between N(mean1, std1^2) and N(mean2, std2^2).

    ``d = 2 sqrt(2) asinh(sqrt((dmu^2/2 + dsigma^2) / (4 std1 std2)))``, a few ulp from the exact
    value for near and far pairs (measured against mpmath, see the docs page ``accuracy``).

    >>> import beds
    >>> float(beds.normal.distance(0.0, 1.0, 0.0, 2.0))   # sqrt(2) ln 2
    0.9802581434685472
    """,
    module=_M,
)

kl = array_function(
    "normal_kl",
    """Kullback-Leibler divergence KL(N1 || N2) in nats.

    ``log(std2/std1) + (std1^2 + dmu^2) / (2 std2^2) - 1/2``, evaluated as
    ``-log1pmx(delta) + delta^2/2 + dmu^2/(2 std2^2)`` with ``delta = (std1 - std2)/std2`` so that
    near pairs keep full relative accuracy.
    """,
    module=_M,
)

jeffreys = array_function(
    "normal_jeffreys",
    """Jeffreys divergence KL(N1 || N2) + KL(N2 || N1) in nats.

    ``[(std1^2 - std2^2)^2 + dmu^2 (std1^2 + std2^2)] / (2 std1^2 std2^2)``.
    """,
    module=_M,
)

entropy = array_function(
    "normal_entropy",
    """Differential entropy ``log(2 pi e)/2 + log(std)`` in nats.""",
    module=_M,
)

inner = array_function(
    "normal_inner",
    """Fisher inner product of tangent vectors u, v at a point with standard deviation ``std``:
    ``(u_mean v_mean + 2 u_std v_std) / std^2``.""",
    module=_M,
)

exp = array_function(
    "normal_exp",
    """Riemannian exponential map: ``(mean', std')``, the point at t = 1 of the geodesic leaving
    (mean, std) with velocity (v_mean, v_std).  Closed form (Moebius map of the half-plane); the
    FR length of v is ``sqrt(v_mean^2 + 2 v_std^2) / std``.""",
    module=_M,
)

log = array_function(
    "normal_log",
    """Riemannian logarithm: the velocity ``(v_mean, v_std)`` at point 1 of the geodesic that
    reaches point 2 at t = 1; its FR norm equals the distance.""",
    module=_M,
)

geodesic = array_function(
    "normal_geodesic",
    """Point ``(mean, std)`` at parameter t of the geodesic from point 1 (t = 0) to point 2 (t = 1),
    at FR distance ``|t| d`` from point 1; t outside [0, 1] extrapolates.""",
    module=_M,
)

transport = array_function(
    "normal_transport",
    """Parallel transport of the tangent vector (v_mean, v_std) at point 1 along the geodesic to
    point 2 (Levi-Civita connection of the Fisher metric); preserves inner products.

    In half-plane components (x = mean / sqrt 2): ``v' = (std2 / std1) * v * u2 * conj(u1)`` as
    complex numbers, with u1, u2 the unit tangents of the geodesic at both ends.""",
    module=_M,
)


def karcher_mean(
    mean: Any,
    std: Any,
    weights: Any = None,
    *,
    tol: float = 1e-12,
    max_iter: int = 100,
    return_iterations: bool = False,
) -> Any:
    """Weighted Frechet (Karcher) mean over the last axis: ``argmin_m sum_i w_i d(m, p_i)^2``.

    Riemannian Newton iterations (gradient descent preconditioned by the exact half-plane Hessian,
    with backtracking) using the closed-form exp and log maps, stopped when the FR length of a
    step is at most ``tol * max(1, rms distance)``.  Returns ``(mean, std)`` (and the iteration
    counts, -1 where not converged, if ``return_iterations``).  Emits a ConvergenceWarning when a
    mean did not converge.
    """
    m = as_real_array(mean, "mean")
    s = as_real_array(std, "std")
    if m.ndim == 0 or s.ndim == 0:
        raise ValueError("karcher_mean reduces over the last axis: mean and std need at least one dimension")
    m, s = np.broadcast_arrays(m, s)
    if m.shape[-1] == 0:
        raise ValueError("karcher_mean of an empty set of beliefs (last axis has length 0)")
    w = karcher_weights(weights, m.shape, np.result_type(m, s, np.float32))
    check_iterations(tol, max_iter)
    mu, sd, it = call_kernel("normal_karcher_mean", [m, s, w, np.float64(tol), np.int64(max_iter)])
    _warn_not_converged(it, max_iter)
    return (mu, sd, it) if return_iterations else (mu, sd)


class Normal(Belief):
    """A batch of univariate normal beliefs N(mean, std^2).

    Parameters broadcast against each other; the batch shape is their common shape.  float32
    parameters stay float32, integers become float64.  ``std`` must be finite and > 0, ``mean``
    finite (ValueError naming the argument otherwise).

    >>> import numpy as np, beds
    >>> p = beds.Normal(mean=np.zeros(3), std=1.0)
    >>> q = beds.Normal(mean=[0.0, 3.0, 1.0], std=2.0)
    >>> beds.distance(p, q).round(6)
    array([0.980258, 2.136237, 1.189381])
    """

    __slots__ = ()
    params = ("mean", "std")
    domains = ("real", "positive")
    tangent_domains = ("real", "real")
    family = "normal"
    entropy_params = ("std",)
    inner_params = ("std",)

    def __init__(self, mean: Any, std: Any) -> None:
        super().__init__(mean, std)

    @property
    def var(self) -> np.ndarray:
        """Variance std^2."""
        return self.std**2

    @property
    def precision(self) -> np.ndarray:
        """Precision 1 / std^2 (tau in the BEDS papers)."""
        return 1.0 / self.std**2

    def _metric_diagonal(self) -> np.ndarray:
        inv = 1.0 / self.std**2
        return np.stack([inv, 2.0 * inv], axis=-1)

    def karcher_mean(self, weights: Any = None, axis: Any = None, tol: float = 1e-12, max_iter: int = 100) -> Normal:
        """Weighted Frechet (Karcher) mean over batch axes; see :func:`beds.normal.karcher_mean`."""
        (m, s), w, _ = self._reduction_layout(weights, axis)
        mu, sd = karcher_mean(m, s, w, tol=tol, max_iter=max_iter)
        return Normal._trusted(np.asarray(mu), np.asarray(sd))

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: Normal) -> list[np.ndarray]:
        """Gradient of KL(self || other): ``((mean - mean_o) / std_o^2, std / std_o^2 - 1 / std)``."""
        m, s, mr, sr = self.mean, self.std, other.mean, other.std
        return [(m - mr) / sr**2, s / sr**2 - 1.0 / s]

    def fisher_rao_penalty_parts(
        self, other: Normal, strength: np.ndarray, out: Any = None
    ) -> tuple[Any, list[np.ndarray], list[np.ndarray], Normal]:
        """The penalty ``strength/2 d^2`` in one pass of the fused kernel ``normal_fr_penalty``."""
        check_penalty_out(out)
        v, gm, gs, nm, ns = call_kernel(
            "normal_fr_penalty", [self.mean, self.std, other.mean, other.std, strength], out=out
        )
        return v, [gm, gs], [nm, ns], broadcast(self, gm.shape)

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # ==================================================================================
    @property
    def variance(self) -> np.ndarray:
        """Variance ``std^2`` of each belief (the mean is the parameter :attr:`mean`; same as ``var``)."""
        return self.std**2

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draws ``n`` independent values from every belief.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed for ``numpy.random.default_rng``).

        Returns
        -------
        numpy.ndarray
            Shape ``(n,) + batch_shape``, the beliefs' dtype: ``mean + std * z``, z standard normal.

        Raises
        ------
        ValueError
            n not a non-negative integer.
        TypeError
            rng of another type.

        Examples
        --------
        >>> import beds
        >>> beds.Normal([0.0, 10.0], 1.0).sample(3, rng=0).shape
        (3, 2)
        """
        from . import _distributions as _d

        z = _d.get_rng(rng).standard_normal((_d.check_n(n),) + self.batch_shape, dtype=self.dtype)
        return self.mean + self.std * z

    def log_prob(self, x: Any) -> np.ndarray:
        """Log density ``-(x - mean)^2 / (2 std^2) - log(std) - log(2 pi)/2`` at x.

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape (+-inf allowed, NaN refused).

        Returns
        -------
        numpy.ndarray
            Log densities of the broadcast shape (float32 for float32 beliefs and points).

        Raises
        ------
        TypeError
            x not real numbers.
        ValueError
            NaN in x; shapes that do not broadcast.

        Examples
        --------
        >>> import beds
        >>> round(float(beds.Normal(0.0, 1.0).log_prob(0.0)), 12)  # -log(2 pi)/2
        -0.918938533205
        """
        from . import _distributions as _d

        a = _d.points(x)
        return _d.normal_log_prob(a, self.mean, self.std, _d.out_dtype(self.dtype, a))

    def pdf(self, x: Any) -> np.ndarray:
        """Density ``exp(log_prob(x))``; see :meth:`log_prob`.

        Examples
        --------
        >>> import beds
        >>> round(float(beds.Normal(0.0, 2.0).pdf(0.0)), 12)
        0.199471140201
        """
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """Distribution function ``P(X <= x) = erfc(-(x - mean) / (std sqrt 2)) / 2`` (relative accuracy in both tails).

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Probabilities of the broadcast shape.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`log_prob`.

        Examples
        --------
        >>> import beds
        >>> float(beds.Normal(1.0, 2.0).cdf(1.0))
        0.5
        """
        from . import _distributions as _d

        a = _d.points(x)
        return _d.normal_cdf(a, self.mean, self.std).astype(_d.out_dtype(self.dtype, a), copy=False)

    def to_scipy(self) -> Any:
        """The frozen ``scipy.stats.norm(loc=mean, scale=std)`` (array parameters for a batch).

        Examples
        --------
        >>> import beds
        >>> float(beds.Normal(1.0, 2.0).to_scipy().std())
        2.0
        """
        from . import _distributions as _d

        return _d.scipy_stats().norm(loc=np.array(self.mean), scale=np.array(self.std))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Normal:
        """The beliefs of a frozen ``scipy.stats.norm(loc, scale)`` (ValueError for anything else).

        Examples
        --------
        >>> import beds, scipy.stats
        >>> beds.Normal.from_scipy(scipy.stats.norm(1.0, 2.0))
        Normal(mean=1., std=2., batch_shape=())
        """
        from . import _distributions as _d

        v = _d.scipy_params(frozen, "norm", cls.__name__)
        return cls(v["loc"], v["scale"])

    def to_torch(self) -> Any:
        """``torch.distributions.Normal(mean, std)`` (tensors holding copies of the parameters)."""
        from . import _distributions as _d

        torch = _d.torch_module()
        return torch.distributions.Normal(_d.tensor(self.mean), _d.tensor(self.std))

    @classmethod
    def from_torch(cls, dist: Any) -> Normal:
        """The beliefs of a ``torch.distributions.Normal`` (parameters copied to host numpy arrays)."""
        from . import _distributions as _d

        torch = _d.torch_module()
        if not isinstance(dist, torch.distributions.Normal):
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.Normal, got {type(dist).__name__}")
        return cls(_d.from_tensor(dist.loc), _d.from_tensor(dist.scale))

    # ============================================================== end of distribution methods
