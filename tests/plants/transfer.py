"""Wrong answers to notebook 03's exercises, made as a student would make them.

Exercise 1's numbers are the notebook's own at seed 0 (``python
notebooks/exercise_runner.py 03_transfer_learning --seeds 0``: gd_pixels 0.8306, gd_pca
0.8167, adam_pixels 0.8167, adam_pca 0.6583; each of the four heads scores 1.0 on its 30
training images). Exercises 2 and 3 take models: they are trained here, as the notebook's
solutions train them at seed 0, and then assembled wrongly.
"""

import numpy as np

from aelearn.datasets import load_digits
from aelearn.models import Autoencoder, DenoisingAutoencoder
from aelearn.models.classifier import Classifier

SEED = 0
DATA = load_digits()


def _labelled(n, seed=SEED):
    """The notebook's ``labelled``: n // 10 training images of each class."""
    draw = np.random.default_rng(seed)
    index = np.concatenate(
        [draw.choice(np.flatnonzero(DATA.y_train == c), n // 10, replace=False) for c in range(10)]
    )
    return DATA.X_train[index], DATA.y_train[index]


def _train(clf):
    X, y = _labelled(100)
    return clf.fit(X, y, epochs=300, batch_size=len(X), lr=0.3, optimizer="sgd", verbose=False)


def _probe(model, frozen=True):
    return Classifier(model.encoder, 10, freeze_encoder=frozen, rng=SEED)


def _autoencoder(code, trained=True):
    model = Autoencoder((64, 128, code), loss="mse", rng=SEED)
    return model.fit(DATA.X_train, epochs=40, verbose=False) if trained else model


AE = _autoencoder(32)
AE_8 = _autoencoder(8)
DAE = DenoisingAutoencoder((64, 128, 32), noise="masking", noise_level=0.3, loss="mse", rng=SEED)
EARLY_PROBE = _probe(DAE)  # built before the denoising autoencoder is trained: its encoder
DAE.fit(DATA.X_train, epochs=40, verbose=False)  # stays the untrained one
PROBE, DAE_PROBE = _train(_probe(AE)), _train(_probe(DAE))
UNTRAINED = _autoencoder(32, trained=False)
SMALL = {  # exercise 3's four classifiers, right
    "probe_32": PROBE,
    "fine_tuned_32": _train(_probe(AE, frozen=False)),
    "probe_8": _train(_probe(AE_8)),
    "fine_tuned_8": _train(_probe(AE_8, frozen=False)),
}

PLANTS = {
    "rotated_inputs": [
        (
            "the optimisers swapped",
            {"gd_pixels": 0.8167, "gd_pca": 0.6583, "adam_pixels": 0.8306, "adam_pca": 0.8167},
            r"with gradient descent .* differ by -15.8 points",
        ),
        (
            "accuracy on the 30 training images",
            {"gd_pixels": 1.0, "gd_pca": 1.0, "adam_pixels": 1.0, "adam_pca": 1.0},
            "not on the 30 training images",
        ),
        (
            "the pixel head trained twice, reported for the PCA head too",
            {"gd_pixels": 0.8306, "gd_pca": 0.8306, "adam_pixels": 0.8167, "adam_pca": 0.8167},
            r"with Adam the pixel head leads the PCA head by \+0.0 points",
        ),
    ],
    "denoising_codes": [
        (
            "the same autoencoder twice",
            {
                "autoencoder": AE,
                "denoising": AE,
                "probe_autoencoder": PROBE,
                "probe_denoising": PROBE,
            },
            "should be a trained DenoisingAutoencoder",
        ),
        (
            "untrained autoencoders",
            {
                "autoencoder": UNTRAINED,
                "denoising": DAE,
                "probe_autoencoder": _train(_probe(UNTRAINED)),
                "probe_denoising": DAE_PROBE,
            },
            "as an untrained model does",
        ),
        (
            "the probe built before the denoising autoencoder was trained",
            {
                "autoencoder": AE,
                "denoising": DAE,
                "probe_autoencoder": PROBE,
                "probe_denoising": _train(EARLY_PROBE),
            },
            "does not hold the weights",
        ),
        (
            "the probes swapped",
            {
                "autoencoder": AE,
                "denoising": DAE,
                "probe_autoencoder": DAE_PROBE,
                "probe_denoising": PROBE,
            },
            "does not hold the weights",
        ),
        (
            "a fine-tuned classifier for a probe",
            {
                "autoencoder": AE,
                "denoising": DAE,
                "probe_autoencoder": SMALL["fine_tuned_32"],
                "probe_denoising": DAE_PROBE,
            },
            "needs freeze_encoder=True",
        ),
    ],
    "small_code": [
        (
            "probe and fine-tuned classifier swapped",
            SMALL | {"probe_8": SMALL["fine_tuned_8"], "fine_tuned_8": SMALL["probe_8"]},
            "a frozen probe needs freeze_encoder=True",
        ),
        (
            "the 32-unit encoder used twice",
            SMALL | {"probe_8": SMALL["probe_32"], "fine_tuned_8": SMALL["fine_tuned_32"]},
            "reads a code of 32 units; expected the encoder of 8 units",
        ),
        (
            "the 8-unit autoencoder never trained",
            SMALL | {"probe_8": _train(_probe(_autoencoder(8, trained=False)))},
            r"probe_8 has test accuracy 0\.\d+, below",
        ),
        (
            "an untrained classifier",
            SMALL | {"probe_8": _probe(AE_8)},
            "was never trained",
        ),
    ],
}
