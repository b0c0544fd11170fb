"""The image layers of aelearn.nn (conv, pooling, reshape): PyTorch's names, layouts and output
sizes, initialisation with the right fans from the layer's Generator, gradient checks of
whole layers and of a small convolutional autoencoder, and clear errors at the edge."""

import numpy as np
import pytest

from aelearn import Tensor, gradcheck_module, nn


def image(shape, seed=0, dtype=np.float64, requires_grad=True):
    rng = np.random.default_rng(seed)
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def test_conv_layers_name_and_lay_out_their_parameters_as_pytorch():
    conv = nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, rng=0)
    assert [(n, p.shape) for n, p in conv.named_parameters()] == [
        ("weight", (8, 3, 3, 5)),
        ("bias", (8,)),
    ]
    up = nn.ConvTranspose2d(8, 4, 3, 2, 1, 1, rng=0)
    assert [(n, p.shape) for n, p in up.named_parameters()] == [
        ("weight", (8, 4, 3, 3)),
        ("bias", (4,)),
    ]
    assert [n for n, _ in nn.Conv2d(3, 8, 3, bias=False).named_parameters()] == ["weight"]
    assert conv.weight.dtype == np.float32 and (conv.kernel_size, conv.stride) == ((3, 5), (2, 2))


def test_the_same_seed_gives_the_same_weights_and_another_seed_others():
    a, b, c = (nn.Conv2d(2, 4, 3, rng=seed).weight.data for seed in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("layer", "fan_in", "fan_out"),
    [
        (lambda init: nn.Conv2d(64, 32, 3, init=init, rng=0), 64 * 9, 32 * 9),
        (lambda init: nn.Conv2d(64, 32, 3, 2, 1, init=init, rng=0), 64 * 9, 32 * 9),
        (lambda init: nn.Conv2d(16, 48, (3, 5), 2, 1, init=init, rng=0), 16 * 15, 48 * 15),
        (lambda init: nn.ConvTranspose2d(64, 32, 3, 2, 1, 1, init=init, rng=0), 64 * 9, 32 * 9),
        (lambda init: nn.ConvTranspose2d(64, 3, 3, 1, 1, init=init, rng=0), 64 * 9, 3 * 9),
    ],
)
def test_he_and_glorot_draw_with_the_kernels_fans(layer, fan_in, fan_out):
    he = layer("he").weight.data
    assert he.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)
    glorot = layer("glorot").weight.data
    limit = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.99 * limit
    assert glorot.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    assert not layer("glorot").bias.data.any()


@pytest.mark.parametrize("init", ["he", "glorot"])
def test_the_stride_leaves_the_initial_weights_alone(init):
    # The fans are the kernel's, as Keras and PyTorch count them: not divided by the stride.
    for make in (nn.Conv2d, nn.ConvTranspose2d):
        one, two = (make(8, 4, 3, stride, init=init, rng=3).weight.data for stride in (1, 2))
        np.testing.assert_array_equal(one, two)


def test_glorot_bound_is_pytorchs_xavier_uniform_bound_for_both_layouts():
    # PyTorch's fans of a 4-d weight: size(1) kH kW in, size(0) kH kW out; Glorot's bound
    # depends only on their sum, so it is the same for the transposed layer's layout.
    for layer in (nn.Conv2d(6, 10, (3, 5), 2, 1, rng=1), nn.ConvTranspose2d(6, 10, 3, 2, rng=1)):
        w = layer.weight.data
        receptive = w.shape[2] * w.shape[3]
        bound = np.sqrt(6 / ((w.shape[0] + w.shape[1]) * receptive))
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.97 * bound


@pytest.mark.parametrize(
    "layer",
    [
        nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64, rng=0),
        nn.Conv2d(2, 3, 2, padding="same", dtype=np.float64, rng=0),
        nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1, dtype=np.float64, rng=0),
        nn.ConvTranspose2d(2, 3, 2, bias=False, dtype=np.float64, rng=0),
    ],
    ids=repr,
)
def test_each_conv_layer_passes_a_gradient_check(layer):
    gradcheck_module(layer, image((2, 2, 5, 4)), raise_on_failure=True)


def test_a_small_convolutional_autoencoder_passes_a_gradient_check():
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, 1, 1, dtype=np.float64, rng=0),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dense(12, 2, dtype=np.float64, rng=1),
        nn.Dense(2, 12, dtype=np.float64, rng=2),
        nn.Unflatten(1, (3, 2, 2)),
        nn.Upsample(scale_factor=2),
        nn.ConvTranspose2d(3, 2, 3, 2, 1, 1, dtype=np.float64, rng=3),
        nn.AvgPool2d(2),
        nn.Sigmoid(),
    )
    x = Tensor(np.random.default_rng(4).permutation(32).reshape(2, 1, 4, 4) / 32.0)
    assert model(x).shape == (2, 2, 4, 4)
    gradcheck_module(model, x, raise_on_failure=True)


def test_the_first_layer_computes_no_input_gradient_but_the_right_weight_gradient():
    conv = nn.Conv2d(1, 2, 3, 2, 1, dtype=np.float64, rng=0)
    x = image((2, 1, 6, 6), requires_grad=False)
    gradcheck_module(conv, x, raise_on_failure=True)
    assert x.grad is None


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_layers_agree_with_pytorchs_layers_given_the_same_weights():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Conv2d(3, 4, 3, 2, 1, rng=0), torch.nn.Conv2d(3, 4, 3, 2, 1)),
        (nn.Conv2d(3, 4, 4, padding="same", rng=0), torch.nn.Conv2d(3, 4, 4, padding="same")),
        (nn.ConvTranspose2d(3, 4, 3, 2, 1, 1, rng=0), torch.nn.ConvTranspose2d(3, 4, 3, 2, 1, 1)),
        (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
        (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
        (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
        (nn.Upsample(size=(14, 21)), torch.nn.Upsample(size=(14, 21))),
        (nn.Flatten(), torch.nn.Flatten()),
    ]
    x = np.random.default_rng(0).random((2, 3, 7, 7), dtype=np.float32)
    for ours, theirs in pairs:
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
        expected = theirs(torch.from_numpy(x)).detach().numpy()
        out = ours(Tensor(x)).data
        assert out.shape == expected.shape, repr(ours)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5, err_msg=repr(ours))


def test_flatten_and_unflatten_are_inverse_reshapes_in_row_major_order():
    x = image((2, 3, 4, 5))
    flat = nn.Flatten()(x)
    assert flat.shape == (2, 60)
    np.testing.assert_array_equal(flat.data, x.data.reshape(2, 60))
    back = nn.Unflatten(1, (3, 4, 5))(flat)
    np.testing.assert_array_equal(back.data, x.data)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)


def test_the_summary_shows_image_shapes_as_none_channels_height_width():
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Dense(32 * 14 * 14, 4)
    )
    table = model.summary(input_shape=(1, 28, 28))
    rows = {line.split()[0]: line for line in table.splitlines() if line.startswith("  layers.")}
    assert "Conv2d" in rows["layers.0"] and "(None, 32, 14, 14)" in rows["layers.0"]
    assert rows["layers.0"].split()[-2] == "320"
    assert "Flatten" in rows["layers.2"] and "(None, 6272)" in rows["layers.2"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: nn.Conv2d(1, 8, 3, stride=2, padding="same"),
            r"padding='same' is not supported for strided convolutions",
        ),
        (
            lambda: nn.Conv2d(1, 8, 3, padding="full"),
            r"padding \(a string\) must be one of \('same', 'valid'\); got 'full'",
        ),
        (lambda: nn.Conv2d(0, 8, 3), "in_channels must be a positive integer; got 0"),
        (lambda: nn.Conv2d(1, 2.0, 3), "out_channels must be a positive integer; got 2.0"),
        (
            lambda: nn.ConvTranspose2d(True, 8, 3),
            "in_channels must be a positive integer; got True",
        ),
        (
            lambda: nn.Conv2d(1, 8, (3,)),
            r"kernel_size must be an int or a pair \(height, width\) of ints; got \(3,\)",
        ),
        (
            lambda: nn.ConvTranspose2d(1, 8, (3, 0)),
            r"kernel_size \(an int or a pair of them\) must be a positive integer; got 0",
        ),
        (
            lambda: nn.Conv2d(1, 8, 3, stride=0),
            r"stride \(an int or a pair of them\) must be a positive integer; got 0",
        ),
        (
            lambda: nn.Conv2d(1, 8, 3, padding=-1),
            r"padding \(an int or a pair of them\) must be an integer >= 0; got -1",
        ),
        (
            lambda: nn.ConvTranspose2d(1, 8, 3, 2, (1, -1)),
            r"padding \(an int or a pair of them\) must be an integer >= 0; got -1",
        ),
        (
            lambda: nn.ConvTranspose2d(1, 8, 3, 2, 1, output_padding=2),
            r"output_padding \(2, 2\) must be smaller than the stride \(2, 2\)",
        ),
        (
            lambda: nn.ConvTranspose2d(1, 8, 3, (2, 1), 1, output_padding=(1, 1)),
            r"output_padding \(1, 1\) must be smaller than the stride \(2, 1\)",
        ),
        (
            lambda: nn.ConvTranspose2d(1, 8, 3, 2, 1, output_padding=-1),
            r"output_padding \(an int or a pair of them\) must be an integer >= 0; got -1",
        ),
        (lambda: nn.MaxPool2d(2, padding=2), "at most half the kernel"),
        (
            lambda: nn.MaxPool2d((2, 0)),
            r"kernel_size \(an int or a pair of them\) must be a positive integer; got 0",
        ),
        (
            lambda: nn.AvgPool2d(2, stride=0),
            r"stride \(an int or a pair of them\) must be a positive integer; got 0",
        ),
        (lambda: nn.Upsample(2, scale_factor=2), "exactly one of size and scale_factor"),
        (
            lambda: nn.Upsample(scale_factor=1.5),
            r"scale_factor \(an int or a pair of them\) must be a positive integer; got 1.5",
        ),
        (
            lambda: nn.Upsample(scale_factor=2, mode="bilinear"),
            r"Upsample's mode must be one of \('nearest',\); got 'bilinear'",
        ),
        (lambda: nn.Unflatten(1, 64), "tuple of positive ints"),
        (lambda: nn.Unflatten(1, (64, 0)), "unflattened_size must be a positive integer; got 0"),
    ],
)
def test_bad_layer_arguments_are_refused_when_the_layer_is_built(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_upsample_to_a_size_refuses_an_input_whose_size_does_not_divide_it():
    # The one check left in a forward pass: the scale comes from the input's size.
    layer = nn.Upsample(size=(5, 5))
    with pytest.raises(ValueError, match=r"height and width divide \(5, 5\); got 2x2"):
        layer(Tensor(np.zeros((1, 1, 2, 2), dtype=np.float32)))
    assert layer(Tensor(np.zeros((1, 1, 1, 5), dtype=np.float32))).shape == (1, 1, 5, 5)


@pytest.mark.parametrize(
    ("padding", "kernel", "sides"),
    [
        (1, 3, (1, 1, 1, 1)),
        ((2, 0), 3, (2, 2, 0, 0)),
        ("valid", 3, (0, 0, 0, 0)),
        ("same", 3, (1, 1, 1, 1)),
        ("same", 4, (1, 2, 1, 2)),  # even: the extra row below, the extra column right
        ("same", (2, 5), (0, 1, 2, 2)),
    ],
)
def test_conv2d_pads_the_sides_pytorch_pads(padding, kernel, sides):
    layer = nn.Conv2d(2, 3, kernel, padding=padding, rng=0)
    assert layer.sides == sides
    assert layer.padding == (padding if isinstance(padding, str) else layer.padding)
    x = Tensor(np.zeros((1, 2, 6, 7), dtype=np.float32))
    assert layer(x).shape[1:] == layer.output_shape((2, 6, 7))
    if padding == "same":
        assert layer(x).shape[2:] == (6, 7)


def test_conv_layer_configs_give_bias_as_a_flag():
    for make in (nn.Conv2d, nn.ConvTranspose2d):
        with_bias, without = make(2, 3, 3, rng=0), make(2, 3, 3, bias=False, rng=0)
        assert with_bias.get_config()["bias"] is True
        assert without.get_config()["bias"] is False
        assert without.bias is None
        rebuilt = make.from_config(without.get_config())
        assert rebuilt.bias is None and rebuilt.weight.shape == without.weight.shape
