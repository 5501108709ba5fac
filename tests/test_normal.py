"""Univariate normal beliefs N(mu, sigma^2): the Fisher-Rao half-plane (docs page mathematics/normal).

Oracles are independent of the code under test:

* mpmath at 50 digits: the arccosh form of the distance, the textbook KL / Jeffreys / entropy
  formulas, and exp / log / geodesic / parallel transport built from the circle geometry of the
  Poincare half-plane (centre and radius of the geodesic circle, arc length ln tan(theta/2)).
* that half-plane construction is itself checked against mpmath ODE integration of the geodesic
  equations of ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2.
* identities of Riemannian geometry (hypothesis property tests) and the docs' reference values.
"""

from __future__ import annotations

import math
import warnings

import beds
import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EPS = 2.0**-52  # one ulp of 1.0 (2.22e-16)
DPS = 50

PROPERTY = settings(
    deadline=None, max_examples=100, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


# ============================================================================ mpmath oracles
def _mpf(*xs):
    return [mp.mpf(float(x)) for x in xs]


def mp_distance(m1, s1, m2, s2):
    """sqrt(2) acosh(1 + (dmu^2/2 + ds^2) / (2 s1 s2)) at 50 digits (exact float64 inputs)."""
    with mp.workdps(DPS):
        m1, s1, m2, s2 = _mpf(m1, s1, m2, s2)
        return mp.sqrt(2) * mp.acosh(1 + ((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (2 * s1 * s2))


def mp_kl(m1, s1, m2, s2):
    with mp.workdps(DPS):
        m1, s1, m2, s2 = _mpf(m1, s1, m2, s2)
        return mp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mp.mpf(1) / 2


def mp_jeffreys(m1, s1, m2, s2):
    with mp.workdps(DPS):
        return mp_kl(m1, s1, m2, s2) + mp_kl(m2, s2, m1, s1)


def mp_entropy(s):
    with mp.workdps(DPS):
        return mp.log(2 * mp.pi * mp.e) / 2 + mp.log(mp.mpf(float(s)))


# --- Poincare half-plane H: z = x + i y, ds_H^2 = (dx^2 + dy^2) / y^2.  The normal family is
# x = mu / sqrt(2), y = sigma with ds_FR^2 = 2 ds_H^2; tangent components map the same way.
def _hp_exp(x0, y0, vx, vy):
    rho = mp.sqrt(vx**2 + vy**2) / y0  # hyperbolic length of v
    if rho == 0:
        return x0, y0
    if vx == 0:  # vertical geodesic
        return x0, y0 * mp.exp(rho if vy > 0 else -rho)
    c = x0 + y0 * vy / vx  # centre on the real axis: (z0 - c) is orthogonal to v
    r = mp.hypot(x0 - c, y0)
    th0 = mp.atan2(y0, x0 - c)
    forward = vx * (-mp.sin(th0)) + vy * mp.cos(th0) > 0  # v points towards increasing theta
    th = 2 * mp.atan(mp.tan(th0 / 2) * mp.exp(rho if forward else -rho))  # arc length = ln tan(th/2)
    return c + r * mp.cos(th), r * mp.sin(th)


def _hp_unit_tangent(x0, y0, x1, y1):
    """Euclidean unit tangent at z0 of the geodesic z0 -> z1 (z0 != z1)."""
    if x1 == x0:
        return mp.mpf(0), mp.mpf(1 if y1 > y0 else -1)
    c = (x1**2 + y1**2 - x0**2 - y0**2) / (2 * (x1 - x0))
    tx, ty = -y0, x0 - c  # i (z0 - c)
    n = mp.hypot(tx, ty)
    if tx * (x1 - x0) + ty * (y1 - y0) < 0:
        tx, ty = -tx, -ty
    return tx / n, ty / n


def _hp_log(x0, y0, x1, y1):
    d = mp.acosh(1 + ((x1 - x0) ** 2 + (y1 - y0) ** 2) / (2 * y0 * y1))
    if d == 0:
        return mp.mpf(0), mp.mpf(0)
    ux, uy = _hp_unit_tangent(x0, y0, x1, y1)
    return y0 * d * ux, y0 * d * uy


def mp_exp(m, s, vm, vs):
    with mp.workdps(DPS):
        m, s, vm, vs = _mpf(m, s, vm, vs)
        r2 = mp.sqrt(2)
        x, y = _hp_exp(m / r2, s, vm / r2, vs)
        return x * r2, y


def mp_log(m1, s1, m2, s2):
    with mp.workdps(DPS):
        m1, s1, m2, s2 = _mpf(m1, s1, m2, s2)
        r2 = mp.sqrt(2)
        vx, vy = _hp_log(m1 / r2, s1, m2 / r2, s2)
        return vx * r2, vy


def mp_geodesic(m1, s1, m2, s2, t):
    with mp.workdps(DPS):
        m1, s1, m2, s2, t = _mpf(m1, s1, m2, s2, t)
        r2 = mp.sqrt(2)
        vx, vy = _hp_log(m1 / r2, s1, m2 / r2, s2)
        x, y = _hp_exp(m1 / r2, s1, t * vx, t * vy)
        return x * r2, y


def mp_transport(m1, s1, m2, s2, vm, vs):
    """Levi-Civita transport in H: keeps the hyperbolic length and the angle to the geodesic."""
    with mp.workdps(DPS):
        m1, s1, m2, s2, vm, vs = _mpf(m1, s1, m2, s2, vm, vs)
        r2 = mp.sqrt(2)
        x0, y0, x1, y1 = m1 / r2, s1, m2 / r2, s2
        if x0 == x1 and y0 == y1:
            return vm, vs
        u0 = mp.mpc(*_hp_unit_tangent(x0, y0, x1, y1))
        back = _hp_unit_tangent(x1, y1, x0, y0)
        u1 = -mp.mpc(*back)  # forward unit tangent at z1
        w = mp.mpc(vm / r2, vs) * (u1 / u0) * (y1 / y0)
        return w.real * r2, w.imag


def mp_geodesic_ode(m, s, vm, vs, t=1):
    """Integrates mu'' = 2 mu' s' / s, s'' = (s'^2 - mu'^2 / 2) / s (Euler-Lagrange of the metric)."""
    with mp.workdps(25):
        y0 = _mpf(m, s, vm, vs)
        f = mp.odefun(lambda _t, y: [y[2], y[3], 2 * y[2] * y[3] / y[1], (y[3] ** 2 - y[2] ** 2 / 2) / y[1]], 0, y0)
        r = f(t)
        return r[0], r[1]


# ============================================================================ sample sets
def _near_pairs(rng, n):
    """Relative perturbations of 1e-12 of (mu, sigma), over a wide range of scales."""
    m1 = rng.uniform(-10, 10, n) * 10.0 ** rng.uniform(-3, 3, n)
    s1 = 10.0 ** rng.uniform(-8, 8, n)
    e1 = rng.uniform(-1, 1, n) * 1e-12
    e2 = rng.uniform(-1, 1, n) * 1e-12
    k = n // 5  # some pure-mean and pure-sigma perturbations
    e1[:k] = 0.0
    e2[k : 2 * k] = 0.0
    m2 = m1 + e1 * (np.abs(m1) + s1)
    s2 = s1 * (1.0 + e2)
    keep = (m1 != m2) | (s1 != s2)
    return m1[keep], s1[keep], m2[keep], s2[keep]


def _far_pairs(rng, n):
    """|dmu| up to 1e6, sigma from 1e-8 to 1e8 (log-uniform), with same-mean and same-sigma cases."""
    m1 = rng.uniform(-5e5, 5e5, n)
    m2 = rng.uniform(-5e5, 5e5, n)
    s1 = 10.0 ** rng.uniform(-8, 8, n)
    s2 = 10.0 ** rng.uniform(-8, 8, n)
    k = n // 6
    m2[:k] = m1[:k]  # same mean, sigma ratio up to 1e16
    s2[k : 2 * k] = s1[k : 2 * k]  # same sigma
    return m1, s1, m2, s2


def _moderate_pairs(rng, n):
    m1, m2 = rng.normal(0, 3, n), rng.normal(0, 3, n)
    s1, s2 = np.exp(rng.normal(0, 1, n)), np.exp(rng.normal(0, 1, n))
    return m1, s1, m2, s2


PAIRS = {"near": _near_pairs, "moderate": _moderate_pairs, "far": _far_pairs}


def _max_rel_err(got, exact) -> float:
    worst = 0.0
    with mp.workdps(DPS):
        for g, e in zip(np.asarray(got, dtype=np.float64).ravel(), exact):
            if e == 0:
                assert g == 0
                continue
            worst = max(worst, float(abs((mp.mpf(float(g)) - e) / e)))
    return worst


# ============================================================================ accuracy vs mpmath
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["near", "far"])
def test_distance_within_8_ulp_of_mpmath(simd_level, kind):
    rng = np.random.default_rng(12345)
    m1, s1, m2, s2 = PAIRS[kind](rng, 301)  # odd size: vector body and remainder lanes
    got = beds.normal.distance(m1, s1, m2, s2)
    exact = [mp_distance(*a) for a in zip(m1, s1, m2, s2)]
    ulps = _max_rel_err(got, exact) / EPS
    assert ulps <= 8, f"{kind} pairs, simd={simd_level}: max relative error {ulps:.2f} ulp (limit 8)"
    # the symmetric call and the raw ufunc agree with the validated function
    assert np.array_equal(beds.ufuncs.normal_distance(m1, s1, m2, s2), got)
    ulps_sym = _max_rel_err(beds.normal.distance(m2, s2, m1, s1), exact) / EPS
    assert ulps_sym <= 8, f"{kind} pairs (swapped), simd={simd_level}: {ulps_sym:.2f} ulp"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["near", "moderate", "far"])
@pytest.mark.parametrize("name", ["kl", "jeffreys"])
def test_divergence_within_16_ulp_of_mpmath(simd_level, kind, name):
    rng = np.random.default_rng(777)
    m1, s1, m2, s2 = PAIRS[kind](rng, 201)
    fn, oracle = {"kl": (beds.normal.kl, mp_kl), "jeffreys": (beds.normal.jeffreys, mp_jeffreys)}[name]
    got = fn(m1, s1, m2, s2)
    exact = [oracle(*a) for a in zip(m1, s1, m2, s2)]
    ulps = _max_rel_err(got, exact) / EPS
    assert ulps <= 16, f"{name}, {kind} pairs, simd={simd_level}: max relative error {ulps:.3g} ulp (limit 16)"


@pytest.mark.parametrize(("s1", "s2"), [(1.0, 1e6), (1e-8, 1e7), (1.0, 1e12), (1e-9, 1e8)])
def test_kl_accurate_when_std1_much_smaller_than_std2(s1, s2):
    # KL(N(0, s1^2) || N(0, s2^2)) = ln(s2/s1) + s1^2/(2 s2^2) - 1/2: perfectly well conditioned.
    got = float(beds.normal.kl(0.0, s1, 0.0, s2))
    exact = mp_kl(0.0, s1, 0.0, s2)
    rel = float(abs((mp.mpf(got) - exact) / exact))
    assert rel <= 16 * EPS, f"kl(0, {s1}, 0, {s2}) = {got!r}, exact {mp.nstr(exact, 17)}: rel. error {rel:.3g}"


@pytest.mark.slow
def test_entropy_matches_mpmath(simd_level):
    s = 10.0 ** np.linspace(-30, 30, 257)
    s = np.concatenate([s, [math.exp(-0.5 * math.log(2 * math.pi * math.e))]])  # entropy ~ 0
    got = beds.normal.entropy(s)
    err = max(float(abs(mp.mpf(float(g)) - mp_entropy(x))) / max(1.0, abs(math.log(x))) for g, x in zip(got, s))
    assert err <= 4 * EPS, f"simd={simd_level}: max error {err / EPS:.2f} ulp of max(1, |ln sigma|)"


def test_geodesic_oracle_agrees_with_ode_integration():
    # validates the half-plane circle construction used as the oracle below
    for m, s, vm, vs in [(0.0, 1.0, 1.0, 0.5), (2.0, 0.5, -1.0, -0.3), (1.0, 2.0, 0.0, 1.0), (0.0, 1.0, 3.0, -1.0)]:
        a = mp_exp(m, s, vm, vs)
        b = mp_geodesic_ode(m, s, vm, vs)
        assert abs(a[0] - b[0]) < 1e-18 and abs(a[1] - b[1]) < 1e-18, (m, s, vm, vs, a, b)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["near", "moderate", "far"])
def test_log_matches_mpmath(simd_level, kind):
    rng = np.random.default_rng(2024)
    m1, s1, m2, s2 = PAIRS[kind](rng, 101)
    vm, vs = beds.normal.log(m1, s1, m2, s2)
    worst = 0.0
    for i in range(m1.size):
        om, os_ = mp_log(m1[i], s1[i], m2[i], s2[i])
        # error in the Fisher norm at the base, relative to the length of the exact vector
        err = mp.sqrt((vm[i] - om) ** 2 + 2 * (vs[i] - os_) ** 2) / mp.sqrt(om**2 + 2 * os_**2)
        worst = max(worst, float(err))
    assert worst <= 8 * EPS, f"{kind}, simd={simd_level}: max relative error {worst / EPS:.2f} ulp"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["near", "moderate", "far"])
def test_exp_matches_mpmath(simd_level, kind):
    rng = np.random.default_rng(99)
    m1, s1, m2, s2 = PAIRS[kind](rng, 101)
    vm, vs = beds.normal.log(m1, s1, m2, s2)  # velocities of every size and direction
    vm = vm * rng.uniform(0.2, 1.5, vm.size)
    em, es = beds.normal.exp(m1, s1, vm, vs)
    err_m = err_s = 0.0
    for i in range(m1.size):
        om, os_ = mp_exp(m1[i], s1[i], vm[i], vs[i])
        # mean: relative to the scale of the coordinates (it is only known to an ulp of |mu|)
        err_m = max(err_m, float(abs(em[i] - om) / max(abs(om), abs(mp.mpf(m1[i])), os_)))
        err_s = max(err_s, float(abs(es[i] - os_) / os_))
    # sigma = sigma0 e^(+-rho) loses ~ rho ulp: far pairs have rho up to ~ 80
    lim = 64 * EPS if kind == "far" else 16 * EPS
    assert err_m <= lim and err_s <= lim, (
        f"{kind}, simd={simd_level}: mean error {err_m / EPS:.1f} ulp, std error {err_s / EPS:.1f} ulp"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["near", "moderate", "far"])
def test_geodesic_matches_mpmath(simd_level, kind):
    rng = np.random.default_rng(5)
    m1, s1, m2, s2 = PAIRS[kind](rng, 101)
    t = rng.uniform(-0.5, 1.5, m1.size)  # includes extrapolation
    gm, gs = beds.normal.geodesic(m1, s1, m2, s2, t)
    err_m = err_s = 0.0
    for i in range(m1.size):
        om, os_ = mp_geodesic(m1[i], s1[i], m2[i], s2[i], t[i])
        scale = max(abs(om), abs(mp.mpf(m1[i])), abs(mp.mpf(m2[i])), os_)
        err_m = max(err_m, float(abs(gm[i] - om) / scale))
        err_s = max(err_s, float(abs(gs[i] - os_) / os_))
    lim = 64 * EPS if kind == "far" else 16 * EPS
    assert err_m <= lim and err_s <= lim, (
        f"{kind}, simd={simd_level}: mean error {err_m / EPS:.1f} ulp, std error {err_s / EPS:.1f} ulp"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["near", "moderate"])
def test_transport_matches_mpmath(simd_level, kind):
    rng = np.random.default_rng(11)
    m1, s1, m2, s2 = PAIRS[kind](rng, 101)
    vm = rng.normal(size=m1.size) * s1
    vs = rng.normal(size=m1.size) * s1
    wm, ws = beds.normal.transport(m1, s1, m2, s2, vm, vs)
    worst = 0.0
    for i in range(m1.size):
        om, os_ = mp_transport(m1[i], s1[i], m2[i], s2[i], vm[i], vs[i])
        err = mp.sqrt((wm[i] - om) ** 2 + 2 * (ws[i] - os_) ** 2) / mp.sqrt(om**2 + 2 * os_**2)
        worst = max(worst, float(err))
    assert worst <= 1e-13, f"{kind}, simd={simd_level}: max relative error {worst:.3g}"


def test_exp_of_a_tiny_tangent_vector_stays_at_the_base():
    # |v| ~ 1e-120: Exp_p(v) = p to double precision.  (Bug: the direction() helper forms |v|^3,
    # which underflows to 0, and exp returns std = inf or mean = nan, with a divide-by-zero warning.)
    with np.errstate(all="ignore"):
        for vm, vs in [(0.0, 1e-120), (1e-160, 0.0), (1e-110, 1e-110), (0.0, -1e-120)]:
            m, s = beds.ufuncs.normal_exp(0.0, 1.0, vm, vs)
            assert (float(m), float(s)) == pytest.approx((vm, 1.0 + vs), rel=1e-15, abs=1e-300), (
                f"Exp_(0,1)(({vm}, {vs})) = ({float(m)}, {float(s)}), expected ~ (0, 1)"
            )


def test_geodesic_between_nearly_identical_points():
    # N(0, 1) and N(1e-120, 1): every point of the geodesic is (t 1e-120, 1) to double precision.
    with np.errstate(all="ignore"):
        for t in (0.25, 0.5, 1.0):
            m, s = beds.ufuncs.normal_geodesic(0.0, 1.0, 1e-120, 1.0, t)
            assert float(s) == pytest.approx(1.0, rel=1e-15) and float(m) == pytest.approx(t * 1e-120, rel=1e-12), (
                f"geodesic(N(0,1), N(1e-120,1), t={t}) = ({float(m)}, {float(s)})"
            )


# ================================================================== reference values (docs: mathematics/normal)
def test_math_md_test_vectors():
    assert beds.normal.distance(0.0, 1.0, 0.0, 2.0) == pytest.approx(0.9802581435, abs=1e-10)
    assert beds.normal.distance(0.0, 1.0, 0.0, 2.0) == pytest.approx(math.sqrt(2) * math.log(2), rel=4 * EPS)
    assert beds.normal.distance(0.0, 1.0, 3.0, 2.0) == pytest.approx(2.1362371153, abs=1e-10)
    p = beds.Normal(mean=np.zeros(2), std=1.0)
    q = beds.Normal(mean=[0.0, 3.0], std=2.0)
    np.testing.assert_allclose(beds.distance(p, q), [0.9802581435, 2.1362371153], atol=1e-10)


def test_same_mean_distance_is_sqrt2_log_ratio(rng):
    mu = rng.normal(size=50) * 10
    s1, s2 = np.exp(rng.uniform(-10, 10, 50)), np.exp(rng.uniform(-10, 10, 50))
    np.testing.assert_allclose(beds.normal.distance(mu, s1, mu, s2), math.sqrt(2) * np.abs(np.log(s2 / s1)), rtol=1e-14)


def test_same_sigma_distance_is_not_dmu_over_sigma(rng):
    s = np.exp(rng.uniform(-5, 5, 50))
    m1, m2 = rng.normal(size=50) * s * 3, rng.normal(size=50) * s * 3
    expected = math.sqrt(2) * np.arccosh(1 + (m1 - m2) ** 2 / (4 * s**2))
    got = beds.normal.distance(m1, s, m2, s)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert not np.allclose(got, np.abs(m1 - m2) / s, rtol=1e-3)


def test_identical_points_have_zero_distance_and_divergences():
    m = np.array([-1e6, 0.0, 3.5, 1e-300])
    s = np.array([1e-8, 1.0, 2.0, 1e8])
    for fn in (beds.normal.distance, beds.normal.kl, beds.normal.jeffreys):
        assert np.array_equal(fn(m, s, m, s), np.zeros(4)), fn.__name__
    vm, vs = beds.normal.log(m, s, m, s)
    assert np.array_equal(vm, np.zeros(4)) and np.array_equal(vs, np.zeros(4))


# ============================================================================ property tests
def _flush_tiny(x: float) -> float:
    # Components below 1e-90 are flushed to 0 here: exp/geodesic break down for vectors that small
    # (see test_exp_of_a_tiny_tangent_vector_stays_at_the_base and the geodesic test next to it),
    # and the property tests should keep probing everything else.
    return 0.0 if abs(x) < 1e-90 else x


means = st.floats(-100.0, 100.0, allow_nan=False).map(_flush_tiny)
log_stds = st.floats(-6.0, 6.0, allow_nan=False)
points = st.tuples(means, log_stds).map(lambda t: (t[0], math.exp(t[1])))
velocities = st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0)).map(lambda t: (_flush_tiny(t[0]), _flush_tiny(t[1])))


def _amplified_tol(d: float, t: float = 1.0) -> float:
    """Round-off in a velocity is amplified by sinh(|t| d_H) at the end of a geodesic (d_H = d/sqrt 2)."""
    return 1e-9 * max(1.0, d) + 1e-14 * math.sinh(min(abs(t) * d / math.sqrt(2), 700.0))


def _normal(pt) -> beds.Normal:
    return beds.Normal(mean=pt[0], std=pt[1])


@PROPERTY
@given(points, points)
def test_distance_is_symmetric_and_nonnegative(p, q):
    d1 = beds.normal.distance(*p, *q)
    d2 = beds.normal.distance(*q, *p)
    assert d1 >= 0
    assert d1 == pytest.approx(d2, rel=4 * EPS, abs=0)
    assert beds.normal.distance(*p, *p) == 0


@PROPERTY
@given(points, points, points)
def test_triangle_inequality(p, q, r):
    dpq, dqr, dpr = (beds.normal.distance(*a, *b) for a, b in ((p, q), (q, r), (p, r)))
    assert dpr <= (dpq + dqr) * (1 + 1e-12) + 1e-300


@PROPERTY
@given(points, points)
def test_exp_of_log_returns_target(p, q):
    P, Q = _normal(p), _normal(q)
    r = beds.exp(beds.log(P, Q))
    d = float(beds.distance(P, Q))
    assert float(r.mean) == pytest.approx(q[0], rel=1e-9, abs=1e-9 * (q[1] + abs(p[0])))
    assert float(r.std) == pytest.approx(q[1], rel=1e-9)
    assert float(beds.distance(r, Q)) <= _amplified_tol(d)


@PROPERTY
@given(points, velocities)
def test_log_of_exp_returns_velocity(p, v):
    P = _normal(p)
    vt = P.tangent(mean=v[0] * p[1], std=v[1] * p[1])  # Fisher length <= sqrt(27)
    back = beds.log(P, beds.exp(vt))
    n = float(beds.norm(vt))
    diff = float(beds.norm(back - vt))
    assert diff <= 1e-9 * max(1.0, n)


@PROPERTY
@given(points, points)
def test_norm_of_log_equals_distance(p, q):
    P, Q = _normal(p), _normal(q)
    d = float(beds.distance(P, Q))
    assert float(beds.norm(beds.log(P, Q))) == pytest.approx(d, rel=1e-12, abs=1e-300)


@PROPERTY
@given(points, points, st.floats(0.0, 1.0).map(_flush_tiny))
def test_geodesic_point_splits_the_distance(p, q, t):
    P, Q = _normal(p), _normal(q)
    d = float(beds.distance(P, Q))
    g = beds.geodesic(P, Q, t)
    tol = 1e-10 * max(1.0, d)
    assert float(beds.distance(P, g)) == pytest.approx(t * d, abs=tol)
    assert float(beds.distance(g, Q)) == pytest.approx((1 - t) * d, abs=tol)


@PROPERTY
@given(points, points)
def test_geodesic_endpoints(p, q):
    P, Q = _normal(p), _normal(q)
    g0 = beds.geodesic(P, Q, 0.0)
    assert float(g0.mean) == p[0] and float(g0.std) == p[1]
    g1 = beds.geodesic(P, Q, 1.0)
    assert float(g1.mean) == pytest.approx(q[0], rel=1e-10, abs=1e-10 * (q[1] + abs(p[0])))
    assert float(g1.std) == pytest.approx(q[1], rel=1e-10)


@PROPERTY
@given(points, points, st.floats(-1.0, 2.0).map(_flush_tiny))
def test_geodesic_is_exp_of_scaled_log(p, q, t):
    P, Q = _normal(p), _normal(q)
    g = beds.geodesic(P, Q, t)
    e = beds.exp(beds.log(P, Q) * t)
    d = float(beds.distance(P, Q))
    assert float(beds.distance(g, e)) <= _amplified_tol(d, t)


@PROPERTY
@given(points, points, velocities, velocities)
def test_transport_preserves_inner_products_and_norms(p, q, u, v):
    P, Q = _normal(p), _normal(q)
    U = P.tangent(mean=u[0] * p[1], std=u[1] * p[1])
    V = P.tangent(mean=v[0] * p[1], std=v[1] * p[1])
    TU, TV = beds.transport(U, Q), beds.transport(V, Q)
    assert TU.base is Q or np.array_equal(TU.base.std, Q.std)
    scale = float(beds.norm(U) * beds.norm(V)) + 1e-300
    assert abs(float(beds.inner(TU, TV)) - float(beds.inner(U, V))) <= 1e-12 * scale
    assert float(beds.norm(TU)) == pytest.approx(float(beds.norm(U)), rel=1e-12, abs=1e-300)


@PROPERTY
@given(points, points, velocities)
def test_transport_there_and_back_returns_the_vector(p, q, v):
    P, Q = _normal(p), _normal(q)
    V = P.tangent(mean=v[0] * p[1], std=v[1] * p[1])
    back = beds.transport(beds.transport(V, Q), P)
    assert float(beds.norm(back - V)) <= 1e-11 * max(float(beds.norm(V)), 1e-300)


@PROPERTY
@given(points, points)
def test_transport_of_log_is_minus_reverse_log(p, q):
    # the geodesic's velocity is parallel: T(log_p q) = -log_q p
    P, Q = _normal(p), _normal(q)
    moved = beds.transport(beds.log(P, Q), Q)
    rev = beds.log(Q, P)
    d = float(beds.distance(P, Q))
    assert float(beds.norm(moved + rev)) <= 1e-10 * max(1.0, d)


@PROPERTY
@given(points, points)
def test_kl_nonnegative_and_jeffreys_is_symmetrised_kl(p, q):
    P, Q = _normal(p), _normal(q)
    kpq, kqp = float(beds.kl(P, Q)), float(beds.kl(Q, P))
    assert kpq >= 0 and kqp >= 0
    assert float(beds.jeffreys(P, Q)) == pytest.approx(kpq + kqp, rel=1e-12, abs=1e-300)
    assert float(beds.jeffreys(P, Q)) == pytest.approx(float(beds.jeffreys(Q, P)), rel=4 * EPS, abs=0)


@PROPERTY
@given(points, points)
def test_sqrt_jeffreys_bounds_distance_above(p, q):
    d = float(beds.normal.distance(*p, *q))
    j = float(beds.normal.jeffreys(*p, *q))
    assert d <= math.sqrt(j) * (1 + 1e-12)


@PROPERTY
@given(points, st.floats(-1.0, 1.0), st.floats(-1.0, 1.0))
def test_kl_is_half_squared_distance_for_near_pairs(p, a, b):
    eps = 1e-5
    q = (p[0] + eps * a * p[1], p[1] * (1 + eps * b))
    if q == p:
        return
    d = float(beds.normal.distance(*p, *q))
    for k in (beds.normal.kl(*p, *q), beds.normal.kl(*q, *p), beds.normal.jeffreys(*p, *q) / 2):
        assert float(k) == pytest.approx(d * d / 2, rel=1e-4)


@PROPERTY
@given(points, velocities, velocities)
def test_metric_matches_inner_product(p, u, v):
    P = _normal(p)
    G = beds.metric(P)
    assert G.shape == (2, 2)
    np.testing.assert_allclose(G, np.diag([1 / p[1] ** 2, 2 / p[1] ** 2]), rtol=1e-15)
    uu, vv = np.array(u) * p[1], np.array(v) * p[1]
    ip = float(beds.inner(P.tangent(*uu), P.tangent(*vv)))
    assert ip == pytest.approx(float(uu @ G @ vv), rel=1e-12, abs=1e-12)
    assert ip == pytest.approx(float(beds.normal.inner(p[1], *uu, *vv)), rel=4 * EPS, abs=1e-300)


def test_metric_batch_shape(rng):
    P = beds.Normal(mean=rng.normal(size=(3, 4)), std=np.exp(rng.normal(size=(3, 4))))
    G = beds.metric(P)
    assert G.shape == (3, 4, 2, 2)
    np.testing.assert_allclose(G[..., 0, 0], 1 / P.std**2)
    np.testing.assert_allclose(G[..., 1, 1], 2 / P.std**2)
    assert np.all(G[..., 0, 1] == 0) and np.all(G[..., 1, 0] == 0)


def test_metric_agrees_with_small_displacement_distance():
    # ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2 (no factor 1/4)
    p = (0.3, 1.7)
    h = 1e-7
    for dm, ds in [(1.0, 0.0), (0.0, 1.0), (0.6, -0.8)]:
        d = beds.normal.distance(p[0], p[1], p[0] + h * dm, p[1] + h * ds)
        assert d / h == pytest.approx(math.sqrt((dm**2 + 2 * ds**2) / p[1] ** 2), rel=1e-6)


# ============================================================================ Karcher mean
def _karcher_gradient_ratio(mu, sd, m, s, w=None):
    """|sum_i w_i log_m(p_i)|_m / (sum w_i * rms distance): ~0 at the Frechet mean."""
    w = np.ones_like(m) if w is None else np.asarray(w, dtype=np.float64)
    M = beds.Normal(mean=np.full(m.shape, mu), std=np.full(m.shape, sd))
    v = beds.log(M, beds.Normal(mean=m, std=s))
    g = beds.Normal(mean=mu, std=sd).tangent(mean=np.sum(w * v.mean), std=np.sum(w * v.std))
    rms = math.sqrt(float(np.sum(w * beds.distance(M, beds.Normal(m, s)) ** 2) / np.sum(w)))
    return float(beds.norm(g)) / (float(np.sum(w)) * max(rms, 1e-300))


@pytest.mark.parametrize("spread", [0.01, 1.0, 3.0])
def test_karcher_mean_converges_to_a_stationary_point(rng, spread):
    n = 37
    m = rng.normal(size=n) * spread * 2
    s = np.exp(rng.normal(size=n) * spread)
    w = rng.uniform(0.1, 2.0, n)
    for weights in (None, w):
        mu, sd, it = beds.normal.karcher_mean(m, s, weights, return_iterations=True)
        assert 0 < int(it) <= 100, f"iterations {it}"
        ratio = _karcher_gradient_ratio(float(mu), float(sd), m, s, weights)
        assert ratio < 1e-10, f"gradient / spread = {ratio:.3g}"


def test_karcher_mean_is_a_minimum(rng):
    m, s = rng.normal(size=20), np.exp(rng.normal(size=20))
    mu, sd = beds.normal.karcher_mean(m, s)

    def F(a, b):
        return float(np.sum(beds.normal.distance(a, b, m, s) ** 2))

    f0 = F(mu, sd)
    for dm, ds in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3), (1e-3, 1e-3)]:
        assert F(mu + dm * sd, sd * (1 + ds)) > f0


def test_karcher_mean_batched_reduces_over_last_axis(rng):
    m = rng.normal(size=(4, 3, 15))
    s = np.exp(rng.normal(size=(4, 3, 15)))
    mu, sd, it = beds.normal.karcher_mean(m, s, return_iterations=True)
    assert mu.shape == sd.shape == it.shape == (4, 3)
    assert np.all(it > 0)
    for idx in np.ndindex(4, 3):
        assert _karcher_gradient_ratio(mu[idx], sd[idx], m[idx], s[idx]) < 1e-10


def test_karcher_mean_same_mean_gives_geometric_mean_of_sigma(rng):
    s = np.exp(rng.normal(size=25) * 2)
    w = rng.uniform(0.5, 1.5, 25)
    mu, sd, it = beds.normal.karcher_mean(np.full(25, 1.25), s, w, return_iterations=True)
    assert it > 0
    assert mu == pytest.approx(1.25, rel=1e-14)
    assert sd == pytest.approx(math.exp(np.sum(w * np.log(s)) / np.sum(w)), rel=1e-13)


def test_karcher_mean_of_a_single_point_is_that_point():
    mu, sd, it = beds.normal.karcher_mean([3.5], [0.25], return_iterations=True)
    assert (float(mu), float(sd)) == pytest.approx((3.5, 0.25), rel=1e-15)
    assert it > 0
    m = beds.karcher_mean(beds.Normal(mean=[-2.0], std=[7.0]))
    assert m.batch_shape == ()
    assert (float(m.mean), float(m.std)) == pytest.approx((-2.0, 7.0), rel=1e-15)


def _karcher_no_warnings(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = beds.normal.karcher_mean(*args, return_iterations=True, **kwargs)
    assert not caught, f"karcher_mean{args} emitted warnings on valid input: {[str(w.message) for w in caught]}"
    return out


def test_karcher_mean_of_repeated_point_is_that_point():
    # every data point coincides with the starting iterate (weighted mean mu, geometric mean sigma)
    mu, sd, it = _karcher_no_warnings([1.0, 1.0], [2.0, 2.0])
    assert (float(mu), float(sd), int(it) > 0) == (1.0, 2.0, True)


def test_karcher_mean_symmetric_data_with_a_point_at_the_start():
    # N(-1, 1), N(0, 1), N(1, 1): the start (0, 1) is a data point; the mean is (0, s*) by symmetry
    m, s = np.array([-1.0, 0.0, 1.0]), np.ones(3)
    mu, sd, it = _karcher_no_warnings(m, s)
    assert it > 0 and abs(float(mu)) < 1e-14 and sd > 1
    assert _karcher_gradient_ratio(float(mu), float(sd), m, s) < 1e-10


def test_karcher_mean_of_two_points_is_geodesic_midpoint():
    # two points: the Frechet mean is the midpoint of the geodesic
    for a, b in [((0.0, 1.0), (3.0, 2.0)), ((-1.0, 0.5), (2.0, 0.1))]:
        mu, sd, it = beds.normal.karcher_mean([a[0], b[0]], [a[1], b[1]], return_iterations=True)
        gm, gs = beds.normal.geodesic(*a, *b, 0.5)
        assert it > 0
        assert float(beds.normal.distance(mu, sd, gm, gs)) < 1e-12


@pytest.mark.parametrize("half_gap", [10.0, 50.0, 1e4])
def test_karcher_mean_converges_for_two_far_apart_points(half_gap):
    # N(-a, 1) and N(a, 1): the mean is the top of the geodesic half-ellipse, (0, sqrt(1 + a^2 / 2)).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", beds.ConvergenceWarning)
        mu, sd, it = beds.normal.karcher_mean([-half_gap, half_gap], [1.0, 1.0], return_iterations=True)
    expected = math.sqrt(1 + half_gap**2 / 2)
    assert int(it) > 0 and float(sd) == pytest.approx(expected, rel=1e-10), (
        f"a={half_gap}: karcher_mean -> ({float(mu)}, {float(sd)}), iterations {int(it)}; expected (0, {expected})"
    )


def test_karcher_mean_zero_weight_ignores_a_point(rng):
    m, s = rng.normal(size=10), np.exp(rng.normal(size=10))
    w = rng.uniform(0.5, 2, 10)
    w0 = w.copy()
    w0[3] = 0.0
    a = beds.normal.karcher_mean(m, s, w0)
    b = beds.normal.karcher_mean(np.delete(m, 3), np.delete(s, 3), np.delete(w, 3))
    assert float(beds.normal.distance(*a, *b)) < 1e-12
    # weights are scale-invariant; integer weights equal repetitions
    c = beds.normal.karcher_mean(m, s, 7.5 * w)
    assert float(beds.normal.distance(*beds.normal.karcher_mean(m, s, w), *c)) < 1e-12
    k = np.array([1, 2, 1])
    d = beds.normal.karcher_mean(m[:3], s[:3], k)
    e = beds.normal.karcher_mean(m[[0, 1, 1, 2]], s[[0, 1, 1, 2]])
    assert float(beds.normal.distance(*d, *e)) < 1e-12


def test_karcher_mean_object_api_matches_array_api(rng):
    m, s = rng.normal(size=(3, 8)), np.exp(rng.normal(size=(3, 8)))
    w = rng.uniform(0.5, 2, (3, 8))
    P = beds.Normal(mean=m, std=s)
    full = beds.karcher_mean(P)
    mu, sd = beds.normal.karcher_mean(m.ravel(), s.ravel())
    assert full.batch_shape == ()
    np.testing.assert_allclose([full.mean, full.std], [mu, sd], rtol=1e-12)
    rows = beds.karcher_mean(P, weights=w, axis=1)
    mu, sd = beds.normal.karcher_mean(m, s, w)
    assert rows.batch_shape == (3,)
    np.testing.assert_allclose(rows.mean, mu, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rows.std, sd, rtol=1e-12)
    cols = beds.karcher_mean(P, axis=0)
    mu, sd = beds.normal.karcher_mean(m.T, s.T)
    np.testing.assert_allclose(cols.mean, mu, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cols.std, sd, rtol=1e-12)


def test_karcher_mean_float32(rng):
    m, s = rng.normal(size=(5, 20)), np.exp(rng.normal(size=(5, 20)))
    mu32, sd32, it = beds.normal.karcher_mean(m.astype(np.float32), s.astype(np.float32), return_iterations=True)
    assert mu32.dtype == np.float32 and sd32.dtype == np.float32
    assert np.all(it > 0)
    mu, sd = beds.normal.karcher_mean(m.astype(np.float32).astype(np.float64), s.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(mu32, mu, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(sd32, sd, rtol=1e-6)
    P = beds.Normal(mean=m.astype(np.float32), std=s.astype(np.float32))
    assert beds.karcher_mean(P, axis=1).dtype == np.float32


# ============================================================================ dtypes and layout
@pytest.mark.parametrize("name", ["distance", "kl", "jeffreys", "log", "exp", "geodesic", "transport"])
def test_float32_in_float32_out_close_to_float64(rng, name):
    n = 203
    m1, m2 = rng.normal(0, 2, n).astype(np.float32), rng.normal(0, 2, n).astype(np.float32)
    s1, s2 = np.exp(rng.normal(0, 1, n)).astype(np.float32), np.exp(rng.normal(0, 1, n)).astype(np.float32)
    special = {"geodesic": (m1, s1, m2, s2, np.float32(0.3)), "transport": (m1, s1, m2, s2, m2, s2)}
    args = special.get(name, (m1, s1, m2, s2))
    fn = getattr(beds.normal, name)
    out32 = fn(*args)
    out64 = fn(*(np.asarray(a, dtype=np.float64) for a in args))
    out32 = out32 if isinstance(out32, tuple) else (out32,)
    out64 = out64 if isinstance(out64, tuple) else (out64,)
    for a, b in zip(out32, out64):
        assert a.dtype == np.float32 and b.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6 * float(np.max(np.abs(b))))


def test_float32_entropy_inner_and_belief_api():
    s = np.float32(2.0)
    assert beds.normal.entropy(s).dtype == np.float32
    one = np.float32(1.0)
    assert beds.normal.inner(s, one, one, one, one).dtype == np.float32
    P = beds.Normal(mean=np.zeros(3, np.float32), std=np.float32(1))
    Q = beds.Normal(mean=np.ones(3, np.float32), std=np.float32(2))
    assert P.dtype == np.float32
    assert beds.distance(P, Q).dtype == np.float32
    assert beds.geodesic(P, Q, 0.5).dtype == np.float32
    assert beds.log(P, Q).mean.dtype == np.float32
    ref = beds.distance(P.astype(np.float64), Q.astype(np.float64))
    np.testing.assert_allclose(beds.distance(P, Q), ref, rtol=1e-6)


def test_integer_inputs_give_float64():
    d = beds.normal.distance(0, 1, 3, 2)
    assert d.dtype == np.float64 and float(d) == pytest.approx(2.1362371153, abs=1e-10)
    assert beds.normal.kl(0, 1, 0, 2).dtype == np.float64
    assert beds.normal.entropy(np.array([1, 2])).dtype == np.float64
    vm, vs = beds.normal.log(np.array([0, 1]), 1, 3, 2)
    assert vm.dtype == vs.dtype == np.float64
    P = beds.Normal(mean=[0, 1], std=[1, 2])
    assert P.dtype == np.float64
    assert beds.distance(P, beds.Normal(3, 2)).dtype == np.float64
    mu, sd = beds.normal.karcher_mean([0, 2], [1, 1])
    assert np.asarray(mu).dtype == np.float64


def test_broadcasting_and_noncontiguous_inputs(rng):
    m = rng.normal(size=(6, 8))
    s = np.exp(rng.normal(size=(6, 8)))
    ref = beds.normal.distance(m, s, 0.5, 2.0)
    got = beds.normal.distance(np.asfortranarray(m), s.T.copy().T, 0.5, 2.0)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(beds.normal.distance(m[:, ::2], s[:, ::2], 0.5, 2.0), ref[:, ::2])
    col = beds.normal.distance(m[:, :1], s[:, :1], m[:1, :], s[:1, :])
    assert col.shape == (6, 8)
    out = np.empty((6, 8))
    beds.normal.distance(m, s, 0.5, 2.0, out=out)
    np.testing.assert_array_equal(out, ref)


def test_simd_levels_agree(rng):
    n = 1001
    m1, m2 = rng.normal(size=n) * 5, rng.normal(size=n) * 5
    s1, s2 = np.exp(rng.normal(size=n) * 2), np.exp(rng.normal(size=n) * 2)
    t = rng.uniform(-1, 2, n)
    calls = {
        "distance": (m1, s1, m2, s2),
        "kl": (m1, s1, m2, s2),
        "jeffreys": (m1, s1, m2, s2),
        "log": (m1, s1, m2, s2),
        "exp": (m1, s1, (m2 - m1) * s1 / 4, (s2 - s1) * s1 / 4),
        "geodesic": (m1, s1, m2, s2, t),
        "transport": (m1, s1, m2, s2, m2, s1),
    }
    previous = beds._core.simd_level()
    results = {}
    try:
        for level in beds._core.available_simd_levels():
            beds._core.set_simd_level(level)
            results[level] = {k: np.atleast_2d(getattr(beds.normal, k)(*a)) for k, a in calls.items()}
    finally:
        beds._core.set_simd_level(previous)
    levels = list(results)
    for level in levels[1:]:
        for k in calls:
            a, b = results[level][k], results[levels[0]][k]
            scale = np.abs(b).sum(axis=0)  # per element: the size of the whole (vector) output
            assert np.all(np.abs(a - b) <= 1e-13 * scale), (k, float(np.max(np.abs(a - b) / scale)))
