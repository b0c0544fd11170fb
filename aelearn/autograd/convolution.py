"""2-D convolution of images (batch, channels, height, width), as one matrix product: im2col.

Notation: x of shape (batch, C, H, W); weight W of shape (O, C, kH, kW), PyTorch's layout;
bias b of shape (O,); stride (sH, sW); zero padding (top, bottom, left, right); xp the padded
input, of height Hp = H + top + bottom and width Wp. The output has shape (batch, O, Ho, Wo),

    Ho = (Hp - kH) // sH + 1,    Wo = (Wp - kW) // sW + 1    (PyTorch's formula),

    out[n, o, i, j] = b[o] + sum_{c, p, q} W[o, c, p, q] xp[n, c, i sH + p, j sW + q].

**im2col.** Write each window xp[n, :, i sH : i sH + kH, j sW : j sW + kW] out as one row of
a matrix X_col of shape (batch Ho Wo, kH kW C), and W as a matrix W_row of shape (O, kH kW C)
with the same column order. Then the whole convolution is one matrix product,

    out (as a (batch Ho Wo, O) matrix) = X_col @ W_row.T + b,

and its backward is that of a dense layer (``Affine``): with G = dL/d(out) as a matrix,
dL/dW_row = G.T @ X_col, dL/db = the column sums of G, dL/dX_col = G @ W_row.

**col2im, the backward of im2col.** X_col is a gather: each entry is a copy of one element of
xp, and an element appears in as many rows as there are windows covering it: several when the
stride is smaller than the kernel (windows overlap), one when they tile, none for the rows and
columns a stride larger than the kernel skips, or the remainder that no window reaches when
(Hp - kH) is not a multiple of sH. The derivative of a copy is the identity, so the gradient
of an element used several times is the sum of the gradients of its copies: a scatter-add,

    dL/dxp[n, c, y, z] = sum over (i, j, p, q) with i sH + p = y, j sW + q = z of
                         dL/dX_col[(n, i, j), (p, q, c)],

zero where no window reached. For a fixed kernel offset (p, q), the windows' entries land on
the grid xp[:, :, p : p + sH Ho : sH, q : q + sW Wo : sW], one element per window, so col2im is
kH kW vectorised additions of whole (batch, C, Ho, Wo) blocks (``scatter_windows``). The zeros
of the padding are constants: dL/dx is dL/dxp with the padding cropped off. dL/dX_col itself
is computed per kernel offset, G @ W[:, :, p, q] (one (O, C) block of W_row each, in one
batched product: ``tap_products``), so that each offset's block is contiguous for col2im.

**The fast path.** Arrays are NCHW to the user, but the ops of this file and of
``transposed_convolution`` hand out arrays whose memory is channels-last (an NHWC array
viewed as NCHW, what PyTorch calls the channels_last memory format). Read as a matrix of
(batch H W) rows and C columns, such an array *is* the matrix the products need, so the output
of one product feeds the next without a transpose copy. ``windows`` (in ``im2col``, with
col2im and the layout helpers these ops share) is
``numpy.lib.stride_tricks.sliding_window_view``: a view of the windows, strides only; the one
copy is X_col itself (``window_matrix``, which copies by window or, for one channel, by kernel
offset, whichever runs longer), and the product is one BLAS matrix multiplication.
"""

import numbers

import numpy as np

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


def pair(value, name, minimum=1):
    """``value`` as a pair (height, width) of ints >= ``minimum``: an int means both.

    Raises
    ------
    ValueError
        Naming the argument, for anything but an int or a pair of ints at least ``minimum``.
    """
    values = tuple(value) if isinstance(value, tuple | list) else (value, value)
    ok = len(values) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum for v in values
    )
    if not ok:
        raise ValueError(
            f"{name} must be an int >= {minimum} or a pair (height, width) of them; got {value!r}"
        )
    return int(values[0]), int(values[1])


def conv_output_size(size, kernel, stride, padding):
    """PyTorch's output length of a convolution: (size + padding - kernel) // stride + 1.

    ``padding`` is the total zeros added along the axis (both sides).
    """
    return (size + padding - kernel) // stride + 1


def weight_matrix(W):
    """(O, C, kH, kW) -> W_row of shape (O, kH kW C), the column order of X_col."""
    return W.transpose(0, 2, 3, 1).reshape(W.shape[0], -1)


def weight_from_matrix(W_row, shape):
    """The inverse of ``weight_matrix``: (O, kH kW C) -> a new (O, C, kH, kW) array."""
    o, c, kh, kw = shape
    return np.ascontiguousarray(W_row.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


class Conv2dOp(Function):
    """out = conv2d(x, W) + b, by im2col and one matrix product; see the module docstring.

    Shapes: x (batch, C, H, W), W (O, C, kH, kW), b (O,) or absent, out (batch, O, Ho, Wo).
    ``stride`` is (sH, sW), ``padding`` (top, bottom, left, right), both already checked.
    Saved: X_col (the windows, copied once) for dL/dW, and W for dL/dx.
    """

    def forward(self, x, W, b=None, *, stride, padding):
        n, c, h, w = x.shape
        o, _, kh, kw = W.shape
        ho = conv_output_size(h, kh, stride[0], padding[0] + padding[1])
        wo = conv_output_size(w, kw, stride[1], padding[2] + padding[3])
        xph = pad_hw(channels_last(x), padding)
        X_col = window_matrix(xph, (kh, kw), stride, (ho, wo))  # (batch Ho Wo, kH kW C)
        out = (X_col @ weight_matrix(W).T).reshape(n, ho, wo, o)  # NHWC memory
        if b is not None:
            add_channel_bias(out, b)
        self.stride, self.padding = stride, padding
        self.shapes = (x.shape, xph.shape[1:3], (ho, wo))
        self.save_for_backward(X_col, W)
        return channels_first(out)

    def backward(self, grad):
        X_col, W = self.saved
        x_shape, padded_hw, (ho, wo) = self.shapes
        G = channels_last(grad).reshape(-1, W.shape[0])  # a view when grad is NHWC memory
        # dL/dW_row = G.T @ X_col, computed as its transpose (X_col.T @ G).T: OpenBLAS is
        # several times faster when the long (batch Ho Wo) sum yields the taller output
        # (kH kW C rows, not O), as benchmarks/bench_conv_speed.py measured.
        dW = weight_from_matrix((X_col.T @ G).T, W.shape) if self.needs_input_grad[1] else None
        dx = None
        if self.needs_input_grad[0]:
            # dL/dX_col = G @ W_row, one (O, C) block of W_row per kernel offset, then col2im.
            dX_col = tap_products(G, W, (x_shape[0], ho, wo))
            dx = channels_first(scatter_windows(dX_col, padded_hw, self.stride, self.padding))
        if len(self.inputs) == 2:
            return dx, dW
        db = G.sum(axis=0) if self.needs_input_grad[2] else None
        return dx, dW, db


def conv_padding(padding, kernel, stride):
    """PyTorch's padding argument as (top, bottom, left, right).

    An int or a pair pads both sides alike; "valid" is no padding; "same" pads kH - 1 rows in
    all, (kH - 1) // 2 on top and the rest below (likewise for columns), so that the output
    keeps the input's size, which only stride 1 can do: PyTorch refuses "same" with a stride
    above 1, and so does this.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"padding must be an int, a pair, 'same' or 'valid'; got {padding!r}")
        if stride != (1, 1):
            raise ValueError(
                f"padding='same' is not supported for strided convolutions (stride={stride}), "
                "as in PyTorch; give the padding as an int instead"
            )
        (kh, kw) = kernel
        return ((kh - 1) // 2, kh - 1 - (kh - 1) // 2, (kw - 1) // 2, kw - 1 - (kw - 1) // 2)
    ph, pw = pair(padding, "padding", minimum=0)
    return (ph, ph, pw, pw)


def check_image(x, name, channels=None, where="this layer"):
    """Raise ValueError unless ``x`` is (batch, channels, height, width), with ``channels``."""
    expected = "channels" if channels is None else str(channels)
    if x.ndim != 4 or (channels is not None and x.shape[1] != channels):
        raise ValueError(
            f"{where} expects {name} of shape (batch, {expected}, height, width); got shape "
            f"{tuple(x.shape)}. Reshape flat images with .reshape(-1, channels, height, width)."
        )


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution as ``torch.nn.functional.conv2d``, one ``Conv2dOp``.

    Parameters
    ----------
    x : Tensor of shape (batch, in_channels, H, W)
    weight : Tensor of shape (out_channels, in_channels, kH, kW)
    bias : Tensor of shape (out_channels,), optional
    stride : int or (int, int), default=1
    padding : int, (int, int), "same" or "valid", default=0

    Returns
    -------
    Tensor of shape (batch, out_channels, Ho, Wo), Ho = (H + 2 padding - kH) // stride + 1
    """
    check_image(x, "x", weight.shape[1], "conv2d")
    stride = pair(stride, "stride")
    padding = conv_padding(padding, weight.shape[2:], stride)
    if x.shape[2] + padding[0] + padding[1] < weight.shape[2] or (
        x.shape[3] + padding[2] + padding[3] < weight.shape[3]
    ):
        raise ValueError(
            f"the kernel {tuple(weight.shape[2:])} is larger than the padded image "
            f"{x.shape[2] + padding[0] + padding[1]}x{x.shape[3] + padding[2] + padding[3]}"
        )
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv2dOp.apply(*inputs, stride=stride, padding=padding)
