"""Ops that move elements without changing them: reshape, transpose, indexing, concatenate.

Each output element is one input element, so the backward carries every gradient
element back to where its element came from, and adds where an element was used twice.
"""

import numpy as np

from aelearn.autograd.function import Function


class Reshape(Function):
    """out = x viewed with a new shape; dL/dx is grad viewed with x's shape."""

    def forward(self, x, shape):
        self.input_shape = x.shape
        return np.reshape(x, shape)

    def backward(self, grad):
        return (np.reshape(grad, self.input_shape),)


class Transpose(Function):
    """out = x with its axes permuted by ``axes`` (reversed when None).

    out[..., i, ...] = x[permuted index], so dL/dx is grad permuted back by the inverse
    permutation (argsort of ``axes``). Negative axes count from the end, as in NumPy; they
    are made positive first, or argsort would not invert the permutation.
    """

    def forward(self, x, axes=None):
        axes = tuple(range(x.ndim))[::-1] if axes is None else axes
        self.axes = tuple(int(a) % x.ndim for a in axes)
        return np.transpose(x, self.axes)

    def backward(self, grad):
        return (np.transpose(grad, np.argsort(self.axes)),)


def _is_basic_index(index):
    """Whether ``index`` picks each element at most once (ints, slices, None, Ellipsis)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, int | slice | type(None) | type(Ellipsis)) for p in parts)


class GetItem(Function):
    """out = x[index], for any NumPy index.

    d(out[j])/dx[i] = 1 where out[j] is x[i], else 0, so dL/dx is zero except at the
    picked positions, which receive grad; a position picked twice (fancy indexing with a
    repeated index) receives the sum, which ``np.add.at`` computes without buffering.
    """

    def forward(self, x, index):
        self.index, self.shape, self.dtype = index, x.shape, x.dtype
        return x[index]

    def backward(self, grad):
        dx = np.zeros(self.shape, dtype=self.dtype)
        if _is_basic_index(self.index):
            dx[self.index] = grad
        else:
            np.add.at(dx, self.index, grad)
        return (dx,)


class Concatenate(Function):
    """out = the inputs joined along ``axis``.

    Each input owns a contiguous block of out along ``axis``, so dL/d(input k) is the
    block of grad at the offsets where input k was placed.
    """

    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.boundaries = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad):
        return tuple(np.split(grad, self.boundaries, axis=self.axis))


def concatenate(tensors, axis=0):
    """Join tensors, of one shape except along ``axis``, as ``np.concatenate`` (one op)."""
    return Concatenate.apply(*tensors, axis=axis)
