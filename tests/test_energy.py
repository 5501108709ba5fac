"""Energy accounting (beds.energy): Landauer floor, observation information, rates, eq. 19."""

from __future__ import annotations

import math

import beds
import numpy as np
import pytest
from beds import energy
from hypothesis import given
from hypothesis import strategies as st

KT300 = 4.141947e-21  # docs page mathematics/conventions


def test_constants_and_joules():
    assert energy.BOLTZMANN == 1.380649e-23
    np.testing.assert_allclose(energy.joules(1.0), KT300, rtol=1e-7)
    np.testing.assert_allclose(energy.joules(math.log(2), temperature=300.0), KT300 * math.log(2), rtol=1e-7)
    np.testing.assert_allclose(energy.landauer_power(2.0), KT300, rtol=1e-7)  # gamma k_B T / 2
    np.testing.assert_allclose(energy.landauer_power(2.0, 150.0, coordinates=4), 2 * KT300, rtol=1e-7)


def test_observation_information_rates_and_precisions():
    np.testing.assert_allclose(energy.information_per_observation(1.0, 3.0), math.log(2.0))
    np.testing.assert_allclose(energy.information_per_observation([1.0, 4.0], 0.0), 0.0)
    # lambda tau_D = gamma tau*
    np.testing.assert_allclose(energy.observation_rate(0.5, 100.0, 2.0), 25.0)
    np.testing.assert_allclose(energy.optimal_observation_precision(0.5, 100.0, 25.0), 2.0)
    np.testing.assert_allclose(energy.operational_power(25.0, 1e-12), 2.5e-11)
    np.testing.assert_allclose(energy.maintenance_power(0.5, 100.0, 2.0, 1e-12), 2.5e-11)
    # halving sigma quadruples tau* and the power
    p1 = energy.maintenance_power(0.5, 100.0, 2.0, 1.0)
    p2 = energy.maintenance_power(0.5, 400.0, 2.0, 1.0)
    np.testing.assert_allclose(p2 / p1, 4.0)


def test_mean_field_rate_holds_steady_state():
    # observing at lambda = gamma tau* / tau_D (Poisson-like dense stream) holds tau* on average
    gamma, tau_star, tau_d = 0.5, 40.0, 0.2
    lam = float(energy.observation_rate(gamma, tau_star, tau_d))
    steps = 20000
    t = np.arange(1, steps + 1) / lam
    s = beds.System.normal(0.0, precision=tau_star, gamma=gamma)
    rec = np.sort(np.random.default_rng(0).uniform(t[2000], t[-1], 4000))
    _, tr = s.integrate(t, np.zeros(steps, dtype=np.int64), np.zeros(steps), tau_d, record=rec)
    np.testing.assert_allclose(tr.precision.mean(), tau_star, rtol=0.01)


@given(st.floats(1e-6, 1e6), st.floats(1e-6, 1e6), st.floats(1e-3, 1e3))
def test_paper_eq19_is_below_the_floor(tau_star, tau_d, gamma):
    eq19 = energy.paper_eq19_power(gamma, tau_star, tau_d)
    floor = energy.landauer_power(gamma)
    assert eq19 < floor
    x = tau_d / tau_star
    np.testing.assert_allclose(eq19, floor * math.log1p(x) / x, rtol=1e-13)


@pytest.mark.parametrize(
    "fn, args, name",
    [
        (energy.landauer_power, (-1.0,), "gamma"),
        (energy.landauer_power, (float("nan"),), "gamma"),
        (energy.information_per_observation, (0.0, 1.0), "precision"),
        (energy.information_per_observation, (1.0, -1.0), "obs_precision"),
        (energy.observation_rate, (1.0, 1.0, 0.0), "obs_precision"),
        (energy.optimal_observation_precision, (1.0, 1.0, -2.0), "max_rate"),
        (energy.paper_eq19_power, (1.0, -1.0, 1.0), "target_precision"),
        (energy.operational_power, (1.0, float("inf")), "energy_per_observation"),
    ],
)
def test_bad_inputs_name_the_argument(fn, args, name):
    with pytest.raises(ValueError, match=name):
        fn(*args)


def test_bad_temperature_and_dtype():
    with pytest.raises(ValueError, match="temperature"):
        energy.landauer_power(1.0, temperature=-3.0)
    with pytest.raises(TypeError, match="gamma"):
        energy.landauer_power("fast")
