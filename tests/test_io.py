import json
import os
import zipfile

import numpy as np
import pytest

import aelearn
from aelearn.io import FORMAT_VERSION, ModelFileError, load, load_weights, save
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Decoder,
    DenoisingAutoencoder,
    Encoder,
)

rng = np.random.default_rng(0)
X = rng.random((40, 12)).astype(np.float32)
Y = rng.integers(0, 3, size=40)


def _trained(model):
    labels = Y if isinstance(model, CVAE) else None
    return model.fit(X, labels, epochs=2, batch_size=16)


MODELS = {
    "ae": lambda: Autoencoder((12, 8, 3), rng=1),
    "ae-mse-identity": lambda: Autoencoder((12, 3), "identity", "identity", "mse", rng=1),
    "ae-float64": lambda: Autoencoder((12, 6, 2), activation="tanh", rng=1, dtype=np.float64),
    "dae": lambda: DenoisingAutoencoder((12, 8, 3), noise="gaussian", noise_level=0.2, rng=1),
    "vae": lambda: VAE((12, 8, 2), beta=0.5, n_draws=2, warmup_epochs=1, binarize=True, rng=1),
    "vae-gaussian": lambda: VAE((12, 8, 2), likelihood="gaussian", decoder_std=0.3, rng=1),
    "cvae": lambda: CVAE((12, 8, 2), n_classes=3, rng=1),
}


@pytest.mark.parametrize("name", MODELS)
def test_loaded_model_gives_bit_identical_outputs(tmp_path, name):
    model = _trained(MODELS[name]())
    path = save(model, tmp_path / "model.npz")
    loaded = load(path)
    assert type(loaded) is type(model)
    labels = Y if isinstance(model, CVAE) else None
    args = (X, labels) if labels is not None else (X,)
    np.testing.assert_array_equal(loaded.encode(*args), model.encode(*args))
    np.testing.assert_array_equal(loaded.reconstruct(*args), model.reconstruct(*args))
    assert loaded.reconstruct(*args).dtype == model.dtype
    if isinstance(model, VAE):
        # The Generator's state is saved too, so the next draws are the same draws.
        label = 1 if isinstance(model, CVAE) else None
        np.testing.assert_array_equal(loaded.sample(5, label=label), model.sample(5, label=label))
        assert loaded.evaluate(*args) == model.evaluate(*args)


def test_loaded_model_keeps_its_hyperparameters(tmp_path):
    model = _trained(MODELS["vae"]())
    loaded = load(save(model, tmp_path / "vae.npz"))
    for name in ("sizes", "beta", "n_draws", "warmup_epochs", "binarize", "likelihood"):
        assert getattr(loaded, name) == getattr(model, name)
    dae = load(save(_trained(MODELS["dae"]()), tmp_path / "dae.npz"))
    assert (dae.noise, dae.noise_level) == ("gaussian", 0.2)
    assert load(save(_trained(MODELS["cvae"]()), tmp_path / "cvae.npz")).n_classes == 3


def test_an_identity_output_and_mse_survive_the_round_trip(tmp_path):
    model = Autoencoder((12, 4), output_activation="identity", rng=0).fit(X * 5, epochs=1)
    loaded = load(save(model, tmp_path / "ae.npz"))
    assert loaded.decoder.output_activation == "identity" and loaded.loss_ == "mse"
    np.testing.assert_array_equal(loaded.reconstruct(X * 5), model.reconstruct(X * 5))


def test_loaded_model_trains_on_like_the_original(tmp_path):
    model = _trained(MODELS["ae"]())
    loaded = load(save(model, tmp_path / "ae.npz"))
    model.fit(X, epochs=1, batch_size=16)
    loaded.fit(X, epochs=1, batch_size=16)
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))


def test_file_is_plain_arrays_plus_a_json_config(tmp_path):
    path = save(_trained(MODELS["cvae"]()), tmp_path / "cvae.npz")
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive["__config__"]))
        assert all(archive[key].dtype != object for key in archive.files)
    assert header["format_version"] == FORMAT_VERSION == 1
    assert header["class"] == "CVAE"
    assert header["config"]["n_classes"] == 3 and header["config"]["dtype"] == "float32"
    # Sub-modules are described as the model is; what fit learned sits under "fitted".
    assert header["config"]["encoder"]["module"]["class"] == "LabelConditioned"
    assert set(header["fitted"]) == {"history_"}
    assert header["fitted"]["history_"]["history"]["epochs"] == [1, 2]
    assert header["frozen"] == [] and header["rng_state"]["bit_generator"] == "PCG64"
    assert header["aelearn_version"] == aelearn.__version__


def test_save_writes_exactly_the_path_given(tmp_path):
    save(Autoencoder((12, 3), rng=0), tmp_path / "weights.model")
    assert [p.name for p in tmp_path.iterdir()] == ["weights.model"]


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_encoder_and_decoder_save_and_load_alone(tmp_path, part):
    half = getattr(_trained(MODELS["ae"]()), part)
    loaded = load(save(half, tmp_path / f"{part}.npz"))
    assert type(loaded) is type(half)
    if isinstance(half, Encoder):
        np.testing.assert_array_equal(loaded.encode(X), half.encode(X))
    else:
        Z = rng.standard_normal((7, 3)).astype(np.float32)
        assert isinstance(loaded, Decoder) and loaded.output_activation == "sigmoid"
        np.testing.assert_array_equal(loaded.decode(Z), half.decode(Z))


def test_load_weights_into_a_model_of_the_same_architecture(tmp_path):
    model = _trained(MODELS["ae"]())
    path = save(model, tmp_path / "ae.npz")
    fresh = Autoencoder((12, 8, 3), rng=99)
    assert load_weights(fresh, path) is fresh
    np.testing.assert_array_equal(fresh.reconstruct(X), model.reconstruct(X))


def test_load_weights_of_another_architecture_says_what_differs(tmp_path):
    path = save(Autoencoder((12, 8, 3), rng=0), tmp_path / "ae.npz")
    other = Autoencoder((12, 5, 3), rng=0)
    before = other.state_dict()
    with pytest.raises(
        ModelFileError, match=r"'encoder.net.layers.0.weight' .*shape \(12, 8\).*shape \(12, 5\)"
    ):
        load_weights(other, path)
    for name, value in other.state_dict().items():  # a failed load changes nothing
        np.testing.assert_array_equal(value, before[name])
    with pytest.raises(ModelFileError, match="do not fit this VAE: .*missing"):
        load_weights(VAE((12, 8, 3)), path)


def _rewrite_header(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    header = json.loads(str(arrays["__config__"]))
    header.update(changes)
    arrays["__config__"] = np.array(json.dumps(header))
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def test_newer_format_version_is_refused_with_advice(tmp_path):
    path = save(Autoencoder((12, 3), rng=0), tmp_path / "ae.npz")
    _rewrite_header(path, format_version=FORMAT_VERSION + 1)
    newer = rf"format_version {FORMAT_VERSION + 1}.*reads format_version up to {FORMAT_VERSION}"
    with pytest.raises(ValueError, match=newer):
        load(path)


@pytest.mark.parametrize("version", [0, -3, "1", 1.0])
def test_a_format_version_below_1_or_not_an_int_is_refused(tmp_path, version):
    path = save(Autoencoder((12, 3), rng=0), tmp_path / "ae.npz")
    _rewrite_header(path, format_version=version)
    with pytest.raises(ModelFileError, match=rf"format_version is {version!r}; expected 1 or"):
        load(path)


def test_an_unknown_class_is_refused_saying_it_must_be_defined_first(tmp_path):
    path = save(Autoencoder((12, 3), rng=0), tmp_path / "ae.npz")
    _rewrite_header(path, **{"class": "Transformer"})
    with pytest.raises(
        ModelFileError, match=r"class 'Transformer' is not defined here: define or import it"
    ):
        load(path)


def test_missing_config_points_to_load_weights(tmp_path):
    path = tmp_path / "bare.npz"
    np.savez(path, **Autoencoder((12, 3), rng=0).state_dict())
    with pytest.raises(ValueError, match="no __config__ entry.*load_weights"):
        load(path)


def test_garbled_config_says_what_is_expected(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, __config__=np.array("{not json"))
    with pytest.raises(ValueError, match='expected JSON with "format_version"'):
        load(path)


@pytest.mark.parametrize("keep", [0, 100, 0.5, -30])
def test_truncated_file_is_refused_as_corrupted(tmp_path, keep):
    path = save(_trained(MODELS["vae"]()), tmp_path / "vae.npz")
    data = path.read_bytes()
    cut = int(keep * len(data)) if isinstance(keep, float) else keep
    path.write_bytes(data[:cut])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        load(path)


def test_corrupted_bytes_are_refused(tmp_path):
    path = save(_trained(MODELS["ae"]()), tmp_path / "ae.npz")
    data = bytearray(path.read_bytes())
    data[200:260] = b"\xff" * 60  # inside the first array: its CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or corrupted"):
        load(path)
    assert zipfile.is_zipfile(path)  # the archive itself still opens


def test_a_single_npy_array_is_not_a_model(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, X)
    with pytest.raises(ModelFileError, match="expected an aelearn model file") as error:
        load(path)
    assert str(path) in str(error.value)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.npz")


def test_a_file_this_user_may_not_read_is_a_permission_error_not_a_damaged_file(
    tmp_path, monkeypatch
):
    path = tmp_path / "m.npz"
    save(Autoencoder((12, 3), rng=0), path)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if p == path else real_access(p, mode))
    with pytest.raises(PermissionError, match="m.npz cannot be read: permission denied"):
        load(path)


class Custom(Autoencoder):
    """A user's subclass of an aelearn model, with a setting of its own."""

    def __init__(self, sizes=(12, 3), margin=0.5, **kwargs):
        super().__init__(sizes, **kwargs)
        self.margin = margin


def test_a_users_subclass_of_a_model_saves_and_loads_as_that_subclass(tmp_path):
    model = _trained(Custom((12, 8, 3), margin=0.25, activation="tanh", rng=1))
    loaded = load(save(model, tmp_path / "custom.npz"))
    assert type(loaded) is Custom and loaded.margin == 0.25 and loaded.activation == "tanh"
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))


def test_halves_built_as_the_constructor_would_build_them_save_and_load(tmp_path):
    encoder = Encoder((12, 8, 3), "tanh", rng=5)
    model = _trained(Autoencoder(activation="tanh", encoder=encoder, rng=1))
    loaded = load(save(model, tmp_path / "ae.npz"))
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))


def _rewrite_rng_state(path, rng_state):
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(str(archive["__config__"]))
    header["rng_state"] = rng_state
    _rewrite_header(path, **header)


@pytest.mark.parametrize(
    ("rng_state", "message"),
    [
        # A function of np.random, not a bit generator: looked up in a table, never called.
        ({"bit_generator": "seed"}, r"bit generator 'seed', not one of \['MT19937'"),
        ({"bit_generator": "default_rng", "state": {}}, "bit generator 'default_rng'"),
        (["PCG64"], "bit generator None"),
        ({"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}, "cannot restore"),
        ({"bit_generator": "PCG64"}, "cannot restore the saved rng_state"),
        ({"bit_generator": "MT19937", "state": {"key": [1, 2], "pos": 0}}, "cannot restore"),
    ],
)
def test_a_generator_state_that_cannot_be_restored_is_a_model_file_error(
    tmp_path, rng_state, message
):
    path = save(_trained(MODELS["vae"]()), tmp_path / "vae.npz")
    _rewrite_rng_state(path, rng_state)
    with pytest.raises(ModelFileError, match=message) as error:
        load(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("bit_generator", ["MT19937", "Philox", "SFC64", "PCG64DXSM"])
def test_every_numpy_bit_generator_state_round_trips(tmp_path, bit_generator):
    rng = np.random.Generator(getattr(np.random, bit_generator)(3))
    model = VAE((12, 4, 2), rng=rng)
    loaded = load(save(model, tmp_path / "vae.npz"))
    assert type(loaded.rng.bit_generator).__name__ == bit_generator
    np.testing.assert_array_equal(loaded.sample(4), model.sample(4))


def test_model_file_errors_are_value_errors(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(ModelFileError):
        load(path)
    assert issubclass(ModelFileError, ValueError)


def test_the_training_history_is_saved_with_the_model_and_restored(tmp_path):
    model = Autoencoder((12, 4), rng=0).fit(X, epochs=3, validation_data=X, verbose=False)
    loaded = load(save(model, tmp_path / "ae.npz"))
    assert loaded.history_.epochs == [1, 2, 3]
    for key in model.history_.keys():
        np.testing.assert_array_equal(loaded.history_[key], model.history_[key])
    assert loaded.history_.unit("val_loss") == "nats/example"


def test_a_checkpoint_keeps_the_best_model_seen_while_training(tmp_path):
    from aelearn.io import ModelCheckpoint

    path = tmp_path / "best.npz"
    checkpoint = ModelCheckpoint(path, monitor="val_loss")
    model = Autoencoder((12, 4), rng=0)
    model.fit(X, epochs=6, lr=0.05, validation_data=X[:10], callbacks=[checkpoint], verbose=False)
    best = load(path)
    val = model.history_["val_loss"]
    assert checkpoint.best_epoch == int(np.argmin(val)) + 1
    assert best.history_.epochs[-1] == checkpoint.best_epoch
    assert best.history_["val_loss"][-1] == val.min()


def test_a_checkpoint_of_an_accuracy_keeps_the_model_of_the_highest(tmp_path):
    from aelearn.datasets import load_digits
    from aelearn.io import ModelCheckpoint
    from aelearn.models import Classifier

    data = load_digits()
    checkpoint = ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy")
    clf = Classifier(n_features=64, n_classes=10, rng=0)
    clf.fit(
        data.X_train[:300], data.y_train[:300], epochs=8, lr=3e-3, callbacks=[checkpoint],
        validation_data=(data.X_test[:200], data.y_test[:200]), verbose=False,
    )  # fmt: skip
    accuracy = clf.history_["val_accuracy"]
    assert accuracy[-1] > accuracy[0]  # rising: the last epochs are the better ones
    assert checkpoint.best == accuracy.max()
    assert checkpoint.best_epoch == int(np.argmax(accuracy)) + 1


def test_a_checkpoint_of_a_validation_loss_without_validation_data_fails_at_once(tmp_path):
    from aelearn.io import ModelCheckpoint

    with pytest.raises(ValueError, match="monitors 'val_loss', a validation loss, but fit"):
        Autoencoder((12, 4), rng=0).fit(
            X, epochs=1, callbacks=[ModelCheckpoint(tmp_path / "m.npz")], verbose=False
        )


def test_load_weights_reads_bare_weights_saved_with_np_savez(tmp_path):
    path = tmp_path / "bare.npz"
    source = Autoencoder((12, 3), rng=0)
    np.savez(path, **source.state_dict())
    target = load_weights(Autoencoder((12, 3), rng=1), path)
    for name, array in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[name], array)
    with pytest.raises(ValueError, match=r"saved from bare weights\) do not fit"):
        load_weights(Autoencoder((12, 6, 3), rng=1), path)


def test_a_saved_model_loads_in_a_session_that_imported_only_io(tmp_path):
    import subprocess
    import sys

    from aelearn.models import VAE

    path = save(VAE((12, 6, 2), rng=0), tmp_path / "vae.npz")
    code = f"from aelearn import io; print(type(io.load({str(path)!r})).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "VAE", result.stderr
