"""Every op of the autograd core, in one namespace (``aelearn.autograd.ops``)."""

from aelearn.autograd.activations import (
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    stable_sigmoid,
    stable_softplus,
)
from aelearn.autograd.arithmetic import Add, Div, Linear, MatMul, Mul, Neg, Pow, Sub
from aelearn.autograd.elementwise import Exp, Log, Sqrt
from aelearn.autograd.reductions import Mean, Sum
from aelearn.autograd.shapes import Concatenate, GetItem, Reshape, Transpose, concatenate, split

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Linear",
    "Sum", "Mean",
    "Reshape", "Transpose", "GetItem", "Concatenate", "concatenate", "split",
    "Exp", "Log", "Sqrt",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "LogSoftmax",
    "stable_sigmoid", "stable_softplus",
]  # fmt: skip
