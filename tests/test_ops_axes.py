"""The ops that take axes or indices, over random shapes and random axis arguments.

hypothesis draws a shape of one to four axes, then axis arguments as NumPy accepts them:
an int or a tuple of distinct axes, each either counted from the front or from the end
(negative), and fancy indices that pick positions several times. Each case checks the
forward against NumPy and the backward against central finite differences in float64.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aelearn import Tensor, concatenate, gradcheck

CHECKS = settings(max_examples=25, deadline=None, derandomize=True)


@st.composite
def arrays(draw, min_ndim=1):
    """A float64 array of a random shape (one to four axes of length 1 to 4)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=min_ndim, max_size=4)))
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).standard_normal(shape)


def spelled(draw, axis, ndim):
    """``axis`` (in [0, ndim)) as itself or as its negative spelling, axis - ndim."""
    return axis - ndim if draw(st.booleans()) else axis


@st.composite
def array_and_axes(draw):
    """An array, and an axis argument for it: None, an int, or a tuple of distinct axes."""
    x = draw(arrays())
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return x, None
    if kind == "int":
        return x, spelled(draw, draw(st.integers(0, x.ndim - 1)), x.ndim)
    chosen = draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
    return x, tuple(spelled(draw, a, x.ndim) for a in chosen)


def check(fn, x, expected):
    """fn's forward equals ``expected`` and its backward passes gradcheck at x."""
    out = fn(Tensor(x))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    gradcheck(fn, [Tensor(x, requires_grad=True)], raise_on_failure=True)


@given(case=array_and_axes(), keepdims=st.booleans())
@CHECKS
def test_sum_over_any_axes(case, keepdims):
    x, axis = case
    check(lambda t: t.sum(axis=axis, keepdims=keepdims), x, x.sum(axis=axis, keepdims=keepdims))


@given(case=array_and_axes(), keepdims=st.booleans())
@CHECKS
def test_mean_over_any_axes(case, keepdims):
    x, axis = case
    check(lambda t: t.mean(axis=axis, keepdims=keepdims), x, x.mean(axis=axis, keepdims=keepdims))


@given(x=arrays(), data=st.data())
@CHECKS
def test_log_softmax_along_any_axis(x, data):
    axis = spelled(data.draw, data.draw(st.integers(0, x.ndim - 1)), x.ndim)
    shifted = x - x.max(axis=axis, keepdims=True)
    expected = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    check(lambda t: t.log_softmax(axis=axis), x, expected)


@given(x=arrays(), data=st.data())
@CHECKS
def test_transpose_by_any_permutation(x, data):
    order = data.draw(st.permutations(range(x.ndim)))
    axes = tuple(spelled(data.draw, a, x.ndim) for a in order)
    check(lambda t: t.transpose(axes), x, np.transpose(x, axes))


@given(x=arrays(), data=st.data())
@CHECKS
def test_concatenate_along_any_axis(x, data):
    axis = spelled(data.draw, data.draw(st.integers(0, x.ndim - 1)), x.ndim)
    other = np.random.default_rng(1).standard_normal(x.shape)
    check(
        lambda t: concatenate([t, Tensor(other)], axis=axis) * 2.0,
        x,
        np.concatenate([x, other], axis=axis) * 2.0,
    )


@st.composite
def fancy_indices(draw):
    """An array of two or more axes, and a fancy index into it that repeats positions: an
    integer array along the first axis, a pair of arrays, or an array beside a slice."""
    x = draw(arrays(min_ndim=2))
    rows, cols = x.shape[0], x.shape[1]
    picks = st.lists(st.integers(-rows, rows - 1), min_size=1, max_size=8)
    first = np.array(draw(picks))
    kind = draw(st.sampled_from(["array", "pair", "array_and_slice"]))
    if kind == "array":
        return x, first
    if kind == "pair":
        second = np.array(draw(st.lists(st.integers(-cols, cols - 1), min_size=1, max_size=1)))
        return x, (first, np.resize(second, first.shape))
    return x, (slice(None), np.resize(first % cols, first.shape))


@given(case=fancy_indices())
@CHECKS
def test_fancy_index_with_repeats_sums_the_gradient(case):
    x, index = case
    check(lambda t: t[index] * 1.5, x, x[index] * 1.5)


def test_repeated_index_accumulates_rather_than_overwrites():
    """Picking row 0 three times sends three times the upstream gradient to it."""
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    x[np.array([0, 0, 0, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[3.0, 3.0, 3.0], [1.0, 1.0, 1.0]])
