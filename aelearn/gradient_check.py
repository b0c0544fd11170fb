"""Gradient checking: every hand-written backward against central finite differences.

For a scalar function f of an array x, the central difference

    (f(x + h e_i) - f(x - h e_i)) / (2 h) = df/dx_i + O(h^2)

approximates each partial derivative; its truncation error is O(h^2) and its rounding
error about ``eps_machine * |f| / h``. In float64 (eps_machine ~ 1e-16) with h ~ 1e-6 both
are ~1e-10 to 1e-12, far below any real mistake. In float32 (eps_machine ~ 1e-7) the
rounding error alone is ~0.1: a float32 check cannot tell a right backward from a
wrong one, which is why this module refuses anything but float64.
"""

from dataclasses import dataclass, field

import numpy as np

from aelearn.autograd import Tensor, no_grad


@dataclass
class GradcheckRow:
    """One tensor's analytic gradient against the numeric one; ``worst_index`` is where they
    differ most, ``analytic_at`` and ``numeric_at`` their values there."""

    name: str
    shape: tuple
    max_abs_error: float
    rel_error: float
    passed: bool
    worst_index: tuple = ()
    analytic_at: float = 0.0
    numeric_at: float = 0.0


@dataclass
class GradcheckReport:
    """What ``gradcheck`` found, one row per checked tensor.

    ``rel_error`` is ||analytic - numeric|| / max(||analytic||, ||numeric||) over the
    whole tensor (0 when both vanish): a single wrong element shows, while the rounding
    noise of near-zero entries does not drown the comparison.
    """

    rows: list = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-8

    @property
    def passed(self):
        return all(row.passed for row in self.rows)

    def __bool__(self):  # ``assert gradcheck(...)`` fails when a gradient is wrong
        return self.passed

    def raise_if_failed(self):
        """Raise AssertionError naming every tensor whose gradient disagrees."""
        if not self.passed:
            raise AssertionError("gradient check failed:\n" + str(self))
        return self

    def __str__(self):
        header = f"{'tensor':<16} {'shape':<14} {'max abs error':>14} {'rel error':>11}  result"
        lines = [header, "-" * len(header)]
        for r in self.rows:
            result = "ok" if r.passed else "FAIL"
            lines.append(
                f"{r.name:<16} {str(r.shape):<14} {r.max_abs_error:>14.2e} {r.rel_error:>11.2e}"
                f"  {result}"
            )
        lines.append(f"(pass: rel error < {self.rtol:g}, or both gradients below {self.atol:g})")
        return "\n".join(lines)

    def _repr_html_(self):
        cells = "".join(
            f"<tr><td>{r.name}</td><td>{r.shape}</td><td>{r.max_abs_error:.2e}</td>"
            f"<td>{r.rel_error:.2e}</td><td>{'ok' if r.passed else '<b>FAIL</b>'}</td></tr>"
            for r in self.rows
        )
        return (
            "<table><tr><th>tensor</th><th>shape</th><th>max abs error</th>"
            f"<th>rel error</th><th>result</th></tr>{cells}</table>"
        )


def numerical_gradient(f, x, h=1e-6):
    """df/dx, of x's shape, by central differences with step h.

    ``f()`` evaluates the scalar function at the current value of the float64 array ``x``,
    which is perturbed in place one element at a time and restored exactly after each.
    """
    grad = np.zeros_like(x)
    # np.ndindex walks any strides, so a transposed or sliced array is perturbed in place too.
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f()
        x[index] = original - h
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def gradcheck(fn, inputs, names=None, h=1e-6, rtol=1e-6, atol=1e-8, raise_on_failure=False):
    """Compare the backward pass of ``fn`` with central finite differences.

    Parameters
    ----------
    fn : callable ``(*inputs) -> Tensor``
        Its output is reduced to a scalar L by summing against fixed random weights (so
        every output element is checked, with weights no symmetric mistake can cancel).
    inputs : sequence of Tensor
        float64 tensors; those with ``requires_grad`` are checked.
    names : sequence of str, optional
        Labels for the report (default: the tensors' names, or ``input0``, ...).
    h : float
        The finite-difference step.
    rtol, atol : float
        A tensor passes when its relative error is below ``rtol``, or when both gradients
        are below ``atol`` everywhere (a true zero, where the numeric one is rounding
        noise); so choose test functions whose gradients are of order 1.
    raise_on_failure : bool
        Raise AssertionError instead of returning a failing report.
    """
    inputs = list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or t.dtype != np.float64:
            got = t.dtype if isinstance(t, Tensor) else type(t).__name__
            raise TypeError(
                f"gradcheck needs float64 Tensors; input {i} is {got}. In float32 the rounding "
                "error of a finite difference (~1e-7 * |f| / h) is as large as a wrong gradient."
            )
    checked = [t for t in inputs if t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")
    if names is None:
        names = [t.name or f"input{i}" for i, t in enumerate(inputs) if t.requires_grad]

    with no_grad():
        out_shape = np.shape(fn(*inputs).data)
    # Fixed weights from a seeded Generator: the check is the same on every run.
    weights = np.random.default_rng(0).uniform(0.5, 1.5, size=out_shape)

    def loss_value():
        with no_grad():
            return float(np.sum(fn(*inputs).data * weights))

    for t in checked:
        t.zero_grad()  # grad becomes None: what backward leaves there is this call's alone
    (fn(*inputs) * Tensor(weights)).sum().backward()

    report = GradcheckReport(rtol=rtol, atol=atol)
    for name, t in zip(names, checked, strict=True):
        analytic = np.zeros_like(t.data) if t.grad is None else t.grad
        numeric = numerical_gradient(loss_value, t.data, h)
        diff = np.abs(analytic - numeric)
        scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
        rel = float(np.linalg.norm(analytic - numeric) / scale) if scale > 0 else 0.0
        largest = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0))
        row = GradcheckRow(name, tuple(t.shape), 0.0, rel, rel < rtol or largest < atol)
        if diff.size:  # an empty tensor has no worst element
            row.worst_index = tuple(int(i) for i in np.unravel_index(diff.argmax(), diff.shape))
            row.max_abs_error = float(diff[row.worst_index])
            row.analytic_at = float(analytic[row.worst_index])
            row.numeric_at = float(numeric[row.worst_index])
        report.rows.append(row)
    if raise_on_failure:
        report.raise_if_failed()
    return report


def gradcheck_module(module, x, loss=None, **kwargs):
    """``gradcheck`` of a module's float64 parameters (and of its input x, if it requires grad;
    an array is taken as an input that does not).

    ``loss``, a callable (Tensor) -> Tensor, is applied to the module's output (by default
    the output itself); ``**kwargs`` go to ``gradcheck``.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
    names = (["input"] if x.requires_grad else []) + [name for name, _ in named]
    loss = loss or (lambda out: out)

    def fn(x, *_):
        return loss(module(x))

    return gradcheck(fn, [x, *(p for _, p in named)], names=names, **kwargs)
