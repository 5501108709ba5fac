"""Beliefs as probability distributions: the helpers behind ``sample``, ``log_prob``, ``pdf``, ``cdf``
and the conversions to and from ``scipy.stats`` and ``torch.distributions``.

Every family class ends with a block of distribution methods that call these functions.  Nothing
here is needed to import beds: scipy and torch are imported only by the conversions that need them.

Numerics (all vectorized numpy):

* normal CDF ``erfc(-z / sqrt 2) / 2`` with the C library's ``erfc`` (full relative accuracy in both
  tails);
* Poisson log-probabilities by Loader's saddle-point form ``-stirlerr(k) - bd0(k, rate) - log(2 pi k)/2``
  (C. Loader, "Fast and accurate computation of binomial probabilities", 2000): no cancellation
  between ``k log rate``, ``rate`` and ``log k!`` for large counts; the CDF sums those probabilities
  over a window of ``O(sqrt(rate))`` terms (exact to rounding; rate <= 1e8);
* von Mises CDF: Hill's series ``1/2 + y/(2 pi) + sum_n A_n sin(n y) / (n pi)``, A_n = I_n/I_0 by the
  backward recurrence of the Bessel ratios (G. W. Hill, "Algorithm 518", ACM TOMS 3(3), 1977; here
  with ``12 sqrt(kappa) + 25`` terms) for kappa <= 500, and above, the integral in ``s = sin(y/2)``
  with ``1/sqrt(1 - s^2)`` expanded:
  ``sum_j binom(2j, j) 4^-j int_0^S s^2j exp(-2 kappa s^2) ds`` (incomplete Gaussian moments by an
  upward recurrence from ``erf``).  Absolute accuracy about 1e-15, like scipy's.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._validation import as_real_array

_LOG_2PI = math.log(2.0 * math.pi)

_erfc_obj = np.frompyfunc(math.erfc, 1, 1)
_erf_obj = np.frompyfunc(math.erf, 1, 1)


def erfc(x: Any) -> np.ndarray:
    """Complementary error function (C library, elementwise), float64."""
    return np.asarray(_erfc_obj(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def erf(x: Any) -> np.ndarray:
    """Error function (C library, elementwise), float64."""
    return np.asarray(_erf_obj(np.asarray(x, dtype=np.float64)), dtype=np.float64)


# ---------------------------------------------------------------------------------- arguments
def check_n(n: Any) -> int:
    """The number of draws: a non-negative integer."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer (the number of draws), got {n!r}")
    if n > _MAX_DRAWS:
        raise ValueError(f"n must be at most 2**48 (the draws are one array), got {n!r}")
    return int(n)


#: more draws than any machine can hold in one array
_MAX_DRAWS = 2**48


def get_rng(rng: Any) -> np.random.Generator:
    """A numpy Generator from a Generator, a seed (int or SeedSequence) or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def points(x: Any, name: str = "x") -> np.ndarray:
    """Evaluation points: real numbers (ints allowed), no NaN (+-inf allowed)."""
    a = as_real_array(x, name)
    if a.dtype.kind == "f" and np.isnan(a).any():
        idx = tuple(int(i) for i in np.argwhere(np.isnan(a))[0])
        raise ValueError(f"{name} must not be NaN; found NaN at index {idx}")
    return a


def out_dtype(belief_dtype: np.dtype, x: np.ndarray) -> np.dtype:
    """float32 only when the belief is float32 and x is float32 or an integer; float64 otherwise."""
    if x.dtype.kind == "f":
        return np.result_type(belief_dtype, x.dtype)
    return np.dtype(belief_dtype)


def event_shape(x: np.ndarray, d: int, name: str = "x") -> None:
    if x.ndim == 0 or x.shape[-1] != d:
        raise ValueError(f"{name} must have a last axis of length {d} (the event), got shape {x.shape}")


def integer_points(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(floor of x as float64, mask of the points that are integers)."""
    xf = x.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore"):
        return np.floor(xf), np.isfinite(xf) & (np.floor(xf) == xf)


# ------------------------------------------------------------------------------------- normal
def normal_log_prob(x: np.ndarray, mean: np.ndarray, std: np.ndarray, dtype: np.dtype) -> np.ndarray:
    z = (x.astype(dtype, copy=False) - mean) / std
    return (-0.5 * z * z - np.log(std) - 0.5 * _LOG_2PI).astype(dtype, copy=False)


def normal_cdf(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Phi((x - mean) / std) = erfc(-z / sqrt 2) / 2 (relative accuracy in both tails)."""
    z = (x.astype(np.float64) - mean) / std.astype(np.float64)
    return 0.5 * erfc(-z / math.sqrt(2.0))


# ------------------------------------------------------------------------------------ poisson
#: stirlerr(k) = log k! - (k + 1/2) log k + k - log(2 pi)/2 for k = 0..15 (mpmath, 40 digits; the
#: value at 0 is unused: log P(0) = -rate)
_STIRLERR = np.array(
    [
        0.0,
        0.08106146679532725822,
        0.041340695955409294094,
        0.027677925684998339149,
        0.020790672103765093112,
        0.016644691189821192163,
        0.013876128823070747999,
        0.011896709945891770095,
        0.010411265261972096497,
        0.0092554621827127329177,
        0.0083305634333628712565,
        0.007573675487951840795,
        0.0069428401072095298657,
        0.0064089941880042070684,
        0.0059513701127588477356,
        0.005554733551962801371,
    ]
)


def stirlerr(k: np.ndarray) -> np.ndarray:
    """The error of Stirling's formula for integers k >= 0: a table to 15, the series above
    (1/12 - 1/(360 k^2) + 1/(1260 k^4) - 1/(1680 k^6) + 1/(1188 k^8) - 691/(360360 k^10)) / k
    (the next term is below 3e-16 of the sum from k = 16 on)."""
    k = np.asarray(k, dtype=np.float64)
    small = k <= 15
    kk = np.where(small, 16.0, k)
    n2 = kk * kk
    big = 1.0 / 1188 - 691.0 / 360360 / n2
    for c in (1.0 / 1680, 1.0 / 1260, 1.0 / 360):
        big = c - big / n2
    big = (1.0 / 12 - big / n2) / kk
    return np.where(small, _STIRLERR[np.clip(k, 0, 15).astype(np.int64)], big)


def bd0(k: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """``k log(k / rate) + rate - k`` >= 0 without cancellation (a series in v = (k - rate)/(k + rate)
    when |v| < 0.1)."""
    k = np.asarray(k, dtype=np.float64)
    rate = np.asarray(rate, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = k * np.log(k / rate) + rate - k
        v = (k - rate) / (k + rate)
        near = np.abs(v) < 0.1
        s = (k - rate) * v
        ej = 2.0 * k * v
        v2 = v * v
        for j in range(1, 12):  # |v| < 0.1: each term is below 1e-2 of the previous one
            ej = ej * v2
            s = s + ej / (2 * j + 1)
    return np.where(near, s, direct)


def poisson_log_pmf(k: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """log P(K = k) for integers k >= 0 (float arrays), Loader's form; float64."""
    k = np.asarray(k, dtype=np.float64)
    rate = np.asarray(rate, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        kk = np.where(k > 0, k, 1.0)
        val = -stirlerr(kk) - bd0(kk, rate) - 0.5 * (_LOG_2PI + np.log(kk))
    return np.where(k > 0, val, -rate)


#: largest rate of :func:`poisson_cdf` (it sums O(sqrt(rate)) probabilities per point)
POISSON_CDF_MAX_RATE = 1e8


def poisson_cdf(m: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """P(K <= m) for integer-valued float m (any sign), rate <= POISSON_CDF_MAX_RATE; float64.

    Below the rate it sums the probabilities from m down (relative accuracy in the left tail),
    at or above it returns one minus the sum of the upper tail; in both cases over a window of
    ``10 sqrt(rate) + 10`` terms, beyond which the terms are below e^-50 of the first one."""
    m, rate = np.broadcast_arrays(np.asarray(m, dtype=np.float64), np.asarray(rate, dtype=np.float64))
    out = np.zeros(m.shape)
    if m.size == 0:
        return out
    if rate.max() > POISSON_CDF_MAX_RATE:
        raise ValueError(
            f"Poisson.cdf supports rate <= {POISSON_CDF_MAX_RATE:g} (it sums O(sqrt(rate)) terms); "
            f"got rate {float(rate.max())!r}; scipy.stats.poisson(rate).cdf (p.to_scipy()) handles larger rates"
        )
    mf, rf = m.ravel(), rate.ravel()
    res = np.zeros(mf.shape)
    live = mf >= 0
    lower = live & (mf < rf)
    upper = live & ~lower
    width = np.ceil(10.0 * np.sqrt(rf) + 10.0)
    block = 256
    for sel, first, step in ((lower, mf, -1.0), (upper, mf + 1.0, 1.0)):
        idx = np.nonzero(sel)[0]
        if idx.size == 0:
            continue
        start, lam = first[idx], rf[idx]
        count = width[idx] if step > 0 else np.minimum(width[idx], mf[idx] + 1.0)
        total = np.zeros(idx.size)
        n_max = int(count.max())
        for c0 in range(0, n_max, block):
            c = np.arange(c0, min(c0 + block, n_max), dtype=np.float64)
            j = start[:, None] + step * c[None, :]
            ok = c[None, :] < count[:, None]
            terms = np.exp(poisson_log_pmf(np.where(ok, j, 0.0), lam[:, None]))
            total += np.where(ok, terms, 0.0).sum(axis=1)
        res[idx] = total if step < 0 else 1.0 - total
    out = res.reshape(m.shape)
    return np.clip(out, 0.0, 1.0)


# ---------------------------------------------------------------------------------- von Mises
_VM_SERIES_MAX_KAPPA = 500.0


def _wrap_centered(x: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y in [-pi, pi] and the number of whole periods j with x = mu + y + 2 pi j (y = x - mu exactly
    when |x - mu| <= pi: no rounding of the offset, which matters for concentrated beliefs)."""
    y = x - mu
    j = np.round(y / (2.0 * math.pi))
    y = np.where(j != 0, y - 2.0 * math.pi * j, y)
    return y, j


def von_mises_cdf(x: np.ndarray, mu: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """``int_{mu - pi}^{x} f``, extended so that F(x + 2 pi) = F(x) + 1 (scipy's convention); float64."""
    from . import special

    x, mu, kappa = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64), np.asarray(mu, dtype=np.float64), np.asarray(kappa, dtype=np.float64)
    )
    y, periods = _wrap_centered(x, mu)
    out = 0.5 + y / (2.0 * math.pi)  # kappa = 0: the uniform law
    series = (kappa > 0) & (kappa <= _VM_SERIES_MAX_KAPPA)
    if series.any():
        yk, kk = y[series], kappa[series]
        # A_n = I_n / I_0 ~ exp(-n^2 / (2 kappa)): below 1e-17 of A_1 from n ~ 9 sqrt(kappa); the
        # backward recurrence started there (R = 0) is exact to rounding where A_n matters
        p = np.ceil(12.0 * np.sqrt(kk) + 25.0)
        r = np.zeros(yk.shape)
        v = np.zeros(yk.shape)
        for n in range(int(p.max()), 0, -1):
            act = n <= p
            r = np.where(act, 1.0 / (2.0 * n / kk + r), 0.0)  # I_n / I_{n-1}, backward
            v = np.where(act, r * (np.sin(n * yk) / n + v), 0.0)
        out[series] = 0.5 + yk / (2.0 * math.pi) + v / math.pi
    big = kappa > _VM_SERIES_MAX_KAPPA
    if big.any():
        yb, kb = y[big], kappa[big]
        s = np.abs(np.sin(0.5 * yb))
        a = 2.0 * kb
        g = np.exp(-a * s * s)
        jj = math.sqrt(math.pi / 8.0) / np.sqrt(kb) * erf(np.sqrt(a) * s)  # int_0^S exp(-2 kappa s^2) ds
        total = jj.copy()
        c = 1.0
        spow = s.copy()  # s^(2j - 1)
        for j in range(1, 16):
            jj = ((2 * j - 1) * jj - spow * g) / (2.0 * a)
            c *= (2 * j - 1) / (2.0 * j)
            total += c * jj
            spow = spow * s * s
        out[big] = 0.5 + np.sign(yb) * total / (math.pi * np.asarray(special.i0e(kb), dtype=np.float64))
    return np.clip(out, 0.0, 1.0) + periods


# ------------------------------------------------------------------------------- conversions
def scipy_stats() -> Any:
    try:
        import scipy.stats as st
    except ImportError as e:  # pragma: no cover - scipy is a test dependency
        raise ImportError("this conversion needs scipy (pip install scipy)") from e
    return st


def torch_module() -> Any:
    try:
        import torch
    except ImportError as e:  # pragma: no cover - exercised only without torch
        raise ImportError(
            "this conversion needs PyTorch (pip install 'beds[torch]', or the CPU build: "
            "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu)"
        ) from e
    return torch


def scipy_params(frozen: Any, name: str, family: str) -> dict[str, Any]:
    """The shape, loc (and scale) parameters of a frozen ``scipy.stats.<name>(...)``; ValueError
    naming the expected distribution for anything else."""
    st = scipy_stats()
    dist = getattr(frozen, "dist", None)
    dname = getattr(dist, "name", None)
    if dname != name or not hasattr(frozen, "args"):
        got = f"scipy.stats.{dname}" if dname is not None else type(frozen).__name__
        raise ValueError(f"{family}.from_scipy needs a frozen scipy.stats.{name}(...), got {got}")
    shapes = [x.strip() for x in dist.shapes.split(",")] if dist.shapes else []
    keys = shapes + ["loc"] + ([] if isinstance(dist, st.rv_discrete) else ["scale"])
    values = dict(zip(keys, frozen.args))
    values.update(frozen.kwds)
    values.setdefault("loc", 0.0)
    if "scale" in keys:
        values.setdefault("scale", 1.0)
    return values


def require_zero(values: dict[str, Any], key: str, family: str, what: str) -> None:
    v = np.asarray(values[key], dtype=np.float64)
    if not np.all(v == (1.0 if key == "scale" else 0.0)):
        raise ValueError(f"{family}.from_scipy: {what}; got {key}={values[key]!r}")


def tensor(a: np.ndarray) -> Any:
    """A torch tensor holding a copy of ``a`` (belief parameters are read-only views)."""
    torch = torch_module()
    return torch.tensor(np.array(a))


def from_tensor(t: Any) -> np.ndarray:
    """numpy copy of a tensor's values (detached; copied to host memory if needed)."""
    return t.detach().cpu().numpy().copy()


def require_single(belief: Any, what: str) -> None:
    if belief.batch_shape != ():
        raise ValueError(
            f"{type(belief).__name__}.to_scipy: scipy.stats.{what} takes one distribution; this batch has shape "
            f"{belief.batch_shape}: convert its elements (p[i].to_scipy())"
        )
