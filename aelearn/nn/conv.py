"""Convolutional layers, named, laid out and sized as PyTorch's: Conv2d and ConvTranspose2d.

Images are (batch, channels, height, width). The weights are drawn as Dense's are
(``init_weights``), with the fans of the kernel: fan-in in_channels kH kW (the inputs one
output sums at stride 1), fan-out out_channels kH kW (the outputs one input feeds at
stride 1), for both layers and whatever the stride. Glorot's bound is then Keras's and
PyTorch's (``xavier_uniform_``), so that the course's convolutional autoencoder starts
from the distribution its Keras original draws from. (A stride s makes each input of a
Conv2d feed only about out_channels kH kW / s^2 outputs, and each output of a
ConvTranspose2d sum about in_channels kH kW / s^2 inputs; counting that raises Glorot's
variance up to s^2 times, which on the course's denoising benchmark fitted the training
images faster and the test images worse. For He on a ConvTranspose2d, PyTorch takes
out_channels kH kW as the fan-in, the fan-in of the convolution it transposes.)
"""

import numbers

import numpy as np

from aelearn.autograd.convolution import check_image, conv2d, conv_padding, pair
from aelearn.autograd.transposed_convolution import check_output_padding, conv_transpose2d
from aelearn.nn.dense import DEFAULT_INIT, init_weights
from aelearn.nn.module import Module, Parameter


def _channels(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{layer} needs {name} as a positive int; got {value!r}")
    return int(value)


class _ConvBase(Module):
    """What both convolutions share: channels, kernel, stride, the parameters and the check."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, bias, init, rng, dtype):
        layer = type(self).__name__
        self.in_channels = _channels(in_channels, "in_channels", layer)
        self.out_channels = _channels(out_channels, "out_channels", layer)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.init = init
        # The kernel's fans, stride ignored (see the module docstring).
        kh, kw = self.kernel_size
        fan_in, fan_out = self.in_channels * kh * kw, self.out_channels * kh * kw
        shape = self._weight_shape()
        rng = np.random.default_rng(rng)
        self.weight = Parameter(
            init_weights(fan_in, fan_out, init, rng, dtype, shape=shape), "weight"
        )
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dtype), "bias") if bias else None

    def _check(self, x):
        check_image(x, "input", self.in_channels, repr(self))


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
    init : {"he", "glorot", "normal"}, default=DEFAULT_INIT ("glorot")
        Weight initialisation (see ``init_weights``) with fan-in in_channels kH kW and
        fan-out out_channels kH kW, whatever the stride (see the module docstring); the bias
        starts at zero.
    rng : numpy.random.Generator or int, optional
    dtype : dtype, default=np.float32

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
        conv_padding(padding, self.kernel_size, self.stride)  # refuses a bad padding now
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", 0)

    def _weight_shape(self):
        return (self.out_channels, self.in_channels, *self.kernel_size)

    def forward(self, x):
        """x of shape (batch, in_channels, H, W) -> (batch, out_channels, Ho, Wo)."""
        self._check(x)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def __repr__(self):
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r})"
        )


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
        self.padding = pair(padding, "padding", minimum=0)
        self.output_padding = check_output_padding(output_padding, self.stride)

    def _weight_shape(self):
        return (self.in_channels, self.out_channels, *self.kernel_size)

    def forward(self, x):
        """x of shape (batch, in_channels, H, W) -> (batch, out_channels, Ho, Wo)."""
        self._check(x)
        return conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, self.output_padding
        )

    def __repr__(self):
        return (
            f"ConvTranspose2d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"output_padding={self.output_padding})"
        )
