"""The repository keeps its promises: the README's commands, style, and tidy notebooks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
COURSE = [p for p in NOTEBOOKS if p.parent.name == "notebooks" and p.stem != "demo"]
EXPECTED_COURSE = [
    "00_start_here",
    "01_what_pooling_does",
    "02_forward_pass",
    "03_backward_max",
    "04_backward_avg",
    "05_gradient_checking",
    "06_padding_dilation_ceil",
    "07_pooling_in_a_cnn",
    "08_performance",
]


def readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_has_two_quickstart_commands_and_ci_runs_the_test_one():
    open_course, run_tests = readme_commands()[:2]
    assert "jupyter lab notebooks/00_start_here.ipynb" in open_course
    assert "pytest" in run_tests
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert run_tests in ci_lines, ".ci/run must run the README's test command word for word"


def test_every_course_notebook_exists_with_its_solution():
    assert [p.stem for p in COURSE] == EXPECTED_COURSE
    assert (ROOT / "notebooks" / "demo.ipynb").exists()
    solutions = {p.stem for p in NOTEBOOKS if p.parent.name == "solutions"}
    assert solutions, "notebooks/solutions/ holds the worked exercises"
    assert solutions <= set(EXPECTED_COURSE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_executed_top_to_bottom_without_errors(path):
    notebook = json.loads(path.read_text())
    code = [
        c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "re-run: python notebooks/regenerate.py"
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_at_most_a_quarter_of_code_cells_escape_nbval_comparison(path):
    notebook = json.loads(path.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    ignored = [
        c for c in code if re.search(r"#\s*NBVAL_(IGNORE_OUTPUT|SKIP)", "".join(c["source"]))
    ]
    assert len(ignored) <= len(code) / 4, f"{len(ignored)} of {len(code)} code cells ignored"


@pytest.mark.parametrize("path", COURSE, ids=lambda p: p.stem)
def test_course_notebook_opens_with_objectives_and_closes_with_summary_and_questions(path):
    notebook = json.loads(path.read_text())
    markdown = "\n".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )
    first = "".join(notebook["cells"][0]["source"])
    assert first.startswith("# "), "a notebook starts with its title"
    objectives = r"^(#+ |\*\*).*(objectives|by the end of this notebook|in this notebook you)"
    assert re.search(objectives, first, re.IGNORECASE | re.MULTILINE), "objectives come first"
    for heading in ("summary", "questions"):
        assert re.search(rf"^#+ .*{heading}", markdown, re.IGNORECASE | re.MULTILINE), heading


def test_notebooks_never_reach_for_data_by_relative_path():
    for path in NOTEBOOKS:
        assert "../data" not in path.read_text(), path


def test_ruff_lint_and_format_are_clean():
    targets = ["pooling_lib", "tests", "benchmarks", "notebooks", "data"]
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *targets], cwd=ROOT, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
