"""nbgrader end to end: build the course directory, release, autograde, give feedback.

A real nbgrader course in a temporary folder, its sqlite gradebook included:
the ``classic_mistakes`` assignment is generated and released to an exchange
folder, two submissions are placed under ``submitted/`` (the worked solution,
and one with the classic mistakes), ``nbgrader autograde`` runs them, and the
gradebook and the feedback pages must say which mistakes were made. Offline;
nbgrader runs as the ``nbgrader`` of this Python's environment.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
ASSIGNMENT = "classic_mistakes"

# The mistakes, one answer cell each (by the grade_id the builder gives it).
MISTAKES = {
    # Off by one: the steps between windows, not the windows.
    "answer-output_size": (
        "def output_size(h, w, kernel_shape, stride):\n"
        "    (kh, kw), (sh, sw) = kernel_shape, stride\n"
        "    return (h - kh) // sh, (w - kw) // sw\n"
    ),
    # `=` for `+=`, and every tied maximum gets the gradient (NaN handled right).
    "answer-pool_backward_max": (
        "def pool_backward_max(dA, A_prev, kernel_shape, stride):\n"
        "    (kh, kw), (sh, sw) = kernel_shape, stride\n"
        "    m, h_out, w_out, c = dA.shape\n"
        "    dA_prev = np.zeros(A_prev.shape)\n"
        "    for n, i, j, ch in np.ndindex(m, h_out, w_out, c):\n"
        "        window = A_prev[n, i * sh : i * sh + kh, j * sw : j * sw + kw, ch]\n"
        "        mask = (window == window.max()) | np.isnan(window)\n"
        "        rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)\n"
        "        dA_prev[n, rows, cols, ch] = mask * dA[n, i, j, ch]\n"
        "    return dA_prev\n"
    ),
    # Zero padding for max pooling as well as for averages.
    "answer-empty_output_and_canvas": (
        "def empty_output_and_canvas(A_prev, kernel_shape, stride, mode, padding, ceil_mode):\n"
        "    (kh, kw), (sh, sw), (ph, pw) = kernel_shape, stride, padding\n"
        "    m, h, w, c = A_prev.shape\n"
        "    h_out = output_length(h, kh, sh, ph, 1, ceil_mode)\n"
        "    w_out = output_length(w, kw, sw, pw, 1, ceil_mode)\n"
        "    canvas = np.zeros((m, h + 2 * ph + kh, w + 2 * pw + kw, c))\n"
        "    canvas[:, ph : ph + h, pw : pw + w] = A_prev\n"
        "    return np.empty((m, h_out, w_out, c)), canvas\n"
    ),
}
# The test cells the mistakes must fail (notebook, grade_id), and what each must name.
FAILING = {
    ("01_what_pooling_does", "output_size-basics"): "off by one in the output size",
    ("01_what_pooling_does", "output_size-floor"): "off by one in the output size",
    ("01_what_pooling_does", "output_size-overlap"): "off by one in the output size",
    ("01_what_pooling_does", "output_size-random"): "not run, because fixed cases fail",
    ("03_backward_max", "pool_backward_max-overlap"): "looks like `=` where `+=` is needed",
    ("03_backward_max", "pool_backward_max-ties"): "every tied maximum got the full gradient",
    ("03_backward_max", "pool_backward_max-overlap_ties"): "overlapping windows with ties",
    ("03_backward_max", "pool_backward_max-random"): "not run, because fixed cases fail",
    ("06_padding_dilation_ceil", "empty_output_and_canvas-max_padding"): "fill it with -inf",
    ("06_padding_dilation_ceil", "empty_output_and_canvas-ceil"): "fill it with -inf",
    ("06_padding_dilation_ceil", "empty_output_and_canvas-random"): "not run, because fixed",
    ("06_padding_dilation_ceil", "pool_padded-max_padding"): "pad max with -inf",
    ("06_padding_dilation_ceil", "pool_padded-ceil"): "pad max with -inf",
    ("06_padding_dilation_ceil", "pool_padded-random"): "not run, because fixed cases fail",
}


def _nbgrader(cell):
    """A cell's nbgrader metadata; empty for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {})


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, NOTEBOOKS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nbgrader_environment(home):
    """The environment nbgrader runs in: this checkout, this Python, no user config in ``home``."""
    # Not the outer run's coverage or pytest settings: the kernels are not part of it.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE_", "PYTEST_"))}
    # nbgrader calls `alembic` by name: this environment's bin folder comes first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["JUPYTER_CONFIG_DIR"] = str(Path(home) / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(Path(home) / "runtime")
    return env


def with_mistakes(answers):
    """``answers`` with the cells of :data:`MISTAKES` replaced."""
    return {
        notebook: {**cells, **{k: v for k, v in MISTAKES.items() if k in cells}}
        for notebook, cells in answers.items()
    }


@pytest.fixture(scope="module")
def nbgrader_env(tmp_path_factory):
    if importlib.util.find_spec("nbgrader") is None:
        pytest.fail(
            f"nbgrader is not installed in {sys.executable}: pip install -r requirements-dev.txt",
            pytrace=False,
        )
    return nbgrader_environment(tmp_path_factory.mktemp("jupyter"))


def nbgrader(course, env, *args, timeout=600):
    """Run ``nbgrader ARGS`` in ``course`` within ``timeout`` s; fail with its log if it fails."""
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    assert "ERROR" not in run.stderr, run.stderr
    return run


def submit(course, student, answers):
    """Copy the released notebooks to submitted/STUDENT/, answer cells replaced by ``answers``."""
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for released in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
        notebook = nbformat.read(released, as_version=4)
        for cell in notebook.cells:
            grade_id = _nbgrader(cell).get("grade_id")
            if grade_id in answers.get(released.stem, {}):
                cell.source = answers[released.stem][grade_id]
        nbformat.write(notebook, folder / released.name)


def worked_answers(course):
    """The worked answers, by notebook and grade_id, from the course's source folder."""
    regenerate = load_script("regenerate")
    answers = {}
    for path in sorted((course / "source" / ASSIGNMENT).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        answers[path.stem] = {
            cell.metadata["nbgrader"]["grade_id"]: "\n".join(
                line
                for line in cell.source.split("\n")
                if line.strip() not in (regenerate.BEGIN_SOLUTION, regenerate.END_SOLUTION)
            )
            for cell in notebook.cells
            if _nbgrader(cell).get("solution")
        }
    return answers


def test_autograde_marks_the_solution_full_and_names_each_classic_mistake(tmp_path, nbgrader_env):
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    exchange.mkdir()
    built = load_script("nbgrader_course").build(course, [ASSIGNMENT], exchange=exchange)
    assert sorted(p.stem for p in built) == [
        "01_what_pooling_does",
        "03_backward_max",
        "06_padding_dilation_ceil",
    ]
    for student in ("worked", "mistaken"):
        nbgrader(course, nbgrader_env, "db", "student", "add", student)
    nbgrader(course, nbgrader_env, "generate_assignment", ASSIGNMENT)
    nbgrader(course, nbgrader_env, "release_assignment", ASSIGNMENT)
    outbound = exchange / "pooling-from-scratch" / "outbound" / ASSIGNMENT
    assert sorted(p.name for p in outbound.glob("*.ipynb")) == sorted(p.name for p in built)

    # The student's copy is the learner notebook, answers stubbed out the same way.
    regenerate = load_script("regenerate")
    for path in built:
        learner = regenerate.generate(NOTEBOOKS_DIR / "source" / path.name)
        learner_cells = [c.source for c in learner[NOTEBOOKS_DIR / path.name].cells]
        released = nbformat.read(course / "release" / ASSIGNMENT / path.name, as_version=4)
        ungraded = [c.source for c in released.cells if not _nbgrader(c).get("grade")]
        assert ungraded == learner_cells
        graded = [c for c in released.cells if _nbgrader(c).get("grade")]
        assert graded and all(not c.metadata.get("editable", True) for c in graded)

    answers = worked_answers(course)
    mistaken = with_mistakes(answers)
    assert set(MISTAKES) <= {grade_id for cells in answers.values() for grade_id in cells}
    submit(course, "worked", answers)
    submit(course, "mistaken", mistaken)
    nbgrader(course, nbgrader_env, "autograde", ASSIGNMENT)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        worked = gradebook.find_submission(ASSIGNMENT, "worked")
        wrong = gradebook.find_submission(ASSIGNMENT, "mistaken")
        assert worked.max_score > 0
        assert worked.score == worked.max_score
        lost = {
            (notebook.name, grade.name)
            for notebook in wrong.notebooks
            for grade in notebook.grades
            if grade.score < grade.max_score
        }
        assert lost == set(FAILING)
        lost_points = sum(
            grade.max_score
            for notebook in wrong.notebooks
            for grade in notebook.grades
            if (notebook.name, grade.name) in lost
        )
        assert wrong.score == wrong.max_score - lost_points > 0

    for (notebook, grade_id), words in FAILING.items():
        graded = nbformat.read(
            course / "autograded" / "mistaken" / ASSIGNMENT / f"{notebook}.ipynb", as_version=4
        )
        (cell,) = [c for c in graded.cells if _nbgrader(c).get("grade_id") == grade_id]
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert error.ename == "GradingFailure"
        assert words in error.evalue

    nbgrader(course, nbgrader_env, "generate_feedback", ASSIGNMENT)
    pages = {
        path.stem: path.read_text()
        for path in (course / "feedback" / "mistaken" / ASSIGNMENT).glob("*.html")
    }
    assert sorted(pages) == sorted(p.stem for p in built)
    for (notebook, _), words in FAILING.items():
        assert words.replace("`", "") in pages[notebook].replace("`", "").replace("&#39;", "'")
    worked_page = (course / "feedback" / "worked" / ASSIGNMENT / "03_backward_max.html").read_text()
    assert "GradingFailure" not in worked_page
    shutil.rmtree(course / "autograded")  # large; tmp_path is kept for a few runs
