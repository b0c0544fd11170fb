"""Every op of the autograd core against central finite differences, in float64.

One table lists the ops; each case builds its inputs from a seeded Generator, and
hypothesis varies the shapes (broadcasting included). A case passes when the hand-
written backward agrees with the numerical gradient to a relative error below 1e-6.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aelearn import Tensor, concatenate, gradcheck, reparameterize
from aelearn.autograd import ops
from aelearn.autograd.activations import stable_sigmoid


def away_from_zero(x):
    """Shift values away from 0, where ReLU-like ops have a kink finite differences straddle."""
    return np.sign(x) * (0.1 + np.abs(x)) + (x == 0) * 0.1


def positive(x):
    return 0.5 + np.abs(x)


# name -> (function of tensors, list of (shape -> array) builders); shapes come from a test.
UNARY = {
    "neg": (lambda x: -x, None),
    "pow_2": (lambda x: x**2, None),
    "pow_-1.5": (lambda x: x**-1.5, positive),
    "exp": (lambda x: x.exp(), None),
    "log": (lambda x: x.log(), positive),
    "relu": (lambda x: x.relu(), away_from_zero),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), away_from_zero),
    "sigmoid": (lambda x: x.sigmoid(), None),
    "tanh": (lambda x: x.tanh(), None),
    "softplus": (lambda x: x.softplus(), None),
    "log_softmax": (lambda x: x.log_softmax(axis=-1), None),
    "log_softmax_axis0": (lambda x: x.log_softmax(axis=0), None),
    "sum_all": (lambda x: x.sum(), None),
    "sum_axis0": (lambda x: x.sum(axis=0), None),
    "sum_axis1_keepdims": (lambda x: x.sum(axis=1, keepdims=True), None),
    "mean_all": (lambda x: x.mean(), None),
    "mean_axis1": (lambda x: x.mean(axis=1), None),
    "mean_axes01_keepdims": (lambda x: x.mean(axis=(0, 1), keepdims=True), None),
    "reshape": (lambda x: x.reshape(-1), None),
    "transpose": (lambda x: x.T, None),
    "getitem_slice": (lambda x: x[1:, ::2], None),
    "getitem_int_row": (lambda x: x[0], None),
    "getitem_fancy_repeated": (lambda x: x[[0, 1, 0, 0]], None),
    "getitem_mask": (lambda x: x[x.data > 0], None),
    "slices_then_mul": (lambda x: x[:1] * x[1:2], None),
    "used_twice": (lambda x: x * x.sigmoid() + x, None),
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "concatenate_axis0": lambda a, b: concatenate([a, b], axis=0),
}

BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (1, 4))]


def draw(rng, shape):
    return Tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(rows=st.integers(2, 4), cols=st.integers(1, 5), seed=st.integers(0, 2**16))
@settings(max_examples=8, deadline=None, derandomize=True)
def test_unary_op_gradient_matches_finite_differences(name, rows, cols, seed):
    fn, shape_values = UNARY[name]
    x = np.random.default_rng(seed).standard_normal((rows, cols))
    x = Tensor(shape_values(x) if shape_values else x, requires_grad=True)
    gradcheck(fn, [x], raise_on_failure=True)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_op_gradient_matches_finite_differences_with_broadcasting(name, shapes):
    a_shape, b_shape = shapes
    if name.startswith("concatenate"):
        b_shape = (2, *a_shape[1:])  # joined along axis 0: the other axes must agree
    rng = np.random.default_rng(0)
    a, b = draw(rng, a_shape), draw(rng, b_shape)
    gradcheck(BINARY[name], [a, b], raise_on_failure=True)


@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 99))
@settings(max_examples=10, deadline=None, derandomize=True)
def test_matmul_and_affine_gradients(n, k, m, seed):
    rng = np.random.default_rng(seed)
    x, W, b = draw(rng, (n, k)), draw(rng, (k, m)), draw(rng, (m,))
    gradcheck(lambda x, W: x @ W, [x, W], raise_on_failure=True)
    gradcheck(lambda x, W, b: ops.Affine.apply(x, W, b), [x, W, b], raise_on_failure=True)


def test_batched_matmul_gradient_reduces_broadcast_batch():
    rng = np.random.default_rng(1)
    a, b = draw(rng, (2, 3, 4)), draw(rng, (4, 5))
    gradcheck(lambda a, b: a @ b, [a, b], raise_on_failure=True)


def test_gradients_of_slices_of_one_tensor_meet_in_the_source():
    rng = np.random.default_rng(2)
    x = draw(rng, (3, 6))

    def fn(x):
        mu, logvar = x[:, :3], x[:, 3:]
        return mu * logvar.exp()

    gradcheck(fn, [x], raise_on_failure=True)


def test_reparameterize_gradient_with_eps_held_fixed():
    rng = np.random.default_rng(3)
    mu, logvar = draw(rng, (4, 3)), draw(rng, (4, 3))
    eps = rng.standard_normal((4, 3))
    report = gradcheck(lambda m, lv: reparameterize(m, lv, eps=eps), [mu, logvar])
    assert report.passed, str(report)


def test_reparameterize_needs_a_generator_or_eps():
    mu = logvar = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="numpy.random.Generator.*got neither"):
        reparameterize(mu, logvar)


@pytest.mark.parametrize("eps_shape", [(3, 2), (2,), (2, 3, 1)])
def test_reparameterize_refuses_eps_of_another_shape_than_mu(eps_shape):
    mu = logvar = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"eps has shape .*expected \(2, 3\), the shape of mu"):
        reparameterize(mu, logvar, eps=np.zeros(eps_shape))


def test_reparameterize_with_given_eps_draws_nothing_and_uses_it():
    mu = Tensor(np.full((2, 3), 1.0), requires_grad=True)
    logvar = Tensor(np.zeros((2, 3)), requires_grad=True)  # sigma = 1
    eps = np.arange(6.0).reshape(2, 3)
    z = reparameterize(mu, logvar, eps=eps)
    np.testing.assert_array_equal(z.data, 1.0 + eps)
    np.testing.assert_array_equal(z.op.eps, eps)


def test_stable_activations_do_not_overflow():
    x = Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    np.testing.assert_allclose(x.sigmoid().data, [0.0, np.exp(-50.0), 0.5, 1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(x.softplus().data, [0.0, np.exp(-50.0), np.log(2), 50.0, 1000.0])
    log_probs = Tensor(np.array([[1000.0, 0.0, -1000.0]])).log_softmax()
    np.testing.assert_allclose(log_probs.data, [[0.0, -1000.0, -2000.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_sigmoid_is_the_two_branch_formula_everywhere(dtype):
    # The select of the numerator by a maximum must give exactly the textbook branches,
    # including the far tails, the signed zeros and NaN.
    x = np.concatenate([np.linspace(-120, 120, 20001), [-0.0, 0.0, np.nan]]).astype(dtype)
    e = np.exp(-np.abs(x))
    with np.errstate(invalid="ignore"):
        expected = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(dtype)
    out = stable_sigmoid(x)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, expected)
    assert 0.0 < out[0] < 1e-50 if dtype == np.float64 else out[0] == 0.0


def test_float32_stays_float32_through_ops_and_gradients():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = ((x * 2.0 + 1.0).sigmoid() @ np.ones((3, 1))).log_softmax(axis=0).sum()
    y.backward()
    assert y.dtype == np.float32
    assert x.grad.dtype == np.float32


def test_log_of_zero_is_minus_infinity_with_numpys_warning():
    # The op checks nothing in its forward: log(0) is NumPy's -inf and its warning.
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        out = Tensor(np.array([0.0, 1.0])).log()
    np.testing.assert_array_equal(out.data, [-np.inf, 0.0])


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 3, 3)])
@pytest.mark.parametrize("axes", [(-1, 0, 1), (2, -3, -2), (-1, -2, -3)])
def test_transpose_with_negative_axes_has_the_gradient_of_numpy_transpose(shape, axes):
    x = Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    gradcheck(lambda x: x.transpose(axes), [x], raise_on_failure=True)
    np.testing.assert_array_equal(x.transpose(axes).data, np.transpose(x.data, axes))


def test_the_zeroth_power_has_gradient_zero_even_at_zero():
    x = Tensor(np.array([0.0, 2.0, -1.5]), requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(3))
