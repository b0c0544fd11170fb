"""How many threads NumPy's BLAS runs while aelearn trains, predicts and evaluates.

A matrix product split over threads pays only when it is large: for the course's small
networks the threads wait for each other longer than they multiply, and on a busy machine
a second thread can make an epoch many times slower. So aelearn counts the multiply-adds
one example costs the model's largest product (``Module.multiply_adds``) and runs one
thread below ``PARALLEL_WORK``, ``MAX_THREADS`` from there up (two for the course's MNIST
convolutions, one for the digits networks). The BLAS setting outside aelearn's calls is
left as it was.

The choice depends on the model alone, not on the machine, so that a seeded run is bit
for bit the same everywhere (OpenBLAS sums a product in another order on two threads than
on one). To choose yourself::

    with aelearn.blas_threads(1):
        model.fit(X)
"""

import contextlib
import functools
import threading

from threadpoolctl import ThreadpoolController

from aelearn.nn import Parameter, shape_through
from aelearn.validation import check_int

#: Multiply-adds per example of the largest product from which a second BLAS thread pays.
#: Measured on 2 cores, a 784-w-32 autoencoder's training step at batch 64 and 128: at
#: w = 128 (100,352 weights) two threads were 23% faster at one batch size and 10% slower
#: at the other; from w = 256 (200,704) up they were 13-30% faster at both.
PARALLEL_WORK = 100_000
#: Threads for large products, on every machine (see above why not "all the cores").
MAX_THREADS = 2

_state = threading.local()


@functools.cache
def _blas():
    return ThreadpoolController()  # finding the libraries takes milliseconds: do it once


def largest_product(model):
    """The multiply-adds per example of ``model``'s largest product, from the layers' shapes
    (``Module.output_shape``); a layer whose input shape is not known counts its weights."""
    shapes = {}
    input_shape = getattr(model, "input_shape", None)
    if input_shape is not None:
        shape_through(model, input_shape, shapes)
    work = [0]
    for module in model.modules():
        seen = shapes.get(id(module), (None, None))[0]
        own = [p.size for _, p in module.children() if isinstance(p, Parameter)]
        work.append(module.multiply_adds(seen) if seen is not None else max(own, default=0))
    return max(work)


def threads_for(model):
    """The BLAS threads aelearn uses for ``model`` (see the module docstring)."""
    override = getattr(_state, "override", None)
    if override is not None:
        return override
    return MAX_THREADS if largest_product(model) >= PARALLEL_WORK else 1


@contextlib.contextmanager
def chosen_threads(model):
    """Run the block with the BLAS on ``threads_for(model)`` threads; a nested call (``fit``
    evaluating) keeps the outer choice."""
    if getattr(_state, "inside", False):
        yield
        return
    _state.inside = True
    try:
        with _blas().limit(limits=threads_for(model), user_api="blas"):
            yield
    finally:
        _state.inside = False


def uses_blas(method):
    """Decorate a public method of a model: it runs with the BLAS threads chosen for it."""

    @functools.wraps(method)
    def chosen(self, *args, **kwargs):
        with chosen_threads(self):
            return method(self, *args, **kwargs)

    return chosen


@contextlib.contextmanager
def blas_threads(n):
    """Make every aelearn call inside the block run the BLAS on ``n`` (> 0) threads."""
    n = check_int(n, "blas_threads' number of threads")
    previous, _state.override = getattr(_state, "override", None), n
    try:
        yield
    finally:
        _state.override = previous
