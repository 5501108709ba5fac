"""CUDA kernels (run only where beds was built with BEDS_CUDA=ON and a GPU is present)."""

from __future__ import annotations

import beds
import numpy as np
import pytest


def test_cuda_api_without_device_is_clean():
    # every build exposes the entry points; without a device they report it clearly
    assert isinstance(beds.cuda_device_count(), int)
    assert beds.has_cuda() == beds.cuda.available()
    if not beds.cuda.available():
        with pytest.raises(RuntimeError, match="no CUDA device"):
            beds.cuda.normal_distance(0.0, 1.0, 0.0, 2.0)


@pytest.mark.cuda
def test_cuda_normal_distance_matches_cpu(rng):
    n = 1_000_003
    m1, m2 = rng.standard_normal(n), rng.standard_normal(n)
    s1, s2 = np.exp(rng.standard_normal(n)), np.exp(rng.standard_normal(n))
    gpu = beds.cuda.normal_distance(m1, s1, m2, s2)
    cpu = beds.normal.distance(m1, s1, m2, s2)
    np.testing.assert_allclose(gpu, cpu, rtol=4e-16 * 8, atol=0)


@pytest.mark.cuda
def test_cuda_normal_geodesic_matches_cpu(rng):
    n = 100_000
    m1, m2 = rng.standard_normal(n), rng.standard_normal(n)
    s1, s2 = np.exp(rng.standard_normal(n)), np.exp(rng.standard_normal(n))
    t = rng.uniform(-0.5, 1.5, n)
    gm, gs = beds.cuda.normal_geodesic(m1, s1, m2, s2, t)
    cm, cs = beds.normal.geodesic(m1, s1, m2, s2, t)
    np.testing.assert_allclose(gm, cm, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(gs, cs, rtol=1e-13)


@pytest.mark.cuda
def test_cuda_bad_input_names_argument():
    with pytest.raises(ValueError, match="std2"):
        beds.cuda.normal_distance(np.zeros(3), 1.0, np.zeros(3), [1.0, -1.0, 1.0])
