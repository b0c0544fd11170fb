"""The conditional VAE (Sohn et al., 2015): the label c joins x in the encoder and z in
the decoder, q(z | x, c) and p(x | z, c). Since c already says which digit it is, z is
left to carry the style (slant, thickness), and ``sample(n, label=c)`` chooses the class.
"""

import numpy as np

from aelearn.autograd import Tensor, concatenate
from aelearn.datasets import one_hot
from aelearn.models.vae import VAE
from aelearn.validation import check_labels, check_positive_int


class CVAE(VAE):
    """A VAE conditioned on a class label given to both the encoder and the decoder.

    Parameters
    ----------
    sizes : sequence of int, default=(64, 128, 8)
        (n_features, hidden..., latent_dim), not counting the one-hot label the encoder
        and decoder receive in addition.
    n_classes : int, default=10
    **kwargs
        As for ``VAE``, among them ``rng``: None draws fresh entropy from the operating
        system (unseeded, not reproducible); pass an int or a Generator for reproducible
        runs.
    """

    needs_labels = True

    def __init__(self, sizes=(64, 128, 8), n_classes=10, **kwargs):
        self.n_classes = check_positive_int(n_classes, "n_classes")
        super().__init__(sizes, **kwargs)

    def _condition_width(self):
        return self.n_classes

    def _one_hot(self, y):
        return one_hot(y, self.n_classes, dtype=self.dtype)

    def _encoder_input(self, x, y):
        return np.concatenate([x, self._one_hot(y)], axis=1)

    def _decoder_input(self, z, y):
        return concatenate([z, Tensor(self._one_hot(y))], axis=1)

    def _check_labels(self, y, n_samples):
        if y is None:
            raise ValueError(
                f"a CVAE needs labels y of shape ({n_samples},), one class per sample, whenever "
                "it encodes or decodes (fit, encode, decode, reconstruct, evaluate, ...)"
            )
        return check_labels(y, n_samples, self.n_classes)

    def _labels_or_none(self, y, X):
        return self._check_labels(y, X.shape[0])

    def _sample_labels(self, label, n):
        if label is None:
            raise ValueError(
                f"a CVAE generates a chosen class: pass label in 0..{self.n_classes - 1}"
            )
        labels = np.asarray(label)
        if labels.ndim == 0:
            labels = np.full(n, labels)
        elif labels.shape != (n,):
            raise ValueError(
                f"label must be one int or {n} labels, one per generated example; got shape "
                f"{labels.shape}"
            )
        return check_labels(labels, n, self.n_classes, name="label")
