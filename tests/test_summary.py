"""model.summary() and print(model): every layer with its output shape, its parameters
and whether it is trainable, part by part, with the totals; for every model kind. The
shapes are read from the settings: printing runs no forward pass and draws nothing."""

import re

import numpy as np
import pytest

from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    DenoisingAutoencoder,
    Encoder,
    StackedAutoencoder,
)
from aelearn.nn import Dense, Module, Parameter, Sequential

X = np.random.default_rng(0).uniform(size=(40, 12)).astype(np.float32)
y = np.arange(40) % 4

MODELS = {
    "ae": lambda: Autoencoder((12, 8, 3), rng=0),
    "dae": lambda: DenoisingAutoencoder((12, 8, 3), rng=0),
    "vae": lambda: VAE((12, 8, 2), rng=0),
    "cvae": lambda: CVAE((12, 8, 2), n_classes=4, rng=0),
    "classifier": lambda: Classifier(Autoencoder((12, 8, 3), rng=0).encoder, 4, (5,), rng=0),
    "deep_ae": lambda: StackedAutoencoder((8, 3), rng=0).fit(X, epochs=1).to_deep_autoencoder(),
    "conv_ae": lambda: Autoencoder.convolutional((1, 8, 8), (4, 8), latent_dim=3, rng=0),
    "conv_dae": lambda: DenoisingAutoencoder.convolutional((1, 8, 8), (4,), latent_dim=3, rng=0),
    "conv_vae": lambda: VAE.convolutional((1, 8, 8), (4, 8), latent_dim=2, rng=0),
    "conv_cvae": lambda: CVAE.convolutional((1, 8, 8), (4,), latent_dim=2, n_classes=3, rng=0),
    "conv_classifier": lambda: Classifier(
        Autoencoder.convolutional((1, 8, 8), (4,), latent_dim=3, rng=0).encoder, 3, rng=0
    ),
}


def rows(table):
    return [line.split() for line in table.splitlines()[3:-1]]


def cells(table):
    """{layer: [type, output shape, params, trainable]}, each cell read from its column."""
    lines = table.splitlines()
    spans = [m.span() for m in re.finditer(r"-+", lines[2])]
    found = {}
    for line in lines[3:-1]:
        row = [line[start:end].strip() for start, end in spans]
        found[row[0]] = row[1:]
    return found


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
    assert lines[0] == "VAE(sizes=(12, 8, 2))"
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


@pytest.mark.parametrize("kind", MODELS)
def test_printing_a_model_runs_no_forward_pass(kind, monkeypatch):
    model = MODELS[kind]()
    calls = []

    def no_forward(self, *args, **kwargs):
        calls.append(type(self).__name__)
        raise AssertionError(f"{type(self).__name__} ran a forward pass")

    monkeypatch.setattr(Module, "__call__", no_forward)
    monkeypatch.setattr(model.encoder, "forward", no_forward.__get__(model.encoder))
    text = str(model)
    assert calls == []
    assert text.splitlines()[-1].startswith("total params:")


@pytest.mark.parametrize("kind", MODELS)
def test_printing_a_model_draws_nothing_from_its_generator(kind):
    model = MODELS[kind]()
    before = model.rng.bit_generator.state
    print(model)
    assert model.rng.bit_generator.state == before


@pytest.mark.parametrize(
    ("kind", "layer", "shape"),
    [
        ("conv_ae", "encoder.net.layers.0.layers.0", "(None, 1, 8, 8)"),  # Unflatten
        ("conv_ae", "encoder.net.layers.0.layers.1", "(None, 4, 4, 4)"),  # Conv2d, stride 2
        ("conv_ae", "encoder.net.layers.0.layers.3", "(None, 8, 2, 2)"),
        ("conv_ae", "encoder.net.layers.0.layers.5", "(None, 32)"),  # Flatten
        ("conv_ae", "decoder.net.layers.1.layers.1", "(None, 8, 4, 4)"),  # ConvTranspose2d
        ("conv_ae", "decoder.net.layers.1.layers.5", "(None, 1, 8, 8)"),
        ("conv_ae", "decoder.net.layers.1.layers.6", "(None, 64)"),
        ("conv_vae", "encoder.layers.0.layers.3", "(None, 8, 2, 2)"),
        ("conv_vae", "encoder.layers.1.mu_head", "(None, 2)"),
        ("conv_cvae", "encoder.features.layers.1", "(None, 4, 4, 4)"),
        ("conv_cvae", "encoder.net.trunk", "(None, 67)"),  # 64 features and 3 classes
        ("conv_cvae", "decoder.net.layers.1.layers.1", "(None, 4, 8, 8)"),
        ("conv_classifier", "encoder.net.layers.0.layers.1", "(None, 4, 4, 4)"),
    ],
)
def test_convolutional_layers_show_their_output_as_none_channels_height_width(kind, layer, shape):
    assert cells(str(MODELS[kind]()))[layer][1] == shape


class Scale(Module):
    """A user's layer that says nothing of its output shape."""

    def __init__(self, n):
        self.n = n
        self.scale = Parameter(np.ones(n, dtype=np.float32))

    def forward(self, x):
        return x * self.scale


def test_a_layer_with_no_output_shape_shows_an_empty_shape_column():
    net = Sequential(Dense(4, 3, rng=0), Scale(3), Dense(3, 2, rng=0))
    table = cells(net.summary((4,)))
    assert table["layers.0"] == ["Dense", "(None, 3)", "15", "yes"]
    assert table["layers.1"] == ["Scale", "", "3", "yes"]
    assert table["layers.2"] == ["Dense", "", "8", "yes"]  # nothing known after it either


def test_a_model_around_a_layer_with_no_output_shape_still_prints():
    encoder = Encoder((12, 3), net=Sequential(Dense(12, 3, rng=0), Scale(3)))
    model = Autoencoder(encoder=encoder, rng=0)
    table = cells(str(model))
    assert table["encoder.net.layers.0"][1] == "(None, 3)"
    assert table["encoder.net.layers.1"][:2] == ["Scale", ""]
    assert table["decoder.net.layers.0"][:2] == ["Dense", ""]
    assert str(model).endswith(f"total params: {model.n_parameters():,} (trainable 90, frozen 0)")


def test_an_encoder_prints_as_a_table_of_its_own():
    text = str(VAE((12, 8, 2), rng=0).encoder)
    assert text.splitlines()[0] == "GaussianEncoder(sizes=(12, 8, 2))" and "mu_head" in text


def test_a_stack_shows_each_stage():
    stack = StackedAutoencoder((8, 3), rng=0)
    assert "not pre-trained yet" in str(stack)
    text = str(stack.fit(X, epochs=1, verbose=False))
    assert "stage 1: 12 -> 8 -> 12" in text and "stage 2: 8 -> 3 -> 8" in text
