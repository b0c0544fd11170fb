"""aelearn.export: the same model in PyTorch, and back.

For every layer and model: PyTorch's module gives aelearn's outputs to float32 rounding
(codes, reconstructions, mu and logvar, class scores), a training step from exported
weights gives aelearn's gradients for the same batch (and eps), and aelearn -> PyTorch ->
aelearn is bit-identical. Skipped where PyTorch is not installed (the ``torch`` extra);
CI runs them in an environment that has it (.ci/export).
"""

import copy
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from aelearn import nn
from aelearn.autograd import Tensor
from aelearn.datasets import load_digits
from aelearn.export import load_torch_state_dict, to_torch
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    DenoisingAutoencoder,
    StackedAutoencoder,
)

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-4, 1e-5  # float32 rounding, after a few layers


def _mnist_sized(n=16, seed=0):
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


def _tensor(x):
    return torch.from_numpy(np.array(x))


def _close(torch_out, ours, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(torch_out.detach().numpy(), ours, rtol=rtol, atol=atol)


def _models():
    """(name, model, X) for every model kind, on digits rows or MNIST-sized rows."""
    X = load_digits().X_train[:64].astype(np.float32)
    y = load_digits().y_train[:64]
    conv_digits = Autoencoder.convolutional(
        image_shape=(1, 8, 8), filters=(4, 8), latent_dim=3, rng=1
    )
    conv_mnist = Autoencoder.convolutional(
        image_shape=(1, 28, 28), filters=(4, 8), latent_dim=5, rng=2
    )
    return [
        ("autoencoder", Autoencoder((64, 16, 4), rng=0), X),
        (
            "autoencoder mse",
            Autoencoder((64, 16, 4), loss="mse", output_activation="identity", rng=0),
            X,
        ),
        ("denoising", DenoisingAutoencoder((64, 16, 4), rng=0), X),
        ("conv digits", conv_digits, X),
        ("conv mnist", conv_mnist, _mnist_sized()),
        ("vae", VAE((64, 16, 2), rng=0), X),
        ("vae gaussian", VAE((64, 16, 2), likelihood="gaussian", decoder_std=0.5, rng=0), X),
        (
            "conv vae",
            VAE.convolutional(image_shape=(1, 28, 28), filters=(4, 8), latent_dim=2, rng=3),
            _mnist_sized(),
        ),
        ("cvae", CVAE((64, 16, 2), n_classes=10, rng=0), (X, y)),
        (
            "conv cvae",
            CVAE.convolutional(image_shape=(1, 8, 8), filters=(4,), latent_dim=2, rng=4),
            (X, y),
        ),
        (
            "classifier",
            Classifier(Autoencoder((64, 16, 4), rng=0).encoder, 10, (8,), rng=0),
            (X, y),
        ),
        ("classifier raw", Classifier(None, 10, n_features=64, rng=0), (X, y)),
        (
            "conv classifier",
            Classifier(conv_mnist.encoder, 10, rng=5),
            (_mnist_sized(), np.arange(16) % 10),
        ),
    ]


MODELS = {name: (model, X) for name, model, X in _models()}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_torch_module_gives_aelearns_outputs(name):
    model, data = MODELS[name]
    module = to_torch(model).eval()
    with torch.no_grad():
        if isinstance(model, Classifier):
            X, _ = data
            _close(module(_tensor(X)), model.decision_function(X))
        elif isinstance(model, VAE):
            X, y = data if isinstance(data, tuple) else (data, None)
            labels = None if y is None else _tensor(model._labels(y, len(X)))
            mu, logvar = module.encode(_tensor(X), labels)
            ours_mu, ours_logvar = model._posterior(
                X, None if y is None else model._labels(y, len(X))
            )
            _close(mu, ours_mu)
            _close(logvar, ours_logvar)
            _close(module.decode(mu, labels), model.reconstruct(X, y))
        else:
            X = data
            _close(module.encode(_tensor(X)), model.encode(X))
            _close(module(_tensor(X)), model.reconstruct(X))
            _close(module.decode(module.encode(_tensor(X))), model.decode(model.encode(X)))


def _aelearn_gradients(model, x, y, seed):
    for p in model.parameters():
        p.zero_grad()
    loss = model.loss_terms(x, y, np.random.default_rng(seed))["loss"]
    loss.backward()
    return float(loss.data), [p.grad for p in model.parameters()]


@pytest.mark.parametrize(
    "name",
    [
        "autoencoder",
        "autoencoder mse",
        "conv digits",
        "vae",
        "vae gaussian",
        "cvae",
        "conv cvae",
        "classifier",
        "conv classifier",
    ],
)
def test_one_torch_step_from_exported_weights_gives_aelearns_gradients(name):
    model, data = MODELS[name]
    X, y = data if isinstance(data, tuple) else (data, None)
    module, links = _convert(model)
    if isinstance(model, VAE):
        labels = None if y is None else model._labels(y[:8], 8)
        loss, grads = _aelearn_gradients(model, X[:8], labels, seed=7)
        eps = np.random.default_rng(7).standard_normal((8, model.latent_dim), dtype=np.float32)
        theirs = module.loss(
            _tensor(X[:8]), None if labels is None else _tensor(labels), _tensor(eps)
        )
    elif isinstance(model, Classifier):
        loss, grads = _aelearn_gradients(model, X[:8], y[:8], seed=7)
        theirs = module.loss(_tensor(X[:8]), torch.from_numpy(y[:8].astype(np.int64)))
    else:
        loss, grads = _aelearn_gradients(model, X[:8], None, seed=7)
        theirs = module.loss(_tensor(X[:8]))
    theirs.backward()
    assert theirs.item() == pytest.approx(loss, rel=1e-5)
    by_param = {id(p): copy for p, copy, _ in links}
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable
    for p in trainable:
        copy = by_param[id(p)]
        transposed = next(t for q, _, t in links if q is p)
        grad = copy.grad.numpy().T if transposed else copy.grad.numpy()
        np.testing.assert_allclose(grad, p.grad, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize(("n_draws", "binarize"), [(3, False), (2, True)])
def test_a_vae_of_several_draws_or_binarised_pixels_exports_its_own_training_loss(
    n_draws, binarize
):
    # Binary pixels, so that binarising draws the same x in both (aelearn's draw still
    # comes first from its Generator, and the eps after it).
    x = (load_digits().X_train[:8] > 0.5).astype(np.float32)
    model = VAE((64, 16, 2), n_draws=n_draws, binarize=binarize, rng=0)
    module, links = _convert(model)
    loss, grads = _aelearn_gradients(model, x, None, seed=7)
    rng = np.random.default_rng(7)
    if binarize:
        rng.random(x.shape)
    eps = rng.standard_normal((n_draws, 8, 2), dtype=np.float32)
    theirs = module.loss(_tensor(x), None, _tensor(eps))
    theirs.backward()
    assert theirs.item() == pytest.approx(loss, rel=1e-5)
    for p, theirs_p, transposed in links:
        grad = theirs_p.grad.numpy().T if transposed else theirs_p.grad.numpy()
        np.testing.assert_allclose(grad, p.grad, rtol=1e-3, atol=1e-5)


def _convert(model):
    from aelearn.export.torch_modules import convert

    return convert(model)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_aelearn_to_torch_and_back_is_bit_identical(name):
    model, _ = MODELS[name]
    state = to_torch(model).state_dict()
    fresh = copy.deepcopy(model)
    for p in fresh.parameters():
        p.data[...] = 0.0
    assert load_torch_state_dict(fresh, state) is fresh
    for key, value in model.state_dict().items():
        assert fresh.state_dict()[key].dtype == value.dtype
        assert np.array_equal(fresh.state_dict()[key], value), key


def _layers():
    rng = np.random.default_rng(0)
    return {
        "conv same, even kernel (uneven padding)": nn.Conv2d(2, 3, 4, padding="same", rng=rng),
        "conv strided, no bias": nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False, rng=rng),
        "transposed conv, output_padding": nn.ConvTranspose2d(2, 3, 3, 2, 1, 1, rng=rng),
        "max pool, padded": nn.MaxPool2d(3, 2, padding=1),
        "average pool, padded": nn.AvgPool2d(3, 2, padding=1),
        "upsample by a factor": nn.Upsample(scale_factor=(2, 3)),
        "upsample to a size": nn.Upsample(size=(16, 8)),
        "flatten, then unflatten": nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 8, 8))),
        "activations": nn.Sequential(nn.LeakyReLU(0.2), nn.Tanh(), nn.Softplus(), nn.Sigmoid()),
    }


LAYERS = _layers()


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_gives_aelearns_output_and_input_gradient(name):
    layer = LAYERS[name]
    x = np.random.default_rng(1).normal(size=(3, 2, 8, 8))  # float64: exact to rounding
    layer64 = copy.deepcopy(layer)
    for p in layer64.parameters():
        p.data = p.data.astype(np.float64)
    ours = Tensor(x, requires_grad=True)
    out = layer64(ours)
    upstream = np.random.default_rng(2).normal(size=out.shape)
    (out * Tensor(upstream)).sum().backward()
    module = to_torch(layer64)
    theirs = _tensor(x).requires_grad_()
    their_out = module(theirs)
    (their_out * _tensor(upstream)).sum().backward()
    _close(their_out, out.data, rtol=1e-12, atol=1e-12)
    _close(theirs.grad, ours.grad, rtol=1e-12, atol=1e-12)


def test_a_denoising_step_sees_the_same_corruption_in_both():
    model, X = MODELS["denoising"]
    loss, _ = _aelearn_gradients(model, X[:8], None, seed=7)
    keep = np.random.default_rng(7).random(X[:8].shape) >= model.noise_level  # masking
    module, links = _convert(model)
    theirs = module.loss(_tensor(X[:8]), x_input=_tensor(X[:8] * keep))
    theirs.backward()
    assert theirs.item() == pytest.approx(loss, rel=1e-5)
    for p, copied, transposed in links:
        grad = copied.grad.numpy()
        np.testing.assert_allclose(grad.T if transposed else grad, p.grad, rtol=1e-3, atol=1e-5)


def test_the_denoising_corruption_acts_in_training_mode_only():
    model, X = MODELS["denoising"]
    module = to_torch(model)
    x = _tensor(np.ones((200, 64), dtype=np.float32))
    torch.manual_seed(0)
    masked = module.corruption(x)
    assert 0.25 < float((masked == 0).float().mean()) < 0.35  # noise_level 0.3
    assert torch.equal(module.eval().corruption(x), x)


@pytest.fixture(scope="module")
def stack():
    X = load_digits().X_train[:200].astype(np.float32)
    return StackedAutoencoder((16, 8), rng=0).fit(X, epochs=2, verbose=False), X


def test_a_fitted_stack_its_classifier_and_its_deep_autoencoder_carry_over(stack):
    stack, X = stack
    with torch.no_grad():
        _close(to_torch(stack)(_tensor(X)), stack.transform(X))
        classifier = stack.to_classifier(10, rng=0)
        _close(to_torch(classifier)(_tensor(X)), classifier.decision_function(X))
        deep = stack.to_deep_autoencoder()
        _close(to_torch(deep)(_tensor(X)), deep.reconstruct(X))


def test_frozen_parameters_stay_frozen_and_float64_stays_float64():
    encoder = Autoencoder((64, 16, 4), rng=0, dtype=np.float64).encoder
    module = to_torch(Classifier(encoder, 10, rng=0))
    assert all(not p.requires_grad for p in module.encoder.parameters())
    assert all(p.requires_grad for p in module.head.parameters())
    assert all(p.dtype == torch.float64 for p in module.parameters())


def test_a_module_without_a_counterpart_is_named():
    class Squash(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no PyTorch counterpart for Squash"):
        to_torch(Squash())


def test_a_state_dict_of_another_architecture_is_refused():
    model = MODELS["vae"][0]
    other = to_torch(VAE((64, 32, 2), rng=0)).state_dict()
    with pytest.raises(RuntimeError, match="size mismatch"):
        load_torch_state_dict(copy.deepcopy(model), other)


def test_without_pytorch_the_error_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "aelearn.export.torch_modules", raising=False)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'aelearn\[torch\]'"):
        to_torch(MODELS["vae"][0])


def test_importing_aelearn_export_does_not_import_torch():
    import subprocess

    code = "import sys, aelearn.export; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_readme_example_runs_and_brings_the_torch_weights_back():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## The same model in PyTorch", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    namespace = {}
    exec(code.replace("epochs=20", "epochs=2").replace("range(20)", "range(3)"), namespace)
    vae, module = namespace["vae"], namespace["module"]
    assert np.isfinite(namespace["loss"].item())
    trained = module.encoder.mu_head.weight.detach().numpy().T
    assert np.array_equal(vae.encoder.mu_head.weight.data, trained)
