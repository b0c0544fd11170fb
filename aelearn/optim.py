"""Optimisers: stochastic gradient descent with momentum, and Adam.

An optimiser holds the Parameters it was given, not their arrays: each ``step`` reads
``p.data`` and ``p.grad`` as they are at that moment, so assigning ``p.data = array``, or
building the optimiser before a model's ``fit``, never disconnects a parameter from it.
A parameter that is frozen (``requires_grad=False``) or that no gradient reached since
``zero_grad`` (``p.grad`` None) is left as it is, its count of steps unchanged, as in
PyTorch. Each rule is written once, in ``_update``, as in-place NumPy calls on one reused
scratch array: no allocation per step.
"""

import math
import numbers

import numpy as np


class Optimizer:
    """Base class: holds the parameters and their state, zeroes gradients, steps.

    Parameters
    ----------
    params : iterable of Parameter
        Each once, all of one floating dtype.
    lr : float
        The learning rate, a finite number > 0.

    Attributes
    ----------
    state : list of dict
        For each parameter, its state arrays (momentum, moments), flat and of its size.
    t : int
        The number of steps taken.
    steps : list of int
        For each parameter, the steps that updated it (PyTorch's ``state["step"]``).
    """

    #: Names of the per-parameter state arrays the rule keeps, each starting at zero.
    state_names = ()

    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got no parameters to optimise")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears twice in the list given to the optimiser")
        dtypes = {p.dtype for p in self.params}
        if len(dtypes) != 1:
            raise TypeError(f"all parameters must share one dtype; got {sorted(map(str, dtypes))}")
        real = isinstance(lr, numbers.Real) and not isinstance(lr, bool)
        if not (real and math.isfinite(lr) and lr > 0):
            raise ValueError(f"the learning rate must be a finite number > 0; got {lr!r}")
        self.lr = float(lr)
        self.t = 0
        self.steps = [0] * len(self.params)
        self.state = [
            {name: np.zeros(p.size, dtype=p.dtype) for name in self.state_names}
            for p in self.params
        ]
        self._scratch = np.empty(0, dtype=self.params[0].dtype)

    def zero_grad(self):
        """Forget every gradient: each ``p.grad`` becomes None (see ``Tensor.zero_grad``)."""
        for p in self.params:
            p.zero_grad()

    def step(self):
        """Update every trainable parameter that has a gradient, once."""
        self.t += 1
        for i, (p, state) in enumerate(zip(self.params, self.state, strict=True)):
            if p.requires_grad and p.grad is not None:
                self.steps[i] += 1
                self._step_parameter(p, state, self.steps[i])

    def _step_parameter(self, p, state, t):
        if any(array.size != p.size for array in state.values()):
            raise ValueError(
                f"parameter {p.name!r} now has shape {p.shape}, but the optimiser's state was "
                "made for another size; build a new optimiser after changing a shape"
            )
        contiguous = p.data.flags.c_contiguous
        theta = p.data.reshape(-1)  # a view of a contiguous array, else a copy put back below
        g = np.ascontiguousarray(p.grad, dtype=p.dtype).reshape(-1)
        if self._scratch.size < theta.size:
            self._scratch = np.empty(theta.size, dtype=p.dtype)
        self._update(theta, g, self._scratch[: theta.size], t, **state)
        if not contiguous:
            p.data[...] = theta.reshape(p.shape)

    def _update(self, theta, g, tmp, t, **state):
        """Apply the rule in place to ``theta``, a parameter flattened to 1-D, given its
        gradient ``g``, ``tmp`` (of the same length, for intermediates), ``t`` (its step,
        counting from 1) and its state arrays."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum.

    v <- momentum * v + g
    theta <- theta - lr * v

    With momentum = 0 this is plain gradient descent, theta <- theta - lr * g.
    """

    state_names = ("velocity",)

    def __init__(self, params, lr=1e-3, momentum=0.0):
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1); got {momentum}")
        self.momentum = float(momentum)

    def _update(self, theta, g, tmp, t, velocity):
        if self.momentum:
            velocity *= self.momentum
            velocity += g
            g = velocity
        np.multiply(g, self.lr, out=tmp)
        theta -= tmp


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction.

    With g the gradient at step t (the parameter's own count, ``steps``) and (beta1, beta2) =
    ``betas``:

    m <- beta1 * m + (1 - beta1) * g          (first moment, the mean of g)
    v <- beta2 * v + (1 - beta2) * g^2        (second moment, the mean of g^2)
    m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)   (corrects the zero start)
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)

    The code folds the bias corrections into one step size, lr * sqrt(1 - beta2^t) /
    (1 - beta1^t), with eps scaled to match: one in-place NumPy call per pass over the arrays.
    """

    state_names = ("m", "v")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        if not (0.0 <= self.beta1 < 1.0 and 0.0 <= self.beta2 < 1.0):
            raise ValueError(f"betas must lie in [0, 1); got {betas}")
        self.eps = float(eps)

    def _update(self, theta, g, tmp, t, m, v):
        b1, b2 = self.beta1, self.beta2
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        # Python floats: a NumPy float64 scalar would make float32 updates run in float64.
        step_size = self.lr * math.sqrt(correction2) / correction1
        eps_hat = self.eps * math.sqrt(correction2)

        m *= b1  # m <- b1 m + (1 - b1) g
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2  # v <- b2 v + (1 - b2) g^2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        np.sqrt(v, out=tmp)  # theta <- theta - step_size * m / (sqrt(v) + eps_hat)
        tmp += eps_hat
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        theta -= tmp
