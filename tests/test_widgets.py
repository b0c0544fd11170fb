"""Tests of aelearn.plotting.widgets: the live controls decode what they say, and without
ipywidgets the same calls draw the static grids.

The widget tests drive the controls in Python, as a student's clicks do (``control.value =
...``), and read the figure the controls redraw: each image artist's array must be the
model's own output for the chosen z, label, noise level or dimension. They need ipywidgets
and skip without it; the static tests hide it (``sys.modules["ipywidgets"] = None`` makes
its import fail) and run everywhere.
"""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from aelearn.datasets import load_digits
from aelearn.models import CVAE, VAE, Autoencoder, DenoisingAutoencoder
from aelearn.nn import corrupt
from aelearn.plotting import (
    Playground,
    class_dropdown,
    latent_sliders,
    latent_traversal,
    noise_slider,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def models(digits):
    """Small models, a few epochs each, with fixed seeds: enough for their decoders to differ."""
    X, y = digits.X_train, digits.y_train
    return {
        "AE": Autoencoder((64, 16, 2), loss="mse", rng=0).fit(X, epochs=3, verbose=False),
        "VAE": VAE((64, 16, 2), rng=0).fit(X, epochs=3, verbose=False),
        "CVAE": CVAE((64, 16, 2), n_classes=10, rng=0).fit(X, y, epochs=3, verbose=False),
        "DAE": DenoisingAutoencoder((64, 16, 4), noise="masking", noise_level=0.3, rng=0).fit(
            X, epochs=3, verbose=False
        ),
        "VAE8": VAE((64, 16, 8), rng=0),  # untrained: the traversal's arithmetic is the point
    }


@pytest.fixture
def widgets():
    return pytest.importorskip("ipywidgets")


@pytest.fixture
def no_widgets(monkeypatch):
    """ipywidgets hidden: importing it raises ImportError, as where it is not installed."""
    monkeypatch.setitem(sys.modules, "ipywidgets", None)


def tiles(ax, n_cols, h=8, w=8):
    """The images of a mosaic shown in ``ax`` (one blank pixel between them), row-major, as
    rows (n, h * w)."""
    mosaic = np.asarray(ax.images[0].get_array())
    n_rows = (mosaic.shape[0] + 1) // (h + 1)
    assert mosaic.shape == (n_rows * (h + 1) - 1, n_cols * (w + 1) - 1)
    return np.array(
        [
            mosaic[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w].ravel()
            for r in range(n_rows)
            for c in range(n_cols)
        ]
    )


def image_axes(figure):
    return [ax for ax in figure.axes if ax.images]


# ----- live controls -------------------------------------------------------------------------
def test_sliders_decode_the_chosen_z_with_every_model_and_mark_it(widgets, models, digits):
    pair = {"AE": models["AE"], "VAE": models["VAE"]}
    view = latent_sliders(pair, digits.X_test, digits.y_test, limit=4.0)
    assert set(view.controls) == {"z1", "z2"}
    before = bytes(view.widget.children[1].value)
    view.controls["z1"].value = 1.6
    view.controls["z2"].value = -2.4
    z = np.array([[1.6, -2.4]], dtype=np.float32)
    shown = image_axes(view.figure)
    assert len(shown) == 2
    for ax, model in zip(shown, pair.values(), strict=True):
        np.testing.assert_allclose(ax.images[0].get_array(), model.decode(z).reshape(8, 8))
    scatters = [ax for ax in view.figure.axes if ax.collections]
    for ax in scatters:
        (cross,) = ax.get_lines()
        np.testing.assert_allclose(np.ravel(cross.get_xydata()), [1.6, -2.4])
        np.testing.assert_allclose(ax.get_xlim(), (-4.24, 4.24))
    # The two decoders differ, so the test would see the images swapped.
    assert not np.allclose(pair["AE"].decode(z), pair["VAE"].decode(z), atol=1e-3)
    # The image the widget shows was rendered again, as a PNG.
    after = bytes(view.widget.children[1].value)
    assert after.startswith(b"\x89PNG") and after != before


def test_sliders_span_the_largest_code_by_default(widgets, models, digits):
    view = latent_sliders({"AE": models["AE"]}, digits.X_test)
    largest = np.abs(models["AE"].encode(digits.X_test)).max()
    assert view.controls["z1"].max == np.ceil(largest) == -view.controls["z2"].min


def test_class_dropdown_decodes_with_the_chosen_label(widgets, models):
    cvae = models["CVAE"]
    view = class_dropdown(cvae)
    assert list(view.controls) == ["label", "z1", "z2"]
    assert list(view.controls["label"].options) == list(range(10))
    view.controls["z1"].value = 0.6
    for label in (7, 2):
        view.controls["label"].value = label
        (ax,) = image_axes(view.figure)
        expected = cvae.decode(np.array([[0.6, 0.0]], dtype=np.float32), [label])
        np.testing.assert_allclose(ax.images[0].get_array(), expected.reshape(8, 8))
    sevens = cvae.decode(np.array([[0.6, 0.0]], dtype=np.float32), [7])
    assert not np.allclose(expected, sevens, atol=1e-3), "the label must change the decode"


def test_noise_slider_denoises_the_documented_draw_and_prints_the_errors(widgets, models, digits):
    dae, X = models["DAE"], digits.X_test[:6]
    view = noise_slider(dae, X, corrupt)
    assert view.controls["noise_level"].value == 0.3  # the level the model was trained at
    view.controls["noise_level"].value = 0.5
    noisy = corrupt(X, "masking", 0.5, np.random.default_rng(0))
    denoised = dae.denoise(noisy)
    clean_ax, noisy_ax, denoised_ax = image_axes(view.figure)
    np.testing.assert_allclose(tiles(clean_ax, 6), X)
    np.testing.assert_allclose(tiles(noisy_ax, 6), noisy)
    np.testing.assert_allclose(tiles(denoised_ax, 6), denoised)
    assert f"MSE {np.mean((noisy - X) ** 2):.4f}" in noisy_ax.get_ylabel()
    assert f"MSE {np.mean((denoised - X) ** 2):.4f}" in denoised_ax.get_ylabel()


def test_traversal_row_is_the_decodes_along_the_chosen_dimension(widgets, models):
    vae8 = models["VAE8"]
    origin = np.linspace(-1, 1, 8).astype(np.float32)
    values = np.array([-2.0, 0.0, 1.0, 2.0], dtype=np.float32)
    view = latent_traversal(vae8, values=values, origin=origin)
    assert [label for label, _ in view.controls["dimension"].options] == [
        f"z{j + 1}" for j in range(8)
    ]
    view.controls["dimension"].value = 5
    Z = np.tile(origin, (4, 1))
    Z[:, 5] = values
    (ax,) = image_axes(view.figure)
    np.testing.assert_allclose(tiles(ax, 4), vae8.decode(Z))
    assert ax.get_ylabel() == "z6"


def test_live_figures_stay_out_of_pyplot(widgets, models, digits):
    plt.close("all")
    latent_traversal(models["VAE8"])
    assert plt.get_fignums() == [], "pyplot would show the figure again below the cell"


# ----- the static grids, without ipywidgets ---------------------------------------------------
def test_without_ipywidgets_sliders_draw_the_grid_of_decodes(no_widgets, models, digits):
    pair = {"AE": models["AE"], "VAE": models["VAE"]}
    view = latent_sliders(pair, digits.X_test, digits.y_test, limit=3.0, n_static=5)
    assert isinstance(view, Playground) and view.widget is None and view.controls == {}
    assert view.figure.number in plt.get_fignums()  # a pyplot figure, shown as any other
    grid = np.linspace(-3.0, 3.0, 5)
    Z = np.array([[z1, z2] for z2 in grid[::-1] for z1 in grid], dtype=np.float32)
    for ax, model in zip(image_axes(view.figure), pair.values(), strict=True):
        np.testing.assert_allclose(tiles(ax, 5), model.decode(Z))
    for ax in [ax for ax in view.figure.axes if ax.collections]:
        codes, crosses = ax.collections
        np.testing.assert_allclose(crosses.get_offsets(), Z)


def test_without_ipywidgets_the_cvae_draws_a_row_per_class(no_widgets, models):
    cvae = models["CVAE"]
    view = class_dropdown(cvae, limit=2.0, n_static=4)
    assert view.widget is None
    Z = np.zeros((4, 2), dtype=np.float32)
    Z[:, 0] = np.linspace(-2.0, 2.0, 4)
    (ax,) = image_axes(view.figure)
    shown = tiles(ax, 4)
    for c in range(10):
        np.testing.assert_allclose(shown[4 * c : 4 * c + 4], cvae.decode(Z, np.full(4, c)))
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"c = {c}" for c in range(10)]


def test_without_ipywidgets_the_noise_slider_draws_a_row_per_level(no_widgets, models, digits):
    dae, X = models["DAE"], digits.X_test[:5]
    levels = (0.1, 0.4)
    view = noise_slider(dae, X, corrupt, levels=levels, seed=3)
    assert view.widget is None
    axes = image_axes(view.figure)
    assert len(axes) == 2 * (len(levels) + 1)
    for row, level in enumerate(levels, start=1):
        noisy = corrupt(X, "masking", level, np.random.default_rng(3))
        noisy_ax, denoised_ax = axes[2 * row], axes[2 * row + 1]
        np.testing.assert_allclose(tiles(noisy_ax, 5), noisy)
        np.testing.assert_allclose(tiles(denoised_ax, 5), dae.denoise(noisy))
        assert noisy_ax.get_ylabel().startswith(f"level {level:g}")
        assert f"MSE {np.mean((dae.denoise(noisy) - X) ** 2):.4f}" == denoised_ax.get_ylabel()


def test_without_ipywidgets_the_traversal_draws_a_row_per_dimension(no_widgets, models):
    vae8 = models["VAE8"]
    view = latent_traversal(vae8)
    assert view.widget is None
    values = np.linspace(-3.0, 3.0, 9, dtype=np.float32)
    (ax,) = image_axes(view.figure)
    shown = tiles(ax, 9)
    for j in range(8):
        Z = np.zeros((9, 8), dtype=np.float32)
        Z[:, j] = values
        np.testing.assert_allclose(shown[9 * j : 9 * j + 9], vae8.decode(Z))


def test_sliders_refuse_models_whose_codes_are_not_2d(models, digits):
    with pytest.raises(ValueError, match=r"2-D codes.*'DAE'.*\(360, 4\)"):
        latent_sliders({"DAE": models["DAE"]}, digits.X_test)


def test_traversal_refuses_an_origin_of_the_wrong_size(models):
    with pytest.raises(ValueError, match=r"origin must be one code of shape \(8,\)"):
        latent_traversal(models["VAE8"], origin=np.zeros(2))


def test_importing_the_plots_does_not_import_ipywidgets():
    code = "import sys, aelearn.plotting; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("widget", "model", "message"),
    [
        (
            lambda m: class_dropdown(m),
            VAE((64, 8, 2), rng=0),
            "takes a conditional model .* n_classes",
        ),
        (
            lambda m: noise_slider(m, load_digits().X_test[:3], corrupt),
            Autoencoder((64, 8, 2), rng=0),
            "takes a denoising model; the Autoencoder given has no noise, noise_level, denoise",
        ),
    ],
)
def test_a_widget_given_the_wrong_kind_of_model_says_what_it_takes(widget, model, message):
    with pytest.raises(TypeError, match=message):
        widget(model)
