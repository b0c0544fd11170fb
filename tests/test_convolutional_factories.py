"""The ``convolutional`` factories draw their initial weights in one documented order
(``aelearn.models.convolutional.convolutional_networks``): the encoder's convolutions, the
head to the code, the decoder's transposed convolutions, then the decoder's MLP. Saved
seeds and trained weights depend on that order, so these tests rebuild each network by
hand from one Generator and ask for the very same arrays."""

import numpy as np
import pytest

from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    ConvolutionalFeatures,
    ConvolutionalImage,
    DenoisingAutoencoder,
    GaussianEncoder,
)
from aelearn.nn import MLP

IMAGE, FILTERS, KERNEL = (1, 8, 8), (4, 8), 3


def hand_built_arrays(make_head, latent_dim, hidden_sizes, n_classes=0, seed=0):
    """The parameter arrays of the four networks drawn from one Generator in the documented
    order, listed as a model holds them: encoder (features, head), then decoder (MLP, image)."""
    options = {"activation": "relu", "init": None, "rng": np.random.default_rng(seed)}
    features = ConvolutionalFeatures(IMAGE, FILTERS, KERNEL, **options)
    head = make_head((features.out_features + n_classes, *hidden_sizes, latent_dim), **options)
    image = ConvolutionalImage(IMAGE, FILTERS, KERNEL, **options)
    mlp_sizes = (latent_dim + n_classes, *hidden_sizes[::-1], image.in_features)
    mlp = MLP(mlp_sizes, output_activation="relu", **options)
    return [p.data for net in (features, head, mlp, image) for p in net.parameters()]


@pytest.mark.parametrize("hidden_sizes", [(16,), ()])
@pytest.mark.parametrize(
    "factory, make_head, n_classes",
    [
        (Autoencoder.convolutional, MLP, 0),
        (DenoisingAutoencoder.convolutional, MLP, 0),
        (VAE.convolutional, GaussianEncoder, 0),
        (CVAE.convolutional, GaussianEncoder, 10),
    ],
)
def test_factories_draw_features_head_image_then_decoder_mlp(
    factory, make_head, n_classes, hidden_sizes
):
    labels = {"n_classes": n_classes} if n_classes else {}
    model = factory(IMAGE, FILTERS, 3, hidden_sizes, KERNEL, rng=0, **labels)
    expected = hand_built_arrays(make_head, 3, hidden_sizes, n_classes)
    actual = [p.data for p in model.parameters()]
    assert [a.shape for a in actual] == [e.shape for e in expected]
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(a, e)


def test_the_model_keeps_drawing_from_the_generator_that_drew_its_weights():
    """The factory hands the model the Generator its networks drew from, so the batch order
    and noise continue that stream rather than restart it."""
    model = VAE.convolutional(IMAGE, FILTERS, 3, rng=0)
    replay = np.random.default_rng(0)
    hand_built = ConvolutionalFeatures(IMAGE, FILTERS, KERNEL, rng=replay)
    GaussianEncoder((hand_built.out_features, 3), rng=replay)
    image = ConvolutionalImage(IMAGE, FILTERS, KERNEL, rng=replay)
    MLP((3, image.in_features), output_activation="relu", rng=replay)
    assert model.rng.random() == replay.random()
