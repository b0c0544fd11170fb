"""Module: the base of layers and models, a tree of parameters that knows how it was built.

A module finds its parameters and sub-modules among its own attributes (and lists or
tuples of them), in the order they were set, as PyTorch's ``nn.Module`` does. As in
scikit-learn, a constructor stores each argument under its own name, so ``get_config`` can
read back the arguments and ``from_config`` rebuild the module: ``aelearn.io`` saves any
module this way. Every subclass joins ``REGISTRY`` as it is defined, under ``registry_name``.
"""

import inspect

import numpy as np

from aelearn.autograd import Tensor
from aelearn.nn.summary import summary_table

#: {registry name: class} of every Module subclass defined so far: what a model file may name.
REGISTRY = {}


def registry_name(cls):
    """The name a model file gives ``cls``: its own for aelearn's classes, else module-qualified
    (so that a user's ``Encoder`` in a notebook never takes the place of aelearn's)."""
    if cls.__module__.split(".")[0] == "aelearn":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def constructor_parameters(cls):
    """The parameters ``cls(...)`` accepts, in order, ``self`` left out; a constructor that
    passes ``**kwargs`` on (a CVAE's to the VAE's) has its parent's too."""
    found = {}
    for klass in cls.__mro__:
        if "__init__" not in klass.__dict__ or klass is object:
            continue
        passes_on = False
        for p in list(inspect.signature(klass.__init__).parameters.values())[1:]:
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                passes_on = True
            else:
                found.setdefault(p.name, p)
        if not passes_on:
            break
    return list(found.values())


class Parameter(Tensor):
    """A leaf Tensor a module learns: ``requires_grad`` unless the module is frozen."""

    def __init__(self, data, requires_grad=True, *, name=None):
        super().__init__(data, requires_grad=requires_grad, name=name)


class Module:
    """Base class: parameters, sub-modules, train/eval mode, freezing, state and configuration.

    A subclass sets its Parameters, sub-modules and arguments as attributes in ``__init__``
    and writes ``forward``, which ``module(x)`` calls.
    """

    training = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[registry_name(cls)] = cls

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    # ----- the tree ----------------------------------------------------------------------
    def children(self):
        """(name, value) of every Parameter and sub-module directly under this one."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter | Module):
                yield name, value
            elif isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    if isinstance(item, Parameter | Module):
                        yield f"{name}.{i}", item

    def named_modules(self, prefix=""):
        """(dotted path, module) of this module and every module below it, depth first, in
        the order the attributes were set (as PyTorch's ``named_modules``)."""
        yield prefix, self
        for name, value in self.children():
            if isinstance(value, Module):
                yield from value.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) of every parameter in the tree, each once, names starting
        with ``prefix``: a module's own parameters, then its sub-modules'."""
        seen = set()
        for path, module in self.named_modules(prefix):
            for name, value in module.children():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{path}.{name}" if path else name), value

    def parameters(self):
        """All parameters of the tree, as a list (frozen ones included)."""
        return [p for _, p in self.named_parameters()]

    def modules(self):
        """This module and every module below it."""
        return [module for _, module in self.named_modules()]

    def n_parameters(self):
        """The number of scalar parameters."""
        return sum(p.size for p in self.parameters())

    # ----- modes -------------------------------------------------------------------------
    def train(self, mode=True):
        """Training mode: noise layers corrupt their input. Returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Evaluation mode: noise layers pass their input through. Returns self."""
        return self.train(False)

    def freeze(self):
        """Stop learning these parameters: they get no gradient and no optimiser update."""
        for p in self.parameters():
            p.requires_grad = False
            p.zero_grad()  # drop a gradient accumulated before freezing
        return self

    def unfreeze(self):
        """Learn these parameters again."""
        for p in self.parameters():
            p.requires_grad = True
        return self

    @property
    def frozen(self):
        """True when no parameter of this module is learned."""
        return not any(p.requires_grad for p in self.parameters())

    def zero_grad(self):
        """Forget every parameter's gradient (each ``p.grad`` becomes None)."""
        for p in self.parameters():
            p.zero_grad()

    # ----- state and configuration -------------------------------------------------------
    def state_dict(self):
        """{dotted name: a copy of the parameter's array}, plain arrays only."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict):
        """Copy arrays into the parameters, in place. Every name (KeyError) and shape
        (ValueError) is checked first, so a failed load leaves the module as it was."""
        params, state = dict(self.named_parameters()), state_dict
        missing, unexpected = params.keys() - state.keys(), state.keys() - params.keys()
        if missing or unexpected:
            raise KeyError(
                f"state does not match this module: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        for name, p in params.items():
            if np.shape(state[name]) != p.shape:
                raise ValueError(
                    f"parameter {name!r} has shape {p.shape}; the state holds shape "
                    f"{np.shape(state[name])}"
                )
        for name, p in params.items():
            p.data[...] = state[name]
        return self

    def get_config(self):
        """The constructor arguments that rebuild this module: {name: the attribute of that
        name}, sub-modules included; ``rng`` is left out (state, not configuration). Raises
        TypeError when the module keeps no attribute for an argument without a default."""
        config = {}
        for p in constructor_parameters(type(self)):
            if p.name == "rng":
                continue
            if hasattr(self, p.name):
                config[p.name] = getattr(self, p.name)
            elif p.default is inspect.Parameter.empty and p.kind is not p.VAR_POSITIONAL:
                raise TypeError(
                    f"a {type(self).__name__} keeps no attribute {p.name!r} for its constructor "
                    f"argument {p.name}: store each argument under its own name (self.x = x)"
                )
        return config

    @classmethod
    def from_config(cls, config, rng=None):
        """A new module built from ``get_config()``'s output (and a Generator or seed for the
        initial weights, which loading replaces)."""
        config, args = dict(config), ()
        parameters = constructor_parameters(cls)
        for p in parameters:
            if p.kind is p.VAR_POSITIONAL:
                args = tuple(config.pop(p.name, ()))
        if any(p.name == "rng" for p in parameters):
            config["rng"] = rng
        return cls(*args, **config)

    # ----- shapes and the table of layers ------------------------------------------------
    def output_shape(self, input_shape, shapes=None):
        """The output shape of one example of ``input_shape`` (no batch axis), from the settings
        alone; None where not known. A module of modules passes the shape through them with
        ``shape_through``, which notes each one's (input, output) shapes in ``shapes``."""
        return None

    def multiply_adds(self, input_shape):
        """The multiply-adds of this layer's own products for one example (0: none)."""
        return 0

    def summary(self, input_shape=None):
        """A table of the layers, as text: output shape, parameters, trainable or frozen; totals.

        ``input_shape`` is that of one example, e.g. (1, 28, 28) for images (channels, height,
        width): the output shapes are found from it, without running anything. A model knows
        its own; without it, the column stays empty.
        """
        shapes = {}
        if input_shape is not None:
            shape_through(self, tuple(input_shape), shapes)
        return summary_table(self, shapes)

    def __str__(self):
        return self.summary()

    def __repr__(self):
        """The class and the settings that differ from their defaults, as scikit-learn shows
        an estimator: ``Dense(in_features=64, out_features=128)``; sub-modules left out."""
        defaults = {p.name: p.default for p in constructor_parameters(type(self))}
        try:
            config = self.get_config()
        except TypeError:  # a module that keeps no attribute for an argument
            config = {}
        shown = [
            f"{name}={value!r}"
            for name, value in config.items()
            if not isinstance(value, Module | list) and not _same(value, defaults[name])
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(value, default):
    """Whether a setting is its default; a pair (h, w) of ints is an int stored as a pair."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]:
        value = value[0]
    try:
        return value is default or bool(value == default)
    except (TypeError, ValueError):  # arrays and the like: not a plain setting
        return False


def shape_through(module, input_shape, shapes):
    """``module.output_shape(input_shape)``, noting ``shapes[id(module)] = (input, output)``."""
    out = module.output_shape(input_shape, shapes)
    shapes[id(module)] = (input_shape, out)
    return out
