"""The network explorer shows what the network computed; it refuses what its sliders cannot."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import pool_backward
from pooling_lib.network_explorers import network_explorer
from pooling_lib.network_views import gradient_summary
from pooling_lib.nn import Conv2D, Flatten, Sequential, small_cnn
from pooling_lib.training import accuracy, trace

pytestmark = pytest.mark.usefixtures("one_blas_thread")

X = np.random.default_rng(0).random((4, 28, 28, 1))
Y = np.array([3, 1, 4, 1])


@pytest.fixture(scope="module")
def explorer():
    built = network_explorer(small_cnn(seed=0), X, Y, digit=1, layer=1, channel=2)
    yield built
    built.close()


def test_the_pictures_are_the_traced_maps_and_gradients(explorer):
    records = trace(explorer.model, X[1:2])
    explorer.ties.value = "first"
    before = explorer.view.before.get_array()
    assert np.array_equal(before, records[1]["output"][0, :, :, 2])
    assert np.array_equal(explorer.view.after.get_array(), records[2]["output"][0, :, :, 2])
    assert np.array_equal(explorer.view.d_after.get_array(), records[2]["d_output"][0, :, :, 2])
    assert np.array_equal(explorer.view.d_before.get_array(), records[2]["d_input"][0, :, :, 2])


def test_the_tie_rule_reroutes_the_same_gradient(explorer):
    explorer.digit.value = 0
    explorer.layer.value = 2
    record = trace(explorer.model, X[:1])[5]
    for ties in ("split", "all"):
        explorer.ties.value = ties
        expected = pool_backward(record["d_output"], record["input"], 2, 2, ties=ties)
        assert np.array_equal(explorer.view.d_before.get_array(), expected[0, :, :, 2])
    # 'all' hands on more than it received exactly when a tied maximum carries gradient.
    assert explorer.view.summary["total_out"] >= explorer.view.summary["total_in"]


def test_the_channel_slider_follows_the_layer(explorer):
    explorer.layer.value = 2
    assert explorer.channel.max == 15
    explorer.layer.value = 1
    assert explorer.channel.max == 7
    assert explorer.channel.value <= 7


def test_gradient_summary_counts_cells_and_totals():
    summary = gradient_summary(np.array([[2.0, -1.0]]), np.array([[2.0, 0, -1.0, -1.0]]))
    assert summary == {"cells": 3, "size": 4, "total_in": 3.0, "total_out": 4.0}


ERRORS = [
    (dict(model="net"), TypeError, r"model must be a pooling_lib.nn.Sequential, got str"),
    (dict(X=X), ValueError, r"X and y need a model"),
    (dict(model=small_cnn(seed=0)), ValueError, r"model needs X and y"),
    (dict(model=Sequential(Flatten())), ValueError, r"at least one Pool2D"),
    (dict(X=X[..., 0]), ValueError, r"X must have shape \(m, h, w, 1\) .*\(4, 28, 28\)"),
    (dict(y=Y[:2]), ValueError, r"y must hold one int label per digit of X, .*shape \(2,\)"),
    (dict(digit=4), ValueError, r"digit must be an integer from 0 to 3, got 4"),
    (dict(layer=3), ValueError, r"layer must be an integer from 1 to 2 \(the pooling layers"),
    (dict(channel=8), ValueError, r"channel must be an integer from 0 to 7 \(pooling layer 1"),
    (dict(ties="last"), ValueError, r"ties must be one of 'first', 'split', 'all', got 'last'"),
    (dict(digit=1.0), TypeError, r"digit must be an integer from 0 to 3, got 1.0"),
]


@pytest.mark.parametrize(("options", "error", "match"), ERRORS, ids=lambda value: None)
def test_bad_options_get_a_clear_error(options, error, match):
    arguments = {"model": small_cnn(seed=0), "X": X, "y": Y}
    if options.get("X") is X:  # X without a model
        arguments = {}
    if options.get("model") is not None and "X" not in options and len(options) == 1:
        arguments = {}  # a model without X and y
    arguments.update(options)
    with pytest.raises(error, match=match):
        network_explorer(**arguments)


def test_a_conv_only_network_is_refused_with_its_reason():
    with pytest.raises(ValueError, match="Pool2D"):
        network_explorer(Sequential(Conv2D(1, 2, 3), Flatten()), X, Y)


def test_without_a_model_the_explorer_trains_one_quickly_on_the_held_out_split():
    explorer = network_explorer()
    try:
        assert explorer.X.shape == (1000, 28, 28, 1)
        assert np.bincount(explorer.y).tolist() == [100] * 10
        # One epoch on 4,000 digits already classifies most held-out ones.
        assert accuracy(explorer.model, explorer.X[:300], explorer.y[:300]) > 0.9
    finally:
        explorer.close()
