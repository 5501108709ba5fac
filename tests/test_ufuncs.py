"""The raw numpy ufuncs of ``beds.ufuncs``: numpy semantics, loops, determinism, SIMD builds.

Every ufunc is described by its declaration (``beds._core.kernels``); ``SPEC`` derives from it the
arity, the gufunc signature and the kind of each argument, and the tests generate valid arguments
from that description.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import beds
import numpy as np
import pytest
from beds import _core
from beds import ufuncs as U


# ------------------------------------------------------------------------------ description
# Argument kinds:
#   m  real scalar (a mean)           s  positive scalar (a std)       r  positive scalar (a rate)
#   v  real scalar (tangent comp.)    t  real scalar (geodesic time)
#   M  real (d,)   S positive (d,)    V real (d,)                      (diag normal, core d)
#   P  probabilities (k,)             U tangent of the simplex (k,), sums to 0
#   Mn real (n,)   Sn positive (n,)   Rn positive (n,)   Wn weights (n,)   Pn probabilities (n, k)
#   u  scalar in (0, 1) (a mean resultant length)
#   tol (double scalar)  it (int64 scalar)
# Every ufunc is described by its declaration in C++ (beds._core.kernels: argument names, domains,
# core dimensions, dtypes); the kind of each argument follows from it.
def _is_tangent(name: str) -> bool:
    return name in ("u", "v") or name.startswith(("u_", "v_"))


def _kind(op) -> str:
    """The generator kind of an input operand of a kernel declaration."""
    if op.dtype == "float64":
        return "tol"
    if op.dtype == "int64":
        return "it"
    core, dom = tuple(op.core), op.domain
    rate = op.name.startswith("rate")
    if core == ():
        if dom == "real":
            return "t" if op.name == "t" else "v" if _is_tangent(op.name) else "m"
        if dom in ("positive", "nonnegative"):
            return "r" if rate else "s"
        if dom == "unit_interval":
            return "u"
    elif core == ("d",):
        if dom == "real":
            return "V" if _is_tangent(op.name) else "M"
        if dom in ("positive", "nonnegative"):
            return "S"
    elif core == ("k",):
        if dom in ("probs", "probs_interior"):
            return "P"
        if dom == "tangent_probs":
            return "U"
    elif core == ("n",):
        return {"real": "Mn", "positive": "Rn" if rate else "Sn", "nonnegative": "Wn"}[dom]
    elif core == ("n", "k") and dom == "probs":
        return "Pn"
    raise AssertionError(f"no generator for operand {op}")  # pragma: no cover


def _is_matrix_kernel(k) -> bool:
    return any(op.domain in ("spd", "symmetric") for op in k.inputs)


# name -> (nin, nout, gufunc signature or None, kind of each argument): the public ufuncs except the
# matrix-argument ones (tests/test_mvnormal.py)
SPEC: dict[str, tuple[int, int, str | None, tuple[str, ...]]] = {
    k.name: (len(k.inputs), len(k.outputs), k.signature, tuple(_kind(op) for op in k.inputs))
    for k in _core.kernels
    if not k.name.startswith("_") and not _is_matrix_kernel(k)
}
# kernels that solve a geodesic boundary-value problem per element (tens of microseconds each):
# the layout tests run them on short arrays, and their two SIMD builds agree to the tolerance of
# the root finds rather than to a few ulp
ITERATIVE = {"von_mises_distance", "von_mises_exp", "von_mises_log", "von_mises_geodesic", "von_mises_transport"}
ALL = sorted(SPEC)
ELEMENTWISE = [n for n in ALL if SPEC[n][2] is None]
GUFUNCS = [n for n in ALL if SPEC[n][2] is not None]
D, K, N = 3, 4, 5  # core sizes used by the generators


def _dyadic_probs(batch: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Probabilities that are multiples of 1/64, >= 1/32, summing to exactly 1 in float32 and float64."""
    counts = np.full(batch + (K,), 2)
    extra = (
        rng.multinomial(64 - 2 * K, np.full(K, 1 / K), size=batch)
        if batch
        else rng.multinomial(64 - 2 * K, np.full(K, 1 / K))
    )
    return (counts + extra) / 64.0


def make_arg(kind: str, batch: tuple[int, ...], rng: np.random.Generator, dtype=np.float64):
    """A valid argument of the given kind for a batch of shape ``batch``."""
    if kind == "tol":
        return np.float64(1e-12)
    if kind == "it":
        return np.int64(100)
    if kind in ("m", "v"):
        a = rng.normal(size=batch) * (1.0 if kind == "m" else 0.3)
    elif kind in ("s", "r"):
        a = rng.uniform(0.5, 2.0, size=batch)
    elif kind == "t":
        a = rng.uniform(0.0, 1.0, size=batch)
    elif kind == "u":
        a = rng.uniform(0.05, 0.95, size=batch)
    elif kind == "M":
        a = rng.normal(size=batch + (D,))
    elif kind == "V":
        a = 0.3 * rng.normal(size=batch + (D,))
    elif kind == "S":
        a = rng.uniform(0.5, 2.0, size=batch + (D,))
    elif kind == "P":
        a = _dyadic_probs(batch, rng)
    elif kind == "U":
        # multiples of 2^-10 that sum to exactly 0 (the same values in float32 and float64)
        c = rng.integers(-5, 6, size=batch + (K,))
        a = (c - np.roll(c, 1, axis=-1)) / 1024.0
    elif kind == "Mn":
        a = rng.normal(size=batch + (N,))
    elif kind in ("Sn", "Rn"):
        a = rng.uniform(0.5, 2.0, size=batch + (N,))
    elif kind == "Wn":
        a = rng.uniform(0.5, 1.0, size=batch + (N,))
    elif kind == "Pn":
        a = _dyadic_probs(batch + (N,), rng)
    else:  # pragma: no cover
        raise AssertionError(kind)
    return np.asarray(a, dtype=dtype)


def make_args(name: str, batch: tuple[int, ...], rng: np.random.Generator, dtype=np.float64) -> list:
    return [make_arg(k, batch, rng, dtype) for k in SPEC[name][3]]


def as_tuple(r) -> tuple:
    return r if isinstance(r, tuple) else (r,)


def float_outputs(r) -> list[np.ndarray]:
    return [np.asarray(x) for x in as_tuple(r) if np.asarray(x).dtype.kind == "f"]


def assert_bitwise(a, b) -> None:
    for x, y in zip(as_tuple(a), as_tuple(b), strict=True):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes(), f"max abs difference {np.nanmax(np.abs(x - y.astype(x.dtype)))}"


@pytest.fixture
def threads():
    previous = beds.get_num_threads()
    yield
    beds.set_num_threads(previous)


@pytest.fixture
def level():
    previous = _core.simd_level()
    yield
    _core.set_simd_level(previous)


# ------------------------------------------------------------------------------ the objects
# Matrix-argument gufuncs of the multivariate normal family: their arity, signatures, loops and
# domain handling are tested in tests/test_mvnormal.py (test_raw_ufuncs).
MVNORMAL = sorted(k.name for k in _core.kernels if _is_matrix_kernel(k))


def test_all_lists_exactly_the_public_ufuncs():
    assert sorted(U.__all__) == sorted(ALL + MVNORMAL)
    assert not any(n.startswith("_") for n in U.__all__)


@pytest.mark.parametrize("name", ALL)
def test_is_a_real_ufunc_with_expected_arity(name):
    uf = getattr(U, name)
    assert isinstance(uf, np.ufunc)
    assert uf is getattr(_core, name)
    nin, nout, sig, kinds = SPEC[name]
    assert (uf.nin, uf.nout) == (nin, nout)
    assert len(kinds) == nin
    assert uf.signature == sig
    assert uf.__name__ == name
    assert uf.__doc__ and name in uf.__doc__


@pytest.mark.parametrize("name", ALL)
def test_has_one_float32_and_one_float64_loop(name):
    uf = getattr(U, name)
    nin, nout, _, kinds = SPEC[name]
    if name == "normal_karcher_mean":
        expected = ["fffdl->ffl", "ddddl->ddl"]
    elif name == "categorical_karcher_mean":
        expected = ["ffdl->fl", "dddl->dl"]
    else:
        expected = ["f" * nin + "->" + "f" * nout, "d" * nin + "->" + "d" * nout]
    assert uf.types == expected
    assert uf.ntypes == 2


# ------------------------------------------------------------------------------ broadcasting
def test_elementwise_broadcasting_matches_scalar_calls(rng):
    m1 = rng.normal(size=(3, 1))
    s1 = rng.uniform(0.5, 2, size=(1, 4))
    m2 = rng.normal(size=(4,))
    s2 = 1.5
    d = U.normal_distance(m1, s1, m2, s2)
    assert d.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert d[i, j] == U.normal_distance(m1[i, 0], s1[0, j], m2[j], s2)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_scalars_give_numpy_scalars(name, rng):
    args = [float(a) for a in make_args(name, (), rng)]
    for r in as_tuple(getattr(U, name)(*args)):
        assert isinstance(r, np.float64)
        assert np.isfinite(r)


def test_gufunc_broadcasting_over_loop_dimensions(rng):
    m1 = rng.normal(size=(2, 1, D))
    s1 = rng.uniform(0.5, 2, size=(2, 1, D))
    m2 = rng.normal(size=(5, D))
    s2 = rng.uniform(0.5, 2, size=(D,))
    d = U.diag_normal_distance(m1, s1, m2, s2)
    assert d.shape == (2, 5)
    for i in range(2):
        for j in range(5):
            ref = np.sqrt(np.sum(U.normal_distance(m1[i, 0], s1[i, 0], m2[j], s2) ** 2))
            np.testing.assert_allclose(d[i, j], ref, rtol=1e-14)


def test_categorical_gufunc_broadcasting(rng):
    p = rng.dirichlet(np.ones(K), size=(3, 1))
    q = rng.dirichlet(np.ones(K), size=(4,))
    d = U.categorical_distance(p, q)
    assert d.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert d[i, j] == U.categorical_distance(p[i, 0], q[j])
    t = np.linspace(0, 1, 6)[:, None, None]
    g = U.categorical_geodesic(p, q, t)
    assert g.shape == (6, 3, 4, K)


def test_gufunc_core_dimension_mismatch_is_a_numpy_error():
    with pytest.raises(ValueError, match="core dimension"):
        U.diag_normal_distance(np.zeros(3), np.ones(3), np.zeros(4), np.ones(4))
    with pytest.raises(ValueError):
        U.categorical_distance(np.full(2, 0.5), np.full(3, 1 / 3))


def test_elementwise_shape_mismatch_is_a_numpy_error():
    with pytest.raises(ValueError, match="broadcast"):
        U.normal_distance(np.zeros(3), 1.0, np.zeros(4), 1.0)


# ------------------------------------------------------------------------------ out= / where=
def test_out_contiguous_is_returned(rng):
    args = make_args("normal_distance", (7,), rng)
    ref = U.normal_distance(*args)
    out = np.empty(7)
    r = U.normal_distance(*args, out=out)
    assert r is out
    assert_bitwise(out, ref)


@pytest.mark.parametrize("name", ["normal_distance", "normal_kl", "exponential_geodesic", "poisson_entropy"])
def test_out_non_contiguous_view(name, rng):
    args = make_args(name, (300,), rng)
    ref = U.normal_distance(*args) if name == "normal_distance" else getattr(U, name)(*args)
    big = np.full(900, -7.0)
    view = big[::3]
    r = getattr(U, name)(*args, out=view)
    assert r is view
    assert_bitwise(np.ascontiguousarray(view), ref)
    assert (big[1::3] == -7.0).all() and (big[2::3] == -7.0).all()


def test_out_tuple_for_two_outputs_with_views(rng):
    args = make_args("normal_geodesic", (50,), rng)
    ref = U.normal_geodesic(*args)
    o1 = np.full(100, -1.0)[::2]
    o2 = np.full((50, 3), -1.0)[:, 1]
    r = U.normal_geodesic(*args, out=(o1, o2))
    assert r[0] is o1 and r[1] is o2
    assert_bitwise((o1.copy(), o2.copy()), ref)


@pytest.mark.parametrize("name", ["diag_normal_distance", "categorical_log", "categorical_geodesic"])
def test_gufunc_out_non_contiguous(name, rng):
    args = make_args(name, (20,), rng)
    ref = getattr(U, name)(*args)
    big = np.full((20, 2 * K) if ref.ndim == 2 else (40,), -3.0)
    view = big[:, ::2] if ref.ndim == 2 else big[::2]
    getattr(U, name)(*args, out=view)
    assert_bitwise(view.copy(), ref)
    if ref.ndim == 2:
        assert (big[:, 1::2] == -3.0).all()
    else:
        assert (big[1::2] == -3.0).all()


def test_where_leaves_masked_elements_untouched(rng):
    args = make_args("normal_distance", (10,), rng)
    mask = np.arange(10) % 3 == 0
    out = np.full(10, -5.0)
    U.normal_distance(*args, out=out, where=mask)
    ref = U.normal_distance(*args)
    assert_bitwise(out[mask], ref[mask])
    assert (out[~mask] == -5.0).all()


def test_where_false_elements_are_not_checked(rng):
    # masked-out elements are never evaluated, so an invalid one raises nothing
    m = np.zeros(4)
    s = np.array([1.0, -1.0, 1.0, np.nan])
    out = np.zeros(4)
    with np.errstate(invalid="raise"):
        U.normal_distance(m, s, 0.0, 2.0, out=out, where=np.isfinite(s) & (s > 0))
    assert out[1] == 0.0 and out[3] == 0.0
    assert out[0] == out[2] > 0


def test_where_two_outputs(rng):
    args = make_args("normal_log", (6,), rng)
    mask = np.array([True, False] * 3)
    o1, o2 = np.full(6, 9.0), np.full(6, 9.0)
    U.normal_log(*args, out=(o1, o2), where=mask)
    r1, r2 = U.normal_log(*args)
    assert_bitwise((o1[mask], o2[mask]), (r1[mask], r2[mask]))
    assert (o1[~mask] == 9.0).all() and (o2[~mask] == 9.0).all()


# ------------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("name", ALL)
def test_float32_stays_float32_and_matches_float64(name, rng):
    args64 = make_args(name, (6,), rng)
    args32 = [a.astype(np.float32) if a.ndim and a.dtype == np.float64 else a for a in args64]
    r32 = as_tuple(getattr(U, name)(*args32))
    # reference: the float64 loop on the float32 values
    r64 = as_tuple(getattr(U, name)(*[a.astype(np.float64) if a.dtype == np.float32 else a for a in args32]))
    for x, y in zip(r32, r64, strict=True):
        if y.dtype == np.int64:
            assert x.dtype == np.int64
            continue
        assert x.dtype == np.float32
        # float32 results are correctly rounded double results (a few float32 ulp at most)
        np.testing.assert_allclose(x, y, rtol=3e-7 * 4, atol=1e-6 * float(np.max(np.abs(y))) + 1e-30)


@pytest.mark.parametrize(
    "name", [n for n in ELEMENTWISE if SPEC[n][0] > 1] + ["diag_normal_distance", "categorical_distance"]
)
def test_mixed_float32_float64_computes_in_float64(name, rng):
    args = make_args(name, (5,), rng)
    mixed = [a.astype(np.float32) if i == 0 else a for i, a in enumerate(args)]
    r = as_tuple(getattr(U, name)(*mixed))
    ref = as_tuple(getattr(U, name)(*[a.astype(np.float64) for a in mixed]))
    for x, y in zip(r, ref, strict=True):
        assert x.dtype == np.float64
        assert_bitwise(x, y)


def test_float32_with_python_scalars_stays_float32():
    m = np.zeros(3, np.float32)
    assert U.normal_distance(m, 1.0, 0.5, 2.0).dtype == np.float32
    assert U.normal_geodesic(m, 1.0, 0.5, 2.0, 0.25)[1].dtype == np.float32


def test_float16_uses_the_float32_loop():
    assert U.normal_distance(np.zeros(3, np.float16), 1.0, 0.0, 2.0).dtype == np.float32


@pytest.mark.parametrize("name", ["normal_distance", "normal_geodesic", "exponential_kl", "poisson_log"])
def test_integer_inputs_compute_in_float64(name):
    nin = SPEC[name][0]
    ints = [np.arange(1, 5, dtype=np.int64) + i for i in range(nin)]
    r = as_tuple(getattr(U, name)(*ints))
    ref = as_tuple(getattr(U, name)(*[a.astype(np.float64) for a in ints]))
    for x, y in zip(r, ref, strict=True):
        assert x.dtype == np.float64
        assert_bitwise(x, y)
    assert np.float64(U.normal_distance(0, 1, 0, 2)) == U.normal_distance(0.0, 1.0, 0.0, 2.0)


def test_unsupported_dtypes_are_numpy_type_errors():
    with pytest.raises(TypeError):
        U.normal_distance(1j, 1.0, 0.0, 1.0)
    with pytest.raises(TypeError):
        U.normal_distance("a", 1.0, 0.0, 1.0)


# ------------------------------------------------------------------------------ domain errors
_POSITIVE_KINDS = ("s", "r", "u", "S", "Sn", "Rn", "P", "Pn")


def _bad_args(name: str, rng: np.random.Generator, bad_index: int = 1, size: int = 4):
    """Valid arguments with one out-of-domain element (in batch element ``bad_index``)."""
    args = make_args(name, (size,), rng)
    kinds = SPEC[name][3]
    j = next((i for i, k in enumerate(kinds) if k in _POSITIVE_KINDS), None)
    if j is None:  # every argument is real (the Bessel functions of x): NaN is the invalid input
        a = args[0].copy()
        a[bad_index] = np.nan
        args[0] = a
        return args
    a = args[j].copy()
    if kinds[j] in ("P", "Pn"):
        row = a[bad_index] if kinds[j] == "P" else a[bad_index, 0]
        row[0], row[1] = -0.25, row[1] + row[0] + 0.25  # still sums to 1, one entry < 0
    elif a.ndim == 1:
        a[bad_index] = -1.0
    else:
        a[bad_index, 1] = -1.0
    args[j] = a
    return args


@pytest.mark.parametrize("name", ALL)
def test_invalid_element_gives_nan_and_invalid_warning(name, rng):
    args = _bad_args(name, rng)
    with pytest.warns(RuntimeWarning, match="invalid value") as record:
        r = getattr(U, name)(*args)
    # only numpy's "invalid value" flag, nothing else (no spurious divide/overflow flags)
    assert {str(w.message).split(" encountered")[0] for w in record} == {"invalid value"}
    for out in float_outputs(r):
        bad = np.isnan(out.reshape(4, -1)).any(axis=1)
        assert bad.tolist() == [False, True, False, False]
        assert np.isnan(out.reshape(4, -1)[1]).all()


@pytest.mark.parametrize("name", ALL)
def test_invalid_element_raises_under_errstate(name, rng):
    args = _bad_args(name, rng)
    with np.errstate(all="ignore", invalid="raise"), pytest.raises(FloatingPointError, match="invalid value"):
        getattr(U, name)(*args)


@pytest.mark.parametrize("name", ALL)
def test_invalid_element_ignored_under_errstate(name, rng):
    args = _bad_args(name, rng)
    with np.errstate(all="ignore"):
        r = getattr(U, name)(*args)
    assert any(np.isnan(o).any() for o in float_outputs(r))


@pytest.mark.parametrize(
    "name",
    [
        "normal_distance",
        "normal_kl",
        "normal_jeffreys",
        "normal_log",
        "normal_exp",
        "normal_geodesic",
        "normal_transport",
        "normal_entropy",
        "normal_inner",
    ],
)
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_normal_std_out_of_domain_only_raises_invalid(name, bad, simd_level):
    """A std of 0, < 0 or non-finite is a domain error: NaN and exactly one 'invalid' flag."""
    args = make_args(name, (8,), np.random.default_rng(1))
    kinds = SPEC[name][3]
    j = len(kinds) - 1 - list(reversed(kinds)).index("s")  # the last std argument
    a = args[j].copy()
    a[3] = bad
    args[j] = a
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = getattr(U, name)(*args)
    messages = sorted({str(w.message).split(" encountered")[0] for w in record})
    assert messages == ["invalid value"]
    for out in float_outputs(r):
        assert np.isnan(out[3]) and np.isfinite(np.delete(out, 3)).all()


def test_invalid_flag_from_a_worker_thread_reaches_numpy(threads):
    """Out-of-domain elements in chunks that run on pool threads still raise 'invalid'."""
    beds.set_num_threads(2)
    n = 200_000
    s = np.ones(n)
    s[-1] = -1.0  # in the last chunk
    s[70_000] = np.nan
    with pytest.warns(RuntimeWarning, match="invalid value"):
        d = U.normal_distance(np.zeros(n), s, 0.5, 1.0)
    assert np.isnan(d[[-1, 70_000]]).all()
    assert np.count_nonzero(np.isnan(d)) == 2
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        U.normal_distance(np.zeros(n), s, 0.5, 1.0)


# Valid inputs at the edges of the domains must not raise any floating-point flag.
_EDGE_CASES: dict[str, tuple[Callable, tuple]] = {
    "normal_distance_same_point": (U.normal_distance, (np.zeros(8), 1.0, 0.0, 1.0)),
    "normal_log_same_point": (U.normal_log, (np.zeros(8), 1.0, 0.0, 1.0)),
    "normal_geodesic_same_point": (U.normal_geodesic, (np.zeros(8), 1.0, 0.0, 1.0, 0.5)),
    "normal_transport_same_point": (U.normal_transport, (np.zeros(8), 1.0, 0.0, 1.0, 1.0, 0.0)),
    "normal_exp_zero_velocity": (U.normal_exp, (np.zeros(8), 1.0, 0.0, 0.0)),
    "normal_karcher_mean_identical_points": (U.normal_karcher_mean, (np.zeros(2), np.ones(2), np.ones(2), 1e-12, 100)),
    "normal_karcher_mean_zero_weight": (
        U.normal_karcher_mean,
        (np.array([0.0, 1.0]), np.ones(2), np.array([1.0, 0.0]), 1e-12, 100),
    ),
    "categorical_distance_same_interior": (U.categorical_distance, (np.full(4, 0.25), np.full(4, 0.25))),
    "categorical_distance_same_boundary": (U.categorical_distance, (np.array([1.0, 0.0]), np.array([1.0, 0.0]))),
    "categorical_kl_same": (U.categorical_kl, (np.full(4, 0.25), np.full(4, 0.25))),
    "categorical_jeffreys_same": (U.categorical_jeffreys, (np.full(4, 0.25), np.full(4, 0.25))),
    "categorical_entropy_zero_probability": (U.categorical_entropy, (np.array([0.0, 0.5, 0.5]),)),
    "categorical_log_same": (U.categorical_log, (np.full(4, 0.25), np.full(4, 0.25))),
    "exponential_distance_same": (U.exponential_distance, (np.full(8, 2.0), 2.0)),
    "poisson_kl_same": (U.poisson_kl, (np.full(8, 2.0), 2.0)),
}


@pytest.mark.parametrize("case", sorted(_EDGE_CASES))
def test_valid_edge_inputs_raise_no_floating_point_flags(case, simd_level):
    f, args = _EDGE_CASES[case]
    with np.errstate(all="raise", under="ignore"):
        r = f(*args)
    for out in float_outputs(r):
        assert not np.isnan(out).any()


@pytest.mark.parametrize(
    ("f", "args", "expected"),
    [
        (U.exponential_distance, (1.0, 1.7e308), np.log(1.7e308)),
        (U.exponential_distance, (1.7e308, 1.0), np.log(1.7e308)),
        (U.exponential_geodesic, (1e300, 1e-300, 0.0), 1e300),
        (U.exponential_geodesic, (1e-300, 1e300, 0.0), 1e-300),
        (U.poisson_entropy, (1e-16,), 1e-16 * (1.0 - np.log(1e-16))),
        (U.poisson_entropy, (1e-20,), 1e-20 * (1.0 - np.log(1e-20))),
    ],
    ids=["exp_dist_max", "exp_dist_max_rev", "exp_geo_t0_down", "exp_geo_t0_up", "poisson_H_1e-16", "poisson_H_1e-20"],
)
def test_extreme_valid_rates_give_finite_accurate_results(f, args, expected):
    with np.errstate(all="raise", under="ignore"):
        r = f(*[np.full(4, a) for a in args])
    np.testing.assert_allclose(r, expected, rtol=1e-12)


# ------------------------------------------------------------------------------ threads
def _big_args(name: str, rng: np.random.Generator, n: int = 200_000) -> list:
    if name in ("diag_normal_distance",):
        return make_args(name, (n // D,), rng)
    if name in ("categorical_distance",):
        return make_args(name, (n // K,), rng)
    if name == "normal_karcher_mean":
        return make_args(name, (n // N,), rng)
    return make_args(name, (n,), rng)


@pytest.mark.parametrize(
    "name",
    ["normal_distance", "normal_geodesic", "diag_normal_distance", "categorical_distance", "normal_karcher_mean"],
)
def test_one_and_two_threads_are_bitwise_identical(name, rng, threads):
    args = _big_args(name, rng)
    beds.set_num_threads(1)
    assert beds.get_num_threads() == 1
    r1 = getattr(U, name)(*args)
    beds.set_num_threads(2)
    assert beds.get_num_threads() == 2
    r2 = getattr(U, name)(*args)
    assert_bitwise(r1, r2)
    for out in float_outputs(r1):
        assert np.isfinite(out).all()


def test_karcher_mean_of_one_long_row_is_thread_independent(rng, threads):
    """One mean over 200_000 beliefs: the passes are chunked over the pool."""
    n = 200_000
    m, s, w = rng.normal(size=n), rng.uniform(0.5, 2, n), rng.uniform(0.5, 1, n)
    beds.set_num_threads(1)
    r1 = U.normal_karcher_mean(m, s, w, 1e-12, 100)
    beds.set_num_threads(2)
    r2 = U.normal_karcher_mean(m, s, w, 1e-12, 100)
    assert_bitwise(r1, r2)
    assert r1[2] > 0  # converged


def test_concurrent_calls_from_python_threads(rng, threads):
    """Calls from several Python threads (the GIL is released in the loops) give the serial
    results, and an out-of-domain element in one call never raises in another call."""
    from concurrent.futures import ThreadPoolExecutor

    beds.set_num_threads(2)
    n = 100_000
    args = make_args("normal_distance", (n,), rng)
    ref = U.normal_distance(*args)
    bad = list(args)
    bad[1] = args[1].copy()
    bad[1][-5] = -1.0

    def good_call(_):
        with np.errstate(all="raise", under="ignore"):
            return U.normal_distance(*args)

    def bad_call(_):
        with np.errstate(invalid="raise"):
            try:
                U.normal_distance(*bad)
            except FloatingPointError:
                return "raised"
        return "silent"

    with ThreadPoolExecutor(max_workers=4) as ex:
        goods = [ex.submit(good_call, i) for i in range(12)]
        bads = [ex.submit(bad_call, i) for i in range(12)]
        for f in goods:
            assert_bitwise(f.result(), ref)
        assert [f.result() for f in bads] == ["raised"] * 12


def test_float32_threads_bitwise(rng, threads):
    args = [a.astype(np.float32) for a in make_args("normal_distance", (100_000,), rng)]
    beds.set_num_threads(1)
    r1 = U.normal_distance(*args)
    beds.set_num_threads(2)
    r2 = U.normal_distance(*args)
    assert_bitwise(r1, r2)


# ------------------------------------------------------------------------------ SIMD builds
_POINT_VALUED = {
    "normal_exp",
    "normal_log",
    "normal_geodesic",
    "normal_transport",
    "exponential_exp",
    "exponential_log",
    "exponential_geodesic",
    "exponential_transport",
    "poisson_exp",
    "poisson_log",
    "poisson_geodesic",
    "poisson_transport",
    "normal_fr_penalty",
}  # (value, gradients): the gradients are tangent-like
# (A^-1 is ill-conditioned, cond ~ 2 kappa: tests/test_special.py checks each build's backward error)
_SCALAR_VALUED = [
    n for n in ELEMENTWISE if n not in _POINT_VALUED and n not in ITERATIVE and n != "special_mean_resultant_inverse"
] + ["diag_normal_distance", "diag_normal_kl", "diag_normal_jeffreys", "diag_normal_entropy", "diag_normal_inner"]


def _ulp_difference(x: np.ndarray, y: np.ndarray, scale: np.ndarray, dtype) -> float:
    mag = np.maximum(np.maximum(np.abs(x), np.abs(y)).astype(np.float64), scale)
    return float(np.nanmax(np.abs(x.astype(np.float64) - y) / np.spacing(mag.astype(dtype)).astype(np.float64)))


def _both_builds(name: str, args: list) -> tuple[tuple, tuple]:
    _core.set_simd_level("baseline")
    base = as_tuple(getattr(U, name)(*args))
    _core.set_simd_level("avx2")
    fast = as_tuple(getattr(U, name)(*args))
    return base, fast


@pytest.mark.parametrize("name", _SCALAR_VALUED)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_baseline_and_avx2_agree_to_4_ulp(name, dtype, rng, level):
    """Distances, divergences, entropies and inner products: within 4 ulp of each other.

    An inner product is a sum of products that may cancel; its ulp is taken at the size of the
    sum of the absolute terms (the inner product of the absolute components).
    """
    if "avx2" not in _core.available_simd_levels():
        pytest.skip("AVX2 build not available on this CPU")
    args = [a.astype(dtype) for a in make_args(name, (5000,), rng)]
    base, fast = _both_builds(name, args)
    scale = np.zeros(base[0].shape)
    if "inner" in name:
        _core.set_simd_level("baseline")
        scale = getattr(U, name)(args[0], *[np.abs(a) for a in args[1:]]).astype(np.float64)
    # the von Mises Bessel ratios are sums of ~60 series terms: each build is within 8 ulp of
    # mpmath (tests/test_special.py), so two builds may differ by twice that, and the von Mises
    # divergences combine several of them
    bound = 32 if name.startswith(("special_mean_resultant", "von_mises_")) and dtype == np.float64 else 4
    for x, y in zip(base, fast, strict=True):
        assert _ulp_difference(x, y, scale, dtype) <= bound


@pytest.mark.parametrize("name", sorted(_POINT_VALUED))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_baseline_and_avx2_agree_on_points_and_tangents(name, dtype, rng, level):
    """Points / tangent vectors: components agree to 4 ulp of the size of the data, except for
    the normal geodesic family whose closed forms go through e^rho (each build was checked against
    mpmath to 5 ulp of the data; two such results may differ by up to ~10 ulp).
    """
    if "avx2" not in _core.available_simd_levels():
        pytest.skip("AVX2 build not available on this CPU")
    args = [a.astype(dtype) for a in make_args(name, (5000,), rng)]
    base, fast = _both_builds(name, args)
    scale = np.zeros(base[0].shape)
    for a in args:
        scale = np.maximum(scale, np.abs(a).astype(np.float64))
    bound = 12 if name.startswith("normal_") and dtype == np.float64 else 4
    for x, y in zip(base, fast, strict=True):
        assert _ulp_difference(x, y, scale, dtype) <= bound


@pytest.mark.parametrize("name", sorted(ITERATIVE))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_baseline_and_avx2_agree_on_iterative_kernels(name, dtype, rng, level):
    """Geodesic boundary-value kernels: the builds differ in FMA contraction, and the root finds
    stop at a tolerance, so they agree to 1e-12 of the size of the data (float64)."""
    if "avx2" not in _core.available_simd_levels():
        pytest.skip("AVX2 build not available on this CPU")
    args = [a.astype(dtype) for a in make_args(name, (40,), rng)]
    base, fast = _both_builds(name, args)
    scale = np.ones(base[0].shape)
    for a in args:
        scale = np.maximum(scale, np.abs(a).astype(np.float64))
    rtol = 1e-12 if dtype == np.float64 else 4e-7
    for x, y in zip(base, fast, strict=True):
        assert np.max(np.abs(x.astype(np.float64) - y) / scale) <= rtol


def test_simd_level_switch_changes_the_build_in_use(level):
    for lv in _core.available_simd_levels():
        _core.set_simd_level(lv)
        assert _core.simd_level() == lv
        assert np.isfinite(U.normal_distance(0.0, 1.0, 1.0, 2.0))


# ------------------------------------------------------------------------------ layouts
def _strided(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """The same values as ``a`` in a non-contiguous view (every other element of a bigger array)."""
    big = np.repeat(a, 2, axis=axis)
    idx = [slice(None)] * a.ndim
    idx[axis] = slice(None, None, 2)
    v = big[tuple(idx)]
    assert not v.flags.c_contiguous
    return v


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("n", [7, 1000, 40_000])
def test_elementwise_strided_and_broadcast_inputs_bitwise(name, n, rng, simd_level):
    if name in ITERATIVE:
        n = min(n, 40)
    args = make_args(name, (n,), rng)
    ref = getattr(U, name)(*args)
    # every argument strided
    assert_bitwise(getattr(U, name)(*[_strided(a) for a in args]), ref)
    # reversed (negative strides)
    rev = getattr(U, name)(*[a[::-1] for a in args])
    assert_bitwise(tuple(x[::-1] for x in as_tuple(rev)), as_tuple(ref))
    # one argument broadcast from a scalar (stride 0) vs a contiguous copy of the broadcast
    for j in range(len(args)):
        bc = list(args)
        bc[j] = np.broadcast_to(args[j][n // 2], (n,))
        dense = list(args)
        dense[j] = np.ascontiguousarray(bc[j])
        assert_bitwise(getattr(U, name)(*bc), getattr(U, name)(*dense))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_float32_strided_bitwise(name, rng, simd_level):
    args = [a.astype(np.float32) for a in make_args(name, (600,), rng)]
    assert_bitwise(getattr(U, name)(*[_strided(a) for a in args]), getattr(U, name)(*args))


@pytest.mark.parametrize("name", [n for n in GUFUNCS if "karcher" not in n])
def test_gufunc_strided_core_axis_bitwise(name, rng, simd_level):
    args = make_args(name, (600,), rng)
    ref = getattr(U, name)(*args)
    strided = [_strided(a, axis=-1) if a.ndim == 2 else a for a in args]
    assert_bitwise(getattr(U, name)(*strided), ref)


@pytest.mark.parametrize("name", [n for n in GUFUNCS if "karcher" not in n])
def test_gufunc_strided_loop_axis_bitwise(name, rng, simd_level):
    args = make_args(name, (600,), rng)
    ref = getattr(U, name)(*args)
    assert_bitwise(getattr(U, name)(*[_strided(a, axis=0) for a in args]), ref)


@pytest.mark.parametrize("name", [n for n in GUFUNCS if "karcher" not in n])
def test_gufunc_broadcast_reference_bitwise(name, rng, simd_level):
    """Distance of a batch to one reference (stride 0 over the batch) == with a dense copy."""
    args = make_args(name, (600,), rng)
    for j in range(len(args)):
        bc = list(args)
        bc[j] = np.broadcast_to(args[j][3], args[j].shape)
        dense = list(args)
        dense[j] = np.ascontiguousarray(bc[j])
        assert_bitwise(getattr(U, name)(*bc), getattr(U, name)(*dense))


@pytest.mark.parametrize("name", [n for n in GUFUNCS if "karcher" in n])
def test_karcher_gufunc_strided_bitwise(name, rng):
    args = make_args(name, (50,), rng)
    ref = getattr(U, name)(*args)
    strided = [_strided(a, axis=1) if np.ndim(a) >= 2 else a for a in args]
    assert_bitwise(getattr(U, name)(*strided), ref)
    strided = [_strided(a, axis=0) if np.ndim(a) >= 1 else a for a in args]
    assert_bitwise(getattr(U, name)(*strided), ref)


def test_large_strided_diag_normal_threads_and_layout(rng, threads, simd_level):
    """The parallel path (many rows) with a non-contiguous layout equals the contiguous one."""
    args = make_args("diag_normal_distance", (70_000,), rng)
    ref = U.diag_normal_distance(*args)
    beds.set_num_threads(2)
    assert_bitwise(U.diag_normal_distance(*[_strided(a, axis=0) for a in args]), ref)


# ------------------------------------------------------------------------------ empty inputs
@pytest.mark.parametrize("name", ALL)
def test_empty_batches_give_empty_results(name, rng):
    args = make_args(name, (0,), rng)
    for out in as_tuple(getattr(U, name)(*args)):
        assert out.shape[0] == 0


# ------------------------------------------------------------------------------ array libraries
def test_dask_arrays_dispatch_through_array_ufunc(rng):
    da = pytest.importorskip("dask.array")
    args = make_args("normal_distance", (1000,), rng)
    lazy = [da.from_array(a, chunks=250) for a in args]
    d = U.normal_distance(*lazy)
    assert isinstance(d, da.Array)
    assert_bitwise(d.compute(), U.normal_distance(*args))
    # the validated array-level function hands dask arrays to the ufunc as well
    d2 = beds.normal.distance(*lazy)
    assert isinstance(d2, da.Array)
    assert_bitwise(d2.compute(), U.normal_distance(*args))


def test_array_ufunc_override_is_honoured():
    class Duck:
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return ("handled", ufunc.__name__, method)

    assert U.normal_distance(Duck(), 1.0, 0.0, 1.0) == ("handled", "normal_distance", "__call__")
    assert beds.normal.distance(Duck(), 1.0, 0.0, 1.0) == ("handled", "normal_distance", "__call__")
