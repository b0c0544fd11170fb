"""The variational autoencoder (Kingma and Welling, 2014).

The encoder outputs a distribution q(z|x) = N(mu(x), diag(exp(logvar(x)))) rather than
a point; a z drawn from it (by the reparameterisation op) is decoded into the parameters
of p(x|z). Training maximises the ELBO,

    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || N(0, I)),

i.e. minimises reconstruction + beta * KL. The KL term keeps the codes near the prior,
so that a z drawn from N(0, I) decodes into something that looks like data.

What the trained model is used for lives beside this file: its measures (the ELBO's terms,
the importance-weighted log-likelihood, the KL per dimension, the active units) in
``vae_evaluation``, and generation (samples, interpolation, the latent manifold) in
``vae_generation``.
"""

import numbers

import numpy as np

from aelearn.autograd import Tensor, no_grad, reparameterize
from aelearn.autograd.activations import stable_sigmoid
from aelearn.losses import BCEWithLogits, GaussianKL, MSELoss, negative_elbo
from aelearn.models.base import Model
from aelearn.models.convolutional import (
    ConvolutionalConstructor,
    check_convolution,
    decoder_network,
    encoder_network,
)
from aelearn.models.gaussian import LOG_2PI, sample_posterior
from aelearn.models.gaussian_encoder import GaussianEncoder
from aelearn.models.vae_evaluation import VAEEvaluation
from aelearn.models.vae_generation import VAEGeneration
from aelearn.threads import chosen_threads
from aelearn.training import Callback
from aelearn.validation import (
    check_choice,
    check_data,
    check_dtype,
    check_positive_int,
    check_real,
    check_sizes,
)

LIKELIHOODS = ("bernoulli", "gaussian")


def conditioned_on(labels):
    """What the networks take besides x or z: () for a VAE, (labels,) for a conditional one."""
    return () if labels is None else (labels,)


class KLWarmup(Callback):
    """Raise a VAE's KL weight linearly from 0 to ``model.beta`` over ``epochs`` epochs.

    At epoch e (1-based) the weight is beta * min(1, (e - 1) / epochs): the first epoch
    trains the reconstruction alone, so the decoder learns to use z before the KL term
    pulls q(z|x) onto the prior (the usual remedy for posterior collapse). However
    training ends, the weight returns to beta.
    """

    def __init__(self, epochs):
        self.epochs = check_positive_int(epochs, "warm-up epochs")

    def on_epoch_begin(self, epoch, trainer):
        model = trainer.model
        model.kl_weight = model.beta * min(1.0, (epoch - 1) / self.epochs)

    def on_train_end(self, trainer):
        trainer.model.kl_weight = trainer.model.beta


class VAE(ConvolutionalConstructor, VAEEvaluation, VAEGeneration, Model):
    """A variational autoencoder with a Gaussian encoder and a Bernoulli or Gaussian decoder.

    Dense by default; with an ``image_shape`` the Gaussian heads sit on a convolutional
    trunk and the decoder ends in transposed convolutions (``aelearn.models.convolutional``;
    ``VAE.convolutional()`` in one call), and X may be given as images as well as rows.

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
    n_draws : int, default=1
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
    encoder, decoder : Module, optional
        Ready-made networks: x -> (mu, logvar), and z -> the logits or means of p(x|z).
        By default a ``GaussianEncoder`` and an ``MLP`` of ``sizes``.
    image_shape, filters, kernel_size : optional
        The convolutions, as for ``Autoencoder``.

    Attributes
    ----------
    encoder : GaussianEncoder
    decoder : MLP
        z -> logits (Bernoulli) or mean (Gaussian) of p(x|z).
    kl_weight : float
        The weight of the KL term now: beta, or less during a warm-up.
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
        n_draws=1,
        warmup_epochs=0,
        binarize=False,
        reconstruction_weight=1.0,
        init=None,
        rng=None,
        dtype=np.float32,
        encoder=None,
        decoder=None,
        image_shape=None,
        filters=(32, 64),
        kernel_size=3,
    ):
        check_choice(likelihood, LIKELIHOODS, "likelihood")
        beta = check_real(beta, "beta", minimum=0)
        decoder_std = check_real(decoder_std, "decoder_std", minimum=0, strictly=True)
        reconstruction_weight = check_real(
            reconstruction_weight, "reconstruction_weight", minimum=0
        )
        dtype = check_dtype(dtype)
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
        self.sizes = check_sizes(sizes)
        self.n_features, self.latent_dim, self.dtype = self.sizes[0], self.sizes[-1], dtype
        self.activation, self.likelihood, self.decoder_std = activation, likelihood, decoder_std
        self.beta, self.kl_weight = float(beta), float(beta)
        self.n_draws = check_positive_int(n_draws, "n_draws")
        self.warmup_epochs, self.binarize = int(warmup_epochs), bool(binarize)
        self.reconstruction_weight, self.init = float(reconstruction_weight), init
        self.image_shape, self.filters, self.kernel_size = check_convolution(
            image_shape, filters, kernel_size, self.n_features
        )
        self.encoder = encoder or encoder_network(self, self._encoder_head(rng), rng)
        self.decoder = decoder or self._decoder_network(rng)

    def _encoder_head(self, rng):
        """n_in -> the Gaussian encoder from features of width n_in to (mu, logvar)."""
        return lambda n_in: GaussianEncoder(
            (n_in, *self.sizes[1:]), self.activation, self.init, rng, self.dtype
        )

    def _decoder_network(self, rng):
        """z (batch, latent_dim) -> the logits or means of p(x|z), (batch, n_features)."""
        return decoder_network(self, self.latent_dim, rng)

    @property
    def needs_unit_interval(self):
        return self.likelihood == "bernoulli"

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

    @property
    def loss_units(self):
        """{term: (short unit, description)} of what ``loss_terms`` returns."""
        mean = "mean over examples"
        draws = "one draw" if self.n_draws == 1 else f"mean of {self.n_draws} draws"
        return {
            "loss": ("nats/example", f"-ELBO in nats, reconstruction + kl_weight * kl, {mean}"),
            "reconstruction": (
                "nats/example",
                f"-log p(x|z) in nats, summed over the {self.n_features} features, {draws} "
                f"of z, {mean}",
            ),
            "kl": (
                "nats/example",
                f"KL(q(z|x) || N(0, I)) in nats, summed over the {self.latent_dim} latent "
                f"dimensions, {mean}",
            ),
        }

    def loss_terms(self, x, y, rng):
        """Negative ELBO of a batch: reconstruction + kl_weight * KL, both per-example sums
        averaged over the batch, with a fresh eps for every example and draw.

        y holds the labels of a conditional model (None for the VAE): the networks are
        then q(z | x, y) and p(x | z, y).
        """
        given = conditioned_on(y)
        if self.binarize:
            x = (rng.random(x.shape) < x).astype(x.dtype)
        mu, logvar = self.encoder(Tensor(x), *given)
        kl = GaussianKL.apply(mu, logvar)
        reconstruction = None
        for _ in range(self.n_draws):
            z = reparameterize(mu, logvar, rng=rng)
            term = self._negative_log_likelihood(self.decoder(z, *given), x)
            reconstruction = term if reconstruction is None else reconstruction + term
        if self.n_draws > 1:
            reconstruction = reconstruction * (1.0 / self.n_draws)
        loss = negative_elbo(reconstruction * self.reconstruction_weight, kl, self.kl_weight)
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl}

    def training_callbacks(self):
        """The KL warm-up of ``warmup_epochs`` (see ``Model.training_callbacks``)."""
        return [KLWarmup(self.warmup_epochs)] if self.warmup_epochs > 0 else []

    # ----- the two networks, on arrays, without a graph ----------------------------------
    def _posterior(self, X, labels=None):
        """(mu, logvar) arrays of q(z|x), each (n_samples, latent_dim)."""
        with chosen_threads(self.parameters()), no_grad():
            mu, logvar = self.encoder(Tensor(X), *conditioned_on(labels))
        return mu.data, logvar.data

    def _decoder_output(self, Z, labels=None):
        """Logits (Bernoulli) or means (Gaussian) of p(x|z) for codes Z, as an array."""
        with chosen_threads(self.parameters()), no_grad():
            return self.decoder(Tensor(Z), *conditioned_on(labels)).data

    def _mean_image(self, out):
        return stable_sigmoid(out) if self.likelihood == "bernoulli" else out

    # ----- using the model ---------------------------------------------------------------
    def encode(self, X, y=None, sample=False):
        """The codes of X: the posterior mean mu (default), or one draw z ~ q(z|x).

        y: labels, for a model that takes them. Returns (n_samples, latent_dim).
        """
        X = self._check(X)
        mu, logvar = self._posterior(X, self._labels(y, X.shape[0]))
        if not sample:
            return mu
        return sample_posterior(mu, logvar, rng=self.rng)

    def decode(self, Z, y=None):
        """The mean of p(x|z) for any codes Z (n_samples, latent_dim): pixel probabilities
        for a Bernoulli decoder. Returns (n_samples, n_features)."""
        Z = check_data(Z, "Z", self.latent_dim, self.dtype)
        return self._mean_image(self._decoder_output(Z, self._labels(y, Z.shape[0])))

    def reconstruct(self, X, y=None):
        """Decode the posterior mean of each x: of X's shape (rows or images)."""
        rows = self._check(X)
        labels = self._labels(y, rows.shape[0])
        out = self._mean_image(self._decoder_output(self._posterior(rows, labels)[0], labels))
        return self._shaped_like(out, X)

    def __repr__(self):
        conv = (
            ""
            if self.image_shape is None
            else f", image_shape={self.image_shape}, filters={self.filters}"
        )
        return f"{type(self).__name__}(sizes={self.sizes}{conv}, likelihood={self.likelihood!r})"
