"""A StackedAutoencoder saves and loads bit-exactly (aelearn.io with
aelearn/models/stacked_state.py): its stages, what fit learned, and its Generator."""

import json

import numpy as np
import pytest
from test_stacked import interrupt_at_batch

from aelearn.io import ModelFileError, load, save
from aelearn.io.generator import generator_state
from aelearn.models import Autoencoder, Classifier, StackedAutoencoder

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
    assert loaded.sizes_ == stack.sizes_ and loaded.stopped_ == stack.stopped_
    histories = [[_history(h, timed) for h in s.histories_] for s in (loaded, stack)]
    assert histories[0] == histories[1] and len(histories[0]) == len(stack.autoencoders_)
    assert generator_state(loaded.rng) == generator_state(stack.rng)
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
    assert json.loads(str(np.load(path)["__config__"]))["format_version"] == 3
    loaded = load(path)
    _assert_same_stack(loaded, stack)
    np.testing.assert_array_equal(loaded.transform(X), stack.transform(X))


@pytest.mark.parametrize("name", STACKS)
def test_networks_started_from_a_loaded_stack_fine_tune_as_from_the_original(tmp_path, name):
    stack = _stack(STACKS[name])
    loaded = load(save(stack, tmp_path / "stack.npz"))
    # Drawn from the stack's Generator in turn: the head's weights, then each fit's batches.
    pairs = [
        (s.to_classifier(3, hidden=(5,)), s.to_deep_autoencoder(), s.to_classifier(3, freeze=True))
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
    assert generator_state(loaded.rng) == generator_state(stack.rng)


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
    assert set(np.load(path).files) == {"__config__"}  # no weights: none exist yet
    loaded = load(path)
    assert not hasattr(loaded, "autoencoders_") and loaded.get_config() == stack.get_config()
    for s in (stack, loaded):
        s.fit(X, epochs=2, batch_size=16, verbose=False)
    _assert_same_stack(loaded, stack, timed=False)


def _weight_reshaped(arrays, header):
    key = "autoencoders_.1.encoder.net.layers.0.W"
    arrays[key] = np.zeros((11, 6), np.float32)  # stage 2 is 10 -> 6 -> 10


def _stage_dropped(arrays, header):
    header["fitted"]["modules"]["autoencoders_"].pop()
    for key in [k for k in arrays if k.startswith("autoencoders_.2.")]:
        del arrays[key]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _weight_reshaped,
            r"'autoencoders_\.1\.encoder\.net\.layers\.0\.W' has shape \(10, 6\); "
            r"the file holds shape \(11, 6\)",
        ),
        (lambda a, h: h["fitted"]["learned"].update(sizes_=[12, 10, 5, 3]), "do not fit"),
        (lambda a, h: h["fitted"]["learned"]["histories_"].pop(), "got stages .* 2 histories"),
        (_stage_dropped, r"do not fit.*stopped_=None"),
        (lambda a, h: h["config"].update(noise="masking"), "are DenoisingAutoencoders"),
        (lambda a, h: h["fitted"]["learned"].update(histories_=[{}] * 3), "KeyError"),
    ],
)
def test_a_tampered_stack_file_is_refused(tmp_path, change, message):
    path = save(_stack(STACKS["plain-3-stages"], epochs=1), tmp_path / "stack.npz")
    _rewrite(path, change)
    with pytest.raises(ModelFileError, match=message):
        load(path)


def test_a_fitted_entry_for_a_model_that_learns_no_sub_modules_is_refused(tmp_path):
    path = save(Autoencoder((12, 3), rng=0), tmp_path / "ae.npz")
    _rewrite(path, lambda a, h: h.update(fitted={"learned": {}, "modules": {}}))
    with pytest.raises(ModelFileError, match="Autoencoder learns no sub-modules in fit"):
        load(path)


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
