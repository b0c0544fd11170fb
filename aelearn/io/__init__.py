"""Saving and loading models: one ``.npz`` of plain arrays plus a JSON description (see
``aelearn.io.files``), read back with ``allow_pickle=False``. Every Module saves, a user's
own included, once its constructor keeps each argument under its own name."""

from aelearn.io.archive import CONFIG_KEY, FORMAT_VERSION, ModelFileError
from aelearn.io.checkpoint import ModelCheckpoint
from aelearn.io.files import describe, load, load_weights, save

__all__ = [
    "CONFIG_KEY",
    "FORMAT_VERSION",
    "ModelCheckpoint",
    "ModelFileError",
    "describe",
    "load",
    "load_weights",
    "save",
]
