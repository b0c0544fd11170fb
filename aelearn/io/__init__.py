"""Saving and loading models: one ``.npz`` of plain arrays plus a JSON description (see
``aelearn.io.files``), read back with ``allow_pickle=False``."""

from aelearn.io.checkpoint import ModelCheckpoint
from aelearn.io.files import (
    CONFIG_KEY,
    FORMAT_VERSION,
    REGISTRY,
    ModelFileError,
    describe,
    load,
    load_weights,
    save,
)

__all__ = [
    "CONFIG_KEY",
    "FORMAT_VERSION",
    "REGISTRY",
    "ModelCheckpoint",
    "ModelFileError",
    "describe",
    "load",
    "load_weights",
    "save",
]
