"""Models: autoencoders, the VAE family, classifiers on encoders, layer-wise pre-training."""

from aelearn.models.autoencoder import Autoencoder, Decoder, DenoisingAutoencoder, Encoder
from aelearn.models.base import Model
from aelearn.models.classifier import Classifier
from aelearn.models.cvae import CVAE
from aelearn.models.stacked import StackedAutoencoder, pretrain_stack
from aelearn.models.vae import VAE, GaussianEncoder

__all__ = [
    "CVAE",
    "VAE",
    "Autoencoder",
    "Classifier",
    "Decoder",
    "DenoisingAutoencoder",
    "Encoder",
    "GaussianEncoder",
    "Model",
    "StackedAutoencoder",
    "pretrain_stack",
]
