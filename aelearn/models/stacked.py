"""Greedy layer-wise pre-training: a stacked autoencoder, built one layer at a time.

A deep sigmoid network started from small random weights barely learns: the gradient
fades on its way down through the saturating layers. Pre-training (Bengio et al., 2007;
Hinton and Salakhutdinov, 2006) starts it somewhere better, without labels:

1. train a one-hidden-layer autoencoder x -> h1 -> x on the data;
2. keep its encoder, h1 = sigmoid(W1 x + b1), and encode the data;
3. train the next autoencoder h1 -> h2 -> h1 on those codes, and so on up the stack.

Each stage sees only the codes of the one below, as an array, so no gradient can reach
the layers below it: they stay as their own stage left them. With ``noise`` each stage
is a denoising autoencoder that corrupts its own input, the codes below (stacked
denoising autoencoders, Vincent et al., 2010).

The stack then starts either a classifier (the encoders, then a new head; fine-tuned end
to end with labels) or a deep autoencoder (the encoders, then the decoders in reverse
order; fine-tuned for reconstruction). Both get *copies* of the pre-trained weights, so
one stack can start several networks and fine-tuning never changes the stack itself.
"""

import copy

import numpy as np

from aelearn.models.autoencoder import LOSSES, Autoencoder, Decoder, Encoder
from aelearn.models.classifier import Classifier
from aelearn.models.denoising import DenoisingAutoencoder
from aelearn.nn import Dense, Sequential, get_activation
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.nn.noise import check_corruption
from aelearn.validation import check_choice, check_data, check_positive_int, check_rng


def copy_dense(layer):
    """A trainable Dense layer holding copies of ``layer``'s weights and bias."""
    return copy.deepcopy(layer).unfreeze()


class StackedAutoencoder:
    """Greedy layer-wise pre-training of the encoder ``(n_features, *hidden_sizes)``.

    Parameters
    ----------
    hidden_sizes : sequence of int
        Widths of the encoder layers, bottom up, e.g. (128, 64, 32).
    activation : str, default="sigmoid"
        Of every encoder layer, h_l = activation(W_l h_(l-1) + b_l).
    loss : {"mse", "bce", "auto"}, default="mse"
        Reconstruction loss of every stage (see ``Autoencoder``). Each stage's output
        activation is chosen to fit its input: sigmoid when the input lies in [0, 1]
        (pixels, sigmoid codes), identity otherwise (ReLU codes, say).
    noise : {None, "gaussian", "masking", "salt_and_pepper"}, default=None
        Train every stage as a denoising autoencoder with this corruption of its input.
    noise_level : float, default=0.3
    init : {"he", "glorot", "normal"}, optional
        Initialisation of every stage (default Glorot), and of heads built by
        ``to_classifier``.
    init_std : float, default=0.01
        Standard deviation for ``init="normal"``.
    rng : numpy.random.Generator or int, optional
        Owned by the stack: every stage's initial weights, batch order and noise.
    dtype : dtype, default=np.float32

    Attributes
    ----------
    autoencoders_ : list of Autoencoder
        One trained one-hidden-layer autoencoder per stage, frozen once trained.
    histories_ : list of History
        The training History of each stage.
    sizes_ : tuple of int
        ``(n_features, *hidden_sizes)``.

    Examples
    --------
    >>> from aelearn.datasets import load_digits
    >>> data = load_digits()
    >>> stack = StackedAutoencoder((128, 64, 32), rng=0).fit(data.X_train, epochs=5)
    >>> clf = stack.to_classifier(10).fit(data.X_train[:100], data.y_train[:100])
    >>> [len(h) for h in stack.histories_]
    [5, 5, 5]
    """

    def __init__(
        self,
        hidden_sizes,
        activation="sigmoid",
        loss="mse",
        noise=None,
        noise_level=0.3,
        init=None,
        init_std=0.01,
        rng=None,
        dtype=np.float32,
    ):
        self.hidden_sizes = tuple(check_positive_int(h, "hidden size") for h in hidden_sizes)
        if not self.hidden_sizes:
            raise ValueError("hidden_sizes must list at least one layer width, e.g. (128, 64)")
        check_choice(loss, LOSSES, "loss")
        # Unknown names fail here rather than after a stage of training.
        get_activation(activation)
        if noise is not None:
            check_corruption(noise, noise_level)
        self.activation, self.loss = activation, loss
        self.noise, self.noise_level = noise, noise_level
        self.init, self.init_std, self.dtype = init, init_std, dtype
        self.rng = check_rng(rng)

    def _stage(self, n_in, n_out, inside_unit_interval):
        """A fresh one-hidden-layer autoencoder n_in -> n_out -> n_in for one stage.

        Its encoder is Dense then the activation (a code in [0, 1] for a sigmoid), not the
        linear code of a plain ``Encoder``: that code is what the next stage will see.
        """
        init = self.init or DEFAULT_INIT
        dense = (init, self.rng, self.dtype, self.init_std)
        encoder_net = Sequential(Dense(n_in, n_out, *dense), get_activation(self.activation))
        output = "sigmoid" if inside_unit_interval else "identity"
        encoder = Encoder((n_in, n_out), net=encoder_net, dtype=self.dtype)
        decoder = Decoder(
            (n_out, n_in),
            output_activation=output,
            net=Dense(n_out, n_in, *dense),
            dtype=self.dtype,
        )
        kwargs = dict(encoder=encoder, decoder=decoder, output=output, loss=self.loss)
        kwargs.update(activation=self.activation, rng=self.rng, dtype=self.dtype)
        if self.noise is None:
            return Autoencoder((n_in, n_out), **kwargs)
        return DenoisingAutoencoder((n_in, n_out), self.noise, self.noise_level, **kwargs)

    def fit(self, X, *, epochs=100, batch_size=64, lr=1e-3, verbose="auto"):
        """Pre-train the stack on X, one stage after the other. Returns self.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        epochs : int, default=100
            Epochs of each stage.
        batch_size : int, default=64
        lr : float, default=1e-3
            Adam's learning rate.
        verbose : "auto", bool or int, default="auto"
            As in ``aelearn.training.fit``; with True or an int, a line names each stage.
        """
        codes = check_data(X, "X", dtype=self.dtype)
        self.sizes_ = (codes.shape[1], *self.hidden_sizes)
        self.autoencoders_, self.histories_ = [], []
        for level, (n_in, n_out) in enumerate(zip(self.sizes_[:-1], self.sizes_[1:], strict=True)):
            if verbose is True or (type(verbose) is int and verbose > 0):
                print(f"stage {level + 1}: {n_in} -> {n_out} -> {n_in}", flush=True)
            inside = bool(codes.min() >= 0 and codes.max() <= 1)
            stage = self._stage(n_in, n_out, inside)
            stage.fit(codes, epochs=epochs, batch_size=batch_size, lr=lr, verbose=verbose)
            stage.freeze()
            self.autoencoders_.append(stage)
            self.histories_.append(stage.history_)
            codes = stage.encode(codes)
        return self

    def _check_fitted(self):
        if not hasattr(self, "autoencoders_"):
            raise RuntimeError("the stack is not pre-trained yet: call fit(X) first")

    def encoder_layers(self):
        """Copies of the pre-trained encoder layers, bottom up: Dense, activation, Dense, ..."""
        self._check_fitted()
        layers = []
        for stage in self.autoencoders_:
            layers += [copy_dense(stage.encoder.net[0]), get_activation(self.activation)]
        return layers

    def encoder(self):
        """The stacked encoder x -> h_L, as an ``Encoder`` of copied layers (trainable)."""
        self._check_fitted()
        return Encoder(self.sizes_, net=Sequential(*self.encoder_layers()), dtype=self.dtype)

    def transform(self, X):
        """The top codes h_L of X, shape (n_samples, hidden_sizes[-1])."""
        return self.encoder().encode(X)

    def to_classifier(self, n_classes, hidden=(), freeze=False, rng=None):
        """A classifier: copies of the pre-trained encoder layers, then a new head.

        Parameters
        ----------
        n_classes : int
        hidden : sequence of int, default=()
            Hidden widths of the head (with the stack's activation); () is one Dense
            layer from the top code to the logits.
        freeze : bool, default=False
            False, to fine-tune every layer end to end; True trains the head alone.
        rng : numpy.random.Generator or int, optional
            The head's initial weights and the batch order (default: the stack's rng).

        Returns
        -------
        Classifier
            Its lower layers hold exactly the pre-trained weights, as copies: training it
            does not change the stack.
        """
        return Classifier(
            self.encoder(),
            n_classes,
            hidden,
            activation=self.activation,
            freeze_encoder=freeze,
            copy_encoder=False,  # the layers are fresh copies already
            init=self.init,
            init_std=self.init_std,
            rng=self.rng if rng is None else rng,
            dtype=self.dtype,
        )

    def to_deep_autoencoder(self, rng=None):
        """The unrolled deep autoencoder: the encoders bottom up, then the decoders top down.

        Each stage's decoder is followed by that stage's output activation, so the
        decoder half rebuilds the codes of each layer in turn, down to x_hat, exactly as
        the stages did one at a time. Loss and final output are those of the first stage.

        Parameters
        ----------
        rng : numpy.random.Generator or int, optional
            Batch order (and noise) when fine-tuning (default: the stack's rng).

        Returns
        -------
        Autoencoder
            Holding copies of the pre-trained weights; fine-tune it with ``fit``.
        """
        self._check_fitted()
        decoder_layers = []
        for stage in reversed(self.autoencoders_):
            output = get_activation(stage.decoder.output_activation)
            decoder_layers += [copy_dense(stage.decoder.net), output]
        # The last output activation belongs to the Decoder itself (its forward returns logits).
        decoder_net = Sequential(*decoder_layers[:-1])
        first = self.autoencoders_[0]
        decoder = Decoder(
            self.sizes_[::-1],
            output_activation=first.decoder.output_activation,
            net=decoder_net,
            dtype=self.dtype,
        )
        return Autoencoder(
            self.sizes_,
            activation=self.activation,
            output=first.decoder.output_activation,
            loss=first.loss_,
            encoder=self.encoder(),
            decoder=decoder,
            rng=self.rng if rng is None else rng,
            dtype=self.dtype,
        )

    def summary(self):
        """The stages, each a one-hidden-layer autoencoder, as tables (see ``Model.summary``)."""
        if not hasattr(self, "autoencoders_"):
            return f"{self!r}: not pre-trained yet (call fit(X))"
        tables = [
            f"stage {level}: {stage.n_features} -> {stage.latent_dim} -> {stage.n_features}, "
            f"frozen once trained\n{stage.summary()}"
            for level, stage in enumerate(self.autoencoders_, start=1)
        ]
        return "\n\n".join([repr(self), *tables])

    def __str__(self):
        return self.summary()

    def __repr__(self):
        return (
            f"StackedAutoencoder(hidden_sizes={self.hidden_sizes}, activation={self.activation!r})"
        )


def pretrain_stack(
    X,
    hidden_sizes,
    activation="sigmoid",
    epochs=100,
    batch_size=64,
    lr=1e-3,
    noise=None,
    noise_level=0.3,
    init=None,
    rng=None,
    verbose="auto",
    **kwargs,
):
    """Greedy layer-wise pre-training of a stack on X; returns the fitted StackedAutoencoder.

    A shortcut for ``StackedAutoencoder(hidden_sizes, ...).fit(X, epochs=...)``; see there
    for the parameters (``**kwargs`` takes ``loss``, ``init_std`` and ``dtype``).
    """
    stack = StackedAutoencoder(
        hidden_sizes, activation, noise=noise, noise_level=noise_level, init=init, rng=rng, **kwargs
    )
    return stack.fit(X, epochs=epochs, batch_size=batch_size, lr=lr, verbose=verbose)
