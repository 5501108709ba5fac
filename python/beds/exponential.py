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
