"""The autoencoder: an encoder E and a decoder D trained so that D(E(x)) is close to x.

With a code z = E(x) smaller than x, the network must keep what matters of x to rebuild
it. With linear E and D and the squared error, the best it can do is PCA's subspace; a
non-linear network can bend the subspace into a manifold and do better.
"""

import numpy as np

from aelearn.autograd import Tensor
from aelearn.losses import BCEWithLogits, MSELoss
from aelearn.models.base import Model, predict_in_batches
from aelearn.models.config import Configurable
from aelearn.models.convolutional import (
    ConvolutionalConstructor,
    check_convolution,
    decoder_network,
    encoder_network,
)
from aelearn.nn import MLP, Module, get_activation
from aelearn.validation import check_choice, check_data, check_dtype, check_sizes

OUTPUTS = ("sigmoid", "identity")
LOSSES = ("auto", "bce", "mse")


class Encoder(Configurable, Module):
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
        self.sizes, self.activation = check_sizes(sizes), activation
        self.dtype = dtype = check_dtype(dtype)
        self.init = init
        self.n_features, self.latent_dim = self.sizes[0], self.sizes[-1]
        self.net = net or MLP(self.sizes, activation, None, init=init, rng=rng, dtype=dtype)

    def forward(self, x):
        return self.net(x)

    def encode(self, X):
        """The codes of X, shape (n_samples, latent_dim), as an array."""
        X = check_data(X, "X", self.n_features, self.dtype)
        return predict_in_batches(self, self.forward, X)


class Decoder(Configurable, Module):
    """z (batch, latent_dim) -> x_hat (batch, n_features); an MLP, then the output activation.

    ``forward`` returns the pre-activation (the logits, for a sigmoid output), which is
    what a stable loss wants; ``output_layer`` is the output activation, a layer, which
    ``decode`` applies.

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
        self.sizes, self.activation = (
            check_sizes(sizes, layout="(latent_dim, hidden..., n_features)"),
            activation,
        )
        self.dtype = dtype = check_dtype(dtype)
        self.init = init
        self.latent_dim, self.n_features = self.sizes[0], self.sizes[-1]
        self.output_activation = check_choice(output_activation, OUTPUTS, "output_activation")
        self.output_layer = get_activation(output_activation)
        self.net = net or MLP(self.sizes, activation, None, init=init, rng=rng, dtype=dtype)

    def forward(self, z):
        return self.net(z)

    def decode(self, Z):
        """The outputs for codes Z of shape (n_samples, latent_dim): any z, not only codes of data.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        Z = check_data(Z, "Z", self.latent_dim, self.dtype)
        return predict_in_batches(self, lambda z: self.output_layer(self.forward(z)), Z)


class Autoencoder(ConvolutionalConstructor, Model):
    """A vanilla autoencoder, x -> z = E(x) -> x_hat = D(z), trained to reconstruct x.

    Dense by default; with an ``image_shape`` the encoder and decoder are convolutional
    (``aelearn.models.convolutional``; ``Autoencoder.convolutional()`` builds the course's
    network in one call) and X may be given as images ``(n_samples, *image_shape)`` as well
    as rows (n_samples, n_features).

    Parameters
    ----------
    sizes : sequence of int, default=(64, 128, 8)
        (n_features, hidden..., latent_dim); the decoder mirrors them.
    activation : str, default="relu"
        Hidden activation; "identity" with sizes (n, k) is the linear autoencoder.
    output : {"sigmoid", "identity"}, default="sigmoid"
        The decoder's output activation: sigmoid for data in [0, 1] (pixels), identity
        for data of any range.
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
    image_shape : (channels, height, width), optional
        Makes the networks convolutional; channels * height * width must be sizes[0].
        ``sizes`` then gives (n_features, dense hidden..., latent_dim), the dense layers
        between the flattened feature map and the code.
    filters : sequence of int, default=(32, 64)
        With ``image_shape``: the channels of each stride-2 convolution of the encoder.
    kernel_size : int, default=3
        With ``image_shape``: the (odd) side of every convolution kernel.

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
        output="sigmoid",
        loss="auto",
        encoder=None,
        decoder=None,
        init=None,
        rng=None,
        dtype=np.float32,
        image_shape=None,
        filters=(32, 64),
        kernel_size=3,
    ):
        check_choice(output, OUTPUTS, "output")
        check_choice(loss, LOSSES, "loss")
        if loss == "bce" and output == "identity":
            raise ValueError("loss='bce' needs output='sigmoid' (cross-entropy of probabilities)")
        dtype = check_dtype(dtype)
        rng = self._set_rng(rng)
        # A given half fixes the widths of the half built to match it.
        if encoder is not None:
            sizes = encoder.sizes
        elif decoder is not None:
            sizes = decoder.sizes[::-1]
        sizes = check_sizes(sizes)
        self.sizes, self.activation, self.init, self.dtype = sizes, activation, init, dtype
        self.n_features = sizes[0]
        self.image_shape, self.filters, self.kernel_size = check_convolution(
            image_shape, filters, kernel_size, sizes[0]
        )
        conv = self.image_shape is not None
        if encoder is None:
            net = encoder_network(self, self._dense_head(rng), rng) if conv else None
            encoder = Encoder(sizes, activation, init, rng, dtype, net=net)
        if decoder is None:
            net = decoder_network(self, sizes[-1], rng) if conv else None
            decoder = Decoder(sizes[::-1], activation, output, init, rng, dtype, net=net)
        self.encoder, self.decoder = encoder, decoder
        if (self.encoder.n_features, self.encoder.latent_dim) != (
            self.decoder.n_features,
            self.decoder.latent_dim,
        ):
            raise ValueError(
                f"the encoder maps {self.encoder.n_features} features to {self.encoder.latent_dim}"
                f" latent units, the decoder {self.decoder.latent_dim} units to "
                f"{self.decoder.n_features} features; they must match"
            )
        self.output, self.loss = output, loss
        self.latent_dim = self.encoder.latent_dim
        # The loss in use: "auto" means cross-entropy under a sigmoid output, else MSE.
        if loss == "auto":
            loss = "bce" if self.decoder.output_activation == "sigmoid" else "mse"
        self.loss_ = loss

    def _dense_head(self, rng):
        """n_in -> the MLP from features of width n_in to the code."""
        return lambda n_in: MLP(
            (n_in, *self.sizes[1:]), self.activation, None, self.init, rng, self.dtype
        )

    @property
    def needs_unit_interval(self):
        return self.loss_ == "bce"

    @property
    def loss_units(self):
        """{term: (short unit, description)} of what ``loss_terms`` returns."""
        reduction = f"summed over the {self.n_features} features, mean over examples"
        if self.loss_ == "bce":
            return {"loss": ("nats/example", f"binary cross-entropy in nats, {reduction}")}
        return {"loss": ("sq. error/example", f"squared error, {reduction}")}

    def loss_terms(self, x, y, rng):
        """The reconstruction loss of a batch x (batch, n_features)."""
        return self._reconstruction_loss(Tensor(x), x)

    def _reconstruction_loss(self, x_in, x):
        """The loss of decoding the encoder's code of ``x_in`` (a Tensor) into the clean x:
        binary cross-entropy from the logits, or the squared error of the output."""
        logits = self.decoder(self.encoder(x_in))
        if self.loss_ == "bce":
            return {"loss": BCEWithLogits.apply(logits, x)}
        return {"loss": MSELoss.apply(self.decoder.output_layer(logits), x)}

    def _reconstruction(self, x):
        """D(E(x)) after the output activation, a Tensor (batch, n_features)."""
        return self.decoder.output_layer(self.decoder(self.encoder(x)))

    def encode(self, X):
        """Codes z = E(x), shape (n_samples, latent_dim)."""
        return self.encoder.encode(self._rows(X))

    def decode(self, Z):
        """Outputs D(z) for any Z of shape (n_samples, latent_dim)."""
        return self.decoder.decode(Z)

    def reconstruct(self, X, y=None):
        """x_hat = D(E(x)), of X's shape (rows or images); y is ignored."""
        rows = self._check(X)
        return self._shaped_like(predict_in_batches(self, self._reconstruction, rows), X)

    def reconstruction_error(self, X, y=None):
        """Mean squared error per pixel between X and its reconstruction (PCA's measure);
        y is ignored."""
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
        conv = (
            ""
            if self.image_shape is None
            else f", image_shape={self.image_shape}, filters={self.filters}"
        )
        return (
            f"{type(self).__name__}(sizes={self.encoder.sizes}{conv}, "
            f"activation={self.activation!r})"
        )
