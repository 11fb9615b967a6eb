"""What a checker prints and returns: the report, its panels of arrays, and CheckResult.

Also the bounded ways to show a learner's value (:func:`brief`, :func:`show`,
:func:`error_text`): whatever the learner returned, a line stays a line.
"""

from __future__ import annotations

import reprlib
import textwrap
from dataclasses import dataclass

import numpy as np

from .cases import NOT_RUN

# Panels of arrays sit under their labels, indented further.
_INDENT = "      "
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


def _function_name(fn):
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else "your function"


def _call_name(fn):
    """How to write ``fn`` in a call the learner can copy: its name, if it is one."""
    name = _function_name(fn)
    return name if name.isidentifier() else "your_function"


def not_attempted(exercise, fn, returned_none=False):
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


def brief(value):
    """A repr of the learner's value, cut short if long."""
    return _BRIEF.repr(value)


def error_text(error):
    """``Type: message`` for an exception, even one whose ``str`` fails."""
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - a learner's exception class may break str()
        message = ""
    if len(message) > _MAX_MESSAGE:
        # A KeyError from a lookup table keyed on an array's bytes, say.
        message = message[: _MAX_MESSAGE - 5] + "[...]"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def print_report(exercise, title, fn, outcomes, random, seed):
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
    failures = [(case, f) for case, f in outcomes if f is not None and f is not NOT_RUN]
    not_run = [case for case, f in outcomes if f is NOT_RUN]
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
        hints=tuple(f.hint for _, f in failures) + (NOT_RUN.summary,) * len(not_run),
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


def show(label, value):
    """Lines showing a labelled array or value, indented."""
    text = (
        np.array2string(np.asarray(value), precision=3, suppress_small=True, max_line_width=90)
        if isinstance(value, np.ndarray)
        else brief(value)
    )
    return [f"  {label}:", textwrap.indent(text, _INDENT)]


def _slice_label(name, n, ch):
    return f"{name}[{n}, :, :, {ch}]"


def slice_panels(inputs, result, expected, array, n, ch):
    """Feedback lines showing example ``n``, channel ``ch`` of each input, the
    expected result and the learner's, whatever shape the learner returned."""
    m, _, _, c = inputs[0][2].shape
    lines = [f"  showing example {n}, channel {ch}"] if m > 1 or c > 1 else []
    for label, name, values in inputs:
        lines += show(f"{label} {_slice_label(name, n, ch)}", values[n, :, :, ch])
    lines += show(f"expected {_slice_label(result, n, ch)}", expected[n, :, :, ch])
    if array.ndim == 4 and n < array.shape[0] and ch < array.shape[3]:
        lines += show(f"yours {_slice_label(result, n, ch)}", array[n, :, :, ch])
    else:
        lines.append(f"  yours: an array of shape {array.shape}")
    return lines
