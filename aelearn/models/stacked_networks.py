"""What a pre-trained stack starts: a classifier, or the unrolled deep autoencoder.

Both get copies of the pre-trained weights, so one stack can start several networks and
fine-tuning never changes the stack itself.
"""

import copy

from aelearn.models.autoencoder import Autoencoder, Decoder
from aelearn.models.classifier import Classifier
from aelearn.nn import Sequential, get_activation


def copy_dense(layer):
    """A trainable Dense layer holding copies of ``layer``'s weights and bias."""
    return copy.deepcopy(layer).unfreeze()


class StackedNetworks:
    """The networks a ``StackedAutoencoder`` starts once pre-trained (a mixin: it reads the
    stack's ``autoencoders_``, ``sizes_``, ``encoder()`` and settings)."""

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
