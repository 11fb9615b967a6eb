"""Build the course notebooks from their sources, run them, and save them with outputs.

Each notebook has one source, ``notebooks/source/NAME.ipynb``, holding the prose
and the worked exercises. In the source's code cells, the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the markers of nbgrader, the
Jupyter project's grading tool) are the worked answer. From each source this
script writes

* ``notebooks/NAME.ipynb``, the notebook a learner works in: every marked
  region replaced by ``raise NotImplementedError  # your code here``;
* ``notebooks/solutions/NAME.ipynb``, when the source has marked regions: the
  markers removed, and a note after the title saying what the copy is.

Both are then executed top to bottom in a fresh kernel and saved with their
outputs, because ``pytest --nbval`` compares a fresh run with the saved
outputs. Never edit the generated notebooks; edit the source and run::

    python notebooks/regenerate.py                      # every notebook
    python notebooks/regenerate.py 02_forward_pass      # one source (name or path)
    python notebooks/regenerate.py notebooks/0[2-4]*.ipynb

A name, a source path or a generated path all select the same source.
``tests/test_notebook_sources.py`` fails when a committed notebook is not what
its source generates.

Each notebook gets a new kernel whose working directory is the notebook's own
folder (as under nbval and JupyterLab). Outputs and execution counts are
cleared first; timestamps and other per-run metadata are not recorded,
printed text split into chunks is joined, and saved widgets get numbered ids
instead of random ones, so a notebook without timings regenerates byte for
byte. A cell that raises stops that notebook: it is left untouched on disk, the
error is printed, and the script exits with status 1 once the others are done.

Options: ``--timeout SECONDS`` per cell (default 600), ``--kernel NAME``
(default: the notebook's own kernelspec, else ``python3``),
``--no-widget-state`` to drop saved widget state from the notebook's metadata
(JupyterLab then shows live widgets only after the cells run again),
``--no-execute`` to write the generated notebooks without running them.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parent
SOURCE_DIR = NOTEBOOKS_DIR / "source"
SOLUTIONS_DIR = NOTEBOOKS_DIR / "solutions"

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
CODE_STUB = "raise NotImplementedError  # your code here"

# Cell metadata that describes one run rather than the notebook.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("papermill", "execution")


def find_sources(paths):
    """The sources named by ``paths`` (names, sources, generated notebooks or folders), sorted.

    With no paths, every source. A generated notebook or a bare name selects
    its source, so ``regenerate.py notebooks/solutions/03_backward_max.ipynb``
    rebuilds notebook 03 and its solution.
    """
    everything = sorted(SOURCE_DIR.glob("*.ipynb"))
    if not paths:
        return everything
    found = set()
    for given in map(Path, paths):
        if given.is_dir():
            names = {p.stem for p in given.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
            found |= {p for p in everything if p.stem in names}
            continue
        source = SOURCE_DIR / f"{given.stem}.ipynb"
        if given.suffix not in ("", ".ipynb") or not source.is_file():
            raise SystemExit(
                f"regenerate.py: no source notebooks/source/{given.stem}.ipynb for {given}"
            )
        found.add(source)
    return sorted(found)


def _solution_regions(source, where):
    """Split a code cell's text into (text, is_solution) runs; refuse unbalanced markers."""
    runs, inside, indent, block = [], False, "", []
    for number, line in enumerate(source.split("\n"), 1):
        marker = line.strip()
        if marker == BEGIN_SOLUTION:
            if inside:
                raise ValueError(f"{where}, line {number}: {BEGIN_SOLUTION} inside a solution")
            runs.append(("\n".join(block), False, ""))
            inside, indent, block = True, line[: len(line) - len(line.lstrip())], []
        elif marker == END_SOLUTION:
            if not inside:
                raise ValueError(f"{where}, line {number}: {END_SOLUTION} without a BEGIN")
            runs.append(("\n".join(block), True, indent))
            inside, block = False, []
        else:
            block.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN_SOLUTION} is never closed")
    runs.append(("\n".join(block), False, ""))
    return runs


def _join(runs, keep_solutions):
    pieces = []
    for text, is_solution, indent in runs:
        if is_solution and not keep_solutions:
            text = indent + CODE_STUB
        if text or is_solution:
            pieces.append(text)
    return "\n".join(pieces)


def has_solutions(notebook):
    """True when some code cell of ``notebook`` holds a marked solution."""
    return any(c.cell_type == "code" and BEGIN_SOLUTION in c.source for c in notebook.cells)


def solution_note(name):
    """The note put after a solution notebook's title."""
    number = name.split("_", 1)[0]
    return (
        f"> **Solutions.** This is notebook {number} with the exercises filled in; every checker\n"
        f'> after an exercise should print "All ... cases pass". Try them yourself in\n'
        f"> `notebooks/{name}.ipynb` first."
    )


def generate(source_path):
    """The notebooks one source makes, unexecuted: ``{output path: notebook}``."""
    source = nbformat.read(source_path, as_version=4)
    name = Path(source_path).stem
    made = {}
    for keep, path in (
        (False, NOTEBOOKS_DIR / f"{name}.ipynb"),
        (True, SOLUTIONS_DIR / f"{name}.ipynb"),
    ):
        if keep and not has_solutions(source):
            continue
        notebook = copy.deepcopy(source)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                runs = _solution_regions(cell.source, f"{source_path}, cell {index}")
                cell.source = _join(runs, keep)
        if keep:
            note = nbformat.v4.new_markdown_cell(solution_note(name))
            note.id = f"{name.split('_', 1)[0]}-solutions"
            notebook.cells.insert(1, note)
        clear(notebook)
        made[path] = notebook
    return made


def clear(notebook):
    """Drop outputs, execution counts and per-run metadata, in place."""
    for cell in notebook.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    for key in VOLATILE_NOTEBOOK_METADATA:
        notebook.metadata.pop(key, None)
    notebook.metadata.pop("widgets", None)


def merge_streams(outputs):
    """Join consecutive stdout (or stderr) chunks into one output.

    How a cell's printing is split into chunks depends on timing; merged, the
    saved notebook is the same on every run (nbval merges them too).
    """
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def renumber_widgets(notebook):
    """Replace the random ids of saved widgets with ids numbered in a fixed order.

    ipywidgets names every widget with a fresh random id, so without this a
    notebook with widgets would differ on every run. Widgets are numbered from
    the ones the outputs show, then depth first through the widgets each one
    refers to (its children, layout, style). Returns a new notebook.
    """
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return notebook
    shown = [
        output["data"][WIDGET_VIEW]["model_id"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    ]
    # Widgets no output refers to still get a stable place: ordered by their content.
    rest = sorted(state, key=lambda model_id: json.dumps(state[model_id], sort_keys=True))
    order, pending = [], list(reversed(shown + rest))
    while pending:
        model_id = pending.pop()
        if model_id in order or model_id not in state:
            continue
        order.append(model_id)
        refs = re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state[model_id], sort_keys=True))
        pending.extend(reversed(refs))
    text = nbformat.writes(notebook)
    for number, model_id in enumerate(order):
        text = text.replace(model_id, f"{number:032x}")
    return nbformat.reads(text, as_version=4)


def regenerate(path, notebook, timeout=600, kernel=None, widget_state=True):
    """Execute ``notebook`` in a fresh kernel in ``path``'s folder and write it to ``path``.

    Returns the number of seconds it took. Raises CellExecutionError, leaving
    the file unchanged, if a cell fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    clear(notebook)
    kernel_name = kernel or notebook.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=widget_state,
    )
    start = time.perf_counter()
    client.execute()
    for cell in notebook.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    notebook = renumber_widgets(notebook)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def warm_up():
    """Build matplotlib's font cache now, so no kernel prints a message about it."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="names, notebooks or folders (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's own)")
    parser.add_argument(
        "--no-widget-state",
        dest="widget_state",
        action="store_false",
        help="do not save widget state in the notebooks' metadata",
    )
    parser.add_argument(
        "--no-execute",
        dest="execute",
        action="store_false",
        help="write the generated notebooks without running them",
    )
    args = parser.parse_args(argv)
    # Hash randomisation would make set and dict-of-str orders differ between runs.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    warm_up()
    failures = []
    made = {}
    for source in find_sources(args.notebooks):
        made.update(generate(source))
    for path, notebook in made.items():
        shown = os.path.relpath(path)
        if not args.execute:
            nbformat.write(notebook, path)
            print(f"written  {shown}")
            continue
        try:
            seconds = regenerate(path, notebook, args.timeout, args.kernel, args.widget_state)
        except CellExecutionError as error:
            failures.append(shown)
            print(f"FAILED  {shown} (left unchanged)\n{error}", file=sys.stderr)
            continue
        print(f"{seconds:6.1f} s  {shown}")
    if failures:
        print(f"{len(failures)} notebook(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
