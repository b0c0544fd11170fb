"""Nearest-neighbour upsampling of images (batch, channels, height, width) by integer factors.

out[n, c, i, j] = x[n, c, i // sH, j // sW], of shape (batch, C, sH H, sW W): each pixel is
copied into an sH x sW block. A copied value's gradient is the sum of its copies' gradients,
so dL/dx[n, c, y, z] is the sum of dL/d(out) over the block (y sH .. y sH + sH - 1,
z sW .. z sW + sW - 1): the backward reshapes the gradient to (batch, H, sH, W, sW, C) and
sums over the two block axes. Fast path: the forward is one broadcast copy into channels-last
memory (as the convolutions' outputs), the backward one reduction over a view.
"""

import numpy as np

from aelearn.autograd.convolution import check_image, pair
from aelearn.autograd.function import Function
from aelearn.autograd.im2col import channels_first, channels_last


class UpsampleNearest2dOp(Function):
    """out = x with every pixel repeated sH x sW times: (batch, C, H, W) -> (batch, C, sH H,
    sW W)."""

    def forward(self, x, *, scale_factor):
        n, c, h, w = x.shape
        sh, sw = self.scale_factor = scale_factor
        xh = channels_last(x)[:, :, None, :, None, :]
        out = np.broadcast_to(xh, (n, h, sh, w, sw, c)).reshape(n, h * sh, w * sw, c)
        return channels_first(out)

    def backward(self, grad):
        n, c, ho, wo = grad.shape
        sh, sw = self.scale_factor
        blocks = channels_last(grad).reshape(n, ho // sh, sh, wo // sw, sw, c)
        return (channels_first(blocks.sum(axis=(2, 4))),)


def upsample_nearest(x, scale_factor):
    """Nearest-neighbour upsampling, as ``torch.nn.functional.interpolate(x, scale_factor=s,
    mode="nearest")`` for an integer s.

    Parameters
    ----------
    x : Tensor of shape (batch, channels, H, W)
    scale_factor : int or (int, int)

    Returns
    -------
    Tensor of shape (batch, channels, sH H, sW W)
    """
    check_image(x, "input", where="upsample_nearest")
    return UpsampleNearest2dOp.apply(x, scale_factor=pair(scale_factor, "scale_factor"))
