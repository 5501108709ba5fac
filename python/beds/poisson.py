"""Poisson beliefs Poi(rate): a one-dimensional geometry, flat in u = 2 sqrt(rate).

Fisher information ``1 / rate``; ``d = 2 |sqrt(rate1) - sqrt(rate2)|``, geodesics
``((1 - t) sqrt(rate1) + t sqrt(rate2))^2``.  The boundary rate = 0 is at finite distance: an exp
map or an extrapolated geodesic that reaches it raises ValueError.  The entropy has no closed
form: it is summed exactly for rate < 200 and taken from its asymptotic series above (relative
error about 1e-15, checked against mpmath).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._flat1d import RateBelief, karcher_mean_1d, make_functions

__all__ = [
    "Poisson",
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

_LEAVES = "the geodesic reaches the boundary rate = 0 of the Poisson family (or the rate overflows)"
_F = make_functions(
    "poisson",
    "beds.poisson",
    {
        "distance": "Fisher-Rao distance ``2 |sqrt(rate1) - sqrt(rate2)|``.",
        "kl": "KL(Poi(rate1) || Poi(rate2)) = rate1 log(rate1/rate2) + rate2 - rate1, accurate for near pairs.",
        "jeffreys": "Jeffreys divergence ``(rate1 - rate2) log(rate1 / rate2)``.",
        "entropy": "Shannon entropy ``-sum_k p_k log p_k`` in nats.",
        "inner": "Fisher inner product ``u v / rate``.",
        "exp": "Exponential map ``(sqrt(rate) + v / (2 sqrt(rate)))^2``; ValueError past rate = 0.",
        "log": "Logarithm map ``2 sqrt(rate1) (sqrt(rate2) - sqrt(rate1))``.",
        "geodesic": "Geodesic point ``((1 - t) sqrt(rate1) + t sqrt(rate2))^2``; ValueError past rate = 0.",
        "transport": "Parallel transport ``v sqrt(rate2 / rate1)``.",
    },
    leaves=_LEAVES,
)
distance, kl, jeffreys, entropy, inner, exp, log, geodesic, transport = (
    _F[k] for k in ("distance", "kl", "jeffreys", "entropy", "inner", "exp", "log", "geodesic", "transport")
)


def karcher_mean(rate: Any, weights: Any = None) -> np.ndarray:
    """Frechet mean over the last axis: ``(sum w sqrt(rate) / sum w)^2``."""
    return karcher_mean_1d("poisson", rate, weights)


class Poisson(RateBelief):
    """A batch of Poisson beliefs Poi(rate)."""

    __slots__ = ()
    family = "poisson"
    leaves_domain = _LEAVES

    def _metric_diagonal(self) -> np.ndarray:
        return (1.0 / self.rate)[..., None]

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: Poisson) -> list[np.ndarray]:
        """Gradient of KL(self || other) = rate log(rate/rate_o) + rate_o - rate: ``log(rate/rate_o)``."""
        return [np.log(self.rate) - np.log(other.rate)]

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # ==================================================================================
    @property
    def mean(self) -> np.ndarray:
        """Mean ``rate``."""
        return self.rate

    @property
    def variance(self) -> np.ndarray:
        """Variance ``rate``."""
        return self.rate

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draws ``n`` counts per belief (numpy's Poisson generator), int64 of shape ``(n,) + batch_shape``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed).

        Returns
        -------
        numpy.ndarray
            Counts (int64).

        Raises
        ------
        ValueError, TypeError
            As for :meth:`beds.Normal.sample`.

        Examples
        --------
        >>> import beds
        >>> beds.Poisson([1.0, 50.0]).sample(3, rng=0).shape
        (3, 2)
        """
        from . import _distributions as _d

        n = _d.check_n(n)
        return _d.get_rng(rng).poisson(self.rate, size=(n,) + self.batch_shape).astype(np.int64, copy=False)

    def log_prob(self, x: Any) -> np.ndarray:
        """``log P(K = x) = x log(rate) - rate - log(x!)`` for integers x >= 0 (-inf elsewhere), in
        Loader's cancellation-free form (accurate for large counts and rates).

        Parameters
        ----------
        x : array_like
            Counts (integers, or floats with integer values), broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log probabilities of the broadcast shape (the beliefs' dtype).

        Raises
        ------
        TypeError
            x not real numbers.
        ValueError
            NaN in x; shapes that do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Poisson(2.0).log_prob([0, 1, 1.5]).round(6).tolist()
        [-2.0, -1.306853, -inf]
        """
        from . import _distributions as _d

        a = _d.points(x)
        xf, is_int = _d.integer_points(a)
        ok = is_int & (xf >= 0)
        lp = _d.poisson_log_pmf(np.where(ok, xf, 0.0), self.rate)
        return np.where(ok, lp, -np.inf).astype(self.dtype, copy=False)

    def pmf(self, x: Any) -> np.ndarray:
        """Probability ``P(K = x)`` (0 at non-integer and negative points)."""
        return np.exp(self.log_prob(x))

    def pdf(self, x: Any) -> np.ndarray:
        """The probability mass function (a density for the counting measure); same as :meth:`pmf`."""
        return self.pmf(x)

    def cdf(self, x: Any) -> np.ndarray:
        """``P(K <= x)``: the probabilities summed over ``10 sqrt(rate) + 10`` terms (exact to rounding),
        from ``floor(x)`` down below the rate and as one minus the upper tail above it.

        Raises
        ------
        ValueError
            A rate above 1e8 (the sum has O(sqrt(rate)) terms; scipy's ``pdtr`` via
            :meth:`to_scipy` takes larger rates), NaN in x.

        Examples
        --------
        >>> import beds
        >>> beds.Poisson(2.0).cdf([-1, 0, 1.5]).round(6).tolist()
        [0.0, 0.135335, 0.406006]
        """
        from . import _distributions as _d

        a = _d.points(x)
        m = np.floor(a.astype(np.float64))
        v = _d.poisson_cdf(np.where(np.isfinite(m), m, -1.0), self.rate)
        v = np.where(np.broadcast_to(m, v.shape) == np.inf, 1.0, v)
        return v.astype(self.dtype, copy=False)

    def to_scipy(self) -> Any:
        """The frozen ``scipy.stats.poisson(mu=rate)``."""
        from . import _distributions as _d

        return _d.scipy_stats().poisson(np.array(self.rate))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Poisson:
        """The beliefs of a frozen ``scipy.stats.poisson(mu)`` (loc must be 0)."""
        from . import _distributions as _d

        v = _d.scipy_params(frozen, "poisson", cls.__name__)
        _d.require_zero(v, "loc", cls.__name__, "a Poisson belief counts from 0 (loc = 0)")
        return cls(np.asarray(v["mu"], dtype=np.float64))

    def to_torch(self) -> Any:
        """``torch.distributions.Poisson(rate)`` (a copy)."""
        from . import _distributions as _d

        return _d.torch_module().distributions.Poisson(_d.tensor(self.rate))

    @classmethod
    def from_torch(cls, dist: Any) -> Poisson:
        """The beliefs of a ``torch.distributions.Poisson``."""
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not isinstance(dist, D.Poisson):
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.Poisson, got {type(dist).__name__}")
        return cls(_d.from_tensor(dist.rate))

    # ============================================================== end of distribution methods
