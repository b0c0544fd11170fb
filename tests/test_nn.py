"""Tests of aelearn.nn: gradient checks of every layer, the Module tree, initialisation, noise."""

import numpy as np
import pytest

from aelearn.autograd import Tensor
from aelearn.gradient_check import gradcheck_module
from aelearn.losses import mse_loss
from aelearn.nn import (
    MLP,
    Dense,
    Identity,
    LeakyReLU,
    Module,
    Noise,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Softplus,
    Tanh,
    check_corruption,
    corrupt,
    draw_corruption,
    get_activation,
    init_weights,
)

ACTIVATION_NAMES = ("identity", "relu", "leaky_relu", "sigmoid", "tanh", "softplus")
CORRUPTIONS = ("gaussian", "masking", "salt_and_pepper")


def input_tensor(shape, seed=0, requires_grad=True, dtype=np.float64):
    """A (batch, n_features) input whose entries lie at least 0.1 away from 0.

    ReLU and leaky ReLU have a kink at 0, where a central difference straddling it is
    wrong by design; keeping clear of it makes every check a check of the backward.
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def assert_gradcheck_passes(report, names):
    assert [row.name for row in report.rows] == names
    assert report.passed, "\n" + str(report)


# ----- gradient checks, float64 ----------------------------------------------------------
@pytest.mark.parametrize("init", ["he", "glorot", "normal"])
def test_dense_gradients_match_finite_differences(init):
    layer = Dense(4, 3, init=init, rng=np.random.default_rng(1), dtype=np.float64)
    # A non-zero bias, so that an output that ignored the bias would also change the check.
    layer.bias.data[...] = np.random.default_rng(2).normal(size=3)
    report = gradcheck_module(layer, input_tensor((5, 4)))
    assert_gradcheck_passes(report, ["input", "weight", "bias"])


@pytest.mark.parametrize(
    "layer",
    [Identity(), ReLU(), LeakyReLU(0.1), Sigmoid(), Tanh(), Softplus()],
    ids=lambda layer: type(layer).__name__,
)
def test_activation_layer_gradients_match_finite_differences(layer):
    assert_gradcheck_passes(gradcheck_module(layer, input_tensor((4, 5))), ["input"])


def test_sequential_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    model = Sequential(
        Dense(4, 6, "glorot", rng, np.float64), Tanh(), Dense(6, 2, "glorot", rng, np.float64)
    )
    report = gradcheck_module(model, input_tensor((3, 4)))
    assert_gradcheck_passes(
        report, ["input", "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    )


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("output_activation", [None, "sigmoid"])
def test_mlp_gradients_match_finite_differences(activation, output_activation):
    mlp = MLP((4, 5, 3, 2), activation, output_activation, rng=4, dtype=np.float64)
    target = np.random.default_rng(5).uniform(size=(3, 2))
    report = gradcheck_module(mlp, input_tensor((3, 4)), loss=lambda out: mse_loss(out, target))
    assert len(report.rows) == 1 + 2 * 3
    assert report.passed, "\n" + str(report)


def test_shared_layer_receives_the_sum_of_both_gradients():
    """A layer used twice is one set of parameters; its gradient adds up both uses."""
    dense = Dense(3, 3, "glorot", rng=6, dtype=np.float64)
    model = Sequential(dense, Tanh(), dense)
    report = gradcheck_module(model, input_tensor((4, 3)))
    assert_gradcheck_passes(report, ["input", "layers.0.weight", "layers.0.bias"])


def test_noise_in_eval_mode_passes_the_input_through_with_identity_gradient():
    noise = Noise("masking", 0.5, rng=0).eval()
    x = input_tensor((4, 6))
    assert noise(x) is x
    assert_gradcheck_passes(gradcheck_module(noise, x), ["input"])


class ReseededNoise(Module):
    """A Noise layer whose Generator is reseeded before every forward pass.

    gradcheck calls the function many times (the analytic backward, then two evaluations
    per element for the central differences). A fresh mask at each call would compare
    derivatives of different functions; reseeding makes every call draw the same
    corruption, so the function checked is x -> keep * x + added for one fixed draw.
    """

    def __init__(self, noise, seed):
        self.noise, self.seed = noise, seed

    def forward(self, x):
        self.noise.rng = np.random.default_rng(self.seed)
        return self.noise(x)


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_noise_in_training_mode_has_gradient_keep_for_a_fixed_draw(kind):
    layer = ReseededNoise(Noise(kind, 0.4), seed=7).train()
    x = input_tensor((4, 6))
    assert_gradcheck_passes(gradcheck_module(layer, x), ["input"])

    keep, added = draw_corruption(x.shape, kind, 0.4, np.random.default_rng(7), np.float64)
    expected_keep = np.ones(x.shape) if keep is None else keep
    x.grad = None
    out = layer(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, expected_keep)
    # The layer did corrupt: the check above is not the identity's in disguise.
    assert not np.allclose(out.data, x.data)
    np.testing.assert_array_equal(
        out.data, expected_keep * x.data + (0.0 if added is None else added)
    )
    if keep is not None:
        assert 0 < keep.sum() < keep.size  # both kept and dropped elements were checked


def test_noise_gradcheck_fails_when_every_call_draws_a_fresh_mask():
    """Without the fixed draw the finite differences see a different mask at each call."""
    report = gradcheck_module(Noise("masking", 0.5, rng=0).train(), input_tensor((4, 6)))
    assert not report.passed


# ----- the Module tree -------------------------------------------------------------------
class EncoderDecoder(Module):
    def __init__(self):
        self.encoder = MLP((4, 3, 2), activation="tanh", rng=0)
        self.decoder = MLP((2, 4), rng=1)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def test_named_parameters_are_dotted_paths_in_definition_order():
    names = [name for name, _ in EncoderDecoder().named_parameters()]
    assert names == [
        "encoder.layers.0.weight",
        "encoder.layers.0.bias",
        "encoder.layers.2.weight",
        "encoder.layers.2.bias",
        "decoder.layers.0.weight",
        "decoder.layers.0.bias",
    ]


def test_named_parameters_take_a_prefix_as_pytorchs_do():
    prefixed = [name for name, _ in Dense(2, 3, rng=0).named_parameters(prefix="head")]
    assert prefixed == ["head.weight", "head.bias"]


def test_named_parameters_yield_the_parameter_objects_themselves():
    model = EncoderDecoder()
    params = dict(model.named_parameters())
    assert params["encoder.layers.2.weight"] is model.encoder.layers[2].weight
    assert params["decoder.layers.0.bias"] is model.decoder.layers[0].bias


def test_shared_parameters_are_listed_once():
    dense = Dense(3, 3, rng=0)
    assert len(Sequential(dense, ReLU(), dense).parameters()) == 2

    first, second = Dense(3, 3, rng=0), Dense(3, 3, rng=1)
    second.weight = first.weight  # tied weights, separate biases
    tied = Sequential(first, second)
    params = tied.parameters()
    assert len(params) == 3
    assert len({id(p) for p in params}) == 3
    assert tied.n_parameters() == 9 + 3 + 3


def test_train_and_eval_reach_every_submodule():
    model = Sequential(Noise("gaussian", 0.5, rng=0), MLP((3, 4, 3), rng=0))
    assert model.eval() is model
    assert all(module.training is False for module in model.modules())
    x = Tensor(np.ones((2, 3)))
    assert model[0](x) is x
    assert model.train() is model
    assert all(module.training is True for module in model.modules())
    assert not np.allclose(model[0](x).data, x.data)


def test_frozen_parameters_get_no_gradient():
    rng = np.random.default_rng(0)
    model = Sequential(
        Dense(3, 4, "glorot", rng, np.float64), Tanh(), Dense(4, 2, "glorot", rng, np.float64)
    )
    first, last = model[0], model[2]
    assert first.freeze() is first
    assert first.frozen and not model.frozen
    x = input_tensor((5, 3))
    model(x).sum().backward()
    for p in first.parameters():
        assert not p.requires_grad
        assert p.grad is None or not p.grad.any()
    assert all(p.grad is not None and p.grad.any() for p in last.parameters())
    assert x.grad is not None and x.grad.any()  # the gradient still flows through

    assert first.unfreeze() is first
    assert not first.frozen
    model(x).sum().backward()
    assert all(p.grad is not None and p.grad.any() for p in first.parameters())


def test_freezing_discards_accumulated_gradients():
    layer = Dense(3, 2, rng=0, dtype=np.float64)
    layer(input_tensor((4, 3))).sum().backward()
    assert layer.weight.grad.any()
    layer.freeze()
    assert layer.weight.grad is None or not layer.weight.grad.any()


def test_state_dict_returns_copies_under_the_parameter_names():
    model = EncoderDecoder()
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(type(value) is np.ndarray for value in state.values())
    before = model.encoder.layers[0].weight.data.copy()
    state["encoder.layers.0.weight"][...] = 42.0
    np.testing.assert_array_equal(model.encoder.layers[0].weight.data, before)
    model.encoder.layers[0].weight.data[...] = -1.0
    assert np.all(state["encoder.layers.0.weight"] == 42.0)


def test_load_state_dict_copies_into_the_existing_arrays():
    source, target = MLP((3, 4, 2), rng=0), MLP((3, 4, 2), rng=1)
    arrays = [p.data for p in target.parameters()]
    assert target.load_state_dict(source.state_dict()) is target
    for p, array, q in zip(target.parameters(), arrays, source.parameters(), strict=True):
        assert p.data is array
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_names_missing_and_unexpected_keys():
    model = MLP((3, 4, 2), rng=0)
    state = model.state_dict()
    del state["layers.2.bias"]
    with pytest.raises(KeyError, match=r"missing \['layers\.2\.bias'\]"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["layers.9.weight"] = np.zeros((2, 2))
    with pytest.raises(KeyError, match=r"unexpected \['layers\.9\.weight'\]"):
        model.load_state_dict(state)


def test_load_state_dict_refuses_a_shape_mismatch_and_changes_nothing():
    model = MLP((3, 4, 2), rng=0)
    before = model.state_dict()
    state = MLP((3, 4, 2), rng=1).state_dict()
    state["layers.2.weight"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"'layers\.2\.weight' has shape \(4, 2\).*\(2, 4\)"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# ----- initialisation --------------------------------------------------------------------
N_IN, N_OUT = 300, 400


def test_he_init_has_std_sqrt_2_over_n_in():
    W = Dense(N_IN, N_OUT, "he", np.random.default_rng(0), np.float64).weight.data
    # The sample std of n normals has a relative standard error of 1 / sqrt(2 n) ~ 0.2%.
    np.testing.assert_allclose(W.std(), np.sqrt(2.0 / N_IN), rtol=0.01)
    assert abs(W.mean()) < 4 * np.sqrt(2.0 / N_IN) / np.sqrt(W.size)


def test_glorot_init_is_uniform_within_the_glorot_bound():
    W = Dense(N_IN, N_OUT, "glorot", np.random.default_rng(0), np.float64).weight.data
    bound = np.sqrt(6.0 / (N_IN + N_OUT))
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound
    np.testing.assert_allclose(W.std(), bound / np.sqrt(3.0), rtol=0.01)  # var of U(-a, a)


def test_normal_init_uses_init_std_and_biases_start_at_zero():
    layer = Dense(N_IN, N_OUT, "normal", np.random.default_rng(0), np.float64, init_std=0.05)
    np.testing.assert_allclose(layer.weight.data.std(), 0.05, rtol=0.01)
    np.testing.assert_array_equal(layer.bias.data, np.zeros(N_OUT))


def test_he_init_keeps_relu_activations_alive_where_small_normal_init_does_not():
    x = Tensor(np.random.default_rng(1).normal(size=(200, 100)))

    def last_hidden_std(init):
        mlp = MLP([100] * 11, "relu", "relu", init=init, rng=0, dtype=np.float64)
        return mlp(x).data.std()

    assert 0.3 < last_hidden_std("he") < 3.0
    assert last_hidden_std("normal") < 1e-6


def test_same_seed_gives_bit_identical_weights():
    first = MLP((5, 7, 3), rng=11)
    second = MLP((5, 7, 3), rng=np.random.default_rng(11))
    for p, q in zip(first.parameters(), second.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    other = MLP((5, 7, 3), rng=12)
    assert not np.array_equal(first.layers[0].weight.data, other.layers[0].weight.data)


def test_dense_names_its_widths_and_parameters_as_pytorchs_linear():
    layer = Dense(4, 3, rng=0)
    assert (layer.in_features, layer.out_features) == (4, 3)
    shapes = [(name, p.shape) for name, p in layer.named_parameters()]
    assert shapes == [("weight", (4, 3)), ("bias", (3,))]  # weight is x @ W's W


def test_dense_defaults_to_float32():
    layer = Dense(3, 2, rng=0)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_float32_is_preserved_through_mlp_forward_and_backward(activation):
    mlp = MLP((5, 6, 3), activation, "sigmoid", rng=0, dtype=np.float32)
    x = input_tensor((4, 5), dtype=np.float32)
    out = mlp(x)
    loss = mse_loss(out, np.full((4, 3), 0.5, dtype=np.float32))
    assert out.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 and p.dtype == np.float32 for p in mlp.parameters())


def test_constructors_refuse_bad_arguments():
    with pytest.raises(ValueError, match="init must be one of"):
        init_weights(3, 2, "xavier", np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match="in_features must be a positive integer; got 0"):
        Dense(0, 3)
    with pytest.raises(ValueError, match="out_features must be a positive integer; got 2.5"):
        Dense(3, 2.5)
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64; got int32"):
        Dense(3, 2, dtype=np.int32)
    with pytest.raises(ValueError, match=r"at least 2 widths \(n_in, hidden..., n_out\)"):
        MLP((4,))
    with pytest.raises(TypeError, match=r"sizes must be a sequence .* got 4 \(one width"):
        MLP(4)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        get_activation("gelu")
    with pytest.raises(ValueError, match="unknown activation 'linear'"):
        get_activation("linear")  # the identity is called "identity"
    with pytest.raises(TypeError, match="Sequential takes Modules"):
        Sequential(Dense(2, 2), np.tanh)
    with pytest.raises(ValueError, match=r"noise must be one of \('gaussian', 'masking'"):
        Noise("dropout", 0.1)


def test_parameter_requires_grad_by_default():
    assert Parameter(np.zeros(3)).requires_grad


# ----- corruption ------------------------------------------------------------------------
SHAPE = (500, 200)


def test_masking_zeroes_about_a_fraction_level_of_the_elements():
    x = np.random.default_rng(0).uniform(0.5, 1.0, size=SHAPE)  # no zero before masking
    out = corrupt(x, "masking", 0.3, np.random.default_rng(1))
    zeroed = out == 0
    # Binomial(n, 0.3): standard error sqrt(0.3 * 0.7 / n) ~ 0.0015.
    assert abs(zeroed.mean() - 0.3) < 0.01
    np.testing.assert_array_equal(out[~zeroed], x[~zeroed])


def test_salt_and_pepper_sets_hit_elements_to_0_or_1():
    x = np.full(SHAPE, 0.5)
    out = corrupt(x, "salt_and_pepper", 0.2, np.random.default_rng(2))
    hit = out != 0.5
    assert set(np.unique(out[hit])) == {0.0, 1.0}
    assert abs(hit.mean() - 0.2) < 0.01
    assert abs((out[hit] == 1.0).mean() - 0.5) < 0.02  # a fair coin between salt and pepper


def test_gaussian_noise_has_standard_deviation_level():
    x = np.random.default_rng(0).uniform(size=SHAPE)
    noise = corrupt(x, "gaussian", 0.25, np.random.default_rng(3)) - x
    np.testing.assert_allclose(noise.std(), 0.25, rtol=0.01)
    assert abs(noise.mean()) < 0.01


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_each_call_draws_fresh_noise_and_a_seed_repeats_it(kind):
    x = np.full((20, 30), 0.5, dtype=np.float32)
    rng = np.random.default_rng(4)
    first, second = corrupt(x, kind, 0.3, rng), corrupt(x, kind, 0.3, rng)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, corrupt(x, kind, 0.3, np.random.default_rng(4)))
    assert first.dtype == np.float32


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_noise_layer_draws_fresh_noise_at_every_training_call(kind):
    layer = Noise(kind, 0.3, rng=5).train()
    x = Tensor(np.full((10, 10), 0.5))
    assert not np.array_equal(layer(x).data, layer(x).data)


@pytest.mark.parametrize(
    ("kind", "level", "expected"),
    [
        ("masking", -0.1, r"noise_level \(the probability of masking noise\) must be >= 0"),
        ("masking", 1.5, r"noise_level of masking noise is a probability in \[0, 1\]; got 1.5"),
        ("salt_and_pepper", 2.0, r"salt_and_pepper noise is a probability in \[0, 1\]"),
        ("gaussian", -0.5, r"noise_level \(the standard deviation of gaussian noise\) must be"),
    ]
    + [
        (kind, bad, rf"noise_level .*must be a finite number; got {bad!r}")
        for kind in CORRUPTIONS
        for bad in (np.nan, "0.3", None)
    ],
)
def test_corruption_refuses_a_bad_level(kind, level, expected):
    with pytest.raises(ValueError, match=expected):
        check_corruption(kind, level)
    with pytest.raises(ValueError, match=expected):
        Noise(kind, level)


@pytest.mark.parametrize(("kind", "level"), [("masking", 0), ("gaussian", 1), ("masking", 1)])
def test_check_corruption_returns_the_level_as_a_float(kind, level):
    checked = check_corruption(kind, level)
    assert type(checked) is float and checked == level
    assert type(Noise(kind, level).noise_level) is float


def test_corruption_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match=r"noise must be one of .*masking.*got 'blur'"):
        check_corruption("blur", 0.1)
    with pytest.raises(ValueError, match=r"noise must be one of .*got 'blur'"):
        Noise("blur", 0.1)


def test_noise_keeps_its_arguments_under_their_own_names():
    layer = Noise(noise="salt_and_pepper", noise_level=0.2, rng=0)
    assert (layer.noise, layer.noise_level) == ("salt_and_pepper", 0.2)
    assert layer.get_config() == {"noise": "salt_and_pepper", "noise_level": 0.2}
    assert (Noise().noise, Noise().noise_level) == ("gaussian", 0.1)


def test_default_initialisation_is_one_setting_for_dense_and_mlp():
    from aelearn.nn.dense import DEFAULT_INIT

    assert Dense(3, 2, rng=0).init == DEFAULT_INIT
    assert all(layer.init == DEFAULT_INIT for layer in MLP((3, 4, 2), "relu", rng=0).dense_layers)


def test_gradcheck_module_takes_an_array_as_an_input_without_a_gradient():
    layer = Dense(4, 3, rng=np.random.default_rng(1), dtype=np.float64)
    x = np.random.default_rng(2).normal(size=(5, 4))
    assert_gradcheck_passes(gradcheck_module(layer, x), ["weight", "bias"])
