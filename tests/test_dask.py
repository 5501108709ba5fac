"""dask arrays through every kernel: lazy results equal to the numpy results bit for bit, validation
that stays lazy but is never skipped (the ValueError of the numpy call, naming the argument and the
element's index in the whole array, raised when the graph is computed), beliefs built from dask
arrays without computing them, and a dask.distributed cluster of two worker processes."""

from __future__ import annotations

import multiprocessing
import sys
import warnings

import beds
import numpy as np
import pytest
from beds import _core, _kernels

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

KERNELS = list(_core.kernels)
SIZES = {"d": 3, "k": 4, "n": 6}
BATCH = (10,)


# ----------------------------------------------------------------------- inputs from metadata
def _value(kernel, op, rng: np.random.Generator) -> np.ndarray:
    """A valid argument ``op`` of ``kernel`` (batch ``BATCH``, core dimensions of ``SIZES``), made from
    its declared domain, core dimensions and dtype only."""
    if op.dtype == "int64":
        return np.int64(64 if op.name == "max_segments" else 50)
    if op.dtype == "float64":
        return np.float64(1e-10)
    core = tuple(SIZES[c] for c in op.core)
    shape = BATCH + core
    dom = op.domain
    if kernel.name.startswith("_math_"):  # the private math kernels: arguments inside every function's domain
        return rng.uniform(0.1, 2.0, shape)
    if dom == "real":
        scale = 0.1 if op.name.startswith(("v", "u")) else 1.0  # small velocities for exp maps
        return scale * rng.standard_normal(shape) if op.name != "t" else np.full(shape, 0.3)
    if dom in ("positive", "nonnegative"):
        return np.exp(0.3 * rng.standard_normal(shape))
    if dom == "unit_interval":
        return rng.uniform(0.05, 0.95, shape)
    if dom in ("probs", "probs_interior"):
        return rng.dirichlet(np.full(shape[-1], 10.0), size=shape[:-1])
    if dom == "tangent_probs":
        v = 0.001 * rng.standard_normal(shape)
        return v - v.mean(axis=-1, keepdims=True)
    d = shape[-1]
    b = rng.standard_normal(shape)
    if dom == "spd":
        return b @ np.swapaxes(b, -1, -2) + d * np.eye(d)
    assert dom == "symmetric", dom
    return 0.05 * (b + np.swapaxes(b, -1, -2))


def _lazy(a, chunks: int = 3):
    """A dask array chunked along every axis (core axes too: the kernels gather them)."""
    if np.ndim(a) == 0:
        return a
    return da.from_array(np.asarray(a), chunks=tuple(min(chunks, max(n, 1)) for n in np.shape(a)))


def _as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


def _same_bits(x, y) -> None:
    x, y = np.asarray(x), np.asarray(y)
    assert x.dtype == y.dtype and x.shape == y.shape
    assert x.tobytes() == y.tobytes(), f"max abs difference {np.nanmax(np.abs(x - y))}"


def _no_compute(*args, **kwargs):
    raise AssertionError("a dask graph was computed")


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_every_kernel_takes_dask_arrays(kernel, rng):
    """Each kernel, single- or multi-output, element-wise or gufunc: lazy result, bit for bit the
    numpy one (dask returns NotImplemented for multi-output ufuncs; beds goes through apply_gufunc)."""
    values = [_value(kernel, op, rng) for op in kernel.inputs]
    eager = _as_tuple(_kernels.call_kernel(kernel.name, values))
    with dask.config.set(scheduler=_no_compute):
        lazy = _as_tuple(_kernels.call_kernel(kernel.name, [_lazy(v) for v in values]))
    assert len(lazy) == len(eager) == len(kernel.outputs)
    assert all(isinstance(x, da.Array) for x in lazy)
    for x, y in zip(dask.compute(*lazy, scheduler="sync"), eager):
        _same_bits(x, y)


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_a_bad_value_raises_when_computed_with_the_numpy_message(kernel, rng):
    """The first argument with a checkable domain gets a bad value in its second chunk: nothing is
    raised while the graph is built, the numpy call's ValueError (argument, value, index in the
    whole array) when it is computed."""
    if kernel.name.startswith("_math_"):
        pytest.skip("the private math kernels pass NaN through like numpy's functions (no domain check)")
    values = [_value(kernel, op, rng) for op in kernel.inputs]
    pos = next(
        (i for i, op in enumerate(kernel.inputs) if op.dtype == "float" and op.domain not in ("spd", "symmetric")),
        None,
    )
    if pos is None:
        pytest.skip("only matrix arguments (their checks are covered in test_mvnormal_bad_matrix_in_a_later_block)")
    bad = np.array(values[pos], dtype=np.float64, copy=True)
    bad[(7,) + (0,) * (bad.ndim - 1)] = np.nan
    values[pos] = bad
    with pytest.raises(ValueError) as eager:
        _kernels.call_kernel(kernel.name, values)
    args = [_lazy(v) for v in values]
    with dask.config.set(scheduler=_no_compute):
        lazy = _as_tuple(_kernels.call_kernel(kernel.name, args))
    with pytest.raises(ValueError) as computed:
        dask.compute(*lazy, scheduler="sync")
    assert str(computed.value) == str(eager.value)
    assert kernel.inputs[pos].name in str(computed.value)


def test_raw_multi_output_ufunc_still_needs_apply_gufunc(rng):
    """The raw ufuncs are numpy's: dask refuses multi-output element-wise ufuncs (its own rule);
    the validated functions take them, and apply_gufunc works on the raw ufunc too."""
    m, s = _lazy(rng.standard_normal(10)), _lazy(np.exp(rng.standard_normal(10)))
    with pytest.raises(TypeError):
        beds.ufuncs.normal_log(m, s, m + 1, s)
    v = beds.normal.log(m, s, m + 1, s)
    ref = beds.normal.log(m.compute(), s.compute(), m.compute() + 1, s.compute())
    for x, y in zip(dask.compute(*v), ref):
        _same_bits(x, y)
    raw = da.apply_gufunc(beds.ufuncs.normal_log, "(),(),(),()->(),()", m, s, m + 1, s, output_dtypes=(float, float))
    for x, y in zip(dask.compute(*raw), ref):
        _same_bits(x, y)


def test_shape_errors_are_raised_at_once_with_the_numpy_message():
    a, b = np.ones(3), np.ones(4)
    with pytest.raises(ValueError) as eager:
        beds.normal.distance(a, a, b, b)
    with pytest.raises(ValueError) as lazy:
        beds.normal.distance(_lazy(a), a, _lazy(b), b)
    assert str(lazy.value) == str(eager.value)
    with pytest.raises(TypeError, match="mean1"):
        beds.normal.distance(_lazy(np.ones(3, dtype=complex)), a, a, a)
    with pytest.raises(TypeError, match="out="):
        beds.normal.distance(_lazy(a), a, a, a, out=np.empty(3))


def test_numpy_arguments_beside_dask_ones_are_checked_at_once():
    with pytest.raises(ValueError, match=r"std1 must be > 0; found -1.0 at index \(2,\)"):
        beds.normal.distance(_lazy(np.zeros(3)), np.array([1.0, 1.0, -1.0]), 0.0, 1.0)


def test_categorical_bad_row_sum_in_a_later_chunk():
    p = np.full((9, 4), 0.25)
    p[7] = [0.5, 0.5, 0.5, 0.5]
    with pytest.raises(ValueError) as eager:
        beds.categorical.distance(p, np.full(4, 0.25))
    lazy = beds.categorical.distance(da.from_array(p, chunks=(2, 2)), np.full(4, 0.25))
    with pytest.raises(ValueError) as computed:
        lazy.compute()
    assert str(computed.value) == str(eager.value)
    assert "batch index (7,)" in str(computed.value)


def test_mvnormal_bad_matrix_in_a_later_block(rng):
    cov = np.broadcast_to(np.eye(2), (6, 2, 2)).copy()
    cov[4] = [[1.0, 2.0], [2.0, 1.0]]  # symmetric, not positive definite
    mean = np.zeros((6, 2))
    with pytest.raises(ValueError, match="positive definite") as eager:
        beds.mvnormal.kl(mean, cov, mean, np.eye(2))
    first = beds.mvnormal.kl(da.from_array(mean, chunks=(6, 2)), da.from_array(cov, chunks=(6, 2, 2)), mean, np.eye(2))
    with pytest.raises(ValueError) as computed:
        first.compute()
    assert str(computed.value) == str(eager.value)
    later = beds.mvnormal.kl(da.from_array(mean, chunks=(3, 2)), da.from_array(cov, chunks=(3, 1, 1)), mean, np.eye(2))
    with pytest.raises(ValueError, match=r"cov1 must be positive definite.*offset \(3, 0, 0\)"):
        later.compute()


# ------------------------------------------------------------------------------ beliefs
def _normal_pair(rng, n=20):
    m1, m2 = rng.standard_normal((2, n))
    s1, s2 = np.exp(0.5 * rng.standard_normal((2, n)))
    return m1, s1, m2, s2


def test_beliefs_from_dask_arrays_stay_lazy(rng):
    m1, s1, m2, s2 = _normal_pair(rng)
    with dask.config.set(scheduler=_no_compute):
        p = beds.Normal(_lazy(m1, 4), _lazy(s1, 4))
        q = beds.Normal(_lazy(m2, 4), s2)
        assert p.batch_shape == (20,) and isinstance(p.mean, da.Array)
        assert "dask.array" in repr(p)
        d = beds.distance(p, q)
        v = beds.log(p, q)
        g = beds.geodesic(p, q, 0.3)
        r = beds.fisher_rao_penalty(p, q, 2.0)
        w = p.tangent(0.1 * _lazy(m2, 4), 0.0)
        e = beds.exp(w)
        mean = p.karcher_mean()
    ep, eq = beds.Normal(m1, s1), beds.Normal(m2, s2)
    _same_bits(d.compute(), beds.distance(ep, eq))
    for x, y in zip(v.components.values(), beds.log(ep, eq).components.values()):
        _same_bits(x.compute(), y)
    _same_bits(g.mean.compute(), beds.geodesic(ep, eq, 0.3).mean)
    ref = beds.fisher_rao_penalty(ep, eq, 2.0)
    _same_bits(r.value.compute(), ref.value)
    _same_bits(r.grad["std"].compute(), ref.grad["std"])
    _same_bits(e.std.compute(), beds.exp(ep.tangent(0.1 * m2, 0.0)).std)
    em = ep.karcher_mean()
    _same_bits(np.asarray(mean.mean.compute()), np.asarray(em.mean))
    _same_bits(np.asarray(mean.std.compute()), np.asarray(em.std))


@pytest.mark.parametrize(
    ("family", "good", "bad", "name"),
    [
        (beds.Normal, (np.zeros(9), np.ones(9)), (np.zeros(9), np.r_[np.ones(7), -1.0, 1.0]), "std"),
        (beds.VonMises, (np.zeros(9), np.ones(9)), (np.r_[np.zeros(8), np.inf], np.ones(9)), "mu"),
        (beds.Exponential, (np.ones(9),), (np.r_[np.ones(5), 0.0, np.ones(3)],), "rate"),
        (beds.Categorical, (np.full((9, 3), 1 / 3),), (np.r_[np.full((8, 3), 1 / 3), [[0.5, 0.6, 0.1]]],), "probs"),
        (
            beds.DiagNormal,
            (np.zeros((9, 2)), np.ones((9, 2))),
            (np.zeros((9, 2)), np.r_[np.ones((8, 2)), [[1.0, -2.0]]]),
            "std",
        ),
    ],
)
def test_a_bad_parameter_raises_when_computed(family, good, bad, name):
    with pytest.raises(ValueError) as eager:
        family(*bad)
    with dask.config.set(scheduler=_no_compute):
        p = family(*(_lazy(a, 2) for a in bad))
    with pytest.raises(ValueError) as computed:
        dask.compute(*p._p, scheduler="sync")
    assert str(computed.value) == str(eager.value)
    assert name in str(computed.value)
    dask.compute(*family(*(_lazy(a, 2) for a in good))._p, scheduler="sync")


def test_broadcast_parameter_reports_the_index_in_the_batch():
    bad = np.array([1.0, -1.0, 1.0])
    with pytest.raises(ValueError) as eager:
        beds.Normal(np.zeros((4, 3)), bad)
    p = beds.Normal(_lazy(np.zeros((4, 3)), 2), _lazy(bad, 2))
    with pytest.raises(ValueError) as computed:
        p.std.compute(scheduler="sync")
    assert str(computed.value) == str(eager.value) == "std must be > 0; found -1.0 at index (0, 1)"


@pytest.mark.parametrize("family", ["normal", "categorical", "exponential", "poisson", "von_mises"])
def test_karcher_means_over_a_chunked_axis(family, rng):
    """The reduced axis spans several chunks (gathered by the kernel); weights checked lazily."""
    n = 12
    if family == "normal":
        args = (rng.standard_normal((5, n)), np.exp(0.3 * rng.standard_normal((5, n))))
    elif family == "von_mises":
        args = (rng.uniform(-1, 1, (5, n)), np.exp(0.3 * rng.standard_normal((5, n))))
    elif family == "categorical":
        args = (rng.dirichlet(np.ones(3), size=(5, n)),)
    else:
        args = (np.exp(0.3 * rng.standard_normal((5, n))),)
    w = rng.uniform(0.5, 1.5, (5, n))
    fn = getattr(beds, family).karcher_mean
    eager = _as_tuple(fn(*args, weights=w))
    with dask.config.set(scheduler=_no_compute):
        lazy = _as_tuple(fn(*(_lazy(a, 4) for a in args), weights=_lazy(w, 4)))
    for x, y in zip(dask.compute(*lazy, scheduler="sync"), eager):
        _same_bits(x, y)
    wbad = w.copy()
    wbad[3, 9] = -1.0
    with pytest.raises(ValueError) as e1:
        fn(*args, weights=wbad)
    with pytest.raises(ValueError) as e2:
        dask.compute(*_as_tuple(fn(*(_lazy(a, 4) for a in args), weights=_lazy(wbad, 4))), scheduler="sync")
    assert str(e2.value) == str(e1.value)


def test_karcher_mean_convergence_warning_is_raised_by_the_blocks(rng):
    m, s = rng.standard_normal((4, 8)) * 5, np.exp(rng.standard_normal((4, 8)))
    mu, sd = beds.normal.karcher_mean(_lazy(m), _lazy(s), max_iter=1, tol=1e-300)
    with pytest.warns(beds.ConvergenceWarning, match="did not converge"):
        dask.compute(mu, sd, scheduler="sync")


# ------------------------------------------------------------------------ dask.distributed
def test_local_cluster_two_worker_processes(rng):
    """Distances, a penalty and a Karcher mean over chunked arrays on two worker processes: the
    results are the in-memory ones, bit for bit."""
    distributed = pytest.importorskip("distributed")
    m1, s1, m2, s2 = _normal_pair(rng, 4000)
    lazy = [da.from_array(a, chunks=1000) for a in (m1, s1, m2, s2)]
    km, ks = rng.standard_normal((50, 40)), np.exp(0.3 * rng.standard_normal((50, 40)))
    # Worker processes started by fork where the platform has it: they inherit the imported modules
    # and start in about a second; spawned ones import numpy, dask, distributed and beds again,
    # 10-15 s on a loaded 2-core machine.  The cluster is made and used by this thread only.
    method = "fork" if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with warnings.catch_warnings(), dask.config.set({"distributed.worker.multiprocessing-method": method}):
        # the cluster's own start-up and shut-down messages are not beds' business
        warnings.simplefilter("ignore")
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,
            ) as cluster,
            distributed.Client(cluster, timeout="60s") as client,
        ):
            d = beds.normal.distance(*lazy)
            p = beds.fisher_rao_penalty(beds.Normal(lazy[0], lazy[1]), beds.Normal(lazy[2], lazy[3]), 0.5)
            mean = beds.normal.karcher_mean(da.from_array(km, chunks=(10, 15)), da.from_array(ks, chunks=(25, 20)))
            got = client.compute([d, p.value, p.grad["mean"], p.natural_grad["std"], *mean], sync=True)
            bad = beds.normal.distance(lazy[0], -lazy[1], lazy[2], lazy[3])
            with pytest.raises(ValueError, match=r"std1 must be > 0; found -"):
                client.compute(bad, sync=True)
    ref_p = beds.fisher_rao_penalty(beds.Normal(m1, s1), beds.Normal(m2, s2), 0.5)
    ref = [beds.normal.distance(m1, s1, m2, s2), ref_p.value, ref_p.grad["mean"], ref_p.natural_grad["std"]]
    ref += list(beds.normal.karcher_mean(km, ks))
    for x, y in zip(got, ref):
        _same_bits(x, y)
