"""The autoencoder: an encoder E and a decoder D trained so that D(E(x)) is close to x.

With a code z = E(x) smaller than x, the network must keep what matters of x to rebuild
it. With linear E and D and the squared error, the best it can do is PCA's subspace; a
non-linear network can bend the subspace into a manifold and do better. The denoising
autoencoder (Vincent et al., 2008) sees a corrupted x~ and must output the clean x, so it
cannot simply copy its input.
"""

import numpy as np

from aelearn.autograd import Tensor
from aelearn.losses import BCEWithLogits, MSELoss
from aelearn.models.base import Model, predict_in_batches
from aelearn.models.convolutional import convolutional_networks
from aelearn.nn import MLP, Module, Noise, Sequential, get_activation, shape_through
from aelearn.threads import uses_blas
from aelearn.validation import check_choice, check_data, check_dtype, check_rng, check_sizes

OUTPUT_ACTIVATIONS = ("sigmoid", "identity")
LOSSES = ("auto", "bce", "mse")


class Encoder(Module):
    """x (batch, n_features) -> z (batch, latent_dim); an MLP with a linear last layer.

    ``sizes`` is (n_features, hidden..., latent_dim). A ``net`` given replaces the MLP;
    ``sizes`` then gives only the input and latent widths.
    """

    def __init__(self, sizes, activation="relu", init=None, rng=None, dtype=np.float32, net=None):
        self.sizes, self.activation = check_sizes(sizes), activation
        self.init, self.dtype = init, check_dtype(dtype)
        self.n_features, self.latent_dim = self.sizes[0], self.sizes[-1]
        self.net = net or MLP(self.sizes, activation, None, init=init, rng=rng, dtype=self.dtype)

    def forward(self, x):
        return self.net(x)

    def output_shape(self, input_shape, shapes=None):
        return shape_through(self.net, input_shape, {} if shapes is None else shapes)

    @property
    def input_shape(self):
        return (self.n_features,)

    @uses_blas
    def encode(self, X):
        """The codes of X (rows, or images of n_features values), (n_samples, latent_dim)."""
        X = check_data(np.reshape(X, (np.shape(X)[0], -1)), "X", self.n_features, self.dtype)
        return predict_in_batches(self.forward, X)


class Decoder(Module):
    """z (batch, latent_dim) -> x_hat (batch, n_features); an MLP, then the output activation.

    ``forward`` returns the pre-activation (the logits, for a sigmoid output), which is
    what a stable loss wants; ``decode`` applies ``output_layer``, the output activation.
    ``sizes`` is (latent_dim, hidden..., n_features); the other arguments as ``Encoder``'s.
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
        self.sizes = check_sizes(sizes, layout="(latent_dim, hidden..., n_features)")
        self.activation, self.init, self.dtype = activation, init, check_dtype(dtype)
        self.latent_dim, self.n_features = self.sizes[0], self.sizes[-1]
        self.output_activation = check_choice(
            output_activation, OUTPUT_ACTIVATIONS, "output_activation"
        )
        self.output_layer = get_activation(output_activation)
        self.net = net or MLP(self.sizes, activation, None, init=init, rng=rng, dtype=self.dtype)

    def forward(self, z):
        return self.net(z)

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        logits = shape_through(self.net, input_shape, shapes)
        return shape_through(self.output_layer, logits, shapes)

    @property
    def input_shape(self):
        return (self.latent_dim,)

    @uses_blas
    def decode(self, Z):
        """The outputs (n_samples, n_features) for any codes Z (n_samples, latent_dim)."""
        Z = check_data(Z, "Z", self.latent_dim, self.dtype)
        return predict_in_batches(lambda z: self.output_layer(self.forward(z)), Z)


class Autoencoder(Model):
    """A vanilla autoencoder, x -> z = E(x) -> x_hat = D(z), trained to reconstruct x.

    Dense by default; ``Autoencoder.convolutional()`` builds the course's convolutional
    network, and any encoder and decoder may be handed in.

    Parameters
    ----------
    sizes : sequence of int
        (n_features, hidden..., latent_dim); the decoder mirrors them.
    activation : str
        Hidden activation; "identity" with sizes (n, k) is the linear autoencoder.
    output_activation : {"sigmoid", "identity"}
        Sigmoid for data in [0, 1] (pixels), identity for data of any range.
    loss : {"auto", "bce", "mse"}
        Binary cross-entropy (from logits; needs a sigmoid output and data in [0, 1]) or
        squared error, both summed over features and averaged over the batch. "auto":
        "bce" under a sigmoid output, else "mse"; ``loss_`` is the loss in use.
    encoder, decoder : Encoder, Decoder, optional
        Ready-made halves (then ``sizes`` and ``activation`` are ignored).
    init, rng, dtype
        Initialisation ("he", "glorot", "normal"; None: Glorot); the model's own Generator
        (an int seed, or None for fresh entropy) of the initial weights, the batch order and
        any noise; the dtype.
    """

    def __init__(
        self,
        sizes=(64, 128, 8),
        activation="relu",
        output_activation="sigmoid",
        loss="auto",
        encoder=None,
        decoder=None,
        init=None,
        rng=None,
        dtype=np.float32,
    ):
        check_choice(output_activation, OUTPUT_ACTIVATIONS, "output_activation")
        check_choice(loss, LOSSES, "loss")
        if loss == "bce" and output_activation == "identity":
            raise ValueError(
                "loss='bce' needs output_activation='sigmoid' (cross-entropy of probabilities)"
            )
        self.dtype, self.rng = check_dtype(dtype), check_rng(rng)
        # A given half fixes the widths of the half built to match it.
        if encoder is not None:
            sizes = encoder.sizes
        elif decoder is not None:
            sizes = decoder.sizes[::-1]
        self.sizes, self.activation, self.init = check_sizes(sizes), activation, init
        self.encoder = encoder or Encoder(self.sizes, activation, init, self.rng, self.dtype)
        self.decoder = decoder or Decoder(
            self.sizes[::-1], activation, output_activation, init, self.rng, self.dtype
        )
        halves = (self.encoder.n_features, self.encoder.latent_dim)
        if halves != (self.decoder.n_features, self.decoder.latent_dim):
            raise ValueError(
                f"the encoder maps {halves[0]} features to {halves[1]} latent units, the decoder "
                f"{self.decoder.latent_dim} units to {self.decoder.n_features} features; they "
                "must match"
            )
        self.output_activation, self.loss = output_activation, loss
        self.n_features, self.latent_dim = halves
        if loss == "auto":
            loss = "bce" if self.decoder.output_activation == "sigmoid" else "mse"
        self.loss_ = loss

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
        """A convolutional autoencoder (``aelearn.models.convolutional``); the defaults are the
        course's Keras network (178,001 parameters on MNIST).

        ``image_shape`` is (channels, height, width); ``filters`` the channels of each
        stride-2 encoder convolution (the decoder mirrors them); ``hidden_sizes`` the dense
        layers between the flattened feature map and the code; ``**kwargs`` the class's
        other arguments (``loss``, ``noise``...).
        """
        options = dict(
            activation=activation, init=init, rng=check_rng(rng), dtype=check_dtype(dtype)
        )
        sizes = (int(np.prod(image_shape)), *hidden_sizes, latent_dim)
        features, head, image = convolutional_networks(
            MLP, image_shape, filters, kernel_size, sizes, **options
        )
        output = kwargs.get("output_activation", "sigmoid")
        encoder = Encoder(sizes, activation, init, dtype=dtype, net=Sequential(features, head))
        decoder = Decoder(sizes[::-1], activation, output, init, dtype=dtype, net=image)
        return cls(sizes, encoder=encoder, decoder=decoder, **options, **kwargs)

    @property
    def needs_unit_interval(self):
        return self.loss_ == "bce"

    def _labels(self, y, n_samples, name="y"):
        """y as targets (n_samples, n_features), checked once; None for no y, or labels (1-D)."""
        if y is None or np.ndim(y) == 1:
            return None
        sigmoid = self.decoder.output_activation == "sigmoid"  # it cannot reach beyond [0, 1]
        targets = self._check(y, f"{name} (the targets)", unit_interval=sigmoid)
        if targets.shape[0] != n_samples:
            raise ValueError(
                f"{name} holds {targets.shape[0]} targets for {n_samples} inputs; fit(X, y) "
                "takes one target image per example of X, of X's shape"
            )
        return targets

    @property
    def loss_units(self):
        reduction = f"summed over the {self.n_features} features, mean over examples"
        if self.loss_ == "bce":
            return {"loss": ("nats/example", f"binary cross-entropy in nats, {reduction}")}
        return {"loss": ("sq. error/example", f"squared error, {reduction}")}

    def loss_terms(self, x, y, rng):
        """The loss of D(E(x)) for a batch x (batch, n_features) against x, or against the
        targets y (batch, n_features) when ``fit`` was given them."""
        return self._reconstruction_loss(Tensor(x), x if y is None else y)

    def _reconstruction_loss(self, x_in, x):
        """The loss of decoding ``x_in`` (a Tensor) into x: cross-entropy from the logits, or
        the squared error of the output."""
        logits = self.decoder(self.encoder(x_in))
        if self.loss_ == "bce":
            return {"loss": BCEWithLogits.apply(logits, x)}
        return {"loss": MSELoss.apply(self.decoder.output_layer(logits), x)}

    def _reconstruction(self, x):
        """D(E(x)) after the output activation, a Tensor (batch, n_features)."""
        return self.decoder.output_layer(self.decoder(self.encoder(x)))

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        return shape_through(self.decoder, shape_through(self.encoder, input_shape, shapes), shapes)

    @uses_blas
    def encode(self, X):
        """Codes z = E(x), shape (n_samples, latent_dim)."""
        return self.encoder.encode(X)

    @uses_blas
    def decode(self, Z):
        """Outputs D(z) for any Z of shape (n_samples, latent_dim)."""
        return self.decoder.decode(Z)

    @uses_blas
    def reconstruct(self, X, y=None):
        """x_hat = D(E(x)), of X's shape (rows or images); y is ignored."""
        return self._shaped_like(predict_in_batches(self._reconstruction, self._check(X)), X)

    @uses_blas
    def reconstruction_error(self, X, y=None):
        """Mean squared error per pixel of the reconstruction (PCA's measure); y is ignored."""
        X = self._check(X)
        X_hat = predict_in_batches(self._reconstruction, X)
        return float(np.mean((X_hat - X) ** 2, dtype=np.float64))

    @uses_blas
    def latent_importance(self, X):
        """The rise in reconstruction error per element when each latent unit is set to its
        mean over X, shape (latent_dim,).

        PCA ranks its components by explained variance; an autoencoder's units have no such
        order. The rise for unit j says how much the decoder, as trained, relies on it given
        the others. It is no variance decomposition: the rises do not add up to the total
        error, and correlated units can each look unimportant while together they matter.
        """
        X = self._check(X)
        Z = predict_in_batches(self.encoder, X)
        base = np.mean((self.decode(Z) - X) ** 2, dtype=np.float64)
        rises = np.empty(self.latent_dim)
        for j in range(self.latent_dim):
            ablated = Z.copy()
            ablated[:, j] = Z[:, j].mean()
            rises[j] = np.mean((self.decode(ablated) - X) ** 2, dtype=np.float64) - base
        return rises


class DenoisingAutoencoder(Autoencoder):
    """An autoencoder whose loss compares D(E(x~)) with the clean x.

    x~ comes from ``corruption``, a ``Noise`` layer in front of the encoder: in training mode
    it draws afresh for every batch from the Generator ``fit`` passes (the model's own); in
    evaluation mode it passes the input through, so ``reconstruct`` and the validation loss
    see the clean input. ``noise`` is "gaussian", "masking" or "salt_and_pepper",
    ``noise_level`` the standard deviation ("gaussian") or the probability per element.

    Given targets, ``fit(X_noisy, X_clean)`` trains on those fixed pairs as they are (the
    course's Keras notebook draws its noise once so): ``corruption`` adds none.
    """

    def __init__(self, sizes=(64, 128, 8), noise="masking", noise_level=0.3, **kwargs):
        super().__init__(sizes, **kwargs)
        self.corruption = Noise(noise, noise_level, rng=self.rng)
        self.noise, self.noise_level = noise, self.corruption.noise_level

    def loss_terms(self, x, y, rng):
        """The loss of reconstructing the clean batch x from its corruption, drawn from rng;
        given targets y, of outputting y from x, which is already noisy."""
        if y is not None:
            return super().loss_terms(x, y, rng)
        return self._reconstruction_loss(self.corruption(Tensor(x), rng), x)

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        return super().output_shape(shape_through(self.corruption, input_shape, shapes), shapes)

    @uses_blas
    def denoise(self, X_noisy):
        """The clean estimate D(E(x~)) of corrupted inputs, of their shape (rows or images);
        x~ need not lie in [0, 1] (Gaussian noise pushes it out), only the clean target."""
        rows = self._check(X_noisy, "X_noisy", unit_interval=False)
        return self._shaped_like(predict_in_batches(self._reconstruction, rows), X_noisy)
