"""Transposed 2-D convolution: the backward of a convolution with respect to its input, as an op.

Notation as in ``convolution``, but the weight W has PyTorch's transposed layout
(C_in, C_out, kH, kW): x (batch, C_in, H, W) -> out (batch, C_out, Ho, Wo) with

    Ho = (H - 1) sH - 2 pH + kH + output_padding_h        (PyTorch's formula; Wo alike).

**What it computes.** A convolution with stride s and padding p maps an image of size Ho to
one of size H; its input gradient maps a gradient of size H back to size Ho. The transposed
convolution is exactly that map, with W as the convolution's weight: every input pixel
x[n, :, i, j] multiplies W into a kH x kW patch of out_channels values and adds the patch
into the (padded) output at rows i sH ... i sH + kH - 1 and columns j sW ... j sW + kW - 1,

    outp[n, o, i sH + p, j sW + q] += sum_c x[n, c, i, j] W[c, o, p, q],

and the padding is then cropped off: p rows on each side. Several sizes Ho give the same H
under a strided convolution (they differ by the remainder the stride drops), so
output_padding (< stride, as PyTorch requires) picks one: it adds rows at the bottom that
only patches reaching that far fill.

**As one matrix product.** With X as a (batch H W, C_in) matrix and W_col the (C_in, kH kW
C_out) matrix of the weight, the patches are the rows of X @ W_col, and placing them is the
scatter-add col2im (``convolution.scatter_windows``): the very two steps of the convolution's
input gradient, dX_col = G @ W_row, then col2im.

**Backward.** The forward is linear in x and in W, and its adjoint is the convolution: the
gradient at x[n, c, i, j] gathers dL/d(outp) over the patch the pixel wrote to, which is the
window at (i sH, j sW) of the padded output gradient. So G_col, the im2col of dL/d(outp) (the
output gradient padded back with zeros where the forward cropped), gives

    dL/dX = G_col @ W_col.T,    dL/dW_col = X.T @ G_col,    dL/db = sum of dL/d(out) over
    batch, height and width:

a convolution of the output gradient with W, with the stride and padding of the forward.

**The fast path.** As in ``convolution``: X is read from channels-last memory (a view when
the input came from one of these ops). X @ W_col is one batched product, one (C_in, C_out)
block W[:, :, p, q] per kernel offset (``tap_products``), so that each offset's patches are
one contiguous block, and col2im adds those blocks into the image's phases
(``scatter_windows``); the output is that image, cropped, viewed as NCHW.
"""

from aelearn.autograd.convolution import check_image, pair, weight_from_matrix, weight_matrix
from aelearn.autograd.function import Function
from aelearn.autograd.im2col import (
    add_channel_bias,
    channels_first,
    channels_last,
    pad_hw,
    scatter_windows,
    tap_products,
    window_matrix,
)


def conv_transpose_output_size(size, kernel, stride, padding, output_padding):
    """PyTorch's output length: (size - 1) stride - 2 padding + kernel + output_padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


class ConvTranspose2dOp(Function):
    """out = conv_transpose2d(x, W) + b; see the module docstring.

    Shapes: x (batch, C_in, H, W), W (C_in, C_out, kH, kW), b (C_out,) or absent,
    out (batch, C_out, Ho, Wo). ``stride``, ``padding`` and ``output_padding`` are pairs,
    already checked. Saved: X as a (batch H W, C_in) matrix for dL/dW, and W for dL/dx.
    """

    def forward(self, x, W, b=None, *, stride, padding, output_padding):
        n, c_in, h, w = x.shape
        kh, kw = W.shape[2:]
        ho = conv_transpose_output_size(h, kh, stride[0], padding[0], output_padding[0])
        wo = conv_transpose_output_size(w, kw, stride[1], padding[1], output_padding[1])
        X = channels_last(x).reshape(n * h * w, c_in)  # a view when x is NHWC memory
        patches = tap_products(X, W, (n, h, w))  # X @ W_col, one (C_in, C_out) block per tap
        self.crop = (padding[0], padding[0], padding[1], padding[1])
        padded_hw = (ho + 2 * padding[0], wo + 2 * padding[1])
        out = scatter_windows(patches, padded_hw, stride, self.crop)  # col2im, cropped
        if b is not None:
            add_channel_bias(out, b)
        self.stride, self.shapes = stride, (x.shape, W.shape)
        self.save_for_backward(X, W)
        return channels_first(out)

    def backward(self, grad):
        X, W = self.saved
        W_col = weight_matrix(W)  # (C_in, kH kW C_out)
        x_shape, W_shape = self.shapes
        n, c_in, h, w = x_shape
        kh, kw = W_shape[2:]
        gh = channels_last(grad)
        G_col = window_matrix(pad_hw(gh, self.crop), (kh, kw), self.stride, (h, w))
        dx = None
        if self.needs_input_grad[0]:
            dx = channels_first((G_col @ W_col.T).reshape(n, h, w, c_in))
        # dL/dW_col = X.T @ G_col as (G_col.T @ X).T, the faster orientation (see Conv2dOp).
        dW = weight_from_matrix((G_col.T @ X).T, W_shape) if self.needs_input_grad[1] else None
        if len(self.inputs) == 2:
            return dx, dW
        db = gh.sum(axis=(0, 1, 2)) if self.needs_input_grad[2] else None
        return dx, dW, db


def check_output_padding(output_padding, stride):
    """``output_padding`` as a pair, each below its stride, as PyTorch requires."""
    output_padding = pair(output_padding, "output_padding", minimum=0)
    if output_padding[0] >= stride[0] or output_padding[1] >= stride[1]:
        raise ValueError(
            f"output_padding {output_padding} must be smaller than the stride {stride}, as in "
            "PyTorch: it only picks one of the stride's possible output sizes"
        )
    return output_padding


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """Transposed 2-D convolution as ``torch.nn.functional.conv_transpose2d``, one op.

    Parameters
    ----------
    x : Tensor of shape (batch, in_channels, H, W)
    weight : Tensor of shape (in_channels, out_channels, kH, kW)
    bias : Tensor of shape (out_channels,), optional
    stride, padding, output_padding : int or (int, int), defaults 1, 0, 0

    Returns
    -------
    Tensor of shape (batch, out_channels, Ho, Wo),
    Ho = (H - 1) stride - 2 padding + kH + output_padding
    """
    check_image(x, "x", weight.shape[0], "conv_transpose2d")
    stride = pair(stride, "stride")
    padding = pair(padding, "padding", minimum=0)
    output_padding = check_output_padding(output_padding, stride)
    size = [
        conv_transpose_output_size(x.shape[2 + i], weight.shape[2 + i], *args)
        for i, args in enumerate(zip(stride, padding, output_padding, strict=True))
    ]
    if min(size) < 1:
        raise ValueError(
            f"conv_transpose2d: the output would be {size[0]}x{size[1]}; reduce the padding "
            f"{padding} (the output size is (H - 1) stride - 2 padding + kernel + output_padding)"
        )
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2dOp.apply(
        *inputs, stride=stride, padding=padding, output_padding=output_padding
    )
