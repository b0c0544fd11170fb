"""Functions in the manner of ``torch.nn.functional``: the convolution, its arguments checked
here, at the edge, and the one-hot encoding of labels."""

import numpy as np

from aelearn.autograd import image_op
from aelearn.autograd.convolution import Conv2dOp
from aelearn.validation import check_image, check_int_pair, conv_padding


def one_hot(labels, n_classes, dtype=np.float64):
    """Integer labels (n_samples,), each in [0, n_classes) (``check_labels`` checks them at
    the edge), as one-hot rows (n_samples, n_classes): ``out[i, labels[i]] == 1``, 0 elsewhere.

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    return np.eye(n_classes, dtype=dtype)[np.asarray(labels)]


def conv2d(input, weight, bias=None, stride=1, padding=0):
    """2-D convolution as ``torch.nn.functional.conv2d``: one ``Conv2dOp`` (or its fast twin),
    of shape (batch, out_channels, Ho, Wo), Ho = (H + 2 padding - kH) // stride + 1.

    Parameters
    ----------
    input : Tensor of shape (batch, in_channels, H, W)
    weight : Tensor of shape (out_channels, in_channels, kH, kW)
    bias : Tensor of shape (out_channels,), optional
    stride : int or (int, int), default=1
    padding : int, (int, int), "same" or "valid", default=0
    """
    check_image(input, "input", weight.shape[1], "conv2d")
    stride = check_int_pair(stride, "stride")
    sides = conv_padding(padding, weight.shape[2:], stride)
    _check_fits(input, weight.shape[2:], sides, "conv2d")
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return image_op(Conv2dOp).apply(*inputs, stride=stride, padding=sides)


def _check_fits(x, kernel, sides, where):
    """Raise ValueError unless the kernel fits into the padded image."""
    height, width = x.shape[2] + sides[0] + sides[1], x.shape[3] + sides[2] + sides[3]
    if height < kernel[0] or width < kernel[1]:
        raise ValueError(
            f"{where}: the kernel {tuple(kernel)} is larger than the padded image {height}x{width}"
        )
