"""Mean-field (diagonal) normal beliefs: the product of d half-planes (docs page mathematics/diag_normal).

The reference for every quantity is the univariate normal (``beds.normal``, itself checked against
mpmath in test_normal.py) combined by the product rule, plus an mpmath check of the distance.
"""

from __future__ import annotations

import math

import beds
import mpmath as mp
import numpy as np
import pytest

EPS = 2.0**-52


def _batch(rng, shape, scale=1.0):
    m1 = rng.normal(size=shape) * 2 * scale
    m2 = rng.normal(size=shape) * 2 * scale
    s1 = np.exp(rng.normal(size=shape) * scale)
    s2 = np.exp(rng.normal(size=shape) * scale)
    return m1, s1, m2, s2


# ============================================================================ reference values
def test_math_md_test_vector_product_distance():
    # mu (0,0) -> (1,1), Sigma = I: 1.38629 in the diagonal model (= 2 ln 2; 1.36107 in the full manifold)
    d = beds.diag_normal.distance([0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0])
    assert round(float(d), 5) == 1.38629
    assert float(d) == pytest.approx(2 * math.log(2), rel=4 * EPS)
    p = beds.DiagNormal(mean=np.zeros(2), std=np.ones(2))
    q = beds.DiagNormal(mean=np.ones(2), std=np.ones(2))
    assert float(beds.distance(p, q)) == pytest.approx(2 * math.log(2), rel=4 * EPS)
    assert float(beds.distance(p, q)) > 1.36107  # an upper bound of the full-covariance distance


@pytest.mark.slow
def test_distance_matches_mpmath(simd_level):
    rng = np.random.default_rng(3)
    m1, s1, m2, s2 = _batch(rng, (40, 5), scale=3.0)
    got = beds.diag_normal.distance(m1, s1, m2, s2)
    worst = 0.0
    with mp.workdps(40):
        for i in range(m1.shape[0]):
            sq = mp.mpf(0)
            for a, b, c, e in zip(m1[i], s1[i], m2[i], s2[i]):
                a, b, c, e = (mp.mpf(float(x)) for x in (a, b, c, e))
                sq += 2 * mp.acosh(1 + ((a - c) ** 2 / 2 + (b - e) ** 2) / (2 * b * e)) ** 2
            exact = mp.sqrt(sq)
            worst = max(worst, float(abs((mp.mpf(float(got[i])) - exact) / exact)))
    assert worst <= 16 * EPS, f"simd={simd_level}: max relative error {worst / EPS:.2f} ulp"


# ============================================================================ product structure
def test_distance_squared_is_sum_of_coordinate_distances_squared(rng, simd_level):
    m1, s1, m2, s2 = _batch(rng, (6, 4, 9))
    d = beds.diag_normal.distance(m1, s1, m2, s2)
    assert d.shape == (6, 4)
    per = beds.normal.distance(m1, s1, m2, s2)
    np.testing.assert_allclose(d**2, np.sum(per**2, axis=-1), rtol=1e-13)


@pytest.mark.parametrize("name", ["kl", "jeffreys"])
def test_divergences_are_sums_over_coordinates(rng, name):
    m1, s1, m2, s2 = _batch(rng, (7, 11))
    got = getattr(beds.diag_normal, name)(m1, s1, m2, s2)
    ref = getattr(beds.normal, name)(m1, s1, m2, s2).sum(axis=-1)
    assert got.shape == (7,)
    np.testing.assert_allclose(got, ref, rtol=1e-13)
    p, q = beds.DiagNormal(m1, s1), beds.DiagNormal(m2, s2)
    np.testing.assert_allclose(getattr(beds, name)(p, q), ref, rtol=1e-13)


def test_entropy_is_sum_over_coordinates(rng):
    s = np.exp(rng.normal(size=(5, 6)) * 3)
    got = beds.diag_normal.entropy(s)
    ref = np.array([math.fsum(r) for r in beds.normal.entropy(s)])
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got, 6 * 0.5 * math.log(2 * math.pi * math.e) + np.log(s).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(beds.entropy(beds.DiagNormal(np.zeros_like(s), s)), ref, rtol=1e-13, atol=1e-13)


def test_inner_is_sum_over_coordinates_and_matches_metric(rng):
    d = 4
    s = np.exp(rng.normal(size=(3, d)))
    um, us, vm, vs = rng.normal(size=(4, 3, d))
    got = beds.diag_normal.inner(s, um, us, vm, vs)
    ref = beds.normal.inner(s, um, us, vm, vs).sum(axis=-1)
    np.testing.assert_allclose(got, ref, rtol=1e-13)
    np.testing.assert_allclose(got, ((um * vm + 2 * us * vs) / s**2).sum(-1), rtol=1e-13)
    p = beds.DiagNormal(rng.normal(size=(3, d)), s)
    u, v = p.tangent(mean=um, std=us), p.tangent(mean=vm, std=vs)
    np.testing.assert_allclose(beds.inner(u, v), ref, rtol=1e-13)
    np.testing.assert_allclose(beds.norm(u) ** 2, beds.diag_normal.inner(s, um, us, um, us), rtol=1e-13)
    G = beds.metric(p)  # coordinates (mean_1..mean_d, std_1..std_d)
    assert G.shape == (3, 2 * d, 2 * d)
    uu, vv = np.concatenate([um, us], -1), np.concatenate([vm, vs], -1)
    np.testing.assert_allclose(np.einsum("bi,bij,bj->b", uu, G, vv), ref, rtol=1e-12)


def test_exp_log_geodesic_transport_are_coordinatewise(rng):
    m1, s1, m2, s2 = _batch(rng, (5, 3))
    p, q = beds.DiagNormal(m1, s1), beds.DiagNormal(m2, s2)
    v = beds.log(p, q)
    vm, vs = beds.normal.log(m1, s1, m2, s2)
    np.testing.assert_allclose(v.mean, vm, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(v.std, vs, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(beds.norm(v), beds.distance(p, q), rtol=1e-12)
    r = beds.exp(v)
    assert isinstance(r, beds.DiagNormal)
    np.testing.assert_allclose(r.mean, m2, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r.std, s2, rtol=1e-10)
    t = 0.3
    g = beds.geodesic(p, q, t)
    gm, gs = beds.normal.geodesic(m1, s1, m2, s2, t)
    np.testing.assert_allclose(g.mean, gm, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(g.std, gs, rtol=1e-14)
    np.testing.assert_allclose(beds.distance(p, g), t * beds.distance(p, q), rtol=1e-10)
    w = beds.transport(v, q)
    wm, ws = beds.normal.transport(m1, s1, m2, s2, v.mean, v.std)
    np.testing.assert_allclose(w.mean, wm, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(w.std, ws, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(beds.norm(w), beds.norm(v), rtol=1e-12)


def test_geodesic_path_of_points_per_belief(rng):
    m1, s1, m2, s2 = _batch(rng, (4, 3))
    p, q = beds.DiagNormal(m1, s1), beds.DiagNormal(m2, s2)
    ts = np.linspace(0, 1, 5)
    path = beds.geodesic(p, q, ts[:, None])
    assert path.batch_shape == (5, 4)
    assert path.mean.shape == (5, 4, 3)
    d = beds.distance(p, q)
    for k, t in enumerate(ts):
        np.testing.assert_allclose(beds.distance(p, path[k]), t * d, rtol=1e-10, atol=1e-12)


# ============================================================================ Karcher mean
def test_karcher_mean_is_coordinatewise_normal_mean(rng):
    n, d = 30, 4
    m, s = rng.normal(size=(n, d)), np.exp(rng.normal(size=(n, d)))
    w = rng.uniform(0.2, 2.0, n)
    P = beds.DiagNormal(m, s)
    for weights in (None, w):
        mean = beds.karcher_mean(P, weights=weights)
        assert isinstance(mean, beds.DiagNormal) and mean.batch_shape == () and mean.dim == d
        for j in range(d):
            mu, sd, it = beds.normal.karcher_mean(m[:, j], s[:, j], weights, return_iterations=True)
            assert it > 0
            assert float(mean.mean[j]) == pytest.approx(float(mu), rel=1e-12, abs=1e-14)
            assert float(mean.std[j]) == pytest.approx(float(sd), rel=1e-12)


def test_karcher_mean_over_one_batch_axis(rng):
    m, s = rng.normal(size=(3, 10, 2)), np.exp(rng.normal(size=(3, 10, 2)))
    mean = beds.karcher_mean(beds.DiagNormal(m, s), axis=1)
    assert mean.batch_shape == (3,) and mean.mean.shape == (3, 2)
    mu, sd = beds.normal.karcher_mean(np.swapaxes(m, 1, 2), np.swapaxes(s, 1, 2))
    np.testing.assert_allclose(mean.mean, mu, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mean.std, sd, rtol=1e-12)


def test_karcher_mean_float32(rng):
    m = rng.normal(size=(12, 3)).astype(np.float32)
    s = np.exp(rng.normal(size=(12, 3))).astype(np.float32)
    mean = beds.karcher_mean(beds.DiagNormal(m, s))
    assert mean.dtype == np.float32
    ref = beds.karcher_mean(beds.DiagNormal(m.astype(np.float64), s.astype(np.float64)))
    np.testing.assert_allclose(mean.mean, ref.mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mean.std, ref.std, rtol=1e-6)


# ============================================================================ shapes and layouts
@pytest.mark.parametrize("name", ["distance", "kl", "jeffreys"])
def test_noncontiguous_inputs_match_contiguous(rng, name):
    fn = getattr(beds.diag_normal, name)
    n, d = 9, 6
    big = [
        rng.normal(size=(d, n)),
        np.exp(rng.normal(size=(d, n))),
        rng.normal(size=(d, n)),
        np.exp(rng.normal(size=(d, n))),
    ]
    transposed = [a.T for a in big]  # (n, d), last axis strided
    contiguous = [np.ascontiguousarray(a) for a in transposed]
    ref = fn(*contiguous)
    np.testing.assert_array_equal(fn(*transposed), ref)
    wide = [np.repeat(a, 2, axis=1) for a in contiguous]  # every other column: stride 2 elements
    np.testing.assert_array_equal(fn(*(a[:, ::2] for a in wide)), ref)
    rev = [a[::-1] for a in contiguous]  # negative batch stride
    np.testing.assert_array_equal(fn(*rev), ref[::-1])
    fortran = [np.asfortranarray(a) for a in contiguous]
    np.testing.assert_array_equal(fn(*fortran), ref)


def test_noncontiguous_entropy_inner_and_objects(rng):
    d, n = 5, 7
    s = np.exp(rng.normal(size=(d, n))).T
    u = rng.normal(size=(d, n)).T
    ref_e = beds.diag_normal.entropy(np.ascontiguousarray(s))
    np.testing.assert_array_equal(beds.diag_normal.entropy(s), ref_e)
    ref_i = beds.diag_normal.inner(*(np.ascontiguousarray(a) for a in (s, u, u, u, s)))
    np.testing.assert_array_equal(beds.diag_normal.inner(s, u, u, u, s), ref_i)
    P = beds.DiagNormal(u, s)
    Q = beds.DiagNormal(np.ascontiguousarray(u), np.ascontiguousarray(s))
    R = beds.DiagNormal(np.zeros(d), np.ones(d))
    np.testing.assert_array_equal(beds.distance(P, R), beds.distance(Q, R))
    np.testing.assert_array_equal(beds.log(P, R).mean, beds.log(Q, R).mean)


def test_single_coordinate_equals_normal(rng):
    m1, s1, m2, s2 = _batch(rng, (20, 1))
    np.testing.assert_allclose(
        beds.diag_normal.distance(m1, s1, m2, s2), beds.normal.distance(m1, s1, m2, s2)[:, 0], rtol=2 * EPS
    )
    np.testing.assert_allclose(beds.diag_normal.kl(m1, s1, m2, s2), beds.normal.kl(m1, s1, m2, s2)[:, 0], rtol=2 * EPS)
    np.testing.assert_allclose(beds.diag_normal.entropy(s1), beds.normal.entropy(s1)[:, 0], rtol=2 * EPS)
    p, q = beds.DiagNormal(m1, s1), beds.DiagNormal(m2, s2)
    np.testing.assert_allclose(
        beds.distance(p, q),
        beds.distance(beds.Normal(m1[:, 0], s1[:, 0]), beds.Normal(m2[:, 0], s2[:, 0])),
        rtol=2 * EPS,
    )


def test_large_dimension(rng):
    d = 200_003
    m1, s1, m2, s2 = _batch(rng, (d,))
    dist = float(beds.diag_normal.distance(m1, s1, m2, s2))
    ref = math.sqrt(math.fsum(beds.normal.distance(m1, s1, m2, s2) ** 2))
    assert dist == pytest.approx(ref, rel=1e-13)
    assert float(beds.diag_normal.kl(m1, s1, m2, s2)) == pytest.approx(
        math.fsum(beds.normal.kl(m1, s1, m2, s2)), rel=1e-13
    )
    assert float(beds.diag_normal.jeffreys(m1, s1, m2, s2)) == pytest.approx(
        math.fsum(beds.normal.jeffreys(m1, s1, m2, s2)), rel=1e-13
    )
    # a batch of two large beliefs, so that the gufunc's outer loop runs too
    two = beds.diag_normal.distance(np.stack([m1, m2]), np.stack([s1, s2]), m2, s2)
    assert float(two[0]) == pytest.approx(ref, rel=1e-13) and float(two[1]) == 0.0


def test_batch_shapes_broadcast(rng):
    d = 3
    a = beds.DiagNormal(rng.normal(size=(3, 1, d)), np.exp(rng.normal(size=(3, 1, d))))
    b = beds.DiagNormal(rng.normal(size=(4, d)), np.exp(rng.normal(size=(4, d))))
    assert a.batch_shape == (3, 1) and b.batch_shape == (4,)
    dist = beds.distance(a, b)
    assert dist.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            ref = beds.diag_normal.distance(a.mean[i, 0], a.std[i, 0], b.mean[j], b.std[j])
            assert float(dist[i, j]) == float(ref)
    assert beds.kl(a, b).shape == beds.jeffreys(a, b).shape == (3, 4)
    v = beds.log(a, b)
    assert v.mean.shape == (3, 4, d) and v.base.batch_shape == (3, 4)
    np.testing.assert_allclose(beds.norm(v), dist, rtol=1e-12)
    assert beds.geodesic(a, b, 0.5).batch_shape == (3, 4)
    # parameters broadcast too: a shared std vector
    c = beds.DiagNormal(rng.normal(size=(5, d)), np.ones(d))
    assert c.batch_shape == (5,) and c.std.shape == (5, d)
    with pytest.raises(ValueError):
        beds.distance(beds.DiagNormal(np.zeros(3), np.ones(3)), beds.DiagNormal(np.zeros(4), np.ones(4)))


# ============================================================================ dtypes
@pytest.mark.parametrize("name", ["distance", "kl", "jeffreys"])
def test_float32_in_float32_out_close_to_float64(rng, name):
    m1, s1, m2, s2 = (a.astype(np.float32) for a in _batch(rng, (50, 16)))
    fn = getattr(beds.diag_normal, name)
    got = fn(m1, s1, m2, s2)
    assert got.dtype == np.float32
    ref = fn(*(a.astype(np.float64) for a in (m1, s1, m2, s2)))
    np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_float32_entropy_inner_and_objects(rng):
    s = np.exp(rng.normal(size=(4, 8))).astype(np.float32)
    u = rng.normal(size=(4, 8)).astype(np.float32)
    e = beds.diag_normal.entropy(s)
    assert e.dtype == np.float32
    np.testing.assert_allclose(e, beds.diag_normal.entropy(s.astype(np.float64)), rtol=1e-6, atol=1e-6)
    i = beds.diag_normal.inner(s, u, u, u, u)
    assert i.dtype == np.float32
    np.testing.assert_allclose(i, beds.diag_normal.inner(*(a.astype(np.float64) for a in (s, u, u, u, u))), rtol=1e-6)
    p, q = beds.DiagNormal(u, s), beds.DiagNormal(np.zeros(8, np.float32), np.ones(8, np.float32))
    assert p.dtype == np.float32 and beds.distance(p, q).dtype == np.float32
    v = beds.log(p, q)
    assert v.mean.dtype == v.std.dtype == np.float32
    assert beds.exp(v).dtype == np.float32
    assert beds.transport(v, q).mean.dtype == np.float32
    assert beds.geodesic(p, q, np.float32(0.5)).dtype == np.float32
    np.testing.assert_allclose(
        beds.distance(p, q), beds.distance(p.astype(np.float64), q.astype(np.float64)), rtol=1e-6
    )


@pytest.mark.parametrize("t", [0.5, 1])
def test_float32_geodesic_with_python_scalar_t_stays_float32(t):
    # As for beds.Normal (and as Belief.geodesic documents: "a Python scalar stays weak"), a Python
    # scalar t must not promote a float32 DiagNormal batch to float64.
    p = beds.DiagNormal(np.zeros((2, 3), np.float32), np.ones(3, np.float32))
    q = beds.DiagNormal(np.ones(3, np.float32), np.full(3, 2, np.float32))
    normal = beds.geodesic(beds.Normal(p.mean, p.std), beds.Normal(q.mean, q.std), t)
    assert normal.dtype == np.float32
    g = beds.geodesic(p, q, t)
    assert g.dtype == np.float32, f"geodesic(float32 DiagNormal, t={t!r}) has dtype {g.dtype}"


def test_integer_inputs_give_float64():
    d = beds.diag_normal.distance([0, 0], [1, 1], [1, 1], [1, 1])
    assert d.dtype == np.float64 and float(d) == pytest.approx(2 * math.log(2), rel=4 * EPS)
    assert beds.diag_normal.kl([0, 0], [1, 1], [1, 1], [1, 2]).dtype == np.float64
    assert beds.diag_normal.entropy(np.array([1, 2])).dtype == np.float64
    p = beds.DiagNormal([0, 1], [1, 2])
    assert p.dtype == np.float64
    assert beds.distance(p, beds.DiagNormal([1, 1], [1, 1])).dtype == np.float64
