"""Switching graph recording off: ``with no_grad(): ...``.

Inside ``no_grad`` ops compute their values but record nothing, so no memory is kept for
a backward pass that will never come (evaluation, encoding for a plot, the optimiser).
"""

import contextlib

_enabled = True


def is_grad_enabled():
    """Whether ops currently record the graph."""
    return _enabled


@contextlib.contextmanager
def no_grad():
    """Context manager in which ops record no graph; the previous mode returns on exit."""
    global _enabled
    previous, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = previous
