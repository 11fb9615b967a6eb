"""Checkers of gradient checking: numeric gradients, tie-free inputs, the adjoint test.

``check_numeric_gradient``, ``check_tie_free`` and ``check_adjoint_test``,
with their cases and hints.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from ..gradcheck import numeric_gradient, rel_error, tie_free
from ..pooling import pool_backward, pool_forward
from .cases import SEED_RANGE, Case, Failure, numbered_upstream, random_ints, random_window
from .judging import as_float_array, first_hint, kind_problem, looks_like, same_value
from .report import show
from .runner import checker_doc, run_checker


def _square(x):
    return x**2


def _cube(x):
    return x**3


def _mixed(x):
    return x * np.sum(x)


def _max_pool(x):
    return pool_forward(x, 2, 2)


def _gradient_case(name, f, text, x, upstream):
    return Case(
        name,
        (f, x, upstream),
        ("f", "x", "upstream"),
        numeric_gradient(f, x, upstream),
        _judge_gradient,
        {"text": text},
    )


def _gradient_cases():
    calls = [
        (
            "a square, f(x) = x**2, upstream all ones",
            _square,
            "x**2",
            np.array([1.0, -3.0, 0.5]),
            np.ones(3),
        ),
        (
            "a cube, f(x) = x**3, where a one-sided difference is inaccurate",
            _cube,
            "x**3",
            np.array([[0.5, -1.0], [2.0, 1.5]]),
            np.ones((2, 2)),
        ),
        (
            "weights from upstream, L = sum(sin(x) * upstream)",
            np.sin,
            "np.sin(x)",
            np.array([[0.3, -1.2, 2.0], [0.0, 0.7, -0.4]]),
            np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]),
        ),
        (
            "entries that interact, f(x) = x * np.sum(x)",
            _mixed,
            "x * np.sum(x)",
            np.array([1.0, 2.0, -0.5, 3.0]),
            np.ones(4),
        ),
        (
            "max pooling on a tie-free input (4 x 4, kernel 2, stride 2)",
            _max_pool,
            "pool_forward(x, 2, 2)",
            tie_free((1, 4, 4, 1), seed=3),
            numbered_upstream((1, 2, 2, 1)),
        ),
    ]
    return [_gradient_case(*call) for call in calls]


def _draw_gradient(rng):
    functions = [
        (_square, "x**2"),
        (_cube, "x**3"),
        (np.sin, "np.sin(x)"),
        (_mixed, "x * np.sum(x)"),
    ]
    while True:
        choice = int(rng.integers(len(functions) + 1))
        if choice == len(functions):
            f, text = _max_pool, "pool_forward(x, 2, 2)"
            shape = (1, *(2 * v for v in random_ints(rng, 1, 3, 2)), 1)
            x = tie_free(shape, seed=int(rng.integers(SEED_RANGE)))
            out_shape = (1, shape[1] // 2, shape[2] // 2, 1)
        else:
            f, text = functions[choice]
            shape = random_ints(rng, 2, 4, int(rng.integers(1, 3)))
            x = rng.integers(-2000, 2001, size=shape) / 1000
            out_shape = shape
        signs = rng.choice([-1.0, 1.0], size=out_shape)
        upstream = signs * rng.integers(100, 3001, size=out_shape) / 1000
        case = _gradient_case(f"f(x) = {text}, x of shape {shape}", f, text, x, upstream)
        # A partial derivative near 0 is all rounding error, and a right answer
        # summed in another order would fail the relative-error test on it.
        gradient = np.abs(case.expected)
        if np.all((gradient == 0) | (gradient > 0.05)):
            return case


def _one_sided(f, x, upstream, h=1e-5):
    x = np.array(x, dtype=float)
    base = np.sum(f(x) * upstream)
    grad = np.zeros_like(x)
    for k in range(x.size):
        nudged = x.copy()
        nudged.flat[k] += h
        grad.flat[k] = (np.sum(f(nudged) * upstream) - base) / h
    return grad


def _judge_gradient(case, actual):
    f, x, upstream = case.args
    expected = case.expected
    details = [f"  f(x) = {case.info['text']}"] + show("x", x) + show("upstream", upstream)
    details += show("expected (numeric gradient)", expected)
    array = as_float_array(actual)
    if array is None or array.shape != x.shape:
        shape = None if array is None else array.shape
        return Failure(
            f"returned shape {shape}",
            f"return an array shaped like x, {x.shape}: one partial derivative per entry of x.",
            details,
        )
    details += show("yours", array)
    error = rel_error(array, expected)
    kind = kind_problem(actual)
    if kind is not None:
        summary, hint = kind
        return Failure(
            f"returned {summary}",
            ("the values are right, but " if error < 1e-7 else "") + hint,
            details,
        )
    if error < 1e-7:
        return None
    smells = [
        (
            looks_like(2 * expected),
            "your gradient is twice too large: the central difference "
            "divides by 2h, the distance between x - h and x + h.",
        ),
        (
            looks_like(expected / 2),
            "your gradient is half too small: divide by 2h, not 4h "
            "(or nudge by h each way, not h/2).",
        ),
        (looks_like(-expected), "the sign is flipped: it is (L(x + h) - L(x - h)) / 2h."),
        (
            lambda a: (
                rel_error(a, _one_sided(f, x, upstream)) < 1e-6
                or rel_error(a, -_one_sided(f, x, -upstream)) < 1e-6
            ),
            "accurate only to about h: looks like a one-sided difference (L(x + h) - L(x)) / h. "
            "The central difference (L(x + h) - L(x - h)) / 2h is accurate to about h**2.",
        ),
        (
            looks_like(numeric_gradient(f, x, np.ones_like(upstream))),
            "the upstream weights are missing: the loss is L(x) = sum(f(x) * upstream), so "
            "multiply f's output by upstream before summing.",
        ),
    ]
    hint = first_hint(smells, array) or (
        f"relative error {error:.1e} (should be below 1e-7). Nudge one entry of x at a time by "
        "+h and -h, restore it, and divide the change of L = sum(f(x) * upstream) by 2h."
    )
    return Failure(f"relative error {error:.1e}", hint, details)


@checker_doc
def check_numeric_gradient(fn, *, time_limit=None, seed=None):
    """Check a central-difference numeric gradient, ``fn(f, x, upstream) -> grad``.

    Parameters
    ----------
    fn : callable or None
        Your function: for every entry ``x[k]``, ``(L(x + h e_k) - L(x - h e_k)) / 2h``
        with ``L(x) = sum(f(x) * upstream)`` and ``h = 1e-5`` (its default:
        the checker passes only ``f, x, upstream``). ``x`` must be unchanged
        afterwards. Passes when the relative error to
        :func:`pooling_lib.gradcheck.numeric_gradient` is below 1e-7.
    {keywords}
    """
    return run_checker(
        "check_numeric_gradient",
        "numeric gradient",
        fn,
        _gradient_cases(),
        _draw_gradient,
        time_limit,
        seed,
    )


_MIN_GAP = 1e-4


def _judge_tie_free(case, actual):
    shape = case.args[0]
    details = [f"  called fn(shape={shape}, seed={case.args[1]})"]
    array = np.asarray(actual) if isinstance(actual, np.ndarray) else None
    if array is None or array.shape != shape:
        got = type(actual).__name__ if array is None else f"shape {array.shape}"
        return Failure(f"returned {got}", f"return a NumPy array of shape {shape}.", details)
    if array.dtype.kind != "f":
        return Failure(
            f"dtype {array.dtype}",
            "return floats (e.g. .astype(float)): the gradient check nudges entries by h = 1e-5.",
            details,
        )
    if not np.all(np.isfinite(array)):
        return Failure(
            "not finite", "every value must be a finite number (no NaN or inf).", details
        )
    values = np.sort(array.ravel())
    gaps = np.diff(values)
    if gaps.size and gaps.min() < _MIN_GAP:
        k = int(np.argmin(gaps))
        return Failure(
            f"two values only {gaps[k]:.1e} apart",
            f"two values ({values[k]:.6g} and {values[k + 1]:.6g}) are only {gaps[k]:.1e} apart, "
            f"less than {_MIN_GAP:g}: a nudge of h = 1e-5 could swap the winner of a window, "
            "or tie them. Random floats crowd together as the array grows: space the values "
            "evenly and shuffle them, e.g. rng.permutation(n) * 0.01.",
            details,
        )
    return case.info["extra"](case, array, details)


def _no_extra(case, array, details):
    return None


def _same_seed(case, array, details):
    again = case.info["fn"](*case.args)
    if not same_value(np.asarray(again), array):
        return Failure(
            "a second call differs",
            "the same seed must give the same array: "
            "make a generator with np.random.default_rng(seed) and draw from it.",
            details,
        )
    return None


def _other_seed(case, array, details):
    other = case.info["fn"](case.args[0], case.args[1] + 1)
    if same_value(np.asarray(other), array):
        return Failure(
            "seed ignored",
            "a different seed should give a different array: "
            "pass the seed to np.random.default_rng(seed).",
            details,
        )
    return None


def _tie_free_cases():
    calls = [
        ("one small map (shape (1, 4, 4, 1), seed 0)", ((1, 4, 4, 1), 0), _no_extra),
        ("a batch with channels (shape (2, 6, 6, 3), seed 1)", ((2, 6, 6, 3), 1), _no_extra),
        (
            "an MNIST-sized pair of maps (shape (1, 28, 28, 2), seed 0)",
            ((1, 28, 28, 2), 0),
            _no_extra,
        ),
        ("the same seed twice gives the same array (seed 7)", ((2, 3, 3, 1), 7), _same_seed),
        ("another seed gives another array (seeds 4 and 5)", ((1, 3, 3, 2), 4), _other_seed),
    ]
    return [
        Case(name, args, ("shape", "seed"), None, _judge_tie_free, {"extra": extra})
        for name, args, extra in calls
    ]


def _draw_tie_free(rng, fn):
    """A random shape and seed; ``fn`` is the learner's function, called again with them."""
    shape = (*random_ints(rng, 1, 3, 1), *random_ints(rng, 2, 12, 2), *random_ints(rng, 1, 3, 1))
    seed = int(rng.integers(SEED_RANGE))
    return Case(
        f"called with shape {shape} and seed {seed}, twice",
        (shape, seed),
        ("shape", "seed"),
        None,
        _judge_tie_free,
        {"extra": _same_seed, "fn": fn},
    )


@checker_doc
def check_tie_free(fn, *, time_limit=None, seed=None):
    """Check a maker of gradient-check inputs, ``fn(shape, seed) -> array``.

    The array must have ``shape``, hold finite floats any two of which differ
    by at least 1e-4 (so a nudge of ``h = 1e-5`` never changes a max pool's
    winner), and depend on ``seed`` only: the same seed, the same array.

    Parameters
    ----------
    fn : callable or None
        Your function; ``shape`` is a tuple, ``seed`` an int.
    {keywords}
    """
    cases = _tie_free_cases()
    for case in cases:
        case.info["fn"] = _quiet(fn)
    return run_checker(
        "check_tie_free",
        "tie-free test inputs",
        fn,
        cases,
        lambda rng: _draw_tie_free(rng, _quiet(fn)),
        time_limit,
        seed,
    )


def _quiet(fn):
    """``fn`` with warnings silenced, for the checker's extra calls."""

    def call(*args):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args)

    return call


# The adjoint (dot-product) test


def _pooling_pair(A_prev, kernel_shape, stride, factor=1.0):
    """Average pooling's forward and backward at ``A_prev``; ``factor`` plants a bug."""

    def forward(a):
        return pool_forward(a, kernel_shape, stride, "avg")

    def backward(d):
        return factor * pool_backward(d, A_prev, kernel_shape, stride, "avg")

    return forward, backward


def _matrix_pair(matrix):
    return (lambda v: matrix @ v), (lambda w: matrix.T @ w)


def _adjoint_case(name, forward, backward, x, g):
    return Case(
        name,
        (forward, backward, x, g),
        ("forward", "backward", "x", "g"),
        (float(np.sum(forward(x) * g)), float(np.sum(x * backward(g)))),
        _judge_adjoint,
    )


# One row per pooling case: its name, kernel, stride, and a factor on the
# backward pass (not 1: a planted bug). Their x and g are drawn in this order
# from one seeded generator.
_ADJOINT_POOLING_CASES = [
    ("avg pooling (kernel 2, stride 2; the floor drops a row and a column)", 2, 2, 1.0),
    ("avg pooling with overlapping windows (kernel 3, stride 1)", 3, 1, 1.0),
    ("a buggy backward that forgot to divide: the two sides must differ", 2, 1, 4.0),
]


def _adjoint_cases():
    rng = np.random.default_rng(41)
    cases = []
    for name, kernel, stride, factor in _ADJOINT_POOLING_CASES:
        x = rng.normal(size=(1, 5, 5, 1)).round(2)
        forward, backward = _pooling_pair(x, kernel, stride, factor)
        g = rng.normal(size=forward(x).shape).round(2)
        cases.append(_adjoint_case(name, forward, backward, x, g))
    matrix = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    cases.append(
        _adjoint_case(
            "a matrix and its transpose, on vectors",
            *_matrix_pair(matrix),
            np.array([0.5, -2.0, 1.0]),
            np.array([3.0, 1.5]),
        )
    )
    return cases


def _draw_adjoint(rng):
    if rng.integers(3) == 0:
        rows, cols = random_ints(rng, 1, 5, 2)
        matrix = rng.normal(size=(rows, cols)).round(2)
        x, g = rng.normal(size=cols).round(2), rng.normal(size=rows).round(2)
        return _adjoint_case(
            f"a {rows} x {cols} matrix and its transpose", *_matrix_pair(matrix), x, g
        )
    size, kernel_shape, stride = random_window(rng, max_kernel=3, max_stride=3)
    x = rng.normal(size=(1, *size, 1)).round(2)
    # Sometimes a backward pass with a bug: the two sides must then differ.
    factor = float((1, 1, 2, 4)[int(rng.integers(4))])
    forward, backward = _pooling_pair(x, kernel_shape, stride, factor)
    g = rng.normal(size=forward(x).shape).round(2)
    bug = f", backward times {factor:g} (a bug)" if factor != 1 else ""
    name = f"avg pooling, {size[0]} x {size[1]} input, kernel {kernel_shape}, stride {stride}{bug}"
    return _adjoint_case(name, forward, backward, x, g)


def _judge_adjoint(case, actual):
    expected = case.expected
    details = [
        f"  called fn(forward, backward, x, g) with x of shape {case.args[2].shape} "
        f"and g of shape {case.args[3].shape}"
    ]
    details += show("expected (lhs, rhs)", tuple(round(v, 6) for v in expected))
    details += show("yours", actual)
    try:
        # Three at most: two for the answer, one to tell that there are more.
        # An iterator may never end (itertools.count()).
        pair = tuple(float(v) for v in itertools.islice(iter(actual), 3))
    except (TypeError, ValueError):
        return Failure(
            f"returned {type(actual).__name__}",
            "return a pair of numbers: (lhs, rhs) = (np.sum(forward(x) * g), "
            "np.sum(x * backward(g))), not their difference.",
            details,
        )
    if len(pair) != 2:
        count = "more than two" if len(pair) > 2 else str(len(pair))
        return Failure(
            f"returned {count} numbers", "return exactly two numbers, (lhs, rhs).", details
        )
    if np.allclose(pair, expected, rtol=1e-9, atol=1e-12):
        return None
    smells = [
        (
            (expected[1], expected[0]),
            "the two numbers are swapped: return (lhs, rhs) with lhs = "
            "np.sum(forward(x) * g) and rhs = np.sum(x * backward(g)).",
        ),
    ]
    hint = next((h for bad, h in smells if np.allclose(pair, bad, rtol=1e-9, atol=1e-12)), None)
    return Failure(
        "wrong numbers",
        hint
        or (
            "lhs multiplies forward(x) by g entry by entry and sums (np.sum(forward(x) * g)); rhs "
            "does the same with x and backward(g). Both are plain numbers."
        ),
        details,
    )


@checker_doc
def check_adjoint_test(fn, *, time_limit=None, seed=None):
    """Check an adjoint (dot-product) test, ``fn(forward, backward, x, g) -> (lhs, rhs)``.

    For a linear ``forward`` with backward pass ``backward``, ``lhs = <forward(x), g>``
    and ``rhs = <x, backward(g)>`` (sums of elementwise products) are equal; a
    buggy backward breaks the equality.

    Parameters
    ----------
    fn : callable or None
        Your function: ``forward`` maps arrays shaped like ``x`` to arrays
        shaped like ``g``, ``backward`` the other way. Return the two numbers.
    {keywords}
    """
    return run_checker(
        "check_adjoint_test", "adjoint test", fn, _adjoint_cases(), _draw_adjoint, time_limit, seed
    )
