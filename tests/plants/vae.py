"""Planted wrong answers for the checks of notebook 07 (aelearn/exercises/vae.py).

The experiments' numbers are real: measured at the notebook's seed 0 with the solutions'
settings (64-128-2 VAEs, 30 or 40 epochs on data.X_train, scored on data.X_test), changed
only by the mistake named, e.g.
``VAE((64, 128, 2), rng=0).evaluate(load_digits().X_test)`` for the untrained model, and
``history_["kl"][0]`` for "the first epoch's KL instead of the largest of the first 10".
"""

import numpy as np

from aelearn.autograd import Tensor
from aelearn.losses import gaussian_kl

# Seed 0, nats per test example: VAE((64, 128, 2), beta=b, rng=0).fit(X_train, epochs=30).
BETA_1 = {"reconstruction": 24.490, "kl": 1.4718, "neg_elbo": 25.962}
BETA_4 = {"reconstruction": 27.242, "kl": 0.0063514, "neg_elbo": 27.249}
UNTRAINED = {"reconstruction": 44.571, "kl": 0.21943, "neg_elbo": 44.790}

# Seed 0, 40 epochs: history_["kl"] and the test negative ELBO, warmup_epochs=0 and 20.
NO_WARMUP = {"kl_max_10": 1.574, "kl_first": 0.367, "neg_elbo": 25.788}
WARMUP = {"kl_max_10": 21.664, "kl_first": 2.684, "neg_elbo": 25.661}


def _beta_answer(one, four, key="reconstruction"):
    return {
        "reconstruction_1": one[key],
        "kl_1": one["kl"],
        "reconstruction_4": four[key],
        "kl_4": four["kl"],
    }


def _warmup_answer(plain, warm, peak="kl_max_10", sign=1.0):
    return {
        "kl_peak": plain[peak],
        "kl_peak_warmup": warm[peak],
        "neg_elbo": sign * plain["neg_elbo"],
        "neg_elbo_warmup": sign * warm["neg_elbo"],
    }


def _kl_without_variance_ratio(mu1, logvar1, mu2, logvar2):
    return 0.5 * np.sum(np.exp(logvar1) + (mu1 - mu2) ** 2 - 1.0 - logvar1, axis=1)


def _kl_without_half(mu1, logvar1, mu2, logvar2):
    var_ratio = np.exp(logvar1 - logvar2)
    return np.sum(var_ratio + (mu1 - mu2) ** 2 / np.exp(logvar2) - 1.0 - (logvar1 - logvar2), 1)


def _kl_the_other_way(mu1, logvar1, mu2, logvar2):
    var_ratio = np.exp(logvar2 - logvar1)
    mean_term = (mu1 - mu2) ** 2 / np.exp(logvar1)
    return 0.5 * np.sum(var_ratio + mean_term - 1.0 - (logvar2 - logvar1), axis=1)


def _kl_mean_term_not_scaled(mu1, logvar1, mu2, logvar2):
    var_ratio = np.exp(logvar1 - logvar2)
    return 0.5 * np.sum(var_ratio + (mu1 - mu2) ** 2 - 1.0 - (logvar1 - logvar2), axis=1)


def _kl_per_dimension(mu1, logvar1, mu2, logvar2):
    var_ratio = np.exp(logvar1 - logvar2)
    return 0.5 * (var_ratio + (mu1 - mu2) ** 2 / np.exp(logvar2) - 1.0 - (logvar1 - logvar2))


def _elbo_terms(vae_model, x, eps, sigma=lambda lv: np.exp(lv / 2), use_eps=True, sign=1.0):
    """The ELBO's two terms, with the mistakes below as options."""
    mu, logvar = (t.data for t in vae_model.encoder(Tensor(x)))
    z = mu + sigma(logvar) * eps if use_eps else mu
    logits = vae_model.decoder(Tensor(z)).data
    reconstruction = np.sum(np.logaddexp(0.0, logits) - x * logits, axis=1)
    kl = gaussian_kl(Tensor(mu), Tensor(logvar), "none").data
    return sign * reconstruction, kl


def _elbo_terms_kl_without_half(vae_model, x, eps):
    reconstruction, kl = _elbo_terms(vae_model, x, eps)
    return reconstruction, 2 * kl


def _elbo_terms_mean_over_pixels(vae_model, x, eps):
    reconstruction, kl = _elbo_terms(vae_model, x, eps)
    return reconstruction / x.shape[1], kl


PLANTS = {
    "beta_four": [
        ("the untrained model, twice", _beta_answer(UNTRAINED, UNTRAINED), "untrained model"),
        ("the beta = 1 model scored twice", _beta_answer(BETA_1, BETA_1), "same numbers"),
        ("the two betas swapped", _beta_answer(BETA_4, BETA_1), "swapped"),
        (
            "the negative ELBO given as the reconstruction",
            _beta_answer(BETA_1, BETA_4, key="neg_elbo"),
            "negative ELBO",
        ),
        (
            "log-likelihoods, the sign of the reconstruction term forgotten",
            {
                "reconstruction_1": -BETA_1["reconstruction"],
                "kl_1": BETA_1["kl"],
                "reconstruction_4": -BETA_4["reconstruction"],
                "kl_4": BETA_4["kl"],
            },
            "negative",
        ),
        (
            "only the beta = 4 model untrained",
            _beta_answer(BETA_1, UNTRAINED),
            "untrained model",
        ),
    ],
    "warmup": [
        ("the no-warm-up run twice", _warmup_answer(NO_WARMUP, NO_WARMUP), "same numbers"),
        ("the two runs swapped", _warmup_answer(WARMUP, NO_WARMUP), "swapped"),
        (
            "the warm-up run's first-epoch KL as its peak",
            _warmup_answer(NO_WARMUP, WARMUP) | {"kl_peak_warmup": WARMUP["kl_first"]},
            r"kl_peak_warmup is 2.68.*warmup_epochs=20",
        ),
        (
            "the first epoch's KL instead of the largest of the first 10",
            _warmup_answer(NO_WARMUP, WARMUP, peak="kl_first"),
            r"max of history_\['kl'\]\[:10\]",
        ),
        (
            "the ELBO, not its negative",
            _warmup_answer(NO_WARMUP, WARMUP, sign=-1.0),
            "not the ELBO",
        ),
        (
            "the warm-up run scored untrained",
            _warmup_answer(NO_WARMUP, WARMUP) | {"neg_elbo_warmup": UNTRAINED["neg_elbo"]},
            "untrained model",
        ),
    ],
    "logvar_gradient": [
        (
            "exp(logvar) for exp(logvar / 2)",
            lambda grad_z, eps, logvar: grad_z * eps * np.exp(logvar) / 2,
            r"dL/dlogvar\[\d, \d\] is .* where .* is expected",
        ),
        (
            "the factor 1/2 of d sigma / d logvar forgotten",
            lambda grad_z, eps, logvar: grad_z * eps * np.exp(logvar / 2),
            "twice the expected value everywhere: a factor 1/2 is missing",
        ),
        (
            "the sign flipped",
            lambda grad_z, eps, logvar: -grad_z * eps * np.exp(logvar / 2) / 2,
            "minus the expected value everywhere: a sign slipped",
        ),
        ("dL/dmu given for dL/dlogvar", lambda grad_z, eps, logvar: grad_z, "dL/dmu"),
        (
            "a fresh eps instead of the forward's",
            lambda grad_z, eps, logvar: (
                grad_z
                * np.random.default_rng(1).standard_normal(eps.shape)
                * np.exp(logvar / 2)
                / 2
            ),
            r"dL/dlogvar\[\d, \d\] is .* where .* is expected",
        ),
    ],
    "active_units": [
        # Seed 0, 30 epochs: VAE((64, 128, 8), beta=b, rng=0) untrained keeps 8 active units
        # for every b (its means vary by 0.02 to 0.06 > 0.01); VAE((64, 128, 2), ...) 2, 2, 0.
        ("untrained models: every unit varies a little", {0.5: 8, 1.0: 8, 4.0: 8}, "untrained"),
        ("the 2-D VAE of the notebook, not 8-D", {0.5: 2, 1.0: 2, 4.0: 0}, "latent size 8"),
        ("the betas swapped", {0.5: 0, 1.0: 8, 4.0: 8}, "swapped"),
        # The total KL of the seed-0 8-D models (kl_per_dimension(X_test).sum()), not a count.
        ("the KL, not a count", {0.5: 5.14, 1.0: 2.62, 4.0: 0.0}, "whole number"),
    ],
    "kl_two_gaussians": [
        ("the variance ratio left out", _kl_without_variance_ratio, r"KL\[\d\] is .* where"),
        ("the factor 1/2 forgotten", _kl_without_half, "KL is twice"),
        ("KL(p || q) for KL(q || p)", _kl_the_other_way, "other way round"),
        ("(mu1 - mu2)^2 not divided by var2", _kl_mean_term_not_scaled, r"KL\[\d\] is .* where"),
        ("not summed over dimensions", _kl_per_dimension, r"shape \(5, 3\); expected \(5,\)"),
    ],
    "elbo_terms": [
        (
            "sigma taken as exp(logvar)",
            lambda v, x, eps: _elbo_terms(v, x, eps, sigma=np.exp),
            r"reconstruction\[\d\] is",
        ),
        ("z = mu, eps ignored", lambda v, x, eps: _elbo_terms(v, x, eps, use_eps=False), "z = mu"),
        (
            "log p(x|z) for -log p(x|z)",
            lambda v, x, eps: _elbo_terms(v, x, eps, sign=-1.0),
            "reconstruction is minus the expected value",
        ),
        ("the KL's factor 1/2 forgotten", _elbo_terms_kl_without_half, "kl is twice"),
        (
            "the mean over pixels, not the sum",
            _elbo_terms_mean_over_pixels,
            r"reconstruction\[\d\] is",
        ),
    ],
}
