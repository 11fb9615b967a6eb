"""Tests for pooling_lib.exercises against code that misbehaves rather than miscomputes.

Learner-style functions that loop for ever, sleep, call ``sys.exit()``,
``exit()`` or ``quit()``, return endless or hostile objects, or remember the
cases they were shown: every checker reports them as failed cases, returns,
and leaves no timer armed, no handler replaced and no thread running. Only
``KeyboardInterrupt`` gets through.

Time is asserted only as a hang guard, far above the limits set here.
"""

import builtins
import itertools
import math
import signal
import sys
import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from pooling_lib import (
    exercises,
    nn,
    output_shape,
    pool_backward,
    pool_forward,
    pool_geometry,
)
from pooling_lib.adaptive import adaptive_bounds, max_unpool
from pooling_lib.gradcheck import numeric_gradient, tie_free
from pooling_lib.modern_layers import MaxBlurPool2D

HANG_GUARD = 30.0  # seconds; the limits below are well under one

CHECKERS = [getattr(exercises, name) for name in exercises.__all__ if name.startswith("check_")]


def run(checker, fn, capsys, **options):
    """Run ``checker(fn, **options)``; return its result and its output, whitespace collapsed."""
    result = checker(fn, **options)
    return result, " ".join(capsys.readouterr().out.split())


def same_padding(n, k, s):
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def canvas_by_library(A, k, s, mode, p, ceil_mode):
    """The empty output and a canvas as large as the last window reaches, from the geometry."""
    geometry = pool_geometry(A.shape[1:3], k, s, p, 1, ceil_mode)
    reach = [int(geometry.window_positions(axis)[-1, -1]) + p[axis] + 1 for axis in (0, 1)]
    rows, cols = (max(r, p[a] + A.shape[1 + a]) for a, r in enumerate(reach))
    canvas = np.full((A.shape[0], rows, cols, A.shape[3]), -np.inf if mode == "max" else 0.0)
    canvas[:, p[0] : p[0] + A.shape[1], p[1] : p[1] + A.shape[2]] = A
    return np.empty((A.shape[0], *geometry.out_shape, A.shape[3])), canvas


# A right answer for every checker, written with the library.
RIGHT = {
    "check_output_size": output_shape,
    "check_output_size_full": lambda n, k, s, p, d, c: pool_geometry(
        (n, 1), (k, 1), (s, 1), (p, 0), (d, 1), c
    ).out_shape[0],
    "check_forward_max": lambda A, k, s: pool_forward(A, k, s),
    "check_forward_avg": lambda A, k, s: pool_forward(A, k, s, "avg"),
    "check_backward_max": lambda d, A, k, s: pool_backward(d, A, k, s),
    "check_backward_avg": lambda d, A, k, s: pool_backward(d, A, k, s, "avg"),
    "check_padding": lambda A, k, s, mode, p, c, cip: pool_forward(
        A, k, s, mode, padding=p, ceil_mode=c, count_include_pad=cip
    ),
    "check_canvas": lambda A, k, s, mode, p, c: canvas_by_library(A, k, s, mode, p, c),
    "check_same_padding": same_padding,
    "check_numeric_gradient": numeric_gradient,
    "check_tie_free": tie_free,
    "check_adjoint_test": lambda f, b, x, g: (np.sum(f(x) * g), np.sum(x * b(g))),
    "check_adaptive_bounds": adaptive_bounds,
    "check_max_unpool": max_unpool,
    "check_global_avg_pool": lambda A: A.mean(axis=(1, 2)),
    "check_max_blur_pool": lambda A: MaxBlurPool2D().forward(A, train=False),
    "check_pool_layer": nn.Pool2D,
    "check_flatten_layer": nn.Flatten,
}
# These checkers take a class and build a fresh layer from it for every case.
LAYER_CHECKERS = ("check_pool_layer", "check_flatten_layer")


def by_name(checker):
    return checker.__name__


@pytest.fixture
def untouched():
    """Assert that a test leaves SIGALRM, the interval timer, exit/quit and the threads as found."""
    handler = signal.getsignal(signal.SIGALRM)
    delay, interval = signal.getitimer(signal.ITIMER_REAL)  # pytest-timeout's, if it runs
    exits = builtins.exit, builtins.quit
    threads = threading.active_count()
    yield
    assert signal.getsignal(signal.SIGALRM) is handler
    left, interval_after = signal.getitimer(signal.ITIMER_REAL)
    assert interval_after == interval
    assert left == 0 if delay == 0 else 0 < left <= delay
    assert (builtins.exit, builtins.quit) == exits
    assert threading.active_count() == threads


def loops_for_ever(*args):
    while True:
        pass


def sleeps(*args):
    time.sleep(1000)


def loops_catching_exceptions(*args):
    total = 0
    while True:
        try:
            total += 1
        except Exception:
            pass


# ---------------------------------------------------------------------------
# Time limits


@pytest.mark.parametrize("fn", [loops_for_ever, sleeps, loops_catching_exceptions])
def test_a_function_that_never_returns_is_stopped_and_reported(fn, capsys, untouched):
    started = time.monotonic()
    result, out = run(exercises.check_forward_max, fn, capsys, time_limit=0.3)
    assert time.monotonic() - started < HANG_GUARD
    assert not result and result.attempted
    assert result.failed[0] == "one window (2 x 2 input, kernel 2, stride 2)"
    assert (
        "your function did not finish in 0.3 s on case 'one window (2 x 2 input, kernel 2, "
        "stride 2)': look for a loop that never ends"
    ) in out
    assert "✗ non-overlapping windows (kernel 2, stride 2), the article's setting: not run" in out
    assert "1 of 9 cases fail, 8 not run." in out
    assert len(result.failed) == 9


@pytest.mark.parametrize("checker", CHECKERS, ids=by_name)
def test_every_checker_has_a_time_limit(checker, capsys, untouched):
    started = time.monotonic()
    result, out = run(checker, loops_for_ever, capsys, time_limit=0.2)
    assert time.monotonic() - started < HANG_GUARD
    assert not result and result.attempted
    assert "did not finish in 0.2 s" in out


def test_the_module_setting_is_the_default(capsys, monkeypatch, untouched):
    monkeypatch.setattr(exercises, "TIME_LIMIT", 0.25)
    _, out = run(exercises.check_backward_avg, sleeps, capsys)
    assert "did not finish in 0.25 s" in out


def test_a_function_that_catches_the_stop_and_returns_is_still_late(capsys, untouched):
    def returns_after_the_stop(A_prev, kernel_shape, stride):
        try:
            time.sleep(1000)
        except BaseException:
            pass
        return pool_forward(A_prev, kernel_shape, stride)

    result, out = run(exercises.check_forward_max, returns_after_the_stop, capsys, time_limit=0.2)
    assert not result
    assert "did not finish in 0.2 s" in out


def test_a_slow_right_answer_passes_without_a_limit(capsys, untouched):
    def slow(A_prev, kernel_shape, stride):
        time.sleep(0.01)
        return pool_forward(A_prev, kernel_shape, stride)

    result, _ = run(exercises.check_forward_max, slow, capsys, time_limit=math.inf)
    assert result


def test_reading_an_answer_that_never_ends_is_stopped(capsys, untouched):
    class Endless:
        def __array__(self, *args, **kwargs):
            while True:
                pass

    result, out = run(exercises.check_forward_avg, lambda *args: Endless(), capsys, time_limit=0.2)
    assert not result
    assert "the checker could not read your answer in 0.2 s" in out


def test_the_previous_alarm_handler_and_timer_are_put_back(capsys):
    rang = []

    def handler(signum, frame):
        rang.append(signum)

    previous = signal.signal(signal.SIGALRM, handler)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        run(exercises.check_forward_max, loops_for_ever, capsys, time_limit=0.2)
        assert signal.getsignal(signal.SIGALRM) is handler
        left, interval = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 100.0 and interval == 0
        assert rang == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, *previous_timer)
        signal.signal(signal.SIGALRM, previous)


def in_a_thread(work):
    """Run ``work()`` in another thread; return what it returned, or raise what it raised."""
    box = {}

    def target():
        try:
            box["value"] = work()
        except BaseException as error:  # handed to the test's thread below
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the checker did not return"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_outside_the_main_thread_a_loop_is_stopped(capsys, untouched):
    def check_then_keep_running():
        result = exercises.check_forward_max(loops_for_ever, time_limit=0.2)
        # Python code running after the checker must not be hit by a late stop.
        for _ in range(200_000):
            pass
        time.sleep(0.2)
        return result

    result = in_a_thread(check_then_keep_running)
    assert not result
    assert "did not finish in 0.2 s" in capsys.readouterr().out


def test_outside_the_main_thread_a_late_return_is_reported(capsys, untouched):
    def late(*args):
        time.sleep(0.5)

    result = in_a_thread(lambda: exercises.check_forward_max(late, time_limit=0.1))
    assert not result
    assert "did not finish in 0.1 s" in capsys.readouterr().out


def test_without_alarms_the_watchdog_stops_a_loop(capsys, monkeypatch, untouched):
    # As on Windows: no interval timer, so the checker falls back on its trace-based limit.
    monkeypatch.delattr(signal, "setitimer")
    result, out = run(exercises.check_padding, loops_catching_exceptions, capsys, time_limit=0.2)
    assert not result
    assert "did not finish in 0.2 s" in out


@pytest.mark.parametrize(
    "time_limit, error, message",
    [
        (0, ValueError, "time_limit must be positive, got 0"),
        (-1.5, ValueError, "time_limit must be positive, got -1.5"),
        (float("nan"), ValueError, "time_limit must be positive, got nan"),
        ("10", TypeError, "time_limit must be a number of seconds, got '10'"),
        (True, TypeError, "time_limit must be a number of seconds, got True"),
    ],
)
def test_a_bad_time_limit_is_refused(time_limit, error, message):
    with pytest.raises(error, match=message):
        exercises.check_forward_max(RIGHT["check_forward_max"], time_limit=time_limit)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be an int, 0 or more, got "):
        exercises.check_forward_max(RIGHT["check_forward_max"], seed=seed)


# ---------------------------------------------------------------------------
# Exits and other BaseExceptions


def calls_sys_exit(*args):
    sys.exit()


def calls_exit(*args):
    exit()  # noqa: PLR1722 - the learner's mistake under test


def calls_quit(*args):
    quit()  # noqa: PLR1722 - the learner's mistake under test


def raises_system_exit_0(*args):
    raise SystemExit(0)


@pytest.mark.parametrize(
    "fn, message",
    [
        (calls_sys_exit, "Your function raised SystemExit "),
        (calls_exit, "Your function raised SystemExit "),
        (calls_quit, "Your function raised SystemExit "),
        (raises_system_exit_0, "Your function raised SystemExit: 0"),
    ],
)
def test_exits_are_reported_as_failures(fn, message, capsys, untouched):
    result, out = run(exercises.check_forward_max, fn, capsys)
    assert not result and result.attempted
    assert len(result.failed) == 9
    assert message in out
    assert "sys.exit(), exit() and quit() end the whole program" in out


def test_ipythons_exit_does_not_shut_the_kernel_down(capsys, monkeypatch, untouched):
    IPython = pytest.importorskip("IPython")
    from IPython.core.autocall import ExitAutocall

    class Shell:
        asked = False

        def ask_exit(self):
            self.asked = True

    shell = Shell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    notebook_exit = ExitAutocall(shell)  # what `exit` means in a notebook cell

    result, out = run(exercises.check_forward_max, lambda *args: notebook_exit(), capsys)
    assert not result
    assert "Your function raised SystemExit" in out
    assert shell.asked is False
    assert "ask_exit" not in vars(shell)
    notebook_exit()
    assert shell.asked is True


def raises_generator_exit(*args):
    raise GeneratorExit


class Hostile:
    """A returned object whose every protocol raises GeneratorExit."""

    def __array__(self, *args, **kwargs):
        raise GeneratorExit

    def __iter__(self):
        raise GeneratorExit

    def __len__(self):
        raise GeneratorExit

    def __float__(self):
        raise GeneratorExit

    def __eq__(self, other):
        raise GeneratorExit

    __hash__ = object.__hash__


def closed_generator():
    raise GeneratorExit
    yield  # a generator function: the error comes when the answer is read


@pytest.mark.parametrize("checker", CHECKERS, ids=by_name)
def test_generator_exit_is_reported_not_raised(checker, capsys, untouched):
    result, out = run(checker, raises_generator_exit, capsys)
    assert not result and "your function raised GeneratorExit" in out
    for answer in (Hostile, closed_generator):
        result = checker(lambda *args, answer=answer: answer())
        assert not result and result.attempted
    assert "cases fail" in capsys.readouterr().out


def test_generator_exit_while_reading_the_answer_names_it(capsys):
    _, out = run(exercises.check_adjoint_test, lambda *args: Hostile(), capsys)
    assert "the checker could not compare your answer (GeneratorExit)" in out


@pytest.mark.parametrize("checker", CHECKERS, ids=by_name)
def test_keyboard_interrupt_gets_through(checker, untouched):
    def interrupted(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checker(interrupted)


def test_keyboard_interrupt_while_reading_the_answer_gets_through(untouched):
    class Interrupted:
        def __array__(self, *args, **kwargs):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        exercises.check_forward_max(lambda *args: Interrupted())


def test_an_exception_whose_message_fails_is_reported(capsys):
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no message")

    def raises(*args):
        raise Unprintable

    result, out = run(exercises.check_forward_max, raises, capsys)
    assert not result and "Your function raised Unprintable" in out


# ---------------------------------------------------------------------------
# Answers that never end: read only what a right answer needs


class Counted:
    """An iterator that never ends and counts how many items were read."""

    def __init__(self):
        self.read = 0

    def __iter__(self):
        return self

    def __next__(self):
        self.read += 1
        return 1.0


class Huge(Sequence):
    """A sequence claiming 10**12 items, counting how many were read."""

    def __init__(self):
        self.read = 0

    def __len__(self):
        return 10**12

    def __getitem__(self, index):
        self.read += 1
        return 0.0


def test_adjoint_test_does_not_drain_itertools_count(capsys, untouched):
    started = time.monotonic()
    result, out = run(exercises.check_adjoint_test, lambda f, b, x, g: itertools.count(), capsys)
    assert time.monotonic() - started < HANG_GUARD
    assert not result
    assert "returned more than two numbers" in out
    assert "return exactly two numbers, (lhs, rhs)" in out


@pytest.mark.parametrize("checker", CHECKERS, ids=by_name)
@pytest.mark.parametrize("answer_type", [Counted, Huge])
def test_endless_answers_are_not_drained(checker, answer_type, capsys, untouched):
    answers = []

    def endless(*args):
        answers.append(answer_type())
        return answers[-1]

    result = checker(endless)
    assert not result and result.attempted
    # Two numbers are the most any right answer here holds as items; one more
    # tells that there are too many.
    assert max(answer.read for answer in answers) <= 3


# ---------------------------------------------------------------------------
# Random cases


def key(args):
    """What a lookup table keyed on the shown inputs would use: arrays by their bytes."""
    return tuple(
        arg.tobytes() if isinstance(arg, np.ndarray) else arg for arg in args if not callable(arg)
    )


# A table of the shown inputs cannot stand in for a class: the layer checkers are left out.
@pytest.mark.parametrize(
    "checker", [c for c in CHECKERS if c.__name__ not in LAYER_CHECKERS], ids=by_name
)
def test_a_lookup_table_of_the_shown_cases_fails(checker, capsys):
    right = RIGHT[checker.__name__]
    table = {}

    def recorder(*args):
        table[key(args)] = right(*args)
        return table[key(args)]

    assert checker(recorder, seed=1)
    capsys.readouterr()

    def memorised(*args):
        return table[key(args)]

    result, out = run(checker, memorised, capsys, seed=2)
    assert not result
    assert result.failed and all(name.startswith("random case") for name in result.failed)
    assert result.seed == 2
    assert f"exercises.{checker.__name__}(memorised, seed=2)" in out


def test_the_seed_draws_the_same_cases_again(capsys):
    def only_integers(A_prev, kernel_shape, stride):
        """Right on every input made of whole numbers (all the fixed cases), not on others."""
        return pool_forward(np.round(A_prev), kernel_shape, stride)

    first, out = run(exercises.check_forward_max, only_integers, capsys)
    assert not first and first.failed[0].startswith("random case 1 of 3 (seed ")
    assert (
        "This case was drawn at random. To draw the same cases again: "
        f"exercises.check_forward_max(only_integers, seed={first.seed})"
    ) in out
    again, out_again = run(exercises.check_forward_max, only_integers, capsys, seed=first.seed)
    assert again.failed == first.failed
    assert again.hints == first.hints
    assert out_again == out


@pytest.mark.parametrize("checker", CHECKERS, ids=by_name)
def test_a_right_answer_prints_the_same_report_on_every_run(checker, capsys):
    reports = set()
    for seed in range(20):
        result, out = run(checker, RIGHT[checker.__name__], capsys, seed=seed)
        assert result, out
        assert result.seed == seed
        reports.add(out)
    assert len(reports) == 1
    (report,) = reports
    assert f"✓ 3 random cases, new ones on every run All {result.cases} cases pass." in report
    assert "random case 1" not in report


def test_random_cases_wait_for_the_fixed_ones(capsys):
    def no_nan(A_prev, kernel_shape, stride):
        return pool_forward(np.nan_to_num(A_prev, nan=-np.inf), kernel_shape, stride)

    result, out = run(exercises.check_forward_max, no_nan, capsys)
    assert result.cases == 9
    assert result.failed == ("a NaN in a window (NaN must come out)",)
    assert "Checking your max pooling forward pass on 9 cases and 3 random ones:" in out
    assert "- 3 random cases: run once every case above passes" in out
    assert "1 of 9 cases fail." in out


def test_random_cases_are_new_on_every_call(capsys):
    seeds = {exercises.check_forward_max(RIGHT["check_forward_max"]).seed for _ in range(5)}
    capsys.readouterr()
    assert len(seeds) > 1


def test_random_inputs_are_floats_of_both_signs(capsys):
    seen = []

    def records(A_prev, kernel_shape, stride):
        seen.append(A_prev)
        return pool_forward(A_prev, kernel_shape, stride)

    inputs = []
    for seed in range(7):
        seen.clear()
        assert exercises.check_forward_max(records, seed=seed)
        inputs += seen[-3:]  # the three random cases run after every fixed one
    capsys.readouterr()
    values = np.concatenate([A_prev.ravel() for A_prev in inputs])
    assert np.any(values != np.round(values))
    assert np.any(values < 0) and np.any(values > 0)
    assert all(len(np.unique(A_prev)) == A_prev.size for A_prev in inputs)
    assert len({A_prev.shape for A_prev in inputs}) > 1


@pytest.mark.parametrize("time_limit", [1e12, 1e300])
def test_a_huge_time_limit_is_no_limit(time_limit, capsys, monkeypatch, untouched):
    # setitimer and Event.wait refuse such timeouts: the checker must not crash,
    # in the main thread or another, nor lose its watchdog thread to the error.
    died = []
    monkeypatch.setattr(threading, "excepthook", died.append)
    right = RIGHT["check_forward_max"]
    assert exercises.check_forward_max(right, time_limit=time_limit)
    assert in_a_thread(lambda: exercises.check_forward_max(right, time_limit=time_limit))
    assert died == []


def test_outside_the_main_thread_the_trace_function_is_put_back(capsys, untouched):
    def tracer(frame, event, arg):
        return None

    def check_with_a_tracer():
        sys.settrace(tracer)
        try:
            exercises.check_forward_max(loops_for_ever, time_limit=0.2)
            return sys.gettrace()
        finally:
            sys.settrace(None)

    assert in_a_thread(check_with_a_tracer) is tracer
    assert "did not finish in 0.2 s" in capsys.readouterr().out
