"""scikit-learn's 8x8 handwritten digits, the small dataset every notebook starts from."""

import numpy as np
from sklearn.datasets import load_digits as sklearn_load_digits
from sklearn.model_selection import train_test_split

from aelearn.datasets.dataset import Dataset, _float_dtype


def load_digits(*, dtype=np.float32, test_size=0.2, random_state=0):
    """Load scikit-learn's 8x8 handwritten digits, split into train and test.

    Pixels are integers 0..16 in the source; they are divided by 16 so that X lies in [0, 1].
    The split is stratified by label, so both parts hold the ten digits in the same proportions.

    Parameters
    ----------
    dtype : floating dtype, default float32
        dtype of ``X_train`` and ``X_test``.
    test_size : float or int, default 0.2
        Passed to :func:`sklearn.model_selection.train_test_split`.
    random_state : int, default 0
        Seed of the split, so every run of the course sees the same test set.

    Returns
    -------
    Dataset
        With the defaults: ``X_train`` (1437, 64), ``X_test`` (360, 64), ``image_shape`` (1, 8, 8).
    """
    dtype = _float_dtype(dtype)
    digits = sklearn_load_digits()
    X = (digits.data / 16.0).astype(dtype)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return Dataset(X_train, X_test, y_train, y_test, name="digits", image_shape=(1, 8, 8))
