"""Checks for the exercises of notebook 07, the variational autoencoder.

The derivations are compared with the library's ops on inputs from a seeded Generator; the
experiments' tolerances hold for the reference solutions at seeds 0, 1 and 2
(tests/test_exercises.py runs them at another seed than the notebook's).
"""

import numpy as np

from aelearn.autograd import Tensor, reparameterize
from aelearn.datasets import load_digits
from aelearn.exercises.verdict import call, check, close, entries, given, wrong
from aelearn.losses import binary_cross_entropy_with_logits, gaussian_kl
from aelearn.models import VAE


@check("07 exercise 1: beta = 4")
def beta_four(answer):
    """``answer``: {"reconstruction_1", "kl_1", "reconstruction_4", "kl_4"}, nats per test
    example of VAEs trained with beta = 1 and beta = 4."""
    e = entries(answer, ("reconstruction_1", "kl_1", "reconstruction_4", "kl_4"))
    if e["kl_4"] > 0.8 * e["kl_1"]:
        wrong(f"kl_4 ({e['kl_4']:.2f}) should be well below kl_1 ({e['kl_1']:.2f}), under 80%")
    if e["reconstruction_4"] < e["reconstruction_1"] + 1.0:
        wrong(
            f"reconstruction_4 ({e['reconstruction_4']:.2f}) should be at least 1 nat worse than "
            f"reconstruction_1 ({e['reconstruction_1']:.2f})"
        )
    return (
        "a heavier KL pulls q(z|x) onto the prior: less information in z, worse reconstructions, "
        "samples closer to an average digit"
    )


@check("07 exercise 2: a KL warm-up")
def warmup(answer):
    """``answer``: {"kl_peak_warmup", "kl_peak", "neg_elbo_warmup", "neg_elbo"}: the largest
    training KL of the first 10 epochs and the test negative ELBO, with and without warm-up."""
    keys = ("kl_peak_warmup", "kl_peak", "neg_elbo_warmup", "neg_elbo")
    e = entries(answer, keys)
    if e["kl_peak_warmup"] < 3 * e["kl_peak"]:
        wrong(
            f"kl_peak_warmup ({e['kl_peak_warmup']:.2f}) should be 3 times kl_peak "
            f"({e['kl_peak']:.2f}) or more: take the max of history_['kl'][:10]"
        )
    if abs(e["neg_elbo_warmup"] - e["neg_elbo"]) > 1.0:
        wrong(
            f"the final negative ELBOs differ by {e['neg_elbo_warmup'] - e['neg_elbo']:+.2f} "
            "nats; after the warm-up they should agree within 1 nat"
        )
    return (
        "early on, with the KL weighed lightly, the codes spread out (a KL peak), then the "
        "weight catches up; the final ELBO hardly moves"
    )


def _reparameterisation_inputs():
    rng = np.random.default_rng(603)
    mu, logvar = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    eps, grad_z = rng.standard_normal((4, 3)), rng.normal(size=(4, 3))
    return mu, logvar, eps, grad_z


@check("07 exercise 3: the gradient of the reparameterisation with respect to logvar")
def logvar_gradient(gradient_wrt_logvar):
    """``gradient_wrt_logvar(grad_z, eps, logvar)``: dL/dlogvar for z = mu + sigma * eps."""
    mu, logvar, eps, grad_z = _reparameterisation_inputs()
    logvar_t = Tensor(logvar.copy(), requires_grad=True)
    reparameterize(Tensor(mu), logvar_t, eps=eps).backward(grad_z)
    got = call(gradient_wrt_logvar, grad_z, eps, logvar)
    close(got, logvar_t.grad, "dL/dlogvar")
    return "dL/dlogvar = dL/dz * eps * sigma / 2 with the forward's own eps, as the op computes"


@check("07 exercise 4: active units against beta")
def active_units(answer):
    """``answer``: {0.5: n, 1.0: n, 4.0: n}, active units of 8-unit VAEs by beta."""
    n = entries(answer, (0.5, 1.0, 4.0))
    if not n[0.5] >= n[1.0] >= n[4.0]:
        wrong(f"the counts {n} should not rise with beta")
    if n[4.0] >= n[0.5]:
        wrong(
            f"beta = 4 keeps {n[4.0]:.0f} units active, as many as beta = 0.5; it should keep fewer"
        )
    if max(n.values()) > 8:
        wrong(f"{max(n.values()):.0f} active units, but the latent space has 8 dimensions")
    return "the heavier the KL, the fewer latent dimensions carry information"


def _two_gaussians():
    rng = np.random.default_rng(605)
    return [rng.normal(size=(5, 3)) for _ in range(4)]


@check("07 exercise 5: the KL divergence of two Gaussians")
def kl_two_gaussians(kl_divergence):
    """``kl_divergence(mu1, logvar1, mu2, logvar2)``: KL(N(mu1, e^logvar1) || N(mu2,
    e^logvar2)) per example, summed over latent dimensions, shape (batch,)."""
    mu1, logvar1, mu2, logvar2 = _two_gaussians()
    # KL is unchanged by an affine change of variable, so measuring z in units of the second
    # Gaussian, (z - mu2) / sigma2, turns it into the library's KL to N(0, I).
    sigma2 = np.exp(logvar2 / 2)
    expected = gaussian_kl(Tensor((mu1 - mu2) / sigma2), Tensor(logvar1 - logvar2), "none")
    got = call(kl_divergence, mu1, logvar1, mu2, logvar2)
    close(got, expected.data, "KL", rtol=1e-9)
    return "matches the library's closed form (with mu2 = 0, logvar2 = 0 it is gaussian_kl)"


@check("07 exercise 6: the ELBO's two terms")
def elbo_terms(elbo_terms_of):
    """``elbo_terms_of(vae, x, eps)``: (reconstruction, kl), each of shape (batch,), nats per
    example, with z = mu + sigma * eps from the encoder's q(z|x)."""
    vae = VAE((64, 16, 2), rng=np.random.default_rng(606))
    x = load_digits().X_test[:6]
    eps = np.random.default_rng(6060).standard_normal((6, 2)).astype(np.float32)
    mu, logvar = vae.encoder(Tensor(x))
    logits = vae.decoder(reparameterize(mu, logvar, eps=eps))
    reconstruction = binary_cross_entropy_with_logits(logits, x, "none").data
    kl = gaussian_kl(mu, logvar, "none").data
    got = call(elbo_terms_of, vae, x, eps)
    if not isinstance(got, tuple | list) or len(got) != 2:
        wrong(f"return the pair (reconstruction, kl); got {type(got).__name__}")
    close(given(got[0], "reconstruction"), reconstruction, "reconstruction", rtol=1e-4)
    close(given(got[1], "kl"), kl, "kl", rtol=1e-4)
    return "both terms match the library's: the ELBO is -(reconstruction + kl)"
