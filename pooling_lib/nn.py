"""A small convolutional network in NumPy, built on the pooling of this course.

This module says what a network *is*: its layers and how they chain.
Training it (loss, optimisers, data split, epochs) is :mod:`pooling_lib.training`.

Every layer works on batches in the course's ``(m, h, w, c)`` layout and has
the same contract, CS231n-style:

* ``forward(x, train=True)`` returns the output and, when ``train`` is true,
  keeps what ``backward`` will need;
* ``backward(dout)`` takes the loss's gradient with respect to the output,
  fills ``grads`` (same keys and shapes as ``params``) and returns the
  gradient with respect to the input.

``Sequential`` chains layers and ``small_cnn`` is a ready-made LeNet-shaped
recipe. ``Pool2D`` wraps :func:`pooling_lib.pool_forward` and
:func:`pooling_lib.pool_backward`, or a learner's own functions with the same
signature.

The ``check_*`` functions and ``as_generator`` validate input at the public
edge for this module and for :mod:`pooling_lib.training`; their errors name
the parameter, show the value and suggest a fix.

Examples
--------
>>> model = small_cnn(seed=0)
>>> scores = model.forward(np.zeros((5, 28, 28, 1)))
>>> scores.shape, scores.dtype
((5, 10), dtype('float32'))
>>> model.backward(np.ones_like(scores)) is None  # the first layer skips the data's gradient
True
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import prepare_backward
from .geometry import check_bool, pool_geometry, to_pair
from .pooling import pool_backward, pool_forward

__all__ = [
    "Conv2D",
    "Dense",
    "Flatten",
    "Pool2D",
    "ReLU",
    "Sequential",
    "parameter_count",
    "small_cnn",
]

FLOAT_DTYPES = (np.float32, np.float64)


def check_positive_int(value, name, hint):
    """``value`` as an int >= 1, or a TypeError / ValueError naming ``name`` and ending in ``hint``.

    Examples
    --------
    >>> check_positive_int(np.int64(3), "epochs", "e.g. 3")
    3
    >>> check_positive_int(0, "epochs", "e.g. 3")
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a positive int, got 0; e.g. 3
    """
    if not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a positive int, got {value!r}; {hint}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}; {hint}")
    return int(value)


def check_positive_pair(value, name, hint):
    """``value`` (int or pair) as ``(int, int)``, each >= 1, or an error naming ``name``."""
    pair = to_pair(value, name)
    if min(pair) < 1:
        raise ValueError(f"{name} must be positive, got {pair}; {hint}")
    return pair


def as_generator(rng, name="rng"):
    """A NumPy Generator from an int seed or a Generator, so every result can be repeated.

    A Generator is returned as it is, not copied: passing one on lets several
    calls draw in turn from one stream.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool | np.bool_) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a non-negative int seed or a np.random.Generator, got {rng!r}; "
        "pass e.g. 0 or np.random.default_rng(0)"
    )


def _float_dtype(dtype):
    resolved = np.dtype(dtype) if isinstance(dtype, type | str | np.dtype) else None
    if resolved not in [np.dtype(d) for d in FLOAT_DTYPES]:
        raise TypeError(
            f"dtype must be np.float32 or np.float64, got {dtype!r}; float64 for gradient "
            "checks, float32 for speed"
        )
    return resolved


def check_array(x, name, ndim, layout):
    """``x`` as a real-valued array of ``ndim`` dimensions, or an error naming ``name``.

    ``layout`` is the shape as the error message should spell it, e.g.
    ``"(m, h, w, c)"``; the array itself is not copied or cast.
    """
    array = np.asarray(x)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != ndim:
        hint = (
            "; for grey images (m, h, w) use x[..., None]" if ndim == 4 and array.ndim == 3 else ""
        )
        raise ValueError(
            f"{name} must have {ndim} dimensions {layout}, got shape {array.shape}{hint}"
        )
    return array


def check_rate(value, name, low, high, hint):
    """``value`` as a float strictly between ``low`` and ``high``, or an error naming ``name``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a number, got {value!r}; {hint}")
    if not low < value < high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}; {hint}")
    return float(value)


def _normal(rng, shape, fan_in, gain, dtype):
    """Gaussian weights of variance ``gain / fan_in``.

    ``gain=2`` (He) keeps the activations' variance steady through a ReLU,
    which zeroes half of them; ``gain=1`` (LeCun) suits a layer whose output is
    used as it is, such as the scores fed to a softmax.
    """
    return (rng.standard_normal(shape) * np.sqrt(gain / fan_in)).astype(dtype)


class Conv2D:
    """2-D convolution (cross-correlation, as in PyTorch) on ``(m, h, w, c)`` batches.

    The forward pass lays every receptive field out as a row (im2col) and lets
    one matrix product (BLAS) do the multiply-adds; the backward pass does the
    same product transposed and adds the rows back onto the input (col2im).

    Parameters
    ----------
    in_channels, out_channels : int
        ``c_in`` of the input and ``c_out`` of the output.
    kernel_shape : int or (int, int)
        Filter height and width ``(kh, kw)``.
    stride : int or (int, int), default 1
        Step between receptive fields.
    padding : int or (int, int), default 0
        Zeros added on each side of the input's height and width.
    rng : int or np.random.Generator, default 0
        Seed for the He-normal initial weights; biases start at zero.
    dtype : {np.float64, np.float32}, default np.float64
        The parameters' dtype; inputs are cast to it.
    input_gradient : bool, default True
        False: :meth:`backward` fills ``grads`` and returns None. For a first
        layer, whose input is the data: nothing needs that gradient, and it
        costs as much as the weights' gradient.

    Attributes
    ----------
    params : dict
        ``'W'``, shape (kh, kw, c_in, c_out), and ``'b'``, shape (c_out,).
        PyTorch's ``weight`` is ``W.transpose(3, 2, 0, 1)``.
    grads : dict
        Same keys and shapes, filled by :meth:`backward`.

    Examples
    --------
    >>> conv = Conv2D(1, 4, 3, padding=1)
    >>> conv.forward(np.zeros((2, 28, 28, 1))).shape
    (2, 28, 28, 4)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_shape,
        stride=1,
        padding=0,
        rng=0,
        dtype=np.float64,
        input_gradient=True,
    ):
        self.in_channels = check_positive_int(in_channels, "in_channels", "1 for grey images")
        self.out_channels = check_positive_int(
            out_channels, "out_channels", "the number of filters"
        )
        self.kernel_shape = check_positive_pair(kernel_shape, "kernel_shape", "e.g. 3 for 3 x 3")
        self.stride = check_positive_pair(stride, "stride", "stride=1 visits every position")
        self.padding = to_pair(padding, "padding")
        if min(self.padding) < 0:
            raise ValueError(f"padding must be zero or positive, got {self.padding}")
        self.input_gradient = check_bool(input_gradient, "input_gradient")
        dtype = _float_dtype(dtype)
        kh, kw = self.kernel_shape
        fan_in = kh * kw * self.in_channels
        shape = (kh, kw, self.in_channels, self.out_channels)
        W = _normal(as_generator(rng), shape, fan_in, 2.0, dtype)
        self.params = {"W": W, "b": np.zeros(self.out_channels, dtype=dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self._cache = None

    def output_shape(self, h, w):
        """``(h_out, w_out)`` for an input of height ``h`` and width ``w``."""
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_shape, self.stride, self.padding
        return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1

    def _check_input(self, x):
        x = check_array(x, "x", 4, "(m, h, w, c)")
        m, h, w, c = x.shape
        if c != self.in_channels:
            raise ValueError(
                f"x must have in_channels={self.in_channels} channels in its last axis, got "
                f"shape {x.shape}; the layout is (m, h, w, c)"
            )
        if min(self.output_shape(h, w)) < 1:
            raise ValueError(
                f"x of height and width ({h}, {w}) is smaller than kernel_shape="
                f"{self.kernel_shape} with padding={self.padding}; pad more or use a smaller kernel"
            )
        return x.astype(self.params["W"].dtype, copy=False)

    def _receptive_fields(self, x_padded, out_shape):
        """im2col: shape (m * h_out * w_out, kh * kw * c_in), one receptive field per row."""
        (kh, kw), (sh, sw), (h_out, w_out) = self.kernel_shape, self.stride, out_shape
        # A view of every window (no copy), then one copy into the order of W's rows.
        windows = sliding_window_view(x_padded, self.kernel_shape, axis=(1, 2))
        windows = windows[:, : sh * (h_out - 1) + 1 : sh, : sw * (w_out - 1) + 1 : sw]
        size = kh * kw * self.in_channels
        if self.in_channels == 1:
            # One channel: a row-by-row copy moves one value at a time, while
            # copying one kernel offset at a time moves runs of w_out values,
            # several times faster. The product reads the transpose as it is.
            return np.ascontiguousarray(windows.transpose(4, 5, 3, 0, 1, 2)).reshape(size, -1).T
        return np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(-1, size)

    def forward(self, x, train=True):
        """Convolve ``x``, shape (m, h, w, c_in), into shape (m, h_out, w_out, c_out)."""
        x = self._check_input(x)
        m, h, w, _ = x.shape
        (ph, pw), out_shape = self.padding, self.output_shape(h, w)
        x_padded = x
        if ph or pw:
            # Zeros and one copy: what np.pad gives, several times faster on a small batch.
            x_padded = np.zeros((m, h + 2 * ph, w + 2 * pw, x.shape[3]), dtype=x.dtype)
            x_padded[:, ph : ph + h, pw : pw + w] = x
        cols = self._receptive_fields(x_padded, out_shape)
        W, b = self.params["W"], self.params["b"]
        out = cols @ W.reshape(-1, self.out_channels)
        # + b with b repeated along a row of the output: the same additions, in
        # runs of w_out * c_out numbers rather than c_out, several times faster.
        rows = out.reshape(-1, out_shape[1] * self.out_channels)
        rows += np.tile(b, out_shape[1])
        if train:
            self._cache = (x.shape, cols)
        return out.reshape(m, *out_shape, self.out_channels)

    def backward(self, dout):
        """Fill ``grads`` from ``dout``, shape (m, h_out, w_out, c_out); return ``dx``."""
        if self._cache is None:
            raise RuntimeError("Conv2D.backward needs a forward(x, train=True) call first")
        x_shape, cols = self._cache
        m, h, w, c = x_shape
        W = self.params["W"]
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_shape, self.stride, self.padding
        h_out, w_out = self.output_shape(h, w)
        dout = check_array(dout, "dout", 4, "(m, h_out, w_out, c_out)")
        if dout.shape != (m, h_out, w_out, self.out_channels):
            raise ValueError(
                f"dout must have the forward output's shape {(m, h_out, w_out, self.out_channels)}"
                f", got {dout.shape}"
            )
        dout_rows = dout.reshape(-1, self.out_channels).astype(W.dtype, copy=False)
        # (dout.T @ cols).T rather than cols.T @ dout, and a product with ones
        # rather than sum(axis=0): the same numbers, several times faster in
        # OpenBLAS for these tall, narrow matrices.
        self.grads["W"][...] = (dout_rows.T @ cols).T.reshape(W.shape)
        self.grads["b"][...] = np.ones(len(dout_rows), dtype=W.dtype) @ dout_rows
        if not self.input_gradient:
            return None
        # col2im: a cell inside several receptive fields collects from each.
        # dout @ W[i, j].T for one kernel offset at a time, into one reused
        # buffer: the same numbers as one batched product of all kh * kw
        # blocks, without a temporary kh * kw times the input's size. Whole
        # blocks, not the strided columns of one (rows, kh * kw * c_in)
        # product: adding those back is several times slower.
        block = np.empty((len(dout_rows), c), dtype=W.dtype)
        dx_padded = np.zeros((m, h + 2 * ph, w + 2 * pw, c), dtype=W.dtype)
        for i in range(kh):
            for j in range(kw):
                np.matmul(dout_rows, W[i, j].T, out=block)
                rows = slice(i, i + sh * (h_out - 1) + 1, sh)
                if sw == 1:
                    # Width and channels as one axis: runs of w_out * c values to add, not
                    # of c, which NumPy's inner loop does several times faster.
                    flat = dx_padded.reshape(m, h + 2 * ph, -1)
                    flat[:, rows, j * c : (j + w_out) * c] += block.reshape(m, h_out, w_out * c)
                else:
                    cols = slice(j, j + sw * (w_out - 1) + 1, sw)
                    dx_padded[:, rows, cols, :] += block.reshape(m, h_out, w_out, c)
        return dx_padded[:, ph : ph + h, pw : pw + w, :]


class ReLU:
    """``max(x, 0)`` elementwise, any shape; the gradient at exactly 0 is 0, as in PyTorch."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self._positive = None

    def forward(self, x, train=True):
        """``x`` of any shape, returned with negatives set to 0."""
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise TypeError(f"x must be a float array, got dtype {x.dtype}; use x.astype(float)")
        if train:
            self._positive = x > 0
        return np.maximum(x, 0)  # NaN stays NaN, as in PyTorch

    def backward(self, dout):
        """``dout`` where the input was positive, 0 elsewhere."""
        if self._positive is None:
            raise RuntimeError("ReLU.backward needs a forward(x, train=True) call first")
        dout = np.asarray(dout)
        if dout.shape != self._positive.shape:
            raise ValueError(
                f"dout must have the forward output's shape {self._positive.shape}, "
                f"got {dout.shape}"
            )
        if np.isfinite(dout).all():
            # Ten times faster than np.where; but 0 * inf is NaN, so only for finite dout.
            return dout * self._positive
        return np.where(self._positive, dout, 0).astype(dout.dtype, copy=False)


class Pool2D:
    """Max or average pooling as a layer, on :func:`pooling_lib.pool_forward` and ``pool_backward``.

    Parameters
    ----------
    kernel_shape : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; default ``kernel_shape`` (windows side by side,
        as in ``torch.nn.MaxPool2d``). Note: the functions' own default is 1.
    mode : {'max', 'avg'}, default 'max'
    padding, dilation, ceil_mode, count_include_pad, divisor_override
        As for :func:`pooling_lib.pool_forward`.
    ties : {'first', 'all', 'split'}, default 'first'
        Who gets a window's gradient when its maximum is tied; see
        :func:`pooling_lib.pool_backward`. ReLU makes ties common: every
        window of zeros is one.
    pool_forward, pool_backward : callable, optional
        Your own functions in place of the library's. They are called as
        ``pool_forward(A_prev, kernel_shape, stride, mode, **options)`` and
        ``pool_backward(dA, A_prev, kernel_shape, stride, mode, **options)``,
        where ``options`` holds only the keywords you set to something other
        than their default: a function written for the four arguments alone
        works as long as you keep the defaults.

    Attributes
    ----------
    params, grads : dict
        Empty: pooling learns nothing.

    Examples
    --------
    >>> pool = Pool2D(2)
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> pool.forward(x)[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    >>> pool.backward(np.ones((1, 2, 2, 1)))[0, :2, :2, 0]
    array([[0., 0.],
           [0., 1.]])
    """

    _DEFAULTS = {
        "padding": 0,
        "dilation": 1,
        "ceil_mode": False,
        "count_include_pad": True,
        "divisor_override": None,
    }

    def __init__(
        self,
        kernel_shape,
        stride=None,
        mode="max",
        *,
        padding=0,
        dilation=1,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
        ties="first",
        pool_forward=None,
        pool_backward=None,
    ):
        for name, function in (("pool_forward", pool_forward), ("pool_backward", pool_backward)):
            if function is not None and not callable(function):
                raise TypeError(
                    f"{name} must be a function with the library's signature or None, got "
                    f"{function!r}"
                )
        self.kernel_shape = kernel_shape
        self.stride = kernel_shape if stride is None else stride
        self.mode, self.ties = mode, ties
        self.options = {
            "padding": padding,
            "dilation": dilation,
            "ceil_mode": ceil_mode,
            "count_include_pad": count_include_pad,
            "divisor_override": divisor_override,
        }
        self._validate()
        self._forward = pool_forward or _library_pool_forward
        self._backward = pool_backward or _library_pool_backward
        self.params, self.grads = {}, {}
        self._input = None

    def _validate(self):
        """Fail now, not at the first batch, with the library's own checks and messages.

        The window options are checked by the geometry on the smallest input
        that fits one window, as Python integers; the rest on an empty batch
        of one pixel. Neither allocates or works in proportion to an option.
        """
        options = self.options
        kh, kw = to_pair(self.kernel_shape, "kernel_shape")
        dh, dw = to_pair(options["dilation"], "dilation")
        side = (max(1, dh * (kh - 1) + 1), max(1, dw * (kw - 1) + 1))
        pool_geometry(
            side, self.kernel_shape, self.stride, options["padding"], (dh, dw), options["ceil_mode"]
        )
        pixel = np.zeros((0, 1, 1, 1))
        prepare_backward(
            pixel,
            pixel,
            ties=self.ties,
            kernel_shape=1,
            stride=1,
            padding=0,
            dilation=1,
            ceil_mode=False,
            mode=self.mode,
            count_include_pad=options["count_include_pad"],
            divisor_override=options["divisor_override"],
        )

    def _changed_options(self):
        return {k: v for k, v in self.options.items() if v != self._DEFAULTS[k]}

    def forward(self, x, train=True):
        """Pool ``x``, shape (m, h, w, c), into shape (m, h_out, w_out, c)."""
        x = check_array(x, "x", 4, "(m, h, w, c)")
        if train:
            self._input = x
        return self._forward(
            x, self.kernel_shape, self.stride, self.mode, **self._changed_options()
        )

    def backward(self, dout):
        """Route ``dout``, shape (m, h_out, w_out, c), back to the input's shape (m, h, w, c)."""
        if self._input is None:
            raise RuntimeError("Pool2D.backward needs a forward(x, train=True) call first")
        options = self._changed_options()
        if self.ties != "first":
            options["ties"] = self.ties
        return self._backward(
            dout, self._input, self.kernel_shape, self.stride, self.mode, **options
        )


# The library's functions under other names, since Pool2D's arguments shadow them.
_library_pool_forward, _library_pool_backward = pool_forward, pool_backward


class Flatten:
    """``(m, ...)`` to ``(m, features)``, in C order: for (m, h, w, c), ``c`` varies fastest."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self._shape = None

    def forward(self, x, train=True):
        """Reshape ``x``, shape (m, d1, d2, ...), to (m, d1 * d2 * ...)."""
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"x must have a batch axis and at least one more, got shape {x.shape}")
        if train:
            self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        """``dout``, shape (m, features), back to the input's shape."""
        if self._shape is None:
            raise RuntimeError("Flatten.backward needs a forward(x, train=True) call first")
        return np.asarray(dout).reshape(self._shape)


class Dense:
    """Fully connected layer ``x @ W + b``.

    Parameters
    ----------
    in_features, out_features : int
    rng : int or np.random.Generator, default 0
        Seed for the initial weights; biases start at zero.
    dtype : {np.float64, np.float32}, default np.float64
    gain : float, default 1.0
        Initial weights have variance ``gain / in_features``: 1 (LeCun) for
        the scores fed to a softmax, 2 (He) for a layer followed by a ReLU.

    Attributes
    ----------
    params, grads : dict
        ``'W'``, shape (in_features, out_features); ``'b'``, shape (out_features,).
        PyTorch's ``Linear.weight`` is ``W.T``.
    """

    def __init__(self, in_features, out_features, rng=0, dtype=np.float64, gain=1.0):
        self.in_features = check_positive_int(in_features, "in_features", "the inputs per example")
        self.out_features = check_positive_int(out_features, "out_features", "e.g. 10 classes")
        dtype = _float_dtype(dtype)
        shape = (self.in_features, self.out_features)
        gain = check_rate(gain, "gain", 0, np.inf, "2.0 before a ReLU, 1.0 before a softmax")
        W = _normal(as_generator(rng), shape, self.in_features, gain, dtype)
        self.params = {"W": W, "b": np.zeros(self.out_features, dtype=dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self._input = None

    def forward(self, x, train=True):
        """``x``, shape (m, in_features), to shape (m, out_features)."""
        x = check_array(x, "x", 2, "(m, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"x must have in_features={self.in_features} columns, got shape {x.shape}; "
                "put a Flatten before Dense"
            )
        x = x.astype(self.params["W"].dtype, copy=False)
        if train:
            self._input = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        """Fill ``grads`` from ``dout``, shape (m, out_features); return ``dx``, like ``x``."""
        if self._input is None:
            raise RuntimeError("Dense.backward needs a forward(x, train=True) call first")
        dout = check_array(dout, "dout", 2, "(m, out_features)")
        expected = (self._input.shape[0], self.out_features)
        if dout.shape != expected:
            raise ValueError(
                f"dout must have the forward output's shape {expected}, got {dout.shape}"
            )
        self.grads["W"][...] = self._input.T @ dout
        self.grads["b"][...] = dout.sum(axis=0)
        return dout @ self.params["W"].T


class Sequential:
    """Layers run in order; backward runs them in reverse.

    Parameters
    ----------
    *layers
        Objects with ``forward(x, train)``, ``backward(dout)`` and ``params`` /
        ``grads`` dicts, such as the layers of this module.

    Examples
    --------
    >>> model = Sequential(Flatten(), Dense(4, 3), ReLU(), Dense(3, 2))
    >>> x = np.ones((5, 2, 2, 1))
    >>> model.forward(x).shape, model.backward(np.ones((5, 2))).shape
    ((5, 2), (5, 2, 2, 1))
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential needs at least one layer, got none")
        for index, layer in enumerate(layers):
            missing = [
                a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)
            ]
            if missing:
                raise TypeError(
                    f"layers[{index}] must have forward, backward, params and grads, got "
                    f"{layer!r} without {', '.join(missing)}; use the layers of pooling_lib.nn"
                )
        self.layers = list(layers)

    @property
    def dtype(self):
        """The dtype of the first parameter: what inputs are best given as."""
        for layer in self.layers:
            for value in layer.params.values():
                return value.dtype
        return np.dtype(np.float64)

    def forward(self, x, train=True):
        """Run every layer; with ``train=False`` nothing is kept for a backward pass."""
        for layer in self.layers:
            x = layer.forward(x, train=train)
        return x

    def backward(self, dout):
        """Fill every layer's ``grads``; return the gradient with respect to the input.

        None if the first layer was told not to compute it (``Conv2D(..., input_gradient=False)``).
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def predict(self, x, batch_size=500):
        """Class scores for ``x`` in batches, shape (m, classes), without keeping anything."""
        batch_size = check_positive_int(batch_size, "batch_size", "e.g. 500")
        x = np.asarray(x)
        return np.concatenate(
            [self.forward(x[i : i + batch_size], train=False) for i in range(0, len(x), batch_size)]
        )


DOWNSAMPLINGS = ("pool", "conv", "none")


def small_cnn(
    seed=0,
    dtype=np.float32,
    channels=(8, 16),
    hidden=64,
    classes=10,
    image_shape=(28, 28),
    downsample="pool",
    **pool,
):
    """Two conv-ReLU-max-pool stages and two dense layers, for 28 x 28 grey digits.

    ``Conv(5x5, pad 2) - ReLU - Pool(2) - Conv(5x5, pad 2) - ReLU - Pool(2) - Flatten -
    Dense(hidden) - ReLU - Dense(classes)``: LeNet's shape, small enough to train
    on 4,000 digits in seconds.

    Parameters
    ----------
    seed : int or np.random.Generator, default 0
        Initial weights; the same seed gives the same network.
    dtype : {np.float32, np.float64}, default np.float32
    channels : (int, int), default (8, 16)
        Filters in the two convolutions.
    hidden : int, default 64
        Units of the first dense layer.
    classes : int, default 10
    image_shape : (int, int), default (28, 28)
        Height and width of the input images, each divisible by 4.
    downsample : {'pool', 'conv', 'none'}, default 'pool'
        What halves the maps after each conv-ReLU stage: a 2 x 2 ``Pool2D``;
        a learned 2 x 2 convolution with stride 2, followed by a ReLU (the
        "all-convolutional" alternative, with ``c * c * 4 + c`` more
        parameters per stage); or nothing, so that the dense layer reads
        full-size maps (16 times its inputs).
    **pool
        Keywords for both :class:`Pool2D` layers, e.g. ``mode='avg'``,
        ``ties='split'`` or ``pool_forward=my_pool_forward``; only with
        ``downsample='pool'``.

    Returns
    -------
    Sequential
        Takes (m, h, w, 1), returns class scores (m, classes).

    Examples
    --------
    >>> [type(layer).__name__ for layer in small_cnn(downsample="conv").layers[:4]]
    ['Conv2D', 'ReLU', 'Conv2D', 'ReLU']
    """
    rng = as_generator(seed, "seed")
    if not isinstance(channels, tuple | list) or len(channels) != 2:
        raise TypeError(f"channels must be a pair of ints, got {channels!r}; e.g. (8, 16)")
    c1, c2 = (check_positive_int(c, "channels", "e.g. (8, 16)") for c in channels)
    hidden = check_positive_int(hidden, "hidden", "e.g. 64")
    h, w = check_positive_pair(image_shape, "image_shape", "e.g. (28, 28)")
    if h % 4 or w % 4:
        raise ValueError(f"image_shape must be divisible by 4 for two 2 x 2 pools, got {(h, w)}")
    if not isinstance(downsample, str) or downsample not in DOWNSAMPLINGS:
        raise ValueError(
            f"downsample must be one of 'pool', 'conv', 'none', got {downsample!r}; 'pool' "
            "for Pool2D layers"
        )
    if pool and downsample != "pool":
        raise ValueError(
            f"pooling keywords {sorted(pool)} need downsample='pool', got downsample={downsample!r}"
        )

    def halve(c):
        if downsample == "pool":
            return [Pool2D(2, **pool)]
        if downsample == "conv":
            return [Conv2D(c, c, 2, stride=2, rng=rng, dtype=dtype), ReLU()]
        return []

    first = [Conv2D(1, c1, 5, padding=2, rng=rng, dtype=dtype, input_gradient=False), ReLU()]
    first += halve(c1)
    second = [Conv2D(c1, c2, 5, padding=2, rng=rng, dtype=dtype), ReLU(), *halve(c2)]
    features = h * w * c2 if downsample == "none" else h // 4 * w // 4 * c2
    return Sequential(
        *first,
        *second,
        Flatten(),
        Dense(features, hidden, rng=rng, dtype=dtype, gain=2.0),
        ReLU(),
        Dense(hidden, classes, rng=rng, dtype=dtype),
    )


def parameter_count(model):
    """How many numbers ``model`` learns: the sizes of every layer's ``params``.

    Examples
    --------
    >>> parameter_count(Sequential(Flatten(), Dense(4, 3)))
    15
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a pooling_lib.nn.Sequential, got {type(model).__name__}")
    return sum(value.size for layer in model.layers for value in layer.params.values())
