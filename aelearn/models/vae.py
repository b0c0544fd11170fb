"""The variational autoencoder (Kingma and Welling, 2014).

The encoder outputs a distribution q(z|x) = N(mu(x), diag(exp(logvar(x)))) rather than
a point; a z drawn from it (by the reparameterisation op) is decoded into the parameters
of p(x|z). Training maximises the ELBO,

    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || N(0, I)),

i.e. minimises reconstruction + beta * KL. The KL term keeps the codes near the prior,
so that a z drawn from N(0, I) decodes into something that looks like data.
"""

import numbers
from statistics import NormalDist

import numpy as np

from aelearn.autograd import Tensor, no_grad, reparameterize
from aelearn.autograd.activations import stable_sigmoid
from aelearn.losses import BCEWithLogits, GaussianKL, MSELoss
from aelearn.models.base import Model
from aelearn.nn import MLP, Dense, Identity, Module
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.training import KLWarmup
from aelearn.validation import check_data, check_positive_int

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = float(np.log(2.0 * np.pi))


def _check_sizes(sizes):
    """(n_in, hidden..., latent_dim) as a tuple of at least two positive ints, or raise."""
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must be (n_features, hidden..., latent_dim), at least two widths; got {sizes}"
        )
    return tuple(check_positive_int(s, "each entry of sizes") for s in sizes)


def _sample_posterior(mu, logvar, rng=None, eps=None):
    """z = mu + exp(logvar / 2) * eps as an array, by the op training uses; eps from rng
    unless given. mu, logvar, eps and z are all (batch, latent_dim)."""
    with no_grad():
        return reparameterize(Tensor(mu), Tensor(logvar), rng=rng, eps=eps).data


def _kl_per_unit(mu, logvar):
    """KL(q(z_j|x) || N(0, 1)) of every example and latent unit j, float64: (n, latent_dim).

    GaussianKL sums over the second axis; fed one unit per row, (n * latent_dim, 1), it
    returns each unit's own term, which evaluate sums over j and kl_per_dimension
    averages over x.
    """
    n, latent_dim = mu.shape
    column = (-1, 1)
    with no_grad():
        kl = GaussianKL.apply(
            Tensor(mu.reshape(column), dtype=np.float64),
            Tensor(logvar.reshape(column), dtype=np.float64),
            reduction="none",
        )
    return kl.data.reshape(n, latent_dim)


class GaussianEncoder(Module):
    """x (batch, n_in) -> (mu, logvar), each (batch, latent_dim): a trunk and two heads.

    logvar, not sigma, is the output: it ranges over all reals, so no activation is
    needed to keep sigma = exp(logvar / 2) positive, and log sigma^2 enters the KL as is.

    Parameters
    ----------
    sizes : sequence of int
        (n_in, hidden..., latent_dim).
    activation : str, default="relu"
    init : {"he", "glorot", "normal"}, optional
        Initialisation of the trunk and of both heads; None means ``DEFAULT_INIT`` (Glorot).
    rng : numpy.random.Generator or int, optional
        Source of the initial weights. None draws fresh entropy from the operating system
        (unseeded, not reproducible); pass an int or a Generator for reproducible runs.
    dtype : dtype, default=np.float32
    """

    def __init__(self, sizes, activation="relu", init=None, rng=None, dtype=np.float32):
        self.sizes = _check_sizes(sizes)
        trunk, latent_dim = self.sizes[:-1], self.sizes[-1]
        rng = np.random.default_rng(rng)  # one Generator for trunk and heads, even from an int
        self.trunk = (
            MLP(trunk, activation, activation, init=init, rng=rng, dtype=dtype)
            if len(trunk) > 1
            else Identity()
        )
        head_init = init or DEFAULT_INIT
        self.mu_head = Dense(trunk[-1], latent_dim, head_init, rng, dtype)
        self.logvar_head = Dense(trunk[-1], latent_dim, head_init, rng, dtype)

    def forward(self, x):
        h = self.trunk(x)
        return self.mu_head(h), self.logvar_head(h)


class VAE(Model):
    """A variational autoencoder with a Gaussian encoder and a Bernoulli or Gaussian decoder.

    Parameters
    ----------
    sizes : sequence of int, default=(64, 128, 8)
        (n_features, hidden..., latent_dim); the decoder mirrors them.
    activation : str, default="relu"
    likelihood : {"bernoulli", "gaussian"}, default="bernoulli"
        p(x|z): Bernoulli with logits from the decoder (data in [0, 1]; the
        reconstruction term is the binary cross-entropy), or Gaussian with the decoder's
        output as mean and a fixed standard deviation ``decoder_std`` (the term is the
        squared error / (2 std^2) plus a constant).
    decoder_std : float, default=1.0
    beta : float, default=1.0
        Weight of the KL term; beta = 0 drops it (the model becomes a plain autoencoder).
    n_samples : int, default=1
        Monte-Carlo draws of z per example in the reconstruction term.
    warmup_epochs : int, default=0
        Raise the KL weight linearly from 0 to beta over this many epochs (``KLWarmup``).
    binarize : bool, default=False
        Dynamic binarisation: each batch is a fresh Bernoulli draw with the grey levels as
        probabilities, as the Bernoulli likelihood assumes binary pixels.
    reconstruction_weight : float, default=1.0
        0 drops the reconstruction term (the ablation in which the posterior collapses).
    init : {"he", "glorot", "normal"}, optional
        Initialisation of every layer, the encoder's heads included; None means Glorot.
    rng : numpy.random.Generator or int, optional
        The model's own Generator: initial weights, batch order, binarisation, the eps of
        training and of ``encode(sample=True)``, and the z of ``sample``. None draws fresh
        entropy from the operating system (unseeded, not reproducible); pass an int or a
        Generator for reproducible runs.
    dtype : dtype, default=np.float32

    Attributes
    ----------
    encoder : GaussianEncoder
    decoder : MLP
        z -> logits (Bernoulli) or mean (Gaussian) of p(x|z).
    history_ : History
        With "loss", "reconstruction" and "kl" per epoch.
    """

    def __init__(
        self,
        sizes=(64, 128, 8),
        activation="relu",
        likelihood="bernoulli",
        decoder_std=1.0,
        beta=1.0,
        n_samples=1,
        warmup_epochs=0,
        binarize=False,
        reconstruction_weight=1.0,
        init=None,
        rng=None,
        dtype=np.float32,
    ):
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}; got {likelihood!r}")
        # "not x >= 0" rather than "x < 0", so that NaN is refused too.
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0 (0 drops the KL term); got {beta!r}")
        if not decoder_std > 0:
            raise ValueError(f"decoder_std must be > 0; got {decoder_std!r}")
        if not reconstruction_weight >= 0:
            raise ValueError(
                "reconstruction_weight must be >= 0 (0 drops the reconstruction term); "
                f"got {reconstruction_weight!r}"
            )
        if (
            isinstance(warmup_epochs, bool)
            or not isinstance(warmup_epochs, numbers.Integral)
            or warmup_epochs < 0
        ):
            raise ValueError(
                "warmup_epochs must be a non-negative integer (0: no warm-up); "
                f"got {warmup_epochs!r}"
            )
        rng = self._set_rng(rng)
        self.sizes = _check_sizes(sizes)
        self.n_features, self.latent_dim, self.dtype = self.sizes[0], self.sizes[-1], dtype
        self.activation, self.likelihood, self.decoder_std = activation, likelihood, decoder_std
        self.beta, self.kl_weight = float(beta), float(beta)
        self.n_samples = check_positive_int(n_samples, "n_samples")
        self.warmup_epochs, self.binarize = int(warmup_epochs), bool(binarize)
        self.reconstruction_weight, self.init = float(reconstruction_weight), init
        extra = self._condition_width()
        encoder_sizes = (self.n_features + extra, *self.sizes[1:])
        decoder_sizes = (self.latent_dim + extra, *self.sizes[::-1][1:])
        self.encoder = GaussianEncoder(encoder_sizes, activation, init, rng, dtype)
        self.decoder = MLP(decoder_sizes, activation, None, init=init, rng=rng, dtype=dtype)

    @property
    def needs_unit_interval(self):
        return self.likelihood == "bernoulli"

    # ----- conditioning hooks (the CVAE fills them in) ---------------------------------------
    def _condition_width(self):
        return 0

    def _encoder_input(self, x, y):
        return x

    def _decoder_input(self, z, y):
        return z

    # ----- the loss ----------------------------------------------------------------------
    def _negative_log_likelihood(self, out, x, reduction="mean"):
        """-log p(x|z) summed over pixels: the reconstruction term.

        out (batch, n_features) is the decoder's Tensor of logits or means, x the batch;
        ``reduction`` as in ``aelearn.losses`` ("none": one value per example, (batch,)).
        """
        if self.likelihood == "bernoulli":
            return BCEWithLogits.apply(out, x, reduction=reduction)
        var = self.decoder_std**2
        constant = 0.5 * self.n_features * (LOG_2PI + np.log(var))
        return MSELoss.apply(out, x, reduction=reduction) * (0.5 / var) + constant

    def loss_terms(self, x, y, rng):
        """Negative ELBO of a batch: reconstruction + kl_weight * KL, both per-example sums
        averaged over the batch, with a fresh eps for every example and draw."""
        if self.binarize:
            x = (rng.random(x.shape) < x).astype(x.dtype)
        mu, logvar = self.encoder(Tensor(self._encoder_input(x, y)))
        kl = GaussianKL.apply(mu, logvar)
        reconstruction = None
        for _ in range(self.n_samples):
            z = reparameterize(mu, logvar, rng=rng)
            term = self._negative_log_likelihood(self.decoder(self._decoder_input(z, y)), x)
            reconstruction = term if reconstruction is None else reconstruction + term
        if self.n_samples > 1:
            reconstruction = reconstruction * (1.0 / self.n_samples)
        loss = reconstruction * self.reconstruction_weight + kl * self.kl_weight
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl}

    def fit(self, X, y=None, *, callbacks=(), **kwargs):
        """Train by minimising the negative ELBO; see ``Model.fit``. Returns self."""
        callbacks = list(callbacks)
        if self.warmup_epochs > 0:
            callbacks.insert(0, KLWarmup(self.warmup_epochs))
        return super().fit(X, y, callbacks=callbacks, **kwargs)

    # ----- using the model ---------------------------------------------------------------
    def _posterior(self, X, y=None):
        """(mu, logvar) arrays of q(z|x), each (n_samples, latent_dim), without a graph."""
        with no_grad():
            mu, logvar = self.encoder(Tensor(self._encoder_input(X, y)))
        return mu.data, logvar.data

    def _decoder_output(self, Z, y=None):
        """Logits (Bernoulli) or means (Gaussian) of p(x|z) for codes Z, as an array."""
        with no_grad():
            return self.decoder(self._decoder_input(Tensor(Z), y)).data

    def _mean_image(self, out):
        return stable_sigmoid(out) if self.likelihood == "bernoulli" else out

    def encode(self, X, y=None, sample=False):
        """The codes of X: the posterior mean mu (default), or one draw z ~ q(z|x).

        Returns
        -------
        ndarray of shape (n_samples, latent_dim)
        """
        X = self._check(X)
        mu, logvar = self._posterior(X, self._labels_or_none(y, X))
        if not sample:
            return mu
        return _sample_posterior(mu, logvar, rng=self.rng)

    def decode(self, Z, y=None):
        """The mean of p(x|z) for any codes Z (n_samples, latent_dim): pixel probabilities
        for a Bernoulli decoder. Returns (n_samples, n_features)."""
        Z = check_data(Z, "Z", self.latent_dim, self.dtype)
        return self._mean_image(self._decoder_output(Z, self._labels_or_none(y, Z)))

    def reconstruct(self, X, y=None):
        """Decode the posterior mean of each x: (n_samples, n_features)."""
        X = self._check(X)
        y = self._labels_or_none(y, X)
        return self._mean_image(self._decoder_output(self._posterior(X, y)[0], y))

    def sample(self, n, label=None, bernoulli=False):
        """Generate n examples: z ~ N(0, I) from the model's Generator, then the decoder.

        Parameters
        ----------
        n : int
        label : int or array of int, optional
            The class to generate (conditional models only).
        bernoulli : bool, default=False
            Return a binary draw from p(x|z) instead of its mean image.

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        n = check_positive_int(n, "n")
        y = self._sample_labels(label, n)
        z = self.rng.standard_normal((n, self.latent_dim), dtype=self.dtype)
        images = self._mean_image(self._decoder_output(z, y))
        if bernoulli:
            return (self.rng.random(images.shape) < images).astype(self.dtype)
        return images

    def interpolate(self, x_a, x_b, steps=10, label=None):
        """Decode the straight line between the posterior means of x_a and x_b.

        Returns
        -------
        ndarray of shape (steps, n_features)
        """
        X = self._check(np.stack([np.ravel(x_a), np.ravel(x_b)]))
        y = self._sample_labels(label, 2)
        mu = self._posterior(X, y)[0]
        t = np.linspace(0.0, 1.0, check_positive_int(steps, "steps"), dtype=self.dtype)[:, None]
        Z = (1.0 - t) * mu[0] + t * mu[1]
        return self._mean_image(self._decoder_output(Z, self._sample_labels(label, steps)))

    def latent_grid(self, n=15, label=None):
        """The 2-D latent manifold: decode an n x n grid of z through the prior's quantiles.

        Returns
        -------
        images : ndarray of shape (n * n, n_features), row-major over the grid
        coordinates : ndarray of shape (n,), the z values of each grid line
        """
        if self.latent_dim != 2:
            raise ValueError(
                f"latent_grid needs a 2-D latent space; this one has {self.latent_dim}"
            )
        n = check_positive_int(n, "n")
        quantiles = np.linspace(0.5 / n, 1 - 0.5 / n, n)
        coordinates = np.array([NormalDist().inv_cdf(q) for q in quantiles], dtype=self.dtype)
        Z = np.array([[zx, zy] for zy in coordinates[::-1] for zx in coordinates], dtype=self.dtype)
        images = self._mean_image(self._decoder_output(Z, self._sample_labels(label, n * n)))
        return images, coordinates

    # ----- measuring the model -----------------------------------------------------------
    def evaluate(self, X, y=None, n_draws=10, seed=0):
        """Per-example reconstruction, KL and negative ELBO in nats, averaged over X.

        The reconstruction term is averaged over ``n_draws`` draws of z per example,
        from a Generator seeded with ``seed`` (so evaluation does not disturb training's).

        Returns
        -------
        dict with "reconstruction", "kl", "neg_elbo"
        """
        X = self._check(X)
        y = self._labels_or_none(y, X)
        rng = np.random.default_rng(seed)
        mu, logvar = self._posterior(X, y)
        kl = _kl_per_unit(mu, logvar).sum(axis=1)
        nll = np.zeros(X.shape[0])
        for _ in range(check_positive_int(n_draws, "n_draws")):
            z = _sample_posterior(mu, logvar, rng=rng)
            nll -= self._log_px_given_z(X, self._decoder_output(z, y))
        nll /= n_draws
        return {
            "reconstruction": float(nll.mean()),
            "kl": float(kl.mean()),
            "neg_elbo": float((nll + kl).mean()),
        }

    def _log_px_given_z(self, X, out):
        """log p(x|z) per example, (n,), float64: minus the training loss's reconstruction
        term with reduction="none"; out (n, n_features) holds the decoder's logits or means."""
        with no_grad():
            nll = self._negative_log_likelihood(Tensor(out), X, reduction="none")
        return -nll.data.astype(np.float64)

    def log_likelihood(self, X, y=None, n_samples=500, batch_size=64, seed=0):
        """Importance-weighted estimate of log p(x) for each example (Burda et al., 2015).

        log p(x) ~= log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x),
        computed with log-sum-exp so that no weight under- or overflows. With K = 1 it is
        an unbiased draw of the ELBO; as K grows it rises towards log p(x), so the ELBO
        sits below it.

        Parameters
        ----------
        X : array_like of shape (n, n_features)
        y : labels, for conditional models
        n_samples : int, default=500
            K, the number of importance samples.
        batch_size : int, default=64
            Examples per pass; K * batch_size codes are decoded at once.
        seed : int, default=0

        Returns
        -------
        ndarray of shape (n,), in nats
        """
        X = self._check(X)
        y = self._labels_or_none(y, X)
        K = check_positive_int(n_samples, "n_samples")
        batch_size = check_positive_int(batch_size, "batch_size")
        rng = np.random.default_rng(seed)
        estimates = np.empty(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            xb = X[start : start + batch_size]
            yb = None if y is None else y[start : start + batch_size]
            mu, logvar = self._posterior(xb, yb)
            # K copies of the batch stacked, (K * batch, latent_dim): rows k * batch + i
            # hold draw k for example i, so reshape(K, -1) brings each example's draws
            # into one column.
            mu, logvar = np.tile(mu, (K, 1)), np.tile(logvar, (K, 1))
            eps = rng.standard_normal(mu.shape, dtype=mu.dtype)
            z = _sample_posterior(mu, logvar, eps=eps)
            flat_y = None if yb is None else np.tile(yb, K)
            log_px = self._log_px_given_z(np.tile(xb, (K, 1)), self._decoder_output(z, flat_y))
            log_pz = -0.5 * np.sum(z**2 + LOG_2PI, axis=-1, dtype=np.float64)
            log_qz = -0.5 * np.sum(eps**2 + LOG_2PI + logvar, axis=-1, dtype=np.float64)
            # The log-sum-exp over the K draws, in float64.
            log_w = (log_px + log_pz - log_qz).reshape(K, -1)
            top = log_w.max(axis=0)
            estimates[start : start + len(xb)] = top + np.log(np.mean(np.exp(log_w - top), axis=0))
        return estimates

    def kl_per_dimension(self, X, y=None):
        """KL(q(z_j|x) || N(0, 1)) of each latent dimension j, averaged over X: (latent_dim,)."""
        X = self._check(X)
        mu, logvar = self._posterior(X, self._labels_or_none(y, X))
        return _kl_per_unit(mu, logvar).mean(axis=0)

    def active_units(self, X, y=None, threshold=0.01):
        """The number of latent dimensions the data use (Burda et al., 2015).

        Unit j is active when Cov_x(E_q[z_j]) = Var_x(mu_j(x)) > ``threshold``: its mean
        moves with x. A collapsed unit has mu_j = 0 and sigma_j = 1 for every x.
        """
        X = self._check(X)
        mu, _ = self._posterior(X, self._labels_or_none(y, X))
        return int(np.sum(np.var(mu, axis=0) > threshold))

    # ----- labels (unused here; the CVAE needs them) -----------------------------------
    def _labels_or_none(self, y, X):
        return None

    def _sample_labels(self, label, n):
        if label is not None:
            raise ValueError("this VAE is not conditional; use CVAE to generate by class")
        return None

    def __repr__(self):
        return f"{type(self).__name__}(sizes={self.sizes}, likelihood={self.likelihood!r})"
