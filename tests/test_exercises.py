"""The exercise checks of aelearn.exercises, and the exercise sections of the notebooks.

Each check says "right" for the notebook's own solution (run here at another seed than the
notebook's, so that an experiment's tolerance is seen to hold across seeds; the notebook's
seed is asserted by test_notebooks.py, which executes the instructor notebooks), "wrong"
with the documented hint for a planted wrong answer, and "not attempted" for a stub.

The exercise sections run in this process, after the cells they depend on: a notebook's
setup (its code cells before the first "## " section) and the functions and classes its
body defines. An exercise never reads anything else of the body, which is what lets the
student version be tested here without training the body's models: the body is the same in
both versions and test_notebooks.py runs it.
"""

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from plants import all_plants

import aelearn.exercises
from aelearn.autograd import Function
from aelearn.exercises.verdict import NOT_ATTEMPTED, RIGHT, WRONG, CheckResult

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from build_notebooks import SOURCES, clear_solutions, instructor_version, student_version  # noqa: E402
from exercise_runner import exercise_program, run_exercises  # noqa: E402

# One module of checks per notebook; verdict and ops are what the checks share.
MODULES = [
    importlib.import_module(f"aelearn.exercises.{info.name}")
    for info in pkgutil.iter_modules(aelearn.exercises.__path__)
    if info.name not in ("verdict", "ops")
]
STEMS = [source.stem for source in sorted(SOURCES.glob("*.py"))]
CHECKS = {
    f"{module.__name__.rsplit('.', 1)[1]}.{name}": fn
    for module in MODULES
    for name, fn in inspect.getmembers(module, inspect.isfunction)
    if hasattr(fn, "__wrapped__") and fn.__module__ == module.__name__
}


def checks_called(stem):
    """The checks a notebook's check cells call, as "module.name"."""
    source = (SOURCES / f"{stem}.py").read_text()
    module = re.search(r"from aelearn.exercises import (\w+) as check", source).group(1)
    _, section = exercise_program(stem, 0)
    return [
        f"{module}.{code.split('(')[0][len('check.') :]}" for code, is_check in section if is_check
    ]


# ----- every notebook's solutions, at another seed ---------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_every_check_is_right_for_the_notebooks_solution_at_another_seed(stem):
    results = run_exercises(stem, seed=1)
    assert results, f"{stem} has no check cells"
    assert all(isinstance(r, CheckResult) for r in results)
    assert [str(r) for r in results if r.status != RIGHT] == []


@pytest.mark.parametrize("stem", STEMS)
def test_the_student_version_runs_to_its_end_and_every_check_is_not_yet_attempted(stem):
    results = run_exercises(stem, seed=0, student=True)
    assert results
    assert [str(r) for r in results if r.status != NOT_ATTEMPTED] == []
    assert all("not yet attempted" in str(r) for r in results)


def test_every_check_is_called_by_exactly_one_notebook_cell():
    called = [name for stem in STEMS for name in checks_called(stem)]
    assert sorted(called) == sorted(CHECKS)


def test_the_student_version_keeps_no_solution():
    for stem in STEMS:
        instructor = instructor_version(SOURCES / f"{stem}.py")
        student = student_version(instructor)
        for mine, theirs in zip(instructor.cells, student.cells, strict=True):
            if "### BEGIN SOLUTION" in mine.source:
                assert "SOLUTION" not in theirs.source
                assert "# YOUR CODE HERE" in theirs.source
                assert mine.metadata["nbgrader"]["solution"] is True
                assert theirs.metadata["nbgrader"] == mine.metadata["nbgrader"]
            else:
                assert theirs.source == mine.source


# ----- the stubs, as nbgrader makes them -------------------------------------------------


def test_a_solution_in_a_function_body_becomes_nbgraders_stub_at_its_indentation():
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\ny = 1"
    assert clear_solutions(code) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\ny = 1"
    )


def test_a_top_level_solution_becomes_answer_equals_ellipsis():
    code = "### BEGIN SOLUTION\nz = 2\nanswer = z * 3\n### END SOLUTION\nprint(answer)"
    assert clear_solutions(code) == "# YOUR CODE HERE\nanswer = ...\nprint(answer)"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("### BEGIN SOLUTION\nz = 2\n### END SOLUTION", "must bind `answer`"),
        ("### BEGIN SOLUTION\nanswer = 1", "never closed"),
        ("answer = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_badly_marked_solutions_are_refused(code, message):
    with pytest.raises(ValueError, match=message):
        clear_solutions(code)


# ----- planted wrong answers, and stubs --------------------------------------------------


WRONG_ANSWERS = all_plants()
PLANTED = [(name, i) for name in sorted(WRONG_ANSWERS) for i in range(len(WRONG_ANSWERS[name]))]


def test_every_check_has_a_planted_wrong_answer():
    assert sorted(WRONG_ANSWERS) == sorted(CHECKS)
    assert all(WRONG_ANSWERS.values())


@pytest.mark.parametrize(("name", "index"), PLANTED)
def test_a_wrong_answer_is_wrong_with_a_hint(name, index, capsys):
    mistake, answer, hint = WRONG_ANSWERS[name][index]
    result = CHECKS[name](answer)
    assert result.status == WRONG, f"{name} accepts a wrong answer: {mistake}"
    assert capsys.readouterr().out.strip() == str(result)  # printed once, as returned
    assert re.search(hint, result.message), result.message


def _stub(*args):
    raise NotImplementedError


class StubOp(Function):
    pass


# A check that takes code gets a function (or op) that raises NotImplementedError, as the
# student version's stub does; every check gets the stubbed `answer = ...` and None.
STUBS = [
    (name, stub)
    for name in sorted(CHECKS)
    for stub in ["ellipsis", "none"] + (["raises"] if callable(WRONG_ANSWERS[name][0][1]) else [])
]


@pytest.mark.parametrize(("name", "stub"), STUBS)
def test_a_stub_is_not_yet_attempted(name, stub):
    answer = {"ellipsis": ..., "none": None}.get(stub)
    if stub == "raises":
        answer = StubOp if name == "autograd.cube" else _stub
    result = CHECKS[name](answer)
    assert result.status == NOT_ATTEMPTED
    assert "not yet attempted" in str(result)


def test_a_dict_answer_with_a_value_left_as_ellipsis_is_not_yet_attempted():
    answer = {"reconstruction_1": 24.0, "kl_1": ..., "reconstruction_4": 27.0, "kl_4": 0.1}
    result = CHECKS["vae.beta_four"](answer)
    assert result.status == NOT_ATTEMPTED


def test_student_code_that_crashes_is_wrong_and_says_how_never_raises():
    result = CHECKS["vae.kl_two_gaussians"](lambda *args: np.zeros(2) + np.ones(3))
    assert result.status == WRONG
    assert "raised ValueError" in result.message


def test_an_answer_of_the_wrong_shape_names_both_shapes():
    result = CHECKS["vae.kl_two_gaussians"](lambda mu1, *rest: np.zeros_like(mu1))
    assert result.status == WRONG
    assert "has shape (5, 3); expected (5,)" in result.message


def test_a_dict_answer_missing_a_key_names_it():
    result = CHECKS["transfer.denoising_codes"]({"autoencoder": 0.8})
    assert result.status == WRONG
    assert "no 'denoising'" in result.message
