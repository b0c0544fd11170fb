"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON description.

The file holds every parameter under its dotted name (``model.state_dict()``) and one more
entry, ``__config__``: a JSON string

    {"format_version": 1, "class": "VAE", "config": {...}, "rng_state": {...},
     "aelearn_version": "0.1.0"}

whose ``config`` is the model's own ``get_config()``: the constructor arguments that
rebuild its architecture. Nothing is pickled, so ``load`` reads the file with
``allow_pickle=False``: opening a model file cannot run code. Before saving, the model is
rebuilt from its config and compared layer by layer (``aelearn.io.architecture``), so that
a network the config does not describe is refused rather than saved and reloaded wrongly.
"""

import json
import os
import zipfile
from pathlib import Path

import numpy as np

import aelearn
from aelearn.io.architecture import first_difference
from aelearn.io.generator import generator_from_state, generator_state
from aelearn.models import CVAE, VAE, Autoencoder, Decoder, DenoisingAutoencoder, Encoder
from aelearn.training import History

FORMAT_VERSION = 1
CONFIG_KEY = "__config__"

#: The classes ``save`` can describe and ``load`` rebuild, by name. Lookup is by exact
#: class: a subclass may take other arguments, so it needs an entry of its own.
REGISTRY = {
    cls.__name__: cls for cls in (Autoencoder, DenoisingAutoencoder, VAE, CVAE, Encoder, Decoder)
}


class ModelFileError(ValueError):
    """A file ``load`` cannot turn into a model: not a model file, corrupted, or mismatched.

    A ValueError, so ``except ValueError`` still catches it; the command line catches this
    class alone, so that a ValueError from a bug is not mistaken for a bad file.
    """


def describe(model):
    """The JSON-ready description of ``model``'s architecture: {"class": ..., "config": ...}.

    The description must rebuild exactly this network: a model is only described when a
    model built from its config (``from_config``, seeded with 0: the seed only fixes
    initial weights, which loading replaces) has the same sub-modules, layer for layer
    (class, Dense widths, activations, parameter shapes and dtypes), so that a loaded
    model gives bit-identical outputs.

    Raises
    ------
    TypeError
        When the model's class is not one ``save`` knows how to rebuild, or its networks
        are not those its constructor builds from the config (an encoder or decoder made
        by hand, or by ``StackedAutoencoder``).
    """
    name = type(model).__name__
    if REGISTRY.get(name) is not type(model):
        raise TypeError(
            f"cannot save a {name}: aelearn.io knows how to rebuild {sorted(REGISTRY)}; "
            "save its state_dict() with numpy instead"
        )
    config = model.get_config()
    difference = first_difference(model, REGISTRY[name].from_config(config, rng=0))
    if difference is not None:
        raise TypeError(
            f"cannot describe this {name} by its constructor arguments: {difference}. "
            f"aelearn.io only saves the networks {name}(**config) builds; for a custom "
            "network, save the weights with np.savez(path, **model.state_dict()), rebuild "
            "the network yourself and call model.load_state_dict(dict(np.load(path)))"
        )
    return {"class": name, "config": config}


def save(model, path, history=None):
    """Write ``model`` to ``path`` as one ``.npz`` file: parameters and a JSON description.

    The file is written to exactly ``path`` (no suffix is added) and replaces any file
    there only once it is complete, so an interrupted save leaves the old file intact.
    The training History goes into the description too, and ``load`` restores it.

    Parameters
    ----------
    model : Autoencoder, DenoisingAutoencoder, VAE, CVAE, Encoder or Decoder
    path : str or path-like
    history : History, optional
        Default: the model's ``history_``, if it has been trained.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    header = {"format_version": FORMAT_VERSION, **describe(model)}
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
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        np.savez(file, **arrays)
    os.replace(partial, path)
    return path


def _read(path):
    """(header dict, {name: array}) from a model file, or a ModelFileError saying what is wrong."""
    path = Path(path)
    expected = "an aelearn model file written by aelearn.io.save (a .npz archive)"
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError("it holds a single array, not an archive of arrays")
        with archive:
            arrays = {name: archive[name] for name in archive.files}
    except (FileNotFoundError, IsADirectoryError):
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ModelFileError(
            f"{path} is not a readable model file ({error}); expected {expected}. "
            "The file may be truncated or corrupted: save the model again."
        ) from None
    if CONFIG_KEY not in arrays:
        raise ModelFileError(
            f"{path} has no {CONFIG_KEY} entry describing the model; expected {expected}. "
            "To load bare weights into a model you built, use load_weights(model, path)."
        )
    try:
        header = json.loads(str(arrays.pop(CONFIG_KEY)))
        version, name, config = header["format_version"], header["class"], header["config"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ModelFileError(
            f"{path}: the {CONFIG_KEY} entry is not a valid model description ({error}); "
            'expected JSON with "format_version", "class" and "config"'
        ) from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format_version {version!r}, written by aelearn "
            f"{header.get('aelearn_version', '?')}; this aelearn {aelearn.__version__} reads "
            f"format_version up to {FORMAT_VERSION}. Upgrade aelearn to load it."
        )
    if name not in REGISTRY:
        raise ModelFileError(
            f"{path} describes a model of class {name!r}; expected one of {sorted(REGISTRY)}"
        )
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: config must be a JSON object of constructor arguments")
    return header, arrays


def _load_state(model, arrays, path, described):
    """Copy ``arrays`` into ``model``, turning a mismatch into a ModelFileError naming both."""
    try:
        model.load_state_dict(arrays)
    except (KeyError, ValueError) as error:
        message = error.args[0] if error.args else error
        raise ModelFileError(
            f"the weights in {path} (saved from {described}) do not fit this "
            f"{type(model).__name__}: {message}. Expected a file saved from a model of the "
            "same architecture."
        ) from None


def load(path):
    """Rebuild the model saved in ``path`` and load its weights (and Generator state).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    model
        Of the class saved, in evaluation mode, giving bit-identical outputs.

    Raises
    ------
    ModelFileError (a ValueError)
        When the file is not a model file, is truncated or corrupted, lacks its
        description, was written by a newer format, names an unknown class, or holds a
        Generator state that cannot be restored.
    FileNotFoundError
        When there is no file at ``path``.
    """
    header, arrays = _read(path)
    name = header["class"]
    try:
        model = REGISTRY[name].from_config(header["config"], rng=0)
    except (TypeError, ValueError) as error:
        raise ModelFileError(
            f"{path}: cannot rebuild a {name} from config {header['config']}: {error}"
        ) from None
    _load_state(model, arrays, path, name)
    if "rng_state" in header and hasattr(model, "rng"):
        try:
            model.rng = generator_from_state(header["rng_state"])
        except ValueError as error:
            raise ModelFileError(f"{path}: {error}") from None
    if "history" in header:
        try:
            model.history_ = History.from_dict(header["history"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ModelFileError(
                f"{path}: the saved training history is not readable ({error!r}); expected "
                'JSON with "epochs" and "records", as History.to_dict writes'
            ) from None
    return model.eval()


def load_weights(model, path):
    """Load the weights saved in ``path`` into an existing ``model`` of the same architecture.

    Returns
    -------
    model

    Raises
    ------
    ModelFileError (a ValueError)
        When the file holds weights of different names or shapes (another architecture);
        the model is then left unchanged.
    """
    header, arrays = _read(path)
    _load_state(model, arrays, path, f"{header['class']} with config {header['config']}")
    return model
