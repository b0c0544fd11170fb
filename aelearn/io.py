"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON description.

The file holds every parameter under its dotted name (``model.state_dict()``) and one more
entry, ``__config__``: a JSON string

    {"format_version": 1, "class": "VAE", "config": {...}, "rng_state": {...},
     "aelearn_version": "0.1.0"}

whose ``config`` holds the constructor arguments that rebuild the architecture. Nothing
is pickled, so ``load`` reads the file with ``allow_pickle=False``: opening a model file
cannot run code. The models know nothing of this module; the registry below reads each
class's constructor arguments from the attributes its ``__init__`` sets, and ``describe``
checks, layer by layer, that those arguments rebuild this very network (a hand-made
encoder would otherwise load as the default one, silently).
"""

import json
import os
import zipfile
from pathlib import Path

import numpy as np

import aelearn
from aelearn.models import CVAE, VAE, Autoencoder, Decoder, DenoisingAutoencoder, Encoder
from aelearn.nn import Module, Parameter

FORMAT_VERSION = 1
CONFIG_KEY = "__config__"
#: The bit generators a saved Generator state may name; the name read from a file is
#: looked up here, never on ``np.random`` (where it could name a function such as seed).
BIT_GENERATORS = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
    "MT19937": np.random.MT19937,
}


class ModelFileError(ValueError):
    """A file ``load`` cannot turn into a model: not a model file, corrupted, or mismatched.

    A ValueError, so ``except ValueError`` still catches it; the command line catches this
    class alone, so that a ValueError from a bug is not mistaken for a bad file.
    """


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


def _build(name, config):
    """A new model of the registered class ``name`` from its JSON ``config``, seeded with 0.

    The seed only fixes the initial weights, which ``load`` overwrites; ``describe`` builds
    one to compare with, and must not draw from the model's own Generator.
    """
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = np.dtype(config["dtype"])
    return REGISTRY[name][0](**config, rng=0)


NOT_PLAIN = object()


def _plain(value):
    """``value`` as a comparable setting (number, string, dtype name, tuple), or NOT_PLAIN."""
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if isinstance(value, list | tuple):
        items = tuple(_plain(item) for item in value)
        return NOT_PLAIN if NOT_PLAIN in items else items
    if value is None or isinstance(value, bool | int | float | str | np.number):
        return value
    return NOT_PLAIN


def _architecture(model):
    """[(dotted path, layout)] of every sub-module below ``model``, depth first.

    A layout is what decides the module's outputs once its weights are loaded: its class,
    its plain settings (Dense widths, an activation's slope, the decoder's output
    activation) and the name, shape and dtype of each of its own parameters. The model's
    own settings are left out: its config carries them, and it holds state (history_,
    rng) that a freshly built model cannot share.
    """
    layouts, stack = [], [("", model)]
    while stack:
        path, module = stack.pop()
        settings, params, children = {}, [], []
        for name, value in vars(module).items():
            # The mode, which load sets anyway, and how the first weights were drawn, which
            # the loaded weights replace: neither changes what the loaded module computes.
            if name in ("training", "init", "init_std"):
                continue
            full = f"{path}.{name}" if path else name
            if isinstance(value, Parameter):
                params.append((name, value.shape, value.data.dtype.name))
            elif isinstance(value, Module):
                children.append((full, value))
            elif isinstance(value, list | tuple) and any(isinstance(v, Module) for v in value):
                children += [(f"{full}.{i}", v) for i, v in enumerate(value)]
            elif _plain(value) is not NOT_PLAIN:
                settings[name] = _plain(value)
        if module is not model:
            kind = f"{type(module).__module__}.{type(module).__qualname__}"
            layouts.append((path, (kind, sorted(settings.items()), params)))
        stack += reversed(children)
    return layouts


def _first_difference(model, rebuilt):
    """A sentence naming the first sub-module where ``model`` and ``rebuilt`` differ, or None."""
    ours, theirs = _architecture(model), _architecture(rebuilt)
    for (path, layout), (other_path, other) in zip(ours, theirs, strict=False):
        if path == other_path and layout != other:
            return f"its {path} is {_summary(layout)} where the config builds {_summary(other)}"
        if path != other_path:
            return f"it has {path} = {_summary(layout)} where the config builds {other_path}"
    if len(ours) != len(theirs):
        extra = ours[len(theirs)] if len(ours) > len(theirs) else theirs[len(ours)]
        side = "it has" if len(ours) > len(theirs) else "the config builds"
        return f"{side} an extra sub-module {extra[0]}: {_summary(extra[1])}"
    return None


def _summary(layout):
    kind, settings, params = layout
    shown = ", ".join(f"{k}={v!r}" for k, v in settings)
    shapes = ", ".join(f"{n} {shape} {dtype}" for n, shape, dtype in params)
    return f"{kind.rsplit('.', 1)[-1]}({shown}){f' [{shapes}]' if shapes else ''}"


def describe(model):
    """The JSON-ready description of ``model``'s architecture: {"class": ..., "config": ...}.

    The description must rebuild exactly this network: a model is only described when a
    model built from the config has the same sub-modules, layer for layer (class, Dense
    widths, activations, parameter shapes and dtypes), so that a loaded model gives
    bit-identical outputs.

    Raises
    ------
    TypeError
        When the model's class is not one ``save`` knows how to rebuild, or its networks
        are not those its constructor builds from the config (an encoder or decoder made
        by hand, or by ``StackedAutoencoder``).
    """
    name = type(model).__name__
    if name not in REGISTRY or REGISTRY[name][0] is not type(model):
        raise TypeError(
            f"cannot save a {name}: aelearn.io knows how to rebuild {sorted(REGISTRY)}; "
            "save its state_dict() with numpy instead"
        )
    config = REGISTRY[name][1](model)
    difference = _first_difference(model, _build(name, config))
    if difference is not None:
        raise TypeError(
            f"cannot describe this {name} by its constructor arguments: {difference}. "
            f"aelearn.io only saves the networks {name}(**config) builds; for a custom "
            "network, save the weights with np.savez(path, **model.state_dict()), rebuild "
            "the network yourself and call model.load_state_dict(dict(np.load(path)))"
        )
    return {"class": name, "config": config}


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
        header["rng_state"] = _json_ready(rng.bit_generator.state)
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
        model = _build(name, header["config"])
    except (TypeError, ValueError) as error:
        raise ModelFileError(
            f"{path}: cannot rebuild a {name} from config {header['config']}: {error}"
        ) from None
    _load_state(model, arrays, path, name)
    if "rng_state" in header and hasattr(model, "rng"):
        model.rng = _generator(header["rng_state"], path)
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


def _json_ready(value):
    """``value`` with arrays and NumPy integers turned into lists and ints, for JSON.

    MT19937, Philox and SFC64 keep their state in arrays; their ``state`` setters take
    the lists back as they are.
    """
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return value


def _generator(state, path):
    """A Generator in the saved ``state`` (a bit generator's ``.state`` dict), or ModelFileError.

    The bit generator's name comes from the file, so it is looked up in ``BIT_GENERATORS``
    only: whatever the file says, nothing but a bit generator's constructor is called.
    """
    expected = (
        'a bit generator state such as {"bit_generator": "PCG64", "state": {...}, ...}, '
        f"naming one of {sorted(BIT_GENERATORS)}"
    )
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise ModelFileError(
            f"{path}: the saved rng_state names bit generator {name!r}; the file is corrupted. "
            f"Expected {expected}"
        )
    bit_generator = BIT_GENERATORS[name](0)  # seeded, then overwritten by the saved state
    try:
        bit_generator.state = state
    # numpy's setter meets data from the file, and which exception a malformed state
    # raises varies (KeyError, IndexError, TypeError, ...): every one means a bad file.
    except Exception as error:
        raise ModelFileError(
            f"{path}: cannot restore the saved rng_state ({type(error).__name__}: {error}); "
            f"the file is corrupted. Expected {expected}"
        ) from None
    return np.random.Generator(bit_generator)
