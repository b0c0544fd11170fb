"""The variational autoencoder (Kingma and Welling, 2014).

The encoder outputs a distribution q(z|x) = N(mu(x), diag(exp(logvar(x)))) rather than
a point; a z drawn from it (by the reparameterisation op) is decoded into the parameters
of p(x|z). Training maximises the ELBO,

    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || N(0, I)),

i.e. minimises reconstruction + beta * KL. The KL term keeps the codes near the prior,
so that a z drawn from N(0, I) decodes into something that looks like data. All figures
are in nats per example.
"""

from statistics import NormalDist

import numpy as np

from aelearn.autograd import Tensor, no_grad, reparameterize
from aelearn.autograd.activations import stable_sigmoid
from aelearn.losses import BCEWithLogits, GaussianKL, MSELoss, negative_elbo
from aelearn.models.base import Model
from aelearn.models.convolutional import convolutional_networks
from aelearn.models.gaussian_encoder import LOG_2PI, GaussianEncoder, kl_per_unit, sample_posterior
from aelearn.nn import MLP, Sequential, shape_through
from aelearn.threads import uses_blas
from aelearn.training import Callback
from aelearn.validation import (
    check_choice,
    check_data,
    check_dtype,
    check_int,
    check_real,
    check_rng,
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
        self.epochs = check_int(epochs, "warm-up epochs")

    def on_epoch_begin(self, epoch, run):
        run.model.kl_weight = run.model.beta * min(1.0, (epoch - 1) / self.epochs)

    def on_train_end(self, run):
        run.model.kl_weight = run.model.beta


class VAE(Model):
    """A variational autoencoder with a Gaussian encoder and a Bernoulli or Gaussian decoder.

    Dense by default; ``VAE.convolutional()`` puts the Gaussian heads on a convolutional
    trunk and ends the decoder in transposed convolutions.

    Parameters
    ----------
    sizes, activation, init, rng, dtype
        As for ``Autoencoder``; ``rng`` also draws the binarisation, every eps, and the z
        of ``sample``.
    likelihood : {"bernoulli", "gaussian"}
        p(x|z): Bernoulli with logits from the decoder (data in [0, 1]; the
        reconstruction term is the binary cross-entropy), or Gaussian with the decoder's
        output as mean and a fixed standard deviation ``decoder_std`` (the term is the
        squared error / (2 std^2) plus a constant).
    beta : float
        Weight of the KL term. With beta = 0 nothing pulls q(z|x) towards the prior:
        sigma falls towards 0 and the means spread wider than N(0, I), so that a z drawn
        from the prior decodes to a narrow range of images (notebook 07 measures both).
    n_draws : int
        Monte-Carlo draws of z per example in the reconstruction term.
    warmup_epochs : int
        Raise the KL weight (``kl_weight``) from 0 to beta over this many epochs (``KLWarmup``).
    binarize : bool
        Dynamic binarisation: each batch is a fresh Bernoulli draw with the grey levels as
        probabilities, as the Bernoulli likelihood assumes binary pixels.
    reconstruction_weight : float
        0 drops the reconstruction term (the ablation in which the posterior collapses).
    encoder, decoder : Module, optional
        Networks x -> (mu, logvar) and z -> the logits or means of p(x|z); by default a
        ``GaussianEncoder`` and an ``MLP`` of ``sizes``.
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
    ):
        self.likelihood = check_choice(likelihood, LIKELIHOODS, "likelihood")
        self.beta = self.kl_weight = check_real(beta, "beta", minimum=0)
        self.decoder_std = check_real(decoder_std, "decoder_std", minimum=0, strictly=True)
        self.reconstruction_weight = check_real(
            reconstruction_weight, "reconstruction_weight", minimum=0
        )
        self.dtype = check_dtype(dtype)
        self.n_draws = check_int(n_draws, "n_draws")
        self.warmup_epochs = check_int(warmup_epochs, "warmup_epochs (0: no warm-up)", minimum=0)
        self.rng, self.sizes = check_rng(rng), check_sizes(sizes)
        self.n_features, self.latent_dim = self.sizes[0], self.sizes[-1]
        self.activation, self.binarize, self.init = activation, bool(binarize), init
        self.encoder = encoder or self._default_encoder()
        self.decoder = decoder or self._default_decoder()

    def _default_encoder(self):  # x -> (mu, logvar)
        return GaussianEncoder(self.sizes, self.activation, self.init, self.rng, self.dtype)

    def _default_decoder(self):  # z -> the logits or means of p(x|z)
        return MLP(self.sizes[::-1], self.activation, None, self.init, self.rng, self.dtype)

    @classmethod
    def convolutional(
        cls,
        image_shape=(1, 28, 28),
        filters=(32, 64),
        latent_dim=16,
        hidden_sizes=(),
        kernel_size=3,
        *,
        activation="relu",
        init=None,
        rng=None,
        dtype=np.float32,
        **kwargs,
    ):
        """A VAE whose Gaussian heads sit on convolutions; the parameters as
        ``Autoencoder.convolutional``'s, ``**kwargs`` the VAE's others (``beta``...)."""
        options = dict(
            activation=activation, init=init, rng=check_rng(rng), dtype=check_dtype(dtype)
        )
        sizes = (int(np.prod(image_shape)), *hidden_sizes, latent_dim)
        features, head, decoder = convolutional_networks(
            GaussianEncoder, image_shape, filters, kernel_size, sizes, **options
        )
        encoder = Sequential(features, head)
        return cls(sizes, encoder=encoder, decoder=decoder, **options, **kwargs)

    @property
    def needs_unit_interval(self):
        return self.likelihood == "bernoulli"

    # ----- the loss ----------------------------------------------------------------------
    def _negative_log_likelihood(self, out, x, reduction="mean"):
        """-log p(x|z) summed over pixels, the reconstruction term, for the decoder's logits
        or means ``out`` (batch, n_features); ``reduction`` "none" gives (batch,)."""
        if self.likelihood == "bernoulli":
            return BCEWithLogits.apply(out, x, reduction=reduction)
        var = self.decoder_std**2
        constant = 0.5 * self.n_features * (LOG_2PI + np.log(var))
        return MSELoss.apply(out, x, reduction=reduction) * (0.5 / var) + constant

    @property
    def loss_units(self):
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
        averaged over the batch, a fresh eps for every example and draw; y: a conditional
        model's labels, for q(z | x, y) and p(x | z, y)."""
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
        return [KLWarmup(self.warmup_epochs)] if self.warmup_epochs > 0 else []

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        mu, _ = shape_through(self.encoder, input_shape, shapes)
        return shape_through(self.decoder, mu, shapes)

    # ----- the two networks, on checked arrays, without a graph -------------------------
    def _posterior(self, X, labels=None):
        """(mu, logvar) arrays of q(z|x), each (n_samples, latent_dim)."""
        with no_grad():
            mu, logvar = self.encoder(Tensor(X), *conditioned_on(labels))
        return mu.data, logvar.data

    def _decoder_output(self, Z, labels=None):
        """Logits (Bernoulli) or means (Gaussian) of p(x|z) for codes Z, as an array."""
        with no_grad():
            return self.decoder(Tensor(Z), *conditioned_on(labels)).data

    def _mean_image(self, out):  # the mean of p(x|z), from the decoder's output
        return stable_sigmoid(out) if self.likelihood == "bernoulli" else out

    def _log_px_given_z(self, X, out):
        """log p(x|z) per example, (n,), float64, from the decoder's logits or means ``out``:
        minus the training loss's reconstruction term."""
        with no_grad():
            nll = self._negative_log_likelihood(Tensor(out), X, reduction="none")
        return -nll.data.astype(np.float64)

    # ----- encoding and decoding ---------------------------------------------------------
    @uses_blas
    def encode(self, X, y=None, sample=False):
        """The codes of X, (n_samples, latent_dim): the posterior mean mu, or with ``sample``
        one draw z ~ q(z|x); y: the labels of a CVAE."""
        X = self._check(X)
        mu, logvar = self._posterior(X, self._labels(y, X.shape[0]))
        return sample_posterior(mu, logvar, rng=self.rng) if sample else mu

    @uses_blas
    def decode(self, Z, y=None):
        """The mean of p(x|z) (pixel probabilities, for a Bernoulli decoder), (n_samples,
        n_features), for any codes Z (n_samples, latent_dim)."""
        Z = check_data(Z, "Z", self.latent_dim, self.dtype)
        return self._mean_image(self._decoder_output(Z, self._labels(y, Z.shape[0])))

    def _reconstruct(self, X, labels):
        return self._mean_image(self._decoder_output(self._posterior(X, labels)[0], labels))

    @uses_blas
    def reconstruct(self, X, y=None):
        """Decode the posterior mean of each x: of X's shape (rows or images)."""
        rows = self._check(X)
        return self._shaped_like(self._reconstruct(rows, self._labels(y, rows.shape[0])), X)

    @uses_blas
    def reconstruction_error(self, X, y=None):
        """Mean squared error per pixel between X and the decoded posterior means."""
        X = self._check(X)
        out = self._reconstruct(X, self._labels(y, X.shape[0]))
        return float(np.mean((out - X) ** 2, dtype=np.float64))

    # ----- measures ----------------------------------------------------------------------
    @uses_blas
    def evaluate(self, X, y=None, n_draws=10, seed=0):
        """{"reconstruction", "kl", "neg_elbo"}: per-example terms in nats, averaged over X.

        -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || p(z)). The reconstruction term is averaged
        over ``n_draws`` draws of z per example, from a Generator seeded with ``seed`` (so
        evaluation does not disturb training's); the KL is exact. X is scored as given: a
        ``binarize`` model's training and validation losses score binarised draws of it.
        """
        X = self._check(X)
        labels, n_draws = self._labels(y, X.shape[0]), check_int(n_draws, "n_draws")
        rng = np.random.default_rng(seed)
        mu, logvar = self._posterior(X, labels)
        kl = kl_per_unit(mu, logvar).sum(axis=1)
        nll = np.zeros(X.shape[0])
        for _ in range(n_draws):
            z = sample_posterior(mu, logvar, rng=rng)
            nll -= self._log_px_given_z(X, self._decoder_output(z, labels))
        nll /= n_draws
        return {
            "reconstruction": float(nll.mean()),
            "kl": float(kl.mean()),
            "neg_elbo": float((nll + kl).mean()),
        }

    @uses_blas
    def log_likelihood(self, X, y=None, n_draws=500, batch_size=64, seed=0):
        """Importance-weighted estimate of log p(x) for each example (Burda et al., 2015).

        log p(x) ~= log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x),
        computed with log-sum-exp so that no weight under- or overflows. With K = 1 it is
        an unbiased draw of the ELBO; as K grows it rises towards log p(x), so the ELBO
        sits below it. K is ``n_draws``; ``batch_size`` examples pass at once (K times as
        many codes are decoded). Returns the estimates in nats, shape (n,).
        """
        X = self._check(X)
        labels = self._labels(y, X.shape[0])
        K, batch_size = check_int(n_draws, "n_draws"), check_int(batch_size, "batch_size")
        rng = np.random.default_rng(seed)
        estimates = np.empty(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            xb = X[start : start + batch_size]
            yb = None if labels is None else labels[start : start + batch_size]
            mu, logvar = self._posterior(xb, yb)
            # K copies of the batch, (K * batch, latent_dim): row k * batch + i holds draw k
            # of example i, so that reshape(K, -1) puts each example's draws in one column.
            mu, logvar = np.tile(mu, (K, 1)), np.tile(logvar, (K, 1))
            eps = rng.standard_normal(mu.shape, dtype=mu.dtype)
            z = sample_posterior(mu, logvar, eps=eps)
            flat_y = None if yb is None else np.tile(yb, (K, 1))
            log_px = self._log_px_given_z(np.tile(xb, (K, 1)), self._decoder_output(z, flat_y))
            log_pz = -0.5 * np.sum(z**2 + LOG_2PI, axis=-1, dtype=np.float64)
            log_qz = -0.5 * np.sum(eps**2 + LOG_2PI + logvar, axis=-1, dtype=np.float64)
            log_w = (log_px + log_pz - log_qz).reshape(K, -1)
            top = log_w.max(axis=0)
            estimates[start : start + len(xb)] = top + np.log(np.mean(np.exp(log_w - top), axis=0))
        return estimates

    @uses_blas
    def kl_per_dimension(self, X, y=None):
        """KL(q(z_j|x) || N(0, 1)) of each latent dimension j, averaged over X: (latent_dim,)."""
        X = self._check(X)
        return kl_per_unit(*self._posterior(X, self._labels(y, X.shape[0]))).mean(axis=0)

    @uses_blas
    def active_units(self, X, y=None, threshold=0.01):
        """The number of latent dimensions the data use (Burda et al., 2015).

        Unit j is active when Cov_x(E_q[z_j]) = Var_x(mu_j(x)) > ``threshold``: its mean
        moves with x. A collapsed unit has mu_j = 0 and sigma_j = 1 for every x.
        """
        X = self._check(X)
        mu, _ = self._posterior(X, self._labels(y, X.shape[0]))
        return int(np.sum(np.var(mu, axis=0) > threshold))

    # ----- generation --------------------------------------------------------------------
    def _generation_labels(self, label, n):
        """The labels of n generated examples (``label``: one int, or n); None for a VAE."""
        if label is not None and not self.takes_labels:
            raise ValueError(
                f"this {type(self).__name__} is not conditional; use CVAE to generate by class"
            )
        if label is None and self.takes_labels:
            raise ValueError(
                f"a {type(self).__name__} generates a chosen class: pass label, one int in "
                f"0..{self.n_classes - 1} or one per example"
            )
        return self._labels(label, n, "label")

    @uses_blas
    def sample(self, n, label=None, bernoulli=False):
        """Generate n examples, (n, n_features): z ~ N(0, I) from the model's Generator, then
        the decoder's mean image, or with ``bernoulli`` (a Bernoulli likelihood's only) a
        binary draw from p(x|z); ``label``: a CVAE's class (one int, or n of them)."""
        n = check_int(n, "n")
        if bernoulli and self.likelihood != "bernoulli":
            raise ValueError(
                f"bernoulli=True draws binary pixels from a Bernoulli p(x|z); this model's is "
                f"{self.likelihood}: call sample(n) for the decoder's mean images"
            )
        labels = self._generation_labels(label, n)
        z = self.rng.standard_normal((n, self.latent_dim), dtype=self.dtype)
        images = self._mean_image(self._decoder_output(z, labels))
        if bernoulli:
            return (self.rng.random(images.shape) < images).astype(self.dtype)
        return images

    @uses_blas
    def interpolate(self, x_a, x_b, steps=10, label=None):
        """Decode the straight line between the posterior means of two examples x_a and x_b,
        each of n_features values: (steps, n_features). ``label``: the class, for a CVAE."""
        ends = [np.ravel(x_a), np.ravel(x_b)]
        if any(end.size != self.n_features for end in ends):
            raise ValueError(
                f"x_a and x_b must each be one example of {self.n_features} values; got "
                f"{ends[0].size} and {ends[1].size} values"
            )
        pair = self._check(np.stack(ends), "x_a and x_b")
        mu = self._posterior(pair, self._generation_labels(label, 2))[0]
        t = np.linspace(0.0, 1.0, check_int(steps, "steps"), dtype=self.dtype)[:, None]
        Z = (1.0 - t) * mu[0] + t * mu[1]
        return self._mean_image(self._decoder_output(Z, self._generation_labels(label, steps)))

    @uses_blas
    def latent_grid(self, n=15, label=None):
        """The 2-D latent manifold: decode an n x n grid of z through the prior's quantiles.

        Returns the images (n * n, n_features), row-major over the grid, and the z value of
        each grid line, (n,).
        """
        if self.latent_dim != 2:
            raise ValueError(f"latent_grid needs a 2-D latent space, not {self.latent_dim}-D")
        n = check_int(n, "n")
        quantiles = np.linspace(0.5 / n, 1 - 0.5 / n, n)
        coordinates = np.array([NormalDist().inv_cdf(q) for q in quantiles], dtype=self.dtype)
        Z = np.array([[zx, zy] for zy in coordinates[::-1] for zx in coordinates], dtype=self.dtype)
        labels = self._generation_labels(label, n * n)
        return self._mean_image(self._decoder_output(Z, labels)), coordinates
