"""Nearest-neighbour upsampling of images (batch, channels, height, width) by whole factors.

out[n, c, i, j] = x[n, c, i // sH, j // sW], of shape (batch, C, sH H, sW W): each pixel is
copied into an sH x sW block. A copied value's gradient is the sum of its copies' gradients,
so dL/dx[n, c, y, z] is the sum of dL/d(out) over the block of rows y sH ... y sH + sH - 1
and columns z sW ... z sW + sW - 1: the gradient reshaped to (batch, C, H, sH, W, sW),
summed over the two block axes.
"""

from aelearn.autograd.function import Function


class UpsampleNearest2dOp(Function):
    """out = x with every pixel repeated sH x sW times: (batch, C, H, W) -> (batch, C,
    sH H, sW W)."""

    def forward(self, x, *, scale_factor):
        self.scale_factor = scale_factor
        return x.repeat(scale_factor[0], axis=2).repeat(scale_factor[1], axis=3)

    def backward(self, grad):
        n, c, ho, wo = grad.shape
        sh, sw = self.scale_factor
        return (grad.reshape(n, c, ho // sh, sh, wo // sw, sw).sum(axis=(3, 5)),)
