"""Every op of the autograd core, in one namespace (``aelearn.autograd.ops``)."""

from aelearn.autograd.activations import (
    LeakyReLUOp,
    LogSoftmaxOp,
    ReLUOp,
    SigmoidOp,
    SoftplusOp,
    TanhOp,
    log_softmax,
    stable_sigmoid,
    stable_softplus,
)
from aelearn.autograd.arithmetic import Add, Affine, Div, MatMul, Mul, Neg, Pow, Sub
from aelearn.autograd.elementwise import Exp, Log, Sqrt
from aelearn.autograd.reductions import Mean, Sum
from aelearn.autograd.reparameterization import Reparameterize
from aelearn.autograd.shapes import Concatenate, GetItem, Reshape, Transpose, concatenate, split

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Affine",
    "Sum", "Mean",
    "Reshape", "Transpose", "GetItem", "Concatenate", "concatenate", "split",
    "Exp", "Log", "Sqrt",
    "ReLUOp", "LeakyReLUOp", "SigmoidOp", "TanhOp", "SoftplusOp", "LogSoftmaxOp",
    "Reparameterize",
    "log_softmax", "stable_sigmoid", "stable_softplus",
]  # fmt: skip
