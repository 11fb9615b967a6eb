"""Threads change the time, never a bit: the pool's results are the single thread's.

Large inputs are cut into tiles that run on a thread pool. The tests shrink
the tile budget and the size threshold so that small drawn inputs are cut and
threaded too, and compare every result with the one-thread run as raw bits
(NaN payloads included). They also pin how the thread count is chosen: the
environment variable, ``set_threads``, and that one thread means no pool.
"""

from __future__ import annotations

import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pooling_lib
from pooling_lib import (
    default_threads,
    max_pool_winners,
    pool_backward,
    pool_forward,
    set_threads,
    tiling,
)
from tests.strategies import full_range_arrays, full_range_cases

DTYPES = [np.float16, np.float32, np.float64]
NAMES = ["forward", "backward", "rows", "cols"]


@pytest.fixture(autouse=True)
def default_count():
    """Every test starts and ends with no pinned count."""
    set_threads(None)
    yield
    set_threads(None)


def same_bits(ours, theirs, what):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, what
    unsigned = np.dtype(f"u{ours.dtype.itemsize}")
    assert np.array_equal(ours.view(unsigned), theirs.view(unsigned)), what


def every_result(A_prev, dA, options, ties):
    """Forward, backward and (for max) the winners, under the current thread count."""
    results = [pool_forward(A_prev, **options)]
    backward_options = dict(options, ties=ties) if options["mode"] == "max" else options
    results.append(pool_backward(dA, A_prev, **backward_options))
    if options["mode"] == "max":
        geometry_options = {k: v for k, v in options.items() if k != "mode"}
        results.extend(max_pool_winners(A_prev, **geometry_options))
    return results


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that counts the tasks it is given."""

    submitted = 0

    def submit(self, *args, **kwargs):
        type(self).submitted += 1
        return super().submit(*args, **kwargs)


@pytest.fixture
def spy(monkeypatch):
    """Pooling's executor replaced by a counting one, made afresh for the test."""
    monkeypatch.setattr(CountingExecutor, "submitted", 0)
    monkeypatch.setattr(tiling, "ThreadPoolExecutor", CountingExecutor)
    monkeypatch.setattr(tiling, "_executors", {})
    yield CountingExecutor
    for executor in tiling._executors.values():
        executor.shutdown(wait=True)


@settings(max_examples=120, deadline=None)
@given(
    case=full_range_cases(max_side=9),
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    batch=st.integers(1, 5),
    chunk_bytes=st.sampled_from([1, 16, 96, 400, 1 << 19]),
    threads=st.integers(2, 4),
    ties=st.sampled_from(["first", "all", "split"]),
)
def test_threaded_results_are_the_single_threads_bit_for_bit(
    case, data, dtype, batch, chunk_bytes, threads, ties
):
    """Batches in chunks, one large image in bands and tiles, all ties: the same bits."""
    shape, options, _ = case
    shape = (batch, *shape[1:])
    A_prev = data.draw(full_range_arrays(shape, dtype), label="A_prev")
    dA_shape = pool_forward(A_prev, **options).shape
    dA = data.draw(full_range_arrays(dA_shape, dtype), label="dA")
    with (
        mock.patch.object(tiling, "_CHUNK_BYTES", chunk_bytes),
        mock.patch.object(tiling, "_THREAD_MIN_BYTES", 0),
    ):
        set_threads(1)
        single = every_result(A_prev, dA, options, ties)
        set_threads(threads)
        threaded = every_result(A_prev, dA, options, ties)
    for what, ours, theirs in zip(NAMES[: len(single)], threaded, single, strict=True):
        same_bits(ours, theirs, what)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_large_batch_is_threaded_and_gives_the_same_bits(spy, dtype):
    """Above the size threshold, with two threads asked for, the pool gets the chunks."""
    rng = np.random.default_rng(0)
    A_prev = rng.integers(-3, 4, size=(600, 28, 28, 2)).astype(dtype)  # ties aplenty
    dA = rng.standard_normal((600, 14, 14, 2)).astype(dtype)
    set_threads(1)
    single = [pool_forward(A_prev, 2, 2), pool_backward(dA, A_prev, 2, 2)]
    single += max_pool_winners(A_prev, 2, 2)
    assert spy.submitted == 0 and tiling._executors == {}
    set_threads(2)
    threaded = [pool_forward(A_prev, 2, 2), pool_backward(dA, A_prev, 2, 2)]
    threaded += max_pool_winners(A_prev, 2, 2)
    assert spy.submitted >= 4 * 2, "each pass should hand its chunks to the pool"
    assert list(tiling._executors) == [2]
    for what, ours, theirs in zip(NAMES[: len(single)], threaded, single, strict=True):
        same_bits(ours, theirs, what)


def test_one_thread_never_touches_the_pool(spy):
    A_prev = np.random.default_rng(1).standard_normal((600, 28, 28, 2))
    set_threads(1)
    pool_forward(A_prev, 3, 1, "avg")
    pool_backward(pool_forward(A_prev, 3, 1), A_prev, 3, 1)
    max_pool_winners(A_prev, 2, 2)
    assert spy.submitted == 0 and tiling._executors == {}


def test_small_inputs_stay_on_the_calling_thread(spy):
    """One digit per slider move: no pool, however many threads are allowed."""
    set_threads(4)
    digit = np.random.default_rng(2).standard_normal((1, 28, 28, 2))
    pool_backward(pool_forward(digit, 2, 2), digit, 2, 2)
    assert spy.submitted == 0


def test_tiles_of_one_image_add_their_gradients_in_order(spy):
    """Bands of one image may share input cells: backward keeps them sequential."""
    A_prev = np.random.default_rng(3).standard_normal((1, 40, 40, 1))
    with (
        mock.patch.object(tiling, "_CHUNK_BYTES", 400),
        mock.patch.object(tiling, "_THREAD_MIN_BYTES", 0),
    ):
        set_threads(2)
        dA = pool_forward(A_prev, 3, 1)
        forward_tasks = spy.submitted
        pool_backward(dA, A_prev, 3, 1)
    assert forward_tasks > 1 and spy.submitted == forward_tasks


def test_the_pool_is_made_again_when_the_count_changes(spy):
    A_prev = np.random.default_rng(4).standard_normal((600, 28, 28, 2))
    set_threads(2)
    pool_forward(A_prev, 2, 2)
    first = tiling._executors[2]
    set_threads(3)
    pool_forward(A_prev, 2, 2)
    assert list(tiling._executors) == [3] and first._shutdown


# -- choosing the count --------------------------------------------------------------


@pytest.mark.parametrize(("value", "count"), [("1", 1), ("3", 3), (" 2 ", 2), ("16", 16)])
def test_the_environment_variable_sets_the_count(monkeypatch, value, count):
    monkeypatch.setenv("POOLING_LIB_THREADS", value)
    assert default_threads() == count


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "2 threads", "+2"])
def test_a_bad_environment_variable_is_named_with_its_value(monkeypatch, value):
    monkeypatch.setenv("POOLING_LIB_THREADS", value)
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        default_threads()


@pytest.mark.parametrize("value", [None, "", "  "])
def test_without_the_variable_the_count_is_the_cores_this_process_may_use(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("POOLING_LIB_THREADS", raising=False)
    else:
        monkeypatch.setenv("POOLING_LIB_THREADS", value)
    monkeypatch.setattr(tiling.os, "sched_getaffinity", lambda pid: {0, 5, 7}, raising=False)
    assert default_threads() == 3
    monkeypatch.delattr(tiling.os, "sched_getaffinity")
    monkeypatch.setattr(tiling.os, "cpu_count", lambda: 6)
    assert default_threads() == 6


def test_set_threads_beats_the_variable_and_returns_the_count_before(monkeypatch):
    monkeypatch.setenv("POOLING_LIB_THREADS", "3")
    assert set_threads(1) == 3
    assert default_threads() == 1
    assert set_threads(None) == 1
    assert default_threads() == 3
    assert pooling_lib.set_threads is set_threads


@pytest.mark.parametrize(
    ("n", "error"),
    [(0, ValueError), (-2, ValueError), (True, TypeError), ("2", TypeError), (2.0, TypeError)],
)
def test_set_threads_refuses_anything_but_a_positive_int(n, error):
    with pytest.raises(error, match=re.escape(repr(n))):
        set_threads(n)
    assert default_threads() >= 1


def test_workers_keep_the_callers_quiet_overflow(spy):
    """Sums that overflow to inf warn nothing, on the pool's threads too."""
    A_prev = np.full((64, 8, 8, 1), np.finfo(np.float32).max, dtype=np.float32)
    with (
        mock.patch.object(tiling, "_CHUNK_BYTES", 256),
        mock.patch.object(tiling, "_THREAD_MIN_BYTES", 0),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error")
        set_threads(2)
        pooled = pool_forward(A_prev, 2, 2, "avg", divisor_override=1)
    assert spy.submitted > 0 and np.isinf(pooled).all()
