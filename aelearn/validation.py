"""Checks at the edge: arrays coming in from users, validated once, with messages that say
what was wrong and what was expected. Inner loops trust what passed here."""

import numbers

import numpy as np


def check_data(X, name="X", n_features=None, dtype=np.float32, unit_interval=False):
    """Return ``X`` as a finite 2-D floating array of ``dtype``, or raise a clear error.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    name : str, default="X"
        How the message refers to the array.
    n_features : int, optional
        The number of features the model was built for.
    dtype : dtype or None, default=np.float32
        Integers are converted; objects, strings and complex numbers are refused. None
        keeps a floating array's dtype and makes anything else float64.
    unit_interval : bool, default=False
        Require values in [0, 1] (for Bernoulli likelihoods and binary cross-entropy).

    Returns
    -------
    ndarray of shape (n_samples, n_features) and dtype ``dtype``
    """
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy.sparse, without importing it
        raise TypeError(
            f"{name} is a scipy.sparse matrix; aelearn's models take dense arrays. Densify "
            f"it first: {name}.toarray() (it then holds every zero, so check it fits in memory)"
        )
    try:
        array = np.asarray(X)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features): {error}") from None
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"{name} has dtype {array.dtype}; expected real numbers (float or int), e.g. "
            f"np.asarray({name}, dtype=np.float32)"
        )
    if array.ndim != 2:
        hint = " (for one sample use X.reshape(1, -1))" if array.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D with shape (n_samples, n_features); got {array.ndim}-D array of "
            f"shape {array.shape}{hint}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); expected at least one sample")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{name} has {array.shape[1]} features per sample; this model expects {n_features}"
        )
    if dtype is None:
        dtype = array.dtype if array.dtype.kind == "f" else np.float64
    if array.dtype.kind == "f" and np.dtype(dtype).itemsize < array.dtype.itemsize:
        finite = array[np.isfinite(array)]
        limit = np.finfo(dtype).max
        if finite.size and np.abs(finite).max() > limit:
            raise ValueError(
                f"{name} holds values up to {np.abs(finite).max():.3g}, beyond the largest "
                f"{np.dtype(dtype).name} ({limit:.3g}); scale the data, or use dtype=np.float64"
            )
    array = np.asarray(array, dtype=dtype)
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} NaN or infinite values; expected finite numbers")
    if unit_interval and (array.min() < 0 or array.max() > 1):
        raise ValueError(
            f"{name} has values in [{array.min():.4g}, {array.max():.4g}]; a Bernoulli / binary "
            "cross-entropy model expects values in [0, 1]. Scale the data (e.g. X / X.max()) "
            "or use a Gaussian likelihood / MSE loss."
        )
    return array


def check_labels(y, n_samples, n_classes=None, name="y"):
    """Return integer labels of shape (n_samples,), each in [0, n_classes), or raise."""
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have shape ({n_samples},), one label per sample; got {labels.shape}"
        )
    if (
        labels.dtype.kind == "f"
        and np.all(np.isfinite(labels))
        and np.all(labels == np.round(labels))
    ):
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels; got dtype {labels.dtype}")
    if n_classes is not None and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{name} has labels in [{labels.min()}, {labels.max()}]; this model knows the classes "
            f"0 to {n_classes - 1}"
        )
    return labels.astype(np.int64)


def check_positive_int(value, name):
    """Return ``value`` as an int > 0, or raise ValueError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_rng(rng):
    """A numpy.random.Generator from a Generator, an int seed or None."""
    if isinstance(rng, np.random.RandomState):
        raise TypeError("pass a numpy.random.Generator or an int seed, not a legacy RandomState")
    return np.random.default_rng(rng)


def check_choice(value, choices, name):
    """Return ``value`` if it is one of ``choices``, or raise ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}; got {value!r}")
    return value


def check_pair(first, second, what, names=("prediction", "target"), width="n_features"):
    """Check two arrays of one shape (batch, width), the second finite; return the second.

    For a loss: ``first`` is what the model computed, ``second`` what it is compared with
    (the target, or logvar beside mu), which must be finite data.
    """
    if first.ndim != 2 or first.shape != second.shape:
        raise ValueError(
            f"{what} expects {names[0]} and {names[1]} of the same shape (batch, {width}); got "
            f"{first.shape} and {second.shape}"
        )
    if not np.all(np.isfinite(second)):
        raise ValueError(f"{what}: the {names[1]} contains NaN or infinity; expected finite values")
    return second


def check_unit_interval(values, what, name="targets"):
    """Raise ValueError unless every value lies in [0, 1] (probabilities, grey levels)."""
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"{what} expects {name} in [0, 1] (probabilities or grey levels); got values in "
            f"[{values.min():.4g}, {values.max():.4g}]. Scale the data into [0, 1] or use an "
            "MSE loss."
        )
