"""Hostile and broken model files are refused with one ModelFileError naming the file,
before anything large is allocated and with no code of theirs run; saving never leaves a
partial file (aelearn.io.archive, aelearn.io.files)."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

from aelearn.io import ModelFileError, load, save
from aelearn.models import Autoencoder

X = np.random.default_rng(0).random((20, 12)).astype(np.float32)


def _model():
    return Autoencoder((12, 8, 3), rng=0)


def _members(path):
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _npy(array=None, header=None, data=b""):
    """The bytes of one .npy member: of ``array``, or of a hand-made header and data."""
    stream = io.BytesIO()
    if array is not None:
        np.lib.format.write_array(stream, array, allow_pickle=False)
    else:
        np.lib.format.write_array_header_1_0(stream, header)
        stream.write(data)
    return stream.getvalue()


def _write(path, members):
    """A zip archive of .npy members: {name: array or bytes}."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in members.items():
            archive.writestr(f"{name}.npy", value if isinstance(value, bytes) else _npy(value))
    return path


def _refused(path, message):
    """Load ``path``, which must fail with a ModelFileError matching ``message`` and naming
    the file."""
    with pytest.raises(ModelFileError, match=message) as error:
        load(path)
    assert str(path) in str(error.value)


def _encoder_mlp(header):
    """The config of the encoder's MLP in a saved Autoencoder's header."""
    return header["config"]["encoder"]["module"]["config"]["net"]["module"]["config"]


def _tampered(tmp_path, change_header=None, **arrays):
    """A saved model file with some arrays replaced and its header changed by a function."""
    members = _members(save(_model(), tmp_path / "ae.npz"))
    header = json.loads(str(members["__config__"]))
    if change_header is not None:
        change_header(header)
    members.update(arrays, __config__=np.array(json.dumps(header)))
    return _write(tmp_path / "tampered.npz", members)


def test_an_array_declaring_terabytes_is_refused_without_allocating_them(tmp_path):
    huge = _npy(header={"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)})
    path = _tampered(tmp_path, **{"encoder.net.layers.0.weight": huge + b"\0" * 64})
    _refused(path, r"declares shape \(1000000, 1000000\).*but holds 64")


def test_a_config_string_declaring_terabytes_is_refused(tmp_path):
    members = _members(save(_model(), tmp_path / "ae.npz"))
    header = {"descr": "<U1", "fortran_order": False, "shape": (10**6, 10**6)}
    members["__config__"] = _npy(header=header, data=b"{}")
    _refused(_write(tmp_path / "huge.npz", members), r"declares shape \(1000000, 1000000\)")


def test_a_shape_that_disagrees_with_the_architecture_is_refused(tmp_path):
    path = _tampered(tmp_path, **{"encoder.net.layers.0.weight": np.zeros((12, 9), np.float32)})
    _refused(
        path,
        r"'encoder.net.layers.0.weight' is stored as float32 of shape \(12, 9\); the model has "
        r"float32 of shape \(12, 8\)",
    )


@pytest.mark.parametrize(
    ("widen", "message"),
    [
        (
            lambda header: _encoder_mlp(header).update(sizes=[12, 10**6, 10**6, 3]),
            r"its layers have more weights than the 271 numbers it holds",
        ),
        (
            lambda header: header["config"]["decoder"]["module"]["config"].update(sizes=[3, 10**9]),
            "the decoder 3 units to 1000000000 features",
        ),
    ],
)
def test_widths_asking_for_far_more_weights_than_the_file_holds_are_refused(
    tmp_path, widen, message
):
    # Refused before any large array exists: as the first weight the file cannot fill is
    # about to be drawn, or where the widths contradict the networks the file describes.
    import tracemalloc

    path = _tampered(tmp_path, widen)
    tracemalloc.start()
    try:
        _refused(path, "cannot rebuild .*" + message)
        assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "layer",
    [
        {"in_channels": 60, "out_channels": 60, "kernel_size": [300, 300]},  # 3.2e8 weights
        {"in_channels": 1, "out_channels": 1, "kernel_size": [60000, 60000]},  # 3.6e9
    ],
)
def test_a_small_file_describing_a_huge_convolution_allocates_nothing_large(tmp_path, layer):
    import tracemalloc

    from aelearn.nn import Conv2d

    members = _members(save(Conv2d(1, 1, 3, rng=0), tmp_path / "conv.npz"))
    header = json.loads(str(members["__config__"]))
    header["config"].update(layer)
    members["__config__"] = np.array(json.dumps(header))
    path = _write(tmp_path / "huge.npz", members)
    assert os.path.getsize(path) < 4096
    tracemalloc.start()
    try:
        _refused(path, r"its layers have more weights than the 10 numbers it holds")
        assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    finally:
        tracemalloc.stop()


def test_a_description_of_a_hundred_thousand_layers_stops_at_the_first_it_cannot_fill(tmp_path):
    deep = lambda header: _encoder_mlp(header).update(sizes=[1] * 100_000)  # noqa: E731
    _refused(_tampered(tmp_path, deep), r"its layers have more weights than the 271 numbers")


def test_deeply_nested_json_is_a_model_file_error(tmp_path):
    members = _members(save(_model(), tmp_path / "ae.npz"))
    members["__config__"] = np.array("[" * 100_000 + "]" * 100_000)
    _refused(_write(tmp_path / "deep.npz", members), "RecursionError")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h: h.update({"class": ["Autoencoder"]}), r"\['Autoencoder'\]"),
        (lambda h: h.update({"class": "os.system"}), r"class 'os.system' is not defined here"),
        (lambda h: h.update(config=[12, 3]), "cannot rebuild the model .Autoencoder."),
        (
            lambda h: _encoder_mlp(h).update(sizes="twelve"),
            "cannot rebuild the model .Autoencoder.",
        ),
        (lambda h: h["config"].update(dtype="int32"), "int32"),
        (lambda h: h["config"].update(dtype=7), "dtype"),
        (lambda h: h["config"].update(sizes={"x": 1}), "a setting is a module, a history or"),
        (
            lambda h: h["config"].update(encoder={"module": 5}),
            "cannot rebuild the model .Autoencoder.",
        ),
        (lambda h: h.update(format_version="1"), "format_version is '1'"),
        (lambda h: h.update(frozen="all"), "frozen"),
        (lambda h: h.update(frozen=5), "'frozen' is 5; expected a list"),
        (lambda h: h.update(fitted=[1, 2]), "cannot rebuild the model .Autoencoder."),
        # Only the attributes fit learns may be set from a file, not any attribute at all.
        (lambda h: h["fitted"].update(__class__="x"), "'__class__' is not the name of a learned"),
        (lambda h: h["fitted"].update(encoder=1), "'encoder' is not the name of a learned"),
        (lambda h: h["fitted"].update(_private_=1), "'_private_' is not the name of a learned"),
        (
            lambda h: h["fitted"].update(history_={"history": []}),
            "cannot rebuild the model .Autoencoder.",
        ),
        (lambda h: h.update(rng_state=[1, 2]), "rng_state"),
        (lambda h: h.update(rng_state={"bit_generator": "seed"}), "bit generator 'seed'"),
    ],
)
def test_wrong_types_in_the_description_are_model_file_errors(tmp_path, change, message):
    _refused(_tampered(tmp_path, change), message)


class _Trap:
    """Pickled, an instruction to create a folder: what unpickling a hostile file would run."""

    def __init__(self, folder):
        self.folder = str(folder)

    def __reduce__(self):
        return (os.mkdir, (self.folder,))


@pytest.mark.parametrize("member", ["__config__", "encoder.net.layers.0.weight"])
def test_a_pickled_object_in_the_file_is_refused_and_never_unpickled(tmp_path, member):
    trap = tmp_path / "trap-sprung"
    members = _members(save(_model(), tmp_path / "ae.npz"))
    stream = io.BytesIO()
    np.lib.format.write_array(stream, np.array([_Trap(trap)], dtype=object), allow_pickle=True)
    members[member] = stream.getvalue()
    _refused(_write(tmp_path / "pickled.npz", members), "holds Python objects, not numbers")
    assert not trap.exists()


def test_a_json_list_instead_of_a_description_is_a_model_file_error(tmp_path):
    members = _members(save(_model(), tmp_path / "ae.npz"))
    members["__config__"] = np.array("[1, 2]")
    _refused(_write(tmp_path / "list.npz", members), "expected a JSON object")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_weights_are_refused_at_load(tmp_path, bad):
    weight = _model().decoder.net.layers[0].weight.data.copy()
    weight[1, 2] = bad
    path = _tampered(tmp_path, **{"decoder.net.layers.0.weight": weight})
    _refused(path, "'decoder.net.layers.0.weight' holds NaN or infinite")


def test_complex_weights_are_refused_rather_than_losing_their_imaginary_part(tmp_path):
    weight = _model().encoder.net.layers[0].weight.data.astype(np.complex64) * (1 + 1j)
    path = _tampered(tmp_path, **{"encoder.net.layers.0.weight": weight})
    _refused(path, "stored as complex64 .* the model has float32")


def test_integer_weights_are_refused(tmp_path):
    def as_int32(header):
        header["config"]["dtype"] = "int32"

    ints = {k: v.astype(np.int32) for k, v in _model().state_dict().items()}
    _refused(_tampered(tmp_path, as_int32, **ints), "int32")
    _refused(_tampered(tmp_path, **ints), "stored as int32 .* the model has float32")


def test_a_model_with_nan_weights_is_not_saved(tmp_path):
    model = _model()
    model.encoder.net.layers[0].bias.data[0] = np.nan
    with pytest.raises(ValueError, match="'encoder.net.layers.0.bias' holds NaN"):
        save(model, tmp_path / "nan.npz")
    assert not list(tmp_path.iterdir())


def test_saving_onto_a_folder_is_a_clear_error_and_leaves_nothing(tmp_path):
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError, match="models is a folder; expected a file path"):
        save(_model(), tmp_path / "models")
    assert [p.name for p in tmp_path.iterdir()] == ["models"]
    assert not list((tmp_path / "models").iterdir())


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_save_that_fails_while_writing_leaves_no_partial_file_and_the_old_one_intact(
    tmp_path, monkeypatch, failure
):
    path = save(_model(), tmp_path / "ae.npz")
    before = path.read_bytes()

    def failing_savez(file, **arrays):
        file.write(b"PK half an archive")
        raise failure

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(type(failure)):
        save(Autoencoder((12, 5, 3), rng=1), path)
    assert [p.name for p in tmp_path.iterdir()] == ["ae.npz"]
    assert path.read_bytes() == before


def test_a_saved_file_keeps_the_usual_permissions(tmp_path):
    path = save(_model(), tmp_path / "ae.npz")
    (tmp_path / "plain").write_bytes(b"")
    assert path.stat().st_mode == (tmp_path / "plain").stat().st_mode


def test_a_model_file_recompressed_with_savez_compressed_still_loads(tmp_path):
    model = _model().fit(X, epochs=1, verbose=False)
    path = save(model, tmp_path / "ae.npz")
    np.savez_compressed(tmp_path / "small.npz", **_members(path))
    loaded = load(tmp_path / "small.npz")
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))


def _claim_size(data, member, size):
    """Zip bytes whose central directory says ``member`` unpacks to ``size`` bytes."""
    data = bytearray(data)
    start = data.index(b"PK\x01\x02")
    while True:
        name_length = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_length] == member.encode():
            data[start + 24 : start + 28] = size.to_bytes(4, "little")
            return bytes(data)
        start = data.index(b"PK\x01\x02", start + 4)


def test_a_member_claiming_more_than_any_compression_gives_is_refused(tmp_path):
    # A bomb: the directory promises 4 GB where a few kilobytes are stored, and the .npy
    # header a matching shape, so that the two declared sizes agree with each other.
    members = _members(save(_model(), tmp_path / "ae.npz"))
    header = {"descr": "<f4", "fortran_order": False, "shape": (2**30 - 32,)}
    members["encoder.net.layers.0.weight"] = _npy(header=header, data=b"\0" * 4096)
    path = _write(tmp_path / "bomb.npz", members)
    path.write_bytes(_claim_size(path.read_bytes(), "encoder.net.layers.0.weight.npy", 2**32 - 1))
    _refused(path, "more than any real compression gives")


def _leaves(value, path=()):
    """Every path into a JSON value, itself included."""
    yield path
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        yield from _leaves(item, (*path, key))


def _replace_at(value, path, new):
    """``value`` with the item at ``path`` replaced by ``new`` (in place, unless path is ())."""
    if not path:
        return new
    inner = value
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = new
    return value


def test_randomly_damaged_files_load_or_fail_with_a_model_file_error(tmp_path):
    # Seeded damage of two kinds: bytes flipped anywhere in the archive, and one value of
    # the JSON description replaced by a value of another type or an absurd size.
    from aelearn.models import VAE, DenoisingAutoencoder, StackedAutoencoder

    stack = StackedAutoencoder((8, 4), rng=0).fit(X, epochs=1, verbose=False)
    vae = VAE((12, 8, 2), rng=0).fit(X, epochs=1, verbose=False)
    conv = DenoisingAutoencoder.convolutional((1, 4, 3), (2, 3), latent_dim=2, rng=0)
    models = [vae, stack.to_classifier(3), stack, conv.fit(X, epochs=1, verbose=False)]
    odd = [None, -1, 0, 10**12, 1e308, float("nan"), "x", "int32", [], {}, [1, 2], True, 2.5]
    rng = np.random.default_rng(0)
    outcomes = {"loaded": 0, "refused": 0}
    for model in models:
        raw = save(model, tmp_path / "model.npz").read_bytes()
        members = _members(tmp_path / "model.npz")
        header = json.loads(str(members["__config__"]))
        for trial in range(40):
            path = tmp_path / f"damaged{trial}.npz"
            if trial % 2:
                data = bytearray(raw)
                data[rng.integers(len(data))] = rng.integers(256)
                path.write_bytes(bytes(data))
            else:
                paths = list(_leaves(header))
                damaged = _replace_at(
                    json.loads(json.dumps(header)),
                    paths[rng.integers(len(paths))],
                    odd[rng.integers(len(odd))],
                )
                _write(path, {**members, "__config__": np.array(json.dumps(damaged))})
            try:
                load(path)
                outcomes["loaded"] += 1
            except ModelFileError as error:  # anything else fails the test
                assert str(path) in str(error)
                outcomes["refused"] += 1
    assert outcomes["refused"] > 80 and sum(outcomes.values()) == 160


def test_a_loaded_model_draws_from_one_plain_generator_its_parts_share(tmp_path):
    from aelearn.models import DenoisingAutoencoder

    model = DenoisingAutoencoder((12, 8, 3), rng=0)
    loaded = load(save(model, tmp_path / "dae.npz"))
    generators = [
        value
        for module in loaded.modules()
        for value in vars(module).values()
        if isinstance(value, np.random.Generator)
    ]
    assert len(generators) == 2 and generators[0] is generators[1]  # the model's and its noise's
    assert type(generators[0]) is np.random.Generator
    assert loaded.rng.random() == model.rng.random()
