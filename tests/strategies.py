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
