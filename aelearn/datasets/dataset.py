"""The Dataset every loader returns: a train/test split of flattened images with labels."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test split of flattened images with integer labels.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_features)
        Training images, one flattened image per row, values in [0, 1].
    X_test : ndarray of shape (n_test, n_features)
        Test images, same layout.
    y_train : ndarray of shape (n_train,), int64
        Training labels in ``[0, n_classes)``.
    y_test : ndarray of shape (n_test,), int64
        Test labels.
    name : str
        Short name, e.g. ``"digits"`` or ``"mnist"``.
    image_shape : (channels, height, width)
        The shape of one image, as a model or a plot takes it: ``X_train[i].reshape(
        image_shape)`` is an image, ``X_train.reshape(-1, *image_shape)`` all of them.
    n_classes : int
        Number of label values, 10 for both datasets.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    name: str
    image_shape: tuple[int, ...]
    n_classes: int = 10

    @property
    def n_features(self):
        """int : Pixels per image, ``X_train.shape[1]``."""
        return self.X_train.shape[1]

    def __repr__(self):
        # Summarise shapes: printing the arrays themselves would flood a notebook cell.
        return (
            f"Dataset(name={self.name!r}, X_train={self.X_train.shape}, "
            f"X_test={self.X_test.shape}, image_shape={self.image_shape}, "
            f"n_classes={self.n_classes}, dtype={self.X_train.dtype})"
        )
