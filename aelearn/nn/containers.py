"""Sequential chains of layers, and the MLP that encoders and decoders are made of."""

import numpy as np

from aelearn.nn.activations import get_activation
from aelearn.nn.dense import DEFAULT_INIT, Dense
from aelearn.nn.module import Module, shape_through
from aelearn.validation import check_sizes


class Sequential(Module):
    """Apply the Modules ``layers`` one after the other: out = layers[-1](... layers[0](x))."""

    def __init__(self, *layers):
        for layer in layers:
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential takes Modules; got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        for layer in self.layers:
            if input_shape is None:
                break
            input_shape = shape_through(layer, input_shape, shapes)
        return input_shape


class MLP(Sequential):
    """A multilayer perceptron: Dense layers with an activation between them.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output, e.g. (64, 128, 8): two Dense layers.
    activation : str, default="relu"
        After every hidden layer.
    output_activation : str or None, default=None
        After the last layer (None: none, the output is linear).
    init, rng, dtype, init_std
        As for ``Dense``, for every layer (``init=None``: ``DEFAULT_INIT``).
    """

    def __init__(
        self,
        sizes,
        activation="relu",
        output_activation=None,
        init=None,
        rng=None,
        dtype=np.float32,
        init_std=0.01,
    ):
        sizes = check_sizes(sizes, layout="(n_in, hidden..., n_out)")
        rng = np.random.default_rng(rng)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            act = output_activation if i == len(sizes) - 2 else activation
            layers.append(Dense(n_in, n_out, init or DEFAULT_INIT, rng, dtype, init_std))
            if act is not None:
                layers.append(get_activation(act))
        super().__init__(*layers)
        self.sizes, self.activation, self.output_activation = sizes, activation, output_activation
        self.init, self.dtype, self.init_std = init, np.dtype(dtype), init_std

    @property
    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]
