"""Generating with a trained VAE: samples from the prior, interpolation between two
inputs, and the 2-D latent manifold.

``VAEGeneration`` is a part of ``VAE``: it decodes with the VAE's ``_decoder_output`` and
``_mean_image``. A model that takes labels (the CVAE) generates the class ``label``; one
that takes none refuses a label.
"""

from statistics import NormalDist

import numpy as np

from aelearn.validation import check_positive_int


class VAEGeneration:
    """The VAE's generation; see the module docstring."""

    def _generation_labels(self, label, n):
        if not self.takes_labels:
            if label is not None:
                raise ValueError(
                    f"this {type(self).__name__} is not conditional; use CVAE to generate by class"
                )
            return None
        if label is None:
            raise ValueError(
                f"a {type(self).__name__} generates a chosen class: pass label in "
                f"0..{self.n_classes - 1}"
            )
        labels = np.asarray(label)
        if labels.ndim and labels.shape != (n,):  # one int is broadcast by _labels
            raise ValueError(
                f"label must be one int or {n} labels, one per generated example; got shape "
                f"{labels.shape}"
            )
        return self._labels(labels, n, "label")

    def sample(self, n, label=None, bernoulli=False):
        """Generate n examples: z ~ N(0, I) from the model's Generator, then the decoder.

        Parameters
        ----------
        n : int
        label : int or array of int, optional
            The class to generate (conditional models only).
        bernoulli : bool, default=False
            Return a binary draw from p(x|z) instead of its mean image.

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        n = check_positive_int(n, "n")
        labels = self._generation_labels(label, n)
        z = self.rng.standard_normal((n, self.latent_dim), dtype=self.dtype)
        images = self._mean_image(self._decoder_output(z, labels))
        if bernoulli:
            return (self.rng.random(images.shape) < images).astype(self.dtype)
        return images

    def interpolate(self, x_a, x_b, steps=10, label=None):
        """Decode the straight line between the posterior means of x_a and x_b.

        Parameters
        ----------
        x_a, x_b : array_like of shape (n_features,) or (1, n_features)
            One example each.
        steps : int, default=10
        label : int, optional
            The class, for a conditional VAE.

        Returns
        -------
        ndarray of shape (steps, n_features)
        """
        X = self._check(
            np.concatenate([self._one_example(x_a, "x_a"), self._one_example(x_b, "x_b")])
        )
        mu = self._posterior(X, self._generation_labels(label, 2))[0]
        t = np.linspace(0.0, 1.0, check_positive_int(steps, "steps"), dtype=self.dtype)[:, None]
        Z = (1.0 - t) * mu[0] + t * mu[1]
        return self._mean_image(self._decoder_output(Z, self._generation_labels(label, steps)))

    def _one_example(self, x, name):
        """x as an array of shape (1, n_features), or raise saying what was given."""
        example, width = np.asarray(x), self.n_features
        if example.ndim not in (1, 2) or example.shape[-1] != width or example.size != width:
            raise ValueError(
                f"{name} must be one example of shape ({width},) or (1, {width}); got shape "
                f"{example.shape}"
            )
        return example.reshape(1, -1)

    def latent_grid(self, n=15, label=None):
        """The 2-D latent manifold: decode an n x n grid of z through the prior's quantiles.

        Returns
        -------
        images : ndarray of shape (n * n, n_features), row-major over the grid
        coordinates : ndarray of shape (n,), the z values of each grid line
        """
        if self.latent_dim != 2:
            raise ValueError(
                f"latent_grid needs a 2-D latent space; this one has {self.latent_dim}"
            )
        n = check_positive_int(n, "n")
        quantiles = np.linspace(0.5 / n, 1 - 0.5 / n, n)
        coordinates = np.array([NormalDist().inv_cdf(q) for q in quantiles], dtype=self.dtype)
        Z = np.array([[zx, zy] for zy in coordinates[::-1] for zx in coordinates], dtype=self.dtype)
        labels = self._generation_labels(label, n * n)
        return self._mean_image(self._decoder_output(Z, labels)), coordinates
