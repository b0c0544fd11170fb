"""Keeping the memory one training step frees for the next step (glibc's malloc on Linux).

Every training step allocates its activations and gradients afresh and frees them at its
end, the same sizes step after step: for the convolutional DAE of
``benchmarks/bench_conv_speed.py`` (batch 128), arrays of up to 29 MB. glibc's malloc, the C
library's allocator on Linux, hands freed memory back to the operating system when a block is
larger than its *mmap threshold*, or when the free memory at the top of its heap exceeds its
*trim threshold*; it raises the two by itself, but to 32 MB and 64 MB at most, and only once a
large block has been freed. So each step asked the kernel for the same memory again, and the
kernel mapped and zeroed it page by page on first touch, a large part of the step (the
Convolutions section of ``benchmarks/README.md`` has the figures).

``keep_freed_memory`` sets both thresholds, so that the memory stays in the process and the
next step reuses it: blocks up to ``MMAP_THRESHOLD`` come from the heap, and the heap gives
memory back only once more than ``TRIM_THRESHOLD`` of it is free. The process then holds at
most what it already held at its peak. ``fit`` calls it (once per process is enough).

It is a setting of the whole process, not of aelearn's calls: glibc has no way back to its
own adjustment, so it holds for every later allocation. It changes no number a computation
gives, only where the memory comes from. Nothing is done where glibc is not the C library
(macOS, Windows, musl), or where the process was started with glibc's own
``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` set: those settings are the user's.
"""

import ctypes
import os
import platform

#: Blocks up to this size come from the heap: the largest that glibc reaches by itself.
MMAP_THRESHOLD = 32 * 2**20
#: The heap gives memory back to the system once more than this is free at its top.
TRIM_THRESHOLD = 2**30
#: glibc's parameter numbers for mallopt, from <malloc.h>.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

_kept = None


def keep_freed_memory():
    """Tell glibc's malloc to keep freed memory for reuse (see the module docstring).

    Returns
    -------
    bool
        True when the thresholds are set (now or by an earlier call), False where this process
        leaves malloc as it is: not glibc, or the user's own MALLOC_*_THRESHOLD_ settings.
    """
    global _kept
    if _kept is None:
        _kept = _set_thresholds()
    return _kept


def _glibc():
    """The C library, where it is glibc; None elsewhere."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(None)


def _set_thresholds():
    libc = _glibc()
    if libc is None or any(name in os.environ for name in _USER_SETTINGS):
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # mallopt returns 1 on success; the mmap threshold first, so that a refusal of it leaves
    # glibc's own adjustment of both in place (setting either one turns that off).
    return mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and (
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    )
