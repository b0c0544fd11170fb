"""Every model saves and loads bit-exactly, networks built from parts and layers of one's
own included (aelearn.io.layers)."""

import json

import numpy as np
import pytest

from aelearn.io import REGISTRY, load, register_layer, save
from aelearn.models import (
    Autoencoder,
    Classifier,
    DenoisingAutoencoder,
    Encoder,
    StackedAutoencoder,
)
from aelearn.nn import Dense, Module, Parameter, Sequential, Tanh

rng = np.random.default_rng(0)
X = rng.random((40, 12)).astype(np.float32)
Y = rng.integers(0, 3, size=40)


def _stack():
    return StackedAutoencoder((8, 4), rng=0).fit(X, epochs=1, verbose=False)


NETWORKS = {
    "classifier-frozen": lambda: Classifier(Autoencoder((12, 8, 3), rng=0).encoder, 3, rng=1),
    "classifier-fine-tuned": lambda: Classifier(
        Autoencoder((12, 8, 3), rng=0).encoder, 3, (5,), freeze_encoder=False, rng=1
    ),
    "classifier-raw-float64": lambda: Classifier(
        None, 3, (6,), n_features=12, rng=1, dtype="float64"
    ),
    "stacked-classifier": lambda: _stack().to_classifier(3, hidden=(5,), rng=2),
    "stacked-classifier-frozen": lambda: _stack().to_classifier(3, freeze=True, rng=2),
    "deep-autoencoder": lambda: _stack().to_deep_autoencoder(rng=3),
    "stacked-encoder": lambda: _stack().encoder(),
    "stack-stage": lambda: _stack().autoencoders_[0].unfreeze(),
    # Ready-made halves passed on through **kwargs, and a Noise layer drawing from the
    # model's Generator, which must draw from the restored one after loading.
    "denoising-stack-stage": lambda: (
        StackedAutoencoder((8, 4), noise="masking", rng=0)
        .fit(X, epochs=1, verbose=False)
        .autoencoders_[0]
        .unfreeze()
    ),
    "denoising-autoencoder": lambda: DenoisingAutoencoder((12, 6, 3), rng=4),
}


def _fit(model, epochs=1):
    if not hasattr(model, "fit"):
        return model
    return model.fit(
        X, Y if model.takes_labels else None, epochs=epochs, batch_size=16, verbose=False
    )


def _outputs(model):
    if isinstance(model, Encoder):
        return model.encode(X)
    return model.decision_function(X) if model.takes_labels else model.reconstruct(X)


def _assert_same(loaded, model):
    assert type(loaded) is type(model)
    mine, theirs = dict(model.named_parameters()), dict(loaded.named_parameters())
    assert mine.keys() == theirs.keys()
    for name, p in mine.items():
        assert theirs[name].dtype == p.dtype, name
        np.testing.assert_array_equal(theirs[name].data, p.data, err_msg=name)
        assert theirs[name].requires_grad == p.requires_grad, name
    np.testing.assert_array_equal(_outputs(loaded), _outputs(model))


@pytest.mark.parametrize("name", NETWORKS)
def test_networks_built_from_parts_save_and_load_bit_exactly(tmp_path, name):
    model = _fit(NETWORKS[name]())
    loaded = load(save(model, tmp_path / "model.npz"))
    _assert_same(loaded, model)
    # Fine-tuning on goes the same way: the same Generator state, so the same batches.
    _fit(model)
    _fit(loaded)
    _assert_same(loaded, model)


def test_a_frozen_encoder_stays_frozen_after_loading(tmp_path):
    model = _fit(NETWORKS["classifier-frozen"]())
    loaded = load(save(model, tmp_path / "clf.npz"))
    assert loaded.encoder.frozen and not loaded.head.frozen
    before = loaded.encoder.state_dict()
    _fit(loaded)
    for key, value in loaded.encoder.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_frozen_flags_set_by_hand_survive_the_round_trip(tmp_path):
    model = Autoencoder((12, 8, 3), rng=0)
    model.decoder.freeze()
    loaded = load(save(model, tmp_path / "ae.npz"))
    assert loaded.decoder.frozen and not loaded.encoder.frozen


def test_a_model_its_config_rebuilds_keeps_the_first_format(tmp_path):
    path = save(Classifier(None, 3, n_features=12, rng=0), tmp_path / "clf.npz")
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive["__config__"]))
    assert header["format_version"] == 1 and "modules" not in header
    path = save(NETWORKS["deep-autoencoder"](), tmp_path / "deep.npz")
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive["__config__"]))
    assert header["format_version"] == 2
    assert header["modules"]["encoder"]["modules"]["net"]["class"] == "Sequential"


class Scale(Module):
    """out = x * s, one learned scale per feature: a layer of a user's own."""

    def __init__(self, width, start=1.0):
        self.width, self.start = width, start
        self.s = Parameter(np.full(width, start, dtype=np.float32))

    def forward(self, x):
        return x * self.s


def _with_custom_layer():
    net = Sequential(Dense(12, 6, rng=0), Scale(6, 0.5), Tanh(), Dense(6, 3, rng=1))
    return Autoencoder(encoder=Encoder((12, 3), net=net), rng=0)


def test_a_custom_layer_that_is_not_registered_fails_at_save_saying_how_to_register(tmp_path):
    with pytest.raises(TypeError, match=r"Scale at encoder.net.layers.1 .*register_layer\(Scale\)"):
        save(_with_custom_layer(), tmp_path / "custom.npz")
    assert not list(tmp_path.iterdir())


def test_a_registered_custom_layer_saves_and_loads(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "Scale", Scale)
    model = _fit(_with_custom_layer())
    model.encoder.net.layers[1].s.data[:] = np.arange(6)  # a trained scale, not the start
    loaded = load(save(model, tmp_path / "custom.npz"))
    _assert_same(loaded, model)
    monkeypatch.delitem(REGISTRY, "Scale")
    with pytest.raises(ValueError, match=r"'Scale' is not registered.*register_layer\(Scale\)"):
        load(tmp_path / "custom.npz")


def test_register_layer_works_as_a_decorator_and_refuses_a_second_class_of_the_same_name(
    monkeypatch,
):
    monkeypatch.setattr("aelearn.io.layers.REGISTRY", dict(REGISTRY))
    from aelearn.io import layers

    @register_layer
    class Doubling(Module):
        def forward(self, x):
            return x * 2

    assert layers.REGISTRY["Doubling"] is Doubling
    with pytest.raises(ValueError, match="a different class named Dense is registered"):

        @register_layer
        class Dense(Module):
            pass

    with pytest.raises(TypeError, match="takes a Module subclass"):
        register_layer(len)


class Forgetful(Module):
    """Takes a width but keeps it under another name: cannot be read back."""

    def __init__(self, width):
        self.n = width
        self.w = Parameter(np.zeros(width, dtype=np.float32))

    def forward(self, x):
        return x + self.w


class Opaque(Module):
    """Takes a function: not a setting a file can hold."""

    def __init__(self, function=np.tanh):
        self.function = function

    def forward(self, x):
        return x


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (Forgetful(3), r"Forgetful at encoder.net.layers.1: it keeps no attribute 'width'"),
        (Opaque(), r"Opaque at encoder.net.layers.1: its argument function=.* is not a number"),
    ],
)
def test_a_registered_layer_whose_arguments_cannot_be_read_back_fails_at_save(
    tmp_path, monkeypatch, layer, message
):
    monkeypatch.setitem(REGISTRY, type(layer).__name__, type(layer))
    net = Sequential(Dense(12, 3, rng=0), layer)
    with pytest.raises(TypeError, match=message):
        save(Autoencoder(encoder=Encoder((12, 3), net=net), rng=0), tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_the_weights_a_description_implies_never_exceed_those_it_builds():
    # load refuses a file whose widths imply more weights than it holds: the bound must
    # stay below the truth for every kind of network, or big real models would be refused.
    from aelearn.io.layers import build_module, describe_module
    from aelearn.io.loading import implied_weights

    for name, network in NETWORKS.items():
        description = describe_module(network())
        held = build_module(description).n_parameters()
        assert implied_weights(description) <= held, name
