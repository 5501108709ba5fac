"""Dense streams of System.integrate (every belief observed at each time, no ``index``).

The dense path must give the results of the event path on the expanded stream (at each time, every
belief in flat C order) bit for bit, on every configuration: each kind, both dissipation models,
references, rates per belief, broadcast values and precisions, record times anywhere, repeated
times, crystallized beliefs, threads and SIMD builds.  Independent checks: a numpy loop over the
steps and the closed-form information dissipated.  The compiled loop releases the GIL and stops on
Ctrl-C (KeyboardInterrupt), or resumes when the SIGINT handler does not raise.
"""

from __future__ import annotations

import sys

import beds
import numpy as np
import pytest
from _child import run as run_child
from beds import _core

FIELDS = ("mean", "precision", "entropy", "info_gained", "info_dissipated", "observations")


def expand(times, values, precisions, batch_shape, event_shape=(), matrices=False):
    """The event stream of a dense stream (the definition of its semantics)."""
    times = np.asarray(times, dtype=float)
    steps, n = times.shape[0], int(np.prod(batch_shape, dtype=np.int64))
    full = (steps,) + tuple(batch_shape) + tuple(event_shape)
    v = np.broadcast_to(np.asarray(values, dtype=float), full).reshape((steps * n,) + tuple(event_shape))
    p = np.asarray(precisions, dtype=float)
    tail = tuple(event_shape) + ((event_shape[0],) if matrices else ())
    p = np.broadcast_to(p, full + tail[len(event_shape) :]).reshape((steps * n,) + tail)
    return np.repeat(times, n), np.tile(np.arange(n, dtype=np.int64), steps), v, p


def assert_same(a, b):
    """Bit-identical final systems and trajectories."""
    (fa, ta), (fb, tb) = a, b
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(ta, name), getattr(tb, name), err_msg=name)
    np.testing.assert_array_equal(ta.times, tb.times)
    for name, x in fa.params().items():
        np.testing.assert_array_equal(x, fb.params()[name], err_msg=name)
    assert fa.t == fb.t
    np.testing.assert_array_equal(fa.frozen, fb.frozen)


def both(s, times, values, precisions, **kw):
    """(dense result, event result) of the same stream."""
    k = s._k
    ev = expand(times, values, precisions, s.batch_shape, k.event_shape(s._state), kw.pop("matrices", False))
    return s.integrate(times, values=values, precisions=precisions, **kw), s.integrate(*ev, **kw)


def irregular_times(rng, steps, t0=0.0):
    t = t0 + np.cumsum(rng.uniform(0.0, 0.2, steps))
    if steps > 6:
        t[3] = t[2]  # two steps at the same time
        t[6] = t[5]
    return t


def record_times(t, t0=0.0):
    """Before the first step, at step times (after their observations), between steps, after the end."""
    if t.size == 0:
        return np.array([t0, t0 + 1.0])
    mid = t[t.size // 2]
    return np.array([t0, t0, t[0], 0.5 * (t[0] + t[min(1, t.size - 1)]), t[3 % t.size], mid, mid, t[-1], t[-1] + 0.5])


MODELS = {
    "flat": lambda rng, shape: {"gamma": 0.7},
    "flat, gamma per belief": lambda rng, shape: {"gamma": rng.uniform(0.1, 1.5, shape)},
    "reference": lambda rng, shape: {"gamma": 0.7, "reference": (rng.normal(size=shape), rng.uniform(0.1, 2.0, shape))},
    "reference, gamma per belief": lambda rng, shape: {
        "gamma": rng.uniform(0.1, 1.5, shape),
        "reference": (1.5, 0.4),
    },
    "additive": lambda rng, shape: {"q": 0.3},
    "additive, q per belief": lambda rng, shape: {"q": rng.uniform(0.05, 0.9, shape)},
}


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("prec_shape", ["scalar", "per step", "per belief", "full"])
def test_normal_dense_equals_events(rng, model, prec_shape):
    n, steps = 37, 23
    t = irregular_times(rng, steps, t0=0.25)
    s = beds.System.normal(rng.normal(size=n), precision=rng.uniform(0.2, 3.0, n), t=0.25, **MODELS[model](rng, n))
    values = rng.normal(1.0, 2.0, (steps, n))
    precisions = {
        "scalar": 2.5,
        "per step": rng.uniform(0.0, 3.0, (steps, 1)),
        "per belief": rng.uniform(0.0, 3.0, n),
        "full": rng.uniform(0.0, 3.0, (steps, n)),
    }[prec_shape]
    for kw in ({}, {"record": record_times(t, 0.25)}, {"record": record_times(t, 0.25), "t_end": t[-1] + 3.0}):
        dense, events = both(s, t, values, precisions, **kw)
        assert_same(dense, events)
    assert dense[1].mean.shape == (9, n)
    np.testing.assert_array_equal(dense[1].observations[-1], steps)


@pytest.mark.parametrize("model", ["flat", "reference", "additive, q per belief"])
def test_diag_normal_dense_equals_events(rng, model):
    b, d, steps = (4, 3), 3, 15
    t = irregular_times(rng, steps)
    full = b + (d,)
    s = beds.System.diag_normal(rng.normal(size=full), var=rng.uniform(0.2, 2.0, full), **MODELS[model](rng, full))
    values = rng.normal(size=(steps,) + full)
    per_step = rng.uniform(0.1, 2.0, (steps, 1, 1, d))
    for precisions in (1.5, rng.uniform(0.1, 2.0, d), per_step, rng.uniform(0.1, 2, full)):
        dense, events = both(s, t, values, precisions, record=record_times(t))
        assert_same(dense, events)
    assert dense[1].mean.shape == (9,) + b + (d,) and dense[1].info_gained.shape == (9,) + b


@pytest.mark.parametrize("model", ["flat", "reference", "additive"])
def test_mvnormal_dense_equals_events(rng, model):
    n, d, steps = 5, 2, 9
    t = irregular_times(rng, steps)
    a = rng.normal(size=(n, d, d))
    cov = a @ np.swapaxes(a, -1, -2) + np.eye(d)
    kw = {
        "flat": {"gamma": 0.6},
        "reference": {"gamma": 0.6, "reference": (np.ones(d), np.eye(d))},
        "additive": {"q": 0.3},
    }
    s = beds.System.mvnormal(rng.normal(size=(n, d)), cov, **kw[model])
    values = rng.normal(size=(steps, n, d))
    r = rng.normal(size=(steps, n, d, d))
    mats = r @ np.swapaxes(r, -1, -2) + 0.1 * np.eye(d)
    for precisions, matrices in ((2.0, False), (np.array([1.0, 3.0]), False), (mats, True), (np.eye(d), True)):
        dense, events = both(s, t, values, precisions, matrices=matrices, record=record_times(t))
        assert_same(dense, events)


def test_von_mises_dense_equals_events(rng):
    n, steps = 6, 12
    t = irregular_times(rng, steps)
    for kw in ({"gamma": 0.5}, {"gamma": rng.uniform(0.1, 1.0, n), "reference": (0.3, 2.0)}):
        s = beds.System.von_mises(rng.uniform(-np.pi, np.pi, n), rng.uniform(0.5, 5.0, n), **kw)
        angles = rng.vonmises(1.0, 2.0, (steps, n))
        for kappa in (3.0, rng.uniform(0.0, 4.0, (steps, n))):
            dense, events = both(s, t, angles, kappa, record=record_times(t))
            assert_same(dense, events)


def test_crystallized_beliefs_ignore_their_observations(rng):
    # frozen beliefs keep their state, take no observation and are split from the live ones
    n, steps = 40, 11
    var = rng.uniform(1e-4, 1.0, n)
    t = irregular_times(rng, steps, t0=1.0)
    for kw in MODELS.values():
        s = beds.System.normal(rng.normal(size=n), var=var, eps=0.05, t=1.0, **kw(rng, n)).crystallize()
        assert 0 < s.frozen.sum() < n
        values = rng.normal(size=(steps, n))
        for precisions in (2.0, rng.uniform(0.1, 2.0, (steps, n))):
            dense, events = both(s, t, values, precisions, record=record_times(t, 1.0))
            assert_same(dense, events)
        tr = dense[1]
        np.testing.assert_array_equal(tr.observations[-1], np.where(s.frozen, 0, steps))
        np.testing.assert_array_equal(dense[0].output, s.output)
    # a mean-field system with every belief frozen
    s = beds.System.diag_normal(np.zeros((3, 2)), var=1e-4, gamma=0.5, eps=1.0).crystallize()
    assert s.frozen.all()
    dense, events = both(s, [0.5, 1.0], np.ones((2, 3, 2)), 1.0, record=[0.75, 1.0])
    assert_same(dense, events)
    np.testing.assert_array_equal(dense[0].mean, 0.0)


def test_broadcast_values_and_layouts(rng):
    n, steps = 50, 8
    t = np.arange(1, steps + 1) * 0.25
    s = beds.System.normal(rng.normal(size=n), var=1.0, gamma=0.4, reference=(0.0, 0.5))
    big = rng.normal(size=(2 * steps, 3 * n))
    cases = [
        2.0,  # one value for every belief and step
        rng.normal(size=n),  # one per belief, every step
        rng.normal(size=(steps, 1)),  # one per step
        np.asfortranarray(rng.normal(size=(steps, n))),  # Fortran order: copied
        big[::2, ::3],  # strided rows and beliefs
        big[steps - 1 :: -1, :n],  # reversed steps (negative stride)
        rng.normal(size=(steps, n)).astype(np.float32),  # float32: converted
        rng.integers(-3, 3, (steps, n)),  # integers: converted
    ]
    for values in cases:
        for precisions in (1.5, rng.uniform(0.5, 2.0, (steps, n))[:, ::-1]):
            dense, events = both(s, t, values, precisions, record=[0.3, 1.0, 5.0])
            assert_same(dense, events)
    # the inputs are never written to
    before = big.copy()
    s.integrate(t, values=big[::2, ::3], precisions=1.0)
    np.testing.assert_array_equal(big, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64, np.uint8])
def test_dtypes_are_read_as_float64(rng, dtype):
    # a System computes in float64 whatever its inputs: times, values and precisions of any real
    # dtype give exactly the results of their float64 values (and of the event form)
    n, steps = 20, 9
    s = beds.System.normal(rng.normal(size=n), var=1.0, gamma=0.3, reference=(0.5, 1.0))
    t = np.arange(1, steps + 1).astype(dtype)
    values = (4 * rng.normal(size=(steps, n))).astype(dtype)
    precisions = (1 + 3 * rng.random((steps, n))).astype(dtype)
    rec = [2.5, 9.0]
    got = s.integrate(t, values=values, precisions=precisions, record=rec)
    as64 = s.integrate(t.astype(float), values=values.astype(float), precisions=precisions.astype(float), record=rec)
    assert_same(got, as64)
    assert_same(got, both(s, t, values, precisions, record=rec)[1])
    for name in FIELDS:
        assert getattr(got[1], name).dtype == np.float64, name
    assert got[0].mean.dtype == got[0].precision.dtype == np.float64


@pytest.mark.parametrize("name", ["times", "values", "precisions"])
@pytest.mark.parametrize("bad", [np.bool_, np.complex128, object, np.str_])
def test_non_real_dtypes_raise_type_error_naming_the_argument(sys3, name, bad):
    args = {"times": np.array([0.5, 1.0]), "values": np.ones((2, 3)), "precisions": np.ones((2, 3))}
    args[name] = args[name].astype(bad)
    times = args.pop("times")
    with pytest.raises(TypeError, match=f"{name} must be an array of real numbers"):
        sys3.integrate(times, **args)


def test_batch_shapes_and_empty_streams(rng):
    s = beds.System.normal(rng.normal(size=(2, 3)), var=1.0, gamma=0.5)
    t = [0.5, 1.0, 1.0, 2.0]
    dense, events = both(s, t, rng.normal(size=(4, 2, 3)), rng.uniform(0.5, 1.0, (4, 1, 3)), record=[0.0, 1.0, 3.0])
    assert_same(dense, events)
    assert dense[1].mean.shape == (3, 2, 3)
    # no step: pure dissipation to the record times / t_end
    for kw in ({"record": [3.0]}, {"t_end": 2.5}, {}):
        dense, events = both(s, np.zeros(0), np.zeros((0, 2, 3)), 1.0, **kw)
        assert_same(dense, events)
    fin, tr = s.integrate([], values=np.zeros((0, 2, 3)), precisions=1.0, record=[3.0])
    np.testing.assert_allclose(tr.precision[0], np.exp(-1.5), rtol=1e-14)
    # a batch of no belief
    e = beds.System.normal(np.zeros(0), var=1.0, gamma=0.5)
    fin, tr = e.integrate([1.0, 2.0], values=np.zeros((2, 0)), precisions=1.0)
    assert tr.mean.shape == (1, 0) and fin.t == 2.0
    # a single belief (batch shape ()): values of shape (steps,)
    one = beds.System.normal(0.0, var=1.0, gamma=0.5)
    dense, events = both(one, [0.5, 1.0], [1.0, 2.0], 2.0, record=[1.0])
    assert_same(dense, events)
    assert dense[1].mean.shape == (1,)


def test_dense_matches_a_numpy_loop_and_closed_forms(rng):
    # an independent formulation: the numpy loop over steps (flat reference, constant step)
    from beds._bench_dynamics import np_integrate_rounds

    n, steps, dt = 200, 300, 0.05
    gamma = rng.uniform(0.1, 1.0, n)
    values = rng.normal(2.0, 1.0, (steps, n))
    t = dt * np.arange(1, steps + 1)
    s = beds.System.normal(np.zeros(n), precision=np.ones(n), gamma=gamma)
    fin, tr = s.integrate(t, values=values, precisions=3.0, record=t[[9, 99, -1]])
    mean, prec = np_integrate_rounds(np.zeros(n), np.ones(n), gamma, dt, values, 3.0)
    np.testing.assert_allclose(fin.mean, mean, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fin.precision, prec, rtol=1e-12)
    # flat multiplicative model: exactly gamma t / 2 nats dissipated, and gained - dissipated is the
    # entropy decrease
    np.testing.assert_allclose(tr.info_dissipated, 0.5 * gamma * t[[9, 99, -1], None], rtol=1e-14)
    h0 = s.entropy()
    np.testing.assert_allclose(tr.info_gained - tr.info_dissipated, h0 - tr.entropy, rtol=1e-12, atol=1e-12)
    # the precision recursion tau <- a tau + tau_D in closed form: a^N tau_0 + tau_D (1 - a^N) / (1 - a)
    a = np.exp(-gamma * dt)
    np.testing.assert_allclose(fin.precision, a**steps + 3.0 * (1 - a**steps) / (1 - a), rtol=1e-12)


@pytest.mark.parametrize("model", ["flat", "reference, gamma per belief", "additive, q per belief"])
def test_threads_and_simd_builds_give_identical_results(model):
    # a long stream is split over threads by belief ranges; the AVX2 and baseline builds round
    # every operation alike: bit-identical whatever the split and the build
    rng = np.random.default_rng(3)
    n, steps = 1500, 60
    s = beds.System.normal(rng.normal(size=n), var=rng.uniform(0.5, 2.0, n), **MODELS[model](rng, n))
    t = irregular_times(rng, steps)
    values = rng.normal(size=(steps, n))
    precisions = rng.uniform(0.1, 2.0, (steps, n))
    rec = record_times(t)
    threads, level = beds.get_num_threads(), _core.simd_level()
    results = []
    try:
        for lev in _core.available_simd_levels():
            _core.set_simd_level(lev)
            for k in (1, 2, 3):
                beds.set_num_threads(k)
                results.append(s.integrate(t, values=values, precisions=precisions, record=rec))
    finally:
        beds.set_num_threads(threads)
        _core.set_simd_level(level)
    for r in results[1:]:
        assert_same(results[0], r)
    assert_same(results[0], s.integrate(*expand(t, values, precisions, (n,)), record=rec))


# ----------------------------------------------------------------------------- bad input
@pytest.fixture
def sys3():
    return beds.System.normal(np.zeros(3), var=1.0, gamma=0.5)


@pytest.mark.parametrize(
    "kw, exc, msg",
    [
        ({"times": [1.0, 0.5]}, ValueError, r"times must be sorted.*times\[1\]"),
        ({"times": [np.nan, 1.0]}, ValueError, "times must be finite"),
        ({"times": [-1.0, 1.0]}, ValueError, "times must be >= the system time"),
        ({"times": [[0.5, 1.0]]}, ValueError, "times must be one-dimensional"),
        ({"times": ["a", "b"]}, TypeError, "times must be an array of real numbers"),
        (
            {"values": [[1.0, np.nan, 0.0], [0.0, 0.0, 0.0]]},
            ValueError,
            r"values must be finite; found nan at index \(0, 1\)",
        ),
        ({"values": [[1.0, 0.0, 0.0], [0.0, np.inf, 0.0]]}, ValueError, "values must be finite"),
        ({"values": np.zeros((2, 4))}, ValueError, r"values of shape \(2, 4\) does not broadcast to \(2, 3\)"),
        ({"values": np.zeros(2)}, ValueError, r"for one value per step give shape \(2, 1\)"),
        ({"values": None}, TypeError, "values is required"),
        ({"precisions": None}, TypeError, "precisions is required"),
        ({"values": np.array(["x"])}, TypeError, "values must be an array of real numbers"),
        ({"precisions": -1.0}, ValueError, "precisions must be >= 0"),
        (
            {"precisions": [[1.0, 1.0, 1.0], [1.0, -2.0, 1.0]]},
            ValueError,
            r"precisions must be >= 0; found -2.0 at index \(1, 1\)",
        ),
        ({"precisions": [[np.inf], [1.0]]}, ValueError, "precisions must be finite"),
        ({"precisions": [np.nan, 1.0, 1.0]}, ValueError, "precisions must be finite"),
        ({"precisions": [1.0, 2.0]}, ValueError, r"precisions of shape \(2,\) does not broadcast"),
        ({"record": [2.0, 1.0]}, ValueError, "record times must be sorted"),
        ({"record": [np.nan]}, ValueError, "record must be finite"),
        ({"record": [[1.0]]}, ValueError, "record must be one-dimensional"),
        ({"t_end": 0.7}, ValueError, "t_end = 0.7 is before the last event or record time 1.0"),
        ({"t_end": np.nan}, ValueError, "t_end must be finite"),
    ],
)
def test_dense_bad_input(sys3, kw, exc, msg):
    args = {"times": [0.5, 1.0], "values": np.ones((2, 3)), "precisions": 1.0}
    args.update(kw)
    times = args.pop("times")
    with pytest.raises(exc, match=msg):
        sys3.integrate(times, **args)


@pytest.mark.parametrize("kind", ["normal", "diag_normal", "von_mises", "mvnormal"])
def test_dense_bad_values_every_kind(kind):
    # a bad element anywhere (past the first steps, threads or not) raises an error naming it
    n, steps = 700, 120
    s = {
        "normal": lambda: beds.System.normal(np.zeros(n), var=1.0, gamma=0.5),
        "diag_normal": lambda: beds.System.diag_normal(np.zeros((n, 2)), var=1.0, gamma=0.5),
        "von_mises": lambda: beds.System.von_mises(np.zeros(n), 1.0, gamma=0.5),
        "mvnormal": lambda: beds.System.mvnormal(np.zeros((n, 2)), np.eye(2), gamma=0.5),
    }[kind]()
    ev = s._k.event_shape(s._state)
    t = np.linspace(0.1, 12.0, steps)
    values = np.zeros((steps, n) + ev)
    values[97, 613] = np.nan
    with pytest.raises(ValueError, match="values must be finite"):
        s.integrate(t, values=values, precisions=1.0)
    precisions = np.ones((steps, n) + ev)
    precisions[101, 450] = -0.5
    with pytest.raises(ValueError, match="precisions must be >= 0"):
        s.integrate(t, values=0.0, precisions=precisions)


def test_bad_value_of_a_crystallized_belief_is_ignored_as_in_the_event_path():
    s = beds.System.normal(np.zeros(3), var=[1.0, 1e-4, 1.0], gamma=0.5, eps=1e-2).crystallize()
    values = np.zeros((2, 3))
    values[1, 1] = np.nan  # belief 1 is crystallized: its observations are ignored
    dense, events = both(s, [0.5, 1.0], values, 1.0)
    assert_same(dense, events)
    values[1, 2] = np.nan
    with pytest.raises(ValueError, match="values must be finite"):
        s.integrate([0.5, 1.0], values=values, precisions=1.0)


def test_event_form_still_needs_values_and_precisions(sys3):
    with pytest.raises(TypeError, match="values is required"):
        sys3.integrate([0.5], [0])
    with pytest.raises(TypeError, match="index must be an array of integers"):
        sys3.integrate([0.5, 1.0], np.ones((2, 3)), 1.0)  # dense values passed as index by position


def test_integrate_docstring_example():
    # the methods of System are defined in a private module: doctest.testmod(beds.dynamics) does
    # not reach them, so the example of integrate runs here
    import doctest

    test = doctest.DocTestParser().get_doctest(beds.System.integrate.__doc__, {}, "System.integrate", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 5 and runner.failures == 0


# ----------------------------------------------------------------------------- Ctrl-C and the GIL
# Each scenario runs in its own interpreter (as in test_interrupt.py): a timer thread sends SIGINT
# to the process while the dense loop runs, and the child reports how the call ended.
_SYSTEM = """
def system(n, steps):
    s = beds.System.normal(np.zeros(n), var=1.0, gamma=0.5, reference=(1.0, 0.5))
    t = 1e-3 * np.arange(1, steps + 1)
    values = np.sin(np.arange(steps))[:, None]  # one value per step, broadcast over the beliefs
    return s, t, values
"""


def _child(body: str) -> dict:
    return run_child(body, setup=_SYSTEM)


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is watched for on POSIX only")


@posix_only
@pytest.mark.parametrize("threads", [1, 2])
def test_sigint_interrupts_a_long_dense_stream(threads):
    # 10^6 beliefs x 20 000 steps: about a minute uninterrupted
    r = _child(
        f"""
        beds.set_num_threads({threads})
        s, t, values = system(1_000_000, 20_000)
        result = interrupted(lambda: s.integrate(t, values=values, precisions=2.0), delay=0.3)
        """
    )
    assert r["outcome"] == "KeyboardInterrupt", r
    assert r["latency"] < 0.5, r


@posix_only
def test_a_handler_that_does_not_raise_lets_the_dense_stream_finish_correctly():
    # the loop stops, runs the user's handler and resumes where each tile stopped: the results are
    # those of an undisturbed run, bit for bit
    r = _child(
        """
        hits = []
        signal.signal(signal.SIGINT, lambda sig, frame: hits.append(1))
        out = {}
        for threads in (1, 2):
            beds.set_num_threads(threads)
            s, t, values = system(40_000, 2000)
            run = lambda: s.integrate(t, values=values, precisions=2.0, record=t[[0, 1000, -1]])
            t0 = time.perf_counter()
            ref = run()
            duration = time.perf_counter() - t0
            got = {}
            before = len(hits)
            first = interrupted(lambda: got.setdefault("r", run()), delay=duration / 4)
            same = all(np.array_equal(getattr(ref[1], f), getattr(got["r"][1], f))
                       for f in ("mean", "precision", "info_gained", "observations"))
            same = same and np.array_equal(ref[0].mean, got["r"][0].mean)
            out[threads] = [first["outcome"], len(hits) == before + 1, bool(same)]
        result = out
        """
    )
    assert r == {"1": ["completed", True, True], "2": ["completed", True, True]}, r


@posix_only
def test_a_long_dense_stream_releases_the_gil():
    r = _child(
        """
        beds.set_num_threads(1)
        s, t, values = system(100_000, 3000)
        stop, ticks = [], []
        def ticker():
            while not stop:
                ticks.append(time.perf_counter())
                time.sleep(0.002)
        th = threading.Thread(target=ticker)
        th.start()
        time.sleep(0.05)
        t0 = time.perf_counter()
        s.integrate(t, values=values, precisions=2.0)
        t1 = time.perf_counter()
        stop.append(1)
        th.join()
        inside = [x for x in ticks if t0 <= x <= t1]
        gaps = np.diff([t0] + inside + [t1])
        result = {"duration": t1 - t0, "max_gap": float(gaps.max()), "ticks": len(inside)}
        """
    )
    assert r["duration"] > 0.2, r  # (long enough for the check to mean something)
    assert r["max_gap"] < 0.5 * r["duration"], r
