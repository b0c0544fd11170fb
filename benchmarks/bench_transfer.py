"""Transfer learning with few labels on MNIST: new heads on frozen codes, pixels and PCA.

A new softmax head on frozen codes against raw pixels and standardised PCA: the full protocol
of notebook 9's transfer section.

Data: the 5,000 MNIST digits shipped with aelearn (``load_mnist_sample``), split as the
notebook splits them: 1,000 test digits, and the 4,000 training digits split by
``train_test_split(test_size=0.2, stratify=y, random_state=0)`` into 3,200 for fitting
(``X_fit``) and 800 for the validation loss. The noise, as the course's Keras notebook draws
it: N(0.5, 0.5) per pixel, added and clipped to [0, 1], drawn once from
``default_rng(0)`` for the fitting, validation and test images in that order.

Encoders, trained without labels on ``X_fit`` (seed 0), for longer than the notebook trains
them (``--dense-epochs``, ``--conv-epochs``):

- clean digits: the dense autoencoder 784-32-784 with a ReLU code (sigmoid output, squared error,
  batch 128), and the convolutional autoencoder of the course (Conv2d 32 and 64, 3x3,
  stride 2, code of 16, the transposed mirror; squared error, batch 32) on the clean images;
- noisy digits: the same convolutional network as a denoising autoencoder, trained on the
  fixed (noisy, clean) pairs, as the notebook's.

Baselines: the raw pixels (clean or noisy), and PCA fitted on the same images (32 components
for clean digits, 16 for noisy ones, as in the notebook), each component divided by its
standard deviation.

Heads: for every label count n (``--labels``) and every draw (seed = the draw's index,
``--draws``), n // 10 images of each digit are drawn from ``X_fit`` with
``default_rng(seed)``, and for every input a new ``Classifier`` (one softmax layer, its
weights drawn from the same seed) trains by 300 full-batch steps of Adam at 1e-2
(``--steps``, ``--lr``), the same for every input. An encoder is frozen, so its codes are
computed once and the head trained on them (notebook 9 prints that this gives the heads
``Classifier(encoder, ...)`` trains, to float rounding); PCA's standardised components
likewise, and each encoder's codes are given both as they are and standardised (each
minus its mean on ``X_fit``, over its std). Reported: the test accuracy on the 1,000 test
digits, mean ± standard deviation over the draws, and for each encoder its gain over the
best baseline at that count, mean ± std over the same draws.

Run: ``python benchmarks/bench_transfer.py [--draws 10] [--labels 10 30 100 300 1000]
[--dense-epochs 100] [--conv-epochs 15]`` (about three minutes on two quiet cores, two of
them the two convolutional autoencoders; ``--quick``: 2 draws, 2 and 1 epochs).
"""

import argparse
import os
import time

import measurement
import numpy as np
from sklearn.model_selection import train_test_split

from aelearn.baselines import fit_pca
from aelearn.datasets import load_mnist_sample
from aelearn.models import Autoencoder, Classifier, Encoder
from aelearn.nn import MLP
from aelearn.reporting import format_table

SEED = 0


def load_protocol():
    """{"X_fit", "y_fit", "X_val", "X_test", "y_test", and the noisy_ of X_fit, X_val,
    X_test}: the notebook's split and noise."""
    data = load_mnist_sample()
    X_fit, X_val, y_fit, _ = train_test_split(
        data.X_train, data.y_train, test_size=0.2, stratify=data.y_train, random_state=SEED
    )
    rng = np.random.default_rng(SEED)
    out = {"X_fit": X_fit, "y_fit": y_fit, "X_val": X_val}
    out |= {"X_test": data.X_test, "y_test": data.y_test}
    for name in ("X_fit", "X_val", "X_test"):
        noisy = np.clip(out[name] + rng.normal(0.5, 0.5, out[name].shape), 0, 1)
        out["noisy_" + name[2:]] = noisy.astype(np.float32)
    return out


def train(model, X, target, epochs, batch_size, validation_data):
    """Fit, print the epochs, seconds and the last validation losses; return the model."""
    start = time.perf_counter()
    model.fit(
        X,
        target,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        verbose=False,
    )
    val = model.history_["val_loss"]
    change = val[-1] - val[max(0, len(val) - 4)]
    print(
        f"  {epochs} epochs, batch {batch_size}, {time.perf_counter() - start:.0f} s: "
        f"validation loss {val[-1]:.2f}, {change:+.2f} over the last 3 epochs",
        flush=True,
    )
    return model


def standardised_pca(X_fit, X_test, n_components):
    """PCA fitted on X_fit; both sets' components, each divided by its std on X_fit."""
    pca = fit_pca(X_fit, n_components)
    scale = np.sqrt(pca.explained_variance_)
    return (pca.transform(X_fit) / scale).astype(np.float32), (
        pca.transform(X_test) / scale
    ).astype(np.float32)


def standardised(pair):
    """(fit rows, test rows), each feature minus its mean on the fit rows, over its std."""
    F, G = pair
    mean, std = F.mean(axis=0), F.std(axis=0) + 1e-6
    return (F - mean) / std, (G - mean) / std


def features(d, dense_epochs, conv_epochs):
    """{case: {input: (rows aligned with X_fit, test rows)}}; the encoders listed first."""
    print("dense autoencoder 784-32-784 on the clean images:", flush=True)
    init = np.random.default_rng(SEED)  # as notebook 9: the ReLU code's weights first
    relu_code = Encoder((784, 32), net=MLP((784, 32), "relu", "relu", rng=init))
    ae = Autoencoder((784, 32), loss="mse", encoder=relu_code, rng=init)
    train(ae, d["X_fit"], None, dense_epochs, 128, d["X_val"])

    def conv_net():
        return Autoencoder.convolutional(
            image_shape=(1, 28, 28), filters=(32, 64), latent_dim=16, loss="mse", rng=SEED
        )

    print("convolutional autoencoder on the clean images:", flush=True)
    conv_ae = train(conv_net(), d["X_fit"], None, conv_epochs, 32, d["X_val"])
    print("convolutional denoising autoencoder on the (noisy, clean) pairs:", flush=True)
    conv_dae = train(
        conv_net(), d["noisy_fit"], d["X_fit"], conv_epochs, 32, (d["noisy_val"], d["X_val"])
    )
    conv_codes = (conv_ae.encode(d["X_fit"]), conv_ae.encode(d["X_test"]))
    dae_codes = (conv_dae.encode(d["noisy_fit"]), conv_dae.encode(d["noisy_test"]))
    clean = {
        "frozen conv AE encoder": conv_codes,
        "frozen conv AE encoder, standardised": standardised(conv_codes),
        "frozen dense AE encoder": (ae.encode(d["X_fit"]), ae.encode(d["X_test"])),
        "raw pixels": (d["X_fit"], d["X_test"]),
        "PCA 32, standardised": standardised_pca(d["X_fit"], d["X_test"], 32),
    }
    noisy = {
        "frozen conv DAE encoder": dae_codes,
        "frozen conv DAE encoder, standardised": standardised(dae_codes),
        "raw noisy pixels": (d["noisy_fit"], d["noisy_test"]),
        "PCA 16, standardised": standardised_pca(d["noisy_fit"], d["noisy_test"], 16),
    }
    return {"clean digits": clean, "noisy digits": noisy}


def labelled(y, n, seed):
    """The indices of n // 10 images of each digit of y, drawn with default_rng(seed)."""
    draw = np.random.default_rng(seed)
    return np.concatenate(
        [draw.choice(np.flatnonzero(y == c), n // 10, replace=False) for c in range(10)]
    )


def few_labels(inputs, y_fit, y_test, counts, draws, steps, lr):
    """{(n, input): array of the test accuracy of each draw}, every head trained alike."""
    accuracy = {}
    for n in counts:
        for seed in draws:
            index = labelled(y_fit, n, seed)
            for name, (F, G) in inputs.items():
                head = Classifier(None, 10, n_features=F.shape[1], rng=seed)
                head.fit(F[index], y_fit[index], epochs=steps, batch_size=n, lr=lr, verbose=False)
                accuracy.setdefault((n, name), []).append(head.score(G, y_test))
    return {key: np.array(value) for key, value in accuracy.items()}


def table(accuracy, names, counts):
    """Rows of mean ± std per input, and each encoder's gain over the best baseline."""
    encoders = [name for name in names if name.startswith("frozen")]
    baselines = [name for name in names if name not in encoders]
    rows = []
    for n in counts:
        row = {"labels": n}
        row |= {k: f"{accuracy[n, k].mean():.3f} ± {accuracy[n, k].std():.3f}" for k in names}
        best = max(baselines, key=lambda k: accuracy[n, k].mean())
        for k in encoders:
            gain = accuracy[n, k] - accuracy[n, best]
            short = k.removeprefix("frozen ").replace(" encoder", "").replace("standardised", "std")
            row[f"{short} gain"] = f"{gain.mean():+.3f} ± {gain.std():.3f}"
        rows.append(row)
    return format_table(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10, help="draws per count (seeds 0..)")
    parser.add_argument("--labels", type=int, nargs="+", default=[10, 30, 100, 300, 1000])
    parser.add_argument("--dense-epochs", type=int, default=100)
    parser.add_argument("--conv-epochs", type=int, default=15)
    parser.add_argument("--steps", type=int, default=300, help="full-batch Adam steps per head")
    parser.add_argument("--lr", type=float, default=1e-2, help="the heads' Adam learning rate")
    parser.add_argument("--quick", action="store_true", help="2 draws, 2 and 1 epochs")
    args = parser.parse_args(argv)
    draws, dense_epochs, conv_epochs = range(args.draws), args.dense_epochs, args.conv_epochs
    if args.quick:
        draws, dense_epochs, conv_epochs = range(2), 2, 1
    print(f"machine: {measurement.machine_description()}")
    print(f"BLAS: {measurement.blas_description()}")
    print("load average at the start: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))
    started = time.perf_counter()
    d = load_protocol()
    print(
        f"MNIST sample: fit {d['X_fit'].shape}, validation {d['X_val'].shape}, test "
        f"{d['X_test'].shape}; labels {args.labels}; draws (seeds) {list(draws)}; heads: "
        f"{args.steps} full-batch Adam steps at {args.lr}"
    )
    for case, inputs in features(d, dense_epochs, conv_epochs).items():
        accuracy = few_labels(
            inputs, d["y_fit"], d["y_test"], args.labels, draws, args.steps, args.lr
        )
        print(f"\n{case}: test accuracy, mean ± std over {len(draws)} draws; gain: encoder minus")
        print("the best baseline at that count, mean ± std over the same draws")
        print(table(accuracy, list(inputs), args.labels))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    print("load average at the end: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
