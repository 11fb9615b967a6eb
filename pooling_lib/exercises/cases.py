"""What a case is, and the inputs cases are built from: small readable grids, random draws.

A :class:`Case` is one call of the learner's function and the judge of its
answer; a judge returns None or a :class:`Failure`. :class:`Grid` and
:class:`Given` are recipes for the inputs of the case tables.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..geometry import pool_geometry


@dataclass
class Case:
    """One call of the learner's function and how to judge its answer."""

    name: str
    args: tuple
    arg_names: tuple
    expected: object
    judge: Callable  # (case, actual) -> None if right, else a Failure
    info: dict = field(default_factory=dict)
    seed: int | None = None  # set for random cases: the seed that draws them again


@dataclass
class Failure:
    """What went wrong on one case: its ✗ line, its hint, the lines that show it."""

    summary: str  # a few words after the case's name on its ✗ line
    hint: str
    details: list = field(default_factory=list)  # lines shown for the first failing case
    timed_out: bool = False  # the later cases are not run


# Random seeds short enough to read and retype.
SEED_RANGE = 1_000_000


# Stands for a case skipped after another ran out of time.
NOT_RUN = Failure("not run: an earlier case did not finish", "")

# Set while grading: the seed from which the fixed cases' values are drawn
# afresh. None (a learner's check) keeps the values the reports show.
_fresh_seed = contextvars.ContextVar("fresh_seed", default=None)


@contextlib.contextmanager
def drawn_afresh(seed):
    """Within this block, cases built from recipes take fresh values drawn from ``seed``.

    Each case keeps its name, its shapes and what it is built to catch (the
    planted NaN or peak, the ties, the zeros, the signs); only the values
    change: :class:`Grid` draws another permutation, :class:`Given` is scaled
    by a positive factor, :func:`numbered_upstream` shuffles its numbers.
    Grading uses it so that an answer cannot pass by remembering the values a
    learner's report printed.

    Examples
    --------
    >>> shown = Grid(3, 3, seed=1)()
    >>> with drawn_afresh(7):
    ...     fresh = Grid(3, 3, seed=1)()
    >>> bool((fresh == shown).all()), sorted(fresh.ravel()) == sorted(shown.ravel())
    (False, True)
    >>> bool((Grid(3, 3, seed=1)() == shown).all())
    True
    """
    token = _fresh_seed.set(int(seed))
    try:
        yield
    finally:
        _fresh_seed.reset(token)


def _recipe_rng(seed):
    """The generator a recipe draws from: its own seed, mixed with the fresh one if any."""
    fresh = _fresh_seed.get()
    return np.random.default_rng(seed if fresh is None else (seed, fresh))


@dataclass(frozen=True)
class Grid:
    """Distinct small integers (as floats), shape (m, h, w, c): easy to read, no ties.

    A recipe, called to build the array: each check gets fresh arrays, so
    nothing a learner's function does to one can reach the next check.
    ``put`` sets cells of example 0, channel 0, ``{(row, col): value}``: a NaN,
    or a peak that several windows share.
    """

    h: int
    w: int
    seed: int
    offset: float = 0.0
    m: int = 1
    c: int = 1
    put: dict = field(default_factory=dict)

    def __call__(self):
        rng = _recipe_rng(self.seed)
        values = rng.permutation(self.m * self.h * self.w * self.c) + self.offset
        values = values.astype(float).reshape(self.m, self.h, self.w, self.c)
        for (row, col), value in self.put.items():
            values[0, row, col, 0] = value
        return values


@dataclass(frozen=True)
class Given:
    """An input of shape (1, h, w, 1) written out row by row: ties, zeros, strokes.

    A recipe, like :class:`Grid`, for the patterns a permutation cannot make.
    """

    rows: tuple

    def __call__(self):
        values = np.array(self.rows, dtype=float).reshape(1, len(self.rows), -1, 1)
        if _fresh_seed.get() is None:
            return values
        # A positive factor keeps the ties, the zeros and the signs.
        return values * (_recipe_rng(values.size).integers(2, 17) / 4)


def numbered_upstream(shape):
    """dA with values 1, 2, 3, ...: each window's gradient is recognisable.

    Shuffled within :func:`drawn_afresh`, still all different.
    """
    values = np.arange(1.0, np.prod(shape) + 1)
    if _fresh_seed.get() is not None:
        values = _recipe_rng(values.size).permutation(values)
    return values.reshape(shape)


def as_pair(value):
    """``kernel_shape``, ``stride`` or ``padding`` as a pair: tables write 2 for (2, 2)."""
    return (value, value) if isinstance(value, int) else tuple(value)


def case_geometry(case):
    """Where the case's windows fall: the one geometry its hints and smells all read."""
    A_prev = case.args[case.arg_names.index("A_prev")]
    return pool_geometry(
        A_prev.shape[1:3],
        case.info["kernel_shape"],
        case.info["stride"],
        case.info["padding"],
        1,
        case.info["ceil_mode"],
    )


def random_values(rng, shape):
    """Distinct floats with three decimals, of both signs, between -15 and 15.

    Distinct, so that a max pool has no ties (the fixed cases test those);
    not integers, so that an answer that truncates or rounds shows.
    """
    size = int(np.prod(shape))
    thousandths = rng.choice(20_000, size=size, replace=False) - 10_000
    return (thousandths / 1000 + int(rng.integers(-5, 6))).reshape(shape)


def random_ints(rng, low, high, count):
    """``count`` ints from ``low`` to ``high`` inclusive, as a tuple of Python ints."""
    return tuple(int(v) for v in rng.integers(low, high + 1, size=count))


def random_window(rng, max_kernel=4, max_stride=4, max_extra=5):
    """``(h, w), kernel_shape, stride`` for pooling without padding: one window at least."""
    kernel_shape = random_ints(rng, 1, max_kernel, 2)
    stride = random_ints(rng, 1, max_stride, 2)
    size = tuple(
        k + extra for k, extra in zip(kernel_shape, random_ints(rng, 0, max_extra, 2), strict=True)
    )
    return size, kernel_shape, stride


def random_batch(rng, size, max_m=2, max_c=3):
    """Random values of shape (m, h, w, c) for ``size`` = (h, w), with 1 to ``max_m``
    examples and 1 to ``max_c`` channels."""
    m, c = random_ints(rng, 1, max_m, 1)[0], random_ints(rng, 1, max_c, 1)[0]
    return random_values(rng, (m, *size, c))


def shape_words(A_prev, kernel_shape, stride):
    """A random case's name: its sizes in words."""
    m, h, w, c = A_prev.shape
    return f"{h} x {w} input, m = {m}, c = {c}, kernel {kernel_shape}, stride {stride}"
