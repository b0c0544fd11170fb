"""Losses, each one op with a hand-written backward: MSE, binary cross-entropy from logits,
softmax cross-entropy, the Gaussian KL divergence, and the negative ELBO built from them.

One reduction rule for all, as the course writes a loss: the loss of an example is the
**sum over its features** (pixels, latent dimensions); ``reduction`` then says what is
done over the batch: "mean" (the default, the training loss; n_features times PyTorch's
per-element mean), "sum", or "none" (one value per example, shape (batch,)).
Reconstruction and KL must be reduced alike, or beta silently changes meaning: a
per-pixel mean against a per-example sum weighs the KL 64 times too much on digits.

Shapes: predictions and targets are (batch, n_features); mu and logvar (batch, latent_dim).
"""

import numpy as np

from aelearn.autograd import Function, Tensor
from aelearn.autograd.activations import log_softmax, stable_sigmoid, stable_softplus
from aelearn.validation import check_choice, check_labels, check_pair, check_unit_interval

REDUCTIONS = ("mean", "sum", "none")


def _reduce(per_example, reduction):
    """Reduce per-example losses of shape (batch,) over the batch."""
    if reduction == "mean":
        return np.mean(per_example)
    if reduction == "sum":
        return np.sum(per_example)
    return per_example


def _example_weights(grad, batch, reduction):
    """dL/d(loss of example i), as a (batch, 1) column or a scalar, from the upstream grad.

    L = mean_i l_i gives dL/dl_i = grad / batch; L = sum_i l_i gives grad; with no
    reduction, grad already holds one value per example.
    """
    if reduction == "mean":
        return grad / batch
    if reduction == "sum":
        return grad
    return grad[:, None]


def _data(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _check(first, second, reduction, what, names=("prediction", "target"), width="n_features"):
    """The reduction checked, and both operands (batch, width) alike with the second finite;
    returns the second as an array."""
    check_choice(reduction, REDUCTIONS, "reduction")
    return check_pair(_data(first), _data(second), what, names, width)


class MSELoss(Function):
    """l_i = sum_j (p_ij - t_ij)^2, then reduced over the batch.

    dl_i/dp_ij = 2 (p_ij - t_ij), so dL/dp = 2 (p - t) * w with w = dL/dl_i the
    reduction's weight per example; dL/dt = -dL/dp.
    """

    def forward(self, p, t, reduction="mean"):
        diff = p - t
        self.reduction, self.batch = reduction, p.shape[0]
        self.save_for_backward(diff)
        return _reduce(np.sum(diff * diff, axis=1), reduction)

    def backward(self, grad):
        (diff,) = self.saved
        dp = 2.0 * diff * _example_weights(grad, self.batch, self.reduction)
        return dp, (-dp if self.needs_input_grad[1] else None)


class BCEWithLogits(Function):
    """Binary cross-entropy of logits z, p = sigmoid(z), computed without forming p.

    -[t log p + (1 - t) log(1 - p)] = softplus(z) - t z, since log p = -softplus(-z) and
    log(1 - p) = -softplus(z). So l_i = sum_j softplus(z_ij) - t_ij z_ij, finite for any z.
    dl_i/dz_ij = sigmoid(z_ij) - t_ij: the gradient is "prediction minus target";
    dl_i/dt_ij = -z_ij.
    """

    def forward(self, z, t, reduction="mean"):
        self.reduction, self.batch = reduction, z.shape[0]
        self.save_for_backward(z, t)
        return _reduce(np.sum(stable_softplus(z) - t * z, axis=1), reduction)

    def backward(self, grad):
        z, t = self.saved
        w = _example_weights(grad, self.batch, self.reduction)
        dz = (stable_sigmoid(z) - t) * w
        return dz, (-z * w if self.needs_input_grad[1] else None)


class SoftmaxCrossEntropy(Function):
    """l_i = -log softmax(z_i)[y_i] for integer labels y, via log-sum-exp.

    With s = softmax(z_i): dl_i/dz_ij = s_j - [j = y_i], "probabilities minus one-hot".
    """

    def forward(self, z, labels, reduction="mean"):
        log_probs = log_softmax(z, axis=1)
        rows = np.arange(z.shape[0])
        self.reduction, self.batch, self.labels = reduction, z.shape[0], labels
        self.save_for_backward(log_probs)
        return _reduce(-log_probs[rows, labels], reduction)

    def backward(self, grad):
        (log_probs,) = self.saved
        dz = np.exp(log_probs)
        dz[np.arange(self.batch), self.labels] -= 1.0
        return (dz * _example_weights(grad, self.batch, self.reduction),)


class GaussianKL(Function):
    """KL(N(mu, sigma^2) || N(0, I)) in closed form, with logvar = log sigma^2.

    l_i = 1/2 sum_j (mu_ij^2 + exp(logvar_ij) - 1 - logvar_ij).
    dl_i/dmu_ij = mu_ij and dl_i/dlogvar_ij = (exp(logvar_ij) - 1) / 2.
    (The variance is exp(logvar); the standard deviation, exp(logvar / 2).) Near logvar = 0,
    exp(logvar) - 1 - logvar cancels to few digits: only where q is the prior, KL near 0.
    """

    def forward(self, mu, logvar, reduction="mean"):
        var = np.exp(logvar)
        self.reduction, self.batch = reduction, mu.shape[0]
        self.save_for_backward(mu, var)
        return _reduce(0.5 * np.sum(mu * mu + var - 1.0 - logvar, axis=1), reduction)

    def backward(self, grad):
        mu, var = self.saved
        w = _example_weights(grad, self.batch, self.reduction)
        dlogvar = 0.5 * (var - 1.0) * w if self.needs_input_grad[1] else None
        return mu * w, dlogvar


def mse_loss(prediction, target, reduction="mean"):
    """Squared error summed over features, reduced over the batch ("mean", "sum", "none").

    Parameters
    ----------
    prediction : Tensor of shape (batch, n_features)
    target : Tensor or ndarray of shape (batch, n_features)
    reduction : {"mean", "sum", "none"}, default="mean"
        A scalar Tensor is returned, or one of shape (batch,) for "none".
    """
    _check(prediction, target, reduction, "mse_loss")
    return MSELoss.apply(prediction, target, reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Binary cross-entropy of sigmoid(logits), computed stably from the logits.

    Parameters
    ----------
    logits : Tensor of shape (batch, n_features)
    target : Tensor or ndarray of shape (batch, n_features), values in [0, 1]
    reduction : {"mean", "sum", "none"}, default="mean"
    """
    t = _check(logits, target, reduction, "binary_cross_entropy_with_logits")
    check_unit_interval(t, "target", "binary_cross_entropy_with_logits")
    return BCEWithLogits.apply(logits, target, reduction=reduction)


def softmax_cross_entropy(logits, labels, reduction="mean"):
    """Cross-entropy of softmax(logits) against integer class labels.

    Parameters
    ----------
    logits : Tensor of shape (batch, n_classes)
    labels : array_like of int, shape (batch,), values in [0, n_classes)
    reduction : {"mean", "sum", "none"}, default="mean"
    """
    check_choice(reduction, REDUCTIONS, "reduction")
    batch, n_classes = _data(logits).shape
    labels = check_labels(labels, batch, n_classes, "labels")
    return SoftmaxCrossEntropy.apply(logits, labels=labels, reduction=reduction)


def gaussian_kl(mu, logvar, reduction="mean"):
    """KL(q(z|x) || N(0, I)) for q = N(mu, exp(logvar)), summed over latent dimensions.

    Parameters
    ----------
    mu, logvar : Tensor of shape (batch, latent_dim)
    reduction : {"mean", "sum", "none"}, default="mean"
    """
    _check(mu, logvar, reduction, "gaussian_kl", ("mu", "logvar"), "latent_dim")
    return GaussianKL.apply(mu, logvar, reduction=reduction)


def negative_elbo(reconstruction, kl, beta=1.0):
    """-ELBO = reconstruction + beta * KL, the loss a VAE minimises.

    The ELBO, E_q[log p(x|z)] - KL(q(z|x) || p(z)), is a lower bound on log p(x);
    minimising its negative trains the decoder (first term) and pulls q towards the prior
    (second term). beta = 1 is the VAE; beta = 0 drops the divergence.

    Parameters
    ----------
    reconstruction, kl : Tensor
        Reduced alike: both scalars from the same ``reduction``, or both of shape (batch,).
    beta : float, default=1.0
    """
    if reconstruction.shape != kl.shape:
        raise ValueError(
            f"reconstruction has shape {reconstruction.shape} and kl {kl.shape}: reduce both "
            "the same way (per-example sums, then the same batch reduction)"
        )
    return reconstruction + float(beta) * kl
