"""Checks for the exercises of notebook 01, automatic differentiation.

Each compares the student's hand-derived gradients with aelearn's backward pass, or runs
gradcheck on the student's op, on inputs drawn from a seeded Generator.
"""

import numpy as np

from aelearn.autograd import Tensor
from aelearn.exercises.ops import op_agrees
from aelearn.exercises.verdict import call, check, close, given, number, wrong
from aelearn.losses import mse_loss

PARAMETERS = ("W1", "b1", "W2", "b2")


def _relu_network(rng):
    """Arrays of a 6-example, 3-5-2 network, and aelearn's gradients of its ReLU loss."""
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    arrays = {"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=5) * 0.1}
    arrays |= {"W2": rng.normal(size=(5, 2)), "b2": rng.normal(size=2) * 0.1}
    params = {name: Tensor(a, requires_grad=True) for name, a in arrays.items()}
    hidden = (Tensor(x) @ params["W1"] + params["b1"]).relu()
    mse_loss(hidden @ params["W2"] + params["b2"], Tensor(y)).backward()
    return x, y, arrays, {name: p.grad for name, p in params.items()}


@check("01 exercise 1: the ReLU network's gradients by hand")
def relu_gradients(relu_network_gradients):
    """``relu_network_gradients(x, y, W1, b1, W2, b2)`` returns {"W1": dW1, ...}."""
    x, y, arrays, expected = _relu_network(np.random.default_rng(101))
    got = call(relu_network_gradients, x, y, *(arrays[n] for n in PARAMETERS))
    if not isinstance(got, dict):
        wrong(f"return a dict with keys {list(PARAMETERS)}; got {type(got).__name__}")
    for name in PARAMETERS:
        if name not in got:
            wrong(f"no gradient for {name!r} in the dict; expected keys {list(PARAMETERS)}")
        gradient = given(got[name], f"d{name}")
        _same_factor(gradient, expected[name], f"d{name}", len(x))
        close(gradient, expected[name], f"d{name}")
    return "all four gradients match aelearn's backward pass"


def _same_factor(got, expected, name, n):
    """ "wrong" naming the factor when every entry is off by the same one (a 2, a 1/n)."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return  # close() says what the answer should be
    if got.shape != expected.shape or not np.all(np.abs(expected) > 1e-12):
        return
    ratio = got / expected
    factor = float(ratio.flat[0])
    if np.allclose(ratio, factor, rtol=1e-9) and not np.isclose(factor, 1.0, rtol=1e-9):
        causes = {
            float(n): f"the 1/n of the mean over the n = {n} examples",
            0.5: "the 2 of the square's derivative",
            -1.0: "a sign",
        }
        cause = next((c for f, c in causes.items() if np.isclose(factor, f, rtol=1e-9)), None)
        wrong(
            f"every entry of {name} is {factor:.4g} times the expected one"
            + (f": {cause} is missing" if cause else "")
        )


@check("01 exercise 2: the Cube op")
def cube(Cube):
    """``Cube`` is a Function subclass computing x ** 3."""
    x = np.random.default_rng(102).normal(size=(3, 4))
    return op_agrees(Cube, [x], x**3)


def _two_paths(a, b):
    ta, tb = Tensor(np.float64(a), requires_grad=True), Tensor(np.float64(b), requires_grad=True)
    ((ta * tb + ta) ** 2).backward()
    return float(ta.grad), float(tb.grad)


@check("01 exercise 3: a gradient along two paths")
def two_paths(gradients_by_hand):
    """``gradients_by_hand(a, b)`` returns (dL/da, dL/db) for L = (a * b + a) ** 2."""
    for a, b in np.random.default_rng(103).normal(size=(5, 2)):
        got = call(gradients_by_hand, float(a), float(b))
        if not isinstance(got, tuple | list) or len(got) != 2:
            wrong(f"return the pair (dL/da, dL/db); got {got!r}")
        for name, value, expected in zip(("dL/da", "dL/db"), got, _two_paths(a, b), strict=True):
            value = number(value, name)
            if not np.isclose(value, expected, rtol=1e-9, atol=1e-12):
                wrong(
                    f"{name} at a = {a:.4f}, b = {b:.4f} is {value:.6g} where {expected:.6g} is "
                    f"expected (off by {value - expected:+.3g})"
                )
    return "both partial derivatives match aelearn's backward pass"


def float32_relative_error(x=1.3, h=1e-6):
    """The relative error of the central difference against f'(x), for f(x) = x^3 in float32."""
    x, h = np.float32(x), np.float32(h)
    estimate = ((x + h) ** 3 - (x - h) ** 3) / (np.float32(2) * h)
    exact = 3.0 * float(x) ** 2
    return abs(float(estimate) - exact) / exact


@check("01 exercise 4: a central difference in float32")
def float32_difference(answer):
    """``answer`` is the relative error of the float32 central difference of x^3 at 1.3."""
    value = number(given(answer), "answer")
    expected = float32_relative_error()
    if value < 1e-6:
        wrong(
            f"{value:.2g} is below gradcheck's tolerance 1e-6, as float64 would give: compute "
            "x, h and every step of the difference in np.float32"
        )
    if not expected / 3 <= value <= expected * 3:
        wrong(f"{value:.3g} is not the size of float32's error; recompute it as the text says")
    return (
        f"about {expected:.1g}, {expected / 1e-6:.0f} times gradcheck's tolerance: rounding, not "
        "the backward, would decide a float32 check"
    )
