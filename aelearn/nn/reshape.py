"""Flatten and Unflatten, as PyTorch's: between images (batch, C, H, W) and rows (batch, C H W).

Both are one ``Reshape`` op, whose backward reshapes the gradient back. Flattening follows
NumPy's (and PyTorch's) row-major order: channel, then row, then column.
"""

import math

from aelearn.autograd.shapes import Reshape
from aelearn.nn.module import Module
from aelearn.validation import check_int


class Flatten(Module):
    """Merge the axes start_dim..end_dim into one, as ``torch.nn.Flatten``.

    Parameters
    ----------
    start_dim : int, default=1
        The batch axis (0) stays by default.
    end_dim : int, default=-1
    """

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim = check_int(start_dim, "Flatten's start_dim", minimum=None)
        self.end_dim = check_int(end_dim, "Flatten's end_dim", minimum=None)

    def forward(self, x):
        """(batch, C, H, W) -> (batch, C H W) with the defaults."""
        start, end = self.start_dim % x.ndim, self.end_dim % x.ndim
        merged = math.prod(x.shape[start : end + 1])
        return Reshape.apply(x, shape=(*x.shape[:start], merged, *x.shape[end + 1 :]))

    def output_shape(self, input_shape, shapes=None):
        ndim = len(input_shape) + 1  # the batch axis
        start, end = self.start_dim % ndim - 1, self.end_dim % ndim - 1
        return (
            *input_shape[:start],
            math.prod(input_shape[start : end + 1]),
            *input_shape[end + 1 :],
        )


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``, as ``torch.nn.Unflatten``.

    Parameters
    ----------
    dim : int
        E.g. 1, the feature axis of (batch, C H W).
    unflattened_size : tuple of int
        E.g. (64, 7, 7): (batch, 3136) -> (batch, 64, 7, 7). Its product must be the length
        of axis ``dim``.
    """

    def __init__(self, dim, unflattened_size):
        self.dim = check_int(dim, "Unflatten's dim", minimum=None)
        if not isinstance(unflattened_size, tuple | list) or not unflattened_size:
            raise ValueError(
                "Unflatten needs unflattened_size as a tuple of positive ints, e.g. (64, 7, 7); "
                f"got {unflattened_size!r}"
            )
        self.unflattened_size = tuple(
            check_int(n, "each entry of Unflatten's unflattened_size") for n in unflattened_size
        )

    def forward(self, x):
        """(batch, prod(unflattened_size)) -> ``(batch, *unflattened_size)`` with dim=1."""
        dim = self.dim % x.ndim
        shape = (*x.shape[:dim], *self.unflattened_size, *x.shape[dim + 1 :])
        return Reshape.apply(x, shape=shape)

    def output_shape(self, input_shape, shapes=None):
        dim = self.dim % (len(input_shape) + 1) - 1
        return (*input_shape[:dim], *self.unflattened_size, *input_shape[dim + 1 :])
