"""A user's mistake on the command line: one line saying what was wrong and what is
expected, exit status 2, never a traceback (aelearn.cli)."""

import errno
import json
import os
import pathlib
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

from aelearn import io
from aelearn.cli import main
from aelearn.datasets import MNIST_FILES
from aelearn.models import VAE, Autoencoder

TRAIN = ["train", "--epochs", "1", "--hidden-sizes", "8", "--latent-dim", "2"]


def one_line_error(capsys, command):
    """The stderr of a user's mistake, checked: one line naming the command, no traceback."""
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith(f"aelearn {command}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err, captured.out


def exit_code(argv):
    """main's exit code, whether argparse exits (SystemExit) or main returns it."""
    try:
        return main(argv)
    except SystemExit as exit_info:
        return exit_info.code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "-3"], "argument --epochs: expected a positive integer, got '-3'"),
        (["--epochs", "ten"], "argument --epochs: expected a positive integer, got 'ten'"),
        (["--epochs", "2.5"], "argument --epochs: expected a positive integer, got '2.5'"),
        (["--lr", "0"], "argument --lr: expected a positive number, got '0'"),
        (["--lr", "inf"], "argument --lr: expected a positive number, got 'inf'"),
        (["--lr", "nan"], "argument --lr: expected a positive number, got 'nan'"),
        (["--lr", "fast"], "argument --lr: expected a positive number, got 'fast'"),
        (["--batch-size", "0"], "argument --batch-size: expected a positive integer, got '0'"),
        (["--beta", "-0.5"], "argument --beta: expected a non-negative number"),
        (["--latent-dim", "two"], "argument --latent-dim: expected a positive integer"),
        (
            ["--hidden-sizes", "8,-1"],
            "argument --hidden-sizes: expected comma-separated positive integers",
        ),
        (["--filters", "a,b"], "argument --filters: expected comma-separated positive integers"),
        (["--kind", "gan"], "argument --kind: invalid choice: 'gan'"),
        (["--data", "cifar"], "argument --data: invalid choice: 'cifar'"),
        (["--epochs"], "argument --epochs: expected one argument"),
        (["--epochs", "9" * 400], "argument --epochs: expected a positive integer, got '999"),
        (["--seed", "1e400"], "argument --seed: expected a non-negative integer, got '1e400'"),
    ],
)
def test_bad_option_values_are_one_line_and_exit_2(capsys, args, message):
    assert exit_code(["train", *args]) == 2
    err, _ = one_line_error(capsys, "train")
    assert message in err and "(see aelearn train --help)" in err


@pytest.mark.parametrize("output", ["samples.bmp", "samples.xyz", "samples", "samples.pgf"])
def test_an_image_suffix_matplotlib_cannot_write_is_refused_before_any_work(
    tmp_path, capsys, output
):
    model = tmp_path / "vae.npz"
    io.save(VAE((64, 8, 2), rng=0), model)
    assert exit_code(["sample", str(model), "--output", str(tmp_path / output)]) == 2
    err, _ = one_line_error(capsys, "sample")
    assert "expected a file name ending in one of" in err and ".png" in err and ".pdf" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vae.npz"]


def test_a_model_output_that_is_a_folder_is_refused_before_training(tmp_path, capsys):
    assert exit_code([*TRAIN, "--output", str(tmp_path)]) == 2
    err, out = one_line_error(capsys, "train")
    assert "is a folder; expected a file name such as" in err and "training" not in out


def test_a_model_output_in_a_missing_folder_is_refused_before_training(tmp_path, capsys):
    assert exit_code([*TRAIN, "--output", str(tmp_path / "no" / "m.npz")]) == 2
    err, out = one_line_error(capsys, "train")
    assert "does not exist" in err and "training" not in out


def test_evaluating_a_model_with_nan_weights_exits_2_instead_of_printing_nan(tmp_path, capsys):
    path = io.save(Autoencoder((64, 8, 2), rng=0), tmp_path / "ae.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["decoder.net.layers.0.weight"][0, 0] = np.nan
    np.savez(path, **arrays)
    assert exit_code(["evaluate", str(path)]) == 2
    err, out = one_line_error(capsys, "evaluate")
    assert "holds NaN or infinite values" in err and "nan" not in out


def test_evaluating_a_file_declaring_a_huge_array_exits_2(tmp_path, capsys):
    path = io.save(Autoencoder((64, 8, 2), rng=0), tmp_path / "ae.npz")
    with np.load(path, allow_pickle=False) as archive:
        config = archive["__config__"]
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)}
    with (
        zipfile.ZipFile(path, "w") as archive,
        archive.open("encoder.net.layers.0.weight.npy", "w") as f,
    ):
        np.lib.format.write_array_header_1_0(f, header)
    with zipfile.ZipFile(path, "a") as archive, archive.open("__config__.npy", "w") as f:
        np.lib.format.write_array(f, config)
    assert exit_code(["evaluate", str(path)]) == 2
    assert "declares shape (1000000, 1000000)" in one_line_error(capsys, "evaluate")[0]


def test_evaluating_a_tampered_description_exits_2(tmp_path, capsys):
    path = io.save(Autoencoder((64, 8, 2), rng=0), tmp_path / "ae.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["__config__"] = np.array(json.dumps({"format_version": 1, "class": [], "config": {}}))
    np.savez(path, **arrays)
    assert exit_code(["evaluate", str(path)]) == 2
    err, _ = one_line_error(capsys, "evaluate")
    assert f"{path}: cannot rebuild the model [] from its description" in err


def _write_idx(path, array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    path.write_bytes(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


def _tiny_mnist(folder):
    rng = np.random.default_rng(0)
    for part, n in (("train", 30), ("test", 10)):
        images = rng.integers(0, 256, (n, 4, 4)).astype(np.uint8)
        _write_idx(folder / MNIST_FILES[f"{part}_images"], images)
        _write_idx(folder / MNIST_FILES[f"{part}_labels"], rng.integers(0, 10, n).astype(np.uint8))


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (
            lambda f: _write_idx(
                f / MNIST_FILES["train_images"], np.full((30, 4, 4), np.nan, ">f4"), 0x0D
            ),
            "images hold NaN",
        ),
        (
            lambda f: _write_idx(f / MNIST_FILES["test_labels"], np.full(10, 11, np.uint8)),
            "labels lie outside 0 to 9",
        ),
        (
            lambda f: _write_idx(f / MNIST_FILES["test_labels"], np.zeros(9, np.uint8)),
            "expected (10,), one label per image",
        ),
        (
            lambda f: (f / MNIST_FILES["train_images"]).write_bytes(
                (f / MNIST_FILES["train_images"]).read_bytes()[:-3]
            ),
            "truncated",
        ),
    ],
)
def test_a_corrupt_data_file_exits_2_naming_the_file(tmp_path, capsys, corrupt, message):
    _tiny_mnist(tmp_path)
    corrupt(tmp_path)
    args = [
        *TRAIN,
        "--data",
        "mnist",
        "--mnist-path",
        str(tmp_path),
        "--output",
        str(tmp_path / "m.npz"),
    ]
    assert exit_code(args) == 2
    err, _ = one_line_error(capsys, "train")
    assert "--data mnist: " in err and "-ubyte" in err and message in err


def test_missing_mnist_files_are_one_line_too(tmp_path, capsys, monkeypatch):
    def offline(*args, **kwargs):
        warnings.warn("Retrying in 1s: network is unreachable", UserWarning, stacklevel=2)
        raise OSError("network is unreachable")

    monkeypatch.setattr("sklearn.datasets.fetch_openml", offline)
    assert exit_code([*TRAIN, "--data", "mnist", "--mnist-path", str(tmp_path)]) == 2
    line = one_line_error(capsys, "train")[0]
    assert f"MNIST folder {tmp_path}" in line and "Nothing was downloaded" in line
    monkeypatch.setenv("AELEARN_MNIST", str(tmp_path))  # a folder not named: the fetch is tried
    with warnings.catch_warnings(record=True) as shown:  # the retries' warnings, if any
        warnings.simplefilter("always")
        assert exit_code([*TRAIN, "--data", "mnist"]) == 2
    assert "MNIST not found. Looked in" in one_line_error(capsys, "train")[0]
    assert not shown, [str(w.message) for w in shown]


def test_python_dash_m_shows_one_line_and_no_traceback(tmp_path):
    # One run of the real command (starting Python costs seconds); main(argv) does the rest.
    args = ["sample", "m.npz", "--output", "samples.bmp"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "aelearn", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr


# ----- what the operating system refuses, said as a sentence ----------------------------------
def _refuse(number, path):
    """The OSError the operating system raises for ``path``, error ``number``."""
    return OSError(number, os.strerror(number), str(path))


def _no_errno(err):
    assert "[Errno" not in err and "Errno" not in err, err


@pytest.mark.parametrize("command", ["evaluate", "sample"])
def test_a_missing_model_file_reads_as_a_sentence(tmp_path, capsys, command):
    path = tmp_path / "model.npz"
    assert exit_code([command, str(path)]) == 2
    err, _ = one_line_error(capsys, command)
    assert err.endswith(f"cannot read {path}: no such file\n")
    _no_errno(err)


def test_a_folder_given_as_a_model_file_reads_as_a_sentence(tmp_path, capsys):
    assert exit_code(["evaluate", str(tmp_path)]) == 2
    err, _ = one_line_error(capsys, "evaluate")
    assert err.endswith(f"cannot read {tmp_path}: it is a folder\n")


def test_a_model_file_without_read_permission_reads_as_a_sentence(tmp_path, capsys, monkeypatch):
    path = io.save(Autoencoder((64, 8, 2), rng=0), tmp_path / "ae.npz")

    def refused(file, *args, **kwargs):  # what open() raises for a file one may not read
        raise _refuse(errno.EACCES, file)

    monkeypatch.setattr("aelearn.cli.open", refused, raising=False)
    assert exit_code(["evaluate", str(path)]) == 2
    err, _ = one_line_error(capsys, "evaluate")
    assert err.endswith(f"cannot read {path}: permission denied\n")
    assert "corrupted" not in err  # not mistaken for a damaged file


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads and writes anything"
)
def test_real_permissions_read_as_sentences(tmp_path, capsys):
    path = io.save(Autoencoder((64, 8, 2), rng=0), tmp_path / "ae.npz")
    path.chmod(0)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert exit_code(["evaluate", str(path)]) == 2
        assert f"cannot read {path}: permission denied" in one_line_error(capsys, "evaluate")[0]
        assert exit_code([*TRAIN, "--output", str(locked / "m.npz")]) == 2
        err, out = one_line_error(capsys, "train")
        assert f"cannot write {locked / 'm.npz'}: permission denied" in err and out == ""
    finally:
        path.chmod(0o600)
        locked.chmod(0o700)


def test_a_model_folder_without_write_permission_is_refused_before_training(
    tmp_path, capsys, monkeypatch
):
    def refused(dir=None, **kwargs):  # what the OS raises in a folder one may not write into
        raise _refuse(errno.EACCES, dir)

    monkeypatch.setattr("aelearn.cli.tempfile.TemporaryFile", refused)
    path = tmp_path / "m.npz"
    assert exit_code([*TRAIN, "--output", str(path)]) == 2
    err, out = one_line_error(capsys, "train")
    assert err.endswith(f"cannot write {path}: permission denied\n") and "training" not in out


@pytest.mark.parametrize(
    ("number", "reason"),
    [(errno.ENOSPC, "no space left on the disk"), (errno.EACCES, "permission denied")],
)
def test_a_failed_save_names_the_model_file_not_the_temporary_one(
    tmp_path, capsys, monkeypatch, number, reason
):
    def failed(model, path, history=None):  # io.save writes a hidden .partial file first
        raise _refuse(number, tmp_path / ".m.npz.1a2b3c4d.partial")

    monkeypatch.setattr(io, "save", failed)
    path = tmp_path / "m.npz"
    assert exit_code([*TRAIN, "--output", str(path)]) == 2
    err, _ = one_line_error(capsys, "train")
    assert err.endswith(f"cannot write {path}: {reason}\n") and ".partial" not in err


def test_an_image_in_a_missing_folder_or_on_a_folder_reads_as_a_sentence(tmp_path, capsys):
    model = io.save(VAE((64, 8, 2), rng=0), tmp_path / "vae.npz")
    missing = tmp_path / "no" / "samples.png"
    assert exit_code(["sample", str(model), "--output", str(missing)]) == 2
    err, _ = one_line_error(capsys, "sample")
    assert err.endswith(f"cannot write {missing}: the folder {tmp_path / 'no'} does not exist\n")
    folder = tmp_path / "figure.png"
    folder.mkdir()
    assert exit_code(["sample", str(model), "--output", str(folder)]) == 2
    err, _ = one_line_error(capsys, "sample")
    assert err.endswith(f"cannot write {folder}: it is a folder\n")


def test_demo_output_folders_that_cannot_be_made_or_written_read_as_sentences(
    tmp_path, capsys, monkeypatch
):
    taken = tmp_path / "taken"
    taken.write_text("")
    assert exit_code(["demo", "--quick", "--output", str(taken / "sub")]) == 2
    err, out = one_line_error(capsys, "demo")
    assert f"cannot create the folder {taken / 'sub'}: a part of its path is a file" in err

    def refused(dir=None, **kwargs):
        raise _refuse(errno.EACCES, dir)

    monkeypatch.setattr("aelearn.cli.tempfile.TemporaryFile", refused)
    assert exit_code(["demo", "--quick", "--output", str(tmp_path)]) == 2
    err, out = one_line_error(capsys, "demo")
    assert err.endswith(f"cannot write into {tmp_path}: permission denied\n") and out == ""


def test_an_unreadable_mnist_file_reads_as_a_sentence(tmp_path, capsys, monkeypatch):
    _tiny_mnist(tmp_path)
    read_bytes = pathlib.Path.read_bytes

    def refused(self):
        if self.name == MNIST_FILES["test_labels"]:
            raise _refuse(errno.EACCES, self)
        return read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", refused)
    data = ["--data", "mnist", "--mnist-path", str(tmp_path)]
    assert exit_code([*TRAIN, *data, "--output", str(tmp_path / "m.npz")]) == 2
    err, _ = one_line_error(capsys, "train")
    labels = tmp_path / MNIST_FILES["test_labels"]
    assert err.endswith(f"cannot read {labels}: permission denied\n")


@pytest.mark.parametrize("command", [["train", "--epochs", "1"], ["evaluate", "model.npz"]])
def test_an_mnist_folder_without_data_mnist_is_refused(tmp_path, capsys, command):
    argv = [*command, "--mnist-path", str(tmp_path), "--data", "digits"]
    if command[0] == "train":
        argv += ["--output", str(tmp_path / "m.npz")]
    else:
        io.save(Autoencoder((64, 8, 2), rng=0), tmp_path / "model.npz")
        argv[1] = str(tmp_path / "model.npz")
    assert exit_code(argv) == 2
    err, _ = one_line_error(capsys, command[0])
    assert "--mnist-path is the folder of --data mnist; this command reads digits" in err
