"""A model's configuration, read from its constructor: the one source that saving, the
scikit-learn wrappers and the command line use.

As in scikit-learn, a constructor stores each argument under its own name, so the
configuration is simply those attributes, listed by the constructor's signature. A
subclass whose ``__init__`` passes ``**kwargs`` on to its parent's (the CVAE to the VAE's)
has the parent's parameters too. Left out: ``rng`` (state, not configuration) and any
network passed in ready-made (``encoder=``, ``decoder=``): its weights and layers are
the model's modules, and ``aelearn.io`` checks that the configuration rebuilds them.
"""

import inspect
import numbers

import numpy as np

from aelearn.nn import Module

NOT_CONFIG = ("rng",)


def constructor_parameters(cls):
    """The names of the parameters ``cls(...)`` accepts, in order (``self`` excluded)."""
    names = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        passes_on = False
        for p in list(inspect.signature(init).parameters.values())[1:]:
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                passes_on = True
            elif p.kind is not inspect.Parameter.VAR_POSITIONAL and p.name not in names:
                names.append(p.name)
        if not passes_on:
            break
    return names


def plain(value):
    """``value`` as JSON-ready data (numbers, strings, lists, None), or raise TypeError."""
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not a plain setting")


class Configurable:
    """``get_config()`` and ``from_config(config)`` for any class that stores its arguments."""

    def get_config(self):
        """The constructor arguments that rebuild this object, as JSON-ready data.

        Returns
        -------
        dict
            {parameter name: value}; dtypes as their names, tuples as lists.
        """
        config = {}
        for name in constructor_parameters(type(self)):
            if name in NOT_CONFIG:
                continue
            value = getattr(self, name)
            if isinstance(value, Module):
                continue
            try:
                config[name] = plain(value)
            except TypeError as error:
                raise TypeError(
                    f"{type(self).__name__}'s argument {name}={value!r} cannot be written as "
                    f"configuration: {error}"
                ) from None
        return config

    @classmethod
    def from_config(cls, config, rng=None):
        """A new object built from ``get_config()``'s output (and a Generator or seed)."""
        config = dict(config)
        if "dtype" in config:
            config["dtype"] = np.dtype(config["dtype"])
        return cls(**config, rng=rng)
