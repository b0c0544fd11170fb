"""Training on given (input, target) pairs: ``Autoencoder.fit(X, y)`` with y the target images,
as the course's Keras notebook trains its denoiser with ``fit(x_train_noisy, x_train)``."""

import hashlib

import numpy as np
import pytest

from aelearn.autograd import Tensor
from aelearn.datasets import load_digits
from aelearn.gradient_check import numerical_gradient
from aelearn.losses import binary_cross_entropy_with_logits, mse_loss
from aelearn.models import Autoencoder, DenoisingAutoencoder
from aelearn.optim import Adam

rng = np.random.default_rng(0)
CLEAN = rng.uniform(size=(40, 12)).astype(np.float32)
NOISY = np.clip(CLEAN + rng.normal(0.5, 0.5, CLEAN.shape), 0, 1).astype(np.float32)


def weights_sha256(model):
    state = model.state_dict()
    digest = hashlib.sha256()
    for key in sorted(state):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(state[key]).tobytes())
    return digest.hexdigest()


def same_weights(a, b):
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    return all(np.array_equal(x.data, y.data) for x, y in pairs)


# ----- the loss of a pair -----------------------------------------------------------------
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_fit_on_pairs_equals_a_hand_written_loop_of_the_pair_loss(loss):
    model = Autoencoder((12, 6, 3), loss=loss, rng=0)
    model.fit(NOISY, CLEAN, epochs=3, batch_size=16, verbose=False)
    # The same start and the same Generator for the batch order (it drew the initial
    # weights first); the loss of the noisy input's output against the clean target.
    by_hand = Autoencoder((12, 6, 3), loss=loss, rng=0)
    optimizer = Adam(by_hand.parameters(), lr=1e-3)
    by_hand.train()
    for _ in range(3):
        order = by_hand.rng.permutation(len(NOISY))
        for start in range(0, len(NOISY), 16):
            index = order[start : start + 16]
            optimizer.zero_grad()
            logits = by_hand.decoder(by_hand.encoder(Tensor(NOISY[index])))
            if loss == "mse":
                value = mse_loss(logits.sigmoid(), CLEAN[index])
            else:
                value = binary_cross_entropy_with_logits(logits, CLEAN[index])
            value.backward()
            optimizer.step()
    assert same_weights(model, by_hand)


def test_the_gradient_of_the_pair_loss_matches_finite_differences():
    model = Autoencoder((12, 5, 3), loss="mse", dtype=np.float64, rng=0)
    x, y = NOISY[:6].astype(np.float64), CLEAN[:6].astype(np.float64)
    for p in model.parameters():
        p.grad = None
    model.loss_terms(x, y, None)["loss"].backward()
    weight = model.encoder.net[0].weight
    numeric = numerical_gradient(lambda: model.loss_terms(x, y, None)["loss"].item(), weight.data)
    np.testing.assert_allclose(weight.grad, numeric, rtol=1e-5, atol=1e-7)
    # and it is the gradient towards the targets, not towards the inputs
    for p in model.parameters():
        p.grad = None
    model.loss_terms(x, x, None)["loss"].backward()
    assert not np.allclose(weight.grad, numeric, rtol=1e-3)


def test_the_denoising_autoencoder_does_not_corrupt_the_pairs_again():
    kwargs = dict(loss="mse", rng=0)
    dae = DenoisingAutoencoder((12, 6, 3), noise="gaussian", noise_level=0.5, **kwargs)
    plain = Autoencoder((12, 6, 3), **kwargs)
    dae.fit(NOISY, CLEAN, epochs=3, batch_size=16, verbose=False)
    plain.fit(NOISY, CLEAN, epochs=3, batch_size=16, verbose=False)
    assert same_weights(dae, plain)
    # The loss of a batch is the same at every call: no noise is drawn.
    a = dae.loss_terms(NOISY[:8], CLEAN[:8], np.random.default_rng(1))["loss"].item()
    b = dae.loss_terms(NOISY[:8], CLEAN[:8], np.random.default_rng(2))["loss"].item()
    assert a == b


def test_images_train_as_their_rows():
    images = Autoencoder((12, 6, 3), loss="mse", rng=0).fit(
        NOISY.reshape(40, 1, 3, 4), CLEAN.reshape(40, 1, 3, 4), epochs=2, verbose=False
    )
    rows = Autoencoder((12, 6, 3), loss="mse", rng=0).fit(NOISY, CLEAN, epochs=2, verbose=False)
    assert same_weights(images, rows)


# ----- validation pairs -------------------------------------------------------------------
def test_validation_pairs_give_the_loss_of_the_validation_targets():
    model = Autoencoder((12, 6, 3), loss="mse", rng=0)
    model.fit(NOISY[:30], CLEAN[:30], epochs=2, validation_data=(NOISY[30:], CLEAN[30:]))
    out = model.reconstruct(NOISY[30:])
    expected = np.mean(np.sum((out - CLEAN[30:]) ** 2, axis=1))
    np.testing.assert_allclose(model.history_["val_loss"][-1], expected, rtol=1e-5)
    against_inputs = np.mean(np.sum((out - NOISY[30:]) ** 2, axis=1))
    assert abs(model.history_["val_loss"][-1] - against_inputs) > 0.1


def test_a_denoising_autoencoders_validation_pairs_are_not_corrupted():
    dae = DenoisingAutoencoder((12, 6, 3), noise="gaussian", loss="mse", rng=0)
    dae.fit(NOISY[:30], CLEAN[:30], epochs=1, validation_data=(NOISY[30:], CLEAN[30:]))
    expected = np.mean(np.sum((dae.reconstruct(NOISY[30:]) - CLEAN[30:]) ** 2, axis=1))
    np.testing.assert_allclose(dae.history_["val_loss"][-1], expected, rtol=1e-5)


# ----- bad targets ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("targets", "match"),
    [
        (CLEAN[:, :11], r"y \(the targets\) has 11 features per sample; this model expects 12"),
        (CLEAN[:39], r"y holds 39 targets for 40 inputs; fit\(X, y\) takes one target image"),
        (CLEAN.reshape(40, 1, 3, 4)[:, :, :2], r"y \(the targets\) has 8 features per sample"),
        (np.where(CLEAN > 0.9, np.nan, CLEAN), r"y \(the targets\).*(NaN|finite)"),
        (CLEAN * 255, r"y \(the targets\).*\[0, 1\]"),
    ],
    ids=["too narrow", "too few", "images too small", "nan", "0 to 255"],
)
def test_targets_of_the_wrong_shape_or_values_are_refused_with_a_clear_error(targets, match):
    with pytest.raises(ValueError, match=match):
        Autoencoder((12, 6, 3), loss="mse", rng=0).fit(NOISY, targets, epochs=1, verbose=False)


def test_validation_targets_are_checked_too():
    with pytest.raises(ValueError, match=r"validation y holds 5 targets for 10 inputs"):
        Autoencoder((12, 6, 3), rng=0).fit(
            NOISY, CLEAN, epochs=1, validation_data=(NOISY[:10], CLEAN[:5]), verbose=False
        )


def test_targets_of_any_range_train_an_identity_output():
    targets = (CLEAN - 0.5) * 4.0
    model = Autoencoder((12, 6, 3), output_activation="identity", rng=0)
    model.fit(NOISY, targets, epochs=1, verbose=False)
    assert np.isfinite(model.history_["loss"][-1])


# ----- fit without targets is as before ---------------------------------------------------
def test_labels_are_still_ignored():
    labels = np.arange(40) % 3
    with_labels = Autoencoder((12, 6, 3), rng=0).fit(CLEAN, labels, epochs=2, verbose=False)
    without = Autoencoder((12, 6, 3), rng=0).fit(CLEAN, epochs=2, verbose=False)
    assert same_weights(with_labels, without)


# sha256 of the weights after each seeded fit below, computed before the pairs API existed
# (aelearn at commit 984d6a7, this machine's NumPy and BLAS): fit without y must not change.
BEFORE_PAIRS = {
    "Autoencoder": "c1d4683f8064060cb2ce2de9c338bbe16cb1ebcc5e94f3ee9cfe42440d5211a4",
    "DenoisingAutoencoder": "9fbc13ae94889b8db64c14ec342db4ad1580528d6373a8a879c4da036db67882",
    "gaussian DAE": "571c51774fb4f453a2858e09bba0f51ec47f1a3cd297cd6e1a4f97ceffac7304",
}
BUILD = {
    "Autoencoder": lambda: Autoencoder((64, 32, 8), rng=0),
    "DenoisingAutoencoder": lambda: DenoisingAutoencoder((64, 32, 8), rng=0),
    "gaussian DAE": lambda: DenoisingAutoencoder(
        (64, 32, 8), noise="gaussian", noise_level=0.2, loss="mse", rng=0
    ),
}


@pytest.mark.parametrize("name", BUILD)
def test_fit_without_targets_gives_the_same_weights_as_before(name):
    digits = load_digits()
    model = BUILD[name]().fit(
        digits.X_train[:256],
        epochs=3,
        batch_size=32,
        validation_data=digits.X_test[:50],
        verbose=False,
    )
    assert weights_sha256(model) == BEFORE_PAIRS[name]
