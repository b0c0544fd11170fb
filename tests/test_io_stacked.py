"""A StackedAutoencoder saves and loads bit-exactly through the generic path of aelearn.io:
its settings, what fit learned (its stages with their histories, sizes_, stopped_) and its
Generator; so do the networks it starts."""

import json

import numpy as np
import pytest
from test_stacked import interrupt_at_batch

from aelearn.io import ModelFileError, load, save
from aelearn.models import Classifier, Encoder, StackedAutoencoder

rng = np.random.default_rng(0)
X = rng.random((60, 12)).astype(np.float32)
Y = rng.integers(0, 3, size=60)

STACKS = {
    "plain-3-stages": dict(hidden_sizes=(10, 6, 3)),
    "masking-denoising": dict(hidden_sizes=(8, 4), noise="masking", noise_level=0.2),
    # ReLU codes are not in [0, 1], so stage 2 has an identity output.
    "relu-gaussian-float64": dict(
        hidden_sizes=(8, 4), activation="relu", noise="gaussian", dtype="float64"
    ),
    "bce-normal-init": dict(hidden_sizes=(8, 4), loss="bce", init="normal", init_std=0.1),
}


def _stack(settings, epochs=2):
    return StackedAutoencoder(**settings, rng=5).fit(X, epochs=epochs, batch_size=16, verbose=False)


def _rewrite(path, change):
    """Rewrite the archive at ``path`` after ``change(arrays, header)`` edits it in place."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    header = json.loads(str(arrays["__config__"]))
    change(arrays, header)
    arrays["__config__"] = np.array(json.dumps(header))
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def _history(history, timed):
    """History.to_dict(), without the wall-clock times unless ``timed``."""
    data = history.to_dict()
    if not timed:
        data["records"].pop("time")
    return data


def _assert_same_stack(loaded, stack, timed=True):
    """Same settings, learned attributes, Generator state and stages, weight for weight;
    the histories in full, or (``timed=False``, two runs) all but their wall-clock times."""
    assert type(loaded) is StackedAutoencoder
    assert loaded.get_config() == stack.get_config()
    assert loaded.dtype == stack.dtype and loaded.hidden_sizes == stack.hidden_sizes
    assert loaded.sizes_ == stack.sizes_ and type(loaded.sizes_) is tuple
    assert loaded.stopped_ == stack.stopped_
    histories = [[_history(h, timed) for h in s.histories_] for s in (loaded, stack)]
    assert histories[0] == histories[1] and len(histories[0]) == len(stack.autoencoders_)
    assert loaded.rng.bit_generator.state == stack.rng.bit_generator.state
    mine, theirs = dict(stack.named_parameters()), dict(loaded.named_parameters())
    assert mine.keys() == theirs.keys() and len(mine) == 4 * len(stack.autoencoders_)
    for name, p in mine.items():
        assert theirs[name].dtype == p.dtype, name
        np.testing.assert_array_equal(theirs[name].data, p.data, err_msg=name)
        assert theirs[name].requires_grad is p.requires_grad is False, name
    for ours, others in zip(stack.autoencoders_, loaded.autoencoders_, strict=True):
        assert type(others) is type(ours)
        assert others.decoder.output_activation == ours.decoder.output_activation
        assert others.loss_ == ours.loss_ and others.history_ is not None
        # The stages share the stack's Generator, as the original's do.
        assert others.rng is loaded.rng and getattr(others, "corruption", others).rng is loaded.rng


@pytest.mark.parametrize("name", STACKS)
def test_a_pre_trained_stack_saves_and_loads_bit_exactly(tmp_path, name):
    stack = _stack(STACKS[name])
    path = save(stack, tmp_path / "stack.npz")
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive["__config__"]))
    assert header["format_version"] == 1 and header["class"] == "StackedAutoencoder"
    assert set(header["fitted"]) == {"autoencoders_", "sizes_", "stopped_"}
    loaded = load(path)
    _assert_same_stack(loaded, stack)
    np.testing.assert_array_equal(loaded.transform(X), stack.transform(X))


@pytest.mark.parametrize("name", STACKS)
def test_networks_started_from_a_loaded_stack_fine_tune_as_from_the_original(tmp_path, name):
    stack = _stack(STACKS[name])
    loaded = load(save(stack, tmp_path / "stack.npz"))
    # Drawn from the stack's Generator in turn: the head's weights, then each fit's batches.
    pairs = [
        (
            s.to_classifier(3, hidden_sizes=(5,)),
            s.to_deep_autoencoder(),
            s.to_classifier(3, freeze_encoder=True),
        )
        for s in (stack, loaded)
    ]
    for ours, others in zip(*pairs, strict=True):
        for network in (ours, others):
            network.fit(X, Y if network.takes_labels else None, epochs=2, verbose=False)
        for (key, p), (other_key, q) in zip(
            ours.named_parameters(), others.named_parameters(), strict=True
        ):
            assert key == other_key and p.requires_grad == q.requires_grad
            np.testing.assert_array_equal(q.data, p.data, err_msg=key)
        output = "decision_function" if ours.takes_labels else "reconstruct"
        np.testing.assert_array_equal(getattr(others, output)(X), getattr(ours, output)(X))
    assert loaded.rng.bit_generator.state == stack.rng.bit_generator.state


@pytest.mark.parametrize(("batch", "kept"), [(10, 1), (2, 0)])
def test_an_interrupted_stack_round_trips_with_where_it_stopped(
    tmp_path, monkeypatch, capsys, batch, kept
):
    # 4 batches of 16 per epoch, 2 epochs per stage: batch 10 falls in stage 2's first epoch.
    interrupt_at_batch(monkeypatch, batch)
    stack = _stack(STACKS["plain-3-stages"])
    monkeypatch.undo()
    assert stack.stopped_ is not None and len(stack.autoencoders_) == kept
    loaded = load(save(stack, tmp_path / "stack.npz"))
    _assert_same_stack(loaded, stack)
    if kept:
        np.testing.assert_array_equal(loaded.transform(X), stack.transform(X))
    else:
        with pytest.raises(RuntimeError, match="no pre-trained layer"):
            loaded.transform(X)


def test_an_unfitted_stack_saves_its_settings_and_pre_trains_as_the_original(tmp_path):
    stack = StackedAutoencoder((8, 4), noise="masking", rng=3)
    path = save(stack, tmp_path / "stack.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["__config__"]  # no weights: none exist yet
    loaded = load(path)
    assert not hasattr(loaded, "autoencoders_") and loaded.get_config() == stack.get_config()
    for s in (stack, loaded):
        s.fit(X, epochs=2, batch_size=16, verbose=False)
    _assert_same_stack(loaded, stack, timed=False)


def _weight_reshaped(arrays, header):
    key = "autoencoders_.1.encoder.net.layers.0.weight"
    arrays[key] = np.zeros((11, 6), np.float32)  # stage 2 is 10 -> 6 -> 10


def _stage(header, i):
    return header["fitted"]["autoencoders_"][i]["module"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _weight_reshaped,
            r"'autoencoders_\.1\.encoder\.net\.layers\.0\.weight' is stored as float32 of "
            r"shape \(11, 6\); the model has float32 of shape \(10, 6\)",
        ),
        # A stage left out of the description whose weights are still in the file.
        (
            lambda a, h: h["fitted"]["autoencoders_"].pop(),
            r"missing \[\], unexpected \['autoencoders_\.2\.",
        ),
        (
            lambda a, h: _stage(h, 0)["fitted"].update(history_={"history": {}}),
            r"cannot rebuild the model .StackedAutoencoder. .*KeyError",
        ),
        (
            lambda a, h: _stage(h, 1).update({"class": "Dense"}),
            r"cannot rebuild the model .StackedAutoencoder. .*TypeError",
        ),
        (
            lambda a, h: h["fitted"].update(autoencoders_=[{"stage": 1}]),
            r"cannot rebuild the model .StackedAutoencoder. .*a setting is a module, a history",
        ),
    ],
)
def test_a_tampered_stack_file_is_refused(tmp_path, change, message):
    path = save(_stack(STACKS["plain-3-stages"], epochs=1), tmp_path / "stack.npz")
    _rewrite(path, change)
    with pytest.raises(ModelFileError, match=message) as error:
        load(path)
    assert str(path) in str(error.value)


def test_a_stack_is_a_module_of_its_stages():
    stack = _stack(STACKS["masking-denoising"], epochs=1)
    assert [path for path, _ in stack.named_modules()][:2] == ["", "autoencoders_.0"]
    assert stack.frozen and stack.n_parameters() == sum(
        stage.n_parameters() for stage in stack.autoencoders_
    )


def test_a_stack_is_no_encoder_for_a_classifier():
    with pytest.raises(TypeError, match=r"whole StackedAutoencoder.*stack\.to_classifier"):
        Classifier(_stack(STACKS["plain-3-stages"], epochs=1), 3)


def test_what_is_not_a_module_is_refused_at_save(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save a dict: aelearn.io saves models and layers"):
        save({"weights": np.zeros(3)}, tmp_path / "model.npz")
    assert not list(tmp_path.iterdir())


def _pre_trained(**settings):
    return StackedAutoencoder((8, 4), **settings, rng=0).fit(X, epochs=1, verbose=False)


#: What a stack starts, or holds: each is a network of its own that saves as any other.
NETWORKS = {
    "classifier": lambda: _pre_trained().to_classifier(3, hidden_sizes=(5,), rng=2),
    "classifier-frozen": lambda: _pre_trained().to_classifier(3, freeze_encoder=True, rng=2),
    "deep-autoencoder": lambda: _pre_trained().to_deep_autoencoder(rng=3),
    "stacked-encoder": lambda: _pre_trained().encoder,
    "stage": lambda: _pre_trained().autoencoders_[0].unfreeze(),
    # A Noise layer drawing from the model's Generator, which must draw from the restored
    # one after loading.
    "denoising-stage": lambda: _pre_trained(noise="masking").autoencoders_[0].unfreeze(),
}


def _fit(network):
    if not hasattr(network, "fit"):
        return network
    labels = Y if network.takes_labels else None
    return network.fit(X, labels, epochs=1, batch_size=16, verbose=False)


def _outputs(network):
    if isinstance(network, Encoder):
        return network.encode(X)
    return network.decision_function(X) if network.takes_labels else network.reconstruct(X)


def _assert_same_network(loaded, network):
    assert type(loaded) is type(network)
    mine, theirs = dict(network.named_parameters()), dict(loaded.named_parameters())
    assert list(theirs) == list(mine)
    for name, p in mine.items():
        assert theirs[name].dtype == p.dtype, name
        assert theirs[name].requires_grad == p.requires_grad, name
        np.testing.assert_array_equal(theirs[name].data, p.data, err_msg=name)
    np.testing.assert_array_equal(_outputs(loaded), _outputs(network))


@pytest.mark.parametrize("name", NETWORKS)
def test_the_networks_a_stack_starts_save_and_load_bit_exactly(tmp_path, name):
    network = _fit(NETWORKS[name]())
    loaded = load(save(network, tmp_path / "network.npz"))
    _assert_same_network(loaded, network)
    # Fine-tuning on goes the same way: the same Generator state, so the same batches.
    _fit(network)
    _fit(loaded)
    _assert_same_network(loaded, network)


def test_the_stacked_encoder_loads_frozen_as_the_stages_it_holds(tmp_path):
    encoder = NETWORKS["stacked-encoder"]()
    assert encoder.frozen
    assert load(save(encoder, tmp_path / "encoder.npz")).frozen
