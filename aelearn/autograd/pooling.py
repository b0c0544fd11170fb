"""Pooling over windows of images (batch, channels, height, width): max and average.

Windows as in ``convolution``: kernel (kH, kW), stride (sH, sW), padding p rows and columns
on each side, Ho = (H + 2 pH - kH) // sH + 1 (PyTorch's formula, ceil_mode=False), and each
channel pooled on its own. Both use the same window view as the convolution (no copy) and
col2im (``scatter_windows``) in the backward: a window's gradient goes back to the input
elements it was computed from, summed where windows overlap (stride < kernel), zero for
elements no window covered.

**Max.** out[n, c, i, j] = max over the window of x. The maximum is one of the window's
elements, x[n, c, y*, z*], so d(out)/dx is 1 there and 0 elsewhere: dL/dx[n, c, y*, z*] gets
dL/d(out[n, c, i, j]), and every other element of the window nothing. The forward saves
where each maximum was (the argmax within its window; the first one on a tie, as PyTorch's
CPU kernel), and the backward routes the gradient there. The padding is -inf, so a padded
element is never the maximum (PyTorch allows at most half a kernel of it, so that no window
is all padding).

**Average.** out = the mean of the window, padded zeros counted (PyTorch's default,
count_include_pad=True), so every element of a window receives dL/d(out) / (kH kW).
"""

import numpy as np

from aelearn.autograd.convolution import check_image, conv_output_size, pair
from aelearn.autograd.function import Function
from aelearn.autograd.im2col import (
    channels_first,
    channels_last,
    pad_hw,
    scatter_windows,
    windows,
)


def _pooling_windows(x, kernel, stride, padding, fill):
    """The (batch, Ho, Wo, kH, kW, C) window view of x padded with ``fill``, and (Hp, Wp)."""
    pad = (padding[0], padding[0], padding[1], padding[1])
    xph = pad_hw(channels_last(x), pad, fill)
    out_hw = tuple(
        conv_output_size(x.shape[2 + i], kernel[i], stride[i], 2 * padding[i]) for i in (0, 1)
    )
    return windows(xph, kernel, stride, out_hw), xph.shape[1:3], pad


class MaxPool2dOp(Function):
    """out = the maximum of each window; x (batch, C, H, W) -> (batch, C, Ho, Wo).

    Saved: the argmax of each window, (batch, Ho, Wo, C), and the shapes to scatter into.
    """

    def forward(self, x, *, kernel_size, stride, padding):
        win, self.padded_hw, self.pad = _pooling_windows(x, kernel_size, stride, padding, -np.inf)
        n, ho, wo, kh, kw, c = win.shape
        # One copy: every window's kH kW values in a row of their own, then argmax along it.
        flat = win.transpose(0, 1, 2, 5, 3, 4).reshape(n, ho, wo, c, kh * kw)
        argmax = flat.argmax(axis=-1)[..., None]
        out = np.take_along_axis(flat, argmax, axis=-1)[..., 0]
        self.stride = stride
        self.save_for_backward(argmax, (n, ho, wo, c, kh, kw))
        return channels_first(out)

    def backward(self, grad):
        argmax, (n, ho, wo, c, kh, kw) = self.saved
        routed = np.zeros((n, ho, wo, c, kh * kw), dtype=grad.dtype)
        np.put_along_axis(routed, argmax, channels_last(grad)[..., None], axis=-1)
        cols = routed.reshape(n, ho, wo, c, kh, kw).transpose(0, 1, 2, 4, 5, 3)
        return (channels_first(scatter_windows(cols, self.padded_hw, self.stride, self.pad)),)


class AvgPool2dOp(Function):
    """out = the mean of each window, padded zeros included; (batch, C, H, W) -> (batch, C,
    Ho, Wo). Saves nothing but shapes: every element of a window gets grad / (kH kW)."""

    def forward(self, x, *, kernel_size, stride, padding):
        win, self.padded_hw, self.pad = _pooling_windows(x, kernel_size, stride, padding, 0.0)
        self.stride, self.window_shape = stride, win.shape
        return channels_first(win.mean(axis=(3, 4)))

    def backward(self, grad):
        n, ho, wo, kh, kw, c = self.window_shape
        share = channels_last(grad)[:, :, :, None, None, :] / (kh * kw)
        cols = np.broadcast_to(share, self.window_shape)  # a view: no (kH kW)-fold copy
        return (channels_first(scatter_windows(cols, self.padded_hw, self.stride, self.pad)),)


def _pool_arguments(x, kernel_size, stride, padding, where):
    check_image(x, "input", where=where)
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    padding = pair(padding, "padding", minimum=0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"{where}: padding {padding} must be at most half the kernel {kernel}, as in PyTorch"
        )
    for i, axis in ((0, "height"), (1, "width")):
        if x.shape[2 + i] + 2 * padding[i] < kernel[i]:
            raise ValueError(
                f"{where}: the kernel {kernel} is larger than the padded input's {axis} "
                f"{x.shape[2 + i] + 2 * padding[i]}"
            )
    return {"kernel_size": kernel, "stride": stride, "padding": padding}


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling as ``torch.nn.functional.max_pool2d``: one ``MaxPool2dOp``.

    Parameters
    ----------
    x : Tensor of shape (batch, channels, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Default: ``kernel_size`` (windows that tile).
    padding : int or (int, int), default=0
        -inf on each side, at most half the kernel.

    Returns
    -------
    Tensor of shape (batch, channels, Ho, Wo), Ho = (H + 2 padding - kH) // stride + 1
    """
    return MaxPool2dOp.apply(x, **_pool_arguments(x, kernel_size, stride, padding, "max_pool2d"))


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling as ``torch.nn.functional.avg_pool2d`` (count_include_pad=True)."""
    return AvgPool2dOp.apply(x, **_pool_arguments(x, kernel_size, stride, padding, "avg_pool2d"))
