"""load_mnist on hostile files: sizes are checked against the file and a limit before
anything is allocated or inflated, and every refusal names the file and why.

Every hostile file here is built small on disk; what it declares or inflates to is large.
"""

import gzip
import io
import os
import re
import threading
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import pooling_lib.data as data_module
from pooling_lib.data import MAX_IMAGES, load_mnist

MiB = 1 << 20


@pytest.fixture(autouse=True)
def no_data_override(monkeypatch):
    monkeypatch.delenv(data_module.DATA_ENV_VAR, raising=False)


def pinned(path):
    return re.escape(str(path))


def idx_header(magic, *dims):
    return np.array([magic, *dims], dtype=">u4").tobytes()


def write_idx_dir(directory, n_images=3, n_labels=3, gz=False):
    """The four IDX files, ``n_images`` zero images and ``n_labels`` zero labels per split."""
    suffix = ".gz" if gz else ""
    for prefix in ("train", "t10k"):
        for stem, payload in (
            ("images-idx3-ubyte", idx_header(2051, n_images, 28, 28) + bytes(n_images * 784)),
            ("labels-idx1-ubyte", idx_header(2049, n_labels) + bytes(n_labels)),
        ):
            path = directory / f"{prefix}-{stem}{suffix}"
            path.write_bytes(gzip.compress(payload, mtime=0) if gz else payload)
    return directory


def gzip_bomb(path, head, inflated_bytes):
    """A gzip file of ``head`` then zeros up to ``inflated_bytes``, compressed chunk by chunk.

    Zeros compress about a thousandfold, so a bomb of hundreds of MB is well under a MB on
    disk, and is built without ever holding more than one chunk.
    """
    zeros = bytes(4 * MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as file:
        file.write(compressor.compress(head))
        remaining = inflated_bytes - len(head)
        while remaining > 0:
            file.write(compressor.compress(zeros[: min(remaining, len(zeros))]))
            remaining -= len(zeros)
        file.write(compressor.flush())
    return path


def peak_traced_mib(function):
    """Run ``function`` (which must raise ValueError); return the peak traced memory in MiB."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / MiB, info


class TestPaths:
    def test_empty_path_is_not_the_current_folder(self, tmp_path, monkeypatch):
        write_idx_dir(tmp_path)
        monkeypatch.chdir(tmp_path)
        with pytest.raises(
            ValueError,
            match=re.escape(
                "path must name an MNIST file or directory, got an empty path (which would "
                "mean the current folder); pass None for the bundled digits"
            ),
        ):
            load_mnist(path="")
        # Asked for by name, the current folder is read.
        assert load_mnist(path=".")[0].shape == (3, 28, 28)

    @pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null here")
    def test_a_device_is_named_as_such(self):
        with pytest.raises(
            ValueError,
            match="^/dev/null is a character device, not a regular file: load_mnist reads "
            "an .npz file or a directory of IDX files$",
        ):
            load_mnist(path="/dev/null")

    def run_with_hang_guard(self, call):
        """Opening a FIFO blocks until a writer comes: run in a thread so a bug cannot hang."""
        outcome = {}

        def target():
            try:
                call()
            except Exception as error:  # noqa: BLE001 - handed to the test thread to check
                outcome["error"] = error

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "load_mnist opened the FIFO and blocked"
        return outcome.get("error")

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
    def test_a_fifo_is_refused_without_opening_it(self, tmp_path):
        fifo = tmp_path / "mnist.npz"
        os.mkfifo(fifo)
        error = self.run_with_hang_guard(lambda: load_mnist(path=fifo))
        assert isinstance(error, ValueError)
        assert str(error) == (
            f"{fifo} is a named pipe (FIFO), not a regular file: load_mnist reads an .npz "
            "file or a directory of IDX files"
        )

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
    def test_a_fifo_in_place_of_an_idx_file_is_refused(self, tmp_path):
        write_idx_dir(tmp_path)
        fifo = tmp_path / "train-labels-idx1-ubyte"
        fifo.unlink()
        os.mkfifo(fifo)
        error = self.run_with_hang_guard(lambda: load_mnist(path=tmp_path))
        assert isinstance(error, ValueError)
        assert str(error).startswith(f"{fifo} is a named pipe (FIFO), not a regular file")

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
    def test_a_fifo_from_the_environment_is_refused(self, tmp_path, monkeypatch):
        fifo = tmp_path / "digits"
        os.mkfifo(fifo)
        monkeypatch.setenv(data_module.DATA_ENV_VAR, str(fifo))
        error = self.run_with_hang_guard(load_mnist)
        assert isinstance(error, ValueError)
        assert str(error).startswith(f"{fifo} is a named pipe (FIFO)")


class TestIdxLimits:
    def replace(self, directory, name, payload):
        path = directory / name
        path.write_bytes(payload)
        return path

    def test_dimensions_whose_product_wraps_int64(self, tmp_path):
        write_idx_dir(tmp_path)
        dims = (2**32 - 1, 2**32 - 1, 2**32 - 1)
        path = self.replace(tmp_path, "train-images-idx3-ubyte", idx_header(2051, *dims))
        with pytest.raises(
            ValueError,
            match=f"^{pinned(path)} declares shape \\(4294967295, 4294967295, 4294967295\\), "
            "i.e. 79,228,162,458,924,105,385,300,197,375 bytes of images, more than "
            "load_mnist reads from one file \\(196,000,000 bytes, 250,000 images\\); refused "
            "before reading it$",
        ):
            load_mnist(path=tmp_path)

    def test_a_count_just_over_the_limit(self, tmp_path):
        write_idx_dir(tmp_path)
        path = self.replace(
            tmp_path, "train-labels-idx1-ubyte", idx_header(2049, MAX_IMAGES + 1) + bytes(10)
        )
        with pytest.raises(
            ValueError,
            match=f"^{pinned(path)} declares shape \\(250001,\\), i.e. 250,001 bytes of "
            "labels, more than load_mnist reads from one file \\(250,000 bytes, 250,000 "
            "labels\\)",
        ):
            load_mnist(path=tmp_path)

    def test_uncompressed_size_is_checked_against_the_file_before_reading(self, tmp_path):
        write_idx_dir(tmp_path)
        # Within the limit, but the file holds 5 bytes of the 196,000,000 it declares.
        path = self.replace(
            tmp_path, "train-images-idx3-ubyte", idx_header(2051, MAX_IMAGES, 28, 28) + bytes(5)
        )
        peak, info = peak_traced_mib(lambda: load_mnist(path=tmp_path))
        assert str(info.value) == (
            f"{path} is truncated: its header declares shape (250000, 28, 28), i.e. "
            "196000000 bytes of data, but 5 follow"
        )
        assert peak < 16

    def test_gzip_bomb_declaring_a_huge_shape_is_not_inflated(self, tmp_path):
        write_idx_dir(tmp_path, gz=True)
        path = gzip_bomb(
            tmp_path / "train-images-idx3-ubyte.gz", idx_header(2051, 10**7, 28, 28), 64 * MiB
        )
        with pytest.raises(
            ValueError, match=f"^{pinned(path)} declares shape \\(10000000, 28, 28\\)"
        ):
            load_mnist(path=tmp_path)

    def test_gzip_bomb_behind_a_small_header_is_inflated_only_as_far_as_declared(self, tmp_path):
        write_idx_dir(tmp_path, gz=True)
        # 3 images declared, then 512 MiB of zeros; well under a MB on disk.
        path = gzip_bomb(
            tmp_path / "train-images-idx3-ubyte.gz",
            idx_header(2051, 3, 28, 28) + bytes(3 * 784),
            512 * MiB,
        )
        assert path.stat().st_size < 2 * MiB
        peak, info = peak_traced_mib(lambda: load_mnist(path=tmp_path))
        assert str(info.value) == (
            f"{path} has trailing bytes: its header declares shape (3, 28, 28), i.e. 2352 "
            "bytes of data, but more follow"
        )
        assert peak < 16

    def test_gzip_that_inflates_to_less_than_declared(self, tmp_path):
        write_idx_dir(tmp_path, gz=True)
        path = tmp_path / "train-images-idx3-ubyte.gz"
        path.write_bytes(gzip.compress(idx_header(2051, 3, 28, 28) + bytes(100), mtime=0))
        with pytest.raises(
            ValueError,
            match=f"^{pinned(path)} is truncated: its header declares shape \\(3, 28, 28\\), "
            "i.e. 2352 bytes of data, but 100 follow$",
        ):
            load_mnist(path=tmp_path)

    def test_a_large_valid_gzip_reads_in_chunks(self, tmp_path):
        # More than one chunk of data, read back exactly.
        n = 2 * data_module._CHUNK_BYTES // 784 + 3
        write_idx_dir(tmp_path, n_images=n, n_labels=n, gz=True)
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        path = tmp_path / "train-images-idx3-ubyte.gz"
        path.write_bytes(gzip.compress(idx_header(2051, n, 28, 28) + images.tobytes(), 1))
        X, y = load_mnist(path=tmp_path)
        np.testing.assert_array_equal(X, images / 255.0)
        assert y.shape == (n,)


def npz_with_header(path, image_shape, image_bytes=b"", dtype="|u1", label_bytes=None):
    """A Keras-style npz whose x_train member's .npy header declares ``image_shape``.

    ``label_bytes``, if given, is y_train's member instead of three zero labels.
    """
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": dtype, "fortran_order": False, "shape": image_shape}
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x_train.npy", header.getvalue() + image_bytes)
        for name, array in (
            ("y_train", np.zeros(3, np.uint8)),
            ("x_test", np.zeros((3, 28, 28), np.uint8)),
            ("y_test", np.zeros(3, np.uint8)),
        ):
            member = io.BytesIO()
            np.save(member, array)
            payload = member.getvalue()
            if name == "y_train" and label_bytes is not None:
                payload = label_bytes
            archive.writestr(f"{name}.npy", payload)
    return path


class TestNpzLimits:
    def test_a_header_declaring_a_trillion_images(self, tmp_path):
        path = npz_with_header(tmp_path / "mnist.npz", (10**12, 28, 28))
        peak, info = peak_traced_mib(lambda: load_mnist(path=path))
        assert str(info.value) == (
            f"{path}: member 'x_train' declares shape (1000000000000, 28, 28) "
            "(784,000,000,000,000 values), more images than load_mnist reads from one file "
            "(196,000,000 values, 250,000 images); refused before reading it"
        )
        assert peak < 16

    def test_a_header_declaring_more_than_the_member_holds(self, tmp_path):
        path = npz_with_header(tmp_path / "mnist.npz", (200_000, 28, 28), bytes(784))
        peak, info = peak_traced_mib(lambda: load_mnist(path=path))
        assert str(info.value) == (
            f"{path}: member 'x_train' is truncated: its header declares shape "
            "(200000, 28, 28) of uint8, i.e. 156,800,000 bytes, but it holds 784"
        )
        assert peak < 16

    def test_wider_dtypes_count_their_bytes(self, tmp_path):
        path = npz_with_header(tmp_path / "mnist.npz", (3, 28, 28), bytes(3 * 784), "<i8")
        with pytest.raises(
            ValueError,
            match=re.escape(
                f"{path}: member 'x_train' is truncated: its header declares shape "
                "(3, 28, 28) of int64, i.e. 18,816 bytes, but it holds 2,352"
            ),
        ):
            load_mnist(path=path)

    def test_a_well_formed_hand_built_npz_still_loads(self, tmp_path):
        images = np.arange(3 * 784, dtype=np.uint64).reshape(3, 28, 28) % 256
        path = npz_with_header(tmp_path / "mnist.npz", (3, 28, 28), images.tobytes(), "<u8")
        X, y = load_mnist(path=path)
        np.testing.assert_array_equal(X, images / 255.0)
        assert y.tolist() == [0, 0, 0]

    def test_a_member_that_is_not_npy_is_corrupt(self, tmp_path):
        path = npz_with_header(
            tmp_path / "mnist.npz", (3, 28, 28), bytes(3 * 784), label_bytes=b"not an npy header"
        )
        with pytest.raises(ValueError, match=f"^{pinned(path)} is a corrupt .npz file: "):
            load_mnist(path=path)
