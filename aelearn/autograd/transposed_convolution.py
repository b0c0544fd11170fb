"""Transposed 2-D convolution: a convolution's backward with respect to its input, as an op.

Notation as in ``convolution``, but the weight K has PyTorch's transposed layout
(C_in, C_out, kH, kW): x (batch, C_in, H, W) -> out (batch, C_out, Ho, Wo) with

    Ho = (H - 1) sH - 2 pH + kH + output_padding_h        (PyTorch's formula; Wo alike).

**What it computes.** A convolution with stride s and padding p maps an image of size Ho to
one of size H; its input gradient maps a gradient of size H back to size Ho. The transposed
convolution is that map, with K as the convolution's weight: every input pixel x[n, :, i, j]
multiplies K into a kH x kW patch of C_out values and adds the patch into the output at rows
i sH ... i sH + kH - 1 and columns j sW ... j sW + kW - 1,

    outp[n, o, i sH + p, j sW + q] += sum_c x[n, c, i, j] K[c, o, p, q],

then pH rows and pW columns are cropped off each side. Several sizes Ho give the same H
under a strided convolution, so output_padding (< stride, as PyTorch requires) picks one:
it adds rows at the bottom that only patches reaching that far fill.

**Forward.** With X the input as a (batch H W, C_in) matrix and K_col the weight as a
(C_in, C_out kH kW) matrix, the patches are the rows of X @ K_col, and placing them is
col2im: the two steps of a convolution's input gradient, in the same order.

**Backward.** The forward is linear in x and in K, and its adjoint is a convolution: the
gradient at x[n, c, i, j] gathers dL/d(outp) over the patch the pixel wrote to, the window
at (i sH, j sW) of the output gradient padded back to outp's size. With G_col its im2col,
(batch H W, C_out kH kW),

    dL/dX = G_col @ K_col.T,    dL/dK_col = X.T @ G_col,
    dL/db = dL/d(out) summed over batch, height and width.
"""

import numpy as np

from aelearn.autograd.function import Function
from aelearn.autograd.im2col import col2im, im2col


class ConvTranspose2dOp(Function):
    """out = conv_transpose2d(x, K) + b; see the module docstring.

    Shapes: x (batch, C_in, H, W), K (C_in, C_out, kH, kW), b (C_out,) or absent,
    out (batch, C_out, Ho, Wo). ``stride``, ``padding`` and ``output_padding`` are pairs,
    checked by the caller. Saved: X for dL/dK, K for dL/dx.
    """

    def forward(self, x, K, b=None, *, stride, padding, output_padding):
        n, c_in, h, w = x.shape
        _, c_out, kh, kw = K.shape
        # The output before cropping: the patches' extent, and output_padding's rows.
        hp = (h - 1) * stride[0] + kh + output_padding[0]
        wp = (w - 1) * stride[1] + kw + output_padding[1]
        X = x.transpose(0, 2, 3, 1).reshape(-1, c_in)  # (batch H W, C_in)
        outp = col2im(X @ K.reshape(c_in, -1), (n, c_out, hp, wp), (kh, kw), stride)
        (ph, pw) = padding
        out = outp[:, :, ph : hp - ph, pw : wp - pw]
        if b is not None:
            out = out + b[:, None, None]
        self.stride, self.padding, self.x_shape = stride, padding, x.shape
        self.save_for_backward(X, K)
        return out

    def backward(self, grad):
        X, K = self.saved
        n, c_in, h, w = self.x_shape
        (ph, pw) = self.padding
        gp = np.pad(grad, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # the cropped rows get 0
        G_col = im2col(gp, K.shape[2:], self.stride)  # (batch H W, C_out kH kW)
        dx = (G_col @ K.reshape(c_in, -1).T).reshape(n, h, w, c_in).transpose(0, 3, 1, 2)
        dK = (X.T @ G_col).reshape(K.shape)
        return (dx, dK) if len(self.inputs) == 2 else (dx, dK, grad.sum(axis=(0, 2, 3)))
