"""Checks at the edge: arrays coming in from users, validated once, with messages that say
what was wrong and what was expected. Inner loops trust what passed here."""

import math
import numbers
from collections.abc import Iterable

import numpy as np

#: The dtypes a model computes in: float16 is too narrow (Adam's eps = 1e-8 underflows to
#: 0 in it, and exp overflows past 11), integers would truncate weights and data.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_data(X, name="X", n_features=None, dtype=np.float32, unit_interval=False):
    """``X`` (n_samples, n_features), of ``n_features`` columns if given, as a finite array of
    ``dtype`` (None: a floating array's own, else float64), in [0, 1] if ``unit_interval``;
    or an error that names it ``name``. Integers are converted, other kinds refused."""
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
    if array.shape[1] == 0:
        raise ValueError(
            f"{name} has no features (shape {array.shape}); expected at least one column"
        )
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{name} has {array.shape[1]} features per sample; this model expects {n_features}"
        )
    if dtype is None:
        dtype = array.dtype if array.dtype.kind == "f" else np.float64
    if array.dtype.kind == "f" and np.dtype(dtype).itemsize < array.dtype.itemsize:
        largest, limit = np.abs(array[np.isfinite(array)]).max(initial=0), np.finfo(dtype).max
        if largest > limit:
            raise ValueError(
                f"{name} holds values up to {largest:.3g}, beyond the largest "
                f"{np.dtype(dtype).name} ({limit:.3g}); scale the data, or use dtype=np.float64"
            )
    array = np.asarray(array, dtype=dtype)
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} NaN or infinite values; expected finite numbers")
    if unit_interval:
        check_unit_interval(array, name, "a Bernoulli / binary cross-entropy model")
    return array


def check_labels(y, n_samples, n_classes=None, name="y"):
    """Return integer labels of shape (n_samples,), each in [0, n_classes), or raise."""
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have shape ({n_samples},), one label per sample; got {labels.shape}"
        )
    if labels.dtype.kind == "f" and np.all(np.isfinite(labels) & (labels == np.round(labels))):
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels; got dtype {labels.dtype}")
    if n_classes is not None and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{name} has values in [{labels.min()}, {labels.max()}]; this model knows the classes "
            f"0 to {n_classes - 1}"
        )
    return labels.astype(np.int64)


def check_int(value, name, minimum=1):
    """``value`` as an int >= ``minimum`` (None: any int), or a ValueError naming ``name``."""
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integral or (minimum is not None and value < minimum):
        what = {None: "an integer", 1: "a positive integer"}.get(
            minimum, f"an integer >= {minimum}"
        )
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return int(value)


def check_int_pair(value, name, minimum=1):
    """``value`` as a pair (height, width) of ints >= ``minimum``: an int means both."""
    values = tuple(value) if isinstance(value, tuple | list) else (value, value)
    if len(values) != 2:
        raise ValueError(f"{name} must be an int or a pair (height, width) of ints; got {value!r}")
    return tuple(check_int(v, f"{name} (an int or a pair of them)", minimum) for v in values)


def check_real(value, name, minimum=None, strictly=False):
    """``value`` as a finite float >= ``minimum`` (> it if ``strictly``), or a ValueError
    naming ``name``; strings, booleans and NaN are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if minimum is not None and (value <= minimum if strictly else value < minimum):
        bound = f"> {minimum}" if strictly else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}; got {value!r}")
    return float(value)


def check_sizes(sizes, name="sizes", layout="(n_features, hidden..., latent_dim)", min_len=2):
    """Layer widths as a tuple of at least ``min_len`` positive ints, or an error naming
    ``name`` and saying what it lists (``layout``)."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Iterable):
        hint = (
            f" (one width w is written ({sizes!r},))" if isinstance(sizes, numbers.Number) else ""
        )
        raise TypeError(f"{name} must be a sequence of layer widths {layout}; got {sizes!r}{hint}")
    widths = tuple(sizes)
    if len(widths) < min_len:
        raise ValueError(f"{name} must list at least {min_len} widths {layout}; got {widths}")
    return tuple(check_int(width, f"each entry of {name}") for width in widths)


def check_dtype(dtype):
    """``dtype`` as the numpy dtype float32 or float64, or a TypeError."""
    try:
        resolved = None if dtype is None else np.dtype(dtype)  # np.dtype(None) is float64
    except TypeError:
        resolved = None
    # Not `resolved in FLOAT_DTYPES`: np.dtype(np.float64) == None is True.
    if resolved is not None and resolved in FLOAT_DTYPES:
        return resolved
    if resolved is not None and resolved.kind == "f":
        why = "float16 rounds Adam's eps = 1e-8 to 0 and overflows past 65504"
    elif resolved is not None and resolved.kind in "iub":
        why = "integer weights would be truncated to whole numbers and could not learn"
    else:
        why = "a model computes in floating point"
    got = repr(dtype) if resolved is None else resolved.name
    raise TypeError(f"dtype must be np.float32 or np.float64; got {got} ({why})")


def check_rng(rng):
    """A numpy.random.Generator from a Generator, an int seed or None."""
    if isinstance(rng, np.random.RandomState):
        raise TypeError("pass a numpy.random.Generator or an int seed, not a legacy RandomState")
    return np.random.default_rng(rng)


def check_choice(value, choices, name):
    """``value`` if it is one of ``choices``, or a ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}; got {value!r}")
    return value


def check_pair(first, second, what, names=("prediction", "target"), width="n_features"):
    """For a loss: ``first`` (what the model computed) and ``second`` (what it is compared
    with: the target, or logvar beside mu) of one shape (batch, width), the second finite;
    return the second."""
    if first.ndim != 2 or first.shape != second.shape:
        raise ValueError(
            f"{what} expects {names[0]} and {names[1]} of the same shape (batch, {width}); got "
            f"{first.shape} and {second.shape}"
        )
    if not np.all(np.isfinite(second)):
        raise ValueError(f"{what}: the {names[1]} contains NaN or infinity; expected finite values")
    return second


def check_unit_interval(values, name, user):
    """Raise ValueError unless every value lies in [0, 1] (probabilities, grey levels), as
    ``user`` (who reads ``values`` as such) expects."""
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"{name} has values in [{values.min():.4g}, {values.max():.4g}]; {user} expects "
            "values in [0, 1]. Scale the data (e.g. X / X.max()) or use a Gaussian likelihood "
            "/ MSE loss."
        )


def check_image(x, name, channels=None, where="this op"):
    """Raise ValueError unless ``x`` is (batch, channels, height, width), with ``channels``."""
    expected = "channels" if channels is None else str(channels)
    if np.ndim(x) != 4 or (channels is not None and np.shape(x)[1] != channels):
        raise ValueError(
            f"{where} expects {name} of shape (batch, {expected}, height, width); got shape "
            f"{tuple(np.shape(x))}. Reshape flat images with .reshape(-1, channels, height, width)."
        )


def conv_padding(padding, kernel, stride):
    """PyTorch's padding argument of a convolution as (top, bottom, left, right).

    An int or a pair pads both sides alike; "valid" is no padding; "same" pads kH - 1 rows in
    all, (kH - 1) // 2 on top and the rest below (likewise for columns), so that a stride-1
    output keeps the input's size (as PyTorch, it is refused with a larger stride).
    """
    if isinstance(padding, str):
        check_choice(padding, ("same", "valid"), "padding (a string)")
        if padding == "valid":
            return (0, 0, 0, 0)
        if stride != (1, 1):
            raise ValueError(
                f"padding='same' is not supported for strided convolutions (stride={stride}), "
                "as in PyTorch; give the padding as an int instead"
            )
        (kh, kw) = kernel
        return ((kh - 1) // 2, kh - 1 - (kh - 1) // 2, (kw - 1) // 2, kw - 1 - (kw - 1) // 2)
    ph, pw = check_int_pair(padding, "padding", minimum=0)
    return (ph, ph, pw, pw)


def check_output_padding(output_padding, stride):
    """``output_padding`` as a pair, each below its stride, as PyTorch requires."""
    output_padding = check_int_pair(output_padding, "output_padding", minimum=0)
    if output_padding[0] >= stride[0] or output_padding[1] >= stride[1]:
        raise ValueError(
            f"output_padding {output_padding} must be smaller than the stride {stride}, as in "
            "PyTorch: it only picks one of the stride's possible output sizes"
        )
    return output_padding
