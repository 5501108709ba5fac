"""BEDS dynamics: event-driven integration of scalar Gaussian beliefs (2e6 events) against the best
numpy formulation (regular stream, vectorized over beliefs) and a pure-Python event loop."""

import beds
import numpy as np
import pytest
from beds._bench_dynamics import np_integrate_rounds, py_integrate_events

N, STEPS = 1000, 2000


@pytest.fixture(scope="module")
def regular():
    rng = np.random.default_rng(0)
    values = rng.standard_normal((STEPS, N))
    times = np.repeat(0.01 * np.arange(1, STEPS + 1), N)
    index = np.tile(np.arange(N, dtype=np.int64), STEPS)
    return times, index, values


@pytest.fixture(scope="module")
def random_stream():
    rng = np.random.default_rng(1)
    m = 2_000_000
    return np.sort(rng.uniform(0, 100, m)), rng.integers(0, N, m), rng.standard_normal(m)


@pytest.mark.benchmark(group="dynamics regular")
def test_beds_integrate_regular(benchmark, regular):
    times, index, values = regular
    s = beds.System.normal(np.zeros(N), precision=np.ones(N), gamma=0.5)
    benchmark(s.integrate, times, index, values.reshape(-1), 2.0)


@pytest.mark.benchmark(group="dynamics regular")
def test_numpy_integrate_regular(benchmark, regular):
    _, _, values = regular
    benchmark(np_integrate_rounds, np.zeros(N), np.ones(N), np.full(N, 0.5), 0.01, values, 2.0)


@pytest.mark.benchmark(group="dynamics random")
def test_beds_integrate_random(benchmark, random_stream):
    times, index, values = random_stream
    s = beds.System.normal(np.zeros(N), precision=np.ones(N), gamma=0.5)
    benchmark(s.integrate, times, index, values, 2.0)


@pytest.mark.benchmark(group="dynamics random")
def test_python_loop_random_50k(benchmark, random_stream):
    times, index, values = random_stream
    k = 50_000
    benchmark(py_integrate_events, [0.0] * N, [1.0] * N, [0.0] * N, 0.5, times[:k], index[:k], values[:k], 2.0)
