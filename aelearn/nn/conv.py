"""Convolutional layers, named, laid out and sized as PyTorch's: Conv2d and ConvTranspose2d.

Images are (batch, channels, height, width). The weights are drawn as Dense's are
(``init_weights``), with the fans of the kernel at stride 1 whatever the stride: fan-in
in_channels kH kW, fan-out out_channels kH kW. Glorot's bound is then Keras's and PyTorch's
(``xavier_uniform_``), the distribution the course's Keras original draws from. (Counting
the stride s in the fan-out raises Glorot's variance up to s^2 times; on the course's
denoising benchmark that fitted the training images faster and the test images worse.)

Each layer applies ``image_op`` of its op: the fast kernels by default, the reference op
inside ``aelearn.autograd.use_fast_kernels(False)``.
"""

import numpy as np

from aelearn.autograd import image_op
from aelearn.autograd.convolution import Conv2dOp
from aelearn.autograd.transposed_convolution import ConvTranspose2dOp
from aelearn.nn.dense import DEFAULT_INIT, init_weights
from aelearn.nn.module import Module, Parameter
from aelearn.validation import (
    check_dtype,
    check_int,
    check_int_pair,
    check_output_padding,
    conv_padding,
)


class _ConvBase(Module):
    """What both convolutions share: channels, kernel, stride, and the parameters, the weight
    (out_channels, in_channels, kH, kW), or (in, out, kH, kW) if ``transposed``, as PyTorch's."""

    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, bias, init, rng, dtype):
        self.in_channels = check_int(in_channels, "in_channels")
        self.out_channels = check_int(out_channels, "out_channels")
        self.kernel_size = check_int_pair(kernel_size, "kernel_size")
        self.stride = check_int_pair(stride, "stride")
        self.init, self.dtype = init, check_dtype(dtype)
        kh, kw = self.kernel_size
        fan_in, fan_out = self.in_channels * kh * kw, self.out_channels * kh * kw
        i, o = self.in_channels, self.out_channels
        shape = (i, o, kh, kw) if self.transposed else (o, i, kh, kw)
        weight = init_weights(
            fan_in, fan_out, init, np.random.default_rng(rng), self.dtype, shape=shape
        )
        self.weight = Parameter(weight, name="weight")
        self.bias = (
            Parameter(np.zeros(self.out_channels, dtype=self.dtype), name="bias") if bias else None
        )

    def _arguments(self):
        return (self.weight,) if self.bias is None else (self.weight, self.bias)

    def get_config(self):
        # The argument bias is a flag; the attribute of that name, PyTorch's, the Parameter.
        return {**super().get_config(), "bias": self.bias is not None}


class Conv2d(_ConvBase):
    """2-D convolution, as ``torch.nn.Conv2d``: (batch, in_channels, H, W) -> (batch,
    out_channels, Ho, Wo) with Ho = (H + 2 padding - kH) // stride + 1.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default=1
    padding : int, (int, int), "same" or "valid", default=0
        Zeros around the input. "same" keeps the size (stride 1 only, as in PyTorch; for an
        even kernel the extra row and column go at the bottom and right), "valid" is 0.
    bias : bool, default=True
    init, rng, dtype
        As for ``Dense``, with the fans of the kernel (see the module docstring).

    Attributes
    ----------
    weight : Parameter of shape (out_channels, in_channels, kH, kW)
    bias : Parameter of shape (out_channels,), or None
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        *,
        bias=True,
        init=DEFAULT_INIT,
        rng=None,
        dtype=np.float32,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, bias, init, rng, dtype)
        # (top, bottom, left, right)
        self.sides = conv_padding(padding, self.kernel_size, self.stride)
        self.padding = padding if isinstance(padding, str) else self.sides[::2]

    def forward(self, x):
        """x of shape (batch, in_channels, H, W) -> (batch, out_channels, Ho, Wo)."""
        op = image_op(Conv2dOp)
        return op.apply(x, *self._arguments(), stride=self.stride, padding=self.sides)

    def output_shape(self, input_shape, shapes=None):
        top, bottom, left, right = self.sides
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        h, w = input_shape[1] + top + bottom, input_shape[2] + left + right
        return (self.out_channels, (h - kh) // sh + 1, (w - kw) // sw + 1)

    def multiply_adds(self, input_shape):
        _, ho, wo = self.output_shape(input_shape)
        return self.weight.size * ho * wo


class ConvTranspose2d(_ConvBase):
    """Transposed 2-D convolution, as ``torch.nn.ConvTranspose2d``: (batch, in_channels, H, W)
    -> (batch, out_channels, Ho, Wo) with Ho = (H - 1) stride - 2 padding + kH + output_padding.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default=1
    padding : int or (int, int), default=0
        Rows and columns cropped off each side of the full output.
    output_padding : int or (int, int), default=0
        Extra rows and columns at the bottom and right, smaller than the stride: which of
        the sizes a strided convolution maps to the same size to produce.
    bias, init, rng, dtype
        As for ``Conv2d``.

    Attributes
    ----------
    weight : Parameter of shape (in_channels, out_channels, kH, kW), PyTorch's layout
    bias : Parameter of shape (out_channels,), or None
    """

    transposed = True

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        *,
        bias=True,
        init=DEFAULT_INIT,
        rng=None,
        dtype=np.float32,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, bias, init, rng, dtype)
        self.padding = check_int_pair(padding, "padding", minimum=0)
        self.output_padding = check_output_padding(output_padding, self.stride)

    def forward(self, x):
        """x of shape (batch, in_channels, H, W) -> (batch, out_channels, Ho, Wo)."""
        return image_op(ConvTranspose2dOp).apply(
            x,
            *self._arguments(),
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
        )

    def output_shape(self, input_shape, shapes=None):
        settings = (self.stride, self.padding, self.kernel_size, self.output_padding)
        sides = [
            (n - 1) * s - 2 * p + k + op
            for n, s, p, k, op in zip(input_shape[1:], *settings, strict=True)
        ]
        return (self.out_channels, *sides)

    def multiply_adds(self, input_shape):
        return self.weight.size * input_shape[1] * input_shape[2]
