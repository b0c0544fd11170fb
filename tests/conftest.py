"""Shared test set-up.

The BLAS is not pinned here: aelearn chooses its threads itself inside its calls
(``aelearn.threads``), as it does in a user's script, and the tests run as a user's would.
"""

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    """Close the pyplot figures a test made: pyplot keeps each one until it is closed."""
    yield
    plt.close("all")
