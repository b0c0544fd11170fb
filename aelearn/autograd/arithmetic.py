"""Arithmetic ops: +, -, *, /, negation, a constant power, matrix products.

Notation: L is the scalar loss, ``grad`` is dL/d(out), and every backward returns
dL/d(input) for each input by the chain rule, dL/dx = dL/d(out) * d(out)/dx.
Where NumPy broadcast an operand, the backward returns the gradient at the broadcast
shape and the engine sums it back (``unbroadcast``).
"""

import numpy as np

from aelearn.autograd.function import Function


class Add(Function):
    """out = a + b.

    d(out)/da = d(out)/db = 1, so dL/da = dL/db = dL/d(out).
    """

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    """out = a - b.

    d(out)/da = 1 and d(out)/db = -1, so dL/da = grad and dL/db = -grad.
    """

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    """out = a * b, element-wise.

    d(out)/da = b and d(out)/db = a, so dL/da = grad * b and dL/db = grad * a.
    """

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved
        da = grad * b if self.needs_input_grad[0] else None
        db = grad * a if self.needs_input_grad[1] else None
        return da, db


class Div(Function):
    """out = a / b, element-wise.

    d(out)/da = 1 / b and d(out)/db = -a / b**2, so dL/da = grad / b and
    dL/db = -grad * a / b**2 = -grad * out / b.
    """

    def forward(self, a, b):
        out = a / b
        self.save_for_backward(b, out)
        return out

    def backward(self, grad):
        b, out = self.saved
        da = grad / b if self.needs_input_grad[0] else None
        db = -grad * out / b if self.needs_input_grad[1] else None
        return da, db


class Neg(Function):
    """out = -x, so dL/dx = -grad."""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return (-grad,)


class Pow(Function):
    """out = x ** p for a constant exponent p.

    d(out)/dx = p * x ** (p - 1), so dL/dx = grad * p * x ** (p - 1). For p = 0, out = 1
    and the derivative is 0 everywhere (the formula would give 0 * 0 ** -1, NaN, at 0).
    Unchecked: a fractional p needs x > 0, and for 0 < p < 1 the derivative at 0 is infinite.
    """

    def forward(self, x, exponent):
        self.exponent = float(exponent)
        self.save_for_backward(x)
        return x**self.exponent

    def backward(self, grad):
        (x,) = self.saved
        p = self.exponent
        if p == 0.0:
            return (np.zeros_like(grad),)
        return (grad * p * x ** (p - 1.0),)


class MatMul(Function):
    """out = a @ b, with a of shape (..., n, k) and b of shape (..., k, m).

    out[i, j] = sum_k a[i, k] b[k, j], so dout[i, j]/da[i, k] = b[k, j] and
    dL/da[i, k] = sum_j grad[i, j] b[k, j]: dL/da = grad @ b.T. Likewise
    dL/db = a.T @ grad. (Stacked leading axes are handled by transposing the last two.)
    """

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, grad):
        a, b = self.saved
        da = grad @ np.swapaxes(b, -1, -2) if self.needs_input_grad[0] else None
        db = np.swapaxes(a, -1, -2) @ grad if self.needs_input_grad[1] else None
        return da, db


class Affine(Function):
    """The affine map of a dense layer, out = x @ W + b: one op, as cs231n's ``affine_forward``.

    Shapes: x (batch, n_in), W (n_in, n_out), b (n_out,), out (batch, n_out).
    From out[i, j] = sum_k x[i, k] W[k, j] + b[j]:
    dL/dx = grad @ W.T, dL/dW = x.T @ grad, dL/db = sum_i grad[i, :].
    """

    def forward(self, x, W, b):
        self.save_for_backward(x, W)
        out = x @ W
        out += b  # in place: no second (batch, n_out) array
        return out

    def backward(self, grad):
        x, W = self.saved
        dx = grad @ W.T if self.needs_input_grad[0] else None
        dW = x.T @ grad if self.needs_input_grad[1] else None
        db = grad.sum(axis=0) if self.needs_input_grad[2] else None
        return dx, dW, db
