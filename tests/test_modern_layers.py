"""The modern pooling layers: gradients against numeric ones, blur against PyTorch, the network."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import modern_layers as ml
from pooling_lib import pool_forward
from pooling_lib.gradcheck import numeric_gradient, rel_error, tie_free
from pooling_lib.nn import Dense, Sequential


def layer_gradient_error(layer, x, seed=0):
    """Relative error between ``layer.backward`` and a numeric gradient, in float64."""
    out = layer.forward(x)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    analytic = layer.backward(upstream)
    numeric = numeric_gradient(lambda v: layer.forward(v, train=False), x, upstream)
    return rel_error(analytic, numeric)


@pytest.mark.parametrize(
    "layer, shape",
    [
        (ml.GlobalAvgPool2D(), (2, 5, 4, 3)),
        (ml.AdaptivePool2D(3, "avg"), (2, 7, 5, 2)),
        (ml.AdaptivePool2D((2, 4), "max"), (2, 7, 5, 2)),
        (ml.BlurPool2D(), (2, 6, 7, 2)),
        (ml.BlurPool2D(stride=3, filter_size=4), (1, 8, 7, 2)),
        (ml.MaxBlurPool2D(), (2, 8, 8, 2)),
        (ml.MaxBlurPool2D(kernel_shape=3, filter_size=5), (1, 9, 7, 2)),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else str(v),
)
def test_every_layer_passes_a_numeric_gradient_check(layer, shape):
    x = tie_free(shape, seed=1)
    before = x.copy()
    assert layer_gradient_error(layer, x) < 1e-7
    np.testing.assert_array_equal(x, before)


def test_a_wrong_backward_fails_the_same_check():
    class Halved(ml.BlurPool2D):
        def backward(self, dout):
            return super().backward(dout) / 2

    assert layer_gradient_error(Halved(), tie_free((1, 6, 6, 1))) > 0.1


@pytest.mark.parametrize("stride, filter_size", [(2, 3), (2, 2), (1, 5), (3, 4)])
def test_blur_is_pytorchs_depthwise_convolution_with_the_binomial_filter(
    torch, stride, filter_size
):
    x = np.random.default_rng(2).standard_normal((2, 9, 8, 3))
    before, after = (filter_size - 1) // 2, filter_size // 2
    t = torch.nn.functional.pad(
        torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), (before, after, before, after)
    )
    weight = torch.from_numpy(np.tile(ml.binomial_filter(filter_size), (3, 1, 1, 1)))
    expected = torch.nn.functional.conv2d(t, weight, stride=stride, groups=3).numpy()
    ours = ml.blur_pool_forward(x, stride, filter_size)
    np.testing.assert_allclose(ours, expected.transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-14)


def test_blur_backward_is_the_adjoint_of_the_forward():
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((2, 7, 9, 2)), rng.standard_normal((2, 4, 5, 2))
    forward = np.sum(ml.blur_pool_forward(x) * g)
    backward = np.sum(x * ml.blur_pool_backward(g, x))
    assert abs(forward - backward) < 1e-12 * (abs(forward) + 1)


def test_binomial_filters_are_rows_of_pascals_triangle():
    assert np.allclose(ml.binomial_filter(5)[2] * 256, [6, 24, 36, 24, 6])
    assert ml.binomial_filter(1).tolist() == [[1.0]]
    assert np.isclose(ml.binomial_filter(7).sum(), 1.0)


def test_maxblur_pool_keeps_the_maps_size_of_a_stride_2_max_pool():
    model = ml.pooled_cnn("maxblur")
    scores = model.forward(np.zeros((3, 28, 28, 1), dtype=np.float32))
    assert scores.shape == (3, 10)
    assert model.backward(np.ones_like(scores)) is None


def test_maxblur_output_moves_less_than_max_pool_under_a_one_pixel_shift():
    # A thin bar moved by one pixel: the max pool's output jumps, the blurred one eases.
    x = np.zeros((1, 8, 8, 1))
    x[0, :, 3, 0] = 1.0
    moved = np.roll(x, 1, axis=2)

    def change(f):
        return np.abs(f(moved) - f(x)).sum() / np.abs(f(x)).sum()

    plain = change(lambda v: pool_forward(v, 2, 2))
    blurred = change(lambda v: ml.MaxBlurPool2D().forward(v, train=False))
    assert plain == 2.0 and blurred < 0.75 * plain  # max pool: a whole new output


def test_gap_head_saves_the_dense_layers_parameters():
    flatten, gap = ml.pooled_cnn(head="flatten"), ml.pooled_cnn(head="gap")
    # Flatten: 7*7*16*64 + 64 and 64*10 + 10; GAP: 16*10 + 10.
    assert ml.parameter_count(flatten) - ml.parameter_count(gap) == 50_240 + 650 - 170
    assert ml.parameter_count(Sequential(Dense(3, 2))) == 8


def test_gap_works_on_any_input_size():
    model = ml.pooled_cnn(head="gap")
    assert model.forward(np.zeros((2, 36, 20, 1), dtype=np.float32)).shape == (2, 10)


class Constant:
    """A model that always answers class 0: perfectly consistent."""

    dtype = np.dtype(np.float64)

    def predict(self, x, batch_size=500):
        return np.tile([1.0, 0.0], (len(x), 1))


class WhereIsTheInk:
    """Answers 1 when the top-left pixel is inked: a shift changes it."""

    dtype = np.dtype(np.float64)

    def predict(self, x, batch_size=500):
        inked = x[:, 2, 2, 0] > 0
        return np.stack([~inked, inked], axis=1).astype(float)


def test_shift_consistency_tells_consistent_from_position_dependent_models():
    X = np.zeros((200, 6, 6, 1))
    X[:, 2, 2, 0] = 1.0
    assert ml.shift_consistency(Constant(), X) == 1.0
    # Both shifts keep the ink at (2, 2) with chance 1/9 each: agreement (1/9)^2 + (8/9)^2 = 0.80.
    assert 0.7 < ml.shift_consistency(WhereIsTheInk(), X, max_shift=1) < 0.9


def test_shift_batch_moves_each_image_by_its_own_amount():
    X = np.zeros((2, 3, 3, 1))
    X[:, 1, 1, 0] = 1.0
    moved = ml.shift_batch(X, [1, 0], [0, -1])
    assert moved[0, 2, 1, 0] == 1.0 and moved[1, 1, 0, 0] == 1.0 and moved.sum() == 2.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: ml.binomial_filter(0), ValueError, r"filter_size must be"),
        (lambda: ml.binomial_filter(8), ValueError, r"filter_size must be 1 to 7, got 8"),
        (lambda: ml.binomial_filter(2.5), TypeError, r"filter_size"),
        (lambda: ml.blur_pool_forward(np.zeros((1, 4, 4, 1)), 0), ValueError, r"stride"),
        (lambda: ml.blur_pool_forward(np.zeros((4, 4)), 2), ValueError, r"A_prev must have 4"),
        (
            lambda: ml.blur_pool_backward(np.zeros((1, 3, 3, 1)), np.zeros((1, 4, 4, 1))),
            ValueError,
            r"dA must have the forward output's shape .* \(1, 2, 2, 1\), got \(1, 3, 3, 1\)",
        ),
        (lambda: ml.AdaptivePool2D(0), ValueError, r"output_size must be at least 1"),
        (lambda: ml.AdaptivePool2D(2, "median"), ValueError, r"mode must be one of"),
        (lambda: ml.MaxBlurPool2D(kernel_shape=0), ValueError, r"kernel_shape"),
        (lambda: ml.GlobalAvgPool2D().backward(np.ones((1, 2))), RuntimeError, r"forward"),
        (lambda: ml.parameter_count([Dense(2, 2)]), TypeError, r"model must be a Sequential"),
        (lambda: ml.pooled_cnn(pool="min"), ValueError, r"pool must be one of .* got 'min'"),
        (lambda: ml.pooled_cnn(head="dense"), ValueError, r"head must be one of .* got 'dense'"),
        (lambda: ml.shift_consistency(Constant(), np.zeros((2, 4, 4, 1)), 0), ValueError, "max_"),
        (
            lambda: ml.shift_batch(np.zeros((2, 4, 4)), 0, 0),
            ValueError,
            r"X must have 4 dimensions",
        ),
        (
            lambda: ml.shift_batch(np.zeros((2, 4, 4, 1)), 1.5, 0),
            TypeError,
            r"down must be whole pixels, an int or one int per image, got 1\.5",
        ),
        (
            lambda: ml.shift_batch(np.zeros((2, 4, 4, 1)), 0, [1, 2, 3]),
            ValueError,
            r"right must be an int or one int per image, shape \(2,\), got shape \(3,\)",
        ),
        (
            lambda: ml.pooled_cnn(channels=8),
            TypeError,
            r"channels must be a pair \(first conv, second conv\), got 8",
        ),
        (lambda: ml.pooled_cnn(channels=(8,)), TypeError, r"channels must be a pair .* \(8,\)"),
        (
            lambda: ml.shift_consistency(3, np.zeros((2, 4, 4, 1))),
            TypeError,
            r"model must have a predict\(X, batch_size\) method and a dtype, .* got int",
        ),
        (lambda: ml.AdaptivePool2D((None, 2.0)), TypeError, r"output_size .* got \(None, 2\.0\)"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_adaptive_layer_with_none_keeps_each_inputs_size():
    layer = ml.AdaptivePool2D((None, 2), "max")
    x = tie_free((2, 7, 5, 3), seed=4)
    assert layer.forward(x).shape == (2, 7, 2, 3)
    assert layer.forward(x[:, :4]).shape == (2, 4, 2, 3)
    assert layer.backward(np.ones((2, 4, 2, 3))).shape == (2, 4, 5, 3)


def test_gap_backward_refuses_a_wrong_shape():
    gap = ml.GlobalAvgPool2D()
    gap.forward(np.zeros((2, 3, 3, 4)))
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape \(m, c\)"):
        gap.backward(np.ones((2, 3)))
