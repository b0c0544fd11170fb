"""Every module saves and loads bit-exactly through the one generic path (aelearn.io.files):
its class in aelearn.nn.REGISTRY, get_config(), the learned attributes and the weights. Every
layer, every model dense and convolutional, classifiers, and a user's own modules, which
need no registration."""

import json

import numpy as np
import pytest

from aelearn import Tensor, no_grad
from aelearn.io import ModelFileError, describe, load, save
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    ConvolutionalFeatures,
    ConvolutionalImage,
    DenoisingAutoencoder,
    GaussianEncoder,
)
from aelearn.models import Encoder as AelearnEncoder
from aelearn.nn import (
    MLP,
    REGISTRY,
    AvgPool2d,
    Conv2d,
    ConvTranspose2d,
    Dense,
    Flatten,
    Identity,
    LeakyReLU,
    MaxPool2d,
    Module,
    Noise,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Softplus,
    Tanh,
    Unflatten,
    Upsample,
)
from aelearn.nn.module import registry_name

rng = np.random.default_rng(0)
X = rng.random((40, 12)).astype(np.float32)
Y = rng.integers(0, 3, size=40)
#: The 12 features of X seen as one-channel 4 x 3 images, for the convolutional models.
IMAGE = (1, 4, 3)
CONV = {"image_shape": IMAGE, "filters": (2, 3), "latent_dim": 2}


def _header(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["__config__"]))


def _assert_same_weights(loaded, module):
    """Same class, parameter names (in order), dtypes, values and frozen flags."""
    assert type(loaded) is type(module)
    mine, theirs = dict(module.named_parameters()), dict(loaded.named_parameters())
    assert list(theirs) == list(mine)
    for name, p in mine.items():
        q = theirs[name]
        assert q.dtype == p.dtype, name
        assert q.requires_grad == p.requires_grad, name
        np.testing.assert_array_equal(q.data, p.data, err_msg=name)


def _assert_same(loaded, module):
    """Same weights, and the same description: settings, sub-modules, learned attributes."""
    _assert_same_weights(loaded, module)
    assert describe(loaded) == describe(module)


def _forward(module, x):
    """module(x) as arrays (a tuple for a module of two outputs), without a graph."""
    with no_grad():
        out = module(Tensor(x))
    return tuple(o.data for o in out) if isinstance(out, tuple) else out.data


def _assert_same_outputs(loaded, module, x):
    """The same outputs in training mode (noise drawn from each one's Generator) and in
    evaluation mode."""
    for training in (True, False):
        loaded.train(training)
        module.train(training)
        ours, theirs = _forward(module, x), _forward(loaded, x)
        if isinstance(ours, tuple):  # (mu, logvar)
            assert isinstance(theirs, tuple) and len(theirs) == len(ours)
            for a, b in zip(ours, theirs, strict=True):
                np.testing.assert_array_equal(b, a)
        else:
            np.testing.assert_array_equal(theirs, ours)


def _scrambled(module, seed=1):
    """``module`` with every parameter set to random values: weights no constructor draws
    (a bias starts at zero), so that a load which rebuilt them instead would show."""
    draws = np.random.default_rng(seed)
    for p in module.parameters():
        p.data[...] = draws.standard_normal(p.shape)
    return module


# ----- every layer alone ----------------------------------------------------------------------
LAYERS = {
    "dense": (lambda: Dense(6, 4, rng=0), (5, 6)),
    "dense-he-float64": (lambda: Dense(6, 4, init="he", rng=0, dtype=np.float64), (5, 6)),
    "dense-normal-init": (lambda: Dense(6, 4, init="normal", rng=0, init_std=0.5), (5, 6)),
    "conv2d": (lambda: Conv2d(2, 3, 3, stride=2, padding=1, rng=0), (2, 2, 7, 7)),
    "conv2d-same-no-bias": (
        lambda: Conv2d(2, 3, (3, 2), padding="same", bias=False, rng=0),
        (2, 2, 6, 5),
    ),
    "conv2d-valid-he-float64": (
        lambda: Conv2d(1, 2, 2, padding="valid", init="he", rng=0, dtype=np.float64),
        (2, 1, 5, 5),
    ),
    "conv-transpose2d-output-padding": (
        lambda: ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, rng=0),
        (2, 3, 4, 4),
    ),
    "conv-transpose2d-no-bias": (
        lambda: ConvTranspose2d(
            2, 3, (3, 2), stride=(2, 3), output_padding=(1, 2), bias=False, rng=0
        ),
        (2, 2, 3, 3),
    ),
    "max-pool2d": (lambda: MaxPool2d(2), (2, 2, 6, 6)),
    "max-pool2d-strided-padded": (lambda: MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    "avg-pool2d": (lambda: AvgPool2d((2, 3), stride=1, padding=(1, 1)), (2, 2, 5, 6)),
    "upsample-size": (lambda: Upsample(size=(8, 12)), (2, 2, 4, 4)),
    "upsample-scale-factor": (lambda: Upsample(scale_factor=(2, 1)), (2, 2, 3, 4)),
    "flatten": (lambda: Flatten(), (2, 2, 3, 4)),
    "flatten-some-axes": (lambda: Flatten(2, 3), (2, 2, 3, 4)),
    "unflatten": (lambda: Unflatten(1, (2, 3, 4)), (2, 24)),
    "noise-gaussian": (lambda: Noise(rng=3), (4, 6)),
    "noise-masking": (lambda: Noise("masking", 0.25, rng=3), (4, 6)),
    "noise-salt-and-pepper": (lambda: Noise("salt_and_pepper", 0.5, rng=3), (4, 6)),
    "identity": (Identity, (4, 6)),
    "relu": (ReLU, (4, 6)),
    "leaky-relu": (lambda: LeakyReLU(0.2), (4, 6)),
    "sigmoid": (Sigmoid, (4, 6)),
    "tanh": (Tanh, (4, 6)),
    "softplus": (Softplus, (4, 6)),
    # (1, 6, 6) -> (4, 6, 6) -> (4, 3, 3) -> (2, 6, 6) -> (2, 3, 3) -> (2, 6, 6) -> 72
    "sequential-of-conv-layers": (
        lambda: Sequential(
            Unflatten(1, (1, 6, 6)),
            Conv2d(1, 4, 3, padding="same", rng=0),
            ReLU(),
            MaxPool2d(2),
            ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, rng=1),
            Tanh(),
            AvgPool2d(2),
            Upsample(scale_factor=2),
            Flatten(),
        ),
        (3, 36),
    ),
    "mlp": (
        lambda: MLP((6, 5, 3), "tanh", "sigmoid", init="normal", rng=0, dtype="float64"),
        (4, 6),
    ),
    "convolutional-features": (lambda: ConvolutionalFeatures(IMAGE, (2, 3), rng=0), (3, 12)),
    "convolutional-image": (lambda: ConvolutionalImage(IMAGE, (2, 3), 3, "tanh", rng=0), (3, 3)),
    "gaussian-encoder": (lambda: GaussianEncoder((6, 5, 2), rng=0), (4, 6)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_saves_and_loads_bit_exactly(tmp_path, name):
    build, input_shape = LAYERS[name]
    layer = _scrambled(build())
    path = save(layer, tmp_path / "layer.npz")
    assert _header(path)["class"] == type(layer).__qualname__
    loaded = load(path)
    _assert_same(loaded, layer)
    dtype = layer.parameters()[0].dtype if layer.parameters() else np.float32
    x = np.random.default_rng(2).standard_normal(input_shape).astype(dtype)
    _assert_same_outputs(loaded, layer, x)


def test_the_layers_settings_come_back_as_they_were_given(tmp_path):
    conv = Conv2d(2, 3, (3, 2), padding="same", bias=False, rng=0)
    conv = load(save(conv, tmp_path / "c.npz"))
    assert (conv.padding, conv.bias, conv.sides) == ("same", None, (1, 1, 0, 1))
    up = ConvTranspose2d(2, 3, 3, stride=2, output_padding=1, rng=0)
    up = load(save(up, tmp_path / "t.npz"))
    assert (up.stride, up.output_padding) == ((2, 2), (1, 1))
    sized = load(save(Upsample(size=(8, 12)), tmp_path / "u.npz"))
    assert (sized.size, sized.scale_factor) == ((8, 12), None)
    noise = load(save(Noise("masking", 0.25, rng=0), tmp_path / "n.npz"))
    assert (noise.noise, noise.noise_level) == ("masking", 0.25)
    assert load(save(LeakyReLU(0.2), tmp_path / "l.npz")).negative_slope == 0.2


def test_frozen_flags_of_layers_survive_the_round_trip(tmp_path):
    net = Sequential(Conv2d(1, 2, 3, rng=0), ReLU(), Conv2d(2, 2, 3, rng=1), Flatten())
    net.layers[0].freeze()
    loaded = load(save(net, tmp_path / "net.npz"))
    assert loaded.layers[0].frozen and not loaded.layers[2].frozen
    _assert_same(loaded, net)


# ----- every model, dense and convolutional ---------------------------------------------------
MODELS = {
    "autoencoder": lambda: Autoencoder((12, 8, 3), rng=1),
    "autoencoder-convolutional": lambda: Autoencoder.convolutional(
        **CONV, hidden_sizes=(5,), rng=1
    ),
    "denoising": lambda: DenoisingAutoencoder((12, 8, 3), noise="gaussian", noise_level=0.2, rng=1),
    "denoising-convolutional": lambda: DenoisingAutoencoder.convolutional(
        **CONV, noise="salt_and_pepper", noise_level=0.1, rng=1
    ),
    "vae": lambda: VAE((12, 8, 2), beta=0.5, n_draws=2, warmup_epochs=1, binarize=True, rng=1),
    "vae-convolutional": lambda: VAE.convolutional(
        **CONV, likelihood="gaussian", decoder_std=0.5, rng=1
    ),
    "cvae": lambda: CVAE((12, 8, 2), n_classes=3, rng=1),
    "cvae-convolutional": lambda: CVAE.convolutional(**CONV, n_classes=3, rng=1),
}


def _fit(model, data=X, labels=Y):
    if not hasattr(model, "fit"):
        return model
    given = labels if model.takes_labels else None
    return model.fit(data, given, epochs=1, batch_size=16, verbose=False)


def _args(model, data=X):
    return (data, Y) if model.takes_labels else (data,)


@pytest.mark.parametrize("name", MODELS)
def test_every_model_dense_or_convolutional_saves_and_loads_bit_exactly(tmp_path, name):
    model = _fit(MODELS[name]())
    loaded = load(save(model, tmp_path / "model.npz"))
    _assert_same(loaded, model)
    for data in (X, X.reshape(-1, *IMAGE)):  # rows, or images of the same values
        np.testing.assert_array_equal(
            loaded.encode(*_args(model, data)), model.encode(*_args(model, data))
        )
        out = loaded.reconstruct(*_args(model, data))
        np.testing.assert_array_equal(out, model.reconstruct(*_args(model, data)))
        assert out.shape == data.shape and out.dtype == model.dtype
    assert loaded.history_.to_dict() == model.history_.to_dict()


@pytest.mark.parametrize("name", MODELS)
def test_a_loaded_model_draws_what_the_original_would_draw_next(tmp_path, name):
    model = _fit(MODELS[name]())
    loaded = load(save(model, tmp_path / "model.npz"))
    assert loaded.rng.bit_generator.state == model.rng.bit_generator.state
    if hasattr(model, "sample"):
        label = 1 if model.takes_labels else None
        np.testing.assert_array_equal(loaded.sample(4, label=label), model.sample(4, label=label))
        args = _args(model)
        np.testing.assert_array_equal(
            loaded.encode(*args, sample=True), model.encode(*args, sample=True)
        )
    if hasattr(model, "corruption"):
        assert loaded.corruption.rng is loaded.rng  # shared, as the original's is
        with no_grad():
            noisy = [m.corruption.train()(Tensor(X)).data for m in (model, loaded)]
        np.testing.assert_array_equal(noisy[1], noisy[0])
    # Training on goes the same way: the same batches, noise and draws of eps.
    _fit(model)
    _fit(loaded)
    _assert_same_weights(loaded, model)


def test_a_model_value_in_the_file_is_its_description(tmp_path):
    model = _fit(MODELS["denoising-convolutional"]())
    header = _header(save(model, tmp_path / "dae.npz"))
    assert header["format_version"] == 1 and header["class"] == "DenoisingAutoencoder"
    assert header["config"]["noise"] == "salt_and_pepper"
    encoder = header["config"]["encoder"]["module"]
    assert encoder["class"] == "Encoder"
    features, mlp = encoder["config"]["net"]["module"]["config"]["layers"]
    assert features["module"]["class"] == "ConvolutionalFeatures"
    assert features["module"]["config"]["filters"] == [2, 3]
    assert mlp["module"]["class"] == "MLP"
    assert header["fitted"]["loss_"] == "bce" and "history" in header["fitted"]["history_"]
    assert header["frozen"] == [] and header["rng_state"]["bit_generator"] == "PCG64"


# ----- classifiers ----------------------------------------------------------------------------
IMAGES = rng.random((16, 1, 28, 28)).astype(np.float32)
DIGITS = rng.integers(0, 10, size=16)


def _posterior_mean():
    """x -> mu(x) of a VAE's encoder, as the Classifier's message advises for a VAE."""
    encoder = VAE((12, 8, 2), rng=0).encoder
    return Sequential(encoder.trunk, encoder.mu_head)


CLASSIFIERS = {
    # Issue 26's own example (which raised "TypeError: cannot save a Then at encoder.net"),
    # with fewer filters to stay fast.
    "on-a-convolutional-encoder": (
        lambda: Classifier(
            Autoencoder.convolutional(
                image_shape=(1, 28, 28), filters=(4, 8), latent_dim=16, rng=0
            ).encoder,
            rng=1,
        ),
        IMAGES,
        DIGITS,
    ),
    "on-a-frozen-encoder": (
        lambda: Classifier(Autoencoder((12, 8, 3), rng=0).encoder, 3, rng=1),
        X,
        Y,
    ),
    "fine-tuned": (
        lambda: Classifier(
            Autoencoder((12, 8, 3), rng=0).encoder, 3, (5,), freeze_encoder=False, rng=1
        ),
        X,
        Y,
    ),
    "on-a-vae-posterior-mean": (
        lambda: Classifier(_posterior_mean(), 3, n_features=12, rng=1),
        X,
        Y,
    ),
    "on-raw-inputs-float64": (
        lambda: Classifier(None, 3, (6,), n_features=12, rng=1, dtype="float64"),
        X,
        Y,
    ),
}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifiers_save_and_load_bit_exactly_and_fine_tune_on_alike(tmp_path, name):
    build, data, labels = CLASSIFIERS[name]
    model = _fit(build(), data, labels)
    loaded = load(save(model, tmp_path / "clf.npz"))
    _assert_same(loaded, model)
    np.testing.assert_array_equal(loaded.decision_function(data), model.decision_function(data))
    _fit(model, data, labels)
    _fit(loaded, data, labels)
    _assert_same_weights(loaded, model)


def test_the_example_of_issue_26_saves_and_loads(tmp_path):
    clf = Classifier(
        Autoencoder.convolutional(
            image_shape=(1, 28, 28), filters=(32, 64), latent_dim=16, rng=0
        ).encoder,
        rng=1,
    )
    loaded = load(save(clf, tmp_path / "clf.npz"))
    _assert_same(loaded, clf)
    np.testing.assert_array_equal(
        loaded.decision_function(IMAGES[:3]), clf.decision_function(IMAGES[:3])
    )


def test_a_frozen_encoder_stays_frozen_after_loading(tmp_path):
    build, data, labels = CLASSIFIERS["on-a-frozen-encoder"]
    loaded = load(save(_fit(build(), data, labels), tmp_path / "clf.npz"))
    assert loaded.encoder.frozen and not loaded.head.frozen
    before = loaded.encoder.state_dict()
    _fit(loaded, data, labels)
    for key, value in loaded.encoder.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_a_fine_tuned_encoder_stays_trainable_after_loading(tmp_path):
    build, data, labels = CLASSIFIERS["fine-tuned"]
    loaded = load(save(_fit(build(), data, labels), tmp_path / "clf.npz"))
    assert not loaded.encoder.frozen and not loaded.head.frozen
    before = loaded.encoder.state_dict()
    _fit(loaded, data, labels)
    changed = [not np.array_equal(v, before[k]) for k, v in loaded.encoder.state_dict().items()]
    assert all(changed)


def test_frozen_flags_set_by_hand_survive_the_round_trip(tmp_path):
    model = Autoencoder((12, 8, 3), rng=0)
    model.decoder.freeze()
    loaded = load(save(model, tmp_path / "ae.npz"))
    assert loaded.decoder.frozen and not loaded.encoder.frozen


# ----- a user's own modules -------------------------------------------------------------------
class TwoLayer(Module):
    """A user's own module, made of aelearn layers: Dense, ReLU, Dense. Its constructor keeps
    each argument under its own name, which is all saving needs."""

    def __init__(self, in_features, hidden, out_features, init="he", rng=None):
        self.in_features, self.hidden, self.out_features, self.init = (
            in_features,
            hidden,
            out_features,
            init,
        )
        rng = np.random.default_rng(rng)
        self.first = Dense(in_features, hidden, init, rng)
        self.relu = ReLU()
        self.second = Dense(hidden, out_features, init, rng)

    def forward(self, x):
        return self.second(self.relu(self.first(x)))


class Scale(Module):
    """out = x * s, one learned scale per feature: a user's layer with a Parameter of its own."""

    def __init__(self, width, start=1.0):
        self.width, self.start = width, start
        self.s = Parameter(np.full(width, start, dtype=np.float32))

    def forward(self, x):
        return x * self.s


def test_a_users_own_module_saves_and_loads_without_registration(tmp_path):
    module = _scrambled(TwoLayer(12, 6, 3, init="glorot", rng=0))
    path = save(module, tmp_path / "mine.npz")
    header = _header(path)
    assert header["class"] == f"{__name__}.TwoLayer" == registry_name(TwoLayer)
    assert header["config"] == {"in_features": 12, "hidden": 6, "out_features": 3, "init": "glorot"}
    loaded = load(path)
    _assert_same(loaded, module)
    _assert_same_outputs(loaded, module, X)


def test_a_users_modules_inside_an_aelearn_model_save_and_load(tmp_path):
    net = Sequential(TwoLayer(12, 6, 4, rng=0), Scale(4, 0.5), Tanh(), Dense(4, 3, rng=1))
    model = _fit(Autoencoder(encoder=AelearnEncoder((12, 3), net=net), rng=0))
    model.encoder.net.layers[1].s.data[:] = np.arange(4)  # a scale of its own, not the start
    loaded = load(save(model, tmp_path / "custom.npz"))
    _assert_same(loaded, model)
    assert type(loaded.encoder.net.layers[0]) is TwoLayer
    np.testing.assert_array_equal(loaded.reconstruct(X), model.reconstruct(X))


class Deep(Module):
    """A user's MLP whose constructor takes four whole numbers: their product, 16 million,
    is far more than the weights it holds (1.2 million), and loading must not mind."""

    def __init__(self, n_in=784, width=512, depth=4, n_out=10, rng=None):
        self.n_in, self.width, self.depth, self.n_out = n_in, width, depth, n_out
        self.net = MLP((n_in, *[width] * (depth - 2), n_out), rng=rng)

    def forward(self, x):
        return self.net(x)


def test_a_users_module_with_several_sizes_loads(tmp_path):
    module = Deep(rng=0)
    loaded = load(save(module, tmp_path / "deep.npz"))
    _assert_same(loaded, module)


def test_a_users_class_that_is_not_defined_at_load_is_named(tmp_path, monkeypatch):
    path = save(TwoLayer(12, 6, 3, rng=0), tmp_path / "mine.npz")
    monkeypatch.delitem(REGISTRY, registry_name(TwoLayer))
    with pytest.raises(ModelFileError, match=rf"class '{__name__}.TwoLayer' is not defined here"):
        load(path)


class Forgetful(Module):
    """Takes a width but keeps it under another name: get_config cannot read it back."""

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
        (Forgetful(3), r"Forgetful keeps no attribute 'width' for its constructor argument width"),
        (Opaque(), r"cannot save Opaque's argument function = <ufunc 'tanh'>"),
    ],
)
def test_a_module_whose_arguments_cannot_be_read_back_fails_at_save(tmp_path, layer, message):
    with pytest.raises(TypeError, match=message):
        save(layer, tmp_path / "alone.npz")
    net = Sequential(Dense(12, 3, rng=0), layer)
    with pytest.raises(TypeError, match=message):
        save(Autoencoder(encoder=AelearnEncoder((12, 3), net=net), rng=0), tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


class Encoder(Module):
    """A user's class that happens to share its name with aelearn's Encoder."""

    def __init__(self, width):
        self.width = width
        self.scale = Parameter(np.arange(width, dtype=np.float32))

    def forward(self, x):
        return x * self.scale


def test_a_users_class_named_like_an_aelearn_class_does_not_replace_it(tmp_path):
    assert REGISTRY["Encoder"] is AelearnEncoder
    assert REGISTRY[f"{__name__}.Encoder"] is Encoder
    mine = load(save(Encoder(4), tmp_path / "mine.npz"))
    assert type(mine) is Encoder and mine.width == 4
    model = load(save(Autoencoder((12, 3), rng=0), tmp_path / "ae.npz"))
    assert type(model.encoder) is AelearnEncoder
