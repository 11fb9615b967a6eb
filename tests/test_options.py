"""The pooling options are checked once into one frozen PoolOptions that the maths reads."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pooling_lib._checks import PoolOptions, prepare, prepare_backward

A = np.zeros((2, 6, 6, 1))
WINDOW = dict(kernel_shape=3, stride=2, padding=1, dilation=1, ceil_mode=True)


def test_prepare_bundles_the_checked_options():
    A_prev, options = prepare(
        A,
        **WINDOW,
        mode="avg",
        count_include_pad=np.bool_(False),
        divisor_override=np.int64(5),
    )
    assert A_prev.shape == A.shape
    assert (options.mode, options.ties) == ("avg", "first")
    # NumPy scalars become plain Python values, so no dtype leaks into the maths.
    assert type(options.count_include_pad) is bool and options.count_include_pad is False
    assert type(options.divisor_override) is int and options.divisor_override == 5
    geometry = options.geometry
    assert (geometry.kernel_shape, geometry.stride, geometry.padding) == ((3, 3), (2, 2), (1, 1))
    assert geometry.ceil_mode and geometry.out_shape == (4, 4)


def test_the_backward_options_carry_the_tie_policy():
    dA = np.zeros((2, 4, 4, 1))
    _, _, options = prepare_backward(dA, A, **WINDOW, ties="split")
    assert (options.mode, options.ties) == ("max", "split")


def test_options_are_frozen_and_passed_by_name():
    _, options = prepare(A, **WINDOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.mode = "avg"
    # Positional options are what the bundle replaces: prepare takes names only.
    with pytest.raises(TypeError):
        prepare(A, 3, 2, "max", 1, 1, True, True, None)
    assert isinstance(options, PoolOptions)
