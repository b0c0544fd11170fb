"""Bad input at every edge: each error says what was wrong and what is expected.

Each case runs on the Autoencoder, the VAE, the CVAE and the scikit-learn estimators. The
models word their own messages (``aelearn.validation``); the estimators follow
scikit-learn's conventions, so their messages are scikit-learn's.
"""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from aelearn.models import CVAE, VAE, Autoencoder
from aelearn.sklearn import AutoencoderTransformer, VAETransformer
from aelearn.training import Callback, TrainingDiverged

rng = np.random.default_rng(0)
X = rng.random((30, 6)).astype(np.float32)
Y = rng.integers(0, 3, size=30)

MODELS = {
    "autoencoder": lambda: Autoencoder((6, 8, 2), rng=0),
    "vae": lambda: VAE((6, 8, 2), rng=0),
    "cvae": lambda: CVAE((6, 8, 2), n_classes=3, rng=0),
}
ESTIMATORS = {
    "ae-estimator": lambda: AutoencoderTransformer(hidden_sizes=(8,), epochs=2, random_state=0),
    "vae-estimator": lambda: VAETransformer(hidden_sizes=(8,), epochs=2, random_state=0),
}


def _labels(model, n=30):
    return Y[:n] if isinstance(model, CVAE) else None


def _fit(model, data, **kwargs):
    return model.fit(data, _labels(model, len(data)), **{"epochs": 1, **kwargs})


def _encode(model, data):
    if isinstance(model, CVAE):
        return model.encode(data, Y[: len(data)])
    return model.encode(data)


# ----- non-finite values ------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_model_refuses_nan_and_infinity(name, bad):
    data = X.copy()
    data[3, 2] = bad
    model = MODELS[name]()
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite values; expected finite"):
        _fit(model, data)
    _fit(model, X)
    with pytest.raises(ValueError, match="expected finite numbers"):
        _encode(model, data)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize(("bad", "word"), [(np.nan, "NaN"), (np.inf, "infinity")])
def test_estimator_refuses_nan_and_infinity(name, bad, word):
    data = X.copy()
    data[3, 2] = bad
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        ESTIMATORS[name]().fit(data)


# ----- shapes -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_model_refuses_wrong_number_of_features(name):
    model = _fit(MODELS[name](), X)
    with pytest.raises(ValueError, match="X has 5 features per sample; this model expects 6"):
        _encode(model, X[:, :5])
    with pytest.raises(ValueError, match="expects 6"):
        _fit(model, X[:, :5])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_refuses_wrong_number_of_features(name):
    est = ESTIMATORS[name]().fit(X)
    with pytest.raises(ValueError, match="X has 5 features, but .* is expecting 6 features"):
        est.transform(X[:, :5])


@pytest.mark.parametrize("name", MODELS)
def test_model_refuses_1d_input(name):
    model = MODELS[name]()
    with pytest.raises(ValueError, match=r"2-D with shape \(n_samples, n_features\); got 1-D"):
        _fit(model, X[0])
    with pytest.raises(ValueError, match=r"for one sample use X.reshape\(1, -1\)"):
        _fit(model, X[0])


@pytest.mark.parametrize("name", MODELS)
def test_model_takes_examples_of_any_shape_holding_n_features_values(name):
    # Images (n, ...) of n_features values each are taken as rows of their values.
    images = X.reshape(30, 2, 3)
    from_images = _fit(MODELS[name](), images)
    from_rows = _fit(MODELS[name](), X)
    _assert_same_weights(from_images, from_rows)
    np.testing.assert_array_equal(_encode(from_images, images), _encode(from_rows, X))
    with pytest.raises(ValueError, match="X has 4 features per sample; this model expects 6"):
        _encode(from_images, X[:, :4].reshape(30, 2, 2))
    with pytest.raises(ValueError, match="X has 4 features per sample; this model expects 6"):
        _fit(MODELS[name](), X[:, :4].reshape(30, 2, 2))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_refuses_1d_and_3d_input(name):
    with pytest.raises(ValueError, match="(?s)Expected 2D array, got 1D array instead.*Reshape"):
        ESTIMATORS[name]().fit(X[0])
    # scikit-learn 1.2 words it "dim 3. ... expected <= 2", later versions "dim 3, while dim <= 2".
    with pytest.raises(ValueError, match=r"Found array with dim 3\W.*<= 2"):
        ESTIMATORS[name]().fit(X.reshape(30, 2, 3))


@pytest.mark.parametrize("name", MODELS)
def test_model_refuses_an_empty_array(name):
    with pytest.raises(ValueError, match=r"X is empty \(shape \(0, 6\)\); expected at least one"):
        _fit(MODELS[name](), X[:0])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_refuses_an_empty_array(name):
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 6\)\).*minimum of 1"):
        ESTIMATORS[name]().fit(X[:0])


# ----- dtypes -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_model_converts_integers_and_refuses_objects(name):
    counts = rng.integers(0, 2, size=(30, 6))  # int64 pixels in {0, 1}
    model = _fit(MODELS[name](), counts)
    np.testing.assert_array_equal(_encode(model, counts), _encode(model, counts.astype("f4")))
    with pytest.raises(TypeError, match="dtype object; expected real numbers"):
        _encode(model, counts.astype(object))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_converts_integers_and_numeric_objects_but_refuses_strings(name):
    counts = rng.integers(0, 2, size=(30, 6))
    est = ESTIMATORS[name]().fit(counts)
    assert est.transform(counts).dtype == np.float64
    # scikit-learn's convention (its check_dtype_object): objects holding numbers convert.
    np.testing.assert_array_equal(est.transform(counts.astype(object)), est.transform(counts))
    with pytest.raises(ValueError, match="could not convert string to float"):
        est.transform(np.full((2, 6), "a", dtype=object))


# ----- values outside [0, 1] under a Bernoulli likelihood / cross-entropy ------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: Autoencoder((6, 2), output_activation="sigmoid", loss="bce", rng=0),
        lambda: VAE((6, 2), likelihood="bernoulli", rng=0),
        lambda: CVAE((6, 2), n_classes=3, rng=0),
        lambda: AutoencoderTransformer(output_activation="sigmoid", loss="bce", epochs=1),
        lambda: VAETransformer(likelihood="bernoulli", epochs=1),
    ],
)
def test_bernoulli_models_refuse_values_outside_unit_interval(make):
    model = make()
    data = X.copy()
    data[0, :2] = -0.5, 1.5
    expected = r"values in \[-0.5, 1.5\]; a Bernoulli / binary cross-entropy model expects"
    with pytest.raises(ValueError, match=expected + r" values in \[0, 1\]. Scale the data"):
        if isinstance(model, CVAE):
            model.fit(data, Y, epochs=1)
        elif isinstance(model, Autoencoder | VAE):
            model.fit(data, epochs=1)
        else:
            model.fit(data)


# ----- labels --------------------------------------------------------------------------------
def test_cvae_refuses_labels_outside_its_classes():
    model = CVAE((6, 8, 2), n_classes=3, rng=0)
    bad = Y.copy()
    bad[0] = 5
    with pytest.raises(
        ValueError, match=r"values in \[0, 5\]; this model knows the classes 0 to 2"
    ):
        model.fit(X, bad, epochs=1)
    model.fit(X, Y, epochs=1)
    with pytest.raises(ValueError, match="label has values in .*-1.*classes 0 to 2"):
        model.sample(4, label=-1)
    with pytest.raises(ValueError, match=r"y must have shape \(30,\), one label per sample"):
        model.encode(X, Y[:10])
    with pytest.raises(ValueError, match=r"a CVAE needs labels y of shape \(30,\)"):
        model.fit(X, epochs=1)


# ----- training settings ----------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("setting", ["epochs", "batch_size"])
@pytest.mark.parametrize("value", [0, -3])
def test_model_refuses_non_positive_epochs_and_batch_size(name, setting, value):
    with pytest.raises(ValueError, match=f"{setting} must be a positive integer; got {value}"):
        _fit(MODELS[name](), X, **{setting: value})


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("setting", ["epochs", "batch_size"])
@pytest.mark.parametrize("value", [0, -3])
def test_estimator_refuses_non_positive_epochs_and_batch_size(name, setting, value):
    est = ESTIMATORS[name]().set_params(**{setting: value})
    with pytest.raises(ValueError, match=f"{setting} must be a positive integer; got {value}"):
        est.fit(X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_refuses_bad_learning_rate_and_hidden_sizes(name):
    for bad in (0, np.inf, "0.01"):
        with pytest.raises(ValueError, match=f"learning_rate must be .*; got {bad!r}"):
            ESTIMATORS[name]().set_params(learning_rate=bad).fit(X)
    with pytest.raises(ValueError, match="each hidden size must be a positive integer; got 0"):
        ESTIMATORS[name]().set_params(hidden_sizes=(8, 0)).fit(X)
    with pytest.raises(ValueError, match=r"hidden_sizes must be a sequence of positive ints"):
        ESTIMATORS[name]().set_params(hidden_sizes=1.5).fit(X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_estimator_whose_training_diverges_raises_and_stays_unfitted(name):
    estimator = ESTIMATORS[name]().set_params(learning_rate=1e6, epochs=20)
    with pytest.raises(TrainingDiverged, match="training diverged at epoch"):
        estimator.fit(X)
    with pytest.raises(NotFittedError):
        estimator.transform(X)


# ----- KeyboardInterrupt --------------------------------------------------------------------------
class InterruptAt(Callback):
    """Raise KeyboardInterrupt as epoch ``epoch`` begins, as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, epoch, run):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def _assert_same_weights(a, b):
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


@pytest.mark.parametrize("name", MODELS)
def test_interrupt_keeps_last_finished_epoch_and_history(name, capsys):
    interrupted = _fit(MODELS[name](), X, epochs=6, batch_size=8, callbacks=[InterruptAt(3)])
    assert "keeping the weights from the end of epoch 2" in capsys.readouterr().out
    history = interrupted.history_
    assert len(history) == 2 and history.epochs == [1, 2]
    assert history.stopped == "interrupted during epoch 3"
    two_epochs = _fit(MODELS[name](), X, epochs=2, batch_size=8)
    _assert_same_weights(interrupted, two_epochs)
    np.testing.assert_array_equal(history["loss"], two_epochs.history_["loss"])
    # Still usable: it encodes, and trains on.
    assert np.all(np.isfinite(_encode(interrupted, X)))
    assert len(_fit(interrupted, X, epochs=1).history_) == 1


def test_interrupt_in_the_middle_of_an_epoch_restores_the_last_finished_one():
    model = Autoencoder((6, 8, 2), rng=0)
    calls = {"n": 0}
    loss_terms = model.loss_terms

    def interrupted_loss_terms(x, y, rng):
        calls["n"] += 1
        if calls["n"] == 10:  # the 2nd batch of epoch 3 (4 batches of 8 per epoch)
            raise KeyboardInterrupt
        return loss_terms(x, y, rng)

    model.loss_terms = interrupted_loss_terms
    model.fit(X, epochs=5, batch_size=8)
    assert len(model.history_) == 2
    _assert_same_weights(model, Autoencoder((6, 8, 2), rng=0).fit(X, epochs=2, batch_size=8))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_interrupted_estimator_is_fitted_with_the_finished_epochs(name, capsys):
    est = ESTIMATORS[name]().set_params(epochs=6, batch_size=8)
    est.fit(X, callbacks=[InterruptAt(3)])
    assert len(est.history_) == 2
    reference = ESTIMATORS[name]().set_params(epochs=2, batch_size=8).fit(X)
    np.testing.assert_array_equal(est.transform(X), reference.transform(X))


def test_sparse_input_is_refused_with_how_to_densify_it():
    import scipy.sparse

    X = scipy.sparse.random(20, 64, density=0.1, format="csr", random_state=0)
    with pytest.raises(TypeError, match=r"scipy.sparse matrix.*X.toarray\(\)"):
        Autoencoder(rng=0).fit(X, epochs=1)


def test_a_finite_value_too_large_for_float32_is_not_called_nan_or_infinite():
    X = np.full((4, 64), 0.5)
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match=r"up to 1e\+39, beyond the largest float32"):
        Autoencoder(output_activation="identity", rng=0).fit(X, epochs=1)
