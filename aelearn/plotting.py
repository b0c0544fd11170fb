"""Figures for the course, matplotlib only.

Every function returns a ``matplotlib.figure.Figure`` built without pyplot: nothing is
shown, nothing is registered with pyplot's figure manager (so nothing needs closing), and
the figures render the same under the headless Agg backend as in a notebook, where a
Figure returned by the last line of a cell is displayed once. Save one with
``fig.savefig(path)``.

Images are flattened rows of ``(n_samples, n_features)`` arrays with values in [0, 1];
``image_shape`` says how to fold a row back into a picture, (8, 8) for the digits.
"""

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

#: Pixels in [0, 1], ink dark on white paper; values outside are clipped by the colour map,
#: and the NaN gaps between tiled images are white.
IMAGE_STYLE = {
    "cmap": colormaps["gray_r"].with_extremes(bad="white"),
    "vmin": 0.0,
    "vmax": 1.0,
    "interpolation": "nearest",
}


def _as_images(images, image_shape, name="images"):
    """Check a (n, n_features) array against ``image_shape``; return (n, height, width)."""
    images = np.asarray(images, dtype=np.float64)
    height, width = (int(s) for s in image_shape)
    if images.ndim != 2 or images.shape[1] != height * width:
        raise ValueError(
            f"{name} must have shape (n_samples, {height * width}) for image_shape "
            f"{tuple(image_shape)}; got {images.shape}"
        )
    return images.reshape(-1, height, width)


def _mosaic(images, n_cols, pad=1):
    """Tile (n, h, w) images into one array, row-major, ``pad`` NaN pixels between them.

    NaN shows as the colour map's "bad" colour, so the gaps stay blank whatever the data.
    """
    n, h, w = images.shape
    n_rows = -(-n // n_cols)
    out = np.full((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return out


def _show_mosaic(ax, mosaic, **kwargs):
    image = ax.imshow(mosaic, **IMAGE_STYLE, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def plot_reconstructions(
    originals, reconstructions, noisy=None, n=10, image_shape=(8, 8), title=None
):
    """Originals above their reconstructions (and the corrupted inputs between, if given).

    Parameters
    ----------
    originals, reconstructions : array_like of shape (n_samples, n_features)
    noisy : array_like of shape (n_samples, n_features), optional
        The corrupted inputs a denoising model saw.
    n : int, default=10
        How many examples to show, the first n.
    image_shape : tuple of int, default=(8, 8)
    title : str, optional

    Returns
    -------
    Figure
        One row (axes) per kind of image: "original", ["noisy",] "reconstruction".
    """
    rows = [("original", originals)]
    if noisy is not None:
        rows.append(("noisy input", noisy))
    rows.append(("reconstruction", reconstructions))
    rows = [(label, _as_images(x, image_shape, label)[:n]) for label, x in rows]
    if len({len(x) for _, x in rows}) != 1:
        raise ValueError(
            "originals, noisy and reconstructions must hold the same number of images; got "
            + ", ".join(f"{label}: {len(x)}" for label, x in rows)
        )
    n_shown = len(rows[0][1])
    fig = Figure(figsize=(max(4.0, 0.75 * n_shown), 0.9 * len(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (label, images) in zip(axes, rows, strict=True):
        _show_mosaic(ax, _mosaic(images, n_shown))
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
    fig.suptitle(title or "Reconstructions")
    return fig


def plot_history(history, keys=None, title=None):
    """Training curves, one panel per loss term, validation dashed.

    Parameters
    ----------
    history : aelearn.training.History or dict of {str: sequence of float}
        ``history["loss"]`` per epoch and, when there was validation data,
        ``history["val_loss"]``; likewise for any other term.
    keys : sequence of str, optional
        The terms to plot. Default: "loss", then "reconstruction" and "kl" when present
        (the two terms of a VAE's negative ELBO).
    title : str, optional

    Returns
    -------
    Figure
        One axes per key.
    """
    if keys is None:
        keys = [k for k in ("loss", "reconstruction", "kl") if k in history]
    missing = [k for k in keys if k not in history]
    if not keys or missing:
        available = sorted(history.keys())
        raise ValueError(f"history has no record of {missing or keys}; it holds {available}")
    fig = Figure(figsize=(4.0 * len(keys), 3.2), layout="constrained")
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys, strict=True):
        train = np.asarray(history[key], dtype=np.float64)
        epochs = np.arange(1, len(train) + 1)
        ax.plot(epochs, train, color="C0", label="training")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], color="C1", linestyle="--", label="validation")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{key} (per example)")
        ax.legend(frameon=False)
    fig.suptitle(title or "Training history")
    return fig


def _series_label(key):
    name = key.removesuffix("_mse")
    return "PCA" if name == "pca" else name.replace("_", " ")


def plot_error_vs_code_size(rows, title=None):
    """Test reconstruction error against code size, one line per method.

    Parameters
    ----------
    rows : sequence of dict
        As returned by ``aelearn.baselines.reconstruction_error_table``: ``code_size``,
        ``pca_mse`` and ``autoencoder_mse``; every other key ending in ``_mse`` (say
        ``linear_autoencoder_mse``) becomes a line too. None values are skipped.
    title : str, optional

    Returns
    -------
    Figure
        One axes.
    """
    rows = list(rows)
    if not rows or any("code_size" not in row for row in rows):
        raise ValueError("rows must be a non-empty list of dicts, each with a 'code_size' key")
    keys = list(dict.fromkeys(k for row in rows for k in row if k.endswith("_mse")))
    fig = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = fig.subplots()
    for i, key in enumerate(keys):
        points = [(row["code_size"], row[key]) for row in rows if row.get(key) is not None]
        if points:
            x, y = zip(*sorted(points), strict=True)
            # PCA is the reference: black and dashed, on top, so a line on it stays visible.
            pca = key == "pca_mse"
            style = (
                {"color": "black", "linestyle": "--", "zorder": 3} if pca else {"color": f"C{i}"}
            )
            ax.plot(x, y, marker="o", label=_series_label(key), **style)
    ax.set_xticks(sorted({row["code_size"] for row in rows}))
    ax.set_xlabel("code size (latent units)")
    ax.set_ylabel("test MSE per pixel")
    ax.legend(frameon=False)
    ax.set_title(title or "Reconstruction error against code size")
    return fig


def plot_latent_scatter(codes, labels, title=None):
    """2-D codes of several models side by side, coloured by class, one shared colour bar.

    Parameters
    ----------
    codes : dict of {str: array_like of shape (n_samples, 2)}
        Panel title -> codes, e.g. {"PCA": ..., "autoencoder": ..., "VAE": ...}.
    labels : array_like of int, shape (n_samples,)
    title : str, optional

    Returns
    -------
    Figure
        One axes per entry of ``codes``, plus the colour bar's.
    """
    labels = np.asarray(labels)
    if not codes:
        raise ValueError("codes must hold at least one {name: (n_samples, 2) array}")
    n_classes = int(labels.max()) + 1
    norm = BoundaryNorm(np.arange(-0.5, n_classes), n_classes)
    fig = Figure(figsize=(3.6 * len(codes) + 0.8, 3.6), layout="constrained")
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


def plot_samples(images, image_shape=(8, 8), n_cols=10, row_labels=None, title=None):
    """A grid of images, row-major, optionally with a label per row (a class, a setting).

    Parameters
    ----------
    images : array_like of shape (n_samples, n_features)
    image_shape : tuple of int, default=(8, 8)
    n_cols : int, default=10
    row_labels : sequence of str, optional
        One per row of the grid, ceil(n_samples / n_cols) of them.
    title : str, optional

    Returns
    -------
    Figure
        One axes holding the grid.
    """
    images = _as_images(images, image_shape)
    n_cols = min(int(n_cols), len(images))
    n_rows = -(-len(images) // n_cols)
    fig = Figure(figsize=(0.6 * n_cols + 1.2, 0.6 * n_rows + 0.8), layout="constrained")
    ax = fig.subplots()
    _show_mosaic(ax, _mosaic(images, n_cols))
    if row_labels is not None:
        if len(row_labels) != n_rows:
            raise ValueError(
                f"row_labels needs one label per row ({n_rows}); got {len(row_labels)}"
            )
        height = image_shape[0] + 1
        ax.set_yticks(np.arange(n_rows) * height + (image_shape[0] - 1) / 2, list(row_labels))
        ax.tick_params(left=False)
    ax.set_title(title or "Samples")
    return fig


def plot_latent_manifold(images, coordinates, image_shape=(8, 8), title=None):
    """The decoded grid of a 2-D latent space, as returned by ``VAE.latent_grid``.

    Parameters
    ----------
    images : array_like of shape (n * n, n_features)
        Row-major over the grid, the top row at the largest z2.
    coordinates : array_like of shape (n,)
        The z value of each grid line, increasing.
    image_shape : tuple of int, default=(8, 8)
    title : str, optional

    Returns
    -------
    Figure
        One axes with z1 along x and z2 along y.
    """
    coordinates = np.asarray(coordinates, dtype=np.float64)
    n = len(coordinates)
    images = _as_images(images, image_shape)
    if len(images) != n * n:
        raise ValueError(f"{n} coordinates make a grid of {n * n} images; got {len(images)}")
    fig = Figure(figsize=(6.0, 6.0), layout="constrained")
    ax = fig.subplots()
    _show_mosaic(ax, _mosaic(images, n))
    h, w = image_shape
    step = max(1, n // 5)  # about five tick labels per axis, legible at any n
    ticks = np.arange(0, n, step)
    ax.set_xticks(ticks * (w + 1) + (w - 1) / 2, [f"{c:.2f}" for c in coordinates[ticks]])
    ax.set_yticks(ticks * (h + 1) + (h - 1) / 2, [f"{c:.2f}" for c in coordinates[::-1][ticks]])
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.set_title(title or "The decoder's view of the latent plane")
    return fig


def plot_interpolation(images, image_shape=(8, 8), title=None):
    """Images decoded along a straight line in latent space, left to right.

    Parameters
    ----------
    images : array_like of shape (steps, n_features)
        E.g. from ``VAE.interpolate``.
    image_shape : tuple of int, default=(8, 8)
    title : str, optional

    Returns
    -------
    Figure
        One axes; the x ticks give t, the fraction of the way from the first code to the last.
    """
    images = _as_images(images, image_shape)
    steps, w = len(images), image_shape[1]
    fig = Figure(figsize=(0.75 * steps + 1.0, 1.9), layout="constrained")
    ax = fig.subplots()
    _show_mosaic(ax, _mosaic(images, steps))
    t = np.linspace(0.0, 1.0, steps)
    ax.set_xticks(np.arange(steps) * (w + 1) + (w - 1) / 2, [f"{v:.2g}" for v in t])
    ax.set_xlabel("t in z = (1 - t) z_a + t z_b")
    ax.set_title(title or "Interpolation in latent space")
    return fig


def plot_gradcheck(report):
    """Relative error of each checked gradient on a log scale, with the tolerance.

    Parameters
    ----------
    report : aelearn.gradcheck.GradcheckReport

    Returns
    -------
    Figure
        One axes; bars that pass are green, those that fail red. A relative error of
        exactly 0 is drawn at 1e-17, below anything float64 rounding produces.
    """
    rows = list(report.rows)
    if not rows:
        raise ValueError("the GradcheckReport has no rows: gradcheck checked no tensor")
    errors = np.array([max(r.rel_error, 1e-17) for r in rows])
    colors = ["tab:green" if r.passed else "tab:red" for r in rows]
    fig = Figure(figsize=(max(4.0, 0.9 * len(rows) + 1.5), 3.6), layout="constrained")
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


def _node_label(node, show_values):
    name = node.op.name if node.op is not None else (node.name or "leaf")
    lines = [name, f"shape {tuple(node.shape)}"]
    if show_values and node.size == 1:
        lines.append(f"value {node.item():.4g}")
        if node.grad is not None:
            lines.append(f"grad {float(np.ravel(node.grad)[0]):.4g}")
    return "\n".join(lines)


def graph_layout(tensor):
    """Columns and rows for drawing ``tensor.graph()``, the output in the rightmost column.

    A node's column counts its distance from the output: the output is 0 and every input
    of an op sits at least one column left of it (the longest path, so that all edges
    point right). ``tensor.graph()`` lists each node before the inputs it was made from,
    so one pass in that order settles every distance. Within a column, nodes are ordered
    by the mean height of the ops that consume them, which keeps edges from crossing much.

    Returns
    -------
    nodes : list of Tensor
        ``tensor.graph()``.
    positions : dict of {id(node): (x, y)}
    """
    nodes = tensor.graph()
    distance = {id(tensor): 0}
    consumers = {id(node): [] for node in nodes}
    for node in nodes:
        if node.op is None:
            continue
        for slot, parent in enumerate(node.op.inputs):
            distance[id(parent)] = max(distance.get(id(parent), 0), distance[id(node)] + 1)
            consumers[id(parent)].append((node, slot))
    depth = max(distance.values())
    positions = {}
    for d in range(depth + 1):
        column = [node for node in nodes if distance[id(node)] == d]

        def height(node):
            # Consumers sit in columns already placed; earlier inputs go higher.
            ys = [positions[id(c)][1] - 0.01 * slot for c, slot in consumers[id(node)]]
            return np.mean(ys) if ys else 0.0

        column.sort(key=height, reverse=True)
        for i, node in enumerate(column):
            positions[id(node)] = (float(depth - d), (len(column) - 1) / 2 - i)
    return nodes, positions


def plot_graph(tensor, show_values=True, title=None):
    """Draw the computation graph that ``tensor.backward()`` walks.

    Each node is a box with its op's name (or the leaf's name, or "leaf"), its shape and,
    for a scalar, its value and gradient; arrows run from an op's inputs to its output.
    Meant for a small expression or a tiny network's loss: a few dozen nodes.

    Parameters
    ----------
    tensor : aelearn.autograd.Tensor
        Usually a scalar loss, after ``backward(retain_graph=True)`` to show gradients.
    show_values : bool, default=True
    title : str, optional

    Returns
    -------
    Figure
        One axes; each node's box is a text artist with gid "graph-node", each edge an
        annotation with gid "graph-edge".
    """
    nodes, positions = graph_layout(tensor)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    fig = Figure(figsize=(2.1 * width + 0.5, 0.95 * height + 1.0), layout="constrained")
    ax = fig.subplots()
    boxes = {}
    for node in nodes:
        x, y = positions[id(node)]
        leaf = node.op is None
        color = "#fde9c9" if leaf and node.requires_grad else "#e8e8e8" if leaf else "#d6e6f5"
        boxes[id(node)] = ax.text(
            x,
            y,
            _node_label(node, show_values),
            ha="center",
            va="center",
            fontsize=8,
            gid="graph-node",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": color, "edgecolor": "0.3"},
        )
    for node in nodes:
        if node.op is None:
            continue
        for parent in node.op.inputs:
            ax.annotate(
                "",
                xy=(0.0, 0.5),
                xycoords=boxes[id(node)],
                xytext=(1.0, 0.5),
                textcoords=boxes[id(parent)],
                arrowprops={"arrowstyle": "->", "color": "0.4", "shrinkA": 2, "shrinkB": 2},
                gid="graph-edge",
            )
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    ax.set_title(
        title or "Computation graph (blue: ops, orange: leaves with grad, grey: constants)"
    )
    return fig
