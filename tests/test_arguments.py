"""Constructor and fit arguments checked at the edge, each message saying what is expected.

A careless call (an int where a sequence of sizes goes, a size of 2.5, a number as a
string, an integer or half-precision dtype, a whole model where an encoder goes) fails
at once with the parameter's name, not deep inside NumPy or after training a while.
"""

import numpy as np
import pytest

from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    Decoder,
    DenoisingAutoencoder,
    Encoder,
    GaussianEncoder,
    StackedAutoencoder,
)
from aelearn.nn import Sequential

rng = np.random.default_rng(0)
X = rng.random((24, 6)).astype(np.float32)
Y = rng.integers(0, 3, size=24)

SIZED = {
    "Autoencoder": Autoencoder,
    "DenoisingAutoencoder": DenoisingAutoencoder,
    "VAE": VAE,
    "CVAE": CVAE,
    "Encoder": Encoder,
    "Decoder": Decoder,
    "GaussianEncoder": GaussianEncoder,
}


@pytest.mark.parametrize("name", SIZED)
@pytest.mark.parametrize(
    ("sizes", "error", "match"),
    [
        (64, TypeError, r"sizes must be a sequence of layer widths .*got 64 \(one width w is"),
        ("64,8", TypeError, r"sizes must be a sequence of layer widths .*got '64,8'"),
        ((), ValueError, r"sizes must list at least 2 widths .*got \(\)"),
        ((64,), ValueError, r"sizes must list at least 2 widths .*got \(64,\)"),
        ((64, 2.5), ValueError, r"each entry of sizes must be a positive integer; got 2\.5"),
        ((64, "8"), ValueError, r"each entry of sizes must be a positive integer; got '8'"),
        ((64, 0), ValueError, r"each entry of sizes must be a positive integer; got 0"),
    ],
)
def test_every_model_refuses_sizes_that_are_not_layer_widths(name, sizes, error, match):
    with pytest.raises(error, match=match):
        SIZED[name](sizes)


@pytest.mark.parametrize("name", SIZED)
@pytest.mark.parametrize(
    ("dtype", "why"),
    [
        (np.int32, "integer weights"),
        (np.float16, "float16 rounds Adam's eps"),
        ("text", "'text' .a model computes in floating point"),
        (None, "None .a model computes"),
    ],
)
def test_every_model_computes_in_float32_or_float64_only(name, dtype, why):
    with pytest.raises(TypeError, match=f"dtype must be np.float32 or np.float64; got .*{why}"):
        SIZED[name]((6, 4, 2), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, "float32", np.dtype(np.float32)])
def test_float_dtypes_spelled_any_way_are_taken(dtype):
    model = Autoencoder((6, 4, 2), rng=0, dtype=dtype)
    assert model.encode(X).dtype == np.dtype(dtype)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"lr": np.inf}, "learning rate must be a finite number > 0; got inf"),
        ({"lr": "0.01"}, "learning rate must be a finite number > 0; got '0.01'"),
        ({"lr": 0}, "learning rate must be a finite number > 0; got 0"),
        ({"epochs": "3"}, "epochs must be a positive integer; got '3'"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer; got 2.5"),
    ],
)
def test_fit_refuses_bad_settings_before_training(settings, match):
    model = Autoencoder((6, 4, 2), rng=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=match):
        model.fit(X, verbose=False, **settings)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_noise_levels_must_be_numbers():
    with pytest.raises(
        ValueError,
        match=r"noise_level \(the probability of masking noise\) must be a finite number; "
        r"got '0.3'",
    ):
        DenoisingAutoencoder((6, 4, 2), noise_level="0.3")


@pytest.mark.parametrize("make", [lambda: CVAE((6, 4, 2), n_classes=3, rng=0), None])
def test_models_that_take_labels_want_them_in_the_validation_data(make):
    if make is None:
        model = Classifier(Autoencoder((6, 4, 2), rng=0).encoder, n_classes=3, rng=0)
    else:
        model = make()
    with pytest.raises(ValueError, match=r"validation_data for a \w+ must be \(X_val, y_val\)"):
        model.fit(X, Y, epochs=1, validation_data=(X,), verbose=False)


def test_a_classifier_goes_on_an_encoder_not_on_a_whole_model():
    with pytest.raises(TypeError, match=r"whole Autoencoder.*Classifier\(model\.encoder"):
        Classifier(Autoencoder((6, 4, 2), rng=0), n_classes=3)


def test_a_classifier_on_a_vae_encoder_says_how_to_use_the_means():
    vae = VAE((6, 4, 2), rng=0)
    with pytest.raises(TypeError, match="returns 2 arrays, as a VAE's encoder returns mu"):
        Classifier(vae.encoder, n_classes=3)
    # The remedy the message gives works, and classifies the posterior means.
    means = Sequential(vae.encoder.trunk, vae.encoder.mu_head)
    clf = Classifier(means, n_classes=3, n_features=vae.n_features, rng=0)
    np.testing.assert_allclose(clf.encoder(X).data, vae.encode(X), rtol=1e-6)


def test_a_classifier_head_takes_a_sequence_of_widths():
    with pytest.raises(TypeError, match=r"hidden_sizes must be a sequence of layer widths .*got 5"):
        Classifier(n_features=6, hidden_sizes=5)


def test_interpolation_takes_one_example_of_n_features_values_at_each_end():
    vae = VAE((6, 4, 2), rng=0)
    path = vae.interpolate(X[0], X[1:2], steps=3)
    assert path.shape == (3, 6)
    # An example of any shape holding its n_features values: a (2, 3) image here.
    np.testing.assert_array_equal(vae.interpolate(X[0], X[1].reshape(2, 3), steps=3), path)
    with pytest.raises(ValueError, match=r"x_a and x_b must each be one example of 6 values"):
        vae.interpolate(X[0, :5], X[1, :5])
    # Two examples at one end: refused by aelearn's check, which names the arguments.
    with pytest.raises(ValueError, match=r"x_a and x_b"):
        vae.interpolate(X[0], X[:2])


@pytest.mark.parametrize(
    ("settings", "error", "match"),
    [
        ({"hidden_sizes": 5}, TypeError, r"hidden_sizes must be a sequence .*got 5 \(one width"),
        ({"hidden_sizes": ()}, ValueError, r"hidden_sizes must list at least 1 widths"),
        ({"hidden_sizes": (4, 2.5)}, ValueError, r"each entry of hidden_sizes .*got 2\.5"),
        ({"hidden_sizes": (4,), "dtype": np.int32}, TypeError, r"dtype must be np\.float32"),
        (
            {"hidden_sizes": (4, 2), "activation": "relu", "loss": "bce"},
            ValueError,
            r"loss='bce' needs each stage's input in \[0, 1\], but stage 2 sees relu codes",
        ),
    ],
)
def test_stacked_pretraining_refuses_bad_settings_before_any_stage_trains(settings, error, match):
    with pytest.raises(error, match=match):
        StackedAutoencoder(**settings)


def test_stacked_pretraining_refuses_data_without_columns():
    with pytest.raises(ValueError, match=r"X has no features \(shape \(10, 0\)\)"):
        StackedAutoencoder((4,), rng=0).fit(np.zeros((10, 0)), epochs=1, verbose=False)


def test_stacked_cross_entropy_wants_data_in_the_unit_interval():
    with pytest.raises(
        ValueError, match=r"values in \[0.008216, 2.992\]; a Bernoulli / binary cross-entropy"
    ):
        StackedAutoencoder((4,), loss="bce", rng=0).fit(X * 3, epochs=1, verbose=False)
