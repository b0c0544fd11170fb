"""The kinds of module a model file can describe, and how a description rebuilds one.

A module is described by its class name and its constructor arguments, read back from the
attributes of the same names (the scikit-learn convention every aelearn layer and model
follows): plain settings under "config", and arguments that are modules themselves (an
encoder handed to a Classifier, the ``net`` of an Encoder, the layers of a Sequential)
under "modules", each described the same way:

    {"class": "Encoder", "config": {"sizes": [12, 16, 8], ...},
     "modules": {"net": {"class": "Sequential", "config": {},
                         "modules": {"layers": [{"class": "Dense", ...}, ...]}}}}

"modules" appears only where the settings alone do not rebuild the module (a network
made by hand or by ``StackedAutoencoder``); a model built by its own constructor is its
settings. A model whose ``fit`` builds sub-modules its constructor does not (a pre-trained
``StackedAutoencoder``'s stages) says so with ``get_fitted()``, which returns what it
learned as JSON-ready data and modules, saved under "fitted" (format_version 3):

    "fitted": {"learned": {"sizes_": [12, 8, 4], ...},
               "modules": {"autoencoders_": [{"class": "Autoencoder", ...}, ...]}}

and takes them back, once rebuilt, with ``set_fitted(learned, modules)``. Only classes
in ``REGISTRY`` are rebuilt, so loading a file runs no code but those classes'
constructors (and ``set_fitted``); ``register_layer`` adds a user's own layers.
"""

import inspect

import numpy as np

from aelearn.io.architecture import first_difference
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    Decoder,
    DenoisingAutoencoder,
    Encoder,
    GaussianEncoder,
    LabelConditioned,
    StackedAutoencoder,
)
from aelearn.models.config import NOT_CONFIG, Configurable, constructor_parameters, plain
from aelearn.nn import (
    MLP,
    Dense,
    Identity,
    LeakyReLU,
    Module,
    Noise,
    ReLU,
    Sequential,
    Sigmoid,
    Softplus,
    Tanh,
)

#: {class name: class} of every module ``save`` can describe and ``load`` rebuild. Lookup is
#: by exact class: a subclass may take other arguments, so it needs an entry of its own.
REGISTRY = {}
#: A config's "dtype" must name one of these: the dtypes the models train in.
FLOAT_DTYPES = ("float32", "float64")


def register_layer(cls):
    """Let ``aelearn.io.save`` describe, and ``load`` rebuild, modules of class ``cls``.

    ``cls`` must store each constructor argument under its own name (``self.width =
    width``), so that the arguments can be read back; arguments that are modules (or
    lists of modules) are saved as modules in turn. Register the class again before
    loading, in the program that loads. Usable as a class decorator.

    Returns
    -------
    cls

    Raises
    ------
    TypeError
        If ``cls`` is not a Module subclass.
    ValueError
        If another class of the same name is registered already.
    """
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise TypeError(f"register_layer takes a Module subclass; got {cls!r}")
    known = REGISTRY.get(cls.__name__)
    same = known is not None and (known.__module__, known.__qualname__) == (
        cls.__module__,
        cls.__qualname__,
    )
    if known is not None and not same:
        raise ValueError(
            f"a different class named {cls.__name__} is registered already "
            f"({known.__module__}.{known.__qualname__}); model files name classes by their "
            "name alone, so give the new class another name"
        )
    REGISTRY[cls.__name__] = cls  # the same class redefined (a notebook cell run again)
    return cls


for _cls in (Autoencoder, DenoisingAutoencoder, VAE, CVAE, Encoder, Decoder, Classifier):
    register_layer(_cls)
register_layer(StackedAutoencoder)
for _cls in (GaussianEncoder, LabelConditioned, Dense, MLP, Sequential, Noise):
    register_layer(_cls)
for _cls in (Identity, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus):
    register_layer(_cls)


def _parameters(cls):
    """[(name, is *args, has a default)] of ``cls``'s constructor, ``self`` and rng left out;
    with its parent's, when it passes ``**kwargs`` on (a DenoisingAutoencoder's encoder=)."""
    found, names = [], set(NOT_CONFIG)
    for klass in [k for k in cls.__mro__ if "__init__" in k.__dict__]:
        parameters = list(inspect.signature(klass.__init__).parameters.values())[1:]
        for p in parameters:
            if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name not in names:
                names.add(p.name)
                star = p.kind is inspect.Parameter.VAR_POSITIONAL
                found.append((p.name, star, star or p.default is not inspect.Parameter.empty))
        if all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters):
            break
    return found


def _is_modules(value):
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, Module) for v in value)
    )


def _at(where):
    return f" at {where}" if where else ""


def _arguments(module, where):
    """(settings, {name: module or list of modules}) of ``module``'s constructor arguments."""
    settings, modules = {}, {}
    for name, _, has_default in _parameters(type(module)):
        if not hasattr(module, name):
            if has_default:
                continue  # the default is rebuilt; the layout check catches a wrong guess
            raise TypeError(
                f"cannot save a {type(module).__name__}{_at(where)}: it keeps no attribute "
                f"{name!r} for its constructor argument {name}. To be saved, a layer stores "
                "each constructor argument under its own name (self.x = x)"
            )
        value = getattr(module, name)
        if isinstance(value, Module) or _is_modules(value):
            modules[name] = value
        elif not isinstance(module, Configurable):
            try:
                settings[name] = plain(value)
            except TypeError:
                raise TypeError(
                    f"cannot save a {type(module).__name__}{_at(where)}: its argument "
                    f"{name}={value!r} is not a number, string, None or list of them"
                ) from None
    if isinstance(module, Configurable):
        settings = module.get_config()
    return settings, modules


def _check_registered(module, where):
    name = type(module).__name__
    if not isinstance(module, Module):
        raise TypeError(
            f"cannot save a {name}{_at(where)}: aelearn.io saves models and layers (Modules); "
            "save the networks it holds or builds instead"
        )
    if REGISTRY.get(name) is not type(module):
        kind = f"{type(module).__module__}.{type(module).__qualname__}"
        raise TypeError(
            f"cannot save a {name}{_at(where)} ({kind}): aelearn.io rebuilds only the registered "
            f"layer kinds ({', '.join(sorted(REGISTRY))}). Register yours with "
            f"aelearn.io.register_layer({name}), or save the weights with "
            "np.savez(path, **model.state_dict())"
        )


def describe_module(module, where=""):
    """The JSON-ready description of ``module`` (see the module docstring).

    The description is checked: the module it rebuilds has the same sub-modules, layer for
    layer (``aelearn.io.architecture``), so that the loaded module computes the same.

    Raises
    ------
    TypeError
        Naming the sub-module at fault, when a class is not registered, keeps its
        arguments under other names, or is rebuilt differently from its description.
    """
    _check_registered(module, where)
    settings, modules = _arguments(module, where)
    description = {"class": type(module).__name__, "config": settings}
    fitted = module.get_fitted() if hasattr(module, "get_fitted") else None
    if fitted is not None:
        learned, parts = fitted
        description["fitted"] = {"learned": learned, "modules": _describe_parts(parts, where)}
    try:
        if first_difference(module, build_module(description)) is None:
            return description
    except (TypeError, ValueError):
        pass  # the settings alone do not build it (a Sequential's layers are arguments)
    if modules:
        description["modules"] = _describe_parts(modules, where)
    try:
        difference = first_difference(module, build_module(description))
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"cannot save a {type(module).__name__}{_at(where)}: its constructor refuses the "
            f"arguments it stores, {settings} ({error})"
        ) from None
    if difference is not None:
        raise TypeError(
            f"cannot describe this {type(module).__name__}{_at(where)} by its constructor "
            f"arguments: {difference}. aelearn.io saves modules that their constructors "
            "rebuild from the arguments they store; for another network, save the weights "
            "with np.savez(path, **model.state_dict()), rebuild the network yourself and "
            "call model.load_state_dict(dict(np.load(path)))"
        )
    return description


def _describe_parts(modules, where):
    """{name: description, or list of descriptions} of {name: module, or list of modules}."""
    return {
        name: (
            [describe_module(v, _join(where, f"{name}.{i}")) for i, v in enumerate(value)]
            if isinstance(value, list | tuple)
            else describe_module(value, _join(where, name))
        )
        for name, value in modules.items()
    }


def _build_parts(descriptions, rng):
    """The modules ``_describe_parts``'s output describes, under the same names."""
    return {
        key: (
            [build_module(v, rng) for v in value]
            if isinstance(value, list)
            else build_module(value, rng)
        )
        for key, value in dict(descriptions).items()
    }


def _join(where, name):
    return f"{where}.{name}" if where else name


def build_module(description, rng=None):
    """The module a description (``describe_module``'s output, or a file's) rebuilds.

    Its weights are drawn with seed 0, to be replaced by the saved ones. Every part that
    takes a Generator gets the same one, ``rng``, so that a part which shared its model's
    Generator (a DenoisingAutoencoder's Noise layer, a stack's stages) shares the rebuilt
    model's, which ``load`` then replaces with the saved state.

    Raises
    ------
    KeyError, TypeError, ValueError
        When the description names an unknown class, misses a key, or the constructor
        refuses its arguments.
    """
    if not isinstance(description, dict):
        raise TypeError(f"a module description is a JSON object; got {description!r}")
    name = description["class"]
    if name not in REGISTRY:
        raise KeyError(
            f"class {name!r} is not registered; known: {', '.join(sorted(REGISTRY))}. A "
            f"layer of your own must be registered with aelearn.io.register_layer({name}) "
            "before loading"
        )
    rng = np.random.default_rng(0) if rng is None else rng
    cls, config = REGISTRY[name], dict(description["config"])
    modules = _build_parts(description.get("modules", {}), rng)
    if config.get("dtype") is not None:
        if config["dtype"] not in FLOAT_DTYPES:
            raise ValueError(f"dtype {config['dtype']!r}: expected one of {FLOAT_DTYPES}")
        config["dtype"] = np.dtype(config["dtype"])
    star = [name for name, is_star, _ in _parameters(cls) if is_star]
    positional = modules.pop(star[0], []) if star else []
    if "rng" in constructor_parameters(cls):
        config["rng"] = rng
    module = cls(*positional, **config, **modules)
    if "fitted" in description:
        if not hasattr(module, "set_fitted"):
            raise TypeError(f"a {name} learns no sub-modules in fit; its description has some")
        fitted = dict(description["fitted"])
        module.set_fitted(dict(fitted["learned"]), _build_parts(fitted["modules"], rng))
    return module
