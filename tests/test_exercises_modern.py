"""Notebook 10's checkers pass the truth and catch each classic mistake, as a learner writes it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pooling_lib import exercises, max_unpool, pool_forward
from pooling_lib.adaptive import MAX_SCALE, adaptive_bounds
from pooling_lib.modern_layers import MaxBlurPool2D, blur_pool_forward


def run(checker, fn, capsys):
    result = checker(fn)
    return result, " ".join(capsys.readouterr().out.split())


def loop_bounds(start_rule, stop_rule):
    def bounds(n, n_out):
        starts = [start_rule(i * n, n_out) for i in range(n_out)]
        stops = [stop_rule((i + 1) * n, n_out) for i in range(n_out)]
        return starts, stops

    return bounds


def floor_div(a, b):
    return a // b


def ceil_div(a, b):
    return -(-a // b)


def test_adaptive_bounds_passes_the_truth(capsys):
    result, out = run(exercises.check_adaptive_bounds, adaptive_bounds, capsys)
    assert result and "All 9 cases pass" in out
    result, _ = run(exercises.check_adaptive_bounds, loop_bounds(floor_div, ceil_div), capsys)
    assert result
    as_math = loop_bounds(lambda a, b: math.floor(a / b), lambda a, b: math.ceil(a / b))
    assert run(exercises.check_adaptive_bounds, as_math, capsys)[0]


@pytest.mark.parametrize(
    "fn, hint",
    [
        (loop_bounds(floor_div, floor_div), "rounded down at both ends"),
        (loop_bounds(ceil_div, ceil_div), "round the start down"),
        (
            lambda n, k: ([i * (n // k) for i in range(k)], [(i + 1) * (n // k) for i in range(k)]),
            "equal windows of n // n_out cells",
        ),
        (loop_bounds(floor_div, lambda a, b: ceil_div(a, b) - 1), "one past the last cell"),
        (loop_bounds(lambda a, b: round(a / b), lambda a, b: round(a / b)), "round() sends halves"),
        (lambda n, k: adaptive_bounds(n, k)[0], "return a pair (starts, stops)"),
        (lambda n, k: (list(range(k + 1)), list(range(1, k + 2))), "starts and stops each hold"),
    ],
)
def test_adaptive_bounds_catches(fn, hint, capsys):
    result, out = run(exercises.check_adaptive_bounds, fn, capsys)
    assert not result
    assert hint in out


def loop_unpool(A, indices, output_shape, write="=", decode=None):
    """A learner-style unpooling; ``write`` and ``decode`` plant the classic mistakes."""
    h, w = output_shape
    decode = decode or (lambda k: (k // w, k % w))
    out = np.zeros((A.shape[0], h, w, A.shape[3]))
    m, h_out, w_out, c = A.shape
    for n in range(m):
        for i in range(h_out):
            for j in range(w_out):
                for ch in range(c):
                    row, col = decode(int(indices[n, i, j, ch]))
                    if write == "+=":
                        out[n, row, col, ch] += A[n, i, j, ch]
                    elif write == "first" and out[n, row, col, ch] != 0:
                        continue
                    else:
                        out[n, row, col, ch] = A[n, i, j, ch]
    return out


def test_max_unpool_passes_the_truth(capsys):
    assert run(exercises.check_max_unpool, max_unpool, capsys)[0]
    assert run(exercises.check_max_unpool, loop_unpool, capsys)[0]


def nearest(A, indices, shape):
    return np.repeat(np.repeat(A, shape[0] // A.shape[1], 1), shape[1] // A.shape[2], 2)


def channels_first(A, indices, shape):
    out = max_unpool(A, indices, shape)
    return out.transpose(0, 3, 1, 2)


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda A, idx, s: loop_unpool(A, idx, s, write="+="),
            "overlapping windows share a winner",
            "you added their values (+=)",
        ),
        (
            lambda A, idx, s: loop_unpool(A, idx, s, write="first"),
            "two values sent to one cell",
            "the first value stayed",
        ),
        (
            lambda A, idx, s: loop_unpool(A, idx, s, decode=lambda k: (k % s[0], k // s[0])),
            "the article's 2 x 2 windows",
            "row and column are swapped",
        ),
        (nearest, "the article's 2 x 2 windows", "nearest-neighbour upsampling"),
        (channels_first, "the article's 2 x 2 windows", "the channels came first"),
    ],
)
def test_max_unpool_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_max_unpool, fn, capsys)
    assert not result
    assert f"First failing case: {failing_case}" in out
    assert hint in out


def test_global_avg_pool_passes_the_truth(capsys):
    assert run(exercises.check_global_avg_pool, lambda A: A.mean(axis=(1, 2)), capsys)[0]

    def loops(A_prev):
        m, h, w, c = A_prev.shape
        out = np.zeros((m, c))
        for n in range(m):
            for ch in range(c):
                out[n, ch] = A_prev[n, :, :, ch].sum() / (h * w)
        return out

    assert run(exercises.check_global_avg_pool, loops, capsys)[0]


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (lambda A: A.sum(axis=(1, 2)), "one example, two channels", "these are the sums"),
        (lambda A: A.max(axis=(1, 2)), "one example, two channels", "global max pooling"),
        (
            lambda A: A.mean(axis=(1, 2), keepdims=True),
            "one example, two channels",
            "kept the pooled axes",
        ),
        (
            lambda A: A.mean(axis=(2, 3)),
            "one example, two channels",
            "averaged over the wrong axes",
        ),
        (
            lambda A: A.mean(axis=(1, 2, 3)),
            "one example, two channels",
            "channels were averaged together",
        ),
        (
            lambda A: np.broadcast_to(A.mean(axis=(1, 2, 3))[:, None], (A.shape[0], A.shape[3])),
            "one example, two channels",
            "channels were averaged together",
        ),
        (
            lambda A: np.broadcast_to(A.mean(axis=(0, 1, 2)), (A.shape[0], A.shape[3])),
            "several examples and channels",
            "examples were averaged together",
        ),
        (
            lambda A: A.mean(axis=(0, 1, 2)),
            "one example, two channels",
            "examples were averaged together",
        ),
        (lambda A: A.mean(axis=(1, 2)).astype(int), "one example, two channels", "dtype int"),
    ],
)
def test_global_avg_pool_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_global_avg_pool, fn, capsys)
    assert not result
    assert f"First failing case: {failing_case}" in out
    assert hint in out


@pytest.mark.parametrize(
    "checker",
    [
        exercises.check_adaptive_bounds,
        exercises.check_max_unpool,
        exercises.check_global_avg_pool,
        exercises.check_max_blur_pool,
    ],
)
def test_stubs_are_not_attempted(checker, capsys):
    def stub(*args):
        raise NotImplementedError

    result, out = run(checker, stub, capsys)
    assert not result and not result.attempted and "not attempted yet" in out


def test_random_bounds_cases_stay_within_the_sizes_adaptive_pooling_allows():
    """One cell into 40 windows would be past MAX_SCALE, which the true answer refuses."""
    from pooling_lib.exercises.modern import _draw_bounds

    rng = np.random.default_rng(0)
    drawn = [_draw_bounds(rng).args for _ in range(2000)]
    assert all(n_out <= MAX_SCALE * n for n, n_out in drawn)
    assert max(n_out for n, n_out in drawn if n == 1) == MAX_SCALE


def max_blur_loops(A_prev):
    """Max-blur pooling as a learner writes it: dense max, pad, blur with stride 2."""
    dense = pool_forward(A_prev, 2, 1)
    m, h, w, c = dense.shape
    padded = np.zeros((m, h + 2, w + 2, c))
    padded[:, 1:-1, 1:-1] = dense
    row = np.array([1.0, 2.0, 1.0])
    kernel = np.outer(row, row) / 16
    h_out, w_out = (h - 1) // 2 + 1, (w - 1) // 2 + 1
    out = np.zeros((m, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            window = padded[:, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
            out[:, i, j] = np.einsum("mhwc,hw->mc", window, kernel)
    return out


def test_max_blur_pool_passes_the_truth(capsys):
    assert run(exercises.check_max_blur_pool, lambda A: MaxBlurPool2D().forward(A), capsys)[0]
    assert run(exercises.check_max_blur_pool, max_blur_loops, capsys)[0]


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (lambda A: pool_forward(A, 2, 2), "one example, a 4 x 4 map", "plain 2 x 2 max pooling"),
        (
            lambda A: pool_forward(A, 2, 1)[:, ::2, ::2],
            "one example, a 4 x 4 map",
            "the dense max was subsampled without the blur",
        ),
        (
            lambda A: blur_pool_forward(pool_forward(A, 2, 2), 1),
            "one example, a 4 x 4 map",
            "the max already subsampled",
        ),
        (
            lambda A: pool_forward(blur_pool_forward(A, 1), 2, 2),
            "one example, a 4 x 4 map",
            "the blur came before the max",
        ),
        (lambda A: 16 * max_blur_loops(A), "one example, a 4 x 4 map", "16 times too large"),
        (
            lambda A: blur_pool_forward(pool_forward(A, 2, 1), 1),
            "one example, a 4 x 4 map",
            "the blur kept every position: it must also subsample",
        ),
        (lambda A: pool_forward(A, 2, 1), "one example, a 4 x 4 map", "the size of the dense max"),
        (
            lambda A: max_blur_loops(A)[:, :, :, :1],
            "several examples and channels",
            "keep every channel: the output has the input's c = 3 channels",
        ),
        (
            lambda A: max_blur_loops(np.maximum(A, 0)),
            "negative values",
            "max with stride 1 (2 x 2 windows), then pad",
        ),
        (lambda A: max_blur_loops(A).astype(int), "one example, a 4 x 4 map", "dtype int"),
    ],
)
def test_max_blur_pool_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_max_blur_pool, fn, capsys)
    assert not result
    assert f"First failing case: {failing_case}" in out
    assert hint in out


def test_max_blur_pool_names_a_blur_that_skips_the_border(capsys):
    def unpadded_blur(A_prev):
        dense = pool_forward(A_prev, 2, 1)
        m, h, w, c = dense.shape
        kernel = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16
        h_out, w_out = (h - 3) // 2 + 1, (w - 3) // 2 + 1
        out = np.zeros((m, h_out, w_out, c))
        for i in range(h_out):
            for j in range(w_out):
                window = dense[:, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
                out[:, i, j] = np.einsum("mhwc,hw->mc", window, kernel)
        return out

    result, out = run(exercises.check_max_blur_pool, unpadded_blur, capsys)
    assert not result
    assert "First failing case: one example, a 4 x 4 map" in out
    assert "shape (1, 1, 1, 1), expected (1, 2, 2, 1)" in out
    assert "the blur skipped the border" in out
