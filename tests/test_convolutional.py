"""Convolutional models (aelearn.models.convolutional): the course's network, its gradients,
training, saving, the summary, the command line, scikit-learn, and the errors at the edge."""

import numpy as np
import pytest

from aelearn.autograd import Tensor
from aelearn.cli import main
from aelearn.datasets import load_digits
from aelearn.gradient_check import gradcheck_module
from aelearn.io import describe, load, save
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    ConvolutionalFeatures,
    ConvolutionalImage,
    DenoisingAutoencoder,
    Encoder,
    GaussianEncoder,
    LabelConditioned,
)
from aelearn.nn import MLP, Conv2d, ConvTranspose2d, Sequential, one_hot
from aelearn.sklearn import AutoencoderTransformer, VAETransformer

rng = np.random.default_rng(0)
DIGITS = load_digits()
ROWS = DIGITS.X_train[:48]
IMAGES = ROWS.reshape(48, 1, 8, 8)
LABELS = DIGITS.y_train[:48] % 3
SMALL = {"image_shape": (1, 8, 8), "filters": (3, 4), "latent_dim": 2}

MODELS = {
    "ae": lambda dtype=np.float32: Autoencoder.convolutional(**SMALL, rng=1, dtype=dtype),
    "dae": lambda dtype=np.float32: DenoisingAutoencoder.convolutional(
        **SMALL, noise="gaussian", noise_level=0.1, rng=1, dtype=dtype
    ),
    "vae": lambda dtype=np.float32: VAE.convolutional(
        **SMALL, hidden_sizes=(5,), rng=1, dtype=dtype
    ),
    "cvae": lambda dtype=np.float32: CVAE.convolutional(**SMALL, n_classes=3, rng=1, dtype=dtype),
}


def _labels(model):
    return LABELS if model.takes_labels else None


def _args(model, X):
    """X, with the labels for a model that takes them."""
    return (X, LABELS) if model.takes_labels else (X,)


def feature_settings(model):
    """(image_shape, filters, kernel_size) of the model's convolutional encoder trunk."""
    (features,) = [m for m in model.modules() if isinstance(m, ConvolutionalFeatures)]
    return features.image_shape, features.filters, features.kernel_size


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
    model = Autoencoder.convolutional(image_shape=image_shape, filters=(2, 3), latent_dim=2, rng=0)
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
    # The labels as loss_terms takes them from fit: one-hot rows (2, n_classes).
    y = one_hot(LABELS[:2], 3, np.float64) if model.takes_labels else None
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
    assert type(loaded) is type(model) and loaded.input_shape == (64,)
    assert describe(loaded)["config"] == describe(model)["config"]
    assert feature_settings(loaded) == ((1, 8, 8), (3, 4), 3)
    np.testing.assert_array_equal(loaded.reconstruct(IMAGES, y), model.reconstruct(IMAGES, y))
    for mine, theirs in zip(model.parameters(), loaded.parameters(), strict=True):
        np.testing.assert_array_equal(mine.data, theirs.data)


# ----- the command line and scikit-learn ------------------------------------------------------
def test_cli_trains_a_convolutional_model_that_evaluate_reports_on(tmp_path, capsys):
    path = tmp_path / "cdae.npz"
    arguments = [
        "train",
        "--kind",
        "dae",
        "--filters",
        "4,8",
        "--hidden-sizes=",
        "--latent-dim",
        "3",
    ]
    assert main([*arguments, "--epochs", "1", "--output", str(path)]) == 0
    model = load(path)
    assert isinstance(model, DenoisingAutoencoder)
    assert model.sizes == (64, 3) and feature_settings(model) == ((1, 8, 8), (4, 8), 3)
    assert "training DenoisingAutoencoder(" in capsys.readouterr().out
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
    assert feature_settings(est.model_) == ((1, 8, 8), (3,), 3)
    assert est.transform(ROWS).shape == (48, 2)
    assert est.inverse_transform(est.transform(ROWS)).shape == ROWS.shape


def test_sklearn_wrapper_says_both_widths_when_image_shape_does_not_fit():
    est = AutoencoderTransformer(image_shape=(1, 28, 28), epochs=1, verbose=False)
    with pytest.raises(
        ValueError, match=r"image_shape \(1, 28, 28\) holds 784 values .* X has 64 features"
    ):
        est.fit(ROWS)


# ----- the factories and the networks they build ---------------------------------------------
def test_each_factory_hands_its_networks_to_the_constructor():
    ae = Autoencoder.convolutional(**SMALL, hidden_sizes=(5,), rng=0)
    assert isinstance(ae.encoder, Encoder) and isinstance(ae.encoder.net, Sequential)
    features, head = ae.encoder.net.layers
    assert isinstance(features, ConvolutionalFeatures) and isinstance(head, MLP)
    assert head.sizes == (features.out_features, 5, 2) == (16, 5, 2)
    mlp, image = ae.decoder.net.layers
    assert isinstance(mlp, MLP) and isinstance(image, ConvolutionalImage)
    assert mlp.sizes == (2, 5, 16)
    vae = VAE.convolutional(**SMALL, rng=0)
    features, gaussian = vae.encoder.layers
    assert isinstance(features, ConvolutionalFeatures) and isinstance(gaussian, GaussianEncoder)
    assert gaussian.sizes == (16, 2)
    cvae = CVAE.convolutional(**SMALL, n_classes=3, rng=0)
    assert isinstance(cvae.encoder, LabelConditioned) and cvae.encoder.n_classes == 3
    assert isinstance(cvae.encoder.features, ConvolutionalFeatures)
    assert cvae.encoder.net.sizes == (16 + 3, 2)  # the label joins the flattened feature map
    assert isinstance(cvae.decoder, LabelConditioned) and cvae.decoder.features is None
    assert cvae.decoder.net.layers[0].sizes == (2 + 3, 16)  # and joins z in the decoder


@pytest.mark.parametrize("name", MODELS)
def test_a_convolutional_model_knows_its_width_not_its_image_shape(name):
    model = MODELS[name]()
    assert model.input_shape == (64,) and model.n_features == 64 and model.latent_dim == 2
    assert not hasattr(model, "image_shape") and not hasattr(model, "filters")
    assert feature_settings(model) == ((1, 8, 8), (3, 4), 3)


def test_the_convolutional_networks_map_rows_to_rows():
    features = ConvolutionalFeatures((2, 9, 7), (3, 4), 3, rng=0)
    assert (features.in_features, features.out_features) == (2 * 9 * 7, 4 * 3 * 2)
    assert features.output_shape((126,)) == (24,)
    image = ConvolutionalImage((2, 9, 7), (3, 4), 3, rng=0)
    assert (image.in_features, image.out_features) == (24, 126)
    assert image.output_shape((24,)) == (126,)
    x = Tensor(rng.random((2, 126)).astype(np.float32))
    assert image(features(x)).shape == (2, 126)


# ----- errors at the edge ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "settings, message",
    [
        ({"image_shape": (8, 8)}, r"image_shape must be \(channels, height, width\)"),
        ({"image_shape": (1, 0, 8)}, r"each entry of image_shape must be a positive integer"),
        ({"filters": ()}, "filters must give the channels of at least one convolution"),
        ({"kernel_size": 4}, r"kernel_size must be odd .*got 4"),
        ({"filters": (4, 0)}, r"each entry of filters must be a positive integer; got 0"),
    ],
)
def test_bad_convolution_settings_are_refused(settings, message):
    for factory in (Autoencoder.convolutional, VAE.convolutional, CVAE.convolutional):
        with pytest.raises(ValueError, match=message):
            factory(**{**SMALL, **settings})
    for network in (ConvolutionalFeatures, ConvolutionalImage):
        with pytest.raises(ValueError, match=message):
            network(**{"image_shape": (1, 8, 8), **settings})


def test_data_of_the_wrong_size_is_refused_with_both_widths():
    model = MODELS["ae"]()
    with pytest.raises(ValueError, match=r"X has 49 features per sample; this model expects 64"):
        model.fit(np.zeros((5, 1, 7, 7), dtype=np.float32))
    with pytest.raises(ValueError, match=r"X has 49 features per sample; this model expects 64"):
        model.reconstruct(np.zeros((5, 49), dtype=np.float32))
