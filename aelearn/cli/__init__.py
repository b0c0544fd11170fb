"""The ``aelearn`` command: ``demo``, ``train``, ``evaluate`` and ``sample``.

    aelearn demo [--quick] [--output DIR]
    aelearn train --kind vae --latent-dim 8 --hidden-sizes 128 --epochs 100 --output vae.npz
    aelearn train --kind dae --filters 32,64 --hidden-sizes= --latent-dim 16 --data mnist
    aelearn evaluate vae.npz
    aelearn sample cvae.npz --n 16 --label 3 --output samples.png

The examples hold no quotes and no comments, so that they run as typed in a POSIX shell, the
Windows Command Prompt and PowerShell alike (``--hidden-sizes=``, not ``--hidden-sizes ''``).
A user's mistake (``aelearn.cli.errors``) ends with one line on stderr that says what was
wrong and what is expected, and exit code 2; any other exception is a bug and ends with its
traceback.
"""

import argparse
import os
import sys
import tempfile
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.backend_bases import FigureCanvasBase

import aelearn
from aelearn import io
from aelearn.cli.errors import USAGE_ERRORS, UsageError, one_line, os_error_sentence, os_errors
from aelearn.datasets import (
    MNIST_DEFAULT_DIR,
    MNIST_ENV_VAR,
    load_digits,
    load_mnist,
    load_mnist_sample,
)
from aelearn.demo import (
    DEMO,
    KINDS,
    METRIC_HEADERS,
    build_model,
    fit_timed,
    held_out_metrics,
    run_demo,
    save_figure,
)
from aelearn.reporting import format_table
from aelearn.training import TrainingDiverged


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (what was wrong, where to look), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


# ----- argument types -------------------------------------------------------------------------
def _number(text, kind, allow_zero, what):
    """``text`` as a finite ``kind`` (int or float) > 0 (>= 0 if allowed), or an argparse error."""
    try:
        value = kind(text)
        finite = bool(np.isfinite(value))
    except (ValueError, TypeError, OverflowError):  # not a number, or an int past float's range
        value, finite = None, False
    if not finite or value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


positive_int = partial(_number, kind=int, allow_zero=False, what="a positive integer")
non_negative_int = partial(_number, kind=int, allow_zero=True, what="a non-negative integer")
positive_float = partial(_number, kind=float, allow_zero=False, what="a positive number")
non_negative_float = partial(_number, kind=float, allow_zero=True, what="a non-negative number")


def hidden_sizes(text):
    """'128,64' -> (128, 64); '' -> () (no hidden layer). Also reads --filters."""
    try:
        return tuple(positive_int(part) for part in text.split(",") if part.strip())
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 128,64; got {text!r}"
        ) from None


def image_path(text):
    """A path whose suffix names an image format matplotlib writes (.png, .pdf, .svg...)."""
    # PGF needs a LaTeX installation: not a format to offer a student's machine.
    formats = sorted(set(FigureCanvasBase.get_supported_filetypes()) - {"pgf"})
    if Path(text).suffix.lower().lstrip(".") not in formats:
        raise argparse.ArgumentTypeError(
            f"cannot write an image to {text!r}; expected a file name ending in one of "
            f"{', '.join('.' + f for f in formats)}"
        )
    return text


def model_path(text):
    """A path where a model file can be written: not a folder, in a folder that exists."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} is a folder; expected a file name such as {str(path / 'model.npz')!r}"
        )
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"the folder of {text!r} does not exist; expected a file in an existing folder"
        )
    return text


# ----- shared pieces --------------------------------------------------------------------------
def load_data(name, mnist_path=None):
    """The Dataset named on the command line; corrupt MNIST files are a UsageError."""
    if mnist_path is not None and name != "mnist":
        raise UsageError(f"--mnist-path is the folder of --data mnist; this command reads {name}")
    if name == "digits":
        return load_digits()
    if name == "mnist-sample":
        return load_mnist_sample()
    try:
        # scikit-learn warns at each retry of a failed download; the error says it once.
        with os_errors("read"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_mnist(mnist_path)
    except ValueError as error:  # load_mnist's ValueErrors are about the files it read
        raise UsageError(f"--data mnist: {error}") from None


def read_model(path):
    """The model saved in ``path``; a file the operating system will not open (missing, a
    folder, no permission) is said as such, not as a damaged model file."""
    with os_errors("read", path):
        open(path, "rb").close()
    return io.load(path)


def check_writable(folder, path=None):
    """Refuse, before any training, an output ``path`` (default: any file) in a ``folder``
    where no file can be made (no permission, a read-only disk): a student should not train
    for minutes to learn it."""
    with os_errors("write into", folder) if path is None else os_errors("write", path):
        tempfile.TemporaryFile(dir=folder).close()


def image_shape(n_features):
    side = int(round(np.sqrt(n_features)))
    if side * side != n_features:
        raise UsageError(f"cannot draw {n_features} features as a square image")
    return (1, side, side)


# ----- subcommands ----------------------------------------------------------------------------
def run_train(args):
    if os.path.exists(args.output) and not args.overwrite:
        raise UsageError(
            f"{args.output} exists; add --overwrite to replace it, or name another --output"
        )
    check_writable(os.path.dirname(args.output) or ".", args.output)
    data = load_data(args.data, args.mnist_path)
    model = build_model(
        args.kind,
        data.n_features,
        args.hidden_sizes,
        args.latent_dim,
        args.beta,
        data.n_classes,
        args.seed,
        image_shape=data.image_shape,
        filters=args.filters,
    )
    print(f"training {model!r} on {data.name} {data.X_train.shape} for {args.epochs} epochs")
    every = max(1, args.epochs // 20)
    fit_timed(model, data, args.epochs, args.batch_size, args.lr, every)
    with os_errors("write", args.output):
        io.save(model, args.output)
    print(f"saved {args.output}")
    print(format_table([held_out_metrics(model, data)], headers=METRIC_HEADERS))


def run_evaluate(args):
    model = read_model(args.model)
    if not hasattr(model, "reconstruct"):
        raise UsageError(
            f"evaluate needs an autoencoder or a VAE; {args.model} holds a "
            f"{type(model).__name__}, which does not reconstruct its input"
        )
    data = load_data(args.data, args.mnist_path)
    if model.n_features != data.n_features:
        raise UsageError(
            f"{args.model} takes {model.n_features} features; {data.name} has {data.n_features}"
        )
    if model.takes_labels and data.n_classes > model.n_classes:
        raise UsageError(
            f"{args.model} knows the classes 0 to {model.n_classes - 1}; {data.name} has "
            f"{data.n_classes} classes"
        )
    row = {"model": type(model).__name__, **held_out_metrics(model, data)}
    print(format_table([row], headers=METRIC_HEADERS))


def run_sample(args):
    from aelearn.plotting import plot_samples

    model = read_model(args.model)
    name = type(model).__name__
    if not hasattr(model, "sample"):
        raise UsageError(
            f"sampling needs a VAE or CVAE; {args.model} holds a model of class {name}, "
            "which has no sample method"
        )
    if args.seed is not None:
        model.rng = np.random.default_rng(args.seed)
    conditional = model.takes_labels
    if args.label is not None and not conditional:
        raise UsageError(
            f"--label needs a CVAE; {args.model} holds a {name}, which takes no labels"
        )
    if args.label is not None and not 0 <= args.label < model.n_classes:
        raise UsageError(
            f"--label {args.label}: this model knows the classes 0 to {model.n_classes - 1}"
        )
    shape = image_shape(model.n_features)
    if conditional and args.label is None:
        # No class chosen: a row of n samples for each class the model knows.
        labels = list(range(model.n_classes))
        images = np.concatenate([model.sample(args.n, label=c) for c in labels])
        fig = plot_samples(images, shape, args.n, [str(c) for c in labels], f"{name} samples")
    else:
        images = model.sample(args.n, label=args.label)
        what = f"class {args.label}" if conditional else "z ~ N(0, I)"
        fig = plot_samples(images, shape, min(args.n, 10), title=f"Samples, {what}")
    with os_errors("write", args.output):
        save_figure(fig, args.output)


def run_demo_command(args):
    with os_errors("create the folder", args.output):
        os.makedirs(args.output, exist_ok=True)
    check_writable(args.output)
    with os_errors("write"):
        run_demo(args.output, args.quick, args.seed)


# ----- the parser -----------------------------------------------------------------------------
#: One example per command, shown by its --help (and all of them by aelearn --help); each
#: runs as typed in any shell, and a test parses every one.
EXAMPLES = {
    "demo": "aelearn demo --quick --output demo-output",
    "train": "aelearn train --kind vae --latent-dim 2 --epochs 300 --output vae.npz",
    "evaluate": "aelearn evaluate vae.npz",
    "sample": "aelearn sample vae.npz --n 16 --output samples.png",
}


def _add_command(commands, name, help, run):
    """A subcommand that calls ``run(args)``, its --help ending with its example."""
    command = commands.add_parser(
        name,
        help=help,
        description=help[:1].upper() + help[1:] + ".",
        epilog=f"example:\n  {EXAMPLES[name]}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(run=run)
    return command


def _option(parser, name, help, **settings):
    """Add the option ``name``, its help ending with its default unless it words the default
    itself. A string default goes through ``type`` as if typed, and --help shows it as typed."""
    if settings.get("default") is not None and "default" not in help:
        help += " (default: %(default)s)"
    parser.add_argument(name, help=help, **settings)


def _add_data_arguments(parser):
    _option(
        parser,
        "--data",
        choices=("digits", "mnist-sample", "mnist"),
        default="digits",
        help="the data set: scikit-learn's 8x8 digits, the 5,000 MNIST digits shipped with "
        "aelearn, or the full MNIST",
    )
    _option(
        parser,
        "--mnist-path",
        help=f"folder of the MNIST IDX files (default: ${MNIST_ENV_VAR}, else {MNIST_DEFAULT_DIR})",
    )


def build_parser():
    examples = "\n".join(f"  {example}" for example in EXAMPLES.values())
    parser = Parser(
        prog="aelearn",
        description="Autoencoders from first principles in NumPy.",
        epilog=f"examples:\n{examples}\n\nEach command's --help lists its options, with defaults.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aelearn {aelearn.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_help = "train AE, DAE, VAE and CVAE on digits; compare to PCA"
    demo = _add_command(commands, "demo", demo_help, run_demo_command)
    _option(
        demo,
        "--output",
        default="aelearn-output",
        help="folder for the figures, models and metrics.json, made if need be",
    )
    _option(demo, "--quick", action="store_true", help="a few epochs only (a smoke test)")
    _option(
        demo,
        "--seed",
        type=non_negative_int,
        default=DEMO["seed"],
        help="seeds every model and the figures' noise",
    )

    train = _add_command(commands, "train", "train one model and save it", run_train)
    _option(
        train,
        "--kind",
        choices=KINDS,
        default="ae",
        help="autoencoder, denoising autoencoder, VAE or conditional VAE",
    )
    _option(train, "--latent-dim", type=positive_int, default=8, help="code size")
    _option(
        train,
        "--hidden-sizes",
        type=hidden_sizes,
        default="128",
        help="widths of the hidden layers, e.g. 128,64; none: --hidden-sizes=",
    )
    _option(
        train,
        "--filters",
        type=hidden_sizes,
        default="",
        help="convolutional: channels of each stride-2 convolution, e.g. 32,64 (--hidden-sizes "
        "then gives the dense layers after them) (default: none, a dense model)",
    )
    _option(train, "--epochs", type=positive_int, default=100, help="passes over the data")
    _option(train, "--batch-size", type=positive_int, default=64, help="examples per step")
    _option(train, "--lr", type=positive_float, default=1e-3, help="Adam's learning rate")
    _option(train, "--beta", type=non_negative_float, default=1.0, help="KL weight (VAEs)")
    _option(
        train,
        "--seed",
        type=non_negative_int,
        default=0,
        help="seeds the weights, the batches and the noise",
    )
    _add_data_arguments(train)
    _option(train, "--output", type=model_path, default="model.npz", help="model file to write")
    _option(
        train, "--overwrite", action="store_true", help="replace the --output file if it exists"
    )

    evaluate = _add_command(commands, "evaluate", "test-set figures of a saved model", run_evaluate)
    evaluate.add_argument("model", help="a .npz file written by train or demo")
    _add_data_arguments(evaluate)

    sample = _add_command(commands, "sample", "draw images from a saved VAE or CVAE", run_sample)
    sample.add_argument("model", help="a .npz file holding a VAE or CVAE")
    _option(sample, "--n", type=positive_int, default=16, help="images (per class)")
    _option(
        sample, "--label", type=int, help="the class to draw, for a CVAE (default: a row per class)"
    )
    _option(
        sample, "--seed", type=non_negative_int, help="seed the draws (default: the saved state)"
    )
    _option(sample, "--output", type=image_path, default="samples.png", help=".png, .pdf, .svg...")
    return parser


def _run(argv):
    """Parse ``argv`` and run its command; the exit code (see ``main``)."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)  # no thread settings here: the models choose theirs (aelearn.threads)
        return 0
    except USAGE_ERRORS as error:
        if isinstance(error, OSError) and None not in (error.errno, error.filename):
            error = os_error_sentence(error)  # one the commands did not word themselves
        print(f"aelearn {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"aelearn {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"aelearn {args.command}: interrupted", file=sys.stderr)
        return 130


def main(argv=None):
    """Run the command line; returns the exit code (0 success, 1 failure, 2 usage error).

    When the reader of stdout stops early (``aelearn demo | head``), the command stops at
    its next output, quietly, with exit code 1: as the Python documentation advises for a
    BrokenPipeError, stdout then points at os.devnull, so that Python's own flush at exit
    cannot fail again. Nothing of this happens on import or while stdout is open.
    """
    try:
        try:
            return _run(argv)
        finally:  # also after --help, --version and argparse's errors, which write to stdout
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
