import numpy as np

from aelearn.autograd import Function


def _relu_gradients(x, y, W1, b1, W2, b2, slip):
    """The two-layer ReLU network's gradients by hand, with one named slip."""
    a = x @ W1 + b1
    h = np.maximum(a, 0.0)
    n = 1 if slip == "no 1/n" else len(x)
    factor = 1 if slip == "no factor 2" else 2
    d_y_hat = factor * (h @ W2 + b2 - y) / n
    derivative = {
        "tanh's derivative": 1 - np.tanh(a) ** 2,
        "h >= 0 as the mask": h >= 0,  # true everywhere: relu' taken as 1
    }.get(slip, a > 0)
    da = (d_y_hat @ W2.T) * derivative
    dW2 = d_y_hat.T @ h if slip == "transposed product" else h.T @ d_y_hat
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": dW2, "b2": d_y_hat.sum(axis=0)}


def _relu_slip(slip):
    return lambda *arrays: _relu_gradients(*arrays, slip=slip)


def _cube(derivative):
    """A Cube op whose backward returns grad times ``derivative(x)``."""

    class SlippedCube(Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x**3

        def backward(self, grad):
            (x,) = self.saved
            return (grad * derivative(x),)

    return SlippedCube


class CubeWithoutGrad(Function):
    """The local derivative returned without the upstream gradient."""

    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, grad):
        (x,) = self.saved
        return (3 * x**2,)


class CubeForwardSquared(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x**2

    def backward(self, grad):
        (x,) = self.saved
        return (grad * 3 * x**2,)


PLANTS = {
    "relu_gradients": [
        (
            "tanh's derivative kept",
            _relu_slip("tanh's derivative"),
            r"dW1\[\d, \d\] is .* where .* is expected \(off by",
        ),
        ("the 1/n of the mean forgotten", _relu_slip("no 1/n"), "6 times .* the 1/n of the mean"),
        (
            "the factor 2 of the square forgotten",
            _relu_slip("no factor 2"),
            "0.5 times .* the 2 of",
        ),
        (
            "the mask taken on h >= 0 (relu' as 1 everywhere)",
            _relu_slip("h >= 0 as the mask"),
            r"dW1\[\d, \d\] is .* where",
        ),
        (
            "a transposed product for dW2",
            _relu_slip("transposed product"),
            r"dW2 has shape \(2, 5\); expected \(5, 2\)",
        ),
    ],
    "cube": [
        (
            "the derivative doubled",
            _cube(lambda x: 6 * x**2),
            r"relative error 0.5 .*worst at x\[\d, \d\]",
        ),
        ("the derivative's sign flipped", _cube(lambda x: -3 * x**2), "relative error 2 "),
        ("3x, not 3x^2", _cube(lambda x: 3 * x), "differs from central differences"),
        ("the upstream gradient not multiplied in", CubeWithoutGrad, "differs from central"),
        ("x^2 in the forward", CubeForwardSquared, r"forward\(x\)\[\d, \d\] is"),
    ],
    "two_paths": [
        (
            "one path only: the direct path from a to u = a b + a forgotten",
            lambda a, b: (2 * (a * b + a) * b, 2 * (a * b + a) * a),
            r"dL/da at a = .* is .* where .* is expected \(off by",
        ),
        (
            "the gradient doubled",
            lambda a, b: (4 * (a * b + a) * (b + 1), 4 * (a * b + a) * a),
            r"dL/da at a = .* is .* where",
        ),
        ("the outer derivative 2u forgotten", lambda a, b: (b + 1, a), r"dL/da at a = "),
        (
            "the two partials swapped",
            lambda a, b: (2 * (a * b + a) * a, 2 * (a * b + a) * (b + 1)),
            r"dL/da at a = ",
        ),
    ],
    "float32_difference": [
        ("float64's difference", 1e-10, "below gradcheck's tolerance"),
        (
            "the absolute error, not the relative one (times f'(1.3) = 5.07)",
            0.0595 * 3 * 1.3**2,
            "not the size of float32's error",
        ),
        ("a percentage, not a fraction", 5.95, "not the size of float32's error"),
    ],
}
