"""What every exercise check shares: three verdicts, student code called safely, and hints.

A check never raises. It prints one line and returns a ``CheckResult`` whose ``status`` is

- ``"right"``;
- ``"wrong"``, with a hint naming the value, shape or gradient that differs and by how much;
- ``"not attempted"``, while the student's stub still raises ``NotImplementedError`` or
  the answer is ``...`` or ``None``.

A check is written as a function that returns a short note for a right answer and calls
``wrong(...)`` otherwise; ``check`` turns it into one that prints and never raises.
"""

import functools
from dataclasses import dataclass

import numpy as np

RIGHT, WRONG, NOT_ATTEMPTED = "right", "wrong", "not attempted"
_SAID = {RIGHT: "right", WRONG: "wrong", NOT_ATTEMPTED: "not yet attempted"}


@dataclass
class CheckResult:
    """The verdict of one check: ``status`` in {"right", "wrong", "not attempted"}."""

    exercise: str
    status: str
    message: str = ""

    @property
    def right(self):
        return self.status == RIGHT

    def __str__(self):
        said = f"[{self.exercise}] {_SAID[self.status]}"
        return f"{said}: {self.message}" if self.message else said

    def _ipython_display_(self):
        """Show nothing more in a notebook: the check has printed its verdict already."""


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


def check(exercise):
    """Decorate a check: print its verdict, return a CheckResult, never raise."""

    def decorate(body):
        @functools.wraps(body)
        def run(*args, **kwargs):
            try:
                result = CheckResult(exercise, RIGHT, body(*args, **kwargs) or "")
            except _Verdict as verdict:
                result = CheckResult(exercise, verdict.status, verdict.message)
            except Exception as error:  # an answer of an unexpected form
                result = CheckResult(
                    exercise, WRONG, f"could not read the answer ({type(error).__name__}: {error})"
                )
            print(result)
            return result

        return run

    return decorate


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
