"""Checking a student's op: its forward against the expected values, its backward by gradcheck.

Reusable by any notebook whose exercise is an op (a ``Function`` subclass): pass the class,
float64 inputs from a seeded Generator, and the forward the op should compute.
"""

import numpy as np

from aelearn.autograd import Function, Tensor
from aelearn.exercises.verdict import call, close, given, wrong
from aelearn.gradient_check import gradcheck


def op_agrees(op, arrays, expected_forward, names=None, **params):
    """The verdict on ``op``: "wrong" names the forward entry or the gradient that differs.

    Parameters
    ----------
    op : type
        The student's ``Function`` subclass.
    arrays : sequence of ndarray, float64
        The inputs; each is checked by central differences.
    expected_forward : ndarray
        What ``op.apply(*arrays, **params)`` should return.
    names : sequence of str, optional
        The inputs' names in the hints (default x, or x0, x1, ...).
    **params
        Settings passed to the op's forward.

    Returns
    -------
    str
        The note for a right answer (the largest relative error gradcheck saw).
    """
    op = given(op, "the op")
    if not (isinstance(op, type) and issubclass(op, Function)):
        wrong(f"expected a subclass of aelearn.autograd.Function; got {op!r}")
    names = names or (["x"] if len(arrays) == 1 else [f"x{i}" for i in range(len(arrays))])
    name = op.__name__
    out = call(lambda: op.apply(*(Tensor(a) for a in arrays), **params), what=f"{name}.forward")
    close(out, expected_forward, f"{name}.forward(x)", rtol=1e-10)
    tensors = [
        Tensor(np.array(a), requires_grad=True, name=n) for a, n in zip(arrays, names, strict=True)
    ]
    report = call(
        lambda: gradcheck(lambda *t: op.apply(*t, **params), tensors, names=names),
        what=f"{name}.backward",
    )
    for row in report.rows:
        if not row.passed:
            wrong(
                f"the gradient with respect to {row.name} {row.shape} differs from central "
                f"differences: relative error {row.rel_error:.3g} (gradcheck's tolerance "
                f"{report.rtol:g}); worst at {row.name}{list(row.worst_index)}: your backward "
                f"gives {row.analytic_at:.6g}, finite differences {row.numeric_at:.6g} "
                f"(max abs error {row.max_abs_error:.3g})"
            )
    worst = max(row.rel_error for row in report.rows)
    return f"forward and backward agree with finite differences (relative error {worst:.1e})"
