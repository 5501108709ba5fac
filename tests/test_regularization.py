"""Fisher-Rao penalties (value, gradient, natural gradient), SIGReg and the governing equation."""

from __future__ import annotations

import math
import warnings

import beds
import mpmath
import numpy as np
import pytest
from beds._geometry import apply_metric as _apply_metric
from hypothesis import example, given, settings
from hypothesis import strategies as st

mpmath.mp.dps = 50


# ------------------------------------------------------------------ mpmath oracles
def mp_normal_d2(m1, s1, m2, s2):
    m1, s1, m2, s2 = (x if isinstance(x, mpmath.mpf) else mpmath.mpf(float(x)) for x in (m1, s1, m2, s2))
    # asinh form: exact at any working precision, also for pairs closer than 10^-dps
    return 8 * mpmath.asinh(mpmath.sqrt(((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (4 * s1 * s2))) ** 2


_H = mpmath.mpf("1e-20")


def mp_fd(f, x, i, h=_H):
    """Central difference of f (mpmath function of a list) in coordinate i, error O(h^2)."""
    xp = list(x)
    xm = list(x)
    xp[i] += h
    xm[i] -= h
    return (f(xp) - f(xm)) / (2 * h)


def rel(a, b):
    return abs(float(a) - float(b)) / max(abs(float(b)), 1e-300)


# ------------------------------------------------------------------ Normal / DiagNormal
def test_normal_penalty_matches_mpmath_finite_differences(rng, simd_level):
    n = 40
    m1, m2 = rng.normal(0, 3, n), rng.normal(0, 3, n)
    s1, s2 = np.exp(rng.normal(0, 1, n)), np.exp(rng.normal(0, 1, n))
    m2[:5] = m1[:5] + 1e-7 * rng.normal(size=5)  # near pairs
    s2[:5] = s1[:5] * (1 + 1e-7 * rng.normal(size=5))
    lam = rng.uniform(0.1, 3, n)
    r = beds.fisher_rao_penalty(beds.Normal(m1, s1), beds.Normal(m2, s2), lam)
    rl = beds.fisher_rao_penalty(beds.Normal(m1, s1), beds.Normal(m2, s2), lam, param="log_std")
    for i in range(n):

        def f(x, i=i):
            return lam[i] / 2 * mp_normal_d2(x[0], x[1], m2[i], s2[i])

        def fl(x, i=i):
            return lam[i] / 2 * mp_normal_d2(x[0], mpmath.exp(x[1]), m2[i], s2[i])

        x = [mpmath.mpf(float(m1[i])), mpmath.mpf(float(s1[i]))]
        assert rel(r.value[i], f(x)) < 1e-13
        gm, gs = mp_fd(f, x, 0), mp_fd(f, x, 1)
        scale = abs(gm) + abs(gs)
        assert abs(r.grad["mean"][i] - float(gm)) <= 2e-13 * float(scale)
        assert abs(r.grad["std"][i] - float(gs)) <= 2e-13 * float(scale)
        # natural gradient = G^-1 grad with G = diag(1, 2) / s^2
        assert abs(r.natural_grad["mean"][i] - float(gm * x[1] ** 2)) <= 2e-13 * float(scale * x[1] ** 2)
        assert abs(r.natural_grad["std"][i] - float(gs * x[1] ** 2 / 2)) <= 2e-13 * float(scale * x[1] ** 2)
        xl = [x[0], mpmath.log(x[1])]
        gl = mp_fd(fl, xl, 1)
        assert abs(rl.grad["log_std"][i] - float(gl)) <= 2e-13 * float(abs(gl) + abs(gm))


def test_normal_penalty_closed_form_cases():
    # same mean: d = sqrt(2) |ln(s2/s1)|, grad_std = lam * 2 ln(s/s_ref) / s
    r = beds.fisher_rao_penalty(beds.Normal(0.0, 1.0), beds.Normal(0.0, 2.0), 3.0)
    assert r.value == pytest.approx(3.0 * math.log(2) ** 2, rel=1e-15)
    assert r.grad["std"] == pytest.approx(3.0 * 2 * math.log(0.5), rel=1e-15)
    assert r.grad["mean"] == 0.0
    # q == q_ref: zero value and gradients
    r = beds.fisher_rao_penalty(beds.Normal(1.5, 0.3), beds.Normal(1.5, 0.3), 2.0)
    assert r.value == 0 and r.grad["mean"] == 0 and r.grad["std"] == 0


def test_normal_fused_equals_generic_path(rng):
    n = 200
    q = beds.Normal(rng.normal(0, 2, n), np.exp(rng.normal(0, 1, n)))
    qr = beds.Normal(rng.normal(0, 2, n), np.exp(rng.normal(0, 1, n)))
    r = beds.fisher_rao_penalty(q, qr, 1.7)
    v = beds.log(q, qr)
    nat = [-1.7 * c for c in v._c]
    grad = _apply_metric(q, tuple(nat))
    # component-wise to 1e-14 of the gradient's size (a component that nearly cancels, such as
    # grad_std where the geodesic leaves q horizontally, keeps only that absolute accuracy)
    size = np.abs(grad[0]) + np.abs(grad[1])
    np.testing.assert_array_less(np.abs(r.grad["mean"] - grad[0]), 1e-14 * size)
    np.testing.assert_array_less(np.abs(r.grad["std"] - grad[1]), 1e-14 * size)
    np.testing.assert_allclose(r.value, 0.85 * beds.distance(q, qr) ** 2, rtol=1e-14)
    # the natural gradient is the negated, scaled log map: its norm is strength * distance
    np.testing.assert_allclose(beds.norm(r.direction), 1.7 * beds.distance(q, qr), rtol=1e-14)


@pytest.mark.parametrize("d", [1, 7, 40000])
def test_diag_normal_penalty_is_the_sum_of_coordinates(rng, d, simd_level):
    rows = 3
    m, mr = rng.normal(size=(rows, d)), rng.normal(size=(rows, d))
    s, sr = np.exp(rng.normal(size=(rows, d))), np.exp(rng.normal(size=(rows, d)))
    lam = rng.uniform(0, 2, size=(rows, d))  # per-coordinate strengths (EWC-like)
    r = beds.fisher_rao_penalty(beds.DiagNormal(m, s), beds.DiagNormal(mr, sr), lam)
    e = beds.fisher_rao_penalty(beds.Normal(m, s), beds.Normal(mr, sr), lam)
    np.testing.assert_allclose(r.value, e.value.sum(axis=-1), rtol=1e-13)
    for k in ("mean", "std"):
        np.testing.assert_array_equal(r.grad[k], e.grad[k])
        np.testing.assert_array_equal(r.natural_grad[k], e.natural_grad[k])


def test_diag_normal_penalty_layouts_and_threads(rng):
    m, s = rng.normal(size=(50000,)), np.exp(rng.normal(size=(50000,)))
    mr, sr = rng.normal(size=(50000,)), np.exp(rng.normal(size=(50000,)))
    q, qr = beds.DiagNormal(m, s), beds.DiagNormal(mr, sr)
    a = beds.fisher_rao_penalty(q, qr, 0.5)
    old = beds.get_num_threads()
    try:
        beds.set_num_threads(1)
        b = beds.fisher_rao_penalty(q, qr, 0.5)
    finally:
        beds.set_num_threads(old)
    assert a.value == b.value  # bit-identical whatever the thread count
    # strided (non-contiguous) operands give the same bits
    big = np.stack([m, m], axis=-1)[:, 0]
    c = beds.fisher_rao_penalty(beds.DiagNormal(big, s), qr, 0.5)
    assert c.value == a.value
    np.testing.assert_array_equal(c.grad["std"], a.grad["std"])


def test_penalty_float32_and_broadcasting():
    q = beds.Normal(np.zeros(4, np.float32), np.ones(4, np.float32))
    r = beds.fisher_rao_penalty(q, beds.Normal(np.float32(1), np.float32(2)), 2.0)
    assert r.value.dtype == np.float32 and r.grad["std"].dtype == np.float32
    assert r.value[0] == pytest.approx(1.414627, rel=1e-6)
    r = beds.fisher_rao_penalty(beds.Normal(0.0, 1.0), beds.Normal(np.zeros(3), [1.0, 2.0, 3.0]), 1.0)
    assert r.value.shape == (3,) and r.direction.batch_shape == (3,)


def test_penalty_bad_input():
    q = beds.Normal(0.0, 1.0)
    with pytest.raises(ValueError, match="strength"):
        beds.fisher_rao_penalty(q, q, -1.0)
    with pytest.raises(ValueError, match="strength"):
        beds.fisher_rao_penalty(q, q, np.nan)
    with pytest.raises(TypeError, match="q_ref"):
        beds.fisher_rao_penalty(q, beds.Exponential(1.0), 1.0)
    with pytest.raises(TypeError, match="q must be a belief"):
        beds.fisher_rao_penalty(np.zeros(2), q)
    with pytest.raises(ValueError, match="param"):
        beds.fisher_rao_penalty(q, q, 1.0, param="log_mean")
    with pytest.raises(ValueError, match="shapes do not broadcast|broadcast"):
        beds.fisher_rao_penalty(beds.Normal(np.zeros(3), 1.0), beds.Normal(np.zeros(4), 1.0), 1.0)
    with pytest.raises(ValueError, match="broadcast"):
        beds.fisher_rao_penalty(beds.DiagNormal(np.zeros(3), 1.0), beds.DiagNormal(np.zeros(4), 1.0), 1.0)


# ------------------------------------------------------------------ other families (generic path)
def test_categorical_penalty_gradients_mpmath(rng):
    k, lam = 4, 1.3
    for _ in range(8):
        z, zr = rng.normal(size=k), rng.normal(size=k)
        q, qr = beds.Categorical(logits=z), beds.Categorical(logits=zr)
        r = beds.fisher_rao_penalty(q, qr, lam, param="logits")
        rp = beds.fisher_rao_penalty(q, qr, lam)
        pr = [mpmath.mpf(float(x)) for x in qr.probs]

        def f(zz, pr=pr):
            e = [mpmath.exp(x) for x in zz]
            s = sum(e)
            bc = sum(mpmath.sqrt(x / s * y) for x, y in zip(e, pr))
            return lam / 2 * (2 * mpmath.acos(bc)) ** 2

        zz = [mpmath.mpf(float(x)) for x in z]
        assert rel(r.value, f(zz)) < 1e-12
        for i in range(k):
            assert abs(r.grad["logits"][i] - float(mp_fd(f, zz, i))) < 1e-12
        # probability coordinates: the directional derivative along tangent vectors (sum 0)
        p = q.probs
        u = rng.normal(size=k)
        u -= u.mean()
        pm = [mpmath.mpf(float(x)) for x in p]

        def fp(t, u=u, pm=pm, pr=pr):
            pp = [a + t * b for a, b in zip(pm, u)]
            bc = sum(mpmath.sqrt(a * b) for a, b in zip(pp, pr))
            return lam / 2 * (2 * mpmath.acos(bc)) ** 2

        h = mpmath.mpf("1e-20")
        dd = (fp(h) - fp(-h)) / (2 * h)
        assert abs(float(np.dot(rp.grad["probs"], u)) - float(dd)) < 1e-12
        # natural gradient (probability coordinates) is the tangent -lam Log, summing to 0
        assert abs(rp.natural_grad["probs"].sum()) < 1e-15
        # natural gradient in logits: its image under dp/dz is the probability-coordinate one
        jz = np.diag(p) - np.outer(p, p)
        np.testing.assert_allclose(jz @ r.natural_grad["logits"], rp.natural_grad["probs"], atol=1e-14)


@pytest.mark.parametrize("family", ["exponential", "poisson"])
def test_rate_family_penalty_gradients_mpmath(rng, family):
    cls = beds.Exponential if family == "exponential" else beds.Poisson

    def mp_d(a, b):
        return abs(mpmath.log(a / b)) if family == "exponential" else 2 * abs(mpmath.sqrt(a) - mpmath.sqrt(b))

    rate, rref = np.exp(rng.normal(size=10)), np.exp(rng.normal(size=10))
    r = beds.fisher_rao_penalty(cls(rate), cls(rref), 0.7)
    rl = beds.fisher_rao_penalty(cls(rate), cls(rref), 0.7, param="log_rate")
    for i in range(10):

        def f(x, i=i):
            return mpmath.mpf("0.7") / 2 * mp_d(x[0], mpmath.mpf(float(rref[i]))) ** 2

        x = [mpmath.mpf(float(rate[i]))]
        g = mp_fd(f, x, 0)
        assert rel(r.grad["rate"][i], g) < 1e-13
        assert rel(rl.grad["log_rate"][i], g * x[0]) < 1e-13
        info = 1 / x[0] ** 2 if family == "exponential" else 1 / x[0]
        assert rel(r.natural_grad["rate"][i], g / info) < 1e-13
        assert rel(rl.natural_grad["log_rate"][i], g / info / x[0]) < 1e-13


def test_kl_penalty_gradients_mpmath(rng):
    m, s, mr, sr = 0.3, 1.4, -0.5, 0.8

    def f(x):
        return mpmath.log(sr / x[1]) + (x[1] ** 2 + (x[0] - mr) ** 2) / (2 * sr**2) - mpmath.mpf(1) / 2

    r = beds.kl_penalty(beds.Normal(m, s), beds.Normal(mr, sr), 2.0)
    x = [mpmath.mpf(m), mpmath.mpf(s)]
    assert rel(r.value, 2 * f(x)) < 1e-14
    assert rel(r.grad["mean"], 2 * mp_fd(f, x, 0)) < 1e-13
    assert rel(r.grad["std"], 2 * mp_fd(f, x, 1)) < 1e-13
    # locally KL ~ d^2 / 2: the two penalties agree to second order
    a, b = beds.Normal(0.0, 1.0), beds.Normal(1e-4, 1.0 + 1e-4)
    assert rel(beds.kl_penalty(a, b).value, beds.fisher_rao_penalty(a, b).value) < 1e-3


def test_cholesky_grad_finite_differences(rng):
    d = 3
    L = np.tril(rng.normal(size=(d, d))) + 3 * np.eye(d)
    A = rng.normal(size=(d, d))

    def f(L):
        S = L @ L.T
        return np.trace(A @ S) + np.linalg.slogdet(S)[1]

    S = L @ L.T
    gS = A.T + np.linalg.inv(S)  # df/dSigma
    gL = beds.cholesky_grad(gS, L)
    h = 1e-6
    for i in range(d):
        for j in range(i + 1):
            e = np.zeros((d, d))
            e[i, j] = h
            fd = (f(L + e) - f(L - e)) / (2 * h)
            assert abs(gL[i, j] - fd) < 1e-7 * max(1, abs(fd))


# ------------------------------------------------------------------ SIGReg
def np_sigreg(x, a, t_max=3.0, knots=17):
    """The LeJEPA reference formula in numpy (float64)."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    p = x @ a.T  # N x M
    t = np.linspace(0, t_max, knots)
    h = t_max / (knots - 1)
    w = np.full(knots, 2 * h)
    w[[0, -1]] = h
    phi = np.exp(-t * t / 2)
    xt = p[..., None] * t
    c = np.cos(xt).mean(axis=0)
    s = np.sin(xt).mean(axis=0)
    err = (c - phi) ** 2 + s**2
    return float(np.mean(err @ (w * phi) * x.shape[0]))


def test_sigreg_matches_numpy_reference(rng, simd_level):
    x = rng.normal(size=(300, 12)) * 1.3 + 0.2
    a = rng.normal(size=(40, 12))
    v = beds.sigreg(x, a)
    assert rel(v, np_sigreg(x, a)) < 1e-12
    v2 = beds.sigreg(x, a, t_max=5.0, knots=33)
    assert rel(v2, np_sigreg(x, a, 5.0, 33)) < 1e-12
    # a Gaussian sample scores lower than a shifted, scaled one
    z = rng.normal(size=(2000, 8))
    assert beds.sigreg(z, seed=1, num_directions=64) < 0.1 * beds.sigreg(2 * z + 1, seed=1, num_directions=64)
    # same seed, same directions; the object form seeds with the step
    assert beds.SIGReg(num_directions=16)(x, step=3) == beds.sigreg(x, num_directions=16, seed=3)


def test_sigreg_gradient_finite_differences(rng, simd_level):
    x = rng.normal(size=(50, 6))
    a = rng.normal(size=(10, 6))
    v, g = beds.sigreg(x, a, grad=True)
    assert g.shape == x.shape
    h = 1e-6
    for n, d in [(0, 0), (7, 3), (49, 5), (20, 1)]:
        e = np.zeros_like(x)
        e[n, d] = h
        fd = (np_sigreg(x + e, a) - np_sigreg(x - e, a)) / (2 * h)
        assert abs(g[n, d] - fd) < 1e-7 * max(1.0, abs(fd))


def test_sigreg_bad_input(rng):
    x = rng.normal(size=(10, 3))
    with pytest.raises(ValueError, match="x must be"):
        beds.sigreg(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="directions"):
        beds.sigreg(x, np.ones((4, 2)))
    with pytest.raises(ValueError, match="x must be finite"):
        beds.sigreg(np.where(np.arange(30).reshape(10, 3) == 4, np.nan, x), seed=0)
    with pytest.raises(ValueError, match="knots"):
        beds.sigreg(x, knots=1)
    with pytest.raises(ValueError, match="nonzero"):
        beds.sigreg(x, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="num_directions"):
        beds.sigreg(x, num_directions=0)


def test_sigreg_threads_and_float32(rng):
    x = rng.normal(size=(3000, 20))
    a = rng.normal(size=(70, 20))
    old = beds.get_num_threads()
    try:
        beds.set_num_threads(1)
        v1, g1 = beds.sigreg(x, a, grad=True)
        beds.set_num_threads(2)
        v2, g2 = beds.sigreg(x, a, grad=True)
    finally:
        beds.set_num_threads(old)
    assert v1 == v2 and np.array_equal(g1, g2)  # bit-identical whatever the thread count
    v3, g3 = beds.sigreg(x.astype(np.float32), a, grad=True)
    assert g3.dtype == np.float32
    assert rel(v3, np_sigreg(x.astype(np.float32).astype(np.float64), a)) < 1e-12


def test_kl_penalty_categorical_logits(rng):
    z, zr = rng.normal(size=5), rng.normal(size=5)
    q, r = beds.Categorical(logits=z), beds.Categorical(logits=zr)
    res = beds.kl_penalty(q, r, 2.0, param="logits")
    p, pr = q.probs, r.probs
    kl = float(np.sum(p * np.log(p / pr)))
    np.testing.assert_allclose(res.grad["logits"], 2.0 * p * (np.log(p / pr) - kl), rtol=1e-12, atol=1e-15)


def test_sigreg_large_projections_use_the_exact_argument_reduction(rng, simd_level):
    """h x beyond 1e5 goes through std::sin/cos, below through the vectorized sincos: both agree
    with numpy (whose own argument rounding limits the agreement for huge x)."""
    x = rng.normal(size=(300, 8))
    a = rng.normal(size=(20, 8))
    for scale, tol in ((1e3, 1e-13), (1e5, 1e-12), (1e6, 1e-11)):
        assert rel(beds.sigreg(x * scale, a), np_sigreg(x * scale, a)) < tol


def test_penalty_out_arrays(rng):
    n = 1000
    q = beds.Normal(rng.normal(size=n), np.exp(rng.normal(size=n)))
    qr = beds.Normal(0.0, 1.0)
    out = tuple(np.empty(n) for _ in range(5))
    r = beds.fisher_rao_penalty(q, qr, 0.3, out=out)
    e = beds.fisher_rao_penalty(q, qr, 0.3)
    assert r.value is out[0] and r.grad["std"] is out[2] and r.natural_grad["std"] is out[4]
    np.testing.assert_array_equal(out[1], e.grad["mean"])
    d = beds.DiagNormal(q.mean.reshape(10, 100), q.std.reshape(10, 100))
    outd = (np.empty(10),) + tuple(np.empty((10, 100)) for _ in range(4))
    rd = beds.fisher_rao_penalty(d, beds.DiagNormal(np.zeros(100), 1.0), 0.3, out=outd)
    np.testing.assert_allclose(rd.value, e.value.reshape(10, 100).sum(-1), rtol=1e-13)
    with pytest.raises(ValueError, match="out="):
        beds.fisher_rao_penalty(q, qr, 0.3, param="log_std", out=out)
    with pytest.raises(TypeError, match="5 arrays"):
        beds.fisher_rao_penalty(q, qr, 0.3, out=out[:2])


_pos = st.floats(1e-6, 1e6)
_real = st.floats(-1e6, 1e6)


@settings(max_examples=150, deadline=None)
@given(_real, _pos, _real, _pos, st.floats(1e-3, 1e3))
@example(m=9.379568877188455e-157, s=1.0, mr=0.0, sr=1.0, lam=0.25)
def test_penalty_identities_over_wide_ranges(m, s, mr, sr, lam):
    """Over means up to 1e6 and stds from 1e-6 to 1e6: value = lam/2 d^2 (mpmath), the natural
    gradient has FR norm lam d, and grad = G natgrad."""
    r = beds.fisher_rao_penalty(beds.Normal(m, s), beds.Normal(mr, sr), lam)
    d2 = mp_normal_d2(m, s, mr, sr)
    assert rel(r.value, lam / 2 * d2) < 1e-12 or float(d2) == 0.0
    nm, ns = float(r.natural_grad["mean"]), float(r.natural_grad["std"])
    d = float(mpmath.sqrt(d2))  # not sqrt(float(d2)): d2 underflows for distances below 1e-154
    # hypot: nm * nm underflows for means near 1e-157 (the test's own arithmetic, not the kernel's)
    assert abs(math.hypot(nm, math.sqrt(2.0) * ns) / s - lam * d) <= 1e-12 * lam * d + 1e-300
    assert rel(r.grad["mean"], nm / s**2) < 1e-15 or nm == 0.0
    assert rel(r.grad["std"], 2 * ns / s**2) < 1e-15 or ns == 0.0


def test_penalty_strength_shape_errors_name_the_arguments():
    with pytest.raises(ValueError, match="strength"):
        beds.fisher_rao_penalty(beds.DiagNormal(np.zeros((2, 3)), 1.0), beds.DiagNormal(np.zeros(3), 1.0), np.ones(4))
    with pytest.raises(ValueError, match="strength"):
        beds.fisher_rao_penalty(beds.Normal(np.zeros(3), 1.0), beds.Normal(0.0, 1.0), np.ones(4))
    with pytest.raises(ValueError, match="strength"):
        beds.fisher_rao_penalty(beds.Categorical(np.full((3, 2), 0.5)), beds.Categorical([0.5, 0.5]), np.ones(4))
    with pytest.raises(ValueError, match="strength"):
        beds.kl_penalty(beds.Poisson(np.ones(3)), beds.Poisson(1.0), np.ones(2))


@pytest.mark.parametrize("penalty", [beds.fisher_rao_penalty, beds.kl_penalty])
@pytest.mark.parametrize("strength", [9e86, 10**50, 10**400])
def test_a_python_strength_beyond_the_float_type_is_named_without_warnings(penalty, strength):
    """A Python number too large for the beliefs' float type: one ValueError naming the strength and
    the range (it was cast to inf with a RuntimeWarning, then called "not finite")."""
    p = beds.Normal(np.float32(0.0), np.float32(1.0))
    q = beds.Normal(np.float32(1.0), np.float32(2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"strength = .* is beyond the largest float32 \(3\.403e\+38\)"):
            penalty(p, q, strength)


def test_kl_penalty_overflow_is_one_error_without_warnings():
    """strength * KL overflows: the ValueError of the value, and no RuntimeWarning before it."""
    p, q = beds.Normal(0.0, 1e-300), beds.Normal(1.0, 1e-300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="largest float"):
            beds.kl_penalty(p, q, 1e300)
