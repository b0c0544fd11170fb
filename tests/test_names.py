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
