import numpy as np


def _kl_without_variance_ratio(mu1, logvar1, mu2, logvar2):
    return 0.5 * np.sum(np.exp(logvar1) + (mu1 - mu2) ** 2 - 1.0 - logvar1, axis=1)


def _elbo_terms_with_sigma_for_variance(vae_model, x, eps):
    from aelearn.autograd import Tensor

    mu, logvar = (t.data for t in vae_model.encoder(Tensor(x)))
    logits = vae_model.decoder(Tensor(mu + np.exp(logvar) * eps)).data
    reconstruction = np.sum(np.logaddexp(0.0, logits) - x * logits, axis=1)
    return reconstruction, 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)


PLANTS = {
    "beta_four": [
        (
            "beta = 4 no worse",
            {"reconstruction_1": 24.0, "kl_1": 1.7, "reconstruction_4": 24.5, "kl_4": 0.0},
            "at least 1 nat worse",
        ),
    ],
    "warmup": [
        (
            "no warm-up effect",
            {"kl_peak_warmup": 2.0, "kl_peak": 2.0, "neg_elbo_warmup": 25.6, "neg_elbo": 25.7},
            "3 times kl_peak",
        ),
    ],
    "logvar_gradient": [
        (
            "exp(logvar) for exp(logvar / 2)",
            lambda grad_z, eps, logvar: grad_z * eps * np.exp(logvar) / 2,
            r"dL/dlogvar\[\d, \d\] is .* where .* is expected",
        ),
    ],
    "active_units": [("no fall with beta", {0.5: 8, 1.0: 8, 4.0: 8}, "should keep fewer")],
    "kl_two_gaussians": [
        ("the variance ratio left out", _kl_without_variance_ratio, r"KL\[\d\] is .* where"),
    ],
    "elbo_terms": [
        (
            "sigma taken as exp(logvar)",
            _elbo_terms_with_sigma_for_variance,
            r"reconstruction\[\d\] is",
        ),
    ],
}
