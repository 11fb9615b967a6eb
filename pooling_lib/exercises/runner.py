"""Calling the learner's code safely: time limits, exits caught, every case run and judged.

:func:`run_checker` is what every checker calls: it runs the fixed cases,
then the random ones, each within the time limit and with ``exit()`` made to
raise, judges every answer, and hands the outcomes to
:func:`~pooling_lib.exercises.report.print_report`.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import math
import numbers
import secrets
import signal
import sys
import textwrap
import threading
import time
import warnings

import numpy as np

from .cases import NOT_RUN, SEED_RANGE, Failure
from .judging import same_value
from .report import error_text, not_attempted, print_report, show

# A few random cases are enough to catch an answer that remembers the fixed
# ones; more would only slow a slow (loop-based) solution down.
_RANDOM_CASES = 3
# Once time is up the checker raises again this often (seconds): learner code
# with a bare `except:` inside its loop swallows the first one.
_TICK = 0.05
# When the learner's function raises, its inputs are printed for them to run it
# on: arrays of up to this many cells per (example, channel) slice in full,
# slice by slice, as the checkers' panels show them, and up to this many slices.
_PRINT_CELLS = 100
_PRINT_SLICES = 6
# A limit longer than this (about 116 days) is no limit: setitimer refuses
# timestamps past time_t and Event.wait past threading.TIMEOUT_MAX, and no
# learner waits that long for a case anyway.
_LONGEST_LIMIT = min(1e7, threading.TIMEOUT_MAX)


# The keywords every checker takes, and what it returns, written once for all
# checkers' docstrings: see checker_doc.
_KEYWORDS_DOC = """\
time_limit : float, optional
    Seconds each case may run (default :data:`TIME_LIMIT`, 5); ``math.inf``
    waits for ever, and so does any limit above 1e7 s (about 116 days).
seed : int, optional
    Draws the random cases from this seed, the one a failing random case
    printed. By default they are new on every call.

Returns
-------
CheckResult"""


def checker_doc(checker):
    """Write out the ``{keywords}`` line of a checker's docstring: its keywords and return.

    Every checker takes ``time_limit`` and ``seed`` and returns a CheckResult;
    their description lives once, here, so a change of default reads the same
    in every ``help()``.
    """
    if checker.__doc__:  # None under python -OO
        indented = textwrap.indent(_KEYWORDS_DOC, "    ").lstrip()
        checker.__doc__ = checker.__doc__.replace("{keywords}", indented)
    return checker


class _NotAttempted(Exception):
    """The learner's function has no body yet: it raised NotImplementedError or returned None."""

    def __init__(self, returned_none=False):
        super().__init__()
        self.returned_none = returned_none


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


class _Watchdog:
    """A time limit for other threads and Windows, where SIGALRM is not available.

    A trace function (``sys.settrace``, this thread only) looks at the clock
    at every line of Python the learner's code runs and raises
    :class:`_TimeUp` there once time is up. That stops a loop of Python code,
    not a single call into compiled code (``time.sleep``, a NumPy operation):
    such a call is reported late when it returns. Raising from a trace
    function switches tracing off, so code that catches the exception with a
    bare ``except:`` and loops on is not stopped twice. No second thread is
    involved: an exception injected from one (``PyThreadState_SetAsyncExc``)
    can land inside ``threading``'s own code and leave a lock held for ever.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.fired = False
        self.armed = False
        self._deadline = math.inf
        self._previous = None

    def _trace(self, frame, event, arg):
        return self._line

    def _line(self, frame, event, arg):
        if self.armed and time.monotonic() > self._deadline:
            self.fired = True
            raise _TimeUp
        return self._line

    def start(self):
        self._previous = sys.gettrace()
        self._deadline = time.monotonic() + self.seconds
        self.armed = True
        sys.settrace(self._trace)

    def stop(self):
        self.armed = False
        sys.settrace(self._previous)


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
    if seconds > _LONGEST_LIMIT:  # see _LONGEST_LIMIT; math.inf too
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
        # Read from the package on every call, not copied at import: a learner's
        # `exercises.TIME_LIMIT = 10` sets the package's attribute.
        from . import TIME_LIMIT

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
        seed = secrets.randbelow(SEED_RANGE)
    elif not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(
            f"seed must be an int, 0 or more, got {seed!r}: use the seed a failing random "
            "case printed, e.g. seed=123456"
        )
    seconds = float(time_limit)
    if seconds > _LONGEST_LIMIT:
        seconds = math.inf
    return seconds, int(seed)


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
        return None, error, error_text(error)


def _timeout_failure(case, seconds, judging=False):
    limit = f"{seconds:g} s"
    if judging:
        return Failure(
            f"the checker could not read your answer in {limit}",
            f"reading what your function returned took longer than {limit} on case "
            f"'{case.name}': return a plain array, tuple or number, not an object whose "
            "methods keep computing.",
            timed_out=True,
        )
    return Failure(
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
        return None, Failure(
            f"your function raised {type(error).__name__}",
            _exception_hint(error, text, case),
            [f"  Your function raised {text}", _call_text(case), *_input_lines(case)],
        )
    for name, before, after in zip(case.arg_names, case.args, args, strict=True):
        if isinstance(before, np.ndarray) and not same_value(before, after):
            return actual, Failure(
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


def _input_lines(case):
    """The case's arrays, for the learner to call their function on: small ones in full."""
    lines = []
    for name, arg in zip(case.arg_names, case.args, strict=True):
        if isinstance(arg, np.ndarray):
            lines += _array_lines(name, arg)
    return lines


def _array_lines(name, array):
    """``array`` slice by slice (m, h, w, c), or whole, or by shape, dtype and range if large."""
    if array.ndim == 4 and array.shape[1] * array.shape[2] <= _PRINT_CELLS:
        m, _, _, c = array.shape
        slices = [(n, ch) for n in range(m) for ch in range(c)]
        if len(slices) <= _PRINT_SLICES:
            return [
                line
                for n, ch in slices
                for line in show(f"{name}[{n}, :, :, {ch}]", array[n, :, :, ch])
            ]
    elif array.ndim != 4 and array.size <= _PRINT_CELLS:
        return show(name, array)
    finite = array[np.isfinite(array)] if array.dtype.kind in "fiu" else array[:0]
    values = f", values from {finite.min():g} to {finite.max():g}" if finite.size else ""
    return [f"  {name}: shape {array.shape}, dtype {array.dtype}{values} (too large to print)"]


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
    return (
        "read the error message above, then call your function yourself on the input "
        "printed above and print what the failing line computes."
    )


def run_checker(exercise, title, fn, cases, draw=None, time_limit=None, seed=None):
    """Run every case, then (if they all pass) random ones; print the report.

    ``draw(rng)`` returns one random case, drawn from ``rng``; without it
    there are none. ``time_limit`` and ``seed`` are the checker's keywords.
    Returns a CheckResult.
    """
    seconds, seed = _resolve_options(time_limit, seed)
    if fn is None:
        return not_attempted(exercise, fn)
    try:
        outcomes = _run_cases(fn, cases, seconds)
    except _NotAttempted as no_body:
        return not_attempted(exercise, fn, no_body.returned_none)
    if draw is not None and all(failure is None for _, failure in outcomes):
        rng = np.random.default_rng(seed)
        drawn = [draw(rng) for _ in range(_RANDOM_CASES)]
        for number, case in enumerate(drawn, start=1):
            case.name = f"random case {number} of {len(drawn)} (seed {seed}): {case.name}"
            case.seed = seed
        outcomes += _run_cases(fn, drawn, seconds, first=False)
    if draw is None:
        return print_report(exercise, title, fn, outcomes, 0, None)
    return print_report(exercise, title, fn, outcomes, _RANDOM_CASES, seed)


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
            outcomes.append((case, NOT_RUN))
            continue
        try:
            actual, failure = _call(fn, case, seconds)
        except _NotAttempted:
            if first and index == 0:
                raise
            failure = Failure(
                "your function raised NotImplementedError",
                "this case is not implemented yet: it must work too.",
            )
            actual = None
        if failure is None:
            if actual is None:
                if first and index == 0:
                    raise _NotAttempted(returned_none=True)
                failure = Failure("returned None", "your function must `return` its result.")
            else:
                failure = _judge(case, actual, seconds)
        outcomes.append((case, failure))
    return outcomes


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
            return Failure(
                f"returned an unexpected {type(actual).__name__}",
                f"the checker could not compare your answer ({error_text(error)}); "
                "return the kind of value the exercise asks for.",
            )

    finished, failure = _guarded(seconds, judge)
    return failure if finished else _timeout_failure(case, seconds, judging=True)
