"""Real MNIST digits for the notebooks: the bundled 5,000, or your own full set.

``load_mnist()`` with no arguments reads ``data/mnist_5k.npz`` from the
repository (500 of each digit, see ``data/README.md``), so every notebook runs
offline. ``load_mnist(path=...)`` reads a full MNIST instead: a Keras-style
``mnist.npz`` or a directory holding the four IDX files MNIST is published as.
Either way you get pixels as float64 in [0, 1] and labels as int64.

``two_channel`` builds the input of the article this course follows: each digit
next to its inverse, as two channels in (m, h, w, c) layout.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["load_mnist", "two_channel"]

DATA_ENV_VAR = "POOLING_LIB_DATA"
BUNDLED_FILENAME = "mnist_5k.npz"
SPLITS = ("train", "test")
IMAGE_SHAPE = (28, 28)

_BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data"

# IDX files start with two zero bytes, a type code (0x08 = unsigned byte) and
# the number of dimensions: 0x00000803 for image stacks, 0x00000801 for labels.
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049
_IDX_PREFIX = {"train": "train", "test": "t10k"}
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"

# The most images load_mnist reads from one file: MNIST has 60,000 + 10,000, EMNIST's
# digits 240,000. As float64 that is 1.5 GB; a file that declares more is refused before
# anything is allocated or inflated, so a corrupt or hostile header cannot exhaust memory.
MAX_IMAGES = 250_000
_MAX_PIXELS = MAX_IMAGES * IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
# Files are read and inflated this much at a time, into an array of the declared size.
_CHUNK_BYTES = 1 << 20

_HOW_TO_FIX = (
    "From a checkout of the repository, run `pip install -e .` so the package can "
    f"find data/{BUNDLED_FILENAME}; or set {DATA_ENV_VAR} to that file or its "
    "directory; or pass load_mnist(path=...) to an MNIST file you have."
)


def load_mnist(path: str | os.PathLike | None = None, split: str = "train"):
    """Load MNIST digits as floats in [0, 1] with integer labels.

    Parameters
    ----------
    path : str or path-like, optional
        Where to read the digits from. One of

        - ``None`` (default): the 5,000 digits bundled with the course,
          ``data/mnist_5k.npz`` next to the package (500 of each digit, ordered
          by label). If the environment variable ``POOLING_LIB_DATA`` is set,
          it is used instead of the bundled file, exactly as if passed as
          ``path`` (a directory containing ``mnist_5k.npz`` means that file).
        - a Keras-style ``mnist.npz`` with keys ``x_train``, ``y_train``,
          ``x_test``, ``y_test`` (what ``keras.datasets.mnist`` downloads);
        - a directory holding the IDX files ``train-images-idx3-ubyte``,
          ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
          ``t10k-labels-idx1-ubyte``, each optionally gzipped (``.gz``);
        - an ``.npz`` with keys ``images`` and ``labels``, like the bundled one.
    split : {'train', 'test'}, default 'train'
        Which set to read from a full MNIST. Files without a train/test split
        (the bundled one) only accept ``'train'``.

    Returns
    -------
    X : ndarray of float64, shape (n, 28, 28)
        Pixel intensities divided by 255: 0 is background, 1 is full ink.
    y : ndarray of int64, shape (n,)
        The digit shown in each image, 0-9.

    Raises
    ------
    TypeError
        If ``path`` is not None, a str or path-like.
    FileNotFoundError
        If ``path`` (or the bundled file) does not exist, or a directory lacks
        the IDX files for ``split``. The message names the paths tried.
    ValueError
        If ``path`` is empty or not a regular file or directory (a device, a
        named pipe), if ``split`` is not 'train' or 'test', or the file is not
        a format listed above, or it is corrupt: bad IDX magic number,
        truncated data, images not of shape (n, 28, 28), pixels outside 0-255,
        labels outside 0-9, or a different number of images and labels. Also
        if a header declares more than ``MAX_IMAGES`` (250,000) images or
        labels: that is checked before anything is allocated or decompressed.

    Notes
    -----
    The default file (bundled, or from ``POOLING_LIB_DATA``) is read once and
    cached until it changes on disk. Every call returns new arrays, so changing
    a result in place never affects the next call.

    Examples
    --------
    >>> X, y = load_mnist()
    >>> X.shape, X.dtype, y.shape, y.dtype
    ((5000, 28, 28), dtype('float64'), (5000,), dtype('int64'))
    >>> float(X.min()), float(X.max())
    (0.0, 1.0)
    >>> np.bincount(y)
    array([500, 500, 500, 500, 500, 500, 500, 500, 500, 500])

    A full MNIST from Keras or from the IDX files works the same way:

    >>> X_test, y_test = load_mnist("~/data/mnist.npz", split="test")  # doctest: +SKIP
    >>> X_test.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a str or os.PathLike (or None for the bundled digits), "
            f"got {type(path).__name__}: {path!r}"
        )
    if path is not None and os.fspath(path) in ("", b""):
        raise ValueError(
            "path must name an MNIST file or directory, got an empty path (which would "
            "mean the current folder); pass None for the bundled digits"
        )
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if path is None:
        source = _default_source()
        if source.is_file():
            # The key includes size and mtime so that a file replaced on disk is reread.
            stat = source.stat()
            images, labels = _read_cached(str(source), split, stat.st_size, stat.st_mtime_ns)
        else:
            # A directory's mtime does not change when a file in it is rewritten,
            # so an IDX directory from POOLING_LIB_DATA is read afresh each time.
            images, labels = _read(source, split)
    else:
        images, labels = _read(Path(path).expanduser(), split)
    # Both conversions allocate new arrays, so callers never share the cache.
    return images / 255.0, labels.astype(np.int64)


def two_channel(X):
    """Stack each digit with its inverse as two channels, the article's input.

    MNIST digits are bright ink (1) on a dark background (0). Max pooling
    thickens the strokes in channel 0 and, because the inverse has dark ink on
    a bright background, thins them in channel 1: one batch shows both.

    Parameters
    ----------
    X : array_like, shape (m, h, w)
        A batch of images with values in [0, 1], e.g. from ``load_mnist``.
        For a single image of shape (h, w), pass ``X[np.newaxis]``.

    Returns
    -------
    ndarray of float64, shape (m, h, w, 2)
        Channel 0 is ``X``, channel 1 is ``1 - X``. ``X`` itself is unchanged.

    Raises
    ------
    TypeError
        If ``X`` is not numeric (bool, integer or float).
    ValueError
        If ``X`` is not 3-D, or has values outside [0, 1] (including NaN).

    Examples
    --------
    >>> X = np.array([[[0.0, 0.25], [1.0, 0.5]]])
    >>> A = two_channel(X)
    >>> A.shape
    (1, 2, 2, 2)
    >>> A[0, :, :, 0]
    array([[0.  , 0.25],
           [1.  , 0.5 ]])
    >>> A[0, :, :, 1]
    array([[1.  , 0.75],
           [0.  , 0.5 ]])
    >>> X_digits, _ = load_mnist()
    >>> two_channel(X_digits[:8]).shape
    (8, 28, 28, 2)
    """
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"X must hold numbers (bool, int or float), got dtype {X.dtype}; "
            "pass an array of pixel values in [0, 1]"
        )
    if X.ndim != 3:
        hint = " For a single image use X[np.newaxis]." if X.ndim == 2 else ""
        raise ValueError(f"X must be 3-D with shape (m, h, w), got shape {X.shape}.{hint}")
    X = X.astype(np.float64)
    if np.isnan(X).any():
        raise ValueError(f"X must have values in [0, 1], but it has {int(np.isnan(X).sum())} NaN")
    if X.size and (X.min() < 0.0 or X.max() > 1.0):
        raise ValueError(
            f"X must have values in [0, 1], got min {X.min()}, max {X.max()}; "
            "divide raw 0-255 pixels by 255, or use load_mnist(), which already does"
        )
    return np.stack([X, 1.0 - X], axis=-1)


def _default_source() -> Path:
    """Return the file ``load_mnist()`` reads when ``path`` is None."""
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        candidate = Path(override).expanduser()
        # A directory that holds the bundled file means that file; any other
        # directory is read as IDX files, like load_mnist(path=directory).
        if (candidate / BUNDLED_FILENAME).is_file():
            return candidate / BUNDLED_FILENAME
        if candidate.exists():
            return candidate
        raise FileNotFoundError(
            f"{DATA_ENV_VAR} is set to {override!r}, but {candidate} does not exist. "
            f"Point it at {BUNDLED_FILENAME} (or the directory holding it) or at a "
            f"full MNIST, or unset it to use the bundled {_BUNDLED_DIR / BUNDLED_FILENAME}."
        )
    bundled = _BUNDLED_DIR / BUNDLED_FILENAME
    if not bundled.is_file():
        raise FileNotFoundError(
            f"the bundled MNIST digits were not found: tried {bundled} "
            f"({DATA_ENV_VAR} is not set). This happens when pooling_lib is installed "
            f"without the repository's data/ directory. {_HOW_TO_FIX}"
        )
    return bundled


@functools.lru_cache(maxsize=4)
def _read_cached(path: str, split: str, size: int, mtime_ns: int):
    """Read once per (file, split, version); the arrays are made read-only."""
    images, labels = _read(Path(path), split)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def _kind(path: Path) -> str | None:
    """'file', 'directory', another kind of file ('FIFO', ...), or None if nothing is there.

    Only ``stat`` is used: opening a named pipe would block until someone writes to it.
    """
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    for test, name in (
        (stat.S_ISFIFO, "named pipe (FIFO)"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"


def _not_a_file(path: Path, kind: str) -> ValueError:
    return ValueError(
        f"{path} is a {kind}, not a regular file: load_mnist reads an .npz file or a "
        "directory of IDX files"
    )


def _read(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read raw uint8-range images (n, 28, 28) and labels (n,) from any supported format."""
    kind = _kind(path)
    if kind == "directory":
        return _read_idx_dir(path, split)
    if kind is None:
        raise FileNotFoundError(f"no MNIST file or directory at {path}. {_HOW_TO_FIX}")
    if kind != "file":
        raise _not_a_file(path, kind)
    with open(path, "rb") as file:
        head = file.read(4)
    if head == _ZIP_MAGIC:
        return _read_npz(path, split)
    if _looks_like_idx(head) or head[:2] == _GZIP_MAGIC:
        raise ValueError(
            f"{path} looks like a single IDX file; pass the directory that holds "
            "all four (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz)"
        )
    raise ValueError(
        f"{path} is not a format load_mnist reads: expected an .npz (a zip archive) "
        "with keys x_train/y_train/x_test/y_test or images/labels, or a directory "
        "of IDX files"
    )


def _looks_like_idx(head: bytes) -> bool:
    return len(head) == 4 and int.from_bytes(head, "big") in (
        _IDX_IMAGES_MAGIC,
        _IDX_LABELS_MAGIC,
    )


def _read_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    # np.load's own messages (bad CRC, bad .npy header) do not name the file.
    unreadable = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)
    try:
        archive = np.load(path, allow_pickle=False)
    except unreadable as error:
        raise ValueError(f"{path} is a corrupt .npz file: {error}") from error
    with archive:
        image_key, label_key = _npz_keys(set(archive.files), path, split)
        try:
            declared = [_npz_header(archive.zip, key) for key in (image_key, label_key)]
        except unreadable as error:
            raise ValueError(f"{path} is a corrupt .npz file: {error}") from error
        for key, header, limit, what in zip(
            (image_key, label_key),
            declared,
            (_MAX_PIXELS, MAX_IMAGES),
            ("images", "labels"),
            strict=True,
        ):
            _check_npz_header(path, key, *header, limit, what)
        try:
            images, labels = archive[image_key], archive[label_key]
        except unreadable as error:
            raise ValueError(f"{path} is a corrupt .npz file: {error}") from error
    return _validated(images, labels, source=str(path))


def _npz_header(archive: zipfile.ZipFile, key: str):
    """``(shape, dtype, bytes after the header)`` of an npz member, read from its .npy header.

    Only the header is read: NumPy would allocate the whole declared array first.
    """
    member = f"{key}.npy" if f"{key}.npy" in archive.namelist() else key
    with archive.open(member) as file:
        version = np.lib.format.read_magic(file)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(file)
        held = archive.getinfo(member).file_size - file.tell()
    return shape, dtype, held


def _check_npz_header(path: Path, key: str, shape, dtype, held: int, limit: int, what: str):
    """Refuse a member that declares more than ``limit`` values, or more bytes than it holds."""
    if dtype.hasobject:
        # np.load refuses pickled arrays itself, without allocating them.
        return
    count = math.prod(shape)
    if count > limit:
        raise ValueError(
            f"{path}: member {key!r} declares shape {shape} ({count:,} values), more "
            f"{what} than load_mnist reads from one file ({limit:,} values, "
            f"{MAX_IMAGES:,} images); refused before reading it"
        )
    declared = count * dtype.itemsize
    if declared > held:
        raise ValueError(
            f"{path}: member {key!r} is truncated: its header declares shape {shape} of "
            f"{dtype}, i.e. {declared:,} bytes, but it holds {max(held, 0):,}"
        )


def _npz_keys(keys: set[str], path: Path, split: str) -> tuple[str, str]:
    if {"x_train", "y_train", "x_test", "y_test"} <= keys:
        return f"x_{split}", f"y_{split}"
    if {"images", "labels"} <= keys:
        if split != "train":
            raise ValueError(
                f"{path} holds one set of digits (keys images/labels) with no "
                f"train/test split, so split={split!r} is not available; use "
                "split='train', or pass path= to a full MNIST for its test set"
            )
        return "images", "labels"
    raise ValueError(
        f"{path} has keys {sorted(keys)}; load_mnist expects Keras-style "
        "x_train, y_train, x_test, y_test, or images and labels"
    )


def _read_idx_dir(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    prefix = _IDX_PREFIX[split]
    images_file = _find_idx_file(directory, f"{prefix}-images", "idx3-ubyte")
    labels_file = _find_idx_file(directory, f"{prefix}-labels", "idx1-ubyte")
    images = _read_idx(images_file, _IDX_IMAGES_MAGIC, "images")
    labels = _read_idx(labels_file, _IDX_LABELS_MAGIC, "labels")
    return _validated(images, labels, source=f"{images_file} and {labels_file}")


def _find_idx_file(directory: Path, stem: str, kind: str) -> Path:
    # LeCun's site names them stem-kind; some mirrors (e.g. Kaggle) use stem.kind.
    names = [f"{stem}{sep}{kind}{gz}" for sep in ("-", ".") for gz in ("", ".gz")]
    for name in names:
        found = _kind(directory / name)
        if found == "file":
            return directory / name
        if found is not None:
            raise _not_a_file(directory / name, found)
    raise FileNotFoundError(
        f"{directory} is a directory but holds none of {names}; load_mnist(path=directory) "
        "needs the MNIST IDX files there (as downloaded, gzipped or not), or pass the "
        "path of an .npz file instead"
    )


def _read_idx(path: Path, expected_magic: int, what: str) -> np.ndarray:
    """Parse an IDX file of unsigned bytes: magic, big-endian uint32 dims, then data.

    The header is checked before the data is read: its shape must hold at most
    ``MAX_IMAGES`` images (or labels) and, uncompressed, match the file's size.
    A gzipped file is inflated a chunk at a time into an array of the declared
    size, and refused as soon as it holds more, so its memory is bounded by the
    declared size whatever it inflates to.
    """
    compressed = path.name.endswith(".gz")
    try:
        with (gzip.open if compressed else open)(path, "rb") as file:
            return _parse_idx(file, path, expected_magic, what, compressed)
    except (OSError, EOFError, zlib.error) as error:
        if not compressed:
            raise
        raise ValueError(f"{path} could not be decompressed: {error}") from error


def _parse_idx(file, path: Path, expected_magic: int, what: str, compressed: bool) -> np.ndarray:
    head = file.read(4)
    if len(head) < 4:
        raise ValueError(f"{path} is truncated: {len(head)} bytes, too short for an IDX header")
    magic = int.from_bytes(head, "big")
    if magic != expected_magic:
        raise ValueError(
            f"{path} has magic number {magic}, expected {expected_magic} for an IDX "
            f"{what} file; is it the right file, and uncompressed if not named .gz?"
        )
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    raw_dims = file.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(f"{path} is truncated: the header needs {header_size} bytes")
    dims = struct.unpack(f">{ndim}I", raw_dims)
    # A Python int does not wrap, however large the declared dimensions.
    expected_size = math.prod(dims)
    limit = _MAX_PIXELS if expected_magic == _IDX_IMAGES_MAGIC else MAX_IMAGES
    if expected_size > limit:
        raise ValueError(
            f"{path} declares shape {dims}, i.e. {expected_size:,} bytes of {what}, more "
            f"than load_mnist reads from one file ({limit:,} bytes, {MAX_IMAGES:,} "
            f"{what}); refused before reading it"
        )
    if not compressed:
        found_size = path.stat().st_size - header_size
        if found_size != expected_size:
            _raise_size_mismatch(path, dims, expected_size, found_size)
    data = np.empty(expected_size, dtype=np.uint8)
    view = memoryview(data)
    filled = 0
    while filled < expected_size:
        read = file.readinto(view[filled : filled + _CHUNK_BYTES])
        if not read:
            _raise_size_mismatch(path, dims, expected_size, filled)
        filled += read
    if file.read(1):
        _raise_size_mismatch(path, dims, expected_size, None)
    return data.reshape(dims)


def _raise_size_mismatch(path: Path, dims, expected_size: int, found_size):
    """Say how the data after an IDX header differs from what the header declares.

    ``found_size`` is None when more follows than declared, in a compressed file
    that is not inflated further to count it.
    """
    truncated = found_size is not None and found_size < expected_size
    problem = "is truncated" if truncated else "has trailing bytes"
    follow = "more follow" if found_size is None else f"{found_size} follow"
    raise ValueError(
        f"{path} {problem}: its header declares shape {dims}, i.e. {expected_size} "
        f"bytes of data, but {follow}"
    )


def _validated(images, labels, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Check shapes and value ranges common to every format; name ``source`` on failure."""
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{source}: images must have shape (n, 28, 28), got {images.shape}")
    if labels.ndim != 1:
        raise ValueError(f"{source}: labels must have shape (n,), got {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(
            f"{source}: {len(images)} images but {len(labels)} labels; they must match"
        )
    if len(images) == 0:
        raise ValueError(f"{source}: holds no images")
    if images.dtype.kind not in "iu":
        raise ValueError(f"{source}: images must be integer pixels 0-255, got dtype {images.dtype}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{source}: labels must be integers 0-9, got dtype {labels.dtype}")
    if images.min() < 0 or images.max() > 255:
        raise ValueError(
            f"{source}: pixel values must be in 0-255, got min {images.min()}, max {images.max()}"
        )
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"{source}: labels must be digits 0-9, got min {labels.min()}, max {labels.max()}"
        )
    return images, labels
