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
from aelearn.autograd.convolution import Conv2dOp
from aelearn.autograd.elementwise import Exp, Log
from aelearn.autograd.pooling import AvgPool2dOp, MaxPool2dOp
from aelearn.autograd.reductions import Mean, Sum
from aelearn.autograd.reparameterization import Reparameterize
from aelearn.autograd.shapes import Concatenate, GetItem, Reshape, Transpose
from aelearn.autograd.transposed_convolution import ConvTranspose2dOp
from aelearn.autograd.upsampling import UpsampleNearest2dOp

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Affine",
    "Sum", "Mean",
    "Reshape", "Transpose", "GetItem", "Concatenate",
    "Exp", "Log",
    "ReLUOp", "LeakyReLUOp", "SigmoidOp", "TanhOp", "SoftplusOp", "LogSoftmaxOp",
    "Reparameterize",
    "Conv2dOp", "ConvTranspose2dOp", "MaxPool2dOp", "AvgPool2dOp", "UpsampleNearest2dOp",
    "log_softmax", "stable_sigmoid", "stable_softplus",
]  # fmt: skip
