"""Tests of aelearn.plotting: every figure renders headless from real models and reports.

Small models trained for a few epochs give the data; each figure is drawn on an Agg
canvas (which lays out text and arrows, so a bad layout raises here), and nothing may
reach pyplot: no figure registered, no ``plt.show``.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from aelearn import Tensor
from aelearn.baselines import reconstruction_error_table
from aelearn.datasets import load_digits
from aelearn.gradient_check import gradcheck, gradcheck_module
from aelearn.losses import mse_loss
from aelearn.models import VAE, Autoencoder, DenoisingAutoencoder
from aelearn.nn import MLP, corrupt
from aelearn.plotting import (
    graph_layout,
    plot_error_vs_code_size,
    plot_gradcheck,
    plot_graph,
    plot_history,
    plot_interpolation,
    plot_latent_manifold,
    plot_latent_scatter,
    plot_reconstructions,
    plot_samples,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def autoencoder(digits):
    model = Autoencoder((64, 16, 2), rng=0)
    return model.fit(digits.X_train, epochs=3, validation_data=digits.X_test)


@pytest.fixture(scope="module")
def vae(digits):
    return VAE((64, 16, 2), rng=0).fit(digits.X_train, epochs=3, validation_data=digits.X_test)


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    """Fail a test whose function calls plt.show: showing is the caller's decision."""

    def refuse(*args, **kwargs):
        raise AssertionError("a plotting function called plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    plt.close("all")


def render(fig):
    """Draw on an Agg canvas, as savefig would, and return the figure."""
    assert isinstance(fig, Figure)
    FigureCanvasAgg(fig).draw()
    return fig


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_reconstructions_show_one_row_per_kind_of_image(digits, autoencoder):
    X = digits.X_test[:12]
    fig = render(plot_reconstructions(X, autoencoder.reconstruct(X), n=6, title="AE"))
    assert [ax.get_ylabel() for ax in fig.axes] == ["original", "reconstruction"]
    # The suptitle is the figure's one text (Figure.get_suptitle needs matplotlib 3.8).
    assert [text.get_text() for text in fig.texts] == ["AE"]
    # Six 8x8 images side by side with one blank pixel between them.
    assert fig.axes[0].images[0].get_array().shape == (8, 6 * 9 - 1)


def test_reconstructions_with_noisy_inputs_add_a_middle_row(digits):
    X = digits.X_test[:10]
    model = DenoisingAutoencoder((64, 16, 4), noise="masking", rng=0).fit(digits.X_train, epochs=2)
    noisy = corrupt(X, "masking", 0.3, np.random.default_rng(0))
    fig = render(plot_reconstructions(X, model.denoise(noisy), noisy=noisy))
    assert [ax.get_ylabel() for ax in fig.axes] == ["original", "noisy input", "denoised"]


def test_reconstructions_refuse_images_of_the_wrong_size(digits):
    with pytest.raises(ValueError, match="image_shape"):
        plot_reconstructions(digits.X_test[:4], digits.X_test[:4, :32])


def test_image_shape_is_channels_height_width_of_one_grey_channel():
    rows = np.random.default_rng(0).uniform(size=(4, 12))
    fig = render(plot_samples(rows, image_shape=(1, 3, 4), n_cols=2))
    assert fig.axes[0].images[0].get_array().shape == (2 * 4 - 1, 2 * 5 - 1)
    for shape in [(3, 4), (3, 2, 2)]:
        with pytest.raises(ValueError, match=r"image_shape must be \(1, height, width\)"):
            plot_samples(rows, image_shape=shape)


def test_images_of_one_channel_plot_as_their_rows(digits):
    rows = digits.X_test[:6]
    as_rows = render(plot_samples(rows, n_cols=3)).axes[0].images[0].get_array()
    as_images = render(plot_samples(rows.reshape(-1, 1, 8, 8), n_cols=3)).axes[0].images[0]
    np.testing.assert_array_equal(as_images.get_array(), as_rows)


def test_history_of_a_vae_has_a_panel_per_elbo_term_with_dashed_validation(vae):
    fig = render(plot_history(vae.history_))
    assert titles(fig) == ["loss", "reconstruction", "kl"]
    for ax in fig.axes:
        train, val = ax.get_lines()
        assert ax.get_xlabel() == "epoch"
        assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
        assert len(train.get_xdata()) == len(vae.history_)


def test_history_of_an_autoencoder_has_one_panel(autoencoder):
    fig = render(plot_history(autoencoder.history_, title="AE training"))
    assert titles(fig) == ["loss"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), autoencoder.history_["loss"])


def test_history_names_a_missing_key(autoencoder):
    with pytest.raises(ValueError, match="kl"):
        plot_history(autoencoder.history_, keys=["kl"])


def test_error_vs_code_size_draws_pca_and_autoencoder_lines(digits, autoencoder):
    errors = {2: autoencoder.reconstruction_error(digits.X_test)}
    rows = reconstruction_error_table(digits.X_train, digits.X_test, [1, 2, 4], errors)
    fig = render(plot_error_vs_code_size(rows))
    (ax,) = fig.axes
    pca, ae = ax.get_lines()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["PCA", "autoencoder"]
    np.testing.assert_allclose(pca.get_ydata(), [row["pca_mse"] for row in rows])
    # The autoencoder has one code size only; the rows without one are skipped, not zero.
    assert list(ae.get_xdata()) == [2]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_latent_scatter_has_a_panel_per_model_and_one_colorbar(digits, autoencoder, vae):
    codes = {"autoencoder": autoencoder.encode(digits.X_test), "VAE": vae.encode(digits.X_test)}
    fig = render(plot_latent_scatter(codes, digits.y_test))
    assert len(fig.axes) == 3  # two panels and the shared colour bar
    assert titles(fig)[:2] == ["autoencoder", "VAE"]
    assert all(ax.get_xlabel() == "z1" for ax in fig.axes[:2])
    np.testing.assert_array_equal(fig.axes[0].collections[0].get_array(), digits.y_test)


def test_latent_scatter_refuses_codes_that_are_not_two_dimensional(digits):
    with pytest.raises(ValueError, match="shape"):
        plot_latent_scatter({"x": digits.X_test[:, :3]}, digits.y_test)


def test_samples_grid_has_a_label_per_row(vae):
    images = vae.sample(20)
    fig = render(plot_samples(images, n_cols=10, row_labels=["a", "b"], title="VAE samples"))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert ax.get_title() == "VAE samples"
    assert ax.images[0].get_array().shape == (2 * 9 - 1, 10 * 9 - 1)


def test_samples_refuse_the_wrong_number_of_row_labels(vae):
    with pytest.raises(ValueError, match="one label per row"):
        plot_samples(vae.sample(20), n_cols=10, row_labels=["only one"])


def test_latent_manifold_labels_its_axes_with_the_grid_coordinates(vae):
    images, coordinates = vae.latent_grid(n=5)
    fig = render(plot_latent_manifold(images, coordinates))
    (ax,) = fig.axes
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z1", "z2")
    x_labels = [float(t.get_text()) for t in ax.get_xticklabels()]
    y_labels = [float(t.get_text()) for t in ax.get_yticklabels()]
    np.testing.assert_allclose(x_labels, coordinates, atol=0.005)
    np.testing.assert_allclose(y_labels, coordinates[::-1], atol=0.005)  # top row is largest z2


def test_interpolation_strip_has_a_tick_per_step(digits, vae):
    images = vae.interpolate(digits.X_test[0], digits.X_test[1], steps=7)
    fig = render(plot_interpolation(images))
    (ax,) = fig.axes
    assert len(ax.get_xticks()) == 7 and ax.get_title()


def test_gradcheck_plot_has_a_bar_per_tensor_and_the_tolerance_line():
    net = MLP((3, 4, 2), "tanh", rng=0, dtype=np.float64)
    x = Tensor(np.random.default_rng(0).normal(size=(5, 3)))
    report = gradcheck_module(net, x)
    fig = render(plot_gradcheck(report))
    (ax,) = fig.axes
    assert len(ax.patches) == len(report.rows) == 4
    assert ax.get_yscale() == "log"
    (tolerance,) = ax.get_lines()
    assert tolerance.get_ydata()[0] == report.rtol
    assert "passed" in ax.get_title()


def test_gradcheck_plot_marks_a_failing_tensor_red():
    def fn(x):
        return x * x.detach()  # x**2 whose backward sees only one factor: half the gradient

    report = gradcheck(fn, [Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True, name="x")])
    fig = render(plot_gradcheck(report))
    (bar,) = fig.axes[0].patches
    assert not report.passed and "FAILED" in fig.axes[0].get_title()
    assert bar.get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb("tab:red"))


def tiny_network_loss():
    rng = np.random.default_rng(0)
    net = MLP((3, 4, 2), "tanh", rng=0, dtype=np.float64)
    x = Tensor(rng.normal(size=(5, 3)), name="x")
    target = Tensor(rng.normal(size=(5, 2)), name="target")
    loss = mse_loss(net(x), target)
    loss.backward(retain_graph=True)
    return loss


def test_graph_has_one_box_per_node_and_one_arrow_per_op_input():
    loss = tiny_network_loss()
    fig = render(plot_graph(loss))
    (ax,) = fig.axes
    boxes = [t for t in ax.texts if t.get_gid() == "graph-node"]
    edges = [t for t in ax.texts if t.get_gid() == "graph-edge"]
    nodes = loss.graph()
    assert len(boxes) == len(nodes) == 10  # x, target, two (weight, bias, Affine), TanhOp, MSELoss
    assert len(edges) == sum(len(n.op.inputs) for n in nodes if n.op is not None)
    labels = [b.get_text().splitlines()[0] for b in boxes]
    assert labels.count("Affine") == 2 and {
        "x",
        "target",
        "weight",
        "bias",
        "TanhOp",
        "MSELoss",
    } <= set(labels)


def test_graph_shows_value_and_gradient_of_scalars():
    a = Tensor(2.0, requires_grad=True, name="a")
    b = Tensor(-3.0, requires_grad=True, name="b")
    out = (a * b + a) ** 2
    out.backward(retain_graph=True)
    fig = render(plot_graph(out))
    text = {t.get_text().splitlines()[0]: t.get_text() for t in fig.axes[0].texts if t.get_text()}
    # out = (ab + a)^2 = 16; dout/da = 2(ab + a)(b + 1) = 16; dout/db = 2(ab + a) a = -16.
    assert "value 16" in text["Pow"] and "grad 16" in text["a"] and "grad -16" in text["b"]
    assert "value" not in render(plot_graph(out, show_values=False)).axes[0].texts[0].get_text()


def test_graph_layout_puts_every_input_left_of_the_op_that_uses_it():
    loss = tiny_network_loss()
    nodes, positions = graph_layout(loss)
    for node in nodes:
        for parent in node.op.inputs if node.op is not None else ():
            assert positions[id(parent)][0] < positions[id(node)][0]
    assert positions[id(loss)][0] == max(x for x, _ in positions.values())
    assert len(set(positions.values())) == len(nodes)  # no two boxes on the same spot


def test_figures_are_pyplot_figures_so_that_plt_show_displays_them():
    fig = plot_samples(np.zeros((4, 64)))
    assert fig.number in plt.get_fignums()


def test_a_gallery_shows_a_class_or_a_random_draw_each_image_labelled():
    from aelearn.plotting import plot_images

    data = load_digits()
    fig = plot_images(data.X_train, data.y_train, label=3, n=6)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == ["3"] * 6
    fig = plot_images(data.X_train, data.y_train, n=12, rng=1)
    assert len([ax for ax in fig.axes if ax.images]) == 12
    again = plot_images(data.X_train, data.y_train, n=12, rng=1)
    assert [a.get_title() for a in fig.axes] == [a.get_title() for a in again.axes]
    with pytest.raises(ValueError, match="no image has label 11"):
        plot_images(data.X_train, data.y_train, label=11)
    with pytest.raises(ValueError, match="pass the labels y"):
        plot_images(data.X_train, label=3)


def test_history_curves_name_the_unit_of_each_term():
    X = np.random.default_rng(0).uniform(size=(32, 64)).astype(np.float32)
    model = VAE((64, 8, 2), rng=0).fit(X, epochs=2, verbose=False)
    fig = plot_history(model.history_)
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "loss (nats/example)",
        "reconstruction (nats/example)",
        "kl (nats/example)",
    ]
