"""The family protocol (beds._geometry) on every family: penalties, KL gradients and steps of the
governing equation for the families that the generic code serves, full normals included."""

from __future__ import annotations

import math

import beds
import numpy as np
import pytest
from beds import GoverningEquation as GE

S1 = np.array([[1.0, 0.2], [0.2, 0.5]])
S2 = np.array([[0.6, -0.1], [-0.1, 1.4]])


def _sym(d, i, j):
    """The symmetric perturbation whose Frobenius product with a symmetric G is G[i, j]."""
    e = np.zeros((d, d))
    e[i, j] += 0.5
    e[j, i] += 0.5
    return e


def _fd(f, x, e, h):
    return (f(x + h * e) - f(x - h * e)) / (2 * h)


def _pairs():
    """One (q, q_ref) pair per family."""
    return {
        "normal": (beds.Normal([0.3, -1.0], [1.2, 0.4]), beds.Normal(-0.5, 0.7)),
        "diag_normal": (beds.DiagNormal([0.3, 1.0], [1.2, 0.5]), beds.DiagNormal([-0.5, 0.2], [0.7, 0.9])),
        "categorical": (beds.Categorical([0.2, 0.3, 0.5]), beds.Categorical([0.4, 0.4, 0.2])),
        "exponential": (beds.Exponential([1.3, 0.2]), beds.Exponential(0.6)),
        "poisson": (beds.Poisson([2.3, 9.0]), beds.Poisson(4.0)),
        "von_mises": (beds.VonMises([0.3, 2.5], [2.0, 0.4]), beds.VonMises(-0.4, 1.0)),
        "mvnormal": (beds.MVNormal([[0.0, 0.1], [1.0, -2.0]], S1), beds.MVNormal([0.5, -0.3], S2)),
    }


# ------------------------------------------------------------------ Fisher-Rao penalty of full normals
def test_mvnormal_penalty_matches_finite_differences_of_the_distance():
    m1, m2 = np.array([0.0, 0.1]), np.array([0.5, -0.3])
    lam = 1.7

    def value(m, s):
        return 0.5 * lam * float(beds.mvnormal.distance(m, s, m2, S2, tol=1e-15)) ** 2

    r = beds.fisher_rao_penalty(beds.MVNormal(m1, S1), beds.MVNormal(m2, S2), lam)
    assert float(r.value) == pytest.approx(value(m1, S1), rel=1e-13)
    h = 1e-5
    for i in range(2):
        e = np.eye(2)[i]
        assert r.grad["mean"][i] == pytest.approx(_fd(lambda m: value(m, S1), m1, e, h), rel=1e-7, abs=1e-9)
        for j in range(2):
            fd = _fd(lambda s: value(m1, s), S1, _sym(2, i, j), h)
            assert r.grad["cov"][i, j] == pytest.approx(fd, rel=1e-7, abs=1e-9)
    np.testing.assert_allclose(r.grad["cov"], r.grad["cov"].T, rtol=1e-14)


def test_mvnormal_penalty_gradient_is_the_fisher_matrix_times_the_natural_gradient(rng):
    d, n = 3, 4
    a = rng.normal(size=(n, d, d))
    cov = a @ np.swapaxes(a, -1, -2) + np.eye(d)
    q = beds.MVNormal(rng.normal(size=(n, d)), cov)
    ref = beds.MVNormal(np.zeros(d), np.eye(d))
    lam = np.array([0.5, 1.0, 2.0, 3.0])
    r = beds.fisher_rao_penalty(q, ref, lam)
    assert r.value.shape == (n,)
    np.testing.assert_allclose(r.value, 0.5 * lam * beds.distance(q, ref) ** 2, rtol=1e-13)
    # natural gradient = -lam Log_q(ref): its FR norm is lam d
    np.testing.assert_allclose(beds.norm(r.direction), lam * beds.distance(q, ref), rtol=1e-10)
    # in the coordinates (mean, lower triangle of cov) of beds.mvnormal.metric: grad = G natgrad
    ii, jj = np.tril_indices(d)
    nat = np.concatenate([r.natural_grad["mean"], r.natural_grad["cov"][:, ii, jj]], axis=-1)
    g_tri = np.where(ii == jj, 1.0, 2.0) * r.grad["cov"][:, ii, jj]  # d/dcov[i,j] moves both entries
    want = np.concatenate([r.grad["mean"], g_tri], axis=-1)
    got = (beds.mvnormal.metric(q.cov) @ nat[..., None])[..., 0]
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


def test_mvnormal_penalty_in_one_dimension_is_the_normal_penalty(rng):
    m, s, mr, sr = rng.normal(size=5), np.exp(rng.normal(size=5)), rng.normal(), 1.3
    lam = 0.8
    rn = beds.fisher_rao_penalty(beds.Normal(m, s), beds.Normal(mr, sr), lam)
    rv = beds.fisher_rao_penalty(beds.MVNormal(m[:, None], (s**2)[:, None, None]), beds.MVNormal([mr], [[sr**2]]), lam)
    np.testing.assert_allclose(rv.value, rn.value, rtol=1e-12)
    np.testing.assert_allclose(rv.grad["mean"][:, 0], rn.grad["mean"], rtol=1e-10)
    # cov = std^2: dR/dcov = dR/dstd / (2 std), and a tangent vector has v_cov = 2 std v_std
    np.testing.assert_allclose(rv.grad["cov"][:, 0, 0], rn.grad["std"] / (2 * s), rtol=1e-10)
    np.testing.assert_allclose(rv.natural_grad["mean"][:, 0], rn.natural_grad["mean"], rtol=1e-10)
    np.testing.assert_allclose(rv.natural_grad["cov"][:, 0, 0], 2 * s * rn.natural_grad["std"], rtol=1e-10)


def test_mvnormal_governing_equation_steps():
    q, ref = beds.MVNormal([1.0, -1.0], S1), beds.MVNormal([0.0, 0.0], S2)
    ge = GE.fisher_rao(ref, strength=2.0)
    d0 = float(beds.distance(q, ref))
    for method, lr, factor in (("riemannian", 0.1, 0.8), ("implicit", 0.1, 1 / 1.2), ("flow", 0.1, math.exp(-0.2))):
        new = ge.step(q, lr, method=method)
        assert isinstance(new, beds.MVNormal)
        assert float(beds.distance(new, ref)) == pytest.approx(factor * d0, rel=1e-9)
    assert float(beds.distance(ge.step(q, 0.01), ref)) < d0  # explicit, in (mean, cov)
    # a loss gradient (symmetric for cov) enters the natural-gradient step through G^-1
    loss = {"mean": np.array([0.1, 0.0]), "cov": np.array([[0.0, 0.05], [0.05, 0.0]])}
    assert isinstance(ge.step(q, 0.01, loss_grad=loss, method="riemannian"), beds.MVNormal)
    eu = GE(ref, divergence="euclidean", metric="euclidean", strength=1.0)
    step = eu.step(q, 0.1)
    np.testing.assert_allclose(step.cov, S1 - 0.1 * (S1 - S2), rtol=1e-14)


# ------------------------------------------------------------------ KL gradients of the new families
def test_von_mises_kl_gradient_matches_finite_differences(rng):
    for _ in range(20):
        mu, k = rng.uniform(-3, 3), math.exp(rng.uniform(-3, 3))
        mu2, k2 = rng.uniform(-3, 3), math.exp(rng.uniform(-3, 3))
        r = beds.kl_penalty(beds.VonMises(mu, k), beds.VonMises(mu2, k2), 1.0)

        def kl(m, kk, mu2=mu2, k2=k2):
            return float(beds.von_mises.kl(m, kk, mu2, k2))

        h = 1e-6 * max(1.0, k)
        assert r.grad["mu"] == pytest.approx((kl(mu + 1e-6, k) - kl(mu - 1e-6, k)) / 2e-6, rel=1e-6, abs=1e-8)
        assert r.grad["kappa"] == pytest.approx((kl(mu, k + h) - kl(mu, k - h)) / (2 * h), rel=1e-6, abs=1e-8)
        # natural gradient: the metric of beds.metric
        g = beds.metric(beds.VonMises(mu, k))
        np.testing.assert_allclose(g[0, 0] * r.natural_grad["mu"], r.grad["mu"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(g[1, 1] * r.natural_grad["kappa"], r.grad["kappa"], rtol=1e-12, atol=1e-15)


def test_von_mises_kl_gradient_vanishes_at_the_reference():
    r = beds.kl_penalty(beds.VonMises([0.4, 0.4], [3.0, 3.0]), beds.VonMises(0.4, 3.0), 2.0)
    np.testing.assert_array_equal(r.value, 0.0)
    np.testing.assert_allclose(r.grad["mu"], 0.0, atol=1e-15)
    np.testing.assert_allclose(r.grad["kappa"], 0.0, atol=1e-15)


def test_mvnormal_kl_gradient_matches_finite_differences():
    m1, m2 = np.array([0.2, -0.4]), np.array([1.0, 0.5])
    r = beds.kl_penalty(beds.MVNormal(m1, S1), beds.MVNormal(m2, S2), 1.5)

    def kl(m, s):
        return 1.5 * float(beds.mvnormal.kl(m, s, m2, S2))

    h = 1e-6
    for i in range(2):
        assert r.grad["mean"][i] == pytest.approx(_fd(lambda m: kl(m, S1), m1, np.eye(2)[i], h), rel=1e-7)
        for j in range(2):
            assert r.grad["cov"][i, j] == pytest.approx(_fd(lambda s: kl(m1, s), S1, _sym(2, i, j), h), rel=1e-7)
    # natural gradient = G^-1 grad: (S g_mean, 2 S G S)
    np.testing.assert_allclose(r.natural_grad["mean"], S1 @ r.grad["mean"], rtol=1e-13)
    np.testing.assert_allclose(r.natural_grad["cov"], 2 * S1 @ r.grad["cov"] @ S1, rtol=1e-13)


def _kl_ref_fd(q, ref, param, i, h):
    """Central difference of KL(q || ref) in parameter ``param`` of ref at flat index i (ref a single
    belief); for probabilities a tangent direction (e_i - e_last), which keeps ref on the simplex."""
    params = dict(zip(type(ref).params, (np.array(a, dtype=np.float64) for a in ref.param_arrays.values())))
    e = np.zeros_like(params[param])
    e.flat[i] = 1.0
    if param == "probs":
        e.flat[-1] -= 1.0

    def kl(t):
        moved = dict(params)
        moved[param] = params[param] + t * e
        return beds.kl(q, type(ref)(**moved))

    return (kl(h) - kl(-h)) / (2 * h), e


@pytest.mark.parametrize("family", ["normal", "diag_normal", "categorical", "exponential", "poisson"])
def test_kl_reference_gradient_matches_finite_differences(family):
    """The protocol's gradient of KL(q || q_ref) in q_ref (what beds.torch differentiates)."""
    q, ref = _pairs()[family]
    ref = ref if ref.batch_shape == () else ref[0]
    grads = q.kl_reference_gradient(ref)
    assert len(grads) == len(type(q).params)
    for param, g in zip(type(q).params, grads):
        size = int(np.prod(np.shape(getattr(ref, param))))
        for i in range(size - (family == "categorical")):
            fd, e = _kl_ref_fd(q, ref, param, i, 1e-6)
            got = np.sum(g * e, axis=tuple(range(-np.ndim(e), 0)))  # the directional derivative
            np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)
    # zero at the reference itself, exactly (factored forms)
    for g in ref.kl_reference_gradient(ref):
        g = np.asarray(g)
        if family == "categorical":
            g = g - g.mean(axis=-1, keepdims=True)  # only the centred part acts on tangent vectors
        np.testing.assert_array_equal(g, 0.0)


@pytest.mark.parametrize("family", ["von_mises", "mvnormal"])
def test_kl_reference_gradient_not_implemented(family):
    q, ref = _pairs()[family]
    with pytest.raises(NotImplementedError, match="not implemented"):
        q.kl_reference_gradient(ref)


@pytest.mark.parametrize("family", ["normal", "diag_normal"])
def test_inverse_metric_is_the_closed_form(family, rng):
    """G^-1 comes from the closed form (std^2, std^2 / 2), the inverse of G (apply_metric both ways)."""
    q, _ = _pairs()[family]
    v = [rng.normal(size=a.shape) for a in q.param_arrays.values()]
    back = q.apply_metric(q.apply_metric(v), inverse=True)
    for a, b in zip(back, v):
        np.testing.assert_allclose(a, b, rtol=1e-15)
    nat = q.apply_metric([np.ones_like(a) for a in v], inverse=True)
    np.testing.assert_array_equal(nat[0], q.std * q.std)
    np.testing.assert_array_equal(nat[1], 0.5 * (q.std * q.std))
    # tiny std: 1 / std^2 overflows, the closed form does not
    tiny = type(q)(np.zeros_like(q.mean), 1e-160)
    np.testing.assert_allclose(tiny.apply_metric([np.ones_like(a) for a in v], inverse=True)[0], 1e-320, rtol=1e-2)


def test_mvnormal_kl_in_one_dimension_is_the_normal_kl(rng):
    m, s = rng.normal(size=4), np.exp(rng.normal(size=4))
    rn = beds.kl_penalty(beds.Normal(m, s), beds.Normal(0.3, 0.8), 1.0)
    rv = beds.kl_penalty(beds.MVNormal(m[:, None], (s**2)[:, None, None]), beds.MVNormal([0.3], [[0.64]]), 1.0)
    np.testing.assert_allclose(rv.value, rn.value, rtol=1e-12)
    np.testing.assert_allclose(rv.grad["cov"][:, 0, 0], rn.grad["std"] / (2 * s), rtol=1e-12)
    np.testing.assert_allclose(rv.natural_grad["cov"][:, 0, 0], 2 * s * rn.natural_grad["std"], rtol=1e-12)


# ------------------------------------------------------------------ every family, every equation
_WORKS = {  # (divergence, metric) -> methods with a closed form or a step
    ("fisher_rao", "fisher"): ("explicit", "implicit", "riemannian", "flow"),
    ("fisher_rao", "euclidean"): ("explicit", "implicit", "riemannian"),
    ("kl", "fisher"): ("explicit", "riemannian"),
    ("kl", "euclidean"): ("explicit", "riemannian"),
    ("euclidean", "fisher"): ("explicit", "implicit", "riemannian"),
    ("euclidean", "euclidean"): ("explicit", "implicit", "riemannian", "flow"),
}


@pytest.mark.parametrize("family", list(_pairs()))
@pytest.mark.parametrize(("divergence", "metric"), list(_WORKS))
def test_governing_equation_on_every_family(family, divergence, metric):
    q, ref = _pairs()[family]
    params = [None] + [f"log_{n}" for n, d in zip(q.params, q.domains) if d == "positive"]
    params += ["logits"] if family == "categorical" else []
    for param in params:
        ge = GE(ref, divergence=divergence, metric=metric, strength=0.7, param=param)
        pen = ge.penalty(q)
        assert np.all(np.isfinite(pen.value))
        assert set(pen.grad) == set(q.chart(param).names)
        for method in ("explicit", "implicit", "riemannian", "flow"):
            if method in _WORKS[(divergence, metric)]:
                new = ge.step(q, 0.01, method=method)
                assert type(new) is type(q) and new.batch_shape == q.batch_shape
                # a small step toward the reference lowers the penalty
                assert np.all(np.asarray(ge(new)) <= np.asarray(pen.value) + 1e-15)
            else:
                with pytest.raises(ValueError, match="closed form"):
                    ge.step(q, 0.01, method=method)
        moving = GE(ref, divergence=divergence, metric=metric, strength=0.7, param=param, reference_law="moving")
        moving.gamma = 0.3
        assert type(moving.advance(q, 0.1)) is type(ref)


def test_categorical_euclidean_step_stays_on_the_simplex():
    # in probability coordinates the Euclidean gradient of the KL does not sum to 0: the step
    # moves along the simplex (the gradient projected on it), as plain SGD on p could not
    q, ref = beds.Categorical([0.2, 0.3, 0.5]), beds.Categorical([0.4, 0.4, 0.2])
    ge = GE(ref, divergence="kl", metric="euclidean", strength=1.0)
    g = ge.penalty(q).grad["probs"]
    assert abs(g.sum()) > 0.1
    new = ge.step(q, 0.05)
    np.testing.assert_allclose(new.probs, q.probs - 0.05 * (g - g.mean()), rtol=1e-14)
    # a loss gradient on the probabilities is projected the same way
    new = GE(ref, divergence="euclidean", metric="euclidean", strength=0.0).step(
        q, 0.1, loss_grad={"probs": np.array([1.0, 0.0, 0.0])}
    )
    np.testing.assert_allclose(new.probs, q.probs - 0.1 * np.array([2 / 3, -1 / 3, -1 / 3]), rtol=1e-14)


def test_unknown_param_lists_the_charts():
    with pytest.raises(ValueError, match="'log_std'"):
        beds.fisher_rao_penalty(beds.Normal(0.0, 1.0), beds.Normal(1.0, 1.0), param="logits")
    with pytest.raises(ValueError, match="'logits'"):
        beds.kl_penalty(beds.Categorical([0.5, 0.5]), beds.Categorical([0.5, 0.5]), param="log_probs")
    with pytest.raises(ValueError, match="options: None"):
        GE(beds.MVNormal([0.0], [[1.0]]), param="log_cov")
