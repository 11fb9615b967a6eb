"""Adaptive pooling and max unpooling: PyTorch's windows and arithmetic, to the bit.

PyTorch gets an (m, h, w, c) array as an NCHW-contiguous tensor, as in
``test_torch_parity.py``. Inputs come from each dtype's whole range (random
bit patterns, +-0, subnormals, near-overflow, +-inf, NaN); comparisons are of
bit patterns, so the sign of zero counts.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pooling_lib import adaptive, adaptive_loops, max_pool_winners, modern_layers, pool_forward
from tests.strategies import assert_bits_equal, full_range_arrays
from tests.test_bounds import peak_bytes

DTYPES = (np.float16, np.float32, np.float64)
VERSIONS = [pytest.param(adaptive, id="fast"), pytest.param(adaptive_loops, id="loops")]


@st.composite
def adaptive_cases(draw, max_side=9):
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    out = (draw(st.integers(1, max_side + 2)), draw(st.integers(1, max_side + 2)))
    shape = (draw(st.integers(1, 3)), h, w, draw(st.integers(1, 3)))
    return shape, out


def nchw(torch, array):
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))


def nhwc(tensor):
    return tensor.detach().numpy().transpose(0, 2, 3, 1)


def torch_adaptive(torch, A_prev, dA, output_size, mode):
    """PyTorch's forward, input gradient and (for max) indices, in the (m, h, w, c) layout."""
    x = nchw(torch, A_prev).requires_grad_()
    if mode == "max":
        y, indices = torch.nn.functional.adaptive_max_pool2d(x, output_size, return_indices=True)
    else:
        # The adaptive kernel itself: F.adaptive_avg_pool2d sends (1, 1) to `mean`.
        y, indices = torch.ops.aten._adaptive_avg_pool2d(x, list(output_size)), None
    y.backward(nchw(torch, dA))
    return nhwc(y), nhwc(x.grad), None if indices is None else nhwc(indices)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_matches_pytorch_to_the_bit_on_the_whole_range(torch, version, mode, dtype, data):
    shape, out = data.draw(adaptive_cases())
    A_prev = data.draw(full_range_arrays(shape, dtype))
    dA = data.draw(full_range_arrays((shape[0], *out, shape[3]), dtype))
    before = (A_prev.copy(), dA.copy())
    value, gradient, indices = torch_adaptive(torch, A_prev, dA, out, mode)
    assert_bits_equal(version.adaptive_pool_forward(A_prev, out, mode), value, "forward")
    assert_bits_equal(version.adaptive_pool_backward(dA, A_prev, out, mode), gradient, "backward")
    if mode == "max":
        assert_bits_equal(version.adaptive_max_indices(A_prev, out), indices, "indices")
    assert_bits_equal(A_prev, before[0], "A_prev unchanged")
    assert_bits_equal(dA, before[1], "dA unchanged")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_output_size_but_one_matches_the_public_function(torch, dtype):
    """Outside (1, 1), ``F.adaptive_avg_pool2d`` is the adaptive kernel; at (1, 1) it is `mean`."""
    A_prev = np.random.default_rng(3).standard_normal((2, 7, 9, 3)).astype(dtype)
    for out in [(2, 3), (7, 9), (1, 4), (10, 11)]:
        expected = nhwc(torch.nn.functional.adaptive_avg_pool2d(nchw(torch, A_prev), out))
        assert_bits_equal(adaptive.adaptive_pool_forward(A_prev, out, "avg"), expected)


def test_global_average_is_close_to_torch_mean_and_exact_to_its_kernel(torch):
    A_prev = np.random.default_rng(4).standard_normal((4, 7, 7, 16)).astype(np.float32)
    ours = adaptive.adaptive_pool_forward(A_prev, 1, "avg")
    by_mean = nhwc(torch.nn.functional.adaptive_avg_pool2d(nchw(torch, A_prev), 1))
    np.testing.assert_allclose(ours, by_mean, rtol=1e-6, atol=1e-7)
    total = np.zeros((4, 16), dtype=np.float32)
    for cell in A_prev.reshape(4, 49, 16).transpose(1, 0, 2):  # row-major, one cell at a time
        total += cell
    np.testing.assert_array_equal(ours[:, 0, 0, :], total / np.float32(7) / np.float32(7))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_pytorchs_channels_last_kernel_divides_once_in_its_vector_lanes(torch, dtype):
    """Why the default layout is the reference: channels-last rounds differently for 16 channels."""
    A_prev = np.random.default_rng(5).standard_normal((2, 9, 7, 16)).astype(dtype)
    channels_last = torch.from_numpy(A_prev).permute(0, 3, 1, 2)
    assert channels_last.is_contiguous(memory_format=torch.channels_last)
    theirs = nhwc(torch.nn.functional.adaptive_avg_pool2d(channels_last, (4, 3)))
    ours = adaptive.adaptive_pool_forward(A_prev, (4, 3), "avg")
    divided_once = np.empty_like(ours)
    rows, cols = adaptive.adaptive_bounds(9, 4), adaptive.adaptive_bounds(7, 3)
    for i, j in np.ndindex(4, 3):
        window = A_prev[:, rows[0][i] : rows[1][i], cols[0][j] : cols[1][j], :]
        total = np.zeros((2, 16), dtype=dtype)
        for cell in window.reshape(2, -1, 16).transpose(1, 0, 2):
            total += cell
        divided_once[:, i, j, :] = total / dtype(window.shape[1] * window.shape[2])
    assert_bits_equal(theirs, divided_once)
    assert not np.array_equal(theirs, ours)  # one division against two: the last bit moves


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_loops_and_fast_agree_to_the_bit(dtype, data):
    shape, out = data.draw(adaptive_cases(max_side=7))
    mode = data.draw(st.sampled_from(["max", "avg"]))
    A_prev = data.draw(full_range_arrays(shape, dtype))
    dA = data.draw(full_range_arrays((shape[0], *out, shape[3]), dtype))
    for name, args in [
        ("adaptive_pool_forward", (A_prev, out, mode)),
        ("adaptive_pool_backward", (dA, A_prev, out, mode)),
        ("adaptive_max_indices", (A_prev, out)),
    ]:
        assert_bits_equal(getattr(adaptive, name)(*args), getattr(adaptive_loops, name)(*args))


@given(st.integers(1, 40), st.integers(1, 40))
def test_bounds_follow_the_definition_with_exact_fractions(in_size, out_size):
    assume(out_size <= adaptive.MAX_SCALE * in_size)
    starts, stops = adaptive.adaptive_bounds(in_size, out_size)
    for i in range(out_size):
        assert starts[i] == floor(Fraction(i * in_size, out_size))
        assert stops[i] == ceil(Fraction((i + 1) * in_size, out_size))
    # Every cell is covered, and every window holds at least one cell.
    assert starts[0] == 0 and stops[-1] == in_size and (stops > starts).all()
    assert (starts[1:] <= stops[:-1]).all()


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((0, 3), ValueError, r"in_size must be at least 1, got 0"),
        ((5, -1), ValueError, r"out_size must be at least 1, got -1"),
        ((5.0, 2), TypeError, r"in_size must be an int of at least 1, got 5\.0"),
        ((5, True), TypeError, r"out_size must be an int"),
    ],
)
def test_bounds_refuse_sizes_below_one(args, error, message):
    with pytest.raises(error, match=message):
        adaptive.adaptive_bounds(*args)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: adaptive.check_output_size((2, 2.5)), TypeError, r"got \(2, 2\.5\)"),
        (
            lambda: adaptive.max_unpool(np.ones((1, 1, 1, 1)), (np.zeros((1, 1, 1, 1)),) * 2, 2),
            TypeError,
            r"indices must be integers, got rows of dtype float64",
        ),
        (
            lambda: adaptive.max_unpool(
                np.ones((1, 1, 1, 1)), (np.zeros((1, 1, 1, 1), int), np.zeros((1, 1), int)), 2
            ),
            ValueError,
            r"indices as \(rows, cols\) must have one shape",
        ),
    ],
)
def test_output_sizes_and_index_pairs_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("out", [(3, 2), (5, 9), 1])
def test_average_backward_is_the_adjoint_of_the_forward(out):
    rng = np.random.default_rng(6)
    A_prev = rng.standard_normal((2, 7, 5, 3))
    forward = adaptive.adaptive_pool_forward(A_prev, out, "avg")
    dA = rng.standard_normal(forward.shape)
    lhs = np.sum(forward * dA)
    rhs = np.sum(A_prev * adaptive.adaptive_pool_backward(dA, A_prev, out, "avg"))
    assert abs(lhs - rhs) <= 1e-12 * (abs(lhs) + 1)


def test_unpool_leaves_its_inputs_alone():
    A = np.arange(4.0).reshape(1, 2, 2, 1)
    indices = np.array([0, 3, 8, 15]).reshape(1, 2, 2, 1)
    before = (A.copy(), indices.copy())
    adaptive.max_unpool(A, indices, 4)
    adaptive_loops.max_unpool(A, indices, 4)
    assert np.array_equal(A, before[0]) and np.array_equal(indices, before[1])


def test_uneven_windows_overlap():
    starts, stops = adaptive.adaptive_bounds(28, 5)
    assert starts.tolist() == [0, 5, 11, 16, 22]
    assert stops.tolist() == [6, 12, 17, 23, 28]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_max_unpool_matches_pytorch(torch, version, dtype, data):
    m, c = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    h, w = data.draw(st.integers(2, 8)), data.draw(st.integers(2, 8))
    kernel = data.draw(st.integers(1, min(h, w, 3)))
    stride = data.draw(st.integers(1, 3))  # below the kernel: windows overlap, indices repeat
    A_prev = data.draw(full_range_arrays((m, h, w, c), dtype))
    pooled, indices = torch.nn.functional.max_pool2d(
        nchw(torch, A_prev), kernel, stride, return_indices=True
    )
    expected = nhwc(
        torch.nn.functional.max_unpool2d(pooled, indices, kernel, stride, output_size=(h, w))
    )
    ours = pool_forward(A_prev, kernel, stride)
    assert_bits_equal(version.max_unpool(ours, nhwc(indices), (h, w)), expected, "flat")
    winners = max_pool_winners(A_prev, kernel, stride)
    assert_bits_equal(version.max_unpool(ours, winners, (h, w)), expected, "rows, cols")


def test_unpool_keeps_the_later_value_when_indices_repeat():
    A = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    indices = np.array([0, 0, 5, 5]).reshape(1, 2, 2, 1)
    out = adaptive.max_unpool(A, indices, 4)[0, :, :, 0]
    assert out[0, 0] == 2.0 and out[1, 1] == 4.0 and np.count_nonzero(out) == 2


def test_empty_batch_gives_empty_results():
    A_prev = np.zeros((0, 5, 5, 2))
    assert adaptive.adaptive_pool_forward(A_prev, 2).shape == (0, 2, 2, 2)
    assert adaptive.adaptive_pool_backward(np.zeros((0, 2, 2, 2)), A_prev, 2).shape == A_prev.shape


def test_none_waits_for_the_input_when_there_is_none_yet():
    assert adaptive.check_output_size((2, None)) == (2, None)
    assert adaptive.check_output_size((None, None), in_shape=(5, 6)) == (5, 6)


def test_none_keeps_the_input_size():
    A_prev = np.arange(12.0).reshape(1, 3, 4, 1)
    assert adaptive.adaptive_pool_forward(A_prev, (1, None), "avg").shape == (1, 1, 4, 1)


GOOD = np.zeros((1, 4, 4, 1))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda v: v.adaptive_pool_forward(GOOD, 0), ValueError, r"output_size must be at least 1"),
        (lambda v: v.adaptive_pool_forward(GOOD, -2), ValueError, r"got -2"),
        (lambda v: v.adaptive_pool_forward(GOOD, 2.0), TypeError, r"output_size .* got 2\.0"),
        (lambda v: v.adaptive_pool_forward(GOOD, True), TypeError, r"output_size .* got True"),
        (lambda v: v.adaptive_pool_forward(GOOD, (2,)), TypeError, r"pair of ints.* got \(2,\)"),
        (lambda v: v.adaptive_pool_forward(GOOD, "2"), TypeError, r"output_size .* got '2'"),
        (lambda v: v.adaptive_pool_forward(GOOD, 2, "mean"), ValueError, r"mode must be one of"),
        (lambda v: v.adaptive_pool_forward(GOOD[0], 2), ValueError, r"A_prev must have 4 dim"),
        (
            lambda v: v.adaptive_pool_forward(np.zeros((1, 0, 4, 1)), 2),
            ValueError,
            r"A_prev must have a non-empty height, width and channels",
        ),
        (lambda v: v.adaptive_pool_forward(GOOD.astype(complex), 2), TypeError, r"real numbers"),
        (lambda v: v.adaptive_max_indices(GOOD, (0, 1)), ValueError, r"at least 1"),
        (
            lambda v: v.adaptive_pool_backward(np.zeros((1, 3, 3, 1)), GOOD, 2),
            ValueError,
            r"dA must have the forward output's shape .* \(1, 2, 2, 1\), got \(1, 3, 3, 1\)",
        ),
        (
            lambda v: v.adaptive_pool_backward(np.zeros((1, 2, 2, 1)), GOOD, 2, "x"),
            ValueError,
            "mode",
        ),
        (
            lambda v: v.max_unpool(np.ones((1, 2, 2, 1)), np.ones((1, 2, 2, 1)), 4),
            TypeError,
            r"indices must be integers .* got dtype float64",
        ),
        (
            lambda v: v.max_unpool(np.ones((1, 2, 2, 1)), np.full((1, 2, 2, 1), 16), 4),
            ValueError,
            r"indices must point inside the 4 x 4 map \(0 to 15\), got 16",
        ),
        (
            lambda v: v.max_unpool(np.ones((1, 2, 2, 1)), np.full((1, 2, 2, 1), -1), 4),
            ValueError,
            r"got -1",
        ),
        (
            lambda v: v.max_unpool(np.ones((1, 2, 2, 1)), np.zeros((1, 2, 1, 1), int), 4),
            ValueError,
            r"indices must have the shape of A .* \(1, 2, 2, 1\), got \(1, 2, 1, 1\)",
        ),
        (
            lambda v: v.max_unpool(np.ones((1, 2, 2, 1)), np.zeros((1, 2, 2, 1), int), (4, 0)),
            ValueError,
            r"output_shape must be a pair of positive ints \(h, w\), got \(4, 0\)",
        ),
        (
            lambda v: v.max_unpool(np.ones((1, 2, 2, 1)), (np.zeros((1, 2, 2, 1), int),) * 3, 4),
            ValueError,
            r"indices must have the shape of A",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(version, call, error, message):
    with pytest.raises(error, match=message):
        call(version)


# -- sizes are bounded by the input, never by an option ----------------------------


HUGE_CALLS = [
    pytest.param(lambda v: v.adaptive_pool_forward(GOOD, 10**9, "avg"), id="forward"),
    pytest.param(lambda v: v.adaptive_pool_forward(GOOD, (2, 2**70)), id="forward-past-int64"),
    pytest.param(lambda v: v.adaptive_max_indices(GOOD, (10**9, None)), id="indices"),
    pytest.param(
        lambda v: v.adaptive_pool_backward(np.zeros((1, 1, 1, 1)), GOOD, 10**9), id="backward"
    ),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("call", HUGE_CALLS)
def test_a_huge_output_size_is_refused_before_anything_is_allocated(version, call):
    def refused():
        with pytest.raises(ValueError, match=r"output_size must be at most 32 times the input"):
            call(version)

    assert peak_bytes(refused) < 100_000


@pytest.mark.parametrize("version", VERSIONS)
def test_an_output_up_to_max_scale_times_the_input_matches_pytorch(torch, version):
    """The largest output allowed, 32 x 4 = 128, and one more, refused with the limit in numbers."""
    A_prev = np.random.default_rng(7).standard_normal((1, 4, 3, 2)).astype(np.float32)
    out = (adaptive.MAX_SCALE * 4, 5)
    expected = nhwc(torch.nn.functional.adaptive_avg_pool2d(nchw(torch, A_prev), out))
    assert_bits_equal(version.adaptive_pool_forward(A_prev, out, "avg"), expected)
    with pytest.raises(
        ValueError, match=r"at most \(128, 96\) for an input of 4 x 3, got \(129, 5\)"
    ):
        version.adaptive_pool_forward(A_prev, (129, 5), "avg")


def test_the_layer_refuses_a_huge_output_size_at_its_first_input():
    layer = modern_layers.AdaptivePool2D(10**9)
    with pytest.raises(ValueError, match=r"output_size must be at most 32 times"):
        layer.forward(GOOD)


@pytest.mark.parametrize(
    "args, message",
    [
        ((4, 10**9), r"out_size must be at most 32 \* in_size = 128, got 1000000000"),
        ((2**40, 2**30), r"in_size \* out_size must be below 2\*\*63"),
    ],
)
def test_bounds_refuse_sizes_that_would_not_fit(args, message):
    assert peak_bytes(lambda: pytest.raises(ValueError, adaptive.adaptive_bounds, *args)) < 10_000
    with pytest.raises(ValueError, match=message):
        adaptive.adaptive_bounds(*args)


UNPOOL_A = np.ones((1, 2, 2, 1))
UNPOOL_FLAT = np.array([0, 3, 8, 15]).reshape(1, 2, 2, 1)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "indices, output_shape, error, message",
    [
        (UNPOOL_FLAT, 10**9, ValueError, r"at most \(64, 64\), got \(1000000000, 1000000000\)"),
        (UNPOOL_FLAT, (4, 2**64), ValueError, r"output_shape must be at most 32 times A's map"),
        (UNPOOL_FLAT, (4.0, 4), TypeError, r"output_shape must be an int or a pair .* \(4\.0, 4\)"),
        (UNPOOL_FLAT, "4", TypeError, r"output_shape must be an int or a pair .* got '4'"),
        (UNPOOL_FLAT, (True, 4), TypeError, r"output_shape .* got \(True, 4\)"),
        # A column past the width would land on the next row if it were added up first.
        (
            (np.zeros((1, 2, 2, 1), int), np.full((1, 2, 2, 1), 5)),
            (4, 4),
            ValueError,
            r"cols must point inside the 4 x 4 map \(columns 0 to 3\), got 5",
        ),
        # 2**62 rows times a width of 4 wrap around to 0 in int64.
        (
            (np.full((1, 2, 2, 1), 2**62), np.zeros((1, 2, 2, 1), int)),
            (4, 4),
            ValueError,
            r"rows must point inside the 4 x 4 map \(rows 0 to 3\), got 4611686018427387904",
        ),
        (
            (np.zeros((1, 2, 2, 1), int), np.full((1, 2, 2, 1), -1)),
            (4, 4),
            ValueError,
            r"cols .* got -1; .*\(-1 marks a window of padding alone\)",
        ),
        # Past int64: converted first, it would wrap to -1.
        (
            np.full((1, 2, 2, 1), 2**64 - 1, dtype=np.uint64),
            (4, 4),
            ValueError,
            r"indices must point inside .* got 18446744073709551615",
        ),
        (UNPOOL_FLAT.astype(bool), 4, TypeError, r"indices must be integers .* dtype bool"),
    ],
)
def test_unpool_refuses_shapes_and_indices_outside_the_map(
    version, indices, output_shape, error, message
):
    def refused():
        with pytest.raises(error, match=message):
            version.max_unpool(UNPOOL_A, indices, output_shape)

    assert peak_bytes(refused) < 100_000


def test_unpool_back_to_a_global_poolings_input_is_allowed():
    digit_like = np.random.default_rng(8).standard_normal((2, 28, 28, 3))
    pooled = adaptive.adaptive_pool_forward(digit_like, 1)
    unpooled = adaptive.max_unpool(pooled, adaptive.adaptive_max_indices(digit_like, 1), 28)
    assert_bits_equal(unpooled.max(axis=(1, 2)), pooled[:, 0, 0, :])
    assert (np.count_nonzero(unpooled, axis=(1, 2)) == 1).all()


# -- dtypes, None sizes, the public (1, 1) average --------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.bool_])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_integer_and_bool_input_pools_as_float64(dtype, mode):
    values = np.random.default_rng(9).integers(0, 2 if dtype is np.bool_ else 200, (2, 7, 5, 3))
    A_prev = values.astype(dtype)
    before = A_prev.copy()
    ours = adaptive.adaptive_pool_forward(A_prev, (3, 4), mode)
    assert_bits_equal(ours, adaptive.adaptive_pool_forward(values.astype(np.float64), (3, 4), mode))
    assert np.array_equal(A_prev, before) and A_prev.dtype == dtype


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("out", [(None, 3), (4, None), (None, None)])
def test_none_sizes_match_pytorch(torch, mode, out):
    A_prev = np.random.default_rng(10).standard_normal((2, 7, 5, 3)).astype(np.float32)
    pool = getattr(torch.nn.functional, f"adaptive_{mode}_pool2d")
    expected = nhwc(pool(nchw(torch, A_prev), out))
    assert_bits_equal(adaptive.adaptive_pool_forward(A_prev, out, mode), expected)
    assert_bits_equal(adaptive_loops.adaptive_pool_forward(A_prev, out, mode), expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_the_public_global_averages_gradient_divides_once(torch, dtype):
    """As the module says: through `mean`, PyTorch's (1, 1) gradient is dA / (h * w)."""
    rng = np.random.default_rng(11)
    A_prev = rng.standard_normal((4, 7, 7, 16)).astype(dtype)
    dA = rng.standard_normal((4, 1, 1, 16)).astype(dtype)
    x = nchw(torch, A_prev).requires_grad_()
    torch.nn.functional.adaptive_avg_pool2d(x, 1).backward(nchw(torch, dA))
    work = np.float32 if dtype is np.float16 else dtype
    once = (dA.astype(work) / work(49)).astype(dtype)
    assert_bits_equal(nhwc(x.grad), np.broadcast_to(once, A_prev.shape))
