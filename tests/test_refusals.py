"""Refused option values raise PoolingOptionError, whose fields say what was refused and why.

The messages are pinned in test_errors.py; here the fields: code that explains a
refusal (the pictures' captions) reads them instead of parsing the text.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pooling_lib import pool_backward, pool_forward, pool_geometry, reference
from pooling_lib._checks import PoolRequest, prepare, prepare_backward
from pooling_lib.geometry import PoolingOptionError

A = np.zeros((2, 6, 6, 1))
FORWARDS = [pytest.param(pool_forward, id="fast"), pytest.param(reference.pool_forward, id="loops")]
BACKWARDS = [
    pytest.param(pool_backward, id="fast"),
    pytest.param(reference.pool_backward, id="loops"),
]


@pytest.mark.parametrize("forward", FORWARDS)
@pytest.mark.parametrize(
    "kwargs, fields",
    [
        (dict(kernel_shape=0), ("kernel_shape", (0, 0), "positive", 1)),
        (dict(kernel_shape=2, stride=(1, 0)), ("stride", (1, 0), "positive", 1)),
        (dict(kernel_shape=2, dilation=-1), ("dilation", (-1, -1), "positive", 1)),
        (dict(kernel_shape=2, padding=(0, -1)), ("padding", (0, -1), "non_negative", 0)),
        (dict(kernel_shape=(1, 2, 3)), ("kernel_shape", (1, 2, 3), "pair_length", 2)),
        (dict(kernel_shape=(3, 5), padding=(1, 3)), ("padding", (1, 3), "half_kernel", (1, 2))),
        (dict(kernel_shape=4, dilation=(1, 3)), ("kernel_shape", (4, 4), "window_fits", (6, 6))),
        (dict(kernel_shape=2, mode="min"), ("mode", "min", "choice", ("max", "avg"))),
        (
            dict(kernel_shape=2, mode="avg", divisor_override=0),
            ("divisor_override", 0, "non_zero", None),
        ),
        (
            dict(kernel_shape=2, mode="avg", divisor_override=-(2**63)),
            ("divisor_override", -(2**63), "int64", 2**63 - 1),
        ),
        (dict(kernel_shape=2, divisor_override=3), ("divisor_override", 3, "other_mode", None)),
        (
            dict(kernel_shape=2, count_include_pad=False),
            ("count_include_pad", False, "other_mode", None),
        ),
    ],
)
def test_refusals_carry_the_parameter_value_rule_and_limit(forward, kwargs, fields):
    with pytest.raises(PoolingOptionError) as refusal:
        forward(A, **kwargs)
    error = refusal.value
    assert (error.parameter, error.value, error.rule, error.limit) == fields
    # The message still leads with the parameter's name, as the pinned tests expect.
    assert str(error).startswith(error.summary) and error.parameter in error.summary


@pytest.mark.parametrize("backward", BACKWARDS)
def test_ties_refusals_carry_their_fields(backward):
    dA = np.zeros((2, 3, 3, 1))
    with pytest.raises(PoolingOptionError) as refusal:
        backward(dA, A, 2, 2, ties="any")
    assert (refusal.value.parameter, refusal.value.rule) == ("ties", "choice")
    assert refusal.value.limit == ("first", "all", "split")
    with pytest.raises(PoolingOptionError) as refusal:
        backward(dA, A, 2, 2, mode="avg", ties="split")
    error = refusal.value
    assert (error.parameter, error.value, error.rule, error.mode) == (
        "ties",
        "split",
        "other_mode",
        "avg",
    )


def test_a_window_too_wide_carries_the_numbers_a_caption_needs():
    with pytest.raises(PoolingOptionError) as refusal:
        pool_geometry((5, 9), (2, 4), 1, (0, 1), (5, 3))
    error = refusal.value
    assert error.span == (6, 10) and error.limit == (5, 11)
    assert (error.in_shape, error.padding, error.dilation) == ((5, 9), (0, 1), (5, 3))
    assert error.kernel_shape == (2, 4)


def test_the_message_is_the_summary_then_the_hint():
    with pytest.raises(PoolingOptionError) as refusal:
        pool_geometry((28, 28), 3, padding=2)
    error = refusal.value
    assert str(error) == f"{error.summary}; {error.hint}"
    assert ";" not in error.summary and error.hint.startswith("PyTorch's rule")
    with pytest.raises(PoolingOptionError) as refusal:
        pool_geometry((28, 28), 3, padding=-1)
    assert str(refusal.value) == refusal.value.summary and refusal.value.hint == ""


def test_a_refusal_is_a_value_error_and_a_wrong_type_is_not_one():
    with pytest.raises(ValueError, match="stride must be positive"):
        pool_geometry((4, 4), 2, 0)
    with pytest.raises(TypeError) as refusal:
        pool_geometry((4, 4), 2, 1.5)
    assert not isinstance(refusal.value, PoolingOptionError)


def test_a_refusal_survives_pickling_with_its_fields():
    """An error raised in a worker process reaches the parent by pickling."""
    with pytest.raises(PoolingOptionError) as refusal:
        pool_geometry((5, 9), (2, 4), 1, 0, (5, 3))
    copy = pickle.loads(pickle.dumps(refusal.value))
    assert str(copy) == str(refusal.value)
    assert (copy.rule, copy.limit, copy.span, copy.in_shape) == (
        "window_fits",
        (5, 9),
        (6, 10),
        (5, 9),
    )


# --- a request: the options as given, checked on an input's size --------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_shape=0, stride=1),
        dict(kernel_shape=2, stride=(1, 0)),
        dict(kernel_shape=(1, 2, 3), stride=1),
        dict(kernel_shape=(3, 5), stride=1, padding=(1, 3)),
        dict(kernel_shape=4, stride=1, dilation=(1, 3)),
        dict(kernel_shape=2, stride=1, mode="min"),
    ],
)
def test_a_request_refuses_what_pool_forward_refuses_with_the_same_error(kwargs):
    with pytest.raises(PoolingOptionError) as expected:
        pool_forward(A, **kwargs)
    with pytest.raises(PoolingOptionError) as refusal:
        PoolRequest(**kwargs).check(A.shape[1:3])
    assert str(refusal.value) == str(expected.value)
    assert (refusal.value.parameter, refusal.value.rule, refusal.value.limit) == (
        expected.value.parameter,
        expected.value.rule,
        expected.value.limit,
    )


def test_a_request_refuses_ties_and_types_as_pool_backward_does():
    dA = np.zeros((2, 3, 3, 1))
    for kwargs in (dict(ties="any"), dict(mode="avg", ties="split")):
        with pytest.raises(PoolingOptionError) as expected:
            pool_backward(dA, A, 2, 2, **kwargs)
        with pytest.raises(PoolingOptionError) as refusal:
            PoolRequest(2, 2, **kwargs).check((6, 6))
        assert str(refusal.value) == str(expected.value)
    with pytest.raises(TypeError) as expected:
        pool_forward(A, 2.5, 2)
    with pytest.raises(TypeError) as refusal:
        PoolRequest(2.5, 2).check((6, 6))
    assert str(refusal.value) == str(expected.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(padding=5, ties="any"),
        dict(kernel_shape=9, mode="avg", ties="split"),
        dict(stride=0, ties="all", mode="avg"),
    ],
)
def test_a_request_with_two_faults_names_the_one_pool_backward_names(kwargs):
    options = dict(kernel_shape=2, stride=2) | kwargs
    with pytest.raises(PoolingOptionError) as expected:
        pool_backward(np.zeros((2, 3, 3, 1)), A, **options)
    with pytest.raises(PoolingOptionError) as refusal:
        PoolRequest(**options).check((6, 6))
    assert str(refusal.value) == str(expected.value)
    assert refusal.value.parameter == expected.value.parameter != "ties"


def test_a_request_gives_the_options_the_public_functions_use():
    options = dict(kernel_shape=(3, 2), stride=2, padding=1, dilation=(1, 2), ceil_mode=True)
    request = PoolRequest(**options, mode="avg")
    _, expected = prepare(A, **options, mode="avg")
    assert request.check((6, 6)) == expected
    dA = np.zeros((2, *expected.geometry.out_shape, 1))
    _, _, expected = prepare_backward(dA, A, ties="split", **options)
    assert PoolRequest(**options, ties="split").check((6, 6)) == expected
    # Unchecked but for their types: a picture writes refused options too.
    assert PoolRequest(9, 1, padding=(5, 0)).pairs() == ((9, 9), (1, 1), (5, 0), (1, 1))
