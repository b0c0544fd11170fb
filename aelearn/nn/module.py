"""Module: the base of layers and models, a tree of parameters.

A module finds its parameters and sub-modules by looking at its own attributes (and
lists or tuples of modules), in the order they were set, as PyTorch's ``nn.Module``
does; so a layer only has to store its Parameters as attributes.
"""

import numpy as np

from aelearn.autograd import Tensor

#: While a summary traces a forward pass (``aelearn.nn.summary``), the list every module
#: call appends (module, output) to; None the rest of the time.
trace = None


class Parameter(Tensor):
    """A leaf Tensor a module learns: ``requires_grad`` unless the module is frozen."""

    def __init__(self, data, name=None):
        super().__init__(data, requires_grad=True, name=name)


class Module:
    """Base class: parameters, sub-modules, train/eval mode, freezing, state dicts.

    Subclasses set their Parameters and sub-modules as attributes in ``__init__`` and
    write ``forward``; ``module(x)`` calls ``forward(x)``.
    """

    training = True

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        if trace is not None:
            trace.append((self, out))
        return out

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    # ----- the tree ----------------------------------------------------------------------
    def _children(self):
        """(name, value) of every Parameter and sub-module directly under this one."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter | Module):
                yield name, value
            elif isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    if isinstance(item, Parameter | Module):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix=""):
        """Yield (dotted name, Parameter) for every parameter in the tree, each once.

        Depth first: a module's own parameters, then those of its sub-modules in the order
        the attributes were set.
        """
        seen = set()
        stack = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            children = list(module._children())
            for name, value in reversed(children):
                full = f"{path}.{name}" if path else name
                if isinstance(value, Module):
                    stack.append((full, value))
            for name, value in children:
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{path}.{name}" if path else name), value

    def parameters(self):
        """All parameters of the tree, as a list (frozen ones included)."""
        return [p for _, p in self.named_parameters()]

    def named_modules(self):
        """Yield (dotted path, module) for this module ("") and every module below it,
        depth first, in the order the attributes were set (as PyTorch's ``named_modules``)."""
        stack = [("", self)]
        while stack:
            path, module = stack.pop()
            yield path, module
            children = [
                (f"{path}.{name}" if path else name, value)
                for name, value in module._children()
                if isinstance(value, Module)
            ]
            stack.extend(reversed(children))

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

    # ----- state -------------------------------------------------------------------------
    def state_dict(self):
        """{dotted name: a copy of the parameter's array}, plain arrays only."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state):
        """Copy arrays into the parameters, in place (an array shared elsewhere sees the copy).

        Raises
        ------
        KeyError
            When names are missing or unexpected.
        ValueError
            When a shape differs.
        """
        params = dict(self.named_parameters())
        missing, unexpected = params.keys() - state.keys(), state.keys() - params.keys()
        if missing or unexpected:
            raise KeyError(
                f"state does not match this module: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        values = {name: np.asarray(state[name]) for name in params}
        # Every shape is checked before any copy, so a failed load leaves the module unchanged.
        for name, p in params.items():
            if values[name].shape != p.shape:
                raise ValueError(
                    f"parameter {name!r} has shape {p.shape}; the state holds shape "
                    f"{values[name].shape}"
                )
        for name, p in params.items():
            p.data[...] = values[name]
        return self

    def summary(self, example=None, input_shape=None):
        """A table of the layers: output shape, parameters, trainable or frozen; with totals.

        Parameters
        ----------
        example : callable () -> anything, optional
            Runs this module on an example batch, so that output shapes show. By default
            a module with ``sizes`` runs on one all-zero input of width ``sizes[0]``.
        input_shape : tuple of int, optional
            The shape of one example without the batch axis, e.g. (1, 28, 28) for
            (channels, height, width) images: the module runs on one all-zero example of
            that shape, and images show as (None, channels, height, width).

        Returns
        -------
        str
        """
        from aelearn.nn.summary import summary_table  # summary.py builds on this file

        if example is None and input_shape is not None:
            x = Tensor(np.zeros((1, *input_shape), dtype=self.parameters()[0].dtype))
            example = lambda: self(x)  # noqa: E731
        if example is None and hasattr(self, "sizes"):
            x = Tensor(np.zeros((1, self.sizes[0]), dtype=self.parameters()[0].dtype))
            example = lambda: self(x)  # noqa: E731
        return summary_table(self, example)

    def __str__(self):
        return self.summary()

    def __repr__(self):
        return f"{type(self).__name__}()"
