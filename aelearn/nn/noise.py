"""Corruptions for denoising autoencoders, and a layer that applies one while training.

A denoising autoencoder sees a corrupted x~ and is asked for the clean x, so it cannot
simply copy its input (Vincent et al., 2008). Every corruption here has the form

    x~ = keep * x + added

with ``keep`` a 0/1 mask and ``added`` what replaces or is added to x, drawn fresh from
the Generator on every call. That one form serves both the arrays of a training batch
and the Noise layer, whose gradient with respect to x is then simply ``keep``.
"""

import numpy as np

from aelearn.nn.module import Module
from aelearn.validation import check_real

CORRUPTIONS = ("gaussian", "masking", "salt_and_pepper")


def draw_corruption(shape, kind, level, rng, dtype=np.float32):
    """Draw the ``keep`` mask and the ``added`` values of one corruption.

    Parameters
    ----------
    shape : tuple
        (batch, n_features).
    kind : {"gaussian", "masking", "salt_and_pepper"}
        "gaussian": keep everything, add N(0, level^2) noise. "masking": set each element
        to 0 with probability ``level``. "salt_and_pepper": set each element, with
        probability ``level``, to 0 or 1 on a fair coin.
    level : float
        Standard deviation ("gaussian") or probability per element (the others).
    rng : numpy.random.Generator
    dtype : dtype, default=np.float32

    Returns
    -------
    keep : ndarray of shape ``shape`` or None (None: keep every element)
    added : ndarray of shape ``shape`` or None (None: add nothing)
    """
    if kind not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {kind!r}; expected one of {CORRUPTIONS}")
    check_real(level, f"the level of {kind} noise")  # a number, before comparing it
    if kind == "gaussian":
        if level < 0:
            raise ValueError(f"gaussian noise takes a standard deviation >= 0; got {level}")
        return None, (level * rng.standard_normal(shape)).astype(dtype)
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"{kind} noise takes a probability in [0, 1]; got {level}")
    hit = rng.random(shape) < level
    keep = (~hit).astype(dtype)
    if kind == "masking":
        return keep, None
    salt = rng.random(shape) < 0.5
    return keep, (hit & salt).astype(dtype)


def check_corruption(kind, level):
    """Raise ValueError now if ``kind`` or ``level`` is not a corruption ``draw_corruption``
    can draw, rather than at the first batch of training."""
    draw_corruption((1, 1), kind, level, np.random.default_rng(0))


def corrupt(x, kind, level, rng):
    """x~ = keep * x + added for a fresh draw (see ``draw_corruption``).

    Parameters
    ----------
    x : ndarray or Tensor of shape (batch, n_features)
    kind : {"gaussian", "masking", "salt_and_pepper"}
    level : float
    rng : numpy.random.Generator

    Returns
    -------
    ndarray or Tensor (as x) of shape (batch, n_features), same dtype as x
    """
    keep, added = draw_corruption(x.shape, kind, level, rng, x.dtype)
    out = x if keep is None else x * keep
    return out if added is None else out + added


class Noise(Module):
    """Corrupts its input in training mode, passes it through in evaluation mode.

    out = keep * x + added, where the noise is data, not a function of the parameters:
    dL/dx = keep * dL/d(out).

    Parameters
    ----------
    kind : {"gaussian", "masking", "salt_and_pepper"}, default="gaussian"
    level : float, default=0.1
    rng : numpy.random.Generator or int, optional
        Where the noise is drawn from; a Generator given is shared, not copied (a
        denoising autoencoder passes its own, so that one seed fixes the whole run).
    """

    def __init__(self, kind="gaussian", level=0.1, rng=None):
        check_corruption(kind, level)
        self.kind, self.level, self.rng = kind, level, np.random.default_rng(rng)

    def forward(self, x, rng=None):
        """x corrupted by a draw from ``rng``, the layer's own Generator by default."""
        if not self.training:
            return x
        rng = self.rng if rng is None else rng
        return corrupt(x, self.kind, self.level, rng)  # Tensors multiply like arrays

    def __repr__(self):
        return f"Noise({self.kind!r}, level={self.level})"
