"""Exercise checkers: run your function on tricky cases and say what went wrong.

Each ``check_*`` function takes the function you wrote for one exercise, calls
it on small cases built to catch the classic mistakes (overlapping windows,
tied maxima, sizes the stride does not divide, NaN, negative inputs, padding,
the ceil-mode overhang), then on a few cases drawn at random, new on every
call, compares every answer with :mod:`pooling_lib` (the truth) and prints

* one line per case, ``✓`` or ``✗``, with the case's name (one line for all
  the random cases when they pass, so the report reads the same on every run);
* for the first failing case: its input, the expected answer, yours, and a
  hint naming the mistake your answer looks like; for a random case, the
  seed that draws it again: ``check_forward_max(fn, seed=...)``;
* a last line counting the cases that pass.

The random cases run once every fixed case passes: an answer that only
remembers the cases it has seen fails them.

It returns a :class:`CheckResult`, which is true when every case passes. A
checker never raises because of your code: an exception in your function,
``SystemExit`` from ``sys.exit()``, ``exit()`` or ``quit()`` included, is
reported (its type and message) as a failed case; only ``KeyboardInterrupt``
(the interrupt button) stops the checker. A function that is ``None``,
raises ``NotImplementedError`` or returns ``None`` is reported as "not
attempted yet".

Each case has a time limit, :data:`TIME_LIMIT` seconds (5) unless you pass
``time_limit=`` to the checker or change ``exercises.TIME_LIMIT``. A case
that runs longer, a loop that never ends say, is stopped and reported, and
the remaining cases are not run. On Linux and macOS, in the main thread (as
in Jupyter), this stops loops, ``time.sleep`` and waits alike. Elsewhere
(Windows, or a checker called from another thread) a loop of Python code is
stopped, but ``time.sleep(1000)`` or a wait cannot be interrupted: it is
reported when it returns. Everywhere, one long call into compiled code (a
single huge NumPy operation) is stopped only when it returns.
Anywhere, a loop that catches every exception (a bare ``except:``) around
its inner loop can swallow the stop, as it swallows the interrupt button's.

Which checker goes with which function (arguments are passed by position,
so your parameter names are up to you; pairs are tuples ``(rows, cols)``):

=========================  ===================================================
checker                    the function it calls
=========================  ===================================================
check_output_size          ``fn(h, w, kernel_shape, stride) -> (h_out, w_out)``
check_output_size_full     ``fn(n, kernel, stride, padding, dilation,
                           ceil_mode) -> n_out`` (one axis, ints)
check_forward_max          ``fn(A_prev, kernel_shape, stride) -> A``
check_forward_avg          ``fn(A_prev, kernel_shape, stride) -> A``
check_backward_max         ``fn(dA, A_prev, kernel_shape, stride) -> dA_prev``
check_backward_avg         ``fn(dA, A_prev, kernel_shape, stride) -> dA_prev``
check_padding              ``fn(A_prev, kernel_shape, stride, mode, padding,
                           ceil_mode, count_include_pad) -> A``
check_same_padding         ``fn(n, kernel, stride) -> (before, after)``
check_numeric_gradient     ``fn(f, x, upstream) -> gradient shaped like x``
check_tie_free             ``fn(shape, seed) -> array of that shape``
check_adjoint_test         ``fn(forward, backward, x, g) -> (lhs, rhs)``
=========================  ===================================================

Every checker also takes two keywords: ``time_limit`` (seconds per case)
and ``seed`` (draws the same random cases again).

Arrays use the course's layout, ``A_prev`` of shape (m, h, w, c). Max
pooling follows PyTorch: padding never wins, the first of tied maxima takes
the gradient, a NaN wins its window.

Examples
--------
>>> from pooling_lib import pool_forward
>>> result = check_forward_max(lambda A_prev, k, s: pool_forward(A_prev, k, s))
Checking your max pooling forward pass on 9 cases and 3 random ones:
  ✓ one window (2 x 2 input, kernel 2, stride 2)
...
  ✓ 3 random cases, new ones on every run
All 12 cases pass. Well done!
>>> bool(result)
True
>>> _ = check_forward_max(None)
check_forward_max: not attempted yet. Write your function, run its cell, then run this check again.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import itertools
import math
import numbers
import reprlib
import secrets
import signal
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .geometry import output_shape, pool_geometry
from .gradcheck import numeric_gradient, rel_error, tie_free
from .pooling import pool_backward, pool_forward

__all__ = [
    "TIME_LIMIT",
    "CheckResult",
    "check_adjoint_test",
    "check_backward_avg",
    "check_backward_max",
    "check_forward_avg",
    "check_forward_max",
    "check_numeric_gradient",
    "check_output_size",
    "check_output_size_full",
    "check_padding",
    "check_same_padding",
    "check_tie_free",
]

#: Seconds one case may run before the checker stops it, unless a checker is
#: given ``time_limit=``. ``math.inf`` waits for ever.
TIME_LIMIT = 5.0

# Learners' sums run in another order than ours, so compare with a tolerance
# far below any mistake worth reporting.
_RTOL, _ATOL = 1e-6, 1e-9
_INDENT = "      "
# A few random cases are enough to catch an answer that remembers the fixed
# ones; more would only slow a slow (loop-based) solution down.
_RANDOM_CASES = 3
# Random seeds short enough to read and retype.
_SEED_RANGE = 1_000_000
# Once time is up the checker raises again this often (seconds): learner code
# with a bare `except:` inside its loop swallows the first one.
_TICK = 0.05
# No right answer has more items at its top level; longer sequences are
# rejected before NumPy copies them.
_MAX_ITEMS = 10_000
# Longer error messages are cut: the first line of feedback should stay readable.
_MAX_MESSAGE = 300
# Bounded repr for whatever the learner returns: a huge list must not become
# a huge line.
_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 80
_BRIEF.maxlist = _BRIEF.maxtuple = _BRIEF.maxdict = _BRIEF.maxset = 8


@dataclass(frozen=True)
class CheckResult:
    """What a checker found; true when every case passed.

    Attributes
    ----------
    exercise : str
        The checker's name, e.g. ``'check_forward_max'``.
    passed : bool
        Every case gave the expected answer.
    attempted : bool
        False when the function was ``None``, raised ``NotImplementedError``
        or returned ``None``.
    cases : int
        How many cases were run, random ones included.
    failed : tuple of str
        Names of the failing cases, in order, then those not run because an
        earlier case ran out of time.
    hints : tuple of str
        The hint for each name in ``failed``, in the same order.
    seed : int or None
        The seed the random cases were drawn from; pass it to the checker as
        ``seed=`` to draw them again. None when the checker has no random cases.
    """

    exercise: str
    passed: bool
    attempted: bool = True
    cases: int = 0
    failed: tuple = ()
    hints: tuple = ()
    seed: int | None = None

    def __bool__(self):
        return self.passed

    def __repr__(self):
        if not self.attempted:
            return f"CheckResult({self.exercise!r}, not attempted)"
        return (
            f"CheckResult({self.exercise!r}, passed={self.passed}, "
            f"{self.cases - len(self.failed)} of {self.cases} cases pass)"
        )

    def _ipython_display_(self):
        """Show nothing in a notebook: the checker has printed its feedback already."""


@dataclass
class _Case:
    """One call of the learner's function and how to judge its answer."""

    name: str
    args: tuple
    arg_names: tuple
    expected: object
    judge: Callable  # (case, actual) -> None if right, else a _Failure
    info: dict = field(default_factory=dict)
    seed: int | None = None  # set for random cases: the seed that draws them again


@dataclass
class _Failure:
    summary: str  # a few words after the case's name on its ✗ line
    hint: str
    details: list = field(default_factory=list)  # lines shown for the first failing case
    timed_out: bool = False  # the later cases are not run


class _NotAttempted(Exception):
    """The learner's function has no body yet: it raised NotImplementedError or returned None."""

    def __init__(self, returned_none=False):
        super().__init__()
        self.returned_none = returned_none


# ---------------------------------------------------------------------------
# Time limits and exits: the learner's code may loop, sleep or end the program


class _TimeUp(BaseException):
    """Raised inside the learner's code when its time is up.

    A BaseException, like KeyboardInterrupt, so that the learner's
    ``except Exception:`` does not swallow it.
    """


class _Alarm:
    """A time limit from SIGALRM: stops loops, ``time.sleep`` and blocking calls.

    POSIX only, main thread only (where Python runs signal handlers). The
    previous handler and timer (pytest-timeout's, say) are put back by
    :meth:`stop`, the timer with the time it had left.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.fired = False
        self.armed = False
        self._previous = None  # (handler, (delay, interval), start time) once started

    def _handler(self, signum, frame):
        # A tick already on its way when stop() begins must not raise.
        if self.armed:
            self.fired = True
            raise _TimeUp

    def start(self):
        timer, started = signal.getitimer(signal.ITIMER_REAL), time.monotonic()
        self._previous = (signal.signal(signal.SIGALRM, self._handler), timer, started)
        self.armed = True
        # The interval keeps raising after the first: see _TICK.
        signal.setitimer(signal.ITIMER_REAL, self.seconds, _TICK)

    def stop(self):
        self.armed = False
        if self._previous is None:
            return
        handler, (delay, interval), started = self._previous
        # Timer off before the old handler is back: with SIG_DFL restored a
        # late SIGALRM would kill the process.
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, handler)
        if delay > 0:
            left = delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), interval)
        self._previous = None


def _set_async_exc(thread_id, exception):
    """Raise ``exception`` in thread ``thread_id`` at its next bytecode; None cancels it."""
    import ctypes

    pending = ctypes.py_object(exception) if exception is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), pending)


class _Watchdog:
    """A time limit for other threads and Windows, where SIGALRM is not available.

    A second thread waits out the limit, then raises :class:`_TimeUp` in the
    checker's thread with ``PyThreadState_SetAsyncExc``. That stops a loop of
    Python code, not a single call into compiled code (``time.sleep``, a
    NumPy operation): the exception lands when the call returns. The watchdog
    thread ends in :meth:`stop`, which waits for it.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.fired = False
        self.armed = False
        self._target = threading.get_ident()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = None

    def start(self):
        if sys.implementation.name != "cpython":  # no PyThreadState_SetAsyncExc to call
            return
        self.armed = True
        self._thread = threading.Thread(target=self._watch, name="checker time limit")
        self._thread.start()

    def _watch(self):
        if self._done.wait(self.seconds):
            return
        while True:
            # Under the lock, so that stop() either sees the exception pending
            # (and cancels it) or keeps this thread from raising at all.
            with self._lock:
                if not self.armed:
                    return
                self.fired = True
                _set_async_exc(self._target, _TimeUp)
            if self._done.wait(_TICK):
                return

    def stop(self):
        with self._lock:
            self.armed = False
            if self.fired:
                _set_async_exc(self._target, None)
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _alarm_usable():
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        # None: a handler installed outside Python, which could not be put back.
        and signal.getsignal(signal.SIGALRM) is not None
    )


def _within(seconds, work):
    """Run ``work()``, stopped after ``seconds``; return ``(finished, value)``.

    ``finished`` is False when time ran out, even if ``work`` caught
    :class:`_TimeUp` and went on, or returned late from a call the watchdog
    could not interrupt. No :class:`_TimeUp` escapes, no timer stays armed and
    no thread stays running once this returns. KeyboardInterrupt propagates.
    """
    if not math.isfinite(seconds):
        return True, work()
    watch = _Alarm(seconds) if _alarm_usable() else _Watchdog(seconds)
    started = time.monotonic()
    elapsed, value = math.inf, None
    try:
        try:
            watch.start()
            value = work()
            elapsed = time.monotonic() - started
        except _TimeUp:
            pass
    finally:
        # A tick can land inside stop() itself (stop() is idempotent): retry
        # until it has run to its end, after which nothing raises any more.
        while True:
            try:
                watch.stop()
                break
            except _TimeUp:
                continue
    return not watch.fired and elapsed <= seconds, value


class _Exit:
    """Stands in for ``exit`` and ``quit`` while the learner's code runs.

    Raises SystemExit, which the checker reports, without site's closing of
    ``sys.stdin`` first.
    """

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Use {self.name}() to exit"

    def __call__(self, code=None):
        raise SystemExit if code is None else SystemExit(code)


def _ipython_shell():
    """The running IPython shell, or None; IPython is not imported for this."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    try:
        return get_ipython() if get_ipython else None
    except Exception:  # noqa: BLE001 - a half-initialised IPython is no shell
        return None


def _raise_system_exit(*args, **kwargs):
    raise SystemExit


@contextlib.contextmanager
def _exits_raise():
    """Make ``exit()`` and ``quit()`` raise SystemExit for a while, as ``sys.exit()`` does.

    Site's ``exit`` closes ``sys.stdin`` before raising (a terminal's Python
    would then quit); IPython's asks the Jupyter kernel to shut down after the
    cell and raises nothing. Both are put back on the way out.
    """
    replaced = []
    for name in ("exit", "quit"):
        current = getattr(builtins, name, None)
        if type(current).__name__ == "Quitter":
            replaced.append((builtins, name, current))
            setattr(builtins, name, _Exit(name))
    shell = _ipython_shell()
    if shell is not None and hasattr(shell, "ask_exit"):
        replaced.append((shell, "ask_exit", vars(shell).get("ask_exit")))
        shell.ask_exit = _raise_system_exit
    try:
        yield
    finally:
        for owner, name, previous in reversed(replaced):
            if previous is None:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)


def _guarded(seconds, work):
    """:func:`_within`, with warnings silenced, NumPy's errors ignored and exits raising.

    These context managers sit outside the time limit: a :class:`_TimeUp`
    landing in their clean-up would leave them switched on.
    """
    with _exits_raise(), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _within(seconds, work)


def _resolve_options(time_limit, seed):
    """Validate a checker's keywords; return ``(seconds, seed)``."""
    if time_limit is None:
        time_limit = TIME_LIMIT
    if not isinstance(time_limit, numbers.Real) or isinstance(time_limit, bool):
        raise TypeError(
            f"time_limit must be a number of seconds, got {time_limit!r}; e.g. time_limit=30, "
            "or time_limit=math.inf to wait for ever"
        )
    if not time_limit > 0:
        raise ValueError(
            f"time_limit must be positive, got {time_limit!r}; e.g. time_limit=30, "
            "or time_limit=math.inf to wait for ever"
        )
    if seed is None:
        seed = secrets.randbelow(_SEED_RANGE)
    elif not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(
            f"seed must be an int, 0 or more, got {seed!r}: use the seed a failing random "
            "case printed, e.g. seed=123456"
        )
    return float(time_limit), int(seed)


# ---------------------------------------------------------------------------
# Running cases and printing feedback


def _function_name(fn):
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else "your function"


def _call_name(fn):
    """How to write ``fn`` in a call the learner can copy: its name, if it is one."""
    name = _function_name(fn)
    return name if name.isidentifier() else "your_function"


def _not_attempted(exercise, fn, returned_none=False):
    extra = ""
    if returned_none:
        extra = (
            f" `{_function_name(fn)}` returned None: if you have written it, "
            "check that it ends with a `return`."
        )
    print(
        f"{exercise}: not attempted yet. Write your function, run its cell, "
        f"then run this check again.{extra}"
    )
    return CheckResult(exercise, passed=False, attempted=False)


def _same_value(a, b):
    """True when ``a`` and ``b`` are equal arrays (NaN equal to NaN) or equal objects."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    return a is b or a == b


def _brief(value):
    """A repr of the learner's value, cut short if long."""
    return _BRIEF.repr(value)


def _error_text(error):
    """``Type: message`` for an exception, even one whose ``str`` fails."""
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - a learner's exception class may break str()
        message = ""
    if len(message) > _MAX_MESSAGE:
        # A KeyError from a lookup table keyed on an array's bytes, say.
        message = message[: _MAX_MESSAGE - 5] + "[...]"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _attempt(fn, args):
    """Call the learner's function; return ``(actual, error, error text)``.

    Everything it raises is caught except KeyboardInterrupt (the learner's
    interrupt button) and :class:`_TimeUp` (the checker's).
    """
    try:
        return fn(*args), None, None
    except (KeyboardInterrupt, _TimeUp):
        raise
    except BaseException as error:  # noqa: BLE001 - SystemExit and GeneratorExit too
        return None, error, _error_text(error)


def _timeout_failure(case, seconds, judging=False):
    limit = f"{seconds:g} s"
    if judging:
        return _Failure(
            f"the checker could not read your answer in {limit}",
            f"reading what your function returned took longer than {limit} on case "
            f"'{case.name}': return a plain array, tuple or number, not an object whose "
            "methods keep computing.",
            timed_out=True,
        )
    return _Failure(
        f"did not finish in {limit}",
        f"your function did not finish in {limit} on case '{case.name}': look for a loop "
        "that never ends (a `while` whose condition stays true, a counter that never "
        "grows) or a call that waits. If it is just slow, allow more time: "
        "time_limit=60.",
        timed_out=True,
    )


def _call(fn, case, seconds):
    """Run the learner's function on copies of the case's arguments, within ``seconds``.

    Returns ``(actual, failure)``: ``failure`` is None when the call returned.
    Raises _NotAttempted for NotImplementedError, which the caller treats as
    "not attempted" only on the first case.
    """
    args = copy.deepcopy(case.args)
    finished, outcome = _guarded(seconds, lambda: _attempt(fn, args))
    if not finished:
        return None, _timeout_failure(case, seconds)
    actual, error, text = outcome
    if isinstance(error, NotImplementedError):
        raise _NotAttempted
    if error is not None:
        return None, _Failure(
            f"your function raised {type(error).__name__}",
            _exception_hint(error, text, case),
            [f"  Your function raised {text}", _call_text(case)],
        )
    for name, before, after in zip(case.arg_names, case.args, args, strict=True):
        if isinstance(before, np.ndarray) and not _same_value(before, after):
            return actual, _Failure(
                f"changed its input {name}",
                f"your function changed its input `{name}` in place. Callers (and the "
                f"backward pass) still need it: work on a copy, e.g. `{name}.copy()`, or "
                "write into a new array.",
            )
    return actual, None


def _call_text(case):
    """How the case called the learner's function: arrays by their shape, other values shown."""
    parts, shapes = [], []
    for name, arg in zip(case.arg_names, case.args, strict=True):
        if isinstance(arg, np.ndarray):
            parts.append(name)
            shapes.append(f"{name} of shape {arg.shape}")
        elif callable(arg):
            parts.append(name)
        else:
            parts.append(f"{name}={arg!r}")
    text = f"  called fn({', '.join(parts)})"
    return text + (f" with {' and '.join(shapes)}" if shapes else "")


def _exception_hint(error, text, case):
    if isinstance(error, SystemExit):
        return (
            "sys.exit(), exit() and quit() end the whole program (the checker caught it "
            "here): a function hands back its answer with `return`, and reports a problem "
            "by raising an exception."
        )
    if isinstance(error, IndexError):
        return (
            "an index ran past the end of an array. Check the output size "
            "(h - kh) // sh + 1 and that window (i, j) starts at row i * sh, "
            "column j * sw."
        )
    if isinstance(error, ValueError) and "broadcast" in text:
        return (
            "two arrays' shapes did not line up. Print the shapes of the slices on "
            "that line: a window is A_prev[:, r:r + kh, c:c + kw, :], shape (m, kh, kw, c)."
        )
    if isinstance(error, TypeError) and ("argument" in text or "positional" in text):
        return (
            f"the checker calls your function as fn({', '.join(case.arg_names)}); "
            "check that it takes these arguments in this order."
        )
    return "read the error message above, then run your function on the input shown."


def _run(exercise, title, fn, cases, draw=None, time_limit=None, seed=None):
    """Run every case, then (if they all pass) random ones; print the report.

    ``draw(rng)`` returns one random case, drawn from ``rng``; without it
    there are none. ``time_limit`` and ``seed`` are the checker's keywords.
    Returns a CheckResult.
    """
    seconds, seed = _resolve_options(time_limit, seed)
    if fn is None:
        return _not_attempted(exercise, fn)
    try:
        outcomes = _run_cases(fn, cases, seconds)
    except _NotAttempted as not_attempted:
        return _not_attempted(exercise, fn, not_attempted.returned_none)
    if draw is not None and all(failure is None for _, failure in outcomes):
        rng = np.random.default_rng(seed)
        drawn = [draw(rng) for _ in range(_RANDOM_CASES)]
        for number, case in enumerate(drawn, start=1):
            case.name = f"random case {number} of {len(drawn)} (seed {seed}): {case.name}"
            case.seed = seed
        outcomes += _run_cases(fn, drawn, seconds, first=False)
    if draw is None:
        return _report(exercise, title, fn, outcomes, 0, None)
    return _report(exercise, title, fn, outcomes, _RANDOM_CASES, seed)


def _run_cases(fn, cases, seconds, first=True):
    """``[(case, failure or None)]`` for ``cases``, run in order.

    After a case runs out of time the rest are not run: a loop that never ends
    usually never ends on any case, and each would cost the whole limit.
    Raises _NotAttempted when the first case of the ``first`` batch finds no
    body (NotImplementedError, or None returned).
    """
    outcomes = []
    for index, case in enumerate(cases):
        if any(failure is not None and failure.timed_out for _, failure in outcomes):
            outcomes.append((case, _NOT_RUN))
            continue
        try:
            actual, failure = _call(fn, case, seconds)
        except _NotAttempted:
            if first and index == 0:
                raise
            failure = _Failure(
                "your function raised NotImplementedError",
                "this case is not implemented yet: it must work too.",
            )
            actual = None
        if failure is None:
            if actual is None:
                if first and index == 0:
                    raise _NotAttempted(returned_none=True)
                failure = _Failure("returned None", "your function must `return` its result.")
            else:
                failure = _judge(case, actual, seconds)
        outcomes.append((case, failure))
    return outcomes


# Stands for a case skipped after another ran out of time.
_NOT_RUN = _Failure("not run: an earlier case did not finish", "")


def _judge(case, actual, seconds=math.inf):
    """``case.judge``, made safe: an answer too odd to judge is a failure, not a crash.

    The answer may be the learner's own object, whose methods the judge
    calls: judging has the same time limit as the call.
    """

    def judge():
        try:
            return case.judge(case, actual)
        except (KeyboardInterrupt, _TimeUp):
            raise
        except BaseException as error:  # noqa: BLE001 - the checker must never raise at a learner
            return _Failure(
                f"returned an unexpected {type(actual).__name__}",
                f"the checker could not compare your answer ({_error_text(error)}); "
                "return the kind of value the exercise asks for.",
            )

    finished, failure = _guarded(seconds, judge)
    return failure if finished else _timeout_failure(case, seconds, judging=True)


def _report(exercise, title, fn, outcomes, random, seed):
    """Print the feedback for ``outcomes``; ``random`` is how many random cases there are."""
    fixed = [(case, failure) for case, failure in outcomes if case.seed is None]
    drawn = [(case, failure) for case, failure in outcomes if case.seed is not None]
    random_failed = any(failure is not None for _, failure in drawn)
    extra = f" and {random} random ones" if random else ""
    print(f"Checking your {title} on {len(fixed)} cases{extra}:")
    for case, failure in fixed + (drawn if random_failed else []):
        if failure is None:
            print(f"  ✓ {case.name}")
        else:
            print(f"  ✗ {case.name}: {failure.summary}")
    if drawn and not random_failed:
        # One line whatever was drawn: a right answer's report reads the same on every run.
        print(f"  ✓ {len(drawn)} random cases, new ones on every run")
    elif random and not drawn:
        print(f"  - {random} random cases: run once every case above passes")
    failures = [(case, f) for case, f in outcomes if f is not None and f is not _NOT_RUN]
    not_run = [case for case, f in outcomes if f is _NOT_RUN]
    if not failures:
        print(f"All {len(outcomes)} cases pass. Well done!")
        return CheckResult(exercise, passed=True, cases=len(outcomes), seed=seed)
    case, failure = failures[0]
    print(f"\nFirst failing case: {case.name}")
    for line in failure.details:
        print(line)
    print(_wrapped(f"Hint: {failure.hint}"))
    if case.seed is not None:
        print(
            _wrapped(
                "This case was drawn at random. To draw the same cases again: "
                f"exercises.{exercise}({_call_name(fn)}, seed={case.seed})"
            )
        )
    skipped = f", {len(not_run)} not run" if not_run else ""
    print(
        f"\n{len(failures)} of {len(outcomes)} cases fail{skipped}. Fix the first one, run "
        "your function's cell, then this check again."
    )
    return CheckResult(
        exercise,
        passed=False,
        cases=len(outcomes),
        failed=tuple(c.name for c, _ in failures) + tuple(c.name for c in not_run),
        hints=tuple(f.hint for _, f in failures) + (_NOT_RUN.summary,) * len(not_run),
        seed=seed,
    )


def _wrapped(text):
    return textwrap.fill(
        text,
        width=88,
        initial_indent="  ",
        subsequent_indent="    ",
        break_on_hyphens=False,
        break_long_words=False,  # a call to copy must not be cut in two
    )


def _show(label, value):
    """Lines showing a labelled array or value, indented."""
    text = (
        np.array2string(np.asarray(value), precision=3, suppress_small=True, max_line_width=90)
        if isinstance(value, np.ndarray)
        else _brief(value)
    )
    return [f"  {label}:", textwrap.indent(text, _INDENT)]


def _as_float_array(actual):
    """The learner's answer as a float array, or None if it is not a real-valued array-like."""
    if not isinstance(actual, np.ndarray) and _too_long(actual):
        return None
    if np.iscomplexobj(actual):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return None


def _too_long(actual):
    """True for a sequence longer than any right answer: NumPy would copy it all."""
    try:
        return len(actual) > _MAX_ITEMS
    except TypeError:
        return False


def _close(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=_RTOL, atol=_ATOL, equal_nan=True))


def _first_hint(smells, actual):
    """The hint of the first smell whose test matches ``actual``, or None.

    A test that cannot even be evaluated on ``actual`` (an odd dtype, say) is
    simply not a match: the learner still gets the general feedback.
    """
    for test, hint in smells:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                matched = test(actual)
            except (TypeError, ValueError, IndexError):
                matched = False
        if matched:
            return hint
    return None


def _all_hints(hints):
    """One hint from every matching one: a number can fit several mistakes at once."""
    hints = list(dict.fromkeys(h for h in hints if h))
    if len(hints) <= 1:
        return hints[0] if hints else None
    numbered = " ".join(f"({k}) {hint}" for k, hint in enumerate(hints, start=1))
    return f"your answer fits {len(hints)} classic mistakes: {numbered}"


def _looks_like(candidate):
    """A smell test: the answer equals ``candidate`` (an array)."""
    candidate = np.asarray(candidate, dtype=float)
    return lambda actual: _close(actual, candidate)


# ---------------------------------------------------------------------------
# Small inputs


def _grid(h, w, seed, offset=0.0, m=1, c=1):
    """Distinct small integers (as floats), shape (m, h, w, c): easy to read, no ties."""
    rng = np.random.default_rng(seed)
    values = rng.permutation(m * h * w * c) + offset
    return values.astype(float).reshape(m, h, w, c)


def _upstream(shape):
    """dA with values 1, 2, 3, ...: each window's gradient is recognisable."""
    return np.arange(1.0, np.prod(shape) + 1).reshape(shape)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _axis_text(positions, n):
    inside = [int(p) for p in positions if 0 <= p < n]
    text = ", ".join(str(int(p)) for p in positions)
    if len(inside) < len(positions):
        text += f" (outside 0 to {n - 1}: padding or overhang)"
    return text


def _slice_label(name, n, ch):
    return f"{name}[{n}, :, :, {ch}]"


def _where_first(mask):
    """Index tuple of the first True in ``mask``."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


# ---------------------------------------------------------------------------
# Random inputs, for the cases drawn anew on every call


def _random_values(rng, shape):
    """Distinct floats with three decimals, of both signs, between -15 and 15.

    Distinct, so that a max pool has no ties (the fixed cases test those);
    not integers, so that an answer that truncates or rounds shows.
    """
    size = int(np.prod(shape))
    thousandths = rng.choice(20_000, size=size, replace=False) - 10_000
    return (thousandths / 1000 + int(rng.integers(-5, 6))).reshape(shape)


def _random_ints(rng, low, high, count):
    """``count`` ints from ``low`` to ``high`` inclusive, as a tuple of Python ints."""
    return tuple(int(v) for v in rng.integers(low, high + 1, size=count))


def _random_window(rng, max_kernel=4, max_stride=4, max_extra=5):
    """``(h, w), kernel_shape, stride`` for pooling without padding: one window at least."""
    kernel_shape = _random_ints(rng, 1, max_kernel, 2)
    stride = _random_ints(rng, 1, max_stride, 2)
    size = tuple(
        k + extra for k, extra in zip(kernel_shape, _random_ints(rng, 0, max_extra, 2), strict=True)
    )
    return size, kernel_shape, stride


def _random_batch(rng, size, max_m=2, max_c=3):
    m, c = _random_ints(rng, 1, max_m, 1)[0], _random_ints(rng, 1, max_c, 1)[0]
    return _random_values(rng, (m, *size, c))


def _shape_words(A_prev, kernel_shape, stride):
    m, h, w, c = A_prev.shape
    return f"{h} x {w} input, m = {m}, c = {c}, kernel {kernel_shape}, stride {stride}"


# ---------------------------------------------------------------------------
# Output size


def _floor_size(n, k, s):
    """Windows along one axis by the no-padding formula, for wrong answers only.

    Fed with kernel and stride mixed up, it says what that mix-up gives; the
    right answers are :func:`pooling_lib.output_shape`'s.
    """
    return (n - k) // s + 1


def _size_smells(h, w, kernel_shape, stride):
    """(test, hint) pairs for the classic ways to get an output size wrong."""
    (kh, kw), (sh, sw) = kernel_shape, stride

    def sizes(rule):
        return (rule(h, kh, sh), rule(w, kw, sw))

    def spatial(actual):
        return tuple(actual[-3:-1]) if len(actual) >= 3 else tuple(actual)

    right = output_shape(h, w, kernel_shape, stride)
    smells = [
        (
            sizes(lambda n, k, s: (n - k) // s),
            "off by one in the output size: remember the +1. (h - kh) // sh counts the steps "
            "between windows; there is one more window than steps.",
        ),
        (
            sizes(lambda n, k, s: -(-(n - k) // s) + 1),
            "you rounded up: a window that does not fit inside the input is dropped, so round "
            "down, (h - kh) // sh + 1 (ceil mode, in notebook 06, is the exception).",
        ),
        (
            sizes(lambda n, k, s: n // k),
            "h // kh is right only when stride == kernel and the kernel divides h; use "
            "(h - kh) // sh + 1.",
        ),
        (
            sizes(lambda n, k, s: n // s),
            "h // sh counts windows that would run past the end; use (h - kh) // sh + 1.",
        ),
        (
            sizes(lambda n, k, s: n - k + 1),
            "the stride is missing: windows move by sh rows, so (h - kh) // sh + 1.",
        ),
        (
            (right[1], right[0]),
            "height and width are swapped: h_out comes from h, kh and sh, w_out from w, kw and sw.",
        ),
    ]
    return [
        (lambda actual, bad=bad: spatial(actual) == bad and bad != right, hint)
        for bad, hint in smells
    ]


def _judge_size(case, actual):
    expected = case.expected
    if isinstance(actual, np.ndarray) and actual.size <= 2:
        actual = actual.tolist()
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return _Failure(
            f"returned {_brief(actual)}",
            "return a pair of ints, (h_out, w_out).",
            _show("expected", expected),
        )
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in actual)
    details = [f"  called fn{case.args}", *_show("expected", expected)]
    details += _show("yours", tuple(actual))
    if tuple(actual) == expected and not ints:
        return _Failure(
            "not ints",
            "the sizes are right but not ints: use // (floor division) rather than "
            "/, so the result can size an array.",
            details,
        )
    if tuple(actual) == expected:
        return None
    smells = _size_smells(*case.args)
    hint = _all_hints(text for test, text in smells if test(tuple(actual))) or (
        "along each axis there are (n - k) // s + 1 windows: n input cells, kernel k, stride s."
    )
    return _Failure(f"{tuple(actual)}, expected {expected}", hint, details)


def _draw_output_size(rng):
    kernel_shape, stride = _random_ints(rng, 1, 6, 2), _random_ints(rng, 1, 5, 2)
    h, w = (k + extra for k, extra in zip(kernel_shape, _random_ints(rng, 0, 30, 2), strict=True))
    return _Case(
        f"{h} x {w}, kernel {kernel_shape}, stride {stride}",
        (h, w, kernel_shape, stride),
        ("h", "w", "kernel_shape", "stride"),
        pool_geometry((h, w), kernel_shape, stride).out_shape,
        _judge_size,
    )


def check_output_size(fn, *, time_limit=None, seed=None):
    """Check ``fn(h, w, kernel_shape, stride) -> (h_out, w_out)``, the number of windows.

    Parameters
    ----------
    fn : callable or None
        Your function. ``kernel_shape`` and ``stride`` are pairs ``(rows, cols)``;
        return a pair of ints. No padding, no ceil mode.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
        True when every case passes. Feedback is printed.
    """
    calls = [
        ("the article's setting (28 x 28, kernel 2, stride 2)", (28, 28, (2, 2), (2, 2))),
        (
            "a size the stride does not divide (28 x 28, kernel 3, stride 2)",
            (28, 28, (3, 3), (2, 2)),
        ),
        ("overlapping windows (28 x 28, kernel 3, stride 1)", (28, 28, (3, 3), (1, 1))),
        ("stride larger than the kernel (7 x 7, kernel 2, stride 3)", (7, 7, (2, 2), (3, 3))),
        ("kernel as large as the input (4 x 4, kernel 4, stride 1)", (4, 4, (4, 4), (1, 1))),
        ("rectangular everything (6 x 9, kernel (2, 3), stride (1, 2))", (6, 9, (2, 3), (1, 2))),
        ("a 5 x 5 kernel with stride 3 (28 x 28)", (28, 28, (5, 5), (3, 3))),
    ]
    cases = [
        _Case(
            name,
            args,
            ("h", "w", "kernel_shape", "stride"),
            pool_geometry(args[:2], args[2], args[3]).out_shape,
            _judge_size,
        )
        for name, args in calls
    ]
    return _run("check_output_size", "output size", fn, cases, _draw_output_size, time_limit, seed)


def _axis_size(n, k, s, p=0, d=1, ceil_mode=False, drop=True):
    """One axis's window count by PyTorch's formula, for wrong answers only.

    Fed with a mistake (padding left out, no dilation, ``drop=False``...) it
    says what that mistake gives; the right answers are
    :func:`pooling_lib.pool_geometry`'s.
    """
    numerator = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    size = numerator // s + 1
    if ceil_mode and drop and (size - 1) * s >= n + p:
        size -= 1
    return size


def _judge_size_full(case, actual):
    n, k, s, p, d, ceil_mode = case.args
    expected = case.expected
    details = (
        [
            f"  called fn(n={n}, kernel={k}, stride={s}, padding={p}, dilation={d}, "
            f"ceil_mode={ceil_mode})"
        ]
        + _show("expected", expected)
        + _show("yours", actual)
    )
    is_number = isinstance(actual, (int, float, np.integer, np.floating)) and not isinstance(
        actual, bool
    )
    if not is_number:
        return _Failure(
            f"returned {_brief(actual)}",
            "return one int: the number of windows along this axis.",
            details,
        )
    if actual == expected and not isinstance(actual, (int, np.integer)):
        return _Failure(
            "not an int",
            "the size is right but not an int: use // (floor "
            "division), or math.floor / math.ceil, which return ints.",
            details,
        )
    if actual == expected:
        return None
    smells = [
        (expected - 1, "off by one in the output size: remember the +1."),
        (
            _axis_size(n, k, s, p, 1, ceil_mode),
            "dilation is missing: a dilated kernel spans d * (k - 1) + 1 cells, so use that in "
            "place of k.",
        ),
        (
            _axis_size(n, k, s, p, d, ceil_mode, drop=False),
            "in ceil mode the last window must start inside the input or the left padding: "
            "drop it if it would start at or after n + p.",
        ),
        (
            _axis_size(n, k, s, p, d, False),
            "ceil_mode is ignored: in ceil mode round up, floor((... + s - 1) / s) + 1.",
        ),
        (
            _axis_size(n - p, k, s, p, d, ceil_mode),
            "padding is added on both sides: n + 2 * p cells, not n + p.",
        ),
        (
            _axis_size(n, k, s, 0, d, ceil_mode),
            "padding is missing: the padded input has n + 2 * p cells.",
        ),
    ]
    hint = _all_hints(text for bad, text in smells if actual == bad and bad != expected) or (
        "floor((n + 2p - d*(k - 1) - 1 + (s - 1 if ceil_mode else 0)) / s) + 1, then in ceil "
        "mode drop a last window that starts at or after n + p."
    )
    return _Failure(f"{actual}, expected {expected}", hint, details)


def _draw_output_size_full(rng):
    k, s, d = (
        _random_ints(rng, 1, 5, 1)[0],
        _random_ints(rng, 1, 4, 1)[0],
        _random_ints(rng, 1, 3, 1)[0],
    )
    p = _random_ints(rng, 0, k // 2, 1)[0]
    # At least as many cells as one dilated window spans, padding included.
    n = max(d * (k - 1) + 1 - 2 * p, 1) + _random_ints(rng, 0, 20, 1)[0]
    ceil_mode = bool(rng.integers(2))
    args = (n, k, s, p, d, ceil_mode)
    return _Case(
        f"n {n}, kernel {k}, stride {s}, padding {p}, dilation {d}, ceil_mode={ceil_mode}",
        args,
        ("n", "kernel", "stride", "padding", "dilation", "ceil_mode"),
        pool_geometry((n, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode).out_shape[0],
        _judge_size_full,
    )


def check_output_size_full(fn, *, time_limit=None, seed=None):
    """Check ``fn(n, kernel, stride, padding, dilation, ceil_mode) -> n_out`` along one axis.

    PyTorch's rule: ``floor((n + 2p - d*(k-1) - 1 + (s-1 if ceil_mode else 0)) / s) + 1``,
    and in ceil mode one window fewer if the last would start at or after ``n + p``.

    Parameters
    ----------
    fn : callable or None
        Your function; all six arguments are passed by position, ints and a bool.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    calls = [
        ("the article's setting (n 28, kernel 2, stride 2)", (28, 2, 2, 0, 1, False)),
        ("a size the stride does not divide (n 28, kernel 3, stride 2)", (28, 3, 2, 0, 1, False)),
        ("padding 1 (n 28, kernel 3, stride 1)", (28, 3, 1, 1, 1, False)),
        ("dilation 2 (n 7, kernel 3, stride 1)", (7, 3, 1, 0, 2, False)),
        ("ceil mode keeps a partial window (n 5, kernel 2, stride 2)", (5, 2, 2, 0, 1, True)),
        ("ceil mode when the stride divides (n 4, kernel 2, stride 2)", (4, 2, 2, 0, 1, True)),
        (
            "ceil mode drops a window that would start at or past the input's end "
            "(n 5, kernel 2, stride 2, padding 1)",
            (5, 2, 2, 1, 1, True),
        ),
        (
            "everything at once (n 10, kernel 3, stride 3, padding 1, dilation 2, ceil mode)",
            (10, 3, 3, 1, 2, True),
        ),
    ]
    cases = [
        _Case(
            name,
            args,
            ("n", "kernel", "stride", "padding", "dilation", "ceil_mode"),
            pool_geometry(
                (args[0], 1), (args[1], 1), (args[2], 1), (args[3], 0), (args[4], 1), args[5]
            ).out_shape[0],
            _judge_size_full,
        )
        for name, args in calls
    ]
    return _run(
        "check_output_size_full",
        "output size with padding, dilation and ceil mode",
        fn,
        cases,
        _draw_output_size_full,
        time_limit,
        seed,
    )


# ---------------------------------------------------------------------------
# Forward passes


def _forward_case(name, A_prev, kernel_shape, stride, mode):
    kernel_shape, stride = _pair(kernel_shape), _pair(stride)
    expected = pool_forward(A_prev, kernel_shape, stride, mode)
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": (0, 0),
        "ceil_mode": False,
        "count_include_pad": True,
    }
    return _Case(
        name,
        (A_prev, kernel_shape, stride),
        ("A_prev", "kernel_shape", "stride"),
        expected,
        _judge_forward,
        info,
    )


def _forward_cases(mode):
    nan_input = _grid(4, 4, seed=9)
    nan_input[0, 1, 0, 0] = np.nan
    return [
        _forward_case("one window (2 x 2 input, kernel 2, stride 2)", _grid(2, 2, 1), 2, 2, mode),
        _forward_case(
            "non-overlapping windows (kernel 2, stride 2), the article's setting",
            _grid(4, 4, 2),
            2,
            2,
            mode,
        ),
        _forward_case(
            "negative inputs (kernel 2, stride 2)", _grid(4, 4, 3, offset=-16.0), 2, 2, mode
        ),
        _forward_case("overlapping windows (kernel 3, stride 1)", _grid(5, 5, 4), 3, 1, mode),
        _forward_case(
            "a size the stride does not divide (5 x 5, kernel 2, stride 2)",
            _grid(5, 5, 5),
            2,
            2,
            mode,
        ),
        _forward_case(
            "stride larger than the kernel (7 x 7, kernel 2, stride 3)", _grid(7, 7, 6), 2, 3, mode
        ),
        _forward_case(
            "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (1, 2))",
            _grid(4, 7, 7),
            (2, 3),
            (1, 2),
            mode,
        ),
        _forward_case(
            "several examples and channels (m = 2, c = 3)", _grid(4, 4, 8, m=2, c=3), 2, 2, mode
        ),
        _forward_case("a NaN in a window (NaN must come out)", nan_input, 2, 2, mode),
    ]


def _draw_forward(rng, mode):
    size, kernel_shape, stride = _random_window(rng)
    A_prev = _random_batch(rng, size)
    return _forward_case(
        _shape_words(A_prev, kernel_shape, stride), A_prev, kernel_shape, stride, mode
    )


def _forward_smells(case):
    """(test, hint) pairs for wrong values of a forward pass with the right shape."""
    A_prev, kernel_shape, stride = case.args[:3]
    mode, expected = case.info["mode"], case.expected
    options = {k: case.info[k] for k in ("padding", "ceil_mode", "count_include_pad")}
    kh, kw = kernel_shape
    other = "avg" if mode == "max" else "max"
    smells = []
    if mode == "max":
        smells.append(
            (
                _looks_like(np.maximum(expected, 0)),
                "every negative window came out as 0: looks like the running maximum "
                "started at 0 (np.zeros). Start it at -inf, or at the window's first "
                "cell, so negative inputs can win.",
            )
        )
    is_nan = np.isnan(A_prev)
    no_nan = np.where(is_nan, -np.inf if mode == "max" else 0.0, A_prev)
    skipped = [_pool_or_none(no_nan, kernel_shape, stride, mode, options)]
    if mode == "avg":
        counts = _pool_or_none(
            (~is_nan).astype(float), kernel_shape, stride, "avg", {**options, "divisor_override": 1}
        )
        skipped.append(skipped[0] * kh * kw / counts)
    nan_hint = (
        "the NaN was skipped: NaN must win its window, as in PyTorch. np.max, "
        "np.maximum and np.mean let NaN through; Python's max(), np.fmax, np.nanmax "
        "and np.nanmean skip it."
    )
    smells += [(_looks_like(candidate), nan_hint) for candidate in skipped]
    if mode == "avg":
        sums = pool_forward(A_prev, kernel_shape, stride, "avg", divisor_override=1, **options)
        smells += [
            (
                _looks_like(sums),
                "these are the windows' sums: divide each by the number of "
                f"cells it holds, kh * kw = {kh * kw}.",
            ),
            (
                _looks_like(np.floor(sums / (kh * kw))),
                "the averages were rounded down: use / (true division), not // .",
            ),
        ]
    smells.append(
        (
            _looks_like(pool_forward(A_prev, kernel_shape, stride, other, **options)),
            f"you computed {'averages' if other == 'avg' else 'maxima'}: this "
            f"exercise wants the window's {'maximum' if mode == 'max' else 'mean'}.",
        )
    )
    for bad_kernel, bad_stride, hint in _swaps(case):
        candidate = _pool_or_none(A_prev, bad_kernel, bad_stride, mode, options)
        if candidate is not None and candidate.shape == expected.shape:
            smells.append((_looks_like(candidate), hint))
    unstrided = _pool_or_none(A_prev, kernel_shape, 1, mode, options)
    if unstrided is not None:
        crop = unstrided[:, : expected.shape[1], : expected.shape[2]]
        if crop.shape == expected.shape:
            smells.append(
                (
                    _looks_like(crop),
                    "window (i, j) must start at row i * sh and "
                    "column j * sw, not at row i and column j.",
                )
            )
    reduce = np.max if mode == "max" else np.mean
    if expected.shape[3] > 1:
        smells.append(
            (
                _looks_like(
                    np.broadcast_to(reduce(expected, axis=3, keepdims=True), expected.shape)
                ),
                "the channels were pooled together: pool each channel on its own, "
                "over the window's rows and columns (axes 1 and 2) only.",
            )
        )
    if expected.shape[0] > 1:
        smells.append(
            (
                _looks_like(
                    np.broadcast_to(reduce(expected, axis=0, keepdims=True), expected.shape)
                ),
                "the examples were pooled together: axis 0 is the batch; reduce "
                "over axes 1 and 2 only.",
            )
        )
    return smells


def _swaps(case):
    """Kernel and stride mixed up in the classic ways, with the hint for each."""
    (kh, kw), (sh, sw) = case.info["kernel_shape"], case.info["stride"]
    swaps = [
        ((kw, kh), (sh, sw), "kernel height and width are swapped: rows use kh, columns kw."),
        (
            (kh, kw),
            (sw, sh),
            "stride rows and columns are swapped: rows move by sh, columns by sw.",
        ),
        (
            (sh, sw),
            (sh, sw),
            "the windows are stride-sized: each window has kernel_shape "
            "cells, and moves by stride.",
        ),
    ]
    return [swap for swap in swaps if swap[:2] != ((kh, kw), (sh, sw))]


def _pool_or_none(A_prev, kernel_shape, stride, mode, options):
    try:
        return pool_forward(A_prev, kernel_shape, stride, mode, **options)
    except ValueError:
        return None


def _geometry(case):
    A_prev = case.args[case.arg_names.index("A_prev")]
    return pool_geometry(
        A_prev.shape[1:3],
        case.info["kernel_shape"],
        case.info["stride"],
        case.info["padding"],
        1,
        case.info["ceil_mode"],
    )


def _forward_shape_hint(case, array):
    A_prev, expected = case.args[0], case.expected
    m, h, w, c = A_prev.shape
    missing = [
        axis
        for axis, kept in (("batch", expected.shape[1:]), ("channel", expected.shape[:3]))
        if array.shape == kept
    ]
    if missing:
        return (
            f"the {' or the '.join(missing)} axis is missing: the output is "
            "(m, h_out, w_out, c); reduce over the window's rows and columns only."
        )
    for bad_kernel, bad_stride, hint in _swaps(case):
        if array.shape == (
            m,
            _floor_size(h, bad_kernel[0], bad_stride[0]),
            _floor_size(w, bad_kernel[1], bad_stride[1]),
            c,
        ):
            return hint
    if array.ndim == 4 and case.info["padding"] == (0, 0) and not case.info["ceil_mode"]:
        smells = _size_smells(h, w, case.info["kernel_shape"], case.info["stride"])
        hint = _all_hints(text for test, text in smells if test(array.shape))
        if hint:
            return hint
    return (
        f"the output must have shape (m, h_out, w_out, c) = {expected.shape}, with one "
        "row per window down and one column per window across."
    )


def _window_hint(case, index):
    """Where the window of output ``index`` = (n, i, j, ch) lies, in words."""
    n, i, j, ch = index
    geometry = _geometry(case)
    h, w = geometry.in_shape
    rows = _axis_text(geometry.window_positions(0)[i], h)
    cols = _axis_text(geometry.window_positions(1)[j], w)
    return (
        f"the first wrong output is A[{n}, {i}, {j}, {ch}]. Its window covers rows "
        f"{rows} and columns {cols} of example {n}, channel {ch}: work it out by hand and "
        "compare."
    )


def _judge_forward(case, actual):
    expected = case.expected
    array = _as_float_array(actual)
    if array is None:
        return _Failure(
            f"returned {type(actual).__name__}",
            "return a NumPy array of shape (m, h_out, w_out, c).",
        )
    if array.shape != expected.shape:
        details = _forward_details(case, array, 0, 0)
        return _Failure(
            f"shape {array.shape}, expected {expected.shape}",
            _forward_shape_hint(case, array),
            details,
        )
    if _close(array, expected):
        return None
    wrong = ~np.isclose(array, expected, rtol=_RTOL, atol=_ATOL, equal_nan=True)
    index = _where_first(wrong)
    hint = _first_hint(_forward_smells(case), array) or _window_hint(case, index)
    return _Failure("wrong values", hint, _forward_details(case, array, index[0], index[3]))


def _forward_details(case, array, n, ch):
    A_prev = case.args[0]
    options = ", ".join(
        f"{k}={v!r}" for k, v in zip(case.arg_names[1:], case.args[1:], strict=True)
    )
    lines = [f"  called fn(A_prev, {options})", f"  with A_prev of shape {A_prev.shape}"]
    inputs = [("input", "A_prev", A_prev)]
    return lines + _slice_panels(inputs, "A", case.expected, array, n, ch)


def _slice_panels(inputs, result, expected, array, n, ch):
    """Feedback lines showing example ``n``, channel ``ch`` of each input, the
    expected result and the learner's, whatever shape the learner returned."""
    m, _, _, c = inputs[0][2].shape
    lines = [f"  showing example {n}, channel {ch}"] if m > 1 or c > 1 else []
    for label, name, values in inputs:
        lines += _show(f"{label} {_slice_label(name, n, ch)}", values[n, :, :, ch])
    lines += _show(f"expected {_slice_label(result, n, ch)}", expected[n, :, :, ch])
    if array.ndim == 4 and n < array.shape[0] and ch < array.shape[3]:
        lines += _show(f"yours {_slice_label(result, n, ch)}", array[n, :, :, ch])
    else:
        lines.append(f"  yours: an array of shape {array.shape}")
    return lines


def check_forward_max(fn, *, time_limit=None, seed=None):
    """Check a max pooling forward pass, ``fn(A_prev, kernel_shape, stride) -> A``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``A_prev`` has shape (m, h, w, c); ``kernel_shape`` and
        ``stride`` are pairs ``(rows, cols)``. Return ``A`` of shape
        (m, h_out, w_out, c), each entry the maximum of one window. No padding.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult

    Notes
    -----
    Cases: a single window, the article's 2 x 2 / stride 2, negative inputs,
    overlapping windows, a size the stride does not divide, a stride larger
    than the kernel, a rectangular kernel and stride, several examples and
    channels, and a NaN (which must come out as NaN); then three random
    inputs of random shapes, kernels and strides.
    """
    return _run(
        "check_forward_max",
        "max pooling forward pass",
        fn,
        _forward_cases("max"),
        lambda rng: _draw_forward(rng, "max"),
        time_limit,
        seed,
    )


def check_forward_avg(fn, *, time_limit=None, seed=None):
    """Check an average pooling forward pass, ``fn(A_prev, kernel_shape, stride) -> A``.

    Parameters
    ----------
    fn : callable or None
        Your function, as for :func:`check_forward_max`, returning each
        window's mean.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    return _run(
        "check_forward_avg",
        "average pooling forward pass",
        fn,
        _forward_cases("avg"),
        lambda rng: _draw_forward(rng, "avg"),
        time_limit,
        seed,
    )


# ---------------------------------------------------------------------------
# Backward passes


def _backward_case(name, A_prev, kernel_shape, stride, mode, dA=None):
    kernel_shape, stride = _pair(kernel_shape), _pair(stride)
    out = pool_forward(A_prev, kernel_shape, stride, mode)
    dA = _upstream(out.shape) if dA is None else dA
    expected = pool_backward(dA, A_prev, kernel_shape, stride, mode)
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": (0, 0),
        "ceil_mode": False,
    }
    return _Case(
        name,
        (dA, A_prev, kernel_shape, stride),
        ("dA", "A_prev", "kernel_shape", "stride"),
        expected,
        _judge_backward,
        info,
    )


def _backward_max_cases():
    ties = np.array([[1, 5, 2, 0], [5, 3, 1, 2], [0, 0, 4, 4], [0, 0, 1, 4]], dtype=float).reshape(
        1, 4, 4, 1
    )
    background = np.zeros((1, 4, 4, 1))
    background[0, 1, 1, 0] = 0.5
    peak = _grid(5, 5, 11)
    peak[0, 2, 2, 0] = 99.0
    stroke = np.zeros((1, 4, 4, 1))
    stroke[0, 1:3, 2, 0] = 1.0
    nan_input = _grid(4, 4, 12)
    nan_input[0, 0, 3, 0] = np.nan
    return [
        _backward_case(
            "one window, no ties (2 x 2 input, kernel 2, stride 2)", _grid(2, 2, 13), 2, 2, "max"
        ),
        _backward_case(
            "non-overlapping windows (kernel 2, stride 2)", _grid(4, 4, 14), 2, 2, "max"
        ),
        _backward_case("tied maxima in a window (kernel 2, stride 2)", ties, 2, 2, "max"),
        _backward_case(
            "windows of zeros, like MNIST's black background (kernel 2, stride 2)",
            background,
            2,
            2,
            "max",
        ),
        _backward_case("overlapping windows (kernel 3, stride 1)", peak, 3, 1, "max"),
        _backward_case("overlapping windows with ties (kernel 2, stride 1)", stroke, 2, 1, "max"),
        _backward_case(
            "a size the stride does not divide (5 x 5, kernel 2, stride 2)",
            _grid(5, 5, 15),
            2,
            2,
            "max",
        ),
        _backward_case(
            "negative inputs (kernel 2, stride 2)", _grid(4, 4, 16, offset=-16.0), 2, 2, "max"
        ),
        _backward_case(
            "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (2, 1))",
            _grid(4, 7, 17),
            (2, 3),
            (2, 1),
            "max",
        ),
        _backward_case(
            "several examples and channels (m = 2, c = 2)", _grid(4, 4, 18, m=2, c=2), 2, 2, "max"
        ),
        _backward_case("a NaN in a window (the NaN takes the gradient)", nan_input, 2, 2, "max"),
    ]


def _backward_avg_cases():
    return [
        _backward_case(
            "one window (2 x 2 input, kernel 2, stride 2)", _grid(2, 2, 21), 2, 2, "avg"
        ),
        _backward_case(
            "non-overlapping windows (kernel 2, stride 2)", _grid(4, 4, 22), 2, 2, "avg"
        ),
        _backward_case("overlapping windows (kernel 3, stride 1)", _grid(5, 5, 23), 3, 1, "avg"),
        _backward_case("overlapping windows (kernel 2, stride 1)", _grid(4, 4, 24), 2, 1, "avg"),
        _backward_case(
            "a size the stride does not divide (5 x 5, kernel 2, stride 2)",
            _grid(5, 5, 25),
            2,
            2,
            "avg",
        ),
        _backward_case(
            "stride larger than the kernel (7 x 7, kernel 2, stride 3)",
            _grid(7, 7, 26),
            2,
            3,
            "avg",
        ),
        _backward_case(
            "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (2, 1))",
            _grid(4, 7, 27),
            (2, 3),
            (2, 1),
            "avg",
        ),
        _backward_case(
            "several examples and channels (m = 2, c = 2)", _grid(4, 4, 28, m=2, c=2), 2, 2, "avg"
        ),
    ]


def _draw_backward(rng, mode):
    size, kernel_shape, stride = _random_window(rng)
    A_prev = _random_batch(rng, size)
    out_shape = (A_prev.shape[0], *output_shape(*size, kernel_shape, stride), A_prev.shape[3])
    return _backward_case(
        _shape_words(A_prev, kernel_shape, stride),
        A_prev,
        kernel_shape,
        stride,
        mode,
        dA=_random_values(rng, out_shape),
    )


def _max_backward_last(dA, A_prev, geometry):
    """Max backward where the *last* of tied maxima wins (the `>=` mistake)."""
    dA_prev = np.zeros(A_prev.shape)
    m, _, _, c = A_prev.shape
    for i, rows in enumerate(geometry.window_positions(0)):
        for j, cols in enumerate(geometry.window_positions(1)):
            for n in range(m):
                for ch in range(c):
                    window = A_prev[n, rows][:, cols, ch]
                    flat = window.size - 1 - int(np.argmax(window.ravel()[::-1]))
                    r, q = np.unravel_index(flat, window.shape)
                    dA_prev[n, rows[r], cols[q], ch] += dA[n, i, j, ch]
    return dA_prev


def _overlap_only(case):
    """Smell test: every wrong cell is one that several windows share (`=` for `+=`)."""
    overlap = _geometry(case).overlap_counts()[None, :, :, None]
    expected = case.expected

    def test(actual):
        wrong = ~np.isclose(actual, expected, rtol=_RTOL, atol=_ATOL, equal_nan=True)
        shared = np.broadcast_to(overlap >= 2, wrong.shape)
        return bool(wrong.any()) and bool(np.all(shared[wrong]))

    return test


def _uncovered_only(case):
    """Smell test: every wrong cell is one that no window covers."""
    overlap = _geometry(case).overlap_counts()[None, :, :, None]
    expected = case.expected

    def test(actual):
        wrong = ~np.isclose(actual, expected, rtol=_RTOL, atol=_ATOL, equal_nan=True)
        lost = np.broadcast_to(overlap == 0, wrong.shape)
        return bool(wrong.any()) and bool(np.all(lost[wrong]))

    return test


_ASSIGN_HINT = (
    "looks like `=` where `+=` is needed: overlapping windows must add. Only "
    "cells that several windows share are wrong; each window adds its share to "
    "dA_prev, so write dA_prev[...] += ... ."
)


def _backward_smells(case):
    dA, A_prev, kernel_shape, stride = case.args
    mode, expected = case.info["mode"], case.expected
    (kh, kw) = kernel_shape
    smells = [(_overlap_only(case), _ASSIGN_HINT)]
    if mode == "max":
        nan_cells = np.isnan(A_prev)
        smells += [
            (
                _looks_like(pool_backward(dA, A_prev, kernel_shape, stride, ties="all")),
                "every tied maximum got the full gradient (the original article's rule): ask "
                "for the first one (ties='first'), as PyTorch and TensorFlow do. Scan the window "
                "in row-major order and keep the first cell equal to its maximum, e.g. with "
                "np.argmax.",
            ),
            (
                _looks_like(pool_backward(dA, A_prev, kernel_shape, stride, ties="split")),
                "the gradient was split between tied maxima: frameworks give all of it to the "
                "first one (ties='first'), e.g. with np.argmax.",
            ),
            (
                _looks_like(_max_backward_last(dA, A_prev, _geometry(case))),
                "the last of the tied maxima got the gradient: the first one should (compare "
                "with a strict `>` when scanning, or use np.argmax, which returns the first).",
            ),
            (
                lambda actual: bool(nan_cells.any()) and bool(np.all(actual[nan_cells] == 0)),
                "the NaN got no gradient: a NaN wins its window, but `window == window.max()` is "
                "False everywhere because NaN == NaN is False. np.argmax returns the NaN's "
                "position; or test np.isnan as well.",
            ),
            (
                _looks_like(pool_backward(np.ones_like(dA), A_prev, kernel_shape, stride)),
                "each winner got 1 instead of its window's upstream gradient: multiply the mask "
                "by dA[n, i, j, c].",
            ),
        ]
    else:
        smells += [
            (
                _looks_like(expected * kh * kw),
                f"every cell got the window's whole gradient: divide dA by the kh * kw = "
                f"{kh * kw} cells the window averaged.",
            ),
            (
                _uncovered_only(case),
                "cells that no window covers (the rows and columns the floor drops, or the gaps "
                "when the stride is larger than the kernel) must get no gradient.",
            ),
        ]
    other = "avg" if mode == "max" else "max"
    smells.append(
        (
            _looks_like(pool_backward(dA, A_prev, kernel_shape, stride, other)),
            "this is the gradient of "
            + ("average" if other == "avg" else "max")
            + " pooling: "
            + (
                "send each window's gradient to its maximum."
                if mode == "max"
                else "spread it evenly over the window."
            ),
        )
    )
    if mode == "avg":
        smells.append(
            (
                _constant_ratio(expected),
                f"every value is off by the same factor: check the divisor. Each cell "
                f"of a window gets dA / (kh * kw) = dA / {kh * kw} from it.",
            )
        )
    return smells


def _constant_ratio(expected):
    """Smell test: the answer is the expected one times a constant (a wrong divisor)."""

    def test(actual):
        nonzero = expected != 0
        if not nonzero.any() or np.any(actual[~nonzero] != 0):
            return False
        ratio = actual[nonzero] / expected[nonzero]
        return bool(np.allclose(ratio, ratio.flat[0])) and not np.isclose(ratio.flat[0], 1)

    return test


def _judge_backward(case, actual):
    dA, A_prev, kernel_shape, _ = case.args
    expected = case.expected
    array = _as_float_array(actual)
    if array is None:
        return _Failure(
            f"returned {type(actual).__name__}", "return a NumPy array shaped like A_prev."
        )
    if array.shape != expected.shape:
        hint = (
            f"dA_prev is the gradient with respect to A_prev, so it has A_prev's shape "
            f"{A_prev.shape}"
        )
        if array.shape == dA.shape:
            hint += ", not dA's: start from np.zeros_like(A_prev) and add into it."
        return _Failure(
            f"shape {array.shape}, expected {expected.shape}",
            hint + ".",
            _backward_details(case, array, 0, 0),
        )
    if _close(array, expected):
        return None
    wrong = ~np.isclose(array, expected, rtol=_RTOL, atol=_ATOL, equal_nan=True)
    index = _where_first(wrong)
    hint = _first_hint(_backward_smells(case), array) or _cell_hint(case, array, index)
    return _Failure("wrong values", hint, _backward_details(case, array, index[0], index[3]))


def _cell_hint(case, array, index):
    """Name the first wrong cell of dA_prev and the windows that cover it."""
    n, r, q, ch = index
    geometry = _geometry(case)
    windows = [
        (i, j)
        for i, rows in enumerate(geometry.window_positions(0))
        if r in rows
        for j, cols in enumerate(geometry.window_positions(1))
        if q in cols
    ]
    where = (
        f"dA_prev[{n}, {r}, {q}, {ch}] should be {case.expected[index]:g}, yours is "
        f"{array[index]:g}. "
    )
    if not windows:
        return where + "No window covers that cell, so its gradient is 0."
    listed = ", ".join(f"({i}, {j})" for i, j in windows[:6])
    ratio = ""
    if case.info["mode"] == "avg":
        kh, kw = case.info["kernel_shape"]
        ratio = (
            f" Each covering window sends it dA[{n}, i, j, {ch}] / {kh * kw}, and the "
            "contributions add."
        )
    return where + f"It lies in the windows (i, j) = {listed}.{ratio}"


def _backward_details(case, array, n, ch):
    dA, A_prev, kernel_shape, stride = case.args
    lines = [
        f"  called fn(dA, A_prev, kernel_shape={kernel_shape!r}, stride={stride!r})",
        f"  with A_prev of shape {A_prev.shape} and dA of shape {dA.shape}",
    ]
    inputs = [("input", "A_prev", A_prev), ("upstream gradient", "dA", dA)]
    return lines + _slice_panels(inputs, "dA_prev", case.expected, array, n, ch)


def check_backward_max(fn, *, time_limit=None, seed=None):
    """Check a max pooling backward pass, ``fn(dA, A_prev, kernel_shape, stride) -> dA_prev``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``dA`` has the forward output's shape (m, h_out, w_out, c),
        ``A_prev`` is the forward input (m, h, w, c). Return ``dA_prev``, shaped
        like ``A_prev``: each window's gradient goes to its maximum; of tied
        maxima, the first in row-major order takes it (PyTorch's rule); a NaN
        wins its window; overlapping windows add.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    return _run(
        "check_backward_max",
        "max pooling backward pass",
        fn,
        _backward_max_cases(),
        lambda rng: _draw_backward(rng, "max"),
        time_limit,
        seed,
    )


def check_backward_avg(fn, *, time_limit=None, seed=None):
    """Check an average pooling backward pass, ``fn(dA, A_prev, kernel_shape, stride) -> dA_prev``.

    Parameters
    ----------
    fn : callable or None
        Your function, as for :func:`check_backward_max`: every cell of a
        window gets ``dA / (kh * kw)`` from it, and overlapping windows add.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    return _run(
        "check_backward_avg",
        "average pooling backward pass",
        fn,
        _backward_avg_cases(),
        lambda rng: _draw_backward(rng, "avg"),
        time_limit,
        seed,
    )


# ---------------------------------------------------------------------------
# Padding and ceil mode


def _padding_case(
    name, A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad=True
):
    kernel_shape, stride, padding = _pair(kernel_shape), _pair(stride), _pair(padding)
    expected = pool_forward(
        A_prev,
        kernel_shape,
        stride,
        mode,
        padding=padding,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil_mode,
        "count_include_pad": count_include_pad,
    }
    return _Case(
        name,
        (A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad),
        ("A_prev", "kernel_shape", "stride", "mode", "padding", "ceil_mode", "count_include_pad"),
        expected,
        _judge_padding,
        info,
    )


def _padding_cases():
    return [
        _padding_case(
            "no padding, no ceil mode (plain pooling still works)",
            _grid(4, 4, 31),
            2,
            2,
            "max",
            0,
            False,
        ),
        _padding_case(
            "max with padding 1 (5 x 5, kernel 3, stride 2)", _grid(5, 5, 32), 3, 2, "max", 1, False
        ),
        _padding_case(
            "max with padding 1 on negative inputs (4 x 4, kernel 2, stride 2)",
            _grid(4, 4, 33, offset=-16.0),
            2,
            2,
            "max",
            1,
            False,
        ),
        _padding_case(
            "avg with padding 1, count_include_pad=True (4 x 4, kernel 3, stride 1)",
            _grid(4, 4, 34),
            3,
            1,
            "avg",
            1,
            False,
            True,
        ),
        _padding_case(
            "avg with padding 1, count_include_pad=False (4 x 4, kernel 3, stride 1)",
            _grid(4, 4, 34),
            3,
            1,
            "avg",
            1,
            False,
            False,
        ),
        _padding_case(
            "max in ceil mode: a partial last window (5 x 5, kernel 2, stride 2)",
            _grid(5, 5, 35),
            2,
            2,
            "max",
            0,
            True,
        ),
        _padding_case(
            "max in ceil mode on negative inputs (5 x 5, kernel 2, stride 2)",
            _grid(5, 5, 36, offset=-25.0),
            2,
            2,
            "max",
            0,
            True,
        ),
        _padding_case(
            "avg in ceil mode: the overhang is not counted (5 x 5, kernel 2, stride 2)",
            _grid(5, 5, 37),
            2,
            2,
            "avg",
            0,
            True,
        ),
        _padding_case(
            "avg in ceil mode with padding 1, count_include_pad=True (6 x 6, kernel 3, stride 2)",
            _grid(6, 6, 38),
            3,
            2,
            "avg",
            1,
            True,
            True,
        ),
        _padding_case(
            "avg in ceil mode with padding 1, count_include_pad=False (6 x 6, kernel 3, stride 2)",
            _grid(6, 6, 38),
            3,
            2,
            "avg",
            1,
            True,
            False,
        ),
        _padding_case(
            "ceil mode drops a window that would start at or past the input's end "
            "(5 x 5, kernel 2, stride 2, padding 1)",
            _grid(5, 5, 39),
            2,
            2,
            "max",
            1,
            True,
        ),
        _padding_case(
            "rectangular padding (1, 0) (5 x 4, kernel (3, 2), stride 2)",
            _grid(5, 4, 40),
            (3, 2),
            2,
            "avg",
            (1, 0),
            False,
            True,
        ),
    ]


def _draw_padding(rng):
    # Kernels of 2 or more: a 1-cell kernel can take no padding.
    kernel_shape, stride = _random_ints(rng, 2, 4, 2), _random_ints(rng, 1, 3, 2)
    padding = tuple(_random_ints(rng, 0, k // 2, 1)[0] for k in kernel_shape)
    extra = _random_ints(rng, 0, 4, 2)
    size = tuple(
        max(k - 2 * p, 1) + e for k, p, e in zip(kernel_shape, padding, extra, strict=True)
    )
    A_prev = _random_batch(rng, size, max_c=2)
    mode = ("max", "avg")[int(rng.integers(2))]
    ceil_mode, count_include_pad = bool(rng.integers(2)), bool(rng.integers(2))
    name = (
        f"{mode}, {_shape_words(A_prev, kernel_shape, stride)}, padding {padding}, "
        f"ceil_mode={ceil_mode}"
    )
    if mode == "avg":
        name += f", count_include_pad={count_include_pad}"
    return _padding_case(
        name, A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad
    )


def _padding_shape_hint(case, array):
    A_prev = case.args[0]
    info = case.info
    (h, w), (kh, kw), (sh, sw) = A_prev.shape[1:3], info["kernel_shape"], info["stride"]
    (ph, pw), ceil_mode = info["padding"], info["ceil_mode"]
    right = case.expected.shape[1:3]

    def sizes(**change):
        options = {"p": (ph, pw), "ceil_mode": ceil_mode, "drop": True, "extra": 0}
        options.update(change)
        return tuple(
            _axis_size(
                n + options["extra"] * p,
                k,
                s,
                p if options["p"] else 0,
                1,
                options["ceil_mode"],
                options["drop"],
            )
            for n, k, s, p in zip((h, w), (kh, kw), (sh, sw), (ph, pw), strict=True)
        )

    smells = [
        (
            sizes(drop=False),
            "in ceil mode the last window must start inside the input or the "
            "left padding: drop a window that would start at or past the input's end "
            "(row h or later, in the right padding or beyond it).",
        ),
        (
            sizes(ceil_mode=False),
            "ceil_mode is ignored: in ceil mode a last, partial window is "
            "kept, floor((h + 2ph - kh + sh - 1) / sh) + 1.",
        ),
        (sizes(p=None), "padding is ignored: the padded input has h + 2 * ph rows."),
        (
            sizes(extra=-1),
            "padding goes on both sides: the padded input has h + 2 * ph rows, not h + ph.",
        ),
    ]
    spatial = tuple(array.shape[1:3]) if array.ndim == 4 else None
    hint = _all_hints(text for bad, text in smells if spatial == bad and bad != right)
    return hint or (
        f"the output must have shape {case.expected.shape}: see output_shape() for the "
        "number of windows with padding and ceil mode."
    )


def _padding_smells(case):
    A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad = case.args
    expected = case.expected
    geometry = _geometry(case)
    if mode == "max":
        rows_whole = geometry.inside(0).all(axis=1)
        cols_whole = geometry.inside(1).all(axis=1)
        touches = ~(rows_whole[:, None] & cols_whole[None, :])[None, :, :, None]
        where = "the padding" if padding != (0, 0) else "the ceil-mode overhang"
        return [
            (
                _looks_like(np.where(touches, np.maximum(expected, 0), expected)),
                f"padding with zeros wins over negative inputs: pad max with -inf. Windows that "
                f"reach into {where} came out as 0; cells outside the input must never win.",
            )
        ]
    options = {"padding": padding, "ceil_mode": ceil_mode}
    sums = pool_forward(A_prev, kernel_shape, stride, "avg", divisor_override=1, **options)
    inside = [geometry.inside(a).sum(axis=1) for a in (0, 1)]
    padded = [geometry.in_padding(a).sum(axis=1) for a in (0, 1)]
    full = [np.full(n, k) for n, k in zip(geometry.out_shape, kernel_shape, strict=True)]

    def dividing_by(rows, cols):
        return _looks_like(sums / (rows[:, None] * cols[None, :])[None, :, :, None])

    overhang_hint = (
        "ceil-mode overhang counted in the divisor: cells past the padding are "
        "never counted, even with count_include_pad=True. Divide by the cells "
        "inside the input (plus padding cells when count_include_pad is True)."
    )
    if count_include_pad:
        return [
            (dividing_by(*full), overhang_hint),
            (
                dividing_by(*inside),
                "count_include_pad=True: padding cells count in the divisor "
                "(as zeros), so a window with 3 x 3 cells divides by 9 even "
                "near the border.",
            ),
        ]
    # Without ceil mode "every cell" and "input and padding" are the same divisor:
    # test for counting the padding first, the likelier mistake.
    overhang = [f - i - p for f, i, p in zip(full, inside, padded, strict=True)]
    return [
        (
            dividing_by(inside[0] + padded[0], inside[1] + padded[1]),
            "count_include_pad=False: divide by the cells inside the input only, not by the "
            "padding.",
        ),
        (dividing_by(*full), overhang_hint),
        (dividing_by(inside[0] + overhang[0], inside[1] + overhang[1]), overhang_hint),
    ]


def _judge_padding(case, actual):
    expected = case.expected
    array = _as_float_array(actual)
    if array is None:
        return _Failure(
            f"returned {type(actual).__name__}",
            "return a NumPy array of shape (m, h_out, w_out, c).",
        )
    if array.shape != expected.shape:
        return _Failure(
            f"shape {array.shape}, expected {expected.shape}",
            _padding_shape_hint(case, array),
            _forward_details(case, array, 0, 0),
        )
    if _close(array, expected):
        return None
    wrong = ~np.isclose(array, expected, rtol=_RTOL, atol=_ATOL, equal_nan=True)
    index = _where_first(wrong)
    hint = _first_hint(_padding_smells(case), array) or _window_hint(case, index)
    return _Failure("wrong values", hint, _forward_details(case, array, index[0], index[3]))


def check_padding(fn, *, time_limit=None, seed=None):
    """Check pooling with padding and ceil mode, PyTorch's rules.

    The function is called as
    ``fn(A_prev, kernel_shape, stride, mode, padding, ceil_mode, count_include_pad)``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``A_prev`` has shape (m, h, w, c); ``kernel_shape``,
        ``stride`` and ``padding`` are pairs; ``mode`` is 'max' or 'avg'.
        Padding never wins a max (pad with -inf); an average counts padding
        cells in its divisor only when ``count_include_pad`` is True, and
        never counts the ceil-mode overhang beyond the padding; in ceil mode a
        last window that would start at or past the input's end (in the right
        padding or beyond it) is dropped.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    return _run(
        "check_padding",
        "pooling with padding and ceil mode",
        fn,
        _padding_cases(),
        _draw_padding,
        time_limit,
        seed,
    )


# ---------------------------------------------------------------------------
# TensorFlow's 'SAME' padding


def _same_padding(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return (total // 2, total - total // 2)


def _judge_same(case, actual):
    n, k, s = case.args
    expected = case.expected
    details = (
        [
            f"  called fn(n={n}, kernel={k}, stride={s}); 'SAME' makes ceil(n / s) = "
            f"{-(-n // s)} windows"
        ]
        + _show("expected (before, after)", expected)
        + _show("yours", actual)
    )
    if isinstance(actual, np.ndarray) and actual.size <= 2:
        actual = actual.tolist()
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return _Failure(
            f"returned {_brief(actual)}",
            "return a pair (before, after): the padding "
            "added at the start and at the end of the axis.",
            details,
        )
    actual = tuple(actual)
    if actual == expected:
        return None
    total = expected[0] + expected[1]
    smells = [
        (
            (expected[1], expected[0]),
            "the odd extra cell went to the wrong side: TensorFlow puts it at the end (bottom or "
            "right), before = total // 2, after = total - before. PyTorch's symmetric padding "
            "cannot express this case.",
        ),
        (
            ((k - 1) // 2, k - 1 - (k - 1) // 2),
            "k - 1 cells of padding suit stride 1 only: 'SAME' needs total = (ceil(n / s) - 1) * s "
            "+ k - n, at least 0.",
        ),
    ]
    unclipped = (-(-n // s) - 1) * s + k - n
    smells.append(
        (
            (unclipped // 2, unclipped - unclipped // 2),
            "the total padding can come out negative when the stride is larger than the "
            "kernel: clip it at 0, total = max((ceil(n / s) - 1) * s + k - n, 0).",
        )
    )
    hint = next((h for bad, h in smells if actual == bad and bad != expected), None) or (
        f"'SAME' needs total = max((ceil(n / s) - 1) * s + k - n, 0) = {total} cells, "
        "split with the extra one at the end."
    )
    return _Failure(f"{actual}, expected {expected}", hint, details)


def _draw_same_padding(rng):
    n, k, s = (
        _random_ints(rng, 1, 40, 1)[0],
        _random_ints(rng, 1, 6, 1)[0],
        _random_ints(rng, 1, 4, 1)[0],
    )
    return _Case(
        f"n {n}, kernel {k}, stride {s}",
        (n, k, s),
        ("n", "kernel", "stride"),
        _same_padding(n, k, s),
        _judge_same,
    )


def check_same_padding(fn, *, time_limit=None, seed=None):
    """Check TensorFlow's 'SAME' padding on one axis, ``fn(n, kernel, stride) -> (before, after)``.

    'SAME' makes ``ceil(n / s)`` windows, padding ``total = max((ceil(n/s) - 1) * s + k - n, 0)``
    cells: ``total // 2`` before, the rest (one more when ``total`` is odd) after.

    Parameters
    ----------
    fn : callable or None
        Your function, taking three ints.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    calls = [
        ("the article's setting (n 28, kernel 2, stride 2)", (28, 2, 2)),
        ("kernel 3, stride 1 (n 5): one cell each side", (5, 3, 1)),
        ("an even kernel, stride 1 (n 5, kernel 4): odd total", (5, 4, 1)),
        ("a size the stride does not divide (n 28, kernel 3, stride 2)", (28, 3, 2)),
        ("kernel 5, stride 2 (n 10)", (10, 5, 2)),
        ("stride larger than the kernel (n 6, kernel 1, stride 2)", (6, 1, 2)),
        ("stride larger than the kernel (n 7, kernel 2, stride 3)", (7, 2, 3)),
    ]
    cases = [
        _Case(name, args, ("n", "kernel", "stride"), _same_padding(*args), _judge_same)
        for name, args in calls
    ]
    return _run(
        "check_same_padding",
        "TensorFlow 'SAME' padding",
        fn,
        cases,
        _draw_same_padding,
        time_limit,
        seed,
    )


# ---------------------------------------------------------------------------
# Gradient checking


def _square(x):
    return x**2


def _cube(x):
    return x**3


def _mixed(x):
    return x * np.sum(x)


def _max_pool(x):
    return pool_forward(x, 2, 2)


def _gradient_case(name, f, text, x, upstream):
    return _Case(
        name,
        (f, x, upstream),
        ("f", "x", "upstream"),
        numeric_gradient(f, x, upstream),
        _judge_gradient,
        {"text": text},
    )


def _gradient_cases():
    calls = [
        (
            "a square, f(x) = x**2, upstream all ones",
            _square,
            "x**2",
            np.array([1.0, -3.0, 0.5]),
            np.ones(3),
        ),
        (
            "a cube, f(x) = x**3, where a one-sided difference is inaccurate",
            _cube,
            "x**3",
            np.array([[0.5, -1.0], [2.0, 1.5]]),
            np.ones((2, 2)),
        ),
        (
            "weights from upstream, L = sum(sin(x) * upstream)",
            np.sin,
            "np.sin(x)",
            np.array([[0.3, -1.2, 2.0], [0.0, 0.7, -0.4]]),
            np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]),
        ),
        (
            "entries that interact, f(x) = x * np.sum(x)",
            _mixed,
            "x * np.sum(x)",
            np.array([1.0, 2.0, -0.5, 3.0]),
            np.ones(4),
        ),
        (
            "max pooling on a tie-free input (4 x 4, kernel 2, stride 2)",
            _max_pool,
            "pool_forward(x, 2, 2)",
            tie_free((1, 4, 4, 1), seed=3),
            _upstream((1, 2, 2, 1)),
        ),
    ]
    return [_gradient_case(*call) for call in calls]


def _draw_gradient(rng):
    functions = [
        (_square, "x**2"),
        (_cube, "x**3"),
        (np.sin, "np.sin(x)"),
        (_mixed, "x * np.sum(x)"),
    ]
    while True:
        choice = int(rng.integers(len(functions) + 1))
        if choice == len(functions):
            f, text = _max_pool, "pool_forward(x, 2, 2)"
            shape = (1, *(2 * v for v in _random_ints(rng, 1, 3, 2)), 1)
            x = tie_free(shape, seed=int(rng.integers(_SEED_RANGE)))
            out_shape = (1, shape[1] // 2, shape[2] // 2, 1)
        else:
            f, text = functions[choice]
            shape = _random_ints(rng, 2, 4, int(rng.integers(1, 3)))
            x = rng.integers(-2000, 2001, size=shape) / 1000
            out_shape = shape
        signs = rng.choice([-1.0, 1.0], size=out_shape)
        upstream = signs * rng.integers(100, 3001, size=out_shape) / 1000
        case = _gradient_case(f"f(x) = {text}, x of shape {shape}", f, text, x, upstream)
        # A partial derivative near 0 is all rounding error, and a right answer
        # summed in another order would fail the relative-error test on it.
        gradient = np.abs(case.expected)
        if np.all((gradient == 0) | (gradient > 0.05)):
            return case


def _one_sided(f, x, upstream, h=1e-5):
    x = np.array(x, dtype=float)
    base = np.sum(f(x) * upstream)
    grad = np.zeros_like(x)
    for k in range(x.size):
        nudged = x.copy()
        nudged.flat[k] += h
        grad.flat[k] = (np.sum(f(nudged) * upstream) - base) / h
    return grad


def _judge_gradient(case, actual):
    f, x, upstream = case.args
    expected = case.expected
    details = [f"  f(x) = {case.info['text']}"] + _show("x", x) + _show("upstream", upstream)
    details += _show("expected (numeric gradient)", expected)
    array = _as_float_array(actual)
    if array is None or array.shape != x.shape:
        shape = None if array is None else array.shape
        return _Failure(
            f"returned shape {shape}",
            f"return an array shaped like x, {x.shape}: one partial derivative per entry of x.",
            details,
        )
    details += _show("yours", array)
    error = rel_error(array, expected)
    if error < 1e-7:
        return None
    smells = [
        (
            _looks_like(2 * expected),
            "your gradient is twice too large: the central difference "
            "divides by 2h, the distance between x - h and x + h.",
        ),
        (
            _looks_like(expected / 2),
            "your gradient is half too small: divide by 2h, not 4h "
            "(or nudge by h each way, not h/2).",
        ),
        (_looks_like(-expected), "the sign is flipped: it is (L(x + h) - L(x - h)) / 2h."),
        (
            lambda a: (
                rel_error(a, _one_sided(f, x, upstream)) < 1e-6
                or rel_error(a, -_one_sided(f, x, -upstream)) < 1e-6
            ),
            "accurate only to about h: looks like a one-sided difference (L(x + h) - L(x)) / h. "
            "The central difference (L(x + h) - L(x - h)) / 2h is accurate to about h**2.",
        ),
        (
            _looks_like(numeric_gradient(f, x, np.ones_like(upstream))),
            "the upstream weights are missing: the loss is L(x) = sum(f(x) * upstream), so "
            "multiply f's output by upstream before summing.",
        ),
    ]
    hint = _first_hint(smells, array) or (
        f"relative error {error:.1e} (should be below 1e-7). Nudge one entry of x at a time by "
        "+h and -h, restore it, and divide the change of L = sum(f(x) * upstream) by 2h."
    )
    return _Failure(f"relative error {error:.1e}", hint, details)


def check_numeric_gradient(fn, *, time_limit=None, seed=None):
    """Check a central-difference numeric gradient, ``fn(f, x, upstream) -> grad``.

    Parameters
    ----------
    fn : callable or None
        Your function: for every entry ``x[k]``, ``(L(x + h e_k) - L(x - h e_k)) / 2h``
        with ``L(x) = sum(f(x) * upstream)`` and ``h = 1e-5`` (its default:
        the checker passes only ``f, x, upstream``). ``x`` must be unchanged
        afterwards. Passes when the relative error to
        :func:`pooling_lib.gradcheck.numeric_gradient` is below 1e-7.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    return _run(
        "check_numeric_gradient",
        "numeric gradient",
        fn,
        _gradient_cases(),
        _draw_gradient,
        time_limit,
        seed,
    )


_MIN_GAP = 1e-4


def _judge_tie_free(case, actual):
    shape = case.args[0]
    details = [f"  called fn(shape={shape}, seed={case.args[1]})"]
    array = np.asarray(actual) if isinstance(actual, np.ndarray) else None
    if array is None or array.shape != shape:
        got = type(actual).__name__ if array is None else f"shape {array.shape}"
        return _Failure(f"returned {got}", f"return a NumPy array of shape {shape}.", details)
    if array.dtype.kind != "f":
        return _Failure(
            f"dtype {array.dtype}",
            "return floats (e.g. .astype(float)): the gradient check nudges entries by h = 1e-5.",
            details,
        )
    if not np.all(np.isfinite(array)):
        return _Failure(
            "not finite", "every value must be a finite number (no NaN or inf).", details
        )
    values = np.sort(array.ravel())
    gaps = np.diff(values)
    if gaps.size and gaps.min() < _MIN_GAP:
        k = int(np.argmin(gaps))
        return _Failure(
            f"two values only {gaps[k]:.1e} apart",
            f"two values ({values[k]:.6g} and {values[k + 1]:.6g}) are only {gaps[k]:.1e} apart, "
            f"less than {_MIN_GAP:g}: a nudge of h = 1e-5 could swap the winner of a window, "
            "or tie them. Random floats crowd together as the array grows: space the values "
            "evenly and shuffle them, e.g. rng.permutation(n) * 0.01.",
            details,
        )
    return case.info["extra"](case, array, details)


def _no_extra(case, array, details):
    return None


def _same_seed(case, array, details):
    again = case.info["fn"](*case.args)
    if not _same_value(np.asarray(again), array):
        return _Failure(
            "a second call differs",
            "the same seed must give the same array: "
            "make a generator with np.random.default_rng(seed) and draw from it.",
            details,
        )
    return None


def _other_seed(case, array, details):
    other = case.info["fn"](case.args[0], case.args[1] + 1)
    if _same_value(np.asarray(other), array):
        return _Failure(
            "seed ignored",
            "a different seed should give a different array: "
            "pass the seed to np.random.default_rng(seed).",
            details,
        )
    return None


def _tie_free_cases():
    calls = [
        ("one small map (shape (1, 4, 4, 1), seed 0)", ((1, 4, 4, 1), 0), _no_extra),
        ("a batch with channels (shape (2, 6, 6, 3), seed 1)", ((2, 6, 6, 3), 1), _no_extra),
        (
            "an MNIST-sized pair of maps (shape (1, 28, 28, 2), seed 0)",
            ((1, 28, 28, 2), 0),
            _no_extra,
        ),
        ("the same seed twice gives the same array (seed 7)", ((2, 3, 3, 1), 7), _same_seed),
        ("another seed gives another array (seeds 4 and 5)", ((1, 3, 3, 2), 4), _other_seed),
    ]
    return [
        _Case(name, args, ("shape", "seed"), None, _judge_tie_free, {"extra": extra})
        for name, args, extra in calls
    ]


def _draw_tie_free(rng, fn):
    """A random shape and seed; ``fn`` is the learner's function, called again with them."""
    shape = (*_random_ints(rng, 1, 3, 1), *_random_ints(rng, 2, 12, 2), *_random_ints(rng, 1, 3, 1))
    seed = int(rng.integers(_SEED_RANGE))
    return _Case(
        f"called with shape {shape} and seed {seed}, twice",
        (shape, seed),
        ("shape", "seed"),
        None,
        _judge_tie_free,
        {"extra": _same_seed, "fn": fn},
    )


def check_tie_free(fn, *, time_limit=None, seed=None):
    """Check a maker of gradient-check inputs, ``fn(shape, seed) -> array``.

    The array must have ``shape``, hold finite floats any two of which differ
    by at least 1e-4 (so a nudge of ``h = 1e-5`` never changes a max pool's
    winner), and depend on ``seed`` only: the same seed, the same array.

    Parameters
    ----------
    fn : callable or None
        Your function; ``shape`` is a tuple, ``seed`` an int.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    cases = _tie_free_cases()
    for case in cases:
        case.info["fn"] = _quiet(fn)
    return _run(
        "check_tie_free",
        "tie-free test inputs",
        fn,
        cases,
        lambda rng: _draw_tie_free(rng, _quiet(fn)),
        time_limit,
        seed,
    )


def _quiet(fn):
    """``fn`` with warnings silenced, for the checker's extra calls."""

    def call(*args):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args)

    return call


# ---------------------------------------------------------------------------
# The adjoint (dot-product) test


def _pooling_pair(A_prev, kernel_shape, stride, factor=1.0):
    """Average pooling's forward and backward at ``A_prev``; ``factor`` plants a bug."""

    def forward(a):
        return pool_forward(a, kernel_shape, stride, "avg")

    def backward(d):
        return factor * pool_backward(d, A_prev, kernel_shape, stride, "avg")

    return forward, backward


def _matrix_pair(matrix):
    return (lambda v: matrix @ v), (lambda w: matrix.T @ w)


def _adjoint_case(name, forward, backward, x, g):
    return _Case(
        name,
        (forward, backward, x, g),
        ("forward", "backward", "x", "g"),
        (float(np.sum(forward(x) * g)), float(np.sum(x * backward(g)))),
        _judge_adjoint,
    )


def _adjoint_cases():
    rng = np.random.default_rng(41)
    cases = []

    def pooling(name, kernel, stride, factor=1.0):
        x = rng.normal(size=(1, 5, 5, 1)).round(2)
        forward, backward = _pooling_pair(x, kernel, stride, factor)
        g = rng.normal(size=forward(x).shape).round(2)
        cases.append(_adjoint_case(name, forward, backward, x, g))

    pooling("avg pooling (kernel 2, stride 2; the floor drops a row and a column)", 2, 2)
    pooling("avg pooling with overlapping windows (kernel 3, stride 1)", 3, 1)
    pooling("a buggy backward that forgot to divide: the two sides must differ", 2, 1, factor=4.0)
    matrix = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    cases.append(
        _adjoint_case(
            "a matrix and its transpose, on vectors",
            *_matrix_pair(matrix),
            np.array([0.5, -2.0, 1.0]),
            np.array([3.0, 1.5]),
        )
    )
    return cases


def _draw_adjoint(rng):
    if rng.integers(3) == 0:
        rows, cols = _random_ints(rng, 1, 5, 2)
        matrix = rng.normal(size=(rows, cols)).round(2)
        x, g = rng.normal(size=cols).round(2), rng.normal(size=rows).round(2)
        return _adjoint_case(
            f"a {rows} x {cols} matrix and its transpose", *_matrix_pair(matrix), x, g
        )
    size, kernel_shape, stride = _random_window(rng, max_kernel=3, max_stride=3)
    x = rng.normal(size=(1, *size, 1)).round(2)
    # Sometimes a backward pass with a bug: the two sides must then differ.
    factor = float((1, 1, 2, 4)[int(rng.integers(4))])
    forward, backward = _pooling_pair(x, kernel_shape, stride, factor)
    g = rng.normal(size=forward(x).shape).round(2)
    bug = f", backward times {factor:g} (a bug)" if factor != 1 else ""
    name = f"avg pooling, {size[0]} x {size[1]} input, kernel {kernel_shape}, stride {stride}{bug}"
    return _adjoint_case(name, forward, backward, x, g)


def _judge_adjoint(case, actual):
    expected = case.expected
    details = [
        f"  called fn(forward, backward, x, g) with x of shape {case.args[2].shape} "
        f"and g of shape {case.args[3].shape}"
    ]
    details += _show("expected (lhs, rhs)", tuple(round(v, 6) for v in expected))
    details += _show("yours", actual)
    try:
        # Three at most: two for the answer, one to tell that there are more.
        # An iterator may never end (itertools.count()).
        pair = tuple(float(v) for v in itertools.islice(iter(actual), 3))
    except (TypeError, ValueError):
        return _Failure(
            f"returned {type(actual).__name__}",
            "return a pair of numbers: (lhs, rhs) = (np.sum(forward(x) * g), "
            "np.sum(x * backward(g))), not their difference.",
            details,
        )
    if len(pair) != 2:
        count = "more than two" if len(pair) > 2 else str(len(pair))
        return _Failure(
            f"returned {count} numbers", "return exactly two numbers, (lhs, rhs).", details
        )
    if np.allclose(pair, expected, rtol=1e-9, atol=1e-12):
        return None
    smells = [
        (
            (expected[1], expected[0]),
            "the two numbers are swapped: return (lhs, rhs) with lhs = "
            "np.sum(forward(x) * g) and rhs = np.sum(x * backward(g)).",
        ),
    ]
    hint = next((h for bad, h in smells if np.allclose(pair, bad, rtol=1e-9, atol=1e-12)), None)
    return _Failure(
        "wrong numbers",
        hint
        or (
            "lhs multiplies forward(x) by g entry by entry and sums (np.sum(forward(x) * g)); rhs "
            "does the same with x and backward(g). Both are plain numbers."
        ),
        details,
    )


def check_adjoint_test(fn, *, time_limit=None, seed=None):
    """Check an adjoint (dot-product) test, ``fn(forward, backward, x, g) -> (lhs, rhs)``.

    For a linear ``forward`` with backward pass ``backward``, ``lhs = <forward(x), g>``
    and ``rhs = <x, backward(g)>`` (sums of elementwise products) are equal; a
    buggy backward breaks the equality.

    Parameters
    ----------
    fn : callable or None
        Your function: ``forward`` maps arrays shaped like ``x`` to arrays
        shaped like ``g``, ``backward`` the other way. Return the two numbers.
    time_limit : float, optional
        Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
        waits for ever.
    seed : int, optional
        Draws the random cases from this seed, the one a failing random case
        printed. By default they are new on every call.

    Returns
    -------
    CheckResult
    """
    return _run(
        "check_adjoint_test", "adjoint test", fn, _adjoint_cases(), _draw_adjoint, time_limit, seed
    )
