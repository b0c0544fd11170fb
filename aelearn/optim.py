"""Optimisers: SGD with momentum and Adam, updating all parameters in a few flat passes.

When an optimiser is built, the parameters it is given are packed into one contiguous
array, and their gradients into another: each ``p.data`` becomes a view into the first,
and each ``p.grad_buffer`` a view into the second. ``zero_grad`` sets every ``p.grad`` to
None; the backward pass then writes each gradient into its ``grad_buffer`` (a dense
layer's matrix product writes there directly) and makes ``p.grad`` that view. The update
rule runs over the whole buffer at once, as a handful of NumPy calls, instead of a Python
loop of small calls per parameter array. Frozen parameters (``requires_grad=False``) are
skipped: the update runs over the contiguous runs of trainable parameters only, so a
frozen weight does not change by a single bit.

A large buffer is updated in chunks, which a few threads can share. A chunk is small enough
(``CHUNK_SIZE`` elements) that the dozen passes of Adam's rule find it still in cache
instead of streaming the whole buffer from memory a dozen times (and the rule's scratch
array need only be one chunk long, so it never leaves the cache), and NumPy releases the GIL
inside its element-wise loops, so the threads can run on separate cores (``N_THREADS``
says how many; see there why the default is one). The rule is element-wise, so every
element sees the same arithmetic however the buffer is cut: the result is identical, bit
for bit, to one pass over the whole buffer.
"""

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Elements per chunk: 64K float32 values, 256 KB of each array the rule touches.
CHUNK_SIZE = 1 << 16
#: Threads sharing the update of a large buffer (the calling thread is one of them). One by
#: default: NumPy's BLAS already runs a thread per core, and those threads keep spinning
#: for a while after each matrix product, so on 2 cores a helper thread made training about
#: 9% slower (7 paired runs of benchmarks/bench_speed.py). When the BLAS runs one thread
#: (OPENBLAS_NUM_THREADS=1), 2 threads update a million parameters in 3.0 ms instead of 4.2.
N_THREADS = 1
_pool, _pool_pid = None, None


def _thread_pool():
    """The pool of helper threads, created on first use and shared by every optimiser.

    A process forked from one that had a pool inherits the pool but not its threads, so
    the pool is made anew in each process.
    """
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool = ThreadPoolExecutor(N_THREADS - 1, thread_name_prefix="aelearn-optim")
        _pool_pid = os.getpid()
    return _pool


def split_runs(runs, n_groups, chunk_size=None):
    """Cut slices of a flat buffer into chunks, dealt into ``n_groups`` contiguous groups.

    Parameters
    ----------
    runs : list of slice
        Disjoint ranges of the buffer, with integer start and stop.
    n_groups : int
    chunk_size : int, optional
        Default ``CHUNK_SIZE``.

    Returns
    -------
    list of list of slice
        At most ``n_groups`` non-empty groups of chunks of at most ``chunk_size``
        elements, together covering every run exactly once.
    """
    chunk_size = chunk_size or CHUNK_SIZE
    chunks = [
        slice(start, min(start + chunk_size, run.stop))
        for run in runs
        for start in range(run.start, run.stop, chunk_size)
    ]
    per_group = max(1, -(-len(chunks) // n_groups))  # ceiling division; 1 if no chunks
    return [chunks[i : i + per_group] for i in range(0, len(chunks), per_group)]


class FlatParameters:
    """Parameters and gradients packed as views into two contiguous 1-D buffers.

    Parameters
    ----------
    params : sequence of Parameter
        All of one floating dtype.

    Attributes
    ----------
    data, grad : ndarray of shape (n_total,)
        The buffers; ``params[k].data`` is ``data[offsets[k]:offsets[k + 1]]`` reshaped,
        and ``params[k].grad_buffer`` the same slice of ``grad``.
    """

    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got no parameters to optimise")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears twice in the list given to the optimiser")
        dtypes = {p.dtype for p in self.params}
        if len(dtypes) != 1:
            raise TypeError(f"all parameters must share one dtype; got {sorted(map(str, dtypes))}")
        self.dtype = dtypes.pop()
        sizes = [p.size for p in self.params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.data = np.empty(self.offsets[-1], dtype=self.dtype)
        self.grad = np.zeros(self.offsets[-1], dtype=self.dtype)
        for p, start, stop in zip(self.params, self.offsets[:-1], self.offsets[1:], strict=True):
            self.data[start:stop] = p.data.reshape(-1)
            p.data = self.data[start:stop].reshape(p.shape)
            p.grad_buffer = self.grad[start:stop].reshape(p.shape)
            if p.grad is not None:  # keep a gradient accumulated before packing
                p.grad_buffer[...] = p.grad
                p.grad = p.grad_buffer
        self._flags, self._runs = None, []

    def gather_grads(self):
        """Make ``grad`` hold every trainable parameter's gradient, and each ``p.grad`` its view.

        Backward has normally put each gradient in place already. A parameter no gradient
        reached since ``zero_grad`` (``p.grad`` None) counts as a zero gradient, as if the
        whole buffer had been zeroed; one whose ``p.grad`` was set to an array of its own is
        copied in, so that the update always uses what ``p.grad`` shows.
        """
        for p in self.params:
            if not p.requires_grad or p.grad is p.grad_buffer:
                continue
            if p.grad is None:
                p.grad_buffer.fill(0)
            else:
                np.copyto(p.grad_buffer, p.grad)
            p.grad = p.grad_buffer

    def trainable_runs(self):
        """Slices of the buffers covering the trainable parameters, merged where adjacent."""
        flags = tuple(p.requires_grad for p in self.params)
        if flags != self._flags:
            runs = []
            for trainable, start, stop in zip(
                flags, self.offsets[:-1], self.offsets[1:], strict=True
            ):
                if not trainable:
                    continue
                if runs and runs[-1].stop == start:
                    runs[-1] = slice(runs[-1].start, stop)
                else:
                    runs.append(slice(int(start), int(stop)))
            self._flags, self._runs = flags, runs
        return self._runs

    def check_views(self):
        """Raise if a parameter's arrays were replaced, so that updates would be lost."""
        for p in self.params:
            packed = p.grad_buffer is not None and np.shares_memory(p.grad_buffer, self.grad)
            if not (packed and np.shares_memory(p.data, self.data)):
                raise RuntimeError(
                    f"parameter {p.name!r} no longer lives in this optimiser's buffer (its .data "
                    "or .grad_buffer was replaced, or another optimiser packed it since). Assign "
                    "values in place (p.data[...] = v) and keep one optimiser per set of "
                    "parameters."
                )


class Optimizer:
    """Base class: packs the parameters, zeroes gradients, and steps over trainable runs."""

    def __init__(self, params, lr):
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive; got {lr}")
        self.lr = float(lr)
        self.flat = FlatParameters(params)
        self.params = self.flat.params
        self.t = 0
        self.scratch = []  # one array per thread, a chunk long (see ``_scratch``)

    def zero_grad(self):
        """Forget every gradient: each ``p.grad`` becomes None (see ``Tensor.zero_grad``).

        The buffer itself is not touched; the next backward writes over it.
        """
        for p in self.params:
            p.zero_grad()

    def step(self):
        """Update every trainable parameter once, from its accumulated gradient.

        The trainable runs are cut into cache-sized chunks (``split_runs``); the calling
        thread updates the first group of chunks while pool threads update the others.
        """
        self.flat.gather_grads()
        self.t += 1
        runs = self.flat.trainable_runs()
        if sum(run.stop - run.start for run in runs) <= 2 * CHUNK_SIZE or N_THREADS == 1:
            groups = split_runs(runs, 1)  # too small to be worth a thread
        else:
            groups = split_runs(runs, N_THREADS)
        if not groups:  # every parameter is frozen
            return
        scratch = self._scratch(len(groups), max(c.stop - c.start for g in groups for c in g))
        helpers = [
            _thread_pool().submit(self._update_chunks, group, tmp)
            for group, tmp in zip(groups[1:], scratch[1 : len(groups)], strict=True)
        ]
        try:
            self._update_chunks(groups[0], scratch[0])
        finally:
            # Even when this thread is interrupted (Ctrl-C), wait for the helpers: the
            # training loop then restores the last good weights, which a helper still
            # writing would corrupt.
            for helper in helpers:
                helper.result()  # waits, and re-raises an error from the thread

    def _scratch(self, n_groups, size):
        """One scratch array per thread, each ``size`` (a chunk's length) long, kept for reuse."""
        arrays = self.scratch
        if len(arrays) < n_groups or arrays[0].size < size:
            arrays = [np.empty(size, dtype=self.flat.dtype) for _ in range(n_groups)]
            self.scratch = arrays
        return arrays

    def _update_chunks(self, chunks, scratch):
        for chunk in chunks:
            self._update(chunk, scratch[: chunk.stop - chunk.start])

    def _update(self, run, tmp):
        """Apply the update rule to ``run``, a slice of the buffers, with ``tmp`` (an array of
        the slice's length) for intermediate values."""
        raise NotImplementedError

    def state_dict(self):
        """The optimiser's state as plain arrays and numbers (for saving)."""
        return {"t": np.array(self.t)}


class SGD(Optimizer):
    """Stochastic gradient descent with momentum.

    v <- momentum * v + g
    theta <- theta - lr * v

    With momentum = 0 this is plain gradient descent, theta <- theta - lr * g.

    Parameters
    ----------
    params : sequence of Parameter
    lr : float, default=0.01
    momentum : float, default=0.0
    """

    def __init__(self, params, lr=0.01, momentum=0.0):
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1); got {momentum}")
        self.momentum = float(momentum)
        self.velocity = np.zeros_like(self.flat.data)

    def _update(self, run, tmp):
        g, theta, v = self.flat.grad[run], self.flat.data[run], self.velocity[run]
        if self.momentum:
            v *= self.momentum
            v += g
            g = v
        theta -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with bias correction.

    With g the gradient at step t:

    m <- beta1 * m + (1 - beta1) * g          (first moment, the mean of g)
    v <- beta2 * v + (1 - beta2) * g^2        (second moment, the mean of g^2)
    m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)   (corrects the zero start)
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)

    The code applies the same rule with the bias corrections folded into one step size,
    lr * sqrt(1 - beta2^t) / (1 - beta1^t), and eps scaled to match, so that each pass
    over the buffers is one in-place NumPy call on a reused scratch array (``tmp``).

    Parameters
    ----------
    params : sequence of Parameter
    lr : float, default=1e-3
    betas : (float, float), default=(0.9, 0.999)
    eps : float, default=1e-8
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        if not (0.0 <= self.beta1 < 1.0 and 0.0 <= self.beta2 < 1.0):
            raise ValueError(f"betas must lie in [0, 1); got {betas}")
        self.eps = float(eps)
        self.m = np.zeros_like(self.flat.data)
        self.v = np.zeros_like(self.flat.data)

    def _update(self, run, tmp):
        g, theta = self.flat.grad[run], self.flat.data[run]
        m, v = self.m[run], self.v[run]
        b1, b2, t = self.beta1, self.beta2, self.t
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

    def state_dict(self):
        return {"t": np.array(self.t), "m": self.m.copy(), "v": self.v.copy()}
