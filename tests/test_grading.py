"""The course graded with nbgrader: what a check does under the autograder, the cells'
metadata, the stubs, and the course folder and configuration nbgrader reads.

Under nbgrader's autograder (and ``nbgrader validate``) a check that is not right raises
after printing its verdict, so its graded cell scores 0; nothing a check runs writes to
stderr, which would also score the cell 0. Outside nbgrader a check never raises. The run of
nbgrader itself on three submissions is .ci/nbgrader; the test here that needs nbgrader runs
there, where the `grading` extra is installed, and is skipped elsewhere.
"""

import ast
import copy
import re
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from aelearn.exercises import autograd
from aelearn.exercises.verdict import NOT_ATTEMPTED, RIGHT, WRONG, CheckFailed, check, given, wrong

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from build_notebooks import (  # noqa: E402
    NBGRADER_CONFIG,
    POINTS_PER_CHECK,
    SOURCES,
    STUB_AT_TOP_LEVEL,
    clear_solutions,
    instructor_version,
    student_version,
    write_course,
)

STEMS = [source.stem for source in sorted(SOURCES.glob("*.py"))]


def _not_yet(a, b):
    raise NotImplementedError


# (what, check, answer, verdict) on the checks of notebook 01, whose answers are fixed.
ANSWERS = [
    ("a right number", autograd.float32_difference, autograd.float32_relative_error(), RIGHT),
    ("float64's difference", autograd.float32_difference, 1e-10, WRONG),
    ("the stub's answer = ...", autograd.float32_difference, ..., NOT_ATTEMPTED),
    ("a stub that raises", autograd.two_paths, _not_yet, NOT_ATTEMPTED),
    ("a function that returns None", autograd.two_paths, lambda a, b: None, NOT_ATTEMPTED),
]


# ----- a check under nbgrader's autograder, and outside it -------------------------------


@pytest.mark.parametrize("run", ["autograde", "validate"])
@pytest.mark.parametrize(
    ("what", "a_check", "answer", "status"), ANSWERS, ids=[a[0] for a in ANSWERS]
)
def test_under_nbgrader_a_check_that_is_not_right_raises_after_its_verdict(
    run, what, a_check, answer, status, monkeypatch, capfd
):
    monkeypatch.setenv("NBGRADER_EXECUTION", run)
    if status == RIGHT:
        assert a_check(answer).status == RIGHT
    else:
        with pytest.raises(CheckFailed) as raised:
            a_check(answer)
        said = "wrong" if status == WRONG else "not yet attempted"
        assert re.match(r"\[01 exercise \d: .*\] " + said, str(raised.value)), what
    out, err = capfd.readouterr()
    assert err == ""
    assert len(out.splitlines()) == 1  # the verdict, on stdout
    if status != RIGHT:
        assert out.strip() == str(raised.value)


@pytest.mark.parametrize("run", [None, "", "something else"])
@pytest.mark.parametrize(
    ("what", "a_check", "answer", "status"), ANSWERS, ids=[a[0] for a in ANSWERS]
)
def test_outside_nbgrader_a_check_never_raises(
    run, what, a_check, answer, status, monkeypatch, capfd
):
    if run is None:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    else:
        monkeypatch.setenv("NBGRADER_EXECUTION", run)
    assert a_check(answer).status == status, what
    assert capfd.readouterr().err == ""


def _noisy_gradients(a, b):
    """Right, after a warning and a line on stderr, as a student's debugging might leave."""
    warnings.warn("a student's warning", UserWarning, stacklevel=1)
    print("a student's debugging line", file=sys.stderr)
    u = a * b + a
    return 2 * u * (b + 1), 2 * u * a


def _noisy_and_wrong(a, b):
    warnings.warn("a student's warning", UserWarning, stacklevel=1)
    return 0.0, 0.0


@pytest.mark.parametrize("graded", [True, False])
def test_what_the_students_code_warns_or_writes_to_stderr_is_shown_on_stdout(
    graded, monkeypatch, capfd
):
    if graded:
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    result = autograd.two_paths(_noisy_gradients)
    assert result.status == RIGHT
    assert result.notes == ("UserWarning: a student's warning", "a student's debugging line")
    if graded:
        with pytest.raises(CheckFailed, match="a student's warning"):
            autograd.two_paths(_noisy_and_wrong)
    out, err = capfd.readouterr()
    assert err == ""
    assert "while checking: UserWarning: a student's warning" in out
    assert "while checking: a student's debugging line" in out


# ----- a leftover `answer` -----------------------------------------------------------------


@check("exercise A")
def _check_a(answer):
    return "read" if isinstance(given(answer), dict) else wrong("not a dict")


@check("exercise B")
def _check_b(answer):
    return "read" if isinstance(given(answer), list) else wrong("not a list")


def _notebook(*cells):
    """The results of the check cells among ``cells``, run in one namespace as a kernel would."""
    namespace = {"check_a": _check_a, "check_b": _check_b, "__name__": "__main__"}
    results = []
    for cell in cells:
        if cell.startswith("check_"):
            results.append(eval(cell, namespace))
        else:
            try:
                exec(cell, namespace)
            except ZeroDivisionError:
                pass  # a student's cell that raises, as Run All under nbgrader goes on
    return results


def test_a_leftover_answer_from_the_previous_exercise_is_not_attempted(capsys):
    a, b = _notebook(
        "answer = {'a': 1}",
        "check_a(answer)",
        "x = 1 / 0\nanswer = {'b': 2}",  # raises before it binds answer
        "check_b(answer)",
    )
    assert a.status == RIGHT
    assert b.status == NOT_ATTEMPTED
    assert "`answer` is still the answer of exercise A" in b.message
    assert capsys.readouterr().out.splitlines()[1] == str(b)


def test_a_leftover_stays_not_attempted_when_read_again_and_its_own_check_still_reads_it():
    first, second, again, first_again = _notebook(
        "answer = {'a': 1}",
        "check_a(answer)",
        "check_b(answer)",
        "check_b(answer)",
        "check_a(answer)",
    )
    assert [r.status for r in (first, second, again, first_again)] == [
        RIGHT,
        NOT_ATTEMPTED,
        NOT_ATTEMPTED,
        RIGHT,
    ]


def test_an_answer_bound_again_is_read_and_a_stub_is_not_attempted():
    results = _notebook(
        "answer = {'a': 1}",
        "check_a(answer)",
        "answer = ...",
        "check_b(answer)",
        "answer = [1, 2]",
        "check_b(answer)",
    )
    assert [r.status for r in results] == [RIGHT, NOT_ATTEMPTED, RIGHT]
    assert "answer is still ..." in results[1].message


def test_under_the_autograder_a_leftover_answer_raises(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(CheckFailed, match="still the answer of exercise A"):
        _notebook("answer = {'a': 1}", "check_a(answer)", "check_b(answer)")


# ----- the cells' nbgrader metadata ------------------------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_check_cells_are_locked_graded_cells_and_solution_cells_are_not_graded(stem):
    nb = instructor_version(SOURCES / f"{stem}.py")
    marked = [cell for cell in nb.cells if "nbgrader" in cell.metadata]
    checks = [cell for cell in nb.cells if cell.source.startswith("check.")]
    solutions = [cell for cell in nb.cells if "### BEGIN SOLUTION" in cell.source]
    assert checks and solutions
    assert len(marked) == len(checks) + len(solutions)
    for cell in checks:
        meta = cell.metadata["nbgrader"]
        assert meta["grade"] is True and meta["locked"] is True and meta["solution"] is False
        assert meta["points"] == POINTS_PER_CHECK == 1
        assert meta["grade_id"].endswith("-check")
    for cell in solutions:
        meta = cell.metadata["nbgrader"]
        assert meta["solution"] is True and meta["grade"] is False and meta["locked"] is False
        assert "points" not in meta
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in marked]
    assert len(set(ids)) == len(ids)
    assert all(cell.metadata["nbgrader"]["schema_version"] == 3 for cell in marked)


def test_each_check_cell_follows_the_solution_cell_of_its_exercise():
    for stem in STEMS:
        nb = instructor_version(SOURCES / f"{stem}.py")
        exercise = None
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta and meta["solution"]:
                exercise = meta["grade_id"]
            elif meta:
                assert meta["grade_id"] == f"{exercise}-check", stem


# ----- the stubs -------------------------------------------------------------------------


def test_a_stub_in_a_function_raises_and_one_at_top_level_binds_answer_in_one_cell():
    code = (
        "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\n"
        "### BEGIN SOLUTION\nanswer = f(2)\n### END SOLUTION"
    )
    stubbed = clear_solutions(code)
    assert stubbed == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n"
        "# YOUR CODE HERE\nanswer = ..."
    )
    namespace = {}
    exec(stubbed, namespace)  # the cell runs: Run All goes on to the check
    assert namespace["answer"] is ...
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


@pytest.mark.parametrize("stem", STEMS)
def test_every_released_cell_runs_its_definitions_without_raising(stem):
    """Each stubbed solution cell, run alone after stubbing, defines its names or binds
    ``answer = ...``: no released solution cell stops Run All."""
    student = student_version(instructor_version(SOURCES / f"{stem}.py"))
    for cell in student.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            tree = ast.parse(cell.source)
            top = [node for node in tree.body if not isinstance(node, ast.Import | ast.ImportFrom)]
            raises = [node for node in top if isinstance(node, ast.Raise)]
            assert raises == [], f"{stem}: a released cell raises at its top level"
            if not all(isinstance(n, ast.FunctionDef | ast.ClassDef) for n in top):
                assert "answer = ..." in cell.source


def _config_assignment(name):
    """The value the shipped nbgrader_config.py gives a module-level name (a constant)."""
    tree = ast.parse(NBGRADER_CONFIG.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


def test_the_nbgrader_config_stub_at_top_level_is_build_notebooks_stub():
    assert _config_assignment("TOP_LEVEL_STUB") == "\n".join(STUB_AT_TOP_LEVEL)


def test_the_nbgrader_config_gives_cells_time_for_the_training():
    # The longest cell takes about 10 s on a laptop; nbgrader's default is 30 s.
    assert _config_assignment("c.Execute.timeout") >= 300


def test_nbgraders_release_with_the_shipped_config_is_the_student_version():
    pytest.importorskip("nbgrader")
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(NBGRADER_CONFIG.name, str(NBGRADER_CONFIG.parent)).load_config()
    (clear,) = [
        step
        for step in config.GenerateAssignment.preprocessors
        if step.__name__.startswith("ClearSolutions")
    ]
    assert config.Execute.timeout == 300
    for stem in STEMS:
        instructor = instructor_version(SOURCES / f"{stem}.py")
        released, _ = clear(config=config).preprocess(copy.deepcopy(instructor), {})
        student = student_version(instructor)
        assert [c.source for c in released.cells] == [c.source for c in student.cells], stem


# ----- the course folder -----------------------------------------------------------------


def test_the_course_folder_holds_each_notebook_as_an_assignment_and_the_config(tmp_path):
    write_course(["01", "07"], tmp_path)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert written == [
        "nbgrader_config.py",
        "source/01_autograd/01_autograd.ipynb",
        "source/07_vae/07_vae.ipynb",
    ]
    assert (tmp_path / "nbgrader_config.py").read_text() == NBGRADER_CONFIG.read_text()
    nb = nbformat.read(tmp_path / "source/01_autograd/01_autograd.ipynb", as_version=4)
    built = instructor_version(SOURCES / "01_autograd.py")
    assert [(c.source, c.metadata) for c in nb.cells] == [
        (c.source, c.metadata) for c in built.cells
    ]
