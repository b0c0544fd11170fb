"""The ``aelearn`` command: ``demo``, ``train``, ``evaluate`` and ``sample``.

    aelearn demo [--quick] [--output DIR]
    aelearn train --kind vae --latent 8 --hidden 128 --epochs 100 --output vae.npz
    aelearn evaluate vae.npz
    aelearn sample cvae.npz --n 16 --label 3 --output samples.png

Bad arguments end with argparse's usage message and exit code 2; so do bad values found
later, without a traceback: the ``USAGE_ERRORS`` below (a label the model does not know,
an unreadable model or data file, a path that cannot be read or written). Any other
exception is a bug and ends with its traceback.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import aelearn
from aelearn import io
from aelearn.baselines import pca_reconstruction_error
from aelearn.datasets import load_digits, load_mnist
from aelearn.models import CVAE, VAE, Autoencoder, DenoisingAutoencoder
from aelearn.reporting import format_table
from aelearn.training import TrainingDiverged

KINDS = ("ae", "dae", "vae", "cvae")
KIND_NAMES = {"ae": "autoencoder", "dae": "denoising AE", "vae": "VAE", "cvae": "CVAE"}
#: The demo's settings: enough epochs for every model to pass PCA's error at the same code
#: size where it can, in about a minute for all four on a laptop core.
DEMO = {"latent": 8, "hidden": (128,), "epochs": 300, "quick_epochs": 3, "lr": 2e-3, "seed": 0}


class UsageError(Exception):
    """A bad value found after parsing; reported like an argparse error (exit code 2)."""


#: What the user can cause and fix: a bad value (UsageError), a file that is not a model
#: (io.ModelFileError) and a path given on the command line that cannot be opened. A bare
#: ValueError is not among them: the checks below raise UsageError, so a ValueError that
#: reaches ``main`` comes from a bug and keeps its traceback.
USAGE_ERRORS = (
    UsageError,
    io.ModelFileError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


# ----- argument types -------------------------------------------------------------------------
def _number(text, kind, allow_zero, what):
    """``text`` as a finite ``kind`` (int or float) > 0 (>= 0 if allowed), or an argparse error."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_int(text):
    return _number(text, int, False, "a positive integer")


def non_negative_int(text):
    return _number(text, int, True, "a non-negative integer")


def positive_float(text):
    return _number(text, float, False, "a positive number")


def non_negative_float(text):
    return _number(text, float, True, "a non-negative number")


def hidden_sizes(text):
    """'128,64' -> (128, 64); '' -> () (no hidden layer)."""
    try:
        return tuple(positive_int(part) for part in text.split(",") if part.strip())
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 128,64; got {text!r}"
        ) from None


# ----- shared pieces --------------------------------------------------------------------------
def load_data(name, mnist_path=None):
    """The Dataset named on the command line; corrupt MNIST files are a UsageError."""
    if name == "digits":
        return load_digits()
    try:
        return load_mnist(mnist_path)
    except ValueError as error:  # load_mnist's ValueErrors are about the files it read
        raise UsageError(f"--data mnist: {error}") from None


def build_model(kind, n_features, hidden, latent, beta=1.0, n_classes=10, seed=0):
    """A new model of ``kind`` with sizes (n_features, *hidden, latent)."""
    sizes = (n_features, *hidden, latent)
    if kind == "ae":
        return Autoencoder(sizes, rng=seed)
    if kind == "dae":
        return DenoisingAutoencoder(sizes, noise="masking", noise_level=0.3, rng=seed)
    if kind == "vae":
        return VAE(sizes, beta=beta, rng=seed)
    return CVAE(sizes, n_classes=n_classes, beta=beta, rng=seed)


def held_out_metrics(model, data):
    """Test-set figures: MSE per element for every model; -ELBO, KL for the VAE family."""
    X, y = data.X_test, data.y_test
    conditional = isinstance(model, CVAE)
    reconstruction = model.reconstruct(X, y) if conditional else model.reconstruct(X)
    metrics = {"test_mse": float(np.mean((reconstruction - X) ** 2, dtype=np.float64))}
    if isinstance(model, VAE):
        terms = model.evaluate(X, y if conditional else None)
        metrics.update(neg_elbo=terms["neg_elbo"], kl=terms["kl"])
    return metrics


def image_shape(n_features):
    side = int(round(np.sqrt(n_features)))
    if side * side != n_features:
        raise UsageError(f"cannot draw {n_features} features as a square image")
    return (side, side)


def save_figure(fig, path):
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def _train(model, data, epochs, batch_size, lr, every):
    y = data.y_train if isinstance(model, CVAE) else None
    start = time.perf_counter()
    model.fit(data.X_train, y, epochs=epochs, batch_size=batch_size, lr=lr, verbose=every)
    return time.perf_counter() - start


# ----- subcommands ----------------------------------------------------------------------------
def run_train(args):
    data = load_data(args.data, args.mnist_path)
    model = build_model(
        args.kind, data.n_features, args.hidden, args.latent, args.beta, data.n_classes, args.seed
    )
    print(f"training {model!r} on {data.name} {data.X_train.shape} for {args.epochs} epochs")
    every = max(1, args.epochs // 20)
    _train(model, data, args.epochs, args.batch_size, args.lr, every)
    io.save(model, args.output)
    print(f"saved {args.output}")
    print(format_table([held_out_metrics(model, data)]))
    return 0


def run_evaluate(args):
    model = io.load(args.model)
    data = load_data(args.data, args.mnist_path)
    if model.n_features != data.n_features:
        raise UsageError(
            f"{args.model} takes {model.n_features} features; {data.name} has {data.n_features}"
        )
    if isinstance(model, CVAE) and data.n_classes > model.n_classes:
        raise UsageError(
            f"{args.model} knows the classes 0 to {model.n_classes - 1}; {data.name} has "
            f"{data.n_classes} classes"
        )
    row = {"model": type(model).__name__, **held_out_metrics(model, data)}
    print(format_table([row]))
    return 0


def run_sample(args):
    from aelearn.plotting import plot_samples

    model = io.load(args.model)
    if not isinstance(model, VAE):
        raise UsageError(
            f"sampling needs a VAE or CVAE; {args.model} holds a model of class "
            f"{type(model).__name__}"
        )
    if args.seed is not None:
        model.rng = np.random.default_rng(args.seed)
    conditional = isinstance(model, CVAE)
    if args.label is not None and not conditional:
        raise UsageError(f"--label needs a CVAE; {args.model} holds an unconditional VAE")
    if args.label is not None and not 0 <= args.label < model.n_classes:
        raise UsageError(
            f"--label {args.label}: this model knows the classes 0 to {model.n_classes - 1}"
        )
    shape = image_shape(model.n_features)
    if conditional and args.label is None:
        # No class chosen: a row of n samples for each class the model knows.
        labels = list(range(model.n_classes))
        images = np.concatenate([model.sample(args.n, label=c) for c in labels])
        fig = plot_samples(images, shape, args.n, [str(c) for c in labels], "CVAE samples")
    else:
        images = model.sample(args.n, label=args.label)
        what = f"class {args.label}" if conditional else "z ~ N(0, I)"
        fig = plot_samples(images, shape, min(args.n, 10), title=f"Samples, {what}")
    save_figure(fig, args.output)
    return 0


def _demo_figures(model, kind, data, out, seed):
    """Reconstructions and training curves of one demo model, and samples of the VAEs."""
    from aelearn.plotting import plot_history, plot_reconstructions, plot_samples

    name, shape = KIND_NAMES[kind], data.image_shape
    X, y = data.X_test[:10], data.y_test[:10]
    noisy = None
    if kind == "dae":
        noisy = model.corrupt(X, np.random.default_rng(seed))
        reconstruction = model.reconstruct(noisy)
    else:
        reconstruction = model.reconstruct(X, y) if kind == "cvae" else model.reconstruct(X)
    title = f"{name}: test digits and reconstructions"
    save_figure(
        plot_reconstructions(X, reconstruction, noisy, 10, shape, title),
        out / f"reconstructions_{kind}.png",
    )
    save_figure(
        plot_history(model.history_, title=f"{name}: training"), out / f"history_{kind}.png"
    )
    if kind == "vae":
        images = model.sample(30)
        save_figure(
            plot_samples(images, shape, 10, title="VAE samples, z ~ N(0, I)"),
            out / "samples_vae.png",
        )
    if kind == "cvae":
        images = np.concatenate([model.sample(10, label=c) for c in range(10)])
        labels = [str(c) for c in range(10)]
        save_figure(
            plot_samples(images, shape, 10, labels, "CVAE samples, one class per row"),
            out / "samples_cvae.png",
        )


def run_demo(args):

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    data = load_digits()
    epochs = DEMO["quick_epochs"] if args.quick else DEMO["epochs"]
    latent = DEMO["latent"]
    rows, metrics, total = [], {}, time.perf_counter()
    for kind in KINDS:
        name = KIND_NAMES[kind]
        model = build_model(kind, data.n_features, DEMO["hidden"], latent, seed=args.seed)
        print(f"\n{name}: {model!r}, {epochs} epochs")
        seconds = _train(model, data, epochs, 64, DEMO["lr"], max(1, epochs // 5))
        figures = held_out_metrics(model, data)
        metrics[kind] = {"model": name, "epochs": epochs, "seconds": seconds, **figures}
        rows.append({"model": name, **figures, "seconds": seconds})
        io.save(model, out / f"{kind}.npz")
        _demo_figures(model, kind, data, out, args.seed)
    pca = pca_reconstruction_error(data.X_train, data.X_test, latent)
    rows.append({"model": f"PCA ({latent} components)", "test_mse": pca})
    metrics["pca"] = {"model": "PCA", "n_components": latent, "test_mse": pca}
    columns = ["model", "test_mse", "neg_elbo", "kl", "seconds"]
    print(f"\ndigits test set ({len(data.X_test)} images), latent size {latent}:")
    print(format_table(rows, columns))
    summary = {
        "aelearn_version": aelearn.__version__,
        "data": data.name,
        "latent_dim": latent,
        "seed": args.seed,
        "quick": args.quick,
        "total_seconds": time.perf_counter() - total,
        "models": metrics,
    }
    (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {out / 'metrics.json'}")
    return 0


# ----- the parser -----------------------------------------------------------------------------
def _add_data_arguments(parser):
    parser.add_argument("--data", choices=("digits", "mnist"), default="digits")
    parser.add_argument("--mnist-path", help="folder of the MNIST IDX files (see load_mnist)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="aelearn", description="Autoencoders from first principles in NumPy."
    )
    parser.add_argument("--version", action="version", version=f"aelearn {aelearn.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="train AE, DAE, VAE and CVAE on digits; compare to PCA")
    demo.add_argument("--output", default="aelearn-output", help="folder for figures and metrics")
    demo.add_argument("--quick", action="store_true", help="a few epochs only (a smoke test)")
    demo.add_argument("--seed", type=non_negative_int, default=DEMO["seed"])
    demo.set_defaults(run=run_demo, usage=demo.format_usage)

    train = commands.add_parser("train", help="train one model and save it")
    train.add_argument("--kind", choices=KINDS, default="ae")
    train.add_argument("--latent", type=positive_int, default=8, help="code size")
    train.add_argument("--hidden", type=hidden_sizes, default=(128,), help="e.g. 128,64")
    train.add_argument("--epochs", type=positive_int, default=100)
    train.add_argument("--batch-size", type=positive_int, default=64)
    train.add_argument("--lr", type=positive_float, default=1e-3)
    train.add_argument("--beta", type=non_negative_float, default=1.0, help="KL weight (VAEs)")
    train.add_argument("--seed", type=non_negative_int, default=0)
    _add_data_arguments(train)
    train.add_argument("--output", default="model.npz", help="where to save the model")
    train.set_defaults(run=run_train, usage=train.format_usage)

    evaluate = commands.add_parser("evaluate", help="test-set figures of a saved model")
    evaluate.add_argument("model", help="a .npz file written by train or demo")
    _add_data_arguments(evaluate)
    evaluate.set_defaults(run=run_evaluate, usage=evaluate.format_usage)

    sample = commands.add_parser("sample", help="draw images from a saved VAE or CVAE")
    sample.add_argument("model", help="a .npz file holding a VAE or CVAE")
    sample.add_argument("--n", type=positive_int, default=16, help="images (per class)")
    sample.add_argument("--label", type=int, help="the class to draw (CVAE)")
    sample.add_argument(
        "--seed", type=non_negative_int, help="seed the draws (default: the saved state)"
    )
    sample.add_argument("--output", default="samples.png")
    sample.set_defaults(run=run_sample, usage=sample.format_usage)
    return parser


def main(argv=None):
    """Run the command line; returns the exit code (0 success, 1 failure, 2 usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # The models multiply small matrices (a batch of 64 by 128 units): a second BLAS
        # thread saves nothing there, and when the cores are busy its spin-waiting can make
        # an epoch a hundred times slower.
        with threadpool_limits(limits=1, user_api="blas"):
            return args.run(args)
    except USAGE_ERRORS as error:
        print(args.usage(), end="", file=sys.stderr)
        print(f"aelearn {args.command}: error: {error}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"aelearn {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"aelearn {args.command}: interrupted", file=sys.stderr)
        return 130
