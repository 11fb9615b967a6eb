"""Checkers of output sizes: the number of windows along each axis.

``check_output_size`` (no padding) and ``check_output_size_full`` (PyTorch's
rule, one axis). :func:`floor_size`, :func:`size_smells` and :func:`axis_size`
compute what the classic mistakes give, for the forward and padding hints too.
"""

from __future__ import annotations

import numpy as np

from ..geometry import output_shape, pool_geometry
from .cases import Case, Failure, random_ints
from .judging import all_hints
from .report import brief, show
from .runner import checker_doc, run_checker


def floor_size(n, k, s):
    """Windows along one axis by the no-padding formula, for wrong answers only.

    Fed with kernel and stride mixed up, it says what that mix-up gives; the
    right answers are :func:`pooling_lib.output_shape`'s.
    """
    return (n - k) // s + 1


def size_smells(h, w, kernel_shape, stride):
    """(test, hint) pairs for the classic ways to get an output size wrong."""
    (kh, kw), (sh, sw) = kernel_shape, stride

    def sizes(rule):
        return (rule(h, kh, sh), rule(w, kw, sw))

    def spatial(actual):
        return tuple(actual[-3:-1]) if len(actual) >= 3 else tuple(actual)

    right = output_shape(h, w, kernel_shape, stride)
    smells = [
        (
            sizes(lambda n, k, s: (n - k) // s),
            "off by one in the output size: remember the +1. (h - kh) // sh counts the steps "
            "between windows; there is one more window than steps.",
        ),
        (
            sizes(lambda n, k, s: -(-(n - k) // s) + 1),
            "you rounded up: a window that does not fit inside the input is dropped, so round "
            "down, (h - kh) // sh + 1 (ceil mode, in notebook 06, is the exception).",
        ),
        (
            sizes(lambda n, k, s: n // k),
            "h // kh is right only when stride == kernel and the kernel divides h; use "
            "(h - kh) // sh + 1.",
        ),
        (
            sizes(lambda n, k, s: n // s),
            "h // sh counts windows that would run past the end; use (h - kh) // sh + 1.",
        ),
        (
            sizes(lambda n, k, s: n - k + 1),
            "the stride is missing: windows move by sh rows, so (h - kh) // sh + 1.",
        ),
        (
            (right[1], right[0]),
            "height and width are swapped: h_out comes from h, kh and sh, w_out from w, kw and sw.",
        ),
    ]
    return [
        (lambda actual, bad=bad: spatial(actual) == bad and bad != right, hint)
        for bad, hint in smells
    ]


def _judge_size(case, actual):
    expected = case.expected
    if isinstance(actual, np.ndarray) and actual.size <= 2:
        actual = actual.tolist()
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return Failure(
            f"returned {brief(actual)}",
            "return a pair of ints, (h_out, w_out).",
            show("expected", expected),
        )
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in actual)
    details = [f"  called fn{case.args}", *show("expected", expected)]
    details += show("yours", tuple(actual))
    if tuple(actual) == expected and not ints:
        return Failure(
            "not ints",
            "the sizes are right but not ints: use // (floor division) rather than "
            "/, so the result can size an array.",
            details,
        )
    if tuple(actual) == expected:
        return None
    smells = size_smells(*case.args)
    hint = all_hints(text for test, text in smells if test(tuple(actual))) or (
        "along each axis there are (n - k) // s + 1 windows: n input cells, kernel k, stride s."
    )
    return Failure(f"{tuple(actual)}, expected {expected}", hint, details)


# One row per case: its name, then the call: h, w, kernel_shape, stride.
_CASES = [
    ("the article's setting (28 x 28, kernel 2, stride 2)", (28, 28, (2, 2), (2, 2))),
    (
        "a size the stride does not divide (28 x 28, kernel 3, stride 2)",
        (28, 28, (3, 3), (2, 2)),
    ),
    ("overlapping windows (28 x 28, kernel 3, stride 1)", (28, 28, (3, 3), (1, 1))),
    ("stride larger than the kernel (7 x 7, kernel 2, stride 3)", (7, 7, (2, 2), (3, 3))),
    ("kernel as large as the input (4 x 4, kernel 4, stride 1)", (4, 4, (4, 4), (1, 1))),
    ("rectangular everything (6 x 9, kernel (2, 3), stride (1, 2))", (6, 9, (2, 3), (1, 2))),
    ("a 5 x 5 kernel with stride 3 (28 x 28)", (28, 28, (5, 5), (3, 3))),
]


def _size_case(name, args):
    h, w, kernel_shape, stride = args
    return Case(
        name,
        args,
        ("h", "w", "kernel_shape", "stride"),
        pool_geometry((h, w), kernel_shape, stride).out_shape,
        _judge_size,
    )


def _draw_output_size(rng):
    kernel_shape, stride = random_ints(rng, 1, 6, 2), random_ints(rng, 1, 5, 2)
    h, w = (k + extra for k, extra in zip(kernel_shape, random_ints(rng, 0, 30, 2), strict=True))
    return _size_case(
        f"{h} x {w}, kernel {kernel_shape}, stride {stride}", (h, w, kernel_shape, stride)
    )


@checker_doc
def check_output_size(fn, *, time_limit=None, seed=None):
    """Check ``fn(h, w, kernel_shape, stride) -> (h_out, w_out)``, the number of windows.

    Parameters
    ----------
    fn : callable or None
        Your function. ``kernel_shape`` and ``stride`` are pairs ``(rows, cols)``;
        return a pair of ints. No padding, no ceil mode.
    {keywords}
        True when every case passes. Feedback is printed.
    """
    cases = [_size_case(name, args) for name, args in _CASES]
    return run_checker(
        "check_output_size", "output size", fn, cases, _draw_output_size, time_limit, seed
    )


def axis_size(n, k, s, p=0, d=1, ceil_mode=False, drop=True):
    """One axis's window count by PyTorch's formula, for wrong answers only.

    Fed with a mistake (padding left out, no dilation, ``drop=False``...) it
    says what that mistake gives; the right answers are
    :func:`pooling_lib.pool_geometry`'s.
    """
    numerator = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    size = numerator // s + 1
    if ceil_mode and drop and (size - 1) * s >= n + p:
        size -= 1
    return size


def _judge_size_full(case, actual):
    n, k, s, p, d, ceil_mode = case.args
    expected = case.expected
    details = (
        [
            f"  called fn(n={n}, kernel={k}, stride={s}, padding={p}, dilation={d}, "
            f"ceil_mode={ceil_mode})"
        ]
        + show("expected", expected)
        + show("yours", actual)
    )
    is_number = isinstance(actual, (int, float, np.integer, np.floating)) and not isinstance(
        actual, bool
    )
    if not is_number:
        return Failure(
            f"returned {brief(actual)}",
            "return one int: the number of windows along this axis.",
            details,
        )
    if actual == expected and not isinstance(actual, (int, np.integer)):
        return Failure(
            "not an int",
            "the size is right but not an int: use // (floor "
            "division), or math.floor / math.ceil, which return ints.",
            details,
        )
    if actual == expected:
        return None
    smells = [
        (expected - 1, "off by one in the output size: remember the +1."),
        (
            axis_size(n, k, s, p, 1, ceil_mode),
            "dilation is missing: a dilated kernel spans d * (k - 1) + 1 cells, so use that in "
            "place of k.",
        ),
        (
            axis_size(n, k, s, p, d, ceil_mode, drop=False),
            "in ceil mode the last window must start inside the input or the left padding: "
            "drop it if it would start at or after n + p.",
        ),
        (
            axis_size(n, k, s, p, d, False),
            "ceil_mode is ignored: in ceil mode round up, floor((... + s - 1) / s) + 1.",
        ),
        (
            axis_size(n - p, k, s, p, d, ceil_mode),
            "padding is added on both sides: n + 2 * p cells, not n + p.",
        ),
        (
            axis_size(n, k, s, 0, d, ceil_mode),
            "padding is missing: the padded input has n + 2 * p cells.",
        ),
    ]
    hint = all_hints(text for bad, text in smells if actual == bad and bad != expected) or (
        "floor((n + 2p - d*(k - 1) - 1 + (s - 1 if ceil_mode else 0)) / s) + 1, then in ceil "
        "mode drop a last window that starts at or after n + p."
    )
    return Failure(f"{actual}, expected {expected}", hint, details)


# One row per case: its name, then the call: n, kernel, stride, padding,
# dilation, ceil_mode.
_FULL_CASES = [
    ("the article's setting (n 28, kernel 2, stride 2)", (28, 2, 2, 0, 1, False)),
    ("a size the stride does not divide (n 28, kernel 3, stride 2)", (28, 3, 2, 0, 1, False)),
    ("padding 1 (n 28, kernel 3, stride 1)", (28, 3, 1, 1, 1, False)),
    ("dilation 2 (n 7, kernel 3, stride 1)", (7, 3, 1, 0, 2, False)),
    ("ceil mode keeps a partial window (n 5, kernel 2, stride 2)", (5, 2, 2, 0, 1, True)),
    ("ceil mode when the stride divides (n 4, kernel 2, stride 2)", (4, 2, 2, 0, 1, True)),
    (
        "ceil mode drops a window that would start at or past the input's end "
        "(n 5, kernel 2, stride 2, padding 1)",
        (5, 2, 2, 1, 1, True),
    ),
    (
        "everything at once (n 10, kernel 3, stride 3, padding 1, dilation 2, ceil mode)",
        (10, 3, 3, 1, 2, True),
    ),
]


def _full_size_case(name, args):
    n, k, s, p, d, ceil_mode = args
    return Case(
        name,
        args,
        ("n", "kernel", "stride", "padding", "dilation", "ceil_mode"),
        # One axis: the other is a single cell that every window covers.
        pool_geometry((n, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode).out_shape[0],
        _judge_size_full,
    )


def _draw_output_size_full(rng):
    k, s, d = (
        random_ints(rng, 1, 5, 1)[0],
        random_ints(rng, 1, 4, 1)[0],
        random_ints(rng, 1, 3, 1)[0],
    )
    p = random_ints(rng, 0, k // 2, 1)[0]
    # At least as many cells as one dilated window spans, padding included.
    n = max(d * (k - 1) + 1 - 2 * p, 1) + random_ints(rng, 0, 20, 1)[0]
    ceil_mode = bool(rng.integers(2))
    return _full_size_case(
        f"n {n}, kernel {k}, stride {s}, padding {p}, dilation {d}, ceil_mode={ceil_mode}",
        (n, k, s, p, d, ceil_mode),
    )


@checker_doc
def check_output_size_full(fn, *, time_limit=None, seed=None):
    """Check ``fn(n, kernel, stride, padding, dilation, ceil_mode) -> n_out`` along one axis.

    PyTorch's rule: ``floor((n + 2p - d*(k-1) - 1 + (s-1 if ceil_mode else 0)) / s) + 1``,
    and in ceil mode one window fewer if the last would start at or after ``n + p``.

    Parameters
    ----------
    fn : callable or None
        Your function; all six arguments are passed by position, ints and a bool.
    {keywords}
    """
    cases = [_full_size_case(name, args) for name, args in _FULL_CASES]
    return run_checker(
        "check_output_size_full",
        "output size with padding, dilation and ceil mode",
        fn,
        cases,
        _draw_output_size_full,
        time_limit,
        seed,
    )
