"""Autoencoders on digits against PCA and PyTorch: test reconstruction error per element.

Protocol: ``aelearn.datasets.load_digits()`` (default split: 1,437 train, 360 test, float32
in [0, 1]); Adam with lr=1e-3, batch 64, 300 epochs; seeds 0..3. Models:

- linear 64-8-64, squared error (the autoencoder PCA solves in closed form);
- ReLU 64-128-k-128-64 with a sigmoid output and squared error, k = 2 and 8.

Reported: test MSE per element, mean and [min, max] over seeds, beside PCA with k
components and beside the same protocol in PyTorch (when torch is importable; otherwise the
reference figures measured earlier). Then the principal angles between the linear
decoder's subspace and PCA's, and a table of test error against code size for PCA and the
ReLU autoencoder.

The PyTorch column is written as a PyTorch user would: ``nn.Linear`` with its default
initialisation, ``F.mse_loss`` (a per-element mean; aelearn sums over the 64 pixels, a
scale Adam divides out), the same batches drawn from a NumPy Generator seeded alike.

Run: ``python benchmarks/bench_autoencoders.py`` (a few minutes; ``--quick`` for a smoke
run of 2 seeds and 30 epochs).
"""

import os

# Small matrices: on a 2-core machine shared with other jobs, a multi-threaded BLAS spends
# more time waking its threads than multiplying (20 times slower, measured). One thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time

import numpy as np
from quality_common import summary, torch_available

from aelearn.baselines import (
    pca_reconstruction_error,
    reconstruction_error_table,
    subspace_angles_to_pca,
)
from aelearn.datasets import load_digits
from aelearn.models import Autoencoder
from aelearn.reporting import format_table

# Figures from an earlier run of this protocol in PyTorch, shown when torch is absent.
TORCH_REFERENCE = {"linear k=8": 0.02483, "ReLU k=2": 0.03556, "ReLU k=8": 0.01188}
CODE_SIZES = (2, 4, 8, 16, 32)


def architecture(name):
    """(sizes, activation, output_activation) of the aelearn Autoencoder for a model name."""
    kind, k = name.split(" k=")
    if kind == "linear":
        return (64, int(k)), "identity", "identity"
    return (64, 128, int(k)), "relu", "sigmoid"


def train_aelearn(name, data, seed, epochs):
    """Test MSE per element of one aelearn autoencoder, and the model."""
    sizes, activation, output = architecture(name)
    model = Autoencoder(
        sizes, activation=activation, output_activation=output, loss="mse", rng=seed
    )
    model.fit(data.X_train, epochs=epochs, batch_size=64, lr=1e-3)
    return model.reconstruction_error(data.X_test), model


def train_torch(name, data, seed, epochs):
    """Test MSE per element of the same autoencoder in PyTorch, trained on the same protocol."""
    import torch

    sizes, activation, output = architecture(name)
    torch.manual_seed(seed)
    widths = (*sizes, *sizes[-2::-1])  # 64-128-k-128-64, or 64-k-64
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out))
        last_of_half = i in (len(sizes) - 2, len(widths) - 2)  # the code and the output
        if activation == "relu" and not last_of_half:
            layers.append(torch.nn.ReLU())
    if output == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    net = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    X = torch.from_numpy(data.X_train)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        for start in range(0, len(X), 64):
            xb = X[order[start : start + 64]]
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(net(xb), xb).backward()
            optimizer.step()
    with torch.no_grad():
        X_test = torch.from_numpy(data.X_test)
        return float(torch.mean((net(X_test) - X_test) ** 2, dtype=torch.float64))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="2 seeds, 30 epochs")
    args = parser.parse_args(argv)
    seeds, epochs = (2, 30) if args.quick else (args.seeds, args.epochs)
    data = load_digits()
    with_torch = torch_available()
    started = time.perf_counter()
    print(f"digits: train {data.X_train.shape}, test {data.X_test.shape}, {data.X_train.dtype}")
    print(f"Adam lr 1e-3, batch 64, {epochs} epochs, seeds 0..{seeds - 1}; test MSE per element\n")

    names = ["linear k=8", "ReLU k=2", "ReLU k=8"] + [f"ReLU k={k}" for k in (4, 16, 32)]
    errors, torch_errors, linear_models = {}, {}, []
    for name in names:
        errors[name] = []
        for seed in range(seeds):
            error, model = train_aelearn(name, data, seed, epochs)
            errors[name].append(error)
            if name.startswith("linear"):
                linear_models.append(model)
        if with_torch and name in TORCH_REFERENCE:
            torch_errors[name] = [train_torch(name, data, s, epochs) for s in range(seeds)]

    rows = []
    for name in TORCH_REFERENCE:
        k = int(name.split("=")[1])
        rows.append(
            {
                "model": name,
                "aelearn mean [min, max]": summary(errors[name]),
                "torch mean [min, max]": summary(torch_errors[name]) if with_torch else None,
                "torch reference": TORCH_REFERENCE[name],
                "PCA": pca_reconstruction_error(data.X_train, data.X_test, k),
            }
        )
    print(format_table(rows))
    if not with_torch:
        print("(torch not importable: the torch column is empty; the reference is from PyTorch)")

    # PCA's 8th and 9th variances are close, so the error hardly depends on how the last
    # direction turns between them, and Adam turns it slowly: ten times the epochs show where
    # the same optimiser ends (a few seconds per seed for this small linear model).
    long = [train_aelearn("linear k=8", data, seed, 10 * epochs)[1] for seed in range(seeds)]
    print("\nLinear 64-8-64: principal angles (degrees) between the decoder's subspace and PCA's")
    angle_rows = []
    for n_epochs, models in ((epochs, linear_models), (10 * epochs, long)):
        for seed, model in enumerate(models):
            W = model.decoder.net.dense_layers[0].weight.data  # (latent_dim, n_features)
            angles = subspace_angles_to_pca(W, data.X_train)
            angle_rows.append(
                {
                    "epochs": n_epochs,
                    "seed": seed,
                    "test mse": model.reconstruction_error(data.X_test),
                    "largest": angles[0],
                    "median": np.median(angles),
                    "smallest": angles[-1],
                }
            )
    print(format_table(angle_rows, floatfmt=".5g"))

    print("\nTest MSE per element against code size k (ReLU AE: mean over seeds):")
    relu_mean = {k: float(np.mean(errors[f"ReLU k={k}"])) for k in CODE_SIZES}
    table = reconstruction_error_table(data.X_train, data.X_test, CODE_SIZES, relu_mean)
    for row in table:
        row["ae / pca"] = row["autoencoder_mse"] / row["pca_mse"]
    print(format_table(table, floatfmt=".5f"))
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
