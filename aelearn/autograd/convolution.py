"""2-D convolution of images (batch, channels, height, width), as one matrix product.

Notation: x of shape (batch, C, H, W), W being its width; the weight K, O kernels of
(C, kH, kW) stacked as (O, C, kH, kW), PyTorch's layout; bias b of shape (O,); stride
(sH, sW); zero padding (top, bottom, left, right); xp the padded input, (batch, C, Hp, Wp).
The output has shape (batch, O, Ho, Wo), Ho = (Hp - kH) // sH + 1,

    out[n, o, i, j] = b[o] + sum_{c, p, q} K[o, c, p, q] xp[n, c, i sH + p, j sW + q].

**Forward.** im2col writes every window of xp out as a row of X_col, (batch Ho Wo, C kH kW)
(symbols side by side multiply: a row per window, a column per pixel of a window), and K
reshapes to K_row, (O, C kH kW), with the same column order. Then the whole
convolution is one matrix product, a dense layer applied to every window:

    out (as a (batch Ho Wo, O) matrix) = X_col @ K_row.T + b.

**Backward.** With G = dL/d(out) as that (batch Ho Wo, O) matrix, the backward is a dense
layer's (``Affine``):

    dL/dK_row = G.T @ X_col,    dL/db = the column sums of G,    dL/dX_col = G @ K_row,

and col2im, the backward of im2col, adds each row of dL/dX_col back into the window it
came from: dL/dxp. The padding is constant zeros, so dL/dx is dL/dxp with it cropped off.
"""

import numpy as np

from aelearn.autograd.function import Function
from aelearn.autograd.im2col import col2im, im2col, output_size


class Conv2dOp(Function):
    """out = conv2d(x, K) + b; see the module docstring.

    Shapes: x (batch, C, H, W), K (O, C, kH, kW), b (O,) or absent, out (batch, O, Ho, Wo).
    ``stride`` is (sH, sW) and ``padding`` (top, bottom, left, right), checked by the caller.
    Saved: X_col for dL/dK, K for dL/dx.
    """

    def forward(self, x, K, b=None, *, stride, padding):
        top, bottom, left, right = padding
        xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
        o, _, kh, kw = K.shape
        ho, wo = output_size(xp.shape[2], kh, stride[0]), output_size(xp.shape[3], kw, stride[1])
        X_col = im2col(xp, (kh, kw), stride)  # (batch Ho Wo, C kH kW)
        out = X_col @ K.reshape(o, -1).T  # (batch Ho Wo, O)
        if b is not None:
            out += b
        self.stride, self.padding, self.padded_shape = stride, padding, xp.shape
        self.save_for_backward(X_col, K)
        return out.reshape(x.shape[0], ho, wo, o).transpose(0, 3, 1, 2)

    def backward(self, grad):
        X_col, K = self.saved
        o = K.shape[0]
        G = grad.transpose(0, 2, 3, 1).reshape(-1, o)  # (batch Ho Wo, O)
        dK = (G.T @ X_col).reshape(K.shape)
        dx = None
        if self.needs_input_grad[0]:  # not for the images a first layer sees
            dxp = col2im(G @ K.reshape(o, -1), self.padded_shape, K.shape[2:], self.stride)
            top, bottom, left, right = self.padding
            dx = dxp[:, :, top : dxp.shape[2] - bottom, left : dxp.shape[3] - right]
        return (dx, dK) if len(self.inputs) == 2 else (dx, dK, G.sum(axis=0))
