"""The reference convolution ops (aelearn.autograd.convolution, transposed_convolution): forward
values against plain loops written here, output sizes against PyTorch's formulas, and every
backward against central finite differences in float64, over shapes, strides, paddings and
kernels (odd and even, a stride larger than the kernel, a padding that leaves a remainder,
padding on one side only). The ops take checked tuples: stride (sH, sW), a convolution's
padding (top, bottom, left, right), a transposed convolution's (pH, pW). Their fast twins are
held to them in test_fast_kernels.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aelearn import Tensor, gradcheck, use_fast_kernels
from aelearn.autograd import image_op
from aelearn.autograd.convolution import Conv2dOp
from aelearn.autograd.transposed_convolution import ConvTranspose2dOp


def conv2d_loops(x, W, b, stride, padding):
    """out[n, o, i, j] = b[o] + sum_{c,p,q} W[o, c, p, q] xp[n, c, i sH + p, j sW + q]."""
    top, bottom, left, right = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, c, hp, wp = xp.shape
    o, _, kh, kw = W.shape
    ho, wo = (hp - kh) // stride[0] + 1, (wp - kw) // stride[1] + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride[0] : i * stride[0] + kh, j * stride[1] : j * stride[1] + kw]
            out[:, :, i, j] = np.einsum("ncpq,ocpq->no", patch, W)
    return out if b is None else out + b[None, :, None, None]


def conv_transpose2d_loops(x, W, b, stride, padding, output_padding):
    """Every input pixel adds x[n, :, i, j] @ W as a patch at (i sH, j sW); crop the padding."""
    n, c_in, h, w = x.shape
    _, c_out, kh, kw = W.shape
    ho = (h - 1) * stride[0] - 2 * padding[0] + kh + output_padding[0]
    wo = (w - 1) * stride[1] - 2 * padding[1] + kw + output_padding[1]
    full = np.zeros((n, c_out, ho + 2 * padding[0], wo + 2 * padding[1]))
    for i in range(h):
        for j in range(w):
            patch = np.einsum("nc,copq->nopq", x[:, :, i, j], W)
            full[:, :, i * stride[0] : i * stride[0] + kh, j * stride[1] : j * stride[1] + kw] += (
                patch
            )
    out = full[:, :, padding[0] : padding[0] + ho, padding[1] : padding[1] + wo]
    return out if b is None else out + b[None, :, None, None]


# (batch, C, H, W, O, kernel, stride, padding (top, bottom, left, right)): odd and even
# kernels, a stride larger than the kernel (2 and 3), paddings that leave a remainder
# ((8 + 0 - 3) / 2, (7 + 2 - 2) / 3), PyTorch's "same" for an even kernel (one more row below
# than above), "valid", unequal pairs, and padding on some sides only.
CONV_CASES = [
    (2, 3, 7, 6, 4, (3, 3), (1, 1), (1, 1, 1, 1)),
    (1, 2, 8, 8, 3, (3, 3), (2, 2), (0, 0, 0, 0)),
    (3, 1, 7, 9, 2, (2, 2), (3, 3), (1, 1, 1, 1)),
    (2, 2, 6, 5, 2, (4, 4), (1, 1), (1, 2, 1, 2)),
    (1, 3, 5, 6, 2, (3, 3), (1, 1), (0, 0, 0, 0)),
    (2, 2, 9, 7, 3, (3, 2), (2, 1), (1, 1, 0, 0)),
    (1, 4, 6, 6, 5, (1, 1), (2, 2), (0, 0, 0, 0)),
    (2, 2, 6, 7, 3, (3, 3), (2, 1), (0, 2, 3, 1)),
]


def conv_inputs(case, seed=0, bias=True):
    n, c, h, w, o, (kh, kw) = case[:6]
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((n, c, h, w)), requires_grad=True, name="x")
    W = Tensor(rng.standard_normal((o, c, kh, kw)), requires_grad=True, name="W")
    b = Tensor(rng.standard_normal(o), requires_grad=True, name="b") if bias else None
    return x, W, b


def conv(x, W, b, stride, padding, op=Conv2dOp):
    """The op applied as a layer applies it: the bias left out when there is none."""
    inputs = (x, W) if b is None else (x, W, b)
    return op.apply(*inputs, stride=stride, padding=padding)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_matches_plain_loops_and_pytorchs_output_size(case, bias):
    x, W, b = conv_inputs(case, bias=bias)
    stride, padding = case[6], case[7]
    out = conv(x, W, b, stride, padding)
    expected = conv2d_loops(x.data, W.data, None if b is None else b.data, stride, padding)
    kh, kw = W.shape[2:]
    size = (
        (x.shape[2] + padding[0] + padding[1] - kh) // stride[0] + 1,
        (x.shape[3] + padding[2] + padding[3] - kw) // stride[1] + 1,
    )
    assert out.shape == (x.shape[0], W.shape[0], *size)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_backward_matches_finite_differences(case, bias):
    x, W, b = conv_inputs(case, seed=1, bias=bias)
    inputs = [x, W] + ([b] if bias else [])
    gradcheck(
        lambda *t: conv(t[0], t[1], t[2] if bias else None, case[6], case[7]),
        inputs,
        raise_on_failure=True,
    )


# (batch, C_in, H, W, C_out, kernel, stride, padding, output_padding)
TRANSPOSE_CASES = [
    (2, 3, 4, 3, 2, (3, 3), (2, 2), (1, 1), (1, 1)),
    (1, 2, 3, 3, 3, (2, 2), (2, 2), (0, 0), (0, 0)),
    (2, 2, 3, 4, 2, (3, 3), (1, 1), (1, 1), (0, 0)),
    (1, 3, 2, 3, 2, (2, 2), (3, 3), (0, 0), (2, 2)),  # a stride above the kernel: gaps
    (2, 2, 3, 3, 3, (3, 4), (2, 3), (1, 2), (0, 1)),
]


def transpose_inputs(case, seed=0, bias=True):
    n, c_in, h, w, c_out, (kh, kw) = case[:6]
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((n, c_in, h, w)), requires_grad=True, name="x")
    W = Tensor(rng.standard_normal((c_in, c_out, kh, kw)), requires_grad=True, name="W")
    b = Tensor(rng.standard_normal(c_out), requires_grad=True, name="b") if bias else None
    return x, W, b


def conv_transpose(x, W, b, stride, padding, output_padding, op=ConvTranspose2dOp):
    inputs = (x, W) if b is None else (x, W, b)
    return op.apply(*inputs, stride=stride, padding=padding, output_padding=output_padding)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv_transpose2d_matches_plain_loops_and_pytorchs_output_size(case, bias):
    x, W, b = transpose_inputs(case, bias=bias)
    stride, padding, output_padding = case[6:]
    out = conv_transpose(x, W, b, *case[6:])
    expected = conv_transpose2d_loops(
        x.data, W.data, None if b is None else b.data, stride, padding, output_padding
    )
    size = tuple(
        (x.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + W.shape[2 + i] + output_padding[i]
        for i in (0, 1)
    )
    assert out.shape == (x.shape[0], W.shape[1], *size)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv_transpose2d_backward_matches_finite_differences(case, bias):
    x, W, b = transpose_inputs(case, seed=2, bias=bias)
    inputs = [x, W] + ([b] if bias else [])
    gradcheck(
        lambda *t: conv_transpose(t[0], t[1], t[2] if bias else None, *case[6:]),
        inputs,
        raise_on_failure=True,
    )


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    o=st.integers(1, 3),
    size=st.tuples(st.integers(3, 7), st.integers(3, 7)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    padding=st.tuples(*[st.integers(0, 2)] * 4),
)
def test_conv2d_gradients_over_random_geometries(n, c, o, size, kernel, stride, padding):
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((n, c, *size)), requires_grad=True)
    W = Tensor(rng.standard_normal((o, c, *kernel)), requires_grad=True)
    b = Tensor(rng.standard_normal(o), requires_grad=True)
    top, bottom, left, right = padding
    assert conv(x, W, b, stride, padding).shape[2:] == (
        (size[0] + top + bottom - kernel[0]) // stride[0] + 1,
        (size[1] + left + right - kernel[1]) // stride[1] + 1,
    )
    gradcheck(lambda x, W, b: conv(x, W, b, stride, padding), [x, W, b], raise_on_failure=True)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 1), st.integers(0, 1)),
    extra=st.tuples(st.integers(0, 2), st.integers(0, 2)),
)
def test_the_transposed_convolution_is_the_convolutions_input_gradient(
    size, kernel, stride, padding, extra
):
    """For out = conv2d(y, W), dL/dy with dL/d(out) = x is conv_transpose2d(x, W), whenever the
    sizes fit: y of size (H - 1) s - 2 p + k + output_padding maps back to H under the conv."""
    output_padding = tuple(e % s for e, s in zip(extra, stride, strict=True))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, *size))
    W = Tensor(rng.standard_normal((3, 2, *kernel)))
    hw = [
        (size[i] - 1) * stride[i] - 2 * padding[i] + kernel[i] + output_padding[i] for i in (0, 1)
    ]
    if min(hw) < 1:
        return
    y = Tensor(np.zeros((2, 2, *hw)), requires_grad=True)
    sides = (padding[0], padding[0], padding[1], padding[1])
    conv(y, W, None, stride, sides).backward(x)
    out = conv_transpose(Tensor(x), W, None, stride, padding, output_padding)
    np.testing.assert_allclose(out.data, y.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])
def test_float32_stays_float32_through_forward_and_backward(fast):
    rng = np.random.default_rng(0)
    x = Tensor(rng.random((2, 3, 6, 6), dtype=np.float32), requires_grad=True)
    W = Tensor(rng.random((4, 3, 3, 3), dtype=np.float32), requires_grad=True)
    b = Tensor(rng.random(4, dtype=np.float32), requires_grad=True)
    V = Tensor(rng.random((4, 3, 3, 3), dtype=np.float32), requires_grad=True)
    c = Tensor(rng.random(3, dtype=np.float32), requires_grad=True)
    with use_fast_kernels(fast):
        out = conv(x, W, b, (2, 2), (1, 1, 1, 1), op=image_op(Conv2dOp))
        up = conv_transpose(out, V, c, (2, 2), (1, 1), (1, 1), op=image_op(ConvTranspose2dOp))
    up.sum().backward()
    arrays = (out.data, up.data, x.grad, W.grad, b.grad, V.grad, c.grad)
    assert {a.dtype for a in arrays} == {np.dtype("float32")}


def test_the_convolution_computes_no_gradient_an_input_does_not_need():
    x, W, b = conv_inputs(CONV_CASES[0])
    x.requires_grad = False  # data, as a first layer's input is
    out = conv(x, W, b, (1, 1), (1, 1, 1, 1))
    assert out.op.needs_input_grad == (False, True, True)
    out.sum().backward()
    assert x.grad is None and W.grad is not None and b.grad is not None


def test_conv_ops_agree_with_pytorch_values_and_gradients():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)

    def assert_agree(out, ref, tensors, torch_tensors):
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
        for ours, theirs in zip(tensors, torch_tensors, strict=True):
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)

    for case in CONV_CASES:
        x, W, b = conv_inputs(case, seed=3)
        out = conv(x, W, b, case[6], case[7])
        g = rng.standard_normal(out.shape)
        out.backward(g)
        tx, tW, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, W, b))
        top, bottom, left, right = case[7]
        ref = F.conv2d(F.pad(tx, (left, right, top, bottom)), tW, tb, case[6])
        ref.backward(torch.tensor(g))
        assert_agree(out, ref, (x, W, b), (tx, tW, tb))
    for case in TRANSPOSE_CASES:
        x, W, b = transpose_inputs(case, seed=3)
        out = conv_transpose(x, W, b, *case[6:])
        g = rng.standard_normal(out.shape)
        out.backward(g)
        tx, tW, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, W, b))
        ref = F.conv_transpose2d(tx, tW, tb, *case[6:])
        ref.backward(torch.tensor(g))
        assert_agree(out, ref, (x, W, b), (tx, tW, tb))
