"""The encoder of a VAE: x -> the mean and log-variance of q(z|x)."""

import numpy as np

from aelearn.nn import MLP, Dense, Identity, Module, shape_through
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.validation import check_dtype, check_sizes


class GaussianEncoder(Module):
    """x (batch, n_in) -> (mu, logvar), each (batch, latent_dim): a trunk and two heads.

    logvar, not sigma, is the output: it ranges over all reals, so no activation is
    needed to keep sigma = exp(logvar / 2) positive, and log sigma^2 enters the KL as is.

    ``sizes`` is (n_in, hidden..., latent_dim); ``init`` (None: Glorot) covers the trunk
    and both heads; the other arguments as for ``Encoder``.
    """

    def __init__(self, sizes, activation="relu", init=None, rng=None, dtype=np.float32):
        self.sizes, self.activation = check_sizes(sizes), activation
        self.init, self.dtype = init, check_dtype(dtype)
        trunk, latent_dim = self.sizes[:-1], self.sizes[-1]
        rng = np.random.default_rng(rng)  # one Generator for trunk and heads, even from an int
        self.trunk = (
            MLP(trunk, activation, activation, init=init, rng=rng, dtype=dtype)
            if len(trunk) > 1
            else Identity()
        )
        head_init = init or DEFAULT_INIT
        self.mu_head = Dense(trunk[-1], latent_dim, head_init, rng, dtype)
        self.logvar_head = Dense(trunk[-1], latent_dim, head_init, rng, dtype)

    def forward(self, x):
        h = self.trunk(x)
        return self.mu_head(h), self.logvar_head(h)

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        h = shape_through(self.trunk, input_shape, shapes)
        return shape_through(self.mu_head, h, shapes), shape_through(self.logvar_head, h, shapes)
