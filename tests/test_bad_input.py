"""Bad input: every validated function and constructor raises the right exception, naming the argument.

The validated array-level functions (``beds.normal.distance`` ...) are described once in
``FUNCTIONS`` (argument names, domains and core dimensions); every case below is generated from
that description, for every function and every argument.
"""

from __future__ import annotations

import re

import beds
import numpy as np
import pytest

D, K, B = 3, 4, 3  # coordinates (DiagNormal), classes (Categorical), batch size

# domain kinds: real, positive, probs, interior (probs > 0), tangent (sums to 0), t (geodesic time)
_P2 = (("mean1", "real"), ("std1", "positive"), ("mean2", "real"), ("std2", "positive"))
_R2 = (("rate1", "positive"), ("rate2", "positive"))


def _flat():
    return {
        "distance": _R2,
        "kl": _R2,
        "jeffreys": _R2,
        "log": _R2,
        "entropy": (("rate", "positive"),),
        "inner": (("rate", "positive"), ("u", "real"), ("v", "real")),
        "exp": (("rate", "positive"), ("v", "real")),
        "geodesic": _R2 + (("t", "t"),),
        "transport": _R2 + (("v", "real"),),
    }


# module -> function -> ((argument, domain), ...), core ndim of every argument
FUNCTIONS: dict[str, tuple[dict, int]] = {
    "normal": (
        {
            "distance": _P2,
            "kl": _P2,
            "jeffreys": _P2,
            "log": _P2,
            "entropy": (("std", "positive"),),
            "inner": (
                ("std", "positive"),
                ("u_mean", "real"),
                ("u_std", "real"),
                ("v_mean", "real"),
                ("v_std", "real"),
            ),
            "exp": (("mean", "real"), ("std", "positive"), ("v_mean", "real"), ("v_std", "real")),
            "geodesic": _P2 + (("t", "t"),),
            "transport": _P2 + (("v_mean", "real"), ("v_std", "real")),
        },
        0,
    ),
    "diag_normal": (
        {
            "distance": _P2,
            "kl": _P2,
            "jeffreys": _P2,
            "entropy": (("std", "positive"),),
            "inner": (
                ("std", "positive"),
                ("u_mean", "real"),
                ("u_std", "real"),
                ("v_mean", "real"),
                ("v_std", "real"),
            ),
        },
        1,
    ),
    "categorical": (
        {
            "distance": (("p", "probs"), ("q", "probs")),
            "kl": (("p", "probs"), ("q", "probs")),
            "jeffreys": (("p", "probs"), ("q", "probs")),
            "entropy": (("p", "probs"),),
            "inner": (("p", "interior"), ("u", "tangent"), ("v", "tangent")),
            "exp": (("p", "interior"), ("v", "tangent")),
            "log": (("p", "interior"), ("q", "probs")),
            "geodesic": (("p", "probs"), ("q", "probs"), ("t", "t")),
            "transport": (("p", "interior"), ("q", "interior"), ("v", "tangent")),
        },
        1,
    ),
    "exponential": (_flat(), 0),
    "poisson": (_flat(), 0),
}

CASES = [(m, f) for m, (fs, _) in FUNCTIONS.items() for f in fs]
ARG_CASES = [(m, f, i) for m, f in CASES for i in range(len(FUNCTIONS[m][0][f]))]


def _ids(case) -> str:
    m, f, *rest = case
    if rest:
        return f"{m}.{f}-{FUNCTIONS[m][0][f][rest[0]][0]}"
    return f"{m}.{f}"


def spec(mod: str, fn: str):
    fns, core = FUNCTIONS[mod]
    args = fns[fn]
    # the geodesic time is a scalar per belief even for the vector families
    cores = [0 if dom == "t" else core for _, dom in args]
    return args, cores


def valid_value(mod: str, dom: str, core: int, batch: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    event = ((D,) if mod == "diag_normal" else (K,)) if core else ()
    shape = batch + event
    if dom == "real":
        return 0.2 * rng.normal(size=shape)
    if dom == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if dom == "t":
        return rng.uniform(0.2, 0.8, size=shape)
    if dom in ("probs", "interior"):
        return rng.dirichlet(np.full(K, 4.0), size=batch)
    if dom == "tangent":
        u = rng.normal(size=shape)
        return 0.01 * (u - u.mean(axis=-1, keepdims=True))
    raise AssertionError(dom)


def valid_args(mod: str, fn: str, rng: np.random.Generator, batch: tuple[int, ...] = (B,)) -> list[np.ndarray]:
    args, cores = spec(mod, fn)
    return [valid_value(mod, dom, c, batch, rng) for (_, dom), c in zip(args, cores, strict=True)]


def call(mod: str, fn: str, *args, **kwargs):
    return getattr(getattr(beds, mod), fn)(*args, **kwargs)


def names_argument(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", message) is not None


def with_bad(mod: str, fn: str, i: int, value, rng, element: bool = True):
    """Valid arguments where argument i has ``value`` at one element (or is ``value``)."""
    args = valid_args(mod, fn, rng)
    if element:
        a = args[i].copy()
        a.reshape(-1)[1] = value
        args[i] = a
    else:
        args[i] = value
    return args


# ------------------------------------------------------------------------------ sanity
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_valid_arguments_are_accepted(case, rng):
    mod, fn = case
    r = call(mod, fn, *valid_args(mod, fn, rng))
    for out in r if isinstance(r, tuple) else (r,):
        assert np.isfinite(out).all()
        assert out.shape[0] == B


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_all_arguments_by_keyword(case, rng):
    mod, fn = case
    args = valid_args(mod, fn, rng)
    names = [n for n, _ in spec(mod, fn)[0]]
    pos = call(mod, fn, *args)
    kw = call(mod, fn, **dict(zip(names, args, strict=True)))
    for a, b in zip(pos if isinstance(pos, tuple) else (pos,), kw if isinstance(kw, tuple) else (kw,), strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ values
@pytest.mark.parametrize("case", ARG_CASES, ids=_ids)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "+inf", "-inf"])
def test_non_finite_values_are_value_errors_naming_the_argument(case, value, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    with pytest.raises(ValueError) as exc:
        call(mod, fn, *with_bad(mod, fn, i, value, rng))
    assert names_argument(str(exc.value), name), str(exc.value)
    assert "finite" in str(exc.value) or "sum" in str(exc.value)


@pytest.mark.parametrize("case", [c for c in ARG_CASES if spec(c[0], c[1])[0][c[2]][1] == "positive"], ids=_ids)
@pytest.mark.parametrize("value", [0.0, -1.0, -1e-300], ids=["zero", "negative", "tiny-negative"])
def test_non_positive_std_or_rate_is_a_value_error_naming_the_argument(case, value, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    with pytest.raises(ValueError, match="> 0") as exc:
        call(mod, fn, *with_bad(mod, fn, i, value, rng))
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize(
    "case", [c for c in ARG_CASES if spec(c[0], c[1])[0][c[2]][1] in ("probs", "interior")], ids=_ids
)
def test_negative_probability_is_a_value_error_naming_the_argument(case, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    args = valid_args(mod, fn, rng)
    p = args[i].copy()
    p[1] = [-0.2, 0.6, 0.3, 0.3]  # sums to 1
    args[i] = p
    with pytest.raises(ValueError, match=">") as exc:
        call(mod, fn, *args)
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize(
    "case", [c for c in ARG_CASES if spec(c[0], c[1])[0][c[2]][1] in ("probs", "interior")], ids=_ids
)
@pytest.mark.parametrize("total", [0.9, 1 + 1e-5], ids=["0.9", "1+1e-5"])
def test_probabilities_not_summing_to_one_are_value_errors(case, total, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    args = valid_args(mod, fn, rng)
    p = args[i].copy()
    p[2] *= total
    args[i] = p
    with pytest.raises(ValueError, match="sum") as exc:
        call(mod, fn, *args)
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize("case", [c for c in ARG_CASES if spec(c[0], c[1])[0][c[2]][1] == "interior"], ids=_ids)
def test_zero_probability_where_the_interior_is_needed(case, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    args = valid_args(mod, fn, rng)
    p = args[i].copy()
    p[0] = [0.0, 0.5, 0.25, 0.25]
    args[i] = p
    with pytest.raises(ValueError, match="> 0") as exc:
        call(mod, fn, *args)
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize("case", [c for c in ARG_CASES if spec(c[0], c[1])[0][c[2]][1] == "tangent"], ids=_ids)
def test_categorical_tangent_not_summing_to_zero(case, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    args = valid_args(mod, fn, rng)
    v = args[i].copy()
    v[1, 0] += 0.01
    args[i] = v
    with pytest.raises(ValueError, match="sum to 0") as exc:
        call(mod, fn, *args)
    assert names_argument(str(exc.value), name), str(exc.value)


def test_boundary_probabilities_are_fine_where_allowed():
    # distances, divergences and entropies accept points on the boundary of the simplex
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    assert np.isfinite(beds.categorical.distance(p, q))
    assert np.isfinite(beds.categorical.kl(p, q))
    assert beds.categorical.kl(q, p) == np.inf
    assert np.isfinite(beds.categorical.log(q, p)).all()


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        ("exp", ([0.5, 0.5], [0.95, -0.95])),
        ("geodesic", ([0.5, 0.5], [0.1, 0.9], 3.0)),
        ("geodesic", ([0.5, 0.5], [0.1, 0.9], -2.0)),
    ],
)
def test_categorical_leaving_the_simplex(fn, args):
    with pytest.raises(ValueError, match="simplex"):
        call("categorical", fn, *args)


@pytest.mark.parametrize(("fn", "args"), [("exp", (1.0, -5.0)), ("geodesic", (4.0, 1.0, 3.0))])
def test_poisson_leaving_the_half_line(fn, args):
    with pytest.raises(ValueError, match="rate = 0"):
        call("poisson", fn, *args)


# ------------------------------------------------------------------------------ dtypes
_BAD_TYPES = {
    "complex": np.array([1.0 + 1j, 0.5, 0.5]),
    "object": np.array([1.0, None, 2.0], dtype=object),
    "string": "abc",
    "strings": np.array(["a", "b", "c"]),
    "bool": np.array([True, False, True]),
    "datetime": np.array(["2020-01-01"] * 3, dtype="datetime64[D]"),
    "bytes": b"xyz",
    "dict": {"a": 1},
}


@pytest.mark.parametrize("case", ARG_CASES, ids=_ids)
@pytest.mark.parametrize("kind", list(_BAD_TYPES))
def test_non_real_dtypes_are_type_errors_naming_the_argument(case, kind, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    with pytest.raises(TypeError) as exc:
        call(mod, fn, *with_bad(mod, fn, i, _BAD_TYPES[kind], rng, element=False))
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize("case", ARG_CASES, ids=_ids)
def test_none_is_a_type_error_naming_the_argument(case, rng):
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    with pytest.raises(TypeError) as exc:
        call(mod, fn, *with_bad(mod, fn, i, None, rng, element=False))
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_integer_and_float32_arguments_are_accepted(case, rng):
    mod, fn = case
    args = valid_args(mod, fn, rng)
    r32 = call(mod, fn, *[a.astype(np.float32) for a in args])
    for out in r32 if isinstance(r32, tuple) else (r32,):
        assert out.dtype == np.float32
    if mod in ("exponential", "poisson") and fn not in ("exp", "inner", "transport"):
        ints = [np.array([1, 2, 3])] * len(args)
        r = call(mod, fn, *ints)
        for out in r if isinstance(r, tuple) else (r,):
            assert out.dtype == np.float64


# ------------------------------------------------------------------------------ shapes
@pytest.mark.parametrize("case", [c for c in ARG_CASES if len(FUNCTIONS[c[0]][0][c[1]]) > 1], ids=_ids)
def test_shape_mismatch_lists_the_argument_shapes(case, rng):
    mod, fn, i = case
    args_spec, cores = spec(mod, fn)
    name = args_spec[i][0]
    args = valid_args(mod, fn, rng)
    args[i] = valid_value(mod, args_spec[i][1], cores[i], (B + 1,), rng)
    with pytest.raises(ValueError) as exc:
        call(mod, fn, *args)
    msg = str(exc.value)
    assert names_argument(msg, name), msg
    assert str(args[i].shape) in msg, msg
    other = args_spec[(i + 1) % len(args_spec)][0]
    assert names_argument(msg, other), msg


@pytest.mark.parametrize("case", [c for c in ARG_CASES if spec(c[0], c[1])[1][c[2]] == 1], ids=_ids)
def test_scalar_where_a_last_axis_is_needed(case, rng):
    """DiagNormal and Categorical arguments need a last axis (coordinates / classes)."""
    mod, fn, i = case
    name = spec(mod, fn)[0][i][0]
    with pytest.raises(ValueError) as exc:
        call(mod, fn, *with_bad(mod, fn, i, np.float64(0.5), rng, element=False))
    msg = str(exc.value)
    assert names_argument(msg, name), msg
    assert "dimension" in msg or "axis" in msg


@pytest.mark.parametrize(
    "case", [c for c in ARG_CASES if spec(c[0], c[1])[1][c[2]] == 1 and len(FUNCTIONS[c[0]][0][c[1]]) > 1], ids=_ids
)
def test_wrong_number_of_coordinates_or_classes(case, rng):
    mod, fn, i = case
    args_spec, _ = spec(mod, fn)
    name = args_spec[i][0]
    args = valid_args(mod, fn, rng)
    a = args[i]
    args[i] = np.concatenate([a, a[..., :1]], axis=-1)  # one more coordinate / class
    if args_spec[i][1] in ("probs", "interior"):
        args[i] /= args[i].sum(-1, keepdims=True)
    elif args_spec[i][1] == "tangent":
        args[i] -= args[i].mean(-1, keepdims=True)
    with pytest.raises(ValueError) as exc:
        call(mod, fn, *args)
    assert names_argument(str(exc.value), name), str(exc.value)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_empty_arrays_give_empty_results(case, rng):
    mod, fn = case
    r = call(mod, fn, *valid_args(mod, fn, rng, batch=(0,)))
    for out in r if isinstance(r, tuple) else (r,):
        assert out.shape[0] == 0
    r2 = call(mod, fn, *valid_args(mod, fn, rng, batch=(2, 0)))
    for out in r2 if isinstance(r2, tuple) else (r2,):
        assert out.shape[:2] == (2, 0)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_empty_broadcast_against_valid(case, rng):
    mod, fn = case
    args = valid_args(mod, fn, rng, batch=(1,))
    args[0] = valid_args(mod, fn, rng, batch=(0,))[0]
    r = call(mod, fn, *args)
    for out in r if isinstance(r, tuple) else (r,):
        assert out.shape[0] == 0


# ------------------------------------------------------------------------------ out=
def _outputs(mod, fn, rng):
    r = call(mod, fn, *valid_args(mod, fn, rng))
    return r if isinstance(r, tuple) else (r,)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_out_argument(case, rng):
    mod, fn = case
    args = valid_args(mod, fn, rng)
    ref = call(mod, fn, *args)
    refs = ref if isinstance(ref, tuple) else (ref,)
    outs = tuple(np.empty_like(r) for r in refs)
    got = call(mod, fn, *args, out=outs if len(outs) > 1 else outs[0])
    for o, g, r in zip(outs, got if isinstance(got, tuple) else (got,), refs, strict=True):
        assert g is o
        np.testing.assert_array_equal(o, r)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_read_only_out_is_numpys_error(case, rng):
    mod, fn = case
    outs = tuple(np.empty_like(r) for r in _outputs(mod, fn, rng))
    for o in outs:
        o.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        call(mod, fn, *valid_args(mod, fn, rng), out=outs if len(outs) > 1 else outs[0])


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_wrong_out_shape(case, rng):
    mod, fn = case
    outs = tuple(np.empty((B + 2,) + r.shape[1:]) for r in _outputs(mod, fn, rng))
    with pytest.raises(ValueError):
        call(mod, fn, *valid_args(mod, fn, rng), out=outs if len(outs) > 1 else outs[0])


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_out_that_is_not_an_array(case, rng):
    mod, fn = case
    n = len(_outputs(mod, fn, rng))
    bad = [0.0] * B
    with pytest.raises(TypeError):
        call(mod, fn, *valid_args(mod, fn, rng), out=tuple([bad] * n) if n > 1 else bad)


def test_out_with_a_bad_value_leaves_a_clear_error(rng):
    out = np.zeros(B)
    with pytest.raises(ValueError, match="std2"):
        beds.normal.distance(np.zeros(B), 1.0, 0.0, [1.0, -1.0, 1.0], out=out)


# ------------------------------------------------------------------------------ calling
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_too_many_arguments(case, rng):
    mod, fn = case
    args = valid_args(mod, fn, rng)
    with pytest.raises(TypeError, match="takes"):
        call(mod, fn, *args, args[0])


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_missing_arguments(case, rng):
    mod, fn = case
    names = [n for n, _ in spec(mod, fn)[0]]
    args = valid_args(mod, fn, rng)
    with pytest.raises(TypeError) as exc:
        call(mod, fn, *args[:-1])
    assert names_argument(str(exc.value), names[-1])
    with pytest.raises(TypeError):
        call(mod, fn)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_unknown_and_repeated_keywords(case, rng):
    mod, fn = case
    names = [n for n, _ in spec(mod, fn)[0]]
    args = valid_args(mod, fn, rng)
    with pytest.raises(TypeError, match="bogus"):
        call(mod, fn, *args, bogus=1.0)
    with pytest.raises(TypeError, match=names[0]):
        call(mod, fn, *args, **{names[0]: args[0]})
    with pytest.raises(TypeError):
        call(mod, fn, *args, where=True)  # not a keyword of the validated functions


# ------------------------------------------------------------------------------ constructors
FAMILY_PARAMS = {
    "Normal": (("mean", "real"), ("std", "positive")),
    "DiagNormal": (("mean", "real"), ("std", "positive")),
    "Categorical": (("probs", "probs"),),
    "Exponential": (("rate", "positive"),),
    "Poisson": (("rate", "positive"),),
}
_MODULE_OF = {
    "Normal": "normal",
    "DiagNormal": "diag_normal",
    "Categorical": "categorical",
    "Exponential": "exponential",
    "Poisson": "poisson",
}
PARAM_CASES = [(f, i) for f, ps in FAMILY_PARAMS.items() for i in range(len(ps))]


def family_args(family: str, rng, batch=(B,)) -> list[np.ndarray]:
    core = 1 if family in ("DiagNormal", "Categorical") else 0
    return [valid_value(_MODULE_OF[family], dom, core, batch, rng) for _, dom in FAMILY_PARAMS[family]]


def _pid(case) -> str:
    return f"{case[0]}-{FAMILY_PARAMS[case[0]][case[1]][0]}"


def test_normal_with_negative_std():
    with pytest.raises(ValueError, match="std"):
        beds.Normal(0, -1)


@pytest.mark.parametrize("case", PARAM_CASES, ids=_pid)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "+inf", "-inf"])
def test_constructor_non_finite(case, value, rng):
    family, i = case
    name = FAMILY_PARAMS[family][i][0]
    args = family_args(family, rng)
    a = args[i].copy()
    a.reshape(-1)[1] = value
    args[i] = a
    with pytest.raises(ValueError) as exc:
        getattr(beds, family)(*args)
    assert names_argument(str(exc.value), name)


@pytest.mark.parametrize("case", [c for c in PARAM_CASES if FAMILY_PARAMS[c[0]][c[1]][1] == "positive"], ids=_pid)
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_constructor_non_positive(case, value, rng):
    family, i = case
    name = FAMILY_PARAMS[family][i][0]
    args = family_args(family, rng)
    a = args[i].copy()
    a.reshape(-1)[-1] = value
    args[i] = a
    with pytest.raises(ValueError, match="> 0") as exc:
        getattr(beds, family)(*args)
    assert names_argument(str(exc.value), name)
    with pytest.raises(ValueError, match=name):
        getattr(beds, family)(*[np.full_like(x, value) if j == i else x for j, x in enumerate(args)])


@pytest.mark.parametrize("probs", [[-0.1, 1.1], [0.4, 0.5], [0.6, 0.6], [np.nan, 1.0], [0.5, 0.5 + 1e-5]])
def test_categorical_probs_off_the_simplex(probs):
    with pytest.raises(ValueError, match="probs"):
        beds.Categorical(probs)
    with pytest.raises(ValueError, match="probs"):
        beds.Categorical([[0.5, 0.5], probs])


def test_categorical_float32_tolerance():
    beds.Categorical(np.array([0.5, 0.5 + 2e-5], np.float32))  # within 1e-4
    with pytest.raises(ValueError, match="probs"):
        beds.Categorical(np.array([0.5, 0.5 + 1e-3], np.float32))


def test_categorical_probs_or_logits():
    with pytest.raises(TypeError, match="exactly one"):
        beds.Categorical()
    with pytest.raises(TypeError, match="exactly one"):
        beds.Categorical([0.5, 0.5], logits=[0.0, 0.0])
    with pytest.raises(ValueError, match="logits"):
        beds.Categorical(logits=0.0)
    for bad in [[np.nan, 0.0], [np.inf, 0.0], [-np.inf, 0.0]]:
        with pytest.raises(ValueError, match="logits"):
            beds.Categorical(logits=bad)
    with pytest.raises(TypeError, match="logits"):
        beds.Categorical(logits=[1j, 0.0])
    with pytest.raises(TypeError, match="logits"):
        beds.Categorical(logits="ab")


@pytest.mark.parametrize("case", PARAM_CASES, ids=_pid)
@pytest.mark.parametrize("kind", ["complex", "object", "string", "strings", "bool", "datetime", "bytes"])
def test_constructor_non_real_dtypes(case, kind, rng):
    family, i = case
    name = FAMILY_PARAMS[family][i][0]
    args = family_args(family, rng)
    args[i] = _BAD_TYPES[kind]
    with pytest.raises(TypeError) as exc:
        getattr(beds, family)(*args)
    assert names_argument(str(exc.value), name)


@pytest.mark.parametrize("case", PARAM_CASES, ids=_pid)
def test_constructor_none(case, rng):
    family, i = case
    if family == "Categorical":
        pytest.skip("Categorical(None) means 'give logits' (tested above)")
    name = FAMILY_PARAMS[family][i][0]
    args = family_args(family, rng)
    args[i] = None
    with pytest.raises(TypeError, match=name):
        getattr(beds, family)(*args)


@pytest.mark.parametrize("family", ["Normal", "DiagNormal"])
def test_constructor_shape_mismatch(family, rng):
    args = family_args(family, rng)
    args[1] = family_args(family, rng, batch=(B + 1,))[1]
    with pytest.raises(ValueError) as exc:
        getattr(beds, family)(*args)
    msg = str(exc.value)
    assert "mean" in msg and "std" in msg and str(args[1].shape) in msg


@pytest.mark.parametrize("family", ["DiagNormal", "Categorical"])
def test_constructor_scalars_where_a_last_axis_is_needed(family):
    args = [0.5] * len(FAMILY_PARAMS[family])
    with pytest.raises(ValueError, match="last axis"):
        getattr(beds, family)(*args)


@pytest.mark.parametrize("family", list(FAMILY_PARAMS))
def test_constructor_signature_errors(family, rng):
    cls = getattr(beds, family)
    args = family_args(family, rng)
    with pytest.raises(TypeError):
        cls(*args, *args)
    with pytest.raises(TypeError):
        cls(*args, bogus=1.0)
    if family != "Categorical":
        with pytest.raises(TypeError):
            cls(*args[:-1])


@pytest.mark.parametrize("family", list(FAMILY_PARAMS))
def test_constructor_empty_is_fine(family, rng):
    p = getattr(beds, family)(*family_args(family, rng, batch=(0,)))
    assert p.batch_shape == (0,)


# ------------------------------------------------------------------------------ tangents
def test_tangent_wrong_component_names(rng):
    p = beds.Normal(np.zeros(B), 1.0)
    with pytest.raises(TypeError, match="sd"):
        p.tangent(mean=0.0, sd=1.0)
    with pytest.raises(TypeError, match="std"):
        p.tangent(mean=0.0)
    with pytest.raises(TypeError, match="twice"):
        p.tangent(0.0, mean=1.0)
    with pytest.raises(TypeError):
        p.tangent(0.0, 1.0, 2.0)
    with pytest.raises(TypeError, match="probs"):
        beds.Categorical([0.5, 0.5]).tangent(rate=[0.1, -0.1])


def test_tangent_wrong_shapes(rng):
    p = beds.Normal(np.zeros(B), 1.0)
    with pytest.raises(ValueError) as exc:
        p.tangent(np.zeros(B + 1), 0.0)
    assert "mean" in str(exc.value) and str((B,)) in str(exc.value)
    d = beds.DiagNormal(np.zeros((B, D)), 1.0)
    with pytest.raises(ValueError):
        d.tangent(np.zeros(D + 1), 0.0)
    c = beds.Categorical(np.full((B, K), 1 / K))
    with pytest.raises(ValueError):
        c.tangent(np.zeros(K + 1))
    with pytest.raises(ValueError):
        c.tangent(np.zeros((B + 1, K)))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_tangent_non_finite(value):
    p = beds.Normal(np.zeros(B), 1.0)
    with pytest.raises(ValueError, match="std"):
        p.tangent(0.0, [0.0, value, 0.0])


@pytest.mark.parametrize("kind", ["complex", "object", "strings"])
def test_tangent_non_real(kind):
    p = beds.Normal(np.zeros(B), 1.0)
    with pytest.raises(TypeError, match="mean"):
        p.tangent(_BAD_TYPES[kind], 0.0)


def test_tangent_base_must_be_a_belief():
    with pytest.raises(TypeError, match="base"):
        beds.Tangent(np.zeros(3), 0.0, 0.0)


def test_categorical_tangent_must_sum_to_zero():
    c = beds.Categorical([[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match="sum to 0"):
        c.tangent([0.1, 0.1])
    with pytest.raises(ValueError, match="sum to 0"):
        c.tangent([[0.1, -0.1], [0.1, 0.0]])
    c.tangent([[0.1, -0.1], [-0.3, 0.3]])


def test_categorical_tangent_arithmetic_keeps_the_constraint():
    c = beds.Categorical([0.5, 0.5])
    v = c.tangent([0.1, -0.1])
    with pytest.raises(TypeError):
        v + np.array([0.1, 0.1])


def test_categorical_exp_leaving_the_simplex_via_objects():
    c = beds.Categorical([0.5, 0.5])
    with pytest.raises(ValueError, match="simplex"):
        beds.exp(c.tangent([0.95, -0.95]))
    with pytest.raises(ValueError, match="simplex"):
        beds.geodesic(c, beds.Categorical([0.1, 0.9]), 5.0)


def test_operations_needing_the_interior_of_the_simplex():
    edge = beds.Categorical([1.0, 0.0])
    inside = beds.Categorical([0.5, 0.5])
    for f in [
        lambda: beds.log(edge, inside),
        lambda: beds.metric(edge),
        lambda: edge.tangent([0.1, -0.1]).base.exp(edge.tangent([0.1, -0.1])),
    ]:
        with pytest.raises(ValueError, match="> 0"):
            f()


def test_geodesic_bad_t():
    p, q = beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0)
    for bad in [np.nan, np.inf]:
        with pytest.raises(ValueError, match=r"\bt\b"):
            beds.geodesic(p, q, bad)
    for bad in ["a", 1j, None, True, np.array([True])]:
        with pytest.raises(TypeError, match=r"\bt\b"):
            beds.geodesic(p, q, bad)
    with pytest.raises(ValueError):
        beds.geodesic(beds.Normal(np.zeros(3), 1.0), beds.Normal(np.ones(3), 1.0), np.zeros(4))


# ------------------------------------------------------------------------------ karcher means
FAMILIES = list(FAMILY_PARAMS)


def _batch(family, rng, shape=(4,)):
    return getattr(beds, family)(*family_args(family, rng, batch=shape))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    "weights", [[1.0, -1.0, 1.0, 1.0], [np.nan, 1.0, 1.0, 1.0], [np.inf, 1.0, 1.0, 1.0]], ids=["negative", "nan", "inf"]
)
def test_karcher_mean_bad_weights(family, weights, rng):
    with pytest.raises(ValueError, match="weights"):
        beds.karcher_mean(_batch(family, rng), weights=weights)


@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_zero_sum_weights(family, rng):
    with pytest.raises(ValueError, match="weights"):
        beds.karcher_mean(_batch(family, rng), weights=np.zeros(4))
    # the sum is checked per reduced group
    with pytest.raises(ValueError, match="weights"):
        beds.karcher_mean(_batch(family, rng, (2, 2)), weights=[[1.0, 1.0], [0.0, 0.0]], axis=1)


@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_weights_of_wrong_shape_or_type(family, rng):
    p = _batch(family, rng)
    with pytest.raises(ValueError, match="weights"):
        beds.karcher_mean(p, weights=[1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="weights"):
        beds.karcher_mean(p, weights=np.array([1j] * 4))
    with pytest.raises(TypeError, match="weights"):
        beds.karcher_mean(p, weights="abcd")


@pytest.mark.parametrize("family", FAMILIES)
def test_karcher_mean_empty_or_single(family, rng):
    with pytest.raises(ValueError, match="empty"):
        beds.karcher_mean(_batch(family, rng, (0,)))
    with pytest.raises(ValueError, match="empty"):
        beds.karcher_mean(_batch(family, rng, (2, 0)), axis=1)
    assert beds.karcher_mean(_batch(family, rng, (0, 2)), axis=1).batch_shape == (0,)
    with pytest.raises(ValueError, match="batch"):
        beds.karcher_mean(_batch(family, rng, ()))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("axis", [2, -3, 0.5, "0", (0, 0), (0, -2), (0, 5), [0]], ids=repr)
def test_karcher_mean_bad_axis(family, axis, rng):
    with pytest.raises((ValueError, TypeError), match="axis"):
        beds.karcher_mean(_batch(family, rng, (2, 3)), axis=axis)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("tol", [0.0, -1.0, np.nan, np.inf], ids=repr)
def test_karcher_mean_bad_tol(family, tol, rng):
    with pytest.raises(ValueError, match="tol"):
        beds.karcher_mean(_batch(family, rng), tol=tol)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("max_iter", [0, -5, 2.5], ids=repr)
def test_karcher_mean_bad_max_iter(family, max_iter, rng):
    with pytest.raises(ValueError, match="max_iter"):
        beds.karcher_mean(_batch(family, rng), max_iter=max_iter)


def test_array_level_karcher_mean_bad_input(rng):
    m, s = rng.normal(size=4), rng.uniform(0.5, 2, 4)
    with pytest.raises(ValueError, match="std"):
        beds.normal.karcher_mean(m, -s)
    with pytest.raises(ValueError, match="mean"):
        beds.normal.karcher_mean(np.r_[m[:3], np.nan], s)
    with pytest.raises(ValueError, match="weights"):
        beds.normal.karcher_mean(m, s, -np.ones(4))
    with pytest.raises(ValueError, match="weights"):
        beds.normal.karcher_mean(m, s, np.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        beds.normal.karcher_mean(np.zeros(0), np.ones(0))
    with pytest.raises(ValueError, match="dimension"):
        beds.normal.karcher_mean(0.0, 1.0)
    with pytest.raises(ValueError, match="tol"):
        beds.normal.karcher_mean(m, s, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        beds.normal.karcher_mean(m, s, max_iter=0)
    with pytest.raises(TypeError, match="mean"):
        beds.normal.karcher_mean(m.astype(complex), s)
    with pytest.raises(TypeError, match="weights"):
        beds.normal.karcher_mean(m, s, np.array(["a"] * 4))
    p = rng.dirichlet(np.ones(K), size=3)
    with pytest.raises(ValueError, match="shape"):
        beds.categorical.karcher_mean(p[0])
    with pytest.raises(ValueError, match=r"\bp\b"):
        beds.categorical.karcher_mean(p * 1.1)
    with pytest.raises(ValueError, match="weights"):
        beds.categorical.karcher_mean(p, [-1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="empty"):
        beds.categorical.karcher_mean(np.zeros((0, K)))
    for mod in (beds.exponential, beds.poisson):
        with pytest.raises(ValueError, match="rate"):
            mod.karcher_mean([1.0, -1.0])
        with pytest.raises(ValueError, match="weights"):
            mod.karcher_mean([1.0, 2.0], [0.0, 0.0])
        with pytest.raises(ValueError, match="empty"):
            mod.karcher_mean(np.zeros(0))
        with pytest.raises(ValueError, match="dimension"):
            mod.karcher_mean(1.0)
