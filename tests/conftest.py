"""Shared test set-up."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def single_threaded_blas():
    """Run BLAS on one thread: the tests' matrices are small, and on a shared 2-core machine
    a threaded BLAS spends far longer synchronising than multiplying (25x slower, measured).
    One thread also makes float sums come out in the same order on every machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
