"""Re-run course notebooks top to bottom in a fresh kernel and save their outputs in place.

The notebooks are committed executed, and ``pytest --nbval`` compares a fresh
run with those saved outputs, so after editing a notebook regenerate it::

    python notebooks/regenerate.py                      # every notebook, solutions too
    python notebooks/regenerate.py notebooks/02_forward_pass.ipynb
    python notebooks/regenerate.py notebooks/0[2-4]*.ipynb notebooks/solutions/

Each notebook gets a new kernel whose working directory is the notebook's own
folder (as under nbval and JupyterLab). Outputs and execution counts are
cleared first; timestamps and other per-run metadata are not recorded,
printed text split into chunks is joined, and saved widgets get numbered ids
instead of random ones, so a notebook without timings regenerates byte for
byte. A cell that
raises stops that notebook: it is left untouched on disk, the error is
printed, and the script exits with status 1 once the others are done.

Options: ``--timeout SECONDS`` per cell (default 600), ``--kernel NAME``
(default: the notebook's own kernelspec, else ``python3``),
``--no-widget-state`` to drop saved widget state from the notebook's metadata
(JupyterLab then shows live widgets only after the cells run again).
"""

from __future__ import annotations

import argparse
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

# Cell metadata that describes one run rather than the notebook.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("papermill", "execution")


def find_notebooks(paths):
    """The notebooks named by ``paths`` (files or folders), or all of them, sorted."""
    if not paths:
        paths = [NOTEBOOKS_DIR]
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"regenerate.py: {path} is not a notebook or a folder of notebooks")
    return sorted({p.resolve() for p in found})


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


def regenerate(path, timeout=600, kernel=None, widget_state=True):
    """Execute the notebook at ``path`` in a fresh kernel and write it back.

    Returns the number of seconds it took. Raises CellExecutionError, leaving
    the file unchanged, if a cell fails.
    """
    notebook = nbformat.read(path, as_version=4)
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
    parser.add_argument("notebooks", nargs="*", help="notebooks or folders (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's own)")
    parser.add_argument(
        "--no-widget-state",
        dest="widget_state",
        action="store_false",
        help="do not save widget state in the notebooks' metadata",
    )
    args = parser.parse_args(argv)
    # Hash randomisation would make set and dict-of-str orders differ between runs.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    warm_up()
    failures = []
    for path in find_notebooks(args.notebooks):
        shown = os.path.relpath(path)
        try:
            seconds = regenerate(path, args.timeout, args.kernel, args.widget_state)
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
