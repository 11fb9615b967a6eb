"""How fast every explorer answers a slider: the time from a new value to a new PNG.

Each explorer is built (its first picture is not timed), then driven through a
scripted tour of its controls, the way a learner or an instructor moves them:
each slider up through its interesting values and back, toggles flipped, and a
few settings the library refuses (which must still draw a picture). One change
is one assignment ``explorer.<control>.value = v``: in the kernel this runs the
update and renders the PNG before returning, so timing the assignment times
what the learner waits for (less the browser's own drawing).

Run from the repository root::

    python benchmarks/bench_explorers.py            # one tour per explorer
    python benchmarks/bench_explorers.py --rounds 3 # repeat the tours
    python benchmarks/bench_explorers.py --projector # the class demo's projector mode

The last line is exactly ``explorers: median X ms, worst Y ms per slider change``;
the target is a median of at most 35 ms and a worst of at most 80 ms.

Wall-clock times grow when other work shares the machine; the ``cpu median``
column is this process's own CPU time per change, which does not, so compare
that column between runs on a busy machine. ``full draws`` counts the changes
that redrew the whole figure rather than its dynamic part only.

``network_explorer`` first trains its network for one epoch (about a second,
not timed: the build is not part of a tour).
"""

from __future__ import annotations

import argparse
import statistics
import time

from pooling_lib.explorers import (
    gradient_check_explorer,
    gradient_explorer,
    max_mask_explorer,
    pipeline_explorer,
    pooling_animation,
    window_explorer,
)
from pooling_lib.modern_explorers import adaptive_explorer
from pooling_lib.network_explorers import network_explorer

TOURS = {
    "window_explorer": (
        window_explorer,
        [
            ("kernel_h", 3),
            ("kernel_w", 3),
            ("stride_h", 1),
            ("stride_w", 1),
            ("stride_h", 3),
            ("stride_w", 3),
            ("padding", 1),
            ("padding", 2),
            ("padding", 0),
            ("ceil_mode", True),
            ("stride_h", 4),
            ("stride_w", 4),
            ("ceil_mode", False),
            ("dilation", 2),
            ("dilation", 4),
            ("kernel_h", 8),
            ("dilation", 1),
            ("kernel_w", 8),
            ("padding", 4),
            ("kernel_h", 2),
            ("padding", 1),
            ("kernel_w", 2),
            ("mode", "avg"),
            ("channel", "inverse"),
            ("digit", 1234),
            ("mode", "max"),
            ("channel", "digit"),
            ("stride_h", 2),
            ("stride_w", 2),
            ("padding", 0),
            ("digit", 0),
        ],
    ),
    "max_mask_explorer": (
        max_mask_explorer,
        [
            ("ties", "all"),
            ("ties", "split"),
            ("ties", "first"),
            ("kernel_h", 3),
            ("kernel_w", 3),
            ("stride_h", 1),
            ("stride_w", 1),
            ("ties", "all"),
            ("stride_h", 3),
            ("stride_w", 3),
            ("padding", 1),
            ("padding", 3),
            ("padding", 0),
            ("channel", "inverse"),
            ("ties", "split"),
            ("digit", 2500),
            ("kernel_h", 6),
            ("kernel_w", 6),
            ("stride_h", 6),
            ("stride_w", 6),
            ("kernel_h", 2),
            ("kernel_w", 2),
            ("stride_h", 2),
            ("stride_w", 2),
            ("channel", "digit"),
            ("ties", "first"),
            ("digit", 0),
        ],
    ),
    "gradient_explorer": (
        gradient_explorer,
        [
            ("row", 6),
            ("row", 7),
            ("col", 5),
            ("col", 6),
            ("col", 7),
            ("row", 8),
            ("seed", 1),
            ("seed", 2),
            ("kernel_h", 2),
            ("kernel_w", 2),
            ("row", 3),
            ("col", 3),
            ("stride_h", 1),
            ("stride_w", 1),
            ("row", 12),
            ("col", 20),
            ("kernel_h", 6),
            ("kernel_w", 6),
            ("stride_h", 6),
            ("stride_w", 6),
            ("row", 1),
            ("col", 2),
            ("digit", 3000),
            ("kernel_h", 3),
            ("kernel_w", 3),
            ("stride_h", 2),
            ("stride_w", 2),
            ("seed", 0),
            ("digit", 0),
        ],
    ),
    "pipeline_explorer": (
        pipeline_explorer,
        [
            ("shift_right", 2),
            ("shift_right", 3),
            ("shift_right", 0),
            ("shift_down", 1),
            ("shift_down", 2),
            ("kernel_name", "horizontal edges"),
            ("shift_down", -1),
            ("kernel_name", "blur"),
            ("kernel_name", "sharpen"),
            ("pool", 3),
            ("pool", 4),
            ("pool", 1),
            ("mode", "avg"),
            ("shift_right", -2),
            ("digit", 4200),
            ("mode", "max"),
            ("pool", 2),
            ("kernel_name", "vertical edges"),
            ("shift_down", 0),
            ("shift_right", 1),
            ("digit", 0),
        ],
    ),
    "network_explorer": (
        network_explorer,
        [
            ("ties", "all"),
            ("ties", "split"),
            ("channel", 1),
            ("channel", 2),
            ("layer", 2),
            ("channel", 9),
            ("ties", "first"),
            *(("digit", digit) for digit in range(1, 12)),
            ("layer", 1),
            ("channel", 0),
            ("digit", 0),
        ],
    ),
    "pooling_animation": (
        pooling_animation,
        [
            *(("step", step) for step in range(1, 25)),
            ("mode", "avg"),
            ("step", 30),
            ("step", 31),
            ("kernel", 3),
            ("stride", 3),
            ("step", 40),
            ("step", 41),
            ("kernel", 7),
            ("stride", 7),
            ("step", 5),
            ("mode", "max"),
            ("digit", 777),
            ("kernel", 2),
            ("stride", 2),
            ("step", 0),
            ("digit", 0),
        ],
    ),
    "adaptive_explorer": (
        adaptive_explorer,
        [
            ("out_h", 6),
            ("out_w", 6),
            ("out_h", 7),
            ("out_w", 3),
            ("row", 6),
            ("col", 2),
            ("out_h", 13),
            ("out_w", 28),
            ("mode", "avg"),
            ("out_h", 1),
            ("out_w", 1),
            ("digit", 1234),
            ("out_h", 5),
            ("out_w", 5),
            ("row", 3),
            ("mode", "max"),
        ],
    ),
    "gradient_check": (
        gradient_check_explorer,
        [
            ("ties", "all"),
            ("ties", "split"),
            ("jitter", True),
            ("ties", "first"),
            ("jitter", False),
            ("row", 10),
            ("col", 12),
            ("kernel", 3),
            ("stride", 1),
            ("stride", 3),
            ("kernel", 2),
            ("digit", 1234),
        ],
    ),
}


def run_tour(make, changes, rounds, presentation=False):
    """Build an explorer, apply ``changes`` ``rounds`` times.

    ``presentation=True`` builds it in projector mode, as the class demo does.

    Returns
    -------
    times, cpu_times : list of float
        Each change's wall-clock and CPU milliseconds.
    full_draws : int
        How many changes redrew the whole figure.
    """
    explorer = make(presentation=presentation)
    draws = explorer.view.full_draws
    times, cpu_times = [], []
    for _ in range(rounds):
        for name, value in changes:
            control = getattr(explorer, name)
            if control.value == value:
                continue
            renders = explorer.renders
            start, cpu_start = time.perf_counter(), time.process_time()
            control.value = value
            times.append(1000 * (time.perf_counter() - start))
            cpu_times.append(1000 * (time.process_time() - cpu_start))
            # A failed update raises out of the assignment; a held or skipped render would not.
            if explorer.renders == renders:
                raise RuntimeError(f"{name} = {value!r} did not render a new picture")
    full_draws = explorer.view.full_draws - draws
    explorer.close()
    return times, cpu_times, full_draws


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="tours per explorer (default 1)")
    parser.add_argument(
        "--projector", action="store_true", help="explorers in projector mode (presentation=True)"
    )
    args = parser.parse_args(argv)
    every = []
    print(
        f"{'explorer':<20} {'changes':>7} {'median ms':>10} {'worst ms':>9} "
        f"{'cpu median':>11} {'full draws':>11}"
    )
    for name, (make, changes) in TOURS.items():
        times, cpu_times, full_draws = run_tour(make, changes, args.rounds, args.projector)
        every.extend(times)
        print(
            f"{name:<20} {len(times):>7} {statistics.median(times):>10.1f} {max(times):>9.1f} "
            f"{statistics.median(cpu_times):>11.1f} {full_draws:>11}"
        )
    print(
        f"explorers: median {statistics.median(every):.0f} ms, worst {max(every):.0f} ms "
        "per slider change"
    )


if __name__ == "__main__":
    main()
