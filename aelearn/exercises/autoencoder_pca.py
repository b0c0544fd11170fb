"""Checks for the exercises of notebook 02, autoencoders and PCA.

The experiments' tolerances were set from the reference solutions at several seeds (see
tests/test_exercises.py); the functions are compared with a reference on a small seeded
autoencoder.
"""

import numpy as np

from aelearn.baselines import pca_reconstruction_error
from aelearn.datasets import load_digits
from aelearn.exercises.verdict import call, check, close, given, number, wrong
from aelearn.models import Autoencoder


@check("02 exercise 1: the slow linear autoencoder's principal angles")
def slow_linear_angles(angles):
    """``angles``: the 8 principal angles (degrees) of the linear autoencoder at lr=1e-3."""
    angles = np.asarray(given(angles), dtype=np.float64)
    if angles.shape != (8,):
        wrong(f"angles has shape {angles.shape}; expected (8,), one angle per code unit")
    if angles.min() < 0 or angles.max() > 90.0:
        wrong(
            f"angles run from {angles.min():.3g} to {angles.max():.3g}; expected degrees in [0, 90]"
        )
    if angles.max() < 20.0:
        wrong(
            f"the largest angle is {angles.max():.2f} degrees, as for a fit that has converged to "
            "PCA's subspace: train a fresh linear autoencoder with lr=1e-3 for 150 epochs"
        )
    return (
        f"the largest angle is {angles.max():.0f} degrees: at lr=1e-3 the fit has not reached "
        "PCA's subspace in 150 epochs; small angles are a sign of convergence"
    )


@check("02 exercise 2: a linear 64-128-8 autoencoder against PCA")
def identity_against_pca(test_mse):
    """``test_mse``: test MSE per pixel of Autoencoder((64, 128, 8)) with identity units."""
    value = number(given(test_mse), "test_mse")
    data = load_digits()
    pca = pca_reconstruction_error(data.X_train, data.X_test, 8)
    ratio = value / pca
    if ratio < 0.98:
        wrong(
            f"{value:.4f} is {100 * (1 - ratio):.1f}% below PCA's {pca:.4f}: a linear network "
            "cannot beat PCA; use activation='identity' and output_activation='identity', and "
            "report reconstruction_error (MSE per pixel)"
        )
    if ratio > 1.25:
        wrong(
            f"{value:.4f} is {100 * (ratio - 1):.0f}% above PCA's {pca:.4f}: train for the 60 "
            "epochs the text says, and report reconstruction_error (MSE per pixel)"
        )
    return (
        f"{value:.4f} against PCA's {pca:.4f}: a linear autoencoder, however wide, does not beat "
        "PCA; it can at best find PCA's subspace"
    )


def _small_model_and_digits():
    data = load_digits()
    model = Autoencoder((64, 16, 4), rng=np.random.default_rng(201))
    return model, data.X_test[:40]


@check("02 exercise 3: codes held at their mean")
def hold_units_at_mean(reconstruct_with_units_held):
    """``reconstruct_with_units_held(model, X, units)``: reconstructions (n_samples, 64)
    with the code units ``units`` of every example replaced by their mean over X."""
    model, X = _small_model_and_digits()
    units = [0, 2]
    codes = model.encode(X)
    codes[:, units] = codes[:, units].mean(axis=0)
    expected = model.decode(codes)
    got = call(reconstruct_with_units_held, model, X, units)
    close(got, expected, "reconstruction", rtol=1e-4, atol=1e-6)
    return "the reconstructions match holding those units at their mean over X"


@check("02 exercise 4: decoding a straight line between two codes")
def decode_line(decode_between):
    """``decode_between(model, a, b, steps)``: (steps, 64) images decoded from
    z = (1 - t) z_a + t z_b, t from 0 to 1, with z_a, z_b the codes of images a and b."""
    model, X = _small_model_and_digits()
    a, b, steps = X[0], X[1], 7
    z_a, z_b = model.encode(np.stack([a, b]))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    expected = model.decode(((1 - t) * z_a + t * z_b).astype(np.float32))
    got = call(decode_between, model, a, b, steps)
    close(got, expected, "decoded image", rtol=1e-4, atol=1e-6)
    return "the images match decoding the straight line between the two codes"
