"""The Tensor: a NumPy array that remembers the op that made it, and the backward pass.

A Tensor made by an op keeps that op (``tensor.op``), and the op keeps its inputs
(``op.inputs``). Those links are the computation graph. ``backward`` lists the graph
once, in reverse topological order (every tensor before the inputs it was made from),
and walks that list a single time, handing each op the gradient of the loss with
respect to its output and collecting the gradients it returns for its inputs.
"""

from __future__ import annotations

import numpy as np

from aelearn.autograd import grad_mode

_FLOAT_KINDS = "f"


def _as_float_array(data, dtype=None):
    """Turn ``data`` into a floating NumPy array, refusing what cannot be differentiated."""
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data, dtype=dtype)
    if array.dtype.kind in "iub":
        # Integers and booleans have no gradient; the course works in float64 or float32.
        array = array.astype(np.float64)
    elif array.dtype.kind not in _FLOAT_KINDS:
        raise TypeError(
            f"a Tensor holds real floating-point numbers; got an array of dtype {array.dtype}. "
            "Convert the data with np.asarray(data, dtype=np.float32) (or float64) first."
        )
    return array


class Tensor:
    """A node of the computation graph: an array, its gradient, and the op that made it.

    Parameters
    ----------
    data : array_like
        The values. Floating arrays keep their dtype (float32 stays float32; use float64
        for gradient checks); integers and booleans become float64.
    requires_grad : bool, default=False
        Whether ``backward`` should compute a gradient for this tensor.
    name : str, optional
        A label for printing and drawing the graph.

    Attributes
    ----------
    data : ndarray
        The values, shape ``shape``.
    grad : ndarray or None
        dL/d(data), the same shape as ``data``, filled in by ``backward``; None until a
        gradient arrives. Gradients of leaves (tensors made by the user, such as
        parameters) accumulate across calls until ``zero_grad``; intermediate tensors hold
        the gradient of the latest call.
    grad_buffer : ndarray or None
        Where this leaf's gradient is to live, when an optimiser has packed it into its
        flat buffer (see ``aelearn.optim``): the first gradient after ``zero_grad`` is
        written there, and ``grad`` becomes this array. None: a new array is made.
    op : Function or None
        The op that computed this tensor, None for a leaf.
    """

    # Lets ``ndarray * Tensor`` reach Tensor.__rmul__ instead of NumPy broadcasting over it.
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, name=None, dtype=None):
        self.data = _as_float_array(data, dtype)
        self.grad = None
        self.grad_buffer = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.op = None

    # ----- array-like properties ---------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def is_leaf(self):
        """True for a tensor made by the user rather than by an op."""
        return self.op is None

    def numpy(self):
        """The values as a NumPy array (the array itself, not a copy)."""
        return self.data

    def item(self):
        """The single value of a one-element tensor, as a Python float."""
        return self.data.item()

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        label = f", name={self.name!r}" if self.name else ""
        op = f", op={self.op.name}" if self.op is not None else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor(shape={self.shape}, dtype={self.dtype}{op}{grad}{label})"

    # ----- the graph ---------------------------------------------------------------------
    def detach(self):
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return Tensor(self.data, requires_grad=False, name=self.name)

    def zero_grad(self):
        """Forget the gradient: ``grad`` becomes None, as after PyTorch's
        ``zero_grad(set_to_none=True)``.

        Setting None rather than writing zeros is what lets the next gradient be written
        into ``grad_buffer`` (often by the op itself) instead of being added to zeros
        written there first: a whole pass over the memory less.
        """
        self.grad = None

    def graph(self):
        """The tensors this one was computed from, in the order ``backward`` visits them.

        Returns
        -------
        list of Tensor
            This tensor first, then every tensor it depends on, each listed before the
            inputs of the op that made it (reverse topological order). The walk uses an
            explicit stack, so a chain of any depth never meets Python's recursion limit.
        """
        postorder, seen = [], set()
        stack = [(self, False)]
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

    def backward(self, grad=None, retain_graph=False):
        """Compute dL/dt for every tensor t this one depends on, with L this tensor.

        Parameters
        ----------
        grad : array_like, optional
            The upstream gradient dL'/d(self), same shape as ``self``; for a scalar the
            default is 1, so that L = self.
        retain_graph : bool, default=False
            Keep the values the ops saved, so that backward can run through this graph
            again. By default they are freed as soon as they are used, and a second
            backward through the same ops raises RuntimeError rather than computing with
            missing values.

        Notes
        -----
        Leaves accumulate: after two calls, ``leaf.grad`` holds the sum of both
        gradients until ``zero_grad``. Intermediate tensors receive the gradient of the
        current call only, so a second call never feeds a stale sum back into the graph.

        Before each op's backward runs, ``op.grad_buffers`` offers it, for each input, the
        memory that input's gradient will end up in, when it can write there directly (see
        ``_grad_buffers``); an op that does returns that very array, and nothing is copied.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() needs a tensor that requires grad; this one does not depend on any "
                "tensor created with requires_grad=True (or it was computed under no_grad())."
            )
        if grad is None:
            if self.size != 1:
                raise ValueError(
                    f"backward() without an upstream gradient needs a scalar; this tensor has "
                    f"shape {self.shape}. Reduce it first (e.g. .sum()) or pass grad of that shape."
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"the upstream gradient has shape {grad.shape}; expected {self.shape}, the "
                    "shape of the tensor backward() is called on."
                )

        grads = {id(self): grad}
        for node in self.graph():
            node_grad = grads.pop(id(node), None)
            if node_grad is None:
                continue
            if node.op is None:
                _accumulate_leaf_grad(node, node_grad)
                continue
            node.grad = node_grad
            op = node.op
            if op.freed:
                raise RuntimeError(
                    f"backward() reached the {op.name} op a second time, but the values it saved "
                    "were freed after the first backward. Pass retain_graph=True to the first "
                    "backward() call to go through the same graph twice."
                )
            op.grad_buffers = _grad_buffers(op.inputs, grads)
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
                grads[key] = grads[key] + tensor_grad if key in grads else tensor_grad

    # ----- operators and methods: each one op, defined in aelearn.autograd.ops -----------
    def __add__(self, other):
        return _ops.Add.apply(self, other)

    def __radd__(self, other):
        return _ops.Add.apply(other, self)

    def __sub__(self, other):
        return _ops.Sub.apply(self, other)

    def __rsub__(self, other):
        return _ops.Sub.apply(other, self)

    def __mul__(self, other):
        return _ops.Mul.apply(self, other)

    def __rmul__(self, other):
        return _ops.Mul.apply(other, self)

    def __truediv__(self, other):
        return _ops.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _ops.Div.apply(other, self)

    def __neg__(self):
        return _ops.Neg.apply(self)

    def __pow__(self, exponent):
        return _ops.Pow.apply(self, exponent=exponent)

    def __matmul__(self, other):
        return _ops.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return _ops.MatMul.apply(other, self)

    def __getitem__(self, index):
        return _ops.GetItem.apply(self, index=index)

    def sum(self, axis=None, keepdims=False):
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return _ops.Reshape.apply(self, shape=tuple(shape))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], tuple | list) else axes
        return _ops.Transpose.apply(self, axes=tuple(axes) or None)

    @property
    def T(self):
        return self.transpose()

    def exp(self):
        return _ops.Exp.apply(self)

    def log(self):
        return _ops.Log.apply(self)

    def sqrt(self):
        return _ops.Sqrt.apply(self)

    def relu(self):
        return _ops.ReLU.apply(self)

    def leaky_relu(self, slope=0.01):
        return _ops.LeakyReLU.apply(self, slope=slope)

    def sigmoid(self):
        return _ops.Sigmoid.apply(self)

    def tanh(self):
        return _ops.Tanh.apply(self)

    def softplus(self):
        return _ops.Softplus.apply(self)

    def log_softmax(self, axis=-1):
        return _ops.LogSoftmax.apply(self, axis=axis)


def _accumulate_leaf_grad(leaf, grad):
    """Add ``grad`` into ``leaf.grad`` in place, or make it the gradient if there is none."""
    if leaf.grad is not None:
        np.add(leaf.grad, grad, out=leaf.grad)
    elif leaf.grad_buffer is None:
        # A copy: ``grad`` may be shared with another tensor or be a read-only broadcast view.
        leaf.grad = np.array(grad, dtype=leaf.dtype, copy=True)
    else:
        if grad is not leaf.grad_buffer:  # else the op has already written it there
            np.copyto(leaf.grad_buffer, grad)
        leaf.grad = leaf.grad_buffer


def _grad_buffers(inputs, grads):
    """For each input of an op, the array its backward may write that input's gradient
    into (with ``out=``), or None.

    Only a leaf with a ``grad_buffer`` qualifies, and only while nothing is in it: it holds
    no gradient yet (``grad`` is None) and has received none earlier in this backward
    (``grads``, keyed by ``id``). A leaf that appears twice among one op's inputs (``W @ W``)
    is offered its buffer once, so two gradients are never written over each other.
    """
    buffers, offered = [], set()
    for t in inputs:
        free = (
            t.grad_buffer is not None
            and t.grad is None
            and t.requires_grad
            and id(t) not in grads
            and id(t) not in offered
        )
        buffers.append(t.grad_buffer if free else None)
        if free:
            offered.add(id(t))
    return tuple(buffers)


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


def tensor(data, requires_grad=False, dtype=None, name=None):
    """Make a leaf Tensor; a shorthand for ``Tensor(data, requires_grad, name, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)


no_grad = grad_mode.no_grad
is_grad_enabled = grad_mode.is_grad_enabled

# The ops module imports Tensor, so it can only be imported once Tensor exists.
from aelearn.autograd import ops as _ops  # noqa: E402

__all__ = ["Tensor", "tensor", "no_grad", "is_grad_enabled", "unbroadcast"]
