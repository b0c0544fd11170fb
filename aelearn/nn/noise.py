"""Corruptions for denoising autoencoders, and a layer that applies one while training.

A denoising autoencoder sees a corrupted x~ and is asked for the clean x, so it cannot
simply copy its input (Vincent et al., 2008). Every corruption here has the form

    x~ = keep * x + added

with ``keep`` a 0/1 mask and ``added`` what replaces or is added to x, drawn fresh from
the Generator on every call: one form for the arrays of a batch and for the Noise layer.
"""

import numpy as np

from aelearn.nn.module import Module
from aelearn.validation import check_choice, check_real

CORRUPTIONS = ("gaussian", "masking", "salt_and_pepper")


def draw_corruption(shape, noise, noise_level, rng, dtype=np.float32):
    """Draw the ``keep`` mask and the ``added`` values of one corruption.

    Parameters
    ----------
    shape : tuple, e.g. (batch, n_features)
    noise : {"gaussian", "masking", "salt_and_pepper"}
        "gaussian": keep everything, add N(0, noise_level^2) noise. "masking": set each
        element to 0 with probability ``noise_level``. "salt_and_pepper": set each element,
        with probability ``noise_level``, to 0 or 1 on a fair coin.
    noise_level : float
        Standard deviation ("gaussian") or probability per element (the others).
    rng : numpy.random.Generator
    dtype : dtype, default=np.float32

    Returns
    -------
    keep, added : ndarray of shape ``shape``, or None to keep every element / add nothing
    """
    if noise == "gaussian":
        return None, (noise_level * rng.standard_normal(shape)).astype(dtype)
    hit = rng.random(shape) < noise_level
    keep = (~hit).astype(dtype)
    if noise == "masking":
        return keep, None
    salt = rng.random(shape) < 0.5
    return keep, (hit & salt).astype(dtype)


def check_corruption(noise, noise_level):
    """Raise ValueError unless ``noise`` and ``noise_level`` make a corruption
    ``draw_corruption`` can draw: a standard deviation >= 0, or a probability in [0, 1]."""
    check_choice(noise, CORRUPTIONS, "noise")
    if noise == "gaussian":
        return check_real(noise_level, "noise_level (the standard deviation of gaussian noise)", 0)
    level = check_real(noise_level, f"noise_level (the probability of {noise} noise)", 0)
    if level > 1:
        raise ValueError(f"noise_level of {noise} noise is a probability in [0, 1]; got {level}")
    return level


def corrupt(x, noise, noise_level, rng):
    """x~ = keep * x + added for a fresh draw (see ``draw_corruption``), of x's type (ndarray
    or Tensor), shape and dtype."""
    keep, added = draw_corruption(x.shape, noise, noise_level, rng, x.dtype)
    out = x if keep is None else x * keep
    return out if added is None else out + added


class Noise(Module):
    """Corrupts its input in training mode, passes it through in evaluation mode.

    out = keep * x + added, where the noise is data, not a function of the parameters:
    dL/dx = keep * dL/d(out).

    Parameters
    ----------
    noise : {"gaussian", "masking", "salt_and_pepper"}, default="gaussian"
    noise_level : float, default=0.1
    rng : numpy.random.Generator or int, optional
        Where the noise is drawn from; a Generator given is shared, not copied, so that a
        denoising autoencoder's one seed fixes the whole run.
    """

    def __init__(self, noise="gaussian", noise_level=0.1, rng=None):
        self.noise, self.noise_level = noise, check_corruption(noise, noise_level)
        self.rng = np.random.default_rng(rng)

    def forward(self, x, rng=None):
        """x corrupted by a draw from ``rng``, the layer's own Generator by default."""
        if not self.training:
            return x
        return corrupt(x, self.noise, self.noise_level, self.rng if rng is None else rng)

    def output_shape(self, input_shape, shapes=None):
        return input_shape
