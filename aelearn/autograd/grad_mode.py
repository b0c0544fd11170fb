"""Switching graph recording off: ``with no_grad(): ...``.

Inside ``no_grad`` ops compute their values but record nothing, so no memory is kept for
a backward pass that will never come (evaluation, the optimiser). As in PyTorch, the mode
belongs to the thread that sets it.
"""

import contextlib
import threading

_mode = threading.local()


def is_grad_enabled():
    """Whether ops record the graph in this thread."""
    return getattr(_mode, "enabled", True)


@contextlib.contextmanager
def no_grad():
    """Context manager in which ops record no graph; the previous mode returns on exit."""
    previous, _mode.enabled = is_grad_enabled(), False
    try:
        yield
    finally:
        _mode.enabled = previous
