"""Curves and scatters: loss histories, error against code size, latent codes, gradient checks."""

import numpy as np
from matplotlib.colors import BoundaryNorm

from aelearn.plotting.figure import new_figure


def plot_history(history, keys=None, title=None):
    """Training curves, one axes per loss term, validation dashed.

    ``history`` is a History or a dict {term: values per epoch}, with "val_<term>" for the
    validation data; a History also gives each axis its term's unit ("nats/example").
    ``keys`` are the terms to plot (default: "loss", then a VAE's "reconstruction" and "kl").
    """
    if keys is None:
        keys = [k for k in ("loss", "reconstruction", "kl") if k in history]
    missing = [k for k in keys if k not in history]
    if not keys or missing:
        available = sorted(history.keys())
        raise ValueError(f"history has no record of {missing or keys}; it holds {available}")
    fig = new_figure((4.0 * len(keys), 3.2))
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys, strict=True):
        train = np.asarray(history[key], dtype=np.float64)
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, color="C0", label="training")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], color="C1", linestyle="--", label="validation")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        unit = history.unit(key) if hasattr(history, "unit") else ""
        ax.set_ylabel(f"{key} ({unit})" if unit else key)
        ax.legend(frameon=False)
    fig.suptitle(title or "Training history")
    return fig


def plot_error_vs_code_size(rows, title=None):
    """Test reconstruction error against code size, one line per method: per key ending in
    ``_mse`` of the rows of ``aelearn.baselines.reconstruction_error_table`` (None skipped)."""
    rows = list(rows)
    if not rows or any("code_size" not in row for row in rows):
        raise ValueError("rows must be a non-empty list of dicts, each with a 'code_size' key")
    keys = list(dict.fromkeys(k for row in rows for k in row if k.endswith("_mse")))
    fig = new_figure((5.5, 3.8))
    ax = fig.subplots()
    for i, key in enumerate(keys):
        points = [(row["code_size"], row[key]) for row in rows if row.get(key) is not None]
        if points:
            x, y = zip(*sorted(points), strict=True)
            # PCA is the reference: black and dashed, on top, so a line on it stays visible.
            if key == "pca_mse":
                ax.plot(x, y, marker="o", label="PCA", color="black", linestyle="--", zorder=3)
            else:
                label = key.removesuffix("_mse").replace("_", " ")
                ax.plot(x, y, marker="o", label=label, color=f"C{i}")
    ax.set_xticks(sorted({row["code_size"] for row in rows}))
    ax.set_xlabel("code size (latent units)")
    ax.set_ylabel("test MSE per pixel")
    ax.legend(frameon=False)
    ax.set_title(title or "Reconstruction error against code size")
    return fig


def plot_latent_scatter(codes, labels, title=None):
    """2-D codes of several models side by side, coloured by class, one shared colour bar.

    ``codes`` maps each panel's title to its codes of shape (n_samples, 2), e.g.
    {"PCA": ..., "VAE": ...}; ``labels`` holds the n_samples integer classes.
    """
    labels = np.asarray(labels)
    if not codes:
        raise ValueError("codes must hold at least one {name: (n_samples, 2) array}")
    n_classes = int(labels.max()) + 1
    norm = BoundaryNorm(np.arange(-0.5, n_classes), n_classes)
    fig = new_figure((3.6 * len(codes) + 0.8, 3.6))
    axes = fig.subplots(1, len(codes), squeeze=False)[0]
    for ax, (name, z) in zip(axes, codes.items(), strict=True):
        z = np.asarray(z, dtype=np.float64)
        if z.shape != (len(labels), 2):
            raise ValueError(f"codes[{name!r}] must have shape ({len(labels)}, 2); got {z.shape}")
        points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", norm=norm, s=8, alpha=0.8)
        ax.set_title(name)
        ax.set_xlabel("z1")
        ax.set_ylabel("z2")
    colorbar = fig.colorbar(points, ax=list(axes), ticks=np.arange(n_classes))
    colorbar.set_label("class")
    fig.suptitle(title or "Two-dimensional codes of the test set")
    return fig


def plot_gradcheck(report):
    """The relative error of each gradient of a ``GradcheckReport``, on a log scale, with
    the tolerance: green bars pass, red fail. An error of exactly 0 is drawn at 1e-17, below
    anything float64 rounding produces."""
    rows = report.rows
    errors = np.array([max(r.rel_error, 1e-17) for r in rows])
    colors = ["tab:green" if r.passed else "tab:red" for r in rows]
    fig = new_figure((max(4.0, 0.9 * len(rows) + 1.5), 3.6))
    ax = fig.subplots()
    ax.bar(np.arange(len(rows)), errors, color=colors)
    ax.set_yscale("log")
    ax.axhline(
        report.rtol, color="black", linestyle="--", label=f"tolerance rtol = {report.rtol:g}"
    )
    ax.set_xticks(np.arange(len(rows)), [f"{r.name}\n{r.shape}" for r in rows])
    ax.set_xlabel("tensor")
    ax.set_ylabel("relative error, analytic vs numeric")
    ax.legend(frameon=False)
    verdict = "passed" if report.passed else "FAILED"
    ax.set_title(f"Gradient check {verdict}")
    return fig
