"""MNIST, 70000 handwritten digits of 28x28 pixels: from IDX files, else via scikit-learn."""

import gzip
import os
from pathlib import Path

import numpy as np

# The module, not fetch_openml itself: the name is then looked up at each call, so that patching
# sklearn.datasets.fetch_openml (as the tests do, to stay offline) reaches the loader.
import sklearn.datasets

from aelearn.datasets.dataset import Dataset
from aelearn.validation import check_dtype

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_ENV_VAR = "AELEARN_MNIST"
MNIST_DEFAULT_DIR = Path("~/.aelearn/mnist")
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read the IDX file ``path``, plain or gzip-compressed (told by its content, not by a
    ``.gz`` suffix): an array of the shape its header gives, in native byte order, e.g.
    ``(60000, 28, 28)`` uint8 for MNIST's training images.

    IDX is the format MNIST is distributed in. The header is a magic number ``0x00 0x00 <type
    code> <n_dims>`` followed by ``n_dims`` big-endian uint32 sizes; the data follow,
    big-endian, in C order. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D
    float32, 0x0E float64. A file that is not IDX, is truncated or has bytes left over after
    the data is a ValueError.
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
    if not 1 <= n_dims <= 32:  # MNIST's files have 1 or 3; NumPy 1 allows at most 32 axes
        raise ValueError(f"{path}: its header gives {n_dims} dimensions; expected 1 to 32")
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


def _check_part(images, labels, images_file, labels_file, image_shape):
    """Raise ValueError, naming the file, unless ``images`` (n, height, width) are pixels as
    MNIST stores them (uint8, or numbers in [0, 255]) and ``labels`` (n,) are classes 0 to 9."""
    if images.ndim != 3 or images.shape[1:] != image_shape or len(images) == 0:
        raise ValueError(
            f"{images_file}: images of shape {images.shape}; expected (n, height, width) with "
            f"n > 0 and the training images' height and width {image_shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"{labels_file}: labels of shape {labels.shape}; expected ({len(images)},), one "
            f"label per image of {images_file}"
        )
    expected = "pixels in [0, 255], stored as uint8 (IDX type code 0x08) as in MNIST"
    if images.dtype.kind not in "iuf":
        raise ValueError(f"{images_file}: images of dtype {images.dtype}; expected {expected}")
    if images.dtype.kind == "f" and not np.all(np.isfinite(images)):
        raise ValueError(f"{images_file}: images hold NaN or infinite values; expected {expected}")
    low, high = images.min(), images.max()
    if low < 0 or high > 255:
        raise ValueError(
            f"{images_file}: pixel values range from {low} to {high}; expected {expected}"
        )
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{labels_file}: labels of dtype {labels.dtype}; expected integers 0 to 9")
    outside = labels[(labels < 0) | (labels > 9)]
    if outside.size:
        raise ValueError(
            f"{labels_file}: {outside.size} labels lie outside 0 to 9 (the first is "
            f"{outside[0]}); expected the class of each image, 0 to 9"
        )


def _first(array, n, what):
    if n is None:
        return array
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= len(array):
        raise ValueError(f"{what} must be None or an int in [1, {len(array)}], got {n!r}")
    return array[:n]


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


def _missing_in_named_folder(folder, found):
    if folder.is_dir():
        problem = "lacks " + ", ".join(n for role, n in MNIST_FILES.items() if not found[role])
    elif folder.exists():
        problem = "is a file; expected a folder holding " + ", ".join(MNIST_FILES.values())
    else:
        problem = "does not exist; expected a folder holding " + ", ".join(MNIST_FILES.values())
    return (
        f"MNIST folder {folder} (the path argument) {problem} (plain or .gz). Nothing was "
        "downloaded: load_mnist() without path looks elsewhere and can fetch MNIST, and "
        "load_mnist_sample() reads the 5,000 digits shipped with aelearn."
    )


def load_mnist(path=None, dtype=np.float32, n_train=None, n_test=None, *, data_home=None):
    """Load MNIST, 60000 training and 10000 test images of 28x28 pixels scaled into [0, 1].

    The four IDX files are looked for in ``path``, else in the folder named by the environment
    variable ``AELEARN_MNIST``, else in ``~/.aelearn/mnist``. A ``path`` given is the only
    place looked: when its files are not all there, a FileNotFoundError names it and nothing
    is downloaded. Otherwise, when they are not all there, scikit-learn's
    ``fetch_openml("mnist_784", version=1)`` is tried, which reads its cache in ``data_home``
    and downloads only when the cache is empty; its first 60000 rows are the standard
    training set. Fashion-MNIST (70000 images of clothing, ten classes) comes in IDX files of
    the same four names, so ``load_mnist("path/to/fashion-mnist")`` reads it too.
    ``load_mnist_sample`` reads the 5,000 digits shipped with aelearn, with no download.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the files ``MNIST_FILES`` names, each plain or ``.gz``.
    dtype : floating dtype
        dtype of ``X_train`` and ``X_test``.
    n_train, n_test : int, optional
        Keep only the first ``n_train`` training and ``n_test`` test images (default: all).
    data_home : str or path-like, optional
        scikit-learn's cache folder for the fallback; default ``~/scikit_learn_data``.

    Returns
    -------
    Dataset
        ``X_train`` (n_train, 784), ``X_test`` (n_test, 784), ``image_shape`` (1, 28, 28).

    Raises
    ------
    FileNotFoundError
        If no files are found and, where allowed, the fetch fails; the message says where it
        looked and how to get the files.
    ValueError
        Naming the file, if it is corrupt or its contents are not MNIST's kind of data.
    """
    dtype = check_dtype(dtype)
    if path is not None:
        folder, source = Path(path).expanduser(), "the path argument"
    elif os.environ.get(MNIST_ENV_VAR):
        folder, source = Path(os.environ[MNIST_ENV_VAR]).expanduser(), f"${MNIST_ENV_VAR}"
    else:
        folder, source = MNIST_DEFAULT_DIR.expanduser(), "the default folder"
    found = {}
    for role, name in MNIST_FILES.items():  # the plain file, else the gzipped one
        candidates = [folder / name, folder / (name + ".gz")]
        found[role] = next((c for c in candidates if c.is_file()), None)

    if all(found.values()):
        arrays = {role: read_idx(file) for role, file in found.items()}
        sources = found
    elif path is not None:  # a folder the user named: read there or say why, never download
        raise FileNotFoundError(_missing_in_named_folder(folder, found))
    else:
        try:  # scikit-learn's cache, else a download
            bunch = sklearn.datasets.fetch_openml(
                "mnist_784", version=1, as_frame=False, data_home=data_home
            )
            images, labels = np.asarray(bunch.data), np.asarray(bunch.target).astype(np.int64)
            if images.shape != (70000, 784) or labels.shape != (70000,):
                raise ValueError(
                    f"expected mnist_784 to have data (70000, 784) and target (70000,), "
                    f"got {images.shape} and {labels.shape}"
                )
        # Any failure (offline, bad cache, server error) ends the same way: tell the user
        # where we looked and how to provide the files; the cause stays chained.
        except Exception as err:
            message = _not_found_message(folder, source, found, data_home, err)
            raise FileNotFoundError(message) from err
        images = images.reshape(-1, 28, 28)
        train, test = slice(60000), slice(60000, None)
        arrays = {
            "train_images": images[train],
            "train_labels": labels[train],
            "test_images": images[test],
            "test_labels": labels[test],
        }
        sources = dict.fromkeys(MNIST_FILES, "mnist_784 from sklearn.datasets.fetch_openml")

    image_shape = arrays["train_images"].shape[1:]
    split = []
    for part, n in (("train", n_train), ("test", n_test)):
        roles = (f"{part}_images", f"{part}_labels")
        images, labels = (arrays[role] for role in roles)
        _check_part(images, labels, *(sources[role] for role in roles), image_shape)
        # Slice before converting so that a small subset never materialises the full float
        # array; divide in place, as MNIST's training set is 188 MB in float32.
        X = _first(images.reshape(len(images), -1), n, f"n_{part}").astype(dtype)
        X /= 255
        split += [X, _first(labels, n, f"n_{part}").astype(np.int64)]
    X_train, y_train, X_test, y_test = split
    return Dataset(X_train, X_test, y_train, y_test, name="mnist", image_shape=(1, *image_shape))
