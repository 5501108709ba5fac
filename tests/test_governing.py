"""The governing equation: special cases reproduce the original methods, steps, stability."""

from __future__ import annotations

import math

import beds
import mpmath
import numpy as np
import pytest

GE = beds.GoverningEquation


def relmax(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


# --------------------------------------------------------------------------- Ridge
def test_ridge_is_sgd_with_weight_decay(rng):
    theta, g = rng.normal(size=100), rng.normal(size=100)
    lr, wd = 0.05, 0.1
    ge = GE.ridge(wd)
    # torch.optim.SGD(weight_decay=wd): theta <- theta - lr (g + wd theta)
    assert relmax(ge.step(theta, lr, g), theta - lr * (g + wd * theta)) < 1e-15
    assert ge(theta) == pytest.approx(0.5 * wd * np.sum(theta**2), rel=1e-14)
    # implicit (proximal) step: closed form, first-order optimality of the prox problem
    new = ge.step(theta, lr, g, method="implicit")
    assert relmax(new, (theta - lr * g) / (1 + lr * wd)) < 1e-15
    np.testing.assert_allclose((new - (theta - lr * g)) / lr + wd * new, 0, atol=1e-12)


def test_ridge_vs_fisher_rao_in_the_location_model():
    """Ridge = sigma0^2 strength/2 d^2 exactly inside the fixed-variance location model
    (d = |dtheta| / sigma0); in the full Normal manifold the FR penalty differs by a gap that grows
    with the displacement and also pushes sigma (Ridge ignores the precision)."""
    sigma0, lam = 0.5, 2.0
    ge_fr = GE.fisher_rao(beds.Normal(0.0, sigma0), strength=lam)
    ridge = GE.ridge(lam / sigma0**2)
    gaps = {}
    for disp in (1e-3, 1e-1, 1.0, 3.0):  # displacement in units of sigma0
        theta = disp * sigma0
        r = ge_fr.penalty(beds.Normal(theta, sigma0))
        ridge_value = ridge(np.array([theta]))
        ridge_grad = ridge.penalty(np.array([theta])).grad["theta"][0]
        gaps[disp] = (
            abs(r.value - ridge_value) / ridge_value,
            abs(r.grad["mean"] - ridge_grad) / ridge_grad,
            abs(r.grad["std"]) / ridge_grad,
        )
    # second-order agreement: d^2 = D^2 - D^4 / 24 + ... with D = disp  (measured gaps)
    for disp in (1e-1, 1.0, 3.0):  # d^2 = 2 acosh(1 + D^2/4)^2 on the sigma = sigma0 line
        assert gaps[disp][0] == pytest.approx(1 - 2 * math.acosh(1 + disp**2 / 4) ** 2 / disp**2, rel=1e-9)
    assert gaps[1e-3][0] == pytest.approx(1e-6 / 24, rel=1e-3)
    assert gaps[1e-1][0] < 1e-3 and 0.03 < gaps[1.0][0] < 0.05 and gaps[3.0][0] > 0.24
    # the FR penalty also pulls sigma (toward larger sigma when the means differ), Ridge never does
    assert gaps[1e-3][2] < 1e-2 and gaps[3.0][2] > 0.1


# --------------------------------------------------------------------------- EWC
def test_ewc_reproduces_kirkpatrick(rng):
    d = 50
    theta_star, fisher = rng.normal(size=d), rng.uniform(0.1, 5, size=d)
    theta, g = theta_star + 0.1 * rng.normal(size=d), rng.normal(size=d)
    lam, lr = 3.0, 0.01
    ge = GE.ewc(theta_star, fisher, lam)
    assert ge(theta) == pytest.approx(lam / 2 * np.sum(fisher * (theta - theta_star) ** 2), rel=1e-14)
    assert relmax(ge.step(theta, lr, g), theta - lr * (g + lam * fisher * (theta - theta_star))) < 1e-14
    # a second task: the reference moves, the Fisher diagonals add (precision_law="summed")
    f2 = rng.uniform(0.1, 5, size=d)
    ge.consolidate(theta, f2)
    assert ge(theta + 1.0) == pytest.approx(lam / 2 * np.sum(fisher + f2), rel=1e-14)


def test_online_ewc_reproduces_schwarz(rng):
    d, decay, lam = 20, 0.7, 1.5
    fishers = [rng.uniform(0.1, 2, size=d) for _ in range(4)]
    thetas = [rng.normal(size=d) for _ in range(4)]
    ge = GE.online_ewc(thetas[0], fishers[0], lam, decay)
    f_star = fishers[0]
    for th, f in zip(thetas[1:], fishers[1:]):
        ge.consolidate(th, f)
        f_star = decay * f_star + f  # Schwarz et al. 2018, eq. (6)-(7)
        x = th + 0.3
        assert ge(x) == pytest.approx(lam / 2 * np.sum(f_star * 0.09), rel=1e-14)


def test_ewc_vs_fisher_rao_gap(rng):
    """EWC is the second-order approximation of strength/2 d_FR^2 to the old posterior
    N(theta*, 1/F): measured relative gap of the penalty values."""
    d = 30
    theta_star, fisher = rng.normal(size=d), rng.uniform(0.5, 4, size=d)
    sd = 1 / np.sqrt(fisher)
    ref = beds.DiagNormal(theta_star, sd)
    gaps = []
    for z in (1e-3, 0.3, 3.0):  # displacement in posterior standard deviations
        theta = theta_star + z * sd
        ewc = GE.ewc(theta_star, fisher, 1.0)(theta)
        fr = beds.fisher_rao_penalty(beds.DiagNormal(theta, sd), ref, 1.0).value
        gaps.append(abs(fr - ewc) / ewc)
    assert gaps[0] == pytest.approx(1e-6 / 24, rel=1e-3)  # measured: 4.2e-8, 3.7e-3, 0.242
    assert gaps[1] < 0.01
    assert gaps[2] == pytest.approx(1 - 2 * math.acosh(1 + 9 / 4) ** 2 / 9, rel=1e-9)


def test_empirical_fisher(rng):
    g = rng.normal(size=(100, 7))
    np.testing.assert_allclose(beds.empirical_fisher(g), (g**2).mean(axis=0), rtol=1e-15)
    with pytest.raises(ValueError, match="per_sample_grads"):
        beds.empirical_fisher(np.zeros((0, 3)))


# --------------------------------------------------------------------------- EMA
def test_ema_is_a_moving_reference(rng):
    beta = 0.9
    theta0 = rng.normal(size=10)
    ge = GE.ema(beta, theta0, dt=0.5)
    ema = theta0.copy()
    for _ in range(30):
        th = rng.normal(size=10)
        ema = beta * ema + (1 - beta) * th
        ref = ge.advance(th, 0.5)
    assert relmax(ref, ema) < 1e-12
    assert ge.gamma == pytest.approx(-math.log(beta) / 0.5)


def test_moving_belief_reference_follows_the_geodesic():
    ge = GE.fisher_rao(beds.Normal(0.0, 1.0), strength=1.0, gamma=2.0)
    q = beds.Normal(3.0, 2.0)
    ref = ge.advance(q, 0.25)
    expect = beds.geodesic(beds.Normal(0.0, 1.0), q, 1 - math.exp(-0.5))
    assert relmax([ref.mean, ref.std], [expect.mean, expect.std]) < 1e-15
    with pytest.raises(ValueError, match="reference_law"):
        GE.fisher_rao(beds.Normal(0.0, 1.0)).advance(q, 1.0)


# --------------------------------------------------------------------------- SAC
def test_sac_entropy_term_and_policy_gradient(rng):
    k, alpha = 5, 0.3
    ge = GE.sac_entropy(alpha, k)
    z = rng.normal(size=(8, k))
    pi = beds.Categorical(logits=z)
    r = ge.penalty(pi)
    p = pi.probs
    h = -(p * np.log(p)).sum(axis=-1)
    # E[r] + alpha H = E[r] - alpha KL(pi || U) + alpha log k
    np.testing.assert_allclose(r.value, alpha * (math.log(k) - h), rtol=1e-13)
    # gradient of alpha sum pi log pi with respect to the logits (the SAC policy loss term)
    logp = np.log(p)
    expected = alpha * p * (logp - (p * logp).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(r.grad["logits"], expected, rtol=1e-12, atol=1e-15)
    # and against mpmath finite differences

    def f(v):
        e = [mpmath.exp(x) for x in v]
        s = sum(e)
        return alpha * sum(x / s * mpmath.log(x / s) for x in e)

    with mpmath.workdps(50):
        zz = [mpmath.mpf(float(x)) for x in z[0]]
        check = []
        for i in range(k):
            zp, zm = list(zz), list(zz)
            zp[i] += mpmath.mpf("1e-20")
            zm[i] -= mpmath.mpf("1e-20")
            check.append(float((f(zp) - f(zm)) / mpmath.mpf("2e-20")))
    np.testing.assert_allclose(r.grad["logits"][0], check, rtol=0, atol=1e-14)


def test_sac_temperature_dual_update(rng):
    # alpha_loss(log_alpha) = -mean(log_alpha * (log_pi + H_target)) (SAC v2 reference code)
    log_pi = np.log(rng.uniform(0.05, 1, size=64))
    h_target, lr, la = -1.0, 3e-4, math.log(0.2)

    def loss(x):
        return -np.mean(x * (log_pi + h_target))

    grad = (loss(la + 1e-6) - loss(la - 1e-6)) / 2e-6
    new = beds.sac_temperature_update(la, -log_pi, h_target, lr)
    assert abs(new - (la - lr * grad)) < 1e-12
    # entropy below the target: the temperature rises
    assert beds.sac_temperature_update(0.0, 0.1, 1.0, 0.1) > 0.0


# --------------------------------------------------------------------------- Fisher-Rao steps
def test_riemannian_step_is_a_geodesic_move():
    ref, q = beds.Normal(0.0, 1.0), beds.Normal(2.0, 3.0)
    ge = GE.fisher_rao(ref, strength=0.8)
    new = ge.step(q, 0.5, method="riemannian")
    expect = beds.geodesic(q, ref, 0.4)  # Exp_q(lr lam Log_q(ref))
    assert relmax([new.mean, new.std], [expect.mean, expect.std]) < 1e-13
    # implicit step: minimizer of lam/2 d^2(., ref) + d^2(., q)/(2 lr): Riemannian gradient zero
    new = ge.step(q, 0.5, method="implicit")
    v1, v2 = beds.log(new, ref), beds.log(new, q)
    assert abs(0.8 * v1.mean + v2.mean / 0.5) < 1e-12 and abs(0.8 * v1.std + v2.std / 0.5) < 1e-12


def test_riemannian_step_with_a_loss_gradient(rng):
    ref = beds.Normal(0.0, 1.0)
    q = beds.Normal(1.0, 2.0)
    ge = GE.fisher_rao(ref, strength=0.5)
    gl = {"mean": 0.3, "std": -0.2}
    new = ge.step(q, 0.1, gl, method="riemannian")
    pen = ge.penalty(q)
    s = q.std
    nat = (-(0.3 + pen.grad["mean"]) * s**2 * 0.1, -(-0.2 + pen.grad["std"]) * s**2 / 2 * 0.1)
    expect = beds.exp(q.tangent(*nat))
    assert relmax([new.mean, new.std], [expect.mean, expect.std]) < 1e-14
    # the same in (mean, log_std) coordinates: the loss gradient transforms as a covector
    ge2 = GE.fisher_rao(ref, strength=0.5, param="log_std")
    new2 = ge2.step(q, 0.1, {"mean": 0.3, "log_std": -0.2 * s}, method="riemannian")
    assert relmax([new2.mean, new2.std], [expect.mean, expect.std]) < 1e-14


@pytest.mark.parametrize("family", ["normal", "diag", "categorical", "exponential", "poisson"])
def test_penalty_flow_decreases_the_distance_for_every_family(family, rng):
    if family == "normal":
        ref, q = beds.Normal(0.0, 1.0), beds.Normal(2.0, 0.5)
    elif family == "diag":
        ref, q = beds.DiagNormal(np.zeros(3), 1.0), beds.DiagNormal([1.0, 2.0, -1.0], [0.5, 2.0, 1.0])
    elif family == "categorical":
        ref, q = beds.Categorical([0.25, 0.25, 0.5]), beds.Categorical([0.6, 0.3, 0.1])
    elif family == "exponential":
        ref, q = beds.Exponential(1.0), beds.Exponential(5.0)
    else:
        ref, q = beds.Poisson(1.0), beds.Poisson(5.0)
    ge = GE.fisher_rao(ref, strength=2.0)
    d0 = float(beds.distance(q, ref))
    for method, lr in (("riemannian", 0.1), ("implicit", 0.1), ("flow", 0.1)):
        new = ge.step(q, lr, method=method)
        factor = {"riemannian": 0.8, "implicit": 1 / 1.2, "flow": math.exp(-0.2)}[method]
        assert float(beds.distance(new, ref)) == pytest.approx(factor * d0, rel=1e-12)


def test_stability_at_large_strength_times_step(rng):
    """lr * strength = 1e3: the explicit step blows up, the implicit one contracts."""
    theta = rng.normal(size=20)
    ge = GE.ridge(1e3)
    exp_ = ge.step(theta, 1.0)
    imp = ge.step(theta, 1.0, method="implicit")
    assert np.linalg.norm(exp_) > 900 * np.linalg.norm(theta)
    assert np.linalg.norm(imp) == pytest.approx(np.linalg.norm(theta) / 1001, rel=1e-13)
    ref, q = beds.Normal(0.0, 1.0), beds.Normal(2.0, 3.0)
    ge = GE.fisher_rao(ref, strength=1e3)
    d0 = float(beds.distance(q, ref))
    imp = ge.step(q, 1.0, method="implicit")
    assert float(beds.distance(imp, ref)) == pytest.approx(d0 / 1001, rel=1e-9)
    rie = GE.fisher_rao(ref, strength=10.0).step(q, 1.0, method="riemannian")  # Exp_q(10 Log_q(ref))
    assert float(beds.distance(rie, ref)) == pytest.approx(9 * d0, rel=1e-9)
    with pytest.raises(ValueError, match="left the manifold"):  # Exp_q(1000 Log_q(ref)): std underflows
        ge.step(q, 1.0, method="riemannian")
    with pytest.raises(ValueError, match="left the manifold"):
        GE(ref, metric="euclidean", strength=1e3).step(q, 1.0)  # Euclidean step to std < 0


def test_kl_and_euclidean_divergences_on_beliefs():
    ref, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    ge = GE(ref, divergence="kl", strength=2.0)
    assert ge(q) == pytest.approx(2 * float(beds.kl(q, ref)), rel=1e-14)
    ge = GE(ref, divergence="euclidean", metric="euclidean", strength=2.0, param="log_std")
    assert ge(q) == pytest.approx(1 + math.log(2) ** 2, rel=1e-14)
    new = ge.step(q, 0.1, method="implicit")
    assert new.mean == pytest.approx(1 / 1.2) and new.std == pytest.approx(2 ** (1 / 1.2))


def test_governing_equation_bad_arguments():
    with pytest.raises(ValueError, match="divergence"):
        GE(beds.Normal(0.0, 1.0), divergence="wasserstein")
    with pytest.raises(ValueError, match="metric"):
        GE(beds.Normal(0.0, 1.0), metric="adam")
    with pytest.raises(ValueError, match="reference_law"):
        GE(beds.Normal(0.0, 1.0), reference_law="sometimes")
    with pytest.raises(ValueError, match="precision_law"):
        GE(beds.Normal(0.0, 1.0), precision_law="x")
    with pytest.raises(ValueError, match="needs a belief reference"):
        GE(np.zeros(3), divergence="fisher_rao")
    with pytest.raises(ValueError, match="strength"):
        GE.ridge(-1.0)
    with pytest.raises(ValueError, match="lr"):
        GE.ridge(1.0).step(np.zeros(2), -0.1)
    with pytest.raises(ValueError, match="beta"):
        GE.ema(1.5, np.zeros(2))
    with pytest.raises(ValueError, match="state must be finite"):
        GE.ridge(1.0).step(np.array([np.nan]), 0.1)
    with pytest.raises(TypeError, match="state"):
        GE.fisher_rao(beds.Normal(0.0, 1.0)).penalty(beds.Poisson(1.0))
    with pytest.raises(ValueError, match="loss_grad has unknown"):
        GE.fisher_rao(beds.Normal(0.0, 1.0)).step(beds.Normal(0.0, 2.0), 0.1, {"rate": 1.0})


def test_sac_step_is_sgd_on_the_logits(rng):
    k, alpha, lr = 4, 0.2, 0.1
    z = rng.normal(size=(6, k))
    gl = rng.normal(size=(6, k))
    gl -= gl.mean(axis=-1, keepdims=True)  # a logit gradient (softmax is shift invariant)
    ge = GE.sac_entropy(alpha, k)
    new = ge.step(beds.Categorical(logits=z), lr, {"logits": gl})
    p = beds.Categorical(logits=z).probs
    logp = np.log(p)
    z_new = z - lr * (gl + alpha * p * (logp - (p * logp).sum(axis=-1, keepdims=True)))
    np.testing.assert_allclose(new.probs, beds.Categorical(logits=z_new).probs, rtol=1e-13)


def test_mean_field_belief_over_many_weights(rng):
    """DiagNormal over 1e5 weights with per-coordinate strengths: every step stays element-wise."""
    d = 100_000
    ref = beds.DiagNormal(np.zeros(d), np.ones(d))
    q = beds.DiagNormal(rng.normal(size=d), np.exp(rng.normal(size=d)))
    lam = rng.uniform(0.5, 2.0, d)
    ge = GE.fisher_rao(ref, strength=lam)
    for method in ("explicit", "riemannian", "implicit", "flow"):
        new = ge.step(q, 0.01, method=method)
        assert new.batch_shape == () and new.mean.shape == (d,)
        assert float(beds.distance(new, ref)) < float(beds.distance(q, ref))
    # implicit, per coordinate: each coordinate solves its own proximal problem exactly
    new = ge.step(q, 0.5, method="implicit")
    sub = slice(0, 50)
    v1 = beds.normal.log(new.mean[sub], new.std[sub], 0.0, 1.0)
    v2 = beds.normal.log(new.mean[sub], new.std[sub], q.mean[sub], q.std[sub])
    np.testing.assert_allclose(lam[sub] * v1[0] + v2[0] / 0.5, 0, atol=1e-12)
    np.testing.assert_allclose(lam[sub] * v1[1] + v2[1] / 0.5, 0, atol=1e-12)
    # KL divergence with per-coordinate strengths: weighted sum of the coordinate KLs
    r = beds.kl_penalty(q[...], ref, lam)
    assert r.value == pytest.approx(np.sum(lam * beds.normal.kl(q.mean, q.std, 0.0, 1.0)), rel=1e-12)


def _families():
    return [
        (beds.Normal([0.3, -1.0], [0.5, 2.0]), beds.Normal(0.0, 1.0)),
        (beds.DiagNormal([[0.3, -1.0]], [[0.5, 2.0]]), beds.DiagNormal([0.0, 0.5], [1.0, 1.5])),
        (beds.Categorical([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]]), beds.Categorical([0.3, 0.3, 0.4])),
        (beds.Exponential([0.5, 3.0]), beds.Exponential(1.0)),
        (beds.Poisson([0.5, 3.0]), beds.Poisson(1.0)),
    ]


@pytest.mark.parametrize("k", range(5))
@pytest.mark.parametrize("penalty", [beds.fisher_rao_penalty, beds.kl_penalty])
def test_gradient_is_metric_times_natural_gradient(k, penalty):
    q, ref = _families()[k]
    r = penalty(q, ref, 1.5)
    base = r.direction.base
    g = beds.metric(base)
    for i, name in enumerate(base.params):
        nat = np.concatenate([np.reshape(c, base.batch_shape + (-1,)) for c in r.direction._c], axis=-1)
        lhs = (g @ nat[..., None])[..., 0]
        off = sum(int(np.prod(c.shape[len(base.batch_shape) :])) for c in r.direction._c[:i])
        n = int(np.prod(r.grad[name].shape[len(base.batch_shape) :]))
        want = np.reshape(r.grad[name], base.batch_shape + (-1,))
        got = lhs[..., off : off + n]
        if isinstance(q, beds.Categorical):  # covectors on the simplex are defined up to a constant
            want = want - want.mean(axis=-1, keepdims=True)
            got = got - got.mean(axis=-1, keepdims=True)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    # a small Riemannian step decreases the penalty at first order: dR = -lr |nat|^2
    lr = 1e-6
    new = beds.exp(r.direction * (-lr))
    drop = np.asarray(penalty(q, ref, 1.5).value - penalty(new, ref, 1.5).value)
    np.testing.assert_allclose(drop, lr * beds.norm(r.direction) ** 2, rtol=1e-4)


# --------------------------------------------------------------------------- belief-level form
def test_belief_update_flat_reference_is_the_beds_dissipation():
    q = beds.Normal([0.5, -1.0], [1.0, 0.3])
    new = beds.belief_update(q, None, gamma=0.7, dt=0.4)
    np.testing.assert_allclose(1 / new.std**2, math.exp(-0.28) / q.std**2, rtol=1e-15)
    np.testing.assert_array_equal(new.mean, q.mean)


def test_belief_update_steady_state_is_an_ema():
    """Dissipate for dt, update once with a Gaussian observation: at steady state the mean update
    is an EMA with gain 1 - e^{-gamma dt} (docs page mathematics/dynamics)."""
    gamma, dt, obs_sd = 0.5, 0.2, 0.1
    q = beds.Normal(0.0, 1.0)
    for _ in range(2000):  # reach the steady-state precision tau* = tau_D / (1 - a)
        q = beds.belief_update(q, None, gamma, dt, observation=0.0, obs_std=obs_sd)
    alpha = -math.expm1(-gamma * dt)
    new = beds.belief_update(q, None, gamma, dt, observation=1.0, obs_std=obs_sd)
    assert float(new.mean) == pytest.approx((1 - alpha) * float(q.mean) + alpha * 1.0, rel=1e-12)


def test_belief_update_with_reference_and_categorical():
    q, r = beds.Normal(1.0, 0.5), beds.Normal(0.0, 2.0)
    a = math.exp(-1.0)
    new = beds.belief_update(q, r, gamma=1.0, dt=1.0)
    tau = a * 4 + (1 - a) * 0.25
    assert float(new.std) == pytest.approx(tau**-0.5, rel=1e-15)
    assert float(new.mean) == pytest.approx(a * 4 / tau, rel=1e-15)
    p, u = beds.Categorical([0.7, 0.2, 0.1]), beds.Categorical([1 / 3] * 3)
    lik = np.array([0.1, 0.5, 0.4])
    out = beds.belief_update(p, u, gamma=2.0, dt=0.5, likelihood=lik, beta=0.5)
    w = p.probs ** math.exp(-1) * u.probs ** (1 - math.exp(-1)) * lik**0.5
    np.testing.assert_allclose(out.probs, w / w.sum(), rtol=1e-14)
    with pytest.raises(ValueError, match="obs_std"):
        beds.belief_update(q, r, 1.0, 1.0, observation=0.0)
    with pytest.raises(ValueError, match="gamma"):
        beds.belief_update(q, r, -1.0, 1.0)
    with pytest.raises(TypeError, match="closed forms"):
        beds.belief_update(beds.Poisson(1.0), None, 1.0, 1.0)
