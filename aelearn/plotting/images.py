"""Images: originals above reconstructions, samples, the latent manifold, interpolations.

Images are flattened rows of ``(n_samples, n_features)`` arrays with values in [0, 1];
``image_shape`` says how to fold a row back into a picture, (8, 8) for the digits.
"""

import numpy as np
from matplotlib import colormaps

from aelearn.plotting.figure import new_figure

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
    fig = new_figure((max(4.0, 0.75 * n_shown), 0.9 * len(rows) + 0.6))
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (label, images) in zip(axes, rows, strict=True):
        _show_mosaic(ax, _mosaic(images, n_shown))
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
    fig.suptitle(title or "Reconstructions")
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
    fig = new_figure((0.6 * n_cols + 1.2, 0.6 * n_rows + 0.8))
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
    fig = new_figure((6.0, 6.0))
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
    fig = new_figure((0.75 * steps + 1.0, 1.9))
    ax = fig.subplots()
    _show_mosaic(ax, _mosaic(images, steps))
    t = np.linspace(0.0, 1.0, steps)
    ax.set_xticks(np.arange(steps) * (w + 1) + (w - 1) / 2, [f"{v:.2g}" for v in t])
    ax.set_xlabel("t in z = (1 - t) z_a + t z_b")
    ax.set_title(title or "Interpolation in latent space")
    return fig


def plot_images(X, y=None, label=None, n=20, image_shape=(8, 8), n_cols=10, rng=0, title=None):
    """A gallery of data, each image titled with its label (the course's ``showData``).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,), optional
        The labels, shown above each image.
    label : int, optional
        Show only images of this class (needs ``y``).
    n : int, default=20
        How many images: a random draw of that many (all of them, if fewer).
    image_shape : tuple of int, default=(8, 8)
    n_cols : int, default=10
    rng : numpy.random.Generator or int, default=0
        Which images are drawn; the same seed shows the same ones.
    title : str, optional

    Returns
    -------
    Figure
        One axes per image.
    """
    images = _as_images(X, image_shape, "X")
    labels = None if y is None else np.asarray(y)
    if labels is not None and labels.shape != (len(images),):
        raise ValueError(
            f"y must hold one label per image, shape ({len(images)},); got {labels.shape}"
        )
    index = np.arange(len(images))
    if label is not None:
        if labels is None:
            raise ValueError("label picks one class of y: pass the labels y as well")
        index = np.flatnonzero(labels == label)
        if index.size == 0:
            raise ValueError(
                f"no image has label {label!r}; y holds {sorted(set(labels.tolist()))}"
            )
    count = min(int(n), index.size)
    index = np.sort(np.random.default_rng(rng).choice(index, count, replace=False))
    n_cols = min(int(n_cols), count)
    n_rows = -(-count // n_cols)
    fig = new_figure((0.9 * n_cols + 0.4, 1.0 * n_rows + 0.6))
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, i in zip(axes, index, strict=False):
        ax.imshow(images[i], **IMAGE_STYLE)
        ax.set_title(f"{labels[i]}" if labels is not None else f"#{i}", fontsize=8)
    what = f"class {label}" if label is not None else "a random draw"
    fig.suptitle(title or f"{count} images, {what}")
    return fig
