"""im2col and col2im, the windows of an image as the rows of a matrix and the way back.

The reference pair (``aelearn.autograd.im2col``): output_size against a count of the windows,
im2col's rows against the windows cut out one by one, and col2im as im2col's adjoint,
<im2col(x), c> = <x, col2im(c)>, and as a scatter-add written as a plain loop.

The fast kernels' pieces (``aelearn.fast.layout``, channels-last): col2im by phases
(``scatter_windows``) against a plain loop over every window entry, as the adjoint of the
window view, and cropping as slicing would, on window entries laid out as the kernels hand
them over (a reshaped matrix product: each kernel offset's block strided) and offset-major (a
view: each block contiguous, the array not); ``window_matrix`` against the windows copied one
by one and against the reference im2col; the padding against NumPy's; channels_last and
channels_first as views. The geometries are random: a stride above the kernel, remainders no
window reaches, odd and even kernels.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aelearn.autograd.im2col import col2im, im2col, output_size
from aelearn.fast.layout import (
    channels_first,
    channels_last,
    pad_hw,
    scatter_windows,
    window_matrix,
    windows,
)

geometry = st.tuples(
    st.integers(1, 3),  # batch
    st.integers(1, 4),  # channels
    st.integers(1, 4),  # kH
    st.integers(1, 4),  # kW
    st.integers(1, 4),  # sH
    st.integers(1, 4),  # sW
    st.integers(1, 4),  # Ho
    st.integers(1, 4),  # Wo
    st.integers(0, 3),  # rows past the last window (a remainder)
    st.integers(0, 3),  # columns past the last window
)


def padded_size(case):
    """(Hp, Wp) that hold exactly Ho x Wo windows, and a remainder (shorter than the stride)
    that no window reaches."""
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    return sh * (ho - 1) + kh + extra_h % sh, sw * (wo - 1) + kw + extra_w % sw


# ----- the reference im2col and col2im ------------------------------------------------------
@settings(max_examples=40, deadline=None, derandomize=True)
@given(size=st.integers(1, 12), kernel=st.integers(1, 12), stride=st.integers(1, 5))
def test_output_size_counts_the_windows_that_fit(size, kernel, stride):
    assume(kernel <= size)
    assert output_size(size, kernel, stride) == len(range(0, size - kernel + 1, stride))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(geometry)
def test_im2col_rows_are_the_windows_in_column_order_c_p_q(case):
    n, c, kh, kw, sh, sw, ho, wo, _, _ = case
    hp, wp = padded_size(case)
    xp = np.random.default_rng(sum(case)).normal(size=(n, c, hp, wp))
    cols = im2col(xp, (kh, kw), (sh, sw))
    assert (output_size(hp, kh, sh), output_size(wp, kw, sw)) == (ho, wo)
    assert cols.shape == (n * ho * wo, c * kh * kw)
    rows = iter(cols)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                window = xp[b, :, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (C, kH, kW)
                np.testing.assert_array_equal(next(rows), window.ravel())


@settings(max_examples=60, deadline=None, derandomize=True)
@given(geometry)
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), c> = <x, col2im(c)> for every x and c: col2im is im2col's backward."""
    n, c, kh, kw, sh, sw, ho, wo, _, _ = case
    padded_shape = (n, c, *padded_size(case))
    rng = np.random.default_rng(sum(case) + 1)
    x = rng.normal(size=padded_shape)
    cols = rng.normal(size=(n * ho * wo, c * kh * kw))
    lhs = np.sum(im2col(x, (kh, kw), (sh, sw)) * cols)
    rhs = np.sum(x * col2im(cols, padded_shape, (kh, kw), (sh, sw)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def col2im_loops(cols, padded_shape, kernel, stride):
    """Each entry cols[(n, i, j), (c, p, q)] added at row i sH + p, column j sW + q."""
    n, c, hp, wp = padded_shape
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    windows_ = cols.reshape(n, ho, wo, c, kh, kw)
    out = np.zeros(padded_shape)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += windows_[:, i, j]
    return out


@settings(max_examples=40, deadline=None, derandomize=True)
@given(geometry)
def test_col2im_adds_every_row_back_into_its_window_and_leaves_unreached_pixels_zero(case):
    n, c, kh, kw, sh, sw, ho, wo, _, _ = case
    padded_shape = (n, c, *padded_size(case))
    cols = np.random.default_rng(sum(case) + 2).normal(size=(n * ho * wo, c * kh * kw))
    got = col2im(cols, padded_shape, (kh, kw), (sh, sw))
    assert got.shape == padded_shape
    np.testing.assert_allclose(got, col2im_loops(cols, padded_shape, (kh, kw), (sh, sw)))
    reached = col2im(np.ones_like(cols), padded_shape, (kh, kw), (sh, sw))
    assert not got[reached == 0].any()


def test_col2im_counts_the_windows_covering_each_pixel():
    # Ones in every entry: each pixel receives how many windows cover it. 3-wide windows at
    # stride 2 on 7 pixels cover pixels 2 and 4 twice; at stride 4 on 8 pixels, pixel 3 and
    # 7 never (a gap, and a remainder).
    np.testing.assert_array_equal(
        col2im(np.ones((3, 3)), (1, 1, 1, 7), (1, 3), (1, 2))[0, 0, 0], [1, 1, 2, 1, 2, 1, 1]
    )
    np.testing.assert_array_equal(
        col2im(np.ones((2, 3)), (1, 1, 1, 8), (1, 3), (1, 4))[0, 0, 0], [1, 1, 1, 0, 1, 1, 1, 0]
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_and_col2im_keep_the_dtype(dtype):
    xp = np.ones((2, 3, 5, 5), dtype=dtype)
    cols = im2col(xp, (3, 3), (2, 2))
    assert cols.dtype == dtype
    assert col2im(cols, xp.shape, (3, 3), (2, 2)).dtype == dtype


# ----- the fast kernels' layout (aelearn.fast.layout) ---------------------------------------
def scatter_loops(cols, padded_hw, stride):
    """Each entry cols[n, i, j, p, q, c] added at row i sH + p, column j sW + q."""
    n, ho, wo, kh, kw, c = cols.shape
    out = np.zeros((n, *padded_hw, c))
    for i in range(ho):
        for j in range(wo):
            for p in range(kh):
                for q in range(kw):
                    out[:, i * stride[0] + p, j * stride[1] + q] += cols[:, i, j, p, q]
    return out


#: How the window entries reach ``scatter_windows``, from values of shape
#: (batch, Ho, Wo, kH, kW, C). "product": as the kernels hand them over, a matrix product's
#: (batch Ho Wo, kH kW C) output reshaped, that is C order, in which each kernel offset's
#: block cols[:, :, :, p, q] is strided. "offset_major": a transposed view in which each
#: offset's block is contiguous and the whole array is not (scatter_windows takes any strides).
LAYOUTS = {
    "product": np.ascontiguousarray,
    "offset_major": lambda values: np.moveaxis(
        np.ascontiguousarray(np.moveaxis(values, (3, 4), (0, 1))), (0, 1), (3, 4)
    ),
}
LAYOUT = pytest.mark.parametrize("layout", list(LAYOUTS))


def test_layouts_are_the_memory_orders_they_name():
    values = np.random.default_rng(0).normal(size=(2, 3, 4, 3, 2, 5))
    for name, layout in LAYOUTS.items():
        cols = layout(values)
        np.testing.assert_array_equal(cols, values, err_msg=name)
        assert cols[:, :, :, 1, 0].flags.c_contiguous == (name == "offset_major"), name
        assert cols.flags.c_contiguous == (name == "product"), name


@LAYOUT
@settings(max_examples=60, deadline=None, derandomize=True)
@given(case=geometry)
def test_scatter_windows_adds_every_window_entry_where_it_came_from(layout, case):
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    padded_hw = (sh * (ho - 1) + kh + extra_h, sw * (wo - 1) + kw + extra_w)
    rng = np.random.default_rng(sum(case))
    cols = LAYOUTS[layout](rng.normal(size=(n, ho, wo, kh, kw, c)))
    got = scatter_windows(cols, padded_hw, (sh, sw))
    assert got.shape == (n, *padded_hw, c)
    np.testing.assert_allclose(got, scatter_loops(cols, padded_hw, (sh, sw)), rtol=1e-12)


@LAYOUT
@settings(max_examples=100, deadline=None, derandomize=True)
@given(case=geometry, crop=st.tuples(*[st.integers(0, 3)] * 4))
def test_scatter_windows_crops_as_slicing_the_padded_image_would(layout, case, crop):
    """Cropping while adding (phases of the cropped image, entries in the padding dropped)
    gives the padded image's slice bit for bit, signs of zero included (-0.0 stays -0.0 where a
    sum starts from a copy, not where it is added to zeros), contiguous when the strides divide
    its height and width."""
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    padded_hw = (sh * (ho - 1) + kh + extra_h, sw * (wo - 1) + kw + extra_w)
    top, bottom, left, right = crop
    assume(top + bottom < padded_hw[0] and left + right < padded_hw[1])
    rng = np.random.default_rng(sum(case) + sum(crop))
    values = rng.normal(size=(n, ho, wo, kh, kw, c))
    values[rng.random(values.shape) < 0.5] = -0.0
    cols = LAYOUTS[layout](values)
    got = scatter_windows(cols, padded_hw, (sh, sw), crop)
    full = scatter_windows(cols, padded_hw, (sh, sw))
    expected = full[:, top : padded_hw[0] - bottom, left : padded_hw[1] - right]
    assert got.shape == expected.shape
    assert got.tobytes() == np.ascontiguousarray(expected).tobytes()
    if expected.shape[1] % sh == 0 and expected.shape[2] % sw == 0:
        assert got.flags.c_contiguous


@LAYOUT
@settings(max_examples=30, deadline=None, derandomize=True)
@given(case=geometry)
def test_scatter_windows_is_the_adjoint_of_the_window_view(layout, case):
    """<windows(x), cols> = <x, col2im(cols)> for every x and cols: the backward of a gather."""
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    padded_hw = (sh * (ho - 1) + kh + extra_h, sw * (wo - 1) + kw + extra_w)
    rng = np.random.default_rng(sum(case) + 1)
    x = rng.normal(size=(n, *padded_hw, c))
    cols = LAYOUTS[layout](rng.normal(size=(n, ho, wo, kh, kw, c)))
    lhs = np.sum(windows(x, (kh, kw), (sh, sw), (ho, wo)) * cols)
    rhs = np.sum(x * scatter_windows(cols, padded_hw, (sh, sw)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


@pytest.mark.parametrize("padding", [(1, 1, 1, 1), (0, 2, 3, 0), (2, 0, 0, 1)])
def test_pad_hw_is_numpys_zero_padding(padding):
    xh = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    top, bottom, left, right = padding
    expected = np.pad(xh, ((0, 0), (top, bottom), (left, right), (0, 0)))
    np.testing.assert_array_equal(pad_hw(xh, padding), expected)


@pytest.mark.parametrize("channels, stride", [(1, 1), (1, 2), (3, 1), (8, 2)])
def test_window_matrix_is_the_window_view_copied_row_by_row(channels, stride):
    xph = np.random.default_rng(0).normal(size=(2, 9, 8, channels))
    out_hw = ((9 - 3) // stride + 1, (8 - 2) // stride + 1)
    view = windows(xph, (3, 2), (stride, stride), out_hw)
    expected = np.array([window.ravel() for window in view.reshape(-1, 3, 2, channels)])
    np.testing.assert_array_equal(window_matrix(xph, (3, 2), (stride, stride), out_hw), expected)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(geometry)
def test_window_matrix_holds_the_reference_im2col_in_column_order_p_q_c(case):
    n, c, kh, kw, sh, sw, ho, wo, _, _ = case
    xp = np.random.default_rng(sum(case) + 3).normal(size=(n, c, *padded_size(case)))
    fast = window_matrix(channels_last(xp), (kh, kw), (sh, sw), (ho, wo))
    reference = im2col(xp, (kh, kw), (sh, sw))
    assert fast.shape == reference.shape
    as_reference = fast.reshape(-1, kh, kw, c).transpose(0, 3, 1, 2).reshape(fast.shape)
    np.testing.assert_array_equal(as_reference, reference)


def test_channels_last_and_first_are_views_of_one_array():
    x = np.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)
    xh = channels_last(x)
    assert xh.shape == (2, 4, 5, 3) and np.shares_memory(xh, x)
    assert xh[1, 2, 3, 0] == x[1, 0, 2, 3]
    back = channels_first(xh)
    assert back.shape == x.shape and np.shares_memory(back, x)
    np.testing.assert_array_equal(back, x)
