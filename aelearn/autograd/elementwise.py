"""Element-wise functions: exp and log.

For out = f(x) applied element by element, d(out[i])/dx[j] is zero unless i = j, so the
chain rule reduces to dL/dx = grad * f'(x), element by element.
"""

import numpy as np

from aelearn.autograd.function import Function


class Exp(Function):
    """out = exp(x); f'(x) = exp(x) = out, so dL/dx = grad * out (the saved output)."""

    def forward(self, x):
        out = np.exp(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * out,)


class Log(Function):
    """out = log(x) for x > 0; f'(x) = 1 / x, so dL/dx = grad / x.

    Log of a probability that can reach 0 is where models produce -inf (and NumPy warns of a
    division by zero); the losses avoid this op for that reason and work from logits (see
    ``aelearn.losses``), the VAE from the log-variance.
    """

    def forward(self, x):
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, grad):
        (x,) = self.saved
        return (grad / x,)
