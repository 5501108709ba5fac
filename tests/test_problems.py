"""Problem classes (beds.problems): verdicts, canonical examples, tracking conjecture."""

from __future__ import annotations

import math

import beds
import numpy as np
import pytest
from beds import problems


def test_stationary_target_is_crystallizable():
    traj, v = problems.stationary_target_example()
    assert v.crystallizable.all() and v.attainable.all() and v.maintainable.all()
    assert np.isfinite(v.time_crystallized).all()
    assert (v.time_attained <= v.time_crystallized).all()
    # steady state: sup power is the Landauer floor gamma k_B T / 2 (flat multiplicative model)
    np.testing.assert_allclose(v.sup_power, beds.energy.landauer_power(0.1), rtol=1e-9)
    np.testing.assert_allclose(v.total_energy, beds.energy.landauer_power(0.1) * 50.0, rtol=1e-9)


def test_drifting_target_is_maintainable_never_crystallizable():
    traj, v = problems.drifting_target_example()
    assert v.maintainable.all() and v.attainable.all()
    assert not v.crystallizable.any()
    # the variance does fall below eps: it is halting that fails, not the precision
    assert (1 / traj.precision[-1] < 0.05).all()
    # with weak dissipation the lag speed / gamma exceeds delta: not even maintainable
    _, weak = problems.drifting_target_example(gamma=0.2, rate=20.0)
    assert not weak.maintainable.any()


def test_classify_scores_and_energy():
    s = beds.System.normal([0.0, 0.0], var=[1.0, 1.0], gamma=0.5)
    t = np.arange(1, 201) * 0.05
    idx = np.tile([0, 1], 100)
    _, tr = s.integrate(t, idx, np.ones(200), 4.0, record=np.linspace(0, 10, 11))
    v1 = problems.classify(tr, 1.0, delta=0.5, eps=0.1, score="w2")
    np.testing.assert_allclose(v1.divergence, np.sqrt((tr.mean - 1) ** 2 + 1 / tr.precision))
    v2 = problems.classify(tr, 1.0, delta=0.5, eps=0.1, score="mean_var")
    np.testing.assert_allclose(v2.divergence, np.abs(tr.mean - 1) + 1 / tr.precision)
    v3 = problems.classify(tr, 1.0, delta=0.5, eps=0.1, energy_per_observation=2.0)
    np.testing.assert_allclose(v3.total_energy, 200.0)
    target = beds.Normal(1.0, 0.3)
    v4 = problems.classify(tr, target, delta=0.5, eps=0.1, score="kl")
    np.testing.assert_allclose(v4.divergence, beds.normal.kl(tr.mean, 1 / np.sqrt(tr.precision), 1.0, 0.3))
    with pytest.raises(ValueError, match="infinite"):
        problems.classify(tr, 1.0, delta=0.5, eps=0.1, score="kl")
    with pytest.raises(ValueError, match="delta"):
        problems.classify(tr, 1.0, delta=-1.0, eps=0.1)
    with pytest.raises(TypeError, match="trajectory"):
        problems.classify(s, 1.0, delta=0.5, eps=0.1)


def test_tracking_required_rate_static_matches_mean_field():
    # v = 0: periodic filter error alpha / ((2 - alpha) tau_D) = 1 / tau*  ->  lambda ~ gamma tau* / (2 tau_D)
    lam = problems.tracking_required_rate(1.0, 20.0, 0.0, n=400)
    alpha = 2 / (20.0 + 1)  # alpha / (2 - alpha) = 1/20
    expected = -1.0 / math.log(1 - alpha)
    np.testing.assert_allclose(lam, expected, rtol=0.08)
    assert problems.tracking_required_rate(0.1, 20.0, 1.0) == math.inf  # lag 10 > accuracy


def test_tracking_scan_exponents():
    r = problems.tracking_scan(gammas=(0.5, 2.0), precisions=(10.0, 40.0), speeds=(0.1, 0.4), n=100, gamma_grid=5)
    e = r["static_exponents"]
    assert abs(e["gamma"] - 1.0) < 0.05 and 0.95 < e["tau"] < 1.2
    m = r["moving_exponents"]
    # measured: P ~ v^1 tau*^1.5 at the best gamma (not v^2 tau* as conjectured)
    assert abs(m["speed"] - 1.0) < 0.15 and 1.3 < m["tau"] < 1.8


def test_classify_other_kinds():
    rng = np.random.default_rng(4)
    steps = 400
    t = np.arange(1, steps + 1) * 0.05
    # von Mises: angular error (wraps around pi), circular variance; energy from the observation count
    s = beds.System.von_mises(np.zeros(2), 1.0, gamma=0.2)
    x = np.pi - 0.05 + 0.1 * rng.standard_normal(2 * steps)  # around the cut at +-pi
    _, tr = s.integrate(np.repeat(t, 2), np.tile([0, 1], steps), x, 5.0, record=np.linspace(0, 20, 41))
    v = problems.classify(tr, np.pi - 0.05, delta=0.3, eps=0.05, energy_per_observation=1.0)
    assert v.maintainable.all() and v.crystallizable.all()
    np.testing.assert_allclose(v.total_energy, steps)
    circ = 1 - beds.dynamics.von_mises_mean_resultant(tr.precision)[1]
    err = np.abs(np.angle(np.exp(1j * (tr.mean - (np.pi - 0.05)))))
    np.testing.assert_allclose(v.divergence, np.sqrt(err**2 + circ))
    vl = problems.classify(tr, np.pi - 0.05, delta=0.3, eps=0.05)  # Landauer energy
    np.testing.assert_allclose(vl.total_energy, beds.energy.joules(tr.info_dissipated[-1]))
    # full Gaussian: W2 to a point uses the trace of the covariance
    m = beds.System.mv_normal(np.zeros(2), np.eye(2), gamma=0.3)
    _, tm = m.integrate(
        t, np.zeros(steps, dtype=np.int64), np.tile([1.0, -1.0], (steps, 1)), 4.0, record=np.linspace(0, 20, 21)
    )
    vm = problems.classify(tm, [1.0, -1.0], delta=0.5, eps=0.1, rule="max_eig")
    cov = np.linalg.inv(tm.precision)
    err = np.linalg.norm(tm.mean - [1.0, -1.0], axis=-1)
    np.testing.assert_allclose(vm.divergence, np.sqrt(err**2 + np.trace(cov, axis1=-2, axis2=-1)))
    assert vm.crystallizable and vm.maintainable
    # a target that does not broadcast
    with pytest.raises(ValueError, match="target"):
        problems.classify(tm, [1.0, 2.0, 3.0], delta=0.5, eps=0.1)
