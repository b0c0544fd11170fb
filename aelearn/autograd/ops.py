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
from aelearn.autograd.convolution import Conv2dOp, conv2d
from aelearn.autograd.elementwise import Exp, Log, Sqrt
from aelearn.autograd.pooling import AvgPool2dOp, MaxPool2dOp, avg_pool2d, max_pool2d
from aelearn.autograd.reductions import Mean, Sum
from aelearn.autograd.reparameterization import Reparameterize
from aelearn.autograd.shapes import Concatenate, GetItem, Reshape, Transpose, concatenate, split
from aelearn.autograd.transposed_convolution import ConvTranspose2dOp, conv_transpose2d
from aelearn.autograd.upsampling import UpsampleNearest2dOp, upsample_nearest

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Affine",
    "Sum", "Mean",
    "Reshape", "Transpose", "GetItem", "Concatenate", "concatenate", "split",
    "Exp", "Log", "Sqrt",
    "ReLUOp", "LeakyReLUOp", "SigmoidOp", "TanhOp", "SoftplusOp", "LogSoftmaxOp",
    "Reparameterize",
    "Conv2dOp", "ConvTranspose2dOp", "MaxPool2dOp", "AvgPool2dOp", "UpsampleNearest2dOp",
    "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "upsample_nearest",
    "log_softmax", "stable_sigmoid", "stable_softplus",
]  # fmt: skip
