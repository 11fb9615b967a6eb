"""Every course notebook comes from one source, and the committed files are what it generates.

``notebooks/source/NAME.ipynb`` holds the prose and the worked exercises between
nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers;
``notebooks/regenerate.py`` writes the learner's ``notebooks/NAME.ipynb`` (answers
replaced by a stub) and ``notebooks/solutions/NAME.ipynb`` (markers removed) from it.
Outputs are compared by nbval when the notebooks run; here everything else is.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
SOURCES = sorted((NOTEBOOKS_DIR / "source").glob("*.ipynb"))


def _load_regenerate():
    spec = importlib.util.spec_from_file_location("regenerate", NOTEBOOKS_DIR / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regenerate = _load_regenerate()


def _without_outputs(notebook):
    """The parts of a notebook that its source decides: cells and notebook metadata."""
    regenerate.clear(notebook)
    cells = [(c.cell_type, c.get("id"), c.source, dict(c.metadata)) for c in notebook.cells]
    return cells, dict(notebook.metadata)


def _generated():
    return {
        path: notebook
        for source in SOURCES
        for path, notebook in regenerate.generate(source).items()
    }


def test_every_committed_notebook_has_a_source_and_every_source_a_notebook():
    committed = {
        p
        for p in NOTEBOOKS_DIR.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and p.parent.name != "source"
    }
    assert SOURCES, "notebooks/source/ holds the course's sources"
    assert committed == set(_generated()), "run: python notebooks/regenerate.py"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_notebooks_are_what_their_source_generates(source):
    for path, fresh in regenerate.generate(source).items():
        assert path.is_file(), (
            f"{path.relative_to(ROOT)} is missing: python notebooks/regenerate.py"
        )
        committed = nbformat.read(path, as_version=4)
        assert _without_outputs(committed) == _without_outputs(fresh), (
            f"{path.relative_to(ROOT)} differs from what {source.relative_to(ROOT)} generates: "
            f"edit the source, then run python notebooks/regenerate.py {source.stem}"
        )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_sources_are_unexecuted_and_markers_balanced(source):
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "sources hold no outputs"
    regenerate.generate(source)  # raises on an unbalanced marker


def test_learner_notebooks_hold_stubs_and_solutions_hold_answers():
    for path, notebook in _generated().items():
        text = "\n".join(c.source for c in notebook.cells)
        assert regenerate.BEGIN_SOLUTION not in text and regenerate.END_SOLUTION not in text
        if path.parent.name == "solutions":
            assert regenerate.CODE_STUB not in text
            assert "**Solutions.**" in notebook.cells[1].source


def _cell_notebook(*sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return notebook


@pytest.mark.parametrize(
    ("source", "learner", "solution"),
    [
        (
            'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n'
            "    y = x + 1\n    return y\n    ### END SOLUTION",
            'def f(x):\n    """Doc."""\n    raise NotImplementedError  # your code here',
            'def f(x):\n    """Doc."""\n    y = x + 1\n    return y',
        ),
        (
            "a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\nc = 3",
            "a = 1\nraise NotImplementedError  # your code here\nc = 3",
            "a = 1\nb = 2\nc = 3",
        ),
        ("plain = True", "plain = True", "plain = True"),
    ],
)
def test_a_marked_region_becomes_a_stub_for_the_learner_and_stays_in_the_solution(
    tmp_path, monkeypatch, source, learner, solution
):
    path = tmp_path / "source" / "03_demo.ipynb"
    path.parent.mkdir()
    nbformat.write(
        _cell_notebook("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", source), path
    )
    monkeypatch.setattr(regenerate, "NOTEBOOKS_DIR", tmp_path)
    monkeypatch.setattr(regenerate, "SOLUTIONS_DIR", tmp_path / "solutions")
    made = regenerate.generate(path)
    learner_nb = made[tmp_path / "03_demo.ipynb"]
    solution_nb = made[tmp_path / "solutions" / "03_demo.ipynb"]
    assert learner_nb.cells[1].source == learner
    assert solution_nb.cells[2].source == solution  # after the note the solution gets
    assert "notebook 03" in solution_nb.cells[1].source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside a solution"),
    ],
)
def test_unbalanced_markers_are_refused_with_the_cell_and_line(tmp_path, source, message):
    path = tmp_path / "01_bad.ipynb"
    nbformat.write(_cell_notebook("x = 0", source), path)
    with pytest.raises(ValueError, match=message) as caught:
        regenerate.generate(path)
    assert "cell 1" in str(caught.value)


def test_a_source_without_markers_makes_no_solution_notebook(tmp_path):
    path = tmp_path / "00_intro.ipynb"
    nbformat.write(_cell_notebook("x = 1"), path)
    assert [p.parent.name for p in regenerate.generate(path)] == [NOTEBOOKS_DIR.name]
