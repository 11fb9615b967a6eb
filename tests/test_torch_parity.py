"""PyTorch's max_pool2d / avg_pool2d are the reference: same numbers, option for option."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pooling_lib import max_pool_winners, pool_backward, pool_forward
from tests.strategies import (
    arrays_with_ties,
    has_padding_only_window,
    pooling_cases,
    upstream_gradient,
)


def torch_pool(torch, A_prev, dA, options):
    """PyTorch's forward output and input gradient, converted to (m, h, w, c)."""
    functional = torch.nn.functional
    x = torch.from_numpy(np.ascontiguousarray(A_prev.transpose(0, 3, 1, 2))).requires_grad_(True)
    common = dict(
        kernel_size=options["kernel_shape"],
        stride=options["stride"],
        padding=options.get("padding", 0),
        ceil_mode=options.get("ceil_mode", False),
    )
    if options.get("mode", "max") == "max":
        y = functional.max_pool2d(x, dilation=options.get("dilation", 1), **common)
    else:
        y = functional.avg_pool2d(
            x,
            count_include_pad=options.get("count_include_pad", True),
            divisor_override=options.get("divisor_override"),
            **common,
        )
    if dA is not None:
        y.backward(torch.from_numpy(np.ascontiguousarray(dA.transpose(0, 3, 1, 2))))
        return y.detach().numpy().transpose(0, 2, 3, 1), x.grad.numpy().transpose(0, 2, 3, 1)
    return y.detach().numpy().transpose(0, 2, 3, 1), None


def assert_same(ours, theirs):
    """Same dtype, same shape, and the same numbers to the last bit.

    The fast version adds window cells and gradients in PyTorch's order, so
    even averages agree exactly. (``assert_array_equal`` treats NaN as equal to
    NaN, and 0.0 as equal to -0.0: the sign of a zero maximum may differ.)
    """
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@settings(max_examples=300, deadline=None)
@given(
    case=pooling_cases(),
    data=st.data(),
    dtype=st.sampled_from([np.float64, np.float32, np.float16]),
)
def test_random_cases_match_pytorch(torch, case, data, dtype):
    shape, options, geometry = case
    if options["mode"] == "avg":
        options["dilation"] = (1, 1)  # PyTorch's avg_pool2d has no dilation
    # PyTorch reads outside the input for a window of padding alone (its max
    # index points past the end); our rule (-inf, no gradient) is checked in
    # test_pooling.py instead.
    assume(options["mode"] == "avg" or not has_padding_only_window(geometry))
    A_prev = data.draw(arrays_with_ties(shape, nan=data.draw(st.booleans()))).astype(dtype)
    ours = pool_forward(A_prev, **options)
    dA = upstream_gradient(data, ours.shape, dtype)
    expected, expected_grad = torch_pool(torch, A_prev, dA, options)
    assert_same(ours, expected)
    assert_same(pool_backward(dA, A_prev, **options), expected_grad)


def test_mnist_batch_matches_pytorch_exactly(torch):
    from pooling_lib import load_mnist, two_channel

    A_prev = two_channel(load_mnist()[0][:200])
    rng = np.random.default_rng(1)
    for options in (
        dict(kernel_shape=2, stride=2),
        dict(kernel_shape=3, stride=1),
        dict(kernel_shape=3, stride=2, padding=1, ceil_mode=True),
        dict(kernel_shape=(3, 2), stride=(2, 3), dilation=(2, 1)),
    ):
        ours = pool_forward(A_prev, **options)
        dA = rng.standard_normal(ours.shape)
        expected, expected_grad = torch_pool(torch, A_prev, dA, options)
        np.testing.assert_array_equal(ours, expected)
        np.testing.assert_array_equal(pool_backward(dA, A_prev, **options), expected_grad)


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_shape=2, stride=2, mode="avg", ceil_mode=True),
        dict(kernel_shape=3, stride=2, mode="avg", padding=1, ceil_mode=True),
        dict(
            kernel_shape=3, stride=2, mode="avg", padding=1, ceil_mode=True, count_include_pad=False
        ),
        dict(kernel_shape=(4, 2), stride=(3, 1), mode="avg", padding=(2, 1), divisor_override=3),
        dict(kernel_shape=3, stride=3, mode="max", padding=1, ceil_mode=True),
        dict(kernel_shape=(2, 3), stride=(1, 2), mode="max", dilation=(3, 2), ceil_mode=True),
    ],
)
def test_every_option_on_negative_inputs(torch, options):
    """Negative data is where zero padding for max and a wrong divisor both show."""
    A_prev = -np.arange(1, 2 * 7 * 8 * 3 + 1, dtype=np.float64).reshape(2, 7, 8, 3) / 7
    ours = pool_forward(A_prev, **options)
    dA = np.random.default_rng(2).standard_normal(ours.shape)
    expected, expected_grad = torch_pool(torch, A_prev, dA, options)
    assert_same(ours, expected)
    assert_same(pool_backward(dA, A_prev, **options), expected_grad)


def test_negative_zero_and_infinities_route_like_pytorch(torch):
    A_prev = np.array(
        [
            [-0.0, 0.0, -np.inf, -np.inf],
            [0.0, -0.0, -np.inf, -np.inf],
            [np.inf, np.inf, 1, np.nan],
            [np.nan, np.inf, np.nan, 1],
        ]
    ).reshape(1, 4, 4, 1)
    dA = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    options = dict(kernel_shape=2, stride=1)
    expected, expected_grad = torch_pool(torch, A_prev, dA, options)
    np.testing.assert_array_equal(pool_forward(A_prev, **options), expected)
    np.testing.assert_array_equal(pool_backward(dA, A_prev, **options), expected_grad)


@pytest.mark.parametrize("h", range(1, 12))
@pytest.mark.parametrize(
    "kernel, stride, padding, dilation",
    [
        (1, 1, 0, 1),
        (2, 2, 1, 1),
        (3, 2, 1, 1),
        (3, 3, 1, 2),
        (2, 3, 0, 3),
        (4, 3, 2, 1),
    ],
)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_output_shape_and_errors_match_pytorch(
    torch, h, kernel, stride, padding, dilation, ceil_mode
):
    from pooling_lib import output_shape

    x = torch.zeros(1, 1, h, 5)
    try:
        expected = tuple(
            torch.nn.functional.max_pool2d(
                x, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1), ceil_mode=ceil_mode
            ).shape[2:]
        )
    except RuntimeError:
        with pytest.raises(ValueError):
            output_shape(h, 5, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1), ceil_mode)
        return
    assert (
        output_shape(h, 5, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1), ceil_mode)
        == expected
    )


@settings(max_examples=150, deadline=None)
@given(case=pooling_cases(modes=("max",)), data=st.data())
def test_winners_are_pytorchs_indices(torch, case, data):
    shape, options, geometry = case
    assume(not has_padding_only_window(geometry))
    del options["mode"]
    A_prev = data.draw(arrays_with_ties(shape, nan=data.draw(st.booleans())))
    x = torch.from_numpy(np.ascontiguousarray(A_prev.transpose(0, 3, 1, 2)))
    _, indices = torch.nn.functional.max_pool2d(
        x,
        options["kernel_shape"],
        options["stride"],
        options["padding"],
        options["dilation"],
        ceil_mode=options["ceil_mode"],
        return_indices=True,
    )
    rows, cols = max_pool_winners(A_prev, **options)
    flat = (rows * shape[2] + cols).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(flat, indices.numpy())
