"""A latent space to play with: sliders that decode live, or, without ipywidgets, a grid.

Each function takes trained models, duck-typed: it calls only their public ``encode``,
``decode`` and ``denoise`` and reads ``latent_dim``, ``n_classes``, ``noise`` and
``noise_level``. With ``ipywidgets`` installed (the ``notebooks`` extra), it displays its
controls above an image of its figure and redraws the figure whenever a control changes, as
``ipywidgets.interact`` does; without it, it draws a static grid of what the controls would
show. In a notebook, assign what it returns (``view = latent_sliders(...)``).
"""

import io
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from aelearn.plotting.figure import new_figure
from aelearn.plotting.images import (
    IMAGE_STYLE,
    _as_images,
    _image_row,
    _show_mosaic,
    _tile_centres,
    plot_samples,
)


@dataclass
class Playground:
    """What a widget function returns: the figure, its controls, and the widget showing both.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure the controls redraw, or the static grid without ipywidgets.
    controls : dict
        The ipywidgets controls by name ("z1", "label", "noise_level", "dimension"); setting
        a control's ``value`` redraws the figure. Empty for the static grid.
    widget : ipywidgets.VBox or None
        The controls above the rendered figure, as displayed; None for the static grid.
    """

    figure: Figure
    controls: dict = field(default_factory=dict)
    widget: object = None


def _require(model, attributes, kind, widget):
    """Refuse a model without ``attributes``, saying which ``kind`` of model ``widget`` takes."""
    missing = [name for name in attributes if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"{widget} takes {kind}; the {type(model).__name__} given has no {', '.join(missing)}"
        )


def _live(make_controls, draw, figsize):
    """Display the controls ``make_controls(ipywidgets)`` above the figure that ``draw(figure,
    **values)`` draws for their values, redrawn whenever one changes; None without ipywidgets
    (imported here, so that aelearn needs it only for the live controls)."""
    try:
        import ipywidgets
    except ImportError:
        return None
    from IPython.display import display

    controls = make_controls(ipywidgets)
    # Not a pyplot figure: the Image widget shows it, and pyplot must not show it again.
    figure = Figure(figsize=figsize, layout="constrained")
    image = ipywidgets.Image(format="png")

    def redraw(change=None):
        figure.clear()
        draw(figure, **{name: control.value for name, control in controls.items()})
        png = io.BytesIO()
        figure.savefig(png, format="png")
        image.value = png.getvalue()

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    box = ipywidgets.VBox([ipywidgets.HBox(list(controls.values())), image])
    display(box)
    return Playground(figure, controls, box)


def _z_sliders(widgets, dims, limit):
    """Sliders "z1", "z2", ... over [-limit, limit], starting at 0."""
    return {
        f"z{j + 1}": widgets.FloatSlider(
            value=0.0, min=-limit, max=limit, step=limit / 50, description=f"z{j + 1}"
        )
        for j in range(dims)
    }


def _label_columns(ax, values, image_shape, xlabel):
    """Label a mosaic's columns with the z values they decode."""
    ticks = _tile_centres(range(len(values)), image_shape[2])
    ax.set_xticks(ticks, [f"{v:.3g}" for v in values])
    ax.set_xlabel(xlabel)


def _code_scatter(ax, codes, labels, limit, name):
    """The 2-D codes, coloured by class, in the square [-limit, limit]^2."""
    if labels is None:
        colours = {"color": "0.6"}
    else:
        colours = {"c": labels, "cmap": "tab10", "vmin": -0.5, "vmax": 9.5}
    ax.scatter(codes[:, 0], codes[:, 1], s=6, alpha=0.7, **colours)
    edge = 1.06 * limit  # room for the crosses at the grid's edges
    ax.set(xlim=(-edge, edge), ylim=(-edge, edge), xlabel="z1", ylabel="z2", aspect="equal")
    ax.set_title(f"{name}: codes of X")


# ----- (z1, z2): where the decoders break ----------------------------------------------------
def latent_sliders(models, X, y=None, limit=None, n_static=7, image_shape=(1, 8, 8)):
    """Sliders over (z1, z2) that decode one z with every model, side by side.

    Each model gets a column: above, the codes ``model.encode(X)`` of X, coloured by their
    class y if given, with the current z marked by a cross; below, ``model.decode(z)``. One z
    for all the models, so that a vanilla autoencoder and a VAE can be compared where the
    VAE's prior puts mass (near 0) and far from its codes.

    Parameters
    ----------
    models : dict
        {name: model}, each encoding rows of X to 2-D codes, (n_samples, 2).
    X : ndarray (n_samples, n_features)
        Whose codes to draw, e.g. the test images.
    y : ndarray (n_samples,) of int, optional
        The classes of X, for the colours.
    limit : float, optional
        The sliders and axes span [-limit, limit]; by default the largest absolute code of
        any model, rounded up.
    n_static : int
        The static grid's points per axis.

    Returns
    -------
    Playground
        Controls "z1" and "z2". Without ipywidgets, the static grid: for each model, its codes
        with the n_static x n_static grid of z over [-limit, limit]^2 marked (crosses), and
        below them the decodes of that grid, the top row at the largest z2 (as
        ``plot_latent_manifold``).
    """
    if not models:
        raise ValueError("models must hold at least one {name: model} with 2-D codes")
    codes = {name: np.asarray(model.encode(X), dtype=np.float64) for name, model in models.items()}
    for name, z in codes.items():
        if z.ndim != 2 or z.shape[1] != 2:
            raise ValueError(
                f"latent_sliders needs 2-D codes, (n_samples, 2); {name!r} gives {z.shape}"
            )
    if limit is None:
        limit = float(np.ceil(max(np.abs(z).max() for z in codes.values())))
    figsize = (3.4 * len(models), 6.2)

    def columns(figure):
        """(codes axes, image axes, name, model) for each model, the codes drawn."""
        axes = figure.subplots(2, len(models), squeeze=False, height_ratios=[1.3, 1])
        for (ax_codes, ax_image), (name, model) in zip(axes.T, models.items(), strict=True):
            _code_scatter(ax_codes, codes[name], y, limit, name)
            yield ax_codes, ax_image, name, model

    def draw(figure, z1, z2):
        for ax_codes, ax_image, name, model in columns(figure):
            ax_codes.plot([z1], [z2], marker="x", color="black", markersize=12, mew=2.5)
            image = model.decode(np.array([[z1, z2]], dtype=np.float32))
            ax_image.imshow(_as_images(image, image_shape)[0], **IMAGE_STYLE)
            ax_image.set_axis_off()
            ax_image.set_title(f"{name}: decode(z)")
        figure.suptitle(f"z = ({z1:.2f}, {z2:.2f})")

    live = _live(lambda widgets: _z_sliders(widgets, 2, limit), draw, figsize)
    if live is not None:
        return live
    grid = np.linspace(-limit, limit, int(n_static))
    Z = np.array([[z1, z2] for z2 in grid[::-1] for z1 in grid], dtype=np.float32)
    figure = new_figure(figsize)
    for ax_codes, ax_grid, name, model in columns(figure):
        ax_codes.scatter(Z[:, 0], Z[:, 1], marker="x", color="black", s=20)
        _show_mosaic(ax_grid, _as_images(model.decode(Z), image_shape), len(grid))
        ax_grid.set_title(f"{name}: decode(z) on the crosses")
    figure.suptitle(f"z on a {len(grid)} x {len(grid)} grid over [-{limit:g}, {limit:g}]^2")
    return Playground(figure)


# ----- the CVAE: a class and a z --------------------------------------------------------------
def class_dropdown(model, limit=3.0, n_static=7, image_shape=(1, 8, 8)):
    """A class dropdown and one slider per latent dimension: ``model.decode(z, [label])``.

    For a conditional model (a CVAE, with ``n_classes``, ``latent_dim`` and ``decode(Z, y)``):
    with z fixed, changing the class changes the digit and keeps the style; with the class
    fixed, moving z changes the style. The z sliders span [-limit, limit].

    Returns
    -------
    Playground
        Controls "label" and "z1", "z2", ... Without ipywidgets, the static grid: a row per
        class, decoding the same n_static codes in each row, z1 from -limit to limit with
        the other coordinates 0.
    """
    _require(
        model,
        ("n_classes", "latent_dim", "decode"),
        "a conditional model (a CVAE)",
        "class_dropdown",
    )
    classes, dims = range(int(model.n_classes)), int(model.latent_dim)

    def draw(figure, label, **z):
        ax = figure.subplots()
        code = np.array([[z[f"z{j + 1}"] for j in range(dims)]], dtype=np.float32)
        ax.imshow(_as_images(model.decode(code, [label]), image_shape)[0], **IMAGE_STYLE)
        ax.set_axis_off()
        ax.set_title(f"class {label}, z = ({', '.join(f'{v:.2f}' for v in code[0])})")

    def controls(widgets):
        label = widgets.Dropdown(options=list(classes), value=0, description="class")
        return {"label": label, **_z_sliders(widgets, dims, limit)}

    live = _live(controls, draw, (3.0, 3.2))
    if live is not None:
        return live
    values = np.linspace(-limit, limit, int(n_static))
    Z = np.zeros((len(values), dims), dtype=np.float32)
    Z[:, 0] = values
    images = np.concatenate([model.decode(Z, np.full(len(Z), c)) for c in classes])
    rows = [f"c = {c}" for c in classes]
    figure = plot_samples(images, image_shape, len(values), rows, "decode(z, c): a row per class")
    _label_columns(figure.axes[0], values, image_shape, "z1 (the other coordinates 0)")
    return Playground(figure)


# ----- the denoising autoencoder: how much noise -------------------------------------------
def noise_slider(
    model, X, corrupt, levels=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), seed=0, image_shape=(1, 8, 8)
):
    """A noise-level slider: X, X corrupted at that level, and ``model.denoise`` of it, with
    the mean squared error per pixel of the noisy input and of the output against X.

    The corruption at each level is ``corrupt(X, model.noise, level, rng)`` with a Generator
    ``numpy.random.default_rng(seed)`` made afresh: the same level always shows the same draw,
    and a masking level (which masks the pixels where one uniform draw falls below it) masks
    the pixels of every lower level, and more. The slider starts at the level nearest
    ``model.noise_level``, the one the model was trained at.

    Parameters
    ----------
    model : a denoising model, with ``noise``, ``noise_level`` and ``denoise(X_noisy)``
    X : ndarray (n_samples, n_features)
        Clean images, a few (each level shows them all in a row).
    corrupt : callable
        ``aelearn.nn.corrupt``, or any function of (x, noise, noise_level, rng) that returns
        x corrupted; passed in because the plots import nothing of the layers.
    levels : sequence of float
        The slider's noise levels, and the static grid's rows.

    Returns
    -------
    Playground
        Control "noise_level". Without ipywidgets, the static grid: the clean X on top, then
        a row per level, the noisy inputs on the left and the denoised outputs on the right,
        each with its error.
    """
    _require(model, ("noise", "noise_level", "denoise"), "a denoising model", "noise_slider")
    X = np.asarray(X)
    levels = [float(level) for level in levels]

    def corrupted(level):
        noisy = corrupt(X, model.noise, level, np.random.default_rng(seed))
        denoised = model.denoise(noisy)
        return noisy, denoised, [float(np.mean((x - X) ** 2)) for x in (noisy, denoised)]

    def draw(figure, noise_level):
        noisy, denoised, (noisy_mse, denoised_mse) = corrupted(noise_level)
        axes = figure.subplots(3, 1)
        _image_row(axes[0], X, image_shape, "clean X")
        _image_row(axes[1], noisy, image_shape, f"noisy input\nMSE {noisy_mse:.4f}")
        _image_row(axes[2], denoised, image_shape, f"denoised output\nMSE {denoised_mse:.4f}")
        figure.suptitle(f"{model.noise} noise, level {noise_level:g}")

    def controls(widgets):
        value = min(levels, key=lambda level: abs(level - model.noise_level))
        options = [(f"{level:g}", level) for level in levels]
        slider = widgets.SelectionSlider(options=options, value=value, description="level")
        return {"noise_level": slider}

    live = _live(controls, draw, (0.7 * len(X) + 1.8, 3.2))
    if live is not None:
        return live
    figure = new_figure((1.2 * len(X) + 2.4, 0.8 * len(levels) + 1.6))
    axes = figure.subplots(len(levels) + 1, 2)
    for ax in axes[0]:
        _image_row(ax, X, image_shape)
    axes[0, 0].set_ylabel("clean X", rotation=0, ha="right", va="center")
    axes[0, 0].set_title("noisy input")
    axes[0, 1].set_title("denoised output")
    for (ax_noisy, ax_denoised), level in zip(axes[1:], levels, strict=True):
        noisy, denoised, (noisy_mse, denoised_mse) = corrupted(level)
        _image_row(ax_noisy, noisy, image_shape, f"level {level:g}\nMSE {noisy_mse:.4f}")
        _image_row(ax_denoised, denoised, image_shape, f"MSE {denoised_mse:.4f}")
    figure.suptitle(f"{model.noise} noise: a row per level, errors against the clean X")
    return Playground(figure)


# ----- an 8-D code: one dimension at a time ------------------------------------------------
def latent_traversal(model, values=None, origin=None, image_shape=(1, 8, 8)):
    """Choose a latent dimension j; see the decodes of ``origin`` with z_j set to each value.

    Parameters
    ----------
    model : a model with ``latent_dim`` and ``decode(Z)``
    values : sequence of float, optional
        The values z_j takes, left to right; by default nine, from -3 to 3 (``linspace``).
    origin : ndarray (latent_dim,), optional
        Where the other coordinates stay: 0, the prior's mean, by default; or the code of
        one image, ``model.encode(x[None])[0]``.

    Returns
    -------
    Playground
        Control "dimension" (j, from 0). Without ipywidgets, the static grid: a row per
        dimension, z1 at the top.
    """
    dims = int(model.latent_dim)
    values = np.linspace(-3.0, 3.0, 9) if values is None else values
    values = np.asarray(values, dtype=np.float32)
    origin = np.zeros(dims, np.float32) if origin is None else np.asarray(origin, np.float32)
    if origin.shape != (dims,):
        raise ValueError(f"origin must be one code of shape ({dims},); got {origin.shape}")

    def along(j):
        Z = np.tile(origin, (len(values), 1))
        Z[:, j] = values
        return model.decode(Z)

    def draw(figure, dimension):
        ax = figure.subplots()
        name = f"z{dimension + 1}"
        _image_row(ax, along(dimension), image_shape, name)
        _label_columns(ax, values, image_shape, f"{name} (the other coordinates at the origin)")
        ax.set_title(f"Decodes along {name}")

    def controls(widgets):
        options = [(f"z{j + 1}", j) for j in range(dims)]
        return {"dimension": widgets.Dropdown(options=options, value=0, description="dimension")}

    live = _live(controls, draw, (0.6 * len(values) + 1.4, 1.9))
    if live is not None:
        return live
    images = np.concatenate([along(j) for j in range(dims)])
    rows = [f"z{j + 1}" for j in range(dims)]
    title = "Decodes along each latent dimension, a row per dimension"
    figure = plot_samples(images, image_shape, len(values), rows, title)
    _label_columns(figure.axes[0], values, image_shape, "z_j (the other coordinates at the origin)")
    return Playground(figure)
