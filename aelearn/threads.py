"""How many threads NumPy's BLAS runs while aelearn trains, predicts and evaluates.

A matrix product split over threads pays only when it is large: for the course's small
networks (a 64-128-8 autoencoder on digits) the threads spend longer waiting for each
other than multiplying, and on a machine whose other core is busy a second thread can make
an epoch many times slower. So aelearn chooses for itself, from the size of the model's
largest weight matrix: one thread below ``PARALLEL_WEIGHTS`` weights, and ``MAX_THREADS``
from there up, as for the 784-512 layers of the speed benchmark. The choice holds only
inside aelearn's calls: the BLAS setting outside them, yours, is left as it was.

The choice depends on the model alone (and on ``fit``'s shards: one thread each), not on
the machine or its settings, and that is what keeps a seeded run bit for bit the same
everywhere: OpenBLAS sums a product in a different order on one thread than on two, so
the same product differs in its last bits (by about 1e-5 for a 784-512 layer in float32)
when the thread count does.

To choose yourself, for every aelearn call inside a block::

    with aelearn.blas_threads(1):
        model.fit(X)
"""

import contextlib

from threadpoolctl import ThreadpoolController

#: Weights in the largest matrix from which a second BLAS thread pays. Measured on 2 cores,
#: a 784-w-32 autoencoder's training step at batch 64 and 128: at w = 128 (100,352 weights)
#: two threads were 23% faster at one batch size and 10% slower at the other; from w = 256
#: (200,704) up they were 13-30% faster at both. The course's digits networks (64-128,
#: 8,192 weights) stay on one thread.
PARALLEL_WEIGHTS = 100_000
#: Threads for large products, on every machine (see above why not "all the cores").
MAX_THREADS = 2

_controller = None
_override = None
_inside = False


def _blas():
    global _controller
    if _controller is None:  # finding the libraries takes milliseconds: do it once
        _controller = ThreadpoolController()
    return _controller


def threads_for(params, shards=1):
    """The BLAS threads aelearn uses for a model with these parameters (see the module).

    One when a batch is split into ``shards`` > 1 that run side by side
    (``aelearn.training.shards``): the shards are then what uses the cores.
    """
    if _override is not None:
        return _override
    if shards > 1:
        return 1
    largest = max((p.size for p in params if p.ndim == 2), default=0)
    return 1 if largest < PARALLEL_WEIGHTS else MAX_THREADS


@contextlib.contextmanager
def chosen_threads(params, shards=1):
    """Run the block with the BLAS on ``threads_for(params, shards)`` threads; a call nested
    in another keeps the outer choice."""
    global _inside
    if _inside:
        yield
        return
    _inside = True
    try:
        with _blas().limit(limits=threads_for(params, shards), user_api="blas"):
            yield
    finally:
        _inside = False


@contextlib.contextmanager
def blas_threads(n):
    """Make every aelearn call inside the block run the BLAS on ``n`` threads.

    Parameters
    ----------
    n : int
        A positive number of threads.
    """
    global _override
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"blas_threads takes a positive number of threads; got {n!r}")
    previous, _override = _override, n
    try:
        yield
    finally:
        _override = previous
