"""Checks a student runs after solving each exercise of the course notebooks.

One module per notebook (``autograd`` for 01, ``autoencoder_pca`` for 02, then ``transfer``,
``pretraining``, ``denoising``, ``convolutional``, ``vae``, ``cvae`` and ``mnist`` for 03 to
09); a notebook imports its module as ``check`` and calls, for example,
``check.kl_two_gaussians(kl_divergence)`` in the cell after the student's solution.
Each check prints one line and returns a ``CheckResult``: right, wrong with a hint (which
value, shape or gradient differs, and by how much), or not yet attempted (while the stub
still raises NotImplementedError or the answer is ``...``). Under nbgrader's autograder a
check that is not right also raises ``CheckFailed``, so that its graded cell scores 0.
``verdict`` holds what the checks share; ``ops`` checks a student's op with gradcheck.
A new notebook adds a module of the same shape; tests/test_exercises.py finds it, runs the
notebook's solutions and stubs through it, and wants a planted wrong answer for each check.

The library never imports this package.
"""

from aelearn.exercises.verdict import NOT_ATTEMPTED, RIGHT, WRONG, CheckFailed, CheckResult

__all__ = ["NOT_ATTEMPTED", "RIGHT", "WRONG", "CheckFailed", "CheckResult"]
