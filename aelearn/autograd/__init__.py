"""The autograd core: Tensor, the graph walk, and the ops with hand-written backward passes.

Knows nothing of layers, losses or models.
"""

from aelearn.autograd.function import Function
from aelearn.autograd.grad_mode import is_grad_enabled, no_grad
from aelearn.autograd.reparameterize import Reparameterize, reparameterize
from aelearn.autograd.shapes import concatenate, split
from aelearn.autograd.tensor import Tensor, tensor, unbroadcast

__all__ = [
    "Function",
    "Reparameterize",
    "Tensor",
    "concatenate",
    "is_grad_enabled",
    "no_grad",
    "reparameterize",
    "split",
    "tensor",
    "unbroadcast",
]
