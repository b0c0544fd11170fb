"""Greedy layer-wise pre-training: a stacked autoencoder, built one layer at a time.

A deep sigmoid network started from small random weights barely learns: the gradient
fades on its way down through the saturating layers. Pre-training (Bengio et al., 2007;
Hinton and Salakhutdinov, 2006) starts it somewhere better, without labels:

1. train a one-hidden-layer autoencoder x -> h1 -> x on the data;
2. keep its encoder, h1 = sigmoid(W1 x + b1), and encode the data;
3. train the next autoencoder h1 -> h2 -> h1 on those codes, and so on up the stack.

Each stage sees only the codes of the one below, as an array, so no gradient reaches
the layers below it. With ``noise`` each stage is a denoising autoencoder of the codes
below (stacked denoising autoencoders, Vincent et al., 2010).

The stack then starts a classifier (the encoders, then a new head) or a deep autoencoder
(the encoders, then the decoders in reverse order), to be fine-tuned end to end. Both get
*copies* of the pre-trained weights, so fine-tuning never changes the stack itself.
"""

import copy

import numpy as np

from aelearn.models.autoencoder import LOSSES, Autoencoder, Decoder, DenoisingAutoencoder, Encoder
from aelearn.models.classifier import Classifier
from aelearn.nn import Dense, Module, Sequential, get_activation
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.nn.noise import check_corruption
from aelearn.validation import check_choice, check_data, check_dtype, check_rng, check_sizes


class StackedAutoencoder(Module):
    """Greedy layer-wise pre-training of the encoder ``(n_features, *hidden_sizes)``; a
    Module of its stages, which ``aelearn.io`` saves fitted or not.

    Parameters
    ----------
    hidden_sizes : sequence of int
        Widths of the encoder layers, bottom up, e.g. (128, 64, 32).
    activation : str
        Of every encoder layer, h_l = activation(W_l h_(l-1) + b_l).
    loss : {"mse", "bce", "auto"}
        Reconstruction loss of every stage (see ``Autoencoder``). Each stage's output
        activation fits its input: sigmoid when it lies in [0, 1], identity otherwise.
    noise, noise_level
        None, or train every stage as a ``DenoisingAutoencoder`` with this corruption.
    init, init_std, rng, dtype
        As for ``Classifier``, for every stage (one Generator draws every stage's weights,
        batch order and noise) and the heads of ``to_classifier``.

    Attributes
    ----------
    autoencoders_ : list of Autoencoder
        One one-hidden-layer autoencoder per stage, frozen once trained, with its History.
    sizes_ : tuple of int
        ``(n_features, *hidden_sizes)``.
    stopped_ : str or None
        Where an interrupted ``fit`` stopped; None when every stage finished.

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
        """A fresh autoencoder n_in -> n_out -> n_in whose encoder ends in the activation
        (not linear as a plain ``Encoder``): its code is what the next stage sees."""
        dense = (self.init or DEFAULT_INIT, self.rng, self.dtype, self.init_std)
        encoder_net = Sequential(Dense(n_in, n_out, *dense), get_activation(self.activation))
        encoder = Encoder((n_in, n_out), net=encoder_net, dtype=self.dtype)
        output = "sigmoid" if inside_unit_interval else "identity"
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

        Ctrl-C stops the whole stack: the stage it interrupts keeps its last finished epoch,
        if any, the stages above are not trained, ``sizes_`` lists the layers that were, and
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

    @property
    def encoder(self):
        """The stacked encoder x -> h_L, an ``Encoder`` of the stages' own (frozen) layers."""
        self._check_fitted()
        layers = [layer for stage in self.autoencoders_ for layer in stage.encoder.net.layers]
        return Encoder(self.sizes_, net=Sequential(*layers), dtype=self.dtype)

    def transform(self, X):
        """The top codes h_L of X, shape (n_samples, hidden_sizes[-1])."""
        return self.encoder.encode(X)

    def to_classifier(self, n_classes, hidden_sizes=(), freeze_encoder=False, rng=None):
        """A Classifier: copies of the pre-trained encoder layers, then a new head.

        ``hidden_sizes`` are the head's hidden widths (() is one Dense layer to the logits);
        ``freeze_encoder`` trains the head alone (False: fine-tune every layer); ``rng`` draws the
        head's weights and the batch order (None: the stack's).
        """
        return Classifier(
            _copy(self.encoder),
            n_classes,
            hidden_sizes,
            activation=self.activation,
            freeze_encoder=freeze_encoder,
            copy_encoder=False,  # the layers are fresh copies already
            init=self.init,
            init_std=self.init_std,
            rng=self.rng if rng is None else rng,
            dtype=self.dtype,
        )

    def to_deep_autoencoder(self, rng=None):
        """The unrolled deep autoencoder, of copies of the pre-trained weights: the encoders
        bottom up, then the decoders top down, each followed by its stage's output
        activation, so that the decoder half rebuilds each layer's codes in turn, down to
        x_hat. Loss and final output are the first stage's; ``rng`` orders the batches when
        fine-tuning (None: the stack's).
        """
        encoder = _copy(self.encoder)  # first, as it checks that the stack was fitted
        layers = []
        for stage in reversed(self.autoencoders_):
            layers += [_copy(stage.decoder.net), get_activation(stage.decoder.output_activation)]
        # The last output activation belongs to the Decoder itself (its forward returns logits).
        first = self.autoencoders_[0]
        output = first.decoder.output_activation
        net = Sequential(*layers[:-1])
        decoder = Decoder(self.sizes_[::-1], output_activation=output, net=net, dtype=self.dtype)
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
        """The table of each stage; ``input_shape`` is not needed: each stage knows its own."""
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
