"""Convolutional encoders and decoders, as in the course's Keras notebook.

The encoder halves the image with each stride-2 convolution, then flattens it for the
dense layers that lead to the code; the decoder mirrors it: dense layers back to the
smallest feature map, one stride-2 transposed convolution per encoder convolution (each
doubling the map, ``output_padding`` chosen so that the sizes come back exactly), and a
stride-1 transposed convolution to the image's channels. For MNIST with the defaults::

    (1, 28, 28) -Conv2d-> (32, 14, 14) -Conv2d-> (64, 7, 7) -Flatten-> 3136 -Dense-> 16
    16 -Dense-> 3136 -Unflatten-> (64, 7, 7) -ConvTranspose2d-> (64, 14, 14)
       -ConvTranspose2d-> (32, 28, 28) -ConvTranspose2d-> (1, 28, 28)

A ReLU follows every layer except the code layer and the last (whose output activation,
a sigmoid for pixels, the model applies). The networks take and give flat rows
(batch, channels * height * width), so that every loss and plot written for dense models
serves them too: ``Unflatten`` and ``Flatten`` fold and unfold them at the ends.
"""

import math

import numpy as np

from aelearn.nn import MLP, Conv2d, ConvTranspose2d, Flatten, Sequential, Unflatten, get_activation
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.validation import check_dtype, check_int

STRIDE = 2


def feature_map_sizes(image_shape, filters, kernel_size):
    """[(height, width)] of the image and of each encoder convolution's output.

    A convolution of stride s and padding p maps a side of n pixels to
    (n + 2p - k) // s + 1; with p = k // 2 and s = 2, that is ceil(n / 2).
    """
    padding = kernel_size // 2
    sides = [tuple(image_shape[1:])]
    for _ in filters:
        sides.append(tuple((n + 2 * padding - kernel_size) // STRIDE + 1 for n in sides[-1]))
    return sides


class ConvolutionalFeatures(Sequential):
    """x (batch, in_features) -> the flattened smallest feature map (batch, out_features).

    Unflatten to ``image_shape`` (channels, height, width), then [Conv2d(stride 2, padding
    kernel_size // 2), activation] per entry of ``filters``, then Flatten. ``kernel_size`` is
    odd, so that padding kernel_size // 2 keeps a stride-1 convolution's size.
    """

    def __init__(
        self,
        image_shape,
        filters=(32, 64),
        kernel_size=3,
        activation="relu",
        init=None,
        rng=None,
        dtype=np.float32,
    ):
        self.image_shape, self.filters, self.kernel_size = _check(image_shape, filters, kernel_size)
        self.activation, self.init, self.dtype = activation, init, check_dtype(dtype)
        layers, channels = [Unflatten(1, self.image_shape)], self.image_shape[0]
        options = {"init": init or DEFAULT_INIT, "rng": rng, "dtype": dtype}
        for out_channels in self.filters:
            conv = Conv2d(channels, out_channels, kernel_size, STRIDE, kernel_size // 2, **options)
            layers += [conv, get_activation(activation)]
            channels = out_channels
        super().__init__(*layers, Flatten())
        h, w = feature_map_sizes(self.image_shape, self.filters, kernel_size)[-1]
        self.in_features, self.out_features = math.prod(self.image_shape), self.filters[-1] * h * w


class ConvolutionalImage(Sequential):
    """ConvolutionalFeatures mirrored: the flattened smallest feature map -> the image's
    pre-activation, flat (batch, channels * height * width).

    Each transposed convolution of stride 2 maps a side of n to (n - 1) * 2 - 2p + k + op;
    its output_padding op (0 or 1) makes that the side the matching convolution took in.
    The last layer, of stride 1 and no activation, maps to the image's channels.
    """

    def __init__(
        self,
        image_shape,
        filters=(32, 64),
        kernel_size=3,
        activation="relu",
        init=None,
        rng=None,
        dtype=np.float32,
    ):
        self.image_shape, self.filters, self.kernel_size = _check(image_shape, filters, kernel_size)
        self.activation, self.init, self.dtype = activation, init, check_dtype(dtype)
        sides = feature_map_sizes(self.image_shape, self.filters, kernel_size)
        padding = kernel_size // 2
        layers, channels = [Unflatten(1, (self.filters[-1], *sides[-1]))], self.filters[-1]
        options = {"init": init or DEFAULT_INIT, "rng": rng, "dtype": dtype}
        for i in reversed(range(len(self.filters))):
            grown = [(n - 1) * STRIDE - 2 * padding + kernel_size for n in sides[i + 1]]
            output_padding = tuple(n - g for n, g in zip(sides[i], grown, strict=True))
            conv = ConvTranspose2d(
                channels, self.filters[i], kernel_size, STRIDE, padding, output_padding, **options
            )
            layers += [conv, get_activation(activation)]
            channels = self.filters[i]
        last = ConvTranspose2d(channels, self.image_shape[0], kernel_size, 1, padding, **options)
        super().__init__(*layers, last, Flatten())
        self.in_features = self.filters[-1] * sides[-1][0] * sides[-1][1]
        self.out_features = math.prod(self.image_shape)


def convolutional_networks(
    make_head, image_shape, filters, kernel_size, sizes, n_classes=0, **options
):
    """(features, head, decoder): the networks of a ``convolutional`` factory's model.

    ``sizes`` is the model's ``(n_features, *hidden_sizes, latent_dim)``. ``features``
    (ConvolutionalFeatures) maps x to the flattened smallest feature map; ``head``, made by
    ``make_head((map size + n_classes, *hidden_sizes, latent_dim), **options)``, maps that
    (and a CVAE's one-hot label of n_classes values) to the code: an MLP to z, or a
    GaussianEncoder to (mu, logvar); the model joins the two. ``decoder`` is an MLP from z
    (and the label) to the smallest feature map, then ConvolutionalImage. They draw from
    the Generator in ``options`` in this order: features, head, the image's convolutions,
    the decoder's MLP.
    """
    hidden_sizes, latent_dim = sizes[1:-1], sizes[-1]
    features = ConvolutionalFeatures(image_shape, filters, kernel_size, **options)
    head = make_head((features.out_features + n_classes, *hidden_sizes, latent_dim), **options)
    image = ConvolutionalImage(image_shape, filters, kernel_size, **options)
    widths = (latent_dim + n_classes, *hidden_sizes[::-1], image.in_features)
    mlp = MLP(widths, output_activation=options["activation"], **options)
    return features, head, Sequential(mlp, image)


def _check(image_shape, filters, kernel_size):
    """(image_shape, filters, kernel_size) checked."""
    if not isinstance(image_shape, tuple | list) or len(image_shape) != 3:
        raise ValueError(
            f"image_shape must be (channels, height, width), e.g. (1, 28, 28); got {image_shape!r}"
        )
    shape = tuple(check_int(s, "each entry of image_shape") for s in image_shape)
    filters = tuple(filters)
    if not filters:
        raise ValueError(
            "filters must give the channels of at least one convolution, e.g. (32, 64)"
        )
    filters = tuple(check_int(f, "each entry of filters") for f in filters)
    kernel_size = check_int(kernel_size, "kernel_size")
    if kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be odd (3, 5...), so that padding kernel_size // 2 keeps the "
            f"decoder's last, stride-1 layer at the image's size; got {kernel_size}"
        )
    return shape, filters, kernel_size
