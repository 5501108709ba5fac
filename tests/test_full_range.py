"""Every operation of Normal, DiagNormal, Categorical, Exponential and Poisson over the whole float range.

The rule: a finite in-domain input gives the correct result, or, where the result is not
representable in the output dtype, a ValueError that says which argument and which range; never a
NaN or an infinity from valid input, never a wrong number.  Inputs span magnitudes from the smallest
subnormal (5e-324) to the largest double (1.8e308), mixed freely between arguments.

Oracles: mpmath at a precision chosen from the spread of the inputs (tests/_range_oracles.py, built
from the Moebius group of the half-plane, independently of the library's formulas), and identities
(symmetry, d(p, p) = 0, the triangle inequality, exp(log) round trips, invariance under scaling by a
power of two, transport isometry, KL >= 0).  Property tests are deterministic by default (see
conftest.py) and sample about 40 cases each; ``BEDS_FULL_RANGE_EXAMPLES=2000`` runs a larger sweep
(see CONTRIBUTING.md, "Fuzzing").
"""

from __future__ import annotations

import math
import operator
import os
import sys

import _range_oracles as O
import beds
import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

EPS = 2.0**-52
DBL_MAX = sys.float_info.max
TINY = mp.mpf(2) ** -1074  # spacing of the subnormals
EXAMPLES = int(os.environ.get("BEDS_FULL_RANGE_EXAMPLES", "40"))
PROPERTY = settings(
    deadline=None,
    max_examples=EXAMPLES,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

n_, dn_, ca_, ex_, po_ = beds.normal, beds.diag_normal, beds.categorical, beds.exponential, beds.poisson


# ============================================================================ strategies
def _binade(f: float, e: int) -> float:
    return math.ldexp(f, e)


#: positive doubles: every binade from the subnormals to the largest double, hypothesis' own
#: choice of floats, and the ends of the range
positive = st.one_of(
    st.builds(_binade, st.floats(0.5, 1.0, exclude_max=True), st.integers(-1074, 1024)).filter(
        lambda x: 0 < x <= DBL_MAX
    ),
    st.floats(min_value=5e-324, max_value=DBL_MAX),
    st.sampled_from([5e-324, 2.2250738585072014e-308, 1.0, DBL_MAX]),
)
#: real doubles: 0 or +-positive
real = st.one_of(st.just(0.0), st.builds(operator.mul, positive, st.sampled_from([-1.0, 1.0])))
#: moderate reals (tangent components scaled by a point's std, t parameters)
unit_real = st.floats(-4.0, 4.0)


@st.composite
def normal_pairs(draw):
    """Two normals: independent, same mean, same std, or neighbours (a few ulps apart)."""
    m1, s1 = draw(real), draw(positive)
    kind = draw(st.sampled_from(["independent", "same_mean", "same_std", "near"]))
    if kind == "near":
        k = draw(st.integers(1, 3))
        m2, s2 = m1, s1
        for _ in range(k):
            m2 = math.nextafter(m2, draw(st.sampled_from([-math.inf, math.inf])))
            s2 = math.nextafter(s2, draw(st.sampled_from([0.0, math.inf])))
        assume(s2 > 0 and math.isfinite(m2) and math.isfinite(s2))
        return m1, s1, m2, s2
    m2, s2 = draw(real), draw(positive)
    if kind == "same_mean":
        m2 = m1
    elif kind == "same_std":
        s2 = s1
    return m1, s1, m2, s2


@st.composite
def tangents(draw, s):
    """A tangent vector at a point of std s: components of any magnitude, or scaled by s."""
    if draw(st.booleans()):
        return draw(real), draw(real)
    vm, vs = draw(unit_real) * s, draw(unit_real) * s
    assume(math.isfinite(vm) and math.isfinite(vs))
    return vm, vs


# ============================================================================ comparisons
def _finite(x) -> bool:
    return abs(mp.mpf(x)) <= mp.mpf(DBL_MAX)


def _err(got: float, exact, scale) -> float:
    """|got - exact| in units of eps * scale + 2^-1074 (a subnormal result keeps absolute accuracy)."""
    if not math.isfinite(float(got)):
        return math.inf
    return float(abs(mp.mpf(float(got)) - exact) / (mp.mpf(EPS) * abs(mp.mpf(scale)) + TINY))


def _rounds_to_zero(x) -> bool:
    return abs(mp.mpf(x)) < TINY / 2


def _near_max(x) -> bool:
    """Within a few ulps of the largest double: a result that may round either way."""
    return abs(abs(mp.mpf(x)) - mp.mpf(DBL_MAX)) <= 8 * EPS * mp.mpf(DBL_MAX)


def check_value(call, exact, ulps: float, what: str, scale=None) -> None:
    """call() equals exact within ulps (relative to scale, default |exact|), or raises ValueError
    exactly when exact is not representable."""
    try:
        got = call()
    except ValueError as e:
        assert not _finite(exact) or _near_max(exact), f"{what}: ValueError {e} but {exact} is representable"
        return
    assert _finite(exact), f"{what}: returned {got!r} for the unrepresentable {exact}"
    got = float(np.asarray(got))
    assert math.isfinite(got), f"{what}: {got!r} (exact {exact})"
    e = _err(got, exact, abs(exact) if scale is None else scale)
    assert e <= ulps, f"{what}: {got!r} vs {exact} ({e:.3g} ulps)"


def check_vector(call, exact, ulps: float, what: str) -> None:
    """Both components within ulps of the vector's size (|a| + |b|), or ValueError exactly when a
    component is not representable."""
    try:
        got = call()
    except ValueError as e:
        assert not all(_finite(x) for x in exact), f"{what}: ValueError {e}, exact {exact} is representable"
        return
    assert all(_finite(x) for x in exact), f"{what}: returned {got!r} for the unrepresentable {exact}"
    size = abs(exact[0]) + abs(exact[1])
    errs = [_err(float(g), x, size) for g, x in zip(got, exact)]
    assert max(errs) <= ulps, f"{what}: {got!r} vs {exact} ({max(errs):.3g} ulps)"


def _point_representable(exact) -> bool:
    return exact is not None and _finite(exact[0]) and _finite(exact[1]) and not _rounds_to_zero(exact[1])


def _point_borderline(exact) -> bool:
    """Within a relative 1e-9 of a limit of the range: either answer is right."""
    if exact is None:
        return False
    s = abs(exact[1])
    lims = [mp.mpf(DBL_MAX), TINY / 2]
    return any(abs(s - x) <= mp.mpf("1e-9") * x for x in lims) or abs(abs(exact[0]) - lims[0]) <= 1e-9 * lims[0]


def check_point(call, exact, walk: float, what: str, base_mean: float = 0.0) -> None:
    """A point (mean, std) reached after a walk of half-plane length `walk`: the std within
    64 (1 + walk) ulps, the mean within as many ulps of |mean| + std (the natural scale of a
    position) + |base_mean| (an exp map is mean + offset, translation-equivariant: the rounding of
    the start's mean is the conditioning of the result); or ValueError exactly when the point is
    not representable."""
    try:
        got = call()
    except ValueError as e:
        assert not _point_representable(exact) or _point_borderline(exact), f"{what}: ValueError {e}, exact {exact}"
        return
    if not _point_representable(exact):
        assert _point_borderline(exact), f"{what}: returned {got!r} for the unrepresentable point {exact}"
        return
    m, s = (float(x) for x in got)
    tol = 64 * (1 + walk)
    em = _err(m, exact[0], abs(exact[0]) + exact[1] + abs(base_mean))
    es = _err(s, exact[1], exact[1])
    assert s > 0 and em <= tol and es <= tol, f"{what}: {got!r} vs {exact} ({em:.3g}, {es:.3g} ulps)"


# ============================================================================ regression tests
def test_issue_cases_normal():
    """The cases of the audit: NaN, a wrong number or an overflow far below the documented range."""
    assert n_.distance(0.0, 1e-300, 0.0, 1e-300) == 0.0  # was NaN
    d = float(n_.distance(1e200, 1e200, -1e200, 1e200))  # was NaN; scale invariance
    assert d == pytest.approx(float(O.distance(1, 1, -1, 1)), rel=4 * EPS)
    assert d == pytest.approx(1.8624597189054244, rel=4 * EPS)
    vm, vs = n_.log(0.0, 1.0, 0.0, 1e-155)  # was (nan, nan)
    exact = O.log(0.0, 1.0, 0.0, 1e-155)
    assert vm == 0.0 and float(vs) == pytest.approx(float(exact[1]), rel=8 * EPS)
    assert float(vs) == pytest.approx(-356.9006894140771, rel=8 * EPS)
    d = float(n_.distance(0.0, 1e308, 0.0, 1.0))  # was NaN
    assert d == pytest.approx(float(O.distance(0.0, 1e308, 0.0, 1.0)), rel=4 * EPS)
    assert 1002.9 < d < 1003.0
    wm, ws = n_.transport(0.0, 1.0, 1.77e-81, 1.0, 0.0, 1.0)  # v_std was 0.7074
    exact = O.transport(0.0, 1.0, 1.77e-81, 1.0, 0.0, 1.0)
    assert float(ws) == pytest.approx(1.0, rel=4 * EPS) and float(wm) == pytest.approx(float(exact[0]), rel=1e-13)


def test_issue_cases_rate_families_and_categorical():
    """Found by the fuzz target (tools/fuzz_beds.py) and the property tests below."""
    # a subnormal probability: the log of the ratio was capped at log(1e300) (1381.6, not 1434.5)
    p, q = np.array([1e-323, 1.0]), np.array([1.0, 1e-300])
    exact = _cat_kl(p, q) + _cat_kl(q, p)
    assert _err(float(ca_.jeffreys(p, q)), exact, exact) <= 16
    p, q = np.array([5e-324, 1.0]), np.array([1.0, 5e-324])
    assert float(ca_.jeffreys(p, q)) == pytest.approx(2 * 1074 * math.log(2.0), rel=8 * EPS)
    # float32 results of kernels without a slow path: inf, now a ValueError naming the range
    f = np.float32
    with pytest.raises(ValueError, match="float32: 1.4e-45 to 3.4e38"):
        po_.exp(f(1), f(1e20))  # (1 + 5e19)^2 = 2.5e39
    assert float(po_.exp(f(1), f(1e10))) == pytest.approx(2.5e19, rel=1e-6)
    with pytest.raises(ValueError, match="float32"):
        ex_.jeffreys(f(1e-30), f(1e30))
    # a weighted geometric mean whose rounding went above the largest double (inf)
    m = ex_.karcher_mean(np.array([8.8676154196721926e-140, DBL_MAX]), np.array([1e-45, 1.875]))
    assert float(m) == DBL_MAX
    m = po_.karcher_mean(np.array([5e-324, DBL_MAX]), np.array([1.0, 0.0]))
    assert float(m) == 5e-324


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_exp_is_exact_up_to_the_end_of_the_float_range(sign):
    """Vertical geodesics from N(0, 1): std = e^(sign * v_std); representable up to v_std = 709.78
    upwards (the largest double) and 744.4 downwards (the smallest subnormal), a ValueError naming
    (v_mean, v_std) beyond.  (The FR length is sqrt(2) v_std: 1004 and 1053.)"""
    top = 709.78 if sign > 0 else 744.4
    for v in [100.0, 400.0, 502.0 / math.sqrt(2), 600.0, 700.0, top]:
        m, s = n_.exp(0.0, 1.0, 0.0, sign * v)
        exact = O.exp(0.0, 1.0, 0.0, sign * v)
        assert m == 0.0
        assert _err(float(s), exact[1], exact[1]) <= 64 * (1 + v), (v, s, exact)
    with pytest.raises(ValueError, match=r"v_mean, v_std.*not representable"):
        n_.exp(0.0, 1.0, 0.0, sign * (top + 1.0))
    # a tilted geodesic rises, turns and comes down towards its foot on the mean axis
    m, s = n_.exp(0.0, 1.0, 300.0, 300.0)  # FR length 367: near the foot, std 2.9e-159
    exact = O.exp(0.0, 1.0, 300.0, 300.0)
    assert _err(float(m), exact[0], abs(exact[0]) + exact[1]) <= 64 * 300
    assert _err(float(s), exact[1], exact[1]) <= 64 * 300
    with pytest.raises(ValueError, match="not representable"):
        n_.exp(0.0, 1.0, 1e3, 1e3)  # std 1.4e-531


def test_geodesic_extrapolates_to_the_end_of_the_float_range():
    p, q = (0.0, 1.0), (0.0, math.e)  # unit half-plane length per unit t
    for t in [300.0, 500.0, 709.0]:
        m, s = n_.geodesic(*p, *q, t)
        assert _err(float(s), O.geodesic(*p, *q, t)[1], math.exp(t)) <= 64 * (1 + t)
    with pytest.raises(ValueError, match="not representable"):
        n_.geodesic(*p, *q, 710.0)
    with pytest.raises(ValueError, match="not representable"):
        n_.geodesic(*p, *q, -746.0)


def test_karcher_mean_at_extreme_scales():
    """The mean is equivariant under (mu, sigma) -> (a mu, a sigma); at 1e+-300 and across the
    whole range (geometric mean of sigma for equal means)."""
    rng = np.random.default_rng(5)
    m, s = rng.normal(size=7), np.exp(rng.normal(size=7))
    mu, sd = n_.karcher_mean(m, s)
    for a in [2.0**-1000, 2.0**-900, 2.0**900, 2.0**1000]:
        mu_a, sd_a = n_.karcher_mean(m * a, s * a)
        assert float(mu_a) == pytest.approx(float(mu) * a, rel=1e-12, abs=1e-12 * float(sd) * a)
        assert float(sd_a) == pytest.approx(float(sd) * a, rel=1e-12)
    s = np.array([1e-300, 1e-100, 1e100, 1e300])
    mu, sd = n_.karcher_mean(np.zeros(4), s)
    assert float(mu) == 0.0 and float(sd) == pytest.approx(1.0, rel=1e-12)
    mu, sd = n_.karcher_mean(np.array([1e300, -1e300]), np.array([1e300, 1e300]))
    exact = O.geodesic(1e300, 1e300, -1e300, 1e300, 0.5)
    assert float(sd) == pytest.approx(float(exact[1]), rel=1e-12) and abs(float(mu)) <= 1e-12 * float(sd)


def test_penalty_at_extreme_scales():
    """The fused penalty kernel: value and gradients scale as (1, 1/a, 1/a, a, a) under the
    scaling by a; far pairs and the limits of the range."""
    q, r = beds.Normal(0.3, 1.2), beds.Normal(-0.4, 0.7)
    base = beds.fisher_rao_penalty(q, r, 2.0)
    for a in [2.0**-1000, 2.0**-600, 2.0**600, 2.0**1000]:
        p = beds.fisher_rao_penalty(beds.Normal(0.3 * a, 1.2 * a), beds.Normal(-0.4 * a, 0.7 * a), 2.0)
        assert float(p.value) == pytest.approx(float(base.value), rel=1e-14)
        for name in ("mean", "std"):
            g = float(p.grad[name]) * a
            nat = float(p.natural_grad[name]) / a
            if math.isfinite(float(p.grad[name])):
                assert g == pytest.approx(float(base.grad[name]), rel=1e-13)
            assert nat == pytest.approx(float(base.natural_grad[name]), rel=1e-13)
    with pytest.raises(ValueError, match="strength is too large or std too small"):
        beds.fisher_rao_penalty(beds.Normal(0.0, 1e-300), beds.Normal(1.0, 1.0), 1e300)


def test_float32_results_beyond_float32_raise():
    f = np.float32
    m, s = n_.exp(f(0), f(1), f(0), f(80))  # e^80 = 5.5e34 fits
    assert s.dtype == np.float32 and float(s) == pytest.approx(math.exp(80), rel=1e-6)
    with pytest.raises(ValueError, match="float32"):
        n_.exp(f(0), f(1), f(0), f(100))  # e^100 = 2.7e43 does not
    with pytest.raises(ValueError, match="float32"):
        n_.kl(f(0), f(1), f(1e20), f(1))
    assert np.isfinite(n_.kl(f(0), f(1), f(1e18), f(1)))
    with pytest.raises(ValueError):
        ex_.transport(f(1e-30), f(1e30), f(1e-20))
    assert float(ex_.transport(f(1e-30), f(1e30), f(1e-30))) == pytest.approx(1e30, rel=1e-6)
    d = n_.distance(f(0), f(1e-45), f(0), f(3e38))
    exact = float(O.distance(f(0), f(1e-45), f(0), f(3e38)))
    assert d.dtype == np.float32 and float(d) == pytest.approx(exact, rel=1e-6)


@pytest.mark.parametrize("layout", ["contiguous", "strided", "in_place"])
def test_slow_path_lanes_in_every_layout(layout, simd_level):
    """Elements that need the slow path, mixed with ordinary ones, in blocks, gathered strides and
    in-place calls (the output is one of the inputs): the same numbers as one at a time."""
    rng = np.random.default_rng(7)
    n = 1000
    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    s1, s2 = np.exp(rng.normal(size=n)), np.exp(rng.normal(size=n))
    pick = rng.random(n) < 0.1
    s1[pick] *= 1e-300
    s2[pick[::-1]] *= 1e300
    m1[rng.random(n) < 0.05] = 1e305
    expect = np.array([float(n_.distance(*a)) for a in zip(m1, s1, m2, s2)])
    if layout == "contiguous":
        got = n_.distance(m1, s1, m2, s2)
    elif layout == "strided":
        big = np.zeros((4, 2 * n))
        big[:, ::2] = [m1, s1, m2, s2]
        got = n_.distance(big[0, ::2], big[1, ::2], big[2, ::2], big[3, ::2])
    else:
        got = m1.copy()
        n_.distance(got, s1, m2, s2, out=got)
    np.testing.assert_array_equal(got, expect)
    assert np.isfinite(got).all()
    # and a map with two outputs, in place on the second input
    vm, vs = (np.array(x) for x in zip(*[n_.log(*a) for a in zip(m1, s1, m2, s2)]))
    if layout == "in_place":
        a, b = s1.copy(), m2.copy()
        n_.log(m1, a, b, s2, out=(a, b))
        np.testing.assert_array_equal(a, vm)
        np.testing.assert_array_equal(b, vs)


# ============================================================================ oracles: normal
@PROPERTY
@given(normal_pairs())
def test_normal_divergences_match_mpmath(pair):
    check_value(lambda: n_.distance(*pair), O.distance(*pair), 16, f"distance{pair}")
    check_value(lambda: n_.kl(*pair), O.kl(*pair), 32, f"kl{pair}")
    check_value(lambda: n_.jeffreys(*pair), O.jeffreys(*pair), 32, f"jeffreys{pair}")


@PROPERTY
@given(normal_pairs(), st.data())
def test_normal_maps_match_mpmath(pair, data):
    m1, s1, m2, s2 = pair
    check_vector(lambda: n_.log(*pair), O.log(*pair), 64, f"log{pair}")
    t = data.draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0]), unit_real, real), label="t")
    walk = abs(t) * float(O.distance(*pair)) / math.sqrt(2) + float(O.distance(*pair))
    base = 0.0 if 0 <= t <= 1 else (m1 if t < 0 else m2)  # (extrapolation: an exp map from an end)
    check_point(lambda: n_.geodesic(*pair, t), O.geodesic(*pair, t), walk, f"geodesic{pair + (t,)}", base_mean=base)
    vm, vs = data.draw(tangents(s1), label="v")
    exact = O.exp(m1, s1, vm, vs)
    walk = float(mp.hypot(vm / mp.sqrt(2), vs) / s1) if s1 > 0 else 0.0
    check_point(lambda: n_.exp(m1, s1, vm, vs), exact, walk, f"exp{(m1, s1, vm, vs)}", base_mean=m1)
    check_vector(lambda: n_.transport(*pair, vm, vs), O.transport(*pair, vm, vs), 64, f"transport{pair + (vm, vs)}")
    um, us = data.draw(tangents(s1), label="u")
    exact, size = O.inner(s1, um, us, vm, vs)
    check_value(lambda: n_.inner(s1, um, us, vm, vs), exact, 8, f"inner{(s1, um, us, vm, vs)}", scale=size)


@PROPERTY
@given(normal_pairs(), st.one_of(st.just(0.0), positive))
def test_normal_penalty_matches_mpmath(pair, lam):
    exact = O.penalty(*pair, lam)
    try:
        r = beds.fisher_rao_penalty(beds.Normal(*pair[:2]), beds.Normal(*pair[2:]), lam)
    except ValueError as e:
        assert not all(_finite(x) for x in exact), f"penalty{pair, lam}: {e}, exact {exact}"
        return
    assert all(_finite(x) for x in exact), (pair, lam, r)
    got = [r.value, r.grad["mean"], r.grad["std"], r.natural_grad["mean"], r.natural_grad["std"]]
    sizes = [abs(exact[0]), abs(exact[1]) + abs(exact[2]), abs(exact[1]) + abs(exact[2])]
    sizes += [abs(exact[3]) + abs(exact[4])] * 2
    errs = [_err(float(g), x, size) for g, x, size in zip(got, exact, sizes)]
    assert max(errs) <= 128, (pair, lam, got, exact, errs)


# ============================================================================ identities: normal
@PROPERTY
@given(real, positive, normal_pairs())
def test_normal_metric_identities(m, s, pair):
    assert n_.distance(m, s, m, s) == 0.0 and n_.kl(m, s, m, s) == 0.0 and n_.jeffreys(m, s, m, s) == 0.0
    assert n_.log(m, s, m, s) == (0.0, 0.0)
    d = float(n_.distance(*pair))
    assert d == float(n_.distance(pair[2], pair[3], pair[0], pair[1]))  # symmetric, bitwise
    assert 0.0 <= d < 4200.0  # (at most 2 sqrt(2) (ln 2 + ln(3.6e308 / 4.9e-324)) = 4118)
    dpr = float(n_.distance(*pair[:2], m, s))
    drq = float(n_.distance(m, s, *pair[2:]))
    assert d <= dpr + drq + 8 * EPS * (d + dpr + drq) + 1e-300
    try:
        k = float(n_.kl(*pair))
        kr = float(n_.kl(pair[2], pair[3], pair[0], pair[1]))
    except ValueError:
        return
    assert k >= 0.0 and kr >= 0.0
    j = float(n_.jeffreys(*pair))
    assert j == pytest.approx(k + kr, rel=64 * EPS, abs=1e-300)


@PROPERTY
@given(normal_pairs(), st.integers(-1000, 1000))
def test_normal_scale_invariance(pair, k):
    """(mu, sigma) -> 2^k (mu, sigma) is an isometry: distances and divergences do not change, log
    maps scale by 2^k (whenever the scaled parameters stay normal numbers)."""
    a = 2.0**k
    scaled = tuple(x * a for x in pair)
    for x, y in zip(pair, scaled):
        assume(x == 0 or (2.2250738585072014e-308 <= abs(x) and 2.2250738585072014e-308 <= abs(y) <= DBL_MAX))
    assert float(n_.distance(*scaled)) == pytest.approx(float(n_.distance(*pair)), rel=32 * EPS, abs=1e-300)
    for f in (n_.kl, n_.jeffreys):
        try:
            v = float(f(*pair))
        except ValueError:
            continue
        assert float(f(*scaled)) == pytest.approx(v, rel=64 * EPS, abs=1e-300)
    try:
        v = n_.log(*pair)
        w = n_.log(*scaled)
    except ValueError:
        return
    size = max(abs(v[0]), abs(v[1]))  # (the sum could overflow)
    assert abs(w[0] / a - v[0]) <= 256 * EPS * size + 1e-300 and abs(w[1] / a - v[1]) <= 256 * EPS * size + 1e-300


@PROPERTY
@given(normal_pairs())
def test_normal_exp_of_log_returns_the_target(pair):
    try:
        vm, vs = n_.log(*pair)
    except ValueError:
        return
    # (a component below the normal range has a few bits, or none: no accurate round trip)
    assume(all(x == 0 or abs(x) > 1e-290 for x in O.log(*pair)))
    walk = float(O.distance(*pair)) / math.sqrt(2)
    target = tuple(mp.mpf(x) for x in pair[2:])
    check_point(lambda: n_.exp(pair[0], pair[1], vm, vs), target, 2 * walk, f"exp(log){pair}", base_mean=pair[0])


@PROPERTY
@given(normal_pairs(), st.data())
def test_normal_transport_is_an_isometry(pair, data):
    m1, s1, m2, s2 = pair
    vm, vs = data.draw(tangents(s1), label="v")
    try:
        wm, ws = n_.transport(*pair, vm, vs)
        n0 = float(n_.inner(s1, vm, vs, vm, vs))
        n1 = float(n_.inner(s2, wm, ws, wm, ws))
    except ValueError:
        return
    # (components below the normal range have a few bits, or none: their norms are not comparable)
    exact = O.transport(*pair, vm, vs)
    assume(all(x == 0 or abs(x) > 1e-290 for x in (vm, vs) + tuple(exact)) and n0 > 0)
    assert n1 == pytest.approx(n0, rel=512 * EPS)


# ============================================================================ diagonal normal
@PROPERTY
@given(st.lists(normal_pairs(), min_size=1, max_size=4), st.one_of(st.just(0.0), positive))
def test_diag_normal_sums_match_mpmath(pairs, lam):
    m1, s1, m2, s2 = (np.array(c) for c in zip(*pairs))
    ds = [O.distance(*p) for p in pairs]
    check_value(lambda: dn_.distance(m1, s1, m2, s2), mp.sqrt(sum(d**2 for d in ds)), 16, f"diag distance {pairs}")
    for name, one in (("kl", O.kl), ("jeffreys", O.jeffreys)):
        exact = sum(one(*p) for p in pairs)
        check_value(lambda: getattr(dn_, name)(m1, s1, m2, s2), exact, 64, f"diag {name} {pairs}")
    parts = [O.penalty(*p, lam) for p in pairs]
    try:
        r = beds.fisher_rao_penalty(beds.DiagNormal(m1, s1), beds.DiagNormal(m2, s2), lam)
    except ValueError:
        assert not all(_finite(x) for p in parts for x in p) or not _finite(sum(p[0] for p in parts))
        return
    value = sum(p[0] for p in parts)
    assert _err(float(r.value), value, value) <= 128, (pairs, lam, r.value, value)


# ============================================================================ exponential, poisson
rate_ops = {
    "distance": 2,
    "kl": 2,
    "jeffreys": 2,
    "entropy": 1,
    "inner": 3,
    "exp": 2,
    "log": 2,
    "geodesic": 3,
    "transport": 3,
}


@st.composite
def rate_args(draw, op):
    a = draw(positive)
    if op in ("distance", "kl", "jeffreys", "log", "geodesic", "transport"):
        b = draw(st.one_of(positive, st.just(a), st.just(math.nextafter(a, math.inf))))
        assume(b <= DBL_MAX)
        if op == "geodesic":
            return a, b, draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0]), unit_real, real))
        if op == "transport":
            return a, b, draw(real)
        return a, b
    if op == "inner":
        return a, draw(real), draw(real)
    if op == "exp":
        return a, draw(st.one_of(real, st.builds(operator.mul, unit_real, st.just(a))))
    return (a,)


@pytest.mark.parametrize("family", ["exponential", "poisson"])
@pytest.mark.parametrize("op", sorted(rate_ops))
@settings(PROPERTY, max_examples=max(EXAMPLES // 2, 10))
@given(data=st.data())
def test_rate_families_match_mpmath(family, op, data):
    if family == "poisson" and op == "entropy":
        pytest.skip("the Poisson entropy has no closed form (tests/test_poisson.py checks it against sums)")
    args = data.draw(rate_args(op), label="args")
    module = ex_ if family == "exponential" else po_
    oracle = O.exponential if family == "exponential" else O.poisson
    exact = oracle(op, *args)
    call = lambda: getattr(module, op)(*args)  # noqa: E731
    if op in ("exp", "geodesic"):
        representable = exact is not None and _finite(exact) and not _rounds_to_zero(exact)
        border = exact is not None and (
            abs(exact - mp.mpf(DBL_MAX)) <= 1e-9 * mp.mpf(DBL_MAX) or abs(exact - TINY / 2) <= 1e-9 * TINY
        )
        try:
            got = float(call())
        except ValueError:
            assert not representable or border, (family, op, args, exact)
            return
        assert representable or border, (family, op, args, got, exact)
        walk = 1.0
        if family == "exponential":  # the exponent's rounding: relative error eps |log(rate ratio)|
            walk += float(abs(mp.log(exact / args[0])))
        else:  # sqrt(rate) = a sum of two terms that cancel near rate = 0: its condition number
            ra = mp.sqrt(mp.mpf(args[0]))
            terms = (
                ra + abs(mp.mpf(args[1])) / (2 * ra)
                if op == "exp"
                else abs(1 - args[2]) * ra + abs(args[2]) * mp.sqrt(args[1])
            )
            walk += 2 * float(terms / mp.sqrt(exact))
        assert _err(got, exact, exact) <= 16 * walk, (family, op, args, got, exact)
        return
    scale = None
    if op == "inner":
        scale = abs(exact)
    check_value(call, exact, 32, f"{family}.{op}{args}", scale=scale)


# ============================================================================ categorical
@st.composite
def probs(draw, k, interior=False):
    """Probability vectors with entries over the whole range (including 0 unless interior)."""
    low = 1e-300 if interior else 0.0
    x = np.array([draw(st.one_of(positive, st.just(low))) if low == 0.0 else draw(positive) for _ in range(k)])
    x = np.minimum(x, 1e300)
    assume(x.sum() > 0)
    p = x / x.sum()
    assume(abs(p.sum() - 1.0) <= 1e-12 and (not interior or (p > 0).all()))
    return p


def _cat_distance(p, q):
    with mp.workdps(60):
        c = mp.sqrt(sum((mp.sqrt(mp.mpf(float(b))) - mp.sqrt(mp.mpf(float(a)))) ** 2 for a, b in zip(p, q)))
        return 4 * mp.asin(min(c / 2, mp.mpf(1)))


def _cat_kl(p, q):
    """KL of the rows normalised exactly (as the kernels do, up to their rounding)."""
    with mp.workdps(80):
        sp = mp.fsum(mp.mpf(float(a)) for a in p)
        sq = mp.fsum(mp.mpf(float(b)) for b in q)
        total = mp.mpf(0)
        for a, b in zip(p, q):
            a, b = mp.mpf(float(a)) / sp, mp.mpf(float(b)) / sq
            if a == 0:
                total += b
            elif b == 0:
                return mp.inf
            else:
                total += a * mp.log(a / b) - a + b
    return total


@PROPERTY
@given(st.integers(2, 5).flatmap(lambda k: st.tuples(probs(k), probs(k))))
def test_categorical_sums_match_mpmath(pq):
    p, q = pq
    check_value(lambda: ca_.distance(p, q), _cat_distance(p, q), 16, f"cat distance {p, q}")
    exact = _cat_kl(p, q)
    got = float(ca_.kl(p, q))
    # the rows are normalised (p / sum p, rounded): near pairs are sensitive to that, at about
    # eps sum_i |p_i - q_i| (1 + |log(p_i / q_i)|) (both computed on the given rows)
    with mp.workdps(60):
        cond = mp.fsum(
            abs(mp.mpf(float(a)) - mp.mpf(float(b)))
            * (1 + (abs(mp.log(mp.mpf(float(a)) / mp.mpf(float(b)))) if a * b > 0 else 745))
            for a, b in zip(p, q)
        )
    if exact == mp.inf:
        assert got == math.inf  # q_i = 0 < p_i: the divergence is infinite (not an overflow)
    else:
        assert _err(got, exact, exact + 4 * cond) <= 64, (p.tolist(), q.tolist(), got, exact)
    j = float(ca_.jeffreys(p, q))
    with mp.workdps(80):
        exact_j = _cat_kl(p, q) + _cat_kl(q, p)
    assert (j == math.inf) if exact_j == mp.inf else _err(j, exact_j, exact_j + 8 * cond) <= 64, (
        p.tolist(),
        q.tolist(),
        j,
        exact_j,
    )


@PROPERTY
@given(st.integers(2, 5).flatmap(lambda k: st.tuples(probs(k, True), probs(k, True), probs(k), st.data())))
def test_categorical_maps_over_the_whole_range(args):
    p, q, r, data = args
    k = p.size
    raw = np.array([data.draw(real) for _ in range(k)]) * 0.0625  # (sums of 5 cannot overflow)
    v = raw - raw.mean()
    assume(abs(v.sum()) <= 1e-12 * np.abs(v).sum() + beds._core.TANGENT_SUM_FLOOR)
    for f, args_ in ((ca_.inner, (p, v, v)), (ca_.transport, (p, q, v)), (ca_.exp, (p, v)), (ca_.log, (p, r))):
        try:
            out = f(*args_)
        except ValueError as e:
            msg = str(e)
            assert "range of the output" in msg or "overflows" in msg or "exceeds" in msg or "simplex" in msg, msg
            continue
        assert np.isfinite(out).all(), (f.__name__, args_, out)
    # the log of r (any point) from the interior p, and back
    v = ca_.log(p, r)
    back = ca_.exp(p, v) if float(ca_.distance(p, r)) < 3.1 else None
    if back is not None:
        assert float(ca_.distance(back, r)) <= 1e-7
    # transport keeps the norm (when it is representable; not for a log map that is rounding noise)
    assume(float(ca_.distance(p, q)) > 1e-6)
    u = ca_.log(p, q)
    try:
        w = ca_.transport(p, q, u)
    except ValueError:
        return
    n0, n1 = float(ca_.inner(p, u, u)), float(ca_.inner(q, w, w))
    assert n1 == pytest.approx(n0, rel=1e-9, abs=1e-290)


# ============================================================================ larger sweep (opt-in)
@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BEDS_FULL_RANGE_SWEEP"), reason="set BEDS_FULL_RANGE_SWEEP=1 (minutes)")
def test_random_sweep_of_normal_operations():
    """2000 random extreme pairs through every normal operation, against the oracles."""
    rng = np.random.default_rng(int(os.environ.get("BEDS_FULL_RANGE_SWEEP", "1")))

    def draw_real():
        u = rng.random()
        if u < 0.15:
            return 0.0
        return float(rng.choice([-1, 1]) * math.ldexp(rng.uniform(0.5, 1.0), int(rng.integers(-1074, 1025))))

    def draw_pos():
        while True:
            x = abs(draw_real())
            if 0 < x <= DBL_MAX:
                return x

    for _ in range(2000):
        pair = (draw_real(), draw_pos(), draw_real(), draw_pos())
        check_value(lambda: n_.distance(*pair), O.distance(*pair), 16, f"distance{pair}")
        check_value(lambda: n_.kl(*pair), O.kl(*pair), 32, f"kl{pair}")
        check_vector(lambda: n_.log(*pair), O.log(*pair), 64, f"log{pair}")
        t = float(rng.uniform(-2, 3))
        walk = (abs(t) + 1) * float(O.distance(*pair)) / math.sqrt(2)
        base = 0.0 if 0 <= t <= 1 else (pair[0] if t < 0 else pair[2])
        exact = O.geodesic(*pair, t)
        check_point(lambda: n_.geodesic(*pair, t), exact, walk, f"geodesic{pair + (t,)}", base_mean=base)
        vm, vs = draw_real(), draw_real()
        walk = float(mp.hypot(vm / mp.sqrt(2), vs) / pair[1])
        exact = O.exp(*pair[:2], vm, vs)
        check_point(lambda: n_.exp(*pair[:2], vm, vs), exact, walk, f"exp{pair[:2] + (vm, vs)}", base_mean=pair[0])
        check_vector(lambda: n_.transport(*pair, vm, vs), O.transport(*pair, vm, vs), 64, f"transport{pair}")
