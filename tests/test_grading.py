"""Grading: each part of a checker's cases passes or raises naming the mistake; fresh values."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import exercises, output_shape, pool_backward, pool_forward
from pooling_lib.exercises import (
    check_backward_max,
    check_forward_max,
    check_output_size,
    check_padding,
    grade,
)
from pooling_lib.exercises.cases import Given, Grid, drawn_afresh, numbered_upstream
from pooling_lib.exercises.grading import GradingFailure, part_of, parts

CHECKERS = [getattr(exercises, name) for name in exercises.__all__ if name.startswith("check_")]
FIXED_PARTS = [
    (checker, part.key) for checker in CHECKERS for part in parts(checker) if part.key != "random"
]


def broken(*args):
    raise RuntimeError("every case fails")


def padded(A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad):
    return pool_forward(
        A_prev,
        kernel_shape,
        stride,
        mode,
        padding=padding,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )


TRUTH = {
    check_output_size: lambda h, w, kernel_shape, stride: output_shape(h, w, kernel_shape, stride),
    check_forward_max: lambda A_prev, kernel_shape, stride: pool_forward(
        A_prev, kernel_shape, stride
    ),
    check_backward_max: pool_backward,
    check_padding: padded,
}


@pytest.mark.parametrize(
    ("checker", "key"), FIXED_PARTS, ids=[f"{c.__name__}-{k}" for c, k in FIXED_PARTS]
)
def test_every_part_holds_cases_of_its_own(checker, key, capsys):
    with pytest.raises(GradingFailure) as raised:
        grade(checker, broken, key)
    failure = raised.value
    assert failure.failed, "a part that finds no case could never fail"
    assert {part_of(checker, name).key for name in failure.failed} == {key}
    assert failure.exercise == checker.__name__ and failure.part.key == key
    assert capsys.readouterr().out == "", "the checker's report is not printed"


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_random_cases_wait_for_the_fixed_ones(checker):
    with pytest.raises(GradingFailure, match="random.*not run, because fixed cases fail"):
        grade(checker, broken, "random")


@pytest.mark.parametrize("checker", list(TRUTH), ids=lambda c: c.__name__)
def test_the_truth_passes_every_part(checker, capsys):
    for part in parts(checker):
        grade(checker, TRUTH[checker], part.key)
        assert capsys.readouterr().out == f"✓ {checker.__name__}, {part.title}: passes\n"


def backward_max(ties="first", accumulate=True):
    """Max backward by windows: ``ties='all'`` gives every tied maximum the gradient."""

    def backward(dA, A_prev, kernel_shape, stride):
        (kh, kw), (sh, sw) = kernel_shape, stride
        dA_prev = np.zeros(A_prev.shape)
        for n, i, j, ch in np.ndindex(dA.shape):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            window = A_prev[n, rows, cols, ch]
            mask = np.zeros(window.shape, dtype=bool)
            if ties == "all":
                mask = (window == window.max()) | np.isnan(window)
            else:
                mask.flat[np.argmax(window)] = True
            if accumulate:
                dA_prev[n, rows, cols, ch] += mask * dA[n, i, j, ch]
            else:
                dA_prev[n, rows, cols, ch] = mask * dA[n, i, j, ch]
        return dA_prev

    return backward


def failing_parts(checker, fn):
    failed = {}
    for part in parts(checker):
        try:
            grade(checker, fn, part.key)
        except GradingFailure as failure:
            failed[part.key] = str(failure)
    return failed


@pytest.mark.parametrize(
    ("fn", "failing", "words"),
    [
        (
            backward_max(accumulate=False),
            {"overlap", "overlap_ties", "random"},
            "`=` where `+=` is needed",
        ),
        (
            backward_max(ties="all"),
            {"ties", "overlap_ties", "random"},
            "every tied maximum got the full gradient",
        ),
    ],
    ids=["assign-not-add", "all-ties-win"],
)
def test_each_classic_mistake_of_the_max_backward_pass_costs_its_own_part(
    fn, failing, words, capsys
):
    assert not failing_parts(check_backward_max, backward_max())
    failed = failing_parts(check_backward_max, fn)
    assert set(failed) == failing
    (mistake,) = failing - {"overlap_ties", "random"}
    assert words in failed[mistake]


def test_an_off_by_one_output_size_fails_every_part():
    def steps(h, w, kernel_shape, stride):
        return (h - kernel_shape[0]) // stride[0], (w - kernel_shape[1]) // stride[1]

    failed = failing_parts(check_output_size, steps)
    assert set(failed) == {part.key for part in parts(check_output_size)}
    assert "off by one in the output size" in failed["basics"]


def test_zero_padding_for_max_fails_the_max_padding_part_only_among_the_padded():
    def zero_padded(A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad):
        (ph, pw) = padding
        canvas = np.pad(
            A_prev, ((0, 0), (ph, ph + kernel_shape[0]), (pw, pw + kernel_shape[1]), (0, 0))
        )
        right = padded(A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad)
        if mode == "avg":
            return right
        (kh, kw), (sh, sw) = kernel_shape, stride
        out = np.empty(right.shape)
        for i, j in np.ndindex(right.shape[1:3]):
            window = canvas[:, i * sh : i * sh + kh, j * sw : j * sw + kw]
            out[:, i, j] = window.max(axis=(1, 2))
        return out

    failed = failing_parts(check_padding, zero_padded)
    assert {"max_padding", "random"} <= set(failed) <= {"max_padding", "ceil", "random"}
    assert "pad max with -inf" in failed["max_padding"]


def test_an_answer_that_remembers_the_shown_cases_fails_grading(capsys):
    remembered = {}

    def recorder(dA, A_prev, kernel_shape, stride):
        answer = pool_backward(dA, A_prev, kernel_shape, stride)
        remembered[dA.tobytes(), A_prev.tobytes(), kernel_shape, stride] = answer
        return answer

    def remembers(dA, A_prev, kernel_shape, stride):
        return remembered[dA.tobytes(), A_prev.tobytes(), kernel_shape, stride]

    check_backward_max(recorder)
    result = check_backward_max(remembers)
    fixed = [name for name in result.failed if not name.startswith("random case")]
    assert fixed == [] and not result.passed, "the learner's fixed cases repeat, random ones not"
    for part in parts(check_backward_max):
        with pytest.raises(GradingFailure):
            grade(check_backward_max, remembers, part.key)


def test_fresh_values_keep_what_each_case_is_built_to_catch():
    ties = Given(((1, 5, 2, 0), (5, 3, 1, 2), (0, 0, 4, 4), (0, 0, 1, 4)))
    peak = Grid(5, 5, seed=11, put={(2, 2): 99.0, (0, 3): np.nan}, offset=-30.0)
    shown = ties(), peak(), numbered_upstream((1, 2, 3, 1))
    with drawn_afresh(12345):
        fresh = ties(), peak(), numbered_upstream((1, 2, 3, 1))
        again = ties(), peak(), numbered_upstream((1, 2, 3, 1))
    for before, after, repeat in zip(shown, fresh, again, strict=True):
        assert not np.array_equal(before, after, equal_nan=True)
        assert np.array_equal(after, repeat, equal_nan=True), "one seed, one draw"
    # Ties and zeros stay where they were; the scale is positive.
    assert np.array_equal(fresh[0] == 0, shown[0] == 0)
    assert np.array_equal(fresh[0] / fresh[0].max(), shown[0] / shown[0].max())
    # The planted peak and NaN stay; the rest is another order of the same values.
    assert fresh[1][0, 2, 2, 0] == 99.0 and np.isnan(fresh[1][0, 0, 3, 0])
    assert np.nanmax(np.delete(fresh[1].ravel(), [3, 12])) < 0
    assert sorted(fresh[2].ravel()) == sorted(shown[2].ravel())
    # Outside the block, the values the learner's report shows.
    assert np.array_equal(ties(), shown[0]) and np.array_equal(peak(), shown[1], equal_nan=True)


def test_a_seed_draws_the_same_cases_again():
    fn = backward_max(accumulate=False)
    with pytest.raises(GradingFailure) as first:
        grade(check_backward_max, fn, "overlap", seed=4242)
    with pytest.raises(GradingFailure) as second:
        grade("check_backward_max", fn, "overlap", seed=4242)
    assert str(first.value) == str(second.value)
    assert first.value.seed == 4242
    assert "grade(check_backward_max, fn, 'overlap', seed=4242)" in str(first.value)


def test_not_attempted_fails_every_part():
    def stub(*args):
        raise NotImplementedError

    for fn in (None, stub):
        with pytest.raises(GradingFailure, match="not attempted"):
            grade(check_forward_max, fn, "basics")


def test_unknown_checker_and_part_are_named():
    with pytest.raises(ValueError, match=r"checker must be one of .*got 'check_nothing'"):
        grade("check_nothing", pool_backward, "basics")
    with pytest.raises(ValueError, match=r"checker must be one of .*got <built-in function len>"):
        parts(len)
    with pytest.raises(ValueError, match=r"part must be one of \['basics'.*got 'nope'"):
        grade(check_backward_max, pool_backward, "nope")


def test_parts_are_named_once_and_worth_points():
    for checker in CHECKERS:
        table = parts(checker)
        assert len({part.key for part in table}) == len(table)
        assert table[-1].key == "random" and all(part.points >= 1 for part in table)
    assert part_of(check_backward_max, "non-overlapping windows (kernel 2, stride 2)").key == (
        "basics"
    )
    assert part_of(check_backward_max, "overlapping windows (kernel 3, stride 1)").key == (
        "overlap"
    )
