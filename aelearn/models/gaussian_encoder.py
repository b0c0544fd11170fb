"""The diagonal Gaussian q(z|x) = N(mu, exp(logvar)) of a VAE: the encoder that outputs it,
and its draws and KL per unit on arrays, by the very ops training uses, without a graph."""

import numpy as np

from aelearn.autograd import Tensor, no_grad, reparameterize
from aelearn.losses import GaussianKL
from aelearn.nn import MLP, Dense, Identity, Module, shape_through
from aelearn.nn.dense import DEFAULT_INIT
from aelearn.validation import check_dtype, check_sizes

LOG_2PI = float(np.log(2.0 * np.pi))


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


def sample_posterior(mu, logvar, rng=None, eps=None):
    """z = mu + exp(logvar / 2) * eps as an array, all (batch, latent_dim), by the op training
    uses; eps drawn from rng unless given."""
    with no_grad():
        return reparameterize(Tensor(mu), Tensor(logvar), rng=rng, eps=eps).data


def kl_per_unit(mu, logvar):
    """KL(q(z_j|x) || N(0, 1)) of every example and latent unit j, float64: (n, latent_dim).

    GaussianKL sums over the second axis; fed one unit per row, (n * latent_dim, 1), it
    returns each unit's own term.
    """
    column = (-1, 1)
    with no_grad():
        kl = GaussianKL.apply(
            Tensor(mu.reshape(column), dtype=np.float64),
            Tensor(logvar.reshape(column), dtype=np.float64),
            reduction="none",
        )
    return kl.data.reshape(mu.shape)
