"""Tests of aelearn.losses: gradient checks for every loss and reduction, values against
direct NumPy formulas, the numerically dangerous corners, validation, and the KL."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aelearn import losses
from aelearn.autograd import Tensor
from aelearn.autograd.activations import stable_sigmoid
from aelearn.gradient_check import gradcheck
from aelearn.losses import (
    BCEWithLogits,
    GaussianKL,
    binary_cross_entropy_with_logits,
    gaussian_kl,
    mse_loss,
    negative_elbo,
    softmax_cross_entropy,
)

REDUCTIONS = ("mean", "sum", "none")


# ----- one case per loss: inputs, the call, and the per-example value in plain NumPy ------
def mse_case(rng, shape):
    p, t = rng.normal(size=shape), rng.normal(size=shape)
    return (p, t), mse_loss, lambda p, t: np.sum((p - t) ** 2, axis=1)


def bce_logits_case(rng, shape):
    z, t = rng.normal(scale=3.0, size=shape), rng.uniform(0.05, 0.95, size=shape)

    def formula(z, t):
        p = 1.0 / (1.0 + np.exp(-z))  # the textbook form; fine for moderate z
        return -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=1)

    return (z, t), binary_cross_entropy_with_logits, formula


def softmax_case(rng, shape):
    z, labels = rng.normal(scale=2.0, size=shape), rng.integers(0, shape[1], size=shape[0])

    def formula(z):
        return -np.log(np.exp(z[np.arange(len(z)), labels]) / np.exp(z).sum(axis=1))

    return (z,), lambda z, reduction: softmax_cross_entropy(z, labels, reduction), formula


def kl_case(rng, shape):
    mu, logvar = rng.normal(size=shape), rng.normal(size=shape)
    return (
        (mu, logvar),
        gaussian_kl,
        lambda mu, lv: 0.5 * np.sum(mu**2 + np.exp(lv) - 1 - lv, axis=1),
    )


CASES = {
    "mse": mse_case,
    "bce_logits": bce_logits_case,
    "softmax_ce": softmax_case,
    "gaussian_kl": kl_case,
}

shapes = st.tuples(st.integers(1, 4), st.integers(2, 5))
seeds = st.integers(0, 2**32 - 1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES)
@settings(max_examples=8, deadline=None, derandomize=True)
@given(shape=shapes, seed=seeds)
def test_loss_gradients_match_finite_differences(case, reduction, shape, seed):
    arrays, loss, _ = CASES[case](np.random.default_rng(seed), shape)
    # Every input is checked, targets included: each op's backward returns their gradient.
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    report = gradcheck(lambda *xs: loss(*xs, reduction=reduction), inputs)
    assert len(report.rows) == len(inputs)
    assert report.passed, "\n" + str(report)


@pytest.mark.parametrize("case", CASES)
@settings(max_examples=10, deadline=None, derandomize=True)
@given(shape=shapes, seed=seeds)
def test_loss_values_match_numpy_and_reductions_agree(case, shape, seed):
    arrays, loss, formula = CASES[case](np.random.default_rng(seed), shape)
    per_example = loss(*(Tensor(a) for a in arrays), reduction="none").data
    total = loss(*(Tensor(a) for a in arrays), reduction="sum").data
    mean = loss(*(Tensor(a) for a in arrays), reduction="mean").data
    assert per_example.shape == (shape[0],) and total.shape == () and mean.shape == ()
    np.testing.assert_allclose(per_example, formula(*arrays), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(per_example.sum(), total, rtol=1e-12)
    np.testing.assert_allclose(per_example.mean(), mean, rtol=1e-12)


def test_the_default_reduction_is_the_batch_mean_of_per_example_sums():
    rng = np.random.default_rng(0)
    p, t = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(
        mse_loss(Tensor(p), t).item(), np.mean(np.sum((p - t) ** 2, axis=1)), rtol=1e-12
    )


# ----- binary cross-entropy at the edges -------------------------------------------------
def test_bce_with_logits_at_1000_is_finite_and_equals_the_analytic_limit():
    z = Tensor(np.array([[1000.0, -1000.0, 1000.0, -1000.0, 1000.0]]), requires_grad=True)
    t = np.array([[1.0, 0.0, 0.0, 1.0, 0.25]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss = binary_cross_entropy_with_logits(z, t, reduction="sum")
        loss.backward()
    # For |z| large, softplus(z) - t z tends to max(z, 0) - t z: 0, 0, 1000, 1000, 750.
    assert loss.item() == 2750.0
    # And its gradient sigmoid(z) - t to step(z) - t.
    np.testing.assert_array_equal(z.grad, [[0.0, 0.0, 1.0, -1.0, 0.75]])


@settings(max_examples=20, deadline=None, derandomize=True)
@given(shape=shapes, seed=seeds)
def test_bce_with_logits_is_the_cross_entropy_of_the_sigmoid_with_gradient_p_minus_t(shape, seed):
    rng = np.random.default_rng(seed)
    z_values, t = rng.uniform(-6, 6, size=shape), rng.uniform(size=shape)
    z = Tensor(z_values, requires_grad=True)
    loss = binary_cross_entropy_with_logits(z, t, reduction="sum")
    p = 1.0 / (1.0 + np.exp(-z_values))  # the textbook form; fine for moderate logits
    np.testing.assert_allclose(
        loss.item(), -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)), rtol=1e-10
    )
    loss.backward()
    np.testing.assert_allclose(z.grad, p - t, rtol=1e-8, atol=1e-12)


# ----- validation at the edge ------------------------------------------------------------
TARGETED_LOSSES = [mse_loss, binary_cross_entropy_with_logits]


@pytest.mark.parametrize("bad", [1.5, -0.1])
def test_bce_with_logits_refuses_targets_outside_the_unit_interval(bad):
    t = np.full((2, 3), 0.5)
    t[1, 2] = bad
    expected = (
        r"target has values in \[.*\]; binary_cross_entropy_with_logits expects values in \[0, 1\]"
    )
    with pytest.raises(ValueError, match=expected):
        binary_cross_entropy_with_logits(Tensor(np.full((2, 3), 0.5)), t)


@pytest.mark.parametrize("loss", TARGETED_LOSSES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_losses_refuse_non_finite_targets(loss, bad):
    t = np.full((2, 3), 0.5)
    t[0, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        loss(Tensor(np.full((2, 3), 0.5)), t)


@pytest.mark.parametrize("loss", [*TARGETED_LOSSES, gaussian_kl])
@pytest.mark.parametrize("target_shape", [(2, 4), (3, 3), (6,)])
def test_losses_refuse_mismatched_shapes(loss, target_shape):
    with pytest.raises(ValueError, match=r"same shape \(batch, (n_features|latent_dim)\)"):
        loss(Tensor(np.full((2, 3), 0.5)), np.full(target_shape, 0.5))


@pytest.mark.parametrize("loss", [*TARGETED_LOSSES, gaussian_kl])
def test_losses_refuse_an_unknown_reduction(loss):
    with pytest.raises(ValueError, match="reduction must be one of"):
        loss(Tensor(np.full((2, 3), 0.5)), np.full((2, 3), 0.5), reduction="average")


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        ([0, 3], ValueError, r"labels has values in \[0, 3\]; this model knows the classes 0 to 2"),
        ([-1, 2], ValueError, r"values in \[-1, 2\]; this model knows the classes 0 to 2"),
        ([0.5, 1.0], TypeError, "labels must hold integer class labels; got dtype float64"),
        ([0, 1, 2], ValueError, r"labels must have shape \(2,\), one label per sample"),
    ],
)
def test_softmax_cross_entropy_refuses_bad_labels(labels, error, message):
    with pytest.raises(error, match=message):
        softmax_cross_entropy(Tensor(np.zeros((2, 3))), labels)


def test_softmax_cross_entropy_takes_whole_numbers_stored_as_floats():
    logits = Tensor(np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 3.0]]))
    expected = softmax_cross_entropy(logits, np.array([0, 2])).item()
    assert softmax_cross_entropy(logits, np.array([0.0, 2.0])).item() == expected


# ----- the Gaussian KL -------------------------------------------------------------------
def test_gaussian_kl_matches_a_monte_carlo_estimate():
    """KL(q || p) = E_q[log q(z) - log p(z)], estimated from 200k draws of z ~ q."""
    mu = np.array([[0.5, -1.0, 0.0], [2.0, 0.3, -0.4]])
    logvar = np.array([[np.log(0.25), np.log(2.0), 0.0], [0.5, -1.0, np.log(3.0)]])
    kl = gaussian_kl(Tensor(mu), Tensor(logvar), reduction="none").data

    rng = np.random.default_rng(0)
    sigma = np.exp(logvar / 2)
    z = mu + sigma * rng.standard_normal((200_000, *mu.shape))
    # log N(z; mu, sigma^2) - log N(z; 0, 1), summed over the latent dimensions
    # (the log(2 pi) terms cancel).
    log_ratio = np.sum(-np.log(sigma) - 0.5 * ((z - mu) / sigma) ** 2 + 0.5 * z**2, axis=-1)
    estimate = log_ratio.mean(axis=0)
    standard_error = log_ratio.std(axis=0) / np.sqrt(len(z))
    assert np.all(np.abs(estimate - kl) < 4 * standard_error), (estimate, kl, standard_error)
    # The tolerance is tight enough to matter: sigma = exp(logvar) would be far outside it.
    assert np.all(standard_error < 0.01)


def test_gaussian_kl_uses_variance_exp_logvar_not_standard_deviation():
    """mu = 0, sigma^2 = 4: KL = 1/2 (sigma^2 - 1 - log sigma^2) = 1/2 (4 - 1 - log 4)."""
    latent_dim = 3
    mu, logvar = np.zeros((1, latent_dim)), np.full((1, latent_dim), np.log(4.0))
    kl = gaussian_kl(Tensor(mu), Tensor(logvar), reduction="sum").item()
    np.testing.assert_allclose(kl, latent_dim * 0.5 * (4.0 - 1.0 - np.log(4.0)), rtol=1e-14)


def test_gaussian_kl_is_zero_at_the_prior():
    assert gaussian_kl(Tensor(np.zeros((2, 4))), Tensor(np.zeros((2, 4)))).item() == 0.0


# ----- the negative ELBO -----------------------------------------------------------------
def test_negative_elbo_refuses_terms_reduced_differently():
    rng = np.random.default_rng(0)
    x, logits = rng.uniform(size=(4, 6)), Tensor(rng.normal(size=(4, 6)))
    mu, logvar = Tensor(rng.normal(size=(4, 2))), Tensor(rng.normal(size=(4, 2)))
    per_example = binary_cross_entropy_with_logits(logits, x, reduction="none")
    with pytest.raises(ValueError, match="reduce both"):
        negative_elbo(per_example, gaussian_kl(mu, logvar, reduction="mean"))
    with pytest.raises(ValueError, match="reduce both"):
        negative_elbo(mse_loss(logits, x, reduction="sum"), gaussian_kl(mu, logvar, "none"))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_negative_elbo_is_reconstruction_plus_beta_kl_with_checked_gradients(reduction):
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(3, 5))
    logits, mu, logvar = (Tensor(rng.normal(size=s), True) for s in [(3, 5), (3, 2), (3, 2)])

    def loss(logits, mu, logvar):
        reconstruction = binary_cross_entropy_with_logits(logits, x, reduction)
        return negative_elbo(reconstruction, gaussian_kl(mu, logvar, reduction), beta=0.5)

    expected = (
        binary_cross_entropy_with_logits(logits, x, reduction).data
        + 0.5 * gaussian_kl(mu, logvar, reduction).data
    )
    np.testing.assert_allclose(loss(logits, mu, logvar).data, expected, rtol=1e-14)
    assert gradcheck(loss, [logits, mu, logvar]).passed


# ----- gradcheck catches a broken backward -----------------------------------------------
def kl_backward_without_the_half(self, grad):
    """GaussianKL.backward with dl/dlogvar = exp(logvar) - 1: the 1/2 dropped."""
    mu, var = self.saved
    w = losses._example_weights(grad, self.batch, self.reduction)
    return mu * w, (var - 1.0) * w


def bce_backward_forgetting_the_target(self, grad):
    """BCEWithLogits.backward with dl/dz = sigmoid(z): "minus the target" forgotten."""
    z, t = self.saved
    w = losses._example_weights(grad, self.batch, self.reduction)
    return stable_sigmoid(z) * w, -z * w


BROKEN = {
    # op, the wrong backward, the loss, input names, which input's gradient is wrong
    "kl_without_half": (GaussianKL, kl_backward_without_the_half, gaussian_kl, ["mu", "logvar"], 1),
    "bce_without_target": (
        BCEWithLogits,
        bce_backward_forgetting_the_target,
        binary_cross_entropy_with_logits,
        ["logits", "target"],
        0,
    ),
}


@pytest.mark.parametrize("broken", BROKEN)
def test_gradcheck_reports_a_broken_backward(broken, monkeypatch):
    op, wrong_backward, loss, names, wrong = BROKEN[broken]
    rng = np.random.default_rng(2)
    first = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    second = Tensor(rng.uniform(0.1, 0.9, size=(3, 4)), requires_grad=True)

    # The intact op passes, so the failure below is the broken backward's doing.
    assert gradcheck(loss, [first, second], names=names).passed

    monkeypatch.setattr(op, "backward", wrong_backward)
    report = gradcheck(loss, [first, second], names=names)
    assert not report.passed
    # Exactly the gradient that was broken fails; the other one is still right.
    assert [row.passed for row in report.rows] == [i != wrong for i in range(2)]
    with pytest.raises(AssertionError, match=rf"gradient check failed(.|\n)*{names[wrong]}.*FAIL"):
        gradcheck(loss, [first, second], names=names, raise_on_failure=True)
