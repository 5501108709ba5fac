"""Poisson beliefs Poi(rate): flat in u = 2 sqrt(rate), with a boundary at rate = 0 at finite
distance (docs pages mathematics/conventions, mathematics/poisson).

Closed forms against mpmath (50 digits), the entropy against an mpmath sum, near pairs, Riemannian
identities, the Karcher mean ((weighted mean of sqrt(rate))^2), exp maps and geodesics that reach
the boundary, and argument checking.  Element-wise kernels run in both instruction-set builds.
"""

from __future__ import annotations

import functools
import math
import warnings

import beds
import beds.poisson as po
import mpmath
import numpy as np
import pytest
from _oracles import loguniform, rate_pairs, ulp_errors

mpmath.mp.dps = 50


# ------------------------------------------------------------------------------------ helpers
def mp_distance(a, b):
    return 2 * abs(mpmath.sqrt(mpmath.mpf(a)) - mpmath.sqrt(mpmath.mpf(b)))


def mp_kl(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return a * mpmath.log(a / b) + b - a


def mp_jeffreys(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return (a - b) * mpmath.log(a / b)


@functools.lru_cache(maxsize=None)
def mp_entropy(rate: float) -> mpmath.mpf:
    """-sum_k p_k log p_k summed at 40 digits over rate +- (14 sqrt(rate) + 40) (the rest is < 1e-40)."""
    with mpmath.workdps(40):
        lam = mpmath.mpf(rate)
        half = 14 * math.sqrt(rate) + 40
        k0, k1 = max(0, int(rate - half)), int(rate + half) + 1
        log_lam = mpmath.log(lam)
        lp = k0 * log_lam - lam - mpmath.loggamma(k0 + 1)
        s = mpmath.mpf(0)
        for k in range(k0, k1 + 1):
            if k > k0:
                lp += log_lam - mpmath.log(k)
            s -= mpmath.exp(lp) * lp
        return s


#: ulps of the exact value; measured maxima: distance 2.0, Jeffreys 1.7, KL 5.7 (rate1 <= 2 rate2)
BOUND = {"distance": 4.0, "kl": 8.0, "jeffreys": 4.0}
FUNCS = {"distance": (po.distance, mp_distance), "kl": (po.kl, mp_kl), "jeffreys": (po.jeffreys, mp_jeffreys)}
KINDS = ["ratio_below_2", "rate1_below_rate2", "rate1_above_rate2"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("quantity", list(FUNCS))
def test_closed_forms_vs_mpmath(quantity: str, kind: str, simd_level: str) -> None:
    a, b = rate_pairs(kind)
    lib, oracle = FUNCS[quantity]
    got = lib(a, b)
    exact = [oracle(x, y) for x, y in zip(a, b)]
    err = ulp_errors(got, exact)
    i = int(np.argmax(err))
    assert err[i] <= BOUND[quantity], (
        f"{quantity} ({simd_level}) on {kind}: {err[i]:.2f} ulp at rate1={a[i]!r}, rate2={b[i]!r}: "
        f"got {got[i]!r}, exact {mpmath.nstr(exact[i], 20)}"
    )


@pytest.mark.parametrize("quantity", ["distance", "kl"])
def test_near_pairs_keep_full_accuracy(quantity: str, simd_level: str) -> None:
    """rate2 = rate1 (1 + eps), |eps| <= 1e-12: within 4 ulp of the exact (tiny) value."""
    rng = np.random.default_rng(12)
    a = loguniform(rng, 1e-6, 1e6, 400)
    b = a * (1 + rng.uniform(-1e-12, 1e-12, a.size))
    lib, oracle = FUNCS[quantity]
    got = lib(a, b)
    err = ulp_errors(got, [oracle(x, y) for x, y in zip(a, b)])
    i = int(np.argmax(err))
    assert err[i] <= 4.0, f"{quantity} ({simd_level}): {err[i]:.2f} ulp at rate1={a[i]!r}, rate2={b[i]!r}"
    if quantity == "distance":  # the naive 2 |sqrt(a) - sqrt(b)| cancels
        naive = 2 * np.abs(np.sqrt(a) - np.sqrt(b))
        assert ulp_errors(naive, [mp_distance(x, y) for x, y in zip(a, b)]).max() > 1e2


# ---------------------------------------------------------------------------------- entropy
ENTROPY_RATES = np.concatenate(
    [
        [
            1e-3,
            3e-3,
            0.01,
            0.1,
            0.5,
            1.0,
            2.5,
            7.0,
            10.0,
            23.9,
            24.0,
            24.1,
            50.0,
            100.0,
            150.0,
            199.0,
            199.999,
            200.0,
            200.001,
            201.0,
            250.0,
            500.0,
            1000.0,
            1e4,
            1e5,
        ],
        loguniform(np.random.default_rng(200), 1e-3, 1e4, 20),
        np.random.default_rng(201).uniform(190.0, 210.0, 8),
    ]
)


def test_entropy_vs_mpmath_sum(simd_level: str) -> None:
    """Relative error <= 1e-14 for rates 1e-3 .. 1e5, across the switch to the asymptotic series."""
    got = po.entropy(ENTROPY_RATES)
    rel = [
        float(abs(mpmath.mpf(float(g)) - mp_entropy(float(r))) / mp_entropy(float(r)))
        for g, r in zip(got, ENTROPY_RATES)
    ]
    i = int(np.argmax(rel))
    assert rel[i] <= 1e-14, f"rate {ENTROPY_RATES[i]!r}: relative error {rel[i]:.2e}"


def test_entropy_is_continuous_and_increasing() -> None:
    r = np.linspace(150.0, 250.0, 2001)
    h = po.entropy(r)
    assert (np.diff(h) > 0).all()
    # the large-rate expansion H ~ log(2 pi e rate) / 2 - 1 / (12 rate)
    big = np.array([1e6, 1e8, 1e12])
    np.testing.assert_allclose(po.entropy(big), 0.5 * np.log(2 * np.pi * np.e * big) - 1 / (12 * big), rtol=1e-14)


@pytest.mark.parametrize("rate", [1e-4, 1e-6, 1e-8, 1e-10, 1e-12])
def test_entropy_small_rates(rate: float) -> None:
    """H(rate) ~ rate (1 - log rate) for small rates: the sum must keep its relative accuracy."""
    got = po.entropy(rate)
    exact = mp_entropy(rate)
    rel = float(abs(mpmath.mpf(float(got)) - exact) / exact)
    assert rel <= 1e-14, f"rate {rate}: got {got!r}, exact {mpmath.nstr(exact, 17)}, relative error {rel:.2e}"


@pytest.mark.parametrize("rate", [1e-16, 1e-20, 1e-300])
def test_entropy_tiny_rates_are_finite(rate: float) -> None:
    got = po.entropy(rate)
    exact = mp_entropy(rate)
    assert math.isfinite(got) and float(abs(mpmath.mpf(float(got)) - exact) / exact) <= 1e-12, (rate, got)


# --------------------------------------------------------------------------- extreme rates
def test_extreme_rates_raise_no_warning(simd_level: str) -> None:
    n = 37
    k = po.kl(np.full(n, 1.0), np.full(n, 1e20))
    assert ulp_errors(k[:1], [mp_kl(1.0, 1e20)])[0] <= BOUND["kl"]
    h = po.entropy(np.full(n, 1e300))
    assert float(abs(mpmath.mpf(float(h[0])) - (mpmath.log(2 * mpmath.pi * mpmath.e * mpmath.mpf(1e300)) / 2))) < 1e-12


@pytest.mark.parametrize(
    ("quantity", "a", "b"),
    [
        ("distance", 1e-300, 1e300),
        ("distance", 1.5e308, 1.0),
        ("jeffreys", 1e-3, 1.5e305),
    ],
)
def test_extreme_pairs(quantity: str, a: float, b: float) -> None:
    lib, oracle = FUNCS[quantity]
    got = lib(a, b)
    assert ulp_errors([got], [oracle(a, b)])[0] <= BOUND[quantity], (quantity, a, b, got)


# ------------------------------------------------------------------------------- identities
@pytest.fixture
def pairs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(99)
    return loguniform(rng, 1e-3, 1e3, 500), loguniform(rng, 1e-3, 1e3, 500)


def test_exp_log_and_norm(pairs, simd_level: str) -> None:
    a, b = pairs
    v = po.log(a, b)
    # exp is ill-conditioned towards the boundary: relative error ~ eps sqrt(rate1 / rate2)
    np.testing.assert_allclose(po.exp(a, v), b, rtol=1e-14 * (1 + np.sqrt(a / b)).max())
    np.testing.assert_allclose(np.sqrt(po.inner(a, v, v)), po.distance(a, b), rtol=1e-14)
    A, B = beds.Poisson(a), beds.Poisson(b)
    V = beds.log(A, B)
    np.testing.assert_array_equal(V.rate, v)
    np.testing.assert_allclose(beds.norm(V), beds.distance(A, B), rtol=1e-14)
    np.testing.assert_allclose(beds.exp(V).rate, po.exp(a, v), rtol=1e-15)


@pytest.mark.parametrize("t", [0.0, 0.25, 0.5, 1.0])
def test_geodesic(pairs, t: float, simd_level: str) -> None:
    a, b = pairs
    d = po.distance(a, b)
    g = po.geodesic(a, b, t)
    # g is rounded: distances carry an absolute error of a few ulps of sqrt(rate)
    tol = 1e-12 * d + 1e-15 * np.sqrt(np.maximum(a, b))
    assert (np.abs(po.distance(a, g) - t * d) <= tol).all()
    assert (np.abs(po.distance(g, b) - (1 - t) * d) <= tol).all()
    # the kernel forms sqrt(rate1) + t (sqrt(rate2) - sqrt(rate1)), which cancels when rate2 << rate1:
    # relative error ~ eps sqrt(rate1 / rate(t)) (1.5e-13 at t = 1 for rate1 / rate2 ~ 1e6)
    closed = ((1 - t) * np.sqrt(a) + t * np.sqrt(b)) ** 2
    assert (np.abs(g - closed) <= 1e-15 * (1 + np.sqrt(a / closed)) * closed).all()
    if t == 0.0:
        np.testing.assert_allclose(g, a, rtol=5e-16)  # sqrt(a)^2: within an ulp
    G = beds.geodesic(beds.Poisson(a), beds.Poisson(b), t)
    np.testing.assert_array_equal(G.rate, g)


def test_geodesic_extrapolation_inside_the_domain(simd_level: str) -> None:
    # sqrt(rate(t)) = (1 - t) 3 + t 1 = 3 - 2t: zero at t = 1.5
    assert po.geodesic(9.0, 1.0, 1.4) == pytest.approx(0.04, rel=1e-13)
    assert po.geodesic(9.0, 1.0, -1.0) == pytest.approx(25.0, rel=1e-15)
    assert po.distance(9.0, po.geodesic(9.0, 1.0, 1.4)) == pytest.approx(1.4 * po.distance(9.0, 1.0), rel=1e-13)


def test_transport_preserves_inner_products(pairs, simd_level: str) -> None:
    a, b = pairs
    rng = np.random.default_rng(4)
    u, v = rng.normal(size=a.size) * np.sqrt(a), rng.normal(size=a.size) * np.sqrt(a)
    tu, tv = po.transport(a, b, u), po.transport(a, b, v)
    np.testing.assert_allclose(po.inner(b, tu, tv), po.inner(a, u, v), rtol=1e-14)
    np.testing.assert_allclose(po.inner(b, tu, tu), po.inner(a, u, u), rtol=1e-14)
    np.testing.assert_allclose(po.transport(a, b, po.log(a, b)), -po.log(b, a), rtol=1e-13)
    A, B = beds.Poisson(a), beds.Poisson(b)
    TU = beds.transport(A.tangent(rate=u), B)
    np.testing.assert_allclose(beds.norm(TU), beds.norm(A.tangent(rate=u)), rtol=1e-14)


def test_divergence_inequalities(pairs, simd_level: str) -> None:
    a, b = pairs
    assert (po.distance(a, b) <= np.sqrt(po.jeffreys(a, b)) * (1 + 1e-14)).all()
    assert (po.kl(a, b) >= 0).all()
    near = a * (1 + 1e-5)
    dn = po.distance(a, near)
    np.testing.assert_allclose(po.kl(a, near), dn**2 / 2, rtol=1e-4)
    np.testing.assert_allclose(po.jeffreys(a, near), dn**2, rtol=1e-4)
    np.testing.assert_allclose(po.jeffreys(a, b), po.kl(a, b) + po.kl(b, a), rtol=1e-9)


def test_metric_and_identity_pairs(simd_level: str) -> None:
    r = np.array([1e-300, 1e-5, 1.0, 3.0, 1e5, 1e300])
    np.testing.assert_allclose(beds.metric(beds.Poisson(r)), (1 / r)[:, None, None])
    np.testing.assert_array_equal(po.distance(r, r), 0.0)
    np.testing.assert_array_equal(po.kl(r, r), 0.0)
    np.testing.assert_array_equal(po.jeffreys(r, r), 0.0)
    np.testing.assert_array_equal(po.log(r, r), 0.0)
    np.testing.assert_array_equal(po.exp(r, 0.0), r)


# ----------------------------------------------------------------------------- Karcher mean
def test_karcher_mean_closed_form() -> None:
    rng = np.random.default_rng(9)
    r = loguniform(rng, 1e-3, 1e3, (4, 9))
    w = rng.uniform(0.1, 3.0, (4, 9))
    m = po.karcher_mean(r, w)
    for i in range(4):
        with mpmath.workdps(50):
            mean_sqrt = mpmath.fsum(mpmath.mpf(wi) * mpmath.sqrt(ri) for wi, ri in zip(w[i], r[i])) / mpmath.fsum(w[i])
        assert ulp_errors([m[i]], [mean_sqrt**2])[0] <= 16
    np.testing.assert_allclose(po.karcher_mean(r), np.sqrt(r).mean(axis=-1) ** 2, rtol=1e-14)
    g = (w * po.log(m[:, None], r)).sum(axis=-1)
    assert (np.abs(g) <= 1e-12 * (w * np.abs(po.log(m[:, None], r))).sum(axis=-1)).all()
    M = beds.karcher_mean(beds.Poisson(r), weights=w, axis=-1)
    np.testing.assert_allclose(M.rate, m, rtol=1e-15)
    assert beds.karcher_mean(beds.Poisson(r)).batch_shape == ()
    assert po.karcher_mean([4.0]) == 4.0
    assert po.karcher_mean([1.0, 9.0]) == pytest.approx(4.0, rel=1e-15)
    assert po.karcher_mean([1.0, 9.0], [0.0, 2.0]) == pytest.approx(9.0, rel=1e-15)


# ---------------------------------------------------------------------------------- domain
def test_exp_and_geodesic_crossing_zero_raise() -> None:
    p = beds.Poisson([1.0, 4.0])
    with pytest.raises(ValueError, match="rate = 0"):
        beds.exp(p.tangent(rate=[-3.0, 0.0]))
    with pytest.raises(ValueError, match="rate = 0"):
        po.exp(1.0, -3.0)
    with pytest.raises(ValueError, match="rate = 0"):
        po.exp([1.0, 1.0, 1.0], [0.5, -2.5, 1.0])
    # sqrt(rate(t)) = 3 - 2t crosses 0 at t = 1.5; from 1 to 9: 1 + 2t crosses at t = -0.5
    with pytest.raises(ValueError, match="rate = 0"):
        po.geodesic(9.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="rate = 0"):
        po.geodesic(1.0, 9.0, -1.0)
    with pytest.raises(ValueError, match="rate = 0"):
        beds.geodesic(beds.Poisson(9.0), beds.Poisson(1.0), 2.0)
    # just inside is fine
    assert po.exp(1.0, -1.999) > 0


def test_exp_and_geodesic_reaching_zero_raise() -> None:
    """poisson.py: "an exp map or an extrapolated geodesic that reaches it [rate = 0] raises
    ValueError" -- rate = 0 is not a Poisson belief (rate must be > 0)."""
    with pytest.raises(ValueError, match="rate = 0"):
        po.exp(1.0, -2.0)
    with pytest.raises(ValueError, match="rate = 0"):
        po.geodesic(9.0, 1.0, 1.5)


BAD = {
    "negative rate": (lambda: beds.Poisson(-1.0), ValueError, "rate"),
    "zero rate": (lambda: beds.Poisson(0.0), ValueError, "rate"),
    "nan rate": (lambda: beds.Poisson(math.nan), ValueError, "rate"),
    "inf rate": (lambda: beds.Poisson(math.inf), ValueError, "rate"),
    "complex rate": (lambda: beds.Poisson(1j), TypeError, "rate"),
    "fn negative rate2": (lambda: po.distance(1.0, -1.0), ValueError, "rate2"),
    "fn zero rate1": (lambda: po.kl(0.0, 1.0), ValueError, "rate1"),
    "fn nan entropy": (lambda: po.entropy(math.nan), ValueError, "rate"),
    "fn inf tangent": (lambda: po.exp(1.0, math.inf), ValueError, "v"),
    "fn nan t": (lambda: po.geodesic(1.0, 2.0, math.nan), ValueError, "t"),
    "karcher empty": (lambda: po.karcher_mean(np.zeros((2, 0))), ValueError, "empty"),
    "karcher bad weights": (lambda: po.karcher_mean([1.0, 2.0], [math.nan, 1.0]), ValueError, "weights"),
    "karcher zero weights": (lambda: po.karcher_mean([1.0, 2.0], [0.0, 0.0]), ValueError, "weights"),
    "other family": (lambda: beds.distance(beds.Poisson(1.0), beds.Exponential(1.0)), TypeError, "Poisson"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_inputs_raise(case: str) -> None:
    fn, exc, needle = BAD[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc, match=needle):
            fn()
