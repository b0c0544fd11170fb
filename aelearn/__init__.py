"""aelearn: autoencoders taught from first principles in pure NumPy.

The layers of the package, each using only those above it in this list:

- ``aelearn.autograd``: Tensor, the graph walk, the ops and their backward passes;
- ``aelearn.gradcheck``: finite-difference checks of any backward pass;
- ``aelearn.nn``: Module, Dense, activations, noise, Sequential, MLP;
- ``aelearn.losses`` and ``aelearn.optim``: losses as ops; SGD and Adam on flat buffers.
"""

from aelearn.autograd import Tensor, concatenate, no_grad, reparameterize, split
from aelearn.autograd.tensor import tensor
from aelearn.gradcheck import gradcheck, gradcheck_module

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "concatenate",
    "gradcheck",
    "gradcheck_module",
    "no_grad",
    "reparameterize",
    "split",
    "tensor",
]
