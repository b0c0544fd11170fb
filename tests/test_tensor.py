"""The Tensor and the backward pass: graph order, accumulation, freeing, no_grad, depth."""

import threading

import numpy as np
import pytest

from aelearn import Tensor, gradcheck, no_grad
from aelearn.autograd import Function, is_grad_enabled, ops, reparameterize


def test_backward_of_a_small_expression_matches_the_hand_derivation():
    a = Tensor(np.array(2.0), requires_grad=True)
    b = Tensor(np.array(-3.0), requires_grad=True)
    c = a * b + a  # dc/da = b + 1 = -2, dc/db = a = 2
    c.backward()
    assert a.grad == -2.0
    assert b.grad == 2.0


def test_graph_lists_each_node_once_before_its_inputs():
    x = Tensor(np.ones(3), requires_grad=True, name="x")
    h = x.exp()
    y = (h * h + h).sum()
    order = y.graph()
    assert order[0] is y
    assert len(order) == len({id(t) for t in order})
    position = {id(t): i for i, t in enumerate(order)}
    for node in order:
        for parent in node.op.inputs if node.op else ():
            assert position[id(node)] < position[id(parent)]


def test_tensor_used_twice_gets_the_sum_of_both_gradients():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3.0 + x * 4.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])


def test_broadcast_gradient_is_reduced_to_the_operand_shape():
    x = Tensor(np.ones((4, 3)), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.shape == (3,)
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])


def test_second_backward_with_retained_graph_accumulates_in_leaves():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    h = x * x  # an intermediate used by the loss, with a gradient of its own
    y = (h * 3.0).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_array_equal(first, 6.0 * x.data)
    np.testing.assert_array_equal(x.grad, 2 * first)
    # The intermediate holds this call's gradient, not a stale sum fed back into the graph.
    np.testing.assert_array_equal(h.grad, [3.0, 3.0])


def test_second_backward_through_a_freed_graph_raises_clearly():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_zero_grad_resets_accumulation():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 2.0).sum().backward()
    x.zero_grad()
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_deep_chain_of_ten_thousand_ops_needs_no_recursion():
    x = Tensor(np.array([0.5]), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**10_000], rtol=1e-9)


def test_no_grad_records_nothing_and_restores_the_mode():
    x = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        y = x * 2.0
    assert y.op is None and not y.requires_grad
    z = x * 2.0
    assert z.op is not None and z.requires_grad


def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    # The mode is thread-local: a thread inside no_grad (an evaluation running beside the
    # training loop) must not switch recording off for the main thread.
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def evaluate():
        with no_grad():
            seen["worker"] = is_grad_enabled()
            inside.set()
            done.wait(timeout=10)
        seen["worker after"] = is_grad_enabled()

    worker = threading.Thread(target=evaluate)
    worker.start()
    try:
        assert inside.wait(timeout=10)
        x = Tensor(np.ones(2), requires_grad=True)
        y = x * 2.0
        assert is_grad_enabled()
        assert y.op is not None and y.requires_grad
    finally:
        done.set()
        worker.join(timeout=10)
    assert seen == {"worker": False, "worker after": True}


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("inside")
    assert is_grad_enabled()


def test_detach_cuts_the_graph_but_shares_data():
    x = Tensor(np.ones(2), requires_grad=True)
    d = (x * 2.0).detach()
    assert d.op is None and not d.requires_grad
    y = (d * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_backward_needs_a_scalar_or_an_upstream_gradient():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        (x * 2.0).backward()
    (x * 2.0).backward(np.full((2, 2), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"expected \(2, 2\)"):
        (x * 2.0).backward(np.ones(3))


def test_backward_on_a_constant_raises():
    with pytest.raises(RuntimeError, match="requires grad"):
        Tensor(np.ones(1)).backward()


def test_object_dtype_is_refused_and_integers_become_float():
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.array(["a"], dtype=object))
    assert Tensor(np.arange(3)).dtype == np.float64


def test_reparameterize_backward_uses_the_stored_eps_not_a_fresh_draw():
    rng = np.random.default_rng(0)
    mu = Tensor(np.zeros((3, 2)), requires_grad=True)
    logvar = Tensor(np.log(np.full((3, 2), 4.0)), requires_grad=True)  # sigma = 2
    z = reparameterize(mu, logvar, rng=rng)
    eps = z.op.eps.copy()
    np.testing.assert_allclose(z.data, 2.0 * eps)  # sigma = exp(logvar / 2), not exp(logvar)
    rng.standard_normal(100)  # later draws from the same Generator must not matter
    z.sum().backward()
    np.testing.assert_allclose(logvar.grad, eps * 2.0 / 2.0)
    np.testing.assert_array_equal(mu.grad, np.ones((3, 2)))


def test_a_broken_backward_is_caught_by_gradcheck():
    class WrongSquare(Function):
        """out = x^2 with the factor 2 forgotten in the backward."""

        def forward(self, x):
            self.save_for_backward(x)
            return x * x

        def backward(self, grad):
            (x,) = self.saved
            return (grad * x,)

    x = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    report = gradcheck(lambda x: WrongSquare.apply(x), [x])
    assert not report.passed
    assert not report  # so that ``assert gradcheck(...)``, as a PyTorch user writes it, fails
    assert "FAIL" in str(report)
    with pytest.raises(AssertionError, match="gradient check failed"):
        report.raise_if_failed()


def test_gradcheck_names_where_a_wrong_gradient_differs_most():
    class OneWrongEntry(Function):
        """out = 2 x, with the backward wrong at index (1, 0) alone."""

        def forward(self, x):
            return 2.0 * x

        def backward(self, grad):
            dx = 2.0 * grad
            dx[1, 0] += 5.0
            return (dx,)

    x = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    (row,) = gradcheck(lambda x: OneWrongEntry.apply(x), [x]).rows
    assert row.worst_index == (1, 0)
    assert row.analytic_at - row.numeric_at == pytest.approx(5.0, abs=1e-6)


def test_gradcheck_refuses_float32():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda x: x * x, [x])


def test_backward_skips_gradients_no_input_needs():
    x = Tensor(np.ones((2, 3)))  # data, not a parameter
    W = Tensor(np.ones((3, 1)), requires_grad=True)
    y = ops.MatMul.apply(x, W)
    assert y.op.needs_input_grad == (False, True)
    y.sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(W.grad, [[2.0], [2.0], [2.0]])


def test_operands_of_different_dtypes_are_refused_rather_than_promoted():
    a = Tensor(np.ones(2, dtype=np.float32))
    b = Tensor(np.ones(2, dtype=np.float64))
    with pytest.raises(TypeError, match="share a dtype"):
        a + b
    assert (a + 1.0).dtype == np.float32  # Python numbers take the tensor's dtype


def test_a_tensor_made_from_a_tensor_wraps_its_data():
    a = Tensor(np.arange(3.0))
    assert np.shares_memory(Tensor(a).data, a.data)


def test_gradcheck_does_not_pass_a_small_but_wrong_gradient():
    class Tenth(Function):
        """out = x / 10, with a backward that forgets the 1/10."""

        def forward(self, x):
            return x / 10.0

        def backward(self, grad):
            return (grad,)

    x = Tensor(np.random.default_rng(0).standard_normal(4) * 1e-3, requires_grad=True)
    assert not gradcheck(lambda x: Tenth.apply(x), [x]).passed


def test_leaves_that_receive_the_same_array_get_gradients_of_their_own():
    # Add's backward hands one array to both inputs; each leaf must own its gradient, so
    # that changing one in place (clipping, a second backward) leaves the other alone.
    a, b = (Tensor(np.ones(3), requires_grad=True) for _ in range(2))
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad *= 10.0
    np.testing.assert_array_equal(b.grad, np.ones(3))
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full(3, 11.0))
    np.testing.assert_array_equal(b.grad, np.full(3, 2.0))


def test_a_leaf_gradient_is_writable_even_when_the_op_returned_a_broadcast_view():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    x.sum().backward()  # Sum's backward is a read-only broadcast of one number
    x.grad[0, 0] = 5.0
    np.testing.assert_array_equal(x.grad, [[5.0, 1, 1], [1, 1, 1]])


def test_an_upstream_gradient_the_caller_passes_is_never_changed():
    x = Tensor(np.ones(3), requires_grad=True)
    upstream = np.full(3, 2.0)
    x.backward(upstream)
    x.backward(upstream)  # accumulates into x.grad, which must not be the caller's array
    np.testing.assert_array_equal(upstream, np.full(3, 2.0))
    np.testing.assert_array_equal(x.grad, np.full(3, 4.0))


def test_tensor_takes_dtype_and_name_by_keyword_only():
    t = Tensor(np.ones(2), True, dtype=np.float32, name="w")
    assert (t.requires_grad, t.dtype, t.name) == (True, np.float32, "w")
    with pytest.raises(TypeError):
        Tensor(np.ones(2), True, np.float32)


def test_a_backward_returning_a_gradient_of_the_wrong_shape_is_named():
    class Buggy(Function):
        def forward(self, x):
            return x * 2.0

        def backward(self, grad):
            return (grad.sum(axis=0),)  # forgot that x is (3, 2)

    x = Tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(ValueError, match=r"Buggy.backward returned a gradient of shape \(2,\)"):
        Buggy.apply(x).sum().backward()
