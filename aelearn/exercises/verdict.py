"""What every exercise check shares: three verdicts, student code called safely, and hints.

A check prints one line on stdout and returns a ``CheckResult`` whose ``status`` is

- ``"right"``;
- ``"wrong"``, with a hint naming the value, shape or gradient that differs and by how much;
- ``"not attempted"``, while the student's stub still raises ``NotImplementedError`` or
  the answer is ``...`` or ``None``, or while ``answer`` is still the one the previous
  check read (the cell that should set it raised, or was not run).

Outside nbgrader a check never raises. Under nbgrader's autograder and ``nbgrader
validate`` (the environment variable ``NBGRADER_EXECUTION`` is ``"autograde"`` or
``"validate"``), a check that is not right raises ``CheckFailed`` after printing its verdict,
so that its cell, a graded cell, scores 0 points. nbgrader also scores 0 a graded cell that
writes anything to stderr, so whatever a check runs writes nothing there: a warning or a
line on stderr raised by the student's code while it is checked is added to the verdict,
on stdout.

A check is written as a function that returns a short note for a right answer and calls
``wrong(...)`` otherwise; ``check`` turns it into one that prints and, outside nbgrader,
never raises.
"""

import contextlib
import functools
import io
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np

RIGHT, WRONG, NOT_ATTEMPTED = "right", "wrong", "not attempted"
_SAID = {RIGHT: "right", WRONG: "wrong", NOT_ATTEMPTED: "not yet attempted"}

#: The values of NBGRADER_EXECUTION under which a check that is not right raises:
#: nbgrader sets it while ``nbgrader autograde`` and ``nbgrader validate`` run a notebook.
GRADED_RUNS = ("autograde", "validate")


@dataclass
class CheckResult:
    """The verdict of one check: ``status`` in {"right", "wrong", "not attempted"}.

    ``notes`` holds what the student's code warned or wrote to stderr while it was checked,
    shown after the verdict (on stdout, like the verdict).
    """

    exercise: str
    status: str
    message: str = ""
    notes: tuple = ()

    @property
    def right(self):
        return self.status == RIGHT

    def __str__(self):
        said = f"[{self.exercise}] {_SAID[self.status]}"
        said = f"{said}: {self.message}" if self.message else said
        return "\n".join([said, *(f"  while checking: {note}" for note in self.notes)])

    def _ipython_display_(self):
        """Show nothing more in a notebook: the check has printed its verdict already."""


class CheckFailed(AssertionError):
    """Raised under nbgrader's autograder by a check that is not right: its cell scores 0."""


class _Verdict(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def wrong(message):
    """End a check with the verdict "wrong" and this hint."""
    raise _Verdict(WRONG, message)


def not_attempted(message="the stub is still there"):
    raise _Verdict(NOT_ATTEMPTED, message)


def given(answer, what="answer"):
    """The answer, or the verdict "not attempted" when it is still ``...`` or ``None``."""
    if answer is ... or answer is None:
        still = "..." if answer is ... else "None"
        not_attempted(f"{what} is still {still}; replace it with your result")
    return answer


def call(student_code, *args, what=None):
    """Run the student's function (or op); its NotImplementedError means not attempted."""
    student_code = given(student_code, "your function")
    what = what or getattr(student_code, "__name__", "your code")
    try:
        result = student_code(*args)
    except NotImplementedError:
        not_attempted(f"{what} still raises NotImplementedError")
    except Exception as error:  # any error of the student's is a hint, not a crash
        wrong(f"{what} raised {type(error).__name__}: {error}")
    return given(result, f"what {what} returned")


def graded_run():
    """True while nbgrader's autograder (or ``nbgrader validate``) runs the notebook."""
    return os.environ.get("NBGRADER_EXECUTION") in GRADED_RUNS


# What the last check read from a notebook's `answer`: (exercise, the object). A top-level
# exercise ends by binding `answer` and its stub binds `answer = ...`, so a check that is
# handed the very object the previous check read from `answer` is reading a leftover: the
# cell that should have bound it raised, or was not run.
_last_answer = [None, None]


def _leftover(exercise, args, caller_globals):
    """The verdict "not attempted" if ``answer`` is still the previous check's answer."""
    if len(args) != 1 or caller_globals.get("answer", ...) is not args[0]:
        return None  # only a top-level answer, read from the notebook's `answer`, can be left over
    answer = args[0]
    if isinstance(answer, bool | int | str | type(None) | type(...)):
        return None  # values Python shares between names; given() reads ... and None
    previous, read = _last_answer
    if read is answer and previous != exercise:
        return CheckResult(
            exercise,
            NOT_ATTEMPTED,
            f"`answer` is still the answer of {previous.split(':')[0]}: run this exercise's "
            "cell, which sets `answer`, without an error first",
        )
    _last_answer[:] = [exercise, answer]
    return None


def check(exercise):
    """Decorate a check: print its verdict and return a CheckResult.

    Outside nbgrader it never raises; under nbgrader's autograder, a verdict other than
    right raises ``CheckFailed`` after it is printed. Warnings and stderr output of the
    student's code while it runs are caught and shown with the verdict, on stdout.
    """

    def decorate(body):
        @functools.wraps(body)
        def run(*args, **kwargs):
            result = _leftover(exercise, args, sys._getframe(1).f_globals)
            if result is None:
                result = _judge(exercise, body, args, kwargs)
            print(result)
            if graded_run() and not result.right:
                raise CheckFailed(str(result))
            return result

        return run

    return decorate


_MOST_NOTES = 5  # lines of warnings and stderr shown with a verdict


def _judge(exercise, body, args, kwargs):
    """Run a check's body with stderr and warnings caught; its CheckResult."""
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
        try:
            result = CheckResult(exercise, RIGHT, body(*args, **kwargs) or "")
        except _Verdict as verdict:
            result = CheckResult(exercise, verdict.status, verdict.message)
        except Exception as error:  # an answer of an unexpected form
            result = CheckResult(
                exercise, WRONG, f"could not read the answer ({type(error).__name__}: {error})"
            )
    notes = [f"{w.category.__name__}: {w.message}" for w in caught]
    notes += [line for line in stderr.getvalue().splitlines() if line.strip()]
    notes = list(dict.fromkeys(notes))  # a check calls the student's code several times
    if len(notes) > _MOST_NOTES:
        notes[_MOST_NOTES:] = [f"and {len(notes) - _MOST_NOTES} more lines"]
    result.notes = tuple(notes)
    return result


def number(value, name):
    """``value`` as a float, or the verdict "wrong" saying what it was."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        wrong(f"{name} should be a number; got {type(value).__name__}")
    if not np.isfinite(value):
        wrong(f"{name} is {value}; expected a finite number")
    return value


def entries(answer, keys, name="answer"):
    """The numbers of a dict answer at ``keys``, or "wrong" naming a missing key."""
    answer = given(answer, name)
    if not isinstance(answer, dict):
        wrong(f"{name} should be a dict with keys {list(keys)}; got {type(answer).__name__}")
    missing = [k for k in keys if k not in answer]
    if missing:
        wrong(f"{name} has no {missing[0]!r}; expected the keys {list(keys)}")
    return {k: number(given(answer[k], f"{name}[{k!r}]"), f"{name}[{k!r}]") for k in keys}


def _at(index):
    return f"[{', '.join(map(str, index))}]" if index else ""


def close(got, expected, name, rtol=1e-6, atol=1e-8):
    """Compare an array with the expected one; "wrong" names the shape or the worst entry."""
    expected = np.asarray(expected, dtype=np.float64)
    got = getattr(got, "data", got)  # a Tensor's array
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        wrong(f"{name} should be an array of shape {expected.shape}; got {type(got).__name__}")
    if got.shape != expected.shape:
        wrong(f"{name} has shape {got.shape}; expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        wrong(f"{name}{_at(index)} is {got[index]}; expected a finite value")
    excess = np.abs(got - expected) - (atol + rtol * np.abs(expected))
    if np.any(excess > 0):
        index = tuple(int(i) for i in np.unravel_index(int(excess.argmax()), excess.shape))
        n_bad = int(np.sum(excess > 0))
        off = got[index] - expected[index]
        where = f" ({n_bad} of {got.size} entries differ)" if got.size > 1 else ""
        wrong(
            f"{name}{_at(index)} is {got[index]:.6g} where {expected[index]:.6g} is expected "
            f"(off by {off:+.3g}){where}"
        )


def within(value, name, bounds, hint="", fmt=".4g", unit=""):
    """The verdict "wrong" unless ``value`` lies in ``bounds`` (low, high): the range the
    reference solution reaches across the seeds measured; ``hint`` names the likely slip.
    The message shows ``value`` in the format ``fmt``, then its ``unit`` if it has one."""
    low, high = bounds
    if not low <= value <= high:
        side = "above" if value > high else "below"
        shown = f"{value:{fmt}} {unit}".rstrip()
        wrong(
            f"{name} is {shown}, {side} the {low:.4g} .. {high:.4g} that the exercise gives "
            "across seeds" + (f": {hint}" if hint else "")
        )


def fraction(value, name="answer"):
    """``value`` as a float in [0, 1], or the verdict "wrong" (or "not attempted")."""
    value = number(given(value, name), name)
    if not 0.0 <= value <= 1.0:
        wrong(f"{name} is {value}; expected a fraction in [0, 1]")
    return value


def accuracies(answer, keys):
    """The test accuracies of a dict answer at ``keys``, each a fraction in [0, 1]."""
    entries(answer, keys)
    return {key: fraction(answer[key], f"answer[{key!r}]") for key in keys}
