"""Comparing a learner's answer with the truth, and matching it against classic mistakes.

A *smell* is a pair ``(test, hint)``: ``test(answer)`` is true when the answer
is what a classic mistake gives, and then ``hint`` names that mistake. Before
any value is judged, :func:`kind_problem` and :func:`layout_hint` name an
answer of the wrong kind (a list, an integer array) or axis order.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

# Learners' sums run in another order than ours, so compare with a tolerance
# far below any mistake worth reporting.
_RTOL, _ATOL = 1e-6, 1e-9
# No right answer has more items at its top level; longer sequences are
# rejected before NumPy copies them.
_MAX_ITEMS = 10_000


def same_value(a, b):
    """True when ``a`` and ``b`` are equal arrays (NaN equal to NaN) or equal objects."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    return a is b or a == b


def as_float_array(actual):
    """The learner's answer as a float array, or None if it is not a real-valued array-like."""
    if not isinstance(actual, np.ndarray) and _too_long(actual):
        return None
    if np.iscomplexobj(actual):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return None


def _too_long(actual):
    """True for a sequence longer than any right answer: NumPy would copy it all."""
    try:
        return len(actual) > _MAX_ITEMS
    except TypeError:
        return False


def _close(a, b):
    """True when the arrays have one shape and agree within the tolerance, NaN equal to NaN."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=_RTOL, atol=_ATOL, equal_nan=True))


def first_hint(smells, actual):
    """The hint of the first smell whose test matches ``actual``, or None.

    A test that cannot even be evaluated on ``actual`` (an odd dtype, say) is
    simply not a match: the learner still gets the general feedback.
    """
    for test, hint in smells:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                matched = test(actual)
            except (TypeError, ValueError, IndexError):
                matched = False
        if matched:
            return hint
    return None


def all_hints(hints):
    """One hint from every matching one: a number can fit several mistakes at once."""
    hints = list(dict.fromkeys(h for h in hints if h))
    if len(hints) <= 1:
        return hints[0] if hints else None
    numbered = " ".join(f"({k}) {hint}" for k, hint in enumerate(hints, start=1))
    return f"your answer fits {len(hints)} classic mistakes: {numbered}"


def looks_like(candidate):
    """A smell test: the answer equals ``candidate`` (an array)."""
    candidate = np.asarray(candidate, dtype=float)
    return lambda actual: _close(actual, candidate)


def wrong_cells(actual, expected):
    """Mask of the entries of ``actual`` that differ from ``expected`` (NaN equal to NaN)."""
    return ~np.isclose(actual, expected, rtol=_RTOL, atol=_ATOL, equal_nan=True)


def first_wrong(array, expected):
    """Index tuple of the first entry of ``array`` that differs from ``expected``, in
    row-major order, or None when they agree everywhere. They have one shape."""
    if _close(array, expected):
        return None
    return tuple(int(i) for i in np.argwhere(wrong_cells(array, expected))[0])


def kind_problem(actual):
    """What is wrong with the *kind* of the answer: ``(summary, hint)``, or None.

    None for a real-valued float array, and for anything that is not an
    array-like of numbers at all (the caller reports those by their type).
    An integer array is named here, before its values are judged: NumPy
    truncated every value stored in it, and judging those values would blame
    the arithmetic (``//``) for what the array's dtype did.

    Examples
    --------
    >>> kind_problem(np.zeros(3)) is None
    True
    >>> kind_problem([[1.0]])[0]
    'a Python list'
    >>> kind_problem(np.zeros(3, dtype=np.int32))[0]
    'an array of dtype int32'
    """
    if isinstance(actual, np.ndarray):
        if actual.dtype.kind in "iub":
            return (
                f"an array of dtype {actual.dtype}",
                f"your array has dtype {actual.dtype}, so NumPy cuts every value stored in it "
                "to a whole number (2.75 becomes 2). Make the output a float array: "
                "np.zeros(shape) is float; np.zeros(shape, dtype=int) is not.",
            )
        if actual.dtype.kind == "O":
            return (
                "an array of dtype object",
                "your array has dtype object (Python objects, not machine numbers): "
                "return a NumPy float array, e.g. one made with np.zeros(shape) and filled in.",
            )
        return None
    if isinstance(actual, (list, tuple)):
        return (
            f"a Python {type(actual).__name__}",
            f"your function returned a Python {type(actual).__name__}: return a NumPy "
            "float array, e.g. one made with np.zeros(shape) and filled in, or "
            "np.array(result, dtype=float).",
        )
    if isinstance(actual, numbers.Real) and not isinstance(actual, bool):
        return (
            f"a single number ({type(actual).__name__})",
            f"your function returned one number, {actual!r}: return a NumPy float array "
            "with one value per output cell.",
        )
    return None


def layout_hint(shape, expected, rows="h_out", cols="w_out"):
    """Name an answer of ``shape`` laid out in the wrong axis order, or None.

    ``expected`` is the right shape (m, rows, cols, c). Only orders that can be
    told apart from the right one are named: swapped rows and columns need a
    non-square result, channels-first a result whose (c, rows, cols) differ
    from (rows, cols, c).

    Examples
    --------
    >>> layout_hint((1, 3, 2, 1), (1, 2, 3, 1))[:29]
    'rows and columns are swapped:'
    >>> layout_hint((1, 2, 2, 1), (1, 2, 2, 1)) is None
    True
    """
    m, h, w, c = expected
    shape = tuple(shape)
    if h != w and shape == (m, w, h, c):
        return (
            f"rows and columns are swapped: yours is (m, {cols}, {rows}, c) = {shape}; "
            f"it must be (m, {rows}, {cols}, c) = {tuple(expected)}, {h} rows down and "
            f"{w} columns across. Check the order in np.zeros((m, {rows}, {cols}, c)) "
            "and in every index [n, i, j, ch]."
        )
    if shape == (m, c, h, w) and shape != tuple(expected):
        return (
            f"the channels came first, (m, c, {rows}, {cols}) = {shape}, PyTorch's order: "
            f"here they come last, as in A_prev, so the result is (m, {rows}, {cols}, c) = "
            f"{tuple(expected)}. Index it [n, i, j, ch]."
        )
    return None
