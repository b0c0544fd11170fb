"""The denoising autoencoder (Vincent et al., 2008): it sees a corrupted x~ and is trained
to output the clean x, so it cannot simply copy its input."""

from aelearn.autograd import Tensor
from aelearn.models.autoencoder import Autoencoder
from aelearn.models.base import predict_in_batches
from aelearn.nn import Noise
from aelearn.validation import check_data


class DenoisingAutoencoder(Autoencoder):
    """An autoencoder whose encoder sees x~, a corrupted x, and whose loss compares D(E(x~))
    with the clean x.

    The corruption is a ``Noise`` layer in front of the encoder: it draws afresh for
    every batch, in training mode, from the Generator ``fit`` passes (the model's own, or
    with shards each shard's), and passes the input
    through in evaluation mode (so ``reconstruct`` and the validation loss see the clean
    input). See ``aelearn.nn.noise`` for the corruptions.

    Parameters
    ----------
    sizes : sequence of int, default=(64, 128, 8)
    noise : {"gaussian", "masking", "salt_and_pepper"}, default="masking"
    noise_level : float, default=0.3
        Standard deviation ("gaussian") or probability per element.
    **kwargs
        As for ``Autoencoder``.

    Attributes
    ----------
    corruption : Noise
        The layer that corrupts the encoder's input in training.
    """

    def __init__(self, sizes=(64, 128, 8), noise="masking", noise_level=0.3, **kwargs):
        super().__init__(sizes, **kwargs)
        self.noise, self.noise_level = noise, noise_level
        self.corruption = Noise(noise, noise_level, rng=self.rng)

    def loss_terms(self, x, y, rng):
        """The loss of reconstructing the clean batch x from its corruption, drawn from
        ``rng`` (in ``fit``, the model's own Generator or a shard's)."""
        return self._reconstruction_loss(self.corruption(Tensor(x), rng), x)

    def denoise(self, X_noisy):
        """The clean estimate D(E(x~)) of corrupted inputs, of their shape (rows or images).

        Gaussian noise pushes x~ outside [0, 1]; only the clean target must lie there, so
        the noisy input is not held to the unit interval that cross-entropy needs.
        """
        rows = check_data(self._rows(X_noisy, "X_noisy"), "X_noisy", self.n_features, self.dtype)
        return self._shaped_like(predict_in_batches(self, self._reconstruction, rows), X_noisy)
