"""Pooling and upsampling layers, as PyTorch's: MaxPool2d, AvgPool2d, Upsample (nearest).

Modules without parameters around the ops of ``aelearn.autograd.pooling`` and
``upsampling``, for images (batch, channels, height, width).
"""

from aelearn.autograd.pooling import AvgPool2dOp, MaxPool2dOp
from aelearn.autograd.upsampling import UpsampleNearest2dOp
from aelearn.nn.module import Module
from aelearn.validation import check_choice, check_int_pair


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = check_int_pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else check_int_pair(stride, "stride")
        self.padding = check_int_pair(padding, "padding", minimum=0)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(
                f"{type(self).__name__}: padding {self.padding} must be at most half the kernel "
                f"{self.kernel_size}, as in PyTorch"
            )

    def forward(self, x):
        """(batch, C, H, W) -> (batch, C, Ho, Wo), Ho = (H + 2 padding - kernel) // stride + 1."""
        settings = {"kernel_size": self.kernel_size, "stride": self.stride}
        return self.op.apply(x, **settings, padding=self.padding)

    def output_shape(self, input_shape, shapes=None):
        sides = [
            (n + 2 * p - k) // s + 1
            for n, p, k, s in zip(
                input_shape[1:], self.padding, self.kernel_size, self.stride, strict=True
            )
        ]
        return (input_shape[0], *sides)


class MaxPool2d(_Pool2d):
    """The maximum of each window, as ``torch.nn.MaxPool2d`` (ceil_mode=False, dilation 1).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Default: ``kernel_size``, windows that tile the image.
    padding : int or (int, int), default=0
        -inf on each side, at most half the kernel.
    """

    op = MaxPool2dOp


class AvgPool2d(_Pool2d):
    """The mean of each window, as ``torch.nn.AvgPool2d`` (count_include_pad=True).

    Parameters as ``MaxPool2d``'s; the padding is zeros, counted in the mean.
    """

    op = AvgPool2dOp


class Upsample(Module):
    """Nearest-neighbour upsampling by a whole factor, as ``torch.nn.Upsample``.

    Parameters
    ----------
    size : int or (int, int), optional
        The output (height, width), as in PyTorch; it must be a whole multiple of the
        input's size. Give either ``size`` or ``scale_factor``.
    scale_factor : int or (int, int), optional
        Each pixel becomes a scale_factor x scale_factor block.
    mode : {"nearest"}, default="nearest"

    Examples
    --------
    ``Upsample(scale_factor=2)`` maps (batch, C, 7, 7) to (batch, C, 14, 14). As in PyTorch,
    the first positional argument is the size: ``Upsample(2)`` asks for a 2 x 2 output.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest"):
        self.mode = check_choice(mode, ("nearest",), "Upsample's mode")
        if (size is None) == (scale_factor is None):
            raise ValueError(
                "Upsample needs exactly one of size and scale_factor, as in PyTorch; got "
                f"size={size!r}, scale_factor={scale_factor!r}"
            )
        self.size = None if size is None else check_int_pair(size, "size")
        self.scale_factor = (
            None if scale_factor is None else check_int_pair(scale_factor, "scale_factor")
        )

    def forward(self, x):
        """(batch, channels, H, W) -> (batch, channels, sH H, sW W)."""
        return UpsampleNearest2dOp.apply(x, scale_factor=self._scale(x.shape[1:]))

    def _scale(self, input_shape):
        if self.size is None:
            return self.scale_factor
        h, w = input_shape[1:]
        if self.size[0] % h or self.size[1] % w:
            raise ValueError(
                f"Upsample(size={self.size}) needs an input whose height and width divide "
                f"{self.size}; got {h}x{w}"
            )
        return (self.size[0] // h, self.size[1] // w)

    def output_shape(self, input_shape, shapes=None):
        sh, sw = self._scale(input_shape)
        return (input_shape[0], input_shape[1] * sh, input_shape[2] * sw)
