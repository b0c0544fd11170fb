"""Datasets for the course: scikit-learn's 8x8 digits and MNIST from IDX files.

Both loaders return a :class:`Dataset`: flattened images scaled into [0, 1], shape
``(n_samples, n_features)``, and integer labels, shape ``(n_samples,)``, already split into a
training and a test part.
"""

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# scikit-learn is imported inside the two loaders that need it, not here: the CVAE imports
# one_hot from this module, and the models must not pull in scikit-learn.

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_ENV_VAR = "AELEARN_MNIST"
MNIST_DEFAULT_DIR = Path("~/.aelearn/mnist")

# The third byte of an IDX magic number names the element type; values are stored big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


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
    image_shape : tuple of int
        ``(height, width)``; ``X_train[i].reshape(image_shape)`` is an image.
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


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a floating type such as float32, got {dtype}")
    return dtype


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
        With the defaults: ``X_train`` (1437, 64), ``X_test`` (360, 64), ``image_shape`` (8, 8).

    Examples
    --------
    >>> data = load_digits()
    >>> data.X_train.shape, data.X_test.shape
    ((1437, 64), (360, 64))
    """
    from sklearn.datasets import load_digits as sklearn_load_digits
    from sklearn.model_selection import train_test_split

    dtype = _float_dtype(dtype)
    digits = sklearn_load_digits()
    X = (digits.data / 16.0).astype(dtype)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return Dataset(X_train, X_test, y_train, y_test, name="digits", image_shape=(8, 8))


def read_idx(path):
    """Read one IDX file (the format MNIST is distributed in), plain or gzip-compressed.

    The header is a magic number ``0x00 0x00 <type code> <n_dims>`` followed by ``n_dims``
    big-endian uint32 sizes; the data follow, big-endian, in C order. Type codes: 0x08 uint8,
    0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.

    Parameters
    ----------
    path : str or path-like
        The file. Gzip is detected from the content, not from the ``.gz`` suffix.

    Returns
    -------
    ndarray of shape given by the header
        In native byte order, e.g. ``(60000, 28, 28)`` uint8 for MNIST training images.

    Raises
    ------
    ValueError
        If the file is not IDX, is truncated or has bytes left over after the data.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from err
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: not an IDX file; expected the magic number to start with bytes 00 00, "
            f"got {raw[:4].hex(' ') or 'an empty file'}"
        )
    code, n_dims = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X}; expected one of {known}")
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise ValueError(
            f"{path}: truncated header; {n_dims} dimensions need {header_size} bytes, "
            f"file has {len(raw)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: {problem}; header says shape {shape} of {dtype.name}, "
            f"so {expected} bytes expected, file has {len(raw)}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _mnist_folder(path):
    if path is not None:
        return Path(path).expanduser(), "the path argument"
    if os.environ.get(MNIST_ENV_VAR):
        return Path(os.environ[MNIST_ENV_VAR]).expanduser(), f"${MNIST_ENV_VAR}"
    return MNIST_DEFAULT_DIR.expanduser(), "the default folder"


def _find_idx_files(folder):
    """Map each MNIST role to its file in ``folder`` (plain preferred over .gz), or None."""
    found = {}
    for role, name in MNIST_FILES.items():
        candidates = [folder / name, folder / (name + ".gz")]
        found[role] = next((c for c in candidates if c.is_file()), None)
    return found


def _first(array, n, what):
    if n is None:
        return array
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= len(array):
        raise ValueError(f"{what} must be None or an int in [1, {len(array)}], got {n!r}")
    return array[:n]


def _mnist_from_openml(data_home):
    """Return ``(images, labels)``, the 70000 MNIST images as rows, via scikit-learn's cache."""
    from sklearn.datasets import fetch_openml

    bunch = fetch_openml("mnist_784", version=1, as_frame=False, data_home=data_home)
    images, labels = np.asarray(bunch.data), np.asarray(bunch.target).astype(np.int64)
    if images.shape != (70000, 784) or labels.shape != (70000,):
        raise ValueError(
            f"expected mnist_784 to have data (70000, 784) and target (70000,), "
            f"got {images.shape} and {labels.shape}"
        )
    return images, labels


def _not_found_message(folder, source, found, data_home, err):
    # sklearn.datasets.get_data_home would create the folder; mirror its rule without that.
    cache = Path(data_home or os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data"))
    lines = [f"MNIST not found. Looked in {folder} ({source}) for these files, plain or .gz:"]
    for role, name in MNIST_FILES.items():
        lines.append(f"    {name:<26}{'found' if found[role] else 'missing'}")
    lines += [
        f"then tried sklearn.datasets.fetch_openml('mnist_784', version=1), which failed: {err}",
        "To fix this, either",
        f"  - put the four files above (plain or .gz) in {folder}, or pass path= or set "
        f"${MNIST_ENV_VAR} to the folder holding them, or",
        "  - run load_mnist() once with a network connection; scikit-learn then caches MNIST "
        f"in {cache.expanduser()} and later calls work offline.",
    ]
    return "\n".join(lines)


def _scale_pixels(images, dtype):
    X = images.astype(dtype)
    X /= 255  # in place: MNIST's training set is 188 MB in float32, no need for a second copy
    return X


def load_mnist(path=None, dtype=np.float32, n_train=None, n_test=None, *, data_home=None):
    """Load MNIST, 60000 training and 10000 test images of 28x28 pixels scaled into [0, 1].

    The four IDX files are looked for in ``path``, else in the folder named by the environment
    variable ``AELEARN_MNIST``, else in ``~/.aelearn/mnist``. When they are not all there,
    scikit-learn's ``fetch_openml("mnist_784", version=1)`` is tried, which reads its cache in
    ``data_home`` and downloads only when the cache is empty; its first 60000 rows are the
    standard training set.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or ``.gz``.
    dtype : floating dtype, default float32
        dtype of ``X_train`` and ``X_test``.
    n_train, n_test : int, optional
        Keep only the first ``n_train`` training and ``n_test`` test images (default: all),
        e.g. for quick experiments on a laptop.
    data_home : str or path-like, optional
        scikit-learn's cache folder for the fallback; default ``~/scikit_learn_data``.

    Returns
    -------
    Dataset
        ``X_train`` (n_train, 784), ``X_test`` (n_test, 784), ``image_shape`` (28, 28).

    Raises
    ------
    FileNotFoundError
        If neither the IDX files nor scikit-learn's fetch succeed; the message lists where it
        looked and how to get the files.
    ValueError
        If a file is corrupt, or images and labels disagree in number.
    """
    dtype = _float_dtype(dtype)
    folder, source = _mnist_folder(path)
    found = _find_idx_files(folder)
    if all(found.values()):
        arrays = {role: read_idx(file) for role, file in found.items()}
        for part in ("train", "test"):
            images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
            shape_ok = images.ndim == 3 and images.shape[1:] == arrays["train_images"].shape[1:]
            if not shape_ok or labels.ndim != 1 or len(images) != len(labels):
                raise ValueError(
                    f"{part} files in {folder}: expected images (n, height, width), the same "
                    f"height and width as the training images, and labels (n,); got "
                    f"{images.shape} and {labels.shape}"
                )
        image_shape = arrays["train_images"].shape[1:]
        train, test = [
            (
                arrays[f"{part}_images"].reshape(len(arrays[f"{part}_labels"]), -1),
                arrays[f"{part}_labels"],
            )
            for part in ("train", "test")
        ]
    else:
        try:
            images, labels = _mnist_from_openml(data_home)
        # Any failure (offline, bad cache, server error) ends the same way: tell the user
        # where we looked and how to provide the files; the cause stays chained.
        except Exception as err:
            message = _not_found_message(folder, source, found, data_home, err)
            raise FileNotFoundError(message) from err
        image_shape = (28, 28)
        train, test = (images[:60000], labels[:60000]), (images[60000:], labels[60000:])

    # Slice before converting so that a small subset never materialises the full float array.
    X_train, X_test = _first(train[0], n_train, "n_train"), _first(test[0], n_test, "n_test")
    y_train, y_test = _first(train[1], n_train, "n_train"), _first(test[1], n_test, "n_test")
    return Dataset(
        _scale_pixels(X_train, dtype),
        _scale_pixels(X_test, dtype),
        y_train.astype(np.int64),
        y_test.astype(np.int64),
        name="mnist",
        image_shape=tuple(image_shape),
    )


def one_hot(y, n_classes, dtype=np.float64):
    """Encode integer labels as one-hot rows.

    Parameters
    ----------
    y : array-like of int, shape (n_samples,)
        Labels in ``[0, n_classes)``.
    n_classes : int
        Number of columns.
    dtype : floating dtype, default float64

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
    out = np.zeros((len(y), n_classes), dtype=_float_dtype(dtype))
    out[np.arange(len(y)), y] = 1
    return out
