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
from aelearn.autograd.elementwise import Exp, Log
from aelearn.autograd.reductions import Mean, Sum
from aelearn.autograd.shapes import GetItem, Reshape, Transpose
from aelearn.autograd.tensor import Tensor

#: ``t.name()`` is ``op.apply(t)``, and ``t.name(**settings)`` passes them on.
UNARY = {
    "exp": Exp, "log": Log, "relu": ReLUOp, "sigmoid": SigmoidOp,
    "tanh": TanhOp, "softplus": SoftplusOp, "__neg__": Neg,
}  # fmt: skip
#: ``t <operator> other`` is ``op.apply(t, other)``, and the reflected operator, for
#: ``other <operator> t``, ``op.apply(other, t)``.
BINARY = {"add": Add, "sub": Sub, "mul": Mul, "truediv": Div, "matmul": MatMul}


def _unary(op):
    def method(self):
        return op.apply(self)

    method.__doc__ = f"``{op.__name__}.apply(self)``: {(op.__doc__ or '').strip().splitlines()[0]}"
    return method


def _binary(op, reflected=False):
    if reflected:
        return lambda self, other: op.apply(other, self)
    return lambda self, other: op.apply(self, other)


def __pow__(self, exponent):
    return Pow.apply(self, exponent=exponent)


def __getitem__(self, index):
    return GetItem.apply(self, index=index)


def sum(self, axis=None, keepdims=False):
    """The sum over ``axis`` (all axes when None), as np.sum."""
    return Sum.apply(self, axis=axis, keepdims=keepdims)


def mean(self, axis=None, keepdims=False):
    """The mean over ``axis`` (all axes when None), as np.mean."""
    return Mean.apply(self, axis=axis, keepdims=keepdims)


def reshape(self, *shape):
    """The same elements in a new shape, as np.reshape: ``t.reshape(2, 3)`` or
    ``t.reshape((2, 3))``."""
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
    return Reshape.apply(self, shape=tuple(shape))


def transpose(self, *axes):
    """The axes permuted (reversed when none are given), as np.transpose."""
    axes = axes[0] if len(axes) == 1 and isinstance(axes[0], tuple | list) else axes
    return Transpose.apply(self, axes=tuple(axes) or None)


def leaky_relu(self, negative_slope=0.01):
    """x where x > 0, else negative_slope * x (``LeakyReLUOp``)."""
    return LeakyReLUOp.apply(self, negative_slope=negative_slope)


def log_softmax(self, axis=-1):
    """log softmax over ``axis``, stable for any logits (``LogSoftmaxOp``)."""
    return LogSoftmaxOp.apply(self, axis=axis)


for _name, _op in UNARY.items():
    setattr(Tensor, _name, _unary(_op))
for _name, _op in BINARY.items():
    setattr(Tensor, f"__{_name}__", _binary(_op))
    setattr(Tensor, f"__r{_name}__", _binary(_op, reflected=True))
for _method in (__pow__, __getitem__, sum, mean, reshape, transpose, leaky_relu, log_softmax):
    setattr(Tensor, _method.__name__, _method)
Tensor.T = property(lambda self: Transpose.apply(self, axes=None), doc="The axes reversed.")
