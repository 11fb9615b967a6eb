"""The network layers agree with calculus and with PyTorch; errors name what is wrong."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import pooling_lib.nn as nn
import pooling_lib.training as training
from pooling_lib import pool_backward, pool_forward
from pooling_lib.gradcheck import numeric_gradient, rel_error, tie_free

RNG = np.random.default_rng(1234)


# Small matrices on a shared 2-core machine: see the fixture in conftest.py.
pytestmark = pytest.mark.usefixtures("one_blas_thread")


def param_gradient(layer, name, run, upstream):
    """Numeric gradient of ``sum(run() * upstream)`` with respect to ``layer.params[name]``."""
    param = layer.params[name]
    saved = param.copy()

    def with_value(value):
        param[...] = value
        return run()

    grad = numeric_gradient(with_value, saved, upstream)
    param[...] = saved
    return grad


def check_layer_gradients(layer, x, tolerance=1e-7):
    """Analytic ``dx`` and every ``grads[name]`` match central differences."""
    out = layer.forward(x)
    upstream = RNG.standard_normal(out.shape)
    dx = layer.backward(upstream)
    analytic = {name: grad.copy() for name, grad in layer.grads.items()}
    assert rel_error(dx, numeric_gradient(layer.forward, x, upstream)) < tolerance
    for name, grad in analytic.items():
        numeric = param_gradient(layer, name, lambda: layer.forward(x), upstream)
        assert rel_error(grad, numeric) < tolerance, name


# -- every layer against central differences ----------------------------------


@pytest.mark.parametrize(
    "kernel_shape, stride, padding",
    [(3, 1, 0), (3, 2, 1), ((2, 3), (2, 1), (1, 0))],
)
@pytest.mark.parametrize("channels", [1, 2])  # one channel lays im2col out by kernel offset
def test_conv_gradients_match_numeric(kernel_shape, stride, padding, channels):
    conv = nn.Conv2D(channels, 3, kernel_shape, stride, padding, rng=1)
    conv.params["b"][...] = RNG.standard_normal(3)
    check_layer_gradients(conv, RNG.standard_normal((2, 5, 6, channels)))


def test_conv_without_input_gradient_fills_the_same_grads_and_returns_none():
    x = RNG.standard_normal((2, 6, 5, 2))
    full, weights_only = (
        nn.Conv2D(2, 3, 3, 2, 1, rng=4),
        nn.Conv2D(2, 3, 3, 2, 1, rng=4, input_gradient=False),
    )
    dout = RNG.standard_normal(full.forward(x).shape)
    weights_only.forward(x)
    full.backward(dout)
    assert weights_only.backward(dout) is None
    for name in ("W", "b"):
        np.testing.assert_array_equal(weights_only.grads[name], full.grads[name])


def test_dense_gradients_match_numeric():
    check_layer_gradients(nn.Dense(5, 4, rng=2), RNG.standard_normal((3, 5)))


def test_relu_gradient_matches_numeric_away_from_zero():
    x = RNG.standard_normal((2, 3, 4, 2))
    x[np.abs(x) < 1e-3] = 0.5  # the kink at 0 has no derivative to compare with
    check_layer_gradients(nn.ReLU(), x)


def test_relu_backward_is_zero_where_input_was_not_positive_even_for_inf():
    relu = nn.ReLU()
    relu.forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(relu.backward(np.array([np.inf, 3.0, 4.0])), [0.0, 0.0, 4.0])
    np.testing.assert_array_equal(relu.backward(np.array([1.0, 3.0, 4.0])), [0.0, 0.0, 4.0])


@pytest.mark.parametrize(
    "options",
    [
        {"kernel_shape": 2},
        {"kernel_shape": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_shape": 2, "stride": 1, "dilation": 2},
        {"kernel_shape": 3, "stride": 2, "mode": "avg", "padding": 1, "count_include_pad": False},
        {"kernel_shape": 2, "mode": "avg", "divisor_override": 3},
    ],
)
def test_pool_layer_gradients_match_numeric(options):
    check_layer_gradients(nn.Pool2D(**options), tie_free((2, 6, 5, 2), seed=3))


def test_flatten_gradient_matches_numeric_and_keeps_channels_fastest():
    x = RNG.standard_normal((2, 2, 3, 4))
    check_layer_gradients(nn.Flatten(), x)
    np.testing.assert_array_equal(nn.Flatten().forward(x)[1, :4], x[1, 0, 0, :])


def test_sequential_gradient_matches_numeric_end_to_end():
    model = nn.Sequential(
        nn.Conv2D(1, 2, 3, padding=1, rng=5),
        nn.ReLU(),
        nn.Pool2D(2),
        nn.Conv2D(2, 3, 3, padding=1, rng=6),
        nn.ReLU(),
        nn.Pool2D(2, mode="avg"),
        nn.Flatten(),
        nn.Dense(12, 3, rng=7),
    )
    for layer in model.layers:
        if "b" in layer.params:
            layer.params["b"][...] = 0.1 * RNG.standard_normal(layer.params["b"].shape)
    x = RNG.standard_normal((3, 8, 8, 1))
    y = np.array([0, 2, 1])

    def loss(_=None):
        return training.softmax_cross_entropy(model.forward(x), y)[0]

    _, dscores = training.softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(dscores)
    analytic = [{k: g.copy() for k, g in layer.grads.items()} for layer in model.layers]
    one = np.ones(())
    numeric_dx = numeric_gradient(
        lambda v: training.softmax_cross_entropy(model.forward(v), y)[0], x, one
    )
    assert rel_error(dx, numeric_dx) < 1e-6
    for layer, grads in zip(model.layers, analytic, strict=True):
        for name, grad in grads.items():
            assert rel_error(grad, param_gradient(layer, name, loss, one)) < 1e-6, name


@pytest.mark.parametrize("downsample", ["conv", "none"])
def test_small_cnn_without_pooling_layers_matches_numeric_end_to_end(downsample):
    model = nn.small_cnn(
        seed=3,
        dtype=np.float64,
        channels=(2, 3),
        hidden=4,
        image_shape=(8, 8),
        downsample=downsample,
    )
    assert not any(isinstance(layer, nn.Pool2D) for layer in model.layers)
    for layer in model.layers:
        if "b" in layer.params:
            layer.params["b"][...] = 0.1 * RNG.standard_normal(layer.params["b"].shape)
    x = RNG.standard_normal((2, 8, 8, 1))
    y = np.array([1, 7])
    _, dscores = training.softmax_cross_entropy(model.forward(x), y)
    model.backward(dscores)
    one = np.ones(())
    for layer in model.layers:
        for name, grad in {k: g.copy() for k, g in layer.grads.items()}.items():
            numeric = param_gradient(
                layer, name, lambda: training.softmax_cross_entropy(model.forward(x), y)[0], one
            )
            assert rel_error(grad, numeric) < 1e-6, name


def test_small_cnn_downsamplings_count_their_parameters():
    pooled = nn.parameter_count(nn.small_cnn())
    # conv 5x5x1x8 + 8, conv 5x5x8x16 + 16, dense 784 x 64 + 64, dense 64 x 10 + 10
    assert pooled == 208 + 3216 + 50240 + 650
    # A learned 2 x 2 stride-2 convolution per stage: c * c * 4 + c more.
    assert nn.parameter_count(nn.small_cnn(downsample="conv")) == pooled + 264 + 1040
    # No downsampling: the dense layer reads 28 * 28 * 16 inputs instead of 7 * 7 * 16.
    assert nn.parameter_count(nn.small_cnn(downsample="none")) == pooled + (12544 - 784) * 64
    convs = [
        layer for layer in nn.small_cnn(downsample="conv").layers if isinstance(layer, nn.Conv2D)
    ]
    assert [conv.stride for conv in convs] == [(1, 1), (2, 2), (1, 1), (2, 2)]


# -- Conv2D against PyTorch -----------------------------------------------------


@pytest.mark.parametrize(
    "kernel_shape, stride, padding",
    [(3, 1, 0), (3, 1, 1), (3, 2, 1), ((2, 3), (2, 1), (1, 0)), (1, 1, 0), (5, 3, 2)],
)
@pytest.mark.parametrize("channels", [1, 3])
def test_conv_matches_torch_values_and_gradients(torch, kernel_shape, stride, padding, channels):
    conv = nn.Conv2D(channels, 4, kernel_shape, stride, padding, rng=8)
    conv.params["b"][...] = RNG.standard_normal(4)
    x = RNG.standard_normal((2, 9, 7, channels))
    out = conv.forward(x)
    upstream = RNG.standard_normal(out.shape)
    dx = conv.backward(upstream)

    x_t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    W_t = torch.tensor(conv.params["W"].transpose(3, 2, 0, 1), requires_grad=True)
    b_t = torch.tensor(conv.params["b"], requires_grad=True)
    out_t = torch.nn.functional.conv2d(x_t, W_t, b_t, stride=stride, padding=padding)
    out_t.backward(torch.tensor(upstream.transpose(0, 3, 1, 2)))

    # Sums in a different order: equal to float64 round-off, not to the bit.
    def close(ours, theirs):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13 * np.abs(theirs).max())

    close(out, out_t.detach().numpy().transpose(0, 2, 3, 1))
    close(dx, x_t.grad.numpy().transpose(0, 2, 3, 1))
    close(conv.grads["W"], W_t.grad.numpy().transpose(2, 3, 1, 0))
    close(conv.grads["b"], b_t.grad.numpy())


# -- the pooling layer is the library's functions ------------------------------

POOL_OPTIONS = [
    {"kernel_shape": 2},
    {"kernel_shape": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_shape": (2, 3), "stride": 1, "dilation": (2, 1)},
    {"kernel_shape": 3, "stride": 2, "mode": "avg", "padding": 1, "count_include_pad": False},
    {"kernel_shape": 2, "stride": 2, "mode": "avg", "divisor_override": 3},
]


# ties decides between tied maxima, so only max pooling takes it.
POOL_CASES = [
    (options, ties)
    for options in POOL_OPTIONS
    for ties in (["first", "all", "split"] if options.get("mode", "max") == "max" else ["first"])
]


@pytest.mark.parametrize("options, ties", POOL_CASES)
def test_pool_layer_equals_pool_forward_and_backward(options, ties):
    # Few distinct values, so most windows hold tied maxima.
    x = RNG.integers(-2, 2, size=(2, 7, 6, 3)) * 0.75
    layer = nn.Pool2D(**options, ties=ties)
    options = dict(options)
    kernel_shape = options.pop("kernel_shape")
    stride = options.pop("stride", kernel_shape)
    mode = options.pop("mode", "max")
    out = layer.forward(x)
    expected = pool_forward(x, kernel_shape, stride, mode, **options)
    np.testing.assert_array_equal(out, expected)
    dA = RNG.standard_normal(out.shape)
    np.testing.assert_array_equal(
        layer.backward(dA), pool_backward(dA, x, kernel_shape, stride, mode, ties=ties, **options)
    )


def test_pool_layer_ties_change_where_the_gradient_goes():
    x = np.zeros((1, 2, 2, 1))
    dA = np.ones((1, 1, 1, 1))
    routed = {}
    for ties in ("first", "all", "split"):
        layer = nn.Pool2D(2, ties=ties)
        layer.forward(x)
        routed[ties] = layer.backward(dA)[0, :, :, 0]
    np.testing.assert_array_equal(routed["first"], [[1, 0], [0, 0]])
    np.testing.assert_array_equal(routed["all"], [[1, 1], [1, 1]])
    np.testing.assert_array_equal(routed["split"], [[0.25, 0.25], [0.25, 0.25]])


def test_pool_layer_calls_a_learners_functions_with_only_the_options_changed():
    calls = []

    def my_forward(A_prev, kernel_shape, stride, mode, **options):
        calls.append(("forward", kernel_shape, stride, mode, options))
        return pool_forward(A_prev, kernel_shape, stride, mode, **options)

    def my_backward(dA, A_prev, kernel_shape, stride, mode, **options):
        calls.append(("backward", kernel_shape, stride, mode, options))
        return pool_backward(dA, A_prev, kernel_shape, stride, mode, **options)

    x = tie_free((1, 4, 4, 1))
    plain = nn.Pool2D(2, pool_forward=my_forward, pool_backward=my_backward)
    plain.backward(plain.forward(x))
    custom = nn.Pool2D(
        3, 1, "max", padding=1, ties="split", pool_forward=my_forward, pool_backward=my_backward
    )
    custom.backward(custom.forward(x))
    assert calls == [
        ("forward", 2, 2, "max", {}),
        ("backward", 2, 2, "max", {}),
        ("forward", 3, 1, "max", {"padding": 1}),
        ("backward", 3, 1, "max", {"padding": 1, "ties": "split"}),
    ]


def test_pool_layer_uses_a_learners_result():
    def halves(A_prev, kernel_shape, stride, mode):
        return pool_forward(A_prev, kernel_shape, stride, mode) / 2

    x = tie_free((1, 4, 4, 1))
    np.testing.assert_array_equal(
        nn.Pool2D(2, pool_forward=halves).forward(x), pool_forward(x, 2, 2) / 2
    )


def test_small_cnn_passes_pool_options_and_functions_through():
    model = nn.small_cnn(ties="split", pool_forward=pool_forward)
    pools = [layer for layer in model.layers if isinstance(layer, nn.Pool2D)]
    assert [pool.ties for pool in pools] == ["split", "split"]
    x = np.zeros((1, 28, 28, 1), dtype=np.float32)
    assert model.forward(x).dtype == np.float32


def test_a_model_without_parameters_computes_in_float64():
    assert nn.Sequential(nn.Flatten(), nn.ReLU()).dtype == np.float64
    assert nn.small_cnn(dtype=np.float64).dtype == np.float64


def test_eval_forward_keeps_nothing_for_backward():
    model = nn.Sequential(nn.Flatten(), nn.Dense(4, 2))
    model.forward(np.ones((1, 2, 2, 1)), train=False)
    with pytest.raises(RuntimeError, match="Dense.backward needs a forward"):
        model.backward(np.ones((1, 2)))


# -- errors name the parameter, show the value and say what works ---------------


def forward_of(layer, x):
    return lambda: layer.forward(x)


def backward_after_forward(layer, x, dout_shape):
    layer.forward(x)
    return layer.backward(np.zeros(dout_shape))


ERRORS = [
    (lambda: nn.Conv2D(0, 4, 3), ValueError, r"in_channels must be a positive int, got 0"),
    (lambda: nn.Conv2D(1, 2.5, 3), TypeError, r"out_channels must be a positive int, got 2.5"),
    (lambda: nn.Conv2D(1, 4, (3, 0)), ValueError, r"kernel_shape must be positive, got \(3, 0\)"),
    (lambda: nn.Conv2D(1, 4, 3, stride=0), ValueError, r"stride must be positive, got \(0, 0\)"),
    (lambda: nn.Conv2D(1, 4, 3, padding=-1), ValueError, r"padding must be zero or positive"),
    (lambda: nn.Conv2D(1, 4, 3, rng="a"), TypeError, r"rng must be a non-negative int seed .*'a'"),
    (lambda: nn.Conv2D(1, 4, 3, dtype=int), TypeError, r"dtype must be np.float32 or np.float64"),
    (lambda: nn.Conv2D(1, 4, 3, input_gradient=0), TypeError, r"input_gradient must be True or"),
    (
        forward_of(nn.Conv2D(1, 4, 3), np.zeros((2, 5, 5))),
        ValueError,
        r"x must have 4 dimensions \(m, h, w, c\), got shape \(2, 5, 5\); .* x\[\.\.\., None\]",
    ),
    (
        forward_of(nn.Conv2D(3, 4, 3), np.zeros((2, 5, 5, 1))),
        ValueError,
        r"x must have in_channels=3 channels .* got shape \(2, 5, 5, 1\)",
    ),
    (
        forward_of(nn.Conv2D(1, 4, 5), np.zeros((2, 3, 3, 1))),
        ValueError,
        r"x of height and width \(3, 3\) is smaller than kernel_shape=\(5, 5\)",
    ),
    (
        forward_of(nn.Conv2D(1, 4, 3), np.array([["a"]])),
        TypeError,
        r"x must hold real numbers, got dtype <U1",
    ),
    (lambda: nn.Conv2D(1, 1, 1).backward(np.ones((1, 1, 1, 1))), RuntimeError, r"forward"),
    (lambda: nn.ReLU().forward(np.array([1, 2])), TypeError, r"x must be a float array, got"),
    (lambda: nn.ReLU().backward(np.ones(2)), RuntimeError, r"ReLU.backward needs a forward"),
    (lambda: nn.Pool2D(2).backward(np.ones((1, 1, 1, 1))), RuntimeError, r"Pool2D.backward needs"),
    (lambda: nn.Flatten().backward(np.ones((1, 2))), RuntimeError, r"Flatten.backward needs"),
    (
        lambda: backward_after_forward(nn.Conv2D(1, 2, 3), np.zeros((1, 4, 4, 1)), (1, 3, 3, 2)),
        ValueError,
        r"dout must have the forward output's shape \(1, 2, 2, 2\), got \(1, 3, 3, 2\)",
    ),
    (
        lambda: backward_after_forward(nn.ReLU(), np.zeros((2, 3)), (3, 2)),
        ValueError,
        r"dout must have the forward output's shape \(2, 3\), got \(3, 2\)",
    ),
    (
        lambda: backward_after_forward(nn.Dense(3, 2), np.zeros((4, 3)), (4, 3)),
        ValueError,
        r"dout must have the forward output's shape \(4, 2\), got \(4, 3\)",
    ),
    (lambda: nn.Pool2D(0), ValueError, r"kernel_shape must be positive, got \(0, 0\)"),
    (lambda: nn.Pool2D(2, mode="min"), ValueError, r"mode must be one of 'max', 'avg', got 'min'"),
    (lambda: nn.Pool2D(2, ties="last"), ValueError, r"ties must be one of .* got 'last'"),
    (
        lambda: nn.Pool2D(2, mode="avg", ties="split"),
        ValueError,
        r"ties='split' applies to mode='max' only",
    ),
    (lambda: nn.Pool2D(2, padding=2), ValueError, r"padding must be at most half the kernel"),
    (lambda: nn.Pool2D(2, ceil_mode=1), TypeError, r"ceil_mode must be True or False, got 1"),
    (lambda: nn.Pool2D(2, divisor_override=0), ValueError, r"divisor_override must not be 0"),
    (lambda: nn.Pool2D(2, pool_forward="f"), TypeError, r"pool_forward must be a function .*'f'"),
    (
        forward_of(nn.Pool2D(2), np.zeros((1, 4, 4))),
        ValueError,
        r"x must have 4 dimensions \(m, h, w, c\), got shape \(1, 4, 4\)",
    ),
    (lambda: nn.Flatten().forward(np.zeros(3)), ValueError, r"x must have a batch axis .*\(3,\)"),
    (lambda: nn.Dense(4, -1), ValueError, r"out_features must be a positive int, got -1"),
    (
        forward_of(nn.Dense(4, 2), np.zeros((3, 5))),
        ValueError,
        r"x must have in_features=4 columns, got shape \(3, 5\); put a Flatten before Dense",
    ),
    (lambda: nn.Sequential(), ValueError, r"Sequential needs at least one layer"),
    (lambda: nn.Sequential(nn.ReLU(), "relu"), TypeError, r"layers\[1\] must have forward"),
    (lambda: nn.small_cnn(channels=8), TypeError, r"channels must be a pair of ints, got 8"),
    (lambda: nn.small_cnn(image_shape=(30, 28)), ValueError, r"image_shape must be divisible by 4"),
    (lambda: nn.small_cnn(ties="none"), ValueError, r"ties must be one of"),
    (lambda: nn.small_cnn(hidden=0), ValueError, r"hidden must be a positive int, got 0"),
    (
        lambda: nn.small_cnn(downsample="stride"),
        ValueError,
        r"downsample must be one of 'pool', 'conv', 'none', got 'stride'",
    ),
    (
        lambda: nn.small_cnn(downsample="conv", mode="avg"),
        ValueError,
        r"pooling keywords \['mode'\] need downsample='pool', got downsample='conv'",
    ),
    (lambda: nn.parameter_count([]), TypeError, r"model must be a pooling_lib.nn.Sequential"),
    (lambda: nn.Dense(3, 2, gain=-1), ValueError, r"gain must be between 0 and inf, got -1"),
    (
        lambda: nn.Sequential(nn.Flatten()).predict(np.zeros((2, 2)), batch_size=0),
        ValueError,
        r"batch_size must be a positive int, got 0",
    ),
]


@pytest.mark.parametrize("call, error, match", ERRORS, ids=lambda value: None)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "options",
    [dict(kernel_shape=3, dilation=10**5), dict(kernel_shape=3000), dict(kernel_shape=2**70)],
)
def test_pool_layer_checks_huge_options_without_allocating(options):
    tracemalloc.start()
    try:
        nn.Pool2D(**options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
