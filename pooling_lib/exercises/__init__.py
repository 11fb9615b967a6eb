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
check_canvas               ``fn(A_prev, kernel_shape, stride, mode, padding,
                           ceil_mode) -> (A, canvas)``
check_padding              ``fn(A_prev, kernel_shape, stride, mode, padding,
                           ceil_mode, count_include_pad) -> A``
check_same_padding         ``fn(n, kernel, stride) -> (before, after)``
check_numeric_gradient     ``fn(f, x, upstream) -> gradient shaped like x``
check_tie_free             ``fn(shape, seed) -> array of that shape``
check_adjoint_test         ``fn(forward, backward, x, g) -> (lhs, rhs)``
check_adaptive_bounds      ``fn(n, n_out) -> (starts, stops)`` (one axis)
check_max_unpool           ``fn(A, indices, output_shape) -> out``, flat
                           indices ``row * w + col``
check_global_avg_pool      ``fn(A_prev) -> A`` of shape (m, c)
check_max_blur_pool        ``fn(A_prev) -> A``, 2 x 2 max at stride 1, then
                           the [1, 2, 1] blur with stride 2
check_pool_layer           a class: ``layer = cls(kernel_shape, stride)``,
                           ``layer.forward(x, train)``, ``layer.backward(dout)``
check_flatten_layer        a class: ``layer = cls()``, then the same two calls
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

# One module per job: runner.py calls the learner's code safely, report.py
# prints what a checker found, cases.py and judging.py are shared by the
# topics (sizes, forward, backward, padding, gradients, network), which hold the
# checkers, their cases and the mistakes they recognise.
from .backward import check_backward_avg, check_backward_max
from .forward import check_forward_avg, check_forward_max
from .gradients import check_adjoint_test, check_numeric_gradient, check_tie_free
from .grading import grade as grade
from .modern import (
    check_adaptive_bounds,
    check_global_avg_pool,
    check_max_blur_pool,
    check_max_unpool,
)
from .network import check_flatten_layer, check_pool_layer
from .padding import check_canvas, check_padding, check_same_padding
from .report import CheckResult
from .sizes import check_output_size, check_output_size_full

__all__ = [
    "TIME_LIMIT",
    "CheckResult",
    "check_adaptive_bounds",
    "check_adjoint_test",
    "check_backward_avg",
    "check_backward_max",
    "check_canvas",
    "check_flatten_layer",
    "check_forward_avg",
    "check_forward_max",
    "check_global_avg_pool",
    "check_max_blur_pool",
    "check_max_unpool",
    "check_numeric_gradient",
    "check_output_size",
    "check_output_size_full",
    "check_padding",
    "check_pool_layer",
    "check_same_padding",
    "check_tie_free",
]

#: Seconds one case may run before the checker stops it, unless a checker is
#: given ``time_limit=``. ``math.inf`` waits for ever.
TIME_LIMIT = 5.0

# Shown in help() and pickled as pooling_lib.exercises.<name>, where learners
# import them from, rather than as the module that happens to define them.
for _name in __all__:
    if _name != "TIME_LIMIT":  # a float has no __module__
        globals()[_name].__module__ = __name__
del _name
