"""Checks for the exercises of notebook 07, the variational autoencoder.

The derivations are compared with the library's ops on inputs from a seeded Generator. An
experiment's answer is held to ranges measured across seeds: each range's comment gives the
values the reference solution gave at seeds 0 to 7, measured with

    python notebooks/exercise_runner.py 07_vae --seeds 0 1 2 3 4 5 6 7

and the range is wider than those values by about their own spread, so that a right answer
at any seed passes and the wrong answers of tests/plants/vae.py (an untrained model, the
same model twice, the betas swapped, a sign or a factor forgotten) fail.
tests/test_exercises.py runs the solutions at another seed than the notebook's.
"""

import numpy as np

from aelearn.autograd import Tensor, reparameterize
from aelearn.datasets import load_digits
from aelearn.exercises.verdict import call, check, close, entries, given, within, wrong
from aelearn.losses import binary_cross_entropy_with_logits, gaussian_kl
from aelearn.models import VAE

# Test nats per example of an untrained 64-128-2 VAE (VAE((64, 128, 2), rng=0).evaluate on
# the test digits): the numbers a student gets who forgets to train.
UNTRAINED_RECONSTRUCTION = 44.6


def _untrained(value):
    if abs(value - UNTRAINED_RECONSTRUCTION) < 1.0:
        return f"{value:.1f} nats is what an untrained model gives: call fit first"
    return ""


# 64-128-2 VAEs, 30 epochs on data.X_train, scored by evaluate on data.X_test; seeds 0-7:
# reconstruction_1 24.16 .. 24.74, kl_1 1.34 .. 1.58, reconstruction_4 27.226 .. 27.252,
# kl_4 0.0041 .. 0.0084 (nats per example).
BETA_FOUR_RANGES = {
    "reconstruction_1": (23.6, 25.3),
    "kl_1": (1.0, 2.0),
    "reconstruction_4": (26.8, 27.7),
    "kl_4": (0.0, 0.05),
}


@check("07 exercise 1: beta = 4")
def beta_four(answer):
    """``answer``: {"reconstruction_1", "kl_1", "reconstruction_4", "kl_4"}, nats per test
    example of VAEs trained with beta = 1 and beta = 4."""
    e = entries(answer, tuple(BETA_FOUR_RANGES))
    if any(e[k] < 0 for k in e):
        wrong(
            "a reconstruction term or a KL is negative: both are nats of a loss, -log p(x|z) "
            "and KL >= 0 (use evaluate's 'reconstruction' and 'kl')"
        )
    if e["reconstruction_1"] > e["reconstruction_4"] and e["kl_1"] < e["kl_4"]:
        wrong("beta = 1 reconstructs worse and has the smaller KL: are the two betas swapped?")
    if abs(e["reconstruction_1"] - e["reconstruction_4"]) < 1e-6 and e["kl_1"] == e["kl_4"]:
        untrained = _untrained(e["reconstruction_1"])
        wrong(
            "beta = 1 and beta = 4 give the same numbers: train and score two models"
            + (f" ({untrained})" if untrained else "")
        )
    for key, (low, high) in BETA_FOUR_RANGES.items():
        hint = _untrained(e[key]) if key.startswith("reconstruction") else ""
        if key == "reconstruction_1" and e[key] > high and e[key] - e["kl_1"] <= high:
            hint = "that is reconstruction + kl, the negative ELBO: give the two terms apart"
        if key == "kl_4" and e[key] > high:
            hint = "with beta = 4, trained for 30 epochs, q(z|x) should be nearly the prior"
        within(e[key], key, (low, high), hint)
    share = 100 * e["kl_4"] / e["kl_1"]
    return (
        f"beta = 4 leaves a KL of {e['kl_4']:.3f} nats, {share:.1f}% of beta = 1's "
        f"{e['kl_1']:.2f}: q(z|x) is almost the prior for every x, so z carries almost nothing "
        f"about x, and the reconstruction is {e['reconstruction_4'] - e['reconstruction_1']:.2f} "
        "nats worse"
    )


# 64-128-2 VAEs, 40 epochs on data.X_train, with and without a 20-epoch warm-up; seeds 0-7:
# kl_peak 1.44 .. 2.38, kl_peak_warmup 15.2 .. 22.7, neg_elbo 25.55 .. 25.79,
# neg_elbo_warmup 25.53 .. 25.96; |neg_elbo_warmup - neg_elbo| at most 0.40.
WARMUP_RANGES = {
    "kl_peak": (0.8, 3.5),
    "kl_peak_warmup": (10.0, 32.0),
    "neg_elbo": (25.2, 26.4),
    "neg_elbo_warmup": (25.2, 26.4),
}


@check("07 exercise 2: a KL warm-up")
def warmup(answer):
    """``answer``: {"kl_peak_warmup", "kl_peak", "neg_elbo_warmup", "neg_elbo"}: the largest
    training KL of the first 10 epochs and the test negative ELBO, with and without warm-up."""
    e = entries(answer, tuple(WARMUP_RANGES))
    if e["neg_elbo"] < 0 or e["neg_elbo_warmup"] < 0:
        wrong("a negative ELBO below 0: give -ELBO in nats (evaluate's 'neg_elbo'), not the ELBO")
    if e["kl_peak"] > e["kl_peak_warmup"]:
        wrong(
            f"kl_peak ({e['kl_peak']:.2f}) is above kl_peak_warmup ({e['kl_peak_warmup']:.2f}): "
            "are the two runs swapped? The warm-up weighs the KL lightly at first"
        )
    if e["kl_peak"] == e["kl_peak_warmup"] and e["neg_elbo"] == e["neg_elbo_warmup"]:
        wrong("the two runs give the same numbers: train one with warmup_epochs=20")
    hints = {
        "kl_peak": "the max of history_['kl'][:10], not its first value",
        "kl_peak_warmup": "the max of history_['kl'][:10] of the run with warmup_epochs=20, "
        "not its first value",
    }
    for key, (low, high) in WARMUP_RANGES.items():
        hint = hints.get(key, _untrained(e[key]))
        within(e[key], key, (low, high), hint)
    difference = e["neg_elbo_warmup"] - e["neg_elbo"]
    if abs(difference) > 0.8:
        wrong(
            f"the final negative ELBOs differ by {difference:+.2f} nats; across seeds they "
            "agree within 0.4: is one of them from another split or another model?"
        )
    ratio = e["kl_peak_warmup"] / e["kl_peak"]
    return (
        f"with the warm-up the KL peaks at {e['kl_peak_warmup']:.1f} nats in the first 10 "
        f"epochs, {ratio:.0f} times the {e['kl_peak']:.2f} without it, and the final negative "
        f"ELBOs differ by {difference:+.2f} nats"
    )


def _slip(got, expected, name):
    """ "wrong" naming a forgotten sign or factor 2 when ``got`` is one away from
    ``expected``; nothing otherwise (``close`` then compares the two)."""
    try:
        got = np.asarray(getattr(got, "data", got), dtype=np.float64)
    except (TypeError, ValueError):
        return
    if got.shape != np.shape(expected) or np.allclose(got, expected, rtol=1e-6, atol=1e-8):
        return
    slips = [
        (-1.0, "minus the expected value everywhere: a sign slipped"),
        (2.0, "twice the expected value everywhere: a factor 1/2 is missing"),
        (0.5, "half the expected value everywhere: a factor 1/2 too many"),
    ]
    for factor, slip in slips:
        if np.allclose(got, factor * expected, rtol=1e-6, atol=1e-8):
            wrong(f"{name} is {slip}")


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
    _slip(got, logvar_t.grad, "dL/dlogvar")
    if np.shape(got) == grad_z.shape and np.allclose(got, grad_z):
        wrong("that is dL/dmu = dL/dz; dL/dlogvar goes through sigma = exp(logvar / 2)")
    close(got, logvar_t.grad, "dL/dlogvar")
    return "dL/dlogvar = dL/dz * eps * sigma / 2 with the forward's own eps, as the op computes"


# 64-128-8 VAEs, 30 epochs on data.X_train, active units on data.X_test; seeds 0-7: 8 for
# beta = 0.5 and 1 at every seed, 0 for beta = 4 at every seed. An untrained encoder's means
# already vary by more than the threshold: 8 units for every beta.
ACTIVE_UNITS_RANGES = {0.5: (7, 8), 1.0: (6, 8), 4.0: (0, 1)}


@check("07 exercise 4: active units against beta")
def active_units(answer):
    """``answer``: {0.5: n, 1.0: n, 4.0: n}, active units of 8-unit VAEs by beta."""
    n = entries(answer, tuple(ACTIVE_UNITS_RANGES))
    for beta, count in n.items():
        if count != int(count) or count < 0:
            wrong(f"answer[{beta}] is {count}; a count of latent dimensions is a whole number")
    if max(n.values()) > 8:
        wrong(f"{max(n.values()):.0f} active units, but the latent space has 8 dimensions")
    if n[0.5] <= 2 and n[1.0] <= 2:
        wrong(f"only {n[0.5]:.0f} and {n[1.0]:.0f} units active: is the latent size 8?")
    if n[4.0] > n[0.5]:
        wrong(f"the counts {n} rise with beta: are the betas swapped?")
    for beta, (low, high) in ACTIVE_UNITS_RANGES.items():
        if not low <= n[beta] <= high:
            hint = " (8 for every beta is what untrained models give)" if beta == 4.0 else ""
            wrong(f"beta = {beta} keeps {n[beta]:.0f} units active; expected {low} to {high}{hint}")
    return (
        f"beta = 0.5, 1 and 4 keep {n[0.5]:.0f}, {n[1.0]:.0f} and {n[4.0]:.0f} of the 8 "
        "latent dimensions active: the heavier the KL, the fewer carry information about x"
    )


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
    _slip(got, expected.data, "KL")
    reverse = gaussian_kl(
        Tensor((mu2 - mu1) / np.exp(logvar1 / 2)), Tensor(logvar2 - logvar1), "none"
    ).data
    if np.shape(got) == reverse.shape and np.allclose(got, reverse, rtol=1e-9):
        wrong("that is KL(p || q), the arguments the other way round; KL is not symmetric")
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
    _slip(given(got[0], "reconstruction"), reconstruction, "reconstruction")
    _slip(given(got[1], "kl"), kl, "kl")
    at_mu = binary_cross_entropy_with_logits(vae.decoder(mu), x, "none").data
    if np.shape(got[0]) == at_mu.shape and np.allclose(got[0], at_mu, rtol=1e-4):
        wrong("the reconstruction is that of z = mu: draw z = mu + sigma * eps with the given eps")
    close(given(got[0], "reconstruction"), reconstruction, "reconstruction", rtol=1e-4)
    close(given(got[1], "kl"), kl, "kl", rtol=1e-4)
    return "both terms match the library's: the ELBO is -(reconstruction + kl)"
