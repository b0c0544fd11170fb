"""A model's configuration is read from its constructor, and rebuilds the same model."""

import json

import numpy as np
import pytest

from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    Decoder,
    DenoisingAutoencoder,
    Encoder,
    GaussianEncoder,
)
from aelearn.models.config import constructor_parameters

BUILDERS = {
    "ae": lambda: Autoencoder((12, 6, 3), activation="tanh", loss="mse", rng=0),
    "dae": lambda: DenoisingAutoencoder((12, 3), noise="gaussian", noise_level=0.2, rng=0),
    "vae": lambda: VAE((12, 6, 2), beta=0.5, n_draws=2, likelihood="gaussian", rng=0),
    "cvae": lambda: CVAE((12, 6, 2), n_classes=4, warmup_epochs=3, rng=0),
    "classifier": lambda: Classifier(None, 3, (5,), n_features=12, rng=0),
    "encoder": lambda: Encoder((12, 4), rng=0),
    "decoder": lambda: Decoder((4, 12), output_activation="identity", rng=0),
    "gaussian_encoder": lambda: GaussianEncoder((12, 5, 2), rng=0),
}


@pytest.mark.parametrize("kind", BUILDERS)
def test_a_config_is_json_and_rebuilds_a_model_of_the_same_config_and_shapes(kind):
    model = BUILDERS[kind]()
    config = model.get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = type(model).from_config(config, rng=1)
    assert rebuilt.get_config() == config
    shapes = {name: value.shape for name, value in model.state_dict().items()}
    assert {name: value.shape for name, value in rebuilt.state_dict().items()} == shapes


def test_a_subclass_that_passes_kwargs_on_has_its_parents_parameters_too():
    names = constructor_parameters(CVAE)
    assert names[:2] == ["sizes", "n_classes"]
    assert {"beta", "likelihood", "n_draws", "dtype"} <= set(names)
    assert CVAE((12, 6, 2), beta=0.25, rng=0).get_config()["beta"] == 0.25


def test_a_config_names_dtypes_and_leaves_out_the_generator():
    config = VAE((12, 2), dtype=np.float64, rng=0).get_config()
    assert config["dtype"] == "float64" and "rng" not in config
