"""The thread pool under concurrent use from Python threads, thread-count changes, and fork()."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import warnings

import beds
import numpy as np
import pytest


@pytest.fixture
def pairs(rng):
    n = 150_000  # several chunks: the pool is used
    return (
        rng.standard_normal(n),
        np.exp(rng.standard_normal(n)),
        rng.standard_normal(n),
        np.exp(rng.standard_normal(n)),
    )


def test_concurrent_calls_and_thread_count_changes_give_identical_results(pairs):
    ref_d = beds.normal.distance(*pairs)
    ref_g = beds.normal.geodesic(*pairs, 0.3)
    mismatches: list[str] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(8):
                if not np.array_equal(beds.normal.distance(*pairs), ref_d):
                    mismatches.append("distance")
                g = beds.normal.geodesic(*pairs, 0.3)
                if not (np.array_equal(g[0], ref_g[0]) and np.array_equal(g[1], ref_g[1])):
                    mismatches.append("geodesic")
        except BaseException as e:  # noqa: BLE001 - reported below
            failures.append(e)

    def toggle() -> None:
        for k in range(20):
            beds.set_num_threads(1 + k % 3)

    before = beds.get_num_threads()
    threads = [threading.Thread(target=work) for _ in range(3)] + [threading.Thread(target=toggle)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread hung"
    finally:
        beds.set_num_threads(before)
    assert not failures, failures
    assert not mismatches, mismatches


def _child(queue, pairs) -> None:  # runs in a forked child: the pool must be rebuilt there
    queue.put(float(beds.normal.distance(*pairs).sum()))


@pytest.mark.skipif(
    sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork()"
)
def test_pool_works_in_a_forked_child(pairs):
    expected = float(beds.normal.distance(*pairs).sum())  # the parent's pool is running
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, pairs))
    with warnings.catch_warnings():
        # Python >= 3.12 warns that forking a process with threads (here the pool's) may deadlock:
        # that is what this test checks does not happen
        warnings.simplefilter("ignore", DeprecationWarning)
        proc.start()
    proc.join(timeout=60)
    assert proc.exitcode == 0, "the forked child failed or hung"
    assert queue.get(timeout=5) == expected


# ------------------------------------------------------------------------- thread count bounds
@pytest.mark.parametrize("n", [beds._core.MAX_THREADS + 1, 100_000, 2**70])
def test_too_many_threads_is_a_value_error(n):
    before = beds.get_num_threads()
    with pytest.raises(ValueError, match=rf"n must be at most {beds._core.MAX_THREADS}.*got n={n}"):
        beds.set_num_threads(n)
    assert beds.get_num_threads() == before


def test_raw_setter_bounds_too():
    with pytest.raises(ValueError, match="at most 1024"):
        beds._core.set_num_threads(100_000)


def test_the_largest_thread_count_works():
    before = beds.get_num_threads()
    try:
        beds.set_num_threads(beds._core.MAX_THREADS)
        assert beds.get_num_threads() == beds._core.MAX_THREADS
        a = np.linspace(0.1, 3.0, 70_000)
        assert np.array_equal(beds.normal.distance(a, 1.0, 0.5, a), beds.normal.distance(a[::-1][::-1], 1.0, 0.5, a))
    finally:
        beds.set_num_threads(before)


_LIMITED = """
import resource, sys
import numpy as np
import beds
a = np.linspace(0.1, 3.0, 400_000)
beds.set_num_threads(1)
ref = beds.normal.distance(a, 1.0, 0.5, a)
# about 40 thread stacks of address space left: most of the 1023 workers cannot start
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + (320 << 20), hard))
beds.set_num_threads(1024)
got = beds.normal.distance(a, 1.0, 0.5, a)
print("OK" if np.array_equal(got, ref) else "MISMATCH")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and RLIMIT_AS")
def test_threads_the_system_refuses_do_not_abort():
    """Starting the workers fails (std::system_error) under an address-space limit: the call runs
    on the threads that could be started instead of aborting the interpreter."""
    import subprocess

    proc = subprocess.run([sys.executable, "-c", _LIMITED], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK"


# ------------------------------------------------------------------------- cost-aware chunks
def _vm(n, rng):
    return (rng.uniform(-3, 3, n), rng.uniform(0.01, 50, n), rng.uniform(-3, 3, n), rng.uniform(0.01, 50, n))


def _spd(rng, n, d):
    q, _ = np.linalg.qr(rng.standard_normal((n, d, d)))
    s = q @ (np.exp(0.5 * rng.standard_normal((n, d)))[..., None] * np.swapaxes(q, -1, -2))
    return 0.5 * (s + np.swapaxes(s, -1, -2))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64])
def test_expensive_kernels_split_small_batches_with_identical_results(n, rng):
    """Kernels that cost microseconds per element run on several threads from a few elements
    (chunks sized by cost, fixed for a given kernel and size): the results do not depend on the
    thread count."""
    a = _vm(n, rng)
    m1, m2 = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))
    S1, S2 = _spd(rng, n, 3), _spd(rng, n, 3)
    P = rng.dirichlet(np.ones(6), size=(n, 5))
    calls = [
        lambda: beds.ufuncs.von_mises_distance(*a),
        lambda: beds.ufuncs.von_mises_log(*a),
        lambda: beds._core.mvnormal_distance(m1, S1, m2, S2),
        lambda: beds._core.mvnormal_log(m1, S1, m2, S2, 1e-12, 50),
        lambda: beds.ufuncs.categorical_karcher_mean(P, np.ones((n, 5)), 1e-12, 200),
    ]
    before = beds.get_num_threads()
    try:
        beds.set_num_threads(1)
        ref = [c() for c in calls]
        for threads in (2, 3):
            beds.set_num_threads(threads)
            for r, c in zip(ref, calls, strict=True):
                got = c()
                for x, y in zip(r if isinstance(r, tuple) else (r,), got if isinstance(got, tuple) else (got,)):
                    assert np.asarray(x).tobytes() == np.asarray(y).tobytes()
    finally:
        beds.set_num_threads(before)


def test_in_place_rows_of_an_iterative_kernel(rng):
    """numpy lets an output be an input (in place); such rows are never cut short and computed
    again (they could not be), and give the out-of-place results."""
    n, d = 40, 3
    m1, m2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    S1, S2 = _spd(rng, n, d), _spd(rng, n, d)
    x, B, it = beds._core.mvnormal_log(m1, S1, m2, S2, 1e-12, 50)
    mm, SS = m1.copy(), S1.copy()
    beds._core.mvnormal_log(mm, SS, m2, S2, 1e-12, 50, out=(mm, SS, np.empty(n, np.int64)))
    assert np.array_equal(mm, x) and np.array_equal(SS, B)
