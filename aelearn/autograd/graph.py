"""The backward pass: list the graph in reverse topological order, then walk it once.

Each op's backward turns dL/d(output) into dL/d(input) per input, so a tensor's gradient
must be complete before its op's backward runs: the walk visits every tensor before those
it was computed from, adding up the gradients of a tensor used more than once and summing a
broadcast operand's gradient back to its shape (``unbroadcast``). Leaves keep what arrives.
This module knows Tensors and Functions only by their attributes, so it imports neither.
"""

import numpy as np


def reverse_topological_order(root):
    """``root`` and every tensor it depends on, each listed before the inputs of its op.

    A depth-first search that lists a tensor after all of its inputs, then the list
    reversed. An explicit stack stands in for recursion (no depth limit): a tensor is pushed
    once to visit its inputs, and once more (``done``) to be listed after them.
    """
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            if node.op is not None:
                stack.extend((t, False) for t in node.op.inputs)
    return order[::-1]


def backward(root, grad=None, retain_graph=False):
    """Fill in ``grad`` of every tensor ``root`` depends on; see ``Tensor.backward``."""
    grads = {id(root): _initial_grad(root, grad)}
    for node in reverse_topological_order(root):
        node_grad = grads.pop(id(node), None)
        if node_grad is None:
            continue
        if node.is_leaf:
            # A leaf adds up what arrives, across calls too, in an array of its own: the op
            # may have handed the same array to another input (Add hands it to both).
            if node.grad is None:
                node.grad = np.array(node_grad, dtype=node.dtype)
            else:
                node.grad += node_grad
            continue
        node.grad = node_grad  # this call's gradient, for inspection
        op = node.op
        if op.freed:
            raise RuntimeError(
                f"backward() reached the {op.name} op a second time, but the values it saved "
                "were freed after the first backward. Pass retain_graph=True to the first "
                "backward() call to go through the same graph twice."
            )
        input_grads = op.backward(node_grad)
        if not retain_graph:
            op.free()
        for i, (tensor, tensor_grad) in enumerate(zip(op.inputs, input_grads, strict=True)):
            if tensor_grad is None or not tensor.requires_grad:
                continue
            tensor_grad = unbroadcast(tensor_grad, tensor.shape)
            if tensor_grad.shape != tensor.shape:
                # Only a backward with a mistake gets here: say which, not what NumPy
                # would say three ops later.
                raise ValueError(
                    f"{op.name}.backward returned a gradient of shape {tensor_grad.shape} "
                    f"for input {i}, of shape {tensor.shape}; each gradient must have its "
                    "input's shape, or the broadcast shape the op's output had."
                )
            # Out of place: the array may be another input's gradient too.
            total = grads.get(id(tensor))
            grads[id(tensor)] = tensor_grad if total is None else total + tensor_grad


def _initial_grad(root, grad):
    """dL/d(root): 1 for a scalar root when no upstream gradient is given."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward() needs a tensor that requires grad; this one does not depend on any "
            "tensor created with requires_grad=True (or it was computed under no_grad())."
        )
    if grad is None:
        if root.size != 1:
            raise ValueError(
                f"backward() without an upstream gradient needs a scalar; this tensor has shape "
                f"{root.shape}. Reduce it first (e.g. .sum()) or pass a gradient of that shape."
            )
        return np.ones_like(root.data)
    grad = np.asarray(grad, dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(
            f"the upstream gradient has shape {grad.shape}; expected {root.shape}, the "
            "shape of the tensor backward() is called on."
        )
    return grad


def unbroadcast(grad, shape):
    """Sum a gradient over the axes broadcasting added, so it matches the operand's ``shape``.

    If y = f(a) was computed with ``a`` broadcast from ``shape`` to ``grad.shape``, each
    element of ``a`` was used once per copy, so dL/da is the sum of dL/dy over the copies:
    over the leading axes broadcasting prepended, and over the axes where ``a`` had size 1.
    """
    if grad.shape == shape or grad.ndim < len(shape):  # the latter no broadcast explains
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
