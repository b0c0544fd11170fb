"""PCA as the baseline every autoencoder is measured against.

A linear autoencoder trained with squared error learns the same subspace as PCA with as many
components as its code has units (Baldi and Hornik, 1989), so PCA gives both a number to beat,
the reconstruction error, and a target to compare a linear decoder's weights with, the
principal angles between the two subspaces.
"""

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from aelearn.validation import check_data


def fit_pca(X_train, n_components):
    """scikit-learn's PCA fitted on X_train (n_samples, n_features), with
    ``1 <= n_components <= min(n_samples, n_features)`` checked first; its ``components_``
    has shape (n_components, n_features)."""
    # dtype=None: float32 data stay float32, so PCA gives the numbers scikit-learn gives on them.
    X_train = check_data(X_train, "X_train", dtype=None)
    limit = min(X_train.shape)
    valid = isinstance(n_components, (int, np.integer)) and not isinstance(n_components, bool)
    if not valid or not 1 <= n_components <= limit:
        raise ValueError(
            f"n_components must be an int in [1, {limit}] for X_train of shape {X_train.shape}, "
            f"got {n_components!r}"
        )
    # The exact SVD: the baseline is the same on every scikit-learn version. The default "auto"
    # picks an approximate randomized solver for data like the digits before scikit-learn 1.5.
    return PCA(n_components=int(n_components), svd_solver="full").fit(X_train)


def pca_reconstruction_error(X_train, X_test, n_components):
    """Test MSE per element of the reconstruction by k = ``n_components`` principal components.

    PCA is fitted on X_train (n_train, n_features). With its mean m and components C of shape
    (k, n_features), ``x_hat = (x - m) @ C.T @ C + m``, the best rank-k affine approximation of
    the training set; the result is ``mean((X_test - x_hat) ** 2)`` over all entries of X_test
    (n_test, n_features). On the digits split of :func:`aelearn.datasets.load_digits` it is
    0.05318 for k = 2 and 0.02465 for k = 8.
    """
    X_test = check_data(X_test, "X_test", dtype=None)
    pca = fit_pca(X_train, n_components)
    if X_test.shape[1] != pca.n_features_in_:
        raise ValueError(
            f"X_test must have {pca.n_features_in_} features like X_train, got {X_test.shape}"
        )
    X_hat = pca.inverse_transform(pca.transform(X_test))
    return float(np.mean((X_test - X_hat) ** 2, dtype=np.float64))


def subspace_angles_to_pca(decoder_weights, X_train, n_components=None):
    """Principal angles, in degrees, between a linear decoder's subspace and PCA's.

    The decoder maps a code z of shape (batch, latent_dim) to ``x_hat = z @ W + b``, so every
    reconstruction lies in ``b`` plus the row space of W, of shape (latent_dim, n_features)
    (only this orientation is accepted, so that a square W cannot be read the wrong way round).
    That row space is compared with the span of the first k = ``n_components`` (default
    latent_dim) principal components of X_train, normally the autoencoder's training set; the
    bias plays the part of PCA's mean. Angles near 0 mean the decoder found PCA's subspace,
    whatever basis it chose within it; 90 means a direction that subspace does not contain.

    Returns an array of shape (min(rank(W), k),), largest angle first (as
    :func:`scipy.linalg.subspace_angles` orders them).
    """
    W = np.asarray(decoder_weights, dtype=np.float64)
    X_train = check_data(X_train, "X_train", dtype=None)
    n_features = X_train.shape[1]
    if W.ndim != 2 or W.shape[1] != n_features:
        hint = ""
        if W.ndim == 2 and W.shape[0] == n_features:
            hint = "; this looks like (n_features, latent_dim), so pass its transpose"
        raise ValueError(
            f"decoder_weights must have shape (latent_dim, n_features) = (latent_dim, "
            f"{n_features}) so that x_hat = z @ W + b, got {W.shape}{hint}"
        )
    if not np.isfinite(W).all():
        raise ValueError("decoder_weights contains NaN or infinite values")
    pca = fit_pca(X_train, W.shape[0] if n_components is None else n_components)
    # In float64 like W: with float32 components the small angles come out ~0.01 degree off.
    components = pca.components_.astype(np.float64)
    return np.degrees(subspace_angles(W.T, components.T))


def reconstruction_error_table(
    X_train, X_test, code_sizes, autoencoder_errors=None, autoencoders=None, fit_kwargs=None
):
    """Test reconstruction error against code size, for PCA and for autoencoders.

    The autoencoder's analogue of PCA's explained-variance curve: one row per code size k in
    ``code_sizes``, {"code_size": k, "pca_mse": ..., "<name>_mse": ...}, for
    ``format_table(rows)`` or ``plot_error_vs_code_size(rows)``.

    Parameters
    ----------
    autoencoder_errors : dict of {int: float}, optional
        Errors measured elsewhere, by code size, as the column ``autoencoder_mse`` (None,
        shown as ``-``, for a code size without an entry).
    autoencoders : dict of {str: callable}, optional
        ``{name: make}``, ``make(k)`` giving an untrained model with a k-unit code, such as
        ``lambda k: Autoencoder((64, 128, k), rng=0)``: trained on X_train with
        ``fit(X_train, **fit_kwargs)`` for every k, measured on X_test as ``{name}_mse``.
    """
    rows = []
    for k in code_sizes:
        row = {"code_size": k, "pca_mse": pca_reconstruction_error(X_train, X_test, k)}
        if autoencoder_errors is not None:
            row["autoencoder_mse"] = autoencoder_errors.get(k)
        for name, make in (autoencoders or {}).items():
            model = make(k).fit(X_train, **(fit_kwargs or {}))
            row[f"{name}_mse"] = model.reconstruction_error(X_test)
        rows.append(row)
    return rows
