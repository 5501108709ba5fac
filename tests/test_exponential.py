"""Exponential beliefs Exp(rate): flat in u = log(rate) (docs page mathematics/exponential).

Closed forms against mpmath (50 digits), near pairs, Riemannian identities, the Karcher mean
(weighted geometric mean) and argument checking.  Element-wise kernels run in both
instruction-set builds (``simd_level``).
"""

from __future__ import annotations

import math
import warnings

import beds
import beds.exponential as ex
import mpmath
import numpy as np
import pytest
from _oracles import loguniform, rate_pairs, ulp_errors

mpmath.mp.dps = 50
DBL_MAX = float(np.finfo(np.float64).max)


# ------------------------------------------------------------------------------------ helpers
def mp_distance(a, b):
    return abs(mpmath.log(mpmath.mpf(b) / mpmath.mpf(a)))


def mp_kl(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return mpmath.log(a / b) + b / a - 1


def mp_jeffreys(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return (a - b) ** 2 / (a * b)


def mp_entropy(a):
    return 1 - mpmath.log(mpmath.mpf(a))


#: ulps of the exact value; the measured maxima are distance 1.0, Jeffreys 2.0, KL 5.1 (rate1 <= 2 rate2)
BOUND = {"distance": 4.0, "kl": 8.0, "jeffreys": 4.0}
FUNCS = {"distance": (ex.distance, mp_distance), "kl": (ex.kl, mp_kl), "jeffreys": (ex.jeffreys, mp_jeffreys)}
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
    rng = np.random.default_rng(11)
    a = loguniform(rng, 1e-6, 1e6, 400)
    b = a * (1 + rng.uniform(-1e-12, 1e-12, a.size))
    lib, oracle = FUNCS[quantity]
    got = lib(a, b)
    err = ulp_errors(got, [oracle(x, y) for x, y in zip(a, b)])
    i = int(np.argmax(err))
    assert err[i] <= 4.0, f"{quantity} ({simd_level}): {err[i]:.2f} ulp at rate1={a[i]!r}, rate2={b[i]!r}"
    # the naive formula would not: log(b / a) has an absolute error of an ulp of 1
    if quantity == "distance":
        naive = np.abs(np.log(b / a))
        assert ulp_errors(naive, [mp_distance(x, y) for x, y in zip(a, b)]).max() > 1e3


def test_entropy_vs_mpmath(simd_level: str) -> None:
    """H = 1 - log(rate): accurate to an ulp of max(|H|, 1) (1 - log(rate) cancels near rate = e)."""
    rng = np.random.default_rng(5)
    r = np.concatenate([loguniform(rng, 1e-300, 1e290, 1000), [math.e, 1.0, 5e-324, 1e-310]])
    got = ex.entropy(r)
    err = ulp_errors(got, [mp_entropy(x) for x in r], floor=1.0)
    assert err.max() <= 2.0, (err.max(), r[np.argmax(err)])


def test_extreme_rates_raise_no_warning(simd_level: str) -> None:
    """Valid rates far apart or huge must give finite, accurate results and no RuntimeWarning."""
    n = 37  # vector body and scalar tail
    h = ex.entropy(np.full(n, 1e300))
    assert ulp_errors(h[:1], [mp_entropy(1e300)])[0] <= 2
    k = ex.kl(np.full(n, 1.0), np.full(n, 1e300))
    assert ulp_errors(k[:1], [mp_kl(1.0, 1e300)])[0] <= BOUND["kl"]


@pytest.mark.parametrize(("a", "b"), [(1e-300, 1e300), (1.0, 1.5e308), (1.0, DBL_MAX), (5e-324, 1.0)])
def test_distance_of_extreme_ratios(a: float, b: float) -> None:
    """|log(rate2 / rate1)| is finite (at most about 1489) even when rate2 / rate1 overflows."""
    for x, y in ((a, b), (b, a)):
        d = ex.distance(x, y)
        assert ulp_errors([d], [mp_distance(x, y)])[0] <= BOUND["distance"], (x, y, d)
        v = ex.log(x, y)
        exact = mpmath.mpf(x) * mpmath.log(mpmath.mpf(y) / x)
        if abs(exact) > DBL_MAX:  # the tangent vector itself is not representable
            assert v == (math.inf if exact > 0 else -math.inf)
        else:
            assert math.isfinite(v) and v == pytest.approx(float(exact), rel=1e-14)


# ------------------------------------------------------------------------------- identities
@pytest.fixture
def pairs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2024)
    return loguniform(rng, 1e-5, 1e5, 500), loguniform(rng, 1e-5, 1e5, 500)


def test_exp_log_and_norm(pairs, simd_level: str) -> None:
    a, b = pairs
    v = ex.log(a, b)
    np.testing.assert_allclose(ex.exp(a, v), b, rtol=1e-14)
    np.testing.assert_allclose(np.sqrt(ex.inner(a, v, v)), ex.distance(a, b), rtol=1e-14)
    A, B = beds.Exponential(a), beds.Exponential(b)
    V = beds.log(A, B)
    np.testing.assert_array_equal(V.rate, v)
    np.testing.assert_allclose(beds.exp(V).rate, b, rtol=1e-14)
    np.testing.assert_allclose(beds.norm(V), beds.distance(A, B), rtol=1e-14)


@pytest.mark.parametrize("t", [0.0, 0.25, 0.5, 1.0, -0.5, 1.7])
def test_geodesic(pairs, t: float, simd_level: str) -> None:
    a, b = pairs
    d = ex.distance(a, b)
    g = ex.geodesic(a, b, t)
    np.testing.assert_allclose(ex.distance(a, g), abs(t) * d, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ex.distance(g, b), abs(1 - t) * d, rtol=1e-12, atol=1e-14)
    # closed form rate1 (rate2 / rate1)^t
    np.testing.assert_allclose(g, a * (b / a) ** t, rtol=1e-13)
    if t == 0.0:
        np.testing.assert_array_equal(g, a)
    G = beds.geodesic(beds.Exponential(a), beds.Exponential(b), t)
    np.testing.assert_array_equal(G.rate, g)


def test_geodesic_broadcasts_t(pairs) -> None:
    a, b = pairs
    t = np.linspace(0, 1, 7)
    G = beds.geodesic(beds.Exponential(a[:3]), beds.Exponential(b[:3]), t[:, None])
    assert G.batch_shape == (7, 3)
    np.testing.assert_allclose(G.rate[-1], b[:3], rtol=1e-14)


def test_transport_preserves_inner_products(pairs, simd_level: str) -> None:
    a, b = pairs
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=a.size) * a, rng.normal(size=a.size) * a
    tu, tv = ex.transport(a, b, u), ex.transport(a, b, v)
    np.testing.assert_allclose(ex.inner(b, tu, tv), ex.inner(a, u, v), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(ex.inner(b, tu, tu), ex.inner(a, u, u), rtol=1e-14)
    # transporting log_a(b) to b gives -log_b(a)
    np.testing.assert_allclose(ex.transport(a, b, ex.log(a, b)), -ex.log(b, a), rtol=1e-13)
    A, B = beds.Exponential(a), beds.Exponential(b)
    TU = beds.transport(A.tangent(rate=u), B)
    np.testing.assert_allclose(beds.norm(TU), beds.norm(A.tangent(rate=u)), rtol=1e-14)


def test_divergence_inequalities(pairs, simd_level: str) -> None:
    a, b = pairs
    d = ex.distance(a, b)
    assert (d <= np.sqrt(ex.jeffreys(a, b)) * (1 + 1e-14)).all()
    assert (ex.kl(a, b) >= 0).all()
    # local KL ~ d^2 / 2 and J ~ d^2 (docs page mathematics/conventions)
    near = a * (1 + 1e-5)
    dn = ex.distance(a, near)
    np.testing.assert_allclose(ex.kl(a, near), dn**2 / 2, rtol=1e-4)
    np.testing.assert_allclose(ex.jeffreys(a, near), dn**2, rtol=1e-4)
    np.testing.assert_allclose(ex.jeffreys(a, b), ex.kl(a, b) + ex.kl(b, a), rtol=1e-9)


def test_metric() -> None:
    r = np.array([0.5, 2.0, 10.0])
    np.testing.assert_allclose(beds.metric(beds.Exponential(r)), (1 / r**2)[:, None, None])
    assert ex.inner(2.0, 3.0, 5.0) == pytest.approx(15 / 4)


def test_identity_pairs(simd_level: str) -> None:
    r = np.array([1e-300, 1e-5, 1.0, 3.0, 1e5, 1e300])
    np.testing.assert_array_equal(ex.distance(r, r), 0.0)
    np.testing.assert_array_equal(ex.kl(r, r), 0.0)
    np.testing.assert_array_equal(ex.jeffreys(r, r), 0.0)
    np.testing.assert_array_equal(ex.log(r, r), 0.0)
    np.testing.assert_array_equal(ex.exp(r, 0.0), r)


# ----------------------------------------------------------------------------- Karcher mean
def test_karcher_mean_is_weighted_geometric_mean() -> None:
    rng = np.random.default_rng(8)
    r = loguniform(rng, 1e-3, 1e3, (4, 9))
    w = rng.uniform(0.1, 3.0, (4, 9))
    m = ex.karcher_mean(r, w)
    for i in range(4):
        with mpmath.workdps(50):
            num = mpmath.fsum(mpmath.mpf(wi) * mpmath.log(ri) for wi, ri in zip(w[i], r[i]))
            exact = mpmath.exp(num / mpmath.fsum(w[i]))
        assert ulp_errors([m[i]], [exact])[0] <= 16
    np.testing.assert_allclose(ex.karcher_mean(r), np.exp(np.log(r).mean(axis=-1)), rtol=1e-13)
    # first-order condition: the weighted logs at the mean sum to 0
    g = (w * ex.log(m[:, None], r)).sum(axis=-1)
    assert (np.abs(g) <= 1e-12 * (w * np.abs(ex.log(m[:, None], r))).sum(axis=-1)).all()
    # object API over a chosen axis
    M = beds.karcher_mean(beds.Exponential(r), weights=w, axis=1)
    np.testing.assert_allclose(M.rate, m, rtol=1e-15)
    M0 = beds.karcher_mean(beds.Exponential(r), axis=0)
    np.testing.assert_allclose(M0.rate, ex.karcher_mean(r.T), rtol=1e-15)


def test_karcher_mean_special_cases() -> None:
    assert ex.karcher_mean([3.5]) == 3.5
    assert ex.karcher_mean([2.0, 8.0]) == pytest.approx(4.0, rel=1e-15)
    assert ex.karcher_mean([2.0, 8.0], [1.0, 0.0]) == pytest.approx(2.0, rel=1e-15)


def test_karcher_mean_of_extreme_rates() -> None:
    """The geometric mean of 1e-300 and 1e300 is 1 (no overflow of the ratio of the rates)."""
    assert ex.karcher_mean([1e-300, 1e300]) == pytest.approx(1.0, rel=1e-13)
    assert ex.karcher_mean([1e300, 1e-300, 1.0]) == pytest.approx(1.0, rel=1e-13)


# ---------------------------------------------------------------------------------- domain
BAD = {
    "negative rate": (lambda: beds.Exponential(-1.0), ValueError, "rate"),
    "zero rate": (lambda: beds.Exponential(0.0), ValueError, "rate"),
    "nan rate": (lambda: beds.Exponential(math.nan), ValueError, "rate"),
    "inf rate": (lambda: beds.Exponential(math.inf), ValueError, "rate"),
    "string rate": (lambda: beds.Exponential("a"), TypeError, "rate"),
    "fn negative rate1": (lambda: ex.distance(-1.0, 1.0), ValueError, "rate1"),
    "fn zero rate2": (lambda: ex.kl(1.0, 0.0), ValueError, "rate2"),
    "fn nan rate": (lambda: ex.entropy(math.nan), ValueError, "rate"),
    "fn nan tangent": (lambda: ex.exp(1.0, math.nan), ValueError, "v"),
    "fn nan t": (lambda: ex.geodesic(1.0, 2.0, math.nan), ValueError, "t"),
    "tangent nan": (lambda: beds.Exponential(1.0).tangent(rate=math.nan), ValueError, "rate"),
    "karcher scalar": (lambda: ex.karcher_mean(1.0), ValueError, "rate"),
    "karcher empty": (lambda: ex.karcher_mean(np.zeros(0)), ValueError, "empty"),
    "karcher bad weights": (lambda: ex.karcher_mean([1.0, 2.0], [1.0, -1.0]), ValueError, "weights"),
    "karcher bad rate": (lambda: ex.karcher_mean([1.0, -2.0]), ValueError, "rate"),
    "other family": (lambda: beds.kl(beds.Exponential(1.0), beds.Poisson(1.0)), TypeError, "Exponential"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_inputs_raise(case: str) -> None:
    fn, exc, needle = BAD[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc, match=needle):
            fn()
