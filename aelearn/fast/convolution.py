"""The convolutions' fast kernels: the same sums as ``aelearn.autograd.convolution`` and
``transposed_convolution``, arranged for speed (see ``aelearn.fast``).

Each op is a pair of functions on arrays: ``*_forward(...)`` returns the output and what the
backward needs, ``*_backward(grad, saved, needs_input_grad)`` one gradient per input (None
where ``needs_input_grad`` says none is wanted). The arrays they hand out are NCHW to the
caller but channels-last in memory (``layout``), so one product's output is the next one's
input matrix without a transpose copy.
"""

import numpy as np

from aelearn.fast.layout import (
    channels_first,
    channels_last,
    pad_hw,
    scatter_windows,
    window_matrix,
)


def weight_matrix(K):
    """(O, C, kH, kW) -> K_row of shape (O, kH kW C), the column order of X_col here."""
    return K.transpose(0, 2, 3, 1).reshape(K.shape[0], -1)


def weight_from_matrix(K_row, shape):
    """The inverse of ``weight_matrix``: (O, kH kW C) -> a new (O, C, kH, kW) array."""
    o, c, kh, kw = shape
    return np.ascontiguousarray(K_row.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


def conv2d_forward(x, K, b, stride, padding):
    """out = conv2d(x, K) + b, x (batch, C, H, W), padding (top, bottom, left, right)."""
    n = x.shape[0]
    o, _, kh, kw = K.shape
    xph = pad_hw(channels_last(x), padding)
    ho, wo = (xph.shape[1] - kh) // stride[0] + 1, (xph.shape[2] - kw) // stride[1] + 1
    X_col = window_matrix(xph, (kh, kw), stride, (ho, wo))  # (batch Ho Wo, kH kW C)
    out = (X_col @ weight_matrix(K).T).reshape(n, ho, wo, o)
    if b is not None:
        out += b
    return channels_first(out), (X_col, K, stride, padding, xph.shape[1:3], (n, ho, wo))


def conv2d_backward(grad, saved, needs_input_grad):
    X_col, K, stride, padding, padded_hw, grid = saved
    G = channels_last(grad).reshape(-1, K.shape[0])  # a view when grad is NHWC memory
    dx = dK = db = None
    if needs_input_grad[0]:
        _, c, kh, kw = K.shape
        cols = (G @ weight_matrix(K)).reshape(*grid, kh, kw, c)  # dL/dX_col, then col2im
        dx = channels_first(scatter_windows(cols, padded_hw, stride, padding))
    if needs_input_grad[1]:
        dK = weight_from_matrix(G.T @ X_col, K.shape)  # dL/dK_row = G.T @ X_col
    if len(needs_input_grad) == 2:
        return dx, dK
    if needs_input_grad[2]:
        db = G.sum(axis=0)
    return dx, dK, db


def conv_transpose2d_forward(x, K, b, stride, padding, output_padding):
    """out = conv_transpose2d(x, K) + b, x (batch, C_in, H, W), K (C_in, C_out, kH, kW)."""
    n, c_in, h, w = x.shape
    kh, kw = K.shape[2:]
    ho = (h - 1) * stride[0] - 2 * padding[0] + kh + output_padding[0]
    wo = (w - 1) * stride[1] - 2 * padding[1] + kw + output_padding[1]
    X = channels_last(x).reshape(n * h * w, c_in)  # a view when x is NHWC memory
    patches = (X @ weight_matrix(K)).reshape(n, h, w, kh, kw, -1)  # X @ K_col: the windows
    crop = (padding[0], padding[0], padding[1], padding[1])
    padded_hw = (ho + 2 * padding[0], wo + 2 * padding[1])
    out = scatter_windows(patches, padded_hw, stride, crop)  # col2im, cropped
    if b is not None:
        out += b
    return channels_first(out), (X, K, stride, crop, x.shape)


def conv_transpose2d_backward(grad, saved, needs_input_grad):
    X, K, stride, crop, x_shape = saved
    n, c_in, h, w = x_shape
    gh = channels_last(grad)
    G_col = window_matrix(pad_hw(gh, crop), K.shape[2:], stride, (h, w))
    dx = dK = db = None
    if needs_input_grad[0]:
        dx = channels_first((G_col @ weight_matrix(K).T).reshape(n, h, w, c_in))
    if needs_input_grad[1]:
        dK = weight_from_matrix(X.T @ G_col, K.shape)  # dL/dK_col = X.T @ G_col
    if len(needs_input_grad) == 2:
        return dx, dK
    if needs_input_grad[2]:
        db = gh.sum(axis=(0, 1, 2))
    return dx, dK, db
