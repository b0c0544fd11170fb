"""Functions of arrays that layers and models share: the one-hot encoding of labels."""

import numpy as np


def one_hot(y, n_classes, dtype=np.float64):
    """Encode integer labels as one-hot rows.

    Parameters
    ----------
    y : array-like of int, shape (n_samples,)
        Labels in ``[0, n_classes)``.
    n_classes : int
        Number of columns.
    dtype : floating dtype, default=np.float64

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        ``out[i, y[i]] == 1`` and every other entry is 0.

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    y = np.asarray(y)
    if y.size == 0:
        y = y.astype(np.int64)  # np.asarray([]) is float64; an empty label list is still valid
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)):
        raise TypeError(f"n_classes must be an int, got {n_classes!r}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1, got {n_classes}")
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D array of ints (n_samples,), got {y.dtype} {y.shape}")
    outside = (y < 0) | (y >= n_classes)
    if outside.any():
        raise ValueError(
            f"labels must lie in [0, {n_classes}), got {np.unique(y[outside]).tolist()[:10]}"
        )
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"one_hot makes floating rows; got dtype {dtype}")
    out = np.zeros((len(y), n_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out
