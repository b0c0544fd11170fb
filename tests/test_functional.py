"""Tests of aelearn.nn.functional: the one-hot encoding of labels."""

import numpy as np
import pytest

from aelearn.nn import one_hot


def test_one_hot_puts_a_single_one_per_row():
    np.testing.assert_array_equal(one_hot(np.array([2, 0, 1]), 3), np.eye(3)[[2, 0, 1]])
    assert one_hot([], 4).shape == (0, 4)
    assert one_hot([1], 2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    ("y", "n_classes", "error", "match"),
    [
        ([0, 3], 3, ValueError, r"labels must lie in \[0, 3\), got \[3\]"),
        ([-1, 0], 3, ValueError, r"got \[-1\]"),
        ([0.0, 1.0], 3, ValueError, "1-D array of ints"),
        ([[0, 1]], 3, ValueError, "1-D array of ints"),
        ([0], 0, ValueError, "at least 1"),
        ([0], 2.0, TypeError, "n_classes must be an int"),
    ],
)
def test_one_hot_rejects_bad_labels(y, n_classes, error, match):
    with pytest.raises(error, match=match):
        one_hot(y, n_classes)


def test_one_hot_rows_must_be_floating():
    with pytest.raises(TypeError, match="floating"):
        one_hot([0, 1], 2, dtype=np.int64)
