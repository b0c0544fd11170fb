import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from aelearn.models import VAE, Autoencoder, DenoisingAutoencoder
from aelearn.models.convolutional import ConvolutionalFeatures
from aelearn.nn import constructor_parameters
from aelearn.sklearn import AutoencoderTransformer, VAETransformer

# What a wrapper uses itself rather than passing on to its model.
WRAPPER_ONLY = {
    "latent_dim",
    "hidden_sizes",
    "epochs",
    "batch_size",
    "learning_rate",
    "random_state",
    "verbose",
    # The convolution's settings go to the model class's ``convolutional`` factory.
    "image_shape",
    "filters",
    "kernel_size",
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


# No check needs an expected failure: likelihood="auto" (VAE) and output_activation="auto" (AE)
# choose a
# Gaussian likelihood / an identity output and squared error for the checks' data, which lie
# outside [0, 1]. With
# likelihood="bernoulli" fixed, nearly every check would fail on purpose, by refusing that data
# (see test_fixed_bernoulli_refuses_data_outside_unit_interval).
@parametrize_with_checks(
    [
        AutoencoderTransformer(hidden_sizes=(8,), epochs=2),
        AutoencoderTransformer(hidden_sizes=(8,), epochs=2, noise="gaussian", noise_level=0.1),
        VAETransformer(hidden_sizes=(8,), epochs=2),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_fixed_bernoulli_refuses_data_outside_unit_interval():
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=r"expects values in \[0, 1\]"):
        VAETransformer(likelihood="bernoulli", epochs=1).fit(X)


def test_fit_learns_attributes_and_transform_gives_codes(digits):
    X, _ = digits
    est = AutoencoderTransformer(latent_dim=3, hidden_sizes=(16,), epochs=3, random_state=0)
    assert est.fit(X) is est
    assert est.n_features_in_ == 64
    assert isinstance(est.model_, Autoencoder)
    assert len(est.history_) == 3
    Z = est.transform(X)
    assert Z.shape == (400, 3)
    np.testing.assert_array_equal(Z, est.model_.encode(X))
    assert est.inverse_transform(Z).shape == (400, 64)
    assert list(est.get_feature_names_out()) == [f"autoencodertransformer{i}" for i in range(3)]


def test_noise_makes_a_denoising_autoencoder(digits):
    est = AutoencoderTransformer(noise="masking", noise_level=0.2, epochs=1, random_state=0)
    est.fit(digits[0])
    assert isinstance(est.model_, DenoisingAutoencoder)
    assert (est.model_.noise, est.model_.noise_level) == ("masking", 0.2)


def test_auto_output_activation_is_sigmoid_inside_the_unit_interval_and_identity_outside(digits):
    X, _ = digits
    est = AutoencoderTransformer(hidden_sizes=(8,), epochs=1, random_state=0)
    assert est.fit(X).output_activation_ == "sigmoid"
    assert est.model_.output_activation == "sigmoid" and est.model_.loss_ == "bce"
    assert est.fit(X * 16).output_activation_ == "identity"
    assert est.model_.output_activation == "identity" and est.model_.loss_ == "mse"
    # The parameter is left as given; the choice is output_activation_.
    assert est.output_activation == "auto"
    fixed = AutoencoderTransformer(output_activation="identity", epochs=1, random_state=0).fit(X)
    assert fixed.output_activation_ == "identity"


@pytest.mark.parametrize(
    ("wrapper", "model_classes"),
    [(AutoencoderTransformer, (Autoencoder, DenoisingAutoencoder)), (VAETransformer, (VAE,))],
)
def test_every_wrapper_parameter_is_its_own_or_one_its_models_take(wrapper, model_classes):
    # A parameter that neither the wrapper uses nor a model takes would be silently ignored
    # (as a model parameter renamed in the model, but not in the wrapper, would be).
    taken = {p.name for cls in model_classes for p in constructor_parameters(cls)}
    params = set(wrapper().get_params())
    assert params - WRAPPER_ONLY <= taken
    assert not WRAPPER_ONLY & taken


@pytest.mark.parametrize(
    "est",
    [
        AutoencoderTransformer(
            activation="tanh",
            output_activation="sigmoid",
            loss="mse",
            noise="gaussian",
            noise_level=0.05,
        ),
        VAETransformer(
            activation="tanh", likelihood="gaussian", decoder_std=0.5, beta=0.25, warmup_epochs=2
        ),
    ],
    ids=["AutoencoderTransformer", "VAETransformer"],
)
def test_the_model_parameters_reach_the_model(est, digits):
    est.set_params(latent_dim=3, hidden_sizes=(8,), epochs=1, random_state=0)
    config = est.fit(digits[0]).model_.get_config()
    passed_on = set(est.get_params()) - WRAPPER_ONLY
    assert {name: config[name] for name in passed_on} == {
        name: getattr(est, name) for name in passed_on
    }
    assert config["sizes"] == (64, 8, 3)


def test_vae_transform_is_the_posterior_mean_and_picks_bernoulli_for_pixels(digits):
    X, _ = digits
    est = VAETransformer(latent_dim=2, hidden_sizes=(16,), epochs=2, random_state=0).fit(X)
    assert isinstance(est.model_, VAE) and est.likelihood_ == "bernoulli"
    np.testing.assert_array_equal(est.transform(X), est.model_.encode(X))
    assert est.fit(X * 16).likelihood_ == "gaussian"


def test_same_random_state_gives_identical_codes(digits):
    X, _ = digits
    a = AutoencoderTransformer(epochs=2, random_state=3).fit_transform(X)
    b = AutoencoderTransformer(epochs=2, random_state=3).fit_transform(X)
    c = AutoencoderTransformer(epochs=2, random_state=4).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_training_longer_raises_the_score(digits):
    X, _ = digits
    for cls in (AutoencoderTransformer, VAETransformer):
        short = cls(hidden_sizes=(32,), epochs=1, random_state=0).fit(X).score(X)
        longer = cls(hidden_sizes=(32,), epochs=30, random_state=0).fit(X).score(X)
        assert longer > short


def test_vae_score_is_the_mean_elbo(digits):
    X, _ = digits
    est = VAETransformer(epochs=2, random_state=0).fit(X)
    assert est.score(X) == pytest.approx(-est.model_.evaluate(X)["neg_elbo"])


def test_unfitted_transform_raises_not_fitted():
    with pytest.raises(NotFittedError):
        VAETransformer().transform(np.zeros((2, 3)))


def test_inverse_transform_wants_latent_dim_columns(digits):
    est = AutoencoderTransformer(latent_dim=2, epochs=1, random_state=0).fit(digits[0])
    with pytest.raises(ValueError, match="codes with 2 columns"):
        est.inverse_transform(np.zeros((4, 3)))


def test_drops_into_pipeline_and_grid_search_in_place_of_pca(digits):
    X, y = digits
    # The same pipeline with PCA first, then with each estimator in its place.
    for reducer in (
        PCA(),
        AutoencoderTransformer(epochs=10, random_state=0),
        VAETransformer(epochs=10, random_state=0),
    ):
        key = "n_components" if isinstance(reducer, PCA) else "latent_dim"
        pipe = Pipeline([("reduce", reducer), ("classify", LogisticRegression(max_iter=2000))])
        search = GridSearchCV(pipe, {f"reduce__{key}": [2, 8]}, cv=2).fit(X, y)
        assert search.best_params_[f"reduce__{key}"] == 8  # 8 codes separate digits better
        assert search.score(X, y) > 0.5


def test_grid_search_without_classifier_uses_the_estimators_score(digits):
    X, _ = digits
    search = GridSearchCV(
        AutoencoderTransformer(hidden_sizes=(32,), random_state=0),
        {"epochs": [1, 20]},
        cv=2,
    ).fit(X)
    assert search.best_params_ == {"epochs": 20}


def test_clone_keeps_params_and_drops_the_model(digits):
    est = VAETransformer(beta=0.5, epochs=1, random_state=0).fit(digits[0])
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "model_")


@pytest.mark.parametrize("wrapper", [AutoencoderTransformer, VAETransformer])
def test_an_image_shape_builds_the_model_with_its_convolutional_factory(wrapper, digits):
    X, _ = digits
    est = wrapper(
        latent_dim=3, hidden_sizes=(), image_shape=(1, 8, 8), filters=(4,), epochs=1, random_state=0
    ).fit(X)
    convolutions = [m for m in est.model_.modules() if isinstance(m, ConvolutionalFeatures)]
    assert len(convolutions) == 1 and convolutions[0].filters == (4,)
    assert convolutions[0].image_shape == (1, 8, 8) and convolutions[0].kernel_size == 3
    assert est.transform(X).shape == (400, 3)
    assert est.inverse_transform(est.transform(X[:5])).shape == (5, 64)


def test_an_image_shape_that_does_not_hold_the_features_is_refused(digits):
    est = AutoencoderTransformer(image_shape=(1, 7, 7), filters=(4,), epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"image_shape \(1, 7, 7\) holds 49 values .* 64"):
        est.fit(digits[0])


def test_a_refit_that_diverges_leaves_the_estimator_unfitted():
    from sklearn.utils.validation import check_is_fitted

    from aelearn.training import TrainingDiverged

    X = load_digits().data.astype(np.float32) / 16.0
    est = AutoencoderTransformer(latent_dim=2, epochs=1, random_state=0, verbose=False).fit(X)
    est.set_params(learning_rate=1e12, epochs=5)
    with pytest.raises(TrainingDiverged):
        est.fit(X[:, :32])
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.transform(X)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"hidden_sizes": "128,64"}, r"hidden_sizes must be a sequence of positive ints"),
        ({"image_shape": 8}, r"image_shape must be \(channels, height, width\)"),
        (
            {"image_shape": (1, 4, 4)},
            r"image_shape \(1, 4, 4\) holds 16 values per example, but X has 64",
        ),
    ],
)
def test_settings_written_as_on_the_command_line_get_a_clear_error(settings, message):
    X = load_digits().data.astype(np.float32) / 16.0
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(epochs=1, verbose=False, **settings).fit(X)
