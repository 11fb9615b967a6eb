"""How fast is pooling_lib? The loops, the vectorised version and PyTorch, side by side.

    python benchmarks/bench_pooling.py [--repeat 7] [--loop-examples 20]

The input is the original article's: 5,000 MNIST digits stacked with their
inverses, shape (5000, 28, 28, 2). Each row times one pass; every time is the
best of ``--repeat`` runs, in milliseconds.

* loops: ``pooling_lib.reference``, timed on ``--loop-examples`` digits and
  scaled up to 5,000 (it is linear in the batch size).
* fast: ``pooling_lib.pool_forward`` / ``pool_backward``. The backward pass
  starts from ``dA`` and ``A_prev`` alone, so it also finds the maxima again.
* torch: PyTorch's CPU ``max_pool2d`` / ``avg_pool2d`` on one thread, like
  NumPy, given the same numbers as an NCHW tensor and as the channels-last view
  of the (m, h, w, c) array; the faster of the two counts. Its backward time is
  forward plus backward, since that is what it needs to produce the same
  gradient.
* copy: ``A_prev.copy()``, the cost of touching the input once: no pooling can
  be much faster than that.

The targets: forward no slower than PyTorch, backward within 1.5x of it, and
both at least 100x faster than the loops. This script prints; it never fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pooling_lib import load_mnist, pool_backward, pool_forward, reference, two_channel  # noqa: E402

CASES = [((2, 2), (2, 2)), ((3, 3), (1, 1))]
TARGET_FORWARD, TARGET_BACKWARD, TARGET_LOOPS = 1.0, 1.5, 100.0


def best_time(run, repeat):
    """Best of ``repeat`` runs of ``run()``, in milliseconds, after one warm-up."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


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

    return {name: (forward(x), forward_backward(x)) for name, x in layouts.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per timing (best counts)")
    parser.add_argument(
        "--loop-examples",
        type=int,
        default=20,
        help="digits the loop version is timed on, then scaled",
    )
    args = parser.parse_args(argv)

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
        print("PyTorch is not installed: its column stays empty (pip install torch==2.13.0)")

    digits = two_channel(load_mnist()[0])
    m = digits.shape[0]
    rng = np.random.default_rng(0)
    header = (
        f"{'dtype':8} {'kernel/stride':13} {'mode':4} {'pass':8} {'loops':>9} {'fast':>8} "
        f"{'torch':>8} {'copy':>7} {'fast/torch':>10} {'loops/fast':>10}"
    )
    print(
        f"input (m, h, w, c) = {digits.shape}; times in ms, best of {args.repeat}; "
        f"loops timed on {args.loop_examples} digits and scaled to {m}"
    )
    print(header)
    print("-" * len(header))
    worst = {"forward": 0.0, "backward": 0.0, "loops": np.inf}
    for dtype in (np.float64, np.float32):
        A_prev = digits.astype(dtype)
        few = A_prev[: args.loop_examples]
        copy_ms = best_time(A_prev.copy, args.repeat)
        for kernel, stride in CASES:
            for mode in ("max", "avg"):
                out = pool_forward(A_prev, kernel, stride, mode)
                dA = rng.standard_normal(out.shape).astype(dtype)
                timers = torch_timers(torch, A_prev, dA, kernel, stride, mode) if torch else {}
                options = (kernel, stride, mode)
                passes = {
                    "forward": (
                        partial(pool_forward, A_prev, *options),
                        partial(reference.pool_forward, few, *options),
                        [timer[0] for timer in timers.values()],
                    ),
                    "backward": (
                        partial(pool_backward, dA, A_prev, *options),
                        partial(reference.pool_backward, dA[: len(few)], few, *options),
                        [timer[1] for timer in timers.values()],
                    ),
                }
                for name, (fast, loops, torch_runs) in passes.items():
                    fast_ms = best_time(fast, args.repeat)
                    loops_ms = best_time(loops, 1) * m / len(few)
                    torch_ms = min(
                        (best_time(run, args.repeat) for run in torch_runs), default=np.nan
                    )
                    ratio = fast_ms / torch_ms
                    speedup = loops_ms / fast_ms
                    if torch_runs:
                        worst[name] = max(worst[name], ratio)
                    worst["loops"] = min(worst["loops"], speedup)
                    print(
                        f"{np.dtype(dtype).name:8} {f'{kernel[0]}/{stride[0]}':13} {mode:4} "
                        f"{name:8} {loops_ms:9.0f} {fast_ms:8.1f} {torch_ms:8.1f} {copy_ms:7.1f} "
                        f"{ratio:10.2f} {speedup:10.0f}"
                    )
    print()
    if torch:
        for name, target in (("forward", TARGET_FORWARD), ("backward", TARGET_BACKWARD)):
            verdict = "met" if worst[name] <= target else "MISSED"
            print(f"{name}: worst fast/torch {worst[name]:.2f} (target <= {target}): {verdict}")
    verdict = "met" if worst["loops"] >= TARGET_LOOPS else "MISSED"
    print(
        f"loops: smallest speed-up {worst['loops']:.0f}x (target >= {TARGET_LOOPS:.0f}x): {verdict}"
    )


if __name__ == "__main__":
    main()
