"""The one shape every op has: a forward that saves, a backward that uses what was saved.

To add an op, subclass Function and write two methods::

    class Exp(Function):
        def forward(self, x):           # arrays in, an array out
            out = np.exp(x)
            self.save_for_backward(out)
            return out

        def backward(self, grad):       # dL/d(out) in, one dL/d(input) per input out
            (out,) = self.saved
            return (grad * out,)

then call it as ``Exp.apply(tensor)``. The graph walk (``graph``) reduces gradients of
broadcast inputs to their shapes and adds up those of a tensor used twice. A backward reads
only what its forward saved and ``grad``, which other ops may share: it never writes into it.
"""

import numpy as np

from aelearn.autograd import grad_mode
from aelearn.autograd.tensor import Tensor


class Function:
    """Base class of every op.

    Attributes
    ----------
    inputs : tuple of Tensor
        The tensors the op was applied to, in order.
    needs_input_grad : tuple of bool
        For each input, whether its gradient is wanted; a backward may return None for the
        others (and should, when they are expensive: the data of a first layer, say).
    saved : tuple
        What ``forward`` stored for ``backward``; released after it (``freed``).
    """

    def __init__(self, *inputs):
        self.inputs = inputs
        self.needs_input_grad = tuple(t.requires_grad for t in inputs)
        self.saved = ()
        self.freed = False

    @property
    def name(self):
        return type(self).__name__

    def save_for_backward(self, *values):
        """Keep what ``backward`` will read, as ``self.saved`` (PyTorch's ctx method)."""
        self.saved = values

    def free(self):
        """Release the saved values; a later backward through this op raises."""
        self.saved = ()
        self.freed = True

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """The op's output Tensor for ``inputs``, with ``params`` (an axis, an exponent)
        passed to ``forward``. An input that is not a Tensor becomes a constant of the first
        Tensor's dtype. The output records this op only when some input requires grad and
        recording is on (see ``no_grad``)."""
        tensors = _as_tensors(inputs)
        op = cls(*tensors)
        out = Tensor(op.forward(*(t.data for t in tensors), **params))
        if grad_mode.is_grad_enabled() and any(op.needs_input_grad):
            out.requires_grad = True
            out.op = op
        return out


def _as_tensors(values):
    dtypes = {v.dtype for v in values if isinstance(v, Tensor)}
    if len(dtypes) > 1:
        # NumPy would promote float32 to float64 silently, doubling memory and time from
        # here on; a mix is nearly always a forgotten conversion, so say so.
        raise TypeError(
            f"operands of one op must share a dtype; got {sorted(map(str, dtypes))}. Convert "
            "one of them, e.g. Tensor(x.data.astype(np.float32))."
        )
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    return tuple(v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=dtype)) for v in values)
