"""Bit for bit: PyTorch, the fast version and the loops agree on every float, sign of zero included.

The data come from the whole range of each dtype (subnormals, ±0, numbers
near overflow, ±inf, NaN, every exponent) with deliberate ties, and results
are compared as bit patterns: ``assert_array_equal`` would let 0.0 pass for
-0.0, and small integers, which every float type holds exactly, would hide
rounding.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pooling_lib import max_pool_winners, pool_backward, pool_forward, reference, tiling
from pooling_lib import pooling as fast
from tests.strategies import (
    assert_bits_equal,
    full_range_arrays,
    full_range_cases,
    has_padding_only_window,
)

DTYPES = [np.float16, np.float32, np.float64]


def torch_pool(torch, A_prev, dA, options):
    """PyTorch's output, input gradient and flat max indices, in (m, h, w, c).

    The tensors are NCHW with PyTorch's default strides, so its NCHW kernels
    run: a transposed (m, h, w, c) array with a dimension of size 1 can have
    strides PyTorch reads as channels-last, and its channels-last average
    kernels leave -0.0 where the NCHW ones give +0.0.
    """
    functional = torch.nn.functional

    def nchw(array):
        tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))
        return tensor.clone(memory_format=torch.contiguous_format)

    x = nchw(A_prev).requires_grad_(True)
    common = dict(
        kernel_size=options["kernel_shape"],
        stride=options["stride"],
        padding=options.get("padding", 0),
        ceil_mode=options.get("ceil_mode", False),
    )
    indices = None
    if options.get("mode", "max") == "max":
        y, indices = functional.max_pool2d(
            x, dilation=options.get("dilation", 1), return_indices=True, **common
        )
        indices = indices.numpy().transpose(0, 2, 3, 1)
    else:
        y = functional.avg_pool2d(
            x,
            count_include_pad=options.get("count_include_pad", True),
            divisor_override=options.get("divisor_override"),
            **common,
        )
    y.backward(nchw(dA))
    to_nhwc = (0, 2, 3, 1)
    return y.detach().numpy().transpose(to_nhwc), x.grad.numpy().transpose(to_nhwc), indices


@pytest.fixture(scope="module")
def one_thread(torch):
    """PyTorch on one thread, so that nothing depends on how it splits the work."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


def _torch_comparable(case):
    """Options PyTorch takes: no dilation for avg, no window of padding alone for max.

    A max window lying wholly in padding is our one deliberate difference:
    we give -inf and no gradient, PyTorch reads outside the input.
    """
    shape, options, geometry = case
    if options["mode"] == "avg":
        options["dilation"] = (1, 1)
    else:
        assume(not has_padding_only_window(geometry))
    return shape, options


# -- PyTorch ------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(case=full_range_cases(), data=st.data(), dtype=st.sampled_from(DTYPES))
def test_forward_backward_and_winners_match_pytorch_bit_for_bit(one_thread, case, data, dtype):
    shape, options = _torch_comparable(case)
    A_prev = data.draw(full_range_arrays(shape, dtype), label="A_prev")
    ours = pool_forward(A_prev, **options)
    dA = data.draw(full_range_arrays(ours.shape, dtype), label="dA")
    expected, expected_grad, indices = torch_pool(one_thread, A_prev, dA, options)
    assert_bits_equal(ours, expected, "forward")
    assert_bits_equal(pool_backward(dA, A_prev, **options), expected_grad, "backward")
    if options["mode"] == "max":
        geometry_options = {k: v for k, v in options.items() if k != "mode"}
        rows, cols = max_pool_winners(A_prev, **geometry_options)
        assert_bits_equal(rows * shape[2] + cols, indices.astype(np.intp), "winners")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_shape=2, stride=2, mode="avg"),
        dict(kernel_shape=3, stride=1, mode="avg", padding=1, count_include_pad=False),
        dict(kernel_shape=2, stride=2, mode="max"),
        dict(kernel_shape=3, stride=2, mode="max", padding=1, ceil_mode=True),
    ],
)
def test_digits_match_pytorch_bit_for_bit(one_thread, dtype, options):
    """Float16 2 x 2 averages of the digits used to differ from PyTorch in 1.9 % of outputs."""
    from pooling_lib import load_mnist, two_channel

    A_prev = two_channel(load_mnist()[0][:300]).astype(dtype)
    ours = pool_forward(A_prev, **options)
    dA = np.random.default_rng(4).standard_normal(ours.shape).astype(dtype)
    expected, expected_grad, _ = torch_pool(one_thread, A_prev, dA, options)
    assert_bits_equal(ours, expected, "forward")
    assert_bits_equal(pool_backward(dA, A_prev, **options), expected_grad, "backward")


# -- the cases that used to go wrong, one by one -------------------------------


def test_float16_average_of_large_values_does_not_overflow():
    A_prev = np.full((1, 2, 2, 1), 60000, dtype=np.float16)
    assert_bits_equal(pool_forward(A_prev, 2, 2, "avg"), np.full((1, 1, 1, 1), 60000, np.float16))


def test_float16_average_is_summed_in_float32():
    """Added in float16, 1 + 2**-11 rounds back to 1 and the mean is 0.25."""
    A_prev = np.array([[1, 2**-11], [2**-11, 0]], dtype=np.float16).reshape(1, 2, 2, 1)
    expected = np.full((1, 1, 1, 1), 0.250244140625, dtype=np.float16)
    assert_bits_equal(pool_forward(A_prev, 2, 2, "avg"), expected)
    assert_bits_equal(reference.pool_forward(A_prev, 2, 2, "avg"), expected)


def test_losing_cells_get_positive_zero_for_a_negative_gradient():
    A_prev = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    dA_prev = pool_backward(-np.ones((1, 1, 1, 1)), A_prev, 2, 2)
    assert_bits_equal(dA_prev, np.array([[0.0, 0.0], [0.0, -1.0]]).reshape(1, 2, 2, 1))


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_a_gradient_of_negative_zero_arrives_as_positive_zero(mode):
    """PyTorch adds gradients onto +0.0, and +0.0 + -0.0 is +0.0."""
    A_prev = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    dA_prev = pool_backward(np.full((1, 1, 1, 1), -0.0), A_prev, 2, 2, mode)
    assert_bits_equal(dA_prev, np.zeros((1, 2, 2, 1)))


@pytest.mark.parametrize("module", [fast, reference], ids=["fast", "loops"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("first", [0.0, -0.0])
def test_a_max_of_tied_zeros_is_the_first_zero(module, dtype, first):
    zeros = np.array([first, -first], dtype=dtype)
    A_prev = np.tile(zeros, 80).reshape(1, 2, 80, 1)  # long rows: NumPy's SIMD loops too
    for kernel, stride in (((1, 2), (1, 2)), ((2, 2), (1, 2)), ((2, 3), (2, 2))):
        out = module.pool_forward(A_prev, kernel, stride)
        expected = np.full(out.shape, first, dtype=dtype)
        assert_bits_equal(out, expected, f"kernel {kernel}, stride {stride}")


def test_an_average_that_rounds_to_zero_is_positive_zero():
    """-2**-1074 / 4 rounds to -0.0; PyTorch adds it onto a zeroed output: +0.0."""
    A_prev = np.array([[-(2.0**-1074), 0.0], [0.0, 0.0]]).reshape(1, 2, 2, 1)
    for module in (fast, reference):
        assert_bits_equal(module.pool_forward(A_prev, 2, 2, "avg"), np.zeros((1, 1, 1, 1)))


@pytest.mark.parametrize("module", [fast, reference], ids=["fast", "loops"])
def test_divisors_round_once_as_pytorch_converts_them(module):
    """2**62 + 2**38 + 1 is 2**62 + 2**39 in float32; through float64 it would be 2**62."""
    A_prev = np.full((1, 1, 1, 1), 2.0**62 + 2.0**39, dtype=np.float32)
    out = module.pool_forward(A_prev, 1, mode="avg", divisor_override=2**62 + 2**38 + 1)
    assert_bits_equal(out, np.ones((1, 1, 1, 1), dtype=np.float32))


@pytest.mark.parametrize("module", [fast, reference], ids=["fast", "loops"])
def test_float16_gradients_divide_by_the_divisor_in_float16(module):
    """PyTorch divides a float16 gradient by a float16 divisor: 2049 becomes 2048, 65520 inf."""
    A_prev = np.zeros((1, 1, 1, 1), dtype=np.float16)
    dA = np.ones((1, 1, 1, 1), dtype=np.float16)
    by_2049 = module.pool_backward(dA, A_prev, 1, mode="avg", divisor_override=2049)
    assert_bits_equal(by_2049, np.full((1, 1, 1, 1), 2.0**-11, dtype=np.float16))
    by_65520 = module.pool_backward(dA * 60000, A_prev, 1, mode="avg", divisor_override=65520)
    assert_bits_equal(by_65520, np.zeros((1, 1, 1, 1), dtype=np.float16))


# -- fast == loops ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    case=full_range_cases(max_side=6),
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    ties=st.sampled_from(["first", "all", "split"]),
)
def test_fast_matches_loops_bit_for_bit(case, data, dtype, ties):
    shape, options, _ = case
    ties = ties if options["mode"] == "max" else "first"  # avg refuses a tie policy
    A_prev = data.draw(full_range_arrays(shape, dtype), label="A_prev")
    ours = pool_forward(A_prev, **options)
    assert_bits_equal(ours, reference.pool_forward(A_prev, **options), "forward")
    dA = data.draw(full_range_arrays(ours.shape, dtype), label="dA")
    assert_bits_equal(
        pool_backward(dA, A_prev, ties=ties, **options),
        reference.pool_backward(dA, A_prev, ties=ties, **options),
        "backward",
    )
    if options["mode"] == "max":
        geometry_options = {k: v for k, v in options.items() if k != "mode"}
        for ours_part, loops_part in zip(
            max_pool_winners(A_prev, **geometry_options),
            reference.max_pool_winners(A_prev, **geometry_options),
            strict=True,
        ):
            assert_bits_equal(ours_part, loops_part, "winners")


@settings(max_examples=150, deadline=None)
@given(
    case=full_range_cases(max_side=9),
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    chunk_bytes=st.sampled_from([1, 16, 96, 400]),
)
def test_tiles_of_a_large_image_give_the_same_bits(case, data, dtype, chunk_bytes):
    """A large image is cut into tiles; shrinking the tile budget makes small ones tile too.

    Bands, bands cut across, tiles whose input overlaps (windows overlapping
    or interleaved by dilation), tiles of padding alone: all must give what
    the loops give, gradients summed in the same order.
    """
    shape, options, _ = case
    A_prev = data.draw(full_range_arrays(shape, dtype), label="A_prev")
    dA_shape = reference.pool_forward(A_prev, **options).shape
    dA = data.draw(full_range_arrays(dA_shape, dtype), label="dA")
    with mock.patch.object(tiling, "_CHUNK_BYTES", chunk_bytes):
        tiled = pool_forward(A_prev, **options)
        tiled_grad = pool_backward(dA, A_prev, **options)
        if options["mode"] == "max":
            geometry_options = {k: v for k, v in options.items() if k != "mode"}
            tiled_winners = max_pool_winners(A_prev, **geometry_options)
    assert_bits_equal(tiled, reference.pool_forward(A_prev, **options), "forward")
    assert_bits_equal(tiled_grad, reference.pool_backward(dA, A_prev, **options), "backward")
    if options["mode"] == "max":
        for tiled_part, loops_part in zip(
            tiled_winners, reference.max_pool_winners(A_prev, **geometry_options), strict=True
        ):
            assert_bits_equal(tiled_part, loops_part, "winners")
