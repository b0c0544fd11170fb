"""The backward pass: the graph in reverse topological order, walked once.

Every op's backward turns dL/d(output) into dL/d(input) for each of its inputs. To apply
them all, the engine needs each tensor's full gradient before its op's backward runs, so
it visits every tensor before the tensors it was computed from (reverse topological
order), summing the gradients of a tensor used more than once, and summing a broadcast
operand's gradient back to its shape (``unbroadcast``). Leaves keep what arrives.

This module knows Tensors and Functions only through their attributes (``op``,
``inputs``, ``requires_grad``, ``grad``), so it imports neither.
"""

from collections import Counter

import numpy as np


def reverse_topological_order(root):
    """``root`` and every tensor it depends on, each before the inputs of its op.

    Returns
    -------
    list of Tensor
        ``root`` first. The walk uses an explicit stack, so a chain of any depth never
        meets Python's recursion limit.
    """
    postorder, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            postorder.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        # Come back to this node once every input below it has been listed.
        stack.append((node, True))
        if node.op is not None:
            stack.extend((t, False) for t in node.op.inputs if id(t) not in seen)
    return postorder[::-1]


def backward(root, grad=None, retain_graph=False):
    """Fill in ``grad`` of every tensor ``root`` depends on; see ``Tensor.backward``."""
    grads = {id(root): _initial_grad(root, grad)}
    # How many tensors hold (or will hold) each gradient array, the caller counting as one:
    # a leaf may keep an array as its gradient, without a copy, only if it holds it alone.
    holders = Counter({id(grads[id(root)]): 1 if grad is None else 2})
    for node in reverse_topological_order(root):
        node_grad = grads.pop(id(node), None)
        if node_grad is None:
            continue
        if node.op is None:
            _accumulate_leaf_grad(node, node_grad, holders[id(node_grad)] == 1)
            continue
        node.grad = node_grad
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
            key = id(tensor)
            # Out of place: an op may hand the same array to several inputs.
            if key in grads:
                holders[id(grads[key])] -= 1
                tensor_grad = grads[key] + tensor_grad
            grads[key] = tensor_grad
            holders[id(tensor_grad)] += 1


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
                f"backward() without an upstream gradient needs a scalar; this tensor has "
                f"shape {root.shape}. Reduce it first (e.g. .sum()) or pass grad of that shape."
            )
        return np.ones_like(root.data)
    grad = np.asarray(grad, dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(
            f"the upstream gradient has shape {grad.shape}; expected {root.shape}, the "
            "shape of the tensor backward() is called on."
        )
    return grad


def _accumulate_leaf_grad(leaf, grad, alone):
    """Add ``grad`` into ``leaf.grad``, or make it the leaf's gradient if it has none.

    The engine's one speed trick: the first gradient is kept as it is when the leaf may own
    it, an array of its own (a weight gradient ``x.T @ grad`` fresh from its op) that no
    other tensor holds; a view, a read-only broadcast or an array shared with another
    tensor is copied, so that changing one gradient in place (clipping, accumulating) never
    changes another. Copying every first gradient instead costs about 0.9 ms of a 13 ms
    step of the speed benchmark's network (``benchmarks/bench_step.py``). ``alone``: no
    other tensor holds ``grad``.
    """
    if leaf.grad is not None:
        np.add(leaf.grad, grad, out=leaf.grad)
        return
    owned = alone and grad.base is None and grad.flags.writeable and grad.dtype == leaf.dtype
    leaf.grad = grad if owned else np.array(grad, dtype=leaf.dtype, copy=True)


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
