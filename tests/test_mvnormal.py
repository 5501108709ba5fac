"""Multivariate normal beliefs: closed forms, bounds, exact geodesics and geodesic shooting.

Oracles: the reference vector (docs: mathematics/mvnormal), the univariate family (d = 1), closed forms (same mean, same
covariance), mpmath (40-digit matrix exponentials and eigenvalues), scipy's ODE integration of the
geodesic equations (Skovgaard 1984), and identities (affine invariance, symmetry, triangle
inequality, exp(log) = id, bounds bracketing the distance).
"""

from __future__ import annotations

import warnings

import beds
import mpmath as mp
import numpy as np
import pytest
from beds import mvnormal as mv

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
    with pytest.raises(NotImplementedError):
        beds.transport(v, q)
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
