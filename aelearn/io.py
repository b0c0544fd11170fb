"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON description.

The file holds every parameter under its dotted name (``model.state_dict()``) and one more
entry, ``__config__``: a JSON string

    {"format_version": 1, "class": "VAE", "config": {...}, "rng_state": {...},
     "aelearn_version": "0.1.0"}

whose ``config`` holds the constructor arguments that rebuild the architecture. Nothing
is pickled, so ``load`` reads the file with ``allow_pickle=False``: opening a model file
cannot run code. The models know nothing of this module; the registry below reads each
class's constructor arguments from the attributes its ``__init__`` sets.
"""

import json
import os
import zipfile
from pathlib import Path

import numpy as np

import aelearn
from aelearn.models import CVAE, VAE, Autoencoder, Decoder, DenoisingAutoencoder, Encoder

FORMAT_VERSION = 1
CONFIG_KEY = "__config__"


def _dtype_name(dtype):
    return np.dtype(dtype).name


def _autoencoder_config(model):
    output = model.output
    # "auto" is decided by the first fit; a trained model keeps the decision it made.
    if output == "auto" and hasattr(model, "history_"):
        output = model.decoder.output_activation
    return {
        "sizes": list(model.encoder.sizes),
        "activation": model.activation,
        "output": output,
        "loss": model.loss,
        "init": model.init,
        "dtype": _dtype_name(model.dtype),
    }


def _denoising_config(model):
    return {**_autoencoder_config(model), "noise": model.noise, "noise_level": model.noise_level}


def _vae_config(model):
    return {
        "sizes": list(model.sizes),
        "activation": model.activation,
        "likelihood": model.likelihood,
        "decoder_std": model.decoder_std,
        "beta": model.beta,
        "n_samples": model.n_samples,
        "warmup_epochs": model.warmup_epochs,
        "binarize": model.binarize,
        "reconstruction_weight": model.reconstruction_weight,
        "init": model.init,
        "dtype": _dtype_name(model.dtype),
    }


def _cvae_config(model):
    return {**_vae_config(model), "n_classes": model.n_classes}


def _encoder_config(model):
    return {
        "sizes": list(model.sizes),
        "activation": model.activation,
        "dtype": _dtype_name(model.dtype),
    }


def _decoder_config(model):
    return {**_encoder_config(model), "output_activation": model.output_activation}


#: class name -> (class, function reading its constructor arguments from a model). Lookup
#: is by exact class: a subclass may take other arguments, so it needs an entry of its own.
REGISTRY = {
    "Autoencoder": (Autoencoder, _autoencoder_config),
    "DenoisingAutoencoder": (DenoisingAutoencoder, _denoising_config),
    "VAE": (VAE, _vae_config),
    "CVAE": (CVAE, _cvae_config),
    "Encoder": (Encoder, _encoder_config),
    "Decoder": (Decoder, _decoder_config),
}


def describe(model):
    """The JSON-ready description of ``model``'s architecture: {"class": ..., "config": ...}.

    Raises
    ------
    TypeError
        When the model's class is not one ``save`` knows how to rebuild.
    """
    name = type(model).__name__
    if name not in REGISTRY or REGISTRY[name][0] is not type(model):
        raise TypeError(
            f"cannot save a {name}: aelearn.io knows how to rebuild {sorted(REGISTRY)}; "
            "save its state_dict() with numpy instead"
        )
    return {"class": name, "config": REGISTRY[name][1](model)}


def save(model, path):
    """Write ``model`` to ``path`` as one ``.npz`` file: parameters and a JSON description.

    The file is written to exactly ``path`` (no suffix is added) and replaces any file
    there only once it is complete, so an interrupted save leaves the old file intact.

    Parameters
    ----------
    model : Autoencoder, DenoisingAutoencoder, VAE, CVAE, Encoder or Decoder
    path : str or path-like

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
        header["rng_state"] = rng.bit_generator.state
    header["aelearn_version"] = aelearn.__version__
    arrays = model.state_dict()
    arrays[CONFIG_KEY] = np.array(json.dumps(header))
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        np.savez(file, **arrays)
    os.replace(partial, path)
    return path


def _read(path):
    """(header dict, {name: array}) from a model file, or a ValueError saying what is wrong."""
    path = Path(path)
    expected = "an aelearn model file written by aelearn.io.save (a .npz archive)"
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an archive of arrays")
        with archive:
            arrays = {name: archive[name] for name in archive.files}
    except (FileNotFoundError, IsADirectoryError):
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path} is not a readable model file ({error}); expected {expected}. "
            "The file may be truncated or corrupted: save the model again."
        ) from None
    if CONFIG_KEY not in arrays:
        raise ValueError(
            f"{path} has no {CONFIG_KEY} entry describing the model; expected {expected}. "
            "To load bare weights into a model you built, use load_weights(model, path)."
        )
    try:
        header = json.loads(str(arrays.pop(CONFIG_KEY)))
        version, name, config = header["format_version"], header["class"], header["config"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(
            f"{path}: the {CONFIG_KEY} entry is not a valid model description ({error}); "
            'expected JSON with "format_version", "class" and "config"'
        ) from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format_version {version!r}, written by aelearn "
            f"{header.get('aelearn_version', '?')}; this aelearn {aelearn.__version__} reads "
            f"format_version up to {FORMAT_VERSION}. Upgrade aelearn to load it."
        )
    if name not in REGISTRY:
        raise ValueError(
            f"{path} describes a model of class {name!r}; expected one of {sorted(REGISTRY)}"
        )
    if not isinstance(config, dict):
        raise ValueError(f"{path}: config must be a JSON object of constructor arguments")
    return header, arrays


def _load_state(model, arrays, path, described):
    """Copy ``arrays`` into ``model``, turning a mismatch into a ValueError naming both sides."""
    try:
        model.load_state_dict(arrays)
    except (KeyError, ValueError) as error:
        message = error.args[0] if error.args else error
        raise ValueError(
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
    ValueError
        When the file is not a model file, is truncated or corrupted, lacks its
        description, was written by a newer format, or names an unknown class.
    """
    header, arrays = _read(path)
    cls = REGISTRY[header["class"]][0]
    config = dict(header["config"])
    if "dtype" in config:
        config["dtype"] = np.dtype(config["dtype"])
    try:
        model = cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{path}: cannot rebuild a {cls.__name__} from config {header['config']}: {error}"
        ) from None
    _load_state(model, arrays, path, cls.__name__)
    if "rng_state" in header and hasattr(model, "rng"):
        model.rng = _generator(header["rng_state"])
    return model.eval()


def load_weights(model, path):
    """Load the weights saved in ``path`` into an existing ``model`` of the same architecture.

    Returns
    -------
    model

    Raises
    ------
    ValueError
        When the file holds weights of different names or shapes (another architecture);
        the model is then left unchanged.
    """
    header, arrays = _read(path)
    _load_state(model, arrays, path, f"{header['class']} with config {header['config']}")
    return model


def _generator(state):
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)
