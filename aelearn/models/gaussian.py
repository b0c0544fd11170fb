"""The diagonal Gaussian q(z|x) = N(mu, exp(logvar)) on arrays, for a VAE's evaluation and
generation: draws and KL per unit, by the very ops training uses, without a graph."""

import numpy as np

from aelearn.autograd import Tensor, no_grad, reparameterize
from aelearn.losses import GaussianKL

LOG_2PI = float(np.log(2.0 * np.pi))


def sample_posterior(mu, logvar, rng=None, eps=None):
    """z = mu + exp(logvar / 2) * eps, all (batch, latent_dim); eps drawn from rng unless
    given."""
    with no_grad():
        return reparameterize(Tensor(mu), Tensor(logvar), rng=rng, eps=eps).data


def kl_per_unit(mu, logvar):
    """KL(q(z_j|x) || N(0, 1)) of every example and latent unit j, float64: (n, latent_dim).

    GaussianKL sums over the second axis; fed one unit per row, (n * latent_dim, 1), it
    returns each unit's own term.
    """
    n, latent_dim = mu.shape
    column = (-1, 1)
    with no_grad():
        kl = GaussianKL.apply(
            Tensor(mu.reshape(column), dtype=np.float64),
            Tensor(logvar.reshape(column), dtype=np.float64),
            reduction="none",
        )
    return kl.data.reshape(n, latent_dim)
