"""Fast kernels for the convolutions, behind one switch (``aelearn.autograd.use_fast_kernels``).

Not part of what a student reads: ``aelearn.autograd.convolution`` and
``transposed_convolution`` are the ops as their math, and these kernels compute the same
sums, tested to agree with them, arranged for speed. Two tricks, each kept because
``benchmarks/bench_conv_tricks.py`` shows it buys at least a tenth of an epoch of the
course's convolutional denoising autoencoder on MNIST, with either of OpenBLAS's kernels
(``benchmarks/README.md``, Convolutions, has the figures and the tricks measured and dropped):

- **channels-last memory** (``layout``): the arrays the kernels hand out are NCHW to the
  caller but (batch, H, W, C) in memory, so that one product's output, read as a matrix of
  (batch H W) rows and C columns, is the next product's input without a transpose copy;
- **col2im by phases** (``layout.scatter_windows``): each kernel offset's block is added into
  one of the stride's sub-images, a contiguous array, rather than into a strided grid.

This package imports nothing of aelearn: it is plain NumPy on arrays.
"""

from aelearn.fast.convolution import (
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)

__all__ = [
    "conv2d_backward",
    "conv2d_forward",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
]
