"""Notebook 09's MNIST parts at the full protocol: autoencoders against PCA, the MLP VAEs.

Dense autoencoders against PCA, the MLP VAE 784-512-2 with the Keras notebook's loss and
with the Bernoulli likelihood, and the vanilla autoencoder's codes, the ones notebook 09
fits a Gaussian mixture to.

Notebook 09 (``notebooks/src/09_mnist.py``) reproduces the lecture's Keras notebook on the
5,000 MNIST digits shipped inside aelearn, with few epochs so that it runs in two minutes.
This script runs the same models longer, at several seeds, and prints mean [min, max] over
the seeds. Everything but the epochs is the notebook's:

- data: ``load_mnist_sample()`` (its stratified split: 4,000 training, 1,000 test digits);
  20% of the training digits held out, ``train_test_split(test_size=0.2, stratify=y,
  random_state=0)``, as the validation data ``fit`` is given; every model trains on the
  other 3,200 (``X_fit``) and is measured on the 1,000 test digits;
- part 1: a linear 784-784 autoencoder ("PCA full"), a linear 784-32-784 ("PCA 32"), the
  784-32-784 with a ReLU code and a sigmoid output ("ReLU/sigmoid", the Keras notebook's
  ``Dense(32, activation="relu")`` then ``Dense(784, activation="sigmoid")``), squared
  error, batch 128, Adam 1e-3; scikit-learn's PCA with 32 components on ``X_fit``.
  Measure: test MSE per pixel;
- part 3: the Keras VAE, 784-512 (ReLU) to a 2-D code and 2-512-784 with a sigmoid output,
  the Gaussian likelihood with ``decoder_std=sqrt(0.5)`` (the summed squared error plus a
  constant, 392 log(pi)); the same networks with the Bernoulli likelihood on pixels binarised
  afresh every batch (``binarize=True``); batch 64, Adam 1e-3. Measures: the Keras loss on
  the test digits (summed squared error + KL, the reconstruction term less the constant,
  10 draws of z), its KL, the test MSE per pixel of the reconstructions; for the Bernoulli
  VAE, in nats per image on the test digits binarised once by ``default_rng(0)``, the
  reconstruction term (10 draws), the KL and -ELBO;
- part 5: the codes of ``X_fit`` of the notebook's "ReLU/sigmoid": the standard deviation
  of each of its 32 units (smallest, largest) and the mean of every code, which the notebook
  prints to show that N(0, I) is no distribution of its codes. The notebook reports no
  number for the decoded draws (from N(0, I), from the Gaussian mixture, from the VAE's
  prior), so neither does this script.

Beside each model, the change of its validation loss (``fit``'s, on the 800 held-out
digits) over the last fifth of its epochs: near 0 when the epochs were enough, negative
while the model still learns, positive once it overfits.

Seed s: every model's ``rng=s`` (its initial weights, then its batch order and draws), the
Keras VAE's decoder drawn first from ``default_rng(s)``, as the notebook does with
``SEED = 0``. ``--notebook-epochs`` runs the notebook's epochs instead (5, 30 and 60; 30 for
the VAEs): at seed 0 it prints the notebook's own figures (checked for parts 1 and 5:
0.0070, 0.0181, 0.0159 and 0.0176; unit std 2.30 to 5.76, mean 0.78).

The convolutional DAE of the notebook's part 2 is ``bench_conv_quality.py``'s; transfer
learning is ``bench_transfer.py``'s.

BLAS threads: aelearn's own choice unless ``--threads N``. Pinning two threads on a machine
whose cores other jobs keep busy made the 784-32-784 autoencoders' epochs about ten times
slower in one run (OpenBLAS's threads wait for each other). The threads change the VAEs'
figures a little (OpenBLAS sums the 784-512 products in another order): seed 0's Keras loss
is 41.53 on one thread, 41.66 on two.

Run: ``python benchmarks/bench_mnist.py [--seeds 0 1 2] [--only dense,vae] [--dense names]
[--threads N] [--notebook-epochs] [--quick]`` (``--quick``: seed 0, 2 epochs each). On a
shared 2-core machine (1-minute load 3 to 7) part 1 took about 4 minutes a seed, and each
seed of part 3 about 28 minutes with two pinned threads, 3 to 7 minutes on one.
"""

import argparse
import contextlib
import os
import subprocess
import time

import measurement
import numpy as np
from quality_common import summary
from sklearn.model_selection import train_test_split

import aelearn
from aelearn.baselines import fit_pca
from aelearn.datasets import load_mnist_sample
from aelearn.models import VAE, Autoencoder
from aelearn.models.autoencoder import Encoder
from aelearn.nn import MLP
from aelearn.reporting import format_table

#: The full protocol's epochs, and notebook 09's (in that order).
DENSE_EPOCHS = {
    "PCA full": (20, 5),
    "PCA 32": (200, 30),
    "ReLU/sigmoid": (200, 60),
}
VAE_EPOCHS = (100, 30)
DENSE_BATCH, VAE_BATCH = 128, 64
#: The Gaussian likelihood's constant at s^2 = 1/2: 784/2 log(2 pi s^2) = 392 log(pi).
KERAS_CONSTANT = 784 / 2 * np.log(2 * np.pi * 0.5)


def load_protocol():
    """(X_fit, X_val, X_test), float32 (n, 784): notebook 09's split."""
    data = load_mnist_sample()
    X_fit, X_val = train_test_split(
        data.X_train, test_size=0.2, stratify=data.y_train, random_state=0
    )
    return X_fit, X_val, data.X_test


def mse(a, b):
    """Mean squared error per pixel."""
    return float(np.mean((np.asarray(a, np.float64) - b) ** 2))


# ----- part 1: dense autoencoders against PCA ----------------------------------------------
def dense_models(seed, names):
    """{name: a new model} of each of ``names`` (keys of DENSE_EPOCHS), seeded with ``seed``."""

    def linear(code):
        return Autoencoder(
            (784, code), activation="identity", output_activation="identity", rng=seed
        )

    builds = {
        "PCA full": lambda: linear(784),
        "PCA 32": lambda: linear(32),
        "ReLU/sigmoid": lambda: relu_autoencoder(seed),
    }
    return {name: builds[name]() for name in names}


def relu_autoencoder(seed):
    """The Keras notebook's 784-32-784, as notebook 09 builds it: Dense(32, relu), then
    Dense(784, sigmoid)."""
    init = np.random.default_rng(seed)  # the encoder's weights first
    encoder = Encoder((784, 32), net=MLP((784, 32), "relu", "relu", rng=init))
    return Autoencoder((784, 32), loss="mse", encoder=encoder, rng=init)


DENSE_NAMES = {
    "PCA full": "linear 784-784 (PCA full)",
    "PCA 32": "linear 784-32-784 (PCA 32)",
    "ReLU/sigmoid": "784-32-784, ReLU code, sigmoid out",
}


def settled(model):
    """The validation loss's change over the last fifth of the epochs: near 0 once the model
    has stopped learning (negative while it still learns, positive once it overfits)."""
    val = model.history_["val_loss"]
    return float(val[-1] - val[-1 - max(1, len(val) // 5)]) if len(val) > 1 else float("nan")


def dense_run(data, seed, epochs):
    """{name: (test MSE, settled)} of the models in ``epochs``, and the codes of X_fit of
    the notebook's "ReLU/sigmoid" (None if it is not among them)."""
    X_fit, X_val, X_test = data
    errors, models = {}, dense_models(seed, list(epochs))
    for name, model in models.items():
        model.fit(
            X_fit, epochs=epochs[name], batch_size=DENSE_BATCH, validation_data=X_val, verbose=False
        )
        errors[name] = (model.reconstruction_error(X_test), settled(model))
    notebooks = models.get("ReLU/sigmoid")
    return errors, None if notebooks is None else notebooks.encode(X_fit)


def dense_tables(data, seeds, epochs):
    X_fit, _, X_test = data
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        runs.append(dense_run(data, seed, epochs))
        errors = {name: round(value, 6) for name, (value, _) in runs[-1][0].items()}
        print(f"  seed {seed}: {errors} ({time.perf_counter() - started:.0f} s)", flush=True)
    pca = fit_pca(X_fit, 32)
    rows = [
        {
            "model": DENSE_NAMES[name],
            "epochs": epochs[name],
            "test MSE": summary([errors[name][0] for errors, _ in runs]),
            "val loss, last fifth": summary([errors[name][1] for errors, _ in runs], "+.3f"),
        }
        for name in epochs
    ]
    pca_error = mse(pca.inverse_transform(pca.transform(X_test)), X_test)
    rows.append({"model": "scikit-learn PCA, 32 components", "epochs": "-", "test MSE": pca_error})
    print(format_table(rows, floatfmt=".5f"))
    if runs[0][1] is None:
        return
    print(
        '\nPart 5: the 32-unit codes of X_fit of notebook 09\'s "ReLU/sigmoid" (the '
        "mixture's data)"
    )
    spreads = [codes.std(axis=0) for _, codes in runs]
    rows = [
        {
            "smallest unit std": summary([s.min() for s in spreads], ".2f"),
            "largest unit std": summary([s.max() for s in spreads], ".2f"),
            "mean of the codes": summary([codes.mean() for _, codes in runs], ".2f"),
        }
    ]
    print(format_table(rows))


# ----- part 3: the MLP VAE 784-512-2 ------------------------------------------------------
def keras_vae(seed):
    """The Keras notebook's VAE: Gaussian p(x|z) with s^2 = 1/2, a sigmoid decoder."""
    init = np.random.default_rng(seed)  # the decoder's weights first, as the notebook draws
    return VAE(
        (784, 512, 2),
        likelihood="gaussian",
        decoder_std=np.sqrt(0.5),
        decoder=MLP((2, 512, 784), "relu", "sigmoid", rng=init),
        rng=init,
    )


def bernoulli_vae(seed):
    return VAE((784, 512, 2), likelihood="bernoulli", binarize=True, rng=seed)


def vae_run(data, seed, epochs):
    X_fit, X_val, X_test = data
    binary_test = (np.random.default_rng(0).random(X_test.shape) < X_test).astype(np.float32)
    keras, bernoulli = keras_vae(seed), bernoulli_vae(seed)
    for vae in (keras, bernoulli):
        vae.fit(X_fit, epochs=epochs, batch_size=VAE_BATCH, validation_data=X_val, verbose=False)
    scores = keras.evaluate(X_test)
    keras_scores = {
        "Keras loss": float(scores["reconstruction"] - KERAS_CONSTANT + scores["kl"]),
        "kl": scores["kl"],
        "test MSE": keras.reconstruction_error(X_test),
        "settled": settled(keras),
    }
    return keras_scores, {**bernoulli.evaluate(binary_test), "settled": settled(bernoulli)}


def vae_tables(data, seeds, epochs):
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        runs.append(vae_run(data, seed, epochs))
        rounded = [{k: round(v, 4) for k, v in scores.items()} for scores in runs[-1]]
        print(f"  seed {seed}: {rounded} ({time.perf_counter() - started:.0f} s)", flush=True)
    keras = [scores for scores, _ in runs]
    print(
        f"Keras loss (MSE x 784 + KL; the Gaussian likelihood's constant {KERAS_CONSTANT:.2f} "
        "taken off), on the 1,000 test digits:"
    )
    row = {"epochs": epochs}
    row["Keras loss"] = summary([s["Keras loss"] for s in keras], ".2f")
    row["of which KL"] = summary([s["kl"] for s in keras], ".2f")
    row["test MSE per pixel"] = summary([s["test MSE"] for s in keras], ".4f")
    row["val loss, last fifth"] = summary([s["settled"] for s in keras], "+.2f")
    print(format_table([row]))
    bernoulli = [scores for _, scores in runs]
    print("\nBernoulli, binarised pixels: nats per test digit (binarised once, default_rng(0)):")
    row = {"epochs": epochs}
    for term, name in (("reconstruction", "reconstruction"), ("kl", "KL"), ("neg_elbo", "-ELBO")):
        row[name] = summary([s[term] for s in bernoulli], ".2f")
    row["val loss, last fifth"] = summary([s["settled"] for s in bernoulli], "+.2f")
    print(format_table([row]))


def uptime():
    """The `uptime` line (the time, and the 1-, 5- and 15-minute load averages)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", default="dense,vae", help="dense (parts 1 and 5), vae (part 3)")
    parser.add_argument(
        "--dense",
        default=",".join(DENSE_EPOCHS),
        help=f"part 1's models, from {', '.join(DENSE_EPOCHS)} (all by default)",
    )
    parser.add_argument(
        "--threads", type=int, help="BLAS threads (default: aelearn's choice, as the notebook)"
    )
    parser.add_argument(
        "--notebook-epochs", action="store_true", help="notebook 09's epochs, not the full ones"
    )
    parser.add_argument("--quick", action="store_true", help="seed 0, 2 epochs each (smoke run)")
    args = parser.parse_args(argv)
    which = 1 if args.notebook_epochs else 0
    names = args.dense.split(",")
    if set(names) - set(DENSE_EPOCHS):
        parser.error(f"--dense takes names from {list(DENSE_EPOCHS)}, got {names}")
    dense_epochs = {name: DENSE_EPOCHS[name][which] for name in names}
    vae_epochs, seeds = VAE_EPOCHS[which], args.seeds
    if args.quick:
        dense_epochs, vae_epochs, seeds = dict.fromkeys(names, 2), 2, [0]
    print(uptime(), flush=True)
    data = load_protocol()
    started = time.perf_counter()
    threads = "aelearn's choice of" if args.threads is None else args.threads
    pinned = (
        contextlib.nullcontext() if args.threads is None else aelearn.blas_threads(args.threads)
    )
    with pinned:
        print(f"machine: {measurement.machine_description()}")
        print(f"BLAS: {measurement.blas_description()}")
        print(
            f"MNIST sample shipped with aelearn: fit {data[0].shape}, validation "
            f"{data[1].shape}, test {data[2].shape}; seeds {seeds}, {threads} BLAS threads "
            "(threadpoolctl's count above is the libraries' own); Adam 1e-3; mean [min, max] "
            "over seeds"
        )
        if "dense" in args.only:
            print(
                f"\nPart 1: dense autoencoders against PCA, batch {DENSE_BATCH}, test MSE per pixel"
            )
            dense_tables(data, seeds, dense_epochs)
        if "vae" in args.only:
            print(f"\nPart 3: the MLP VAE 784-512-2, batch {VAE_BATCH}")
            vae_tables(data, seeds, vae_epochs)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    print(uptime())


if __name__ == "__main__":
    main()
