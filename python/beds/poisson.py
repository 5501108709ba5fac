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
