"""Loading a model file: the header checked, the network rebuilt, then the weights read.

Each step refuses what a tampered or broken file could hold, with a ModelFileError that
names the file and what was expected: the widths the description declares are checked
against the numbers the file holds before the network is built, and every array's
declared shape and dtype against the parameter it is for before its data are read
(``aelearn.io.archive``).
"""

import math
from pathlib import Path

import aelearn
from aelearn.io.archive import ModelArchive, ModelFileError
from aelearn.io.files import FORMAT_VERSION
from aelearn.io.generator import generator_from_state
from aelearn.io.layers import FLOAT_DTYPES, REGISTRY, build_module
from aelearn.training import History

#: Weights a file's widths may ask for beyond the numbers it holds, before loading refuses
#: it as a file declaring a network far larger than itself.
SPARE_WEIGHTS = 10**7
#: What a constructor raises on arguments from a tampered file.
BUILD_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    IndexError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
)


#: Settings that give the widths of Dense layers, in the configs of aelearn's modules (a
#: stack's hidden_sizes give none: its constructor builds no layer, "fitted" holds them).
_WIDTH_LISTS = ("sizes", "hidden")
_WIDTH_PAIRS = (("n_in", "n_out"),)


def implied_weights(description):
    """A lower bound on the weights a description asks for, read from its widths.

    A module built from its settings alone has, per list of widths, at least the products
    of neighbours (the Dense weights of an MLP over them); a module built from parts, or
    holding the parts its ``fit`` built, has at least the weights of its parts (its own
    widths may then not be weights at all).
    """
    fitted = description.get("fitted", {})
    parts = [*dict(description.get("modules", {})).values()]
    parts += dict(fitted.get("modules", {}) if isinstance(fitted, dict) else {}).values()
    if parts:
        return sum(
            implied_weights(part) if isinstance(part, dict) else 0
            for value in parts
            for part in (value if isinstance(value, list) else [value])
        )
    total, config = 0, description.get("config", {})
    for key in _WIDTH_LISTS:
        widths = config.get(key)
        if isinstance(widths, list) and all(type(w) is int for w in widths):
            total += sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
    for a, b in _WIDTH_PAIRS:
        if type(config.get(a)) is int and type(config.get(b)) is int:
            total += config[a] * config[b]
    return total


def _open(path):
    """The open ModelArchive of ``path``, its header checked: version, class, config."""
    path = Path(path)
    with open(path, "rb") as file:  # FileNotFoundError and IsADirectoryError stay as they are
        if file.read(6) == b"\x93NUMPY":
            raise ModelFileError(
                f"{path} holds a single array, not an archive of arrays; expected "
                f"{ModelArchive.expected}"
            )
    archive = ModelArchive(path)
    try:
        header = archive.header
        version, name, config = header["format_version"], header["class"], header["config"]
        if type(version) is not int or version > FORMAT_VERSION:
            raise ModelFileError(
                f"{path} has format_version {version!r}, written by aelearn "
                f"{header.get('aelearn_version', '?')}; this aelearn {aelearn.__version__} "
                f"reads format_version up to {FORMAT_VERSION}. Upgrade aelearn to load it."
            )
        if not isinstance(name, str) or name not in REGISTRY:
            raise ModelFileError(
                f"{path} describes a model of class {name!r}; expected one of {sorted(REGISTRY)}"
            )
        if not isinstance(config, dict):
            raise ModelFileError(f"{path}: config must be a JSON object of constructor arguments")
    except BaseException:
        archive.close()
        raise
    return archive


def _build(archive):
    """The module the archive's header describes, its widths first checked against the
    numbers the file holds, so that a few bytes cannot ask for terabytes."""
    header, path = archive.header, archive.path
    held = sum(math.prod(member.shape) for member in archive.members.values())
    try:
        asked = implied_weights(header)
    except BUILD_ERRORS as error:
        raise ModelFileError(f"{path}: the model description is malformed ({error!r})") from None
    if asked > held + SPARE_WEIGHTS:
        raise ModelFileError(
            f"{path} describes layers of at least {asked} weights but holds {held} numbers; "
            "expected a file whose arrays hold the weights it describes"
        )
    try:
        model = build_module(header)
    except BUILD_ERRORS as error:
        message = error.args[0] if error.args else repr(error)
        raise ModelFileError(
            f"{path}: cannot rebuild a {header['class']} from its description "
            f"({type(error).__name__}: {message})"
        ) from None
    for name, p in model.named_parameters():
        if p.dtype.name not in FLOAT_DTYPES:
            raise ModelFileError(
                f"{path} describes a model whose parameter {name!r} is {p.dtype}; expected "
                f"one of {FLOAT_DTYPES}"
            )
    return model


def _load_state(model, archive, described):
    """Read the archive's arrays into ``model``, each checked against its parameter first;
    a mismatch is a ModelFileError naming both, and leaves the model unchanged."""
    params = dict(model.named_parameters())
    stored = archive.members
    missing, unexpected = params.keys() - stored.keys(), stored.keys() - params.keys()
    if missing or unexpected:
        raise ModelFileError(
            f"the weights in {archive.path} (saved from {described}) do not fit this "
            f"{type(model).__name__}: missing {sorted(missing)}, unexpected "
            f"{sorted(unexpected)}. Expected a file saved from a model of the same architecture."
        )
    for name, p in params.items():
        member = stored[name]
        if member.shape != p.shape:
            raise ModelFileError(
                f"the weights in {archive.path} (saved from {described}) do not fit this "
                f"{type(model).__name__}: parameter {name!r} has shape {p.shape}; the file "
                f"holds shape {member.shape}. Expected a file saved from a model of the same "
                "architecture."
            )
    model.load_state_dict({name: archive.read(name, p) for name, p in params.items()})


def _restore(model, header, path):
    """Frozen flags, the Generator's state and the History saved with the model."""
    frozen = header.get("frozen", [])
    names = {name for name, _ in model.named_parameters()}
    if not isinstance(frozen, list) or not set(map(str, frozen)) <= names:
        raise ModelFileError(
            f'{path}: "frozen" must list parameter names of the model; got {frozen!r}'
        )
    for name, p in model.named_parameters():
        p.requires_grad = name not in frozen
    if "rng_state" in header and hasattr(model, "rng"):
        try:
            restored = generator_from_state(header["rng_state"])
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
            raise ModelFileError(f"{path}: {error}") from None
        # The parts built to share the model's Generator (build_module) share the restored one.
        for module in model.modules():
            if getattr(module, "rng", None) is model.rng and module is not model:
                module.rng = restored
        model.rng = restored
    if "history" in header:
        try:
            model.history_ = History.from_dict(header["history"])
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ModelFileError(
                f"{path}: the saved training history is not readable ({error!r}); expected "
                'JSON with "epochs" and "records", as History.to_dict writes'
            ) from None


def load(path):
    """Rebuild the model saved in ``path`` and load its weights (and Generator state).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    model
        Of the class saved, in evaluation mode, giving bit-identical outputs, with the
        same parameters frozen.

    Raises
    ------
    ModelFileError (a ValueError)
        When the file is not a model file, is truncated or corrupted, lacks its
        description, was written by a newer format, names an unknown class, declares
        arrays that do not fit the model it describes, holds weights that are NaN,
        infinite, complex or not float32/float64, or a Generator state that cannot be
        restored.
    FileNotFoundError, IsADirectoryError
        When there is no file at ``path``.
    """
    with _open(path) as archive:
        model = _build(archive)
        _load_state(model, archive, archive.header["class"])
        _restore(model, archive.header, archive.path)
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
    with _open(path) as archive:
        header = archive.header
        _load_state(model, archive, f"{header['class']} with config {header['config']}")
    return model
