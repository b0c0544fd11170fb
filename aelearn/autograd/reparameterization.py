"""The reparameterisation trick as one op: z = mu + sigma * eps, sigma = exp(logvar / 2).

Sampling z ~ N(mu, sigma^2) directly has no gradient with respect to mu and logvar;
writing z as a deterministic function of them and of noise eps ~ N(0, I) does.
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
    A fresh draw in the backward would differentiate another z than the one the loss saw.
    (sigma is exp(logvar / 2), not exp(logvar): logvar is the log of the variance.)
    The op keeps the draw as ``eps``, for inspection after the backward.
    """

    def forward(self, mu, logvar, rng=None, eps=None):
        if eps is None:
            eps = rng.standard_normal(mu.shape, dtype=mu.dtype)
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
    z : Tensor of shape (batch, latent_dim); its op (when recorded) keeps eps: ``z.op.eps``
    """
    if eps is None and rng is None:
        raise ValueError(
            "reparameterize needs a numpy.random.Generator to draw eps from, or eps itself; "
            "got neither."
        )
    if eps is not None:
        eps = np.asarray(eps, dtype=mu.dtype)
        if eps.shape != mu.shape:
            raise ValueError(f"eps has shape {eps.shape}; expected {mu.shape}, the shape of mu.")
    return Reparameterize.apply(mu, logvar, rng=rng, eps=eps)
