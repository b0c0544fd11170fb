"""The same model in PyTorch: carry a model trained here over to ``torch.nn``, and back.

A student who has understood an autoencoder in aelearn moves on to PyTorch for larger data
and GPUs. ``to_torch(model)`` builds the ``torch.nn.Module`` of the same architecture, with
the same weights: PyTorch's own layers (``Linear``, ``Conv2d``, ``ConvTranspose2d``,
``MaxPool2d``, ``Upsample``...) inside a small module per model that keeps aelearn's names
(``encoder``, ``decoder``, ``mu_head``, ``logvar_head``, ``head``) and its forward pass::

    torch_model = to_torch(vae)                      # aelearn -> PyTorch
    out, mu, logvar = torch_model(x)                 # x: a float tensor of rows
    loss = torch_model.loss(x)                       # -ELBO, as aelearn's VAE computes it
    ...                                              # train on, on a GPU if there is one
    load_torch_state_dict(vae, torch_model.state_dict())   # and back

Every model's ``loss`` is the training loss of its ``loss_terms`` (a sum over features, a
mean over the batch), so that a step in PyTorch from exported weights gives the gradients
aelearn computes for the same batch (and, for a VAE, the same eps). One layout differs:
``Dense.weight`` is (in_features, out_features), so that a layer reads ``x @ W + b``, where
``torch.nn.Linear.weight`` is its transpose; the rest (Conv2d, ConvTranspose2d, NCHW) is
copied as is. PyTorch is imported only when one of these is called (the ``torch`` extra).
"""

import importlib


def _torch_modules():
    try:
        return importlib.import_module("aelearn.export.torch_modules")
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise ModuleNotFoundError(
            "aelearn.export needs PyTorch, which is not installed: pip install 'aelearn[torch]'",
            name="torch",
        ) from None


def to_torch(model):
    """A ``torch.nn.Module`` of the same architecture as ``model``, holding copies of its
    weights (frozen ones with ``requires_grad=False``), in its dtype, on the CPU.

    ``model`` is any aelearn model (Autoencoder, DenoisingAutoencoder, VAE, CVAE,
    Classifier, a fitted StackedAutoencoder) or layer (Dense, Conv2d, Sequential, an
    Encoder...). The module is in training mode, as a new PyTorch module is.
    """
    return _torch_modules().convert(model)[0]


def load_torch_state_dict(model, state_dict):
    """Copy a PyTorch state dict into ``model`` and return ``model``.

    ``state_dict`` is that of a module of ``model``'s architecture: ``to_torch(model)``'s,
    trained on in PyTorch, or loaded with ``torch.load``. Its keys and shapes are checked
    (PyTorch's ``load_state_dict(strict=True)``); the values take ``model``'s dtype.
    """
    return _torch_modules().load(model, state_dict)
