"""Mean-field normal (d = 10) and categorical (k = 10) kernels against numpy (1e5 beliefs)."""

import beds
import numpy as np
import pytest
from beds.benchmarks import np_categorical_distance, np_diag_distance


@pytest.fixture(scope="module")
def diag():
    rng = np.random.default_rng(1)
    shape = (10**5, 10)
    return (
        rng.standard_normal(shape),
        np.exp(0.5 * rng.standard_normal(shape)),
        rng.standard_normal(shape),
        np.exp(0.5 * rng.standard_normal(shape)),
    )


@pytest.fixture(scope="module")
def simplex():
    rng = np.random.default_rng(2)
    return rng.dirichlet(np.ones(10), size=10**5), rng.dirichlet(np.ones(10), size=10**5)


@pytest.mark.benchmark(group="diag_normal distance d=10")
def test_beds_diag_distance(benchmark, diag):
    benchmark(beds.diag_normal.distance, *diag)


@pytest.mark.benchmark(group="diag_normal distance d=10")
def test_numpy_diag_distance(benchmark, diag):
    benchmark(np_diag_distance, *diag)


@pytest.mark.benchmark(group="categorical distance k=10")
def test_beds_categorical_distance(benchmark, simplex):
    benchmark(beds.categorical.distance, *simplex)


@pytest.mark.benchmark(group="categorical distance k=10")
def test_numpy_categorical_distance(benchmark, simplex):
    benchmark(np_categorical_distance, *simplex)
