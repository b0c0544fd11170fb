"""MNIST, 70000 handwritten digits of 28x28 pixels: from IDX files, else via scikit-learn."""

import os
from pathlib import Path

import numpy as np

# The module, not fetch_openml itself: the name is then looked up at each call, so that patching
# sklearn.datasets.fetch_openml (as the tests do, to stay offline) reaches the loader.
import sklearn.datasets

from aelearn.datasets.dataset import Dataset, _float_dtype
from aelearn.datasets.idx import read_idx

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_ENV_VAR = "AELEARN_MNIST"
MNIST_DEFAULT_DIR = Path("~/.aelearn/mnist")


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


#: MNIST and Fashion-MNIST have ten classes, labelled 0 to 9.
N_CLASSES = 10


def _check_images(images, source):
    """Raise ValueError unless ``images`` are pixels as MNIST stores them: uint8, or numbers
    in [0, 255] without NaN; ``source`` names the file in the message."""
    expected = "pixels in [0, 255], stored as uint8 (IDX type code 0x08) as in MNIST"
    if images.dtype == np.uint8:
        return
    if images.dtype.kind not in "iuf":
        raise ValueError(f"{source}: images of dtype {images.dtype}; expected {expected}")
    if images.dtype.kind == "f" and not np.all(np.isfinite(images)):
        raise ValueError(f"{source}: images hold NaN or infinite values; expected {expected}")
    low, high = images.min(), images.max()
    if low < 0 or high > 255:
        raise ValueError(f"{source}: pixel values range from {low} to {high}; expected {expected}")


def _check_labels(labels, source):
    """Raise ValueError unless ``labels`` are integers 0 to 9, naming ``source``."""
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{source}: labels of dtype {labels.dtype}; expected integers 0 to 9")
    outside = labels[(labels < 0) | (labels >= N_CLASSES)]
    if outside.size:
        raise ValueError(
            f"{source}: {outside.size} labels lie outside 0 to {N_CLASSES - 1} (the first is "
            f"{outside[0]}); expected the class of each image, 0 to {N_CLASSES - 1}"
        )


def _check_part(images, labels, images_file, labels_file, image_shape):
    """Check one part's images (n, height, width) against its labels (n,), naming the files."""
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
    _check_images(images, images_file)
    _check_labels(labels, labels_file)


def _first(array, n, what):
    if n is None:
        return array
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= len(array):
        raise ValueError(f"{what} must be None or an int in [1, {len(array)}], got {n!r}")
    return array[:n]


def _mnist_from_openml(data_home):
    """Return ``(images, labels)``, the 70000 MNIST images as rows, via scikit-learn's cache."""
    bunch = sklearn.datasets.fetch_openml(
        "mnist_784", version=1, as_frame=False, data_home=data_home
    )
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


def _missing_in_named_folder(folder, found):
    if not folder.is_dir():
        return (
            f"MNIST folder {folder} (the path argument) does not exist; expected a folder "
            f"holding {', '.join(MNIST_FILES.values())} (plain or .gz). Nothing was downloaded: "
            "load_mnist() without path looks elsewhere and can fetch MNIST, and "
            "load_mnist_sample() reads the 5,000 digits shipped with aelearn."
        )
    missing = [name for role, name in MNIST_FILES.items() if not found[role]]
    return (
        f"MNIST folder {folder} (the path argument) lacks {', '.join(missing)} (plain or .gz). "
        "Nothing was downloaded: load_mnist() without path looks elsewhere and can fetch MNIST."
    )


def _scale_pixels(images, dtype):
    X = images.astype(dtype)
    X /= 255  # in place: MNIST's training set is 188 MB in float32, no need for a second copy
    return X


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
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or ``.gz``.
    dtype : floating dtype, default float32
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
        If ``path`` lacks the IDX files, or, without ``path``, neither the IDX files nor
        scikit-learn's fetch succeed; the message says where it looked and how to get the
        files. ``load_mnist_sample`` needs neither: its 5,000 digits ship with aelearn.
    ValueError
        Naming the file, if it is corrupt or truncated, or its images are not pixels in
        [0, 255], its labels not 0 to 9, or their numbers or shapes disagree.
    """
    dtype = _float_dtype(dtype)
    folder, source = _mnist_folder(path)
    found = _find_idx_files(folder)
    if all(found.values()):
        arrays = {role: read_idx(file) for role, file in found.items()}
        image_shape = arrays["train_images"].shape[1:]
        parts = []
        for part in ("train", "test"):
            roles = (f"{part}_images", f"{part}_labels")
            images, labels = (arrays[r] for r in roles)
            _check_part(images, labels, *(found[r] for r in roles), image_shape)
            parts.append((images.reshape(len(images), -1), labels))
        train, test = parts
    elif path is not None:  # a folder the user named: read there or say why, never download
        raise FileNotFoundError(_missing_in_named_folder(folder, found))
    else:
        try:
            images, labels = _mnist_from_openml(data_home)
        # Any failure (offline, bad cache, server error) ends the same way: tell the user
        # where we looked and how to provide the files; the cause stays chained.
        except Exception as err:
            message = _not_found_message(folder, source, found, data_home, err)
            raise FileNotFoundError(message) from err
        image_shape = (28, 28)
        fetched = "mnist_784 from sklearn.datasets.fetch_openml"
        _check_images(images, fetched)
        _check_labels(labels, fetched)
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
        image_shape=(1, *image_shape),
    )
