"""The elementary functions that the dynamics loops inline (``cpp/include/beds/math.hpp``) over
their whole input range.

The Gaussian loops of ``System.integrate`` (event and dense paths) take the decay factors
``exp(-gamma dt)`` and the information gained ``log1p(tau_D / tau) / 2`` from math.hpp's ``exp``
and ``log1p_pos``, so that their loops over beliefs vectorize and every path rounds alike.
``tests/test_math.py`` checks these functions region by region; this file sweeps every binade of
their arguments (subnormals included) against mpmath and a dense grid against numpy, and pins the
boundaries (underflow to the subnormals and to 0, overflow, ``x -> -1``) and the special values as
math.hpp documents them, in both instruction-set builds of the loops and in scalar and vector
lanes.  The private ufuncs ``beds._core._math_*`` run the code that the loops inline.
"""

from __future__ import annotations

import functools
import math

import beds
import mpmath
import numpy as np
import pytest
from _oracles import ulp_errors

DBL_MAX = float(np.finfo(np.float64).max)
DENORM_MIN = 5e-324
EXP_MAX = 709.782712893384  # largest double x with a finite exp(x)
EXP_MIN = -745.1332191019411  # smallest double x with exp(x) > 0 (it rounds to 2^-1074)
FUNCTIONS = ("exp", "log1p", "log1p_pos")
#: documented accuracy in ulps (math.hpp); measured: exp 0.74 (0.79 for subnormal results), log1p
#: 0.73, log1p_pos 0.61
BOUND = {"exp": 0.8, "log1p": 1.0, "log1p_pos": 1.0}


def _ufunc(fn: str) -> np.ufunc:
    return getattr(beds._core, f"_math_{fn}")


def _binades(rng: np.random.Generator, lo: int, hi: int, per: int) -> np.ndarray:
    """``per`` random doubles in each binade [2^e, 2^(e+1)) for e in [lo, hi), and the binade ends."""
    e = np.repeat(np.arange(lo, hi), per)
    inner = np.ldexp(1.0 + rng.random(e.size), e)
    ends = np.ldexp(1.0, np.arange(lo, hi))
    with np.errstate(over="ignore"):  # 2^1024 is inf: its neighbour below is DBL_MAX
        last = np.nextafter(ends * 2.0, 0.0)
    return np.concatenate([inner, ends, last])


def _sweep(fn: str) -> np.ndarray:
    """Every binade of the domain, both signs where the domain has them."""
    rng = np.random.default_rng([ord(c) for c in fn])
    if fn == "exp":  # |x| from the smallest subnormal to the overflow threshold
        x = _binades(rng, -1074, 10, 3)
        x = np.concatenate([x, -x])
        x = x[(x <= EXP_MAX) & (x >= -745.0)]
        return np.concatenate([x, rng.uniform(-745.0, EXP_MAX, 3000), [EXP_MAX, EXP_MIN, 0.0]])
    pos = np.concatenate([_binades(rng, -1074, 1024, 3), np.exp(rng.uniform(-50.0, 50.0, 3000)), [0.0, DBL_MAX]])
    if fn == "log1p_pos":
        return pos
    neg = -_binades(rng, -1074, 0, 3)  # (-1, 0): down to the neighbour of -1
    return np.concatenate([pos, neg[neg > -1.0], [np.nextafter(-1.0, 0.0)]])


@functools.lru_cache(maxsize=None)
def _oracle(fn: str) -> tuple[np.ndarray, list]:
    x = _sweep(fn)
    f = mpmath.exp if fn == "exp" else mpmath.log1p
    with mpmath.workdps(40):
        return x, [f(mpmath.mpf(float(v))) for v in x]


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_every_binade_within_one_ulp_of_mpmath(fn, simd_level):
    x, exact = _oracle(fn)
    with np.errstate(under="ignore"):  # results in the subnormal range
        y = _ufunc(fn)(x)
    err = ulp_errors(y, exact)
    i = int(np.argmax(err))
    assert err[i] <= BOUND[fn], f"{fn} ({simd_level}): {err[i]:.3f} ulp at x={x[i]!r} (got {y[i]!r})"
    # and mostly correctly rounded (measured: 1.7% of exp's results are not, 0.1% of log1p's)
    assert np.mean(err > 0.5) < (0.03 if fn == "exp" else 0.01)


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_dense_grid_against_numpy(fn, simd_level):
    # 200 000 points over the range: within 1 ulp of a correctly rounded libm (both are one of the
    # two doubles around the exact value), at most 2 ulp of a numpy whose own functions are within
    # 1 ulp (its SIMD builds: numpy 2.4's AVX-512 exp differs from glibc's on 5% of these points)
    rng = np.random.default_rng(7)
    if fn == "exp":
        x = np.concatenate([rng.uniform(-745.0, EXP_MAX, 100_000), rng.uniform(-2.0, 2.0, 100_000)])
    else:
        x = np.exp(rng.uniform(-700.0, 709.0, 150_000))
        x = np.concatenate([x, -np.exp(rng.uniform(-700.0, -1e-9, 50_000))] if fn == "log1p" else [x])
    with np.errstate(under="ignore"):
        y, ref = _ufunc(fn)(x), getattr(np, "exp" if fn == "exp" else "log1p")(x)
    nonzero = ref != 0
    assert np.array_equal(y[~nonzero], ref[~nonzero])
    diff = np.abs(y - ref)[nonzero] / np.spacing(np.abs(ref[nonzero]))
    assert diff.max() <= 2.0, (fn, x[nonzero][np.argmax(diff)])


# --------------------------------------------------------------------------- boundaries
BOUNDARIES = [
    # exp: the last finite result, then overflow
    ("exp", EXP_MAX, 1.7976931348622732e308),
    ("exp", np.nextafter(EXP_MAX, math.inf), math.inf),
    ("exp", 710.0, math.inf),
    ("exp", DBL_MAX, math.inf),
    # exp: gradual underflow to the smallest subnormal, then to 0
    ("exp", EXP_MIN, DENORM_MIN),
    ("exp", np.nextafter(EXP_MIN, -math.inf), 0.0),
    ("exp", -746.0, 0.0),
    ("exp", -DBL_MAX, 0.0),
    # log1p near -1 and at the top of the range
    ("log1p", np.nextafter(-1.0, 0.0), -36.7368005696771),  # log(2^-53)
    ("log1p", -1.0, -math.inf),
    ("log1p", np.nextafter(-1.0, -math.inf), math.nan),
    ("log1p", DBL_MAX, 709.782712893384),
    ("log1p_pos", DBL_MAX, 709.782712893384),
]


@pytest.mark.parametrize("n", [1, 37], ids=["scalar", "vector"])
@pytest.mark.parametrize(("fn", "x", "expected"), BOUNDARIES, ids=[f"{f}({x!r})" for f, x, _ in BOUNDARIES])
def test_boundaries(fn, x, expected, n, simd_level):
    with np.errstate(under="ignore"):
        y = _ufunc(fn)(np.full(n, x))
    if math.isnan(expected):
        assert np.isnan(y).all(), y[:3]
    else:
        np.testing.assert_array_equal(y, expected)
    if math.isfinite(expected) and expected != 0.0 and abs(x) < DBL_MAX:
        with mpmath.workdps(40):
            exact = (mpmath.exp if fn == "exp" else mpmath.log1p)(mpmath.mpf(float(x)))
        assert ulp_errors(y[:1], [exact])[0] <= 0.5  # the expected values are the rounded exact ones


# --------------------------------------------------------------------------- special values
# (argument, result) as math.hpp documents them; NaN results compare as NaN.  No floating-point
# flag is raised (the loops never report one for these: callers that need an error check the
# arguments first).
SPECIAL = {
    "exp": [
        (math.nan, math.nan),
        (math.inf, math.inf),
        (-math.inf, 0.0),
        (0.0, 1.0),
        (-0.0, 1.0),
        (DENORM_MIN, 1.0),  # subnormal arguments: e^x rounds to 1
        (-DENORM_MIN, 1.0),
        (1e-310, 1.0),
        (-1e-310, 1.0),
    ],
    "log1p": [
        (math.nan, math.nan),
        (math.inf, math.inf),
        (-math.inf, math.nan),
        (-2.0, math.nan),  # below the domain
        (-1.0, -math.inf),
        (0.0, 0.0),
        (-0.0, 0.0),  # (the sign of zero is not kept)
        (DENORM_MIN, DENORM_MIN),  # subnormal arguments: log1p(x) = x
        (-DENORM_MIN, -DENORM_MIN),
        (1e-310, 1e-310),
        (-1e-310, -1e-310),
    ],
    "log1p_pos": [
        (math.nan, math.nan),
        (math.inf, math.inf),
        (0.0, 0.0),
        (DENORM_MIN, DENORM_MIN),
        (1e-310, 1e-310),
        (2.2250738585072014e-308, 2.2250738585072014e-308),
    ],
}
SPECIAL_CASES = [(fn, x, y) for fn, cases in SPECIAL.items() for x, y in cases]


def _same(y: np.ndarray, expected: float) -> bool:
    return bool(np.isnan(y).all()) if math.isnan(expected) else bool((y == expected).all())


@pytest.mark.parametrize("n", [1, 37], ids=["scalar", "vector"])
@pytest.mark.parametrize(("fn", "x", "expected"), SPECIAL_CASES, ids=[f"{f}({x!r})" for f, x, _ in SPECIAL_CASES])
def test_special_values_as_designed(fn, x, expected, n, simd_level):
    with np.errstate(all="raise"):
        y = _ufunc(fn)(np.full(n, x))
    assert _same(y, expected), (fn, x, y[:3])


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_special_values_do_not_disturb_their_neighbours(fn, simd_level):
    # every special value in every lane position of a vector of ordinary arguments
    cases = SPECIAL[fn]
    ordinary = 0.75
    with mpmath.workdps(40):
        ref = float((mpmath.exp if fn == "exp" else mpmath.log1p)(ordinary))
    for x, expected in cases:
        for lane in range(9):
            a = np.full(41, ordinary)
            a[lane::9] = x
            with np.errstate(all="raise"):
                y = _ufunc(fn)(a)
            assert _same(y[lane::9], expected), (fn, x, lane)
            rest = np.ones(a.size, dtype=bool)
            rest[lane::9] = False
            assert np.all(np.abs(y[rest] - ref) <= np.spacing(ref)), (fn, x, lane)
