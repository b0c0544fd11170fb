"""im2col and col2im: an image's windows as the rows of a matrix, and the way back.

Notation: a padded image xp of shape (batch, C, Hp, Wp); windows of kH x kW pixels taken at
stride (sH, sW), window (i, j) covering rows i sH ... i sH + kH - 1 and columns
j sW ... j sW + kW - 1. There are

    Ho = (Hp - kH) // sH + 1  by  Wo = (Wp - kW) // sW + 1

windows (PyTorch's formula: a remainder too short for a window is left out).

**im2col** writes window (n, i, j) out as row (n, i, j) of X_col, of shape
(batch Ho Wo, C kH kW), in the column order (c, p, q): the order of a weight
(O, C, kH, kW) reshaped to (O, C kH kW). A convolution is then one matrix product.

**col2im** is its adjoint, the backward of im2col. Each entry of X_col is a copy of one pixel
of xp, and a pixel is copied into as many rows as windows cover it: several where windows
overlap (stride < kernel), none where a stride larger than the kernel skips it. The
derivative of a copy is 1, so the gradient of a pixel is the sum of the gradients of its
copies: a scatter-add,

    dL/dxp[n, c, y, z] = sum over (i, j, p, q) with i sH + p = y and j sW + q = z
                         of dL/dX_col[(n, i, j), (c, p, q)],

zero where no window reached. For one kernel offset (p, q), the windows' entries land on
the grid of rows p, p + sH, ..., and columns q, q + sW, ...: one vectorised add per offset.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size, kernel, stride):
    """How many windows of ``kernel`` fit along ``size`` padded pixels at ``stride``."""
    return (size - kernel) // stride + 1


def im2col(xp, kernel, stride):
    """Every window of xp (batch, C, Hp, Wp) as a row of X_col (batch Ho Wo, C kH kW)."""
    (kh, kw), (sh, sw) = kernel, stride
    # Every window at stride 1 as a view (batch, C, Hp - kH + 1, Wp - kW + 1, kH, kW), no
    # copy; slicing by the stride keeps the windows the op uses.
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    n, c, ho, wo = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)


def col2im(cols, padded_shape, kernel, stride):
    """The adjoint of im2col: each row of cols (batch Ho Wo, C kH kW) added back into the
    window it came from, in a zero image of ``padded_shape`` (batch, C, Hp, Wp)."""
    n, c, hp, wp = padded_shape
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = output_size(hp, kh, sh), output_size(wp, kw, sw)
    windows = cols.reshape(n, ho, wo, c, kh, kw).transpose(0, 3, 1, 2, 4, 5)
    xp = np.zeros(padded_shape, dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            xp[:, :, p : p + sh * ho : sh, q : q + sw * wo : sw] += windows[..., p, q]
    return xp
