"""The autograd core: Tensor, the graph walk, and the ops with hand-written backward passes.

- ``tensor``: the Tensor; ``graph``: the backward pass over the graph, and ``grad``, the
  same pass returning the gradients; ``grad_mode``: ``no_grad``; ``function``: the
  Function every op subclasses;
- the ops by family: ``arithmetic``, ``reductions``, ``shapes``, ``elementwise``,
  ``activations``, ``reparameterization``, and for images ``convolution``,
  ``transposed_convolution``, ``pooling``, ``upsampling`` (all in one namespace:
  ``aelearn.autograd.ops``);
- ``methods``: binds ``a + b``, ``t.sum()`` ... to the ops.

Knows nothing of layers, losses, optimisers or models.
"""

from aelearn.autograd import methods  # noqa: F401  (binds the operators to Tensor)
from aelearn.autograd.function import Function
from aelearn.autograd.grad_mode import is_grad_enabled, no_grad
from aelearn.autograd.graph import grad, unbroadcast
from aelearn.autograd.reparameterization import Reparameterize, reparameterize
from aelearn.autograd.shapes import concatenate, split
from aelearn.autograd.tensor import Tensor

__all__ = [
    "Function",
    "Reparameterize",
    "Tensor",
    "concatenate",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "reparameterize",
    "split",
    "unbroadcast",
]
