"""Checkers of network layers: a pooling layer and a Flatten layer, as classes.

``check_pool_layer`` and ``check_flatten_layer`` take the learner's *class*,
build a layer from it and drive it as a network does: a training forward pass
(``train=True``), sometimes an evaluation pass on other data in between
(``train=False``, which must leave the cache alone), then ``backward``. The
smells name the classic mistakes: a backward pass that does not reuse the input
its forward pass kept (or keeps the evaluation pass's), every tied maximum
winning, a Flatten whose backward pass does not restore the input's shape or
that drops the batch axis.
"""

from __future__ import annotations

import numpy as np

from ..pooling import pool_backward, pool_forward
from .cases import Case, Failure, Given, Grid, as_pair, numbered_upstream, random_values
from .judging import as_float_array, first_hint, first_wrong, kind_problem, looks_like
from .report import error_text, show
from .runner import checker_doc, run_checker

_ARG_NAMES = ("kernel_shape", "stride", "x", "x_eval", "dout")
_FLATTEN_ARG_NAMES = ("x", "x_eval", "dout")


def _driver(layer_class, build):
    """A function the runner can call: build a layer, run it as a network would.

    Returns a dict: ``out`` (the training forward pass), ``dx`` (backward) and
    ``missing`` (the attributes a :class:`pooling_lib.nn.Sequential` needs
    that the layer lacks).
    """
    if layer_class is None:
        return None

    def drive(*args):
        *options, x, x_eval, dout = args
        layer = build(layer_class, *options)
        out = layer.forward(x, train=True)
        if x_eval is None:
            dx = layer.backward(dout)
        else:
            layer.forward(x_eval, train=False)
            try:
                dx = layer.backward(dout)
            except NotImplementedError:
                raise
            except Exception as error:  # noqa: BLE001 - judged: the evaluation pass's doing
                return {"out": out, "dx": None, "missing": [], "error": error}
        missing = [name for name in ("params", "grads") if not hasattr(layer, name)]
        return {"out": out, "dx": dx, "missing": missing}

    name = getattr(layer_class, "__name__", None)
    drive.__name__ = name if isinstance(name, str) else "your_layer"
    return drive


# -- the pooling layer ----------------------------------------------------------


def _pool_case(name, x, kernel_shape, stride, x_eval=None):
    kernel_shape, stride = as_pair(kernel_shape), as_pair(stride)
    out = pool_forward(x, kernel_shape, stride)
    dout = numbered_upstream(out.shape)
    return Case(
        name,
        (kernel_shape, stride, x, x_eval, dout),
        _ARG_NAMES,
        {"out": out, "dx": pool_backward(dout, x, kernel_shape, stride)},
        _judge_pool_layer,
        {"kernel_shape": kernel_shape, "stride": stride},
    )


def _relu_maps(seed, m=1, h=4, w=4, c=1):
    """A ReLU's output: about half the cells exactly 0, so windows of zeros tie."""
    values = np.random.default_rng(seed).standard_normal((m, h, w, c)).round(2)
    return np.maximum(values, 0.0) + 0.0  # + 0.0 turns -0.0 into 0.0


_POOL_CASES = [
    ("2 x 2 windows, stride 2 (one example, one channel)", lambda: (Grid(4, 4, seed=31)(), 2, 2)),
    (
        "a ReLU's output: windows of zeros tie (first maximum wins)",
        lambda: (
            Given(((0, 0, 0, 0.5), (0, 0, 0.25, 0), (0, 0, 0, 0), (0, 0.75, 0, 0)))(),
            2,
            2,
        ),
    ),
    (
        "several examples and channels, from a ReLU (m = 2, c = 3)",
        lambda: (_relu_maps(32, m=2, c=3), 2, 2),
    ),
    ("overlapping windows (kernel 3, stride 1)", lambda: (Grid(5, 5, seed=33)(), 3, 1)),
    (
        "rectangular kernel and stride (4 x 6, kernel (2, 3), stride (2, 3))",
        lambda: (Grid(4, 6, seed=34)(), (2, 3), (2, 3)),
    ),
]


def _pool_cases():
    cases = [_pool_case(name, *recipe()) for name, recipe in _POOL_CASES]
    x = Grid(4, 4, seed=35, m=2)()
    x_eval = Grid(4, 4, seed=36, m=2, offset=-8.0)()
    cases.append(
        _pool_case(
            "an evaluation pass, forward(x_eval, train=False), between forward and backward",
            x,
            2,
            2,
            x_eval,
        )
    )
    return cases


def _draw_pool(rng):
    k = int(rng.integers(2, 4))
    s = int(rng.integers(1, k + 1))
    h, w = (int(v) for v in rng.integers(k, k + 5, size=2))
    m, c = (int(v) for v in rng.integers(1, 3, size=2))
    x = np.maximum(random_values(rng, (m, h, w, c)), 0.0) + 0.0
    x_eval = random_values(rng, (m, h, w, c)) if rng.random() < 0.5 else None
    words = f"{m} x {h} x {w} x {c} input, kernel {k}, stride {s}"
    return _pool_case(
        words + (", with an evaluation pass" if x_eval is not None else ""), x, k, s, x_eval
    )


def _pool_dx_smells(case):
    kernel_shape, stride, x, x_eval, dout = case.args
    window_ones = np.ones(kernel_shape)
    smells = []
    if x_eval is not None:
        smells.append(
            (
                looks_like(pool_backward(dout, x_eval, kernel_shape, stride)),
                "backward used the input of the evaluation pass, forward(x_eval, train=False): "
                "keep the input only when train is true (if train: self.cache = x), so that a "
                "look at other data between a training forward and its backward changes nothing.",
            )
        )
    smells += [
        (
            looks_like(pool_backward(dout, np.zeros_like(x), kernel_shape, stride)),
            "the gradient went to the first cell of every window, wherever the maximum was: "
            "backward did not use the input that forward saw. Keep it in forward "
            "(self.cache = x) and pass it to pool_backward(dout, self.cache, ...).",
        ),
        (
            looks_like(pool_backward(dout, x, kernel_shape, stride, ties="all")),
            "every tied maximum got the full gradient (the original article's rule): the "
            "first one should (ties='first', pool_backward's default), as in PyTorch.",
        ),
        (
            looks_like(pool_backward(dout, x, kernel_shape, stride, ties="split")),
            "the gradient was split between tied maxima: the first one should get all of it "
            "(ties='first', pool_backward's default), as in PyTorch.",
        ),
        (
            looks_like(pool_backward(dout, x, kernel_shape, stride, "avg") * window_ones.size),
            "every cell of a window got the window's whole gradient: only the window's "
            "maximum should. Route dout with the input forward kept: "
            "pool_backward(dout, self.cache, kernel_shape, stride).",
        ),
        (
            looks_like(pool_backward(dout, x, kernel_shape, stride, "avg")),
            "this is average pooling's gradient: max pooling sends each window's gradient to "
            "its maximum.",
        ),
    ]
    return smells


def _pool_details(case, actual):
    kernel_shape, stride, x, x_eval, dout = case.args
    lines = [f"  layer = YourLayer(kernel_shape={kernel_shape!r}, stride={stride!r})"]
    lines.append("  out = layer.forward(x, train=True)")
    if x_eval is not None:
        lines.append("  layer.forward(x_eval, train=False)")
    lines.append("  dx = layer.backward(dout)")
    lines += show("x[0, :, :, 0]", x[0, :, :, 0])
    if x_eval is not None:
        lines += show("x_eval[0, :, :, 0]", x_eval[0, :, :, 0])
    lines += show("dout[0, :, :, 0]", dout[0, :, :, 0])
    for key in ("out", "dx"):
        lines += show(f"expected {key}[0, :, :, 0]", case.expected[key][0, :, :, 0])
        array = as_float_array(actual.get(key)) if isinstance(actual, dict) else None
        if array is not None and array.ndim == 4:
            lines += show(f"yours {key}[0, :, :, 0]", array[0, :, :, 0])
        elif array is not None:
            lines.append(f"  yours {key}: shape {array.shape}")
    return lines


def _judge_array(case, actual, key, what, shape_hints, smells, details):
    """A Failure for ``actual[key]`` against ``case.expected[key]``, or None."""
    expected = case.expected[key]
    value = actual[key]
    error = actual.get("error")
    if key == "dx" and error is not None:
        return Failure(
            f"backward raised {error_text(error)}",
            "backward failed after an evaluation pass, forward(x_eval, train=False), on data of "
            "another shape: keep what backward needs only when train is true (if train: ...), "
            "so that an evaluation pass between a training forward and its backward changes "
            "nothing.",
            details,
        )
    if value is None:
        return Failure(f"{what} returned None", f"{what} must `return` its result.", details)
    array = as_float_array(value)
    if array is None:
        return Failure(f"{what} returned {type(value).__name__}", "return a NumPy array.", details)
    kind = kind_problem(value)
    if kind is not None:
        return Failure(f"{what} returned {kind[0]}", kind[1], details)
    if array.shape != expected.shape:
        hint = next((hint for shape, hint in shape_hints if array.shape == shape), None)
        hint = hint or f"{what} must return shape {expected.shape}."
        return Failure(f"{what}: shape {array.shape}, expected {expected.shape}", hint, details)
    if first_wrong(array, expected) is None:
        return None
    hint = first_hint(smells, array) or (
        f"{what} gives wrong values: compare yours with the expected ones below."
    )
    return Failure(f"{what}: wrong values", hint, details)


def _missing_failure(actual, details):
    missing = actual["missing"]
    if not missing:
        return None
    return Failure(
        f"no {' and no '.join(missing)}",
        "a layer of pooling_lib.nn.Sequential has `params` and `grads` dicts, empty for a "
        "layer that learns nothing: set self.params, self.grads = {}, {} in __init__.",
        details,
    )


def _judge_pool_layer(case, actual):
    kernel_shape, stride, x, x_eval, dout = case.args
    details = _pool_details(case, actual)
    out_hints = [
        (
            (x.shape[0], x.shape[3], *case.expected["out"].shape[1:3]),
            "forward returned channels first: keep the (m, h, w, c) layout.",
        )
    ]
    out_smells = [
        (
            looks_like(pool_forward(x, kernel_shape, stride, "avg")),
            "forward averaged each window: this layer takes the maximum.",
        )
    ]
    failure = _judge_array(case, actual, "out", "forward", out_hints, out_smells, details)
    if failure is not None:
        return failure
    dx_hints = [
        (
            dout.shape,
            "backward returned something shaped like dout, the output: the gradient with "
            f"respect to the input has the input's shape {x.shape}. "
            "pool_backward(dout, self.cache, kernel_shape, stride) gives it, from the input "
            "forward kept.",
        )
    ]
    failure = _judge_array(case, actual, "dx", "backward", dx_hints, _pool_dx_smells(case), details)
    return failure or _missing_failure(actual, details)


def _build_pool(layer_class, kernel_shape, stride):
    return layer_class(kernel_shape, stride)


@checker_doc
def check_pool_layer(layer_class, *, time_limit=None, seed=None):
    """Check a max pooling layer class, built as ``layer_class(kernel_shape, stride)``.

    Parameters
    ----------
    layer_class : type or None
        Your class. A layer has ``forward(x, train=True)``, which returns the
        pooled ``x`` (m, h, w, c) -> (m, h_out, w_out, c) and, when ``train``
        is true, keeps what backward needs; ``backward(dout)``, which returns
        the gradient with respect to ``x`` (first tied maximum wins, as in
        PyTorch); and ``params`` and ``grads`` dicts (empty: pooling learns
        nothing). The checker runs forward, sometimes an evaluation forward
        (``train=False``) on other data, then backward.
    {keywords}
    """
    return run_checker(
        "check_pool_layer",
        "max pooling layer",
        _driver(layer_class, _build_pool),
        _pool_cases(),
        _draw_pool,
        time_limit,
        seed,
    )


# -- the Flatten layer ----------------------------------------------------------


def _flatten_case(name, x, x_eval=None):
    out = x.reshape(len(x), -1)
    dout = numbered_upstream(out.shape)
    return Case(
        name,
        (x, x_eval, dout),
        _FLATTEN_ARG_NAMES,
        {"out": out, "dx": dout.reshape(x.shape)},
        _judge_flatten,
        {},
    )


def _flatten_cases():
    return [
        _flatten_case("one example (1 x 2 x 3 x 2)", Grid(2, 3, seed=41, c=2)()),
        _flatten_case("a batch of three (3 x 4 x 4 x 2)", Grid(4, 4, seed=42, m=3, c=2)()),
        _flatten_case(
            "a pooling layer's output, rectangular (2 x 3 x 5 x 4)", Grid(3, 5, seed=43, m=2, c=4)()
        ),
        _flatten_case(
            "an evaluation pass of another batch size between forward and backward",
            Grid(2, 2, seed=44, m=2, c=3)(),
            Grid(2, 2, seed=45, m=5, c=3)(),
        ),
    ]


def _draw_flatten(rng):
    m, h, w, c = (int(v) for v in rng.integers(1, 5, size=4))
    x = random_values(rng, (m, h, w, c))
    x_eval = random_values(rng, (m + 1, h, w, c)) if rng.random() < 0.5 else None
    words = f"{m} x {h} x {w} x {c} input" + (
        ", with an evaluation pass" if x_eval is not None else ""
    )
    return _flatten_case(words, x, x_eval)


def _flatten_details(case, actual):
    x, x_eval, dout = case.args
    lines = ["  layer = YourLayer()", f"  out = layer.forward(x, train=True), x of shape {x.shape}"]
    if x_eval is not None:
        lines.append(f"  layer.forward(x_eval, train=False), x_eval of shape {x_eval.shape}")
    lines.append(f"  dx = layer.backward(dout), dout of shape {dout.shape}")
    for key in ("out", "dx"):
        array = as_float_array(actual.get(key)) if isinstance(actual, dict) else None
        yours = f"shape {array.shape}" if array is not None else "not an array"
        lines.append(f"  {key}: expected shape {case.expected[key].shape}, yours {yours}")
    return lines


def _judge_flatten(case, actual):
    x, x_eval, dout = case.args
    m, h, w, c = x.shape
    details = _flatten_details(case, actual)
    out_hints = [
        (
            (x.size,),
            "forward flattened the batch axis too: each example must stay a row, "
            "x.reshape(len(x), -1), shape (m, h * w * c).",
        )
    ]
    out_smells = [
        (
            looks_like(x.transpose(0, 3, 1, 2).reshape(m, -1)),
            "forward put the channels first (PyTorch's order): in the (m, h, w, c) layout "
            "x.reshape(len(x), -1) keeps C order, channels fastest, which the Dense weights "
            "of pooling_lib.nn expect.",
        )
    ]
    failure = _judge_array(case, actual, "out", "forward", out_hints, out_smells, details)
    if failure is not None:
        return failure
    dx_hints = [
        (
            dout.shape,
            "backward did not restore the input's shape: it returned dout, (m, features), "
            f"but the layer before Flatten needs its gradient as {x.shape}. Keep x.shape in "
            "forward and return dout.reshape(self.shape).",
        )
    ]
    if x_eval is not None:
        dx_hints.insert(
            0,
            (
                x_eval.shape,
                "backward used the shape of the evaluation pass, forward(x_eval, "
                "train=False): keep the shape only when train is true.",
            ),
        )
    dx_smells = [
        (
            looks_like(dout.reshape(m, c, h, w).transpose(0, 2, 3, 1)),
            "backward does not undo forward: reshape dout straight back, "
            "dout.reshape(self.shape), with no transpose.",
        )
    ]
    failure = _judge_array(case, actual, "dx", "backward", dx_hints, dx_smells, details)
    return failure or _missing_failure(actual, details)


def _build_flatten(layer_class):
    return layer_class()


@checker_doc
def check_flatten_layer(layer_class, *, time_limit=None, seed=None):
    """Check a Flatten layer class, built as ``layer_class()``.

    Parameters
    ----------
    layer_class : type or None
        Your class: ``forward(x, train=True)`` turns (m, h, w, c) into
        (m, h * w * c) in C order (channels fastest) and, when ``train`` is
        true, keeps what backward needs; ``backward(dout)`` turns the
        gradient (m, h * w * c) back into the input's shape; ``params`` and
        ``grads`` are empty dicts.
    {keywords}
    """
    return run_checker(
        "check_flatten_layer",
        "Flatten layer",
        _driver(layer_class, _build_flatten),
        _flatten_cases(),
        _draw_flatten,
        time_limit,
        seed,
    )
