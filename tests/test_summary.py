"""model.summary() and print(model): every layer with its output shape, its parameters
and whether it is trainable, part by part, with the totals; for every model kind."""

import numpy as np
import pytest

from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    DenoisingAutoencoder,
    StackedAutoencoder,
)

X = np.random.default_rng(0).uniform(size=(40, 12)).astype(np.float32)
y = np.arange(40) % 4

MODELS = {
    "ae": lambda: Autoencoder((12, 8, 3), rng=0),
    "dae": lambda: DenoisingAutoencoder((12, 8, 3), rng=0),
    "vae": lambda: VAE((12, 8, 2), rng=0),
    "cvae": lambda: CVAE((12, 8, 2), n_classes=4, rng=0),
    "classifier": lambda: Classifier(Autoencoder((12, 8, 3), rng=0).encoder, 4, (5,), rng=0),
    "deep_ae": lambda: StackedAutoencoder((8, 3), rng=0).fit(X, epochs=1).to_deep_autoencoder(),
}


def rows(table):
    return [line.split() for line in table.splitlines()[3:-1]]


@pytest.mark.parametrize("kind", MODELS)
def test_the_table_lists_every_parameter_once_and_totals_them(kind):
    model = MODELS[kind]()
    table = model.summary()
    assert str(model) == table  # print(model) prints it
    counted = sum(int(r[-2].replace(",", "")) for r in rows(table) if r[-1] in {"yes", "frozen"})
    assert counted == model.n_parameters()
    assert table.splitlines()[-1].startswith(f"total params: {model.n_parameters():,}")


def test_a_vae_table_shows_the_output_shape_of_each_layer_under_its_part():
    table = VAE((12, 8, 2), rng=0).summary()
    lines = table.splitlines()
    assert lines[0] == "VAE(sizes=(12, 8, 2), likelihood='bernoulli')"
    assert lines[1].split() == ["layer", "type", "output", "shape", "params", "trainable"]
    names = [r[0] for r in rows(table)]
    assert names[0] == "encoder" and "decoder" in names  # the parts, as headings
    heads = {r[0]: r for r in rows(table)}
    assert heads["encoder.mu_head"][1:5] == ["Dense", "(None,", "2)", "18"]
    assert heads["encoder.trunk.layers.0"][2:4] == ["(None,", "8)"]
    assert heads["decoder.layers.2"][2:4] == ["(None,", "12)"]


def test_a_frozen_encoder_shows_as_frozen_and_the_totals_split():
    clf = Classifier(Autoencoder((12, 8, 3), rng=0).encoder, 4, rng=0)
    table = clf.summary()
    encoder_rows = [r for r in rows(table) if r[0].startswith("encoder.")]
    assert encoder_rows and all(r[-1] in {"frozen", "-"} for r in encoder_rows)
    assert [r[-1] for r in rows(table) if r[0].startswith("head.")] == ["yes"]
    frozen = 12 * 8 + 8 + 8 * 3 + 3
    assert table.endswith(f"(trainable {clf.n_parameters() - frozen:,}, frozen {frozen:,})")


def test_a_summary_leaves_the_model_as_it_was():
    model = VAE((12, 8, 2), rng=0).train()
    state = model.rng.bit_generator.state
    model.summary()
    assert model.training and model.rng.bit_generator.state == state


def test_an_encoder_prints_as_a_table_of_its_own():
    text = str(VAE((12, 8, 2), rng=0).encoder)
    assert text.splitlines()[0] == "GaussianEncoder()" and "mu_head" in text


def test_a_stack_shows_each_stage():
    stack = StackedAutoencoder((8, 3), rng=0)
    assert "not pre-trained yet" in str(stack)
    text = str(stack.fit(X, epochs=1, verbose=False))
    assert "stage 1: 12 -> 8 -> 12" in text and "stage 2: 8 -> 3 -> 8" in text
