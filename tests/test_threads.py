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
