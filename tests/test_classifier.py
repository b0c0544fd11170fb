"""Tests of aelearn/models/classifier.py: a head on an encoder, frozen or fine-tuned."""

import numpy as np
import pytest

from aelearn.autograd.activations import log_softmax
from aelearn.datasets import load_digits
from aelearn.models.autoencoder import Autoencoder
from aelearn.models.classifier import Classifier
from aelearn.nn import Dense, Module, Sequential, Sigmoid


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.X_train[:300], data.y_train[:300], data.X_test, data.y_test


@pytest.fixture(scope="module")
def autoencoder(digits):
    X, _, _, _ = digits
    return Autoencoder((64, 32, 16), rng=0).fit(X, epochs=3)


def weights(module):
    return [p.data.copy() for p in module.parameters()]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_frozen_encoder_weights_do_not_change(digits, autoencoder):
    X, y, _, _ = digits
    clf = Classifier(autoencoder.encoder, rng=0)
    encoder_before, head_before = weights(clf.encoder), weights(clf.head)
    clf.fit(X, y, epochs=2)
    assert same(weights(clf.encoder), encoder_before)
    assert not same(weights(clf.head), head_before)
    clf.fit(X, y, epochs=2)  # a second fit builds a new optimiser: still frozen
    assert same(weights(clf.encoder), encoder_before)


def test_fine_tuning_changes_a_copy_of_the_encoder(digits, autoencoder):
    X, y, _, _ = digits
    ae_before = weights(autoencoder.encoder)
    clf = Classifier(autoencoder.encoder, freeze_encoder=False, rng=0)
    assert same(weights(clf.encoder), ae_before)
    clf.fit(X, y, epochs=2)
    assert not same(weights(clf.encoder), ae_before)
    assert same(weights(autoencoder.encoder), ae_before)
    assert not autoencoder.encoder.frozen


def test_shared_encoder_is_fine_tuned_in_place(digits):
    X, y, _, _ = digits
    ae = Autoencoder((64, 16), rng=1)
    before = weights(ae.encoder)
    clf = Classifier(ae.encoder, freeze_encoder=False, copy_encoder=False, rng=0).fit(
        X, y, epochs=1
    )
    assert clf.encoder is ae.encoder
    assert not same(weights(ae.encoder), before)


def test_raw_input_classifier_learns_digits(digits):
    X, y, X_test, y_test = digits
    clf = Classifier(None, n_features=64, rng=0).fit(X, y, epochs=30, lr=1e-2)
    assert clf.head.sizes == (64, 10)
    assert clf.score(X_test, y_test) > 0.85
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    assert clf.history_["accuracy"][-1] > 0.9


def test_deep_mlp_classifier_has_the_requested_layers():
    clf = Classifier(None, n_features=64, hidden_sizes=(128, 64, 32), activation="sigmoid", rng=0)
    assert clf.head.sizes == (64, 128, 64, 32, 10)
    assert sum(isinstance(m, Sigmoid) for m in clf.head.layers) == 3


def test_predictions_agree_with_probabilities(digits, autoencoder):
    X, y, _, _ = digits
    clf = Classifier(autoencoder.encoder, hidden_sizes=(8,), rng=0).fit(X, y, epochs=2)
    proba = clf.predict_proba(X[:50])
    assert proba.shape == (50, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X[:50]), proba.argmax(axis=1))
    assert clf.score(X[:50], y[:50]) == np.mean(proba.argmax(axis=1) == y[:50])


def test_softmax_is_stable_for_large_logits():
    proba = np.exp(log_softmax(np.array([[1000.0, 0.0], [-1000.0, -1000.0]])))
    np.testing.assert_allclose(proba, [[1.0, 0.0], [0.5, 0.5]])


def test_logged_loss_is_the_cross_entropy(digits):
    X, y, _, _ = digits
    clf = Classifier(None, n_features=64, rng=0)
    logits = clf.decision_function(X)
    expected = -np.mean(log_softmax(logits.astype(np.float64), axis=1)[np.arange(len(y)), y])
    clf.fit(X, y, epochs=1, validation_data=(X, y), lr=1e-12)  # a step too small to matter
    assert clf.history_["val_loss"][0] == pytest.approx(expected, rel=1e-4)
    assert clf.history_["val_accuracy"][0] == pytest.approx(np.mean(logits.argmax(1) == y))


def test_code_width_is_found_for_any_encoder_module(digits):
    X, y, _, _ = digits
    encoder = Sequential(Dense(64, 12, rng=0), Sigmoid())
    clf = Classifier(encoder, n_classes=10, n_features=64, rng=0).fit(X, y, epochs=1)
    assert clf.code_width == 12 and clf.head.sizes == (12, 10)
    with pytest.raises(ValueError, match="n_features"):
        Classifier(encoder)


def test_the_code_width_is_read_from_the_encoders_settings_without_a_forward_pass(
    autoencoder, monkeypatch
):
    def no_forward(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} ran a forward pass")

    monkeypatch.setattr(Module, "__call__", no_forward)
    clf = Classifier(autoencoder.encoder, n_classes=3, rng=0)
    assert clf.code_width == 16 and clf.head.sizes == (16, 3)


class Halve(Module):
    """A user's layer that states no output shape."""

    def forward(self, x):
        return x * 0.5


def test_an_encoder_that_states_no_output_shape_is_measured_on_one_input(digits):
    X, y, _, _ = digits
    encoder = Sequential(Dense(64, 12, rng=0), Halve())
    assert encoder.output_shape((64,)) is None
    clf = Classifier(encoder, n_classes=10, n_features=64, rng=0)
    assert clf.code_width == 12 and clf.head.sizes == (12, 10)
    assert clf.fit(X, y, epochs=1).predict(X[:4]).shape == (4,)


def test_a_classifier_prints_only_the_settings_that_differ_from_their_defaults():
    assert repr(Classifier(None, 3, (5,), n_features=4, rng=0)).startswith(
        "Classifier(n_classes=3, hidden_sizes=(5,), n_features=4"
    )


def test_same_seed_same_classifier(digits, autoencoder):
    X, y, _, _ = digits
    runs = [Classifier(autoencoder.encoder, rng=3).fit(X, y, epochs=2) for _ in range(2)]
    assert same(weights(runs[0]), weights(runs[1]))


def test_labels_are_validated(digits):
    X, y, _, _ = digits
    clf = Classifier(None, n_features=64, n_classes=10, rng=0)
    with pytest.raises(ValueError, match="classes"):
        clf.fit(X, np.where(y == 0, 10, y))
    with pytest.raises(ValueError, match="shape"):
        clf.fit(X, y[:-1])
    with pytest.raises(TypeError, match="integer"):
        clf.fit(X, y + 0.5)
    with pytest.raises(ValueError, match="labels"):
        clf.fit(X)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :10])


def test_constructor_refuses_bad_arguments():
    with pytest.raises(ValueError, match="n_features"):
        Classifier(None)
    with pytest.raises(TypeError, match="Module"):
        Classifier(np.eye(3))
    with pytest.raises(ValueError, match="n_classes"):
        Classifier(None, n_features=4, n_classes=0)


def test_fine_tuning_unfreezes_an_encoder_that_was_frozen_before():
    ae = Autoencoder((64, 16, 4), rng=0)
    ae.encoder.freeze()
    tuned = Classifier(ae.encoder, 10, freeze_encoder=False, rng=0)
    assert not tuned.encoder.frozen
    before = [p.data.copy() for p in tuned.encoder.parameters()]
    data = load_digits()
    tuned.fit(data.X_train[:128], data.y_train[:128], epochs=1, verbose=False)
    after = [p.data for p in tuned.encoder.parameters()]
    assert all(not np.array_equal(a, b) for a, b in zip(after, before, strict=True))
    assert ae.encoder.frozen  # the copy was unfrozen, not the autoencoder's own encoder
