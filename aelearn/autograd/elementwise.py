"""Element-wise functions: exp, log, sqrt.

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

    Log of a probability that can reach 0 is where models produce -inf; the losses avoid
    this op for that reason and work from logits (see ``aelearn.losses``).
    """

    def forward(self, x):
        if np.any(x <= 0):
            raise ValueError(
                "log expects strictly positive values; got a minimum of "
                f"{np.min(x)!r}. Work in log space (log-variance, logits) to avoid log(0)."
            )
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, grad):
        (x,) = self.saved
        return (grad / x,)


class Sqrt(Function):
    """out = sqrt(x); f'(x) = 1 / (2 sqrt(x)), so dL/dx = grad / (2 out).

    Defined for x >= 0; at x = 0 the derivative is infinite, so keep x away from 0 (add a
    small constant, as one does under the square root of a variance).
    """

    def forward(self, x):
        out = np.sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad / (2.0 * out),)
