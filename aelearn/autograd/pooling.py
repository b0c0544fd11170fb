"""Pooling over windows of images (batch, channels, height, width): max and average.

Windows as in ``convolution``: kernel (kH, kW), stride (sH, sW), padding pH rows and pW
columns on each side, Ho = (H + 2 pH - kH) // sH + 1 (PyTorch's formula, ceil_mode=False).
Each channel is pooled on its own, so the ops treat x as batch C images of one channel:
im2col of x reshaped to (batch C, 1, Hp, Wp) gives one row of kH kW pixels per window.
The backward is col2im: a window's gradient goes back to the pixels it was computed from,
summed where windows overlap, zero for pixels no window covered.

**Max.** out[n, c, i, j] = max over the window of x. The maximum is one of the window's
pixels, so d(out)/dx is 1 there and 0 elsewhere: that pixel gets dL/d(out[n, c, i, j]) and
every other pixel of the window nothing. The forward saves where each maximum was (the first
one on a tie, as PyTorch's CPU kernel), and the backward routes the gradient there. The
padding is -inf, so a padded pixel is never the maximum.

**Average.** out = the mean of the window, padded zeros counted (PyTorch's default,
count_include_pad=True), so every pixel of a window receives dL/d(out) / (kH kW).
"""

import numpy as np

from aelearn.autograd.function import Function
from aelearn.autograd.im2col import col2im, im2col, output_size


def _windows(x, kernel, stride, padding, fill):
    """Each window of each channel as a row, (batch C Ho Wo, kH kW); and the output shape."""
    (ph, pw), (n, c) = padding, x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    ho, wo = map(output_size, xp.shape[2:], kernel, stride)
    return im2col(xp.reshape(n * c, 1, *xp.shape[2:]), kernel, stride), (n, c, ho, wo), xp.shape


class _PoolOp(Function):
    """What both poolings share: the windows forward, and col2im of the windows' gradient."""

    def _to_image(self, dcols):
        """dL/dx from the gradient of every window's pixels, (batch C Ho Wo, kH kW)."""
        n, c, hp, wp = self.padded_shape
        dxp = col2im(dcols, (n * c, 1, hp, wp), self.kernel_size, self.stride).reshape(n, c, hp, wp)
        ph, pw = self.padding
        return (dxp[:, :, ph : hp - ph, pw : wp - pw],)


class MaxPool2dOp(_PoolOp):
    """out = the maximum of each window; x (batch, C, H, W) -> (batch, C, Ho, Wo).

    Saved: where each window's maximum is; the windows' shape is kept beside it.
    """

    def forward(self, x, *, kernel_size, stride, padding):
        cols, out_shape, self.padded_shape = _windows(x, kernel_size, stride, padding, -np.inf)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.cols_shape = cols.shape
        argmax = cols.argmax(axis=1)
        self.save_for_backward(argmax)
        return cols[np.arange(len(cols)), argmax].reshape(out_shape)

    def backward(self, grad):
        (argmax,) = self.saved
        dcols = np.zeros(self.cols_shape, dtype=grad.dtype)
        dcols[np.arange(len(dcols)), argmax] = grad.reshape(-1)
        return self._to_image(dcols)


class AvgPool2dOp(_PoolOp):
    """out = the mean of each window, padded zeros included; (batch, C, H, W) -> (batch, C,
    Ho, Wo). Saves only shapes: every pixel of a window gets grad / (kH kW)."""

    def forward(self, x, *, kernel_size, stride, padding):
        cols, out_shape, self.padded_shape = _windows(x, kernel_size, stride, padding, 0.0)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.cols_shape = cols.shape
        return cols.mean(axis=1).reshape(out_shape)

    def backward(self, grad):
        share = grad.reshape(-1, 1) / self.cols_shape[1]
        return self._to_image(np.broadcast_to(share, self.cols_shape))
