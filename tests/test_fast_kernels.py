"""The fast convolution kernels (``aelearn.fast``) against the reference ops, and the switch.

``FastConv2dOp`` and ``FastConvTranspose2dOp`` must compute what ``Conv2dOp`` and
``ConvTranspose2dOp`` compute: hypothesis draws batch sizes, channel counts, image sizes,
kernels, strides, paddings (on each side apart for the convolution) and output paddings, with
and without a bias, and with and without an input gradient, and both paths must give the same
output and every gradient, to 1e-12 of the largest entry in float64 and 1e-5 in float32 (the
kernels sum in another order, so not bit for bit). Both paths also pass gradcheck, as do the
reference pooling and upsampling ops (they have no fast twin).

The switch: ``image_op`` gives the fast twin by default and the reference op inside
``use_fast_kernels(False)``, which restores the setting on exit (after an exception too) and
belongs to the thread that makes it; the convolution layers give the same outputs and
gradients either way.
"""

import threading

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aelearn import Tensor, gradcheck, nn, use_fast_kernels
from aelearn.autograd import fast_kernels_enabled, image_op
from aelearn.autograd.convolution import Conv2dOp
from aelearn.autograd.kernels import FAST_TWINS, FastConv2dOp, FastConvTranspose2dOp
from aelearn.autograd.pooling import AvgPool2dOp, MaxPool2dOp
from aelearn.autograd.transposed_convolution import ConvTranspose2dOp
from aelearn.autograd.upsampling import UpsampleNearest2dOp

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
EXAMPLES = settings(max_examples=80, deadline=None, derandomize=True)


def assert_close(fast, reference, dtype, what):
    """Equal to ``TOLERANCE[dtype]`` relative to the largest entry of ``reference``: the same
    sums in another order differ by rounding, which scales with the sums, not each entry."""
    assert fast.shape == reference.shape, what
    assert fast.dtype == reference.dtype == dtype, what
    scale = max(1.0, float(np.abs(reference).max(initial=0.0)))
    np.testing.assert_allclose(fast, reference, rtol=0, atol=TOLERANCE[dtype] * scale, err_msg=what)


def forward_and_backward(op, arrays, requires_grad, upstream_seed, **settings):
    """Apply ``op`` to fresh tensors of ``arrays``, backward a random upstream gradient
    (drawn from ``upstream_seed``); the output and each input's gradient."""
    tensors = [Tensor(a, requires_grad=r) for a, r in zip(arrays, requires_grad, strict=True)]
    out = op.apply(*tensors, **settings)
    upstream = np.random.default_rng(upstream_seed).standard_normal(out.shape)
    out.backward(upstream.astype(out.dtype))
    return out.data, [t.grad for t in tensors]


def assert_paths_agree(reference, arrays, requires_grad, dtype, **settings):
    """The reference op and its fast twin (``image_op`` under ``use_fast_kernels(True)``):
    the same output and the same gradients, None where no gradient was asked for."""
    with use_fast_kernels(True):
        fast = image_op(reference)
    assert fast is FAST_TWINS[reference] and fast is not reference
    ref_out, ref_grads = forward_and_backward(reference, arrays, requires_grad, 7, **settings)
    fast_out, fast_grads = forward_and_backward(fast, arrays, requires_grad, 7, **settings)
    assert_close(fast_out, ref_out, dtype, "output")
    for name, f, r, needed in zip("xWb", fast_grads, ref_grads, requires_grad, strict=False):
        if not needed:
            assert f is None and r is None, name
        else:
            assert_close(f, r, dtype, f"dL/d{name}")


# ----- the convolution: fast and reference agree --------------------------------------------
@st.composite
def conv2d_cases(draw):
    """Arrays and settings of a convolution: padding on each side apart, up to past the
    kernel (windows wholly in the padding); strides above the kernel; remainders."""
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    top, bottom, left, right = (draw(st.integers(0, 3)) for _ in range(4))
    h = draw(st.integers(max(1, kh - top - bottom), 9))
    w = draw(st.integers(max(1, kw - left - right), 9))
    bias, x_grad = draw(st.booleans()), draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    arrays = [rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, kh, kw))]
    arrays += [rng.standard_normal(o)] if bias else []
    settings = {"stride": stride, "padding": (top, bottom, left, right)}
    return arrays, [x_grad, True, True][: len(arrays)], settings


@DTYPES
@EXAMPLES
@given(case=conv2d_cases())
def test_fast_conv2d_gives_the_reference_output_and_gradients(dtype, case):
    arrays, requires_grad, settings = case
    arrays = [a.astype(dtype) for a in arrays]
    assert_paths_agree(Conv2dOp, arrays, requires_grad, dtype, **settings)


@st.composite
def conv_transpose2d_cases(draw):
    """Arrays and settings of a transposed convolution, its output at least one pixel."""
    n, c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    output_padding = tuple(draw(st.integers(0, s - 1)) for s in stride)
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    size = [
        (n_ - 1) * s - 2 * p + k + op
        for n_, s, p, k, op in zip((h, w), stride, padding, (kh, kw), output_padding, strict=True)
    ]
    assume(min(size) >= 1)
    bias, x_grad = draw(st.booleans()), draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    arrays = [rng.standard_normal((n, c_in, h, w)), rng.standard_normal((c_in, c_out, kh, kw))]
    arrays += [rng.standard_normal(c_out)] if bias else []
    settings = {"stride": stride, "padding": padding, "output_padding": output_padding}
    return arrays, [x_grad, True, True][: len(arrays)], settings


@DTYPES
@EXAMPLES
@given(case=conv_transpose2d_cases())
def test_fast_conv_transpose2d_gives_the_reference_output_and_gradients(dtype, case):
    arrays, requires_grad, settings = case
    arrays = [a.astype(dtype) for a in arrays]
    assert_paths_agree(ConvTranspose2dOp, arrays, requires_grad, dtype, **settings)


@DTYPES
def test_a_chain_of_fast_ops_agrees_with_the_chain_of_reference_ops(dtype):
    # The fast ops hand each other channels-last memory; the reference ops NCHW arrays.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 9, 8)).astype(dtype)
    W1 = rng.standard_normal((4, 2, 3, 3)).astype(dtype)
    W2 = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    b2 = rng.standard_normal(3).astype(dtype)

    def run(fast):
        tensors = [Tensor(a, requires_grad=True) for a in (x, W1, W2, b2)]
        with use_fast_kernels(fast):
            h = image_op(Conv2dOp).apply(*tensors[:2], stride=(2, 2), padding=(1, 1, 1, 1))
            out = image_op(ConvTranspose2dOp).apply(
                h.tanh(), *tensors[2:], stride=(2, 2), padding=(1, 1), output_padding=(0, 1)
            )
        (out * out).sum().backward()
        return out.data, [t.grad for t in tensors]

    (fast_out, fast_grads), (ref_out, ref_grads) = run(True), run(False)
    assert fast_out.shape == (3, 3, 9, 8)
    assert_close(fast_out, ref_out, dtype, "output")
    for name, f, r in zip(("x", "W1", "W2", "b2"), fast_grads, ref_grads, strict=True):
        assert_close(f, r, dtype, f"dL/d{name}")


# ----- gradient checks of both paths ---------------------------------------------------------
CONV_SETTINGS = [
    ((2, 3, 6, 5), (4, 3, 3, 3), {"stride": (1, 1), "padding": (1, 1, 1, 1)}),
    ((1, 2, 7, 7), (3, 2, 2, 3), {"stride": (2, 3), "padding": (0, 2, 1, 0)}),
    ((2, 1, 5, 6), (2, 1, 2, 2), {"stride": (3, 3), "padding": (0, 0, 0, 0)}),
]
TRANSPOSE_SETTINGS = [
    ((2, 3, 3, 4), (3, 2, 3, 3), {"stride": (2, 2), "padding": (1, 1), "output_padding": (1, 1)}),
    ((1, 2, 2, 3), (2, 3, 2, 3), {"stride": (3, 2), "padding": (0, 1), "output_padding": (2, 0)}),
    ((2, 2, 3, 3), (2, 2, 3, 2), {"stride": (1, 1), "padding": (0, 0), "output_padding": (0, 0)}),
]


@pytest.mark.parametrize("op", [Conv2dOp, FastConv2dOp], ids=["reference", "fast"])
@pytest.mark.parametrize(("x_shape", "W_shape", "settings"), CONV_SETTINGS, ids=str)
def test_both_conv2d_paths_pass_gradcheck(op, x_shape, W_shape, settings):
    rng = np.random.default_rng(1)
    x, W = Tensor(rng.standard_normal(x_shape), True), Tensor(rng.standard_normal(W_shape), True)
    b = Tensor(rng.standard_normal(W_shape[0]), True)
    gradcheck(lambda *t: op.apply(*t, **settings), [x, W, b], raise_on_failure=True)
    gradcheck(lambda *t: op.apply(*t, **settings), [x, W], raise_on_failure=True)


@pytest.mark.parametrize(
    "op", [ConvTranspose2dOp, FastConvTranspose2dOp], ids=["reference", "fast"]
)
@pytest.mark.parametrize(("x_shape", "W_shape", "settings"), TRANSPOSE_SETTINGS, ids=str)
def test_both_conv_transpose2d_paths_pass_gradcheck(op, x_shape, W_shape, settings):
    rng = np.random.default_rng(2)
    x, W = Tensor(rng.standard_normal(x_shape), True), Tensor(rng.standard_normal(W_shape), True)
    b = Tensor(rng.standard_normal(W_shape[1]), True)
    gradcheck(lambda *t: op.apply(*t, **settings), [x, W, b], raise_on_failure=True)
    gradcheck(lambda *t: op.apply(*t, **settings), [x, W], raise_on_failure=True)


def distinct(shape, seed):
    """Values at least 0.01 apart: no window holds a tie that a finite difference would
    straddle (the maximum jumping from one pixel to another)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.uniform(0, 1e-3)


# The reference pooling and upsampling ops (no fast twins): tiling, overlapping and gapped
# windows, padding, unequal pairs, a remainder no window reaches.
POOL_SETTINGS = [
    (MaxPool2dOp, (2, 2, 6, 6), {"kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0)}),
    (MaxPool2dOp, (1, 2, 7, 6), {"kernel_size": (3, 3), "stride": (1, 1), "padding": (1, 1)}),
    (MaxPool2dOp, (2, 1, 7, 8), {"kernel_size": (2, 3), "stride": (3, 2), "padding": (1, 0)}),
    (AvgPool2dOp, (2, 2, 6, 6), {"kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0)}),
    (AvgPool2dOp, (1, 2, 7, 5), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
    (AvgPool2dOp, (2, 1, 8, 7), {"kernel_size": (2, 2), "stride": (3, 3), "padding": (0, 0)}),
    (UpsampleNearest2dOp, (2, 3, 3, 4), {"scale_factor": (2, 2)}),
    (UpsampleNearest2dOp, (1, 2, 2, 3), {"scale_factor": (1, 3)}),
    (UpsampleNearest2dOp, (2, 1, 3, 2), {"scale_factor": (3, 2)}),
]


@pytest.mark.parametrize(
    ("op", "shape", "settings"), POOL_SETTINGS, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_the_reference_pooling_and_upsampling_ops_pass_gradcheck(op, shape, settings):
    x = Tensor(distinct(shape, 3), requires_grad=True)
    gradcheck(lambda x: op.apply(x, **settings), [x], raise_on_failure=True)


# ----- the switch ---------------------------------------------------------------------------
def test_the_fast_kernels_are_the_default_and_twin_only_the_two_convolutions():
    assert fast_kernels_enabled()
    assert FAST_TWINS == {Conv2dOp: FastConv2dOp, ConvTranspose2dOp: FastConvTranspose2dOp}
    assert image_op(Conv2dOp) is FastConv2dOp
    assert image_op(ConvTranspose2dOp) is FastConvTranspose2dOp


def test_use_fast_kernels_false_gives_the_reference_ops_and_restores_the_setting():
    with use_fast_kernels(False):
        assert not fast_kernels_enabled()
        assert image_op(Conv2dOp) is Conv2dOp
        assert image_op(ConvTranspose2dOp) is ConvTranspose2dOp
        with use_fast_kernels():  # nested: on again, then back to off
            assert image_op(Conv2dOp) is FastConv2dOp
        assert image_op(Conv2dOp) is Conv2dOp
    assert fast_kernels_enabled()
    assert image_op(Conv2dOp) is FastConv2dOp


def test_use_fast_kernels_restores_the_setting_after_an_exception():
    with pytest.raises(RuntimeError, match="inside"), use_fast_kernels(False):
        raise RuntimeError("inside")
    assert fast_kernels_enabled()
    with use_fast_kernels(False):
        with pytest.raises(ValueError), use_fast_kernels(True):
            raise ValueError
        assert not fast_kernels_enabled()


def test_the_setting_belongs_to_the_thread_that_makes_it():
    inside, done, seen = threading.Event(), threading.Event(), {}

    def reference_run():
        with use_fast_kernels(False):
            seen["in the thread"] = image_op(Conv2dOp)
            inside.set()
            done.wait(timeout=10)

    thread = threading.Thread(target=reference_run)
    thread.start()
    try:
        assert inside.wait(timeout=10)
        # The other thread is inside use_fast_kernels(False): this one still runs fast.
        assert fast_kernels_enabled()
        assert image_op(Conv2dOp) is FastConv2dOp
    finally:
        done.set()
        thread.join(timeout=10)
    assert seen["in the thread"] is Conv2dOp


def test_a_new_thread_starts_with_the_fast_kernels_whatever_its_parent_chose():
    seen = {}

    def record():
        seen["enabled"], seen["op"] = fast_kernels_enabled(), image_op(ConvTranspose2dOp)

    with use_fast_kernels(False):
        thread = threading.Thread(target=record)
        thread.start()
        thread.join(timeout=10)
        assert not fast_kernels_enabled()
    assert seen == {"enabled": True, "op": FastConvTranspose2dOp}


# ----- the layers under both settings -------------------------------------------------------
LAYERS = [
    lambda dtype: nn.Conv2d(3, 4, 3, stride=2, padding=1, rng=0, dtype=dtype),
    lambda dtype: nn.Conv2d(3, 4, (2, 3), padding="same", rng=1, dtype=dtype),
    lambda dtype: nn.Conv2d(3, 2, 4, padding="same", bias=False, rng=2, dtype=dtype),
    lambda dtype: nn.Conv2d(3, 4, 3, (1, 2), padding="valid", rng=3, dtype=dtype),
    lambda dtype: nn.Conv2d(3, 4, 2, 3, (2, 0), rng=4, dtype=dtype),
    lambda dtype: nn.ConvTranspose2d(3, 4, 3, 2, 1, 1, rng=5, dtype=dtype),
    lambda dtype: nn.ConvTranspose2d(3, 2, (2, 4), (3, 2), (0, 1), (2, 1), rng=6, dtype=dtype),
    lambda dtype: nn.ConvTranspose2d(3, 4, 3, bias=False, rng=7, dtype=dtype),
]


@DTYPES
@pytest.mark.parametrize("make", LAYERS, ids=lambda make: repr(make(np.float64)))
def test_conv_layers_give_the_same_outputs_and_gradients_under_both_settings(make, dtype):
    layer = make(dtype)
    reference = ConvTranspose2dOp if isinstance(layer, nn.ConvTranspose2d) else Conv2dOp
    rng = np.random.default_rng(8)
    for p in layer.parameters():  # a bias of zeros would hide a bias added twice or not at all
        p.data[...] = rng.standard_normal(p.shape)
    x_data = rng.standard_normal((2, 3, 7, 6)).astype(dtype)
    results = {}
    for fast in (True, False):
        layer.zero_grad()
        x = Tensor(x_data, requires_grad=True)
        with use_fast_kernels(fast):
            out = layer(x)
        assert type(out.op) is (FAST_TWINS[reference] if fast else reference)
        (out * out).sum().backward()  # the gradient arrives after the switch is left
        results[fast] = (out.data, x.grad, {n: p.grad for n, p in layer.named_parameters()})
    (fast_out, fast_dx, fast_grads), (ref_out, ref_dx, ref_grads) = results[True], results[False]
    assert fast_out.shape == (2, *layer.output_shape((3, 7, 6)))
    assert_close(fast_out, ref_out, dtype, "output")
    assert_close(fast_dx, ref_dx, dtype, "dL/dx")
    assert list(fast_grads) == list(ref_grads) == [n for n, _ in layer.named_parameters()]
    for name in fast_grads:
        assert_close(fast_grads[name], ref_grads[name], dtype, f"dL/d{name}")
