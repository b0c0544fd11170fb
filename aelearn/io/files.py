"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON description.

The file holds every parameter under its dotted name (``model.state_dict()``) and one more
entry, ``__config__``: a JSON string

    {"format_version": 1, "class": "VAE", "config": {...}, "rng_state": {...},
     "frozen": [...], "aelearn_version": "0.1.0"}

whose ``class`` and ``config`` describe the architecture (``aelearn.io.layers``): for a
model built by its own constructor, the constructor arguments (``get_config()``); for a
network built from parts (a Classifier on an encoder, the deep autoencoder unrolled from
a stack), also a "modules" entry describing those parts, layer by layer, which makes the
file format_version 2; for a model holding parts its ``fit`` built (a pre-trained
StackedAutoencoder's stages), a "fitted" entry with those parts and what else it learned,
format_version 3. ``frozen`` names the parameters that do not learn. Nothing is
pickled, so ``load`` reads the file with ``allow_pickle=False``: opening a model file runs
no code but the constructors of registered classes, and every size it declares is checked
before anything is allocated (``aelearn.io.archive``).
"""

import json
import os
import secrets
from pathlib import Path

import numpy as np

import aelearn
from aelearn.io.archive import CONFIG_KEY
from aelearn.io.generator import generator_state
from aelearn.io.layers import describe_module

#: The newest format this aelearn reads: 1, a model its config rebuilds; 2, with "modules";
#: 3, with "fitted".
FORMAT_VERSION = 3


def describe(model):
    """The JSON-ready description of ``model``'s architecture: {"class", "config", ...}.

    The description must rebuild exactly this network: the model it builds (seeded with 0:
    the seed only fixes initial weights, which loading replaces) has the same sub-modules,
    layer for layer (class, settings, parameter shapes and dtypes), so that a loaded model
    gives bit-identical outputs.

    Raises
    ------
    TypeError
        When a class in the model is not registered (``aelearn.io.register_layer``), does
        not keep its constructor arguments, or is not rebuilt by them; the message names
        the sub-module.
    """
    return describe_module(model)


def _check_finite(model):
    for name, p in model.named_parameters():
        if not np.all(np.isfinite(p.data)):
            raise ValueError(
                f"cannot save a {type(model).__name__} whose parameter {name!r} holds NaN or "
                "infinite values: such a file could not be loaded. Retrain the model, or "
                "save it before its training diverged"
            )


def save(model, path, history=None):
    """Write ``model`` to ``path`` as one ``.npz`` file: parameters and a JSON description.

    The file is written to exactly ``path`` (no suffix is added): first to a temporary
    file in the same folder, which then replaces ``path`` in one step, so that an
    interrupted or failed save leaves no partial file and any old file there intact.
    The training History goes into the description too, and ``load`` restores it.

    Parameters
    ----------
    model : Module
        Any model or module of registered classes (``aelearn.io.REGISTRY``), a
        StackedAutoencoder included (pre-trained or not).
    path : str or path-like
    history : History, optional
        Default: the model's ``history_``, if it has been trained.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    IsADirectoryError
        When ``path`` is a folder.
    TypeError
        When the model cannot be described (see ``describe``).
    ValueError
        When a parameter holds NaN or infinite values.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; expected a file path such as {path / 'model.npz'}"
        )
    description = describe(model)
    _check_finite(model)
    version = 3 if "fitted" in description else 2 if "modules" in description else 1
    header = {"format_version": version, **description}
    header["frozen"] = [name for name, p in model.named_parameters() if not p.requires_grad]
    rng = getattr(model, "rng", None)
    if isinstance(rng, np.random.Generator):
        # Saved so that a loaded model draws the same samples the original would draw next.
        header["rng_state"] = generator_state(rng)
    history = history if history is not None else getattr(model, "history_", None)
    if history is not None:
        header["history"] = history.to_dict()
    header["aelearn_version"] = aelearn.__version__
    arrays = model.state_dict()
    arrays[CONFIG_KEY] = np.array(json.dumps(header))
    # In the same folder, so that the rename cannot cross file systems; opened with "x",
    # so that it never overwrites anything, and with the usual permissions.
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(partial, "xb") as file:
            np.savez(file, **arrays)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
