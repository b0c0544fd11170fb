"""Pooling and upsampling ops (aelearn.autograd.pooling, upsampling): forward values against
plain loops, PyTorch's output sizes, and the backward against finite differences in float64.
The ops take checked pairs (kernel_size, stride, padding; scale_factor); the layers of
aelearn.nn check them (test_conv_layers.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aelearn import Tensor, gradcheck
from aelearn.autograd.pooling import AvgPool2dOp, MaxPool2dOp
from aelearn.autograd.upsampling import UpsampleNearest2dOp


def pool_loops(x, kernel, stride, padding, reduce, fill):
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=fill)
    ho = (xp.shape[2] - kernel[0]) // stride[0] + 1
    wo = (xp.shape[3] - kernel[1]) // stride[1] + 1
    out = np.empty((*x.shape[:2], ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride[0] :, j * stride[1] :][:, :, : kernel[0], : kernel[1]]
            out[:, :, i, j] = reduce(window, axis=(2, 3))
    return out


# (shape, kernel, stride, padding): tiling, overlapping (stride < kernel), gaps (stride >
# kernel), a remainder that no window reaches, padding, unequal pairs.
POOL_CASES = [
    ((2, 3, 6, 6), (2, 2), (2, 2), (0, 0)),
    ((1, 2, 7, 6), (3, 3), (1, 1), (1, 1)),
    ((2, 1, 7, 8), (2, 2), (3, 3), (0, 0)),
    ((1, 2, 7, 5), (3, 2), (2, 1), (1, 0)),
]
POOLS = {
    "max": (MaxPool2dOp, np.max, -np.inf),
    "avg": (AvgPool2dOp, np.mean, 0.0),
}


def apply_pool(op, x, kernel, stride, padding=(0, 0)):
    return op.apply(x, kernel_size=kernel, stride=stride, padding=padding)


def distinct(shape, seed):
    """Values at least 0.01 apart, so that no window holds a tie a finite difference would
    straddle (the maximum would jump from one element to the other)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.uniform(0, 1e-3)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pooling_matches_plain_loops_and_its_backward_finite_differences(case, pool):
    shape, kernel, stride, padding = case
    op, reduce, fill = POOLS[pool]
    x = Tensor(distinct(shape, 0), requires_grad=True)
    out = apply_pool(op, x, kernel, stride, padding)
    np.testing.assert_allclose(out.data, pool_loops(x.data, *case[1:], reduce, fill), rtol=1e-12)
    gradcheck(lambda x: apply_pool(op, x, kernel, stride, padding), [x], raise_on_failure=True)


def test_max_pool_routes_each_gradient_to_the_maximum_of_its_window_alone():
    x = Tensor(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), requires_grad=True)
    apply_pool(MaxPool2dOp, x, (2, 2), (2, 2)).backward(np.array([[[[7.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[0.0, 7.0], [0.0, 0.0]]]])


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    size=st.tuples(st.integers(2, 7), st.integers(2, 7)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
def test_max_pool_gradients_over_random_geometries(size, kernel, stride):
    kernel = tuple(min(k, s) for k, s in zip(kernel, size, strict=True))
    x = Tensor(distinct((2, 2, *size), 1), requires_grad=True)
    out = apply_pool(MaxPool2dOp, x, kernel, stride)
    assert out.shape[2:] == tuple((size[i] - kernel[i]) // stride[i] + 1 for i in (0, 1))
    gradcheck(lambda x: apply_pool(MaxPool2dOp, x, kernel, stride), [x], raise_on_failure=True)


@pytest.mark.parametrize("scale", [(2, 2), (1, 3), (3, 2), (1, 1)])
def test_upsampling_repeats_every_pixel_and_sums_the_gradient_of_its_block(scale):
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3, 3, 4)), requires_grad=True)
    sh, sw = scale
    out = UpsampleNearest2dOp.apply(x, scale_factor=scale)
    np.testing.assert_array_equal(out.data, x.data.repeat(sh, axis=2).repeat(sw, axis=3))
    gradcheck(
        lambda x: UpsampleNearest2dOp.apply(x, scale_factor=scale), [x], raise_on_failure=True
    )


def test_pooling_and_upsampling_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    pairs = [(MaxPool2dOp, F.max_pool2d), (AvgPool2dOp, F.avg_pool2d)]
    for shape, kernel, stride, padding in POOL_CASES:
        for ours_op, torch_op in pairs:
            x = Tensor(distinct(shape, 2), requires_grad=True)
            out = apply_pool(ours_op, x, kernel, stride, padding)
            g = rng.standard_normal(out.shape)
            out.backward(g)
            tx = torch.tensor(x.data, requires_grad=True)
            ref = torch_op(tx, kernel, stride, padding)
            ref.backward(torch.tensor(g))
            np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
            np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    x = Tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    out = UpsampleNearest2dOp.apply(x, scale_factor=(2, 3))
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tx = torch.tensor(x.data, requires_grad=True)
    ref = F.interpolate(tx, scale_factor=(2, 3), mode="nearest")
    ref.backward(torch.tensor(g))
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
