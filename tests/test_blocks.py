"""The side-by-side shortcut (stride = kernel, no padding) gives the loops' bits, specials too.

:mod:`pooling_lib.blocks` takes over from the general path for 2 x 2 / 2 and
its kin; the loop version in :mod:`pooling_lib.reference` is the yardstick.
The inputs come from the whole float range: NaN, infinities, subnormals,
0.0 beside -0.0, ties.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooling_lib import blocks, pool_backward, pool_forward, reference
from pooling_lib.geometry import pool_geometry
from tests.strategies import assert_bits_equal, full_range_arrays

DTYPES = [np.float16, np.float32, np.float64]


@st.composite
def side_by_side_cases(draw):
    """A batch and its side-by-side windows: kernel 1 to 3 per axis, stride the kernel."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h = draw(st.integers(kernel[0], 3 * kernel[0] + 2))
    w = draw(st.integers(kernel[1], 3 * kernel[1] + 2))
    shape = (draw(st.integers(0, 3)), h, w, draw(st.sampled_from([1, 2, 3, 4, 10, 16])))
    return shape, kernel


@settings(max_examples=200, deadline=None)
@given(case=side_by_side_cases(), dtype=st.sampled_from(DTYPES), data=st.data())
def test_side_by_side_windows_give_the_loops_bits(case, dtype, data):
    shape, kernel = case
    A_prev = data.draw(full_range_arrays(shape, dtype))
    assert blocks.side_by_side(pool_geometry(shape[1:3], kernel, kernel))
    for mode in ("max", "avg"):
        ours = pool_forward(A_prev, kernel, kernel, mode)
        assert_bits_equal(ours, reference.pool_forward(A_prev, kernel, kernel, mode), mode)
        dA = data.draw(full_range_arrays(ours.shape, dtype))
        assert_bits_equal(
            pool_backward(dA, A_prev, kernel, kernel, mode),
            reference.pool_backward(dA, A_prev, kernel, kernel, mode),
            f"{mode} backward",
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_strided_input_and_a_wider_gradient_take_the_shortcut_alike(dtype):
    rng = np.random.default_rng(3)
    wide = rng.standard_normal((4, 9, 12, 6)).astype(dtype)
    A_prev = wide[:, :8, ::-1, ::3]  # no axis contiguous but the batch
    dA = rng.standard_normal((4, 4, 6, 2))  # float64: the gradient is float64
    assert_bits_equal(pool_forward(A_prev, 2, 2), reference.pool_forward(A_prev, 2, 2))
    assert_bits_equal(
        pool_forward(A_prev, 2, 2, "avg"), reference.pool_forward(A_prev, 2, 2, "avg")
    )
    assert_bits_equal(pool_backward(dA, A_prev, 2, 2), reference.pool_backward(dA, A_prev, 2, 2))


def test_the_shortcuts_refuse_only_what_they_cannot_do():
    geometry = pool_geometry((4, 4), 2, 2)
    A_prev = np.arange(32.0).reshape(1, 4, 4, 2)
    out = np.empty((1, 2, 2, 2))
    assert blocks.max_blocks(A_prev, geometry, out)
    assert_bits_equal(out, reference.pool_forward(A_prev, 2, 2))
    signed = A_prev.copy()
    signed[0, 0, 0, 0] = -0.0
    assert not blocks.max_blocks(signed, geometry, out)
    dA, dA_prev = np.ones((1, 2, 2, 2)), np.empty_like(A_prev)
    assert blocks.max_blocks_backward(dA, A_prev, geometry, dA_prev)
    assert_bits_equal(dA_prev, reference.pool_backward(dA, A_prev, 2, 2))
    with_nan = A_prev.copy()
    with_nan[0, 3, 3, 1] = np.nan
    untouched = dA_prev.copy()
    assert not blocks.max_blocks_backward(dA, with_nan, geometry, dA_prev)
    assert_bits_equal(dA_prev, untouched)


@pytest.mark.parametrize(
    "options",
    [
        {"kernel_shape": 2, "stride": 1},
        {"kernel_shape": 2, "stride": 2, "padding": 1},
        {"kernel_shape": 2, "stride": 2, "dilation": 2},
        {"kernel_shape": 3, "stride": 3, "ceil_mode": True},
    ],
)
def test_windows_that_overlap_pad_or_overhang_are_not_side_by_side(options):
    options = {"padding": 0, "dilation": 1, "ceil_mode": False, **options}
    geometry = pool_geometry(
        (7, 7),
        options["kernel_shape"],
        options["stride"],
        options["padding"],
        options["dilation"],
        options["ceil_mode"],
    )
    assert not blocks.side_by_side(geometry)
