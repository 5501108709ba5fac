"""von Mises kernels: Bessel ratios against scipy (1e6 concentrations) and the Fisher-Rao distance
per pair against the scipy shooting reference (``beds._bench_von_mises.scipy_distance``)."""

import beds
import numpy as np
import pytest
from beds._bench_von_mises import scipy_distance


@pytest.fixture(scope="module")
def kappas():
    return np.geomspace(1e-3, 1e8, 10**6)


@pytest.fixture(scope="module")
def vm_pairs():
    rng = np.random.default_rng(3)
    n = 1000
    return (
        rng.uniform(-np.pi, np.pi, n),
        10 ** rng.uniform(-2, 3, n),
        rng.uniform(-np.pi, np.pi, n),
        10 ** rng.uniform(-2, 3, n),
    )


@pytest.mark.benchmark(group="A'(kappa), 1e6")
def test_beds_mean_resultant_derivative(benchmark, kappas):
    benchmark(beds.special.mean_resultant_derivative, kappas)


@pytest.mark.benchmark(group="A'(kappa), 1e6")
def test_scipy_naive_mean_resultant_derivative(benchmark, kappas):
    from scipy.special import i0e, i1e

    def naive(k):
        a = i1e(k) / i0e(k)
        return 1.0 - a / k - a * a

    benchmark(naive, kappas)


@pytest.mark.benchmark(group="von Mises distance, 1e3 pairs")
def test_beds_von_mises_distance(benchmark, vm_pairs):
    benchmark(beds.von_mises.distance, *vm_pairs)


@pytest.mark.benchmark(group="von Mises distance, one pair")
def test_scipy_shooting_distance(benchmark):
    benchmark.pedantic(scipy_distance, args=(0.0, 1.0, 1.0, 2.0), rounds=3, iterations=1)
