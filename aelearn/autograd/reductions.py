"""Reductions: sum and mean over axes.

A sum copies each input element into exactly one output element with weight 1, so
dL/dx[i] is the gradient of the output element that x[i] went into: the upstream
gradient, given back the reduced axes, broadcast over them.
"""

import numpy as np

from aelearn.autograd.function import Function


def _expand_reduced(grad, shape, axis, keepdims):
    """Put back the axes a reduction removed, then broadcast ``grad`` to ``shape``."""
    if axis is not None and not keepdims:
        axes = (axis,) if np.isscalar(axis) else axis
        grad = np.expand_dims(grad, tuple(a % len(shape) for a in axes))
    elif axis is None and not keepdims:
        grad = np.reshape(grad, (1,) * len(shape))
    return np.broadcast_to(grad, shape)


class Sum(Function):
    """out = sum of x over ``axis`` (all axes when None), keeping them if ``keepdims``.

    d(out)/dx[i] = 1 for the output element x[i] was added into, so dL/dx[i] = grad
    there: the gradient broadcast back over the summed axes.
    """

    def forward(self, x, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return np.sum(x, axis=axis, keepdims=keepdims)

    def backward(self, grad):
        return (_expand_reduced(grad, self.shape, self.axis, self.keepdims),)


class Mean(Function):
    """out = mean of x over ``axis``: the sum divided by n, the number of elements reduced.

    d(out)/dx[i] = 1 / n, so dL/dx = grad / n broadcast back over the reduced axes.
    """

    def forward(self, x, axis=None, keepdims=False):
        out = np.mean(x, axis=axis, keepdims=keepdims)
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        self.n = x.size // max(np.size(out), 1)
        return out

    def backward(self, grad):
        return (_expand_reduced(grad / self.n, self.shape, self.axis, self.keepdims),)
