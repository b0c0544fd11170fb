"""Convolutional models (aelearn.models.convolutional): the course's network, its gradients,
training, saving, the summary, the command line, scikit-learn, and the errors at the edge."""

import numpy as np
import pytest

from aelearn.autograd import Tensor
from aelearn.cli import main
from aelearn.datasets import load_digits
from aelearn.gradient_check import gradcheck_module
from aelearn.io import load, save
from aelearn.models import CVAE, VAE, Autoencoder, DenoisingAutoencoder
from aelearn.nn import Conv2d, ConvTranspose2d
from aelearn.sklearn import AutoencoderTransformer, VAETransformer

rng = np.random.default_rng(0)
DIGITS = load_digits()
ROWS = DIGITS.X_train[:48]
IMAGES = ROWS.reshape(48, 1, 8, 8)
LABELS = DIGITS.y_train[:48] % 3
SMALL = {"image_shape": (1, 8, 8), "filters": (3, 4), "latent": 2}

MODELS = {
    "ae": lambda dtype=np.float32: Autoencoder.convolutional(**SMALL, rng=1, dtype=dtype),
    "dae": lambda dtype=np.float32: DenoisingAutoencoder.convolutional(
        **SMALL, noise="gaussian", noise_level=0.1, rng=1, dtype=dtype
    ),
    "vae": lambda dtype=np.float32: VAE.convolutional(**SMALL, hidden=(5,), rng=1, dtype=dtype),
    "cvae": lambda dtype=np.float32: CVAE.convolutional(**SMALL, n_classes=3, rng=1, dtype=dtype),
}


def _labels(model):
    return LABELS if model.takes_labels else None


def _args(model, X):
    """X, with the labels for a model that takes them."""
    return (X, LABELS) if model.takes_labels else (X,)


# ----- the network ---------------------------------------------------------------------------
def test_the_default_is_the_course_network_of_178001_parameters():
    model = Autoencoder.convolutional(rng=0)
    convs = [m for m in model.modules() if isinstance(m, Conv2d | ConvTranspose2d)]
    assert [(type(c).__name__, c.in_channels, c.out_channels, c.stride) for c in convs] == [
        ("Conv2d", 1, 32, (2, 2)),
        ("Conv2d", 32, 64, (2, 2)),
        ("ConvTranspose2d", 64, 64, (2, 2)),
        ("ConvTranspose2d", 64, 32, (2, 2)),
        ("ConvTranspose2d", 32, 1, (1, 1)),
    ]
    assert [c.output_padding for c in convs[2:]] == [(1, 1), (1, 1), (0, 0)]
    assert model.n_parameters() == 178_001
    assert (model.n_features, model.latent_dim) == (784, 16)


def test_summary_shows_every_feature_map():
    table = str(Autoencoder.convolutional(rng=0))
    for shape in ["(None, 32, 14, 14)", "(None, 64, 7, 7)", "(None, 3136)", "(None, 16)"]:
        assert shape in table
    assert "(None, 64, 14, 14)" in table and "(None, 1, 28, 28)" in table
    assert "total params: 178,001" in table


@pytest.mark.parametrize("image_shape", [(1, 7, 9), (2, 5, 6), (3, 13, 13)])
def test_the_decoder_gives_back_the_image_size_for_odd_and_even_sides(image_shape):
    model = Autoencoder.convolutional(image_shape=image_shape, filters=(2, 3), latent=2, rng=0)
    images = rng.random((3, *image_shape)).astype(np.float32)
    assert model.reconstruct(images).shape == (3, *image_shape)


@pytest.mark.parametrize("name", MODELS)
def test_images_and_rows_give_the_same_outputs(name):
    model = MODELS[name]()
    np.testing.assert_array_equal(
        model.encode(*_args(model, IMAGES)), model.encode(*_args(model, ROWS))
    )
    from_images = model.reconstruct(*_args(model, IMAGES))
    from_rows = model.reconstruct(*_args(model, ROWS))
    assert from_images.shape == IMAGES.shape and from_rows.shape == ROWS.shape
    np.testing.assert_array_equal(from_images.reshape(ROWS.shape), from_rows)


# ----- gradients, float64 --------------------------------------------------------------------
def _gradcheck(model, loss_of_batch):
    """The float64 check of every parameter, after moving the biases off 0: a unit whose
    inputs are all 0 (a border window behind a ReLU) then sits on the ReLU's kink, where a
    central difference is wrong by design."""
    shift = np.random.default_rng(2)
    for p in model.parameters():
        p.data += shift.normal(0.0, 0.1, p.shape)
    x = Tensor(ROWS[:2].astype(np.float64))
    return gradcheck_module(model, x, loss=loss_of_batch, rtol=1e-5, atol=1e-7)


def test_convolutional_autoencoder_gradients_match_finite_differences():
    model = MODELS["ae"](np.float64)
    model.forward = lambda x: model._reconstruction_loss(x, x.data)["loss"]
    report = _gradcheck(model, None)
    assert report.passed, "\n" + str(report)
    assert len(report.rows) == len(model.parameters())


@pytest.mark.parametrize("name", ["vae", "cvae"])
def test_convolutional_vae_gradients_match_finite_differences(name):
    model = MODELS[name](np.float64)
    y = _labels(model)
    y = None if y is None else y[:2]
    # A fixed eps for every evaluation: the loss is then a function of the weights alone.
    model.forward = lambda x: model.loss_terms(x.data, y, np.random.default_rng(5))["loss"]
    report = _gradcheck(model, None)
    assert report.passed, "\n" + str(report)
    assert len(report.rows) == len(model.parameters())


# ----- training, saving ----------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_fit_reduces_the_loss(name):
    model = MODELS[name]()
    model.fit(IMAGES, _labels(model), epochs=10, batch_size=8, lr=1e-2, verbose=False)
    losses = model.history_["loss"]
    assert losses[-1] < 0.8 * losses[0], losses


@pytest.mark.parametrize("name", MODELS)
def test_save_and_load_give_bit_identical_outputs(tmp_path, name):
    model = MODELS[name]()
    y = _labels(model)
    model.fit(IMAGES, y, epochs=1, batch_size=8, verbose=False)
    loaded = load(save(model, tmp_path / "model.npz"))
    assert type(loaded) is type(model) and loaded.image_shape == (1, 8, 8)
    assert loaded.filters == (3, 4) and loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.reconstruct(IMAGES, y), model.reconstruct(IMAGES, y))
    for mine, theirs in zip(model.parameters(), loaded.parameters(), strict=True):
        np.testing.assert_array_equal(mine.data, theirs.data)


# ----- the command line and scikit-learn ------------------------------------------------------
def test_cli_trains_a_convolutional_model_that_evaluate_reports_on(tmp_path, capsys):
    path = tmp_path / "cdae.npz"
    arguments = ["train", "--kind", "dae", "--filters", "4,8", "--hidden", "", "--latent", "3"]
    assert main([*arguments, "--epochs", "1", "--output", str(path)]) == 0
    model = load(path)
    assert isinstance(model, DenoisingAutoencoder)
    assert (model.image_shape, model.filters, model.sizes) == ((1, 8, 8), (4, 8), (64, 3))
    assert "image_shape=(1, 8, 8)" in capsys.readouterr().out
    assert main(["evaluate", str(path)]) == 0


def test_cli_refuses_bad_filters_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--filters", "4,x"])
    assert exit_info.value.code == 2
    assert "--filters" in capsys.readouterr().err


@pytest.mark.parametrize("wrapper", [AutoencoderTransformer, VAETransformer])
def test_sklearn_wrappers_build_convolutional_models(wrapper):
    est = wrapper(
        latent_dim=2,
        hidden_sizes=(),
        image_shape=(1, 8, 8),
        filters=(3,),
        epochs=2,
        random_state=0,
        verbose=False,
    ).fit(ROWS)
    assert est.model_.image_shape == (1, 8, 8) and est.model_.filters == (3,)
    assert est.transform(ROWS).shape == (48, 2)
    assert est.inverse_transform(est.transform(ROWS)).shape == ROWS.shape


def test_sklearn_wrapper_says_both_widths_when_image_shape_does_not_fit():
    est = AutoencoderTransformer(image_shape=(1, 28, 28), epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"\(1, 28, 28\) holds 784 .* n_features = 64"):
        est.fit(ROWS)


# ----- errors at the edge ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "settings, message",
    [
        ({"image_shape": (1, 8, 9)}, r"image_shape \(1, 8, 9\) holds 72 values .* n_features = 64"),
        ({"image_shape": (8, 8)}, r"\(channels, height, width\)"),
        ({"image_shape": (1, 8, 8), "filters": ()}, "at least one convolution"),
        ({"image_shape": (1, 8, 8), "kernel_size": 4}, "kernel_size must be odd"),
        ({"image_shape": (1, 8, 8), "filters": (4, 0)}, "each entry of filters"),
    ],
)
def test_bad_convolution_settings_are_refused(settings, message):
    for cls in (Autoencoder, VAE):
        with pytest.raises(ValueError, match=message):
            cls((64, 2), **settings)


def test_data_of_the_wrong_image_shape_is_refused_with_both_shapes():
    model = MODELS["ae"]()
    with pytest.raises(
        ValueError, match=r"\(5, 1, 7, 7\).*\(n_samples, 1, 8, 8\).*\(n_samples, 64\)"
    ):
        model.fit(np.zeros((5, 1, 7, 7), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\(5, 49\).*\(n_samples, 64\)"):
        model.reconstruct(np.zeros((5, 49), dtype=np.float32))
