"""notebooks/nbgrader_course.py: nbgrader's cell metadata from the sources, and its errors."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from pooling_lib.exercises.grading import parts

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, NOTEBOOKS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _load("nbgrader_course")
regenerate = course.regenerate
SOURCES = sorted(
    path
    for path in (NOTEBOOKS_DIR / "source").glob("*.ipynb")
    if regenerate.has_solutions(nbformat.read(path, as_version=4))
)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _source_notebook(path, cells):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(text[3:])
        if text.startswith("md:")
        else nbformat.v4.new_code_cell(text)
        for text in cells
    ]
    nbformat.write(notebook, path)
    return path


SMALL = [
    "md:# A notebook",
    "from pooling_lib import exercises",
    "def size(h, w, kernel_shape, stride):\n    ### BEGIN SOLUTION\n    return (1, 1)\n"
    "    ### END SOLUTION",
    "exercises.check_output_size(size)",
    "def given(h, w, kernel_shape, stride):\n    return (1, 1)",
    "exercises.check_output_size(given)",
    "kept = exercises.check_output_size(size)",
    "md:The end.",
]


def test_the_cells_of_a_small_source(tmp_path):
    notebook = course.nbgrader_notebook(_source_notebook(tmp_path / "small.ipynb", SMALL))
    size_parts = parts("check_output_size")
    kinds = [
        (
            meta.get("grade_id"),
            meta.get("solution"),
            meta.get("grade"),
            meta.get("locked"),
            meta.get("points"),
        )
        for meta in map(nbgrader, notebook.cells)
    ]
    tests = [(f"size-{p.key}", False, True, True, p.points) for p in size_parts]
    again = [(f"size-{p.key}-2", False, True, True, p.points) for p in size_parts]
    assert kinds == [
        ("prose-00", False, False, True, None),
        (None, None, None, None, None),  # imports: the learner's to run, not nbgrader's
        ("answer-size", True, False, False, None),
        ("check-size", False, False, True, None),  # the checker's report, read-only
        *tests,
        (None, None, None, None, None),  # a given function
        (None, None, None, None, None),  # ...and its check: nothing to grade
        ("check-size-2", False, False, True, None),
        *again,
        ("prose-07", False, False, True, None),
    ]
    graded = [c for c in notebook.cells if nbgrader(c).get("grade")]
    assert graded[1].source == (
        f"# Graded ({size_parts[1].points} point): {size_parts[1].title}.\n"
        "from pooling_lib.exercises import check_output_size, grade\n\n"
        'grade(check_output_size, size, "floor")'
    )
    assert [c.id for c in graded] == [nbgrader(c)["grade_id"] for c in graded]
    assert all(c.outputs == [] and c.execution_count is None for c in graded)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_answer_is_an_autograded_answer_and_every_check_is_graded(source):
    original = nbformat.read(source, as_version=4)
    notebook = course.nbgrader_notebook(source)
    solutions = [c for c in notebook.cells if nbgrader(c).get("solution")]
    assert [c.source for c in solutions] == [
        c.source for c in original.cells if regenerate.BEGIN_SOLUTION in c.source
    ]
    assert all(not nbgrader(c)["grade"] and not nbgrader(c)["locked"] for c in solutions)
    tests = [c for c in notebook.cells if nbgrader(c).get("grade")]
    assert tests, "every notebook with an exercise has a graded check"
    for cell in tests:
        assert not nbgrader(cell)["solution"] and nbgrader(cell)["locked"]
        assert nbgrader(cell)["points"] >= 1
        assert f'"{nbgrader(cell)["grade_id"].rsplit("-", 1)[1]}")' in cell.source
    ids = [nbgrader(c)["grade_id"] for c in notebook.cells if nbgrader(c)]
    assert len(ids) == len(set(ids))
    cell_ids = [c.id for c in notebook.cells]
    assert len(cell_ids) == len(set(cell_ids))
    assert all(nbgrader(c).get("locked") for c in notebook.cells if c.cell_type == "markdown")
    # Nothing but metadata and the test cells is added: the rest is the source.
    assert [c.source for c in notebook.cells if not nbgrader(c).get("grade")] == [
        c.source for c in original.cells
    ]


def test_the_backward_max_notebook_grades_each_classic_mistake():
    notebook = course.nbgrader_notebook(NOTEBOOKS_DIR / "source" / "03_backward_max.ipynb")
    graded = {
        nbgrader(c)["grade_id"]: nbgrader(c)["points"]
        for c in notebook.cells
        if nbgrader(c).get("grade")
    }
    assert graded == {f"pool_backward_max-{p.key}": p.points for p in parts("check_backward_max")}
    assert {"pool_backward_max-overlap", "pool_backward_max-ties"} <= set(graded)


def test_build_writes_the_sources_and_the_config(tmp_path):
    written = course.build(tmp_path, ["ps2_backward"], exchange=tmp_path / "exchange")
    assert written == [
        tmp_path / "source" / "ps2_backward" / f"{name}.ipynb"
        for name in course.ASSIGNMENTS["ps2_backward"]
    ]
    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == ["ps2_backward"]
    config = Config()
    exec((tmp_path / "nbgrader_config.py").read_text(), {"get_config": lambda: config})
    assert config.CourseDirectory.course_id == "pooling-from-scratch"
    assert config.ClearSolutions.code_stub == {"python": regenerate.CODE_STUB}
    assert config.Exchange.root == str(tmp_path / "exchange")
    assert config.ExecutePreprocessor.timeout >= 60
    # Again: the assignment's folder is written anew; the config, maybe edited, is kept.
    (tmp_path / "source" / "ps2_backward" / "stale.ipynb").write_text("{}")
    (tmp_path / "nbgrader_config.py").write_text("# edited\n")
    course.build(tmp_path, ["ps2_backward"])
    assert not (tmp_path / "source" / "ps2_backward" / "stale.ipynb").exists()
    assert (tmp_path / "nbgrader_config.py").read_text() == "# edited\n"


def test_every_assignment_is_made_of_sources_with_exercises():
    names = {p.stem for p in SOURCES}
    for notebooks in course.ASSIGNMENTS.values():
        assert notebooks and set(notebooks) <= names
    covered = {n for notebooks in course.ASSIGNMENTS.values() for n in notebooks}
    assert covered == names, "every notebook with an exercise is in some assignment"


def test_an_unknown_assignment_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"assignment 'ps9_nothing' is not one of the course's"):
        course.build(tmp_path, ["ps1_forward", "ps9_nothing"])
    assert not (tmp_path / "source").exists(), "nothing is written"
    run = subprocess.run(
        [
            sys.executable,
            str(NOTEBOOKS_DIR / "nbgrader_course.py"),
            str(tmp_path),
            "--assignment",
            "ps9_nothing",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert (
        "assignment 'ps9_nothing' is not one of the course's: choose from ps1_forward" in run.stderr
    )


def test_a_bad_course_id_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"course_id must be .*got 'my course'"):
        course.build(tmp_path, ["ps1_forward"], course_id="my course")


def test_a_source_without_exercises_is_refused(tmp_path):
    path = _source_notebook(tmp_path / "plain.ipynb", ["md:# Plain", "x = 1"])
    with pytest.raises(ValueError, match=r"source_path .*plain.ipynb' has no exercise"):
        course.nbgrader_notebook(path)


@pytest.mark.parametrize(
    "cells",
    [
        ["md:Put your answer after ### BEGIN SOLUTION.", SMALL[2]],
        [SMALL[2] + "\nprint('END SOLUTION')"],
    ],
    ids=["in-prose", "in-code"],
)
def test_text_nbgrader_would_take_for_a_marker_is_refused(tmp_path, cells):
    path = _source_notebook(tmp_path / "marked.ipynb", cells)
    with pytest.raises(ValueError, match=r"would be read by nbgrader as a solution marker"):
        course.nbgrader_notebook(path)
