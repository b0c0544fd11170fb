"""Tests of aelearn.models.vae and cvae: the reparameterisation in training, the loss as the
course writes it, the ablations, the importance-weighted likelihood, generation, and the
conditional VAE's labels."""

import numpy as np
import pytest

import aelearn.models.vae as vae_module
from aelearn.datasets import load_digits
from aelearn.models import CVAE, VAE, GaussianEncoder


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def trained_vae(digits):
    """A VAE trained on all digits for 20 epochs (about a second); do not train it further."""
    return VAE(sizes=(64, 128, 8), rng=0).fit(digits.X_train, epochs=20, lr=3e-3)


def softplus(a):
    return np.logaddexp(0.0, a)


# ----- the reparameterisation in training ------------------------------------------------
def test_eps_is_drawn_fresh_for_every_batch(monkeypatch, digits):
    draws, original = [], vae_module.reparameterize

    def spy(mu, logvar, rng=None, eps=None):
        z = original(mu, logvar, rng=rng, eps=eps)
        draws.append(z.op.eps.copy())  # the noise the Reparameterize op used
        return z

    monkeypatch.setattr(vae_module, "reparameterize", spy)
    VAE(sizes=(64, 16, 3), rng=0).fit(digits.X_train[:40], epochs=1, batch_size=20)
    assert len(draws) == 2 and draws[0].shape == (20, 3)
    assert not np.allclose(draws[0], draws[1])
    assert abs(draws[0].std() - 1.0) < 0.3


def test_encode_returns_mu_and_draws_nothing(digits):
    model = VAE(sizes=(64, 16, 3), rng=0)
    state = model.rng.bit_generator.state
    Z = model.encode(digits.X_test[:10])
    assert model.rng.bit_generator.state == state
    mu, _ = model.encoder(vae_module.Tensor(digits.X_test[:10]))
    np.testing.assert_array_equal(Z, mu.data)
    np.testing.assert_array_equal(model.encode(digits.X_test[:10]), Z)


def test_encode_with_sample_draws_from_the_posterior(digits):
    model = VAE(sizes=(64, 16, 3), rng=0)
    state = model.rng.bit_generator.state
    a = model.encode(digits.X_test[:10], sample=True)
    assert model.rng.bit_generator.state != state
    b = model.encode(digits.X_test[:10], sample=True)
    assert not np.allclose(a, b)
    mu, logvar = (t.data for t in model.encoder(vae_module.Tensor(digits.X_test[:10])))
    eps = (a - mu) / np.exp(0.5 * logvar)  # the draw, recovered: a standard normal
    assert np.all(np.abs(eps) < 6.0) and eps.std() > 0.5


# ----- the loss --------------------------------------------------------------------------
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_loss_terms_are_per_example_sums_averaged_over_the_batch(likelihood, digits):
    beta, std = 0.7, 0.5
    model = VAE(sizes=(64, 16, 3), likelihood=likelihood, decoder_std=std, beta=beta, rng=0)
    x = digits.X_train[:25]
    terms = model.loss_terms(x, None, np.random.default_rng(11))
    # The same eps, drawn again from the same seed, and the loss recomputed in NumPy.
    eps = np.random.default_rng(11).standard_normal((25, 3), dtype=np.float32)
    mu, logvar = (t.data for t in model.encoder(vae_module.Tensor(x)))
    out = model.decoder(vae_module.Tensor(mu + np.exp(0.5 * logvar) * eps)).data
    if likelihood == "bernoulli":
        nll = np.sum(softplus(out) - x * out, axis=1)
    else:
        nll = np.sum((x - out) ** 2, axis=1) / (2 * std**2) + 32 * np.log(2 * np.pi * std**2)
    kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)
    np.testing.assert_allclose(terms["reconstruction"].item(), nll.mean(), rtol=1e-5)
    np.testing.assert_allclose(terms["kl"].item(), kl.mean(), rtol=1e-5)
    np.testing.assert_allclose(terms["loss"].item(), nll.mean() + beta * kl.mean(), rtol=1e-5)


def test_several_draws_average_the_reconstruction_term(digits):
    model = VAE(sizes=(64, 16, 3), n_draws=3, rng=0)
    x = digits.X_train[:10]
    terms = model.loss_terms(x, None, np.random.default_rng(2))
    rng = np.random.default_rng(2)
    mu, logvar = (t.data for t in model.encoder(vae_module.Tensor(x)))
    nll = 0.0
    for _ in range(3):
        eps = rng.standard_normal((10, 3), dtype=np.float32)
        out = model.decoder(vae_module.Tensor(mu + np.exp(0.5 * logvar) * eps)).data
        nll += np.mean(np.sum(softplus(out) - x * out, axis=1)) / 3
    np.testing.assert_allclose(terms["reconstruction"].item(), nll, rtol=1e-5)


def test_beta_zero_drops_the_kl_from_the_loss(digits):
    model = VAE(sizes=(64, 16, 3), beta=0.0, rng=0)
    terms = model.loss_terms(digits.X_train[:10], None, np.random.default_rng(0))
    assert terms["kl"].item() > 0.0
    assert terms["loss"].item() == terms["reconstruction"].item()


def test_without_reconstruction_the_posterior_collapses(digits):
    X = digits.X_train[:500]
    model = VAE(sizes=(64, 32, 4), reconstruction_weight=0.0, rng=0)
    terms = model.loss_terms(X[:10], None, np.random.default_rng(0))
    assert terms["loss"].item() == terms["kl"].item()
    model.fit(X, epochs=30, lr=1e-2)
    assert model.history_["kl"][0] > 0.1  # measured 0.21 in the first epoch
    assert model.evaluate(X)["kl"] < 1e-3  # measured 7e-6
    assert model.active_units(X) == 0


# ----- measuring a trained model ---------------------------------------------------------
def test_vae_on_digits_reaches_a_measured_negative_elbo(trained_vae, digits):
    result = trained_vae.evaluate(digits.X_test)
    # Measured 24.98 nats (reconstruction 22.15, KL 2.83); untrained, about 44.
    assert result["neg_elbo"] < 27.0
    assert result["kl"] > 1.0  # the codes carry information: not collapsed
    assert trained_vae.active_units(digits.X_test) >= 4


def test_importance_weighted_likelihood_rises_towards_log_px_with_k(trained_vae, digits):
    X = digits.X_test[:100]
    estimates = {K: trained_vae.log_likelihood(X, n_draws=K).mean() for K in (1, 10, 100)}
    elbo = -trained_vae.evaluate(X, n_draws=50)["neg_elbo"]
    # Measured: -24.66, -24.38, -24.33 against an ELBO of -24.57.
    assert estimates[1] < estimates[10] < estimates[100]
    assert estimates[100] > elbo + 0.1


def test_log_likelihood_with_one_sample_is_an_unbiased_elbo_draw(trained_vae, digits):
    X = digits.X_test
    draws = trained_vae.log_likelihood(X, n_draws=1)
    assert draws.shape == (360,)
    elbo = -trained_vae.evaluate(X, n_draws=100)["neg_elbo"]
    standard_error = draws.std() / np.sqrt(len(draws))
    assert abs(draws.mean() - elbo) < 4 * standard_error


def test_kl_per_dimension_sums_to_the_kl_of_evaluate(trained_vae, digits):
    per_dimension = trained_vae.kl_per_dimension(digits.X_test)
    assert per_dimension.shape == (8,) and np.all(per_dimension >= 0.0)
    np.testing.assert_allclose(per_dimension.sum(), trained_vae.evaluate(digits.X_test)["kl"])


def test_reconstruction_error_is_the_mean_squared_error_per_pixel_of_the_reconstruction(
    trained_vae, digits
):
    X = digits.X_test
    expected = np.mean((trained_vae.reconstruct(X) - X) ** 2, dtype=np.float64)
    np.testing.assert_allclose(trained_vae.reconstruction_error(X), expected, rtol=1e-6)
    assert trained_vae.reconstruction_error(X) < np.mean((X - X.mean(0)) ** 2)  # beats the mean


def test_a_cvae_measures_its_reconstruction_error_given_the_labels(digits):
    model = CVAE(sizes=(64, 16, 2), n_classes=10, rng=0)
    X, y = digits.X_test[:20], digits.y_test[:20]
    expected = np.mean((model.reconstruct(X, y) - X) ** 2, dtype=np.float64)
    np.testing.assert_allclose(model.reconstruction_error(X, y), expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"needs labels y of shape \(20,\)"):
        model.reconstruction_error(X)


# ----- likelihoods and data --------------------------------------------------------------
def test_gaussian_likelihood_trains_on_data_outside_the_unit_interval(digits):
    X = (digits.X_train[:300] - 0.5) * 4.0
    model = VAE(sizes=(64, 16, 3), likelihood="gaussian", rng=0).fit(X, epochs=5, lr=1e-2)
    assert np.all(np.isfinite(model.history_["loss"]))
    assert model.history_["loss"][-1] < model.history_["loss"][0]
    assert model.reconstruct(X[:5]).min() < 0.0  # the mean is not squashed into [0, 1]


def test_bernoulli_likelihood_refuses_data_outside_the_unit_interval(digits):
    X = (digits.X_train[:50] - 0.5) * 4.0
    with pytest.raises(ValueError, match=r"expects values in \[0, 1\].*Gaussian likelihood"):
        VAE(sizes=(64, 16, 3), rng=0).fit(X, epochs=1)


def test_dynamic_binarisation_feeds_fresh_binary_batches(monkeypatch, digits):
    batches = []
    model = VAE(sizes=(64, 16, 3), binarize=True, rng=0)
    forward = model.encoder.forward

    def spy(x):  # what the encoder sees
        batches.append(x.data.copy())
        return forward(x)

    model.encoder.forward = spy
    X = np.tile(digits.X_train[:1], (40, 1))  # one image: grey levels are probabilities
    model.fit(X, epochs=1, batch_size=20)
    assert len(batches) == 2
    for batch in batches:
        assert set(np.unique(batch)) <= {0.0, 1.0}
    assert not np.array_equal(batches[0], batches[1])
    # Each pixel is on about as often as its grey level says.
    frequency = np.concatenate(batches).mean(axis=0)
    assert np.abs(frequency - X[0]).max() < 0.4
    np.testing.assert_array_equal(frequency[X[0] == 0.0], 0.0)


# ----- generation ------------------------------------------------------------------------
def test_sample_shape_and_range(trained_vae):
    images = trained_vae.sample(12)
    assert images.shape == (12, 64) and images.min() >= 0.0 and images.max() <= 1.0
    binary = trained_vae.sample(5, bernoulli=True)
    assert binary.shape == (5, 64) and set(np.unique(binary)) <= {0.0, 1.0}


def test_interpolation_ends_at_the_reconstructions_of_the_two_inputs(trained_vae, digits):
    x_a, x_b = digits.X_test[0], digits.X_test[1]
    path = trained_vae.interpolate(x_a, x_b, steps=7)
    assert path.shape == (7, 64)
    ends = trained_vae.reconstruct(np.stack([x_a, x_b]))
    np.testing.assert_allclose(path[[0, -1]], ends, atol=1e-6)
    assert not np.allclose(path[3], ends[0]) and not np.allclose(path[3], ends[1])


def test_latent_grid_needs_two_latent_dimensions():
    images, coordinates = VAE(sizes=(64, 16, 2), rng=0).latent_grid(n=5)
    assert images.shape == (25, 64) and coordinates.shape == (5,)
    assert coordinates[2] == 0.0 and np.all(np.diff(coordinates) > 0)
    with pytest.raises(ValueError, match="latent_grid needs a 2-D latent space, not 3-D"):
        VAE(sizes=(64, 16, 3), rng=0).latent_grid()


def test_plain_vae_refuses_a_label():
    with pytest.raises(ValueError, match="not conditional"):
        VAE(sizes=(64, 16, 2), rng=0).sample(3, label=1)


# ----- the conditional VAE ---------------------------------------------------------------
def test_cvae_needs_labels(digits):
    model = CVAE(sizes=(64, 16, 2), rng=0)
    with pytest.raises(ValueError, match=r"needs labels y of shape \(50,\)"):
        model.fit(digits.X_train[:50], epochs=1)
    with pytest.raises(ValueError, match=r"generates a chosen class: pass label, one int in 0..9"):
        model.sample(3)


def test_cvae_refuses_labels_outside_its_classes_naming_them(digits):
    model = CVAE(sizes=(64, 16, 2), n_classes=3, rng=0)
    y = np.array([0, 1, 2, 3, 1])
    with pytest.raises(ValueError, match="knows the classes 0 to 2"):
        model.fit(digits.X_train[:5], y, epochs=1)
    with pytest.raises(ValueError, match="knows the classes 0 to 2"):
        model.sample(2, label=5)


def test_cvae_generates_the_chosen_class(digits):
    model = CVAE(sizes=(64, 64, 4), rng=0)
    model.fit(digits.X_train, digits.y_train, epochs=15, lr=3e-3)
    class_means = np.stack([digits.X_train[digits.y_train == c].mean(0) for c in range(10)])
    nearest = []
    for c in range(10):
        images = model.sample(30, label=c)
        assert images.shape == (30, 64)
        distances = np.sum((class_means - images.mean(0)) ** 2, axis=1)
        nearest.append(int(np.argmin(distances)))
    assert sum(n == c for c, n in enumerate(nearest)) >= 9
    # The same z decoded under two labels gives two different images.
    Z = np.zeros((1, 4), dtype=np.float32)
    assert np.abs(model.decode(Z, y=[3]) - model.decode(Z, y=[7])).max() > 0.3


def test_cvae_asks_for_labels_whenever_it_encodes_or_decodes(digits):
    model = CVAE(sizes=(64, 16, 2), rng=0)
    with pytest.raises(ValueError, match=r"needs labels y of shape \(5,\).*encodes or decodes"):
        model.encode(digits.X_test[:5])
    with pytest.raises(ValueError, match=r"needs labels y of shape \(2,\).*encodes or decodes"):
        model.decode(np.zeros((2, 2)))


def test_cvae_label_is_one_int_or_one_per_generated_example():
    model = CVAE(sizes=(64, 16, 2), n_classes=3, rng=0)
    assert model.sample(3, label=[0, 1, 2]).shape == (3, 64)
    assert model.sample(3, label=1).shape == (3, 64)
    with pytest.raises(ValueError, match=r"label must have shape \(3,\), one label per sample"):
        model.sample(3, label=[0, 1])


# ----- settings refused at construction --------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"warmup_epochs": -1}, r"warmup_epochs \(0: no warm-up\) must be an integer >= 0; got -1"),
        (
            {"warmup_epochs": 2.7},
            r"warmup_epochs \(0: no warm-up\) must be an integer >= 0; got 2\.7",
        ),
        ({"reconstruction_weight": -0.5}, r"reconstruction_weight must be >= 0.*got -0\.5"),
        ({"beta": float("nan")}, r"beta must be a finite number; got nan"),
        ({"beta": -1}, r"beta must be >= 0; got -1"),
        ({"beta": "1"}, r"beta must be a finite number; got '1'"),
        ({"decoder_std": 0.0}, r"decoder_std must be > 0.*got 0\.0"),
        (
            {"sizes": (64,)},
            r"sizes must list at least 2 widths \(n_features, hidden\.\.\., latent_dim\).*\(64,\)",
        ),
        ({"sizes": ("64", 8)}, r"each entry of sizes must be a positive integer; got '64'"),
        ({"sizes": (64, 16.5, 2)}, r"each entry of sizes must be a positive integer.*16\.5"),
    ],
)
def test_vae_refuses_bad_settings_saying_what_is_expected(settings, match):
    with pytest.raises(ValueError, match=match):
        VAE(**{"sizes": (64, 16, 2), "rng": 0, **settings})


def test_warmup_epochs_zero_is_accepted():
    assert VAE(sizes=(64, 16, 2), warmup_epochs=0, rng=0).warmup_epochs == 0


# ----- the encoder's heads ---------------------------------------------------------------
def test_the_encoder_heads_follow_the_models_init():
    normal = VAE(sizes=(64, 16, 3), init="normal", rng=0).encoder
    default = VAE(sizes=(64, 16, 3), rng=0).encoder
    for head in ("mu_head", "logvar_head"):
        # "normal" draws N(0, 0.01^2); Glorot for a (16, 3) layer has std 0.32.
        assert getattr(normal, head).weight.data.std() < 0.02
        assert getattr(default, head).weight.data.std() > 0.2


def test_an_encoder_seeded_with_an_int_draws_different_heads():
    encoder = GaussianEncoder((64, 16, 3), rng=0)
    assert not np.array_equal(encoder.mu_head.weight.data, encoder.logvar_head.weight.data)


# ----- the measures, against NumPy -------------------------------------------------------
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_evaluate_and_log_likelihood_match_the_formulas_in_numpy(likelihood, digits):
    std = 0.5
    model = VAE(sizes=(64, 16, 3), likelihood=likelihood, decoder_std=std, rng=0)
    x = digits.X_test[:7]
    mu, logvar = (t.data for t in model.encoder(vae_module.Tensor(x)))

    def log_px(out):
        if likelihood == "bernoulli":
            return -np.sum(softplus(out) - x * out, axis=1)
        return -np.sum((x - out) ** 2, axis=1) / (2 * std**2) - 32 * np.log(2 * np.pi * std**2)

    def decoded(eps):
        return model.decoder(vae_module.Tensor(mu + np.exp(0.5 * logvar) * eps)).data

    # evaluate with one draw, from its seeded Generator.
    eps = np.random.default_rng(5).standard_normal((7, 3), dtype=np.float32)
    kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)
    nll = -log_px(decoded(eps))
    result = model.evaluate(x, n_draws=1, seed=5)
    np.testing.assert_allclose(result["kl"], kl.mean(), rtol=1e-5)
    np.testing.assert_allclose(result["reconstruction"], nll.mean(), rtol=1e-5)
    np.testing.assert_allclose(result["neg_elbo"], (nll + kl).mean(), rtol=1e-5)

    # log_likelihood with K = 2 in one batch: draw k of example i is row k * 7 + i.
    eps = np.random.default_rng(3).standard_normal((14, 3), dtype=np.float32).reshape(2, 7, 3)
    log_w = []
    for k in range(2):
        z = mu + np.exp(0.5 * logvar) * eps[k]
        log_pz = -0.5 * np.sum(z**2 + np.log(2 * np.pi), axis=1)
        log_qz = -0.5 * np.sum(eps[k] ** 2 + np.log(2 * np.pi) + logvar, axis=1)
        log_w.append(log_px(decoded(eps[k])) + log_pz - log_qz)
    expected = np.logaddexp(*log_w) - np.log(2.0)
    got = model.log_likelihood(x, n_draws=2, batch_size=7, seed=3)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_log_likelihood_refuses_a_batch_size_that_is_not_positive(batch_size, digits):
    model = VAE(sizes=(64, 16, 3), rng=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.log_likelihood(digits.X_test[:5], n_draws=2, batch_size=batch_size)


def test_a_label_conditioned_network_passes_a_finite_difference_check():
    from aelearn import Tensor, gradcheck
    from aelearn.models import LabelConditioned
    from aelearn.nn import MLP, one_hot

    net = LabelConditioned(MLP((3 + 4, 5, 2), activation="tanh", rng=0, dtype=np.float64), 4)
    x = Tensor(np.random.default_rng(1).standard_normal((6, 3)), requires_grad=True)
    labels = one_hot(np.array([0, 3, 1, 2, 3, 0]), 4, np.float64)  # one-hot rows (6, 4)
    params = net.parameters()
    gradcheck(lambda x, *_: net(x, labels), [x, *params], raise_on_failure=True)


def test_binary_samples_are_refused_for_a_gaussian_likelihood():
    vae = VAE((64, 16, 2), likelihood="gaussian", rng=0)
    with pytest.raises(ValueError, match="bernoulli=True draws binary pixels .* gaussian"):
        vae.sample(4, bernoulli=True)
    assert set(np.unique(VAE((64, 16, 2), rng=0).sample(4, bernoulli=True))) <= {0.0, 1.0}
