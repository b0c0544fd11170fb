"""Tests of aelearn.datasets: the IDX reader, the MNIST, MNIST-sample and digits loaders."""

import gzip
import struct
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import aelearn.datasets
from aelearn.datasets import (
    MNIST_ENV_VAR,
    MNIST_FILES,
    load_digits,
    load_mnist,
    load_mnist_sample,
    read_idx,
)

IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array):
    """Serialise ``array`` in the IDX format: magic number, big-endian sizes, big-endian data."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype.str[1:]], array.ndim])
    sizes = struct.pack(f">{array.ndim}I", *array.shape)
    return header + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, compress=False):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_importing_the_models_loads_neither_the_datasets_nor_scikit_learn():
    # The loaders import scikit-learn at the top; the models must not reach them.
    code = (
        "import sys, aelearn.models; "
        "print('aelearn.datasets' in sys.modules, 'sklearn' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_package_exports_the_loaders_the_reader_and_the_mnist_settings():
    public = {"Dataset", "load_digits", "load_mnist", "load_mnist_sample", "read_idx"}
    public |= {"MNIST_FILES", "MNIST_ENV_VAR", "MNIST_DEFAULT_DIR"}
    assert set(aelearn.datasets.__all__) == public
    assert all(hasattr(aelearn.datasets, name) for name in public)
    assert aelearn.datasets.MNIST_ENV_VAR == "AELEARN_MNIST"
    assert str(aelearn.datasets.MNIST_DEFAULT_DIR) == "~/.aelearn/mnist"


@pytest.fixture
def no_openml(monkeypatch):
    """Make the scikit-learn fallback fail as it does offline, so no test touches the network."""

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr("sklearn.datasets.fetch_openml", offline)


def write_tiny_mnist(folder, n_train=6, n_test=4, compress=False):
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, 3, 2), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 3, 2), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }
    for role, array in arrays.items():
        name = MNIST_FILES[role] + (".gz" if compress else "")
        write_idx(folder / name, array, compress)
    return arrays


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_every_type_code(tmp_path, dtype, compress):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    result = read_idx(write_idx(tmp_path / "a.idx", array, compress))
    assert result.shape == (2, 3, 4)
    assert result.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(result, array)


def test_read_idx_returns_a_writable_native_array(tmp_path):
    result = read_idx(write_idx(tmp_path / "a", np.arange(3, dtype=">i4")))
    assert result.dtype.isnative and result.flags.writeable


@pytest.mark.parametrize(
    ("mangle", "match"),
    [
        (lambda b: b[:-1], "truncated; header says shape"),
        (lambda b: b + b"\x00", "trailing bytes"),
        (lambda b: b[:6], "truncated header"),
        (lambda b: b"", "not an IDX file"),
        (lambda b: b"\x01" + b[1:], "not an IDX file"),
        (lambda b: b[:2] + b"\x42" + b[3:], "unknown IDX type code 0x42"),
        (lambda b: b[:3] + b"\xff" + b[4:], "its header gives 255 dimensions; expected 1 to 32"),
        (lambda b: b[:3] + b"\x00" + b[4:], "its header gives 0 dimensions"),
    ],
)
def test_read_idx_rejects_corrupt_files(tmp_path, mangle, match):
    good = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    path = tmp_path / "bad"
    path.write_bytes(mangle(good))
    with pytest.raises(ValueError, match=match) as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_read_idx_rejects_truncated_gzip(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    path = tmp_path / "bad.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_idx_files_from_folder(tmp_path, no_openml, compress):
    arrays = write_tiny_mnist(tmp_path, compress=compress)
    data = load_mnist(tmp_path)
    assert data.name == "mnist" and data.image_shape == (1, 3, 2) and data.n_features == 6
    assert data.X_train.shape == (6, 6) and data.X_test.shape == (4, 6)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    np.testing.assert_allclose(data.X_train, arrays["train_images"].reshape(6, 6) / 255, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, arrays["test_labels"])


def test_load_mnist_keeps_first_n_and_honours_dtype(tmp_path, no_openml):
    arrays = write_tiny_mnist(tmp_path)
    data = load_mnist(tmp_path, dtype=np.float64, n_train=2, n_test=3)
    assert data.X_train.shape == (2, 6) and data.X_test.shape == (3, 6)
    assert data.X_train.dtype == np.float64
    np.testing.assert_array_equal(data.y_train, arrays["train_labels"][:2])
    with pytest.raises(ValueError, match=r"n_train must be None or an int in \[1, 6\]"):
        load_mnist(tmp_path, n_train=7)
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        load_mnist(tmp_path, dtype=np.uint8)


def test_load_mnist_finds_folder_from_environment_variable(tmp_path, monkeypatch, no_openml):
    write_tiny_mnist(tmp_path)
    monkeypatch.setenv("AELEARN_MNIST", str(tmp_path))
    assert load_mnist().X_train.shape == (6, 6)


def test_load_mnist_rejects_labels_that_do_not_match_images(tmp_path, no_openml):
    write_tiny_mnist(tmp_path)
    write_idx(tmp_path / MNIST_FILES["test_labels"], np.zeros(3, dtype=np.uint8))
    with pytest.raises(
        ValueError, match=r"t10k-labels-idx1-ubyte: labels of shape \(3,\); expected \(4,\)"
    ):
        load_mnist(tmp_path)


def _replace(folder, role, array):
    write_idx(folder / MNIST_FILES[role], array)
    return MNIST_FILES[role]


@pytest.mark.parametrize(
    ("role", "array", "message"),
    [
        ("train_images", np.full((6, 3, 2), 300, np.int16), "pixel values range from 300 to 300"),
        ("train_images", np.full((6, 3, 2), -1, np.int8), "pixel values range from -1 to -1"),
        ("test_images", np.full((4, 3, 2), np.nan, np.float32), "images hold NaN or infinite"),
        ("test_images", np.full((4, 3, 2), np.inf, np.float64), "images hold NaN or infinite"),
        ("train_labels", np.array([0, 1, 2, 10, 4, 12], np.uint8), "2 labels lie outside 0 to 9"),
        ("test_labels", np.array([0, -1, 2, 3], np.int8), "1 labels lie outside 0 to 9"),
        ("test_labels", np.zeros(4, np.float32), "labels of dtype float32; expected integers"),
        ("test_images", np.zeros((4, 6), np.uint8), r"images of shape \(4, 6\); expected"),
        ("test_images", np.zeros((4, 2, 3), np.uint8), r"height and width \(3, 2\)"),
        ("train_images", np.zeros((0, 3, 2), np.uint8), r"images of shape \(0, 3, 2\)"),
    ],
)
def test_load_mnist_checks_what_it_reads_and_names_the_file(
    tmp_path, no_openml, role, array, message
):
    write_tiny_mnist(tmp_path)
    name = _replace(tmp_path, role, array)
    with pytest.raises(ValueError, match=f"{name}: .*{message}"):
        load_mnist(tmp_path)


def test_load_mnist_accepts_float_pixels_in_range(tmp_path, no_openml):
    arrays = write_tiny_mnist(tmp_path)
    _replace(tmp_path, "test_images", arrays["test_images"].astype(np.float32))
    data = load_mnist(tmp_path)
    np.testing.assert_allclose(data.X_test, arrays["test_images"].reshape(4, 6) / 255, rtol=1e-6)


def test_a_truncated_mnist_file_is_refused_naming_it(tmp_path, no_openml):
    write_tiny_mnist(tmp_path)
    path = tmp_path / MNIST_FILES["train_images"]
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match=f"{path}: truncated"):
        load_mnist(tmp_path)


def test_the_openml_fallback_is_checked_too(tmp_path, monkeypatch):
    images = np.zeros((70000, 784))
    images[5, 5] = np.nan
    bunch = SimpleNamespace(data=images, target=np.zeros(70000, dtype=int).astype(str))
    monkeypatch.setattr("sklearn.datasets.fetch_openml", lambda *a, **k: bunch)
    monkeypatch.setenv(MNIST_ENV_VAR, str(tmp_path / "nothing"))
    with pytest.raises(
        ValueError, match="mnist_784 from sklearn.datasets.fetch_openml: images hold NaN"
    ):
        load_mnist()


def test_fashion_mnist_files_load_the_same_way(tmp_path, no_openml):
    # Fashion-MNIST ships the same four IDX files under the same names: 28x28 uint8
    # images of ten kinds of clothing, labels 0 to 9.
    rng = np.random.default_rng(3)
    for part, n in (("train", 8), ("test", 5)):
        write_idx(
            tmp_path / MNIST_FILES[f"{part}_images"],
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        )
        write_idx(tmp_path / MNIST_FILES[f"{part}_labels"], np.arange(n, dtype=np.uint8) % 10)
    data = load_mnist(tmp_path)
    assert data.X_train.shape == (8, 784) and data.image_shape == (1, 28, 28)
    np.testing.assert_array_equal(data.y_test, [0, 1, 2, 3, 4])


def test_missing_mnist_error_says_where_it_looked_and_what_to_put_there(
    tmp_path, monkeypatch, no_openml
):
    write_idx(tmp_path / MNIST_FILES["train_labels"], np.zeros(3, dtype=np.uint8))
    monkeypatch.setenv(MNIST_ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(data_home=tmp_path / "sk")
    message = str(info.value)
    assert str(tmp_path) in message and str(tmp_path / "sk") in message
    for name in MNIST_FILES.values():
        assert name in message
    assert "train-labels-idx1-ubyte   found" in message
    assert "network is unreachable" in message and "AELEARN_MNIST" in message
    assert isinstance(info.value.__cause__, OSError)


def test_load_mnist_falls_back_to_openml_split(tmp_path, monkeypatch):
    # A read-only broadcast view stands in for the 70000 x 784 download at no memory cost.
    images = np.broadcast_to(np.arange(70000, dtype=np.float64)[:, None] % 256, (70000, 784))
    labels = (np.arange(70000) % 10).astype(str).astype(object)
    calls = []

    def fake_fetch(name, **kwargs):
        calls.append((name, kwargs))
        return SimpleNamespace(data=images, target=labels)

    monkeypatch.setattr("sklearn.datasets.fetch_openml", fake_fetch)
    monkeypatch.setenv(MNIST_ENV_VAR, str(tmp_path))
    data = load_mnist(n_train=3, n_test=2, data_home=tmp_path)
    assert calls == [("mnist_784", {"version": 1, "as_frame": False, "data_home": tmp_path})]
    assert data.image_shape == (1, 28, 28) and data.X_train.shape == (3, 784)
    np.testing.assert_allclose(data.X_test[:, 0], np.array([60000, 60001]) % 256 / 255, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, [0, 1])


def test_load_digits_scales_into_unit_interval_and_splits_stratified():
    data = load_digits()
    assert data.X_train.shape == (1437, 64) and data.X_test.shape == (360, 64)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.X_train.min() == 0 and data.X_train.max() == 1
    assert data.image_shape == (1, 8, 8) and data.n_features == 64 and data.n_classes == 10
    # Stratified: every class has the same share, to within one image, in both parts.
    share_train = np.bincount(data.y_train) / len(data.y_train)
    share_test = np.bincount(data.y_test) / len(data.y_test)
    np.testing.assert_allclose(share_train, share_test, atol=1 / len(data.y_test))


def test_load_digits_split_is_reproducible_and_configurable():
    np.testing.assert_array_equal(load_digits().y_test, load_digits().y_test)
    data = load_digits(dtype=np.float64, test_size=0.5, random_state=1)
    assert data.X_train.dtype == np.float64 and len(data.X_test) == 899
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        load_digits(dtype=np.int32)
    with pytest.raises(TypeError, match="float16 rounds"):  # as the models refuse it
        load_digits(dtype=np.float16)


@pytest.fixture
def no_download(monkeypatch):
    """Fail the test if scikit-learn's fetch is tried at all."""

    def fetch(*args, **kwargs):
        raise AssertionError("load_mnist tried to download")

    monkeypatch.setattr("sklearn.datasets.fetch_openml", fetch)


def test_a_named_folder_that_does_not_exist_is_named_and_nothing_is_downloaded(
    tmp_path, no_download
):
    folder = tmp_path / "mnist-here"
    with pytest.raises(FileNotFoundError, match=f"MNIST folder {folder} .* does not exist"):
        load_mnist(folder)


def test_a_named_path_that_is_a_file_is_said_to_be_a_file(tmp_path, no_download):
    file = tmp_path / "train-images-idx3-ubyte"
    file.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=f"MNIST folder {file} .* is a file; expected"):
        load_mnist(file)


def test_a_named_folder_without_the_files_names_the_missing_ones_and_downloads_nothing(
    tmp_path, no_download
):
    write_idx(tmp_path / MNIST_FILES["train_labels"], np.zeros(3, dtype=np.uint8))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "Nothing was downloaded" in message
    assert MNIST_FILES["train_images"] in message and MNIST_FILES["train_labels"] not in message


def test_the_shipped_mnist_sample_is_500_of_each_digit_split_stratified_and_reproducible():
    data = load_mnist_sample()
    assert data.X_train.shape == (4000, 784) and data.X_test.shape == (1000, 784)
    assert data.image_shape == (1, 28, 28) and data.name == "mnist-sample"
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert np.bincount(data.y_train).tolist() == [400] * 10
    assert np.bincount(data.y_test).tolist() == [100] * 10
    again = load_mnist_sample()
    np.testing.assert_array_equal(again.X_test, data.X_test)
    other = load_mnist_sample(random_state=1, test_size=500, dtype=np.float64)
    assert other.X_test.shape == (500, 784) and other.X_test.dtype == np.float64
    assert not np.array_equal(other.y_test, data.y_test[:500])


def test_the_shipped_mnist_sample_holds_mnists_pixels():
    # The sample is MNIST's training digits: as 0..255 integers over 255, the first test
    # image's pixels are whole multiples of 1/255.
    data = load_mnist_sample(dtype=np.float64)
    pixels = data.X_train * 255
    np.testing.assert_allclose(pixels, np.round(pixels), atol=1e-9)
    assert 0.1 < data.X_train.mean() < 0.2  # MNIST's ink covers about 13% of a digit's area
