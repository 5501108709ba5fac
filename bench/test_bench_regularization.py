"""Fused Fisher-Rao penalty kernels and SIGReg against numpy formulations of the same quantities."""

import beds
import numpy as np
import pytest
from beds._bench_regularization import np_normal_fr_penalty, np_sigreg


@pytest.fixture(scope="module")
def embeddings():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2048, 128))
    a = rng.standard_normal((256, 128))
    return x, a / np.linalg.norm(a, axis=1, keepdims=True)


@pytest.mark.benchmark(group="normal fr_penalty")
def test_beds_normal_penalty(benchmark, pairs):
    m, s, mr, sr = pairs
    benchmark(beds.ufuncs.normal_fr_penalty, m, s, mr, sr, 0.5)


@pytest.mark.benchmark(group="normal fr_penalty")
def test_beds_normal_penalty_objects(benchmark, pairs):
    m, s, mr, sr = pairs
    q, qr = beds.Normal(m, s), beds.Normal(mr, sr)
    benchmark(beds.fisher_rao_penalty, q, qr, 0.5)


@pytest.mark.benchmark(group="normal fr_penalty")
def test_numpy_normal_penalty(benchmark, pairs):
    benchmark(np_normal_fr_penalty, *pairs, 0.5)


@pytest.mark.benchmark(group="diag_normal fr_penalty (one row of 1e6 weights)")
def test_beds_diag_penalty(benchmark, pairs):
    m, s, mr, sr = pairs
    q, qr = beds.DiagNormal(m, s), beds.DiagNormal(mr, sr)
    benchmark(beds.fisher_rao_penalty, q, qr, 0.5)


@pytest.mark.benchmark(group="diag_normal fr_penalty (one row of 1e6 weights)")
def test_numpy_diag_penalty(benchmark, pairs):
    def f():
        out = np_normal_fr_penalty(*pairs, 0.5)
        return out[0].sum(), out[1:]

    benchmark(f)


@pytest.mark.benchmark(group="sigreg N=2048 D=128 M=256")
def test_beds_sigreg(benchmark, embeddings):
    benchmark(beds.sigreg, *embeddings)


@pytest.mark.benchmark(group="sigreg N=2048 D=128 M=256")
def test_numpy_sigreg(benchmark, embeddings):
    benchmark(np_sigreg, *embeddings)


@pytest.mark.benchmark(group="sigreg + gradient")
def test_beds_sigreg_grad(benchmark, embeddings):
    benchmark(beds.sigreg, *embeddings, grad=True)


@pytest.mark.benchmark(group="sigreg + gradient")
def test_numpy_sigreg_grad(benchmark, embeddings):
    benchmark(np_sigreg, *embeddings, grad=True)
