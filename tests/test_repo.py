"""The repository keeps its promises: the README's commands, style, and tidy notebooks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The generated, executed notebooks; their unexecuted sources (notebooks/source/) are
# checked in test_notebook_sources.py.
NOTEBOOKS = sorted(
    p
    for p in (ROOT / "notebooks").rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts and "source" not in p.relative_to(ROOT).parts
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
    "09_pooling_in_a_network",
    "10_pooling_in_modern_networks",
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


# --- the test install and the ways of running the suite ------------------------------------

GPU_OR_TORCH = re.compile(r"^(torch|torchvision|torchaudio|triton|nvidia[-_].*|.*cuda.*)$", re.I)


def requirement_names(path: Path) -> list[str]:
    """Package names in a requirements file, following ``-r`` includes."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            names += requirement_names(path.parent / line.split(None, 1)[1])
        elif not line.startswith("-"):
            names.append(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0])
    return names


def test_test_install_pulls_no_pytorch_and_no_gpu_package():
    # pip resolves torch on Linux x86-64 to its CUDA build, several GB of nvidia-* wheels.
    # A learner running the tests must not download them: the parity tests use stored
    # answers, and the live comparison is an opt-in (README, Contributing). .ci/run checks
    # the same on pip's full resolution (pip install --dry-run --report).
    names = requirement_names(ROOT / "requirements-dev.txt")
    assert "pytest" in names and "numpy" in names, "requirements-dev.txt includes the learner's"
    assert not [n for n in names if GPU_OR_TORCH.match(n)]
    project = (ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"^dependencies = \[(.*?)\]", project, re.S | re.M).group(1)
    assert "torch" not in dependencies and "nvidia" not in dependencies


def pytest_in_subprocess(tmp_path, *args, cwd=ROOT):
    """Run pytest as a contributor would, with coverage data kept out of the outer run's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE_", "PYTEST_"))}
    env["COVERAGE_FILE"] = str(tmp_path / ".coverage")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n0", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_full_run_fails_below_95_percent_coverage(tmp_path):
    # Same mechanism as a bare `pytest` from the root (testpaths, no path argument),
    # on a testpaths that covers a sliver of the library: the gate must fail the run.
    run = pytest_in_subprocess(tmp_path, "-o", "testpaths=tests/test_package.py")
    output = run.stdout + run.stderr
    assert "passed" in output and "failed" not in output, output[-3000:]
    assert run.returncode == 1, output[-3000:]
    assert "Required test coverage of 95.0% not reached" in output, output[-3000:]


def test_a_run_of_one_file_passes_without_the_coverage_gate(tmp_path):
    run = pytest_in_subprocess(tmp_path, "tests/test_package.py")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Required test coverage" not in output


def test_only_a_run_of_everything_is_a_full_run():
    import conftest as root_conftest

    def config(source, **selection):
        option = {"keyword": "", "markexpr": "", "deselect": None, "lf": False, **selection}
        return SimpleNamespace(args_source=source, option=SimpleNamespace(**option))

    sources = pytest.Config.ArgsSource
    assert root_conftest.full_run(config(sources.TESTPATHS))
    assert not root_conftest.full_run(config(sources.ARGS))
    assert not root_conftest.full_run(config(sources.INVOCATION_DIR))
    for selection in ({"keyword": "pool"}, {"markexpr": "e2e"}, {"deselect": ["x"]}, {"lf": True}):
        assert not root_conftest.full_run(config(sources.TESTPATHS, **selection)), selection


def test_a_run_from_another_folder_finds_the_configuration(tmp_path):
    run = pytest_in_subprocess(
        tmp_path,
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        str(ROOT / "tests" / "test_package.py"),
        cwd=tmp_path,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Required test coverage" not in output


def test_nbval_sanitize_file_is_found_from_any_folder(tmp_path, monkeypatch):
    # nbval opens the file relative to the current folder; conftest.py makes it absolute.
    import conftest as root_conftest

    assert Path(root_conftest.__file__).resolve() == ROOT / "conftest.py"
    monkeypatch.chdir(tmp_path)
    for given in (None, "notebooks/nbval_sanitize.cfg"):
        config = SimpleNamespace(option=SimpleNamespace(nbval_sanitize_with=given), rootpath=ROOT)
        root_conftest._set_sanitize_file(config)
        chosen = Path(config.option.nbval_sanitize_with)
        assert chosen.is_absolute() and chosen.is_file(), chosen
        assert chosen.samefile(ROOT / "notebooks" / "nbval_sanitize.cfg")
