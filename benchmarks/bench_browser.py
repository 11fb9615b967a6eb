"""How fast the pictures follow the controls in a real browser: key press to new picture.

Opens every course notebook in JupyterLab (Run All, then every control) and the
class-demo dashboard in Voila, in headless Chromium, with the machinery of the
browser tests (``tests/e2e/helpers.py``). Each control is operated as a person
does (End, Home, ArrowRight on a slider's handle; the same for dropdowns, Space on
checkboxes, clicks on toggle buttons), and each change is timed from the key
press or click reaching the page to the last changed picture being decoded and
shown. The tests check that every control changes the picture; this measures how
long the learner waits, which depends on the machine and on what else runs on it.

Run from the repository root, on a machine as idle as you can make it::

    python benchmarks/bench_browser.py                      # every notebook, Lab and Voila
    python benchmarks/bench_browser.py 03_backward_max.ipynb --no-voila

Needs Chromium at /usr/bin/chromium (or ``POOLING_E2E_CHROMIUM``) and
``pip install -r requirements-dev.txt``. Every measured change goes to
``benchmarks/out/browser.json``. The last line is exactly
``browser: median X ms, worst Y ms per slider change`` (over every control change,
sliders and the rest, in Lab and Voila together).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.helpers import (  # noqa: E402  (needs the repository root on sys.path)
    ACTION_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    Deadline,
    KernelTraffic,
    block_outside_requests,
    budget_seconds,
    dashboard_notebook,
    exercise_controls,
    fresh_folder,
    jupyter_environment,
    lab_notebooks,
    open_in_lab,
    open_in_voila,
    page_errors,
    run_all_in_lab,
    start_lab,
    start_voila,
    stop_server,
)

OUT = ROOT / "benchmarks" / "out"


def summary(latencies: list[float]) -> str:
    """Median and worst of latencies in ms, as printed.

    >>> summary([120.0, 80.0, 400.0])
    'median 120 ms, worst 400 ms'
    >>> summary([])
    'no picture changes'
    """
    if not latencies:
        return "no picture changes"
    return f"median {statistics.median(latencies):.0f} ms, worst {max(latencies):.0f} ms"


def measure(page, where: str, notebook: Path, open_and_run) -> dict:
    """Open one notebook with ``open_and_run``, operate every control, return the record."""
    traffic = KernelTraffic()
    traffic.attach(page)
    block_outside_requests(page, [])
    deadline = Deadline(budget_seconds(), f"{notebook.name} in {where}")
    shots = fresh_folder(OUT / "browser-shots" / f"{where}-{notebook.stem}")
    started = time.monotonic()
    problems = open_and_run(page, traffic, deadline)
    presses = [] if problems else exercise_controls(page, traffic, shots, deadline)
    problems += [f"{p.control}, {p.action}: {p.problem}" for p in presses if p.problem]
    return {
        "where": where,
        "notebook": notebook.name,
        "seconds": round(time.monotonic() - started, 1),
        "problems": problems,
        "latencies_ms": [p.latency_ms for p in presses if p.latency_ms is not None],
        "presses": [
            {
                "control": p.control,
                "action": p.action,
                "value": [p.value_before, p.value_after],
                "latency_ms": p.latency_ms,
            }
            for p in presses
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--no-lab", action="store_true", help="skip JupyterLab")
    parser.add_argument("--no-voila", action="store_true", help="skip the Voila dashboard")
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        print(f"Chromium not found at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    lab_list = [] if args.no_lab else lab_notebooks(ROOT)
    dashboard = None if args.no_voila else dashboard_notebook(ROOT)
    if args.notebooks:
        wanted = set(args.notebooks)
        lab_list = [p for p in lab_list if p.name in wanted]
        dashboard = dashboard if dashboard and dashboard.name in wanted else None

    records = []
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as home:
        env = jupyter_environment(Path(home) / "jupyter")
        logs = Path(home) / "logs"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            if lab_list:
                lab = start_lab(env, logs, ROOT)
                try:
                    for notebook in lab_list:

                        def run_in_lab(page, traffic, deadline, notebook=notebook):
                            open_in_lab(page, lab, notebook, deadline)
                            return run_all_in_lab(page, traffic, deadline) or page_errors(page)

                        context = browser.new_context(viewport=VIEWPORT)
                        context.set_default_timeout(ACTION_TIMEOUT_MS)
                        try:
                            records.append(measure(context.new_page(), "lab", notebook, run_in_lab))
                        finally:
                            context.close()
                            # One kernel at a time, so one notebook does not slow the next.
                            lab.shutdown_kernels()
                        print(report_line(records[-1]), flush=True)
                finally:
                    lab.shutdown_kernels()
                    stop_server(lab.process)
            if dashboard is not None:
                process, url = start_voila(dashboard, env, logs)
                try:

                    def run_in_voila(page, traffic, deadline):
                        open_in_voila(page, url, traffic, deadline)
                        return page_errors(page) + traffic.errors

                    context = browser.new_context(viewport=VIEWPORT)
                    context.set_default_timeout(ACTION_TIMEOUT_MS)
                    try:
                        records.append(
                            measure(context.new_page(), "voila", dashboard, run_in_voila)
                        )
                    finally:
                        context.close()
                    print(report_line(records[-1]), flush=True)
                finally:
                    stop_server(process)
            browser.close()

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "browser.json").write_text(json.dumps(records, indent=1))
    failed = [r for r in records if r["problems"]]
    for record in failed:
        print(f"\n{record['where']} {record['notebook']} misbehaved (not timed):", file=sys.stderr)
        print("\n".join(record["problems"]), file=sys.stderr)
    for where in ("lab", "voila"):
        mine = [ms for r in records if r["where"] == where for ms in r["latencies_ms"]]
        if mine:
            print(f"{where}: {summary(mine)} over {len(mine)} changes")
    every = [ms for r in records for ms in r["latencies_ms"]]
    if not every:
        print("browser: no picture changes measured", file=sys.stderr)
        return 1
    median, worst = statistics.median(every), max(every)
    print(f"browser: median {median:.0f} ms, worst {worst:.0f} ms per slider change")
    return 1 if failed else 0


def report_line(record: dict) -> str:
    where = f"{record['where']:<5} {record['notebook']}"
    if record["problems"]:
        return f"{where}: FAILED ({len(record['problems'])} problems), {record['seconds']:.0f} s"
    latencies = record["latencies_ms"]
    return f"{where}: {len(latencies)} changes, {summary(latencies)}, {record['seconds']:.0f} s"


if __name__ == "__main__":
    sys.exit(main())
