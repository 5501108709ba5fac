"""Exponential beliefs Exp(rate): a one-dimensional geometry, flat in u = log(rate).

Fisher information ``1 / rate^2``; ``d = |log(rate2 / rate1)|`` (evaluated as
``log1p(|rate2 - rate1| / min(rate1, rate2))``), geodesics ``rate1 (rate2/rate1)^t``,
``Exp_rate(v) = rate exp(v / rate)``, transport ``v rate2 / rate1``; the Frechet mean is the
weighted geometric mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._flat1d import RateBelief, karcher_mean_1d, make_functions

__all__ = [
    "Exponential",
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

_RANGE = "the resulting rate overflows or underflows the floating-point range"
_F = make_functions(
    "exponential",
    "beds.exponential",
    {
        "distance": "Fisher-Rao distance ``|log(rate2 / rate1)|``.",
        "kl": "KL(Exp(rate1) || Exp(rate2)) = log(rate1/rate2) + rate2/rate1 - 1, accurate for near pairs.",
        "jeffreys": "Jeffreys divergence ``(rate1 - rate2)^2 / (rate1 rate2)``.",
        "entropy": "Differential entropy ``1 - log(rate)`` in nats.",
        "inner": "Fisher inner product ``u v / rate^2``.",
        "exp": "Exponential map ``rate exp(v / rate)``.",
        "log": "Logarithm map ``rate1 log(rate2 / rate1)``.",
        "geodesic": "Geodesic point ``rate1 (rate2 / rate1)^t``.",
        "transport": "Parallel transport ``v rate2 / rate1``.",
    },
    leaves=_RANGE,
)
distance, kl, jeffreys, entropy, inner, exp, log, geodesic, transport = (
    _F[k] for k in ("distance", "kl", "jeffreys", "entropy", "inner", "exp", "log", "geodesic", "transport")
)


def karcher_mean(rate: Any, weights: Any = None) -> np.ndarray:
    """Frechet mean over the last axis: the weighted geometric mean ``exp(sum w log rate / sum w)``."""
    return karcher_mean_1d("exponential", rate, weights)


class Exponential(RateBelief):
    """A batch of exponential beliefs Exp(rate), density rate e^(-rate x)."""

    __slots__ = ()
    family = "exponential"
    leaves_domain = _RANGE

    def _metric_diagonal(self) -> np.ndarray:
        return (1.0 / self.rate**2)[..., None]

    # ------------------------------------------- what the generic code needs (beds._geometry)
    def kl_gradient(self, other: Exponential) -> list[np.ndarray]:
        """Gradient of KL(self || other) = log(rate/rate_o) + rate_o/rate - 1: ``1/rate - rate_o/rate^2``."""
        return [1.0 / self.rate - other.rate / self.rate**2]

    # ==================================================================================
    # Distribution methods: beliefs as probability distributions (helpers: beds._distributions)
    # ==================================================================================
    @property
    def mean(self) -> np.ndarray:
        """Mean ``1 / rate``."""
        return 1.0 / self.rate

    @property
    def variance(self) -> np.ndarray:
        """Variance ``1 / rate^2``."""
        return 1.0 / self.rate**2

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draws ``n`` values ``e / rate`` (e standard exponential) per belief, shape ``(n,) + batch_shape``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None
            The generator (or a seed).

        Returns
        -------
        numpy.ndarray
            Non-negative draws, the beliefs' dtype.

        Raises
        ------
        ValueError, TypeError
            As for :meth:`beds.Normal.sample`.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential([1.0, 2.0]).sample(3, rng=0).shape
        (3, 2)
        """
        from . import _distributions as _d

        e = _d.get_rng(rng).standard_exponential((_d.check_n(n),) + self.batch_shape, dtype=self.dtype)
        return e / self.rate

    def log_prob(self, x: Any) -> np.ndarray:
        """Log density ``log(rate) - rate x`` for x >= 0, -inf for x < 0.

        Parameters
        ----------
        x : array_like
            Points, broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log densities of the broadcast shape.

        Raises
        ------
        TypeError
            x not real numbers.
        ValueError
            NaN in x; shapes that do not broadcast.

        Examples
        --------
        >>> import beds
        >>> beds.Exponential(2.0).log_prob([-1.0, 0.0]).round(6).tolist()
        [-inf, 0.693147]
        """
        from . import _distributions as _d

        a = _d.points(x)
        dt = _d.out_dtype(self.dtype, a)
        xa = a.astype(dt, copy=False)
        with np.errstate(invalid="ignore"):
            v = np.log(self.rate) - self.rate * np.where(xa >= 0, xa, 0)
        return np.where(xa >= 0, v, -np.inf).astype(dt, copy=False)

    def pdf(self, x: Any) -> np.ndarray:
        """Density ``rate exp(-rate x)`` for x >= 0 (0 below); see :meth:`log_prob`."""
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """``P(X <= x) = 1 - exp(-rate x)`` (as ``-expm1(-rate x)``) for x >= 0, 0 below.

        Examples
        --------
        >>> import beds
        >>> float(beds.Exponential(2.0).cdf(0.5))  # 1 - 1/e
        0.6321205588285577
        """
        from . import _distributions as _d

        a = _d.points(x)
        dt = _d.out_dtype(self.dtype, a)
        xa = a.astype(dt, copy=False)
        return np.where(xa > 0, -np.expm1(-self.rate * np.where(xa > 0, xa, 0)), 0.0).astype(dt, copy=False)

    def to_scipy(self) -> Any:
        """The frozen ``scipy.stats.expon(scale=1 / rate)``."""
        from . import _distributions as _d

        return _d.scipy_stats().expon(scale=1.0 / np.array(self.rate))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Exponential:
        """The beliefs of a frozen ``scipy.stats.expon(scale=s)`` (rate 1/s; loc must be 0)."""
        from . import _distributions as _d

        v = _d.scipy_params(frozen, "expon", cls.__name__)
        _d.require_zero(v, "loc", cls.__name__, "an exponential belief starts at 0 (loc = 0)")
        return cls(1.0 / np.asarray(v["scale"], dtype=np.float64))

    def to_torch(self) -> Any:
        """``torch.distributions.Exponential(rate)`` (a copy)."""
        from . import _distributions as _d

        return _d.torch_module().distributions.Exponential(_d.tensor(self.rate))

    @classmethod
    def from_torch(cls, dist: Any) -> Exponential:
        """The beliefs of a ``torch.distributions.Exponential``."""
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not isinstance(dist, D.Exponential):
            got = type(dist).__name__
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.distributions.Exponential, got {got}")
        return cls(_d.from_tensor(dist.rate))

    # ============================================================== end of distribution methods
