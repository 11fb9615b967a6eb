"""Checkers of padding: PyTorch's padding and ceil mode, TensorFlow's 'SAME' padding.

``check_canvas`` (the first step: the empty output and the padded canvas),
``check_padding`` (the pooled array) and ``check_same_padding`` (how many
cells 'SAME' adds on each side), with their cases and hints.
"""

from __future__ import annotations

import numpy as np

from ..pooling import pool_forward
from .cases import (
    Case,
    Failure,
    Grid,
    as_pair,
    case_geometry,
    random_batch,
    random_ints,
    shape_words,
)
from .forward import judge_pooled
from .judging import (
    all_hints,
    as_float_array,
    first_hint,
    first_wrong,
    kind_problem,
    layout_hint,
    looks_like,
    same_value,
)
from .report import brief, show
from .runner import checker_doc, run_checker
from .sizes import axis_size


def _padding_case(
    name, A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad=True
):
    kernel_shape, stride, padding = as_pair(kernel_shape), as_pair(stride), as_pair(padding)
    expected = pool_forward(
        A_prev,
        kernel_shape,
        stride,
        mode,
        padding=padding,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil_mode,
        "count_include_pad": count_include_pad,
    }
    return Case(
        name,
        (A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad),
        ("A_prev", "kernel_shape", "stride", "mode", "padding", "ceil_mode", "count_include_pad"),
        expected,
        _judge_padding,
        info,
    )


# One row per case: its name, then the call: A_prev (a recipe, built afresh
# on every check), kernel_shape, stride, mode, padding, ceil_mode,
# count_include_pad.
_CASES = [
    (
        "no padding, no ceil mode (plain pooling still works)",
        (Grid(4, 4, seed=31), 2, 2, "max", 0, False, True),
    ),
    (
        "max with padding 1 (5 x 5, kernel 3, stride 2)",
        (Grid(5, 5, seed=32), 3, 2, "max", 1, False, True),
    ),
    (
        "max with padding 1 on negative inputs (4 x 4, kernel 2, stride 2)",
        (Grid(4, 4, seed=33, offset=-16.0), 2, 2, "max", 1, False, True),
    ),
    (
        "avg with padding 1, count_include_pad=True (4 x 4, kernel 3, stride 1)",
        (Grid(4, 4, seed=34), 3, 1, "avg", 1, False, True),
    ),
    (
        "avg with padding 1, count_include_pad=False (4 x 4, kernel 3, stride 1)",
        (Grid(4, 4, seed=34), 3, 1, "avg", 1, False, False),
    ),
    (
        "max in ceil mode: a partial last window (5 x 5, kernel 2, stride 2)",
        (Grid(5, 5, seed=35), 2, 2, "max", 0, True, True),
    ),
    (
        "max in ceil mode on negative inputs (5 x 5, kernel 2, stride 2)",
        (Grid(5, 5, seed=36, offset=-25.0), 2, 2, "max", 0, True, True),
    ),
    (
        "avg in ceil mode: the overhang is not counted (5 x 5, kernel 2, stride 2)",
        (Grid(5, 5, seed=37), 2, 2, "avg", 0, True, True),
    ),
    (
        "avg in ceil mode with padding 1, count_include_pad=True (6 x 6, kernel 3, stride 2)",
        (Grid(6, 6, seed=38), 3, 2, "avg", 1, True, True),
    ),
    (
        "avg in ceil mode with padding 1, count_include_pad=False (6 x 6, kernel 3, stride 2)",
        (Grid(6, 6, seed=38), 3, 2, "avg", 1, True, False),
    ),
    (
        "ceil mode drops a window that would start at or past the input's end "
        "(5 x 5, kernel 2, stride 2, padding 1)",
        (Grid(5, 5, seed=39), 2, 2, "max", 1, True, True),
    ),
    (
        "rectangular padding (1, 0) (5 x 4, kernel (3, 2), stride 2)",
        (Grid(5, 4, seed=40), (3, 2), 2, "avg", (1, 0), False, True),
    ),
]


def _padding_cases():
    return [_padding_case(name, A_prev(), *options) for name, (A_prev, *options) in _CASES]


def _draw_padding(rng):
    # Kernels of 2 or more: a 1-cell kernel can take no padding.
    kernel_shape, stride = random_ints(rng, 2, 4, 2), random_ints(rng, 1, 3, 2)
    padding = tuple(random_ints(rng, 0, k // 2, 1)[0] for k in kernel_shape)
    extra = random_ints(rng, 0, 4, 2)
    size = tuple(
        max(k - 2 * p, 1) + e for k, p, e in zip(kernel_shape, padding, extra, strict=True)
    )
    A_prev = random_batch(rng, size, max_c=2)
    mode = ("max", "avg")[int(rng.integers(2))]
    ceil_mode, count_include_pad = bool(rng.integers(2)), bool(rng.integers(2))
    if mode == "max":
        count_include_pad = True  # an average's option: pool_forward refuses False for max
    name = (
        f"{mode}, {shape_words(A_prev, kernel_shape, stride)}, padding {padding}, "
        f"ceil_mode={ceil_mode}"
    )
    if mode == "avg":
        name += f", count_include_pad={count_include_pad}"
    return _padding_case(
        name, A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad
    )


def _padding_shape_hint(case, array):
    A_prev = case.args[0]
    info = case.info
    (h, w), (kh, kw), (sh, sw) = A_prev.shape[1:3], info["kernel_shape"], info["stride"]
    (ph, pw), ceil_mode = info["padding"], info["ceil_mode"]
    right = case.expected.shape[1:3]

    def sizes(**change):
        options = {"p": (ph, pw), "ceil_mode": ceil_mode, "drop": True, "extra": 0}
        options.update(change)
        return tuple(
            axis_size(
                n + options["extra"] * p,
                k,
                s,
                p if options["p"] else 0,
                1,
                options["ceil_mode"],
                options["drop"],
            )
            for n, k, s, p in zip((h, w), (kh, kw), (sh, sw), (ph, pw), strict=True)
        )

    smells = [
        (
            sizes(drop=False),
            "in ceil mode the last window must start inside the input or the "
            "left padding: drop a window that would start at or past the input's end "
            "(row h or later, in the right padding or beyond it).",
        ),
        (
            sizes(ceil_mode=False),
            "ceil_mode is ignored: in ceil mode a last, partial window is "
            "kept, floor((h + 2ph - kh + sh - 1) / sh) + 1.",
        ),
        (sizes(p=None), "padding is ignored: the padded input has h + 2 * ph rows."),
        (
            sizes(extra=-1),
            "padding goes on both sides: the padded input has h + 2 * ph rows, not h + ph.",
        ),
    ]
    spatial = tuple(array.shape[1:3]) if array.ndim == 4 else None
    hint = all_hints(text for bad, text in smells if spatial == bad and bad != right)
    return hint or (
        f"the output must have shape {case.expected.shape}: see output_shape() for the "
        "number of windows with padding and ceil mode."
    )


def _padding_smells(case):
    A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad = case.args
    expected = case.expected
    geometry = case_geometry(case)
    if mode == "max":
        rows_whole = geometry.inside(0).all(axis=1)
        cols_whole = geometry.inside(1).all(axis=1)
        touches = ~(rows_whole[:, None] & cols_whole[None, :])[None, :, :, None]
        where = "the padding" if padding != (0, 0) else "the ceil-mode overhang"
        return [
            (
                looks_like(np.where(touches, np.maximum(expected, 0), expected)),
                f"padding with zeros wins over negative inputs: pad max with -inf. Windows that "
                f"reach into {where} came out as 0; cells outside the input must never win.",
            )
        ]
    options = {"padding": padding, "ceil_mode": ceil_mode}
    sums = pool_forward(A_prev, kernel_shape, stride, "avg", divisor_override=1, **options)
    inside = [geometry.inside(a).sum(axis=1) for a in (0, 1)]
    padded = [geometry.in_padding(a).sum(axis=1) for a in (0, 1)]
    full = [np.full(n, k) for n, k in zip(geometry.out_shape, kernel_shape, strict=True)]

    def dividing_by(rows, cols):
        return looks_like(sums / (rows[:, None] * cols[None, :])[None, :, :, None])

    overhang_hint = (
        "ceil-mode overhang counted in the divisor: cells past the padding are "
        "never counted, even with count_include_pad=True. Divide by the cells "
        "inside the input (plus padding cells when count_include_pad is True)."
    )
    if count_include_pad:
        return [
            (dividing_by(*full), overhang_hint),
            (
                dividing_by(*inside),
                "count_include_pad=True: padding cells count in the divisor "
                "(as zeros), so a window with 3 x 3 cells divides by 9 even "
                "near the border.",
            ),
        ]
    # Without ceil mode "every cell" and "input and padding" are the same divisor:
    # test for counting the padding first, the likelier mistake.
    overhang = [f - i - p for f, i, p in zip(full, inside, padded, strict=True)]
    return [
        (
            dividing_by(inside[0] + padded[0], inside[1] + padded[1]),
            "count_include_pad=False: divide by the cells inside the input only, not by the "
            "padding.",
        ),
        (dividing_by(*full), overhang_hint),
        (dividing_by(inside[0] + overhang[0], inside[1] + overhang[1]), overhang_hint),
    ]


def _judge_padding(case, actual):
    return judge_pooled(case, actual, _padding_shape_hint, _padding_smells)


@checker_doc
def check_padding(fn, *, time_limit=None, seed=None):
    """Check pooling with padding and ceil mode, PyTorch's rules.

    The function is called as
    ``fn(A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad)``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``A_prev`` has shape (m, h, w, c); ``kernel_shape``,
        ``stride`` and ``padding`` are pairs; ``mode`` is 'max' or 'avg'.
        Padding never wins a max (pad with -inf); an average counts padding
        cells in its divisor only when ``count_include_pad`` is True, and
        never counts the ceil-mode overhang beyond the padding; in ceil mode a
        last window that would start at or past the input's end (in the right
        padding or beyond it) is dropped.
    {keywords}
    """
    return run_checker(
        "check_padding",
        "pooling with padding and ceil mode",
        fn,
        _padding_cases(),
        _draw_padding,
        time_limit,
        seed,
    )


# The first step of pool_padded: the empty output and the padded canvas


def _canvas_case(name, A_prev, kernel_shape, stride, mode, padding, ceil_mode):
    kernel_shape, stride, padding = as_pair(kernel_shape), as_pair(stride), as_pair(padding)
    # Only the output's shape is judged: the values of an empty array are whatever
    # was in memory.
    expected = pool_forward(
        A_prev, kernel_shape, stride, mode, padding=padding, ceil_mode=ceil_mode
    )
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil_mode,
    }
    return Case(
        name,
        (A_prev, kernel_shape, stride, mode, padding, ceil_mode),
        ("A_prev", "kernel_shape", "stride", "mode", "padding", "ceil_mode"),
        expected,
        _judge_canvas,
        info,
    )


# One row per case: its name, then the call: A_prev (a recipe), kernel_shape,
# stride, mode, padding, ceil_mode.
_CANVAS_CASES = [
    (
        "max with padding 1 (5 x 5, kernel 3, stride 2)",
        (Grid(5, 5, seed=32), 3, 2, "max", 1, False),
    ),
    (
        "max with padding 1 on negative inputs (4 x 4, kernel 2, stride 2)",
        (Grid(4, 4, seed=33, offset=-16.0), 2, 2, "max", 1, False),
    ),
    (
        "avg with padding 1 (4 x 4, kernel 3, stride 1)",
        (Grid(4, 4, seed=34), 3, 1, "avg", 1, False),
    ),
    (
        "max in ceil mode: room for the overhang (5 x 5, kernel 2, stride 2)",
        (Grid(5, 5, seed=35), 2, 2, "max", 0, True),
    ),
    (
        "avg in ceil mode with padding 1: the overhang goes past the padding "
        "(6 x 6, kernel 3, stride 2)",
        (Grid(6, 6, seed=38), 3, 2, "avg", 1, True),
    ),
    (
        "ceil mode drops a window that would start in the right padding "
        "(5 x 5, kernel 2, stride 2, padding 1)",
        (Grid(5, 5, seed=39), 2, 2, "max", 1, True),
    ),
    (
        "rectangular padding (1, 0) in ceil mode (4 x 5, kernel (3, 2), stride 2)",
        (Grid(4, 5, seed=41), (3, 2), 2, "max", (1, 0), True),
    ),
]


def _draw_canvas(rng):
    A_prev, kernel_shape, stride, mode, padding, ceil_mode, _ = _draw_padding(rng).args
    name = (
        f"{mode}, {shape_words(A_prev, kernel_shape, stride)}, padding {padding}, "
        f"ceil_mode={ceil_mode}"
    )
    return _canvas_case(name, A_prev, kernel_shape, stride, mode, padding, ceil_mode)


def _canvas_needs(case):
    """Rows and columns the canvas needs: the input at its offset, and every window's reach."""
    geometry = case_geometry(case)
    A_prev = case.args[0]
    return tuple(
        max(p + n, int(geometry.window_positions(axis)[-1, -1]) + p + 1)
        for axis, (n, p) in enumerate(zip(A_prev.shape[1:3], case.info["padding"], strict=True))
    )


def _canvas_size_hint(case, shape):
    A_prev = case.args[0]
    words = (("rows", "h", "ph", "kh"), ("columns", "w", "pw", "kw"))
    for axis, (have, need) in enumerate(zip(shape, _canvas_needs(case), strict=True)):
        if have >= need:
            continue
        noun, n_name, p_name, k_name = words[axis]
        n, p = A_prev.shape[1 + axis], case.info["padding"][axis]
        if have >= n + 2 * p and case.info["ceil_mode"]:
            return (
                f"the canvas is too small for the ceil-mode overhang: it has {have} {noun}, "
                f"the padded input's {n_name} + 2 * {p_name} = {n + 2 * p}, but the last window "
                f"reads up to {noun[:-1]} {need - 1} of the canvas. {n_name} + 2 * {p_name} + "
                f"{k_name} {noun} are always enough."
            )
        return (
            f"the canvas has {have} {noun}, too few: A_prev goes at {p_name} = {p} and its "
            f"{n} {noun} need {p + n}, and the windows read {need}. {n_name} + 2 * {p_name} + "
            f"{k_name} {noun} are always enough."
        )
    return None


def _canvas_details(case, output, canvas):
    A_prev, *options = case.args
    text = ", ".join(f"{k}={v!r}" for k, v in zip(case.arg_names[1:], options, strict=True))
    fill = -np.inf if case.info["mode"] == "max" else 0.0
    smallest = _right_canvas(case, _canvas_needs(case))
    lines = [f"  called fn(A_prev, {text})", f"  with A_prev of shape {A_prev.shape}"]
    lines += show("A_prev[0, :, :, 0]", A_prev[0, :, :, 0])
    lines += show(
        f"expected canvas[0, :, :, 0], the smallest that works (larger is fine, filled with "
        f"{fill})",
        smallest[0, :, :, 0],
    )
    if canvas is not None and canvas.ndim == 4 and min(canvas.shape) > 0:
        lines += show("yours canvas[0, :, :, 0]", canvas[0, :, :, 0])
    elif canvas is not None:
        lines.append(f"  yours: a canvas of shape {canvas.shape}")
    if output is not None:
        lines.append(f"  your output has shape {output.shape}, expected {case.expected.shape}")
    return lines


def _right_canvas(case, shape, fill=None):
    A_prev = case.args[0]
    (ph, pw), (h, w) = case.info["padding"], A_prev.shape[1:3]
    if fill is None:
        fill = -np.inf if case.info["mode"] == "max" else 0.0
    canvas = np.full((A_prev.shape[0], *shape, A_prev.shape[3]), fill)
    canvas[:, ph : ph + h, pw : pw + w] = A_prev
    return canvas


def _canvas_smells(case, canvas):
    """Hints for a canvas of a right size but wrong values, most telling first."""
    A_prev = case.args[0]
    mode, (ph, pw) = case.info["mode"], case.info["padding"]
    h, w = A_prev.shape[1:3]
    shape = canvas.shape[1:3]
    smells = []
    if mode == "max":
        smells.append(
            (
                looks_like(_right_canvas(case, shape, 0.0)),
                "a canvas of zeros for max pooling: fill it with -inf. A padding cell must "
                "never win a max, and 0 wins over every negative input.",
            )
        )
    else:
        smells.append(
            (
                looks_like(_right_canvas(case, shape, -np.inf)),
                "a canvas of -inf for average pooling: fill it with 0. An average adds its "
                "padding cells to the sum, and -inf would swallow every window that touches them.",
            )
        )
    hint = first_hint(smells, canvas)
    if hint:
        return hint
    for row, col in np.ndindex(shape[0] - h + 1, shape[1] - w + 1):
        if (row, col) != (ph, pw) and same_value(canvas[:, row : row + h, col : col + w], A_prev):
            return (
                f"A_prev is copied at offset ({row}, {col}): it goes at (ph, pw) = ({ph}, {pw}), "
                "after ph padding rows and pw padding columns, "
                "canvas[:, ph : ph + h, pw : pw + w] = A_prev."
            )
    return None


def _judge_canvas(case, actual):
    expected = case.expected
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return Failure(
            f"returned {brief(actual)}",
            "return a pair (A, canvas): the empty output and the padded canvas.",
            _canvas_details(case, None, None),
        )
    output, canvas = (as_float_array(part) for part in actual)
    for part, array, name in ((actual[0], output, "output"), (actual[1], canvas, "canvas")):
        if array is None:
            return Failure(
                f"the {name} is a {type(part).__name__}",
                f"the {name} must be a NumPy float array of shape (m, rows, cols, c).",
            )
        kind = kind_problem(part)
        if kind is not None:
            return Failure(f"the {name} is {kind[0]}", kind[1], _canvas_details(case, None, array))
    if output.shape != expected.shape:
        hint = layout_hint(output.shape, expected.shape) or _padding_shape_hint(case, output)
        return Failure(
            f"output shape {output.shape}, expected {expected.shape}",
            hint,
            _canvas_details(case, output, canvas),
        )
    m, _, _, c = expected.shape
    if canvas.ndim != 4 or (canvas.shape[0], canvas.shape[3]) != (m, c):
        return Failure(
            f"canvas shape {canvas.shape}",
            f"the canvas holds every example and channel, as A_prev does: shape (m, rows, "
            f"cols, c) with m = {m} and c = {c}.",
            _canvas_details(case, None, canvas),
        )
    size_hint = _canvas_size_hint(case, canvas.shape[1:3])
    if size_hint:
        return Failure(
            f"canvas of {canvas.shape[1]} x {canvas.shape[2]}, too small",
            size_hint,
            _canvas_details(case, None, canvas),
        )
    right = _right_canvas(case, canvas.shape[1:3])
    index = first_wrong(canvas, right)
    if index is None:
        return None
    n, row, col, ch = index
    (ph, pw), (h, w) = case.info["padding"], case.args[0].shape[1:3]
    inside = ph <= row < ph + h and pw <= col < pw + w
    fill = -np.inf if case.info["mode"] == "max" else 0.0
    wrong = f"canvas[{n}, {row}, {col}, {ch}] is {float(canvas[index])}, expected {right[index]}"
    general = (
        f"{wrong}, A_prev[{n}, {row - ph}, {col - pw}, {ch}]: copy A_prev in unchanged at "
        "(ph, pw), canvas[:, ph : ph + h, pw : pw + w] = A_prev."
        if inside
        else f"{wrong}, a cell outside A_prev (padding, or room for the overhang): fill the "
        f"whole canvas with {fill} first, np.full(shape, {fill}), then copy A_prev in."
    )
    hint = _canvas_smells(case, canvas) or general
    return Failure("wrong canvas values", hint, _canvas_details(case, None, canvas))


@checker_doc
def check_canvas(fn, *, time_limit=None, seed=None):
    """Check the first step of pooling with padding: the empty output and the padded canvas.

    The function is called as
    ``fn(A_prev, kernel_shape, stride, mode, padding, ceil_mode)`` and returns
    ``(A, canvas)``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``A_prev`` has shape (m, h, w, c); ``kernel_shape``,
        ``stride`` and ``padding`` are pairs; ``mode`` is 'max' or 'avg'.
        ``A`` must have the output's shape (m, h_out, w_out, c), its values
        are not judged. ``canvas`` has shape (m, rows, cols, c), with
        ``A_prev`` at rows ``ph`` to ``ph + h - 1`` and columns ``pw`` to
        ``pw + w - 1``, -inf (max) or 0 (avg) everywhere else, and room for
        every window, the ceil-mode overhang included; any larger canvas is
        fine (``h + 2 * ph + kh`` rows are always enough).
    {keywords}
    """
    cases = [_canvas_case(name, A_prev(), *options) for name, (A_prev, *options) in _CANVAS_CASES]
    return run_checker(
        "check_canvas",
        "empty output and padded canvas",
        fn,
        cases,
        _draw_canvas,
        time_limit,
        seed,
    )


# TensorFlow's 'SAME' padding


def _same_padding(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return (total // 2, total - total // 2)


def _judge_same(case, actual):
    n, k, s = case.args
    expected = case.expected
    details = (
        [
            f"  called fn(n={n}, kernel={k}, stride={s}); 'SAME' makes ceil(n / s) = "
            f"{-(-n // s)} windows"
        ]
        + show("expected (before, after)", expected)
        + show("yours", actual)
    )
    if isinstance(actual, np.ndarray) and actual.size <= 2:
        actual = actual.tolist()
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return Failure(
            f"returned {brief(actual)}",
            "return a pair (before, after): the padding "
            "added at the start and at the end of the axis.",
            details,
        )
    actual = tuple(actual)
    if actual == expected:
        return None
    total = expected[0] + expected[1]
    smells = [
        (
            (expected[1], expected[0]),
            "the odd extra cell went to the wrong side: TensorFlow puts it at the end (bottom or "
            "right), before = total // 2, after = total - before. PyTorch's symmetric padding "
            "cannot express this case.",
        ),
        (
            ((k - 1) // 2, k - 1 - (k - 1) // 2),
            "k - 1 cells of padding suit stride 1 only: 'SAME' needs total = (ceil(n / s) - 1) * s "
            "+ k - n, at least 0.",
        ),
    ]
    unclipped = (-(-n // s) - 1) * s + k - n
    smells.append(
        (
            (unclipped // 2, unclipped - unclipped // 2),
            "the total padding can come out negative when the stride is larger than the "
            "kernel: clip it at 0, total = max((ceil(n / s) - 1) * s + k - n, 0).",
        )
    )
    hint = next((h for bad, h in smells if actual == bad and bad != expected), None) or (
        f"'SAME' needs total = max((ceil(n / s) - 1) * s + k - n, 0) = {total} cells, "
        "split with the extra one at the end."
    )
    return Failure(f"{actual}, expected {expected}", hint, details)


# One row per case: its name, then the call: n, kernel, stride.
_SAME_CASES = [
    ("the article's setting (n 28, kernel 2, stride 2)", (28, 2, 2)),
    ("kernel 3, stride 1 (n 5): one cell each side", (5, 3, 1)),
    ("an even kernel, stride 1 (n 5, kernel 4): odd total", (5, 4, 1)),
    ("a size the stride does not divide (n 28, kernel 3, stride 2)", (28, 3, 2)),
    ("kernel 5, stride 2 (n 10)", (10, 5, 2)),
    ("stride larger than the kernel (n 6, kernel 1, stride 2)", (6, 1, 2)),
    ("stride larger than the kernel (n 7, kernel 2, stride 3)", (7, 2, 3)),
]


def _same_case(name, args):
    return Case(name, args, ("n", "kernel", "stride"), _same_padding(*args), _judge_same)


def _draw_same_padding(rng):
    n, k, s = (
        random_ints(rng, 1, 40, 1)[0],
        random_ints(rng, 1, 6, 1)[0],
        random_ints(rng, 1, 4, 1)[0],
    )
    return _same_case(f"n {n}, kernel {k}, stride {s}", (n, k, s))


@checker_doc
def check_same_padding(fn, *, time_limit=None, seed=None):
    """Check TensorFlow's 'SAME' padding on one axis, ``fn(n, kernel, stride) -> (before, after)``.

    'SAME' makes ``ceil(n / s)`` windows, padding ``total = max((ceil(n/s) - 1) * s + k - n, 0)``
    cells: ``total // 2`` before, the rest (one more when ``total`` is odd) after.

    Parameters
    ----------
    fn : callable or None
        Your function, taking three ints.
    {keywords}
    """
    cases = [_same_case(name, args) for name, args in _SAME_CASES]
    return run_checker(
        "check_same_padding",
        "TensorFlow 'SAME' padding",
        fn,
        cases,
        _draw_same_padding,
        time_limit,
        seed,
    )
