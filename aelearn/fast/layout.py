"""The fast kernels' im2col and col2im, on channels-last memory.

``aelearn.autograd.im2col`` derives what these compute; this module holds how they run
fast. Images here are channels-last arrays (batch, H, W, C): what the fast kernels' NCHW
arrays hold in memory.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def channels_last(x):
    """(batch, C, H, W) viewed as (batch, H, W, C), a view whatever the memory order."""
    return x.transpose(0, 2, 3, 1)


def channels_first(xh):
    """(batch, H, W, C) viewed as (batch, C, H, W): the NCHW array the user sees."""
    return xh.transpose(0, 3, 1, 2)


def pad_hw(xh, padding):
    """Pad a (batch, H, W, C) array by (top, bottom, left, right) rows and columns of zeros:
    a new NHWC array (``xh`` itself if no padding)."""
    top, bottom, left, right = padding
    if not any(padding):
        return xh
    n, h, w, c = xh.shape
    out = np.empty((n, h + top + bottom, w + left + right, c), dtype=xh.dtype)
    out[:, top : top + h, left : left + w] = xh
    # Only the border is zeroed: zeroing everything first would write the image twice.
    out[:, :top], out[:, top + h :] = 0, 0
    out[:, top : top + h, :left], out[:, top : top + h, left + w :] = 0, 0
    return out


def windows(xph, kernel, stride, out_hw):
    """The (batch, Ho, Wo, kH, kW, C) view of every window of a padded (batch, Hp, Wp, C) array.

    No copy: ``sliding_window_view`` gives every window at stride 1; slicing by the stride
    keeps those the convolution uses, and [:Ho] drops none but a remainder no window fits.
    """
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    view = sliding_window_view(xph, (kh, kw), axis=(1, 2))  # (batch, Hp-kH+1, Wp-kW+1, C, kH, kW)
    return view[:, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw].transpose(0, 1, 2, 4, 5, 3)


def window_matrix(xph, kernel, stride, out_hw):
    """im2col: every window of a padded (batch, Hp, Wp, C) array copied out as one row of
    X_col, of shape (batch Ho Wo, kH kW C), the column order (p, q, c)."""
    view = windows(xph, kernel, stride, out_hw)
    n, ho, wo, kh, kw, c = view.shape
    return view.reshape(n * ho * wo, kh * kw * c)


def scatter_windows(cols, padded_hw, stride, crop=(0, 0, 0, 0)):
    """col2im: add every window of ``cols`` back where it came from; the adjoint of ``windows``.

    Parameters
    ----------
    cols : ndarray of shape (batch, Ho, Wo, kH, kW, C)
        One value per window entry (any strides: a reshaped matrix product's output).
    padded_hw : (int, int)
        (Hp, Wp), the size of the padded image the windows were taken from.
    stride : (int, int)
    crop : (top, bottom, left, right), default none
        The padding to cut off: rows at the top and bottom, columns left and right.

    Returns
    -------
    ndarray of shape (batch, Hp - top - bottom, Wp - left - right, C)
        Each element the sum of the entries of every window that covered it, 0 if none did:
        the padded image, cropped. Contiguous when the strides divide its height and width.

    Notes
    -----
    Kernel offset (p, q) of every window lands on the grid of rows p, p + sH, p + 2 sH, ...
    and columns q, q + sW, ...: one vectorised add of a whole (batch, Ho, Wo, C) block per
    offset, never a loop over pixels. The adds go into the image's *phases* (the sH sW
    sub-images of rows y = r + sH t, columns z = u + sW v), where offset p lands in phase
    r = p mod sH shifted by p // sH rows: each phase is a contiguous array, so every add runs
    along whole rows, and one copy interleaves the phases into the image at the end. (Adding
    straight into the strided grid gives the same sums, in the same order, but runs along C
    values at a time: slower, as benchmarks/README.md's Convolutions section measures.)

    The phases are those of the cropped image: row y of it is row y + top of the padded one,
    so offset p lands in phase (p - top) mod sH, shifted by (p - top) // sH rows (negative for
    p < top), and the rows it would put in the padding are never added. The image comes out
    cropped rather than as a strided view of a padded one, so that the op after it (a ReLU,
    the next layer's product) reads one contiguous block.
    """
    n, ho, wo, kh, kw, c = cols.shape
    (sh, sw), (hp, wp) = stride, padded_hw
    if hp < sh * (ho - 1) + kh or wp < sw * (wo - 1) + kw:
        raise ValueError(f"{ho}x{wo} windows of {kh}x{kw} at stride {stride} overrun {hp}x{wp}")
    top, bottom, left, right = crop
    h, w = hp - top - bottom, wp - left - right
    th, tw = -(-h // sh), -(-w // sw)  # rows and columns of a phase
    phases = np.empty((sh, sw, n, th, tw, c), dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            (m, r), (v, u) = divmod(p - top, sh), divmod(q - left, sw)
            # Block row i lands on phase row i + m, kept while that row is inside the image
            # (t0 == t1 if the crop takes every row; likewise for the columns).
            t0, s0 = max(m, 0), max(v, 0)
            t1 = max(t0, min(m + ho, -(-(h - r) // sh)))
            s1 = max(s0, min(v + wo, -(-(w - u) // sw)))
            block, phase = cols[:, t0 - m : t1 - m, s0 - v : s1 - v, p, q], phases[r, u]
            if p < sh and q < sw:
                # Row by row, the first offset to reach its phase: copied, not added to
                # zeros (the same sums, one pass less); only what it leaves is zeroed.
                phase[:, t0:t1, s0:s1] = block
                phase[:, :t0], phase[:, t1:] = 0, 0
                phase[:, t0:t1, :s0], phase[:, t0:t1, s1:] = 0, 0
            else:
                phase[:, t0:t1, s0:s1] += block
    for r in range(sh):
        for u in range(sw):  # a stride larger than the kernel: no offset reaches these phases
            if (r + top) % sh >= kh or (u + left) % sw >= kw:
                phases[r, u] = 0
    if sh == sw == 1:
        return phases[0, 0]  # one phase: the image itself
    # Interleave: image row r + sH t, column u + sW v is phases[r, u, :, t, v]. Copied into a
    # new array, C-ordered whatever the sizes (a reshape may return a view when one is 1).
    image = np.empty((n, th * sh, tw * sw, c), dtype=cols.dtype)
    image.reshape(n, th, sh, tw, sw, c)[...] = phases.transpose(2, 3, 0, 4, 1, 5)
    return image[:, :h, :w]
