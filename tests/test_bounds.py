"""Costs follow the input and the output: not the option numbers, and not 3-6 copies of an image.

A typo such as ``kernel_shape=10**6`` must not take a shared machine's
memory: kernel offsets that fall wholly in padding contribute nothing, so
they are never visited. And a single large image is worked through in tiles,
so the temporaries stay small however the input is shaped.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from pooling_lib import max_pool_winners, pool_backward, pool_forward, pool_geometry, reference
from tests.strategies import assert_bits_equal

HUGE = 2**63  # past int64: NumPy would wrap it around, Python ints do not


def peak_bytes(run):
    """Most memory ``run()`` held at once, beyond what existed before it started."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- option numbers ----------------------------------------------------------------


@pytest.mark.parametrize("module", [pool_forward, reference.pool_forward], ids=["fast", "loops"])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_a_huge_kernel_costs_no_memory_beyond_the_input(module, mode):
    """Kernel 10**6 on a 4 x 4 input: all but 16 of its 10**12 cells are padding."""
    A_prev = np.arange(16.0).reshape(1, 4, 4, 1)
    peak = peak_bytes(lambda: module(A_prev, 10**6, 1, mode, padding=5 * 10**5))
    assert peak < 100_000, f"{peak} bytes for a 128-byte input"


@pytest.mark.parametrize("ties", ["first", "all", "split"])
@pytest.mark.parametrize("module", [pool_backward, reference.pool_backward], ids=["fast", "loops"])
def test_a_huge_kernel_costs_no_memory_beyond_the_input_backward(module, ties):
    A_prev = np.arange(16.0).reshape(1, 4, 4, 1)
    dA = np.ones((1, 5, 5, 1))
    peak = peak_bytes(lambda: module(dA, A_prev, 10**6, 1, padding=5 * 10**5, ties=ties))
    assert peak < 100_000, f"{peak} bytes for a 128-byte input"


@pytest.mark.parametrize("module", [None, reference], ids=["fast", "loops"])
def test_a_kernel_past_int64_pools_the_whole_input_in_every_window(module):
    """Kernel 2**63 with padding 2**62: each of the 5 x 5 windows covers all 16 cells."""
    forward = module.pool_forward if module else pool_forward
    backward = module.pool_backward if module else pool_backward
    winners = module.max_pool_winners if module else max_pool_winners
    A_prev = np.arange(16.0).reshape(1, 4, 4, 1)
    options = dict(kernel_shape=HUGE, stride=1, padding=HUGE // 2)
    assert_bits_equal(forward(A_prev, **options), np.full((1, 5, 5, 1), 15.0))
    mean = forward(A_prev, mode="avg", count_include_pad=False, **options)
    assert_bits_equal(mean, np.full((1, 5, 5, 1), 7.5))
    # Counting the padding, every window divides by HUGE**2 = 2**126 cells.
    assert_bits_equal(
        forward(A_prev, mode="avg", **options), np.full((1, 5, 5, 1), 120 * 2.0**-126)
    )
    dA = np.ones((1, 5, 5, 1))
    expected = np.zeros((1, 4, 4, 1))
    expected[0, 3, 3, 0] = 25.0  # every window's maximum is the last cell
    assert_bits_equal(backward(dA, A_prev, **options), expected)
    rows, cols = winners(A_prev, **options)
    assert (rows == 3).all() and (cols == 3).all()


@pytest.mark.parametrize("module", [None, reference], ids=["fast", "loops"])
def test_a_stride_past_int64_gives_the_single_window_a_small_one_gives(module):
    forward = module.pool_forward if module else pool_forward
    A_prev = np.random.default_rng(0).standard_normal((2, 5, 6, 3))
    for mode in ("max", "avg"):
        huge = forward(A_prev, (2, 3), (2**64, 2**70), mode, ceil_mode=True)
        small = forward(A_prev, (2, 3), (5, 6), mode, ceil_mode=True)
        assert_bits_equal(huge, small)


def test_geometry_of_huge_options_is_exact_not_wrapped():
    kernel, stride, padding = 2**64, 2**62, 2**63
    geometry = pool_geometry((4, 4), kernel, stride=stride, padding=padding, ceil_mode=True)
    starts = [int(start) for start in geometry.window_starts(0)]
    assert starts == [-padding + i * stride for i in range(geometry.out_shape[0])]
    # Cells from the window's start to its end or the padding's, whichever comes first.
    with_padding = [min(start + kernel, 4 + padding) - start for start in starts]
    assert [int(n) for n in geometry.counted_cells(0, count_include_pad=True)] == with_padding
    assert [int(n) for n in geometry.counted_cells(0, count_include_pad=False)] == [4] * len(starts)


@pytest.mark.parametrize(
    "kernel, stride, padding, dilation",
    [
        (HUGE, 1, HUGE // 2, 1),
        (10**6, 3, 5 * 10**5, 1),
        (2 * 10**6, 10**9, 10**6, 1),
        (3, 1, 1, 2),
    ],
)
def test_only_offsets_that_reach_the_input_are_visited(kernel, stride, padding, dilation):
    """At most one offset per (window, input cell) pair: the work follows the sizes."""
    geometry = pool_geometry((4, 5), kernel, stride, padding, dilation, ceil_mode=True)
    offsets = list(geometry.offset_slices())
    h_out, w_out = geometry.out_shape
    assert 0 < len(offsets) <= (h_out * 4) * (w_out * 5)
    for (di, dj), (out_rows, out_cols), (in_rows, in_cols) in offsets:
        first_row = out_rows.start * stride - padding + di * dilation
        first_col = out_cols.start * stride - padding + dj * dilation
        assert (in_rows.start, in_cols.start) == (first_row, first_col)


# -- one large image -----------------------------------------------------------------

LARGE = [
    ((1, 700, 600, 3), dict(kernel_shape=3, stride=1)),
    ((1, 700, 600, 3), dict(kernel_shape=3, stride=1, mode="avg")),
    ((2, 800, 500, 1), dict(kernel_shape=(3, 2), stride=(1, 2), padding=1, ceil_mode=True)),
    ((1, 900, 900, 1), dict(kernel_shape=3, stride=2, dilation=2, mode="max")),
    ((1, 2, 400_000, 1), dict(kernel_shape=(1, 3), stride=1)),
    ((1, 400_000, 2, 1), dict(kernel_shape=(3, 1), stride=1, mode="avg")),
]


@pytest.mark.parametrize("shape, options", LARGE)
def test_forward_holds_at_most_two_copies_of_a_large_input(shape, options):
    A_prev = np.random.default_rng(1).standard_normal(shape)
    peak = peak_bytes(lambda: pool_forward(A_prev, **options))
    assert peak <= 2 * A_prev.nbytes, f"peak {peak / A_prev.nbytes:.2f} x the input's bytes"


@pytest.mark.parametrize("shape, options", LARGE)
def test_backward_holds_at_most_three_copies_of_a_large_input(shape, options):
    A_prev = np.random.default_rng(1).standard_normal(shape)
    dA = np.ones_like(pool_forward(A_prev, **options))
    peak = peak_bytes(lambda: pool_backward(dA, A_prev, **options))
    assert peak <= 3 * A_prev.nbytes, f"peak {peak / A_prev.nbytes:.2f} x the input's bytes"
