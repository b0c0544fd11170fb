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
from aelearn.nn import Dense, Module, Sequential, get_activation
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.nn.noise import check_corruption
from aelearn.validation import check_choice, check_data, check_dtype, check_rng, check_sizes


class StackedAutoencoder(Module):
    """Greedy layer-wise pre-training of the encoder ``(n_features, *hidden_sizes)``.

    Parameters
    ----------
    hidden_sizes : sequence of int
        Widths of the encoder layers, bottom up, e.g. (128, 64, 32).
    activation : str
        Of every encoder layer, h_l = activation(W_l h_(l-1) + b_l).
    loss : {"mse", "bce", "auto"}
        Reconstruction loss of every stage (see ``Autoencoder``). Each stage's output
        activation is chosen to fit its input: sigmoid when the input lies in [0, 1]
        (pixels, sigmoid codes), identity otherwise (ReLU codes, say).
    noise, noise_level
        None, or train every stage as a ``DenoisingAutoencoder`` with this corruption.
    init, init_std
        Initialisation of every stage (None: Glorot) and of heads built by
        ``to_classifier``; ``init_std`` is the standard deviation of ``init="normal"``.
    rng : numpy.random.Generator or int, optional
        Owned by the stack: every stage's initial weights, batch order and noise.
    dtype : dtype

    Attributes
    ----------
    autoencoders_ : list of Autoencoder
        One one-hidden-layer autoencoder per stage, frozen once trained, with its History.
    sizes_ : tuple of int
        ``(n_features, *hidden_sizes)``.
    stopped_ : str or None
        Where an interrupted ``fit`` stopped; None when every stage finished.

    The stack is a Module whose sub-modules are its stages, so ``aelearn.io`` saves and
    loads it as any model, fitted (with every stage) or not.

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
            noise_level = check_corruption(noise, noise_level)
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
        decoder_net = Dense(n_out, n_in, *dense)
        decoder = Decoder(
            (n_out, n_in), output_activation=output, net=decoder_net, dtype=self.dtype
        )
        kwargs = dict(encoder=encoder, decoder=decoder, output_activation=output, loss=self.loss)
        kwargs.update(activation=self.activation, rng=self.rng, dtype=self.dtype)
        if self.noise is None:
            return Autoencoder((n_in, n_out), **kwargs)
        return DenoisingAutoencoder((n_in, n_out), self.noise, self.noise_level, **kwargs)

    def fit(self, X, *, epochs=100, batch_size=64, lr=1e-3, verbose="auto"):
        """Pre-train the stack on X (n_samples, n_features), one stage after the other, each
        for ``epochs`` epochs of Adam at rate ``lr``; ``verbose`` as in ``aelearn.training.fit``
        (True or an int also names each stage). Returns self.

        Ctrl-C stops the whole stack, not only the stage it interrupts: that stage keeps
        the weights of its last finished epoch (as ``fit`` does) if it finished one, the
        stages above it are not trained, ``sizes_`` lists the layers that were, and
        ``stopped_`` says where pre-training stopped.
        """
        codes = check_data(X, "X", dtype=self.dtype, unit_interval=self.loss == "bce")
        self.sizes_ = (codes.shape[1], *self.hidden_sizes)
        self.autoencoders_, self.stopped_ = [], None
        for level, (n_in, n_out) in enumerate(zip(self.sizes_[:-1], self.sizes_[1:], strict=True)):
            if verbose is True or (type(verbose) is int and verbose > 0):
                print(f"stage {level + 1}: {n_in} -> {n_out} -> {n_in}", flush=True)
            inside = bool(codes.min() >= 0 and codes.max() <= 1)
            stage = self._stage(n_in, n_out, inside)
            stage.fit(codes, epochs=epochs, batch_size=batch_size, lr=lr, verbose=verbose)
            if stage.history_.interrupted:
                self.stopped_ = f"stage {level + 1} {stage.history_.stopped}"
                if len(stage.history_):  # a stage interrupted in its first epoch learned nothing
                    self.autoencoders_.append(stage.freeze())
                self.sizes_ = self.sizes_[: len(self.autoencoders_) + 1]
                break
            self.autoencoders_.append(stage.freeze())
            codes = stage.encode(codes)
        return self

    @property
    def histories_(self):
        """The training History of each stage."""
        return [stage.history_ for stage in self.autoencoders_]

    def _check_fitted(self):
        if not getattr(self, "autoencoders_", None):
            raise RuntimeError(
                "the stack has no pre-trained layer: call fit(X) (an interrupted fit keeps "
                "only the stages that finished an epoch)"
            )

    def encoder_layers(self):
        """Copies of the pre-trained encoder layers, bottom up: Dense, activation, Dense, ..."""
        return _copy(self.encoder).net.layers

    @property
    def encoder(self):
        """The stacked encoder x -> h_L, as an ``Encoder`` of the stages' own layers (frozen,
        as trained); ``to_classifier`` and ``to_deep_autoencoder`` start from copies."""
        self._check_fitted()
        layers = [layer for stage in self.autoencoders_ for layer in stage.encoder.net.layers]
        return Encoder(self.sizes_, net=Sequential(*layers), dtype=self.dtype)

    def transform(self, X):
        """The top codes h_L of X, shape (n_samples, hidden_sizes[-1])."""
        return self.encoder.encode(X)

    def to_classifier(self, n_classes, hidden_sizes=(), freeze=False, rng=None):
        """A Classifier: copies of the pre-trained encoder layers, then a new head.

        ``hidden_sizes`` are the head's hidden widths (with the stack's activation; () is one
        Dense layer from the top code to the logits); ``freeze`` trains the head alone
        (False: fine-tune every layer end to end); ``rng`` draws the head's weights and the
        batch order (None: the stack's). Training it does not change the stack.
        """
        return Classifier(
            _copy(self.encoder),
            n_classes,
            hidden_sizes,
            activation=self.activation,
            freeze_encoder=freeze,
            copy_encoder=False,  # the layers are fresh copies already
            init=self.init,
            init_std=self.init_std,
            rng=self.rng if rng is None else rng,
            dtype=self.dtype,
        )

    def to_deep_autoencoder(self, rng=None):
        """The unrolled deep autoencoder, holding copies of the pre-trained weights: the
        encoders bottom up, then the decoders top down; fine-tune it with ``fit``.

        Each stage's decoder is followed by that stage's output activation, so the
        decoder half rebuilds the codes of each layer in turn, down to x_hat, exactly as
        the stages did one at a time. Loss and final output are those of the first stage.
        ``rng`` orders the batches (and draws noise) when fine-tuning; None: the stack's.
        """
        encoder = _copy(self.encoder)  # first, as it checks that the stack was fitted
        decoder_layers = []
        for stage in reversed(self.autoencoders_):
            output = get_activation(stage.decoder.output_activation)
            decoder_layers += [_copy(stage.decoder.net), output]
        # The last output activation belongs to the Decoder itself (its forward returns logits).
        first = self.autoencoders_[0]
        output = first.decoder.output_activation
        decoder = Decoder(
            self.sizes_[::-1],
            output_activation=output,
            net=Sequential(*decoder_layers[:-1]),
            dtype=self.dtype,
        )
        return Autoencoder(
            self.sizes_,
            activation=self.activation,
            output_activation=output,
            loss=first.loss_,
            encoder=encoder,
            decoder=decoder,
            rng=self.rng if rng is None else rng,
            dtype=self.dtype,
        )

    def summary(self, input_shape=None):
        """The stages, each a one-hidden-layer autoencoder, as tables (see ``Model.summary``);
        ``input_shape`` is not needed: each stage knows its own."""
        if not hasattr(self, "autoencoders_"):
            return f"{self!r}: not pre-trained yet (call fit(X))"
        tables = [
            f"stage {level}: {stage.n_features} -> {stage.latent_dim} -> {stage.n_features}, "
            f"frozen once trained\n{stage.summary()}"
            for level, stage in enumerate(self.autoencoders_, start=1)
        ]
        return "\n\n".join([repr(self), *tables])


def _copy(module):
    """A trainable deep copy of ``module``: its own copies of the weights."""
    return copy.deepcopy(module).unfreeze()


def pretrain_stack(
    X, hidden_sizes, *, epochs=100, batch_size=64, lr=1e-3, verbose="auto", **kwargs
):
    """``StackedAutoencoder(hidden_sizes, **kwargs).fit(X, epochs=...)``: the fitted stack."""
    stack = StackedAutoencoder(hidden_sizes, **kwargs)
    return stack.fit(X, epochs=epochs, batch_size=batch_size, lr=lr, verbose=verbose)
