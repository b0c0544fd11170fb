import argparse
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aelearn import io
from aelearn.cli import EXAMPLES, build_parser, main
from aelearn.demo import DEMO, KINDS, MODELS, run_demo
from aelearn.io import load
from aelearn.models import CVAE, VAE, Autoencoder
from aelearn.nn import Conv2d

TRAIN = ["train", "--epochs", "2", "--hidden-sizes", "16", "--latent-dim", "2"]


def test_quick_demo_writes_metrics_figures_models_and_a_table(tmp_path, capsys):
    assert main(["demo", "--quick", "--output", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads((tmp_path / "metrics.json").read_text())["models"]
    assert set(metrics) == {"ae", "dae", "vae", "cvae", "pca"}
    assert metrics["pca"]["test_mse"] == pytest.approx(0.02465, abs=5e-6)
    for kind in ("ae", "dae", "vae", "cvae"):
        figures = metrics[kind]
        assert 0 < figures["test_mse"] < 0.2
        assert ("neg_elbo" in figures) == (kind in ("vae", "cvae"))
        assert (tmp_path / f"reconstructions_{kind}.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / f"history_{kind}.png").is_file()
        assert load(tmp_path / f"{kind}.npz").n_features == 64
    assert (tmp_path / "samples_vae.png").is_file() and (tmp_path / "samples_cvae.png").is_file()
    table = printed[printed.index("model   ") :]
    assert "PCA (8 components)" in table
    assert f"{metrics['ae']['test_mse']:.5f}" in table
    assert f"{metrics['cvae']['neg_elbo']:.5f}" in table
    assert f"{metrics['vae']['kl']:.5f}" in table
    assert "epoch 3/3" in printed  # progress while training


def test_run_demo_returns_what_it_writes_to_metrics_json(tmp_path, capsys):
    summary = run_demo(tmp_path, quick=True, seed=1)
    assert json.loads((tmp_path / "metrics.json").read_text()) == summary
    assert summary["seed"] == 1 and summary["models"]["dae"]["epochs"] == DEMO["quick_epochs"]
    assert "denoising AE" in capsys.readouterr().out


def test_train_saves_a_model_that_evaluate_reports_on(tmp_path, capsys):
    path = tmp_path / "vae.npz"
    assert main([*TRAIN, "--kind", "vae", "--beta", "0.5", "--output", str(path)]) == 0
    trained = capsys.readouterr().out
    model = load(path)
    assert isinstance(model, VAE) and model.sizes == (64, 16, 2) and model.beta == 0.5
    assert "epoch 2/2" in trained
    assert main(["evaluate", str(path)]) == 0
    evaluated = capsys.readouterr().out
    # The figures evaluate prints are those train printed for the model it saved.
    assert trained.splitlines()[-1].split() == evaluated.splitlines()[-1].split()[1:]


def test_train_with_the_same_seed_gives_the_same_weights(tmp_path):
    for name in ("a.npz", "b.npz"):
        assert main([*TRAIN, "--kind", "dae", "--seed", "3", "--output", str(tmp_path / name)]) == 0
    a, b = load(tmp_path / "a.npz").state_dict(), load(tmp_path / "b.npz").state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_hidden_sizes_takes_several_layers(tmp_path):
    path = tmp_path / "ae.npz"
    argv = [*TRAIN[:-4], "--hidden-sizes", "32,16", "--latent-dim", "3", "--output", str(path)]
    assert main(argv) == 0
    model = load(path)
    assert isinstance(model, Autoencoder) and model.encoder.sizes == (64, 32, 16, 3)


def test_an_empty_hidden_sizes_means_no_hidden_layer(tmp_path):
    path = tmp_path / "ae.npz"
    argv = [*TRAIN[:-4], "--hidden-sizes=", "--latent-dim", "3", "--output", str(path)]
    assert main(argv) == 0
    model = load(path)
    assert model.sizes == (64, 3) and len(model.encoder.net.dense_layers) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_convolutional_model_trains_saves_and_evaluates_on_tiny_mnist(tmp_path, capsys, kind):
    rng = np.random.default_rng(0)
    for part, n in (("train", 30), ("t10k", 10)):
        _write_idx(tmp_path / f"{part}-images-idx3-ubyte", rng.integers(0, 256, (n, 6, 6)))
        _write_idx(tmp_path / f"{part}-labels-idx1-ubyte", rng.integers(0, 10, n))
    path = tmp_path / "conv.npz"
    data = ["--data", "mnist", "--mnist-path", str(tmp_path)]
    argv = ["train", "--epochs", "2", "--filters", "4,8", "--hidden-sizes=", "--latent-dim", "4"]
    assert main([*argv, "--kind", kind, *data, "--output", str(path)]) == 0
    trained = capsys.readouterr().out
    model = load(path)
    assert type(model) is MODELS[kind][0] and model.sizes == (36, 4)
    convolutions = [m for m in model.encoder.modules() if isinstance(m, Conv2d)]
    assert [conv.out_channels for conv in convolutions] == [4, 8]
    assert main(["evaluate", str(path), *data]) == 0
    evaluated = capsys.readouterr().out
    # The figures evaluate prints are those train printed for the model it saved.
    assert trained.splitlines()[-1].split() == evaluated.splitlines()[-1].split()[1:]


def test_sample_writes_a_png_for_a_cvae_class(tmp_path):
    path = tmp_path / "cvae.npz"
    assert main([*TRAIN, "--kind", "cvae", "--output", str(path)]) == 0
    assert isinstance(load(path), CVAE)
    png = tmp_path / "samples.png"
    assert main(["sample", str(path), "--n", "4", "--label", "7", "--output", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    grid = tmp_path / "grid.png"
    assert main(["sample", str(path), "--n", "3", "--output", str(grid)]) == 0  # every class
    assert grid.is_file()


def assert_one_line_error(err, command):
    """A user's mistake: one line on stderr, naming the command, and no traceback."""
    prefix = f"aelearn {command}: error: " if command else "aelearn: error: "
    assert err.startswith(prefix) and err.count("\n") == 1, err
    assert "Traceback" not in err


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_train_on_mnist_files_from_mnist_path(tmp_path):
    rng = np.random.default_rng(0)
    for part, n in (("train", 30), ("t10k", 10)):
        _write_idx(tmp_path / f"{part}-images-idx3-ubyte", rng.integers(0, 256, (n, 4, 4)))
        _write_idx(tmp_path / f"{part}-labels-idx1-ubyte", rng.integers(0, 10, n))
    path = tmp_path / "m.npz"
    args = [*TRAIN, "--data", "mnist", "--mnist-path", str(tmp_path), "--output", str(path)]
    assert main(args) == 0
    assert load(path).n_features == 16


def test_train_on_the_shipped_mnist_sample_needs_no_files(tmp_path, monkeypatch):
    monkeypatch.setenv("AELEARN_MNIST", str(tmp_path / "no-such-folder"))
    path = tmp_path / "m.npz"
    assert main([*TRAIN, "--data", "mnist-sample", "--epochs", "1", "--output", str(path)]) == 0
    assert load(path).n_features == 784


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
        (["train", "--batch-size", "-5"], "argument --batch-size: expected a positive integer"),
        (["train", "--lr", "0"], "argument --lr: expected a positive number"),
        (["train", "--beta", "-1"], "argument --beta: expected a non-negative number"),
        (["train", "--lr", "nan"], "argument --lr: expected a positive number, got 'nan'"),
        (["train", "--seed", "-1"], "argument --seed: expected a non-negative integer"),
        (["train", "--hidden-sizes", "64,x"], "expected comma-separated positive integers"),
        (["train", "--filters", "4,0"], "expected comma-separated positive integers"),
        (["train", "--kind", "gan"], "argument --kind: invalid choice: 'gan'"),
        (["sample", "m.npz", "--n", "0"], "argument --n: expected a positive integer"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_argparse_message(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert_one_line_error(err, " ".join(args[:1]))
    assert message in err


def test_shards_is_no_option_anymore(tmp_path, capsys):
    path = tmp_path / "m.npz"
    with pytest.raises(SystemExit) as exit_info:
        main([*TRAIN, "--shards", "2", "--output", str(path)])
    assert exit_info.value.code == 2 and not path.exists()
    err = capsys.readouterr().err
    assert_one_line_error(err, "")
    assert "unrecognized arguments: --shards 2" in err


def test_sampling_an_autoencoder_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "ae.npz"
    assert main([*TRAIN, "--output", str(path)]) == 0
    assert main(["sample", str(path)]) == 2
    assert "sampling needs a VAE or CVAE; " in capsys.readouterr().err


def test_sample_draws_from_an_unconditional_vae_and_refuses_it_a_label(tmp_path, capsys):
    path = tmp_path / "vae.npz"
    assert main([*TRAIN, "--kind", "vae", "--output", str(path)]) == 0
    png = tmp_path / "samples.png"
    assert main(["sample", str(path), "--n", "4", "--seed", "1", "--output", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["sample", str(path), "--label", "3", "--output", str(png)]) == 2
    assert "--label needs a CVAE; " in capsys.readouterr().err


def test_unknown_label_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "cvae.npz"
    assert main([*TRAIN, "--kind", "cvae", "--output", str(path)]) == 0
    assert main(["sample", str(path), "--label", "12", "--output", str(tmp_path / "s.png")]) == 2
    assert "this model knows the classes 0 to 9" in capsys.readouterr().err


def test_evaluating_a_corrupt_file_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a model")
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err, "evaluate")
    assert "truncated or corrupted" in err
    assert main(["evaluate", str(tmp_path / "missing.npz")]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err, "evaluate")
    assert f"cannot read {tmp_path / 'missing.npz'}: no such file" in err


def test_python_dash_m_exits_2_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "aelearn", "train", "--epochs", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "expected a positive integer" in result.stderr and "Traceback" not in result.stderr


def test_a_value_error_from_a_bug_keeps_its_traceback(monkeypatch):
    # Only the checked usage errors exit 2; a ValueError from inside the code is a bug and
    # must reach the user as such, not be dressed up as a bad argument.
    def broken(*args, **kwargs):
        raise ValueError("an internal bug")

    monkeypatch.setattr("aelearn.cli.build_model", broken)
    with pytest.raises(ValueError, match="an internal bug"):
        main(TRAIN)


def test_corrupt_mnist_files_are_a_usage_error(tmp_path, capsys):
    for part in ("train", "t10k"):
        for what in ("images-idx3", "labels-idx1"):
            (tmp_path / f"{part}-{what}-ubyte").write_bytes(b"not idx")
    args = [*TRAIN, "--data", "mnist", "--mnist-path", str(tmp_path)]
    assert main([*args, "--output", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err, "train")
    assert "--data mnist: " in err and "not an IDX file" in err


def test_evaluating_a_cvae_on_data_with_more_classes_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "cvae.npz"
    io.save(CVAE((64, 16, 2), n_classes=3, rng=0), path)
    assert main(["evaluate", str(path)]) == 2
    assert "knows the classes 0 to 2; digits has 10 classes" in capsys.readouterr().err


def test_evaluating_a_saved_encoder_alone_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "encoder.npz"
    io.save(Autoencoder((64, 16, 2), rng=0).encoder, path)
    assert main(["evaluate", str(path)]) == 2
    assert "evaluate needs an autoencoder or a VAE; " in capsys.readouterr().err


def test_an_output_folder_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("")
    assert main(["demo", "--quick", "--output", str(taken)]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err, "demo")
    assert f"cannot create the folder {taken}: a file of that name exists" in err


def test_train_with_a_learning_rate_that_explodes_exits_1_and_saves_nothing(tmp_path, capsys):
    from aelearn.cli import main

    path = tmp_path / "m.npz"
    code = main(["train", "--lr", "1e6", "--epochs", "3", "--output", str(path)])
    assert code == 1 and not path.exists()
    assert "diverged" in capsys.readouterr().err


def test_train_refuses_to_overwrite_a_model_file_unless_told_to(tmp_path, capsys):
    path = tmp_path / "m.npz"
    assert main([*TRAIN, "--output", str(path)]) == 0
    saved = path.read_bytes()
    capsys.readouterr()
    assert main([*TRAIN, "--seed", "1", "--output", str(path)]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err, "train")
    assert f"{path} exists; add --overwrite to replace it, or name another --output" in err
    assert path.read_bytes() == saved
    assert main([*TRAIN, "--seed", "1", "--output", str(path), "--overwrite"]) == 0
    assert f"saved {path}" in capsys.readouterr().out
    assert path.read_bytes() != saved  # the weights of seed 1


@pytest.mark.parametrize("command", ["", *EXAMPLES])
def test_help_shows_the_defaults_and_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"] if command else ["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    examples = [EXAMPLES[command]] if command else list(EXAMPLES.values())
    assert all(example in " ".join(text.split()) for example in examples), text
    assert "None" not in text and "False" not in text
    expected = {
        "demo": "(default: aelearn-output)",
        "train": "(default: 100)",
        "evaluate": "(default: digits)",
        "sample": "(default: samples.png)",
    }
    if command:
        assert expected[command] in " ".join(text.split())
    if command == "train":
        assert "(default: 128)" in text and "(default: none, a dense model)" in text


def test_every_option_with_a_default_names_it_in_its_help():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, parser in commands.items():
        for action in parser._actions:
            unset = any(action.default is v for v in (None, False, argparse.SUPPRESS))
            if not unset and action.option_strings:  # `is`: a default of 0 is a default
                assert "default" in (action.help or ""), (name, action.dest)


@pytest.mark.parametrize("command", EXAMPLES)
def test_each_help_example_parses_and_runs_the_command_it_shows(command):
    args = build_parser().parse_args(EXAMPLES[command].split()[1:])
    assert args.command == command


def _readme_command_lines():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"^```\w*\n(.*?)^```", readme, flags=re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if line.startswith("aelearn ")]


def test_the_readme_command_lines_run_as_typed_in_any_shell():
    lines = _readme_command_lines()
    assert len(lines) >= 5
    parser = build_parser()
    for line in lines:
        # Quotes, comments and these characters mean different things in a POSIX shell,
        # the Windows Command Prompt and PowerShell; a line without them splits the same way.
        assert not set(line) & set("'\"#$%&;`<>|^"), line
        args = parser.parse_args(line.split()[1:])  # a bad line exits 2 and fails here
        assert args.command in EXAMPLES


def test_an_empty_hidden_sizes_is_written_with_an_equals_sign_everywhere():
    lines = [*_readme_command_lines(), *EXAMPLES.values()]
    assert any("--hidden-sizes=" in line for line in lines)
    assert not any(re.search(r"--hidden-sizes\s+(''|\"\")", line) for line in lines)


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    # aelearn demo | head -1: the reader closes the pipe after one line; the demo stops at its
    # next output, with no BrokenPipeError traceback and no "Exception ignored" at exit.
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "aelearn", "demo", "--quick", "--output", str(tmp_path)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
    ) as process:
        assert process.stdout.readline() != b""  # a line, not the end of a dead process
        process.stdout.close()
        stderr = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr
    assert code == 1  # stopped early, as the Python documentation's recipe exits
    assert not (tmp_path / "metrics.json").exists()  # it did stop


@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on Windows")
def test_importing_the_command_line_changes_no_signal_handler():
    # Python ignores SIGPIPE so that a closed pipe is a BrokenPipeError; main handles that
    # error itself, and importing aelearn.cli (done above) must not reset the handler.
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN
