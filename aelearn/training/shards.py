"""A batch's loss and gradient, computed on shards of the batch side by side (data parallel).

NumPy runs its element-wise loops on one core, and the BLAS splits only the matrix products
over threads. For the convolutional networks the rest of a step (im2col, col2im, the
activations, the bias) is a third of it, and it runs on one core. Splitting the *batch*
instead puts every part of the step on every core. With ``shards=k``, a batch of n examples
is cut into k shards of n_1 ... n_k examples (the sizes differ by one at most), and each
shard's ``loss_terms`` and backward pass run in a thread of their own. Then

    loss = sum_k (n_k / n) loss_k,      dloss/dtheta = sum_k (n_k / n) dloss_k/dtheta,

which is the batch's own loss and gradient: every loss term is a mean over the batch's
examples, and the mean over the batch is the size-weighted mean of the shards' means. The
threads do run at once: NumPy lets go of Python's global lock inside its loops and the BLAS.
Each shard differentiates into arrays of its own (``aelearn.autograd.grad``), never into the
parameters' ``grad`` that the shards share.

Same seed, same numbers. Each shard draws its random numbers (noise, eps) from a Generator of
its own, seeded from the training Generator in shard order. Its products run on one BLAS
thread (``fit`` sees to it: ``aelearn.threads``), and the sums go in shard order. So a run
depends on ``shards``, and not on how many threads there are to run the shards
(``workers``). Against an unsharded run (``shards=1``, the default) it differs in its draws,
and in the last bits of the sums.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from aelearn.autograd import grad
from aelearn.validation import check_positive_int


def usable_cores():
    """The CPU cores this process may run on (its affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def shard_bounds(n, shards):
    """(start, stop) of each of ``shards`` slices of n examples, sizes within one, none empty."""
    edges = [n * k // shards for k in range(shards + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


class ShardedGradients:
    """The loss terms and the gradient of a batch, from its shards (see the module docstring).

    Parameters
    ----------
    loss_terms : callable (x, y, rng) -> dict of scalar Tensor
        A model's ``loss_terms``: means over the examples of x, "loss" the one minimised, its
        random draws taken from ``rng`` alone.
    params : sequence of Tensor
        The parameters; those that require grad at each call (a callback may freeze or
        unfreeze some between batches) get the batch's gradient.
    shards : int, default=1
        A batch of fewer examples makes one shard per example. A batch in one piece (one
        shard) draws from the training Generator itself, and no seeds are drawn.
    workers : int, optional
        Threads to run the shards in; by default one per shard, up to ``usable_cores()``.
        The numbers do not depend on it.

    Use it as a context manager, so that its threads end with the block.
    """

    def __init__(self, loss_terms, params, shards=1, workers=None):
        self.loss_terms, self.shards = loss_terms, check_positive_int(shards, "shards")
        self.params = list(params)
        workers = min(shards, usable_cores()) if workers is None else workers
        self.workers = check_positive_int(workers, "workers")
        self._pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            # Without waiting: after a KeyboardInterrupt a shard may still be running, and it
            # writes nothing the model keeps.
            self._pool.shutdown(wait=False, cancel_futures=True)

    def __call__(self, x, y, rng):
        """Set every trainable parameter's ``grad`` to the batch's gradient.

        Parameters
        ----------
        x : ndarray of shape (batch, ...)
        y : ndarray of shape (batch,) or None
        rng : numpy.random.Generator

        Returns
        -------
        dict of str to float
            Each loss term over the whole batch.
        """
        n = x.shape[0]
        bounds = shard_bounds(n, self.shards)
        if len(bounds) == 1:
            rngs = [rng]
        else:
            rngs = [np.random.default_rng(seed) for seed in rng.integers(2**63, size=len(bounds))]
        jobs = [
            (x[a:b], None if y is None else y[a:b], shard_rng, (b - a) / n)
            for (a, b), shard_rng in zip(bounds, rngs, strict=True)
        ]
        trainable = [p for p in self.params if p.requires_grad]
        if self._pool is None:
            results = [self._shard(*job, trainable) for job in jobs]
        else:
            results = list(self._pool.map(lambda job: self._shard(*job, trainable), jobs))
        for i, p in enumerate(trainable):
            p.grad = _sum_in_order(grads[i] for _, grads in results)
        return {key: sum(values[key] for values, _ in results) for key in results[0][0]}

    def _shard(self, x, y, rng, weight, params):
        """One shard's terms, weighted by its share of the batch, and its gradients with
        respect to ``params``."""
        terms = self.loss_terms(x, y, rng)
        values = {key: weight * float(term.item()) for key, term in terms.items()}
        loss = terms["loss"]
        if not np.isfinite(values["loss"]):  # training stops here (fit): nothing to step by
            return values, [None] * len(params)
        upstream = np.full(loss.shape, weight, dtype=loss.dtype)  # d(batch loss)/d(loss_k)
        return values, grad(loss, params, upstream, allow_unused=True)


def _sum_in_order(arrays):
    """The sum of the arrays that are not None, in order; None if all are."""
    total = None
    for array in arrays:
        if array is not None:
            total = array if total is None else total + array
    return total
