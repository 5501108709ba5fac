"""Beliefs as distributions: sample, log_prob, pdf, cdf, mean/variance and the conversions to and
from scipy.stats and torch.distributions, for every family; checked against scipy.stats, mpmath
and sampling tests (Kolmogorov-Smirnov, chi-square) with fixed seeds."""

from __future__ import annotations

import math
import subprocess
import sys

import beds
import mpmath
import numpy as np
import pytest
import scipy.stats as st
from beds import _distributions as D

RNG = np.random.default_rng(2026)


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    """Tests here set mpmath.mp.dps; other modules set theirs at import: restore it after each test."""
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


def _spd(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T + 0.5 * np.eye(d)


# family -> (belief, scipy frozen for the same beliefs, points x broadcasting with the batch)
def _cases():
    mu = np.array([-1.0, 0.0, 2.5])
    sd = np.array([0.3, 1.0, 4.0])
    xs = np.linspace(-6, 6, 25)[:, None]
    out = {
        "Normal": (beds.Normal(mu, sd), st.norm(mu, sd), xs),
        "Exponential": (beds.Exponential([0.2, 1.0, 7.0]), st.expon(scale=1 / np.array([0.2, 1.0, 7.0])), xs),
        "Poisson": (beds.Poisson([0.05, 3.0, 250.0]), st.poisson([0.05, 3.0, 250.0]), np.arange(-2, 300, 7)[:, None]),
        "VonMises": (
            beds.VonMises([0.3, -2.0, 1.0], [0.5, 4.0, 30.0]),
            st.vonmises([0.5, 4.0, 30.0], loc=[0.3, -2.0, 1.0]),
            np.linspace(-7, 7, 29)[:, None],
        ),
    }
    return out


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_scalar_families_match_scipy(name):
    p, ref, x = CASES[name]
    lp = p.log_prob(x)
    want = ref.logpmf(x) if name == "Poisson" else ref.logpdf(x)
    assert lp.shape == np.broadcast_shapes(x.shape, p.batch_shape)
    fin = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(lp), fin)
    np.testing.assert_allclose(lp[fin], want[fin], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p.pdf(x), np.exp(want), rtol=1e-10, atol=1e-300)
    cdf_tol = 2e-6 if name == "VonMises" else 1e-12  # scipy's von Mises CDF is accurate to ~1e-6 at kappa 30
    np.testing.assert_allclose(p.cdf(x), ref.cdf(x), rtol=1e-10, atol=cdf_tol)
    np.testing.assert_allclose(p.mean, ref.mean(), rtol=1e-13)
    if name != "VonMises":
        np.testing.assert_allclose(p.variance, ref.var(), rtol=1e-12)
    else:  # circular variance 1 - E[cos(x - mu)] (scipy's var() is the linear variance)
        circ = [1 - st.vonmises(k).expect(np.cos) for k in p.kappa]
        np.testing.assert_allclose(p.variance, circ, rtol=1e-8)
        np.testing.assert_array_equal(p.mean, p.mu)


def test_vector_families_match_scipy():
    rng = np.random.default_rng(1)
    # DiagNormal (batch 3, d 2) against products of scipy normals
    m, s = rng.normal(size=(3, 2)), np.exp(rng.normal(size=(3, 2)))
    p = beds.DiagNormal(m, s)
    x = rng.normal(size=(5, 1, 2)) * 2
    np.testing.assert_allclose(p.log_prob(x), st.norm(m, s).logpdf(x).sum(-1), rtol=1e-13)
    np.testing.assert_allclose(p.cdf(x), st.norm(m, s).cdf(x).prod(-1), rtol=1e-13)
    np.testing.assert_allclose(p.pdf(x), np.exp(st.norm(m, s).logpdf(x).sum(-1)), rtol=1e-13)
    np.testing.assert_array_equal(p.variance, s**2)
    for i in range(3):
        f = p[i].to_scipy()
        np.testing.assert_allclose(f.logpdf(x[:, 0]), p[i].log_prob(x[:, 0]), rtol=1e-13)
    # MVNormal
    covs = np.stack([_spd(3, k) for k in range(4)])
    means = rng.normal(size=(4, 3))
    q = beds.MVNormal(means, covs)
    y = rng.normal(size=(6, 1, 3))
    want = np.stack([st.multivariate_normal(means[k], covs[k]).logpdf(y[:, 0]) for k in range(4)], axis=-1)
    np.testing.assert_allclose(q.log_prob(y), want, rtol=1e-12)
    np.testing.assert_allclose(q.pdf(y), np.exp(want), rtol=1e-12)
    np.testing.assert_array_equal(q.variance, np.diagonal(covs, axis1=-2, axis2=-1))
    with pytest.raises(NotImplementedError, match="to_scipy"):
        q.cdf(y)
    # Categorical: classes as integers (scipy.stats.rv_discrete)
    probs = rng.dirichlet(np.ones(5), size=3)
    c = beds.Categorical(probs)
    k = np.array([[-1], [0], [1.5], [2], [4], [5], [9]])
    for i in range(3):
        r = c[i].to_scipy()
        np.testing.assert_allclose(c[i].log_prob(k[:, 0]), r.logpmf(k[:, 0]), rtol=1e-13)
        np.testing.assert_allclose(c[i].cdf(k[:, 0]), r.cdf(k[:, 0]), rtol=1e-13, atol=1e-15)
        assert c[i].mean == pytest.approx(r.mean(), rel=1e-13)
        assert c[i].variance == pytest.approx(r.var(), rel=1e-12)
    assert c.log_prob(k).shape == (7, 3) and c.pmf(k).shape == (7, 3)


# ---------------------------------------------------------------------------------- sampling
def _continuous():
    return [
        ("Normal", beds.Normal(1.5, 0.7), st.norm(1.5, 0.7).cdf),
        ("Exponential", beds.Exponential(3.0), st.expon(scale=1 / 3.0).cdf),
        ("VonMises-wide", beds.VonMises(2.0, 0.5), st.vonmises(0.5, loc=2.0).cdf),
        ("VonMises-4", beds.VonMises(-1.0, 4.0), st.vonmises(4.0, loc=-1.0).cdf),
        ("VonMises-1e3", beds.VonMises(0.3, 1e3), beds.VonMises(0.3, 1e3).cdf),  # mpmath-checked CDF below
    ]


@pytest.mark.parametrize(("name", "p", "cdf"), _continuous(), ids=[c[0] for c in _continuous()])
def test_sampling_ks(name, p, cdf):
    x = p.sample(4000, rng=np.random.default_rng(7))
    assert x.shape == (4000,) and x.dtype == p.dtype
    assert st.kstest(x, cdf).pvalue > 1e-3


def test_sampling_vector_families_and_moments():
    g = np.random.default_rng(11)
    p = beds.DiagNormal([[0.0, 5.0]], [[1.0, 0.1]])
    x = p.sample(20000, rng=g)
    assert x.shape == (20000, 1, 2)
    np.testing.assert_allclose(x.mean(0), p.mean, atol=0.03)
    np.testing.assert_allclose(x.var(0), p.variance, rtol=0.05)
    for j in range(2):
        assert st.kstest(x[:, 0, j], st.norm(p.mean[0, j], p.std[0, j]).cdf).pvalue > 1e-3
    cov = _spd(3, 5)
    q = beds.MVNormal(np.array([1.0, -1.0, 0.0]), cov)
    y = q.sample(20000, rng=g)
    assert y.shape == (20000, 3)
    np.testing.assert_allclose(np.cov(y.T), cov, atol=0.15 * np.abs(cov).max())
    # the Mahalanobis norms are chi^2(3)
    z = np.linalg.solve(np.linalg.cholesky(cov), (y - q.mean).T)
    assert st.kstest((z * z).sum(0), st.chi2(3).cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    ("p", "support"),
    [
        (beds.Categorical([0.1, 0.0, 0.6, 0.3]), 4),
        (beds.Poisson(3.5), 25),
    ],
)
def test_sampling_discrete_chi_square(p, support):
    x = p.sample(20000, rng=np.random.default_rng(3))
    assert x.dtype == np.int64
    counts = np.bincount(x, minlength=support)[:support]
    probs = p.pmf(np.arange(support))
    keep = probs * x.size > 5
    exp = probs[keep] * x.size
    obs = counts[keep]
    assert counts[probs == 0].sum() == 0  # classes of probability 0 never drawn
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert st.chi2(keep.sum()).sf(chi2) > 1e-3


def test_sample_shapes_dtypes_and_reproducibility():
    for p, event in (
        (beds.Normal(np.zeros((2, 3)), 1.0), ()),
        (beds.Exponential(np.ones(4, dtype=np.float32)), ()),
        (beds.Poisson(np.ones((2, 2))), ()),
        (beds.Categorical(np.full((3, 4), 0.25)), ()),
        (beds.VonMises(np.zeros(2), 1.0), ()),
        (beds.DiagNormal(np.zeros((2, 5)), 1.0), (5,)),
        (beds.MVNormal(np.zeros((2, 3)), np.eye(3)), (3,)),
    ):
        a = p.sample(7, rng=5)
        assert a.shape == (7,) + p.batch_shape + event
        np.testing.assert_array_equal(a, p.sample(7, rng=np.random.default_rng(5)))
        assert p.sample(0, rng=1).shape == (0,) + p.batch_shape + event
    assert beds.Normal(np.float32(0), np.float32(1)).sample(3, rng=0).dtype == np.float32
    vm = beds.VonMises(5.0, 0.0).sample(1000, rng=0)
    assert vm.min() >= 5.0 - np.pi and vm.max() <= 5.0 + np.pi  # scipy's representatives


# ------------------------------------------------------------------------- accuracy oracles
def test_stirlerr_table_and_series_against_mpmath():
    mpmath.mp.dps = 40
    k = np.array([1, 2, 5, 15, 16, 17, 35, 36, 100, 1000, 10**6, 10**9], dtype=np.float64)
    got = D.stirlerr(k)
    for ki, g in zip(k, got):
        e = mpmath.loggamma(ki + 1) - (ki + 0.5) * mpmath.log(ki) + ki - mpmath.log(2 * mpmath.pi) / 2
        assert abs(g - float(e)) <= 4e-16 * abs(float(e)), (ki, g, e)


def test_poisson_log_pmf_against_mpmath():
    """Loader's form: relative error ~1e-16 where k log(rate) - rate - log k! cancels (scipy: ~4e-11)."""
    mpmath.mp.dps = 40
    rng = np.random.default_rng(4)
    rates = np.exp(rng.uniform(np.log(1e-3), np.log(1e7), 60))
    ks = np.floor(rates * np.exp(rng.normal(0, 0.3, 60)) + rng.integers(0, 3, 60))
    lp = beds.Poisson(rates).log_prob(ks)
    worst = 0.0
    for k, r, v in zip(ks, rates, lp):
        e = k * mpmath.log(r) - r - mpmath.loggamma(k + 1)
        worst = max(worst, abs(v - float(e)) / abs(float(e)))
    assert worst < 1e-14, worst


def test_poisson_cdf_against_mpmath_and_limits():
    mpmath.mp.dps = 30
    for r in (1e-3, 0.7, 12.0, 400.0, 2.5e5):
        p = beds.Poisson(r)
        ks = np.unique(np.floor(np.array([0, r / 3, r - 3 * math.sqrt(r), r - 1, r, r + 2 * math.sqrt(r), 3 * r + 5])))
        ks = ks[ks >= 0]
        got = p.cdf(ks)
        for k, g in zip(ks, got):
            e = float(mpmath.gammainc(k + 1, r, mpmath.inf, regularized=True))
            assert abs(g - e) <= 1e-14 * e + 2e-16, (r, k, g, e)
    assert beds.Poisson(3.0).cdf([-np.inf, -0.5, np.inf]).tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="rate <= 1e\\+08"):
        beds.Poisson(1e9).cdf(1e9)


def _vm_cdf_mp(x, mu, k):
    k, mu, x = mpmath.mpf(k), mpmath.mpf(mu), mpmath.mpf(x)

    def f(t):
        return mpmath.exp(k * (mpmath.cos(t - mu) - 1))

    z = mpmath.quad(f, [mu - mpmath.pi, mu, mu + mpmath.pi])
    lo = mu - mpmath.pi
    n = mpmath.floor((x - lo) / (2 * mpmath.pi))
    y = x - 2 * mpmath.pi * n
    return n + mpmath.quad(f, [lo] + ([mu] if y > mu else []) + [y]) / z


def test_von_mises_cdf_against_mpmath():
    """Absolute error ~1e-16 from kappa 1e-3 to 1e7 (both branches, across periods); scipy's own
    normal approximation is off by 1.5e-6 at kappa = 50."""
    mpmath.mp.dps = 20
    for k in (1e-3, 0.5, 50.0, 499.0, 501.0, 1e5, 1e7):
        p = beds.VonMises(0.7, k)
        off = np.array([-3.0, -0.05, -1e-3, 0.0, 2e-3, 1.0, 2.9]) / math.sqrt(max(k, 1.0))
        xs = np.concatenate([0.7 + off, [0.7 - np.pi, 0.7 + np.pi, 0.7 + 3 * np.pi + 0.1, -9.0]])
        got = p.cdf(xs)
        exact = np.array([float(_vm_cdf_mp(x, 0.7, k)) for x in xs])
        assert np.abs(got - exact).max() < 2e-15, (k, np.abs(got - exact).max())


def test_normal_cdf_tails_are_relatively_accurate():
    mpmath.mp.dps = 30
    p = beds.Normal(0.0, 1.0)
    for x in (-30.0, -8.0, 8.0):
        e = float(mpmath.ncdf(x))
        assert p.cdf(x) == pytest.approx(e, rel=1e-14)


def test_log_prob_extremes():
    assert beds.VonMises(0.0, 1e8).log_prob(0.0) == pytest.approx(0.5 * math.log(1e8 / (2 * math.pi)), rel=1e-8)
    assert np.isfinite(beds.VonMises(0.0, 1e300).log_prob(0.0))
    assert beds.Exponential(2.0).pdf(-1.0) == 0.0
    assert beds.Categorical([0.5, 0.5]).pmf(0.5) == 0.0
    assert beds.Poisson(1e12).log_prob(1e12) == pytest.approx(-0.5 * math.log(2 * math.pi * 1e12), rel=1e-12)


def test_dtypes_follow_the_beliefs():
    p32 = beds.Normal(np.float32(0.0), np.float32(1.0))
    assert p32.log_prob(np.float32(0.5)).dtype == np.float32
    assert p32.log_prob(0.5).dtype == np.float64  # a float64 point: float64 (numpy's promotion of arrays)
    assert p32.cdf(np.array([1], dtype=np.int64)).dtype == np.float32
    assert beds.Categorical(np.array([0.5, 0.5], dtype=np.float32)).log_prob(1).dtype == np.float32
    assert beds.Poisson(np.float32(2.0)).cdf(3).dtype == np.float32


# ------------------------------------------------------------------------------ conversions
def test_scipy_round_trips():
    for p in (
        beds.Normal([0.0, 1.0], [1.0, 3.0]),
        beds.Exponential([0.5, 4.0]),
        beds.Poisson([0.1, 30.0]),
        beds.VonMises([0.1, -2.0], [0.0, 5.0]),
    ):
        q = type(p).from_scipy(p.to_scipy())
        for a, b in zip(p._p, q._p):
            np.testing.assert_allclose(a, b, rtol=1e-15)
    for p in (
        beds.DiagNormal([0.0, 1.0], [1.0, 2.0]),
        beds.MVNormal([0.0, 1.0], _spd(2, 0)),
        beds.Categorical([0.2, 0.0, 0.8]),
    ):
        q = type(p).from_scipy(p.to_scipy())
        for a, b in zip(p._p, q._p):
            np.testing.assert_allclose(a, b, rtol=1e-15, atol=1e-300)
    assert beds.Categorical.from_scipy(st.multinomial(1, [0.3, 0.7])).probs.tolist() == [0.3, 0.7]
    assert beds.Categorical.from_scipy(st.rv_discrete(values=([0, 3], [0.5, 0.5]))).probs.tolist() == [0.5, 0, 0, 0.5]
    assert beds.Normal.from_scipy(st.norm(loc=2.0)).std == 1.0
    assert beds.Exponential.from_scipy(st.expon(0, 4.0)).rate == 0.25


@pytest.mark.parametrize(
    ("fn", "arg", "exc", "match"),
    [
        (beds.Normal.from_scipy, st.expon(), ValueError, r"scipy\.stats\.norm\(\.\.\.\), got scipy\.stats\.expon"),
        (beds.Normal.from_scipy, 3.0, ValueError, r"needs a frozen scipy\.stats\.norm"),
        (beds.Exponential.from_scipy, st.expon(loc=1.0), ValueError, r"loc = 0\); got loc=1\.0"),
        (beds.Poisson.from_scipy, st.poisson(2.0, loc=1), ValueError, r"loc = 0"),
        (beds.VonMises.from_scipy, st.vonmises(1.0, scale=2.0), ValueError, r"scale = 1"),
        (beds.DiagNormal.from_scipy, st.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]]), ValueError, "not diagonal"),
        (beds.MVNormal.from_scipy, st.norm(), ValueError, "multivariate_normal"),
        (beds.Categorical.from_scipy, st.multinomial(3, [0.5, 0.5]), ValueError, "n = 3"),
        (beds.Categorical.from_scipy, st.norm(), ValueError, "rv_discrete"),
        (beds.Categorical.from_scipy, st.rv_discrete(values=([-1, 2], [0.5, 0.5])), ValueError, "class indices"),
    ],
)
def test_from_scipy_errors(fn, arg, exc, match):
    with pytest.raises(exc, match=match):
        fn(arg)


def test_to_scipy_of_a_batch_needs_single_beliefs():
    with pytest.raises(ValueError, match=r"batch has shape \(2,\): convert its elements"):
        beds.MVNormal(np.zeros((2, 2)), np.eye(2)).to_scipy()
    with pytest.raises(ValueError, match="rv_discrete"):
        beds.Categorical(np.full((2, 2), 0.5)).to_scipy()
    with pytest.raises(ValueError, match="multivariate_normal"):
        beds.DiagNormal(np.zeros((2, 2)), 1.0).to_scipy()


def test_torch_round_trips_and_log_probs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    cases = [
        (beds.Normal([0.0, 1.0], [1.0, 3.0]), np.array([[0.3], [-2.0]])),
        (beds.DiagNormal(rng.normal(size=(2, 3)), 1.5), rng.normal(size=(4, 1, 3))),
        (beds.MVNormal(rng.normal(size=(2, 2)), _spd(2, 3)), rng.normal(size=(4, 1, 2))),
        (beds.Categorical(rng.dirichlet(np.ones(4), size=2)), np.array([[0], [3]])),
        (beds.Exponential([0.5, 4.0]), np.array([[0.3], [2.0]])),
        (beds.Poisson([0.5, 40.0]), np.array([[0], [3], [41]])),
        (beds.VonMises([0.1, -2.0], [0.5, 5.0]), np.array([[0.3], [-3.0]])),
    ]
    for p, x in cases:
        d = p.to_torch()
        q = type(p).from_torch(d)
        for a, b in zip(p._p, q._p):
            np.testing.assert_allclose(a, b, rtol=1e-15)
        # class indices as int64; counts as float64 (torch's Poisson.log_prob takes lgamma of the value)
        xt = torch.as_tensor(x, dtype=torch.int64 if isinstance(p, beds.Categorical) else torch.float64)
        want = d.log_prob(xt).numpy()
        np.testing.assert_allclose(p.log_prob(x), want, rtol=1e-6 if isinstance(p, beds.VonMises) else 1e-12)
        if not isinstance(p, beds.Categorical):  # torch's categorical moments are NaN (nominal classes)
            np.testing.assert_allclose(np.broadcast_to(p.mean, d.mean.shape), d.mean.numpy(), rtol=1e-13)
            np.testing.assert_allclose(np.broadcast_to(p.variance, d.variance.shape), d.variance.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match=r"from_torch needs a torch\.distributions\.Normal, got Exponential"):
        beds.Normal.from_torch(torch.distributions.Exponential(torch.ones(1)))
    with pytest.raises(TypeError, match="Independent"):
        beds.DiagNormal.from_torch(torch.distributions.Normal(torch.zeros(2), 1.0))
    with pytest.raises(ValueError, match="kappa > 0"):
        beds.VonMises(0.0, [0.0, 1.0]).to_torch()


# ------------------------------------------------------------------------------- bad input
def test_bad_arguments():
    p = beds.Normal(0.0, 1.0)
    for n in (-1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="n must be a non-negative integer"):
            p.sample(n)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        p.sample(3, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"x must not be NaN; found NaN at index \(1,\)"):
        p.log_prob([0.0, np.nan])
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        p.cdf("a")
    with pytest.raises(ValueError, match=r"x must have a last axis of length 3"):
        beds.DiagNormal(np.zeros(3), 1.0).log_prob(np.zeros(2))
    with pytest.raises(ValueError, match=r"x must have a last axis of length 2"):
        beds.MVNormal(np.zeros(2), np.eye(2)).log_prob(1.0)
    with pytest.raises(ValueError, match="x must be finite"):
        beds.VonMises(0.0, 1.0).cdf(np.inf)
    with pytest.raises(ValueError):
        beds.Normal(np.zeros(3), 1.0).log_prob(np.zeros(2))  # shapes that do not broadcast


def test_import_beds_needs_neither_torch_nor_scipy():
    code = "import sys, beds; print(','.join(m for m in ('torch', 'scipy', 'sklearn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
