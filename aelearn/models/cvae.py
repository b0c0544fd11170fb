"""The conditional VAE (Sohn et al., 2015): the label c joins x in the encoder and z in
the decoder, q(z | x, c) and p(x | z, c). Since c already says which digit it is, z is
left to carry the style (slant, thickness), and ``sample(n, label=c)`` chooses the class.
The labels are made one-hot once, at the edge; the VAE only passes them on.
"""

import numpy as np

from aelearn.autograd import Tensor, concatenate
from aelearn.models.convolutional import convolutional_networks
from aelearn.models.gaussian_encoder import GaussianEncoder
from aelearn.models.vae import VAE
from aelearn.nn import MLP, Module, one_hot, shape_through
from aelearn.validation import check_dtype, check_int, check_rng


class LabelConditioned(Module):
    """``net`` applied to [features(input), label]: inputs (batch, ...), labels one-hot rows
    (batch, n_classes); ``features`` (optional, a convolutional trunk say) sees the input
    alone, ``net`` takes (batch, n_in + n_classes)."""

    def __init__(self, net, n_classes, features=None):
        self.features, self.net, self.n_classes = features, net, n_classes

    def forward(self, inputs, labels):
        h = inputs if self.features is None else self.features(inputs)
        return self.net(concatenate([h, Tensor(labels)], axis=1))

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        if self.features is not None:
            input_shape = shape_through(self.features, input_shape, shapes)
        return shape_through(self.net, (input_shape[0] + self.n_classes,), shapes)


class CVAE(VAE):
    """A VAE whose encoder and decoder also receive the one-hot label, which ``sizes``
    (n_features, hidden..., latent_dim) does not count; ``**kwargs`` are the ``VAE``'s."""

    takes_labels = True

    def __init__(self, sizes=(64, 128, 8), n_classes=10, **kwargs):
        self.n_classes = check_int(n_classes, "n_classes")
        super().__init__(sizes, **kwargs)

    def _default_encoder(self):
        """q(z | x, c): the Gaussian encoder of [x, one_hot(c)]."""
        sizes = (self.n_features + self.n_classes, *self.sizes[1:])
        gaussian = GaussianEncoder(sizes, self.activation, self.init, self.rng, self.dtype)
        return LabelConditioned(gaussian, self.n_classes)

    def _default_decoder(self):
        """p(x | z, c): the VAE's decoder of [z, one_hot(c)]."""
        sizes = (self.latent_dim + self.n_classes, *self.sizes[-2::-1])
        decoder = MLP(sizes, self.activation, None, self.init, self.rng, self.dtype)
        return LabelConditioned(decoder, self.n_classes)

    @classmethod
    def convolutional(
        cls,
        image_shape=(1, 28, 28),
        filters=(32, 64),
        latent_dim=16,
        hidden_sizes=(),
        kernel_size=3,
        *,
        n_classes=10,
        activation="relu",
        init=None,
        rng=None,
        dtype=np.float32,
        **kwargs,
    ):
        """A CVAE on convolutions: the label joins the flattened feature map in the encoder,
        and z in the decoder; the parameters as ``VAE.convolutional``'s."""
        options = dict(
            activation=activation, init=init, rng=check_rng(rng), dtype=check_dtype(dtype)
        )
        sizes = (int(np.prod(image_shape)), *hidden_sizes, latent_dim)
        features, head, decoder = convolutional_networks(
            GaussianEncoder, image_shape, filters, kernel_size, sizes, n_classes, **options
        )
        encoder = LabelConditioned(head, n_classes, features=features)
        decoder = LabelConditioned(decoder, n_classes)
        return cls(sizes, n_classes, encoder=encoder, decoder=decoder, **options, **kwargs)

    def _labels(self, y, n_samples, name="y"):
        """The labels checked, as one-hot rows (n_samples, n_classes) of the model's dtype."""
        return one_hot(super()._labels(y, n_samples, name), self.n_classes, self.dtype)
