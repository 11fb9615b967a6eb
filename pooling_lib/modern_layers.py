"""Pooling as modern networks use it: global average, adaptive and anti-aliased layers.

Each layer has :mod:`pooling_lib.nn`'s contract (``forward(x, train)``,
``backward(dout)``, ``params`` / ``grads``), so it drops into
:class:`pooling_lib.nn.Sequential`:

* :class:`GlobalAvgPool2D`: each channel's mean, ``(m, h, w, c) -> (m, c)``;
  ResNet's last pooling, which replaces flatten + a large dense layer.
* :class:`AdaptivePool2D`: :func:`pooling_lib.adaptive_pool_forward` as a layer.
* :class:`BlurPool2D` and :class:`MaxBlurPool2D`: Zhang's anti-aliasing
  ("Making Convolutional Networks Shift-Invariant Again", ICML 2019). Max
  pooling with stride 2 keeps one sample in four of a map that is not
  band-limited, so a one-pixel shift of the input can change the output a
  lot (aliasing). MaxBlurPool evaluates the max densely (stride 1), blurs
  with a binomial filter, and only then subsamples.

:func:`pooled_cnn` builds the course's small CNN with any of these, and
:func:`shift_consistency` measures the paper's shift consistency.
"""

from __future__ import annotations

import numpy as np

from .adaptive import (
    adaptive_pool_backward,
    adaptive_pool_forward,
    check_adaptive_input,
    check_output_size,
)
from .maps import shift_image
from .nn import (
    Conv2D,
    Dense,
    Flatten,
    Pool2D,
    ReLU,
    Sequential,
    as_generator,
    check_array,
    check_positive_int,
)
from .pooling import pool_backward, pool_forward

__all__ = [
    "AdaptivePool2D",
    "BlurPool2D",
    "GlobalAvgPool2D",
    "MaxBlurPool2D",
    "binomial_filter",
    "blur_pool_backward",
    "blur_pool_forward",
    "parameter_count",
    "pooled_cnn",
    "shift_batch",
    "shift_consistency",
]


def binomial_filter(filter_size=3):
    """The 2-D binomial blur of Zhang (2019): a row of Pascal's triangle, outer product, sum 1.

    Parameters
    ----------
    filter_size : int, default 3
        1 to 7; 1 is no blur, 3 is ``[1, 2, 1]``, 5 is ``[1, 4, 6, 4, 1]``.

    Returns
    -------
    ndarray of float64, shape (filter_size, filter_size)

    Examples
    --------
    >>> binomial_filter(3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    filter_size = check_positive_int(filter_size, "filter_size", "e.g. 3 for [1, 2, 1]")
    if filter_size > 7:
        raise ValueError(f"filter_size must be 1 to 7, got {filter_size}; the paper uses 2 to 7")
    row = np.array([1.0])
    for _ in range(filter_size - 1):
        row = np.convolve(row, [1.0, 1.0])
    kernel = np.outer(row, row)
    return kernel / kernel.sum()


def _blur_padding(filter_size):
    """(before, after) zero padding of each axis: Zhang's, more after for an even filter."""
    return (filter_size - 1) // 2, filter_size // 2


def _blur_shapes(shape, stride, filter_size):
    before, after = _blur_padding(filter_size)
    h, w = shape[1] + before + after, shape[2] + before + after
    return (h - filter_size) // stride + 1, (w - filter_size) // stride + 1


def _check_blur(stride, filter_size):
    stride = check_positive_int(stride, "stride", "e.g. 2 to halve the map")
    return stride, binomial_filter(filter_size)


def blur_pool_forward(A_prev, stride=2, filter_size=3):
    """Blur each channel with a binomial filter, then keep every ``stride``-th row and column.

    Parameters
    ----------
    A_prev : array_like, shape (m, h, w, c)
    stride : int, default 2
    filter_size : int, default 3
        See :func:`binomial_filter`.

    Returns
    -------
    ndarray, shape (m, h_out, w_out, c)
        ``A_prev``'s float dtype. The map is zero-padded by
        ``(filter_size - 1) // 2`` before and ``filter_size // 2`` after each
        axis (the zeros of a digit's background), so ``h_out = ceil(h / stride)``.

    Examples
    --------
    A single bright pixel between the kept samples reaches all four of them:

    >>> A = np.zeros((1, 4, 4, 1)); A[0, 1, 1, 0] = 16.0
    >>> blur_pool_forward(A)[0, :, :, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    A_prev = check_adaptive_input(A_prev)
    stride, kernel = _check_blur(stride, filter_size)
    kernel = kernel.astype(A_prev.dtype)
    size = kernel.shape[0]
    before, after = _blur_padding(size)
    padded = np.pad(A_prev, ((0, 0), (before, after), (before, after), (0, 0)))
    h_out, w_out = _blur_shapes(A_prev.shape, stride, size)
    out = np.zeros((A_prev.shape[0], h_out, w_out, A_prev.shape[3]), dtype=A_prev.dtype)
    for di in range(size):
        for dj in range(size):
            rows = slice(di, di + stride * (h_out - 1) + 1, stride)
            cols = slice(dj, dj + stride * (w_out - 1) + 1, stride)
            out += kernel[di, dj] * padded[:, rows, cols, :]
    return out


def blur_pool_backward(dA, A_prev, stride=2, filter_size=3):
    """Gradient of :func:`blur_pool_forward` with respect to its input.

    Parameters
    ----------
    dA : array_like, shape (m, h_out, w_out, c)
    A_prev : array_like, shape (m, h, w, c)
        The forward input (only its shape and dtype are used).
    stride, filter_size
        The forward pass's.

    Returns
    -------
    ndarray, shape (m, h, w, c)
        Each output's gradient spread back over the cells it blurred,
        weighted by the filter (the forward pass's transpose).

    Examples
    --------
    >>> dA_prev = blur_pool_backward(np.ones((1, 2, 2, 1)), np.zeros((1, 4, 4, 1)))
    >>> float(dA_prev.sum())  # each output's weights sum to 1; padding takes a share
    3.0625
    """
    A_prev = check_adaptive_input(A_prev)
    stride, kernel = _check_blur(stride, filter_size)
    dA = check_array(dA, "dA", 4, "(m, h_out, w_out, c)")
    size = kernel.shape[0]
    h_out, w_out = _blur_shapes(A_prev.shape, stride, size)
    m, h, w, c = A_prev.shape
    if dA.shape != (m, h_out, w_out, c):
        raise ValueError(
            f"dA must have the forward output's shape (m, h_out, w_out, c) = "
            f"{(m, h_out, w_out, c)}, got {dA.shape}"
        )
    dtype = np.result_type(A_prev.dtype, dA.dtype)
    kernel = kernel.astype(dtype)
    before, after = _blur_padding(size)
    padded = np.zeros((m, h + before + after, w + before + after, c), dtype=dtype)
    for di in range(size):
        for dj in range(size):
            rows = slice(di, di + stride * (h_out - 1) + 1, stride)
            cols = slice(dj, dj + stride * (w_out - 1) + 1, stride)
            padded[:, rows, cols, :] += kernel[di, dj] * dA
    return padded[:, before : before + h, before : before + w, :]


class _Layer:
    """What every layer here shares: no parameters, and a forward input kept for backward."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self._input = None

    def _keep(self, x, train):
        x = check_array(x, "x", 4, "(m, h, w, c)")
        if train:
            self._input = x
        return x

    def _kept(self):
        if self._input is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward needs a forward(x, train=True) call first"
            )
        return self._input


class GlobalAvgPool2D(_Layer):
    """Each channel's mean over the whole map: ``(m, h, w, c) -> (m, c)``.

    The adaptive average with output size 1, flattened, so a :class:`Dense`
    can follow directly. It has no parameters and works for any ``h, w``.

    Examples
    --------
    >>> gap = GlobalAvgPool2D()
    >>> gap.forward(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 4.]])
    >>> gap.backward(np.ones((1, 2)))[0, :, :, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """

    def forward(self, x, train=True):
        """``x``, shape (m, h, w, c), to the channel means, shape (m, c)."""
        x = self._keep(x, train)
        return adaptive_pool_forward(x, 1, "avg").reshape(x.shape[0], x.shape[3])

    def backward(self, dout):
        """``dout``, shape (m, c), spread evenly over each map: shape (m, h, w, c)."""
        x = self._kept()
        dout = check_array(dout, "dout", 2, "(m, c)")
        if dout.shape != (x.shape[0], x.shape[3]):
            raise ValueError(
                f"dout must have the forward output's shape (m, c) = {(x.shape[0], x.shape[3])}, "
                f"got {dout.shape}"
            )
        return adaptive_pool_backward(dout[:, None, None, :], x, 1, "avg")


class AdaptivePool2D(_Layer):
    """:func:`pooling_lib.adaptive_pool_forward` as a layer: a fixed output size from any input.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        ``None`` keeps that size of each input, as in PyTorch's ``AdaptiveAvgPool2d``.
    mode : {'max', 'avg'}, default 'avg'

    Examples
    --------
    >>> AdaptivePool2D(2, "max").forward(np.arange(9.0).reshape(1, 3, 3, 1))[0, :, :, 0]
    array([[4., 5.],
           [7., 8.]])
    """

    def __init__(self, output_size, mode="avg"):
        super().__init__()
        self.output_size = check_output_size(output_size)
        adaptive_pool_forward(np.zeros((0, 1, 1, 1)), 1, mode)  # checks mode, with its message
        self.mode = mode

    def forward(self, x, train=True):
        """``x``, shape (m, h, w, c), to shape (m, *output_size, c)."""
        return adaptive_pool_forward(self._keep(x, train), self.output_size, self.mode)

    def backward(self, dout):
        """``dout``, shape (m, *output_size, c), back to the input's shape."""
        return adaptive_pool_backward(dout, self._kept(), self.output_size, self.mode)


class BlurPool2D(_Layer):
    """Anti-aliased subsampling: :func:`blur_pool_forward` as a layer.

    Parameters
    ----------
    stride : int, default 2
    filter_size : int, default 3
    """

    def __init__(self, stride=2, filter_size=3):
        super().__init__()
        self.stride, _ = _check_blur(stride, filter_size)
        self.filter_size = filter_size

    def forward(self, x, train=True):
        """``x``, shape (m, h, w, c), to shape (m, ceil(h / stride), ceil(w / stride), c)."""
        return blur_pool_forward(self._keep(x, train), self.stride, self.filter_size)

    def backward(self, dout):
        """``dout`` back to the input's shape."""
        return blur_pool_backward(dout, self._kept(), self.stride, self.filter_size)


class MaxBlurPool2D(_Layer):
    """Zhang's MaxBlurPool: max pooling with stride 1, then blur, then subsample.

    Replaces ``Pool2D(kernel_shape, stride)``: the same output size on even
    maps, the same max, but the subsampling no longer aliases.

    Parameters
    ----------
    kernel_shape : int, default 2
        The max pooling's window, evaluated at every position (stride 1).
    stride : int, default 2
        The subsampling after the blur.
    filter_size : int, default 3
        See :func:`binomial_filter`.

    Examples
    --------
    >>> layer = MaxBlurPool2D()
    >>> layer.forward(np.zeros((3, 28, 28, 8))).shape
    (3, 14, 14, 8)
    """

    def __init__(self, kernel_shape=2, stride=2, filter_size=3):
        super().__init__()
        self.kernel_shape = check_positive_int(kernel_shape, "kernel_shape", "e.g. 2")
        self.stride, _ = _check_blur(stride, filter_size)
        self.filter_size = filter_size
        self._dense = None

    def forward(self, x, train=True):
        """``x``, shape (m, h, w, c), to shape (m, ceil((h - k + 1) / stride), ..., c)."""
        x = self._keep(x, train)
        dense = pool_forward(x, self.kernel_shape, 1, "max")
        if train:
            self._dense = dense
        return blur_pool_forward(dense, self.stride, self.filter_size)

    def backward(self, dout):
        """``dout`` back through the blur, then to each dense max window's winner."""
        x = self._kept()
        d_dense = blur_pool_backward(dout, self._dense, self.stride, self.filter_size)
        return pool_backward(d_dense, x, self.kernel_shape, 1, "max")


POOLS = ("max", "maxblur", "avg")
HEADS = ("flatten", "gap")


def _pool_layer(pool):
    if pool == "maxblur":
        return MaxBlurPool2D()
    return Pool2D(2, mode=pool)


def pooled_cnn(pool="max", head="flatten", *, seed=0, channels=(8, 16), hidden=64, classes=10):
    """The course's small CNN with a choice of pooling layer and of head, for 28 x 28 digits.

    ``Conv(5x5) - ReLU - pool - Conv(5x5) - ReLU - pool - head``, where the
    head is ``Flatten - Dense(hidden) - ReLU - Dense(classes)`` (as
    :func:`pooling_lib.nn.small_cnn`) or ``GlobalAvgPool2D - Dense(classes)``
    (ResNet's).

    Parameters
    ----------
    pool : {'max', 'maxblur', 'avg'}, default 'max'
        ``Pool2D(2)`` or :class:`MaxBlurPool2D`; all give 14 x 14 then 7 x 7.
    head : {'flatten', 'gap'}, default 'flatten'
    seed : int, default 0
    channels : (int, int), default (8, 16)
    hidden : int, default 64
        Units of the flatten head's hidden layer.
    classes : int, default 10

    Returns
    -------
    Sequential

    Examples
    --------
    >>> parameter_count(pooled_cnn(head="flatten")), parameter_count(pooled_cnn(head="gap"))
    (54314, 3594)
    """
    if pool not in POOLS:
        raise ValueError(f"pool must be one of {', '.join(map(repr, POOLS))}, got {pool!r}")
    if head not in HEADS:
        raise ValueError(f"head must be one of {', '.join(map(repr, HEADS))}, got {head!r}")
    rng = as_generator(seed, "seed")
    if not isinstance(channels, tuple | list) or len(channels) != 2:
        raise TypeError(
            f"channels must be a pair (first conv, second conv), got {channels!r}; e.g. (8, 16)"
        )
    c1, c2 = (check_positive_int(c, "channels", "e.g. (8, 16)") for c in channels)
    body = [
        Conv2D(1, c1, 5, padding=2, rng=rng, dtype=np.float32, input_gradient=False),
        ReLU(),
        _pool_layer(pool),
        Conv2D(c1, c2, 5, padding=2, rng=rng, dtype=np.float32),
        ReLU(),
        _pool_layer(pool),
    ]
    if head == "gap":
        return Sequential(*body, GlobalAvgPool2D(), Dense(c2, classes, rng=rng, dtype=np.float32))
    hidden = check_positive_int(hidden, "hidden", "e.g. 64")
    return Sequential(
        *body,
        Flatten(),
        Dense(7 * 7 * c2, hidden, rng=rng, dtype=np.float32, gain=2.0),
        ReLU(),
        Dense(hidden, classes, rng=rng, dtype=np.float32),
    )


def parameter_count(model):
    """How many numbers a model learns: the sizes of every layer's ``params``, added.

    Examples
    --------
    >>> parameter_count(Sequential(Dense(4, 3)))
    15
    """
    if not hasattr(model, "layers"):
        raise TypeError(f"model must be a Sequential (with .layers), got {model!r}")
    return sum(int(value.size) for layer in model.layers for value in layer.params.values())


def _shifts(value, name, m):
    """``value`` as m ints, one shift per image, from one int or a sequence of m."""
    shifts = np.asarray(value)
    if shifts.dtype.kind not in "iu":
        raise TypeError(f"{name} must be whole pixels, an int or one int per image, got {value!r}")
    if shifts.shape not in ((), (m,)):
        raise ValueError(
            f"{name} must be an int or one int per image, shape ({m},), got shape {shifts.shape}"
        )
    return np.broadcast_to(shifts, (m,))


def shift_batch(X, down, right):
    """Every image of ``X``, shape (m, h, w, c), moved by its own whole-pixel shift.

    Parameters
    ----------
    X : array_like, shape (m, h, w, c)
    down, right : int or array_like of int, shape (m,)
        Pixels to move each image (one int moves them all); the uncovered border is zero (as
        :func:`pooling_lib.maps.shift_image`, nothing wraps around).

    Returns
    -------
    ndarray of float64, shape (m, h, w, c)
    """
    X = check_adaptive_input(X, "X")
    down, right = _shifts(down, "down", len(X)), _shifts(right, "right", len(X))
    out = np.empty(X.shape)
    for n in range(len(X)):
        for ch in range(X.shape[3]):
            out[n, :, :, ch] = shift_image(X[n, :, :, ch], down[n], right[n])
    return out


def shift_consistency(model, X, max_shift=2, seed=0, batch_size=500):
    """How often a model's prediction stays the same when the image moves a little.

    Zhang's (2019) measure: each image is shown twice, each time shifted by
    a random ``(down, right)`` in ``-max_shift .. max_shift``, and the two
    predicted classes compared. Labels are not needed: a model can be
    consistent and wrong.

    Parameters
    ----------
    model : Sequential
    X : array_like, shape (m, h, w, c)
    max_shift : int, default 2
    seed : int, default 0
        The same seed draws the same shifts, so two models see the same pairs.
    batch_size : int, default 500

    Returns
    -------
    float
        The fraction of images whose two predictions agree, in [0, 1].
    """
    if not callable(getattr(model, "predict", None)) or not hasattr(model, "dtype"):
        raise TypeError(
            f"model must have a predict(X, batch_size) method and a dtype, as Sequential has, "
            f"got {type(model).__name__}"
        )
    max_shift = check_positive_int(max_shift, "max_shift", "e.g. 2 pixels")
    X = check_adaptive_input(X, "X")
    rng = as_generator(seed, "seed")
    shifts = rng.integers(-max_shift, max_shift + 1, size=(4, len(X)))
    first = model.predict(shift_batch(X, shifts[0], shifts[1]).astype(model.dtype), batch_size)
    second = model.predict(shift_batch(X, shifts[2], shifts[3]).astype(model.dtype), batch_size)
    return float(np.mean(first.argmax(1) == second.argmax(1)))
