"""Datasets for the course: scikit-learn's 8x8 digits, a 5,000-digit sample of MNIST shipped
inside aelearn, and the full MNIST from IDX files (or scikit-learn's fetch).

Every loader returns a :class:`Dataset`: flattened images scaled into [0, 1], shape
``(n_samples, n_features)``, and integer labels, shape ``(n_samples,)``, already split into a
training and a test part.
"""

from aelearn.datasets.dataset import Dataset
from aelearn.datasets.digits import load_digits, load_mnist_sample
from aelearn.datasets.mnist import (
    MNIST_DEFAULT_DIR,
    MNIST_ENV_VAR,
    MNIST_FILES,
    load_mnist,
    read_idx,
)

__all__ = [
    "MNIST_DEFAULT_DIR",
    "MNIST_ENV_VAR",
    "MNIST_FILES",
    "Dataset",
    "load_digits",
    "load_mnist",
    "load_mnist_sample",
    "read_idx",
]
