"""Build an nbgrader course directory from the course's notebook sources.

nbgrader (the Jupyter project's grading tool) hands out notebooks, collects
them and marks them. This script writes what it needs, from
``notebooks/source/NAME.ipynb`` as they are::

    python notebooks/nbgrader_course.py DEST                       # every assignment
    python notebooks/nbgrader_course.py DEST --assignment ps2_backward
    python notebooks/nbgrader_course.py DEST --exchange /srv/nbgrader/exchange

* ``DEST/source/ASSIGNMENT/NAME.ipynb`` for each notebook of each assignment,
  with nbgrader's cell metadata: a code cell holding ``### BEGIN SOLUTION``
  becomes an autograded answer (nbgrader's ``generate_assignment`` puts our
  stub ``raise NotImplementedError  # your code here`` in place of the answer,
  so the student's copy is the learner notebook); the cell that runs an
  exercise's checker on the learner's function becomes read-only and is
  followed by read-only autograded test cells, one for each part of that
  checker's cases (:func:`pooling_lib.exercises.grading.parts`), each worth
  that part's points, so the grade names the mistakes made; prose cells are
  read-only.
* ``DEST/nbgrader_config.py``: the course id, the code stub, a cell time limit
  and (with ``--exchange``) the exchange folder. Left alone if it exists.

An assignment's folder is written anew on every run; the gradebook and the
rest of ``DEST`` are kept. Then, from ``DEST``: ``nbgrader generate_assignment
ASSIGNMENT``, ``nbgrader release_assignment ASSIGNMENT``, ... (see the
instructor's guide, "Grade the exercises").
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

NOTEBOOKS_DIR = Path(__file__).resolve().parent
if str(NOTEBOOKS_DIR) not in sys.path:  # run as a script from elsewhere, or loaded by a test
    sys.path.insert(0, str(NOTEBOOKS_DIR))

import regenerate  # noqa: E402

from pooling_lib.exercises import grading  # noqa: E402

COURSE_ID = "pooling-from-scratch"

# Problem sets, in course order, each the notebooks (sources' names) it holds.
ASSIGNMENTS = {
    "ps1_forward": ("01_what_pooling_does", "02_forward_pass"),
    "ps2_backward": ("03_backward_max", "04_backward_avg", "05_gradient_checking"),
    "ps3_in_practice": ("06_padding_dilation_ceil", "07_pooling_in_a_cnn", "08_performance"),
    "ps4_networks": ("09_pooling_in_a_network", "10_pooling_in_modern_networks"),
    # One exercise for each classic mistake: an off-by-one output size (01), `=`
    # for `+=` and every tied maximum winning (03), zero padding for max (06).
    "classic_mistakes": ("01_what_pooling_does", "03_backward_max", "06_padding_dilation_ceil"),
}

# A cell that runs a checker on one function: `exercises.check_x(fn)`, its
# result perhaps kept in a variable.
_CHECKER_CELL = re.compile(r"\s*(?:\w+\s*=\s*)?exercises\.(check_\w+)\(\s*(\w+)\s*\)\s*")
_DEFINED = re.compile(r"^(?:def|class) (\w+)\b", re.MULTILINE)
_NBGRADER_SCHEMA = 3
# Seconds a cell may run when nbgrader executes a notebook; nbgrader's default is 30.
_CELL_TIMEOUT = 300


def _metadata(grade_id, *, solution=False, grade=False, locked=False, points=None):
    fields = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": _NBGRADER_SCHEMA,
        "solution": solution,
        "task": False,
    }
    if grade:
        fields["points"] = points
    return fields


def _check_markers(cell, where):
    """Refuse text that nbgrader would take for a marker but our sources do not.

    nbgrader treats any line containing ``BEGIN SOLUTION`` as a marker, in
    prose too; ``regenerate.py`` only lines that are exactly the marker.
    """
    for number, line in enumerate(cell.source.split("\n"), 1):
        bare = line.strip()
        for marker in (regenerate.BEGIN_SOLUTION, regenerate.END_SOLUTION):
            if marker.lstrip("# ") in line and (bare != marker or cell.cell_type != "code"):
                raise ValueError(
                    f"{where}, line {number}: {line.strip()!r} would be read by nbgrader as a "
                    f"solution marker; only a code cell's line that is exactly {marker!r} may "
                    "contain it"
                )


def _test_cell(checker, function, part, grade_id):
    source = (
        f"# Graded ({part.points} point{'s' if part.points != 1 else ''}): {part.title}.\n"
        f"from pooling_lib.exercises import {checker}, grade\n"
        "\n"
        f'grade({checker}, {function}, "{part.key}")'
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.id = grade_id
    cell.metadata["nbgrader"] = _metadata(grade_id, grade=True, locked=True, points=part.points)
    return cell


def nbgrader_notebook(source_path):
    """The source notebook with nbgrader's cell metadata and test cells, unexecuted.

    Parameters
    ----------
    source_path : str or Path
        A notebook source, ``notebooks/source/NAME.ipynb``.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        The source has no marked answer, or text nbgrader would misread as a
        marker.
    """
    source_path = Path(source_path)
    notebook = nbformat.read(source_path, as_version=4)
    if not regenerate.has_solutions(notebook):
        raise ValueError(
            f"source_path {str(source_path)!r} has no exercise (no code cell with "
            f"{regenerate.BEGIN_SOLUTION!r}): there is nothing to grade in it"
        )
    regenerate.clear(notebook)
    answers, cells, ids = set(), [], set()

    def unique(grade_id):
        grade_id = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)
        candidate, number = grade_id, 2
        while candidate in ids:
            candidate, number = f"{grade_id}-{number}", number + 1
        ids.add(candidate)
        return candidate

    for index, cell in enumerate(notebook.cells):
        _check_markers(cell, f"{source_path.name}, cell {index}")
        cells.append(cell)
        if cell.cell_type == "markdown":
            cell.metadata["nbgrader"] = _metadata(unique(f"prose-{index:02d}"), locked=True)
            continue
        if cell.cell_type != "code":
            continue
        if regenerate.BEGIN_SOLUTION in cell.source:
            defined = _DEFINED.findall(cell.source)
            answers.update(defined)
            grade_id = unique(f"answer-{defined[0]}" if defined else f"answer-{index:02d}")
            cell.metadata["nbgrader"] = _metadata(grade_id, solution=True)
            continue
        called = _CHECKER_CELL.fullmatch(cell.source)
        if called is None or called.group(2) not in answers:
            continue
        checker, function = called.groups()
        cell.metadata["nbgrader"] = _metadata(unique(f"check-{function}"), locked=True)
        for part in grading.parts(checker):
            cells.append(_test_cell(checker, function, part, unique(f"{function}-{part.key}")))
    notebook.cells = cells
    nbformat.validate(notebook)
    return notebook


def config_text(course_id=COURSE_ID, exchange=None):
    """The text of ``nbgrader_config.py`` for the course."""
    lines = [
        '"""nbgrader settings for Pooling from Scratch, from notebooks/nbgrader_course.py."""',
        "",
        "c = get_config()  # noqa: F821 - defined by nbgrader when it reads this file",
        "",
        f"c.CourseDirectory.course_id = {course_id!r}",
        "# The student's version of an answer is the learner notebook's stub.",
        f"c.ClearSolutions.code_stub = {{'python': {regenerate.CODE_STUB!r}}}",
        f"c.ExecutePreprocessor.timeout = {_CELL_TIMEOUT}",
    ]
    if exchange is not None:
        lines.append(f"c.Exchange.root = {str(exchange)!r}")
    else:
        lines.append("# c.Exchange.root = '/srv/nbgrader/exchange'  # for release_assignment")
    return "\n".join(lines) + "\n"


def build(dest, assignments=None, course_id=COURSE_ID, exchange=None):
    """Write the course directory ``dest``; return the notebooks written.

    Parameters
    ----------
    dest : str or Path
        The course directory (created if missing).
    assignments : list of str, optional
        Names from :data:`ASSIGNMENTS`; all of them by default.
    course_id : str, optional
        nbgrader's course id.
    exchange : str or Path, optional
        The exchange folder written into the config, for ``release_assignment``.

    Returns
    -------
    list of Path
    """
    chosen = list(ASSIGNMENTS) if not assignments else list(dict.fromkeys(assignments))
    unknown = [name for name in chosen if name not in ASSIGNMENTS]
    if unknown:
        raise ValueError(
            f"assignment {unknown[0]!r} is not one of the course's: choose from "
            f"{', '.join(ASSIGNMENTS)}"
        )
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", course_id):
        raise ValueError(
            f"course_id must be letters, digits, '_', '-' or '.', got {course_id!r}; "
            f"e.g. {COURSE_ID!r}"
        )
    dest = Path(dest)
    made = {
        (name, notebook): nbgrader_notebook(regenerate.SOURCE_DIR / f"{notebook}.ipynb")
        for name in chosen
        for notebook in ASSIGNMENTS[name]
    }
    written = []
    for name in chosen:
        folder = dest / "source" / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for (name, notebook), content in made.items():
        path = dest / "source" / name / f"{notebook}.ipynb"
        nbformat.write(content, path)
        written.append(path)
    config = dest / "nbgrader_config.py"
    if not config.exists():
        config.write_text(config_text(course_id, exchange))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", help="the nbgrader course directory to write")
    parser.add_argument(
        "--assignment",
        action="append",
        metavar="NAME",
        help=f"an assignment to write (repeatable; default: all): {', '.join(ASSIGNMENTS)}",
    )
    parser.add_argument("--course-id", default=COURSE_ID, help=f"default: {COURSE_ID}")
    parser.add_argument("--exchange", help="the exchange folder, for release_assignment")
    args = parser.parse_args(argv)
    try:
        written = build(args.dest, args.assignment, args.course_id, args.exchange)
    except ValueError as error:
        parser.error(str(error))
    for path in written:
        print(f"written  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
