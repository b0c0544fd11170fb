"""Datasets for the course: scikit-learn's 8x8 digits and MNIST from IDX files.

Both loaders return a :class:`Dataset`: flattened images scaled into [0, 1], shape
``(n_samples, n_features)``, and integer labels, shape ``(n_samples,)``, already split into a
training and a test part.
"""

from aelearn.datasets.dataset import Dataset
from aelearn.datasets.digits import load_digits
from aelearn.datasets.idx import read_idx
from aelearn.datasets.mnist import MNIST_DEFAULT_DIR, MNIST_ENV_VAR, MNIST_FILES, load_mnist

__all__ = [
    "MNIST_DEFAULT_DIR",
    "MNIST_ENV_VAR",
    "MNIST_FILES",
    "Dataset",
    "load_digits",
    "load_mnist",
    "read_idx",
]
