"""The reparameterisation trick as one op: z = mu + sigma * eps, sigma = exp(logvar / 2).

Sampling z ~ N(mu, sigma^2) directly has no gradient with respect to mu and logvar.
Writing the sample as a deterministic function of them and of noise eps ~ N(0, I),
drawn once in the forward pass, moves the randomness out of the way of the gradient.
"""

import numpy as np

from aelearn.autograd.function import Function


class Reparameterize(Function):
    """z = mu + exp(logvar / 2) * eps, with eps ~ N(0, I) drawn in the forward and kept.

    Shapes: mu, logvar, eps and z are all (batch, latent_dim).

    Backward, with sigma = exp(logvar / 2) and eps the very draw the forward saved:
    dz/dmu = 1, so dL/dmu = dL/dz;
    dz/dlogvar = eps * d(sigma)/d(logvar) = eps * sigma / 2, so
    dL/dlogvar = dL/dz * eps * sigma / 2.
    A fresh draw in the backward would differentiate a different z from the one the
    loss saw; the saved eps is what makes the gradient the gradient of this sample.
    (sigma is exp(logvar / 2), not exp(logvar): logvar is the log of the variance.)

    Attributes
    ----------
    eps : ndarray of shape (batch, latent_dim)
        The noise of the forward pass, kept for inspection after the backward.
    """

    def forward(self, mu, logvar, rng=None, eps=None):
        if eps is None:
            if rng is None:
                raise ValueError(
                    "reparameterize needs a numpy.random.Generator to draw eps from, or eps "
                    "itself; got neither."
                )
            eps = rng.standard_normal(mu.shape, dtype=mu.dtype)
        elif eps.shape != mu.shape:
            raise ValueError(f"eps has shape {eps.shape}; expected {mu.shape}, the shape of mu.")
        sigma = np.exp(0.5 * logvar)
        self.eps = eps
        self.save_for_backward(eps, sigma)
        return mu + sigma * eps

    def backward(self, grad):
        eps, sigma = self.saved
        dlogvar = grad * eps * sigma * 0.5 if self.needs_input_grad[1] else None
        return grad, dlogvar


def reparameterize(mu, logvar, rng=None, eps=None):
    """Draw z = mu + exp(logvar / 2) * eps differentiably; see ``Reparameterize``.

    Parameters
    ----------
    mu, logvar : Tensor of shape (batch, latent_dim)
        Mean and log-variance of q(z | x).
    rng : numpy.random.Generator, optional
        Where eps is drawn from (needed unless ``eps`` is given).
    eps : ndarray of shape (batch, latent_dim), optional
        Use this noise instead of drawing (for tests and for showing the op by hand).

    Returns
    -------
    z : Tensor of shape (batch, latent_dim)
        Its ``z.op.eps`` is the noise used.
    """
    eps = None if eps is None else np.asarray(eps, dtype=mu.dtype)
    return Reparameterize.apply(mu, logvar, rng=rng, eps=eps)
