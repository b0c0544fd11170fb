"""Whether a configuration rebuilds a model's very network: its layout, layer by layer.

A model is saved as its configuration (``model.get_config()``) plus its weights. That is
only safe when the configuration rebuilds exactly the network whose weights are saved: a
hand-made encoder would otherwise load as the default one, silently. So before saving,
a model is rebuilt from its configuration and the two are compared sub-module by
sub-module.
"""

from aelearn.models.config import plain
from aelearn.nn import Module, Parameter

#: Attributes that do not change what a loaded module computes: the mode, which load sets
#: anyway, and how the first weights were drawn, which the loaded weights replace.
IGNORED = ("training", "init", "init_std")


def _setting(value):
    try:
        return plain(value)
    except TypeError:
        return None  # a Generator, a function: not a setting that decides the layout


def layout(model):
    """[(dotted path, layout)] of every sub-module below ``model``, depth first.

    A layout is what decides the module's outputs once its weights are loaded: its class,
    its plain settings (Dense widths, an activation's slope, the decoder's output
    activation) and the name, shape and dtype of each of its own parameters. The model's
    own settings are left out: its config carries them.
    """
    layouts, stack = [], [("", model)]
    while stack:
        path, module = stack.pop()
        settings, params, children = {}, [], []
        for name, value in vars(module).items():
            if name in IGNORED:
                continue
            full = f"{path}.{name}" if path else name
            if isinstance(value, Parameter):
                params.append((name, value.shape, value.data.dtype.name))
            elif isinstance(value, Module):
                children.append((full, value))
            elif isinstance(value, list | tuple) and any(isinstance(v, Module) for v in value):
                children += [(f"{full}.{i}", v) for i, v in enumerate(value)]
            elif _setting(value) is not None:
                settings[name] = _setting(value)
        if module is not model:
            kind = f"{type(module).__module__}.{type(module).__qualname__}"
            layouts.append((path, (kind, sorted(settings.items()), params)))
        stack += reversed(children)
    return layouts


def first_difference(model, rebuilt):
    """A sentence naming the first sub-module where ``model`` and ``rebuilt`` differ, or None."""
    ours, theirs = layout(model), layout(rebuilt)
    for (path, mine), (other_path, other) in zip(ours, theirs, strict=False):
        if path == other_path and mine != other:
            return f"its {path} is {_summary(mine)} where the config builds {_summary(other)}"
        if path != other_path:
            return f"it has {path} = {_summary(mine)} where the config builds {other_path}"
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
