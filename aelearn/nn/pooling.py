"""Pooling and upsampling layers, as PyTorch's: MaxPool2d, AvgPool2d, Upsample (nearest).

Modules without parameters around the ops of ``aelearn.autograd.pooling`` and
``upsampling``; images are (batch, channels, height, width), and the output height is
(H + 2 padding - kernel) // stride + 1 for pooling, scale_factor H for upsampling.
"""

from aelearn.autograd.convolution import pair
from aelearn.autograd.pooling import avg_pool2d, max_pool2d
from aelearn.autograd.upsampling import upsample_nearest
from aelearn.nn.module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else pair(stride, "stride")
        self.padding = pair(padding, "padding", minimum=0)
        if self.padding[0] > self.kernel_size[0] // 2 or self.padding[1] > self.kernel_size[1] // 2:
            raise ValueError(
                f"{type(self).__name__}: padding {self.padding} must be at most half the kernel "
                f"{self.kernel_size}, as in PyTorch"
            )

    def __repr__(self):
        return (
            f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding})"
        )


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

    def forward(self, x):
        """(batch, channels, H, W) -> (batch, channels, Ho, Wo)."""
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """The mean of each window, as ``torch.nn.AvgPool2d`` (count_include_pad=True).

    Parameters as ``MaxPool2d``'s; the padding is zeros, counted in the mean.
    """

    def forward(self, x):
        """(batch, channels, H, W) -> (batch, channels, Ho, Wo)."""
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer factor, as ``torch.nn.Upsample``.

    Parameters
    ----------
    size : int or (int, int), optional
        The output (height, width), as in PyTorch; it must be a whole multiple of the
        input's size. Give either ``size`` or ``scale_factor``.
    scale_factor : int or (int, int), optional
        Each pixel becomes a scale_factor x scale_factor block.
    mode : {"nearest"}, default="nearest"
        The only mode here.

    Examples
    --------
    ``Upsample(scale_factor=2)`` maps (batch, C, 7, 7) to (batch, C, 14, 14). As in PyTorch,
    the first positional argument is the size: ``Upsample(2)`` asks for a 2 x 2 output.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest"):
        if mode != "nearest":
            raise ValueError(f"Upsample supports mode='nearest' only; got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError(
                "Upsample needs exactly one of size and scale_factor, as in PyTorch; got "
                f"size={size!r}, scale_factor={scale_factor!r}"
            )
        self.size = None if size is None else pair(size, "size")
        self.scale_factor = None if scale_factor is None else pair(scale_factor, "scale_factor")
        self.mode = mode

    def forward(self, x):
        """(batch, channels, H, W) -> (batch, channels, sH H, sW W)."""
        scale = self.scale_factor
        if self.size is not None:
            hw = tuple(x.shape[2:]) if x.ndim == 4 else None
            if hw is None or self.size[0] % hw[0] or self.size[1] % hw[1]:
                raise ValueError(
                    f"Upsample(size={self.size}) needs an input (batch, channels, height, "
                    f"width) whose size divides {self.size}; got shape {tuple(x.shape)}"
                )
            scale = (self.size[0] // hw[0], self.size[1] // hw[1])
        return upsample_nearest(x, scale)

    def __repr__(self):
        if self.size is not None:
            return f"Upsample(size={self.size}, mode={self.mode!r})"
        return f"Upsample(scale_factor={self.scale_factor}, mode={self.mode!r})"
