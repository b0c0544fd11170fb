"""Images: originals above reconstructions, samples, the latent manifold, interpolations.

Images are rows of ``(n_samples, n_features)`` arrays with values in [0, 1], or the images
themselves, (n_samples, 1, height, width). ``image_shape``, (channels, height, width) as
everywhere in aelearn, says how to fold a row into a picture of one grey channel: (1, 8, 8)
for the digits.
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
    """Rows (n, n_features), or images, checked against ``image_shape``, as (n, h, w)."""
    if len(image_shape) != 3 or image_shape[0] != 1:
        raise ValueError(
            f"image_shape must be (1, height, width), one grey channel, e.g. (1, 8, 8); got "
            f"{tuple(image_shape)}"
        )
    height, width = int(image_shape[1]), int(image_shape[2])
    images = np.asarray(images, dtype=np.float64)
    images = images.reshape(len(images), -1) if images.ndim > 2 else images
    if images.ndim != 2 or images.shape[1] != height * width:
        raise ValueError(
            f"{name} must have shape (n_samples, {height * width}) for image_shape "
            f"{tuple(image_shape)}; got {images.shape}"
        )
    return images.reshape(-1, height, width)


def _show_mosaic(ax, images, n_cols):
    """Show (n, h, w) images tiled row-major in one picture, a blank (NaN) pixel between them."""
    n, h, w = images.shape
    n_rows = -(-n // n_cols)
    mosaic = np.full((n_rows * (h + 1) - 1, n_cols * (w + 1) - 1), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        mosaic[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = image
    ax.imshow(mosaic, **IMAGE_STYLE)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)


def _image_row(ax, images, image_shape, label=None):
    """Images (n, n_features) side by side in one axes, ``label`` left of them."""
    images = _as_images(images, image_shape)
    _show_mosaic(ax, images, len(images))
    if label is not None:
        ax.set_ylabel(label, rotation=0, ha="right", va="center")


def _tile_centres(index, size):
    """Where ticks go to label tiles ``index`` (of ``size`` pixels) of a mosaic's row or column."""
    return np.asarray(index) * (size + 1) + (size - 1) / 2


def plot_reconstructions(
    originals, reconstructions, noisy=None, n=10, image_shape=(1, 8, 8), title=None
):
    """The first n originals above their reconstructions, one axes per kind of image; given
    the ``noisy`` inputs a denoising model saw, they stand between the two, and the last row,
    the model's output from them, is labelled "denoised"."""
    rows = [("original", originals)]
    if noisy is not None:
        rows.append(("noisy input", noisy))
    rows.append(("reconstruction" if noisy is None else "denoised", reconstructions))
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
        _image_row(ax, images, image_shape, label)
    fig.suptitle(title or "Reconstructions")
    return fig


def plot_samples(images, image_shape=(1, 8, 8), n_cols=10, row_labels=None, title=None):
    """A grid of images in one axes, row-major, with ``row_labels`` (a class, a setting)
    naming each of its ceil(n_samples / n_cols) rows if given."""
    images = _as_images(images, image_shape)
    n_cols = min(int(n_cols), len(images))
    n_rows = -(-len(images) // n_cols)
    fig = new_figure((0.6 * n_cols + 1.2, 0.6 * n_rows + 0.8))
    ax = fig.subplots()
    _show_mosaic(ax, images, n_cols)
    if row_labels is not None:
        if len(row_labels) != n_rows:
            raise ValueError(
                f"row_labels needs one label per row ({n_rows}); got {len(row_labels)}"
            )
        ax.set_yticks(_tile_centres(range(n_rows), images.shape[1]), list(row_labels))
        ax.tick_params(left=False)
    ax.set_title(title or "Samples")
    return fig


def plot_latent_manifold(images, coordinates, image_shape=(1, 8, 8), title=None):
    """The decoded grid of a 2-D latent space, as returned by ``VAE.latent_grid``, with z1
    along x and z2 along y.

    ``images``, of shape (n * n, n_features), are row-major over the grid, the top row at the
    largest z2; ``coordinates``, of shape (n,), are the z values of the grid lines, increasing.
    """
    coordinates = np.asarray(coordinates, dtype=np.float64)
    n = len(coordinates)
    images = _as_images(images, image_shape)
    if len(images) != n * n:
        raise ValueError(f"{n} coordinates make a grid of {n * n} images; got {len(images)}")
    fig = new_figure((6.0, 6.0))
    ax = fig.subplots()
    _show_mosaic(ax, images, n)
    h, w = images.shape[1:]
    step = max(1, n // 5)  # about five tick labels per axis, legible at any n
    ticks = np.arange(0, n, step)
    ax.set_xticks(_tile_centres(ticks, w), [f"{c:.2f}" for c in coordinates[ticks]])
    ax.set_yticks(_tile_centres(ticks, h), [f"{c:.2f}" for c in coordinates[::-1][ticks]])
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.set_title(title or "The decoder's view of the latent plane")
    return fig


def plot_interpolation(images, image_shape=(1, 8, 8), title=None):
    """Images (steps, n_features) decoded along a straight line in latent space, as from
    ``VAE.interpolate``, left to right; the x ticks give t, the fraction of the way."""
    images = _as_images(images, image_shape)
    steps, _, w = images.shape
    fig = new_figure((0.75 * steps + 1.0, 1.9))
    ax = fig.subplots()
    _show_mosaic(ax, images, steps)
    t = np.linspace(0.0, 1.0, steps)
    ax.set_xticks(_tile_centres(range(steps), w), [f"{v:.2g}" for v in t])
    ax.set_xlabel("t in z = (1 - t) z_a + t z_b")
    ax.set_title(title or "Interpolation in latent space")
    return fig


def plot_images(X, y=None, label=None, n=20, image_shape=(1, 8, 8), n_cols=10, rng=0, title=None):
    """A gallery of data, one axes per image titled with its label (the course's ``showData``).

    Shows a random draw of n images of X (all, if fewer), drawn by ``rng`` (the same seed shows
    the same ones), each titled with its label in y (shape (n_samples,)) if given; ``label``
    keeps only the images of that class of y.
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
