"""Wrong answers to notebook 02's exercises, made as a student would make them.

Exercise 1 takes the model: the models here are trained as the notebook's solution trains
its own at seed 0, then one thing is done wrongly. Exercise 2's numbers were measured at
seed 0 with the notebook's recipe (64-128-8, 60 epochs): the identity model's MSE on the
training images is 0.02441, and with ReLU hidden units (activation left at its default)
its test MSE is 0.01503; PCA-8's test MSE is 0.02465.
"""

import numpy as np

from aelearn.baselines import subspace_angles_to_pca
from aelearn.datasets import load_digits
from aelearn.models import Autoencoder

DATA = load_digits()


def _linear(epochs, lr, activation="identity"):
    model = Autoencoder((64, 8), activation=activation, output_activation="identity", rng=0)
    return model.fit(DATA.X_train, epochs=epochs, lr=lr, verbose=False) if epochs else model


def _answer(model, weights=None):
    weights = model.decoder.net.dense_layers[0].weight.data if weights is None else weights
    return {"model": model, "angles": subspace_angles_to_pca(weights, DATA.X_train)}


SLOW = _linear(150, 1e-3)


def _held_at_zero(model, X, units):
    codes = model.encode(X)
    codes[:, units] = 0.0
    return model.decode(codes)


def _held_at_overall_mean(model, X, units):
    codes = model.encode(X)
    codes[:, units] = codes.mean()  # the mean of every unit together, not of each unit
    return model.decode(codes)


def _line_reversed(model, a, b, steps):
    z_a, z_b = model.encode(np.stack([a, b]))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return model.decode((t * z_a + (1 - t) * z_b).astype(np.float32))


PLANTS = {
    "slow_linear_angles": [
        ("the untrained model", _answer(_linear(0, 1e-3)), "full 150 epochs"),
        ("trained for 15 epochs", _answer(_linear(15, 1e-3)), "full 150 epochs"),
        ("the learning rate left at 1e-2", _answer(_linear(150, 1e-2)), "as at lr=1e-2"),
        (
            "angles of the encoder's weight, not the decoder's",
            _answer(SLOW, SLOW.encoder.net.dense_layers[0].weight.data.T),
            r"angles\[\d\] is .* where .* is expected",
        ),
        (
            "ReLU units",
            _answer(_linear(150, 1e-3, activation="relu")),
            "a linear autoencoder needs 'identity'",
        ),
    ],
    "identity_against_pca": [
        ("the training images' error", 0.02441, "not the training images'"),
        ("ReLU hidden units", 0.01503, "below PCA's"),
        ("the untrained model's error", 0.2575, "above PCA's"),
    ],
    "hold_units_at_mean": [
        ("units held at zero", _held_at_zero, r"reconstruction\[\d+, \d+\] is"),
        ("the mean of all units", _held_at_overall_mean, r"reconstruction\[\d+, \d+\] is"),
    ],
    "decode_line": [
        (
            "pixels interpolated, not codes",
            lambda model, a, b, steps: np.linspace(a, b, steps),
            r"decoded image\[\d, \d+\] is",
        ),
        ("the line walked from b to a", _line_reversed, r"decoded image\[\d, \d+\] is"),
    ],
}
