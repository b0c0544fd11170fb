"""aelearn: autoencoders taught from first principles in pure NumPy.

The layers of the package, from the bottom up, each using only those below it:

- ``aelearn.autograd``: Tensor, the graph walk, the ops and their backward passes;
- ``aelearn.gradient_check``: finite-difference checks of any backward pass;
- ``aelearn.nn``: Module, Dense, activations, noise, Sequential, MLP;
- ``aelearn.losses`` and ``aelearn.optim``: losses as ops; SGD and Adam;
- ``aelearn.training``: the one training loop; ``aelearn.models``: the course's models;
- the outer faces: ``datasets``, ``baselines``, ``plotting``, ``io``, ``sklearn``, the
  command line.
"""

# ``models`` is imported with the package so that its classes join the registry that
# ``aelearn.io.load`` rebuilds from: a saved model loads in a session that imported only io.
from aelearn import models
from aelearn.autograd import Tensor, concatenate, no_grad, reparameterize, use_fast_kernels
from aelearn.gradient_check import gradcheck, gradcheck_module
from aelearn.threads import blas_threads

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "blas_threads",
    "concatenate",
    "gradcheck",
    "gradcheck_module",
    "models",
    "no_grad",
    "reparameterize",
    "use_fast_kernels",
]
