"""How long nbgrader takes to mark a class: generate, autograde N submissions, feedback.

Builds an nbgrader course directory in a temporary folder with
``notebooks/nbgrader_course.py``, generates one assignment, places N
submissions under ``submitted/`` (every other one the worked solution, the rest
with the classic mistakes of tests/test_nbgrader.py), and times each nbgrader
step. Run from the repository root::

    python benchmarks/bench_grading.py                 # 10 submissions
    python benchmarks/bench_grading.py --students 100

The last line is exactly ``autograde: X s per submission (N submissions, ASSIGNMENT)``.
Wall-clock times grow when other work shares the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_nbgrader import (  # noqa: E402
    ASSIGNMENT,
    load_script,
    nbgrader,
    nbgrader_environment,
    submit,
    with_mistakes,
    worked_answers,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10, help="submissions (default 10)")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error(f"--students must be at least 1, got {args.students}")
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder) / "course"
        env = nbgrader_environment(Path(folder) / "jupyter")
        load_script("nbgrader_course").build(course, [ASSIGNMENT])
        steps = {}
        start = time.perf_counter()
        nbgrader(course, env, "generate_assignment", ASSIGNMENT, timeout=None)
        steps["generate_assignment"] = time.perf_counter() - start
        answers = worked_answers(course)
        mistaken = with_mistakes(answers)
        for number in range(args.students):
            submit(course, f"student{number:03d}", mistaken if number % 2 else answers)
        for step in ("autograde", "generate_feedback"):
            start = time.perf_counter()
            nbgrader(course, env, step, ASSIGNMENT, timeout=None)
            steps[step] = time.perf_counter() - start
    for step, seconds in steps.items():
        print(f"{step:20s} {seconds:7.1f} s")
    per = steps["autograde"] / args.students
    print(f"autograde: {per:.1f} s per submission ({args.students} submissions, {ASSIGNMENT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
