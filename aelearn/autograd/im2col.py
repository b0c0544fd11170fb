"""im2col and col2im: the window view of an image, its copy, and the copy's adjoint.

The convolution ops (``convolution``, ``transposed_convolution``, ``pooling``) share these
steps; their docstrings derive what the steps compute, this module holds how. Images here are
channels-last arrays (batch, H, W, C): what the ops' NCHW arrays hold in memory.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def channels_last(x):
    """(batch, C, H, W) viewed as (batch, H, W, C), a view whatever the memory order."""
    return x.transpose(0, 2, 3, 1)


def channels_first(xh):
    """(batch, H, W, C) viewed as (batch, C, H, W): the NCHW array the user sees."""
    return xh.transpose(0, 3, 1, 2)


def pad_hw(xh, padding, value=0.0):
    """Pad a (batch, H, W, C) array by (top, bottom, left, right) rows and columns of ``value``
    (zeros for a convolution, -inf for max pooling): a new NHWC array (``xh`` itself if no
    padding)."""
    top, bottom, left, right = padding
    if not any(padding):
        return xh
    n, h, w, c = xh.shape
    out = np.empty((n, h + top + bottom, w + left + right, c), dtype=xh.dtype)
    out[:, top : top + h, left : left + w] = xh
    # Only the border is filled: writing ``value`` everywhere first would write the image twice.
    out[:, :top], out[:, top + h :] = value, value
    out[:, top : top + h, :left], out[:, top : top + h, left + w :] = value, value
    return out


def add_channel_bias(xh, b):
    """``xh += b`` over the channels of a (batch, H, W, C) array, in place.

    The same sums as ``xh += b``, faster: broadcast along the last axis, b would make NumPy's
    inner loop run C values at a time; tiled along a row (when W and C are one run in
    memory, as in every array these ops make), it runs a whole row of W C values.
    """
    n, h, w, c = xh.shape
    if xh.strides[2] != c * xh.strides[3]:
        xh += b
        return
    rows = xh.reshape(n, h, w * c)  # a view: W and C are one run, tested above
    rows += np.tile(b, w)


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
    X_col, of shape (batch Ho Wo, kH kW C), the column order (p, q, c).

    The copy of ``windows(...)``. NumPy runs a copy's inner loop along the longest run that
    both arrays share, for a window its kW C values: only kW when C is 1 (an image's first
    layer, a one-channel output's gradient). Then each kernel offset is copied as a block
    instead, the inner loop running along the Wo windows of a row: the same copy, faster.
    """
    view = windows(xph, kernel, stride, out_hw)
    n, ho, wo, kh, kw, c = view.shape
    if kw * c >= wo:
        return view.reshape(n * ho * wo, kh * kw * c)
    cols = np.empty(view.shape, dtype=view.dtype)
    for p in range(kh):
        for q in range(kw):
            cols[:, :, :, p, q] = view[:, :, :, p, q]
    return cols.reshape(n * ho * wo, kh * kw * c)


def scatter_windows(cols, padded_hw, stride, crop=(0, 0, 0, 0)):
    """col2im: add every window of ``cols`` back where it came from; the adjoint of ``windows``.

    Parameters
    ----------
    cols : ndarray of shape (batch, Ho, Wo, kH, kW, C)
        One value per window entry (any strides; fastest when each kernel offset's
        ``cols[:, :, :, p, q]`` is contiguous, as ``tap_products`` lays them out).
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
    so offset p lands in phase (p - top) mod sH, shifted by (p - top) // sH rows (-1 for
    p < top), and the rows it would put in the padding are never added. The image comes out
    cropped, in its own memory, rather than a strided view of a padded one, which is what
    the op after it (a ReLU, the next layer's product) reads fastest.
    """
    n, ho, wo, kh, kw, c = cols.shape
    (sh, sw), (hp, wp) = stride, padded_hw
    top, bottom, left, right = crop
    h, w = hp - top - bottom, wp - left - right
    th, tw = -(-h // sh), -(-w // sw)  # rows and columns of a phase
    phases = np.empty((sh, sw, n, th, tw, c), dtype=cols.dtype)
    filled = np.zeros((sh, sw), dtype=bool)
    for p, q in offsets_by_phase((kh, kw), (sh, sw)):
        (m, r), (v, u) = divmod(p - top, sh), divmod(q - left, sw)
        # Block row i lands on phase row i + m, kept while that row is inside the image.
        t0, t1 = max(m, 0), min(m + ho, -(-(h - r) // sh))
        s0, s1 = max(v, 0), min(v + wo, -(-(w - u) // sw))
        if t0 >= t1 or s0 >= s1:
            continue  # every entry of this offset lands in the padding
        block = cols[:, t0 - m : t1 - m, s0 - v : s1 - v, p, q]
        if filled[r, u]:
            phases[r, u, :, t0:t1, s0:s1] += block
        else:
            # The first offset to reach a phase is copied, not added to zeros (the same
            # sums, one pass less); only what it leaves uncovered is zeroed.
            phases[r, u, :, t0:t1, s0:s1] = block
            phases[r, u, :, :t0], phases[r, u, :, t1:] = 0, 0
            phases[r, u, :, t0:t1, :s0], phases[r, u, :, t0:t1, s1:] = 0, 0
            filled[r, u] = True
    # No offset reaches these phases: a stride larger than the kernel, or a crop that cuts
    # off everything the offsets would put there.
    phases[~filled] = 0
    if sh == sw == 1:
        return phases[0, 0]  # one phase: the image itself
    # Interleave: image row r + sH t, column u + sW v is phases[r, u, :, t, v].
    image = np.empty((n, th * sh, tw * sw, c), dtype=cols.dtype)
    image.reshape(n, th, sh, tw, sw, c)[...] = phases.transpose(2, 3, 0, 4, 1, 5)
    return image[:, :h, :w]


def offsets_by_phase(kernel, stride):
    """Every kernel offset (p, q) in the order col2im adds them: first the sH sW offsets p < sH,
    q < sW, one per phase of the padded image, then all the others, row by row. One order
    whatever the crop, so that a cropped image holds the uncropped one's sums bit for bit."""
    (kh, kw), (sh, sw) = kernel, stride
    offsets = [(p, q) for p in range(kh) for q in range(kw)]
    return sorted(offsets, key=lambda pq: not (pq[0] < sh and pq[1] < sw))


def tap_products(A, W, grid):
    """``A @ W[:, :, p, q]`` for every kernel offset (p, q): the window entries col2im adds.

    Parameters
    ----------
    A : ndarray of shape (rows, W.shape[0])
        One row per point of ``grid``, (batch, Ho, Wo), in that order.
    W : ndarray of shape (first, second, kH, kW)
    grid : (int, int, int)

    Returns
    -------
    ndarray of shape (batch, Ho, Wo, kH, kW, second)
        A view of one batched product (kH kW products of (rows, first) by (first, second)),
        each offset's block contiguous, which is what ``scatter_windows`` adds fastest.
    """
    kh, kw = W.shape[2:]
    taps = np.ascontiguousarray(W.transpose(2, 3, 0, 1))  # (kH, kW, first, second): small
    products = np.matmul(A, taps)  # (kH, kW, rows, second)
    return products.reshape(kh, kw, *grid, -1).transpose(2, 3, 4, 0, 1, 5)
