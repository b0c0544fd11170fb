"""Tests of aelearn.nn.functional: ``conv2d``, its arguments checked at the edge and then one
image op (the reference ``Conv2dOp`` or its fast twin), and the one-hot encoding of labels."""

import numpy as np
import pytest

from aelearn import Tensor, use_fast_kernels
from aelearn.autograd.convolution import Conv2dOp
from aelearn.autograd.kernels import FastConv2dOp
from aelearn.nn import one_hot
from aelearn.nn.functional import conv2d
from aelearn.validation import check_labels


# ----- one_hot ---------------------------------------------------------------------------
def test_one_hot_puts_a_single_one_per_row():
    np.testing.assert_array_equal(one_hot(np.array([2, 0, 1]), 3), np.eye(3)[[2, 0, 1]])
    # No labels, no rows (the labels are check_labels' int64 array; a bare [] is float to NumPy).
    assert one_hot(np.array([], dtype=np.int64), 4).shape == (0, 4)
    assert one_hot([1], 2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        ([0, 3], ValueError, r"y has values in \[0, 3\]; this model knows the classes 0 to 2"),
        ([-1, 0], ValueError, r"y has values in \[-1, 0\]"),
        ([0.5, 1.0], TypeError, "y must hold integer class labels; got dtype float64"),
        ([[0, 1]], ValueError, r"y must have shape \(2,\), one label per sample; got \(1, 2\)"),
        ([0, 1, 2], ValueError, r"y must have shape \(2,\)"),
    ],
)
def test_labels_for_one_hot_are_checked_at_the_edge(y, error, match):
    # one_hot trusts its labels; check_labels is the check at the edge that refuses bad ones.
    with pytest.raises(error, match=match):
        check_labels(y, 2, n_classes=3)


def test_check_labels_accepts_whole_floats_and_returns_int64_labels():
    labels = check_labels([2.0, 0.0], 2, n_classes=3)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(one_hot(labels, 3), [[0, 0, 1], [1, 0, 0]])


# ----- conv2d ----------------------------------------------------------------------------
def image_and_weight(seed=0, shape=(2, 3, 5, 6), weight_shape=(4, 3, 3, 2)):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    W = Tensor(rng.standard_normal(weight_shape), requires_grad=True)
    b = Tensor(rng.standard_normal(weight_shape[0]), requires_grad=True)
    return x, W, b


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize(
    ("stride", "padding", "sides"),
    [
        (1, 0, (0, 0, 0, 0)),
        (2, 1, (1, 1, 1, 1)),
        ((1, 2), (2, 0), (2, 2, 0, 0)),
        (1, "valid", (0, 0, 0, 0)),
        # "same" with the (3, 2) kernel: 2 rows (1 above, 1 below), 1 column (on the right)
        (1, "same", (1, 1, 0, 1)),
        ((1, 1), "same", (1, 1, 0, 1)),
    ],
)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_is_the_reference_op_with_pytorchs_padding_as_four_sides(
    stride, padding, sides, bias, fast
):
    x, W, b = image_and_weight()
    pair = (stride, stride) if isinstance(stride, int) else stride
    inputs = (x, W, b) if bias else (x, W)
    expected = Conv2dOp.apply(*inputs, stride=pair, padding=sides)
    with use_fast_kernels(fast):
        out = conv2d(x, W, b if bias else None, stride, padding)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected.data, rtol=1e-12, atol=1e-12)
    if padding == "same":
        assert out.shape[2:] == x.shape[2:]


@pytest.mark.parametrize(("fast", "op"), [(True, FastConv2dOp), (False, Conv2dOp)])
def test_conv2d_applies_the_op_the_switch_selects(fast, op):
    x, W, b = image_and_weight()
    with use_fast_kernels(fast):
        out = conv2d(x, W, b, 1, 1)
    assert type(out.op) is op
    assert type(conv2d(x, W, b).op) is FastConv2dOp  # the fast kernels are the default


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda x, W: conv2d(x, W, None, 2, "same"),
            r"padding='same' is not supported for strided convolutions \(stride=\(2, 2\)\)",
        ),
        (
            lambda x, W: conv2d(x, W, None, 1, "full"),
            r"padding \(a string\) must be one of \('same', 'valid'\); got 'full'",
        ),
        (
            lambda x, W: conv2d(x, W, None, 0, 0),
            r"stride \(an int or a pair of them\) must be a positive integer; got 0",
        ),
        (
            lambda x, W: conv2d(x, W, None, (1, 2, 1), 0),
            r"stride must be an int or a pair \(height, width\) of ints; got \(1, 2, 1\)",
        ),
        (
            lambda x, W: conv2d(x, W, None, 1.5, 0),
            r"stride \(an int or a pair of them\) must be a positive integer; got 1.5",
        ),
        (
            lambda x, W: conv2d(x, W, None, 1, -1),
            r"padding \(an int or a pair of them\) must be an integer >= 0; got -1",
        ),
        (
            lambda x, W: conv2d(x[0], W, None, 1, 0),
            r"conv2d expects input of shape \(batch, 3, height, width\); got shape \(3, 5, 5\)",
        ),
        (
            lambda x, W: conv2d(x, W[:, :2], None, 1, 0),
            r"conv2d expects input of shape \(batch, 2, height, width\); got shape \(2, 3, 5, 5\)",
        ),
        (
            lambda x, W: conv2d(x[:, :, :2], W, None, 1, 0),
            r"conv2d: the kernel \(3, 3\) is larger than the padded image 2x5",
        ),
        (
            lambda x, W: conv2d(x[:, :, :1, :1], W, None, 1, (1, 0)),
            r"the kernel \(3, 3\) is larger than the padded image 3x1",
        ),
    ],
)
def test_conv2d_refuses_bad_arguments_saying_what_it_expects(call, message):
    rng = np.random.default_rng(0)
    x, W = Tensor(rng.random((2, 3, 5, 5))), Tensor(rng.random((3, 3, 3, 3)))
    with pytest.raises(ValueError, match=message):
        call(x, W)


def test_conv2d_accepts_a_kernel_exactly_as_large_as_the_padded_image():
    rng = np.random.default_rng(1)
    x, W = Tensor(rng.random((1, 2, 1, 3))), Tensor(rng.random((1, 2, 3, 3)))
    out = conv2d(x, W, None, 1, (1, 0))
    assert out.shape == (1, 1, 1, 1)
    np.testing.assert_allclose(out.data.item(), np.sum(W.data[:, :, 1] * x.data[0, :, 0]))
