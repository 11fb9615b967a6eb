"""How fast is pooling_lib? The loops, the vectorised version and PyTorch, side by side.

    python benchmarks/bench_pooling.py [--repeat 5] [--loop-examples 20] [--only 'float32 2/2']

The input is the original article's: 5,000 MNIST digits stacked with their
inverses, shape (5000, 28, 28, 2). Each row times one pass; every time is the
best of ``--repeat`` runs, in milliseconds.

* loops: ``pooling_lib.reference``, timed on ``--loop-examples`` digits and
  scaled up to 5,000 (it is linear in the batch size).
* fast 1t and fast Nt: ``pooling_lib.pool_forward`` / ``pool_backward`` on one
  thread (``set_threads(1)``) and on the threads the library uses by default.
  The backward pass starts from ``dA`` and ``A_prev`` alone, so it also finds
  the maxima again.
* torch 1t and torch Nt: PyTorch's CPU ``max_pool2d`` / ``avg_pool2d`` on one
  thread and on its default thread count (what someone who picks PyTorch
  instead gets), given the same numbers as an NCHW tensor and as the
  channels-last view of the (m, h, w, c) array; the faster layout counts. Its
  backward time is forward plus backward, since that is what it needs to
  produce the same gradient.
* copy: ``A_prev.copy()``, the cost of touching the input once: no pooling can
  be much faster than that.

Like is compared with like: 1t/1t is fast 1t over torch 1t, Nt/Nt is fast Nt
over torch Nt. The four runs of a row take turns, once each per round and
each round starting one run later, so that a machine busy with something
else slows them alike; each keeps its best round. The targets:
forward and backward no slower than PyTorch at either thread setting, and
both at least 100x faster than the loops. This script prints ratios; it
never fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pooling_lib  # noqa: E402
from pooling_lib import (  # noqa: E402
    load_mnist,
    pool_backward,
    pool_forward,
    reference,
    set_threads,
    two_channel,
)

CASES = [((2, 2), (2, 2)), ((3, 3), (1, 1))]
TARGET_FORWARD, TARGET_BACKWARD, TARGET_LOOPS = 1.0, 1.0, 100.0


def best_time(run, repeat):
    """Best of ``repeat`` runs of ``run()``, in milliseconds, after one warm-up."""
    return best_times([run], repeat)[0]


def best_times(runs, repeat):
    """Best of ``repeat`` rounds for each of ``runs``, in ms; a round runs each once, in turn.

    Each round starts one run later than the one before, so that every run
    follows every other alike (PyTorch's OpenMP threads spin for a while after
    their work, and slow whatever runs next on a 2-core machine).
    """
    for run in runs:
        run()
    times = [[] for _ in runs]
    for round_index in range(repeat):
        for step in range(len(runs)):
            index = (round_index + step) % len(runs)
            start = time.perf_counter()
            runs[index]()
            times[index].append(time.perf_counter() - start)
    return [1e3 * min(kept) for kept in times]


def pinned(run, set_count, threads):
    """``run`` with a thread count set by ``set_count(threads)`` for its duration."""

    def pinned_run():
        before = set_count(threads)
        try:
            run()
        finally:
            set_count(before)

    return pinned_run


def torch_setter(torch):
    """``set_count(n)`` for PyTorch's threads, returning the count before, as set_threads does."""

    def set_count(threads):
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        return before

    return set_count


def fastest_layout(torch, runs, threads, repeat):
    """The run of ``runs`` (one per layout) that is fastest on ``threads`` threads."""
    times = best_times([pinned(run, torch_setter(torch), threads) for run in runs], repeat)
    return runs[int(np.argmin(times))]


def torch_timers(torch, A_prev, dA, kernel, stride, mode):
    """Forward and forward+backward timers for PyTorch, NCHW and channels-last."""
    functional = torch.nn.functional
    pool = functional.max_pool2d if mode == "max" else functional.avg_pool2d
    grad = torch.from_numpy(dA).permute(0, 3, 1, 2)
    layouts = {
        "nchw": torch.from_numpy(np.ascontiguousarray(A_prev.transpose(0, 3, 1, 2))),
        "channels-last": torch.from_numpy(A_prev).permute(0, 3, 1, 2),
    }

    def forward(x):
        return lambda: pool(x, kernel, stride)

    def forward_backward(x):
        def run():
            leaf = x.detach().requires_grad_(True)
            pool(leaf, kernel, stride).backward(grad)

        return run

    return [(forward(x), forward_backward(x)) for x in layouts.values()]


def library_threads():
    """How many threads pooling_lib uses by default."""
    return pooling_lib.default_threads()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (best counts)")
    parser.add_argument(
        "--loop-examples",
        type=int,
        default=20,
        help="digits the loop version is timed on, then scaled",
    )
    parser.add_argument(
        "--only",
        default="",
        help="time only the rows whose 'dtype k/s mode pass' holds this, e.g. 'float32 2/2'",
    )
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: its columns stay empty (pip install torch==2.13.0)")
    torch_threads = torch.get_num_threads() if torch else 0

    digits = two_channel(load_mnist()[0])
    m = digits.shape[0]
    rng = np.random.default_rng(0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} logical cores, "
        f"{platform.python_implementation()} {platform.python_version()}, NumPy {np.__version__}"
        + (f", PyTorch {torch.__version__}" if torch else "")
    )
    print(
        f"threads: fast 1t = torch 1t = 1; fast Nt = {library_threads()} (pooling_lib's default), "
        f"torch Nt = {torch_threads} (PyTorch's default)"
    )
    print(
        f"input (m, h, w, c) = {digits.shape}; times in ms, best of {args.repeat}; "
        f"loops timed on {args.loop_examples} digits and scaled to {m}"
    )
    header = (
        f"{'dtype':8} {'k/s':4} {'mode':4} {'pass':8} {'loops':>9} {'fast 1t':>8} {'fast Nt':>8} "
        f"{'torch 1t':>9} {'torch Nt':>9} {'copy':>7} {'1t/1t':>6} {'Nt/Nt':>6} {'loops/fast':>10}"
    )
    print(header)
    print("-" * len(header))
    # None until a row of that pass is timed (--only may leave some out).
    worst = {"forward": None, "backward": None, "loops": np.inf}
    ours_threads = library_threads()
    for dtype in (np.float64, np.float32):
        A_prev = digits.astype(dtype)
        few = A_prev[: args.loop_examples]
        copy_ms = best_time(A_prev.copy, args.repeat)
        for kernel, stride in CASES:
            for mode in ("max", "avg"):
                out = pool_forward(A_prev, kernel, stride, mode)
                dA = rng.standard_normal(out.shape).astype(dtype)
                timers = torch_timers(torch, A_prev, dA, kernel, stride, mode) if torch else []
                options = (kernel, stride, mode)
                passes = {
                    "forward": (
                        partial(pool_forward, A_prev, *options),
                        partial(reference.pool_forward, few, *options),
                        [timer[0] for timer in timers],
                    ),
                    "backward": (
                        partial(pool_backward, dA, A_prev, *options),
                        partial(reference.pool_backward, dA[: len(few)], few, *options),
                        [timer[1] for timer in timers],
                    ),
                }
                for name, (fast, loops, torch_runs) in passes.items():
                    label = (
                        f"{np.dtype(dtype).name:8} {f'{kernel[0]}/{stride[0]}':4} {mode:4} {name:8}"
                    )
                    if args.only not in " ".join(label.split()):
                        continue
                    loops_ms = best_time(loops, 1) * m / len(few)
                    runs = [pinned(fast, set_threads, n) for n in (1, ours_threads)]
                    if torch:
                        runs += [
                            pinned(fastest_layout(torch, torch_runs, n, 2), torch_setter(torch), n)
                            for n in (1, torch_threads)
                        ]
                    times = best_times(runs, args.repeat) + [np.nan] * (4 - len(runs))
                    fast_one, fast_many, one_ms, many_ms = times
                    ratios = (fast_one / one_ms, fast_many / many_ms)
                    speedup = loops_ms / min(fast_one, fast_many)
                    if torch:
                        kept = worst[name] or ratios
                        worst[name] = [max(w, r) for w, r in zip(kept, ratios, strict=True)]
                    worst["loops"] = min(worst["loops"], speedup)
                    print(
                        f"{label} {loops_ms:9.0f} {fast_one:8.1f} {fast_many:8.1f} {one_ms:9.1f} "
                        f"{many_ms:9.1f} {copy_ms:7.1f} {ratios[0]:6.2f} {ratios[1]:6.2f} "
                        f"{speedup:10.0f}"
                    )
    print()
    if torch:
        for name, target in (("forward", TARGET_FORWARD), ("backward", TARGET_BACKWARD)):
            if worst[name] is None:
                continue
            for label, ratio in zip(
                ("1 thread", f"{torch_threads} threads"), worst[name], strict=True
            ):
                verdict = "met" if ratio <= target else "MISSED"
                print(
                    f"{name}: worst ours/torch, both at {label}: {ratio:.2f} "
                    f"(target <= {target}): {verdict}"
                )
    verdict = "met" if worst["loops"] >= TARGET_LOOPS else "MISSED"
    print(
        f"loops: smallest speed-up {worst['loops']:.0f}x (target >= {TARGET_LOOPS:.0f}x): {verdict}"
    )


if __name__ == "__main__":
    main()
