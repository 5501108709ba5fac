"""Bad and extreme input to the helpers, bounded iterations, argument handling, the immutable System.

The table-driven test feeds every argument of the public helpers of ``beds.regularization``,
``beds.thermo``, ``beds.energy``, ``beds.problems`` and ``beds.dynamics`` a NaN, an infinity, a
value outside its domain, a complex or long double array and an array of the wrong shape, and
expects a ValueError or TypeError whose message names that argument.  The other tests are the
regressions of the cases that used to pass NaN through, run without bound, leak another exception
type or blame the wrong argument.
"""

from __future__ import annotations

import math
import time
import warnings

import beds
import numpy as np
import pytest
from beds import dynamics, energy, problems, thermo
from beds._validation import MAX_ITERATIONS

# ------------------------------------------------------------------------ the table of helpers
R, POS, NONNEG, UNIT = "real", "positive", "nonnegative", "unit"
_BAD = {
    R: [np.nan, np.inf, -np.inf],
    POS: [np.nan, np.inf, 0.0, -1.0],
    NONNEG: [np.nan, np.inf, -1.0],
    UNIT: [np.nan, -0.5, 1.5],
}


def _normal_metric(th):
    return np.eye(2) * np.array([1.0, 2.0]) / th[..., 1, None, None] ** 2


_THETA = np.stack([np.linspace(0, 1, 5), np.ones(5)], axis=-1)
_Q = beds.Normal([0.5, 0.0], [1.0, 1.5])

# (label, function, {argument: (valid value, domain, scalar)}, fixed keyword arguments)
HELPERS = [
    (
        "cholesky_grad",
        beds.cholesky_grad,
        {"grad_cov": (np.eye(2), R, False), "chol": (np.tril(np.ones((2, 2))), R, False)},
        {},
    ),
    (
        "sac_temperature_update",
        beds.sac_temperature_update,
        {
            "log_alpha": (0.0, R, True),
            "entropy": (np.array([1.0, 2.0]), R, False),
            "target_entropy": (2.0, R, True),
            "lr": (0.1, NONNEG, True),
        },
        {},
    ),
    ("empirical_fisher", beds.empirical_fisher, {"per_sample_grads": (np.ones((3, 2)), R, False)}, {}),
    ("von_mises_entropy", dynamics.von_mises_entropy, {"kappa": (np.array([0.0, 1.0]), NONNEG, False)}, {}),
    (
        "von_mises_mean_resultant",
        dynamics.von_mises_mean_resultant,
        {"kappa": (np.array([0.0, 1.0]), NONNEG, False)},
        {},
    ),
    (
        "ema_decay",
        dynamics.ema_decay,
        {"gamma": (np.array([0.5, 1.0]), NONNEG, False), "step": (np.array([1.0, 2.0]), POS, False)},
        {},
    ),
    (
        "ema_gain",
        dynamics.ema_gain,
        {"gamma": (np.array([0.5, 1.0]), NONNEG, False), "step": (np.array([1.0, 2.0]), POS, False)},
        {},
    ),
    (
        "gamma_from_ema",
        dynamics.gamma_from_ema,
        {"beta": (np.array([0.5, 0.9]), POS, False), "step": (np.array([1.0, 2.0]), POS, False)},
        {},
    ),
    (
        "coordinate_diagnostics",
        thermo.coordinate_diagnostics,
        {"theta": (_THETA, R, False), "times": (np.linspace(0.0, 1.0, 5), R, False)},
        {"metric": _normal_metric},
    ),
    (
        "excess_work_bound",
        thermo.excess_work_bound,
        {
            "length": (np.array([2.0, 1.0]), NONNEG, False),
            "duration": (10.0, POS, True),
            "relaxation_time": (np.array([0.5, 1.0]), NONNEG, False),
            "temperature": (300.0, POS, True),
        },
        {},
    ),
    (
        "landauer_efficiency",
        thermo.landauer_efficiency,
        {
            "information": (np.array([1.0, 0.5]), R, False),
            "energy": (np.array([1e-20, 1e-20]), POS, False),
            "temperature": (300.0, POS, True),
        },
        {},
    ),
    ("joules", energy.joules, {"nats": (np.array([1.0, 2.0]), R, False), "temperature": (300.0, POS, True)}, {}),
    (
        "landauer_power",
        energy.landauer_power,
        {
            "gamma": (np.array([1.0, 2.0]), NONNEG, False),
            "temperature": (300.0, POS, True),
            "coordinates": (np.array([3.0, 1.0]), NONNEG, False),
        },
        {},
    ),
    (
        "additive_entropy_rate",
        energy.additive_entropy_rate,
        {"q": (np.array([0.5, 1.0]), NONNEG, False), "precision": (np.array([4.0, 2.0]), POS, False)},
        {},
    ),
    (
        "information_per_observation",
        energy.information_per_observation,
        {"precision": (np.array([1.0, 2.0]), POS, False), "obs_precision": (np.array([3.0, 1.0]), NONNEG, False)},
        {},
    ),
    (
        "observation_rate",
        energy.observation_rate,
        {
            "gamma": (np.array([0.5, 1.0]), NONNEG, False),
            "target_precision": (np.array([40.0, 4.0]), POS, False),
            "obs_precision": (np.array([2.0, 1.0]), POS, False),
        },
        {},
    ),
    (
        "operational_power",
        energy.operational_power,
        {
            "rate": (np.array([10.0, 1.0]), NONNEG, False),
            "energy_per_observation": (np.array([1e-3, 1.0]), NONNEG, False),
        },
        {},
    ),
    (
        "maintenance_power",
        energy.maintenance_power,
        {
            "gamma": (np.array([0.5, 1.0]), NONNEG, False),
            "target_precision": (np.array([40.0, 4.0]), POS, False),
            "obs_precision": (np.array([2.0, 1.0]), POS, False),
            "energy_per_observation": (np.array([1e-3, 1.0]), NONNEG, False),
        },
        {},
    ),
    (
        "optimal_observation_precision",
        energy.optimal_observation_precision,
        {
            "gamma": (np.array([0.5, 1.0]), NONNEG, False),
            "target_precision": (np.array([40.0, 4.0]), POS, False),
            "max_rate": (np.array([4.0, 1.0]), POS, False),
        },
        {},
    ),
    (
        "paper_eq19_power",
        energy.paper_eq19_power,
        {
            "gamma": (np.array([0.5, 1.0]), NONNEG, False),
            "target_precision": (np.array([10.0, 4.0]), POS, False),
            "obs_precision": (np.array([5.0, 1.0]), POS, False),
            "temperature": (300.0, POS, True),
        },
        {},
    ),
    (
        "tracking_required_rate",
        problems.tracking_required_rate,
        {
            "gamma": (1.0, POS, True),
            "target_precision": (10.0, POS, True),
            "speed": (0.1, R, True),
            "obs_precision": (1.0, POS, True),
            "rtol": (0.05, POS, True),
        },
        {"n": 20},
    ),
    (
        "stationary_target_example",
        problems.stationary_target_example,
        {
            "theta": (1.0, R, True),
            "gamma": (0.1, POS, True),
            "obs_precision": (1.0, POS, True),
            "rate": (5.0, POS, True),
            "horizon": (10.0, POS, True),
        },
        {"n": 4},
    ),
    (
        "GoverningEquation.ridge",
        beds.GoverningEquation.ridge,
        {"strength": (0.5, NONNEG, False), "center": (np.zeros(3), R, False)},
        {},
    ),
    (
        "GoverningEquation.ewc",
        beds.GoverningEquation.ewc,
        {
            "theta_star": (np.zeros(3), R, False),
            "fisher": (np.ones(3), NONNEG, False),
            "strength": (0.5, NONNEG, False),
        },
        {},
    ),
    (
        "GoverningEquation.ema",
        beds.GoverningEquation.ema,
        {"beta": (0.9, POS, True), "dt": (1.0, POS, True)},
        {"reference": np.zeros(3)},
    ),
    (
        "GoverningEquation.sac_entropy",
        beds.GoverningEquation.sac_entropy,
        {"alpha": (0.2, NONNEG, False)},
        {"num_actions": 4},
    ),
    (
        "GoverningEquation.fisher_rao",
        beds.GoverningEquation.fisher_rao,
        {"gamma": (0.5, NONNEG, True)},
        {"reference": beds.Normal(0.0, 1.0)},
    ),
    (
        "System.normal",
        beds.System.normal,
        {
            "mean": (np.array([0.0, 1.0]), R, False),
            "var": (np.array([1.0, 2.0]), POS, False),
            "gamma": (np.array([0.5, 0.1]), NONNEG, False),
        },
        {},
    ),
    (
        "System.von_mises",
        beds.System.von_mises,
        {
            "mu": (np.array([0.0, 1.0]), R, False),
            "kappa": (np.array([1.0, 2.0]), NONNEG, False),
            "gamma": (0.5, NONNEG, False),
        },
        {},
    ),
]


def _trajectory():
    s = beds.System.normal(np.zeros(3), var=1.0, gamma=0.5)
    times = np.repeat(np.arange(1, 21) / 10.0, 3)
    values = 1.0 + 0.3 * np.random.default_rng(0).standard_normal(60)
    return s.integrate(times, np.tile(np.arange(3), 20), values, 10.0, record=np.linspace(0.0, 2.0, 5))[1]


_TRAJ = _trajectory()
_SYS = beds.System.normal([0.0, 1.0], var=[1.0, 2.0], gamma=0.5)
HELPERS += [
    (
        "belief_update",
        beds.belief_update,
        {
            "gamma": (np.array([0.5, 1.0]), NONNEG, False),
            "dt": (1.0, NONNEG, True),
            "observation": (np.array([0.2, 0.3]), R, False),
            "obs_std": (np.array([1.0, 0.5]), POS, False),
        },
        {"q": _Q, "q_ref": None},
    ),
    (
        "fisher_rao_penalty",
        beds.fisher_rao_penalty,
        {"strength": (np.array([1.0, 2.0]), NONNEG, False)},
        {"q": _Q, "q_ref": beds.Normal(0.0, 1.0)},
    ),
    (
        "kl_penalty",
        beds.kl_penalty,
        {"strength": (np.array([1.0, 2.0]), NONNEG, False)},
        {"q": _Q, "q_ref": beds.Normal(0.0, 1.0)},
    ),
    (
        "classify",
        problems.classify,
        {
            "delta": (0.3, POS, True),
            "eps": (0.05, POS, True),
            "energy_per_observation": (np.array([1.0, 1.0, 2.0]), NONNEG, False),
        },
        {"trajectory": _TRAJ, "target": 1.0},
    ),
    (
        "Trajectory.operational_energy",
        _TRAJ.operational_energy,
        {"energy_per_observation": (np.array([1.0, 1.0, 2.0]), NONNEG, False)},
        {},
    ),
    ("System.dissipate", _SYS.dissipate, {"dt": (1.0, NONNEG, True)}, {}),
    (
        "System.assimilate",
        _SYS.assimilate,
        {"value": (np.array([0.3, 0.2]), R, False), "precision": (np.array([2.0, 1.0]), NONNEG, False)},
        {},
    ),
]


def _helper_cases():
    for label, fn, args, fixed in HELPERS:
        valid = {k: v[0] for k, v in args.items()}
        yield pytest.param(fn, {**valid, **fixed}, None, None, id=f"{label}-valid")
        for name, (value, domain, scalar) in args.items():
            a = np.asarray(value, dtype=np.float64)
            for x in _BAD[domain]:
                bad = float(x) if a.ndim == 0 else np.where(np.arange(a.size).reshape(a.shape) == 0, x, a)
                yield pytest.param(fn, {**valid, **fixed, name: bad}, name, ValueError, id=f"{label}-{name}={x}")
            yield pytest.param(
                fn, {**valid, **fixed, name: a.astype(complex)}, name, TypeError, id=f"{label}-{name}-complex"
            )
            yield pytest.param(
                fn,
                {**valid, **fixed, name: a.astype(np.longdouble)},
                name,
                TypeError,
                id=f"{label}-{name}-longdouble",
            )
            yield pytest.param(fn, {**valid, **fixed, name: "abc"}, name, TypeError, id=f"{label}-{name}-str")
            if scalar:  # an array where a scalar is expected
                yield pytest.param(
                    fn, {**valid, **fixed, name: np.ones(3)}, name, ValueError, id=f"{label}-{name}-shape"
                )
            elif a.ndim == 1 and any(np.shape(v[0]) == a.shape for k, v in args.items() if k != name):
                # a length that does not broadcast with the other arguments
                wrong = np.ones(a.shape[0] + 1)
                yield pytest.param(fn, {**valid, **fixed, name: wrong}, name, ValueError, id=f"{label}-{name}-shape")


@pytest.mark.filterwarnings("ignore::beds.LandauerWarning")
@pytest.mark.parametrize(("fn", "kwargs", "name", "error"), list(_helper_cases()))
def test_helpers_name_the_bad_argument(fn, kwargs, name, error):
    if name is None:  # the valid call
        fn(**kwargs)
        return
    with pytest.raises((ValueError, TypeError)) as info:
        fn(**kwargs)
    assert info.type is error or issubclass(info.type, error), info.value
    assert name in str(info.value), str(info.value)


def test_helpers_table_is_checked():
    """The table covers every helper the issue named."""
    labels = {h[0] for h in HELPERS}
    assert {
        "cholesky_grad",
        "sac_temperature_update",
        "von_mises_entropy",
        "coordinate_diagnostics",
        "landauer_efficiency",
    } <= labels
    assert len(list(_helper_cases())) > 500


# ------------------------------------------------------------------------------ named helpers
def test_cholesky_grad_rejects_nan_and_overflow():
    L = np.array([[1.0, 0.0], [0.5, 1.0]])
    with pytest.raises(ValueError, match="grad_cov must be finite"):
        beds.cholesky_grad(np.full((2, 2), np.nan), L)
    with pytest.raises(ValueError, match="chol must be finite"):
        beds.cholesky_grad(np.eye(2), np.where(L > 0.6, np.inf, L))
    with pytest.raises(ValueError, match="not representable"):
        beds.cholesky_grad(np.eye(2) * 1e300, L * 1e300)
    with pytest.raises(ValueError, match="do not broadcast"):
        beds.cholesky_grad(np.ones((3, 2, 2)), np.ones((2, 2, 2)))
    np.testing.assert_array_equal(beds.cholesky_grad(np.eye(2), L), 2 * L)


def test_sac_temperature_update_validates_every_argument():
    assert beds.sac_temperature_update(0.0, [1.0, 2.0], 2.0, 0.1) == pytest.approx(0.05, abs=1e-15)
    for kwargs, name in [
        ({"log_alpha": np.nan}, "log_alpha"),
        ({"target_entropy": np.inf}, "target_entropy"),
        ({"lr": -0.1}, "lr"),
        ({"lr": np.nan}, "lr"),
        ({"entropy": []}, "entropy"),
        ({"lr": True}, "lr"),
    ]:
        args = {"log_alpha": 0.0, "entropy": [1.0, 2.0], "target_entropy": 2.0, "lr": 0.1, **kwargs}
        with pytest.raises((ValueError, TypeError), match=name):
            beds.sac_temperature_update(**args)
    # a mean whose sum would overflow is still exact; a step beyond the float range raises
    assert beds.sac_temperature_update(0.0, [1e308, 1e308], 0.0, 1e-300) == pytest.approx(-1e8, rel=1e-15)
    with pytest.raises(ValueError, match="not representable"):
        beds.sac_temperature_update(0.0, [1e308], -1e308, 10.0)
    assert beds.sac_temperature_update(0.5, [1e308], -1e308, 0.0) == 0.5


def test_von_mises_helpers_of_the_dynamics_validate_kappa():
    for fn in (dynamics.von_mises_entropy, dynamics.von_mises_mean_resultant):
        for bad in (-1.0, np.nan, np.inf):
            with pytest.raises(ValueError, match="kappa"):
                fn([1.0, bad])
        with pytest.raises(TypeError, match="kappa"):
            fn(np.ones(2, dtype=np.longdouble))
    np.testing.assert_allclose(dynamics.von_mises_entropy([0.0]), np.log(2 * np.pi), rtol=1e-15)
    # the System still reports the entropies of its state
    s = beds.System.von_mises([0.0, 1.0], [0.0, 3.0], gamma=0.1)
    np.testing.assert_allclose(s.entropy(), beds.von_mises.entropy([0.0, 3.0]), rtol=1e-15)


def test_coordinate_diagnostics_checks_what_the_metric_returns():
    t = np.linspace(0.0, 1.0, 5)
    good = thermo.coordinate_diagnostics(_THETA, t, _normal_metric)
    assert float(good.length) == pytest.approx(1.0)
    for returned, err, what in [
        (lambda th: np.full(th.shape + (2,), np.nan), ValueError, "metric\\(theta\\) must be finite"),
        (lambda th: -np.broadcast_to(np.eye(2), th.shape + (2,)), ValueError, "positive semi-definite"),
        (lambda th: None, TypeError, "metric\\(theta\\)"),
        (lambda th: np.ones(3), ValueError, "metric\\(theta\\) must return shape"),
        (lambda th: np.ones(th.shape + (2,), dtype=complex), TypeError, "metric\\(theta\\)"),
    ]:
        with pytest.raises(err, match=what):
            thermo.coordinate_diagnostics(_THETA, t, returned)
    with pytest.raises(TypeError, match="metric must be a callable"):
        thermo.coordinate_diagnostics(_THETA, t, np.eye(2))
    with pytest.raises(ValueError, match="theta must have shape"):
        thermo.coordinate_diagnostics(np.zeros((0, 2)), [], _normal_metric)
    # rounding below zero is still zero
    flat = thermo.coordinate_diagnostics(
        np.zeros((3, 2)), [0.0, 1.0, 2.0], lambda th: np.broadcast_to(np.eye(2), th.shape + (2,))
    )
    assert float(flat.length) == 0.0 and float(flat.efficiency) == 1.0


def test_landauer_efficiency_above_one_warns():
    kt = energy.joules(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(thermo.landauer_efficiency(1.0, kt)) == pytest.approx(1.0, rel=1e-15)  # at the limit: no warning
        assert float(thermo.landauer_efficiency(-1.0, kt)) == pytest.approx(-1.0, rel=1e-15)
    with pytest.warns(beds.LandauerWarning, match="above 1"):
        eff = thermo.landauer_efficiency([1.0, 3.0], kt)
    np.testing.assert_allclose(eff, [1.0, 3.0], rtol=1e-15)  # the values are still returned
    assert issubclass(beds.LandauerWarning, UserWarning)
    # far beyond the float range: a ValueError, not inf
    with pytest.raises(ValueError, match="not representable"):
        thermo.landauer_efficiency(1e300, 1e-300)
    # intermediate overflow only: the value is right
    assert float(thermo.landauer_efficiency(1e-30, 4.141947e-51)) == pytest.approx(1.0, rel=1e-6)


def test_thermo_and_energy_do_not_return_inf_from_finite_input():
    with pytest.raises(ValueError, match="observation_rate"):
        energy.observation_rate(1.0, 1.0, 5e-324)
    with pytest.raises(ValueError, match="gamma_from_ema"):
        dynamics.gamma_from_ema(0.5, 5e-324)
    with pytest.raises(ValueError, match="duration"):
        thermo.excess_work_bound(1.0, [1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="times must span"):
        thermo.trajectory_diagnostics([beds.Normal(0.0, 1.0), beds.Normal(1.0, 1.0)], [-1e308, 1e308])
    # limits that are representable
    assert float(energy.information_per_observation(5e-324, 1.0)) == pytest.approx(
        0.5 * (math.log(1.0) - math.log(5e-324)), rel=1e-12
    )
    assert float(energy.paper_eq19_power(1.0, 5e-324, 5.0)) == 0.0
    assert float(energy.paper_eq19_power(1.0, 10.0, 5e-324)) == pytest.approx(
        float(energy.landauer_power(1.0)), rel=1e-12
    )
    assert float(energy.observation_rate(1e300, 1e300, 1e300)) == pytest.approx(1e300, rel=1e-12)
    with pytest.raises(TypeError, match="path must be a belief batch"):
        thermo.trajectory_diagnostics(None, [0.0, 1.0])


def test_empirical_fisher_axis_errors():
    g = np.ones((3, 2))
    for axis in (2, -3, 2**62, 2**70):
        with pytest.raises(ValueError, match="axis") as info:
            beds.empirical_fisher(g, axis=axis)
        assert isinstance(info.value, IndexError)  # numpy's AxisError: both, as before
    for axis in (1.5, None, True, "0"):
        with pytest.raises(TypeError, match="axis"):
            beds.empirical_fisher(g, axis=axis)


def test_governing_equation_names_its_own_arguments():
    with pytest.raises(ValueError, match="theta_star"):
        beds.GoverningEquation.ewc([0.0, np.nan], [1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="fisher"):
        beds.GoverningEquation.online_ewc([0.0, 0.0], [1.0, -1.0], 1.0, 0.5)
    with pytest.raises(ValueError, match="center"):
        beds.GoverningEquation.ridge(1.0, center=[np.inf])
    with pytest.raises(TypeError, match="center"):
        beds.GoverningEquation.ridge(1.0, center=[1j])
    with pytest.raises(ValueError, match="alpha"):
        beds.GoverningEquation.sac_entropy(-0.1, 3)
    for bad, err in [("3", TypeError), (True, TypeError), (np.nan, ValueError), (0, ValueError), (2**62, ValueError)]:
        with pytest.raises(err, match="num_actions"):
            beds.GoverningEquation.sac_entropy(0.1, bad)
    assert beds.GoverningEquation.sac_entropy(0.1, 2.7).reference.batch_shape == ()  # documented: truncated
    with pytest.raises(ValueError, match="dt"):
        beds.GoverningEquation.ema(0.9, np.zeros(2), dt=np.inf)
    with pytest.raises(TypeError, match="dt"):
        beds.GoverningEquation.ema(0.9, np.zeros(2), dt=1j)
    eq = beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), gamma=0.5)
    for bad, err in [(np.nan, ValueError), (-1.0, ValueError), ("a", TypeError), (None, TypeError)]:
        with pytest.raises(err, match="dt"):
            eq.advance(beds.Normal(1.0, 1.0), bad)
    with pytest.raises(TypeError, match="gamma"):
        beds.GoverningEquation.fisher_rao(beds.Normal(0.0, 1.0), gamma="fast")


def test_sigreg_num_directions_too_large():
    x = np.random.default_rng(0).standard_normal((8, 3))
    with pytest.raises(ValueError, match="num_directions"):
        beds.sigreg(x, num_directions=2**62, seed=0)


def test_to_belief_errors_name_params():
    with pytest.raises(ValueError, match="missing \\['precision'\\]"):
        dynamics.to_belief("normal", {"mean": [0.0]})
    with pytest.raises(TypeError, match="params"):
        dynamics.to_belief("normal", None)
    with pytest.raises(ValueError, match="params\\['precision'\\]"):
        dynamics.to_belief("normal", {"mean": [0.0], "precision": [0.0]})
    with pytest.raises(TypeError, match="kind"):
        dynamics.to_belief(["normal"], {})
    assert dynamics.to_belief("normal", {"mean": [0.0, 1.0], "precision": [4.0, 1.0]}).std.tolist() == [0.5, 1.0]


def test_belief_reshape_and_sample_name_their_argument():
    p = beds.Normal([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="shape"):
        p.reshape("a")
    with pytest.raises(ValueError, match="shape"):
        p.reshape(3)
    with pytest.raises(ValueError, match="n must be at most"):
        beds.VonMises(0.0, 1.0).sample(2**62)


# ----------------------------------------------------------------------- iterations and loops
@pytest.mark.parametrize(
    "p",
    [
        beds.Normal([0.0, 1.0, 2.0], [1.0, 2.0, 0.5]),
        beds.VonMises([0.0, 1.0, 2.0], [1.0, 2.0, 0.5]),
        beds.Categorical([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]]),
        beds.MVNormal(np.zeros((3, 2)), np.eye(2) * [[[1.0]], [[2.0]], [[0.5]]]),
        beds.Exponential([1.0, 2.0, 0.5]),
    ],
    ids=lambda p: type(p).__name__,
)
def test_karcher_mean_iterations_are_bounded(p):
    for max_iter in (MAX_ITERATIONS + 1, 2**62, 2**70):
        with pytest.raises(ValueError, match="max_iter must be at most"):
            beds.karcher_mean(p, max_iter=max_iter)
    for tol in (0.0, -1.0, np.nan, np.inf, "1e-3", [1e-3, 1e-3], None if False else 1j):
        with pytest.raises(ValueError, match="tol"):
            beds.karcher_mean(p, tol=tol)
    # an unreachable tol stops at max_iter, flagged (a bounded, finite call)
    if not isinstance(p, beds.Exponential):
        with pytest.warns(beds.ConvergenceWarning):
            beds.karcher_mean(p, tol=1e-300, max_iter=3)


@pytest.mark.parametrize(
    "p",
    [
        beds.Normal([0.0, 1.0, 2.0], [1.0, 2.0, 0.5]),
        beds.VonMises([0.0, 2.0, -2.5], [1.0, 30.0, 4.0]),
        beds.Categorical([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]]),
        beds.MVNormal(np.zeros((3, 2)), np.eye(2) * [[[1.0]], [[2.0]], [[0.5]]]),
    ],
    ids=lambda p: type(p).__name__,
)
def test_karcher_mean_defaults_are_the_familys(p):
    """beds.karcher_mean without tol / max_iter gives exactly the family method's result."""
    a, b = beds.karcher_mean(p), p.karcher_mean()
    for x, y in zip(a.param_arrays.values(), b.param_arrays.values()):
        np.testing.assert_array_equal(x, y)


def test_karcher_mean_passes_only_what_is_given(monkeypatch):
    seen = {}
    p = beds.VonMises([0.0, 1.0], [1.0, 2.0])

    def spy(self, weights=None, axis=None, **kwargs):
        seen.update(kwargs)
        return self[0]

    monkeypatch.setattr(beds.VonMises, "karcher_mean", spy)
    beds.karcher_mean(p)
    assert seen == {}
    beds.karcher_mean(p, tol=1e-6)
    assert seen == {"tol": 1e-6}


def test_tracking_required_rate_is_bounded():
    start = time.perf_counter()
    for kwargs, name in [
        ({"rtol": 0.0}, "rtol"),
        ({"rtol": 1e-300}, "rtol"),
        ({"rtol": np.nan}, "rtol"),
        ({"n": 0}, "n"),
        ({"n": 2**70}, "n"),
    ]:
        with pytest.raises(ValueError, match=name):
            problems.tracking_required_rate(1.0, 10.0, 0.0, **kwargs)
    with pytest.raises(ValueError, match="gamma"):
        problems.tracking_required_rate(0.0, 10.0, 0.0)  # was a ZeroDivisionError
    with pytest.raises(ValueError, match="target_precision"):
        problems.tracking_required_rate(1.0, 0.0, 0.0)
    with pytest.raises(TypeError, match="seed"):
        problems.tracking_required_rate(1.0, 10.0, 0.0, seed=0.5)
    # beyond the simulation budget: a ValueError, not an unbounded allocation
    with pytest.raises(ValueError, match="observation events"):
        problems.tracking_required_rate(1.0, 1e9, 0.0, n=10_000)
    assert time.perf_counter() - start < 30.0  # (the old rtol=0 never returned)
    # the sign of the speed does not matter (a negative speed used to skip the lag test and search
    # up to 1e7 gamma, allocating without bound)
    assert problems.tracking_required_rate(1.0, 10.0, -0.2, n=50) == problems.tracking_required_rate(
        1.0, 10.0, 0.2, n=50
    )
    assert problems.tracking_required_rate(1.0, 10.0, -1.0) == math.inf


def test_examples_validate_and_bound_their_streams():
    with pytest.raises(ValueError, match="observation events"):
        problems.stationary_target_example(rate=1e6, horizon=1e6)
    with pytest.raises(ValueError, match="rate"):
        problems.drifting_target_example(rate=-1.0)
    with pytest.raises(TypeError, match="n"):
        problems.stationary_target_example(n=2.5)
    with pytest.raises(ValueError, match="gammas"):
        problems.tracking_scan(gammas=[1.0], n=10, gamma_grid=2)
    with pytest.raises(ValueError, match="gamma_grid"):
        problems.tracking_scan(n=10, gamma_grid=0)


# --------------------------------------------------------------------------- argument handling
def test_long_double_and_complex_input_name_the_argument_and_dtypes():
    m = np.zeros(3)
    for bad in (m.astype(np.longdouble), m.astype(np.complex128), np.longdouble(0.5)):
        with pytest.raises(TypeError, match=r"mean1 must be an array of real numbers.*float64, float32"):
            beds.normal.distance(bad, 1.0, 0.0, 1.0)
    with pytest.raises(TypeError, match="astype\\(np.float64\\)"):
        beds.Normal(m.astype(np.longdouble), 1.0)
    with pytest.raises(TypeError, match="std"):
        beds.Normal(0.0, np.ones(2, dtype=np.longdouble))
    with pytest.raises(TypeError, match="int64 range"):
        beds.normal.distance(2**70, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="std1"):  # a ragged list
        beds.normal.distance(0.0, [[1.0, 2.0], [1.0]], 0.0, 1.0)


def test_huge_ints_give_value_errors():
    p = beds.Normal([0.0, 1.0], [1.0, 2.0])
    for call in (
        lambda: beds.karcher_mean(p, max_iter=2**70),
        lambda: beds.normal.karcher_mean([0.0, 1.0], [1.0, 1.0], max_iter=2**64),
        lambda: beds.set_num_threads(2**70),
        lambda: p.sample(2**70),
    ):
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize(
    ("fn", "nargs", "bad"),
    [
        (beds.normal.distance, 4, 1),
        (beds.normal.kl, 4, 3),
        (beds.normal.log, 4, 1),
        (beds.exponential.distance, 2, 1),
        (beds.von_mises.distance, 4, 1),
        (beds.special.mean_resultant, 1, 0),
    ],
)
def test_out_aliasing_an_input_is_diagnosed_before_writing(fn, nargs, bad):
    names = list(__import__("inspect").signature(fn).parameters)[:nargs]
    args = [np.array([0.5, 1.0, 1.5]) for _ in range(nargs)]
    args[bad] = np.array([1.0, np.nan, 1.0]) if nargs > 1 else np.array([0.5, -1.0, 1.5])
    out_arg = 0 if bad != 0 else 0
    before = args[out_arg].copy()
    nout = fn(*[np.ones(3)] * nargs)
    out = (args[out_arg],) if isinstance(nout, tuple) else args[out_arg]
    if isinstance(nout, tuple):  # several outputs: alias the first one only
        out = (args[out_arg], np.empty(3))
    with pytest.raises(ValueError, match=names[bad]) as info:
        fn(*args, out=out)
    assert names[out_arg] == names[bad] or names[out_arg] not in str(info.value).split(" must")[0]
    np.testing.assert_array_equal(args[out_arg], before)  # nothing was written


def test_out_aliasing_valid_input_gives_the_same_result():
    m = np.array([0.5, 1.0, 1.5])
    ref = beds.normal.distance(m.copy(), 1.0, 0.0, 2.0)
    r = beds.normal.distance(m, 1.0, 0.0, 2.0, out=m)
    assert r is m
    np.testing.assert_array_equal(m, ref)
    a, b = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    ref = beds.normal.log(a.copy(), b.copy(), 1.0, 1.0)
    r = beds.normal.log(a, b, 1.0, 1.0, out=(b, a))  # outputs swapped over the inputs
    assert r[0] is b and r[1] is a
    np.testing.assert_array_equal(b, ref[0])
    np.testing.assert_array_equal(a, ref[1])
    # a float32 output takes the float64 result like a ufunc would
    m32 = np.zeros(3, dtype=np.float32)
    x = np.array([0.5, 1.0, 1.5])
    beds.normal.distance(x, 1.0, 0.0, 2.0, out=m32)
    np.testing.assert_array_equal(m32, ref_ := beds.normal.distance(x, 1.0, 0.0, 2.0).astype(np.float32))
    assert ref_.dtype == np.float32


def test_distance_nielsen_max_segments_is_bounded():
    S = np.eye(2)
    for bad in (2**62, 2**70, MAX_ITERATIONS + 1):
        with pytest.raises(ValueError, match="max_segments must be at most"):
            beds.mvnormal.distance_nielsen([0.0, 0.0], S, [1.0, 0.0], S, max_segments=bad)
    exact = float(beds.mvnormal.distance([0.0, 0.0], S, [1.0, 0.0], S))
    assert float(beds.mvnormal.distance_nielsen([0.0, 0.0], S, [1.0, 0.0], S)) == pytest.approx(
        exact, rel=1e-3
    )  # (an approximation)
