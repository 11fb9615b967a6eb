"""The fast pooling agrees with the loops, with calculus, and with the hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pooling_lib import max_pool_winners, pool_backward, pool_forward, pool_geometry, reference
from pooling_lib.gradcheck import numeric_gradient, rel_error, tie_free
from tests.strategies import (
    arrays_with_ties,
    assert_bits_equal,
    has_padding_only_window,
    pooling_cases,
    upstream_gradient,
)

# -- fast == loops ------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(case=pooling_cases(), data=st.data(), ties=st.sampled_from(["first", "all", "split"]))
def test_fast_matches_reference(case, data, ties):
    shape, options, _ = case
    ties = ties if options["mode"] == "max" else "first"  # avg refuses a tie policy
    A_prev = data.draw(arrays_with_ties(shape, nan=data.draw(st.booleans())))
    fast = pool_forward(A_prev, **options)
    assert_bits_equal(fast, reference.pool_forward(A_prev, **options), "forward")
    dA = upstream_gradient(data, fast.shape)
    assert_bits_equal(
        pool_backward(dA, A_prev, ties=ties, **options),
        reference.pool_backward(dA, A_prev, ties=ties, **options),
        "backward",
    )


@settings(max_examples=100, deadline=None)
@given(case=pooling_cases(max_side=6), data=st.data())
def test_inputs_are_never_modified(case, data):
    shape, options, geometry = case
    A_prev = data.draw(arrays_with_ties(shape, nan=True))
    dA = np.ones((shape[0], *geometry.out_shape, shape[3]))
    saved_A, saved_dA = A_prev.copy(), dA.copy()
    for module in (reference, None):
        forward = module.pool_forward if module else pool_forward
        backward = module.pool_backward if module else pool_backward
        forward(A_prev, **options)
        for ties in ("first", "all", "split") if options["mode"] == "max" else ("first",):
            backward(dA, A_prev, ties=ties, **options)
    np.testing.assert_array_equal(A_prev, saved_A)
    np.testing.assert_array_equal(dA, saved_dA)


# -- calculus -----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(case=pooling_cases(max_side=6))
def test_backward_matches_numeric_gradient_on_tie_free_inputs(case):
    shape, options, geometry = case
    # A window of padding alone outputs -inf whatever the input: no gradient to check.
    assume(options["mode"] == "avg" or not has_padding_only_window(geometry))
    A_prev = tie_free(shape, seed=1)
    dA = np.random.default_rng(3).standard_normal((shape[0], *geometry.out_shape, shape[3]))
    numeric = numeric_gradient(lambda x: pool_forward(x, **options), A_prev, dA)
    analytic = pool_backward(dA, A_prev, **options)
    assert rel_error(analytic, numeric) < 1e-7


@settings(max_examples=100, deadline=None)
@given(case=pooling_cases(modes=("avg",)), data=st.data())
def test_avg_backward_is_the_adjoint_of_avg_forward(case, data):
    """<forward(x), g> == <x, backward(g)>: average pooling is linear, backward is its transpose."""
    shape, options, geometry = case
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    x = rng.standard_normal(shape)
    g = rng.standard_normal((shape[0], *geometry.out_shape, shape[3]))
    lhs = np.sum(pool_forward(x, **options) * g)
    rhs = np.sum(x * pool_backward(g, x, **options))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


# -- where max gradients go ---------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(case=pooling_cases(modes=("max",)), data=st.data())
def test_first_rule_sends_each_window_to_one_maximum(case, data):
    shape, options, geometry = case
    assume(not has_padding_only_window(geometry))
    A_prev = data.draw(arrays_with_ties(shape))
    out = pool_forward(A_prev, **options)
    n, i, j, ch = (data.draw(st.integers(0, size - 1)) for size in out.shape)
    dA = np.zeros(out.shape)
    dA[n, i, j, ch] = 1.0
    grad = pool_backward(dA, A_prev, **options)
    hits = np.argwhere(grad != 0)
    assert len(hits) == 1, "exactly one input cell takes a window's gradient"
    n_hit, row, col, ch_hit = hits[0]
    assert n_hit == n and ch_hit == ch
    assert row in geometry.window_positions(0)[i] and col in geometry.window_positions(1)[j]
    assert A_prev[n, row, col, ch] == out[n, i, j, ch]


@settings(max_examples=100, deadline=None)
@given(case=pooling_cases(modes=("max",)), data=st.data())
def test_gradient_totals_per_tie_rule(case, data):
    """'first' and 'split' pass on exactly what comes in; 'all' passes on at least that."""
    shape, options, geometry = case
    assume(not has_padding_only_window(geometry))
    A_prev = data.draw(arrays_with_ties(shape))
    dA = np.ones((shape[0], *geometry.out_shape, shape[3]))
    assert pool_backward(dA, A_prev, ties="first", **options).sum() == pytest.approx(dA.sum())
    assert pool_backward(dA, A_prev, ties="split", **options).sum() == pytest.approx(dA.sum())
    assert pool_backward(dA, A_prev, ties="all", **options).sum() >= dA.sum()


def grid(rows):
    """A (1, h, w, 1) batch from a list of rows: one grey image."""
    return np.array(rows, dtype=float)[None, :, :, None]


def test_tie_rules_on_a_black_background():
    """An all-zero 2x2 window, like most of an MNIST digit's background."""
    A_prev = grid([[0, 0, 5, 1], [0, 0, 5, 5]])
    dA = grid([[8, 4]])
    first = pool_backward(dA, A_prev, 2, 2, ties="first")[0, :, :, 0]
    np.testing.assert_array_equal(first, [[8, 0, 4, 0], [0, 0, 0, 0]])
    every = pool_backward(dA, A_prev, 2, 2, ties="all")[0, :, :, 0]
    np.testing.assert_array_equal(every, [[8, 8, 4, 0], [8, 8, 4, 4]])
    split = pool_backward(dA, A_prev, 2, 2, ties="split")[0, :, :, 0]
    np.testing.assert_allclose(split, [[2, 2, 4 / 3, 0], [2, 2, 4 / 3, 4 / 3]])


def test_overlapping_windows_add_their_gradients():
    """Kernel 2, stride 1: the centre 9 wins all four windows and collects all four gradients."""
    A_prev = grid([[1, 2, 1], [2, 9, 2], [1, 2, 1]])
    dA = grid([[1, 10], [100, 1000]])
    grad = pool_backward(dA, A_prev, 2, 1)[0, :, :, 0]
    np.testing.assert_array_equal(grad, [[0, 0, 0], [0, 1111, 0], [0, 0, 0]])
    avg = pool_backward(dA, A_prev, 2, 1, mode="avg")[0, :, :, 0]
    np.testing.assert_allclose(
        avg, np.array([[1, 11, 10], [101, 1111, 1010], [100, 1100, 1000]]) / 4
    )


def test_nan_wins_and_the_last_nan_takes_the_gradient():
    A_prev = grid([[1, np.nan, 7, np.nan, 3, 9]])
    out = pool_forward(A_prev, (1, 6))
    assert np.isnan(out).all()
    grad = pool_backward(np.ones_like(out), A_prev, (1, 6))[0, 0, :, 0]
    np.testing.assert_array_equal(grad, [0, 0, 0, 1, 0, 0])
    split = pool_backward(np.ones_like(out), A_prev, (1, 6), ties="split")[0, 0, :, 0]
    np.testing.assert_array_equal(split, [0, 0.5, 0, 0.5, 0, 0])


def test_all_minus_infinity_windows_send_gradient_to_their_first_input_cell():
    """Padding never wins, even against -inf: the first cell inside the input does."""
    A_prev = np.full((1, 2, 2, 1), -np.inf)
    out = pool_forward(A_prev, 2, 1, padding=1)
    assert np.all(out == -np.inf)
    grad = pool_backward(np.ones_like(out), A_prev, 2, 1, padding=1)[0, :, :, 0]
    np.testing.assert_array_equal(grad, [[4, 2], [2, 1]])


def test_max_padding_never_beats_negative_inputs():
    A_prev = -grid([[1, 2], [3, 4]])
    out = pool_forward(A_prev, 2, 2, padding=1)[0, :, :, 0]
    np.testing.assert_array_equal(out, [[-1, -2], [-3, -4]])


@pytest.mark.parametrize("module", [reference, None], ids=["loops", "fast"])
def test_a_window_of_padding_alone(module):
    """With dilation a window can miss the input entirely: max gives -inf, avg 0, no gradient."""
    forward = module.pool_forward if module else pool_forward
    backward = module.pool_backward if module else pool_backward
    A_prev = grid([[5.0]])
    options = dict(kernel_shape=2, stride=1, padding=1, dilation=2)
    assert pool_geometry((1, 1), 2, 1, 1, 2).out_shape == (1, 1)
    assert forward(A_prev, **options)[0, 0, 0, 0] == -np.inf
    assert backward(np.ones((1, 1, 1, 1)), A_prev, **options)[0, 0, 0, 0] == 0
    for ties in ("all", "split"):
        assert backward(np.ones((1, 1, 1, 1)), A_prev, ties=ties, **options).sum() == 0
    avg = dict(options, mode="avg", count_include_pad=False)
    assert forward(A_prev, **avg)[0, 0, 0, 0] == 0
    assert backward(np.ones((1, 1, 1, 1)), A_prev, **avg)[0, 0, 0, 0] == 0


# -- averages: divisors -------------------------------------------------------


def test_ceil_mode_overhang_never_counts_but_padding_may():
    A_prev = grid([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    plain = pool_forward(A_prev, 2, 2, mode="avg", ceil_mode=True)[0, :, :, 0]
    np.testing.assert_allclose(plain, [[3, 4.5], [7.5, 9]])
    padded = pool_forward(A_prev, 2, 2, mode="avg", padding=1)[0, :, :, 0]
    np.testing.assert_allclose(padded, [[1 / 4, 5 / 4], [11 / 4, 28 / 4]])
    excluded = pool_forward(A_prev, 2, 2, mode="avg", padding=1, count_include_pad=False)
    np.testing.assert_allclose(excluded[0, :, :, 0], [[1, 2.5], [5.5, 7]])
    fixed = pool_forward(A_prev, 2, 2, mode="avg", padding=1, divisor_override=2)
    np.testing.assert_allclose(fixed[0, :, :, 0], [[0.5, 2.5], [5.5, 14]])


# -- dtypes and array-likes ---------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_floating_inputs_keep_their_dtype(dtype, mode):
    A_prev = np.arange(16, dtype=dtype).reshape(1, 4, 4, 1)
    out = pool_forward(A_prev, 2, 2, mode)
    assert out.dtype == dtype
    assert pool_backward(np.ones_like(out), A_prev, 2, 2, mode).dtype == dtype


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64, bool])
def test_integer_and_bool_inputs_become_float64(dtype):
    A_prev = (np.arange(16).reshape(1, 4, 4, 1) % 3).astype(dtype)
    out = pool_forward(A_prev, 2, 2, "avg")
    assert out.dtype == np.float64
    expected = pool_forward(A_prev.astype(np.float64), 2, 2, "avg")
    np.testing.assert_array_equal(out, expected)
    assert pool_backward(np.ones((1, 2, 2, 1), dtype=int), A_prev, 2, 2).dtype == np.float64


def test_gradient_takes_the_wider_dtype():
    A_prev = np.zeros((1, 2, 2, 1), dtype=np.float32)
    assert pool_backward(np.ones((1, 1, 1, 1)), A_prev, 2).dtype == np.float64


def test_nested_lists_are_accepted():
    rows = [[[[1], [2]], [[3], [4]]]]
    assert pool_forward(rows, 2).tolist() == [[[[4.0]]]]
    assert pool_backward([[[[1.0]]]], rows, 2).tolist() == [[[[0.0], [0.0]], [[0.0], [1.0]]]]


def test_empty_batch_and_channels():
    assert pool_forward(np.zeros((0, 4, 4, 2)), 2, 2).shape == (0, 2, 2, 2)
    with pytest.raises(ValueError, match=r"A_prev must have at least one channel"):
        pool_forward(np.zeros((3, 4, 4, 0)), 2, 2)
    assert pool_backward(np.zeros((0, 2, 2, 2)), np.zeros((0, 4, 4, 2)), 2, 2).shape == (0, 4, 4, 2)


def test_large_batches_are_processed_in_chunks_with_the_same_result():
    rng = np.random.default_rng(5)
    A_prev = rng.integers(0, 3, size=(700, 9, 9, 2)).astype(float)
    out = pool_forward(A_prev, 3, 2, padding=1)
    dA = rng.standard_normal(out.shape)
    for n in (0, 350, 699):
        one = A_prev[n : n + 1]
        np.testing.assert_array_equal(out[n : n + 1], reference.pool_forward(one, 3, 2, padding=1))
        np.testing.assert_allclose(
            pool_backward(dA, A_prev, 3, 2, padding=1)[n : n + 1],
            reference.pool_backward(dA[n : n + 1], one, 3, 2, padding=1),
        )


def test_many_channels_round_trip_through_planes():
    """More than a few channels take the transposing copy back from planes."""
    rng = np.random.default_rng(6)
    A_prev = rng.standard_normal((3, 7, 6, 11))
    out = pool_forward(A_prev, 3, 2, padding=1)
    np.testing.assert_array_equal(out, reference.pool_forward(A_prev, 3, 2, padding=1))
    dA = rng.standard_normal(out.shape)
    np.testing.assert_allclose(
        pool_backward(dA, A_prev, 3, 2, padding=1),
        reference.pool_backward(dA, A_prev, 3, 2, padding=1),
    )


@settings(max_examples=150, deadline=None)
@given(case=pooling_cases(modes=("max",)), data=st.data())
def test_winners_match_the_loops_and_the_gradient_routing(case, data):
    shape, options, geometry = case
    del options["mode"]
    A_prev = data.draw(arrays_with_ties(shape, nan=data.draw(st.booleans())))
    rows, cols = max_pool_winners(A_prev, **options)
    loop_rows, loop_cols = reference.max_pool_winners(A_prev, **options)
    np.testing.assert_array_equal(rows, loop_rows)
    np.testing.assert_array_equal(cols, loop_cols)
    # Every window with a winner sends its whole gradient to that cell, and no other.
    dA = np.ones((shape[0], *geometry.out_shape, shape[3]))
    expected = np.zeros(shape)
    for n, i, j, ch in np.argwhere(rows >= 0):
        expected[n, rows[n, i, j, ch], cols[n, i, j, ch], ch] += 1
    np.testing.assert_array_equal(pool_backward(dA, A_prev, **options), expected)
    assert np.all((rows < 0) == (cols < 0))
