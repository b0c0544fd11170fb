"""The conditional VAE (Sohn et al., 2015): the label c joins x in the encoder and z in
the decoder, q(z | x, c) and p(x | z, c). Since c already says which digit it is, z is
left to carry the style (slant, thickness), and ``sample(n, label=c)`` chooses the class.

What is special about the CVAE is here: its labels (``takes_labels``, ``n_classes``) and
its networks, each a ``LabelConditioned`` network that joins the one-hot label to its
input. The VAE passes the labels on to its networks and knows nothing else of them.
"""

from aelearn.autograd import Tensor, concatenate
from aelearn.models.convolutional import decoder_network
from aelearn.models.vae import VAE
from aelearn.nn import Module, one_hot
from aelearn.validation import check_positive_int


class LabelConditioned(Module):
    """A network of (input, label): ``net`` applied to [input, one_hot(label)].

    Parameters
    ----------
    net : Module
        Takes (batch, n_in + n_classes).
    n_classes : int

    Shapes: inputs (batch, n_in), labels (batch,) of ints in [0, n_classes).
    """

    def __init__(self, net, n_classes):
        self.net, self.n_classes = net, n_classes

    def forward(self, inputs, labels):
        codes = Tensor(one_hot(labels, self.n_classes, dtype=inputs.dtype))
        return self.net(concatenate([inputs, codes], axis=1))


class CVAE(VAE):
    """A VAE conditioned on a class label given to both the encoder and the decoder.

    Parameters
    ----------
    sizes : sequence of int, default=(64, 128, 8)
        (n_features, hidden..., latent_dim), not counting the one-hot label the encoder
        and decoder receive in addition.
    n_classes : int, default=10
    **kwargs
        As for ``VAE``, among them ``rng``: None draws fresh entropy from the operating
        system (unseeded, not reproducible); pass an int or a Generator for reproducible
        runs.
    """

    takes_labels = True

    def __init__(self, sizes=(64, 128, 8), n_classes=10, **kwargs):
        self.n_classes = check_positive_int(n_classes, "n_classes")
        super().__init__(sizes, **kwargs)

    def _encoder_head(self, rng):
        """n_in -> q(z | x, c) on features of width n_in: the Gaussian encoder of
        [features, one_hot(c)]. A convolutional CVAE joins the label after the convolutions."""
        gaussian = super()._encoder_head(rng)
        return lambda n_in: LabelConditioned(gaussian(n_in + self.n_classes), self.n_classes)

    def _decoder_network(self, rng):
        """(z, c) -> p(x | z, c): the VAE's decoder of [z, one_hot(c)]."""
        decoder = decoder_network(self, self.latent_dim + self.n_classes, rng)
        return LabelConditioned(decoder, self.n_classes)
