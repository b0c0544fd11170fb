"""Dense (fully connected) layer and the initialisations that keep signals alive."""

import numpy as np

from aelearn.autograd.arithmetic import Affine
from aelearn.nn.module import Module, Parameter
from aelearn.validation import check_dtype, check_positive_int

INITS = ("he", "glorot", "normal")

#: The library's default initialisation, whatever the activation: Glorot's, which suits the
#: sigmoid, tanh and linear layers of the course and is Keras's default for Dense layers.
#: He initialisation is the textbook choice before a ReLU, and ``init="he"`` gives it; on
#: the course's shallow ReLU autoencoders the two reach test errors on digits within the
#: spread between seeds, so the default is a convention here, not a measured gain.
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
        The shape drawn; default (n_in, n_out).

    Returns
    -------
    ndarray of shape ``shape``
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
    """out = x @ W + b.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    init : {"he", "glorot", "normal"}, default=DEFAULT_INIT ("glorot")
        Weight initialisation (see ``init_weights``); the bias starts at zero.
    rng : numpy.random.Generator or int, optional
        Where the initial weights come from (an int seeds a new Generator).
    dtype : dtype, default=np.float32
    init_std : float, default=0.01
        Standard deviation for ``init="normal"``.

    Attributes
    ----------
    W : Parameter of shape (n_in, n_out)
    b : Parameter of shape (n_out,)
    """

    def __init__(self, n_in, n_out, init=DEFAULT_INIT, rng=None, dtype=np.float32, init_std=0.01):
        self.n_in, self.n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
        dtype, self.init = check_dtype(dtype), init
        rng = np.random.default_rng(rng)
        # Kept, as every argument is, so that aelearn.io can rebuild the layer from them.
        self.dtype, self.init_std = dtype, init_std
        self.W = Parameter(init_weights(self.n_in, self.n_out, init, rng, dtype, init_std), "W")
        self.b = Parameter(np.zeros(self.n_out, dtype=dtype), "b")

    def forward(self, x):
        """x of shape (batch, n_in) -> (batch, n_out), one ``Affine`` op."""
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(
                f"Dense({self.n_in}, {self.n_out}) expects input of shape (batch, {self.n_in}); "
                f"got {x.shape}"
            )
        return Affine.apply(x, self.W, self.b)

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, init={self.init!r})"
