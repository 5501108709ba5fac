"""Multivariate normal kernels (time per call on a batch of pairs) against pyRiemann and a scipy
shooting reference.  Peers are optional: their benchmarks are skipped when not importable."""

import beds
import numpy as np
import pytest
from beds._bench_mvnormal import _spd, scipy_shooting_distance


def _pairs(d, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), _spd(rng, n, d), rng.standard_normal((n, d)), _spd(rng, n, d)


@pytest.fixture(scope="module", params=[2, 3, 8, 32], ids=lambda d: f"d={d}")
def pairs(request):
    d = request.param
    return _pairs(d, {2: 2000, 3: 2000, 8: 200, 32: 10}[d])


@pytest.mark.benchmark(group="mvnormal distance")
def test_beds_mvnormal_distance(benchmark, pairs):
    benchmark(beds.mvnormal.distance, *pairs)


@pytest.mark.benchmark(group="mvnormal distance (scipy shooting, 2 pairs)")
def test_scipy_shooting_distance(benchmark, pairs):
    pytest.importorskip("scipy")
    m1, S1, m2, S2 = pairs
    if m1.shape[-1] > 3:
        pytest.skip("the scipy reference takes seconds per pair beyond d = 3")
    benchmark(lambda: [scipy_shooting_distance(m1[i], S1[i], m2[i], S2[i]) for i in range(2)])


@pytest.mark.benchmark(group="mvnormal same-mean distance")
@pytest.mark.parametrize("d", [3, 10])
def test_beds_same_mean(benchmark, d):
    _, S1, _, S2 = _pairs(d, 2000)
    benchmark(beds.mvnormal.same_mean_distance, S1, S2)


@pytest.mark.benchmark(group="mvnormal same-mean distance")
@pytest.mark.parametrize("d", [3, 10])
def test_pyriemann_same_mean(benchmark, d):
    prd = pytest.importorskip("pyriemann.geometry.distance")
    _, S1, _, S2 = _pairs(d, 2000)
    benchmark(prd.distance_riemann, S1, S2)
