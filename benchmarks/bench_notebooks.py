"""What one learner costs a shared server: CPU seconds and peak memory of each notebook's kernel.

Each notebook is run top to bottom with nbclient, in a kernel of its own, as a
learner's "Run All" does; before the kernel shuts down, its CPU time (user and
system, from ``/proc/PID/stat``) and its peak resident memory (``VmHWM`` in
``/proc/PID/status``) are read. Linux only. Run from the repository root::

    python benchmarks/bench_notebooks.py                  # every course notebook
    python benchmarks/bench_notebooks.py 07_pooling_in_a_cnn.ipynb

Set ``OMP_NUM_THREADS=1`` as a hub would for user kernels to measure that setting.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TICKS = os.sysconf("SC_CLK_TCK")


def kernel_usage(pid):
    """``(cpu seconds, peak resident MB)`` of a running process, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3; utime and stime are fields 14 and 15.
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    peak_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    return cpu, peak_kb / 1024


def run(path):
    """Run one notebook; its wall seconds, kernel CPU seconds and kernel peak memory in MB."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        pid = client.km.provisioner.process.pid
        cpu, peak = kernel_usage(pid)
    return time.perf_counter() - start, cpu, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="file names in notebooks/ (default: all)")
    names = parser.parse_args(argv).notebooks
    paths = [NOTEBOOKS / name for name in names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    print(f"{'notebook':<32} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}")
    worst_cpu = worst_memory = 0.0
    for path in paths:
        wall, cpu, peak = run(path)
        worst_cpu, worst_memory = max(worst_cpu, cpu), max(worst_memory, peak)
        print(f"{path.name:<32} {wall:>7.1f} {cpu:>7.1f} {peak:>8.0f}")
    print(f"notebooks: at most {worst_cpu:.0f} CPU seconds and {worst_memory:.0f} MB per kernel")


if __name__ == "__main__":
    main()
