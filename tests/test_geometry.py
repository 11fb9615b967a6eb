"""Window geometry: one source of truth, checked against a direct enumeration of cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from pooling_lib import output_shape, pool_geometry
from pooling_lib.geometry import to_pair
from tests.strategies import pooling_cases


def enumerate_cells(geometry):
    """Every (window, offset, input cell) triple, by brute force from the definition."""
    (h, w), (kh, kw), (sh, sw) = geometry.in_shape, geometry.kernel_shape, geometry.stride
    (ph, pw), (dh, dw) = geometry.padding, geometry.dilation
    for i in range(geometry.out_shape[0]):
        for j in range(geometry.out_shape[1]):
            for di in range(kh):
                for dj in range(kw):
                    row, col = i * sh - ph + di * dh, j * sw - pw + dj * dw
                    if 0 <= row < h and 0 <= col < w:
                        yield (i, j), (di, dj), (row, col)


@settings(max_examples=200, deadline=None)
@given(case=pooling_cases())
def test_offset_slices_visit_exactly_the_cells_inside_the_input(case):
    _, _, geometry = case
    expected = sorted(enumerate_cells(geometry))
    visited = []
    for (di, dj), (out_rows, out_cols), (in_rows, in_cols) in geometry.offset_slices():
        windows_i = range(geometry.out_shape[0])[out_rows]
        windows_j = range(geometry.out_shape[1])[out_cols]
        rows = range(geometry.in_shape[0])[in_rows]
        cols = range(geometry.in_shape[1])[in_cols]
        assert len(windows_i) == len(rows) and len(windows_j) == len(cols)
        for i, row in zip(windows_i, rows, strict=True):
            for j, col in zip(windows_j, cols, strict=True):
                visited.append(((i, j), (di, dj), (row, col)))
    assert sorted(visited) == expected


@settings(max_examples=200, deadline=None)
@given(case=pooling_cases())
def test_every_window_starts_inside_the_input_or_the_left_padding(case):
    _, _, geometry = case
    for axis in (0, 1):
        starts = geometry.window_starts(axis)
        assert starts[0] == -geometry.padding[axis]
        assert starts[-1] < geometry.in_shape[axis]
        # The last window reaches the padded input's far edge, or ceil mode let it hang over.
        last_cell = geometry.window_positions(axis)[-1, -1]
        assert (
            last_cell <= geometry.in_shape[axis] + geometry.padding[axis] - 1 or geometry.ceil_mode
        )


@settings(max_examples=200, deadline=None)
@given(case=pooling_cases())
def test_overlap_counts(case):
    _, _, geometry = case
    counts = np.zeros(geometry.in_shape, dtype=int)
    for _, _, cell in enumerate_cells(geometry):
        counts[cell] += 1
    np.testing.assert_array_equal(geometry.overlap_counts(), counts)
    assert geometry.windows_overlap == (counts.max() > 1)


def test_counted_cells_with_padding_and_overhang():
    geometry = pool_geometry((5, 5), 3, 2, padding=1, ceil_mode=True)
    assert geometry.out_shape == (3, 3)
    np.testing.assert_array_equal(geometry.window_starts(0), [-1, 1, 3])
    np.testing.assert_array_equal(geometry.counted_cells(0, count_include_pad=True), [3, 3, 3])
    np.testing.assert_array_equal(geometry.counted_cells(0, count_include_pad=False), [2, 3, 2])
    overhang = pool_geometry((5, 5), 2, 2, ceil_mode=True)
    np.testing.assert_array_equal(overhang.window_positions(1)[-1], [4, 5])
    np.testing.assert_array_equal(overhang.in_padding(1)[-1], [False, False])
    np.testing.assert_array_equal(overhang.counted_cells(1, True), [2, 2, 1])


@pytest.mark.parametrize(
    "args, expected",
    [
        ((28, 28, 2, 2), (14, 14)),
        ((28, 28, 3, 1), (26, 26)),
        ((28, 28, 3, 2), (13, 13)),
        ((28, 28, 3, 2, 0, 1, True), (14, 14)),
        # ceil mode's extra window would start in the right padding: dropped.
        ((5, 5, 2, 2, 1, 1, True), (3, 3)),
        ((4, 4, 2, 3, 1, 1, True), (2, 2)),
        # ceil mode's extra window starts inside the input: kept.
        ((6, 6, 3, 2, 1, 1, True), (4, 4)),
        ((7, 9, (3, 1), (2, 4), (1, 0), (2, 1)), (3, 3)),
        ((1, 1, 1, 1), (1, 1)),
    ],
)
def test_output_shape_examples(args, expected):
    assert output_shape(*args) == expected


def test_to_pair_accepts_numpy_integers_and_sequences():
    assert to_pair(np.int64(3), "stride") == (3, 3)
    assert to_pair([1, np.int32(2)], "stride") == (1, 2)
    assert to_pair(np.array([4, 5]), "stride") == (4, 5)
    with pytest.raises(TypeError, match=r"stride must be an int or a pair of ints, got None"):
        to_pair(None, "stride")


@settings(max_examples=200, deadline=None)
@given(case=pooling_cases())
def test_dropped_window_is_the_one_ceil_mode_asked_for_and_could_not_start_inside(case):
    _, _, geometry = case
    for axis in (0, 1):
        start = geometry.dropped_window_start(axis)
        if start is None:
            continue
        assert geometry.ceil_mode
        n = geometry.in_shape[axis]
        assert start == geometry.window_starts(axis)[-1] + geometry.stride[axis]
        assert start >= n, "a dropped window would have started at or past the input's end"
