"""The autograd core: Tensor, the graph walk, and the ops with hand-written backward passes.

``tensor``, ``graph`` (the backward pass), ``grad_mode`` (``no_grad``), ``function`` (the
base of every op); the ops by family, all in the namespace ``aelearn.autograd.ops``;
``kernels``, the switch to ``aelearn.fast``'s convolutions; ``methods``, which binds
``a + b``, ``t.sum()`` ... to the ops. Knows nothing of layers, losses, optimisers or models.
"""

from aelearn.autograd import methods  # noqa: F401  (binds the operators to Tensor)
from aelearn.autograd.function import Function
from aelearn.autograd.grad_mode import is_grad_enabled, no_grad
from aelearn.autograd.graph import unbroadcast
from aelearn.autograd.kernels import fast_kernels_enabled, image_op, use_fast_kernels
from aelearn.autograd.reparameterization import Reparameterize, reparameterize
from aelearn.autograd.shapes import concatenate
from aelearn.autograd.tensor import Tensor

__all__ = [
    "Function",
    "Reparameterize",
    "Tensor",
    "concatenate",
    "fast_kernels_enabled",
    "image_op",
    "is_grad_enabled",
    "no_grad",
    "reparameterize",
    "unbroadcast",
    "use_fast_kernels",
]
