"""Layers built on the autograd core: Module, Dense, activations, noise, Sequential, MLP;
for images (batch, channels, height, width) Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d,
Upsample, Flatten and Unflatten, as PyTorch's; and ``functional``: the convolution as a
function (``conv2d``) with its arguments checked, and the one-hot encoding of labels."""

from aelearn.nn.activations import (
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    get_activation,
)
from aelearn.nn.containers import MLP, Sequential
from aelearn.nn.conv import Conv2d, ConvTranspose2d
from aelearn.nn.dense import Dense, init_weights
from aelearn.nn.functional import one_hot
from aelearn.nn.module import REGISTRY, Module, Parameter, constructor_parameters, shape_through
from aelearn.nn.noise import Noise, check_corruption, corrupt, draw_corruption
from aelearn.nn.pooling import AvgPool2d, MaxPool2d, Upsample
from aelearn.nn.reshape import Flatten, Unflatten

__all__ = [
    "MLP",
    "REGISTRY",
    "Activation",
    "AvgPool2d",
    "Conv2d",
    "ConvTranspose2d",
    "Dense",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "MaxPool2d",
    "Module",
    "Noise",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "Unflatten",
    "Upsample",
    "check_corruption",
    "constructor_parameters",
    "corrupt",
    "draw_corruption",
    "get_activation",
    "init_weights",
    "one_hot",
    "shape_through",
]
