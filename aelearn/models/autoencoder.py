"""The autoencoder: an encoder E and a decoder D trained so that D(E(x)) is close to x.

With a code z = E(x) smaller than x, the network must keep what matters of x to rebuild
it. With linear E and D and the squared error, the best it can do is PCA's subspace; a
non-linear network can bend the subspace into a manifold and do better.
"""

import numpy as np

from aelearn.autograd import Tensor
from aelearn.losses import BCEWithLogits, MSELoss
from aelearn.models.base import Model, predict_in_batches
from aelearn.nn import MLP, Module
from aelearn.nn.noise import corrupt, draw_corruption
from aelearn.validation import check_data

DECODER_OUTPUTS = ("sigmoid", "identity")
OUTPUTS = ("auto", *DECODER_OUTPUTS)
LOSSES = ("auto", "bce", "mse")


class Encoder(Module):
    """x (batch, n_features) -> z (batch, latent_dim); an MLP with a linear last layer.

    Parameters
    ----------
    sizes : sequence of int
        (n_features, hidden..., latent_dim).
    activation : str, default="relu"
    init : {"he", "glorot", "normal"}, optional
    rng : numpy.random.Generator or int, optional
        Source of the initial weights. None draws fresh entropy from the operating system
        (unseeded, not reproducible); pass an int or a Generator for reproducible runs.
    dtype : dtype, default=np.float32
    net : Module, optional
        Use this module instead of building an MLP (``sizes`` then gives only the input
        and latent widths).
    """

    def __init__(self, sizes, activation="relu", init=None, rng=None, dtype=np.float32, net=None):
        self.sizes, self.activation, self.dtype = tuple(int(s) for s in sizes), activation, dtype
        self.n_features, self.latent_dim = self.sizes[0], self.sizes[-1]
        self.net = net or MLP(self.sizes, activation, None, init=init, rng=rng, dtype=dtype)

    def forward(self, x):
        return self.net(x)

    def encode(self, X):
        """The codes of X, shape (n_samples, latent_dim), as an array."""
        X = check_data(X, "X", self.n_features, self.dtype)
        return predict_in_batches(self.forward, X)


class Decoder(Module):
    """z (batch, latent_dim) -> x_hat (batch, n_features); an MLP, then the output activation.

    ``forward`` returns the pre-activation (the logits, for a sigmoid output), which is
    what a stable loss wants; ``decode`` applies the output activation.

    Parameters
    ----------
    sizes : sequence of int
        (latent_dim, hidden..., n_features).
    activation : str, default="relu"
    output_activation : {"sigmoid", "identity"}, default="sigmoid"
    init, rng, dtype, net
        As for ``Encoder``.
    """

    def __init__(
        self,
        sizes,
        activation="relu",
        output_activation="sigmoid",
        init=None,
        rng=None,
        dtype=np.float32,
        net=None,
    ):
        self.sizes, self.activation, self.dtype = tuple(int(s) for s in sizes), activation, dtype
        self.latent_dim, self.n_features = self.sizes[0], self.sizes[-1]
        if output_activation not in DECODER_OUTPUTS:
            raise ValueError(
                f"output_activation must be one of {DECODER_OUTPUTS}; got {output_activation!r}"
            )
        self.output_activation = output_activation
        self.net = net or MLP(self.sizes, activation, None, init=init, rng=rng, dtype=dtype)

    def forward(self, z):
        return self.net(z)

    def output(self, pre_activation):
        """Apply the output activation to a Tensor of pre-activations."""
        return pre_activation.sigmoid() if self.output_activation == "sigmoid" else pre_activation

    def decode(self, Z):
        """The outputs for codes Z of shape (n_samples, latent_dim): any z, not only codes of data.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        Z = check_data(Z, "Z", self.latent_dim, self.dtype)
        return predict_in_batches(lambda z: self.output(self.forward(z)), Z)


class Autoencoder(Model):
    """A vanilla autoencoder, x -> z = E(x) -> x_hat = D(z), trained to reconstruct x.

    Parameters
    ----------
    sizes : sequence of int, default=(64, 128, 8)
        (n_features, hidden..., latent_dim); the decoder mirrors them.
    activation : str, default="relu"
        Hidden activation; "identity" with sizes (n, k) is the linear autoencoder.
    output : {"auto", "sigmoid", "identity"}, default="auto"
        The decoder's output activation. "auto": sigmoid when the training data lie in
        [0, 1], identity otherwise (decided by the first ``fit``).
    loss : {"auto", "bce", "mse"}, default="auto"
        Binary cross-entropy (from logits, needs a sigmoid output and data in [0, 1]) or
        squared error. "auto": "bce" with a sigmoid output, "mse" otherwise. Both are
        summed over features and averaged over the batch.
    encoder, decoder : Encoder, Decoder, optional
        Ready-made halves (then ``sizes`` and ``activation`` are ignored).
    init : {"he", "glorot", "normal"}, optional
    rng : numpy.random.Generator or int, optional
        The model's own Generator: initial weights, batch order and any noise all come
        from it. None draws fresh entropy from the operating system (unseeded, not
        reproducible); pass an int or a Generator for reproducible runs.
    dtype : dtype, default=np.float32

    Attributes
    ----------
    encoder : Encoder
    decoder : Decoder
    history_ : History
        Set by ``fit``.
    """

    def __init__(
        self,
        sizes=(64, 128, 8),
        activation="relu",
        output="auto",
        loss="auto",
        encoder=None,
        decoder=None,
        init=None,
        rng=None,
        dtype=np.float32,
    ):
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}; got {output!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
        if loss == "bce" and output == "identity":
            raise ValueError("loss='bce' needs output='sigmoid' (cross-entropy of probabilities)")
        rng = self._set_rng(rng)
        # A given half fixes the widths of the half built to match it.
        if encoder is not None:
            sizes = encoder.sizes
        elif decoder is not None:
            sizes = decoder.sizes[::-1]
        sizes = tuple(int(s) for s in sizes)
        self.encoder = encoder or Encoder(sizes, activation, init, rng, dtype)
        first = "sigmoid" if output == "auto" else output
        self.decoder = decoder or Decoder(sizes[::-1], activation, first, init, rng, dtype)
        if (self.encoder.n_features, self.encoder.latent_dim) != (
            self.decoder.n_features,
            self.decoder.latent_dim,
        ):
            raise ValueError(
                f"the encoder maps {self.encoder.n_features} features to {self.encoder.latent_dim}"
                f" latent units, the decoder {self.decoder.latent_dim} units to "
                f"{self.decoder.n_features} features; they must match"
            )
        self.output, self.loss, self.activation, self.init = output, loss, activation, init
        self.n_features, self.latent_dim = self.encoder.n_features, self.encoder.latent_dim
        self.dtype = dtype
        self._resolve_loss()

    def _resolve_loss(self):
        """The loss in use: "auto" means cross-entropy under a sigmoid output, else MSE."""
        if self.loss != "auto":
            self.loss_ = self.loss
        else:
            self.loss_ = "bce" if self.decoder.output_activation == "sigmoid" else "mse"

    @property
    def needs_unit_interval(self):
        return self.loss_ == "bce"

    def fit(self, X, y=None, **kwargs):
        """Train to reconstruct X; see ``Model.fit`` for the parameters. Returns self."""
        if self.output == "auto" and not hasattr(self, "history_"):
            # Convert once, here, where the data choose the output; Model.fit then finds
            # an array of the right dtype and shape and need not copy it again.
            X = check_data(X, "X", self.n_features, self.dtype)
            inside = X.min() >= 0 and X.max() <= 1
            self.decoder.output_activation = "sigmoid" if inside else "identity"
            self._resolve_loss()
        return super().fit(X, None, **kwargs)

    def corrupt(self, x, rng):
        """The input the encoder sees in training: x itself (denoising models corrupt it)."""
        return x

    def loss_terms(self, x, y, rng):
        """The reconstruction loss of a batch x (batch, n_features), against the clean x."""
        out = self.decoder(self.encoder(Tensor(self.corrupt(x, rng))))
        if self.loss_ == "bce":
            return {"loss": BCEWithLogits.apply(out, x)}
        return {"loss": MSELoss.apply(self.decoder.output(out), x)}

    def _reconstruction(self, x):
        """D(E(x)) after the output activation, a Tensor (batch, n_features)."""
        return self.decoder.output(self.decoder(self.encoder(x)))

    def encode(self, X):
        """Codes z = E(x), shape (n_samples, latent_dim)."""
        return self.encoder.encode(X)

    def decode(self, Z):
        """Outputs D(z) for any Z of shape (n_samples, latent_dim)."""
        return self.decoder.decode(Z)

    def reconstruct(self, X):
        """x_hat = D(E(x)), shape (n_samples, n_features)."""
        X = self._check(X)
        return predict_in_batches(self._reconstruction, X)

    def reconstruction_error(self, X):
        """Mean squared error per element between X and its reconstruction (PCA's measure)."""
        X = self._check(X)
        return float(np.mean((self.reconstruct(X) - X) ** 2, dtype=np.float64))

    def latent_importance(self, X):
        """The rise in reconstruction error when each latent unit is ablated to its mean.

        PCA ranks its components by explained variance; an autoencoder's units have no
        such order. This substitute sets unit j of every code to its mean over X and
        measures how much the error per element grows. It says how much the decoder, as
        trained, relies on unit j given the others; it is not a variance decomposition:
        the rises do not add up to the total error, and correlated units can each look
        unimportant while together they matter.

        Returns
        -------
        ndarray of shape (latent_dim,)
        """
        X = self._check(X)
        Z = self.encode(X)
        base = np.mean((self.decode(Z) - X) ** 2, dtype=np.float64)
        rises = np.empty(self.latent_dim)
        for j in range(self.latent_dim):
            ablated = Z.copy()
            ablated[:, j] = Z[:, j].mean()
            rises[j] = np.mean((self.decode(ablated) - X) ** 2, dtype=np.float64) - base
        return rises

    def __repr__(self):
        return f"{type(self).__name__}(sizes={self.encoder.sizes}, activation={self.activation!r})"


class DenoisingAutoencoder(Autoencoder):
    """An autoencoder that sees a corrupted x~ and is trained to output the clean x.

    The corruption is drawn fresh for every batch from the model's Generator; the loss
    compares D(E(x~)) with x. See ``aelearn.nn.noise`` for the corruptions.

    Parameters
    ----------
    noise : {"gaussian", "masking", "salt_and_pepper"}, default="masking"
    noise_level : float, default=0.3
        Standard deviation ("gaussian") or probability per element.
    **kwargs
        As for ``Autoencoder``.
    """

    def __init__(self, sizes=(64, 128, 8), noise="masking", noise_level=0.3, **kwargs):
        draw_corruption((1, 1), noise, noise_level, np.random.default_rng(0))  # validate now
        super().__init__(sizes, **kwargs)
        self.noise, self.noise_level = noise, noise_level

    def corrupt(self, x, rng):
        return corrupt(x, self.noise, self.noise_level, rng)

    def denoise(self, X_noisy):
        """The clean estimate D(E(x~)) of corrupted inputs, shape (n_samples, n_features).

        Gaussian noise pushes x~ outside [0, 1]; only the clean target must lie there, so
        the noisy input is not held to the unit interval that cross-entropy needs.
        """
        X_noisy = check_data(X_noisy, "X_noisy", self.n_features, self.dtype)
        return predict_in_batches(self._reconstruction, X_noisy)
