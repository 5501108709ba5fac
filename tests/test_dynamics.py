"""BEDS dynamics (beds.System): exact dissipation, conjugate updates, fusion, crystallization and
the event-driven integrator, against solve_ivp, closed-form Kalman/Riccati solutions and
hand-written reference loops."""

from __future__ import annotations

import math

import beds
import numpy as np
import pytest
from beds.dynamics import ema_decay, ema_gain, gamma_from_ema, von_mises_entropy, von_mises_mean_resultant
from scipy import integrate, special


def _stream(rng, n, m, horizon=10.0):
    t = np.sort(rng.uniform(0, horizon, m))
    return t, rng.integers(0, n, m), rng.normal(size=m), rng.uniform(0.1, 3.0, m)


# ----------------------------------------------------------------------------- one-shot operations
def test_docstring_example_values():
    s = beds.System.normal(mean=[0.0, 1.0], precision=[4.0, 1.0], gamma=0.5)
    np.testing.assert_allclose(s.dissipate(2.0).precision, [4 * math.exp(-1), math.exp(-1)], rtol=1e-15)
    np.testing.assert_allclose(s.assimilate(2.0, precision=4.0).mean, [1.0, 1.8], rtol=1e-15)
    np.testing.assert_allclose(s.assimilate(2.0, precision=4.0).precision, [8.0, 5.0])


def test_flat_dissipation_is_p3():
    s = beds.System.normal(mean=[0.3, -2.0], var=[0.5, 2.0], gamma=[0.2, 1.5])
    d = s.dissipate(3.0)
    np.testing.assert_allclose(d.var, np.array([0.5, 2.0]) * np.exp(np.array([0.2, 1.5]) * 3.0), rtol=1e-14)
    np.testing.assert_array_equal(d.mean, s.mean)
    assert d.t == 3.0
    # entropy rises at gamma / 2 per unit time whatever tau
    np.testing.assert_allclose(d.entropy() - s.entropy(), np.array([0.2, 1.5]) * 3.0 / 2, rtol=1e-13)


def test_reference_dissipation_matches_solve_ivp():
    gamma, tau0, mu0, tref, mref = 0.7, 5.0, 2.0, 0.5, -1.0
    s = beds.System.normal(mu0, precision=tau0, gamma=gamma, reference=(mref, tref))

    def rhs(_t, y):  # y = (tau, tau mu): natural parameters relax toward the reference
        return [-gamma * (y[0] - tref), -gamma * (y[1] - tref * mref)]

    sol = integrate.solve_ivp(rhs, (0, 4.0), [tau0, tau0 * mu0], rtol=1e-12, atol=1e-14, dense_output=True)
    for t in (0.1, 1.0, 4.0):
        tau, h = sol.sol(t)
        d = s.dissipate(t)
        np.testing.assert_allclose(d.precision, tau, rtol=1e-10)
        np.testing.assert_allclose(d.mean, h / tau, rtol=1e-10)
    # long times: relaxes to the reference
    far = s.dissipate(200.0)
    np.testing.assert_allclose([far.mean, far.precision], [mref, tref], rtol=1e-12)


def test_additive_dissipation_matches_solve_ivp():
    q, tau0 = 0.3, 4.0
    s = beds.System.normal(1.0, precision=tau0, q=q)
    sol = integrate.solve_ivp(
        lambda _t, y: [-q * y[0] ** 2], (0, 5.0), [tau0], rtol=1e-12, atol=1e-14, dense_output=True
    )
    for t in (0.5, 5.0):
        np.testing.assert_allclose(s.dissipate(t).precision, sol.sol(t)[0], rtol=1e-10)
        np.testing.assert_allclose(s.dissipate(t).var, 1 / tau0 + q * t, rtol=1e-14)
    np.testing.assert_allclose(s.dissipate(2.0).dissipate(3.0).precision, s.dissipate(5.0).precision, rtol=1e-14)


def test_semigroup_and_zero_time():
    s = beds.System.diag_normal(
        np.zeros((2, 3)), precision=np.arange(1.0, 7.0).reshape(2, 3), gamma=[0.1, 0.2, 0.3], reference=(1.0, 0.25)
    )
    a = s.dissipate(0.7).dissipate(1.3)
    b = s.dissipate(2.0)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-13)
    np.testing.assert_allclose(a.precision, b.precision, rtol=1e-13)
    np.testing.assert_array_equal(s.dissipate(0.0).precision, s.precision)


def test_fusion_is_product_of_gaussians():
    a = beds.System.normal([0.0, 1.0], var=[1.0, 4.0], gamma=0.1)
    b = beds.System.normal([2.0, 1.0], var=[1.0, 1.0], gamma=0.1)
    f = a.fuse(b)
    np.testing.assert_allclose(f.mean, [1.0, 1.0])
    np.testing.assert_allclose(f.var, [0.5, 0.8])
    # product of densities, checked pointwise: log N(x; f) = log N(x; a) + log N(x; b) + const
    x = np.linspace(-3, 3, 7)[:, None]

    def logpdf(m, v):
        return -0.5 * (x - m) ** 2 / v - 0.5 * np.log(2 * np.pi * v)

    diff = logpdf(f.mean, f.var) - logpdf(a.mean, a.var) - logpdf(b.mean, b.var)
    np.testing.assert_allclose(diff - diff[0], 0.0, atol=1e-12)
    with pytest.raises(TypeError, match="cannot fuse"):
        a.fuse(beds.System.von_mises(0.0, 1.0, gamma=0.1))


def test_crystallization_halts():
    s = beds.System.normal([0.0, 0.0], var=[0.001, 1.0], gamma=0.5, eps=0.01)
    np.testing.assert_array_equal(s.crystallized(), [True, False])
    c = s.crystallize()
    np.testing.assert_array_equal(c.frozen, [True, False])
    np.testing.assert_array_equal(c.output, [0.0, np.nan])
    d = c.dissipate(10.0).assimilate(5.0, 1.0)
    assert d.var[0] == 0.001 and d.mean[0] == 0.0  # halted
    assert d.mean[1] != 0.0 and d.var[1] != 1.0
    fin, tr = c.integrate([1.0, 2.0], [0, 1], [3.0, 3.0], 1.0, record=[2.0])
    assert fin.mean[0] == 0.0 and fin.precision[0] == 1000.0 and tr.observations[0, 0] == 0
    assert tr.observations[0, 1] == 1


@pytest.mark.parametrize("rule", ["trace", "max_eig", "det"])
def test_crystallization_rules(rule):
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    s = beds.System.mv_normal(np.zeros(2), cov, gamma=0.1, eps=1.0, rule=rule)
    ev = np.linalg.eigvalsh(cov)
    expected = {"trace": ev.sum(), "max_eig": ev.max(), "det": ev.prod()}[rule]
    np.testing.assert_allclose(s.uncertainty(), expected, rtol=1e-13)
    d = beds.System.diag_normal(np.zeros(2), var=[2.0, 0.5], gamma=0.1, eps=1.0, rule=rule)
    np.testing.assert_allclose(d.uncertainty(), {"trace": 2.5, "max_eig": 2.0, "det": 1.0}[rule])


# ----------------------------------------------------------------------------- full covariance
def test_mv_normal_kalman_update_and_diffusion(rng):
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + np.eye(3)
    mean = rng.normal(size=3)
    b = rng.normal(size=(3, 3))
    r = b @ b.T + 0.5 * np.eye(3)  # observation precision matrix
    y = rng.normal(size=3)
    s = beds.System.mv_normal(mean, cov, gamma=0.2)
    up = s.assimilate(y, r)
    # covariance-form Kalman update with H = I, noise covariance R^-1
    k = cov @ np.linalg.inv(cov + np.linalg.inv(r))
    np.testing.assert_allclose(up.mean, mean + k @ (y - mean), rtol=1e-12)
    np.testing.assert_allclose(up.cov, (np.eye(3) - k) @ cov, rtol=1e-12, atol=1e-14)
    # multiplicative: covariance grows by e^(gamma t); additive: Sigma + q t I
    np.testing.assert_allclose(s.dissipate(2.0).cov, cov * math.exp(0.4), rtol=1e-12)
    sq = beds.System.mv_normal(mean, cov, q=0.3)
    np.testing.assert_allclose(sq.dissipate(2.0).cov, cov + 0.6 * np.eye(3), rtol=1e-12)
    # entropy of a Gaussian
    np.testing.assert_allclose(s.entropy(), 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1], rtol=1e-13)


def test_mv_normal_reference_dissipation(rng):
    a = rng.normal(size=(2, 2))
    cov = a @ a.T + np.eye(2)
    ref_prec = np.array([[0.5, 0.1], [0.1, 0.3]])
    ref_mean = np.array([1.0, -1.0])
    s = beds.System.mv_normal([0.5, 0.5], cov, gamma=0.4, reference=(ref_mean, ref_prec))
    p0 = np.linalg.inv(cov)
    h0 = p0 @ np.array([0.5, 0.5])

    def rhs(_t, y):
        p, h = y[:4].reshape(2, 2), y[4:]
        return np.concatenate([(-0.4 * (p - ref_prec)).ravel(), -0.4 * (h - ref_prec @ ref_mean)])

    sol = integrate.solve_ivp(rhs, (0, 3.0), np.concatenate([p0.ravel(), h0]), rtol=1e-12, atol=1e-14)
    p, h = sol.y[:4, -1].reshape(2, 2), sol.y[4:, -1]
    d = s.dissipate(3.0)
    np.testing.assert_allclose(d.precision, p, rtol=1e-9)
    np.testing.assert_allclose(d.mean, np.linalg.solve(p, h), rtol=1e-9)


def test_diag_equals_mv_with_diagonal_covariance(rng):
    n, d, m = 4, 3, 60
    t = np.sort(rng.uniform(0, 5, m))
    idx = rng.integers(0, n, m)
    vals = rng.normal(size=(m, d))
    prec = rng.uniform(0.2, 2.0, (m, d))
    var0 = rng.uniform(0.5, 2.0, (n, d))
    for kw in ({"gamma": 0.3}, {"q": 0.2}):
        a = beds.System.diag_normal(np.zeros((n, d)), var0, **kw)
        b = beds.System.mv_normal(np.zeros((n, d)), var0[..., None] * np.eye(d), **kw)
        rec = [1.0, 2.5, 5.0]
        fa, ta = a.integrate(t, idx, vals, prec, record=rec)
        fb, tb = b.integrate(t, idx, vals, prec, record=rec)
        np.testing.assert_allclose(ta.mean, tb.mean, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(ta.precision, np.diagonal(tb.precision, axis1=-2, axis2=-1), rtol=1e-12)
        np.testing.assert_allclose(ta.info_gained, tb.info_gained, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(ta.info_dissipated, tb.info_dissipated, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(ta.entropy, tb.entropy, rtol=1e-12)
        np.testing.assert_allclose(fa.mean, fb.mean, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kw", [{"gamma": 0.4}, {"q": 0.3}, {"gamma": 0.4, "reference": "given"}])
@pytest.mark.parametrize("shared", [False, True])
def test_mv_integrator_matches_sequential_operations(rng, kw, shared):
    n, d, m = 3, 2, 40
    t = np.sort(rng.uniform(0, 4, m))
    idx = rng.integers(0, n, m)
    vals = rng.normal(size=(m, d))
    a = rng.normal(size=(m, d, d))
    obs = a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(d)
    if shared:
        obs = obs[0]
    c = rng.normal(size=(n, d, d))
    cov = c @ np.swapaxes(c, -1, -2) + np.eye(d)
    mean0 = rng.normal(size=(n, d))
    kw = dict(kw)
    if kw.get("reference") == "given":
        kw["reference"] = (np.array([1.0, -1.0]), np.array([[0.5, 0.2], [0.2, 0.4]]))
    s = beds.System.mv_normal(mean0, cov, **kw)
    rec = np.sort(np.concatenate([[0.0, 4.0], t[[5, 20]]]))
    fin, tr = s.integrate(t, idx, vals, obs, record=rec)
    # reference: one-belief systems advanced with dissipate/assimilate (the numpy code path)
    for i in range(n):
        one = beds.System.mv_normal(mean0[i], cov[i], **kw)
        gained = 0.0
        j = 0
        for e in np.flatnonzero(idx == i):
            while j < rec.size and rec[j] < t[e]:
                st = one.dissipate(rec[j] - one.t)
                np.testing.assert_allclose(tr.mean[j, i], st.mean, rtol=1e-10, atol=1e-12)
                np.testing.assert_allclose(tr.precision[j, i], st.precision, rtol=1e-10, atol=1e-12)
                np.testing.assert_allclose(tr.info_gained[j, i], gained, rtol=1e-9, atol=1e-12)
                j += 1
            pre = one.dissipate(t[e] - one.t)
            one = pre.assimilate(vals[e], obs if shared else obs[e])
            gained += float(pre.entropy() - one.entropy())
        while j < rec.size:
            st = one.dissipate(rec[j] - one.t)
            np.testing.assert_allclose(tr.mean[j, i], st.mean, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(tr.info_gained[j, i], gained, rtol=1e-9, atol=1e-12)
            j += 1
        np.testing.assert_allclose(fin.mean[i], one.dissipate(4.0 - one.t).mean, rtol=1e-10, atol=1e-12)
    # entropy bookkeeping: gained - dissipated = H(t0) - H(t)
    np.testing.assert_allclose(tr.info_gained - tr.info_dissipated, s.entropy() - tr.entropy, atol=1e-10)


# ----------------------------------------------------------------------------- von Mises
def test_von_mises_bessel_helpers():
    k = np.concatenate([[0.0, 1e-8, 0.5, 1.0, 2.0, 10.0, 24.9, 25.0, 25.1, 100.0, 1e4]], axis=0)
    log_i0e, a = von_mises_mean_resultant(k)
    np.testing.assert_allclose(log_i0e, np.log(special.i0e(k)), rtol=2e-15, atol=1e-15)
    # mpmath at 40 digits: relative accuracy of log I0e down to tiny kappa (where scipy's log loses it)
    import mpmath as mp

    with mp.workdps(40):
        kk = np.geomspace(1e-6, 1e4, 40)
        ref_l = np.array([float(mp.log(mp.besseli(0, mp.mpf(x))) - x) for x in kk])
        ref_a = np.array([float(mp.besseli(1, mp.mpf(x)) / mp.besseli(0, mp.mpf(x))) for x in kk])
    li, aa = von_mises_mean_resultant(kk)
    np.testing.assert_allclose(li, ref_l, rtol=2e-15)
    np.testing.assert_allclose(aa, ref_a, rtol=2e-15)
    np.testing.assert_allclose(a, special.i1e(k) / special.i0e(k), rtol=2e-15, atol=1e-300)
    # reference values of the docs page mathematics/von_mises
    np.testing.assert_allclose(
        von_mises_mean_resultant([1.0, 2.0, 10.0])[1], [0.4463899659, 0.6977746580, 0.9485998260], rtol=1e-9
    )
    h = von_mises_entropy(2.0)
    np.testing.assert_allclose(
        h, math.log(2 * math.pi * special.i0(2.0)) - 2.0 * special.i1(2.0) / special.i0(2.0), rtol=1e-14
    )


def test_von_mises_operations():
    s = beds.System.von_mises([0.0, 1.0], [2.0, 3.0], gamma=0.5)
    np.testing.assert_allclose(s.dissipate(2.0).kappa, np.array([2.0, 3.0]) * math.exp(-1.0), rtol=1e-14)
    np.testing.assert_allclose(s.dissipate(2.0).mu, [0.0, 1.0], atol=1e-15)
    up = s.assimilate(math.pi / 2, 2.0)
    np.testing.assert_allclose(up.eta[0], [2.0, 2.0], atol=1e-15)  # (2, 0) + 2 (0, 1)
    np.testing.assert_allclose(up.mu[0], math.pi / 4)
    np.testing.assert_allclose(up.kappa[0], 2 * math.sqrt(2))
    f = s.fuse(s)
    np.testing.assert_allclose(f.kappa, [4.0, 6.0])
    r = beds.System.von_mises(0.0, 1.0, gamma=1.0, reference=(math.pi / 2, 5.0))
    far = r.dissipate(100.0)
    np.testing.assert_allclose([far.mu, far.kappa], [math.pi / 2, 5.0], rtol=1e-12)
    mid = r.dissipate(math.log(2.0))  # a = 1/2: eta = (1, 0)/2 + (0, 5)/2
    np.testing.assert_allclose(mid.eta, [0.5, 2.5], rtol=1e-14)
    out = s.belief
    if getattr(beds, "VonMises", None) is None:
        np.testing.assert_allclose(out[0], [0.0, 1.0], atol=1e-15)
        np.testing.assert_allclose(out[1], [2.0, 3.0])


def test_von_mises_integrator_matches_loop(rng):
    n, m = 5, 300
    t, idx, x, kd = _stream(rng, n, m)
    x = x * 2
    s = beds.System.von_mises(
        rng.uniform(-3, 3, n), rng.uniform(0, 4, n), gamma=rng.uniform(0.1, 1, n), reference=(0.3, 0.7)
    )
    rec = np.sort([0.0, 2.0, t[40], 7.5, 10.0])
    fin, tr = s.integrate(t, idx, x, kd, record=rec)
    gamma = s.gamma
    eta = s.eta
    reta = 0.7 * np.array([math.cos(0.3), math.sin(0.3)])
    last = np.zeros(n)
    gained = np.zeros(n)
    j = 0
    for e in range(m):
        while j < rec.size and rec[j] < t[e]:
            a = np.exp(-gamma * (rec[j] - last))[:, None]
            ref_state = a * eta + (1 - a) * reta
            np.testing.assert_allclose(tr.precision[j], np.hypot(*ref_state.T), rtol=1e-12)
            np.testing.assert_allclose(tr.info_gained[j], gained, rtol=1e-11, atol=1e-13)
            j += 1
        i = idx[e]
        a = math.exp(-gamma[i] * (t[e] - last[i]))
        pre = a * eta[i] + (1 - a) * reta
        eta[i] = pre + kd[e] * np.array([math.cos(x[e]), math.sin(x[e])])
        gained[i] += von_mises_entropy(np.hypot(*pre)) - von_mises_entropy(np.hypot(*eta[i]))
        last[i] = t[e]
    a = np.exp(-gamma * (10.0 - last))[:, None]
    final = a * eta + (1 - a) * reta
    np.testing.assert_allclose(fin.eta, final, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tr.mean[-1], np.arctan2(final[:, 1], final[:, 0]), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(tr.observations[-1], np.bincount(idx, minlength=n))
    np.testing.assert_allclose(tr.info_gained[-1], gained, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(tr.info_gained - tr.info_dissipated, s.entropy() - tr.entropy, atol=1e-12)


def test_von_mises_dissipation_entropy():
    # no observations: the dissipated information is the entropy increase; kappa decays as e^(-gamma t)
    s = beds.System.von_mises([0.0, 2.0], [30.0, 3.0], gamma=0.5)
    _, tr = s.integrate(np.array([]), np.array([], dtype=np.int64), np.array([]), np.array([]), record=[0.0, 1.0, 4.0])
    np.testing.assert_allclose(
        tr.precision, np.array([30.0, 3.0]) * np.exp(-0.5 * np.array([0, 1.0, 4.0]))[:, None], rtol=1e-14
    )
    np.testing.assert_allclose(tr.info_dissipated, tr.entropy - tr.entropy[0], atol=1e-14)
    np.testing.assert_array_equal(tr.info_gained, 0.0)
    # large kappa: the Gaussian limit, entropy rising at gamma / 2 per unit time
    big = beds.System.von_mises(0.0, 1e6, gamma=0.5)
    _, tb = big.integrate(np.array([]), np.array([], dtype=np.int64), np.array([]), np.array([]), record=[1.0])
    np.testing.assert_allclose(tb.info_dissipated, 0.25, rtol=1e-5)


# ----------------------------------------------------------------------------- integrator
def _reference_loop(mean, prec, gamma, q, ref_mean, ref_prec, t, idx, v, r, rec):
    """Plain scalar loop with the exact solutions, written independently of beds."""
    mean, prec = mean.copy(), prec.copy()
    n = mean.size
    last = np.zeros(n)
    gained = np.zeros(n)
    out = []

    def diss(i, dt, mu, tau):
        if q is not None:
            return mu, 1.0 / (1.0 / tau + q[i] * dt)
        a = math.exp(-gamma[i] * dt)
        t2 = a * tau + (1 - a) * ref_prec[i]
        return (a * tau * mu + (1 - a) * ref_prec[i] * ref_mean[i]) / t2, t2

    def record(tr):
        ms, ps = zip(*(diss(i, tr - last[i], mean[i], prec[i]) for i in range(n)))
        out.append((np.array(ms), np.array(ps), gained.copy()))

    j = 0
    for e in range(t.size):
        while j < len(rec) and rec[j] < t[e]:
            record(rec[j])
            j += 1
        i = idx[e]
        mu, tau = diss(i, t[e] - last[i], mean[i], prec[i])
        gained[i] += 0.5 * math.log((tau + r[e]) / tau)
        mean[i] = (tau * mu + r[e] * v[e]) / (tau + r[e])
        prec[i] = tau + r[e]
        last[i] = t[e]
    while j < len(rec):
        record(rec[j])
        j += 1
    return out


@pytest.mark.parametrize("model", ["flat", "reference", "additive"])
def test_integrator_matches_reference_loop(rng, model):
    n, m = 6, 400
    t, idx, v, r = _stream(rng, n, m)
    t[100:103] = t[100]  # simultaneous events
    mean0 = rng.normal(size=n)
    prec0 = rng.uniform(0.5, 3, n)
    gamma = rng.uniform(0.05, 1.0, n)
    ref_mean, ref_prec = rng.normal(size=n), rng.uniform(0.1, 1.0, n)
    if model == "flat":
        s = beds.System.normal(mean0, precision=prec0, gamma=gamma)
        args = (gamma, None, np.zeros(n), np.zeros(n))
    elif model == "reference":
        s = beds.System.normal(mean0, precision=prec0, gamma=gamma, reference=(ref_mean, ref_prec))
        args = (gamma, None, ref_mean, ref_prec)
    else:
        s = beds.System.normal(mean0, precision=prec0, q=gamma)
        args = (None, gamma, None, None)
    rec = np.array([0.0, 0.5, t[100], t[200], 9.99, 10.0, 12.0])
    fin, tr = s.integrate(t, idx, v, r, record=rec)
    ref = _reference_loop(mean0, prec0, *args, t, idx, v, r, rec)
    for j, (mu, tau, g) in enumerate(ref):
        np.testing.assert_allclose(tr.mean[j], mu, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(tr.precision[j], tau, rtol=1e-12)
        np.testing.assert_allclose(tr.info_gained[j], g, rtol=1e-11, atol=1e-13)
        # gained - dissipated = H(t0) - H(t)
        np.testing.assert_allclose(
            tr.info_gained[j] - tr.info_dissipated[j],
            tr.entropy[0] - tr.entropy[j] if j == 0 else s.entropy() - tr.entropy[j],
            atol=1e-11,
        )
    np.testing.assert_allclose(fin.mean, tr.mean[-1], rtol=1e-14)
    assert fin.t == 12.0
    np.testing.assert_array_equal(tr.observations[-1], np.bincount(idx, minlength=n))
    np.testing.assert_array_equal(tr.observations[0], 0)


@pytest.mark.parametrize("model", ["flat", "reference", "additive"])
@pytest.mark.parametrize("scalar_prec", [False, True])
@pytest.mark.parametrize("uniform_gamma", [False, True])
def test_integrator_regular_stream_matches_reference_loop(rng, model, scalar_prec, uniform_gamma):
    # every belief observed at each step (the vectorized path for runs of consecutive beliefs),
    # with some steps shuffled or partial (the per-event path), and runs longer than a block
    n, steps = 300, 12
    times, index = [], []
    for k in range(steps):
        order = np.arange(n) if k % 3 else rng.permutation(n)
        if k % 4 == 1:
            order = order[: n // 2]
        times.append(np.full(order.size, 0.1 * (k + 1) + (0.05 if k % 5 == 2 else 0.0)))
        index.append(order)
    t = np.concatenate(times)
    idx = np.concatenate(index)
    v = rng.normal(size=t.size)
    r = np.full(t.size, 1.5) if scalar_prec else rng.uniform(0.1, 3.0, t.size)
    mean0, prec0 = rng.normal(size=n), rng.uniform(0.5, 3, n)
    gamma = np.full(n, 0.7)
    if not uniform_gamma:
        gamma[::7] = 0.2
    ref_mean, ref_prec = rng.normal(size=n), rng.uniform(0.1, 1.0, n)
    kw = {
        "flat": {"gamma": gamma},
        "reference": {"gamma": gamma, "reference": (ref_mean, ref_prec)},
        "additive": {"q": gamma},
    }[model]
    args = {
        "flat": (gamma, None, np.zeros(n), np.zeros(n)),
        "reference": (gamma, None, ref_mean, ref_prec),
        "additive": (None, gamma, None, None),
    }[model]
    s = beds.System.normal(mean0, precision=prec0, **kw)
    rec = np.array([0.35, 0.6, 1.3])
    _, tr = s.integrate(t, idx, v, 1.5 if scalar_prec else r, record=rec)
    ref = _reference_loop(mean0, prec0, *args, t, idx, v, r, rec)
    for j, (mu, tau, g) in enumerate(ref):
        np.testing.assert_allclose(tr.mean[j], mu, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(tr.precision[j], tau, rtol=1e-12)
        np.testing.assert_allclose(tr.info_gained[j], g, rtol=1e-11, atol=1e-13)
    # a bad value inside a run is still reported
    v2 = v.copy()
    v2[n + 5] = np.inf
    with pytest.raises(ValueError, match=r"values must be finite"):
        s.integrate(t, idx, v2, r)


def test_integrator_batch_shape_and_empty_stream():
    s = beds.System.normal(np.zeros((2, 3)), var=1.0, gamma=0.5)
    fin, tr = s.integrate([1.0], [4], [2.0], 1.0, record=[0.5, 2.0])
    assert tr.mean.shape == (2, 2, 3)
    assert tr.mean[1, 1, 1] != 0 and tr.mean[1, 0, 1] == 0
    fin, tr = s.integrate(np.array([]), np.array([], dtype=np.int64), np.array([]), np.array([]), record=[3.0])
    np.testing.assert_allclose(tr.precision[0], math.exp(-1.5), rtol=1e-14)
    np.testing.assert_allclose(tr.info_dissipated[0], 0.75, rtol=1e-14)
    assert fin.t == 3.0


def test_kalman_riccati_steady_state_additive():
    # random-walk state (variance rate q), an observation of precision R every Delta: the posterior
    # variance converges to the discrete Riccati fixed point P = M R^-1 / (M + R^-1), M = P + q Delta
    q, delta, obs_var = 0.3, 0.5, 0.2
    steps = 400
    t = delta * np.arange(1, steps + 1)
    s = beds.System.normal(0.0, var=5.0, q=q)
    fin, tr = s.integrate(t, np.zeros(steps, dtype=np.int64), np.zeros(steps), 1 / obs_var, record=[t[-1]])
    qd = q * delta
    m_prior = qd / 2 + math.sqrt(qd * qd / 4 + qd * obs_var)  # steady prior variance
    p_post = m_prior * obs_var / (m_prior + obs_var)
    np.testing.assert_allclose(1 / tr.precision[0], p_post, rtol=1e-13)


def test_multiplicative_steady_state_and_ema():
    gamma, delta, tau_d = 0.4, 0.25, 2.0
    alpha = float(ema_gain(gamma, delta))
    steps = 300
    t = delta * np.arange(1, steps + 1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=steps)
    tau_star = tau_d / alpha  # post-update steady state
    s = beds.System.normal(0.7, precision=tau_star, gamma=gamma)
    fin, tr = s.integrate(t, np.zeros(steps, dtype=np.int64), x, tau_d, record=t)
    ema = np.empty(steps)
    mu = 0.7
    beta = float(ema_decay(gamma, delta))
    for k in range(steps):
        mu = beta * mu + (1 - beta) * x[k]
        ema[k] = mu
    assert tr.mean.shape == (steps,)  # a scalar system: batch shape ()
    np.testing.assert_allclose(tr.mean, ema, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tr.precision, tau_star, rtol=1e-13)
    np.testing.assert_allclose(gamma_from_ema(beta, delta), gamma, rtol=1e-14)
    np.testing.assert_allclose(1 - beta, alpha, rtol=1e-14)


def test_entropy_production_floor_multiplicative():
    # measured with the per-event information accounting (explicit zero-precision reference: the
    # code path that sums 1/2 ln(1 + tau_D / tau) per event): steady state -> gamma / 2 per unit time
    gamma, rate, n = 0.8, 10.0, 50
    rng = np.random.default_rng(2)
    horizon = 40.0
    steps = int(horizon * rate)
    t = np.repeat(np.arange(1, steps + 1) / rate + rng.uniform(0, 0.05, steps), n)
    t.sort()
    idx = np.tile(np.arange(n), steps)
    s = beds.System.normal(np.zeros(n), var=1.0, gamma=gamma, reference=(0.0, 0.0))
    rec = np.linspace(20.0, 40.0, 3)
    _, tr = s.integrate(t, idx, rng.normal(size=t.size), rng.uniform(0.5, 2.0, t.size), record=rec)
    rate_meas = (tr.info_gained[-1] - tr.info_gained[0] - 0.5 * np.log(tr.precision[-1] / tr.precision[0])) / 20.0
    np.testing.assert_allclose(rate_meas, gamma / 2, rtol=0.01)
    np.testing.assert_allclose(tr.entropy_production_rate(), gamma / 2, rtol=0.01)
    # power: Landauer floor gamma k_B T / 2
    p = np.diff(tr.energy, axis=0) / 10.0
    np.testing.assert_allclose(p, beds.energy.landauer_power(gamma), rtol=0.01)


def test_entropy_production_floor_additive():
    q, rate, n = 0.05, 20.0, 20
    steps = 2000
    t = np.repeat(np.arange(1, steps + 1) / rate, n)
    idx = np.tile(np.arange(n), steps)
    rng = np.random.default_rng(3)
    s = beds.System.normal(np.zeros(n), var=1.0, q=q)
    # records at random phases of the observation period: their mean precision is the time average
    rec = np.concatenate([[50.0], np.sort(rng.uniform(50.0, 100.0, 2000)), [100.0]])
    _, tr = s.integrate(t, idx, rng.normal(size=t.size), 1.0, record=rec)
    measured = (tr.info_dissipated[-1] - tr.info_dissipated[0]) / (rec[-1] - rec[0])
    expected = q * tr.precision.mean(axis=0) / 2
    np.testing.assert_allclose(measured, expected, rtol=0.01)
    np.testing.assert_allclose(measured, beds.energy.additive_entropy_rate(q, tr.precision.mean(axis=0)), rtol=0.01)


def test_trajectory_energy_and_belief_conversion():
    s = beds.System.normal([0.0], var=[1.0], gamma=0.5)
    fin, tr = s.integrate([1.0, 2.0], [0, 0], [1.0, 2.0], [1.0, 1.0], record=[2.0], temperature=310.0)
    np.testing.assert_allclose(tr.energy, 1.380649e-23 * 310.0 * tr.info_dissipated)
    np.testing.assert_allclose(tr.operational_energy(1e-9), [[2e-9]])
    b = fin.belief
    assert isinstance(b, beds.Normal)
    np.testing.assert_allclose(b.std**2, fin.var)
    d = beds.System.from_belief(beds.DiagNormal(np.zeros(2), np.ones(2)), gamma=0.1)
    assert d.kind == "diag_normal" and isinstance(d.belief, beds.DiagNormal)


@pytest.mark.parametrize("kind", ["normal", "reference", "additive", "diag", "mv", "von_mises"])
def test_integration_splits_exactly(rng, kind):
    # integrating to t1 and continuing from the returned system equals one integration (the state at
    # t_end is exact, records are unaffected by where the stream is split)
    n, m = 4, 120
    t, idx, v, r = _stream(rng, n, m)
    if kind == "normal":
        s = beds.System.normal(rng.normal(size=n), var=1.0, gamma=0.3)
    elif kind == "reference":
        s = beds.System.normal(rng.normal(size=n), var=1.0, gamma=0.3, reference=(0.5, 0.2))
    elif kind == "additive":
        s = beds.System.normal(rng.normal(size=n), var=1.0, q=0.3)
    elif kind == "diag":
        s = beds.System.diag_normal(rng.normal(size=(n, 2)), var=1.0, gamma=[0.3, 0.1])
        v = np.stack([v, -v], -1)
        r = r[:, None]  # numpy broadcasting: one precision per event for both coordinates
    elif kind == "mv":
        s = beds.System.mv_normal(rng.normal(size=(n, 2)), np.array([[1.0, 0.3], [0.3, 0.5]]), gamma=0.3)
        v = np.stack([v, -v], -1)
        r = r[:, None]
    else:
        s = beds.System.von_mises(rng.normal(size=n), 2.0, gamma=0.3)
    full, tr = s.integrate(t, idx, v, r, record=[7.0], t_end=10.0)
    cut = int(np.searchsorted(t, 5.0, side="right"))
    half, _ = s.integrate(t[:cut], idx[:cut], v[:cut], r[:cut], t_end=5.0)
    assert half.t == 5.0 and t[cut - 1] <= 5.0 < t[cut]
    rest, tr2 = half.integrate(t[cut:], idx[cut:], v[cut:], r[cut:], record=[7.0], t_end=10.0)
    np.testing.assert_allclose(rest.mean, full.mean, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(rest.precision, full.precision, rtol=1e-12)
    np.testing.assert_allclose(tr2.mean, tr.mean, rtol=1e-12, atol=1e-13)
    assert rest.t == full.t == 10.0


def test_to_belief_without_the_new_families():
    out = beds.dynamics.to_belief("mv_normal", {"mean": np.zeros(2), "cov": np.eye(2)})
    if getattr(beds, "MVNormal", None) is None:
        assert isinstance(out, tuple) and out[1].shape == (2, 2)
    else:
        assert isinstance(out, beds.MVNormal)


@pytest.mark.parametrize("kind", ["normal", "additive", "von_mises", "mv"])
def test_threads_give_identical_results(kind):
    # large batches are split over threads by belief ranges: bit-identical results
    rng = np.random.default_rng(7)
    n, m = 1024, 70000 if kind != "mv" else 66000
    t = np.sort(rng.uniform(0, 10, m))
    idx = rng.integers(0, n, m)
    v = rng.normal(size=m)
    if kind == "normal":
        s = beds.System.normal(np.zeros(n), var=1.0, gamma=0.4)
    elif kind == "additive":
        s = beds.System.normal(np.zeros(n), var=1.0, q=0.4)
    elif kind == "von_mises":
        s = beds.System.von_mises(np.zeros(n), 1.0, gamma=0.4)
    else:
        s = beds.System.mv_normal(np.zeros((n, 2)), np.eye(2), gamma=0.4)
        v = np.stack([v, v], -1)
    before = beds.get_num_threads()
    try:
        beds.set_num_threads(1)
        f1, t1 = s.integrate(t, idx, v, 2.0, record=[5.0, 10.0])
        beds.set_num_threads(2)
        f2, t2 = s.integrate(t, idx, v, 2.0, record=[5.0, 10.0])
    finally:
        beds.set_num_threads(before)
    np.testing.assert_array_equal(t1.mean, t2.mean)
    np.testing.assert_array_equal(t1.precision, t2.precision)
    np.testing.assert_array_equal(t1.info_gained, t2.info_gained)
    np.testing.assert_array_equal(f1.mean, f2.mean)
    # a bad index is reported whatever the split
    bad = idx.copy()
    bad[-3] = n
    beds.set_num_threads(2)
    try:
        with pytest.raises(ValueError, match="index out of range"):
            s.integrate(t, bad, v, 2.0)
    finally:
        beds.set_num_threads(before)


def test_integrator_matches_solve_ivp_with_jumps(rng):
    # one belief, the ODE dx/dt = -gamma (x - x_ref) for x = (tau, tau mu) integrated by RK45 between
    # observations, Bayesian jumps at the observations
    gamma, tref, mref = 0.6, 0.3, 2.0
    t = np.sort(rng.uniform(0, 6, 12))
    v = rng.normal(size=12)
    r = rng.uniform(0.5, 2.0, 12)
    s = beds.System.normal(0.0, precision=1.0, gamma=gamma, reference=(mref, tref))
    rec = np.array([1.5, 3.0, 6.0])
    _, tr = s.integrate(t, np.zeros(12, dtype=np.int64), v, r, record=rec)

    def rhs(_t, y):
        return [-gamma * (y[0] - tref), -gamma * (y[1] - tref * mref)]

    y, t_now, out = np.array([1.0, 0.0]), 0.0, {}
    for te, ve, re in list(zip(t, v, r)) + [(6.0, None, None)]:
        for tr_ in rec:
            if t_now < tr_ <= te and tr_ not in out:
                yy = integrate.solve_ivp(rhs, (t_now, tr_), y, rtol=1e-12, atol=1e-14).y[:, -1]
                out[tr_] = (yy[1] / yy[0], yy[0])
        y = integrate.solve_ivp(rhs, (t_now, te), y, rtol=1e-12, atol=1e-14).y[:, -1]
        t_now = te
        if ve is not None:
            y = np.array([y[0] + re, y[1] + re * ve])
    for j, tr_ in enumerate(rec):
        np.testing.assert_allclose([tr.mean[j], tr.precision[j]], out[tr_], rtol=1e-9)
