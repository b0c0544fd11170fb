# %% [markdown]
# # 1. Automatic differentiation, by hand and by aelearn
#
# Every model in this course is trained by gradient descent, and every gradient comes from
# the backward pass of a computation graph. Here we compute the gradients of a tiny network
# by hand in NumPy, then let `aelearn` compute them, draw the graph it walked, add an op of
# our own and check it with finite differences, and watch the check catch a wrong backward.

# %% [markdown]
# Everything random comes from one seeded Generator, so every run prints the same numbers.

# %%
# %matplotlib inline
import inspect
from pathlib import Path

import numpy as np

import aelearn
from aelearn import Tensor, gradcheck
from aelearn.autograd import Function
from aelearn.autograd.ops import MatMul
from aelearn.losses import mse_loss
from aelearn.plotting import plot_gradcheck, plot_graph
from aelearn.reporting import format_table

rng = np.random.default_rng(0)

# %% [markdown]
# ## A tiny network by hand
#
# Four examples with three features, a hidden layer of five tanh units, two outputs, and the
# squared error summed over outputs and averaged over examples:
# $h = \tanh(xW_1 + b_1)$, $\hat y = hW_2 + b_2$,
# $L = \frac{1}{n}\sum_i \lVert \hat y_i - y_i\rVert^2$.
# Look at the backward pass: each line is the chain rule applied to one line of the forward,
# in reverse order.

# %%
x = rng.normal(size=(4, 3))
y = rng.normal(size=(4, 2))
W1, b1 = rng.normal(size=(3, 5)), np.zeros(5)
W2, b2 = rng.normal(size=(5, 2)), np.zeros(2)

# forward
a = x @ W1 + b1
h = np.tanh(a)
y_hat = h @ W2 + b2
loss = np.sum((y_hat - y) ** 2) / len(x)

# backward: dL/d(each value), last line of the forward first
d_y_hat = 2 * (y_hat - y) / len(x)
dW2, db2 = h.T @ d_y_hat, d_y_hat.sum(axis=0)
dh = d_y_hat @ W2.T
da = dh * (1 - h**2)  # tanh'(a) = 1 - tanh(a)^2
dW1, db1 = x.T @ da, da.sum(axis=0)
print(f"loss = {loss:.6f}")

# %% [markdown]
# ## The same network in aelearn
#
# The forward is written once; `backward()` produces every gradient. The differences from
# the hand-written ones should be zero, or at the level of float64 rounding (the two compute
# the same products, here in the same order).

# %%
params = {
    "W1": Tensor(W1, requires_grad=True, name="W1"),
    "b1": Tensor(b1, requires_grad=True, name="b1"),
    "W2": Tensor(W2, requires_grad=True, name="W2"),
    "b2": Tensor(b2, requires_grad=True, name="b2"),
}
hidden = (Tensor(x, name="x") @ params["W1"] + params["b1"]).tanh()
loss_t = mse_loss(hidden @ params["W2"] + params["b2"], Tensor(y, name="y"))
loss_t.backward(retain_graph=True)

by_hand = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
for name, p in params.items():
    print(f"{name}: max |aelearn - by hand| = {np.max(np.abs(p.grad - by_hand[name])):.1e}")

# %% [markdown]
# ## The graph that backward walked
#
# Blue boxes are ops, orange boxes the parameters (leaves that want a gradient), grey boxes
# the data. The loss on the right has gradient 1; `backward` visits the boxes right to left,
# each op turning the gradient of its output into gradients of its inputs.

# %%
fig = plot_graph(loss_t, title="Computation graph of the tiny network's loss")
# README figure: 01_autograd.png (the notebook builder saves this cell's figure)

# %% [markdown]
# ## Reading any op's backward
#
# Each blue box is labelled with the class of its op, a `Function`: the box fed by x and W1
# is a `MatMul`, the last one the `MSELoss` of `aelearn.losses`.
# `inspect.getsource` prints the code of any op from inside the notebook. Here is `MatMul`,
# the derivation in its docstring and the backward it ran above: look for dL/da = grad @ b.T
# and dL/db = a.T @ grad, the hand-written `dh = d_y_hat @ W2.T` and `dW2 = h.T @ d_y_hat`.

# %%
print(inspect.getsource(MatMul))

# %% [markdown]
# Every op aelearn defines is a subclass of `Function`, so the library itself can list them:
# this table is built from `Function.__subclasses__()`, with the file and line where each op
# is written and the first line of its docstring. Open the file, or print
# `inspect.getsource(NAME)` with `NAME` from `aelearn.autograd.ops` or `aelearn.losses`, to
# read any of them. The two convolutions, `Conv2dOp` and `ConvTranspose2dOp`, are the plain
# versions, written as their math; the `Fast...` ops of `aelearn/autograd/kernels.py` compute
# the same sums with the faster kernels of `aelearn/fast`, which the layers use unless
# `aelearn.use_fast_kernels(False)` turns them off.


# %%
def ops(cls=Function):
    """Every subclass of ``cls``, at any depth."""
    for sub in cls.__subclasses__():
        yield sub
        yield from ops(sub)


package_folder = Path(aelearn.__file__).parent.parent
table = []
for op in ops():
    file = Path(inspect.getsourcefile(op)).relative_to(package_folder).as_posix()
    line = inspect.getsourcelines(op)[1]
    summary = inspect.getdoc(op).split("\n")[0]  # a docstring, or its parent's
    table.append({"op": op.__name__, "file": file, "line": line, "computes": summary})
print(format_table(sorted(table, key=lambda row: (row["file"], row["line"]))))

# %% [markdown]
# ## A new op: softsign
#
# softsign(x) = x / (1 + |x|), a cheaper cousin of tanh. Its derivative is
# 1 / (1 + |x|)^2, so dL/dx = grad / (1 + |x|)^2. An op is one class: a forward that saves
# what the backward needs, and a backward that returns one gradient per input.


# %%
class Softsign(Function):
    """out = x / (1 + |x|); d(out)/dx = 1 / (1 + |x|)^2."""

    def forward(self, x):
        denominator = 1.0 + np.abs(x)
        self.save_for_backward(denominator)
        return x / denominator

    def backward(self, grad):
        (denominator,) = self.saved
        return (grad / denominator**2,)


z = Tensor(rng.normal(size=(3, 4)), requires_grad=True, name="z")
report = gradcheck(lambda t: Softsign.apply(t), [z])
print(report)

# %% [markdown]
# The check compares the backward with central finite differences
# (f(x + h) - f(x - h)) / 2h in float64. A relative error near 1e-10 or below means the two
# agree; the dashed line is the tolerance.

# %%
fig = plot_gradcheck(report)

# %% [markdown]
# ## A wrong backward is caught
#
# A classic slip: forgetting the square, returning grad / (1 + |x|). The forward is the
# same as Softsign's, so no output of the op would show the slip; only a check of the
# backward does. Look for the red bar.


# %%
class WrongSoftsign(Softsign):
    def backward(self, grad):
        (denominator,) = self.saved
        return (grad / denominator,)  # wrong: the derivative has denominator squared


wrong = gradcheck(lambda t: WrongSoftsign.apply(t), [z])
print(wrong)
fig = plot_gradcheck(wrong)

# %% [markdown]
# ## Exercises
#
# Write your answer in the cell after each exercise, where the stub says `YOUR CODE HERE`
# (a function body that raises `NotImplementedError`, or `answer = ...`), then run the check
# cell below it. A check says *right*, *wrong* with a hint (which value, shape or gradient
# differs, and by how much), or *not yet attempted*.

# %%
from aelearn.exercises import autograd as check

# %% [markdown]
# **1.** Replace tanh by ReLU in the hand-written network: write its backward pass by hand,
# returning the gradients of the same loss. Only one line changes: which, and why should a
# finite-difference check keep the pre-activations `a` away from 0?


# %%
def relu_network_gradients(x, y, W1, b1, W2, b2):
    """{"W1": dL/dW1, "b1": ..., "W2": ..., "b2": ...} for h = relu(x W1 + b1)."""
    ### BEGIN SOLUTION
    a = x @ W1 + b1
    h = np.maximum(a, 0.0)
    d_y_hat = 2 * (h @ W2 + b2 - y) / len(x)
    da = (d_y_hat @ W2.T) * (a > 0)  # relu'(a) is 1 where a > 0, else 0; undefined at 0
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ d_y_hat, "b2": d_y_hat.sum(axis=0)}
    ### END SOLUTION


# %%
check.relu_gradients(relu_network_gradients)

# %% [markdown]
# **2.** Write `Cube(Function)` for x**3, on the model of `Softsign`. The check runs
# `gradcheck` on it. Then break its backward by a factor of 2 and run the check again: it
# reports a relative error of exactly $1/2$. Why exactly that?


# %%
class Cube(Function):
    """out = x ** 3; d(out)/dx = 3 x^2."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.save_for_backward(x)
        return x**3
        ### END SOLUTION

    def backward(self, grad):
        ### BEGIN SOLUTION
        (x,) = self.saved
        return (grad * 3 * x**2,)
        ### END SOLUTION


# %%
check.cube(Cube)

# %% [markdown]
# **3.** Draw `plot_graph` for L = (a * b + a) ** 2 with scalar leaves a and b: `a` has two
# outgoing arrows. Derive dL/da and dL/db by hand; `backward` adds up the gradients that
# reach `a` along both paths.


# %%
def gradients_by_hand(a, b):
    """(dL/da, dL/db) for L = (a * b + a) ** 2, at floats a and b."""
    ### BEGIN SOLUTION
    u = a * b + a
    return 2 * u * (b + 1), 2 * u * a  # du/da = b + 1: one term per path
    ### END SOLUTION


# %%
check.two_paths(gradients_by_hand)

# %% [markdown]
# **4.** Why does aelearn refuse a float32 `gradcheck`? Compute, entirely in `np.float32`,
# the central difference ((x + h)^3 - (x - h)^3) / 2h of f(x) = x^3 at x = 1.3 with
# h = 1e-6, and set `answer` to its relative error against f'(x) = 3x^2. Compare it with
# gradcheck's tolerance, 1e-6.

# %%
### BEGIN SOLUTION
x32, h32 = np.float32(1.3), np.float32(1e-6)
estimate = ((x32 + h32) ** 3 - (x32 - h32) ** 3) / (np.float32(2) * h32)
exact = 3 * 1.3**2
answer = abs(float(estimate) - exact) / exact
### END SOLUTION

# %%
check.float32_difference(answer)
