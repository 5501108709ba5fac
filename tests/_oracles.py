"""Helpers shared by the accuracy tests: error in ulps against mpmath values, and samples."""

from __future__ import annotations

import math

import mpmath
import numpy as np


def ulp_errors(y, exact, floor: float = 0.0) -> np.ndarray:
    """|y - exact| in ulps of max(|exact|, floor), with the subnormal spacing below the normal
    range (inf == inf, and 0 == 0 when floor is 0, count as exact)."""
    out = np.empty(len(exact))
    for i, (yi, e) in enumerate(zip(np.asarray(y, dtype=np.float64).ravel(), exact)):
        yi = float(yi)
        if mpmath.isinf(e) or (e == 0 and floor == 0):
            out[i] = 0.0 if yi == float(e) else math.inf
            continue
        if not math.isfinite(yi):
            out[i] = math.inf
            continue
        _, k = mpmath.frexp(max(abs(e), mpmath.mpf(floor)))  # in [2^(k-1), 2^k)
        out[i] = float(abs(mpmath.mpf(yi) - e) / mpmath.ldexp(1, max(int(k) - 53, -1074)))
    return out


def loguniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """n numbers log-uniformly distributed in [lo, hi]."""
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


def rate_pairs(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of positive rates (seeded by the kind): ratio within 2, rate1 << rate2, rate1 >> rate2."""
    rng = np.random.default_rng([ord(c) for c in kind])
    a = loguniform(rng, 1e-6, 1e6, 300)
    if kind == "ratio_below_2":  # |log(rate2 / rate1)| <= log 2
        b = a * np.exp(rng.uniform(-math.log(2), math.log(2), a.size))
    elif kind == "rate1_below_rate2":
        b = a * loguniform(rng, 2.0, 1e12, a.size)
    elif kind == "rate1_above_rate2":
        b = a / loguniform(rng, 2.0, 1e12, a.size)
        a, b = np.append(a, [1e16, 1e300]), np.append(b, [1.0, 1.0])
    else:
        raise AssertionError(kind)
    return a, b
