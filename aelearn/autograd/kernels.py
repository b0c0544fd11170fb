"""The one switch between the convolutions a student reads and the fast kernels that run them.

``Conv2dOp`` and ``ConvTranspose2dOp`` read as their math: NCHW arrays, a plain im2col and
col2im, forward and backward on one screen. ``aelearn.fast`` computes the same sums faster,
arranged around memory layout and the BLAS (its docstring lists the tricks, and
``benchmarks/README.md`` what each buys). ``image_op(Conv2dOp)`` is the op the layers
apply: its fast twin while the fast kernels are on, as they are by default, and the
reference op itself inside ``use_fast_kernels(False)``. Tests hold the two to the same
numbers. The setting belongs to the thread that makes it, as ``no_grad``'s does.
"""

import contextlib
import threading

from aelearn import fast
from aelearn.autograd.convolution import Conv2dOp
from aelearn.autograd.function import Function
from aelearn.autograd.transposed_convolution import ConvTranspose2dOp

_setting = threading.local()


def fast_kernels_enabled():
    """Whether the image ops run ``aelearn.fast``'s kernels in this thread (default True)."""
    return getattr(_setting, "enabled", True)


@contextlib.contextmanager
def use_fast_kernels(enabled=True):
    """Run the convolutions on the fast kernels, or with ``False`` on the reference ops,
    inside the block; the previous setting returns on exit."""
    previous, _setting.enabled = fast_kernels_enabled(), bool(enabled)
    try:
        yield
    finally:
        _setting.enabled = previous


class FastKernelOp(Function):
    """An op whose forward and backward are a pair of ``aelearn.fast`` kernels: the forward
    kernel returns the output and what the backward kernel needs."""

    def forward(self, x, K, b=None, **settings):
        out, saved = self.forward_kernel(x, K, b, **settings)
        self.save_for_backward(*saved)
        return out

    def backward(self, grad):
        return self.backward_kernel(grad, self.saved, self.needs_input_grad)


class FastConv2dOp(FastKernelOp):
    """``Conv2dOp`` on the fast kernels: the same arguments, the same sums."""

    forward_kernel = staticmethod(fast.conv2d_forward)
    backward_kernel = staticmethod(fast.conv2d_backward)


class FastConvTranspose2dOp(FastKernelOp):
    """``ConvTranspose2dOp`` on the fast kernels: the same arguments, the same sums."""

    forward_kernel = staticmethod(fast.conv_transpose2d_forward)
    backward_kernel = staticmethod(fast.conv_transpose2d_backward)


FAST_TWINS = {Conv2dOp: FastConv2dOp, ConvTranspose2dOp: FastConvTranspose2dOp}


def image_op(op):
    """The op to apply for the reference op ``op``: its fast twin while the fast kernels are
    on (``use_fast_kernels``), else ``op`` itself."""
    return FAST_TWINS[op] if fast_kernels_enabled() else op
