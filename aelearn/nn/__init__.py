"""Layers built on the autograd core: Module, Dense, activations, noise, Sequential, MLP,
and the one-hot encoding of labels."""

from aelearn.nn.activations import (
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    get_activation,
)
from aelearn.nn.containers import MLP, Sequential
from aelearn.nn.dense import Dense, init_weights
from aelearn.nn.functional import one_hot
from aelearn.nn.module import Module, Parameter
from aelearn.nn.noise import Noise, check_corruption, corrupt, draw_corruption

__all__ = [
    "MLP",
    "Dense",
    "Identity",
    "LeakyReLU",
    "Module",
    "Noise",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "check_corruption",
    "corrupt",
    "draw_corruption",
    "get_activation",
    "init_weights",
    "one_hot",
]
