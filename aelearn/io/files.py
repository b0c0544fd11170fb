"""Saving and loading models: one ``.npz`` file of plain arrays plus a JSON description.

The file holds every parameter under its dotted name (``model.state_dict()``) and one more
entry, ``__config__``, a JSON string::

    {"format_version": 1, "class": "VAE", "config": {...}, "fitted": {...},
     "frozen": [...], "rng_state": {...}, "aelearn_version": "0.1.0"}

``class`` names the module's class in ``aelearn.nn.REGISTRY``, which every Module joins as
it is defined; ``config`` holds its constructor arguments (``get_config``); ``fitted`` the
attributes ``fit`` learned, whose names end in an underscore as in scikit-learn. A module
value is described the same way, ``{"module": {"class": ..., "config": ...}}``, a History
as ``{"history": {...}}``. ``frozen`` names the parameters that do not learn, ``rng_state``
the model's Generator. Loading runs no code but the constructors of registered classes.
"""

import json
import math
import os
import secrets
from pathlib import Path

import numpy as np

import aelearn
from aelearn.io.archive import CONFIG_KEY, FORMAT_VERSION, READ_ERRORS, ModelArchive, ModelFileError
from aelearn.nn import REGISTRY, Module
from aelearn.nn.module import registry_name
from aelearn.training import History

#: The bit generators a saved Generator state may name: looked up here, never on
#: ``np.random`` (where a name could be a function such as seed).
BIT_GENERATORS = {
    name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
}


# ----- describing a module, and building it back ------------------------------------------
def describe(module):
    """The JSON-ready description of ``module``: {"class", "config", "fitted"}; a TypeError
    names any argument that is not a module, a number, a string, None or a list of them."""
    if not isinstance(module, Module):
        raise TypeError(
            f"cannot save a {type(module).__name__}: aelearn.io saves models and layers "
            "(Modules); save the networks it holds or builds instead"
        )
    name = type(module).__name__
    config = {k: _encode(v, f"{name}'s argument {k}") for k, v in module.get_config().items()}
    description = {"class": registry_name(type(module)), "config": config}
    fitted = {k: _encode(v, f"{name}.{k}") for k, v in vars(module).items() if _learned(k)}
    if fitted:
        description["fitted"] = fitted
    return description


def _learned(name):
    """Whether an attribute is one ``fit`` learned: a public name ending in one underscore."""
    return name.isidentifier() and name.endswith("_") and not name.startswith("_")


def _encode(value, what):
    if isinstance(value, Module):
        return {"module": describe(value)}
    if isinstance(value, History):
        return {"history": value.to_dict()}
    if isinstance(value, list | tuple):
        return [_encode(v, what) for v in value]
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    raise TypeError(
        f"cannot save {what} = {value!r}: a saved setting is a module, a number, a string, "
        "None or a list of them"
    )


def build(description, rng):
    """The module a description rebuilds, every part that takes a Generator given ``rng``
    (so that the parts which shared their model's Generator share the rebuilt one)."""
    name = description["class"]
    if name not in REGISTRY:
        raise KeyError(
            f"class {name!r} is not defined here: define or import it before loading (aelearn "
            "knows every Module subclass defined so far)"
        )
    config = {key: _decode(value, rng) for key, value in dict(description["config"]).items()}
    module = REGISTRY[name].from_config(config, rng)
    for key, value in dict(description.get("fitted", {})).items():
        if not _learned(key):
            raise ValueError(f"{key!r} is not the name of a learned attribute")
        setattr(module, key, _decode(value, rng))
    return module


def _decode(value, rng):
    if isinstance(value, list) and all(isinstance(v, int | float) for v in value):
        return tuple(value)  # widths and shapes, tuples as they were saved
    if isinstance(value, list):
        return [_decode(v, rng) for v in value]
    if isinstance(value, dict) and value.keys() == {"module"}:
        return build(value["module"], rng)
    if isinstance(value, dict) and value.keys() == {"history"}:
        return History.from_dict(value["history"])
    if isinstance(value, dict):
        raise ValueError(f"a setting is a module, a history or plain data; got {value!r}")
    return value


# ----- saving --------------------------------------------------------------------------------
def save(model, path, history=None):
    """Write ``model``, any Module, to exactly ``path`` (no suffix added) as one ``.npz``
    file, with ``history`` as its ``history_`` if given; return the ``pathlib.Path``.

    The file is written beside ``path`` and then replaces it in one step: a failed save
    leaves no partial file and any old file intact. A parameter holding NaN or infinite
    values is a ValueError, a setting ``describe`` refuses a TypeError.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; expected a file path such as {path / 'model.npz'}"
        )
    header = {"format_version": FORMAT_VERSION, **describe(model)}
    if history is not None:
        header.setdefault("fitted", {})["history_"] = _encode(history, "history")
    params = dict(model.named_parameters())
    for name, p in params.items():
        if not np.all(np.isfinite(p.data)):
            raise ValueError(
                f"cannot save a {type(model).__name__} whose parameter {name!r} holds NaN or "
                "infinite values: such a file could not be loaded. Retrain the model, or "
                "save it before its training diverged"
            )
    header["frozen"] = [name for name, p in params.items() if not p.requires_grad]
    rng = getattr(model, "rng", None)
    if isinstance(rng, np.random.Generator):  # a loaded model draws what this one would next
        header["rng_state"] = rng.bit_generator.state
    header["aelearn_version"] = aelearn.__version__
    arrays = model.state_dict()
    # MT19937, Philox and SFC64 hold arrays in their states: written as lists.
    arrays[CONFIG_KEY] = np.array(json.dumps(header, default=np.ndarray.tolist))
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


# ----- loading -------------------------------------------------------------------------------
def _bit_generator(state):
    """A bit generator of the kind ``state`` names, not yet in that state."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise ValueError(
            f"the saved rng_state names bit generator {name!r}, not one of {sorted(BIT_GENERATORS)}"
        )
    return BIT_GENERATORS[name]()


class _DrawLimit(np.random.Generator):
    """The Generator a model is rebuilt with: its initial weights (drawn by ``normal`` and
    ``uniform``, see ``nn.dense.init_weights``) may total no more numbers than the file
    holds, so that a small file cannot describe layers that fill the memory before it is
    refused."""

    def __init__(self, bit_generator, held):
        super().__init__(bit_generator)
        self.held, self.left = held, held

    def _draw(self, size):
        self.left -= 1 if size is None else math.prod(np.atleast_1d(size))
        if self.left < 0:
            raise ValueError(f"its layers have more weights than the {self.held} numbers it holds")

    def normal(self, loc=0.0, scale=1.0, size=None):
        self._draw(size)
        return super().normal(loc, scale, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        self._draw(size)
        return super().uniform(low, high, size)


def _with_plain_generator(model, limited):
    """``model`` with the _DrawLimit ``limited`` replaced, wherever a module holds it, by one
    Generator on the same bit generator: the parts that shared it still share one."""
    plain = np.random.Generator(limited.bit_generator)
    for module in model.modules():
        for name, value in list(vars(module).items()):
            if value is limited:
                setattr(module, name, plain)
    return model


def _load_state(model, archive):
    """Read the archive's arrays into ``model``, each checked against its parameter before it
    is read; a mismatch is a ModelFileError naming both, and leaves the model unchanged."""
    params = dict(model.named_parameters())
    stored = archive.members
    missing, unexpected = params.keys() - stored.keys(), stored.keys() - params.keys()
    if missing or unexpected:
        source = "bare weights" if archive.header is None else archive.header["class"]
        raise ModelFileError(
            f"the weights in {archive.path} (saved from {source}) do not fit this "
            f"{type(model).__name__}: missing {sorted(missing)}, unexpected "
            f"{sorted(unexpected)}. Expected a file saved from a model of the same architecture."
        )
    model.load_state_dict({name: archive.read(name, p) for name, p in params.items()})


def load(path):
    """The model saved in ``path``, rebuilt with its weights, frozen parameters, History and
    Generator state, in evaluation mode: its outputs are bit-identical to the saved model's.

    A file that is not a model file, is damaged, or describes what this aelearn cannot
    rebuild is a ModelFileError naming the file; no file at ``path`` is a FileNotFoundError
    or IsADirectoryError.
    """
    with ModelArchive(path) as archive:
        header, path = archive.header, archive.path
        held = sum(math.prod(member.shape) for member in archive.members.values())
        try:
            state = header.get("rng_state")
            bits = np.random.PCG64(0) if state is None else _bit_generator(state)
            limited = _DrawLimit(bits, held)
            model = _with_plain_generator(build(header, limited), limited)
        except (*READ_ERRORS, AttributeError, IndexError) as error:
            raise ModelFileError(
                f"{path}: cannot rebuild the model {header['class']!r} from its description "
                f"({type(error).__name__}: {error})"
            ) from None
        _load_state(model, archive)
        frozen, names = header.get("frozen", []), dict(model.named_parameters())
        if not isinstance(frozen, list) or not all(n in names for n in map(str, frozen)):
            raise ModelFileError(
                f"{path}: 'frozen' is {frozen!r}; expected a list of the names of the "
                f"parameters of the {header['class']!r} it describes"
            )
        for name, p in names.items():
            p.requires_grad = name not in frozen
        if state is not None:
            try:  # in place: the parts that share the Generator keep sharing it
                bits.state = state
            except Exception as error:  # which one a malformed state raises varies
                raise ModelFileError(
                    f"{path}: cannot restore the saved rng_state ({type(error).__name__}: {error})"
                ) from None
    return model.eval()


def load_weights(model, path):
    """Load the weights saved in ``path`` into ``model``, of the same architecture, and return
    it: a file ``save`` wrote, or bare weights (``np.savez(path, **model.state_dict())``).
    Weights of other names or shapes are a ModelFileError and leave ``model`` unchanged."""
    with ModelArchive(path, bare=True) as archive:
        _load_state(model, archive)
    return model
