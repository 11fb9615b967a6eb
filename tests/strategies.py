"""Hypothesis strategies shared by the pooling tests: valid option sets and inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from pooling_lib import pool_geometry


@st.composite
def pooling_cases(draw, modes=("max", "avg"), max_side=9, allow_dilation=True):
    """A valid (shape, options) pair: every window fits, padding at most half the kernel."""
    mode = draw(st.sampled_from(modes))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (1, 1)
    if allow_dilation:
        dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    options = dict(
        kernel_shape=kernel,
        stride=stride,
        mode=mode,
        padding=padding,
        dilation=dilation,
        ceil_mode=draw(st.booleans()),
    )
    if mode == "avg":
        options["count_include_pad"] = draw(st.booleans())
        options["divisor_override"] = draw(st.one_of(st.none(), st.integers(1, 9)))
    geometry_options = {
        k: options[k] for k in ("kernel_shape", "stride", "padding", "dilation", "ceil_mode")
    }
    try:
        geometry = pool_geometry((h, w), **geometry_options)
    except ValueError:
        assume(False)
    m, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (m, h, w, c), options, geometry


def has_padding_only_window(geometry):
    """True if some window holds no input cell at all (possible only with dilation)."""
    return not (geometry.inside(0).any(axis=1).all() and geometry.inside(1).any(axis=1).all())


@st.composite
def arrays_with_ties(draw, shape, nan=False):
    """Small integers (many ties, negatives, zeros), optionally with NaN and infinities."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 4, size=shape).astype(np.float64)
    if nan:
        specials = rng.choice([np.nan, np.inf, -np.inf], size=shape)
        values = np.where(rng.random(shape) < 0.15, specials, values)
    return values


def upstream_gradient(data, shape, dtype=np.float64):
    """dA: normal numbers, sometimes with an infinity or a NaN that must reach only winners."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dA = rng.standard_normal(shape)
    if data.draw(st.booleans()):
        specials = rng.choice([np.inf, -np.inf, np.nan], size=shape)
        dA = np.where(rng.random(shape) < 0.1, specials, dA)
    return dA.astype(dtype)


# Divisors that round when converted to a float type: 2049 and 65520 become
# 2048 and inf in float16; 2**62 + 2**38 + 1 rounds differently in float32
# when converted straight (as C++ does) than through float64 (as NumPy does).
TRICKY_DIVISORS = (-7, -1, 3, 2049, 65520, 100_000, 2**24 + 1, 2**62 + 2**38 + 1, -(2**63) + 1)


@st.composite
def full_range_cases(draw, modes=("max", "avg"), max_side=7):
    """Like :func:`pooling_cases`, but divisors may be negative, huge, or round in float16."""
    shape, options, geometry = draw(pooling_cases(modes=modes, max_side=max_side))
    if options["mode"] == "avg" and draw(st.booleans()):
        options["divisor_override"] = draw(st.sampled_from(TRICKY_DIVISORS))
    return shape, options, geometry


def _special_values(dtype):
    """The values where float arithmetic goes wrong, for ``dtype``."""
    info = np.finfo(dtype)
    values = [0.0, 1.0, np.inf, np.nan, info.max, info.tiny, info.smallest_subnormal, info.eps]
    values += [info.max / 2, info.max / 3, 2.0 ** (info.nmant + 1), 1 + info.eps]
    return np.array(values + [-v for v in values], dtype=dtype)


@st.composite
def full_range_arrays(draw, shape, dtype):
    """Values from the whole range of ``dtype``, with deliberate ties.

    Each cell is one of: a random bit pattern (every exponent: subnormals,
    huge numbers, NaN with any payload, infinities), a special value (±0,
    ±inf, NaN, the largest and the smallest numbers), or a normal number of
    random sign scaled by a random power of two. Then some cells copy
    another cell's value, or its value with the sign of zero flipped, so that
    windows hold equal maxima, 0.0 next to -0.0, and repeated NaNs.
    """
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = np.array(draw(st.lists(st.integers(0, 4), min_size=3, max_size=3)), dtype=float)
    weights = weights / weights.sum() if weights.sum() else np.full(3, 1 / 3)
    size = int(np.prod(shape))
    unsigned = np.dtype(f"u{dtype.itemsize}")
    bits = rng.integers(0, np.iinfo(unsigned).max, size=size, dtype=unsigned, endpoint=True)
    random_bits = bits.view(dtype)
    specials = rng.choice(_special_values(dtype), size=size)
    info = np.finfo(dtype)
    exponents = rng.integers(info.minexp - info.nmant, info.maxexp, size=size)
    with np.errstate(over="ignore", under="ignore"):
        scaled = (rng.standard_normal(size) * 2.0 ** (exponents / 2)).astype(dtype)
    kind = rng.choice(3, size=size, p=weights)
    values = np.choose(kind, [random_bits, specials, scaled])
    if size > 1 and draw(st.booleans()):
        copies = rng.random(size) < draw(st.sampled_from([0.2, 0.5, 0.8]))
        sources = values[rng.integers(0, size, size=size)]
        flipped = np.where((sources == 0) & (rng.random(size) < 0.5), -sources, sources)
        values = np.where(copies, flipped, values)
    return values.reshape(shape)


def assert_bits_equal(ours, theirs, what="result"):
    """Same dtype, shape and bit pattern everywhere (any NaN matches any NaN).

    ``assert_array_equal`` would let 0.0 pass for -0.0; the bits do not.
    """
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != {theirs.dtype}"
    if ours.dtype.kind == "f":
        nan_ours, nan_theirs = np.isnan(ours), np.isnan(theirs)
        unsigned = np.dtype(f"u{ours.dtype.itemsize}")
        differ = (ours.view(unsigned) != theirs.view(unsigned)) & ~(nan_ours & nan_theirs)
    else:
        differ = ours != theirs
    if differ.any():
        where = tuple(int(i) for i in np.argwhere(differ)[0])
        raise AssertionError(
            f"{what}: {int(differ.sum())} of {differ.size} entries differ in their bits; first at "
            f"{where}: {ours[where]!r} vs {theirs[where]!r}"
        )
