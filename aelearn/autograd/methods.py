"""Tensor's operators and methods, each one op: ``a + b`` is ``Add.apply(a, b)``.

They are bound to Tensor here, once the ops exist, rather than written in ``tensor.py``:
the ops import Tensor, so Tensor cannot import them (early tinygrad registered its ops on
its Tensor the same way). Importing ``aelearn.autograd`` runs this module.
"""

from aelearn.autograd.activations import (
    LeakyReLUOp,
    LogSoftmaxOp,
    ReLUOp,
    SigmoidOp,
    SoftplusOp,
    TanhOp,
)
from aelearn.autograd.arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from aelearn.autograd.elementwise import Exp, Log, Sqrt
from aelearn.autograd.reductions import Mean, Sum
from aelearn.autograd.shapes import GetItem, Reshape, Transpose
from aelearn.autograd.tensor import Tensor


def __add__(self, other):
    return Add.apply(self, other)


def __radd__(self, other):
    return Add.apply(other, self)


def __sub__(self, other):
    return Sub.apply(self, other)


def __rsub__(self, other):
    return Sub.apply(other, self)


def __mul__(self, other):
    return Mul.apply(self, other)


def __rmul__(self, other):
    return Mul.apply(other, self)


def __truediv__(self, other):
    return Div.apply(self, other)


def __rtruediv__(self, other):
    return Div.apply(other, self)


def __neg__(self):
    return Neg.apply(self)


def __pow__(self, exponent):
    return Pow.apply(self, exponent=exponent)


def __matmul__(self, other):
    return MatMul.apply(self, other)


def __rmatmul__(self, other):
    return MatMul.apply(other, self)


def __getitem__(self, index):
    return GetItem.apply(self, index=index)


def sum(self, axis=None, keepdims=False):
    """The sum over ``axis`` (all axes when None), as np.sum."""
    return Sum.apply(self, axis=axis, keepdims=keepdims)


def mean(self, axis=None, keepdims=False):
    """The mean over ``axis`` (all axes when None), as np.mean."""
    return Mean.apply(self, axis=axis, keepdims=keepdims)


def reshape(self, *shape):
    """The same elements in a new shape, as np.reshape: ``t.reshape(2, 3)`` or ``((2, 3))``."""
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
    return Reshape.apply(self, shape=tuple(shape))


def transpose(self, *axes):
    """The axes permuted (reversed when none are given), as np.transpose."""
    axes = axes[0] if len(axes) == 1 and isinstance(axes[0], tuple | list) else axes
    return Transpose.apply(self, axes=tuple(axes) or None)


def T(self):
    """The axes reversed: the transpose of a matrix."""
    return Transpose.apply(self, axes=None)


def exp(self):
    return Exp.apply(self)


def log(self):
    return Log.apply(self)


def sqrt(self):
    return Sqrt.apply(self)


def relu(self):
    return ReLUOp.apply(self)


def leaky_relu(self, slope=0.01):
    return LeakyReLUOp.apply(self, slope=slope)


def sigmoid(self):
    return SigmoidOp.apply(self)


def tanh(self):
    return TanhOp.apply(self)


def softplus(self):
    return SoftplusOp.apply(self)


def log_softmax(self, axis=-1):
    return LogSoftmaxOp.apply(self, axis=axis)


METHODS = {
    "__add__": __add__, "__radd__": __radd__, "__sub__": __sub__, "__rsub__": __rsub__,
    "__mul__": __mul__, "__rmul__": __rmul__, "__truediv__": __truediv__,
    "__rtruediv__": __rtruediv__, "__neg__": __neg__, "__pow__": __pow__,
    "__matmul__": __matmul__, "__rmatmul__": __rmatmul__, "__getitem__": __getitem__,
    "sum": sum, "mean": mean, "reshape": reshape, "transpose": transpose, "T": property(T),
    "exp": exp, "log": log, "sqrt": sqrt, "relu": relu, "leaky_relu": leaky_relu,
    "sigmoid": sigmoid, "tanh": tanh, "softplus": softplus, "log_softmax": log_softmax,
}  # fmt: skip

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
