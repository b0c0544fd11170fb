"""im2col's pieces on their own: col2im (``scatter_windows``) against a plain loop over every
window entry, and ``tap_products`` against one product per kernel offset, over random
geometries (a stride above the kernel, remainders no window reaches, odd and even kernels);
the padding and the bias against their plain NumPy forms."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aelearn.autograd.im2col import (
    add_channel_bias,
    pad_hw,
    scatter_windows,
    tap_products,
    window_matrix,
    windows,
)


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


@settings(max_examples=60, deadline=None, derandomize=True)
@given(geometry, st.booleans())
def test_col2im_adds_every_window_entry_where_it_came_from(case, tap_major):
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    padded_hw = (sh * (ho - 1) + kh + extra_h, sw * (wo - 1) + kw + extra_w)
    rng = np.random.default_rng(sum(case))
    if tap_major:  # laid out as tap_products gives them: each offset's block contiguous
        cols = rng.normal(size=(kh, kw, n, ho, wo, c)).transpose(2, 3, 4, 0, 1, 5)
    else:
        cols = rng.normal(size=(n, ho, wo, kh, kw, c))
    got = scatter_windows(cols, padded_hw, (sh, sw))
    assert got.shape == (n, *padded_hw, c)
    np.testing.assert_allclose(got, scatter_loops(cols, padded_hw, (sh, sw)), rtol=1e-12)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(geometry, st.tuples(*[st.integers(0, 3)] * 4), st.booleans())
def test_col2im_crops_as_slicing_the_padded_image_would(case, crop, tap_major):
    """Cropping while adding (phases of the cropped image, entries in the padding dropped)
    gives the padded image's slice bit for bit, signs of zero included (-0.0 stays -0.0 where a
    sum starts from a copy, not where it is added to zeros), contiguous when the strides divide
    its height and width."""
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    padded_hw = (sh * (ho - 1) + kh + extra_h, sw * (wo - 1) + kw + extra_w)
    top, bottom, left, right = crop
    assume(top + bottom < padded_hw[0] and left + right < padded_hw[1])
    rng = np.random.default_rng(sum(case) + sum(crop))
    cols = rng.normal(size=(kh, kw, n, ho, wo, c))
    cols[rng.random(cols.shape) < 0.5] = -0.0
    cols = (
        cols.transpose(2, 3, 4, 0, 1, 5) if tap_major else np.moveaxis(cols, (0, 1), (3, 4)).copy()
    )
    got = scatter_windows(cols, padded_hw, (sh, sw), crop)
    full = scatter_windows(cols, padded_hw, (sh, sw))
    expected = full[:, top : padded_hw[0] - bottom, left : padded_hw[1] - right]
    assert got.shape == expected.shape
    assert got.tobytes() == np.ascontiguousarray(expected).tobytes()
    if expected.shape[1] % sh == 0 and expected.shape[2] % sw == 0:
        assert got.flags.c_contiguous


@settings(max_examples=30, deadline=None, derandomize=True)
@given(geometry)
def test_col2im_is_the_adjoint_of_the_window_view(case):
    """<windows(x), cols> = <x, col2im(cols)> for every x and cols: the backward of a gather."""
    n, c, kh, kw, sh, sw, ho, wo, extra_h, extra_w = case
    padded_hw = (sh * (ho - 1) + kh + extra_h, sw * (wo - 1) + kw + extra_w)
    rng = np.random.default_rng(sum(case) + 1)
    x = rng.normal(size=(n, *padded_hw, c))
    cols = rng.normal(size=(n, ho, wo, kh, kw, c))
    lhs = np.sum(windows(x, (kh, kw), (sh, sw), (ho, wo)) * cols)
    rhs = np.sum(x * scatter_windows(cols, padded_hw, (sh, sw)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


def test_tap_products_are_one_product_per_kernel_offset():
    rng = np.random.default_rng(0)
    n, ho, wo, first, second, kh, kw = 2, 3, 4, 5, 6, 3, 2
    A = rng.normal(size=(n * ho * wo, first))
    W = rng.normal(size=(first, second, kh, kw))
    got = tap_products(A, W, (n, ho, wo))
    assert got.shape == (n, ho, wo, kh, kw, second)
    for p in range(kh):
        for q in range(kw):
            expected = (A @ W[:, :, p, q]).reshape(n, ho, wo, second)
            np.testing.assert_allclose(got[:, :, :, p, q], expected, rtol=1e-12)


@pytest.mark.parametrize("padding", [(1, 1, 1, 1), (0, 2, 3, 0), (2, 0, 0, 1)])
@pytest.mark.parametrize("value", [0.0, -np.inf])
def test_pad_hw_is_numpys_constant_padding(padding, value):
    xh = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    top, bottom, left, right = padding
    expected = np.pad(xh, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)
    np.testing.assert_array_equal(pad_hw(xh, padding, value), expected)


def test_add_channel_bias_adds_b_to_every_pixel_whatever_the_memory_layout():
    rng = np.random.default_rng(0)
    b = rng.normal(size=5)
    image = rng.normal(size=(2, 6, 7, 5))
    layouts = {
        "contiguous": lambda a: a,
        "cropped": lambda a: a[:, 1:-1, 2:-1],  # W and C still one run: added by rows
        "channels first": lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2)).transpose(
            0, 2, 3, 1
        ),  # not one run: added as xh += b
    }
    for name, layout in layouts.items():
        xh = layout(image.copy())
        expected = xh + b
        add_channel_bias(xh, b)
        np.testing.assert_array_equal(xh, expected, err_msg=name)


@pytest.mark.parametrize("channels, stride", [(1, 1), (1, 2), (3, 1), (8, 2)])
def test_window_matrix_is_the_window_view_copied_row_by_row(channels, stride):
    # One channel copies by kernel offset, more by window: the same matrix either way.
    xph = np.random.default_rng(0).normal(size=(2, 9, 8, channels))
    out_hw = ((9 - 3) // stride + 1, (8 - 2) // stride + 1)
    view = windows(xph, (3, 2), (stride, stride), out_hw)
    expected = np.array([window.ravel() for window in view.reshape(-1, 3, 2, channels)])
    np.testing.assert_array_equal(window_matrix(xph, (3, 2), (stride, stride), out_hw), expected)
