"""Cases ported from test suites this project did not write, run against pooling_lib.

Each test names its source: repository, file path (and the commit read) and the
test or cell it comes from. Expected values are copied from there, and so are
the inputs wherever the source writes them out or seeds NumPy's legacy
generator (a few PyTorch tests draw ``torch.randn`` inputs, which are drawn
here with NumPy instead);
where the source checks against a formula of its own (PyTorch's window sums
from ``unfold``), that formula is rewritten here in NumPy, never taken from
pooling_lib. Tensors in NCHW (or unbatched CHW, or 1-D CL) are moved to this
library's (m, h, w, c) layout with their values unchanged.

Sources:

* PyTorch: ``pytorch/pytorch``, ``test/nn/test_pooling.py`` at commit
  00b6bcf576b703b3b347b09c330571375069ffdb, and
  ``torch/testing/_internal/common_methods_invocations.py`` at commit
  00103df002e4b8d03b6c096409309476aa25d01b.
* CS231n assignment 2: ``0809zheng/CS231n-assignment2019``,
  ``assignment2/ConvolutionalNetworks.ipynb`` at commit
  bfc81c1989e71b4887a9bcd581b273d2faefb90d (the course's notebook, with its
  recorded outputs), and its numeric gradient from
  ``VincentYCYao/stanford-cs231n-2019``, ``assignment2/cs231n/gradient_check.py``
  at commit cbd527dc9f302f38774444d19d97dfd9c6c473e8.
* deeplearning.ai "Convolution model - Step by Step":
  ``Hoanha2101/SmartBottleInspector``,
  ``Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb`` at commit
  535b51b13bbe24b9e534c7b7ad0de1d816481b1b (the course's notebook with its
  "Expected output" cells), and ``Khai_Hoan/MOOC4/W1A1/E8.py`` (its
  pool_backward check cell).
"""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import max_pool_winners, pool_backward, pool_forward
from pooling_lib.gradcheck import rel_error


def legacy_seed(seed):
    """The generator behind ``np.random.seed(seed)``, so ``.randn`` draws what the sources drew.

    The course notebooks seed NumPy's global legacy generator, a
    ``RandomState``; a private one with the same seed gives the same stream
    without touching the global state.
    """
    return np.random.RandomState(seed)  # noqa: NPY002


def nhwc(x):
    """An NCHW array in this library's (m, h, w, c) layout, values unchanged."""
    return np.ascontiguousarray(np.asarray(x).transpose(0, 2, 3, 1))


def unbatched_nhwc(x):
    """PyTorch's unbatched (C, H, W) input as a batch of one (1, H, W, C)."""
    return nhwc(np.asarray(x)[None])


def one_d_nhwc(x):
    """PyTorch's unbatched 1-D (C, L) input as a (1, 1, L, C) map of height 1."""
    return np.ascontiguousarray(np.asarray(x).T[None, None])


# =============================================================================
# PyTorch: test/nn/test_pooling.py
# =============================================================================

MODES = ["max", "avg"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("expected_out_shape", "sizes", "kernel_size", "stride", "padding", "ceil_mode"),
    [
        ((1, 1, 3, 3), (1, 1, 5, 6), 1, 2, 0, True),
        ((1, 1, 2, 3), (1, 1, 3, 4), 2, 2, 1, False),
        ((1, 1, 2, 3), (1, 1, 3, 4), 2, 2, 1, True),
    ],
)
def test_pooling_shape(mode, expected_out_shape, sizes, kernel_size, stride, padding, ceil_mode):
    """Output sizes in floor and ceil mode, with and without padding.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_pooling_shape (the 2-D ``check`` calls; its
    ``sizes[:4]`` and ``expected_out_shape[:4]`` are the NCHW shapes here).
    """
    rng = np.random.default_rng(0)
    x = nhwc(rng.standard_normal(sizes))
    out = pool_forward(x, kernel_size, stride, mode, padding=padding, ceil_mode=ceil_mode)
    n, c, h, w = expected_out_shape
    assert out.shape == (n, h, w, c)


def test_pooling_shape_unit_kernel_ceil_mode():
    """A 1 x 1 kernel with stride 2 in ceil mode over a 6 x 7 map gives 3 x 4.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_pooling_shape, the last case
    (``max_pool2d(x, 1, stride=(2, 2), padding=0, ceil_mode=True)``).
    """
    rng = np.random.default_rng(0)
    x = nhwc(rng.standard_normal((1, 1, 6, 7)))
    y = pool_forward(x, 1, (2, 2), "max", padding=0, ceil_mode=True)
    assert y.shape == (1, 3, 4, 1)  # (1, 1, 3, 4) in NCHW


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_max_pool2d_corner_cases(dtype):
    """Dilated, padded, ceil-mode max pool of an all-negative 2 x 2 map.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_max_pool2d_corner_cases: args
    (kernel_size=2, stride=2, padding=1, dilation=2, return_indices=False,
    ceil_mode=True) on [[[[-1, -2], [-3, -4]]]] give [[[[-4, -4], [-4, -4]]]].
    """
    x = nhwc(np.array([[[[-1, -2], [-3, -4]]]], dtype=dtype))
    expected = nhwc(np.array([[[[-4, -4], [-4, -4]]]], dtype=dtype))
    out = pool_forward(x, 2, 2, "max", padding=1, dilation=2, ceil_mode=True)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("x", "args", "expected"),
    [
        ([[1]], (1, None, 0, 1, False, False), [[1]]),
        # The one window lies wholly in padding: README, "deliberate
        # differences", row "a max window lying wholly in padding" (-inf here,
        # which is also what this PyTorch test expects).
        ([[1]], (2, None, 1, 2, False, False), [[float("-inf")]]),
        ([[1], [1]], (2, None, 1, 2, False, False), [[float("-inf")], [float("-inf")]]),
        ([[1, 2]], (2, 1, 1, 2, False, False), [[2, 1]]),
        ([[1, 2]], (2, 2, 1, 2, False, True), [[2, 2]]),
    ],
)
def test_max_pool1d_corner_cases(dtype, x, args, expected):
    """MaxPool1d corner cases, as 2-D pools of height 1.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_max_pool1d_corner_cases. A 1-D pool over an
    unbatched (C, L) input is the 2-D pool of the (1, 1, L, C) map with a
    (1, k) kernel, stride (1, s), padding (0, p) and dilation (1, d).
    Pooling args: (kernel_size, stride, padding, dilation, return_indices,
    ceil_mode); a stride of None is the kernel size.
    """
    kernel, stride, padding, dilation, _, ceil_mode = args
    stride = kernel if stride is None else stride
    out = pool_forward(
        one_d_nhwc(np.array(x, dtype=dtype)),
        (1, kernel),
        (1, stride),
        "max",
        padding=(0, padding),
        dilation=(1, dilation),
        ceil_mode=ceil_mode,
    )
    np.testing.assert_array_equal(out, one_d_nhwc(np.array(expected, dtype=dtype)))


def test_maxpool_indices_2d():
    """MaxPool2d(2) on 1..64: outputs, argmax indices and the gradient of ones.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType._test_maxpool_indices with num_dim=2 (run by
    test_MaxPool2d_indices): input ``arange(1, 65).view(2, 2, 4, 4)``,
    expected_indices ``[[5, 7], [13, 15]]`` for every (n, c), expected_output
    ``stack([col, col + 2], 1).view(2, 2, 2, 2)`` with
    ``col = arange(6, 63, 8)``, and expected_grad built by ``stack((zero, grad,
    zero, grad), 2)`` from the 1-D grad ``[0, 1, 0, 1]``.
    """
    x = np.arange(1, 65, dtype=np.float32).reshape(2, 2, 4, 4)
    col = np.arange(6, 63, 8, dtype=np.float32)
    expected_output = np.stack([col, col + 2], 1).reshape(2, 2, 2, 2)
    expected_indices = np.tile(np.array([[5, 7], [13, 15]]), (2, 2, 1, 1))
    grad_1d = np.tile(np.array([0, 1, 0, 1], dtype=np.float32), (2, 2, 1))
    zero = np.zeros_like(grad_1d)
    expected_grad = np.stack((zero, grad_1d, zero, grad_1d), 2)

    A = nhwc(x)
    out = pool_forward(A, 2, 2, "max")
    np.testing.assert_array_equal(out, nhwc(expected_output))

    rows, cols = max_pool_winners(A, 2, 2)
    np.testing.assert_array_equal(rows * 4 + cols, nhwc(expected_indices))

    grad = pool_backward(np.ones_like(out), A, 2, 2, "max")
    np.testing.assert_array_equal(grad, nhwc(expected_grad))


def test_maxpool_indices_minus_infinity():
    """A single -inf cell pools to -inf with index 0.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType._test_maxpool_indices, "Make sure -Infinity is
    handled correctly": ``MaxPool2d(kernel_size=1, return_indices=True)`` on
    ``[[[-inf]]]``.
    """
    A = unbatched_nhwc(np.array([[[float("-inf")]]], dtype=np.float32))
    out = pool_forward(A, 1, 1, "max")
    assert out[0, 0, 0, 0] == float("-inf")
    rows, cols = max_pool_winners(A, 1, 1)
    assert rows[0, 0, 0, 0] * A.shape[2] + cols[0, 0, 0, 0] == 0


@pytest.mark.parametrize(("fill", "check"), [(np.nan, np.isnan), (-np.inf, np.isinf)])
def test_max_pool_nan_inf(fill, check):
    """A 3 x 3 map of NaN pools to NaN, one of -inf to an infinity; backward runs.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_max_pool_nan_inf (``max_pool2d``, kernel 3,
    on ``torch.full([1, 1, 3, 3], nan)`` and ``torch.full(..., -inf)``, then
    ``res.backward(torch.randn_like(res))``).
    """
    A = nhwc(np.full((1, 1, 3, 3), fill, dtype=np.float32))
    res = pool_forward(A, 3, 3, "max")
    assert res.shape == (1, 1, 1, 1)
    assert check(res.item())
    dA = np.random.default_rng(0).standard_normal(res.shape).astype(np.float32)
    assert pool_backward(dA, A, 3, 3, "max").shape == A.shape


@pytest.mark.parametrize("mode", MODES)
def test_pooling_zero_stride(mode):
    """A stride of 0 is refused, for max and avg.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_pooling_zero_stride: ``fn(x, kernel_size=2,
    stride=0)`` on ``torch.ones([1, 2, 4, 4])`` raises "stride should not be
    zero|stride must be greater than zero".
    """
    x = nhwc(np.ones((1, 2, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="stride"):
        pool_forward(x, 2, 0, mode)


@pytest.mark.parametrize(
    ("mode", "kernel", "dilation"),
    [
        # max_pool2d_with_indices(x, 3, stride=2, padding=0, dilation=2)
        ("max", 3, 2),
        # avg_pool2d has no dilation, so the source falls back to
        # avg_pool2d(x, 6, stride=2, padding=0)
        ("avg", 6, 1),
    ],
)
def test_pool_invalid_size(mode, kernel, dilation):
    """A window larger than the 4 x 4 input ("too small") is refused.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_pool_invalid_size: on ``torch.ones([1, 1, 4,
    4])`` the call raises "too small|smaller than".
    """
    x = nhwc(np.ones((1, 1, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="kernel_shape"):
        pool_forward(x, kernel, 2, mode, padding=0, dilation=dilation)


@pytest.mark.parametrize("mode", MODES)
def test_pool_large_size(mode):
    """An axis of 16777217 (not a float32 integer) keeps its exact size.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_pool_large_size: ``fn(x, 1, stride=1,
    padding=0)`` on ``torch.ones([1, 1, 16777217, 1])`` keeps
    ``res.shape[2] == 16777217``.
    """
    x = nhwc(np.ones((1, 1, 16777217, 1), dtype=np.float32))
    res = pool_forward(x, 1, 1, mode, padding=0)
    assert res.shape[1] == 16777217  # NCHW dim 2 is dim 1 here


def test_avg_pool2d_ceil_mode_no_nan():
    """Ceil mode with padding and count_include_pad never divides by zero.

    pytorch/pytorch test/nn/test_pooling.py, TestAvgPool.test_avg_pool2d_ceil_mode:
    ``avg_pool2d(10 * randn(1, 16, 4, 4),
    ceil_mode=True, count_include_pad=True, kernel_size=(1, 2),
    padding=(0, 1), stride=2)`` holds no NaN.
    """
    x = nhwc(10 * np.random.default_rng(0).standard_normal((1, 16, 4, 4)))
    y = pool_forward(x, (1, 2), 2, "avg", padding=(0, 1), ceil_mode=True, count_include_pad=True)
    assert not np.isnan(y).any()


def _sum_pool2d(x, kernel_size):
    """TestAvgPool._sum_pool2d in NumPy: sums of the non-overlapping windows of a 2-D map.

    The source sums ``unfold(x, kernel_size, stride=kernel_size)`` columns;
    each column is one window, taken row by row.
    """
    kh, kw = kernel_size
    n, m = x.shape
    return np.array(
        [
            x[a * kh : (a + 1) * kh, b * kw : (b + 1) * kw].sum()
            for a in range(n // kh)
            for b in range(m // kw)
        ]
    )


def test_doubletensor_avg_pool2d():
    """Avg pool with every kernel size up to the map equals window sums / kernel area.

    pytorch/pytorch test/nn/test_pooling.py,
    TestAvgPool.test_doubletensor_avg_pool2d: a (1, 1, 5, 8) float64 input,
    ``avg_pool2d(input[0], (i, j))`` (stride = kernel) against
    ``_sum_pool2d(input, (i, j)) / (i * j)`` with rtol=0, atol=1e-5.
    """
    n, m = 5, 8
    x = np.random.default_rng(58).random((1, 1, n, m))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            actual = pool_forward(nhwc(x), (i, j), (i, j), "avg").reshape(-1)
            expected = _sum_pool2d(x[0, 0], (i, j)) / (i * j)
            np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)


def test_doubletensor_avg_pool2d_with_divisor():
    """divisor_override replaces the kernel area: window sums / divisor.

    pytorch/pytorch test/nn/test_pooling.py,
    TestAvgPool.test_doubletensor_avg_pool2d_with_divisor: a (1, 1, 3, 3)
    float64 input, divisors [1, 7, i * j], rtol=0, atol=1e-5.
    """
    n, m = 3, 3
    x = np.random.default_rng(33).random((1, 1, n, m))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            for divisor in [1, 7, i * j]:
                actual = pool_forward(
                    nhwc(x), (i, j), (i, j), "avg", divisor_override=divisor
                ).reshape(-1)
                expected = _sum_pool2d(x[0, 0], (i, j)) / divisor
                np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_pool_zero_batch_dim(mode):
    """An empty batch pools, and its gradient is an empty array of zeros.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_MaxPool_zero_batch_dim (``MaxPool2d(3,
    stride=2)`` on ``randn(0, 16, 50, 32)``) and test_AvgPool2d_empty
    (``AvgPool2d(3, stride=2)`` on ``randn(0, 16, 20, 32)``), both through
    ``_test_module_empty_input`` (torch/testing/_internal/common_nn.py):
    backward of ``rand_like(out)`` leaves ``inp.grad == zeros_like(inp)``.
    """
    shape = (0, 16, 50, 32) if mode == "max" else (0, 16, 20, 32)
    inp = nhwc(np.zeros(shape, dtype=np.float32))
    out = pool_forward(inp, 3, 2, mode)
    assert out.shape[0] == 0
    gO = np.random.default_rng(0).random(out.shape).astype(np.float32)
    grad = pool_backward(gO, inp, 3, 2, mode)
    np.testing.assert_array_equal(grad, np.zeros_like(inp))
    assert grad.shape == inp.shape


@pytest.mark.parametrize(
    ("mode", "shape"),
    [
        # test_MaxPool_zero_batch_dim: randn(1, 0, 50, 32) raises "Expected"
        ("max", (1, 0, 50, 32)),
        # test_AvgPool2d_empty: randn(16, 0, 20, 32) raises "3D or 4D"
        ("avg", (16, 0, 20, 32)),
    ],
)
def test_pool_zero_channels_refused(mode, shape):
    """A map with zero channels is refused.

    pytorch/pytorch test/nn/test_pooling.py,
    TestPoolingNNDeviceType.test_MaxPool_zero_batch_dim and
    test_AvgPool2d_empty (the inputs with an empty non-batch dimension).
    """
    inp = nhwc(np.zeros(shape, dtype=np.float32))
    with pytest.raises(ValueError, match="A_prev must have at least one channel"):
        pool_forward(inp, 3, 2, mode)


# =============================================================================
# PyTorch: torch/testing/_internal/common_methods_invocations.py
# =============================================================================


@pytest.mark.parametrize(
    ("kernel_size", "padding"),
    [
        (2, -1),  # 'pad must be non-negative'
        ((3, 2), -1),  # 'pad must be non-negative'
        (2, 4),  # 'pad should be at most half of effective kernel size'
        ((3, 2), 4),  # 'pad should be at most half of effective kernel size'
    ],
)
def test_error_inputs_avg_pool2d_padding(kernel_size, padding):
    """Negative padding and padding over half the kernel are refused.

    pytorch/pytorch torch/testing/_internal/common_methods_invocations.py,
    error_inputs_avg_pool2d: ``x = torch.rand([0, 1, 49])`` (unbatched C, H,
    W), kwargs ``kernel_size``, ``stride=50``, ``padding``.
    """
    x = unbatched_nhwc(np.random.default_rng(0).random((0, 1, 49), dtype=np.float32))
    with pytest.raises(ValueError, match="padding"):
        pool_forward(x, kernel_size, 50, "avg", padding=padding)


def test_error_inputs_avg_pool2d_zero_divisor():
    """divisor_override=0 is refused.

    pytorch/pytorch torch/testing/_internal/common_methods_invocations.py,
    error_inputs_avg_pool2d: ``torch.zeros(3, 3, 3)`` with
    ``kernel_size=(2, 2), divisor_override=0`` raises 'divisor must be not
    zero'. The stride is avg_pool2d's default, the kernel size.
    """
    x = unbatched_nhwc(np.zeros((3, 3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="divisor_override"):
        pool_forward(x, (2, 2), (2, 2), "avg", divisor_override=0)


# =============================================================================
# CS231n assignment 2: assignment2/ConvolutionalNetworks.ipynb
# =============================================================================


def test_cs231n_max_pool_forward_naive():
    """2 x 2, stride 2 max pool of a linspace input matches the notebook's correct_out.

    0809zheng/CS231n-assignment2019 assignment2/ConvolutionalNetworks.ipynb,
    cell "Max-Pooling: Naive forward": ``pool_param = {'pool_width': 2,
    'pool_height': 2, 'stride': 2}``; "Difference should be on the order of
    e-8" (the notebook records 4.1666665157267834e-08), so below 1e-7.
    """
    x_shape = (2, 3, 4, 4)
    x = np.linspace(-0.3, 0.4, num=np.prod(x_shape)).reshape(x_shape)
    correct_out = np.array(
        [
            [
                [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]],
            ],
            [
                [[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                [[0.32631579, 0.34105263], [0.38526316, 0.4]],
            ],
        ]
    )
    out = pool_forward(nhwc(x), (2, 2), 2, "max")
    assert out.shape == (2, 2, 2, 3)
    assert rel_error(out, nhwc(correct_out)) < 1e-7


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """CS231n's numeric gradient of an array function, as the assignment ships it.

    VincentYCYao/stanford-cs231n-2019 assignment2/cs231n/gradient_check.py
    (commit cbd527dc9f302f38774444d19d97dfd9c6c473e8),
    eval_numerical_gradient_array: central differences of the output arrays,
    ``np.sum((pos - neg) * df) / (2 * h)``. ``x`` is nudged in place and
    restored.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def test_cs231n_max_pool_backward_naive():
    """The max-pool backward pass agrees with CS231n's numeric gradient.

    0809zheng/CS231n-assignment2019 assignment2/ConvolutionalNetworks.ipynb,
    cell "Max-Pooling: Naive backward": ``np.random.seed(231)``,
    ``x = np.random.randn(3, 2, 8, 8)``, ``dout = np.random.randn(3, 2, 4, 4)``,
    2 x 2 pool with stride 2, ``eval_numerical_gradient_array`` with h=1e-5;
    "Your error should be on the order of e-12" (the notebook records
    3.27562514223145e-12), so below 1e-11.
    """
    rng = legacy_seed(231)
    x = rng.randn(3, 2, 8, 8)
    dout = rng.randn(3, 2, 4, 4)
    A, dA = nhwc(x), nhwc(dout)

    dx_num = eval_numerical_gradient_array(lambda a: pool_forward(a, (2, 2), 2, "max"), A, dA)
    dx = pool_backward(dA, A, (2, 2), 2, "max")
    assert rel_error(dx, dx_num) < 1e-11


# =============================================================================
# deeplearning.ai "Convolution model - Step by Step": pool_forward / pool_backward
# =============================================================================

# The notebooks print 8 decimals: agreement to one unit in the last place.
PRINTED = {"rtol": 0, "atol": 1e-8}


@pytest.fixture
def coursera_forward_input():
    """``np.random.seed(1); A_prev = np.random.randn(2, 5, 5, 3)``, as in both forward cases."""
    return legacy_seed(1).randn(2, 5, 5, 3)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            "max",
            [
                [1.96710175, 0.84616065, 1.27375593],
                [1.96710175, 0.84616065, 1.23616403],
                [1.62765075, 1.12141771, 1.2245077],
            ],
        ),
        (
            "avg",  # the notebook's mode = "average"
            [
                [0.44497696, -0.00261695, -0.31040307],
                [0.50811474, -0.23493734, -0.23961183],
                [0.11872677, 0.17255229, -0.22112197],
            ],
        ),
    ],
)
def test_coursera_pool_forward_case_1(coursera_forward_input, mode, expected):
    """f=3, stride=1: A.shape and A[1, 1] match the notebook's expected output.

    Hoanha2101/SmartBottleInspector
    Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb, Exercise 4
    pool_forward, "Case 1: stride of 1" (``hparameters = {"stride": 1,
    "f": 3}``) and its "Expected output" cell.
    """
    A = pool_forward(coursera_forward_input, 3, 1, mode)
    assert A.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(A[1, 1], expected, **PRINTED)


def test_coursera_pool_forward_case_2_max(coursera_forward_input):
    """f=3, stride=2, max: A.shape and A[0] match the notebook's expected output.

    Hoanha2101/SmartBottleInspector
    Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb, Exercise 4
    pool_forward, "Case 2: stride of 2" and its "Expected output" cell.
    """
    A = pool_forward(coursera_forward_input, 3, 2, "max")
    assert A.shape == (2, 2, 2, 3)
    expected = [
        [[1.74481176, 0.90159072, 1.65980218], [1.74481176, 1.6924546, 1.65980218]],
        [[1.13162939, 1.51981682, 2.18557541], [1.13162939, 1.6924546, 2.18557541]],
    ]
    np.testing.assert_allclose(A[0], expected, **PRINTED)


def test_coursera_pool_forward_case_2_average(coursera_forward_input):
    """f=3, stride=2, average: A.shape and A[1] match the notebook's expected output.

    Hoanha2101/SmartBottleInspector
    Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb, Exercise 4
    pool_forward, "Case 2: stride of 2" and its "Expected output" cell.
    """
    A = pool_forward(coursera_forward_input, 3, 2, "avg")
    assert A.shape == (2, 2, 2, 3)
    expected = [
        [[-0.17313416, 0.32377198, -0.34317572], [0.02030094, 0.14141479, -0.01231585]],
        [[0.42944926, 0.08446996, -0.27290905], [0.15077452, 0.28911175, 0.00123239]],
    ]
    np.testing.assert_allclose(A[1], expected, **PRINTED)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("max", [[0, 0], [5.05844394, -1.68282702], [0, 0]]),
        (
            "avg",  # the notebook's mode = "average"
            [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
        ),
    ],
)
def test_coursera_pool_backward(mode, expected):
    """f=2, stride=1: dA_prev[1, 1] matches the notebook's expected output.

    Hoanha2101/SmartBottleInspector
    Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb, Exercise 8
    pool_backward, its check cell (also Khai_Hoan/MOOC4/W1A1/E8.py) and
    "Expected Output": ``np.random.seed(1)``, ``A_prev =
    np.random.randn(5, 5, 3, 2)``, ``hparameters = {"stride": 1, "f": 2}``,
    ``dA = np.random.randn(5, 4, 2, 2)``; mean of dA = 0.145713902729.
    """
    rng = legacy_seed(1)
    A_prev = rng.randn(5, 5, 3, 2)
    assert pool_forward(A_prev, 2, 1, "max").shape == (5, 4, 2, 2)
    dA = rng.randn(5, 4, 2, 2)
    assert np.mean(dA) == pytest.approx(0.145713902729, abs=1e-12)

    dA_prev = pool_backward(dA, A_prev, 2, 1, mode)
    assert dA_prev.shape == (5, 5, 3, 2)
    np.testing.assert_allclose(dA_prev[1, 1], expected, **PRINTED)


@pytest.mark.parametrize(
    ("x", "expected_mask"),
    [
        # np.random.seed(1); x = np.random.randn(2, 3): the "Expected Output" mask
        (None, [[True, False, False], [False, False, False]]),
        # the cell's assert: "The True value must be at position (2, 1)"
        (
            [[-1, 2, 3], [2, -3, 2], [1, 5, -2]],
            [[False, False, False], [False, False, False], [False, True, False]],
        ),
    ],
)
def test_coursera_create_mask_from_window(x, expected_mask):
    """One max window's gradient of 1 lands on its maximum, as the mask says.

    Hoanha2101/SmartBottleInspector
    Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb, Exercise 6
    create_mask_from_window, its check cell and "Expected Output". pool_backward
    multiplies this mask by dA (``mask * dA[i, h, w, c]``), so a single window
    covering the whole map with dA = 1 gives the mask itself.
    """
    if x is None:
        x = legacy_seed(1).randn(2, 3)
    x = np.asarray(x, dtype=np.float64)
    A = x[None, :, :, None]
    dA = np.ones((1, 1, 1, 1))
    grad = pool_backward(dA, A, x.shape, 1, "max")
    np.testing.assert_array_equal(grad[0, :, :, 0], np.array(expected_mask, dtype=np.float64))


@pytest.mark.parametrize(
    ("dz", "shape", "expected"),
    [
        (2, (2, 2), [[0.5, 0.5], [0.5, 0.5]]),  # the printed "distributed value"
        (100, (10, 10), None),  # the cell's assert: "Values must sum to 100"
    ],
)
def test_coursera_distribute_value(dz, shape, expected):
    """One average window spreads its gradient evenly over its cells.

    Hoanha2101/SmartBottleInspector
    Khai_Hoan/MOOC4/W1A1/Convolution_model_Step_by_Step_v1.ipynb, Exercise 7
    distribute_value, its check cell and "Expected Output": pool_backward adds
    ``distribute_value(da, (f, f))`` to each window, so a single window
    covering the whole map gives that distribution.
    """
    A = np.zeros((1, *shape, 1))
    dA = np.full((1, 1, 1, 1), float(dz))
    a = pool_backward(dA, A, shape, 1, "avg")[0, :, :, 0]
    assert a.shape == shape
    assert np.sum(a) == dz
    if expected is not None:
        np.testing.assert_array_equal(a, expected)
