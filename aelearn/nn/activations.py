"""Activation layers: modules without parameters around the activation ops."""

from aelearn.nn.module import Module


class Activation(Module):
    """An element-wise layer: its output has its input's shape."""

    def output_shape(self, input_shape, shapes=None):
        return input_shape


class Identity(Activation):
    """out = x."""

    def forward(self, x):
        return x


class ReLU(Activation):
    """out = max(x, 0)."""

    def forward(self, x):
        return x.relu()


class LeakyReLU(Activation):
    """out = x for x > 0, else negative_slope * x, as ``torch.nn.LeakyReLU``."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        return x.leaky_relu(self.negative_slope)


class Sigmoid(Activation):
    """out = 1 / (1 + exp(-x)), stable for any x."""

    def forward(self, x):
        return x.sigmoid()


class Tanh(Activation):
    """out = tanh(x)."""

    def forward(self, x):
        return x.tanh()


class Softplus(Activation):
    """out = log(1 + exp(x)), stable for any x."""

    def forward(self, x):
        return x.softplus()


ACTIVATIONS = {
    "identity": Identity,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
}


def get_activation(name):
    """An activation layer by name ("relu", "sigmoid", "tanh", "identity", ...), or None."""
    if name is None or isinstance(name, Module):
        return name
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}"
        ) from None
