"""The cheap paths of small calls keep every behaviour of the checked ones: the caller's np.errstate,
the messages that name the argument (and the index in the broadcast batch), dtypes, read-only
parameters; the compiled domain check agrees with numpy's formulation on any layout; building a
belief broadcast to 1e10 elements takes bounded memory and time.  (No timings are asserted: the
small-call table is printed by ``python -m beds bench --only-small-calls``.)"""

from __future__ import annotations

import threading
import time
import tracemalloc

import beds
import numpy as np
import pytest
from beds import _core, _validation
from hypothesis import given, settings
from hypothesis import strategies as st

HUGE = 10**10  # beliefs in a broadcast view (80 GB if it were materialized)


# ------------------------------------------------------------------------ np.errstate
def test_the_callers_error_state_is_kept_and_restored():
    m, s = np.zeros(3), np.ones(3)
    with np.errstate(divide="raise", over="ignore", under="warn", invalid="ignore"):
        before = np.geterr()
        beds.normal.distance(m, s, m, s)
        beds.Normal(m, s).distance(beds.Normal(m, s))
        assert np.geterr() == before
        with pytest.raises(FloatingPointError):
            np.divide(1.0, np.zeros(1))  # the caller's divide="raise" still applies
    assert np.geterr() == {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


@pytest.mark.parametrize("state", ["ignore", "warn", "raise", "call"])
def test_bad_input_raises_the_same_valueerror_whatever_the_error_state(state):
    """invalid="raise" is entered for the kernel only: the error is the ValueError naming the
    argument under any setting of the caller (the cached state is rebuilt when the caller's changes)."""
    kw = {"call": lambda *a: None} if state == "call" else {}
    with np.errstate(invalid=state if state != "call" else "call", **kw):
        for _ in range(2):  # the second call uses the cached state
            with pytest.raises(ValueError, match=r"std2 must be > 0; found -1.0 at index \(1,\)"):
                beds.normal.distance(np.zeros(2), 1.0, 0.0, np.array([1.0, -1.0]))
            with pytest.raises(ValueError, match=r"std2 must be > 0"):
                beds.Normal(0.0, 1.0).distance(beds.Normal._trusted(np.zeros(2), np.array([1.0, -1.0])))


def test_error_state_in_threads():
    """Each thread has its own numpy error state: a beds call in one does not leak into another."""
    errors = []

    def work(state):
        try:
            with np.errstate(invalid=state):
                for _ in range(200):
                    beds.normal.distance(np.zeros(4), 1.0, 0.0, 2.0)
                    assert np.geterr()["invalid"] == state
                    with pytest.raises(ValueError, match="std1"):
                        beds.normal.distance(0.0, -1.0, 0.0, 1.0)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in ("ignore", "warn", "raise", "print")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


# --------------------------------------------------------------- array API: behaviour kept
def test_array_api_conversions_and_messages():
    # Python scalars and lists are converted as before (0-d arrays: float64 results)
    f32 = np.ones(3, dtype=np.float32)
    assert beds.normal.distance(f32, f32, 0.0, 1.0).dtype == np.float64
    assert beds.normal.distance(f32, f32, f32, f32).dtype == np.float32
    assert beds.normal.distance([0, 1], [1, 2], 0, 1).dtype == np.float64
    with pytest.raises(TypeError, match="std1 must be an array of real numbers, got dtype bool"):
        beds.normal.distance(0.0, np.array([True]), 0.0, 1.0)
    with pytest.raises(TypeError, match="mean2 is required, got None"):
        beds.normal.distance(0.0, 1.0, None, 1.0)
    with pytest.raises(TypeError, match="mean1 must be an array of real numbers, got dtype complex128"):
        beds.normal.distance(1j, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"shapes do not broadcast: mean1 \(3,\), std1 \(\), mean2 \(2,\)"):
        beds.normal.distance(np.zeros(3), 1.0, np.zeros(2), 1.0)
    with pytest.raises(TypeError, match="takes 4 arguments"):
        beds.normal.distance(0.0, 1.0, 0.0, 1.0, 5.0)
    out = np.empty(3)
    assert beds.normal.distance(np.zeros(3), 1.0, 1.0, 1.0, out=out) is out
    # keyword arguments take the slow path, same result
    assert beds.normal.distance(mean1=0.0, std1=1.0, mean2=1.0, std2=2.0) == beds.normal.distance(0.0, 1.0, 1.0, 2.0)


def test_object_api_messages():
    p, q = beds.Normal(np.zeros(3), 1.0), beds.Normal(np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r"shapes do not broadcast: mean1 \(3,\), std1 \(3,\), mean2 \(2,\)"):
        p.distance(q)
    with pytest.raises(TypeError, match="other must be a Normal belief, got VonMises"):
        p.kl(beds.VonMises(0.0, 1.0))
    with pytest.raises(TypeError, match="q must be a belief"):
        beds.distance(p, 1.0)
    with pytest.raises(TypeError, match="p must be a belief"):
        beds.jeffreys("p", p)


# ----------------------------------------------------------------- constructors
_N3 = beds.Normal(np.zeros(3), np.ones(3))
CONSTRUCTOR_ERRORS = {
    "broadcast std": (
        lambda: beds.Normal(np.zeros((2, 3)), np.array([1.0, -1.0, 1.0])),
        r"std must be > 0; found -1.0 at index \(0, 1\)",
    ),
    "inf mean": (lambda: beds.Normal(np.array([0.0, np.inf]), 1.0), r"mean must be finite; found inf at index \(1,\)"),
    "nan first": (
        lambda: beds.Normal(np.array([0.0, 1.0]), np.array([np.nan, -1.0])),
        r"std must be finite; found nan at index \(0,\)",
    ),
    "nan after a negative": (
        lambda: beds.Normal(np.zeros(2), np.array([-1.0, np.nan])),
        r"std must be finite; found nan at index \(1,\)",
    ),
    "kappa": (
        lambda: beds.VonMises(0.0, np.array([[1.0], [-2.0]])),
        r"kappa must be >= 0; found -2.0 at index \(1, 0\)",
    ),
    "row sum": (
        lambda: beds.Categorical([[0.5, 0.5], [0.5, 0.6]]),
        r"probs must sum to 1 .* found sum 1.1 at batch index \(1,\)",
    ),
    "negative prob": (
        lambda: beds.Categorical([[0.5, 0.5], [1.5, -0.5]]),
        r"probs must be >= 0; found -0.5 at index \(1, 1\)",
    ),
    "diag broadcast": (
        lambda: beds.DiagNormal(np.zeros((3, 2)), np.array([1.0, 0.0])),
        r"std must be > 0; found 0.0 at index \(0, 1\)",
    ),
    "float32 rate": (
        lambda: beds.Exponential(np.float32([1.0, -2.0])),
        r"rate must be > 0; found -2.0 at index \(1,\)",
    ),
    "tangent": (
        lambda: _N3.tangent(0.0, np.array([0.0, np.nan, 0.0])),
        r"std must be finite; found nan at index \(1,\)",
    ),
}


@pytest.mark.parametrize(("make", "message"), list(CONSTRUCTOR_ERRORS.values()), ids=list(CONSTRUCTOR_ERRORS))
def test_constructor_messages_name_the_parameter_and_the_batch_index(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_constructor_fast_path_keeps_the_properties():
    m, s = np.zeros(4), np.ones(4)
    p = beds.Normal(m, s)
    assert p.mean.base is m and not p.mean.flags.writeable and m.flags.writeable
    with pytest.raises(ValueError):
        p.std[0] = 2.0
    assert beds.Normal(m.astype(np.float32), 1.0).dtype == np.float32  # weak Python scalar
    assert beds.Normal(np.zeros(4, dtype=">f8"), 1.0).dtype == np.float64  # byte-swapped input
    assert beds.Normal(np.zeros(0), -1.0).batch_shape == (0,)  # nothing to check in an empty batch
    with pytest.raises(ValueError, match="need a last axis"):
        beds.DiagNormal(np.float64(0.0), np.float64(1.0))
    with pytest.raises(ValueError, match="at least one class"):
        beds.Categorical(np.zeros((3, 0)))


# ------------------------------------------------- the compiled check against numpy's
DOMAINS = list(_validation.DOMAIN_CODES)


def _reference_message(name, a, domain):
    try:
        _validation._check_domain_numpy(name, a, domain, None)
    except ValueError as e:
        return str(e)
    return None


@settings(max_examples=300, deadline=None)
@given(
    domain=st.sampled_from(DOMAINS),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    dtype=st.sampled_from([np.float64, np.float32]),
    bad=st.lists(
        st.tuples(st.integers(0, 10**6), st.sampled_from([np.nan, np.inf, -np.inf, -1.0, 0.0, 2.0, 0.3])),
        max_size=3,
    ),
    layout=st.sampled_from(["c", "f", "reversed", "broadcast", "sliced"]),
    seed=st.integers(0, 2**16),
)
def test_compiled_check_agrees_with_numpy(domain, shape, dtype, bad, layout, seed):
    """Same verdict and same message (first non-finite, then out of range, then row sum) as the
    numpy formulation of check_domain, for C, Fortran, reversed, broadcast and sliced layouts."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    if domain in ("probs", "probs_interior"):
        a = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    elif domain == "tangent_probs":
        a = rng.standard_normal(shape)
        a -= a.mean(axis=-1, keepdims=True)
    else:
        a = rng.uniform(0.1, 0.9, shape)
    a = a.astype(dtype)
    flat = a.reshape(-1)
    for pos, value in bad:
        flat[pos % flat.size] = value
    if layout == "f":
        a = np.asfortranarray(a)
    elif layout == "reversed":
        a = a[::-1]
    elif layout == "broadcast":
        a = np.broadcast_to(a[:1], (3,) + a.shape[1:]) if a.ndim > 1 else np.broadcast_to(a, (2,) + a.shape)
    elif layout == "sliced":
        a = np.repeat(a, 2, axis=0)[::2]
    got = None
    try:
        _validation.check_domain("x", a, domain)
    except ValueError as e:
        got = str(e)
    assert got == _reference_message("x", a, domain)


def test_compiled_check_declines_what_it_does_not_check():
    assert _core._first_invalid(np.arange(3), 1) is NotImplemented  # integers
    assert _core._first_invalid([1.0], 1) is NotImplemented  # not an array
    assert _core._first_invalid(np.ones(3, dtype=">f8"), 1) is NotImplemented  # byte order
    unaligned = np.frombuffer(np.zeros(25, dtype=np.uint8).tobytes(), dtype=np.float64, count=3, offset=1)
    assert not unaligned.flags.aligned
    assert _core._first_invalid(unaligned, 1) is NotImplemented
    with pytest.raises(ValueError, match=r"x must be > 0; found 0.0 at index \(0,\)"):
        _validation.check_domain("x", unaligned, "positive")
    assert _core._first_invalid(np.float64(1.0), 4) is NotImplemented  # probs without a class axis
    with pytest.raises(ValueError, match="unknown domain"):
        _core._first_invalid(np.ones(3), 99)
    # integers still get their message, through numpy
    with pytest.raises(ValueError, match=r"x must be > 0; found 0 at index \(2,\)"):
        _validation.check_domain("x", np.array([1, 2, 0]), "positive")


def test_compiled_check_leaves_no_floating_point_flag():
    """A NaN compared in the check must not leave FE_INVALID for the next ufunc to report."""
    with np.errstate(invalid="raise"):
        assert _core._first_invalid(np.array([1.0, np.nan]), 1) == (0, (1,))
        np.add(np.ones(2), 1.0)


# ------------------------------------------------------------- bounded memory (issue 14)
def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "make",
    [
        lambda: beds.Normal(np.zeros(1), np.broadcast_to(1.0, (HUGE,))),
        lambda: beds.Normal(np.zeros((10**5, 1)), np.ones(10**5)),  # an outer product of 1e10 beliefs
        lambda: beds.VonMises(np.broadcast_to(0.5, (HUGE,)), 2.0),
        lambda: beds.DiagNormal(np.zeros((10**5, 1, 3)), np.ones((10**5, 3))),
        lambda: beds.Categorical(np.broadcast_to([0.25, 0.75], (HUGE, 2))),
        lambda: beds.MVNormal(np.broadcast_to(np.zeros(2), (10**9, 2)), np.eye(2)),
        lambda: beds.Normal(np.zeros(1), np.broadcast_to(1.0, (HUGE,))).tangent(0.0, np.ones(1)),
    ],
)
def test_building_a_huge_broadcast_batch_takes_bounded_memory_and_time(make):
    """1e10 beliefs (or 1e9 MVNormals) in broadcast views: the checks read each distinct element once."""
    t0 = time.perf_counter()
    peak = _peak_bytes(make)
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert time.perf_counter() - t0 < 30  # seconds, on a loaded machine; it would be minutes per pass if expanded


def test_a_bad_value_in_a_huge_broadcast_batch_is_found_at_once():
    std = np.ones(10**5)
    std[77] = -3.0
    with pytest.raises(ValueError, match=r"std must be > 0; found -3.0 at index \(0, 77\)"):
        beds.Normal(np.zeros((10**5, 1)), std)  # (1e5, 1e5): the index in the broadcast batch
    with pytest.raises(ValueError, match=r"probs must sum to 1 .* at batch index \(0,\)"):
        beds.Categorical(np.broadcast_to([0.25, 0.8], (HUGE, 2)))


# ---------------------------------------------------------- the small-call benchmark section
def test_small_call_section_prints_every_row():
    """``python -m beds bench --only-small-calls``: for the Normal distance and kl (and the other
    families' distances) a row per call at every N, the same numbers computed by every row (checked
    by the section before it times anything), a summary line per family.  Timings are not asserted."""
    from beds import _bench_small_calls

    lines: list[str] = []
    sizes = (1, 3)
    rows = _bench_small_calls.run(budget=0.0, print_fn=lines.append, sizes=sizes)
    calls = {(r["family"], r["call"]) for r in rows}
    for family, op in [("Normal", "distance"), ("Normal kl", "kl"), ("Exponential", "distance")]:
        module = "normal" if family.startswith("Normal") else "exponential"
        cls = "Normal" if module == "normal" else "Exponential"
        for call in (f"build {cls}(...)", f"p.{op}(q)", f"beds.{op}(p, q)", f"beds.{module}.{op}", "raw ufunc"):
            assert (family, call) in calls
        assert (family, "numpy formula") in calls
    assert len(rows) == len(calls) * len(sizes)
    assert all(np.isfinite(r["us"]) and r["us"] >= 0 for r in rows)
    assert sum("largest gap to the raw ufunc" in line for line in lines) == 5
