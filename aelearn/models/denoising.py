"""The denoising autoencoder (Vincent et al., 2008): it sees a corrupted x~ and is trained
to output the clean x, so it cannot simply copy its input."""

from aelearn.autograd import Tensor
from aelearn.models.autoencoder import Autoencoder
from aelearn.models.base import predict_in_batches
from aelearn.nn import Noise, shape_through
from aelearn.threads import uses_blas


class DenoisingAutoencoder(Autoencoder):
    """An autoencoder whose loss compares D(E(x~)) with the clean x.

    x~ comes from ``corruption``, a ``Noise`` layer in front of the encoder: in training mode
    it draws afresh for every batch from the Generator ``fit`` passes (the model's own); in
    evaluation mode it passes the input through, so ``reconstruct`` and the validation loss
    see the clean input. ``noise`` is "gaussian", "masking" or "salt_and_pepper",
    ``noise_level`` the standard deviation ("gaussian") or the probability per element.

    Given targets, ``fit(X_noisy, X_clean)`` trains on those fixed pairs as they are (the
    course's Keras notebook draws its noise once so): the noise is already in X_noisy, and
    ``corruption`` adds none.
    """

    def __init__(self, sizes=(64, 128, 8), noise="masking", noise_level=0.3, **kwargs):
        super().__init__(sizes, **kwargs)
        self.corruption = Noise(noise, noise_level, rng=self.rng)
        self.noise, self.noise_level = noise, self.corruption.noise_level

    def loss_terms(self, x, y, rng):
        """The loss of reconstructing the clean batch x from its corruption, drawn from rng;
        given targets y, of outputting y from x, which is already noisy."""
        if y is not None:
            return super().loss_terms(x, y, rng)
        return self._reconstruction_loss(self.corruption(Tensor(x), rng), x)

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        return super().output_shape(shape_through(self.corruption, input_shape, shapes), shapes)

    @uses_blas
    def denoise(self, X_noisy):
        """The clean estimate D(E(x~)) of corrupted inputs, of their shape (rows or images);
        x~ need not lie in [0, 1] (Gaussian noise pushes it out), only the clean target."""
        rows = self._check(X_noisy, "X_noisy", unit_interval=False)
        return self._shaped_like(predict_in_batches(self._reconstruction, rows), X_noisy)
