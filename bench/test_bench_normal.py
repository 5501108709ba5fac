"""Univariate normal kernels against the best numpy formulations (N = 1e6 pairs)."""

import beds
import pytest
from beds.benchmarks import (
    np_normal_distance_acosh,
    np_normal_distance_asinh,
    np_normal_exp,
    np_normal_geodesic,
    np_normal_log,
)


@pytest.mark.benchmark(group="normal distance")
def test_beds_distance(benchmark, pairs):
    benchmark(beds.normal.distance, *pairs)


@pytest.mark.benchmark(group="normal distance")
def test_numpy_distance_asinh(benchmark, pairs):
    benchmark(np_normal_distance_asinh, *pairs)


@pytest.mark.benchmark(group="normal distance")
def test_numpy_distance_acosh(benchmark, pairs):
    benchmark(np_normal_distance_acosh, *pairs)


@pytest.mark.benchmark(group="normal log")
def test_beds_log(benchmark, pairs):
    benchmark(beds.normal.log, *pairs)


@pytest.mark.benchmark(group="normal log")
def test_numpy_log(benchmark, pairs):
    benchmark(np_normal_log, *pairs)


@pytest.mark.benchmark(group="normal exp")
def test_beds_exp(benchmark, pairs):
    m, s, vm, vs = pairs
    benchmark(beds.normal.exp, m, s, 0.3 * vm, 0.3 * vs)


@pytest.mark.benchmark(group="normal exp")
def test_numpy_exp(benchmark, pairs):
    m, s, vm, vs = pairs
    benchmark(np_normal_exp, m, s, 0.3 * vm, 0.3 * vs)


@pytest.mark.benchmark(group="normal geodesic")
def test_beds_geodesic(benchmark, pairs):
    benchmark(beds.normal.geodesic, *pairs, 0.3)


@pytest.mark.benchmark(group="normal geodesic")
def test_numpy_geodesic(benchmark, pairs):
    benchmark(np_normal_geodesic, *pairs, 0.3)
