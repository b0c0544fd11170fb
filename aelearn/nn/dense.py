"""Dense (fully connected) layer and the initialisations that keep signals alive."""

import numpy as np

from aelearn.autograd.arithmetic import Affine
from aelearn.nn.module import Module, Parameter
from aelearn.validation import check_dtype, check_int

INITS = ("he", "glorot", "normal")

#: The default initialisation, whatever the activation: Glorot's, Keras's default for Dense
#: layers. He's (``init="he"``) is the textbook choice before a ReLU; on the course's shallow
#: ReLU autoencoders the two reach test errors within the spread between seeds.
DEFAULT_INIT = "glorot"


def init_weights(n_in, n_out, init, rng, dtype, std=0.01, shape=None):
    """Draw a (n_in, n_out) weight matrix, or an array of ``shape`` with those fans.

    Parameters
    ----------
    n_in, n_out : int or float
        Fan-in and fan-out: how many inputs are summed into one output, and how many outputs
        one input feeds (for a dense layer its widths; for a convolution see ``nn.conv``).
    init : {"he", "glorot", "normal"}
        "he": N(0, 2 / n_in), which keeps the variance of ReLU activations constant
        from layer to layer (He et al., 2015). "glorot": U(-a, a) with
        a = sqrt(6 / (n_in + n_out)), variance 2 / (n_in + n_out), for sigmoid, tanh and
        linear layers (Glorot and Bengio, 2010). "normal": N(0, std^2), the naive small
        initialisation under which deep sigmoid networks stop learning.
    rng : numpy.random.Generator
    dtype : dtype
    std : float, default=0.01
        Standard deviation for "normal".
    shape : tuple of int, optional
        The shape drawn (and returned); default (n_in, n_out).
    """
    shape = (n_in, n_out) if shape is None else tuple(shape)
    if init == "he":
        w = rng.normal(0.0, np.sqrt(2.0 / n_in), size=shape)
    elif init == "glorot":
        limit = np.sqrt(6.0 / (n_in + n_out))
        w = rng.uniform(-limit, limit, size=shape)
    elif init == "normal":
        w = rng.normal(0.0, std, size=shape)
    else:
        raise ValueError(f"init must be one of {INITS}; got {init!r}")
    return w.astype(dtype)


class Dense(Module):
    """A fully connected layer, out = x @ weight + bias.

    ``weight`` is (in_features, out_features), so that the product reads as the course
    writes it, x @ W: the transpose of ``torch.nn.Linear``'s (out_features, in_features).

    Parameters
    ----------
    in_features, out_features : int
    init : {"he", "glorot", "normal"}, default=DEFAULT_INIT ("glorot")
        Weight initialisation (see ``init_weights``); the bias starts at zero.
    rng : numpy.random.Generator or int, optional
        Where the initial weights come from (an int seeds a new Generator).
    dtype : dtype, default=np.float32
    init_std : float, default=0.01
        Standard deviation for ``init="normal"``.

    Attributes
    ----------
    weight : Parameter of shape (in_features, out_features)
    bias : Parameter of shape (out_features,)
    """

    def __init__(
        self,
        in_features,
        out_features,
        init=DEFAULT_INIT,
        rng=None,
        dtype=np.float32,
        init_std=0.01,
    ):
        self.in_features = check_int(in_features, "in_features")
        self.out_features = check_int(out_features, "out_features")
        self.init, self.dtype, self.init_std = init, check_dtype(dtype), init_std
        rng = np.random.default_rng(rng)
        weight = init_weights(self.in_features, self.out_features, init, rng, self.dtype, init_std)
        self.weight = Parameter(weight, name="weight")
        self.bias = Parameter(np.zeros(self.out_features, dtype=self.dtype), name="bias")

    def forward(self, x):
        """x of shape (batch, in_features) -> (batch, out_features), one ``Affine`` op."""
        return Affine.apply(x, self.weight, self.bias)

    def output_shape(self, input_shape, shapes=None):
        return (self.out_features,)

    def multiply_adds(self, input_shape):
        return self.weight.size
