"""Saving and loading models: one ``.npz`` of plain arrays plus a JSON description (see
``aelearn.io.files``), read back with ``allow_pickle=False``; ``register_layer`` lets a
model with layers of one's own be saved too."""

from aelearn.io.archive import CONFIG_KEY, ModelFileError
from aelearn.io.checkpoint import ModelCheckpoint
from aelearn.io.files import FORMAT_VERSION, describe, save
from aelearn.io.layers import REGISTRY, register_layer
from aelearn.io.loading import load, load_weights

__all__ = [
    "CONFIG_KEY",
    "FORMAT_VERSION",
    "REGISTRY",
    "ModelCheckpoint",
    "ModelFileError",
    "describe",
    "load",
    "load_weights",
    "register_layer",
    "save",
]
