"""Grading: the checkers' cases in parts worth points, each part passing or raising.

A checker prints a report for a learner and never raises. To mark work (by
hand, or with nbgrader, the Jupyter project's grading tool) each checker's
cases are split into *parts*, one for each classic mistake the exercise is
built to catch, plus one for the random cases; :func:`grade` runs the checker
and raises :class:`GradingFailure`, an AssertionError whose message names the
failing cases and the mistake each looks like, when a part fails. A grader
runs one :func:`grade` per part, so the marks say which mistakes were made.

Every :func:`grade` draws its cases afresh: the random cases, as for a
learner, and the values of the fixed cases' arrays too (see
:func:`~pooling_lib.exercises.cases.drawn_afresh`), so an answer that only
remembers what a learner's report printed fails. The seed that drew them is
in the message, to draw the same cases again.

Examples
--------
>>> from pooling_lib import pool_backward
>>> from pooling_lib.exercises import check_backward_max
>>> [part.key for part in parts(check_backward_max)]
['basics', 'overlap', 'ties', 'overlap_ties', 'nan', 'random']
>>> grade(check_backward_max, pool_backward, "overlap")
✓ check_backward_max, overlapping windows add up (+=): passes
>>> grade(check_backward_max, lambda dA, A_prev, k, s: A_prev * 0, "overlap")
Traceback (most recent call last):
...
pooling_lib.exercises.grading.GradingFailure: check_backward_max, overlapping windows add up ...
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
from dataclasses import dataclass

from .backward import check_backward_avg, check_backward_max
from .cases import SEED_RANGE, drawn_afresh
from .forward import check_forward_avg, check_forward_max
from .gradients import check_adjoint_test, check_numeric_gradient, check_tie_free
from .modern import (
    check_adaptive_bounds,
    check_global_avg_pool,
    check_max_blur_pool,
    check_max_unpool,
)
from .network import check_flatten_layer, check_pool_layer
from .padding import check_canvas, check_padding, check_same_padding
from .sizes import check_output_size, check_output_size_full


@dataclass(frozen=True)
class Part:
    """Some of a checker's cases, graded together.

    Attributes
    ----------
    key : str
        Short name, passed to :func:`grade`: ``'overlap'``, ``'random'``.
    title : str
        What the part tests, in words; failing messages start with it.
    points : int
        What the part is worth.
    patterns : tuple of str
        Regular expressions: a fixed case belongs to the first part (after
        the first) one of whose patterns its name contains; a case no pattern
        finds belongs to the first part, the basics.
    """

    key: str
    title: str
    points: int
    patterns: tuple = ()


class GradingFailure(AssertionError):
    """A part failed. Its message is for the learner; its fields for a program.

    Attributes
    ----------
    exercise : str
        The checker's name, e.g. ``'check_backward_max'``.
    part : Part
        The part that failed.
    failed : tuple of str
        Names of the part's failing cases (empty when the exercise was not
        attempted, or when the random cases were not run).
    hints : tuple of str
        The hint for each name in ``failed``, naming the mistake.
    seed : int
        Draws the same cases again: ``grade(..., seed=seed)``.
    """

    def __init__(self, message, exercise, part, failed=(), hints=(), seed=None):
        super().__init__(message)
        self.exercise = exercise
        self.part = part
        self.failed = tuple(failed)
        self.hints = tuple(hints)
        self.seed = seed


_RANDOM = Part("random", "fresh random cases, drawn on every run", 1)
# Case names that contain "overlapping" but not "non-overlapping".
_OVERLAP = r"(?<!non-)overlapping"

# One row per checker: its parts. Names are matched against the cases' names;
# tests/test_grading.py fails when a part no longer finds a case.
_PARTS = {
    check_output_size: (
        Part("basics", "output size when the windows tile the input", 1),
        Part(
            "floor",
            "output size when the stride does not divide (the floor)",
            1,
            ("does not divide", "stride larger", "stride 3"),
        ),
        Part(
            "overlap",
            "output size with overlapping, rectangular or input-sized windows",
            1,
            (_OVERLAP, "rectangular", "as large as"),
        ),
    ),
    check_output_size_full: (
        Part("basics", "output size without padding", 1),
        Part("padding", "output size with padding and dilation", 1, (r"^padding", "dilation")),
        Part("ceil", "output size in ceil mode", 2, ("ceil mode",)),
    ),
    check_forward_max: (
        Part("basics", "max pooling of non-overlapping windows", 1),
        Part("negative", "max pooling of negative inputs (start at -inf)", 1, ("negative",)),
        Part(
            "windows",
            "max pooling of overlapping, rectangular and uneven windows",
            2,
            (_OVERLAP, "does not divide", "stride larger", "rectangular"),
        ),
        Part("nan", "max pooling with a NaN (NaN wins)", 1, ("NaN",)),
    ),
    check_forward_avg: (
        Part("basics", "average pooling of non-overlapping windows", 1),
        Part(
            "windows",
            "average pooling of overlapping, rectangular and uneven windows",
            2,
            (_OVERLAP, "does not divide", "stride larger", "rectangular"),
        ),
        Part("nan", "average pooling with a NaN", 1, ("NaN",)),
    ),
    check_backward_max: (
        Part("basics", "max backward pass of non-overlapping windows", 1),
        Part(
            "overlap",
            "overlapping windows add up (+=)",
            2,
            (rf"{_OVERLAP} windows \(", "rectangular"),
        ),
        Part("ties", "tied maxima: the first one takes the gradient", 2, ("tied", "zeros")),
        # Both at once: wrong with either mistake, so apart from each.
        Part("overlap_ties", "tied maxima in overlapping windows", 1, ("with ties",)),
        Part("nan", "a NaN takes its window's gradient", 1, ("NaN",)),
    ),
    check_backward_avg: (
        Part("basics", "average backward pass of non-overlapping windows", 1),
        Part("overlap", "overlapping windows add up (+=)", 2, (_OVERLAP, "rectangular")),
        Part(
            "uncovered",
            "cells no window covers get no gradient",
            1,
            ("does not divide", "stride larger"),
        ),
    ),
    check_padding: (
        Part("basics", "pooling without padding", 1),
        Part("max_padding", "max pooling pads with -inf", 2, (r"^max with padding",)),
        Part(
            "avg_padding",
            "average pooling with padding and count_include_pad",
            2,
            (r"^avg with padding", "rectangular padding"),
        ),
        Part(
            "ceil", "ceil mode: partial and dropped windows", 2, ("in ceil mode", "ceil mode drops")
        ),
    ),
    check_canvas: (
        Part("basics", "the output and an average's canvas, with padding", 1),
        Part("max_padding", "a max canvas starts at -inf", 2, (r"^max with padding",)),
        Part("ceil", "room on the canvas for the ceil-mode overhang", 2, ("ceil mode",)),
    ),
    check_same_padding: (
        Part("basics", "'SAME' padding with an even total", 1),
        Part("odd", "'SAME' padding: the odd cell goes at the end", 1, ("odd", "does not divide")),
        Part("large_stride", "'SAME' padding is never negative", 1, ("stride larger",)),
    ),
    check_numeric_gradient: (
        Part("basics", "numeric gradient of a square", 1),
        Part("central", "a central difference, divided by 2h", 1, ("cube",)),
        Part("upstream", "the upstream weights", 1, ("from upstream", "interact")),
        Part("max_pool", "the numeric gradient of max pooling", 1, ("max pooling",)),
    ),
    check_tie_free: (
        Part("basics", "tie-free values of the right shape", 1),
        Part("seed", "the same seed gives the same array", 1, ("seed twice", "another seed")),
    ),
    check_adaptive_bounds: (
        Part("basics", "adaptive windows of an even split", 1),
        Part(
            "overlap",
            "windows that overlap where a boundary cuts a cell: the end rounds up",
            2,
            ("overlapping", "28 cells", "10 cells"),
        ),
        Part("edges", "one window, and more windows than cells", 1, ("global", "more windows")),
    ),
    check_max_unpool: (
        Part("basics", "max unpooling of 2 x 2 windows", 1),
        Part("shapes", "max unpooling of other shapes", 1, ("not square", "several examples")),
        Part("negative", "cells no maximum came from stay zero", 1, ("negative",)),
        Part("shared", "one cell, several values: the later one stays", 2, ("share", "sent to")),
    ),
    check_global_avg_pool: (
        Part("basics", "global average of one example", 1),
        Part(
            "axes",
            "global average over height and width only",
            2,
            ("not square", "several channels", "several examples"),
        ),
        Part("negative", "global average of negative values", 1, ("negative",)),
    ),
    check_max_blur_pool: (
        Part("basics", "max-blur pooling of one map", 1),
        Part(
            "shapes",
            "odd and rectangular maps, several examples and channels",
            2,
            ("odd size", "not square", "several examples"),
        ),
        Part("negative", "max-blur pooling of negative values", 1, ("negative",)),
    ),
    check_pool_layer: (
        Part("basics", "a pooling layer's forward and backward", 1),
        Part("ties", "tied maxima from a ReLU: the first one wins", 2, ("tie",)),
        Part(
            "shapes",
            "several examples, channels, overlaps and rectangles",
            1,
            ("several examples", "overlapping", "rectangular"),
        ),
        Part("cache", "backward uses the input of the training pass", 2, ("evaluation pass",)),
    ),
    check_flatten_layer: (
        Part("basics", "flattening one example", 1),
        Part("batch", "a batch keeps its examples apart", 1, ("batch of", "rectangular")),
        Part("cache", "backward restores the training pass's shape", 2, ("evaluation pass",)),
    ),
    check_adjoint_test: (
        Part("basics", "the two inner products", 1),
        Part("buggy", "a buggy backward pass shows", 1, ("buggy",)),
    ),
}
_BY_NAME = {checker.__name__: checker for checker in _PARTS}


def _checker(checker):
    """The checker named or given, or a ValueError that lists them."""
    key = checker if isinstance(checker, str) else getattr(checker, "__name__", None)
    if key not in _BY_NAME:
        raise ValueError(
            f"checker must be one of the exercises' checkers, got {checker!r}; "
            f"e.g. {', '.join(sorted(_BY_NAME)[:3])}: one of {sorted(_BY_NAME)}"
        )
    return _BY_NAME[key]


def parts(checker):
    """The parts of ``checker``'s cases, in order, the random cases last.

    Parameters
    ----------
    checker : callable or str
        One of the exercises' ``check_*`` functions, or its name.

    Returns
    -------
    tuple of Part
    """
    return (*_PARTS[_checker(checker)], _RANDOM)


def part_of(checker, case_name):
    """The :class:`Part` of ``checker`` that the case named ``case_name`` belongs to.

    >>> from pooling_lib.exercises import check_backward_max
    >>> part_of(check_backward_max, "non-overlapping windows (kernel 2, stride 2)").key
    'basics'
    >>> part_of(check_backward_max, "random case 1 of 3 (seed 5): 4 x 4 input").key
    'random'
    """
    if case_name.startswith("random case "):
        return _RANDOM
    table = _PARTS[_checker(checker)]
    for part in table[1:]:
        if any(re.search(pattern, case_name) for pattern in part.patterns):
            return part
    return table[0]


def _part(checker, key):
    for part in parts(checker):
        if part.key == key:
            return part
    keys = [part.key for part in parts(checker)]
    raise ValueError(
        f"part must be one of {keys} for {checker.__name__}, got {key!r}; "
        "see parts(checker) for what each one tests"
    )


def grade(checker, fn, part, *, seed=None, time_limit=None):
    """Run ``checker`` on ``fn``; raise :class:`GradingFailure` if the cases of ``part`` fail.

    The checker's report is not printed: a part that passes prints one line,
    a part that fails raises with one line per failing case and its hint.

    Parameters
    ----------
    checker : callable or str
        One of the exercises' ``check_*`` functions, or its name.
    fn : callable or None
        The function to grade, as the checker takes it.
    part : str
        The key of one of ``parts(checker)``. ``'random'`` passes when every
        case passes, the random ones included: they are run only once every
        fixed case passes.
    seed : int, optional
        Draws the cases (fixed values and random cases) again; by default
        they are new on every call.
    time_limit : float, optional
        Seconds each case may run, as for the checker.

    Raises
    ------
    GradingFailure
        The part failed, or ``fn`` was not attempted.
    ValueError
        ``checker`` or ``part`` is not one there is.
    """
    check = _checker(checker)
    chosen = _part(check, part)
    if seed is None:
        seed = secrets.randbelow(SEED_RANGE)
    report = io.StringIO()
    with drawn_afresh(seed), contextlib.redirect_stdout(report):
        result = check(fn, seed=seed, time_limit=time_limit)
    name = check.__name__
    where = f"{name}, {chosen.title}"
    again = f"To draw these cases again: grade({name}, fn, {part!r}, seed={seed})"
    if not result.attempted:
        raise GradingFailure(
            f"{where}: not attempted (the function is missing, raises NotImplementedError "
            "or returns None)",
            name,
            chosen,
            seed=seed,
        )
    failing = [
        (case, hint)
        for case, hint in zip(result.failed, result.hints, strict=True)
        if part_of(check, case) == chosen
    ]
    if chosen == _RANDOM and not failing and not result.passed:
        raise GradingFailure(
            f"{where}: not run, because fixed cases fail (the random ones run once every "
            f"fixed case passes): {', '.join(result.failed)}",
            name,
            chosen,
            seed=seed,
        )
    if failing:
        lines = [f"{where}: {len(failing)} case{'s' if len(failing) > 1 else ''} fail"]
        lines += [f"  ✗ {case}: {hint}" for case, hint in failing]
        raise GradingFailure(
            "\n".join([*lines, again]),
            name,
            chosen,
            [case for case, _ in failing],
            [hint for _, hint in failing],
            seed,
        )
    print(f"✓ {where}: passes")
