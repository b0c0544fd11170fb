"""Names users import: no function hides a module of the same name, and no op shares its
name with a layer."""

import importlib
import pkgutil
import types

import pytest

import aelearn
from aelearn import nn
from aelearn.autograd import ops

#: What aelearn's modules may import from an extra (aelearn.export's PyTorch modules).
OPTIONAL = {"torch"}
PACKAGES = [
    name
    for _, name, is_package in pkgutil.walk_packages(aelearn.__path__, "aelearn.")
    if is_package
] + ["aelearn"]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_name_of_a_package_hides_one_of_its_modules(package):
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__):
        if info.name == "__main__":  # running it would start the command line
            continue
        try:
            importlib.import_module(f"{package}.{info.name}")
        except ModuleNotFoundError as error:
            if error.name in OPTIONAL:  # a module for an extra's package, not installed here
                continue
            raise
        value = getattr(module, info.name)
        assert isinstance(value, types.ModuleType), f"{package}.{info.name} is a {type(value)}"


def test_no_op_shares_its_name_with_a_layer():
    assert not set(ops.__all__) & set(nn.__all__)


def test_every_models_fit_lists_its_parameters_for_help_and_shift_tab():
    import inspect

    from aelearn import models

    for name in ("Autoencoder", "DenoisingAutoencoder", "VAE", "CVAE", "Classifier"):
        parameters = inspect.signature(getattr(models, name).fit).parameters
        assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values()), name
        assert {"epochs", "batch_size", "lr", "validation_data", "verbose"} <= set(parameters)


#: What aelearn names as PyTorch does, and the argument names that must then be PyTorch's,
#: in order from the first (``self`` left out); with PyTorch installed, checked against it.
MIRRORED = {
    "Parameter": ("aelearn.nn", "Parameter", ["data", "requires_grad"], "nn.Parameter.__new__"),
    "LeakyReLU": ("aelearn.nn", "LeakyReLU", ["negative_slope"], "nn.LeakyReLU.__init__"),
    "Conv2d": (
        "aelearn.nn",
        "Conv2d",
        ["in_channels", "out_channels", "kernel_size", "stride", "padding"],
        "nn.Conv2d.__init__",
    ),
    "ConvTranspose2d": (
        "aelearn.nn",
        "ConvTranspose2d",
        ["in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding"],
        "nn.ConvTranspose2d.__init__",
    ),
    "backward": ("aelearn.autograd", "Tensor.backward", ["gradient", "retain_graph"], None),
    "load_state_dict": ("aelearn.nn", "Module.load_state_dict", ["state_dict"], None),
    "conv2d": ("aelearn.nn.functional", "conv2d", ["input", "weight", "bias", "stride"], None),
    "SGD": ("aelearn.optim", "SGD", ["params", "lr", "momentum"], "optim.SGD.__init__"),
    "Adam": ("aelearn.optim", "Adam", ["params", "lr", "betas", "eps"], "optim.Adam.__init__"),
}


def _signature_names(function):
    import inspect

    names = list(inspect.signature(function).parameters)
    return [name for name in names if name not in ("self", "cls")]


@pytest.mark.parametrize("name", MIRRORED)
def test_what_mirrors_pytorch_takes_pytorchs_argument_names(name):
    module, path, expected, _ = MIRRORED[name]
    value = importlib.import_module(module)
    for part in path.split("."):
        value = getattr(value, part)
    assert _signature_names(value)[: len(expected)] == expected


@pytest.mark.parametrize("name", [name for name, entry in MIRRORED.items() if entry[3]])
def test_the_mirrored_names_and_defaults_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    import inspect

    module, path, expected, theirs = MIRRORED[name]
    value = importlib.import_module(module)
    for part in path.split("."):
        value = getattr(value, part)
    their_function = torch
    for part in theirs.split("."):
        their_function = getattr(their_function, part)
    assert _signature_names(their_function)[: len(expected)] == expected
    ours, them = inspect.signature(value).parameters, inspect.signature(their_function).parameters
    for argument in expected[1:]:  # the first is data or params, without a default
        if them[argument].default is not inspect.Parameter.empty:
            assert ours[argument].default == them[argument].default, argument
