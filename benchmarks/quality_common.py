"""Helpers the quality benchmarks share: PyTorch when it is installed, and a summary of runs."""

import numpy as np


def torch_available():
    """True when PyTorch imports; then it is set to one thread, as NumPy's BLAS is in these
    scripts (their matrices are small, and the machine is shared)."""
    try:
        import torch
    except ImportError:
        return False
    torch.set_num_threads(1)
    return True


def summary(values, fmt=".5f"):
    """'mean [min, max]' of a list of numbers, each formatted with ``fmt``."""
    return f"{np.mean(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"
