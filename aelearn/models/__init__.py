"""Models: autoencoders, the VAE family, classifiers on encoders, layer-wise pre-training."""

from aelearn.models.autoencoder import Autoencoder, Decoder, DenoisingAutoencoder, Encoder
from aelearn.models.base import Model
from aelearn.models.classifier import Classifier
from aelearn.models.convolutional import ConvolutionalFeatures, ConvolutionalImage
from aelearn.models.cvae import CVAE, LabelConditioned
from aelearn.models.gaussian_encoder import GaussianEncoder
from aelearn.models.stacked import StackedAutoencoder, pretrain_stack
from aelearn.models.vae import VAE, KLWarmup

__all__ = [
    "CVAE",
    "VAE",
    "Autoencoder",
    "Classifier",
    "ConvolutionalFeatures",
    "ConvolutionalImage",
    "Decoder",
    "DenoisingAutoencoder",
    "Encoder",
    "GaussianEncoder",
    "KLWarmup",
    "LabelConditioned",
    "Model",
    "StackedAutoencoder",
    "pretrain_stack",
]
