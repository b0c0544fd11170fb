"""Flatten and Unflatten, as PyTorch's: between images (batch, C, H, W) and rows (batch, C H W).

Both are one ``Reshape`` op, whose backward reshapes the gradient back. Flattening follows
NumPy's (and PyTorch's) row-major order: channel, then row, then column.
"""

import numbers

from aelearn.autograd.shapes import Reshape
from aelearn.nn.module import Module


class Flatten(Module):
    """Merge the axes start_dim..end_dim into one, as ``torch.nn.Flatten``.

    Parameters
    ----------
    start_dim : int, default=1
        The batch axis (0) stays by default.
    end_dim : int, default=-1
    """

    def __init__(self, start_dim=1, end_dim=-1):
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ValueError(f"Flatten needs {name} as an int; got {value!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        """(batch, C, H, W) -> (batch, C H W) with the defaults."""
        if not (-x.ndim <= self.start_dim < x.ndim and -x.ndim <= self.end_dim < x.ndim):
            raise ValueError(f"{self!r} got an input of {x.ndim} dimensions, shape {x.shape}")
        start, end = self.start_dim % x.ndim, self.end_dim % x.ndim
        if start > end:
            raise ValueError(f"{self!r}: start_dim comes after end_dim for shape {x.shape}")
        merged = 1
        for n in x.shape[start : end + 1]:
            merged *= n
        return Reshape.apply(x, shape=(*x.shape[:start], merged, *x.shape[end + 1 :]))

    def __repr__(self):
        return f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim})"


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
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise ValueError(f"Unflatten needs dim as an int; got {dim!r}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, tuple | list) else None
        if not sizes or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in sizes
        ):
            raise ValueError(
                f"Unflatten needs unflattened_size as a tuple of positive ints, e.g. (64, 7, 7); "
                f"got {unflattened_size!r}"
            )
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in sizes)

    def forward(self, x):
        """(batch, prod(unflattened_size)) -> ``(batch, *unflattened_size)`` with dim=1."""
        expected = 1
        for n in self.unflattened_size:
            expected *= n
        if not -x.ndim <= self.dim < x.ndim or x.shape[self.dim] != expected:
            raise ValueError(
                f"{self!r} expects axis {self.dim} of length {expected}; got shape {x.shape}"
            )
        dim = self.dim % x.ndim
        shape = (*x.shape[:dim], *self.unflattened_size, *x.shape[dim + 1 :])
        return Reshape.apply(x, shape=shape)

    def __repr__(self):
        return f"Unflatten(dim={self.dim}, unflattened_size={self.unflattened_size})"
