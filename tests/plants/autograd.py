import numpy as np

from aelearn.autograd import Function


def _relu_gradients(x, y, W1, b1, W2, b2):
    """The two-layer network's gradients with tanh's derivative left where ReLU's belongs."""
    a = x @ W1 + b1
    h = np.maximum(a, 0.0)
    d_y_hat = 2 * (h @ W2 + b2 - y) / len(x)
    da = (d_y_hat @ W2.T) * (1 - np.tanh(a) ** 2)
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ d_y_hat, "b2": d_y_hat.sum(axis=0)}


class DoubledCube(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, grad):
        (x,) = self.saved
        return (grad * 6 * x**2,)


PLANTS = {
    "relu_gradients": [
        (
            "tanh's derivative kept",
            _relu_gradients,
            r"dW1\[\d, \d\] is .* where .* is expected \(off by",
        ),
    ],
    "cube": [("the derivative doubled", DoubledCube, r"relative error 0.5 .*worst at x\[\d, \d\]")],
    "two_paths": [
        (
            "the gradient doubled",
            lambda a, b: (2 * (a * b + a) * b, 2 * (a * b + a) * a),
            r"dL/da at a = .* is .* where .* is expected \(off by",
        ),
    ],
    "float32_difference": [("float64's difference", 1e-10, "below gradcheck's tolerance")],
}
