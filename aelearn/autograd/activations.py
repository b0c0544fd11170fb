"""Activation functions as ops, each in a form that cannot overflow.

The op classes end in ``Op`` (``SigmoidOp``) so that they never share a name with the
layers of ``aelearn.nn`` (``Sigmoid``), which call them. All are element-wise, so
dL/dx = grad * f'(x) (log-softmax, which couples a row, is the exception and says so).
"""

import numpy as np

from aelearn.autograd.function import Function


def stable_sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)) without overflow for large ``|x|``.

    With ``e = exp(-|x|)``, which lies in (0, 1]: sigmoid(x) = 1 / (1 + e) for x >= 0 and
    e / (1 + e) for x < 0. exp is never taken of a large positive number.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def stable_softplus(x):
    """softplus(x) = log(1 + exp(x)) = ``max(x, 0) + log1p(exp(-|x|))``, without overflow."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def log_softmax(x, axis=-1):
    """log softmax(x) = x - logsumexp(x) along ``axis``, without overflow.

    logsumexp(x) = m + log(sum_j exp(x_j - m)) with m = max_j x_j: every exp is of a number
    <= 0, so none overflows, and the largest term is exp(0) = 1, so the log never sees 0.
    The one log-softmax of the package (the op, the cross-entropy, the classifier).
    """
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class ReLUOp(Function):
    """out = max(x, 0); f'(x) = 1 where x > 0 and 0 elsewhere (0 is taken at the kink)."""

    def forward(self, x):
        out = np.maximum(x, 0.0)
        self.save_for_backward(out > 0)  # exactly where x > 0 (NaN in neither)
        return out

    def backward(self, grad):
        (positive,) = self.saved
        return (grad * positive,)


class LeakyReLUOp(Function):
    """out = x where x > 0, else a x, a = ``negative_slope``; f'(x) = 1 or a."""

    def forward(self, x, negative_slope=0.01):
        positive = x > 0
        self.save_for_backward(positive)
        self.negative_slope = negative_slope
        return np.where(positive, x, negative_slope * x)

    def backward(self, grad):
        (positive,) = self.saved
        return (np.where(positive, grad, self.negative_slope * grad),)


class SigmoidOp(Function):
    """out = sigmoid(x) = 1 / (1 + exp(-x)), computed stably (``stable_sigmoid``).

    f'(x) = exp(-x) / (1 + exp(-x))**2 = out * (1 - out), so dL/dx = grad * out * (1 - out).
    In float32, 1 - out is 0 once out rounds to 1 (x above about 17): a gradient below 4e-8
    becomes 0. A loss keeps the precision by working from the logits (``losses``).
    """

    def forward(self, x):
        out = stable_sigmoid(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * out * (1.0 - out),)


class TanhOp(Function):
    """out = tanh(x); f'(x) = 1 - tanh(x)**2, so dL/dx = grad * (1 - out**2)."""

    def forward(self, x):
        out = np.tanh(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * (1.0 - out * out),)


class SoftplusOp(Function):
    """out = log(1 + exp(x)), computed stably (``stable_softplus``).

    f'(x) = exp(x) / (1 + exp(x)) = sigmoid(x), so dL/dx = grad * sigmoid(x).
    """

    def forward(self, x):
        self.save_for_backward(x)
        return stable_softplus(x)

    def backward(self, grad):
        (x,) = self.saved
        return (grad * stable_sigmoid(x),)


class LogSoftmaxOp(Function):
    """out = x - logsumexp(x) along ``axis``: the log of softmax(x), computed stably.

    With s = softmax(x) = exp(out): d(out_i)/dx_j = [i = j] - s_j, hence
    dL/dx_j = grad_j - s_j * sum_i grad_i (the row is coupled through the normaliser).
    """

    def forward(self, x, axis=-1):
        out = log_softmax(x, axis)
        self.axis = axis
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad - np.exp(out) * np.sum(grad, axis=self.axis, keepdims=True),)
