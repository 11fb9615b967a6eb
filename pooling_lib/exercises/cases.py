"""What a case is, and the inputs cases are built from: small readable grids, random draws."""

from __future__ import annotations

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
    summary: str  # a few words after the case's name on its ✗ line
    hint: str
    details: list = field(default_factory=list)  # lines shown for the first failing case
    timed_out: bool = False  # the later cases are not run


# Stands for a case skipped after another ran out of time.
NOT_RUN = Failure("not run: an earlier case did not finish", "")


def grid(h, w, seed, offset=0.0, m=1, c=1):
    """Distinct small integers (as floats), shape (m, h, w, c): easy to read, no ties."""
    rng = np.random.default_rng(seed)
    values = rng.permutation(m * h * w * c) + offset
    return values.astype(float).reshape(m, h, w, c)


def numbered_upstream(shape):
    """dA with values 1, 2, 3, ...: each window's gradient is recognisable."""
    return np.arange(1.0, np.prod(shape) + 1).reshape(shape)


def as_pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def case_geometry(case):
    A_prev = case.args[case.arg_names.index("A_prev")]
    return pool_geometry(
        A_prev.shape[1:3],
        case.info["kernel_shape"],
        case.info["stride"],
        case.info["padding"],
        1,
        case.info["ceil_mode"],
    )


# Random inputs, for the cases drawn anew on every call


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
    m, c = random_ints(rng, 1, max_m, 1)[0], random_ints(rng, 1, max_c, 1)[0]
    return random_values(rng, (m, *size, c))


def shape_words(A_prev, kernel_shape, stride):
    m, h, w, c = A_prev.shape
    return f"{h} x {w} input, m = {m}, c = {c}, kernel {kernel_shape}, stride {stride}"


# Random seeds short enough to read and retype.
SEED_RANGE = 1_000_000
