"""The row sums of categorical rows (distance, KL, Jeffreys, entropy): the short-row path (k < 64,
many rows per vectorized block) and the long-row path (k >= 64, one row at a time, read in place),
their layouts and thread counts, and the KL terms against mpmath."""

from __future__ import annotations

import beds
import mpmath
import numpy as np
import pytest
from beds import ufuncs as U

SUMS = ["categorical_distance", "categorical_kl", "categorical_jeffreys", "categorical_entropy"]


def _rows(rng, n, k):
    p = rng.dirichlet(np.full(k, 0.8), size=n) + 1e-3
    q = rng.dirichlet(np.full(k, 0.8), size=n) + 1e-3
    return p / p.sum(-1, keepdims=True), q / q.sum(-1, keepdims=True)


def _call(name, p, q, **kw):
    f = getattr(U, name)
    return f(q, **kw) if name == "categorical_entropy" else f(p, q, **kw)


@pytest.mark.parametrize("k", [1, 2, 10, 63, 64, 65, 1000, 2049, 5000])
@pytest.mark.parametrize("name", SUMS)
def test_layouts_dtypes_and_threads_give_the_same_bits(name, k, rng):
    n = 300 if k < 1000 else 20
    p, q = _rows(rng, n, k)
    ref = _call(name, p, q)
    assert np.isfinite(ref).all()
    # rows gathered from strided and transposed layouts
    ps, qs = np.repeat(p, 2, axis=1)[:, ::2], np.repeat(q, 2, axis=1)[:, ::2]
    assert _call(name, ps, qs).tobytes() == ref.tobytes()
    assert _call(name, np.asfortranarray(p), np.asfortranarray(q)).tobytes() == ref.tobytes()
    out = np.empty(2 * n)[::2]
    _call(name, p, q, out=out)
    assert out.tobytes() == ref.tobytes()
    before = beds.get_num_threads()
    try:
        for threads in (1, 3):
            beds.set_num_threads(threads)
            assert _call(name, p, q).tobytes() == ref.tobytes()
    finally:
        beds.set_num_threads(before)
    # float32 rows: the float32 loop, close to the float64 result
    r32 = _call(name, p.astype(np.float32), q.astype(np.float32))
    assert r32.dtype == np.float32
    np.testing.assert_allclose(r32, ref, rtol=2e-4, atol=2e-5)


def _mp_kl(p, q):
    s = mpmath.mpf(0)
    for a, b in zip(p, q, strict=True):
        a, b = mpmath.mpf(float(a)), mpmath.mpf(float(b))
        if a > 0:
            s += a * mpmath.log(a / b) - a + b
    return s


@pytest.mark.parametrize("k", [5, 62, 64, 1000])  # (k and k + 1 take the same path: short or long rows)
@pytest.mark.parametrize("name", ["categorical_distance", "categorical_kl"])
def test_fast_form_gives_the_same_bits(name, k, rng):
    """Rows (or blocks of short rows) without tiny probabilities take a fast form of the terms; a
    class with p = q = 0 appended (a zero term and zero entries, added exactly) sends them to the
    general form: the results must be equal bit for bit."""
    p, q = _rows(rng, 40, k)
    pz, qz = (np.concatenate([a, np.zeros((40, 1))], axis=1) for a in (p, q))
    np.testing.assert_array_equal(_call(name, p, q), _call(name, pz, qz))


@pytest.mark.parametrize("k", [2, 64])  # the short-row and the long-row paths
def test_kl_near_the_switch_between_its_two_forms(k, rng):
    """Ratios p_i / q_i around 1/2 and 2 (where the atanh form of near pairs hands over to the
    exponent-split form), around 1/3 and 3 and 2^(3/2) (the exponent of the split changes), and
    near 1; rows of dyadic numbers sum to 1 exactly (no normalization error)."""
    worst = 0.0
    ratios = [(0.3, 0.36, 40), (2.7, 3.2, 40), (1.9, 2.1, 30), (0.45, 0.55, 30), (0.68, 0.73, 20), (1.38, 1.45, 20)]
    for r in np.concatenate([rng.uniform(a, b, n) for a, b, n in ratios]):
        y = np.full(k, 1.0 / k)
        x = y.copy()
        # move mass between the first two classes so that x0 / y0 = r, exactly representable
        x[0] = np.ldexp(np.round(np.ldexp(r / k, 40)), -40)
        x[1] = y[0] + y[1] - x[0]
        if x[1] <= 0:
            continue
        got = float(U.categorical_kl(x, y))
        with mpmath.workdps(50):
            exact = _mp_kl(x, y)
            worst = max(worst, float(abs((mpmath.mpf(got) - exact) / exact)))
    assert worst < 6 * np.finfo(float).eps, worst


def test_kl_with_subnormal_probabilities_is_finite_and_accurate():
    """q_i subnormal: p_i / q_i overflows a double, the terms must not (they are ~ p_i * 713)."""
    for p, q in (
        ([0.5, 0.5], [1 - 1e-310, 1e-310]),
        ([0.5, 0.5 - 1e-320, 1e-320], [0.25, 0.75 - 5e-324, 5e-324]),
        ([1e-310, 1 - 1e-310], [0.5, 0.5]),
    ):
        got = float(U.categorical_kl(np.array(p), np.array(q)))
        exact = _mp_kl(p, q)
        assert np.isfinite(got)
        assert abs(got - float(exact)) <= 4 * np.spacing(float(exact)), (p, q, got, exact)


def test_distance_finish_at_the_ends():
    """The vectorized arcsine: disjoint supports give pi, equal rows 0, near rows the chord form."""
    assert abs(float(U.categorical_distance([1.0, 0.0], [0.0, 1.0])) - np.pi) <= 2 * np.spacing(np.pi)
    assert float(U.categorical_distance([0.25] * 4, [0.25] * 4)) == 0.0
    p = np.array([0.5, 0.25, 0.25])
    q = np.array([0.5 + 2**-40, 0.25 - 2**-40, 0.25])
    with mpmath.workdps(50):
        chord = mpmath.sqrt(
            mpmath.fsum((mpmath.sqrt(mpmath.mpf(a)) - mpmath.sqrt(mpmath.mpf(b))) ** 2 for a, b in zip(p, q))
        )
        exact = float(4 * mpmath.asin(chord / 2))
    got = float(U.categorical_distance(p, q))
    assert abs(got - exact) <= 4 * np.spacing(exact)


@pytest.mark.parametrize("k", [5, 100])
def test_out_of_domain_rows_are_nan_with_the_invalid_flag(k, rng):
    p, q = _rows(rng, 6, k)
    p[1, 0] = -0.1  # negative entry (sum still 1 after the next line)
    p[1, 1] += 0.1
    p[3] *= 1.01  # not on the simplex
    q[4, 2] = np.nan
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        U.categorical_kl(p, q)
    with np.errstate(invalid="ignore"):
        for name in SUMS[:3]:
            r = _call(name, p, q)
            assert np.isnan(r[[1, 3, 4]]).all() and np.isfinite(r[[0, 2, 5]]).all(), name
