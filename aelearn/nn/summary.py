"""A table of a network's layers, in the spirit of Keras's ``model.summary()``.

The rows are the layers that hold no other module, grouped under the part of the network
they belong to (encoder, decoder, head), each with its output shape (batch axis None, as in
Keras), its parameters and whether they learn. The shapes come from ``Module.output_shape``:
nothing runs. Modules are read through their methods alone, so ``module.py`` can use this.
"""


def _shape(shape):
    if shape is None:
        return ""
    if shape and isinstance(shape[0], tuple):  # several outputs (mu and logvar)
        return " and ".join(_shape(s) for s in shape)
    return "(" + ", ".join(["None", *map(str, shape)]) + ")"


def _own_parameters(module):
    return [value for _, value in module.children() if hasattr(value, "requires_grad")]


def _trainable(module):
    flags = {p.requires_grad for p in _own_parameters(module)}
    return {frozenset(): "-", frozenset({True}): "yes", frozenset({False}): "frozen"}.get(
        frozenset(flags), "partly"
    )


def summary_table(root, shapes=None):
    """The table of ``root``'s layers as text. ``shapes`` is {id(module): (input shape,
    output shape)}, as ``shape_through`` notes them; the rows follow its order, and the layers
    it lacks come last with no shape."""
    shapes = shapes or {}
    paths = {}
    for path, module in root.named_modules():
        paths.setdefault(id(module), (path, module))
    order = {key: i for i, key in enumerate(shapes)}
    leaves = sorted(
        (item for item in paths.values() if not _has_modules(item[1])),
        key=lambda item: order.get(id(item[1]), len(order)),
    )
    if len(leaves) > 1:  # a layer alone is its own row; a network's rows are its layers
        leaves = [(path, module) for path, module in leaves if module is not root]
    rows, part = [], None
    for path, module in leaves:
        top = path.split(".")[0]
        if top != part and "." in path:
            rows.append((top, type(getattr(root, top)).__name__, "", "", ""))
        part = top
        label = "  " * ("." in path) + path
        params = sum(p.size for p in _own_parameters(module))
        shape = _shape(shapes.get(id(module), (None, None))[1])
        rows.append((label, type(module).__name__, shape, f"{params:,}", _trainable(module)))
    every = root.parameters()
    total = sum(p.size for p in every)
    trainable = sum(p.size for p in every if p.requires_grad)
    header = ("layer", "type", "output shape", "params", "trainable")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]

    def line(cells):
        return "  ".join(
            cell.rjust(w) if i == 3 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [repr(root), line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    lines.append(f"total params: {total:,} (trainable {trainable:,}, frozen {total - trainable:,})")
    return "\n".join(lines)


def _has_modules(module):
    return any(not hasattr(value, "requires_grad") for _, value in module.children())
