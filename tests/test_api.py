"""The object model of beds: belief families, tangent vectors, generic functions, runtime controls."""

from __future__ import annotations

import importlib.metadata
import inspect
import re

import beds
import numpy as np
import pytest

FAMILIES = ["Normal", "DiagNormal", "Categorical", "Exponential", "Poisson"]
MODULES = {
    "Normal": beds.normal,
    "DiagNormal": beds.diag_normal,
    "Categorical": beds.categorical,
    "Exponential": beds.exponential,
    "Poisson": beds.poisson,
}
PARAMS = {
    "Normal": ("mean", "std"),
    "DiagNormal": ("mean", "std"),
    "Categorical": ("probs",),
    "Exponential": ("rate",),
    "Poisson": ("rate",),
}
EVENT_NDIM = {"Normal": 0, "DiagNormal": 1, "Categorical": 1, "Exponential": 0, "Poisson": 0}
D, K = 3, 4


def params(family: str, shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float64) -> list[np.ndarray]:
    """Valid parameter arrays (interior points) of a family for a batch of shape ``shape``."""
    if family == "Normal":
        out = [rng.normal(size=shape), rng.uniform(0.5, 2.0, size=shape)]
    elif family == "DiagNormal":
        out = [rng.normal(size=shape + (D,)), rng.uniform(0.5, 2.0, size=shape + (D,))]
    elif family == "Categorical":
        out = [rng.dirichlet(np.full(K, 3.0), size=shape)]
    else:
        out = [rng.uniform(0.5, 3.0, size=shape)]
    return [np.array(a, dtype=dtype, order="C") for a in out]


def make(family: str, shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float64) -> beds.Belief:
    return getattr(beds, family)(*params(family, shape, rng, dtype))


def stacked(v: beds.Tangent) -> np.ndarray:
    """Tangent components concatenated in the order of the family's metric coordinates."""
    e = v.base.event_ndim
    return np.concatenate([c if e else c[..., None] for c in v.components.values()], axis=-1)


def random_tangent(p: beds.Belief, rng: np.random.Generator, scale: float = 0.05) -> beds.Tangent:
    comps = []
    for a in p.param_arrays.values():
        c = scale * rng.normal(size=a.shape)
        if type(p).__name__ == "Categorical":
            c = c * a  # small relative moves stay in the simplex
            c -= a * c.sum(axis=-1, keepdims=True)
        comps.append(c)
    return p.tangent(*comps)


# ------------------------------------------------------------------------------ package
def test_version_matches_distribution_metadata():
    assert beds.__version__ == importlib.metadata.version("beds")
    assert beds._core.__version__ == beds.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", beds.__version__)


def test_all_names_exist():
    for name in beds.__all__:
        assert hasattr(beds, name), name


def test_threads_api_set_and_restore():
    previous = beds.get_num_threads()
    assert isinstance(previous, int) and previous >= 1
    try:
        beds.set_num_threads(1)
        assert beds.get_num_threads() == 1
        beds.set_num_threads(3)
        assert beds.get_num_threads() == 3
        beds.set_num_threads(0)  # the default: every available CPU (or BEDS_NUM_THREADS)
        assert beds.get_num_threads() >= 1
        with pytest.raises(TypeError, match="int"):
            beds.set_num_threads(2.0)
        with pytest.raises(TypeError, match="int"):
            beds.set_num_threads(True)
    finally:
        beds.set_num_threads(previous)
    assert beds.get_num_threads() == previous


def test_threads_do_not_change_results(rng):
    previous = beds.get_num_threads()
    p, q = make("Normal", (100_000,), rng), make("Normal", (100_000,), rng)
    try:
        beds.set_num_threads(1)
        d1 = beds.distance(p, q)
        beds.set_num_threads(2)
        d2 = beds.distance(p, q)
    finally:
        beds.set_num_threads(previous)
    assert d1.tobytes() == d2.tobytes()


def test_simd_api():
    core = beds._core
    levels = core.available_simd_levels()
    assert levels[0] == "baseline" and set(levels) <= {"baseline", "avx2"}
    previous = core.simd_level()
    assert previous in levels
    try:
        for lv in levels:
            core.set_simd_level(lv)
            assert core.simd_level() == lv
        with pytest.raises(ValueError, match="baseline"):
            core.set_simd_level("sse9")
        if "avx2" not in levels:
            with pytest.raises(ValueError):
                core.set_simd_level("avx2")
    finally:
        core.set_simd_level(previous)
    assert core.simd_level() == previous


def test_simd_level_fixture_runs_each_build(simd_level):
    assert beds._core.simd_level() == simd_level
    assert float(beds.normal.distance(0.0, 1.0, 0.0, 2.0)) == pytest.approx(np.sqrt(2) * np.log(2), rel=1e-15)


def test_cuda_queries():
    assert isinstance(beds.has_cuda(), bool)
    assert isinstance(beds.cuda_device_count(), int)
    assert beds.cuda_device_count() >= 0
    if beds.cuda_device_count() == 0:
        assert beds.has_cuda() is False


_PUBLIC_FUNCTIONS = [
    (mod, name)
    for mod in [beds, beds.normal, beds.diag_normal, beds.categorical, beds.exponential, beds.poisson, beds.mvnormal]
    for name in mod.__all__
    if callable(getattr(mod, name)) and not inspect.isclass(getattr(mod, name))
]
_FORMULA = re.compile(r"[=^/|]|sqrt|log|exp\(|sum|arccos|asin|KL\(|\bd\(|Reference|docs page|:func:")


@pytest.mark.parametrize(("mod", "name"), _PUBLIC_FUNCTIONS, ids=lambda x: getattr(x, "__name__", x))
def test_public_functions_have_docstrings(mod, name):
    doc = inspect.getdoc(getattr(mod, name))
    assert doc and len(doc) > 20, f"{mod.__name__}.{name} has no docstring"


@pytest.mark.parametrize(
    ("mod", "name"), [(m, n) for m, n in _PUBLIC_FUNCTIONS if m is not beds], ids=lambda x: getattr(x, "__name__", x)
)
def test_family_functions_document_a_formula_or_reference(mod, name):
    doc = inspect.getdoc(getattr(mod, name))
    assert _FORMULA.search(doc), f"{mod.__name__}.{name}: no formula or reference in {doc!r}"


@pytest.mark.parametrize("family", FAMILIES)
def test_family_classes_and_modules_are_documented(family):
    cls = getattr(beds, family)
    assert inspect.getdoc(cls)
    assert inspect.getdoc(MODULES[family])
    assert _FORMULA.search(inspect.getdoc(MODULES[family]))


def test_array_functions_have_real_signatures():
    sig = inspect.signature(beds.normal.distance)
    assert list(sig.parameters) == ["mean1", "std1", "mean2", "std2", "out"]
    assert sig.parameters["out"].kind is inspect.Parameter.KEYWORD_ONLY
    assert beds.normal.distance.__module__ == "beds.normal"
    assert beds.categorical.geodesic.__name__ == "geodesic"


# ------------------------------------------------------------------------------ object model
@pytest.mark.parametrize("family", FAMILIES)
def test_attributes(family, rng):
    arrays = params(family, (2, 3), rng)
    p = getattr(beds, family)(*arrays)
    assert p.batch_shape == p.shape == (2, 3)
    assert p.ndim == 2 and p.size == 6 and len(p) == 2
    assert p.dtype == np.float64
    assert type(p).params == PARAMS[family]
    assert p.event_ndim == EVENT_NDIM[family]
    assert list(p.param_arrays) == list(PARAMS[family])
    for name, a in zip(PARAMS[family], arrays, strict=True):
        assert np.array_equal(getattr(p, name), a)
        assert p.param_arrays[name] is getattr(p, name) or np.shares_memory(p.param_arrays[name], a)
    assert isinstance(p, beds.Belief)


@pytest.mark.parametrize("family", FAMILIES)
def test_repr_names_family_params_and_batch_shape(family, rng):
    p = make(family, (4,), rng)
    r = repr(p)
    assert r.startswith(family + "(")
    for name in PARAMS[family]:
        assert f"{name}=" in r
    assert "batch_shape=(4,)" in r
    big = make(family, (10_000,), rng)
    assert len(repr(big)) < 1000  # summarised


@pytest.mark.parametrize("family", FAMILIES)
def test_single_belief_has_empty_batch_shape(family, rng):
    p = make(family, (), rng)
    assert p.batch_shape == () and p.ndim == 0 and p.size == 1
    with pytest.raises(TypeError, match="len"):
        len(p)


@pytest.mark.parametrize("family", FAMILIES)
def test_parameters_are_read_only(family, rng):
    p = make(family, (3,), rng)
    for name in PARAMS[family]:
        a = getattr(p, name)
        assert not a.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 1.0
        with pytest.raises(ValueError, match="read-only"):
            p.param_arrays[name][...] = 1.0
        with pytest.raises(AttributeError):
            setattr(p, name, a)
    with pytest.raises(AttributeError):
        p.something_else = 1  # no __dict__ (slots)


@pytest.mark.parametrize("family", FAMILIES)
def test_user_arrays_stay_writable_and_are_not_copied(family, rng):
    arrays = params(family, (5,), rng)
    p = getattr(beds, family)(*arrays)
    for name, a in zip(PARAMS[family], arrays, strict=True):
        assert np.shares_memory(getattr(p, name), a)  # no copy of float64 C-contiguous input
        assert a.flags.writeable  # the caller's array is untouched


@pytest.mark.parametrize("family", FAMILIES)
def test_float32_is_preserved_without_copy(family, rng):
    arrays = params(family, (5,), rng, dtype=np.float32)
    p = getattr(beds, family)(*arrays)
    assert p.dtype == np.float32
    for name, a in zip(PARAMS[family], arrays, strict=True):
        assert getattr(p, name).dtype == np.float32
        assert np.shares_memory(getattr(p, name), a)
    q = make(family, (5,), rng, dtype=np.float32)
    assert beds.distance(p, q).dtype == np.float32
    assert beds.kl(p, q).dtype == np.float32
    assert beds.entropy(p).dtype == np.float32
    assert beds.geodesic(p, q, 0.5).dtype == np.float32  # a Python scalar t keeps float32
    assert beds.log(p, q).components[PARAMS[family][0]].dtype == np.float32


def test_dtype_promotion_of_parameters():
    assert beds.Normal(0, 1).dtype == np.float64  # ints -> float64
    assert beds.Normal(np.zeros(2, np.float32), np.ones(2)).dtype == np.float64
    assert beds.Normal(np.zeros(2, np.float16), np.ones(2, np.float16)).dtype == np.float32
    assert beds.Poisson(np.arange(1, 4)).dtype == np.float64
    p = beds.Normal(np.zeros(2, np.float32), np.ones(2))
    assert p.mean.dtype == p.std.dtype == np.float64


def test_parameters_broadcast_against_each_other():
    p = beds.Normal(np.zeros((3, 1)), np.ones(4))
    assert p.batch_shape == (3, 4)
    assert p.mean.shape == p.std.shape == (3, 4)
    d = beds.DiagNormal(np.zeros(D), np.ones((2, D)))
    assert d.batch_shape == (2,) and d.dim == D
    c = beds.Categorical(np.full((2, 3, K), 1 / K))
    assert c.batch_shape == (2, 3) and c.num_classes == K


def test_family_specific_properties(rng):
    p = beds.Normal([0.0, 1.0], [2.0, 0.5])
    np.testing.assert_array_equal(p.var, [4.0, 0.25])
    np.testing.assert_array_equal(p.precision, [0.25, 4.0])
    c = beds.Categorical(logits=[0.0, 0.0, np.log(2.0)])
    np.testing.assert_allclose(c.probs, [0.25, 0.25, 0.5], rtol=1e-15)
    np.testing.assert_allclose(c.logits, np.log([0.25, 0.25, 0.5]), rtol=1e-15)
    lg = rng.normal(size=(3, K)) * 50
    c2 = beds.Categorical(logits=lg)
    np.testing.assert_allclose(c2.probs.sum(-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(beds.Categorical(logits=lg + 7.0).probs, c2.probs, rtol=1e-12)


def test_parameters_by_keyword():
    p = beds.Normal(std=2.0, mean=1.0)
    assert float(p.mean) == 1.0 and float(p.std) == 2.0
    assert float(beds.Exponential(rate=3.0).rate) == 3.0
    assert float(beds.Poisson(rate=3.0).rate) == 3.0
    np.testing.assert_array_equal(beds.Categorical(probs=[0.5, 0.5]).probs, [0.5, 0.5])


# ------------------------------------------------------------------------------ indexing
@pytest.mark.parametrize("family", FAMILIES)
def test_indexing_acts_on_batch_axes_only(family, rng):
    arrays = params(family, (4, 5), rng)
    p = getattr(beds, family)(*arrays)
    e = EVENT_NDIM[family]
    cases = [
        1,
        slice(1, 3),
        (1, 2),
        (slice(None), 0),
        Ellipsis,
        (Ellipsis, 0),
        (0, Ellipsis),
        np.array([0, 2, 3]),
        np.array([True, False, True, True]),
        (None, 0),
        (slice(None, None, -1), 0),
    ]
    for idx in cases:
        q = p[idx]
        assert type(q) is type(p)
        t = idx if isinstance(idx, tuple) else (idx,)
        has_ellipsis = any(i is Ellipsis for i in t)
        for name, a in zip(PARAMS[family], arrays, strict=True):
            # index the batch axes, keep the event axes whole
            expected = a[t + (slice(None),) * e] if has_ellipsis else a[t]
            assert getattr(q, name).shape[q.ndim :] == a.shape[2:], idx
            np.testing.assert_array_equal(getattr(q, name), expected)
        assert q.batch_shape == np.empty((4, 5))[idx].shape


@pytest.mark.parametrize("family", FAMILIES)
def test_indexing_returns_views(family, rng):
    arrays = params(family, (6,), rng)
    p = getattr(beds, family)(*arrays)
    q = p[2:5]
    for name, a in zip(PARAMS[family], arrays, strict=True):
        assert np.shares_memory(getattr(q, name), a)
        assert not getattr(q, name).flags.writeable


@pytest.mark.parametrize("family", ["DiagNormal", "Categorical"])
def test_too_many_indices_never_touch_the_event_axis(family, rng):
    """p[:, 0] on a batch of shape (n,) must not select a coordinate / class of every belief."""
    p = make(family, (2,), rng)
    with pytest.raises(IndexError):
        p[:, 0]
    with pytest.raises(IndexError):
        p[0, 0]


def test_indexing_a_categorical_never_leaves_the_simplex(rng):
    c = make("Categorical", (3,), rng)
    for idx in [(slice(None), 1), (slice(None), slice(0, 2))]:
        try:
            sub = c[idx]
        except IndexError:
            continue
        np.testing.assert_allclose(sub.probs.sum(-1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("family", FAMILIES)
def test_integer_index_of_last_batch_axis_gives_single_belief(family, rng):
    p = make(family, (3,), rng)
    q = p[1]
    assert q.batch_shape == ()
    for name in PARAMS[family]:
        np.testing.assert_array_equal(getattr(q, name), getattr(p, name)[1])
    assert float(beds.distance(q, p[1])) == 0.0


@pytest.mark.parametrize("family", FAMILIES)
def test_reshape(family, rng):
    p = make(family, (2, 3), rng)
    for new in [(3, 2), ((3, 2),), ([6],), (-1,), (1, 6, 1)]:
        q = p.reshape(*new)
        shape = np.empty((2, 3)).reshape(*new).shape
        assert q.batch_shape == shape
        for name in PARAMS[family]:
            a = getattr(p, name)
            np.testing.assert_array_equal(getattr(q, name), a.reshape(shape + a.shape[2:]))
    with pytest.raises(ValueError):
        p.reshape(4)


@pytest.mark.parametrize("family", FAMILIES)
def test_astype(family, rng):
    p = make(family, (3,), rng)
    q = p.astype(np.float32)
    assert q.dtype == np.float32 and type(q) is type(p)
    for name in PARAMS[family]:
        np.testing.assert_array_equal(getattr(q, name), getattr(p, name).astype(np.float32))
        assert not getattr(q, name).flags.writeable
    r = q.astype("float64")
    assert r.dtype == np.float64
    for bad in [np.int64, np.complex128, bool, "U3"]:
        with pytest.raises(TypeError, match="float"):
            p.astype(bad)


# ------------------------------------------------------------------------------ dispatch
@pytest.mark.parametrize("family", FAMILIES)
def test_generic_functions_equal_array_functions(family, rng):
    p, q = make(family, (7,), rng), make(family, (7,), rng)
    mod = MODULES[family]
    pa, qa = list(p.param_arrays.values()), list(q.param_arrays.values())
    for op in ["distance", "kl", "jeffreys"]:
        r = getattr(beds, op)(p, q)
        assert r.shape == (7,)
        assert r.tobytes() == getattr(mod, op)(*pa, *qa).tobytes()
        assert r.tobytes() == getattr(p, op)(q).tobytes()
    ent = beds.entropy(p)
    ent_args = pa[1:] if family in ("Normal", "DiagNormal") else pa
    assert ent.tobytes() == mod.entropy(*ent_args).tobytes()


@pytest.mark.parametrize("family", FAMILIES)
def test_divergence_properties(family, rng):
    p, q = make(family, (50,), rng), make(family, (50,), rng)
    d = beds.distance(p, q)
    np.testing.assert_allclose(d, beds.distance(q, p), rtol=1e-13)
    assert (d > 0).all()
    assert (beds.distance(p, p) == 0).all()
    kl = beds.kl(p, q)
    assert (kl > 0).all()
    assert (beds.kl(p, p) == 0).all()
    np.testing.assert_allclose(beds.jeffreys(p, q), kl + beds.kl(q, p), rtol=1e-12)
    # sqrt(J) bounds the Fisher-Rao distance above (Jeffreys ~ d^2 for near pairs)
    assert (np.sqrt(beds.jeffreys(p, q)) >= d * (1 - 1e-12)).all()


@pytest.mark.parametrize("family", FAMILIES)
def test_batch_shapes_broadcast(family, rng):
    p, q = make(family, (3, 1), rng), make(family, (4,), rng)
    assert beds.distance(p, q).shape == (3, 4)
    assert beds.kl(p, q).shape == (3, 4)
    assert beds.geodesic(p, q, 0.5).batch_shape == (3, 4)
    v = beds.log(p, q)
    assert v.batch_shape == (3, 4) and v.base.batch_shape == (3, 4)
    np.testing.assert_allclose(beds.norm(v), beds.distance(p, q), rtol=1e-10)


def test_known_values():
    np.testing.assert_allclose(
        beds.distance(beds.Normal(0.0, 1.0), beds.Normal(0.0, 2.0)), np.sqrt(2) * np.log(2), rtol=1e-15
    )
    np.testing.assert_allclose(
        beds.distance(beds.Categorical([0.5, 0.5]), beds.Categorical([0.1, 0.9])),
        2 * np.arccos(np.sqrt(0.05) + np.sqrt(0.45)),
        rtol=1e-14,
    )
    np.testing.assert_allclose(beds.distance(beds.Exponential(1.0), beds.Exponential(np.e)), 1.0, rtol=1e-15)
    np.testing.assert_allclose(beds.distance(beds.Poisson(1.0), beds.Poisson(4.0)), 2.0, rtol=1e-15)
    dn = beds.distance(beds.DiagNormal(np.zeros(2), np.ones(2)), beds.DiagNormal(np.ones(2), np.ones(2)))
    one = beds.distance(beds.Normal(0.0, 1.0), beds.Normal(1.0, 1.0))
    np.testing.assert_allclose(dn, np.sqrt(2) * one, rtol=1e-15)
    np.testing.assert_allclose(
        beds.kl(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)), np.log(2) + (1 + 1) / 8 - 0.5, rtol=1e-14
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_entropy_closed_forms(family, rng):
    p = make(family, (6,), rng)
    h = beds.entropy(p)
    assert h.shape == (6,)
    if family == "Normal":
        ref = 0.5 * np.log(2 * np.pi * np.e * p.std**2)
    elif family == "DiagNormal":
        ref = np.sum(0.5 * np.log(2 * np.pi * np.e * p.std**2), axis=-1)
    elif family == "Categorical":
        ref = -np.sum(p.probs * np.log(p.probs), axis=-1)
    elif family == "Exponential":
        ref = 1 - np.log(p.rate)
    else:
        k = np.arange(200)
        from scipy.special import gammaln

        logpk = k * np.log(p.rate[:, None]) - p.rate[:, None] - gammaln(k + 1)
        ref = -np.sum(np.exp(logpk) * logpk, axis=-1)
    np.testing.assert_allclose(h, ref, rtol=1e-12)


@pytest.mark.parametrize("rate", [1e-16, 1e-12, 1e-8])
def test_poisson_entropy_of_small_rates(rate):
    """H(Poi(l)) = l (1 - log l) + l^2 log(2) / 2 + O(l^3): finite and accurate for tiny rates."""
    h = float(beds.entropy(beds.Poisson(rate)))
    ref = rate * (1 - np.log(rate)) + rate**2 * np.log(2) / 2
    np.testing.assert_allclose(h, ref, rtol=1e-12)


def test_mixing_families_is_a_type_error(rng):
    beliefs = [make(f, (2,), rng) for f in FAMILIES]
    for i, p in enumerate(beliefs):
        for j, q in enumerate(beliefs):
            if i == j:
                continue
            for op in [beds.distance, beds.kl, beds.jeffreys, beds.log]:
                with pytest.raises(TypeError, match=type(p).__name__):
                    op(p, q)
            with pytest.raises(TypeError):
                beds.geodesic(p, q, 0.5)
            with pytest.raises(TypeError):
                beds.transport(beds.log(p, p), q)
            with pytest.raises(TypeError):
                q.exp(beds.log(p, p))
            with pytest.raises(TypeError):
                q.inner(beds.log(p, p), beds.log(p, p))


@pytest.mark.parametrize("bad", [1.0, np.zeros(3), None, "normal", [0.0, 1.0]])
def test_non_beliefs_are_type_errors(bad, rng):
    p = make("Normal", (3,), rng)
    for op in [beds.distance, beds.kl, beds.jeffreys, beds.log]:
        with pytest.raises(TypeError, match="belief"):
            op(p, bad)
        with pytest.raises(TypeError, match="belief"):
            op(bad, p)
    for op in [beds.entropy, beds.metric]:
        with pytest.raises(TypeError, match="belief"):
            op(bad)
    with pytest.raises(TypeError, match="belief"):
        beds.geodesic(bad, p, 0.5)
    with pytest.raises(TypeError, match="belief"):
        beds.karcher_mean(bad)
    for op in [beds.exp, beds.norm]:
        with pytest.raises(TypeError, match="Tangent"):
            op(bad)
    with pytest.raises(TypeError, match="Tangent"):
        beds.transport(bad, p)
    with pytest.raises(TypeError, match="Tangent"):
        beds.inner(bad, beds.log(p, p))
    with pytest.raises(TypeError, match="belief"):
        beds.transport(beds.log(p, p), bad)


# ------------------------------------------------------------------------------ geometry
@pytest.mark.parametrize("family", FAMILIES)
def test_geodesic_endpoints(family, rng):
    p, q = make(family, (20,), rng), make(family, (20,), rng)
    g0, g1 = beds.geodesic(p, q, 0.0), beds.geodesic(p, q, 1.0)
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(g0, name), getattr(p, name), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(getattr(g1, name), getattr(q, name), rtol=1e-12, atol=1e-13)
    d = beds.distance(p, q)
    for t in [0.25, 0.5, 0.8]:
        g = beds.geodesic(p, q, t)
        np.testing.assert_allclose(beds.distance(p, g), t * d, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(beds.distance(g, q), (1 - t) * d, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("family", FAMILIES)
def test_geodesic_with_array_t_broadcasts(family, rng):
    n, m = 5, 7
    p, q = make(family, (n,), rng), make(family, (n,), rng)
    t = np.linspace(0.0, 1.0, m)
    g = beds.geodesic(p, q, t[:, None])
    assert g.batch_shape == (m, n)
    for name in PARAMS[family]:
        assert getattr(g, name).shape == (m, n) + getattr(p, name).shape[1:]
    for i in [0, 3, m - 1]:
        gi = beds.geodesic(p, q, float(t[i]))
        for name in PARAMS[family]:
            np.testing.assert_array_equal(getattr(g, name)[i], getattr(gi, name))
    # one t per belief
    tt = rng.uniform(0, 1, n)
    g2 = beds.geodesic(p, q, tt)
    assert g2.batch_shape == (n,)
    for j in range(n):
        gj = beds.geodesic(p[j], q[j], float(tt[j]))
        for name in PARAMS[family]:
            np.testing.assert_array_equal(getattr(g2, name)[j], getattr(gj, name))


@pytest.mark.parametrize("family", FAMILIES)
def test_geodesic_t_dtypes(family, rng):
    p, q = make(family, (3,), rng), make(family, (3,), rng)
    assert beds.geodesic(p, q, 1).batch_shape == (3,)  # int t
    assert beds.geodesic(p, q, np.array([0, 1, 0])).batch_shape == (3,)
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    assert beds.geodesic(p32, q32, np.float32(0.5)).dtype == np.float32
    assert beds.geodesic(p32, q32, np.array([0.5], np.float32)).dtype == np.float32


@pytest.mark.parametrize("family", FAMILIES)
def test_log_exp_round_trip_and_norm(family, rng):
    p, q = make(family, (30,), rng), make(family, (30,), rng)
    v = beds.log(p, q)
    assert isinstance(v, beds.Tangent)
    assert v.base is p
    back = beds.exp(v)
    assert type(back) is type(p)
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(back, name), getattr(q, name), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(beds.norm(v), beds.distance(p, q), rtol=1e-10)
    np.testing.assert_allclose(beds.inner(v, v), beds.distance(p, q) ** 2, rtol=1e-10)


@pytest.mark.parametrize("family", FAMILIES)
def test_exp_of_zero_is_identity(family, rng):
    p = make(family, (4,), rng)
    zero = p.tangent(*[np.zeros_like(a) for a in p.param_arrays.values()])
    e = beds.exp(zero)
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(e, name), getattr(p, name), rtol=1e-15)


@pytest.mark.parametrize("family", FAMILIES)
def test_transport_is_an_isometry(family, rng):
    p, q = make(family, (25,), rng), make(family, (25,), rng)
    u, v = random_tangent(p, rng), random_tangent(p, rng)
    tu, tv = beds.transport(u, q), beds.transport(v, q)
    assert isinstance(tu, beds.Tangent)
    assert tu.base is q
    np.testing.assert_allclose(beds.inner(tu, tv), beds.inner(u, v), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(beds.norm(tu), beds.norm(u), rtol=1e-10)
    # the velocity of the geodesic is transported to minus the log at the other end
    w = beds.transport(beds.log(p, q), q)
    back = beds.log(q, p)
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(w, name), -getattr(back, name), rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("family", FAMILIES)
def test_metric_defines_the_inner_product(family, rng):
    p = make(family, (6,), rng)
    g = beds.metric(p)
    n = sum(a.shape[-1] if EVENT_NDIM[family] else 1 for a in p.param_arrays.values())
    assert g.shape == (6, n, n)
    np.testing.assert_array_equal(g, np.swapaxes(g, -1, -2))
    assert (np.linalg.eigvalsh(g) > 0).all()
    u, v = random_tangent(p, rng), random_tangent(p, rng)
    ref = np.einsum("...i,...ij,...j->...", stacked(u), g, stacked(v))
    np.testing.assert_allclose(beds.inner(u, v), ref, rtol=1e-10, atol=1e-15)


def test_metric_values():
    g = beds.metric(beds.Normal(0.0, 2.0))
    np.testing.assert_allclose(g, [[0.25, 0.0], [0.0, 0.5]])
    np.testing.assert_allclose(beds.metric(beds.Exponential(2.0)), [[0.25]])
    np.testing.assert_allclose(beds.metric(beds.Poisson(2.0)), [[0.5]])
    np.testing.assert_allclose(beds.metric(beds.Categorical([0.25, 0.75])), np.diag([4.0, 4 / 3]))


# ------------------------------------------------------------------------------ Tangent
def test_tangent_components_and_base(rng):
    p = make("Normal", (3,), rng)
    v = p.tangent(mean=[1.0, 2.0, 3.0], std=0.5)
    assert v.base is p
    assert v.batch_shape == (3,)
    np.testing.assert_array_equal(v.mean, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.std, [0.5, 0.5, 0.5])  # broadcast to the base
    assert list(v.components) == ["mean", "std"]
    assert not v.mean.flags.writeable
    assert "Tangent(" in repr(v) and "Normal" in repr(v)
    with pytest.raises(AttributeError):
        _ = v.probs
    w = beds.Tangent(p, 1.0, 0.0)
    np.testing.assert_array_equal(w.mean, 1.0)
    assert w.base is p


@pytest.mark.parametrize("family", FAMILIES)
def test_tangent_arithmetic(family, rng):
    p = make(family, (4,), rng)
    u, v = random_tangent(p, rng), random_tangent(p, rng)
    names = PARAMS[family]
    s = u + v
    d = u - v
    n = -u
    for name in names:
        np.testing.assert_array_equal(getattr(s, name), getattr(u, name) + getattr(v, name))
        np.testing.assert_array_equal(getattr(d, name), getattr(u, name) - getattr(v, name))
        np.testing.assert_array_equal(getattr(n, name), -getattr(u, name))
    for res in [s, d, n, 2 * u, u * 2, u / 2]:
        assert isinstance(res, beds.Tangent) and res.base is p
    for name in names:
        np.testing.assert_array_equal(getattr(2 * u, name), 2 * getattr(u, name))
        np.testing.assert_array_equal(getattr(u * 3, name), 3 * getattr(u, name))
        np.testing.assert_allclose(getattr(u / 4, name), getattr(u, name) / 4, rtol=1e-15)
    # an array scale broadcasts over the batch (not over the event axis)
    c = np.array([0.0, 1.0, 2.0, -1.0])
    scaled = u * c
    for name in names:
        a = getattr(u, name)
        expected = a * (c[:, None] if EVENT_NDIM[family] else c)
        np.testing.assert_array_equal(getattr(scaled, name), expected)
    np.testing.assert_allclose(beds.norm(scaled), np.abs(c) * beds.norm(u), rtol=1e-12)
    np.testing.assert_allclose(beds.norm(u * 2.5), 2.5 * beds.norm(u), rtol=1e-13)


def test_tangent_arithmetic_type_errors(rng):
    p = make("Normal", (2,), rng)
    v = p.tangent(1.0, 0.0)
    for bad in [1, 1.0, np.ones(2), "a"]:
        with pytest.raises(TypeError):
            v + bad
        with pytest.raises(TypeError):
            v - bad
    with pytest.raises(TypeError):
        v * v
    with pytest.raises(TypeError):
        v * "a"
    with pytest.raises(TypeError):
        v * np.array([1j, 2j])


def test_tangent_float32_arithmetic_stays_float32(rng):
    p = make("Normal", (3,), rng, dtype=np.float32)
    v = p.tangent(np.ones(3, np.float32), np.zeros(3, np.float32))
    assert v.mean.dtype == np.float32
    assert (v + v).mean.dtype == np.float32
    assert (v * 2).mean.dtype == np.float32


def test_categorical_tangent_sums_to_zero_after_arithmetic(rng):
    p = make("Categorical", (5,), rng)
    u, v = random_tangent(p, rng), random_tangent(p, rng)
    for w in [u + v, u - v, 3 * u, -v]:
        np.testing.assert_allclose(w.probs.sum(-1), 0.0, atol=1e-15)


def test_inner_needs_the_same_base(rng):
    p, q = make("Normal", (3,), rng), make("Normal", (3,), rng)
    u = p.tangent(1.0, 0.0)
    same_values = beds.Normal(p.mean.copy(), p.std.copy()).tangent(0.0, 1.0)
    assert float(beds.inner(u, same_values).sum()) == 0.0  # equal bases (not the same object) are fine
    with pytest.raises(ValueError, match="same beliefs"):
        beds.inner(u, q.tangent(1.0, 0.0))


# ------------------------------------------------------------------------------ Karcher means
@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_axes(family, rng):
    p = make(family, (3, 4), rng)
    m_all = beds.karcher_mean(p)
    assert type(m_all) is type(p) and m_all.batch_shape == ()
    assert beds.karcher_mean(p, axis=0).batch_shape == (4,)
    m1 = beds.karcher_mean(p, axis=1)
    assert m1.batch_shape == (3,)
    m_neg = beds.karcher_mean(p, axis=-1)
    m_tuple = beds.karcher_mean(p, axis=(0, 1))
    m_rev = beds.karcher_mean(p, axis=(1, 0))
    for name in PARAMS[family]:
        np.testing.assert_array_equal(getattr(m_neg, name), getattr(m1, name))
        np.testing.assert_allclose(getattr(m_tuple, name), getattr(m_all, name), rtol=1e-12)
        np.testing.assert_allclose(getattr(m_rev, name), getattr(m_all, name), rtol=1e-12)
    # each row's mean is the mean of that row
    row = beds.karcher_mean(p[1])
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(m1, name)[1], getattr(row, name), rtol=1e-12)
    # three batch axes, reduce the middle one
    p3 = make(family, (2, 3, 2), rng)
    assert beds.karcher_mean(p3, axis=1).batch_shape == (2, 2)
    assert beds.karcher_mean(p3, axis=(0, 2)).batch_shape == (3,)


@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_is_a_critical_point(family, rng):
    """The weighted sum of the logs from the mean to the points vanishes."""
    p = make(family, (9,), rng)
    w = rng.uniform(0.2, 1.0, 9)
    m = beds.karcher_mean(p, weights=w)
    v = beds.log(m, p)  # m broadcasts against the batch
    for c in v.components.values():
        grad = np.tensordot(w, c, axes=(0, 0))
        assert np.abs(grad).max() < 1e-9


@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_weights(family, rng):
    p = make(family, (3,), rng)
    # integer weights == repeating beliefs
    m_w = beds.karcher_mean(p, weights=[2, 1, 3])
    m_rep = beds.karcher_mean(p[np.array([0, 0, 1, 2, 2, 2])])
    # weights only matter up to a scale
    m_s = beds.karcher_mean(p, weights=np.array([2.0, 1.0, 3.0]) * 7.5)
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(m_w, name), getattr(m_rep, name), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(getattr(m_s, name), getattr(m_w, name), rtol=1e-10, atol=1e-13)
    # weights broadcast against the batch shape
    p2 = make(family, (2, 3), rng)
    m_b = beds.karcher_mean(p2, weights=[1.0, 2.0, 3.0], axis=1)
    m_full = beds.karcher_mean(p2, weights=np.tile([1.0, 2.0, 3.0], (2, 1)), axis=1)
    for name in PARAMS[family]:
        np.testing.assert_array_equal(getattr(m_b, name), getattr(m_full, name))


def test_karcher_mean_closed_forms(rng):
    r = rng.uniform(0.5, 3, 10)
    w = rng.uniform(0.1, 1, 10)
    np.testing.assert_allclose(
        beds.karcher_mean(beds.Exponential(r), weights=w).rate, np.exp(np.sum(w * np.log(r)) / w.sum()), rtol=1e-14
    )
    np.testing.assert_allclose(
        beds.karcher_mean(beds.Poisson(r), weights=w).rate, (np.sum(w * np.sqrt(r)) / w.sum()) ** 2, rtol=1e-14
    )
    # normals with a common mean lie on a vertical geodesic: geometric mean of the stds
    s = rng.uniform(0.5, 3, 10)
    m = beds.karcher_mean(beds.Normal(1.5, s))
    np.testing.assert_allclose(m.mean, 1.5, rtol=1e-14)
    np.testing.assert_allclose(m.std, np.exp(np.mean(np.log(s))), rtol=1e-12)
    # two points: the midpoint of the geodesic
    p = beds.Normal([0.0, 2.0], [1.0, 0.5])
    mid = beds.geodesic(p[0], p[1], 0.5)
    km = beds.karcher_mean(p)
    np.testing.assert_allclose([km.mean, km.std], [mid.mean, mid.std], rtol=1e-10)
    c = beds.Categorical([[0.1, 0.9], [0.6, 0.4]])
    cm = beds.karcher_mean(c)
    np.testing.assert_allclose(cm.probs, beds.geodesic(c[0], c[1], 0.5).probs, rtol=1e-10)


def test_karcher_mean_of_identical_beliefs_is_that_belief():
    """Identical inputs are valid: the mean is the common belief, with no warning."""
    for p in [
        beds.Normal([0.0, 0.0], [1.0, 1.0]),
        beds.Normal([0.3] * 5, [2.0] * 5),
        beds.DiagNormal(np.zeros((3, 2)), np.ones((3, 2))),
    ]:
        m = beds.karcher_mean(p)
        np.testing.assert_allclose(m.mean, p.mean[0], atol=1e-15)
        np.testing.assert_allclose(m.std, p.std[0], rtol=1e-15)


def test_karcher_mean_with_a_zero_weight_ignores_that_belief():
    p = beds.Normal([0.0, 5.0, 1.0], [1.0, 3.0, 2.0])
    m = beds.karcher_mean(p, weights=[1.0, 0.0, 1.0])
    ref = beds.karcher_mean(p[np.array([0, 2])])
    np.testing.assert_allclose([m.mean, m.std], [ref.mean, ref.std], rtol=1e-12)
    one = beds.karcher_mean(p, weights=[1.0, 0.0, 0.0])
    np.testing.assert_allclose([one.mean, one.std], [0.0, 1.0], atol=1e-15)


@pytest.mark.parametrize("family", ["Normal", "DiagNormal", "Categorical"])
def test_karcher_mean_convergence_warning(family, rng):
    p = make(family, (20,), rng)
    with pytest.warns(beds.ConvergenceWarning, match="max_iter=1"):
        beds.karcher_mean(p, max_iter=1)
    assert issubclass(beds.ConvergenceWarning, RuntimeWarning)


@pytest.mark.parametrize("family", ["Normal", "DiagNormal", "Categorical"])
def test_karcher_mean_tolerance_and_iterations(family, rng):
    p = make(family, (20,), rng)
    loose = beds.karcher_mean(p, tol=1e-3)
    tight = beds.karcher_mean(p, tol=1e-14, max_iter=500)
    assert float(np.max(beds.distance(loose, tight))) < 1e-2


@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_float32(family, rng):
    arrays = params(family, (10,), rng)
    p = getattr(beds, family)(*[a.astype(np.float32) for a in arrays])
    m = beds.karcher_mean(p, tol=1e-6)
    assert m.dtype == np.float32
    ref = beds.karcher_mean(getattr(beds, family)(*arrays))
    for name in PARAMS[family]:
        np.testing.assert_allclose(getattr(m, name), getattr(ref, name), rtol=1e-5, atol=1e-6)


def test_float32_categorical_converted_to_float64_stays_usable(rng):
    """astype gives a belief of the same family; every operation must accept it."""
    c32 = beds.Categorical(rng.dirichlet(np.ones(K), size=6).astype(np.float32))
    c64 = c32.astype(np.float64)
    assert c64.dtype == np.float64
    assert beds.entropy(c64).shape == (6,)
    assert beds.distance(c64, c64[::-1]).shape == (6,)
    m = beds.karcher_mean(c64)
    np.testing.assert_allclose(m.probs, beds.karcher_mean(c32).probs, rtol=1e-5)


def test_array_level_karcher_means(rng):
    m, s = rng.normal(size=(2, 6)), rng.uniform(0.5, 2, (2, 6))
    mu, sd = beds.normal.karcher_mean(m, s)
    assert mu.shape == sd.shape == (2,)
    mu2, sd2, it = beds.normal.karcher_mean(m, s, return_iterations=True)
    assert (it > 0).all() and it.dtype == np.int64
    np.testing.assert_array_equal(mu, mu2)
    obj = beds.karcher_mean(beds.Normal(m, s), axis=1)
    np.testing.assert_array_equal(obj.mean, mu)
    p = rng.dirichlet(np.ones(K), size=(2, 5))
    cm, cit = beds.categorical.karcher_mean(p, return_iterations=True)
    assert cm.shape == (2, K) and (cit > 0).all()
    np.testing.assert_allclose(cm.sum(-1), 1.0, rtol=1e-14)
    r = rng.uniform(0.5, 2, (3, 4))
    np.testing.assert_allclose(beds.exponential.karcher_mean(r), np.exp(np.log(r).mean(-1)), rtol=1e-14)
    np.testing.assert_allclose(beds.poisson.karcher_mean(r), np.sqrt(r).mean(-1) ** 2, rtol=1e-14)


# ------------------------------------------------------------------------------ empty batches
@pytest.mark.parametrize("family", FAMILIES)
def test_empty_batches(family, rng):
    p, q = make(family, (0,), rng), make(family, (0,), rng)
    assert p.batch_shape == (0,) and len(p) == 0 and p.size == 0
    assert beds.distance(p, q).shape == (0,)
    assert beds.kl(p, q).shape == (0,)
    assert beds.entropy(p).shape == (0,)
    assert beds.geodesic(p, q, 0.5).batch_shape == (0,)
    assert beds.log(p, q).batch_shape == (0,)
    assert beds.metric(p).shape[0] == 0


# ------------------------------------------------------------------------------ von Mises (issue 3)
@pytest.mark.parametrize(
    ("mod", "name"),
    [(m, n) for m in (beds.von_mises, beds.special) for n in m.__all__ if not inspect.isclass(getattr(m, n))],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_von_mises_and_special_functions_document_a_formula(mod, name):
    doc = inspect.getdoc(getattr(mod, name))
    assert doc and len(doc) > 20 and _FORMULA.search(doc), f"{mod.__name__}.{name}: {doc!r}"


def test_von_mises_object_model(rng):
    mu, kappa = rng.uniform(-3, 3, (2, 3)), rng.uniform(0.5, 3.0, (2, 3))
    p = beds.VonMises(mu=mu, kappa=kappa)
    assert p.batch_shape == (2, 3) and p.event_ndim == 0 and p.dtype == np.float64
    assert "VonMises" in repr(p) and "mu" in repr(p) and "kappa" in repr(p)
    assert not p.mu.flags.writeable and not p.kappa.flags.writeable
    assert mu.flags.writeable  # the caller's array is untouched
    q = p[1, ::2]
    np.testing.assert_array_equal(q.kappa, kappa[1, ::2])
    assert beds.VonMises(np.float32(0.0), np.ones(2, np.float32)).dtype == np.float32
    v = beds.log(p, beds.VonMises(0.0, 1.0))
    np.testing.assert_allclose(beds.norm(2 * v), 2 * beds.norm(v), rtol=1e-15)
    np.testing.assert_allclose(beds.inner(v, v), beds.norm(v) ** 2, rtol=1e-14)
    assert beds.metric(p).shape == (2, 3, 2, 2)
    assert beds.entropy(p).shape == (2, 3)
    m = beds.karcher_mean(p, axis=-1)
    assert isinstance(m, beds.VonMises) and m.batch_shape == (2,)
