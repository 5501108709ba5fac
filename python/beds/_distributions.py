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

This module is longer than the project's 500-line guideline because it holds the distribution
methods of every family, each with its numpydoc docstring; about 220 of its lines are code, the rest
documentation.
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
    """Compute the complementary error function ``erfc(x) = 1 - erf(x)`` element by element.

    The C library's ``erfc`` (``math.erfc``), which keeps full relative accuracy in the right tail
    (where ``1 - erf(x)`` rounds to 0).

    Parameters
    ----------
    x : array_like
        Real arguments.

    Returns
    -------
    numpy.ndarray
        ``erfc(x)``, float64, of the shape of x.

    Raises
    ------
    ValueError, TypeError
        If x cannot be converted to float64.

    Examples
    --------
    >>> from beds._distributions import erfc
    >>> erfc([0.0, 20.0])   # 1 - erf(20) rounds to 0
    array([1.00000000e+000, 5.39586561e-176])
    """
    return np.asarray(_erfc_obj(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def erf(x: Any) -> np.ndarray:
    """Compute the error function ``erf(x)`` element by element (the C library's, ``math.erf``).

    Used by the large-concentration branch of :func:`von_mises_cdf`.

    Parameters
    ----------
    x : array_like
        Real arguments.

    Returns
    -------
    numpy.ndarray
        ``erf(x)``, float64, of the shape of x.

    Raises
    ------
    ValueError, TypeError
        If x cannot be converted to float64.

    Examples
    --------
    >>> from beds._distributions import erf
    >>> erf([0.0, 1.0])
    array([0.        , 0.84270079])
    """
    return np.asarray(_erf_obj(np.asarray(x, dtype=np.float64)), dtype=np.float64)


# ---------------------------------------------------------------------------------- arguments
def check_n(n: Any) -> int:
    """Check the number of draws of ``sample``: a non-negative integer (not a bool).

    Floats with integer values are refused too (numpy's generators take only integers).

    Parameters
    ----------
    n : int
        The number of draws.

    Returns
    -------
    int
        ``n`` as a Python int.

    Raises
    ------
    ValueError
        If n is not an integer >= 0 (floats and bools included).

    Examples
    --------
    >>> from beds._distributions import check_n
    >>> check_n(3)
    3
    >>> check_n(2.0)
    Traceback (most recent call last):
    ...
    ValueError: n must be a non-negative integer (the number of draws), got 2.0
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer (the number of draws), got {n!r}")
    if n > _MAX_DRAWS:
        raise ValueError(f"n must be at most 2**48 (the draws are one array), got {n!r}")
    return int(n)


#: more draws than any machine can hold in one array
_MAX_DRAWS = 2**48


def get_rng(rng: Any) -> np.random.Generator:
    """Return a numpy Generator from a Generator, a seed or None.

    A Generator is returned as it is; an int or a ``numpy.random.SeedSequence`` seeds
    ``numpy.random.default_rng``; None draws fresh entropy.

    Parameters
    ----------
    rng : numpy.random.Generator, int, numpy.random.SeedSequence or None
        The generator or its seed.

    Returns
    -------
    numpy.random.Generator
        The generator.

    Raises
    ------
    TypeError
        For any other type (bools included).

    Examples
    --------
    >>> from beds._distributions import get_rng
    >>> round(float(get_rng(0).random()), 12)
    0.636961687321
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def points(x: Any, name: str = "x") -> np.ndarray:
    """Check evaluation points: real numbers (integers allowed), no NaN (+-inf allowed).

    The densities and CDFs are defined at +-inf (their limits); NaN is an error, never a silent NaN.

    Parameters
    ----------
    x : array_like
        The points.
    name : str, optional
        The argument's name in the error messages.

    Returns
    -------
    numpy.ndarray
        ``numpy.asarray(x)`` (no copy).

    Raises
    ------
    TypeError
        If x is not real numbers.
    ValueError
        If x holds NaN (the message gives the first index).

    Examples
    --------
    >>> from beds._distributions import points
    >>> points([1, 2])
    array([1, 2])
    >>> points([0.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: x must not be NaN; found NaN at index (1,)
    """
    a = as_real_array(x, name)
    if a.dtype.kind == "f" and np.isnan(a).any():
        idx = tuple(int(i) for i in np.argwhere(np.isnan(a))[0])
        raise ValueError(f"{name} must not be NaN; found NaN at index {idx}")
    return a


def out_dtype(belief_dtype: np.dtype, x: np.ndarray) -> np.dtype:
    """Return the dtype of a density: float32 only for float32 beliefs and float32 or integer points.

    numpy's promotion of the beliefs' dtype with the points' dtype, where integer points do not
    promote float32 beliefs to float64.

    Parameters
    ----------
    belief_dtype : numpy.dtype
        The dtype of the beliefs' parameters.
    x : numpy.ndarray
        The points.

    Returns
    -------
    numpy.dtype
        The result dtype.

    Raises
    ------
    TypeError
        If the dtypes have no common type.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import out_dtype
    >>> out_dtype(np.dtype(np.float32), np.array([1])), out_dtype(np.dtype(np.float32), np.array([1.0]))
    (dtype('float32'), dtype('float64'))
    """
    if x.dtype.kind == "f":
        return np.result_type(belief_dtype, x.dtype)
    return np.dtype(belief_dtype)


def event_shape(x: np.ndarray, d: int, name: str = "x") -> None:
    """Check that points have a last axis of length d (the event of a vector family).

    DiagNormal and MVNormal evaluate densities at vectors; their leading axes broadcast with the
    batch shape.

    Parameters
    ----------
    x : numpy.ndarray
        The points.
    d : int
        The event length.
    name : str, optional
        The argument's name in the error message.

    Raises
    ------
    ValueError
        If x is 0-d or its last axis is not of length d.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import event_shape
    >>> event_shape(np.zeros((2, 3)), 2)
    Traceback (most recent call last):
    ...
    ValueError: x must have a last axis of length 2 (the event), got shape (2, 3)
    """
    if x.ndim == 0 or x.shape[-1] != d:
        raise ValueError(f"{name} must have a last axis of length {d} (the event), got shape {x.shape}")


def integer_points(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the floor of points as float64, and the mask of the points that are integers.

    Non-finite points are not integers.

    Parameters
    ----------
    x : numpy.ndarray
        Real points.

    Returns
    -------
    floor : numpy.ndarray
        ``floor(x)`` as float64.
    is_integer : numpy.ndarray
        True where x is a finite integer value.

    Raises
    ------
    TypeError
        If x cannot be converted to float64.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import integer_points
    >>> integer_points(np.array([1.0, 1.5, np.inf]))
    (array([ 1.,  1., inf]), array([ True, False, False]))
    """
    xf = x.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore"):
        return np.floor(xf), np.isfinite(xf) & (np.floor(xf) == xf)


# ------------------------------------------------------------------------------------- normal
def normal_log_prob(x: np.ndarray, mean: np.ndarray, std: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Compute the normal log density ``-z^2/2 - log(std) - log(2 pi)/2``, ``z = (x - mean) / std``.

    In the given dtype (the arguments are validated by the caller).

    Parameters
    ----------
    x : numpy.ndarray
        Points.
    mean, std : numpy.ndarray
        Parameters (broadcasting with x).
    dtype : numpy.dtype
        The dtype of the computation and of the result.

    Returns
    -------
    numpy.ndarray
        Log densities of the broadcast shape.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import normal_log_prob
    >>> normal_log_prob(np.array([0.0, 1.0]), np.array(0.0), np.array(1.0), np.dtype(np.float64))
    array([-0.91893853, -1.41893853])
    """
    z = (x.astype(dtype, copy=False) - mean) / std
    return (-0.5 * z * z - np.log(std) - 0.5 * _LOG_2PI).astype(dtype, copy=False)


def normal_cdf(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Compute the normal CDF ``Phi((x - mean) / std) = erfc(-z / sqrt 2) / 2`` in float64.

    The C library's ``erfc`` keeps full relative accuracy in both tails (where ``(1 + erf) / 2``
    returns 0 below about -8 standard deviations).

    Parameters
    ----------
    x : numpy.ndarray
        Points.
    mean, std : numpy.ndarray
        Parameters (broadcasting with x).

    Returns
    -------
    numpy.ndarray
        Probabilities of the broadcast shape, float64.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import normal_cdf
    >>> normal_cdf(np.array([0.0, -30.0]), np.array(0.0), np.array(1.0))
    array([5.00000000e-001, 4.90671393e-198])
    """
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
    """Compute the error of Stirling's formula, ``log k! - (k + 1/2) log k + k - log(2 pi)/2``.

    For integers k >= 0: a table (mpmath, 40 digits) up to 15, the series ``(1/12 - 1/(360 k^2) +
    1/(1260 k^4) - 1/(1680 k^6) + 1/(1188 k^8) - 691/(360360 k^10)) / k`` above (the next term is
    below 3e-16 of the sum from k = 16 on).  Reference: C. Loader, "Fast and accurate computation of
    binomial probabilities" (2000).

    Parameters
    ----------
    k : array_like
        Non-negative integers (as floats).

    Returns
    -------
    numpy.ndarray
        The errors, float64.

    Raises
    ------
    ValueError, TypeError
        If k cannot be converted to float64.

    Examples
    --------
    >>> from beds._distributions import stirlerr
    >>> stirlerr([1.0, 16.0, 100.0])
    array([0.08106147, 0.00520766, 0.00083333])
    """
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
    """Compute ``bd0(k, rate) = k log(k / rate) + rate - k >= 0`` without cancellation.

    The deviance term of Loader's saddle-point form; when ``|v| < 0.1``, ``v = (k - rate) / (k +
    rate)``, it is the series ``(k - rate) v + 2k sum_j v^(2j+1) / (2j + 1)``, free of the
    cancellation of the direct form near ``k = rate``.  Reference: C. Loader, "Fast and accurate
    computation of binomial probabilities" (2000).

    Parameters
    ----------
    k : array_like
        Counts (> 0, as floats).
    rate : array_like
        Rates (> 0), broadcasting with k.

    Returns
    -------
    numpy.ndarray
        The deviances, float64.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import bd0
    >>> bd0(np.array([10.0, 10.0]), np.array([10.0, 5.0]))   # 0, 10 ln 2 - 5
    array([0.        , 1.93147181])
    """
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
    """Compute ``log P(K = k)`` of Poi(rate) for integers k >= 0 in Loader's form, float64.

    ``-stirlerr(k) - bd0(k, rate) - log(2 pi k)/2`` for k > 0 and ``-rate`` at k = 0: no
    cancellation between ``k log rate``, ``rate`` and ``log k!`` for large counts (relative error
    1.4e-16 against mpmath for rates 1e-3 to 1e7).  Reference: C. Loader, "Fast and accurate
    computation of binomial probabilities" (2000).

    Parameters
    ----------
    k : array_like
        Non-negative integer counts (as floats).
    rate : array_like
        Rates (> 0), broadcasting with k.

    Returns
    -------
    numpy.ndarray
        Log probabilities, float64.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import poisson_log_pmf
    >>> poisson_log_pmf(np.array([0.0, 1.0, 2.0]), np.array(2.0))   # -2, log 2 - 2, log 2 - 2
    array([-2.        , -1.30685282, -1.30685282])
    """
    k = np.asarray(k, dtype=np.float64)
    rate = np.asarray(rate, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        kk = np.where(k > 0, k, 1.0)
        val = -stirlerr(kk) - bd0(kk, rate) - 0.5 * (_LOG_2PI + np.log(kk))
    return np.where(k > 0, val, -rate)


#: largest rate of :func:`poisson_cdf` (it sums O(sqrt(rate)) probabilities per point)
POISSON_CDF_MAX_RATE = 1e8


def poisson_cdf(m: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Compute ``P(K <= m)`` of Poi(rate) for integer-valued m (any sign), float64.

    Below the rate it sums the probabilities from m down (relative accuracy in the left tail);
    at or above it returns one minus the sum of the upper tail; in both cases over a window of
    ``10 sqrt(rate) + 10`` terms, beyond which the terms are below e^-50 of the first one.

    Parameters
    ----------
    m : array_like
        Integer-valued points (floats; negative gives 0).
    rate : array_like
        Rates (> 0, at most :data:`POISSON_CDF_MAX_RATE`), broadcasting with m.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1] of the broadcast shape.

    Raises
    ------
    ValueError
        If a rate is above :data:`POISSON_CDF_MAX_RATE` (the message points to scipy), or the
        shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import poisson_cdf
    >>> poisson_cdf(np.array([-1.0, 0.0, 1.0, 2.0]), np.array(2.0))
    array([0.        , 0.13533528, 0.40600585, 0.67667642])
    """
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
    """Compute the von Mises CDF ``int_{mu - pi}^{x} f``, extended by ``F(x + 2 pi) = F(x) + 1``, float64.

    scipy's convention: ``F(mu - pi) = 0``, ``F(mu) = 1/2``.  For 0 < kappa <= 500 Hill's series
    ``1/2 + y/(2 pi) + sum_n A_n sin(n y) / (n pi)`` (``y = x - mu`` wrapped to [-pi, pi],
    ``A_n = I_n / I_0`` by the backward recurrence of the Bessel ratios, ``12 sqrt(kappa) + 25``
    terms); above, the integral in ``s = sin(y/2)`` with ``1/sqrt(1 - s^2)`` expanded and the
    incomplete Gaussian moments by an upward recurrence from ``erf``; kappa = 0 is the uniform law.
    Absolute error at most 4.4e-16 (kappa 1e-3 to 1e7).  Reference: G. W. Hill, "Algorithm 518:
    incomplete Bessel function I0. The von Mises distribution", ACM TOMS 3 (1977).

    Parameters
    ----------
    x : array_like
        Points (angles).
    mu, kappa : array_like
        Parameters (kappa >= 0), broadcasting with x.

    Returns
    -------
    numpy.ndarray
        ``F(x)`` of the broadcast shape.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import von_mises_cdf
    >>> von_mises_cdf(np.array([0.0, np.pi, 2 * np.pi]), np.array(0.0), np.array(1.0))
    array([0.5, 1. , 1.5])
    """
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
    """Return the module ``scipy.stats``, imported on first use.

    beds does not need scipy to be imported; the conversions to and from scipy import it here.

    Returns
    -------
    module
        ``scipy.stats``.

    Raises
    ------
    ImportError
        If scipy is not installed (the message says how to install it).

    Examples
    --------
    >>> from beds._distributions import scipy_stats
    >>> scipy_stats().__name__
    'scipy.stats'
    """
    try:
        import scipy.stats as st
    except ImportError as e:  # pragma: no cover - scipy is a test dependency
        raise ImportError("this conversion needs scipy (pip install scipy)") from e
    return st


def torch_module() -> Any:
    """Return the module ``torch``, imported on first use.

    beds does not need PyTorch to be imported; the conversions to and from torch import it here.

    Returns
    -------
    module
        ``torch``.

    Raises
    ------
    ImportError
        If PyTorch is not installed (the message gives the install commands).

    Examples
    --------
    >>> from beds._distributions import torch_module
    >>> torch_module().__name__
    'torch'
    """
    try:
        import torch
    except ImportError as e:  # pragma: no cover - exercised only without torch
        raise ImportError(
            "this conversion needs PyTorch (pip install 'beds[torch]', or the CPU build: "
            "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu)"
        ) from e
    return torch


def scipy_params(frozen: Any, name: str, family: str) -> dict[str, Any]:
    """Return the shape, loc (and scale) parameters of a frozen ``scipy.stats.<name>(...)``.

    Positional and keyword arguments of the frozen distribution, by name, with scipy's defaults
    (loc 0, scale 1) filled in.

    Parameters
    ----------
    frozen : scipy.stats frozen distribution
        The distribution.
    name : str
        The expected scipy name (``"norm"``, ``"poisson"``, ...).
    family : str
        The beds class, for the error message.

    Returns
    -------
    dict of str to object
        The parameters by name.

    Raises
    ------
    ValueError
        If ``frozen`` is not a frozen ``scipy.stats.<name>`` (the message names what was expected).

    Examples
    --------
    >>> import scipy.stats
    >>> from beds._distributions import scipy_params
    >>> scipy_params(scipy.stats.norm(1.0, 2.0), "norm", "Normal")
    {'loc': 1.0, 'scale': 2.0}
    """
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
    """Check that a location (or scale) parameter of a scipy distribution has its default value.

    The default is 1 for ``"scale"`` and 0 otherwise; a family that cannot represent another value
    refuses it.

    Parameters
    ----------
    values : dict of str to object
        The parameters (:func:`scipy_params`).
    key : str
        The parameter to check.
    family : str
        The beds class, for the error message.
    what : str
        Why the value is required, for the error message.

    Raises
    ------
    ValueError
        If the parameter differs from its default anywhere.

    Examples
    --------
    >>> from beds._distributions import require_zero
    >>> require_zero({"loc": 1.0}, "loc", "Poisson", "a Poisson belief counts from 0 (loc = 0)")
    Traceback (most recent call last):
    ...
    ValueError: Poisson.from_scipy: a Poisson belief counts from 0 (loc = 0); got loc=1.0
    """
    v = np.asarray(values[key], dtype=np.float64)
    if not np.all(v == (1.0 if key == "scale" else 0.0)):
        raise ValueError(f"{family}.from_scipy: {what}; got {key}={values[key]!r}")


def tensor(a: np.ndarray) -> Any:
    """Return a torch tensor holding a copy of ``a`` (belief parameters are read-only views).

    ``torch.from_numpy`` would share (and warn about) a read-only buffer; the copy is independent.

    Parameters
    ----------
    a : numpy.ndarray
        The array.

    Returns
    -------
    torch.Tensor
        A CPU tensor of the same dtype.

    Raises
    ------
    ImportError
        If PyTorch is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from beds._distributions import tensor
    >>> tensor(np.array([1.0, 2.0]))
    tensor([1., 2.], dtype=torch.float64)
    """
    torch = torch_module()
    return torch.tensor(np.array(a))


def from_tensor(t: Any) -> np.ndarray:
    """Return a numpy copy of a tensor's values (detached, copied to host memory if needed).

    The beliefs built from it never share memory with the tensor.

    Parameters
    ----------
    t : torch.Tensor
        The tensor.

    Returns
    -------
    numpy.ndarray
        A writable copy.

    Raises
    ------
    AttributeError
        If ``t`` is not a tensor.

    Examples
    --------
    >>> import torch
    >>> from beds._distributions import from_tensor
    >>> from_tensor(torch.tensor([1.0, 2.0], requires_grad=True))
    array([1., 2.], dtype=float32)
    """
    return t.detach().cpu().numpy().copy()


def require_single(belief: Any, what: str) -> None:
    """Check that a belief batch holds one belief (scipy's multivariate distributions hold one).

    Used by ``to_scipy`` of the vector families.

    Parameters
    ----------
    belief : Belief
        The beliefs.
    what : str
        The scipy distribution, for the error message.

    Raises
    ------
    ValueError
        If the batch shape is not ``()`` (the message says to convert the elements).

    Examples
    --------
    >>> import numpy as np, beds
    >>> from beds._distributions import require_single
    >>> require_single(beds.DiagNormal(np.zeros(2), 1.0), "multivariate_normal")   # one belief: passes
    >>> require_single(beds.DiagNormal(np.zeros((3, 2)), 1.0), "multivariate_normal")
    Traceback (most recent call last):
    ...
    ValueError: DiagNormal.to_scipy: scipy.stats.multivariate_normal takes one distribution; this batch ...
    """
    if belief.batch_shape != ():
        raise ValueError(
            f"{type(belief).__name__}.to_scipy: scipy.stats.{what} takes one distribution; this batch has shape "
            f"{belief.batch_shape}: convert its elements (p[i].to_scipy())"
        )
