"""The demo: an autoencoder, a denoising autoencoder, a VAE and a CVAE trained on the digits,
each compared with PCA at the same code size (``aelearn demo``); and what the command line
shares with it: the four kinds of model (``build_model``) and their test-set figures
(``held_out_metrics``).
"""

import json
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import aelearn
from aelearn import io
from aelearn.baselines import pca_reconstruction_error
from aelearn.datasets import load_digits
from aelearn.models import CVAE, VAE, Autoencoder, DenoisingAutoencoder
from aelearn.nn import corrupt
from aelearn.reporting import format_table

KINDS = ("ae", "dae", "vae", "cvae")
KIND_NAMES = {"ae": "autoencoder", "dae": "denoising AE", "vae": "VAE", "cvae": "CVAE"}
#: The demo's settings: enough epochs for every model to pass PCA's error at the same code
#: size where it can, in about a minute for all four on a laptop core.
DEMO = {
    "latent_dim": 8, "hidden_sizes": (128,), "epochs": 300, "quick_epochs": 3, "lr": 2e-3,
    "seed": 0,
}  # fmt: skip
#: Each kind's class and its settings beyond the widths.
MODELS = {
    "ae": (Autoencoder, {}),
    "dae": (DenoisingAutoencoder, {"noise": "masking", "noise_level": 0.3}),
    "vae": (VAE, {}),
    "cvae": (CVAE, {}),
}


def build_model(
    kind,
    n_features,
    hidden_sizes,
    latent_dim,
    beta=1.0,
    n_classes=10,
    seed=0,
    image_shape=None,
    filters=(),
):
    """A new model of ``kind`` (one of ``KINDS``) with sizes (n_features, *hidden_sizes,
    latent_dim); convolutional when ``filters`` lists channels (then ``image_shape`` is
    (channels, height, width) and ``hidden_sizes`` the dense layers after the convolutions)."""
    cls, settings = MODELS[kind]
    settings = {**settings, "rng": seed}
    if kind in ("vae", "cvae"):
        settings["beta"] = beta
    if kind == "cvae":
        settings["n_classes"] = n_classes
    if filters:
        return cls.convolutional(image_shape, tuple(filters), latent_dim, hidden_sizes, **settings)
    return cls((n_features, *hidden_sizes, latent_dim), **settings)


def held_out_metrics(model, data):
    """Test-set figures: the MSE per element for every model; -ELBO and KL (nats per example)
    for a model that offers ``evaluate`` (the VAE family)."""
    X, y = data.X_test, data.y_test
    reconstruction = model.reconstruct(X, y)  # a model that takes no labels ignores y
    metrics = {"test_mse": float(np.mean((reconstruction - X) ** 2, dtype=np.float64))}
    if hasattr(model, "evaluate"):
        terms = model.evaluate(X, y)
        metrics.update(neg_elbo=terms["neg_elbo"], kl=terms["kl"])
    return metrics


def fit_timed(model, data, epochs, batch_size, lr, every):
    """Train ``model`` on the training set (with its labels, if it takes them); the seconds."""
    start = time.perf_counter()
    model.fit(
        data.X_train, data.y_train, epochs=epochs, batch_size=batch_size, lr=lr, verbose=every
    )
    return time.perf_counter() - start


def save_figure(fig, path):
    """Write ``fig`` to ``path`` and close it (pyplot keeps every figure until closed)."""
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def demo_figures(model, kind, data, out, seed):
    """Reconstructions and training curves of one demo model, and samples if it can sample."""
    from aelearn.plotting import plot_history, plot_reconstructions, plot_samples

    name, shape = KIND_NAMES[kind], data.image_shape
    X, y = data.X_test[:10], data.y_test[:10]
    if kind == "dae":  # show the denoising model the corrupted digits
        noisy = corrupt(X, model.noise, model.noise_level, np.random.default_rng(seed))
        reconstruction = model.denoise(noisy)
    else:
        noisy, reconstruction = None, model.reconstruct(X, y)
    title = f"{name}: test digits and reconstructions"
    fig = plot_reconstructions(X, reconstruction, noisy, 10, shape, title)
    save_figure(fig, out / f"reconstructions_{kind}.png")
    fig = plot_history(model.history_, title=f"{name}: training")
    save_figure(fig, out / f"history_{kind}.png")
    if not hasattr(model, "sample"):
        return
    if model.takes_labels:
        classes = range(model.n_classes)
        images = np.concatenate([model.sample(10, label=c) for c in classes])
        fig = plot_samples(
            images, shape, 10, [str(c) for c in classes], f"{name} samples, one class per row"
        )
    else:
        images = model.sample(30)
        fig = plot_samples(images, shape, 10, title=f"{name} samples, z ~ N(0, I)")
    save_figure(fig, out / f"samples_{kind}.png")


#: The unit of every figure the demo and the command line report.
METRIC_UNITS = {
    "test_mse": "squared error per pixel, mean over the test images",
    "neg_elbo": "nats per test image, 10 draws of z",
    "kl": "nats per test image",
    "seconds": "seconds of training",
}
#: The table's column headers: each figure's name with its unit.
METRIC_HEADERS = {
    "test_mse": "test MSE per pixel",
    "neg_elbo": "-ELBO nats/example",
    "kl": "KL nats/example",
    "seconds": "train s",
}


def run_demo(output="aelearn-output", quick=False, seed=DEMO["seed"]):
    """Train the four models on the digits, write their figures, models and ``metrics.json``
    to the folder ``output``, and print a table of their test-set figures beside PCA's.

    ``output`` is created if need be; ``quick`` trains for ``DEMO["quick_epochs"]`` epochs
    instead of ``DEMO["epochs"]`` (a smoke test); ``seed`` seeds every model's Generator and
    the DAE figure's corruption. Returns the dict ``metrics.json`` holds.
    """
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    data = load_digits()
    epochs = DEMO["quick_epochs"] if quick else DEMO["epochs"]
    latent = DEMO["latent_dim"]
    rows, metrics, total = [], {}, time.perf_counter()
    for kind in KINDS:
        name = KIND_NAMES[kind]
        model = build_model(kind, data.n_features, DEMO["hidden_sizes"], latent, seed=seed)
        print(f"\n{name}: {model!r}, {epochs} epochs")
        seconds = fit_timed(model, data, epochs, 64, DEMO["lr"], max(1, epochs // 5))
        figures = held_out_metrics(model, data)
        metrics[kind] = {"model": name, "epochs": epochs, "seconds": seconds, **figures}
        rows.append({"model": name, **figures, "seconds": seconds})
        io.save(model, out / f"{kind}.npz")
        demo_figures(model, kind, data, out, seed)
    pca = pca_reconstruction_error(data.X_train, data.X_test, latent)
    rows.append({"model": f"PCA ({latent} components)", "test_mse": pca})
    metrics["pca"] = {"model": "PCA", "n_components": latent, "test_mse": pca}
    columns = ["model", "test_mse", "neg_elbo", "kl", "seconds"]
    print(f"\ndigits test set ({len(data.X_test)} images), latent size {latent}:")
    print(format_table(rows, columns, headers=METRIC_HEADERS))
    summary = {
        "aelearn_version": aelearn.__version__,
        "data": data.name,
        "latent_dim": latent,
        "seed": seed,
        "quick": quick,
        "total_seconds": time.perf_counter() - total,
        "units": METRIC_UNITS,
        "models": metrics,
    }
    (out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {out / 'metrics.json'}")
    return summary
