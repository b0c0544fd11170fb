"""Convolutional encoders and decoders, as in the course's Keras notebook.

The encoder halves the image with each stride-2 convolution, then flattens it for the
dense layers that lead to the code; the decoder mirrors it: dense layers back to the
smallest feature map, one stride-2 transposed convolution per encoder convolution (each
doubling the map, ``output_padding`` chosen so that the sizes come back exactly), and a
stride-1 transposed convolution to the image's channels. For MNIST with the defaults:

    (1, 28, 28) -Conv2d-> (32, 14, 14) -Conv2d-> (64, 7, 7) -Flatten-> 3136 -Dense-> 16
    16 -Dense-> 3136 -Unflatten-> (64, 7, 7) -ConvTranspose2d-> (64, 14, 14)
       -ConvTranspose2d-> (32, 28, 28) -ConvTranspose2d-> (1, 28, 28)

A ReLU follows every layer except the code layer and the last (whose output activation,
a sigmoid for pixels, the model applies). The networks take and give flat rows
(batch, channels * height * width), so that every loss, estimate and plot written for
dense models serves them too: ``Unflatten`` folds the rows into images at the entrance and
``Flatten`` unfolds them at the exit.

Four settings describe the convolutions, and every model that takes them stores them
under these names: ``image_shape`` (channels, height, width), ``filters`` (the channels of
each encoder convolution), ``kernel_size`` (odd, so that padding ``kernel_size // 2``
keeps a stride-1 convolution's size) and ``sizes`` (n_features, hidden..., latent_dim),
whose dense part starts from the flattened feature map instead of the pixels.
"""

import numpy as np

from aelearn.nn import (
    MLP,
    Conv2d,
    ConvTranspose2d,
    Flatten,
    Module,
    Sequential,
    Unflatten,
    get_activation,
)
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.validation import check_positive_int

STRIDE = 2


def check_convolution(image_shape, filters, kernel_size, n_features):
    """The three convolution settings, checked against each other and against the data width.

    Parameters
    ----------
    image_shape : sequence of 3 int or None
        (channels, height, width); None for a dense model (then nothing else is checked).
    filters : sequence of int
        Output channels of each encoder convolution, at least one.
    kernel_size : int
        Odd and positive.
    n_features : int
        The width of a flat example, sizes[0]: must be channels * height * width.

    Returns
    -------
    (image_shape, filters, kernel_size)
        As tuples of ints and an int (image_shape None for a dense model).
    """
    if image_shape is None:
        return None, tuple(int(f) for f in filters), int(kernel_size)
    shape = tuple(image_shape)
    if len(shape) != 3:
        raise ValueError(
            f"image_shape must be (channels, height, width), e.g. (1, 28, 28); got {shape}"
        )
    shape = tuple(check_positive_int(s, "each entry of image_shape") for s in shape)
    if int(np.prod(shape)) != n_features:
        raise ValueError(
            f"image_shape {shape} holds {int(np.prod(shape))} values per example, but the data "
            f"have n_features = {n_features} columns (sizes[0]); they must match"
        )
    filters = tuple(filters)
    if not filters:
        raise ValueError(
            "filters must give the channels of at least one convolution, e.g. (32, 64)"
        )
    filters = tuple(check_positive_int(f, "each entry of filters") for f in filters)
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    if kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be odd (3, 5...), so that padding kernel_size // 2 keeps the "
            f"decoder's last, stride-1 layer at the image's size; got {kernel_size}"
        )
    return shape, filters, kernel_size


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
    """x (batch, channels * height * width) -> the flattened last feature map.

    Unflatten, then [Conv2d(stride 2, padding kernel_size // 2), activation] per entry of
    ``filters``, then Flatten. ``n_out`` is the width of the output,
    filters[-1] * h * w, for the smallest feature map (h, w).
    """

    def __init__(self, image_shape, filters, kernel_size, activation, init, rng, dtype):
        layers, channels = [Unflatten(1, image_shape)], image_shape[0]
        for out_channels in filters:
            conv = Conv2d(
                channels,
                out_channels,
                kernel_size,
                STRIDE,
                kernel_size // 2,
                **_layer_options(init, rng, dtype),
            )
            layers += [conv, get_activation(activation)]
            channels = out_channels
        super().__init__(*layers, Flatten())
        h, w = feature_map_sizes(image_shape, filters, kernel_size)[-1]
        self.n_out = filters[-1] * h * w


class ConvolutionalImage(Sequential):
    """The flattened smallest feature map (batch, filters[-1] * h * w) -> the image's
    pre-activation, flat (batch, channels * height * width): ConvolutionalFeatures mirrored.

    Each transposed convolution of stride 2 maps a side of n to (n - 1) * 2 - 2p + k + op;
    its output_padding op (0 or 1) makes that the side the matching convolution took in.
    The last layer, of stride 1, maps to the image's channels, and has no activation.
    """

    def __init__(self, image_shape, filters, kernel_size, activation, init, rng, dtype):
        sides, padding = feature_map_sizes(image_shape, filters, kernel_size), kernel_size // 2
        self.n_in = filters[-1] * sides[-1][0] * sides[-1][1]
        layers, channels = [Unflatten(1, (filters[-1], *sides[-1]))], filters[-1]
        for i in reversed(range(len(filters))):
            grown = [(n - 1) * STRIDE - 2 * padding + kernel_size for n in sides[i + 1]]
            output_padding = tuple(n - g for n, g in zip(sides[i], grown, strict=True))
            conv = ConvTranspose2d(
                channels,
                filters[i],
                kernel_size,
                STRIDE,
                padding,
                output_padding,
                **_layer_options(init, rng, dtype),
            )
            layers += [conv, get_activation(activation)]
            channels = filters[i]
        last = ConvTranspose2d(
            channels, image_shape[0], kernel_size, 1, padding, **_layer_options(init, rng, dtype)
        )
        super().__init__(*layers, last, Flatten())


class Then(Module):
    """``then(first(x), *given)``: a network's front that sees only x, and its back, which
    also takes anything else the network is given (a CVAE's labels)."""

    def __init__(self, first, then):
        self.first, self.then = first, then

    def forward(self, x, *given):
        return self.then(self.first(x), *given)


def encoder_network(model, head, rng):
    """x -> the encoder's output for ``model``'s settings (see the module docstring).

    ``head(n_in)`` builds the part that maps features of width n_in to the code (an MLP,
    a Gaussian encoder, a label-conditioned one); a convolutional model puts the
    convolutions in front of it, a dense model uses it on the pixels.
    """
    if model.image_shape is None:
        return head(model.n_features)
    features = ConvolutionalFeatures(*_settings(model), rng, model.dtype)
    return Then(features, head(features.n_out))


def decoder_network(model, n_in, rng):
    """(batch, n_in) -> the pre-activation of x_hat (batch, n_features) for ``model``'s
    settings: an MLP of the hidden sizes mirrored, then (convolutional) the transposed
    convolutions. n_in is latent_dim, plus the one-hot label's width for a CVAE."""
    hidden = model.sizes[-2:0:-1]
    if model.image_shape is None:
        sizes = (n_in, *hidden, model.n_features)
        return MLP(sizes, model.activation, None, model.init, rng, model.dtype)
    image = ConvolutionalImage(*_settings(model), rng, model.dtype)
    dense = MLP(
        (n_in, *hidden, image.n_in),
        model.activation,
        model.activation,
        model.init,
        rng,
        model.dtype,
    )
    return Sequential(dense, image)


def _settings(model):
    return model.image_shape, model.filters, model.kernel_size, model.activation, model.init


def _layer_options(init, rng, dtype):
    """The keyword arguments of a convolution layer: None for init means the default."""
    return {"init": init or DEFAULT_INIT, "rng": rng, "dtype": dtype}


class ConvolutionalConstructor:
    """``cls.convolutional(...)``: a model of class ``cls`` with the course's convolutional
    networks, the image shape giving n_features."""

    @classmethod
    def convolutional(
        cls,
        image_shape=(1, 28, 28),
        filters=(32, 64),
        latent=16,
        hidden=(),
        kernel_size=3,
        **kwargs,
    ):
        """A convolutional model in one call; the defaults are the Keras course example's.

        Parameters
        ----------
        image_shape : (channels, height, width), default=(1, 28, 28)
        filters : sequence of int, default=(32, 64)
            Channels of each stride-2 encoder convolution; the decoder mirrors them.
        latent : int, default=16
            latent_dim, the width of the code.
        hidden : sequence of int, default=()
            Dense layers between the flattened feature map and the code.
        kernel_size : int, default=3
        **kwargs
            The class's other arguments (``loss``, ``noise``, ``beta``, ``rng``...).

        Examples
        --------
        >>> model = Autoencoder.convolutional(image_shape=(1, 28, 28), filters=(32, 64), latent=16)
        >>> model.n_parameters()
        178001
        """
        image_shape = tuple(image_shape)
        sizes = (int(np.prod(image_shape)), *hidden, latent)
        return cls(
            sizes, image_shape=image_shape, filters=filters, kernel_size=kernel_size, **kwargs
        )
