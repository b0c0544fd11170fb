"""A module's configuration is read from its constructor (``Module.get_config``), and
``from_config`` rebuilds the same module: the same parameter names and shapes and, once the
weights are loaded, the same outputs; for every layer kind and every model kind."""

import numpy as np
import pytest

from aelearn.autograd import Tensor
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    ConvolutionalFeatures,
    ConvolutionalImage,
    Decoder,
    DenoisingAutoencoder,
    Encoder,
    GaussianEncoder,
    LabelConditioned,
    StackedAutoencoder,
)
from aelearn.nn import (
    MLP,
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
    constructor_parameters,
    one_hot,
)

N_CLASSES = 3
LABELS = np.arange(5) % N_CLASSES


def rebuild(module, rng):
    """Rebuild ``module`` as ``aelearn.io`` does: every sub-module of its configuration
    from that sub-module's own configuration first, then ``from_config``."""

    def fresh(value):
        if isinstance(value, Module):
            return rebuild(value, rng)
        if isinstance(value, list):
            return [fresh(v) for v in value]
        return value

    config = {key: fresh(value) for key, value in module.get_config().items()}
    return type(module).from_config(config, rng=rng)


def config_tree(module):
    """The class and configuration of ``module``, sub-modules described the same way."""

    def plain(value):
        if isinstance(value, Module):
            return config_tree(value)
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return (type(module).__name__, {k: plain(v) for k, v in module.get_config().items()})


def parameter_shapes(module):
    return [(name, p.shape) for name, p in module.named_parameters()]


def outputs(value):
    """The arrays of a module's output (a Tensor, or a tuple of them: mu and logvar)."""
    if isinstance(value, tuple):
        return [v.data for v in value]
    return [value.data]


# ----- every layer kind ----------------------------------------------------------------------
# {kind: (build, shape of one example, extra arguments of forward)}
LAYERS = {
    "dense": (lambda: Dense(6, 4, rng=0), (6,)),
    "dense_he_float64": (lambda: Dense(6, 4, init="he", rng=0, dtype=np.float64), (6,)),
    "dense_normal": (lambda: Dense(6, 4, init="normal", rng=0, init_std=0.5), (6,)),
    "mlp": (lambda: MLP((6, 5, 4), "tanh", "sigmoid", init="he", rng=0), (6,)),
    "mlp_normal": (lambda: MLP((6, 4), init="normal", rng=0, init_std=0.3), (6,)),
    "sequential": (
        lambda: Sequential(Dense(6, 5, rng=0), LeakyReLU(0.2), Dense(5, 4, rng=1)),
        (6,),
    ),
    "conv2d": (lambda: Conv2d(2, 3, 3, stride=2, padding=1, rng=0), (2, 7, 7)),
    "conv2d_same_no_bias": (
        lambda: Conv2d(2, 3, (3, 2), padding="same", bias=False, init="he", rng=0),
        (2, 6, 5),
    ),
    "conv2d_valid": (lambda: Conv2d(2, 3, 3, padding="valid", rng=0), (2, 5, 5)),
    "conv_transpose2d": (
        lambda: ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, rng=0),
        (3, 4, 4),
    ),
    "conv_transpose2d_no_bias": (
        lambda: ConvTranspose2d(3, 2, (2, 3), stride=(2, 1), bias=False, rng=0),
        (3, 4, 4),
    ),
    "max_pool": (lambda: MaxPool2d(3, stride=2, padding=1), (2, 6, 6)),
    "avg_pool": (lambda: AvgPool2d((2, 3)), (2, 6, 6)),
    "upsample_size": (lambda: Upsample(size=(8, 6)), (2, 4, 3)),
    "upsample_scale_factor": (lambda: Upsample(scale_factor=(2, 3)), (2, 4, 3)),
    "flatten": (lambda: Flatten(), (2, 3, 3)),
    "flatten_from_dim_2": (lambda: Flatten(start_dim=2), (2, 3, 4)),
    "unflatten": (lambda: Unflatten(1, (2, 3, 3)), (18,)),
    "noise": (lambda: Noise("salt_and_pepper", 0.4, rng=0), (6,)),
    "identity": (lambda: Identity(), (6,)),
    "relu": (lambda: ReLU(), (6,)),
    "leaky_relu": (lambda: LeakyReLU(0.3), (6,)),
    "sigmoid": (lambda: Sigmoid(), (6,)),
    "tanh": (lambda: Tanh(), (6,)),
    "softplus": (lambda: Softplus(), (6,)),
    "encoder": (lambda: Encoder((6, 5, 3), "tanh", init="he", rng=0), (6,)),
    "encoder_of_a_network": (lambda: Encoder((6, 3), net=MLP((6, 4, 3), rng=0)), (6,)),
    "decoder": (lambda: Decoder((3, 5, 6), "tanh", "identity", rng=0), (3,)),
    "gaussian_encoder": (lambda: GaussianEncoder((6, 5, 2), "tanh", rng=0), (6,)),
    "gaussian_encoder_no_trunk": (lambda: GaussianEncoder((6, 2), init="he", rng=0), (6,)),
    "label_conditioned": (lambda: LabelConditioned(MLP((6 + N_CLASSES, 4), rng=0), 3), (6,)),
    "label_conditioned_features": (
        lambda: LabelConditioned(
            GaussianEncoder((4 + N_CLASSES, 2), rng=0),
            3,
            features=Sequential(Dense(6, 4, rng=1), ReLU()),
        ),
        (6,),
    ),
    "convolutional_features": (
        lambda: ConvolutionalFeatures((1, 8, 8), (3, 4), 3, "tanh", rng=0),
        (64,),
    ),
    "convolutional_image": (lambda: ConvolutionalImage((1, 7, 7), (3,), 5, rng=0), (48,)),
}


def forward(layer, x):
    """The layer's outputs for x, in evaluation mode; a Noise layer draws from a fixed
    Generator in training mode, and a label-conditioned network gets one-hot labels."""
    if isinstance(layer, Noise):
        return outputs(layer.train()(Tensor(x), np.random.default_rng(5)))
    if isinstance(layer, LabelConditioned):
        return outputs(layer.eval()(Tensor(x), one_hot(LABELS, N_CLASSES, x.dtype)))
    return outputs(layer.eval()(Tensor(x)))


def layer_input(layer, shape):
    dtype = layer.parameters()[0].dtype if layer.parameters() else np.float32
    return np.random.default_rng(3).uniform(-1, 1, size=(5, *shape)).astype(dtype)


@pytest.mark.parametrize("kind", LAYERS)
def test_a_layer_rebuilds_from_its_config_with_the_same_parameters_and_outputs(kind):
    build, shape = LAYERS[kind]
    layer = build()
    rebuilt = type(layer).from_config(layer.get_config(), rng=np.random.default_rng(1))
    assert type(rebuilt) is type(layer)
    assert parameter_shapes(rebuilt) == parameter_shapes(layer)
    assert config_tree(rebuilt) == config_tree(layer)
    rebuilt.load_state_dict(layer.state_dict())
    x = layer_input(layer, shape)
    for ours, theirs in zip(forward(rebuilt, x), forward(layer, x), strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kind", LAYERS)
def test_a_layer_rebuilt_part_by_part_shares_nothing_with_the_original(kind):
    build, shape = LAYERS[kind]
    layer = build()
    rebuilt = rebuild(layer, np.random.default_rng(1))
    assert parameter_shapes(rebuilt) == parameter_shapes(layer)
    assert config_tree(rebuilt) == config_tree(layer)
    assert not {id(p) for p in rebuilt.parameters()} & {id(p) for p in layer.parameters()}
    assert not {id(m) for m in rebuilt.modules()} & {id(m) for m in layer.modules()}
    rebuilt.load_state_dict(layer.state_dict())
    x = layer_input(layer, shape)
    for ours, theirs in zip(forward(rebuilt, x), forward(layer, x), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_a_rebuilt_layer_draws_its_initial_weights_from_the_generator_given():
    layer = Conv2d(2, 3, 3, rng=0)
    again = Conv2d.from_config(layer.get_config(), rng=0)
    other = Conv2d.from_config(layer.get_config(), rng=1)
    np.testing.assert_array_equal(again.weight.data, layer.weight.data)
    assert not np.array_equal(other.weight.data, layer.weight.data)


def test_a_convolutions_bias_setting_is_a_flag_and_same_padding_stays_a_word():
    config = Conv2d(2, 3, 3, padding="same", bias=False, rng=0).get_config()
    assert config["bias"] is False and config["padding"] == "same"
    assert ConvTranspose2d(3, 2, 3, rng=0).get_config()["bias"] is True
    assert Conv2d.from_config(config).bias is None


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (Upsample(size=(8, 6)), {"size": (8, 6), "scale_factor": None}),
        (Upsample(scale_factor=2), {"size": None, "scale_factor": (2, 2)}),
    ],
    ids=["size", "scale_factor"],
)
def test_an_upsample_keeps_whichever_of_size_and_scale_factor_it_was_given(layer, expected):
    config = layer.get_config()
    assert {k: config[k] for k in expected} == expected
    rebuilt = Upsample.from_config(config)
    assert (rebuilt.size, rebuilt.scale_factor) == (layer.size, layer.scale_factor)


# ----- every model kind ----------------------------------------------------------------------
def _stack_classifier():
    X = np.random.default_rng(0).uniform(size=(20, 6)).astype(np.float32)
    return StackedAutoencoder((4, 3), rng=0).fit(X, epochs=1, verbose=False).to_classifier(3, (2,))


def _deep_autoencoder():
    X = np.random.default_rng(0).uniform(size=(20, 6)).astype(np.float32)
    return StackedAutoencoder((4, 3), rng=0).fit(X, epochs=1, verbose=False).to_deep_autoencoder()


MODELS = {
    "autoencoder": lambda: Autoencoder(
        (6, 5, 3), "tanh", output_activation="identity", loss="mse", init="he", rng=0
    ),
    "autoencoder_bce": lambda: Autoencoder((6, 3), loss="bce", rng=0),
    "dae": lambda: DenoisingAutoencoder((6, 5, 3), noise="gaussian", noise_level=0.2, rng=0),
    "dae_masking": lambda: DenoisingAutoencoder((6, 3), "masking", 0.5, activation="tanh", rng=0),
    "vae": lambda: VAE(
        (6, 5, 2),
        likelihood="gaussian",
        decoder_std=0.5,
        beta=0.5,
        n_draws=2,
        warmup_epochs=3,
        reconstruction_weight=0.7,
        rng=0,
    ),
    "vae_binarize": lambda: VAE((6, 2), binarize=True, init="he", rng=0),
    "cvae": lambda: CVAE((6, 5, 2), n_classes=N_CLASSES, beta=0.25, rng=0),
    "classifier": lambda: Classifier(None, N_CLASSES, (5,), n_features=6, init="he", rng=0),
    "classifier_on_an_encoder": lambda: Classifier(
        Encoder((6, 4), rng=0), N_CLASSES, (5,), activation="tanh", rng=0
    ),
    "classifier_fine_tuned": lambda: Classifier(
        Encoder((6, 4), rng=0), N_CLASSES, freeze_encoder=False, rng=0
    ),
    "classifier_from_a_stack": _stack_classifier,
    "deep_autoencoder_from_a_stack": _deep_autoencoder,
    "conv_ae": lambda: Autoencoder.convolutional(
        (1, 8, 8), (3, 4), latent_dim=2, hidden_sizes=(5,), rng=0
    ),
    "conv_dae": lambda: DenoisingAutoencoder.convolutional(
        (1, 8, 8), (3,), latent_dim=2, noise="gaussian", noise_level=0.2, rng=0
    ),
    "conv_vae": lambda: VAE.convolutional((1, 8, 8), (3,), latent_dim=2, beta=0.5, rng=0),
    "conv_cvae": lambda: CVAE.convolutional(
        (1, 7, 7), (3,), latent_dim=2, hidden_sizes=(4,), n_classes=N_CLASSES, rng=0
    ),
}


def model_data(model):
    """Five examples for the model, and its labels as ``loss_terms`` takes them."""
    X = np.random.default_rng(3).uniform(size=(5, model.n_features)).astype(model.dtype)
    if not model.takes_labels:
        return X, None, None
    y = LABELS
    return X, y, one_hot(y, N_CLASSES, model.dtype) if isinstance(model, CVAE) else y


def model_outputs(model, X, y, batch_labels):
    """The batch loss terms in training mode from a fixed Generator (noise, eps and
    binarisation included), and what the model gives back for X."""
    model.train()
    terms = model.loss_terms(X, batch_labels, np.random.default_rng(5))
    model.eval()
    found = {key: term.item() for key, term in terms.items()}
    if isinstance(model, Classifier):
        return found, [model.decision_function(X)]
    if isinstance(model, VAE):
        return found, [model.encode(X, y), model.reconstruct(X, y)]
    return found, [model.encode(X), model.reconstruct(X)]


def assert_same_model(rebuilt, model):
    assert type(rebuilt) is type(model)
    assert parameter_shapes(rebuilt) == parameter_shapes(model)
    assert config_tree(rebuilt) == config_tree(model)
    assert [p.requires_grad for p in rebuilt.parameters()] == [
        p.requires_grad for p in model.parameters()
    ]
    rebuilt.load_state_dict(model.state_dict())
    X, y, batch_labels = model_data(model)
    terms, arrays = model_outputs(rebuilt, X, y, batch_labels)
    expected_terms, expected_arrays = model_outputs(model, X, y, batch_labels)
    assert terms == expected_terms
    for ours, theirs in zip(arrays, expected_arrays, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kind", MODELS)
def test_a_model_rebuilds_from_its_config_with_the_same_parameters_and_outputs(kind):
    model = MODELS[kind]()
    assert "rng" not in model.get_config()
    assert_same_model(type(model).from_config(model.get_config(), rng=1), model)


@pytest.mark.parametrize("kind", MODELS)
def test_a_model_rebuilt_part_by_part_shares_nothing_with_the_original(kind):
    model = MODELS[kind]()
    rebuilt = rebuild(model, np.random.default_rng(1))
    assert not {id(p) for p in rebuilt.parameters()} & {id(p) for p in model.parameters()}
    assert_same_model(rebuilt, model)


def test_a_stacks_config_rebuilds_a_stack_that_pretrains_to_the_same_bits():
    X = np.random.default_rng(0).uniform(size=(30, 6)).astype(np.float32)
    stack = StackedAutoencoder((4, 3), "tanh", noise="masking", noise_level=0.2, init="he", rng=0)
    config = stack.get_config()
    assert "rng" not in config
    rebuilt = StackedAutoencoder.from_config(config, rng=0)
    assert config_tree(rebuilt) == config_tree(stack)
    stack.fit(X, epochs=2, verbose=False)
    rebuilt.fit(X, epochs=2, verbose=False)
    np.testing.assert_array_equal(rebuilt.transform(X), stack.transform(X))


def test_a_config_holds_the_dtype_and_leaves_out_the_generator():
    config = VAE((12, 2), dtype=np.float64, rng=0).get_config()
    assert config["dtype"] == np.dtype("float64") and "rng" not in config
    assert VAE.from_config(config).dtype == np.float64


# ----- how the configuration is read from the constructor ------------------------------------
def test_a_subclass_that_passes_kwargs_on_has_its_parents_parameters_too():
    names = [p.name for p in constructor_parameters(CVAE)]
    assert names[:2] == ["sizes", "n_classes"]
    assert {"beta", "likelihood", "n_draws", "dtype", "encoder", "decoder"} <= set(names)
    assert "kwargs" not in names
    assert CVAE((12, 6, 2), beta=0.25, rng=0).get_config()["beta"] == 0.25


def test_a_sequentials_layers_are_its_config_and_its_positional_arguments():
    layers = [Dense(3, 2, rng=0), ReLU()]
    net = Sequential(*layers)
    assert net.get_config() == {"layers": layers}
    assert Sequential.from_config({"layers": layers}).layers == layers


class Forgetful(Module):
    """A user's layer that keeps no attribute for its ``width``."""

    def __init__(self, width, scale=1.0, rng=None):
        self.weight = Parameter(np.ones(width, dtype=np.float32))

    def forward(self, x):
        return x * self.weight


def test_a_module_keeping_no_attribute_for_a_required_argument_cannot_give_its_config():
    with pytest.raises(TypeError, match=r"Forgetful keeps no attribute 'width'.*self\.x = x"):
        Forgetful(3).get_config()


def test_an_argument_with_a_default_that_the_module_does_not_keep_is_left_out():
    class Kept(Forgetful):
        def __init__(self, width, scale=1.0, rng=None):
            super().__init__(width, scale, rng)
            self.width = width

    assert Kept(3).get_config() == {"width": 3}  # scale rebuilds from its default
    assert parameter_shapes(Kept.from_config({"width": 3})) == [("weight", (3,))]
