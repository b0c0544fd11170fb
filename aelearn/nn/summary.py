"""A table of a network's layers, in the spirit of Keras's ``model.summary()``.

Output shapes are found by running the network once on an example batch of one, under
``no_grad``: while ``aelearn.nn.module.trace`` is a list, every module called appends
itself and its output to it (see ``Module.__call__``). The rows are the layers that hold
no other module, in the order they ran, grouped under the part of the network they belong
to (encoder, decoder, head); the batch dimension shows as None, as in Keras.
"""

import numpy as np

from aelearn.autograd import Tensor, no_grad
from aelearn.nn import module as module_file
from aelearn.nn.module import Parameter


def run_traced(run):
    """Run ``run()`` under no_grad and return {id(module): output shape} of every call."""
    calls = module_file.trace = []
    try:
        with no_grad():
            run()
    finally:
        module_file.trace = None
    shapes = {}
    for module, out in calls:
        shapes[id(module)] = _shape(out)
    return shapes


def _shape(out):
    if isinstance(out, Tensor | np.ndarray):
        return "(None, " + ", ".join(str(n) for n in out.shape[1:]) + ")"
    if isinstance(out, tuple):
        return " and ".join(_shape(item) for item in out)
    return "?"


def _trainable(module):
    params = [value for value in vars(module).values() if isinstance(value, Parameter)]
    if not params:
        return "-"
    flags = {p.requires_grad for p in params}
    return "yes" if flags == {True} else "frozen" if flags == {False} else "partly"


def _own_parameters(module):
    return sum(value.size for value in vars(module).values() if isinstance(value, Parameter))


def summary_table(root, example=None, title=None):
    """The table of ``root``'s layers as text; see the module docstring.

    Parameters
    ----------
    root : Module
    example : callable () -> anything, optional
        Runs ``root`` on an example batch, so that output shapes can be shown; without it
        the shapes column is left empty.
    title : str, optional
        The first line (default: ``repr(root)``).
    """
    shapes = run_traced(example) if example is not None else {}
    paths = {}
    for path, module in root.named_modules():
        paths.setdefault(id(module), (path, module))
    leaves = [
        (path, module)
        for path, module in paths.values()
        if module is not root and module.modules() == [module]
    ]
    order = {key: i for i, key in enumerate(shapes)}
    leaves.sort(key=lambda item: order.get(id(item[1]), len(order)))
    rows, part = [], None
    for path, module in leaves:
        top = path.split(".")[0]
        if top != part and "." in path:
            rows.append((top, type(getattr(root, top, module)).__name__, "", "", ""))
        part = top
        indent = "  " if "." in path else ""
        params = _own_parameters(module)
        rows.append(
            (
                indent + path,
                type(module).__name__,
                shapes.get(id(module), ""),
                f"{params:,}" if params else "0",
                _trainable(module),
            )
        )
    every = root.parameters()
    total = sum(p.size for p in every)
    trainable = sum(p.size for p in every if p.requires_grad)
    header = ("layer", "type", "output shape", "params", "trainable")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    right = {3}

    def line(cells):
        return "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [title or repr(root), line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    lines.append(f"total params: {total:,} (trainable {trainable:,}, frozen {total - trainable:,})")
    return "\n".join(lines)
