"""Offline slides and a one-page handout, from the dashboard's pictures and presets.

Run from the repository root::

    python -m pooling_lib.handout docs/print

writes ``slides.pdf`` (a title page, then one page per preset of
:mod:`pooling_lib.presets`: the projector picture with its answer shown, the
sentences the dashboard writes beside it, and the guide's question) and
``handout.pdf`` (one page for students: the six demo steps in small pictures,
the output-size formula and the backward-pass rules). Matplotlib writes both;
nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import io
import textwrap
from pathlib import Path

import matplotlib.image as mpimg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .dashboard import section
from .presets import PRESETS

__all__ = ["HEADINGS", "QUESTIONS", "main", "write_handout", "write_slides"]

HEADINGS = {
    "PoolingAnimation": "1. A window walks across the digit",
    "WindowExplorer": "2. Where do the windows fall?",
    "MaxMaskExplorer": "3. Who wins each window, and who gets the gradient?",
    "GradientExplorer": "4. Follow one gradient back",
    "PipelineExplorer": "5. Convolution → ReLU → pooling: what survives a shift?",
}
QUESTIONS = {
    "play": "The next window has a bit of stroke in it. What will the output pixel be?",
    "avg": "Will average pooling give a brighter or a darker pixel here?",
    "kernel-3": "28 pixels, windows of 3, moved 2 at a time: how many fit? Which row is unread?",
    "kernel-5-stride-3": "Kernel 5, stride 3: what is the output size?",
    "ties-first": "196 windows each send back a gradient of 1. How many pixels get gradient?",
    "ties-all": "Every tied maximum gets the gradient: how many pixels now, and is that right?",
    "ties-split": "Tied maxima share the gradient: what is the total now?",
    "follow": "Max pooling: where does this window's gradient go? Average pooling?",
    "overlap": "Stride 1: how many windows read one pixel, and what must backward do?",
    "shift-1": "The digit moved one pixel. Which map changes more, the ReLU map or the pooled one?",
    "shift-2": "And at two pixels?",
    "pool-4": "Pool size 4, shift 1: more or less change than with pool size 2?",
}
PAGE = (11.69, 8.27)  # A4 landscape, inches
METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


def _pictures():
    """``(preset, png bytes, sentences)`` for every preset, with the answer revealed."""
    built = {}
    shown = []
    try:
        for chosen in PRESETS:
            explorer = built.get(chosen.section)
            if explorer is None:
                explorer = built[chosen.section] = section(chosen.section, query="")
            explorer.apply_preset(chosen.key)
            explorer.reveal.value = True
            shown.append((chosen, bytes(explorer.image.value), explorer.view.text_lines()))
    finally:
        for explorer in built.values():
            explorer.close()
    return shown


def _picture(ax, png):
    ax.imshow(mpimg.imread(io.BytesIO(png), format="png"), interpolation="lanczos")
    ax.set_axis_off()


def write_slides(path, pictures=None):
    """A title page and one page per preset, as a PDF.

    Parameters
    ----------
    path : str or pathlib.Path
        The PDF to write.
    pictures : list, optional
        What :func:`_pictures` returns, to share one rendering with the handout.

    Returns
    -------
    int
        The number of pages written.
    """
    pictures = _pictures() if pictures is None else pictures
    with PdfPages(path, metadata=METADATA) as pdf:
        title = Figure(figsize=PAGE)
        title.text(0.5, 0.6, "Pooling from Scratch", ha="center", fontsize=40)
        title.text(0.5, 0.45, "max and average pooling on real digits", ha="center", fontsize=24)
        pdf.savefig(title)
        for chosen, png, sentences in pictures:
            page = Figure(figsize=PAGE)
            page.text(0.04, 0.94, HEADINGS[chosen.section], fontsize=24, va="top")
            question = textwrap.fill(QUESTIONS[chosen.key], 70)
            page.text(0.04, 0.86, question, fontsize=18, va="top", style="italic")
            _picture(page.add_axes([0.04, 0.22, 0.92, 0.55]), png)
            text = "\n".join(textwrap.fill(line, 95) for line in sentences)
            page.text(0.04, 0.18, text, fontsize=13, va="top", family="DejaVu Sans Mono")
            page.text(0.96, 0.03, chosen.label, fontsize=12, ha="right", color="#8c8c8c")
            pdf.savefig(page)
    return 1 + len(pictures)


def write_handout(path, pictures=None):
    """One A4 page for students: the demo's six steps, the formula and the rules, as a PDF.

    Parameters
    ----------
    path : str or pathlib.Path
    pictures : list, optional
        As for :func:`write_slides`.

    Returns
    -------
    int
        The number of pages written: 1.
    """
    pictures = _pictures() if pictures is None else pictures
    steps = [item for item in pictures if item[0].guide_step is not None]
    page = Figure(figsize=(8.27, 11.69))
    page.text(0.5, 0.97, "Pooling from Scratch: the demo on one page", ha="center", fontsize=18)
    for k, (chosen, png, _) in enumerate(steps):
        row, col = divmod(k, 2)
        left, top = 0.05 + col * 0.47, 0.92 - row * 0.22
        page.text(
            left,
            top,
            textwrap.fill(f"{chosen.guide_step}. {QUESTIONS[chosen.key]}", 62),
            fontsize=8,
            va="top",
        )
        _picture(page.add_axes([left, top - 0.19, 0.43, 0.16]), png)
    rules = (
        "Output size: floor((n + 2p − d(k − 1) − 1) / s) + 1;"
        " 28 pixels, kernel 3, stride 2 give 13.\n"
        "Max backward: each window's gradient goes to its maximum; on a tie, to the first in\n"
        "reading order (PyTorch). Overlapping windows add up (+=).\n"
        "Average backward: each of the k × k cells gets dA / (k × k).\n"
        "Pooling keeps the strongest response of each window: smaller maps, steadier under\n"
        "shifts within a window, not across windows."
    )
    page.text(0.05, 0.24, rules, fontsize=9, va="top", linespacing=1.6)
    with PdfPages(path, metadata=METADATA) as pdf:
        pdf.savefig(page)
    return 1


def main(argv=None):
    """Write ``slides.pdf`` and ``handout.pdf`` into a folder (default ``docs/print``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="docs/print", type=Path)
    folder = parser.parse_args(argv).folder
    folder.mkdir(parents=True, exist_ok=True)
    pictures = _pictures()
    slides = write_slides(folder / "slides.pdf", pictures)
    handout = write_handout(folder / "handout.pdf", pictures)
    print(f"{folder / 'slides.pdf'}: {slides} pages; {folder / 'handout.pdf'}: {handout} page")


if __name__ == "__main__":
    main()
