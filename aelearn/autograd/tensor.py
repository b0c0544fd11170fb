"""The Tensor: a NumPy array, its gradient, and the op that made it.

A Tensor made by an op keeps that op (``tensor.op``), and the op keeps its inputs
(``op.inputs``): those links are the computation graph, which ``aelearn.autograd.graph``
walks. Operators and methods such as ``a @ b`` or ``t.sum()`` are bound in ``methods``.
"""

import numpy as np

from aelearn.autograd import graph


def as_float_array(data, dtype=None):
    """``data`` as a floating NumPy array: integers and booleans become float64; objects,
    strings and complex numbers, which cannot be differentiated, are refused."""
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data, dtype=dtype)
    if array.dtype.kind in "iub":
        array = array.astype(np.float64)
    elif array.dtype.kind != "f":
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
    dtype : floating dtype, optional
    name : str, optional
        A label for printing and drawing the graph.

    Attributes
    ----------
    grad : ndarray or None
        dL/d(data), the same shape as ``data``, filled in by ``backward``; None until a
        gradient arrives. Gradients of leaves (tensors made by the user, such as
        parameters) accumulate across calls until ``zero_grad``; intermediate tensors hold
        the gradient of the latest call.
    op : Function or None
        The op that computed this tensor, None for a leaf.
    """

    # Lets ``ndarray * Tensor`` reach Tensor.__rmul__ instead of NumPy broadcasting over it.
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, *, dtype=None, name=None):
        self.data = as_float_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.op = None

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

    def detach(self):
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return Tensor(self.data, name=self.name)

    def zero_grad(self):
        """Forget the gradient: ``grad`` becomes None, as with PyTorch's ``set_to_none=True``."""
        self.grad = None

    def graph(self):
        """This tensor and every tensor it depends on, in the order ``backward`` visits them
        (see ``aelearn.autograd.graph.reverse_topological_order``)."""
        return graph.reverse_topological_order(self)

    def backward(self, gradient=None, retain_graph=False):
        """Compute dL/dt for every tensor t this one depends on, with L this tensor; leaf
        gradients accumulate across calls (see ``grad``).

        Parameters
        ----------
        gradient : array_like, optional
            dL/d(self), of its shape, for a scalar L computed from this tensor further on;
            for a scalar tensor the default is 1, so that L = self.
        retain_graph : bool, default=False
            Keep the values the ops saved, so that backward can run through this graph
            again. By default they are freed as they are used, and a second backward
            through the same ops raises RuntimeError.
        """
        graph.backward(self, gradient, retain_graph)
