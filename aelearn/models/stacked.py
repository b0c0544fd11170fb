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

The stack is a Module whose sub-modules are its stages, so ``aelearn.io.save`` writes it
as any model: its settings, and once pre-trained what ``fit`` learned
(``aelearn.models.stacked_state``).
"""

import numpy as np

from aelearn.models.autoencoder import LOSSES, Autoencoder, Decoder, Encoder
from aelearn.models.config import Configurable
from aelearn.models.denoising import DenoisingAutoencoder
from aelearn.models.stacked_networks import StackedNetworks, copy_dense
from aelearn.models.stacked_state import StackedState
from aelearn.nn import Dense, Module, Sequential, get_activation
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.nn.noise import check_corruption
from aelearn.validation import check_choice, check_data, check_dtype, check_rng, check_sizes


class StackedAutoencoder(StackedNetworks, StackedState, Configurable, Module):
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
    stopped_ : str or None
        Where an interrupted ``fit`` stopped; None when every stage finished.

    Notes
    -----
    ``aelearn.io.save(stack, path)`` writes the settings and the Generator's state, and
    once pre-trained every stage (weights, frozen flags, output activation and loss),
    ``sizes_``, ``histories_`` and ``stopped_``; ``aelearn.io.load`` gives a stack whose
    ``transform``, ``to_classifier`` and ``to_deep_autoencoder`` are bit-identical to the
    original's. An unfitted stack saves its settings alone, and loads ready to ``fit`` as
    the original would.

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
        layout = "of the encoder layers, bottom up, e.g. (128, 64)"
        self.hidden_sizes = check_sizes(hidden_sizes, "hidden_sizes", layout, min_len=1)
        check_choice(loss, LOSSES, "loss")
        # Cross-entropy needs every stage's input in [0, 1]: above the first stage that
        # input is the codes below, in [0, 1] only under a sigmoid.
        if loss == "bce" and activation != "sigmoid" and len(self.hidden_sizes) > 1:
            raise ValueError(
                f"loss='bce' needs each stage's input in [0, 1], but stage 2 sees {activation} "
                "codes of stage 1, which are not; use activation='sigmoid' or loss='mse'"
            )
        # Unknown names fail here rather than after a stage of training.
        get_activation(activation)
        if noise is not None:
            check_corruption(noise, noise_level)
        self.activation, self.loss = activation, loss
        self.noise, self.noise_level = noise, noise_level
        self.init, self.init_std, self.dtype = init, init_std, check_dtype(dtype)
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

        Ctrl-C stops the whole stack, not only the stage it interrupts: that stage keeps
        the weights of its last finished epoch (as ``fit`` does) if it finished one, the
        stages above it are not trained, ``sizes_`` lists the layers that were, and
        ``stopped_`` says where pre-training stopped (None when every stage finished).

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
        codes = check_data(X, "X", dtype=self.dtype, unit_interval=self.loss == "bce")
        self.sizes_ = (codes.shape[1], *self.hidden_sizes)
        self.autoencoders_, self.histories_, self.stopped_ = [], [], None
        for level, (n_in, n_out) in enumerate(zip(self.sizes_[:-1], self.sizes_[1:], strict=True)):
            if verbose is True or (type(verbose) is int and verbose > 0):
                print(f"stage {level + 1}: {n_in} -> {n_out} -> {n_in}", flush=True)
            inside = bool(codes.min() >= 0 and codes.max() <= 1)
            stage = self._stage(n_in, n_out, inside)
            stage.fit(codes, epochs=epochs, batch_size=batch_size, lr=lr, verbose=verbose)
            if stage.history_.interrupted:
                self.stopped_ = f"stage {level + 1} {stage.history_.stopped}"
                if len(stage.history_):  # a stage interrupted in its first epoch learned nothing
                    self._keep(stage.freeze())
                self.sizes_ = self.sizes_[: len(self.autoencoders_) + 1]
                break
            self._keep(stage.freeze())
            codes = stage.encode(codes)
        return self

    def _keep(self, stage):
        self.autoencoders_.append(stage)
        self.histories_.append(stage.history_)

    def _check_fitted(self):
        if not getattr(self, "autoencoders_", None):
            raise RuntimeError(
                "the stack has no pre-trained layer: call fit(X) (an interrupted fit keeps "
                "only the stages that finished an epoch)"
            )

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
    X, hidden_sizes, *, epochs=100, batch_size=64, lr=1e-3, verbose="auto", **kwargs
):
    """Greedy layer-wise pre-training of a stack on X; returns the fitted StackedAutoencoder.

    A shortcut for ``StackedAutoencoder(hidden_sizes, **kwargs).fit(X, epochs=...)``; see
    there for the parameters.
    """
    stack = StackedAutoencoder(hidden_sizes, **kwargs)
    return stack.fit(X, epochs=epochs, batch_size=batch_size, lr=lr, verbose=verbose)
