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


def backward(root, grad=None, retain_graph=False, leaf_grads=None):
    """Fill in ``grad`` of every tensor ``root`` depends on; see ``Tensor.backward``.

    With ``leaf_grads``, a dict, no tensor's ``grad`` is touched: the gradient of each leaf
    goes into ``leaf_grads[id(leaf)]`` instead (the walk of ``grad`` below).
    """
    grads = {id(root): _initial_grad(root, grad)}
    # How many tensors hold (or will hold) each gradient array, the caller counting as one:
    # a leaf may keep an array as its gradient, without a copy, only if it holds it alone.
    holders = Counter({id(grads[id(root)]): 1 if grad is None else 2})
    for node in reverse_topological_order(root):
        node_grad = grads.pop(id(node), None)
        if node_grad is None:
            continue
        if node.op is None:
            alone = holders[id(node_grad)] == 1
            if leaf_grads is None:
                node.grad = _accumulated(node.grad, node_grad, alone, node.dtype)
            else:
                leaf_grads[id(node)] = _accumulated(
                    leaf_grads.get(id(node)), node_grad, alone, node.dtype
                )
            continue
        if leaf_grads is None:
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


def grad(outputs, inputs, grad_outputs=None, retain_graph=False, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    The same walk as ``outputs.backward(grad_outputs, retain_graph)``, but nothing is
    written into any tensor's ``grad``: the gradients are returned instead. So two graphs
    that share leaves (the parameters of one model, run on two shards of a batch) can be
    differentiated at the same time, in two threads, each into its own arrays.

    Parameters
    ----------
    outputs : Tensor
        A scalar, or any shape with ``grad_outputs``.
    inputs : sequence of Tensor
        Leaves that require grad (parameters, or inputs made with requires_grad=True).
    grad_outputs : array_like, optional
        dL/d(outputs), of the shape of ``outputs``; 1 for a scalar by default.
    retain_graph : bool, default=False
        As in ``Tensor.backward``.
    allow_unused : bool, default=False
        Return None for an input ``outputs`` does not depend on, instead of raising.

    Returns
    -------
    tuple of ndarray (or None)
        One gradient per input, of its shape.
    """
    inputs = tuple(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad or t.op is not None:
            raise ValueError(
                f"inputs[{i}] must be a leaf tensor that requires grad (a parameter); got "
                f"one that {'is computed by an op' if t.op is not None else 'does not'}"
            )
    leaf_grads = {}
    backward(outputs, grad_outputs, retain_graph, leaf_grads)
    grads = tuple(leaf_grads.get(id(t)) for t in inputs)
    unused = [i for i, g in enumerate(grads) if g is None]
    if unused and not allow_unused:
        raise ValueError(
            f"outputs does not depend on inputs {unused}; pass allow_unused=True to get None "
            "for them"
        )
    return grads


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


def _accumulated(total, grad, alone, dtype):
    """A leaf's gradient ``total`` (None: none yet) with ``grad`` added: in place, or as the
    first, ``grad`` itself when the leaf may own it, else a copy of dtype ``dtype``.

    The engine's one speed trick: the first gradient is kept as it is when the leaf may own
    it, an array of its own (a weight gradient ``x.T @ grad`` fresh from its op) that no
    other tensor holds; a view, a read-only broadcast or an array shared with another
    tensor is copied, so that changing one gradient in place (clipping, accumulating) never
    changes another. Copying every first gradient instead costs about 0.9 ms of a 13 ms
    step of the speed benchmark's network (``benchmarks/bench_step.py``). ``alone``: no
    other tensor holds ``grad``.
    """
    if total is not None:
        np.add(total, grad, out=total)
        return total
    owned = alone and grad.base is None and grad.flags.writeable and grad.dtype == dtype
    return grad if owned else np.array(grad, dtype=dtype, copy=True)


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
