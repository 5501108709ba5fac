"""Multivariate normal beliefs: closed forms, bounds, exact geodesics and geodesic shooting.

Oracles: the reference vector (docs: mathematics/mvnormal), the univariate family (d = 1), closed forms (same mean, same
covariance), mpmath (40-digit matrix exponentials and eigenvalues), scipy's ODE integration of the
geodesic equations (Skovgaard 1984) and of the Levi-Civita connection (parallel transport, with
Christoffel symbols from finite differences of the metric), a numpy fixed-point iteration for
the Riemannian mean of covariances, and identities (affine invariance, symmetry, triangle
inequality, exp(log) = id, bounds bracketing the distance, isometry of the transport), also as
hypothesis property tests over the float range.
"""

from __future__ import annotations

import warnings

import beds
import mpmath as mp
import numpy as np
import pytest
from _child import run as run_child
from beds import mvnormal as mv
from beds._mvnormal_numpy import _karcher_shooting
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

S1 = np.array([[1.0, 0.2], [0.2, 0.5]])
S2 = np.array([[0.6, -0.1], [-0.1, 1.4]])
M1 = np.zeros(2)
M2 = np.array([1.0, -1.0])


def spd(rng, n, d, spread=1.0, cond=None):
    """Random SPD matrices (n, d, d): Q diag(exp(spread * z)) Q^T, or a fixed condition number."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, d, d)))
    if cond is None:
        ev = np.exp(spread * rng.standard_normal((n, d)))
    else:
        ev = np.exp(rng.uniform(0, np.log(cond), (n, d)))
        ev[:, 0] = 1.0
        ev[:, -1] = cond
    S = Q @ (ev[..., None] * np.swapaxes(Q, -1, -2))
    return 0.5 * (S + np.swapaxes(S, -1, -2))


def pairs(rng, n, d, spread=0.7, mscale=1.0):
    return (
        mscale * rng.standard_normal((n, d)),
        spd(rng, n, d, spread),
        mscale * rng.standard_normal((n, d)),
        spd(rng, n, d, spread),
    )


# ------------------------------------------------------------------------ test vectors
def test_math_md_vector():
    info = mv.distance(M1, S1, M2, S2, return_info=True)
    assert abs(info.distance - 1.80759522003692) < 1e-13
    assert abs(info.lower - 1.754847) < 1e-6
    assert abs(info.upper - 2.022140) < 1e-6
    assert info.converged and info.iterations > 0
    lo, up = mv.bounds(M1, S1, M2, S2)
    assert lo == info.lower and up == info.upper


def test_math_md_diagonal_and_same_cov_values():
    # mu (0,0) -> (1,1), Sigma = I: 1.36107 in the full manifold (1.38629 for the mean-field model)
    d = mv.distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
    assert abs(d - np.sqrt(2) * np.arccosh(1.5)) < 1e-13
    assert round(float(d), 5) == 1.36107
    assert round(float(beds.diag_normal.distance(np.zeros(2), np.ones(2), np.ones(2), np.ones(2))), 5) == 1.38629
    # D = 1.3 -> 1.2581013
    assert abs(mv.same_cov_distance([0.0], [[1.0]], [1.3]) - 1.2581012701290968) < 1e-14


def test_d1_agrees_with_normal(rng):
    n = 300
    m1, m2 = rng.standard_normal(n) * 3, rng.standard_normal(n) * 3
    s1, s2 = np.exp(rng.standard_normal(n)), np.exp(rng.standard_normal(n))
    ref = beds.normal.distance(m1, s1, m2, s2)
    got = mv.distance(m1[:, None], (s1**2)[:, None, None], m2[:, None], (s2**2)[:, None, None])
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    kl = mv.kl(m1[:, None], (s1**2)[:, None, None], m2[:, None], (s2**2)[:, None, None])
    np.testing.assert_allclose(kl, beds.normal.kl(m1, s1, m2, s2), rtol=1e-13)
    # log map: v_cov = d(sigma^2) = 2 sigma v_std
    x, B = mv.log(m1[:, None], (s1**2)[:, None, None], m2[:, None], (s2**2)[:, None, None])
    vm, vs = beds.normal.log(m1, s1, m2, s2)
    np.testing.assert_allclose(x[:, 0], vm, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(B[:, 0, 0], 2 * s1 * vs, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("d", [2, 3, 4, 5, 8])
def test_same_mean_and_same_cov_closed_forms(rng, d):
    n = 40
    _, Sa, m, Sb = pairs(rng, n, d)
    sm = mv.same_mean_distance(Sa, Sb)
    # independent: generalized eigenvalues by scipy
    import scipy.linalg as sl

    ref = np.array([np.sqrt(0.5 * np.sum(np.log(sl.eigh(b, a, eigvals_only=True)) ** 2)) for a, b in zip(Sa, Sb)])
    np.testing.assert_allclose(sm, ref, rtol=1e-12)
    np.testing.assert_allclose(mv.distance(m, Sa, m, Sb), sm, rtol=1e-12)
    m2 = m + rng.standard_normal((n, d))
    sc = mv.same_cov_distance(m, Sa, m2)
    D = np.sqrt(np.einsum("ni,ni->n", m2 - m, np.linalg.solve(Sa, (m2 - m)[..., None])[..., 0]))
    np.testing.assert_allclose(sc, np.sqrt(2) * np.arccosh(1 + D**2 / 4), rtol=1e-12)
    np.testing.assert_allclose(mv.distance(m, Sa, m2, Sa), sc, rtol=1e-12)


def test_diagonal_same_mean_equals_mean_field(rng):
    d, n = 4, 50
    s1, s2 = np.exp(rng.standard_normal((n, d))), np.exp(rng.standard_normal((n, d)))
    m = rng.standard_normal((n, d))
    got = mv.distance(m, np.apply_along_axis(np.diag, -1, s1**2), m, np.apply_along_axis(np.diag, -1, s2**2))
    np.testing.assert_allclose(got, beds.diag_normal.distance(m, s1, m, s2), rtol=1e-12)
    # different means: the full manifold is shorter than the product of half-planes
    m2 = m + rng.standard_normal((n, d))
    full = mv.distance(m, np.apply_along_axis(np.diag, -1, s1**2), m2, np.apply_along_axis(np.diag, -1, s2**2))
    assert (full <= beds.diag_normal.distance(m, s1, m2, s2) * (1 + 1e-12)).all()


# ------------------------------------------------------------------------ identities
@pytest.mark.parametrize("d", [2, 3, 4, 6])
def test_invariance_symmetry_bounds(rng, d):
    n = 60
    ma, Sa, mb, Sb = pairs(rng, n, d)
    info = mv.distance(ma, Sa, mb, Sb, return_info=True)
    assert info.converged.all()
    assert (info.lower <= info.distance * (1 + 1e-13)).all() and (info.distance <= info.upper * (1 + 1e-13)).all()
    back = mv.distance(mb, Sb, ma, Sa)
    np.testing.assert_allclose(back, info.distance, rtol=1e-11)
    A = rng.standard_normal((n, d, d)) + 2 * np.eye(d)
    b = rng.standard_normal((n, d))
    tr = lambda m, S: (np.einsum("nij,nj->ni", A, m) + b, A @ S @ np.swapaxes(A, -1, -2))  # noqa: E731
    got = mv.distance(*tr(ma, Sa), *tr(mb, Sb))
    np.testing.assert_allclose(got, info.distance, rtol=1e-10)


def test_triangle_inequality(rng):
    n, d = 100, 3
    ma, Sa, mb, Sb = pairs(rng, n, d)
    mc, Sc = rng.standard_normal((n, d)), spd(rng, n, d)
    ab, bc, ac = mv.distance(ma, Sa, mb, Sb), mv.distance(mb, Sb, mc, Sc), mv.distance(ma, Sa, mc, Sc)
    assert (ac <= ab + bc + 1e-12).all()
    # and a tight case: the geodesic midpoint splits the distance in halves
    mm, Sm = mv.geodesic(ma, Sa, mb, Sb, 0.5)
    np.testing.assert_allclose(mv.distance(ma, Sa, mm, Sm), 0.5 * ab, rtol=1e-10)
    np.testing.assert_allclose(mv.distance(mm, Sm, mb, Sb), 0.5 * ab, rtol=1e-10)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 7, 12])
def test_exp_log_roundtrip(rng, d):
    n = 30
    ma, Sa, mb, Sb = pairs(rng, n, d)
    x, B = mv.log(ma, Sa, mb, Sb)
    assert np.allclose(B, np.swapaxes(B, -1, -2), rtol=0, atol=1e-13 * np.abs(B).max())
    m2, S2_ = mv.exp(ma, Sa, x, B)
    np.testing.assert_allclose(m2, mb, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(S2_, Sb, rtol=1e-10, atol=1e-10 * np.abs(Sb).max())
    # |log| = distance
    np.testing.assert_allclose(np.sqrt(mv.inner(Sa, x, B, x, B)), mv.distance(ma, Sa, mb, Sb), rtol=1e-12)
    # the geodesic through points at t: distance t d
    t = np.linspace(-0.5, 1.5, n)
    mt, St = mv.geodesic(ma, Sa, mb, Sb, t)
    np.testing.assert_allclose(
        mv.distance(ma, Sa, mt, St), np.abs(t) * mv.distance(ma, Sa, mb, Sb), rtol=1e-9, atol=1e-12
    )


# ------------------------------------------------------------------------ independent oracles
def _mp_exp_at_identity(x, B):
    """Eriksen's geodesic at t = 1 with mpmath at 40 digits."""
    with mp.workdps(40):
        d = len(x)
        A = mp.zeros(2 * d + 1, 2 * d + 1)
        for i in range(d):
            A[i, d] = A[d, i] = mp.mpf(x[i])
            A[d, d + 1 + i] = A[d + 1 + i, d] = -mp.mpf(x[i])
            for j in range(d):
                A[i, j] = -mp.mpf(B[i, j])
                A[d + 1 + i, d + 1 + j] = mp.mpf(B[i, j])
        L = mp.expm(A)
        Delta = mp.matrix([[L[i, j] for j in range(d)] for i in range(d)])
        delta = mp.matrix([L[d, j] for j in range(d)])
        S = mp.inverse(Delta)
        mu = S * delta
        return (
            np.array([float(mu[i]) for i in range(d)]),
            np.array([[float(S[i, j]) for j in range(d)] for i in range(d)]),
        )


@pytest.mark.parametrize("d", [2, 3])
def test_exp_against_mpmath_expm(rng, d):
    for _ in range(4):
        x = rng.standard_normal(d)
        B = rng.standard_normal((d, d))
        B = 0.5 * (B + B.T)
        m_ref, S_ref = _mp_exp_at_identity(x, B)
        m, S = mv.exp(np.zeros(d), np.eye(d), x, B)
        np.testing.assert_allclose(m, m_ref, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(S, S_ref, rtol=1e-13, atol=1e-14 * np.abs(S_ref).max())


@pytest.mark.parametrize("d", [2, 3])
def test_log_hits_target_in_mpmath(rng, d):
    """The shooting solution, exponentiated at 40 digits, lands on the target: |v| is the length of
    a geodesic from p to q, certified by the bounds."""
    for _ in range(3):
        m, S = rng.standard_normal(d), spd(rng, 1, d)[0]
        x, B = mv.log(np.zeros(d), np.eye(d), m, S)
        m_ref, S_ref = _mp_exp_at_identity(x, B)
        np.testing.assert_allclose(m_ref, m, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(S_ref, S, rtol=1e-13, atol=1e-14)


def test_exp_against_geodesic_ode(rng):
    """Skovgaard's geodesic equations  mu'' = S' S^-1 mu',  S'' = S' S^-1 S' - mu' mu'^T,
    integrated by scipy (independent of the matrix-exponential solution)."""
    from scipy.integrate import solve_ivp

    d = 3
    for _ in range(3):
        mu0 = rng.standard_normal(d)
        S0 = spd(rng, 1, d, 0.5)[0]
        x = 0.7 * rng.standard_normal(d)
        B = 0.5 * rng.standard_normal((d, d))
        B = 0.5 * (B + B.T)

        def rhs(t, y):
            _, S = y[:d], y[d : d + d * d].reshape(d, d)
            dmu, dS = y[d + d * d : 2 * d + d * d], y[2 * d + d * d :].reshape(d, d)
            Si = np.linalg.inv(S)
            ddmu = dS @ Si @ dmu
            ddS = dS @ Si @ dS - np.outer(dmu, dmu)
            return np.concatenate([dmu, dS.ravel(), ddmu, ddS.ravel()])

        y0 = np.concatenate([mu0, S0.ravel(), x, B.ravel()])
        sol = solve_ivp(rhs, (0, 1), y0, method="DOP853", rtol=1e-13, atol=1e-13)
        m_ref, S_ref = sol.y[:d, -1], sol.y[d : d + d * d, -1].reshape(d, d)
        m, S = mv.exp(mu0, S0, x, B)
        np.testing.assert_allclose(m, m_ref, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(S, S_ref, rtol=1e-9, atol=1e-10)


def _mp_same_mean(Sa, Sb):
    with mp.workdps(50):
        A = mp.matrix(Sa.tolist())
        Bm = mp.matrix(Sb.tolist())
        L = mp.cholesky(A)
        Li = mp.inverse(L)
        M = Li * Bm * Li.T
        ev = mp.eigsy(M, eigvals_only=True)
        return float(mp.sqrt(sum(mp.log(e) ** 2 for e in ev) / 2))


@pytest.mark.parametrize("d", [3, 10])
def test_same_mean_near_pairs_vs_mpmath(rng, d):
    n = 12 if d == 3 else 6
    Sa = spd(rng, n, d)
    worst = 0.0
    for eps in (1e-4, 1e-8, 1e-12):
        E = rng.standard_normal((n, d, d))
        Sb = Sa + eps * (E + np.swapaxes(E, -1, -2)) * np.abs(Sa).max(axis=(1, 2))[:, None, None]
        got = mv.same_mean_distance(Sa, Sb)
        ref = np.array([_mp_same_mean(a, b) for a, b in zip(Sa, Sb)])
        worst = max(worst, float(np.max(np.abs(got - ref) / ref)))
        # the general distance inherits the accuracy (same-mean start is exact)
        gen = mv.distance(np.zeros(d), Sa, np.zeros(d), Sb)
        np.testing.assert_allclose(gen, ref, rtol=1e-12)
    assert worst < 1e-13


def test_near_pairs_general(rng):
    """Pairs 1e-9 apart in mean and covariance: the difference formulation keeps the distance
    accurate (checked against the sqrt(Jeffreys) bound, which agrees to second order)."""
    d, n = 3, 20
    ma, Sa = rng.standard_normal((n, d)), spd(rng, n, d)
    E = rng.standard_normal((n, d, d))
    Sb = Sa + 1e-9 * (E + np.swapaxes(E, -1, -2))
    mb = ma + 1e-9 * rng.standard_normal((n, d))
    info = mv.distance(ma, Sa, mb, Sb, return_info=True)
    assert info.converged.all()
    np.testing.assert_allclose(info.distance, info.upper, rtol=1e-7)
    np.testing.assert_allclose(info.distance, info.lower, rtol=1e-7)


def test_ill_conditioned_10x10(rng):
    d, n = 10, 8
    Sa, Sb = spd(rng, n, d, cond=1e8), spd(rng, n, d, cond=1e8)
    sm = mv.same_mean_distance(Sa, Sb)
    ref = np.array([_mp_same_mean(a, b) for a, b in zip(Sa, Sb)])
    np.testing.assert_allclose(sm, ref, rtol=1e-9)
    ma, mb = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    # condition number 1e4: the shooting converges and is certified by the bounds
    Sa4, Sb4 = spd(rng, n, d, cond=1e4), spd(rng, n, d, cond=1e4)
    info = mv.distance(ma, Sa4, mb, Sb4, return_info=True)
    assert info.converged.all()
    assert (info.lower <= info.distance * (1 + 1e-10)).all() and (info.distance <= info.upper * (1 + 1e-10)).all()
    x, B = mv.log(ma, Sa4, mb, Sb4)
    m2, S2_ = mv.exp(ma, Sa4, x, B)
    np.testing.assert_allclose(S2_, Sb4, rtol=1e-7, atol=1e-9 * np.abs(Sb4).max())
    # condition number 1e8 (distances about 20): each pair converges (and is bracketed) or is
    # flagged with a ConvergenceWarning, never a silent value
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        info = mv.distance(ma, Sa, mb, Sb, return_info=True)
    ok = info.converged
    assert (info.lower[ok] <= info.distance[ok] * (1 + 1e-10)).all() and (info.distance[ok] <= info.upper[ok]).all()
    assert ok.all() or any(issubclass(w.category, beds.ConvergenceWarning) for w in rec)


# ------------------------------------------------------------------------ divergences etc.
def test_kl_jeffreys_entropy_against_formulas(rng):
    from scipy.stats import multivariate_normal

    d, n = 4, 20
    ma, Sa, mb, Sb = pairs(rng, n, d)
    Sbi = np.linalg.inv(Sb)
    dm = mb - ma
    ref = 0.5 * (
        np.trace(Sbi @ Sa, axis1=1, axis2=2)
        - d
        + np.einsum("ni,nij,nj->n", dm, Sbi, dm)
        + np.linalg.slogdet(Sb)[1]
        - np.linalg.slogdet(Sa)[1]
    )
    np.testing.assert_allclose(mv.kl(ma, Sa, mb, Sb), ref, rtol=1e-11)
    np.testing.assert_allclose(mv.jeffreys(ma, Sa, mb, Sb), mv.kl(ma, Sa, mb, Sb) + mv.kl(mb, Sb, ma, Sa), rtol=1e-12)
    ent = [multivariate_normal(m, S).entropy() for m, S in zip(ma, Sa)]
    np.testing.assert_allclose(mv.entropy(Sa), ent, rtol=1e-13)


def test_kl_near_pairs_vs_mpmath(rng):
    d = 3
    Sa = spd(rng, 1, d)[0]
    E = rng.standard_normal((d, d))
    Sb = Sa + 1e-7 * (E + E.T)
    ma, mb = np.zeros(d), 1e-7 * rng.standard_normal(d)
    with mp.workdps(50):
        A, B = mp.matrix(Sa.tolist()), mp.matrix(Sb.tolist())
        Bi = mp.inverse(B)
        dm = mp.matrix((mb - ma).tolist())
        tr = sum((Bi * A)[i, i] for i in range(d))
        ref = float((tr - d + (dm.T * Bi * dm)[0] + mp.log(mp.det(B) / mp.det(A))) / 2)
    assert abs(mv.kl(ma, Sa, mb, Sb) - ref) <= 1e-12 * ref


def test_inner_and_metric(rng):
    d, n = 3, 10
    _, S, _, _ = pairs(rng, n, d)
    x1, x2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    B1, B2 = rng.standard_normal((n, d, d)), rng.standard_normal((n, d, d))
    B1, B2 = B1 + np.swapaxes(B1, 1, 2), B2 + np.swapaxes(B2, 1, 2)
    P = np.linalg.inv(S)
    ref = np.einsum("ni,nij,nj->n", x1, P, x2) + 0.5 * np.trace(P @ B1 @ P @ B2, axis1=1, axis2=2)
    np.testing.assert_allclose(mv.inner(S, x1, B1, x2, B2), ref, rtol=1e-12)
    G = mv.metric(S)
    ii, jj = np.tril_indices(d)
    c1 = np.concatenate([x1, B1[:, ii, jj]], axis=1)
    c2 = np.concatenate([x2, B2[:, ii, jj]], axis=1)
    np.testing.assert_allclose(np.einsum("ni,nij,nj->n", c1, G, c2), ref, rtol=1e-11)


def test_nielsen(rng):
    v, seg = mv.distance_nielsen(M1, S1, M2, S2, tol=1e-9, return_segments=True)
    assert seg > 0
    exact = 1.80759522003692
    assert exact <= v <= exact * 1.002
    ma, Sa, mb, Sb = pairs(rng, 20, 3)
    info = mv.distance(ma, Sa, mb, Sb, return_info=True)
    ni = mv.distance_nielsen(ma, Sa, mb, Sb, tol=1e-7)
    assert (ni >= info.distance * (1 - 1e-6)).all() and (ni <= info.upper * (1 + 1e-9)).all()
    # same mean: the projected SPD geodesic is the geodesic, so Nielsen's sum converges to it
    np.testing.assert_allclose(mv.distance_nielsen(ma, Sa, ma, Sb, tol=1e-8), mv.same_mean_distance(Sa, Sb), rtol=1e-6)


# ------------------------------------------------------------------------ belief objects
def test_belief_object_api(rng):
    n, d = 5, 3
    ma, Sa, mb, Sb = pairs(rng, n, d)
    p, q = beds.MVNormal(ma, Sa), beds.MVNormal(mb, Sb)
    assert p.batch_shape == (n,) and p.dim == d and len(p) == n
    np.testing.assert_array_equal(beds.distance(p, q), mv.distance(ma, Sa, mb, Sb))
    np.testing.assert_array_equal(beds.kl(p, q), mv.kl(ma, Sa, mb, Sb))
    np.testing.assert_array_equal(beds.jeffreys(p, q), mv.jeffreys(ma, Sa, mb, Sb))
    np.testing.assert_array_equal(beds.entropy(p), mv.entropy(Sa))
    v = beds.log(p, q)
    assert v.mean.shape == (n, d) and v.cov.shape == (n, d, d)
    np.testing.assert_allclose(beds.norm(v), beds.distance(p, q), rtol=1e-12)
    r = beds.exp(v)
    np.testing.assert_allclose(r.cov, q.cov, rtol=1e-10, atol=1e-12)
    g = beds.geodesic(p, q, 0.25)
    np.testing.assert_allclose(beds.distance(p, g), 0.25 * beds.distance(p, q), rtol=1e-10)
    w = 2.0 * v
    np.testing.assert_allclose(beds.norm(w), 2 * beds.norm(v), rtol=1e-13)
    assert beds.metric(p).shape == (n, d + 6, d + 6)
    # indexing, reshape, broadcasting of batch axes (one covariance for all means)
    assert p[1:3].batch_shape == (2,) and p[1].batch_shape == ()
    np.testing.assert_array_equal(p[2].cov, Sa[2])
    assert p.reshape(5, 1).batch_shape == (5, 1)
    b = beds.MVNormal(ma, np.eye(d))
    assert b.batch_shape == (n,) and b.cov.shape == (n, d, d)
    lo, up = p.bounds(q)
    assert (lo <= beds.distance(p, q)).all()
    info = p.distance(q, return_info=True)
    assert info.converged.all()
    # parallel transport through the generic API: a Tangent at q with v's norm
    w = beds.transport(v, q)
    assert isinstance(w, beds.Tangent) and w.base is q
    np.testing.assert_allclose(beds.norm(w), beds.norm(v), rtol=1e-12)
    f32 = beds.MVNormal(ma.astype(np.float32), Sa.astype(np.float32))
    assert f32.dtype == np.float32 and beds.distance(f32, q.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(beds.distance(f32, q.astype(np.float32)), beds.distance(p, q), rtol=1e-5)


def test_alternative_parametrizations(rng):
    d = 3
    S = spd(rng, 4, d)
    m = rng.standard_normal((4, d))
    L = np.linalg.cholesky(S)
    np.testing.assert_allclose(beds.MVNormal.from_cholesky(m, L).cov, S, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(beds.MVNormal.from_precision(m, np.linalg.inv(S)).cov, S, rtol=1e-10)
    np.testing.assert_allclose(beds.MVNormal(m, S).precision, np.linalg.inv(S), rtol=1e-10)
    with pytest.raises(ValueError, match="chol must have a positive diagonal"):
        beds.MVNormal.from_cholesky(m, -L)


def test_karcher_mean(rng):
    d = 2
    ma, Sa, mb, Sb = pairs(rng, 3, d)
    p = beds.MVNormal(np.stack([ma[0], mb[0]]), np.stack([Sa[0], Sb[0]]))
    km = beds.karcher_mean(p)
    mid_m, mid_S = mv.geodesic(ma[0], Sa[0], mb[0], Sb[0], 0.5)
    np.testing.assert_allclose(km.mean, mid_m, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(km.cov, mid_S, rtol=1e-8, atol=1e-9)
    # weighted: weight on one point only gives that point
    km1 = beds.karcher_mean(p, weights=[1.0, 0.0])
    np.testing.assert_allclose(km1.cov, Sa[0], rtol=1e-10)
    # the gradient vanishes at the mean of 5 points
    q = beds.MVNormal(rng.standard_normal((5, d)), spd(rng, 5, d))
    m = beds.karcher_mean(q)
    v = beds.log(m.reshape(1), q)
    np.testing.assert_allclose(v.mean.sum(axis=0), 0, atol=1e-8)
    np.testing.assert_allclose(v.cov.sum(axis=0), 0, atol=1e-8)


def test_threads_bit_identical(rng):
    ma, Sa, mb, Sb = pairs(rng, 600, 3)
    old = beds.get_num_threads()
    try:
        beds.set_num_threads(1)
        a = beds.ufuncs.mvnormal_distance(ma, Sa, mb, Sb)
        beds.set_num_threads(2)
        b = beds.ufuncs.mvnormal_distance(ma, Sa, mb, Sb)
    finally:
        beds.set_num_threads(old)
    np.testing.assert_array_equal(a, b)


def test_strided_inputs(rng):
    ma, Sa, mb, Sb = pairs(rng, 8, 3)
    ref = mv.distance(ma, Sa, mb, Sb)
    Sa_f = np.asfortranarray(Sa.transpose(1, 2, 0)).transpose(2, 0, 1)
    got = mv.distance(ma[:, ::-1][:, ::-1], Sa_f, mb, np.swapaxes(Sb, 1, 2))
    np.testing.assert_array_equal(got, ref)


# ------------------------------------------------------------------------ bad input
def test_bad_covariances():
    good = np.eye(2)
    bad_sym = np.array([[1.0, 0.5], [0.4, 1.0]])
    not_pd = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="cov2 must be symmetric"):
        mv.distance(M1, good, M2, bad_sym)
    with pytest.raises(ValueError, match="cov1 must be positive definite"):
        mv.distance(M1, not_pd, M2, good)
    with pytest.raises(ValueError, match="cov1 must be finite"):
        mv.kl(M1, np.array([[np.nan, 0], [0, 1]]), M2, good)
    with pytest.raises(ValueError, match="mean2 must be finite"):
        mv.distance(M1, good, np.array([np.inf, 0]), good)
    with pytest.raises(ValueError, match="cov must be positive definite"):
        beds.MVNormal(M1, not_pd)
    with pytest.raises(ValueError, match="cov must be symmetric"):
        beds.MVNormal(M1, bad_sym)
    with pytest.raises(ValueError, match="dimensions d do not agree"):
        mv.distance(np.zeros(3), good, M2, good)
    with pytest.raises(ValueError, match="d >= 1"):
        mv.entropy(np.zeros((0, 0)))
    with pytest.raises(ValueError, match="two trailing axes"):
        mv.same_mean_distance(np.ones(3), good)
    with pytest.raises(ValueError, match="different dimensions"):
        beds.MVNormal(np.zeros(3), good)
    with pytest.raises(TypeError, match="cov1 must be an array of real numbers"):
        mv.distance(M1, good.astype(complex), M2, good)
    with pytest.raises(ValueError, match="v_cov must be symmetric"):
        mv.exp(M1, good, M2, bad_sym)
    with pytest.raises(ValueError, match="tol"):
        mv.distance(M1, good, M2, good, tol=-1.0)
    # empty batches give empty results
    assert mv.distance(np.zeros((0, 2)), np.zeros((0, 2, 2)), np.zeros((0, 2)), np.zeros((0, 2, 2))).shape == (0,)
    # the raw ufunc: NaN and numpy's invalid flag
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        beds.ufuncs.mvnormal_kl(M1, not_pd, M2, good)


def test_non_convergence_is_reported():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        info = mv.distance(M1, S1, M2, S2, max_iter=1, return_info=True)
    assert any(issubclass(w.category, beds.ConvergenceWarning) for w in rec)
    assert not info.converged and info.iterations == -1
    assert info.lower <= 1.80759522003692 <= info.upper
    with pytest.warns(beds.ConvergenceWarning):
        mv.log(M1, S1, M2, S2, max_iter=1)


# ------------------------------------------------------------------------ raw ufuncs
RAW = {
    "mvnormal_distance": (4, 1, "(d),(d,d),(d),(d,d)->()"),
    "mvnormal_distance_info": (6, 4, "(d),(d,d),(d),(d,d),(),()->(),(),(),()"),
    "mvnormal_bounds": (4, 2, "(d),(d,d),(d),(d,d)->(),()"),
    "mvnormal_kl": (4, 1, "(d),(d,d),(d),(d,d)->()"),
    "mvnormal_jeffreys": (4, 1, "(d),(d,d),(d),(d,d)->()"),
    "mvnormal_same_mean_distance": (2, 1, "(d,d),(d,d)->()"),
    "mvnormal_same_cov_distance": (3, 1, "(d),(d,d),(d)->()"),
    "mvnormal_entropy": (1, 1, "(d,d)->()"),
    "mvnormal_inner": (5, 1, "(d,d),(d),(d,d),(d),(d,d)->()"),
    "mvnormal_exp": (4, 2, "(d),(d,d),(d),(d,d)->(d),(d,d)"),
    "mvnormal_log": (6, 3, "(d),(d,d),(d),(d,d),(),()->(d),(d,d),()"),
    "mvnormal_geodesic": (7, 3, "(d),(d,d),(d),(d,d),(),(),()->(d),(d,d),()"),
    "mvnormal_nielsen": (6, 2, "(d),(d,d),(d),(d,d),(),()->(),()"),
    "mvnormal_transport": (8, 3, "(d),(d,d),(d),(d,d),(d),(d,d),(),()->(d),(d,d),()"),
    "mvnormal_spd_mean": (4, 2, "(n,d,d),(n),(),()->(d,d),()"),
}


@pytest.mark.parametrize("name", sorted(RAW))
def test_raw_ufuncs(name):
    uf = getattr(beds.ufuncs, name)
    nin, nout, sig = RAW[name]
    assert isinstance(uf, np.ufunc) and (uf.nin, uf.nout) == (nin, nout) and uf.signature == sig
    assert uf.__doc__ and name in uf.__doc__
    if sig.count("()") and "->" in sig and sig.split("->")[0].endswith("(),()"):
        # (..., tol, max_iter) -> (..., iterations)
        t = "d" * (nin - 2)
        assert uf.types == ["f" * (nin - 2) + "dl->" + "f" * (nout - 1) + "l", t + "dl->" + "d" * (nout - 1) + "l"]
    else:
        assert uf.types == ["f" * nin + "->" + "f" * nout, "d" * nin + "->" + "d" * nout]


def test_raw_ufunc_float32_and_invalid_rows(rng):
    ma, Sa, mb, Sb = pairs(rng, 6, 3)
    d64 = beds.ufuncs.mvnormal_kl(ma, Sa, mb, Sb)
    d32 = beds.ufuncs.mvnormal_kl(*(a.astype(np.float32) for a in (ma, Sa, mb, Sb)))
    assert d32.dtype == np.float32
    np.testing.assert_allclose(d32, d64, rtol=1e-4)
    Sb = Sb.copy()
    Sb[2] = -Sb[2]  # not positive definite: NaN for that row only, and numpy's invalid warning
    with pytest.warns(RuntimeWarning, match="invalid"):
        r = beds.ufuncs.mvnormal_kl(ma, Sa, mb, Sb)
    assert np.isnan(r[2]) and np.isfinite(np.delete(r, 2)).all()


# ------------------------------------------------------------------------ parallel transport
def _sym(rng, n, d, scale=1.0):
    C = rng.standard_normal((n, d, d)) * scale
    return C + np.swapaxes(C, -1, -2)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_transport_isometry_and_round_trip(rng, d):
    n = 40
    ma, Sa, mb, Sb = pairs(rng, n, d)
    u = (rng.standard_normal((n, d)), _sym(rng, n, d))
    v = (rng.standard_normal((n, d)), _sym(rng, n, d))
    tu, tv = mv.transport(ma, Sa, mb, Sb, *u), mv.transport(ma, Sa, mb, Sb, *v)
    nu, nv = mv.inner(Sa, *u, *u), mv.inner(Sa, *v, *v)
    # inner products (and norms) are preserved
    assert np.max(np.abs(mv.inner(Sb, *tu, *tv) - mv.inner(Sa, *u, *v)) / np.sqrt(nu * nv)) < 1e-12
    np.testing.assert_allclose(mv.inner(Sb, *tu, *tu), nu, rtol=1e-12)
    assert np.allclose(tu[1], np.swapaxes(tu[1], -1, -2), rtol=0, atol=1e-14 * np.abs(tu[1]).max())
    # back along the same geodesic: the identity
    bu = mv.transport(mb, Sb, ma, Sa, *tu)
    scale = np.sqrt(nu)[:, None]
    np.testing.assert_allclose(bu[0] / scale, u[0] / scale, rtol=0, atol=1e-10)
    np.testing.assert_allclose(bu[1] / scale[..., None], u[1] / scale[..., None], rtol=0, atol=1e-10)
    # the velocity of the geodesic is parallel: it arrives as minus the log from the other end
    x, B = mv.log(ma, Sa, mb, Sb)
    wx, wB = mv.transport(ma, Sa, mb, Sb, x, B)
    bx, bB = mv.log(mb, Sb, ma, Sa)
    dist = mv.distance(ma, Sa, mb, Sb)[:, None]
    np.testing.assert_allclose((wx + bx) / dist, 0, atol=1e-9)
    np.testing.assert_allclose((wB + bB) / dist[..., None], 0, atol=1e-9)


def test_transport_d1_agrees_with_normal(rng):
    n = 300
    m1, m2 = 3 * rng.standard_normal(n), 3 * rng.standard_normal(n)
    s1, s2 = np.exp(rng.standard_normal(n)), np.exp(rng.standard_normal(n))
    vm, vs = rng.standard_normal(n), rng.standard_normal(n)
    rm, rs = beds.normal.transport(m1, s1, m2, s2, vm, vs)
    # v_cov = d(sigma^2) = 2 sigma v_std
    wm, wc = mv.transport(
        m1[:, None],
        (s1**2)[:, None, None],
        m2[:, None],
        (s2**2)[:, None, None],
        vm[:, None],
        (2 * s1 * vs)[:, None, None],
    )
    # error measured in the Fisher norm at point 2, relative to |v|
    err = np.hypot(wm[:, 0] - rm, np.sqrt(2) * (wc[:, 0, 0] / (2 * s2) - rs)) / s2
    assert np.max(err / (np.hypot(vm, np.sqrt(2) * vs) / s1)) < 2e-12


def test_transport_same_mean_closed_form(rng):
    import scipy.linalg as sl

    d, n = 3, 10
    S1, S2 = spd(rng, n, d), spd(rng, n, d)
    m = rng.standard_normal((n, d))
    y, C = rng.standard_normal((n, d)), _sym(rng, n, d)
    wm, wc, it = mv.transport(m, S1, m, S2, y, C, return_iterations=True)
    assert (it == 0).all()
    E = np.array([np.real(sl.sqrtm(b @ np.linalg.inv(a))) for a, b in zip(S1, S2)])
    np.testing.assert_allclose(wm, np.einsum("nij,nj->ni", E, y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(wc, E @ C @ np.swapaxes(E, 1, 2), rtol=1e-11, atol=1e-12)
    # identical points: the identity map
    np.testing.assert_allclose(mv.transport(m, S1, m, S1, y, C)[1], C, rtol=1e-13, atol=1e-14)


def _skovgaard_transport(m1, S1, x, B, y, C):
    """Geodesic and transport equations in the original coordinates, solved by scipy (DOP853)."""
    from scipy.integrate import solve_ivp

    d = len(m1)
    k = d * d

    def rhs(t, Y):
        S, dm, dS = Y[d : d + k].reshape(d, d), Y[d + k : 2 * d + k], Y[2 * d + k : 2 * d + 2 * k].reshape(d, d)
        w, W = Y[2 * d + 2 * k : 3 * d + 2 * k], Y[3 * d + 2 * k :].reshape(d, d)
        Si = np.linalg.inv(S)
        dw = 0.5 * (dS @ Si @ w + W @ Si @ dm)
        dW = -0.5 * (np.outer(dm, w) + np.outer(w, dm)) + 0.5 * (dS @ Si @ W + W @ Si @ dS)
        return np.concatenate([dm, dS.ravel(), dS @ Si @ dm, (dS @ Si @ dS - np.outer(dm, dm)).ravel(), dw, dW.ravel()])

    y0 = np.concatenate([m1, S1.ravel(), x, B.ravel(), y, C.ravel()])
    sol = solve_ivp(rhs, (0, 1), y0, method="DOP853", rtol=1e-13, atol=1e-14)
    Y = sol.y[:, -1]
    return Y[2 * d + 2 * k : 3 * d + 2 * k], Y[3 * d + 2 * k :].reshape(d, d)


def test_transport_against_connection_ode(rng):
    """Against scipy's integration of the connection in the original coordinates."""
    d = 3
    for _ in range(3):
        m1, S1, m2, S2 = (a[0] for a in pairs(rng, 1, d, spread=0.5))
        y, C = rng.standard_normal(d), _sym(rng, 1, d)[0]
        x, B = mv.log(m1, S1, m2, S2)
        ry, rC = _skovgaard_transport(m1, S1, x, B, y, C)
        wy, wC = mv.transport(m1, S1, m2, S2, y, C)
        np.testing.assert_allclose(wy, ry, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(wC, rC, rtol=1e-9, atol=1e-10)


def test_transport_against_christoffel_symbols_of_the_metric(rng):
    """Independent of the formula for the connection: Christoffel symbols from central finite
    differences of the Fisher metric (mv.metric, coordinates mean and lower triangle of cov),
    geodesic and transport integrated together by scipy."""
    from scipy.integrate import solve_ivp

    d = 2
    ii, jj = np.tril_indices(d)
    nc = d + len(ii)

    def unpack(th):
        S = np.zeros((d, d))
        S[ii, jj] = th[d:]
        S[jj, ii] = th[d:]
        return th[:d], S

    def christoffel(th, h=1e-5):
        G = mv.metric(unpack(th)[1])
        dG = np.empty((nc, nc, nc))  # dG[l] = d G / d theta_l
        for ell in range(nc):
            e = np.zeros(nc)
            e[ell] = h
            dG[ell] = (mv.metric(unpack(th + e)[1]) - mv.metric(unpack(th - e)[1])) / (2 * h)
        # Gamma^k_ij = 1/2 g^kl (d_i g_jl + d_j g_il - d_l g_ij), dG[a, b, c] = d_a g_bc
        T = 0.5 * (dG + np.transpose(dG, (1, 0, 2)) - np.transpose(dG, (1, 2, 0)))
        return np.einsum("kl,ijl->kij", np.linalg.inv(G), T)

    def to_coords(v_mean, v_cov):
        return np.concatenate([v_mean, v_cov[ii, jj]])

    for _ in range(2):
        m1, S1, m2, S2 = (a[0] for a in pairs(rng, 1, d, spread=0.4))
        y, C = rng.standard_normal(d), _sym(rng, 1, d, 0.5)[0]
        x, B = mv.log(m1, S1, m2, S2)

        def rhs(t, Y):
            th, dth, w = Y[:nc], Y[nc : 2 * nc], Y[2 * nc :]
            Gam = christoffel(th)
            return np.concatenate([dth, -np.einsum("kij,i,j->k", Gam, dth, dth), -np.einsum("kij,i,j->k", Gam, dth, w)])

        th0 = np.concatenate([m1, S1[ii, jj]])
        sol = solve_ivp(rhs, (0, 1), np.concatenate([th0, to_coords(x, B), to_coords(y, C)]), rtol=1e-10, atol=1e-12)
        ref = sol.y[2 * nc :, -1]
        np.testing.assert_allclose(sol.y[:nc, -1], np.concatenate([m2, S2[ii, jj]]), rtol=1e-6, atol=1e-7)
        got = to_coords(*mv.transport(m1, S1, m2, S2, y, C))
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)


def test_transport_dtypes_broadcasting_and_bad_input(rng):
    d = 3
    ma, Sa, mb, Sb = pairs(rng, 4, d)
    y, C = rng.standard_normal((4, d)), _sym(rng, 4, d)
    w64 = mv.transport(ma, Sa, mb, Sb, y, C)
    w32 = mv.transport(*(a.astype(np.float32) for a in (ma, Sa, mb, Sb, y, C)))
    assert w32[0].dtype == np.float32 and w32[1].dtype == np.float32
    np.testing.assert_allclose(w32[1], w64[1], rtol=2e-4, atol=2e-4 * np.abs(w64[1]).max())
    # one tangent broadcast over the pairs
    wb = mv.transport(ma, Sa, mb, Sb, y[0], C[0])
    assert wb[0].shape == (4, d) and wb[1].shape == (4, d, d)
    np.testing.assert_allclose(wb[1][2], mv.transport(ma[2], Sa[2], mb[2], Sb[2], y[0], C[0])[1], rtol=1e-14)
    bad = C[0].copy()
    bad[0, 1] += 1.0
    with pytest.raises(ValueError, match="v_cov must be symmetric"):
        mv.transport(ma, Sa, mb, Sb, y, bad)
    with pytest.raises(ValueError, match="cov2 must be positive definite"):
        mv.transport(ma[0], Sa[0], mb[0], -Sb[0], y[0], C[0])
    with pytest.raises(ValueError, match="max_iter"):
        mv.transport(ma, Sa, mb, Sb, y, C, max_iter=0)
    with pytest.warns(beds.ConvergenceWarning):
        mv.transport(ma, Sa, mb, Sb, y, C, max_iter=1)


# ------------------------------------------------------------------------ Karcher mean, same mean
def _spd_mean_reference(C, w, M, iters=30):
    """Fixed-point iteration of the SPD Riemannian mean with numpy's eigh (an independent code)."""
    w = w / w.sum()

    def fn(X, f):
        ev, V = np.linalg.eigh(X)
        return (V * f(ev)[..., None, :]) @ np.swapaxes(V, -1, -2)

    for _ in range(iters):
        L = np.linalg.cholesky(M)
        Li = np.linalg.inv(L)
        G = np.einsum("n,nij->ij", w, fn(Li @ C @ Li.T, np.log))
        M = L @ fn(G, np.exp) @ L.T
    return M, np.linalg.norm(G)


@pytest.mark.parametrize("d", [1, 2, 3, 6])
def test_karcher_mean_same_mean(rng, d):
    n = 50
    C = spd(rng, n, d, spread=0.6)
    mu0 = rng.standard_normal(d)
    m = np.broadcast_to(mu0, (n, d))
    w = rng.uniform(0.1, 1.0, n)
    km, kS, it = mv.karcher_mean(m, C, w, tol=1e-13, return_iterations=True)
    assert it > 0
    np.testing.assert_array_equal(km, mu0)
    ref, grad = _spd_mean_reference(C, w, kS)
    assert grad < 1e-13
    np.testing.assert_allclose(kS, ref, rtol=1e-12, atol=1e-13 * np.abs(ref).max())
    # the default tol (1e-10 on the last step)
    np.testing.assert_allclose(mv.karcher_mean(m, C, w)[1], ref, rtol=1e-10, atol=1e-11 * np.abs(ref).max())
    # the same set through the geodesic-shooting path
    gm, gS, _ = _karcher_shooting(m[None], C[None], (w / w.sum())[None], m[:1].copy(), C[:1].copy(), 1e-12, 100)
    np.testing.assert_allclose(gS[0], kS, rtol=1e-10, atol=1e-11)
    if d == 1:  # the geometric mean of the variances
        np.testing.assert_allclose(kS[0, 0], np.exp(np.sum(w * np.log(C[:, 0, 0])) / w.sum()), rtol=1e-14)


def test_karcher_mean_same_mean_batches_weights_and_limits(rng):
    d = 3
    C = spd(rng, 12, d).reshape(3, 4, d, d)
    m = np.zeros((3, 4, d))
    m[1] = 1.0  # each set shares one mean
    m[2, 1] = 5.0  # except this one: general path
    w = np.ones((3, 4))
    w[0, 0] = 0.0
    km, kS, it = mv.karcher_mean(m, C, w, return_iterations=True)
    assert (it > 0).all()
    for b in range(3):
        _, ref = mv.karcher_mean(m[b][w[b] > 0], C[b][w[b] > 0])
        np.testing.assert_allclose(kS[b], ref, rtol=1e-9)
    # a zero-weight belief with another mean does not leave the same-mean path
    m0 = np.zeros((4, d))
    m0[0] = 7.0
    _, S0, it0 = mv.karcher_mean(m0, C[0], [0.0, 1, 1, 1], return_iterations=True)
    np.testing.assert_allclose(S0, mv.karcher_mean(m0[1:], C[0][1:])[1], rtol=1e-13)
    # float32 in, float32 out
    _, s32 = mv.karcher_mean(m.astype(np.float32), C.astype(np.float32))
    assert s32.dtype == np.float32
    # an unreachable tol stops (flagged) after a bounded number of steps, even at the largest max_iter
    with pytest.warns(beds.ConvergenceWarning):
        _, Sx, itx = mv.karcher_mean(m[0], C[0], tol=1e-300, max_iter=1_000_000, return_iterations=True)
    assert itx == -1
    np.testing.assert_allclose(Sx, mv.karcher_mean(m[0], C[0], tol=1e-14)[1], rtol=1e-13)
    # the belief API takes the same path
    p = beds.MVNormal(np.zeros((5, d)), spd(rng, 5, d))
    np.testing.assert_allclose(p.karcher_mean().cov, mv.karcher_mean(np.zeros((5, d)), p.cov)[1], rtol=1e-15)


# ------------------------------------------------------------------------ issue regressions
def test_not_converged_distance_stays_within_its_bounds(rng):
    """A distance flagged as not converged returns a value inside its certified bounds."""
    vals = []
    for d in (2, 3, 4):
        ma, Sa, mb, Sb = pairs(rng, 40, d, spread=1.5, mscale=3.0)
        with pytest.warns(beds.ConvergenceWarning):
            info = mv.distance(ma, Sa, mb, Sb, max_iter=1, return_info=True)
        vals.append(info)
        assert (~info.converged).any()
        assert np.isfinite(info.distance).all()
        assert (info.lower <= info.distance).all() and (info.distance <= info.upper).all()
    assert sum(int((~v.converged).sum()) for v in vals) >= 100


def _mp_shooting_distance_2d(m, S, v0, dps=50):
    """Distance from N(0, I) to N(m, S) (d = 2) by Newton's method on Eriksen's exponential at
    `dps` digits (mpmath findroot), started from v0 = (x0, x1, B00, B01, B11)."""
    with mp.workdps(dps):
        Si = mp.inverse(mp.matrix(S.tolist()))
        td = Si * mp.matrix(m.tolist())

        def F(x0, x1, b00, b01, b11):
            A = mp.matrix(
                [
                    [-b00, -b01, x0, 0, 0],
                    [-b01, -b11, x1, 0, 0],
                    [x0, x1, 0, -x0, -x1],
                    [0, 0, -x0, b00, b01],
                    [0, 0, -x1, b01, b11],
                ]
            )
            L = mp.expm(A)
            return [L[0, 0] - Si[0, 0], L[0, 1] - Si[0, 1], L[1, 1] - Si[1, 1], L[2, 0] - td[0], L[2, 1] - td[1]]

        x0, x1, b00, b01, b11 = mp.findroot(F, [mp.mpf(float(a)) for a in v0], tol=mp.mpf(10) ** (-dps + 10))
        return float(mp.sqrt(x0**2 + x1**2 + (b00**2 + 2 * b01**2 + b11**2) / 2))


@pytest.mark.slow
def test_far_pairs_are_certified_or_flagged(rng):
    """Far pairs (distances 10-230): a converged distance agrees with a 50-digit shooting; the others
    are flagged and stay inside [lower, upper] (before: 230.76 flagged converged for 230.2585, and a
    Calvo-Oller bound of 267 above the distance)."""
    S = np.array([[1.0, 0.3], [0.3, 0.8]])
    L = np.linalg.cholesky(S)
    checked = 0
    for D, c in [(10, 1e100), (100, 1e10), (10, 1e4), (1000, 2.0), (1e30, 2.0), (3, 2.0)]:
        m2 = np.array([D, 0.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", beds.ConvergenceWarning)
            info = mv.distance(np.zeros(2), S, m2, c * S, return_info=True)
        assert info.lower <= info.distance <= info.upper
        # normalized pair: N(0, I) -> N(L^-1 m2, c I)
        mn = np.linalg.solve(L, m2)
        # the triangle inequality through N(0, c I): same-mean plus same-covariance distance
        tri = float(
            mv.same_mean_distance(np.eye(2), c * np.eye(2)) + mv.same_cov_distance(np.zeros(2), c * np.eye(2), mn)
        )
        assert info.lower <= tri * (1 + 1e-12)
        if info.converged and D < 1e6:
            x, B = mv.log(np.zeros(2), S, m2, c * S)
            x = np.linalg.solve(L, x)
            B = np.linalg.solve(L, np.linalg.solve(L, B).T)
            ref = _mp_shooting_distance_2d(mn, c * np.eye(2), [x[0], x[1], B[0, 0], B[0, 1], B[1, 1]])
            assert info.distance == pytest.approx(ref, rel=1e-9)
            checked += 1
    assert checked >= 2


def test_nielsen_validates_max_segments():
    for bad in (0, 1, -5, 1.5, True, 2**40):
        with pytest.raises(ValueError, match="max_segments"):
            mv.distance_nielsen(M1, S1, M2, S2, max_segments=bad)
    uf = beds.ufuncs.mvnormal_nielsen
    for ms in (0, -3, 1):
        with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
            uf(M1, S1, M2, S2, 1e-6, ms)
        with np.errstate(invalid="ignore"):
            v, seg = uf(M1, S1, M2, S2, 1e-6, ms)
        assert np.isnan(v) and seg == -1
    for tol in (0.0, -1.0, np.nan, np.inf):
        with np.errstate(invalid="ignore"):
            assert np.isnan(uf(M1, S1, M2, S2, tol, 64)[0])
            assert np.isnan(beds.ufuncs.mvnormal_distance_info(M1, S1, M2, S2, tol, 50)[0])


@pytest.mark.parametrize("scale", [1e-300, 2.0**-1020, 1e-310, 1e-320, 1e300, 1e307])
def test_extreme_scales(rng, scale):
    """Covariances at any scale with the means scaled accordingly: the scale-invariant results do
    not change, points and tangents scale back (the audit's RuntimeErrors at 1e+-300)."""
    d = 3
    ma, Sa, mb, Sb = pairs(rng, 4, d)
    x, B = rng.standard_normal((4, d)) * 0.3, _sym(rng, 4, d, 0.2)
    r = np.sqrt(scale)
    # the reference: the same beliefs as the scaled inputs represent them (subnormals round)
    Sa_s, Sb_s = Sa * scale, Sb * scale
    tight = scale >= 1e-300
    rt = 1e-12 if tight else 1e-3

    def close(a, b):
        np.testing.assert_allclose(a, b, rtol=rt, atol=rt * np.abs(b).max())

    base = dict(
        d=mv.distance(ma, Sa_s / scale, mb, Sb_s / scale),
        kl=mv.kl(ma, Sa_s / scale, mb, Sb_s / scale),
        j=mv.jeffreys(ma, Sa_s / scale, mb, Sb_s / scale),
        sm=mv.same_mean_distance(Sa_s / scale, Sb_s / scale),
        sc=mv.same_cov_distance(ma, Sa_s / scale, mb),
    )
    close(mv.distance(ma * r, Sa_s, mb * r, Sb_s), base["d"])
    close(mv.kl(ma * r, Sa_s, mb * r, Sb_s), base["kl"])
    close(mv.jeffreys(ma * r, Sa_s, mb * r, Sb_s), base["j"])
    close(mv.same_mean_distance(Sa_s, Sb_s), base["sm"])
    close(mv.same_cov_distance(ma * r, Sa_s, mb * r), base["sc"])
    for lo, ref in zip(mv.bounds(ma * r, Sa_s, mb * r, Sb_s), mv.bounds(ma, Sa_s / scale, mb, Sb_s / scale)):
        close(lo, ref)
    close(mv.entropy(Sa_s), mv.entropy(Sa_s / scale) + 0.5 * d * np.log(scale))
    close(mv.inner(Sa_s, x * r, B * scale, x * r, B * scale), mv.inner(Sa_s / scale, x, B, x, B))
    lx, lB = mv.log(ma * r, Sa_s, mb * r, Sb_s)
    rx, rB = mv.log(ma, Sa_s / scale, mb, Sb_s / scale)
    close(lx / r, rx)
    close(lB / scale, rB)
    em, eS = mv.exp(ma * r, Sa_s, x * r, B * scale)
    rm, rS = mv.exp(ma, Sa_s / scale, x, B)
    close(em / r, rm)
    close(eS / scale, rS)
    gm, gS = mv.geodesic(ma * r, Sa_s, mb * r, Sb_s, 0.3)
    close(gS / scale, mv.geodesic(ma, Sa_s / scale, mb, Sb_s / scale, 0.3)[1])
    tm, tS = mv.transport(ma * r, Sa_s, mb * r, Sb_s, x * r, B * scale)
    close(tS / scale, mv.transport(ma, Sa_s / scale, mb, Sb_s / scale, x, B)[1])
    _, kS = mv.karcher_mean(np.zeros((4, d)), Sa_s)
    close(kS / scale, mv.karcher_mean(np.zeros((4, d)), Sa_s / scale)[1])
    assert np.isfinite(mv.distance_nielsen(ma * r, Sa_s, mb * r, Sb_s)).all()


def test_pairs_beyond_the_representable_range(rng):
    """Covariances 1e300 apart: closed forms still answer, the shooting and the divergences that
    overflow raise a ValueError saying which range is supported (never NaN, never RuntimeError)."""
    d = 2
    S = spd(rng, 1, d)[0]
    m = np.zeros(d)
    for a, b in ((1e-300, 1e300), (1e-310, 1e305), (1.0, 5e-324 * 1e10)):
        Sa, Sb = S * a, S * b
        ref = np.sqrt(d / 2) * abs(np.log(b) - np.log(a))  # same-mean distance of c1 S, c2 S
        np.testing.assert_allclose(mv.same_mean_distance(Sa, Sb), ref, rtol=1e-12)
        np.testing.assert_allclose(mv.distance(m, Sa, m, Sb), ref, rtol=1e-12)
        # different means: too far for the shooting; a ValueError saying so, or a flagged value
        # inside the certified bounds
        try:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                info = mv.distance(m, Sa, m + np.sqrt(a), Sb, return_info=True)
            assert not info.converged and info.lower <= info.distance <= info.upper
            assert any(issubclass(w.category, beds.ConvergenceWarning) for w in rec)
        except ValueError as e:
            assert "too far" in str(e)
        with pytest.raises(ValueError, match="overflow"):
            mv.jeffreys(m, Sa, m, Sb)
    # means 1e155 standard deviations apart: the closed form only
    Sa = S * 1e-310
    far = np.array([1.0, 0.0])
    sc = mv.same_cov_distance(m, Sa, far)
    assert np.isfinite(sc) and 1000 < sc < 1020
    np.testing.assert_allclose(mv.distance(m, Sa, far, Sa), sc, rtol=1e-12)
    with pytest.raises(ValueError, match="kl: the divergence overflows"):
        mv.kl(m, Sa, far, Sa)


def test_covariance_validation_is_vectorized_and_exact(rng):
    from beds._validation import _check_matrix, check_domain

    S = spd(rng, 1000, 3)
    bad = S.copy()
    bad[617] = -bad[617]
    with pytest.raises(ValueError, match=r"cov must be positive definite; the matrix at batch index \(1, 117\)"):
        check_domain("cov", bad.reshape(2, 500, 3, 3), "spd")
    asym = S.copy()
    asym[3, 2, 0] *= 1 + 1e-6
    with pytest.raises(ValueError, match=r"found cov\[3, (2, 0|0, 2)\]"):
        check_domain("cov", asym, "spd")
    # subnormal and huge covariances are positive definite too; a broadcast batch is not expanded
    for sc in (1e-320, 1e-310, 1e307):
        check_domain("cov", S[:50] * sc, "spd")
    _check_matrix("cov", np.broadcast_to(np.eye(3), (10**6, 10**3, 3, 3)), "spd")
    # a tiny asymmetry at tiny scale is judged relative to the diagonal (no underflow to 0)
    t = S[0] * 1e-300
    t[0, 1] *= 1 + 1e-14
    check_domain("cov", t, "spd")


# ------------------------------------------------------------------------ property tests
PROPERTY = settings(
    deadline=None, max_examples=40, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def _slack(scale):
    """Relative precision left to covariances at `scale` (subnormals keep fewer digits)."""
    return 1e-10 if scale >= 1e-300 else 1e-5


@st.composite
def scaled_pairs(draw):
    """(d, mean1, cov1, mean2, cov2, scale): covariances at scale 10^e (e in [-300, 300], or a
    subnormal scale), means and their differences scaled by sqrt(scale)."""
    d = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    e = draw(st.one_of(st.floats(-300.0, 300.0), st.sampled_from([-310.0, -315.0])))
    r = np.random.default_rng(seed)
    scale = 10.0**e
    m1, S1, m2, S2 = (a[0] for a in pairs(r, 1, d, spread=0.6))
    offset = draw(st.floats(-1e3, 1e3)) * np.sqrt(scale)
    return d, m1 * np.sqrt(scale) + offset, S1 * scale, m2 * np.sqrt(scale) + offset, S2 * scale, scale


@PROPERTY
@given(scaled_pairs())
def test_property_finite_symmetric_and_bracketed(p):
    d, m1, S1, m2, S2, scale = p
    info = mv.distance(m1, S1, m2, S2, return_info=True)
    back = mv.distance(m2, S2, m1, S1)
    for v in (info.distance, info.lower, info.upper, back, mv.kl(m1, S1, m2, S2), mv.jeffreys(m1, S1, m2, S2)):
        assert np.isfinite(v)
    assert info.converged
    assert info.lower * (1 - 1e-12) <= info.distance <= info.upper * (1 + 1e-12)
    assert back == pytest.approx(float(info.distance), rel=1e-10, abs=1e-300)
    assert mv.jeffreys(m1, S1, m2, S2) == pytest.approx(mv.kl(m1, S1, m2, S2) + mv.kl(m2, S2, m1, S1), rel=1e-12)
    assert np.isfinite(mv.entropy(S1)) and np.isfinite(mv.same_mean_distance(S1, S2))


@PROPERTY
@given(scaled_pairs(), st.integers(0, 2**32 - 1))
def test_property_affine_invariance(p, seed):
    d, m1, S1, m2, S2, scale = p
    r = np.random.default_rng(seed)
    A = np.eye(d) + 0.3 * r.standard_normal((d, d))
    b = r.standard_normal(d) * np.sqrt(scale)
    ref = mv.distance(m1, S1, m2, S2)

    def tr(S):
        X = A @ S @ A.T
        return 0.5 * (X + X.T)

    got = mv.distance(A @ m1 + b, tr(S1), A @ m2 + b, tr(S2))
    assert got == pytest.approx(float(ref), rel=100 * _slack(scale), abs=1e-12)
    # a scaling by a power of 4 is exact: bit-identical results
    k = int(r.integers(-200, 200))
    if scale * 4.0**k > 1e-300 and scale * 4.0**k < 1e300:
        assert mv.distance(m1 * 2.0**k, S1 * 4.0**k, m2 * 2.0**k, S2 * 4.0**k) == ref


@PROPERTY
@given(scaled_pairs())
def test_property_exp_log_identity_and_transport(p):
    d, m1, S1, m2, S2, scale = p
    x, B = mv.log(m1, S1, m2, S2)
    em, eS = mv.exp(m1, S1, x, B)
    dist = float(mv.distance(m1, S1, m2, S2))
    assert np.isfinite(em).all() and np.isfinite(eS).all()
    tol = _slack(scale)
    assert mv.distance(em, eS, m2, S2) <= 10 * tol * max(1.0, dist)
    gm, gS = mv.geodesic(m1, S1, m2, S2, 0.5)
    assert mv.distance(m1, S1, gm, gS) == pytest.approx(0.5 * dist, rel=100 * tol, abs=10 * tol)
    wx, wB = mv.transport(m1, S1, m2, S2, x, B)
    assert np.isfinite(wx).all() and np.isfinite(wB).all()
    assert np.sqrt(mv.inner(S2, wx, wB, wx, wB)) == pytest.approx(dist, rel=10 * tol, abs=tol)
    _, kS = mv.karcher_mean(np.stack([m1, m1]), np.stack([S1, S2]))
    assert np.isfinite(kS).all()
    half = 0.5 * float(mv.same_mean_distance(S1, S2))
    assert mv.same_mean_distance(S1, kS) == pytest.approx(half, rel=10 * tol, abs=tol)


# ------------------------------------------------------------------------ Ctrl-C and bounded cost
# each call would run for many seconds uninterrupted
_LONG_CALLS = {
    # one gufunc row of 300k covariances, an unreachable tol and no iteration limit
    "spd_mean": ("C = spd(300_000, 6)", "_core.mvnormal_spd_mean(C, np.ones(300_000), 1e-300, 2**62)"),
    # transport integration at d = 16 (about 10 ms per pair)
    "transport": (
        "m1, m2 = rng.standard_normal((2, 2000, 16)); S1, S2 = spd(2000, 16), spd(2000, 16)",
        "mv.transport(m1, S1, m2, S2, m2, S2 - S1)",
    ),
    # the general Karcher mean (a Python loop over shooting calls)
    "karcher_general": (
        "m = rng.standard_normal((20_000, 3)); C = spd(20_000, 3)",
        "mv.karcher_mean(m, C, tol=1e-300, max_iter=1_000_000)",
    ),
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", sorted(_LONG_CALLS))
def test_sigint_interrupts_long_mvnormal_calls(kind, threads):
    setup, call = _LONG_CALLS[kind]
    body = f"beds.set_num_threads({threads})\n{setup}\nresult = interrupted(lambda: {call})\n"
    r = run_child(body, setup="from beds import mvnormal as mv\n")
    assert r["outcome"] == "KeyboardInterrupt", r
    assert r["latency"] < 3.0, r  # generous: the machine may be loaded


def test_general_karcher_mean_with_an_unreachable_tol_stops(rng):
    m, C = rng.standard_normal((6, 2)), spd(rng, 6, 2)
    with pytest.warns(beds.ConvergenceWarning):
        mu, S, it = mv.karcher_mean(m, C, tol=1e-300, max_iter=1_000_000, return_iterations=True)
    assert it == -1
    ref_mu, ref_S = mv.karcher_mean(m, C, tol=1e-13)
    np.testing.assert_allclose(mu, ref_mu, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(S, ref_S, rtol=1e-12)


def test_karcher_mean_shape_errors_name_the_argument(rng):
    m, C = np.zeros((3, 2)), spd(rng, 3, 2)
    with pytest.raises(ValueError, match="batch shapes of mean"):
        mv.karcher_mean(np.zeros((0, 2)), C)
    with pytest.raises(ValueError, match="weights of shape"):
        mv.karcher_mean(m, C, np.ones(0))
