import numpy as np
import pytest

from aelearn.baselines import (
    fit_pca,
    pca_reconstruction_error,
    reconstruction_error_table,
    subspace_angles_to_pca,
)
from aelearn.datasets import load_digits
from aelearn.reporting import format_table


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("code_size", "expected"), [(8, 0.02465), (2, 0.05318)])
def test_pca_error_on_digits_matches_reference(dtype, code_size, expected):
    data = load_digits(dtype=dtype)
    error = pca_reconstruction_error(data.X_train, data.X_test, code_size)
    assert float(f"{error:.4g}") == expected


def test_pca_error_shrinks_as_code_grows_and_vanishes_at_full_rank(digits):
    errors = [pca_reconstruction_error(digits.X_train, digits.X_test, k) for k in (1, 4, 16, 64)]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 1e-10


@pytest.mark.parametrize("n_components", [0, 65, 2.5, True])
def test_fit_pca_rejects_impossible_component_counts(digits, n_components):
    with pytest.raises(ValueError, match=r"n_components must be an int in \[1, 64\]"):
        fit_pca(digits.X_train, n_components)


def test_pca_error_rejects_mismatched_features(digits):
    with pytest.raises(ValueError, match="X_test must have 64 features"):
        pca_reconstruction_error(digits.X_train, digits.X_test[:, :10], 2)


def test_pca_keeps_float32_data_in_float32_and_converts_integers(digits):
    assert fit_pca(digits.X_train, 2).components_.dtype == np.float32
    pixels = np.rint(digits.X_train * 16).astype(np.int64)  # the source's integers 0..16
    np.testing.assert_array_equal(
        fit_pca(pixels, 2).components_, fit_pca(pixels.astype(np.float64), 2).components_
    )


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.ones(64), ValueError, r"2-D with shape \(n_samples, n_features\)"),
        (np.ones((0, 64)), ValueError, "is empty"),
        (np.full((4, 64), np.nan), ValueError, "256 NaN or infinite values"),
        (np.full((4, 64), "a"), TypeError, "expected real numbers"),
        (np.ones((4, 64), dtype=complex), TypeError, "expected real numbers"),
    ],
)
def test_baselines_refuse_bad_data_naming_the_array(digits, bad, error, match):
    with pytest.raises(error, match=f"X_train.*{match}"):
        fit_pca(bad, 2)
    with pytest.raises(error, match=f"X_test.*{match}"):
        pca_reconstruction_error(digits.X_train, bad, 2)
    with pytest.raises(error, match=f"X_train.*{match}"):
        subspace_angles_to_pca(np.ones((2, 64)), bad)


def test_pca_own_components_have_zero_angles(digits):
    components = fit_pca(digits.X_train, 8).components_
    # Any invertible mix of the components spans the same subspace, as a trained decoder's would.
    mix = np.random.default_rng(0).standard_normal((8, 8))
    angles = subspace_angles_to_pca(mix @ components, digits.X_train)
    assert angles.shape == (8,)
    np.testing.assert_allclose(angles, 0, atol=1e-4)


def test_direction_outside_pca_subspace_is_at_ninety_degrees(digits):
    components = fit_pca(digits.X_train, 9).components_
    # The 9th component is orthogonal to the first 8.
    angles = subspace_angles_to_pca(components[[8]], digits.X_train, n_components=8)
    np.testing.assert_allclose(angles, [90.0], atol=1e-4)
    angles = subspace_angles_to_pca(components[[0, 8]], digits.X_train, n_components=8)
    np.testing.assert_allclose(angles, [90.0, 0.0], atol=1e-4)


def test_subspace_angles_require_latent_by_features_weights(digits):
    with pytest.raises(ValueError, match=r"\(latent_dim, 64\).*got \(64, 8\); .*transpose"):
        subspace_angles_to_pca(np.ones((64, 8)), digits.X_train)
    with pytest.raises(ValueError, match=r"got \(8, 10\)$"):
        subspace_angles_to_pca(np.ones((8, 10)), digits.X_train)
    with pytest.raises(ValueError, match=r"got \(64,\)"):
        subspace_angles_to_pca(np.ones(64), digits.X_train)


def test_reconstruction_error_table_rows(digits):
    rows = reconstruction_error_table(digits.X_train, digits.X_test, [2, 8], {8: 0.02})
    assert [row["code_size"] for row in rows] == [2, 8]
    assert rows[1]["pca_mse"] == pytest.approx(0.024646, abs=1e-6)
    assert [row["autoencoder_mse"] for row in rows] == [None, 0.02]
    assert (
        "autoencoder_mse" not in reconstruction_error_table(digits.X_train, digits.X_test, [2])[0]
    )


def test_reconstruction_error_table_trains_an_autoencoder_per_code_size(digits):
    from aelearn.models import Autoencoder

    made = []

    def make(k):
        made.append(k)
        return Autoencoder((64, k), activation="identity", output_activation="identity", rng=0)

    rows = reconstruction_error_table(
        digits.X_train,
        digits.X_test,
        [2, 4],
        autoencoders={"linear": make},
        fit_kwargs={"epochs": 30, "lr": 1e-2},
    )
    assert made == [2, 4]
    for row in rows:
        # A linear autoencoder can at best reach PCA's error, and 30 epochs get it close.
        assert row["pca_mse"] * 0.999 < row["linear_mse"] < row["pca_mse"] * 1.10


def test_format_table_aligns_columns():
    rows = [
        {"model": "pca", "code_size": 2, "mse": 0.0531751},
        {"model": "autoencoder", "code_size": np.int64(16), "mse": np.float32(0.5)},
        {"model": "vae", "code_size": 8},
    ]
    assert format_table(rows).splitlines() == [
        "model        code_size      mse",
        "-----------  ---------  -------",
        "pca                  2  0.05318",
        "autoencoder         16  0.50000",
        "vae                  8        -",
    ]


def test_format_table_chooses_columns_and_float_format():
    text = format_table([{"a": 1.23456789, "b": "x"}], columns=["b", "a"], floatfmt=".3g")
    assert text.splitlines() == ["b     a", "-  ----", "x  1.23"]
    assert format_table([]) == ""
    with pytest.raises(ValueError, match="floatfmt"):
        format_table([{"a": 1.0}], floatfmt="q")
    with pytest.raises(TypeError, match="row 0 is list"):
        format_table([[1, 2]])
