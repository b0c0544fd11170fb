"""Every course notebook matches its source and runs top to bottom in a fresh kernel.

Each committed notebook holds the cells its source in notebooks/src builds, with their
nbgrader metadata (outputs aside), so that the two cannot drift apart. Its first cell installs
aelearn only where aelearn cannot be imported. Each notebook is copied alone into a temporary
folder and executed with nbclient in a new python3 kernel. A cell that raises fails the test
with the cell's traceback. The execution time is printed (``pytest -s``) and recorded as a
user property for the JUnit report.
"""

import importlib.util
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from build_notebooks import (  # noqa: E402
    SOURCES,
    install_cell,
    instructor_version,
    readme_figures,
)

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
SOURCE_PATHS = sorted(SOURCES.glob("*.py"))


def test_every_topic_of_the_course_has_a_notebook():
    stems = [p.stem for p in PATHS]
    assert [s[:2] for s in stems] == ["01", "02", "03", "04", "05", "06", "07", "08", "09"], stems
    assert stems == [p.stem for p in SOURCE_PATHS], "a notebook without a source, or the reverse"


def cells(nb):
    """[(cell kind, source, nbgrader's metadata)] of a notebook: what its source decides,
    outputs aside."""
    return [(cell.cell_type, cell.source, cell.metadata.get("nbgrader")) for cell in nb.cells]


@pytest.mark.parametrize("source", SOURCE_PATHS, ids=[p.stem for p in SOURCE_PATHS])
def test_committed_notebook_is_built_from_its_source(source):
    committed = nbformat.read(NOTEBOOKS / f"{source.stem}.ipynb", as_version=4)
    assert cells(committed) == cells(instructor_version(source)), (
        f"notebooks/{source.stem}.ipynb differs from notebooks/src/{source.name}: rebuild it "
        f"with python notebooks/build_notebooks.py {source.stem}"
    )


def test_a_source_edited_without_rebuilding_no_longer_matches(tmp_path):
    source = SOURCE_PATHS[0]
    committed = nbformat.read(NOTEBOOKS / f"{source.stem}.ipynb", as_version=4)
    edited = tmp_path / source.name
    edited.write_text(source.read_text().replace("# ", "# Edited: ", 1))
    assert cells(committed) != cells(instructor_version(edited))


@pytest.fixture
def shell_without_aelearn(monkeypatch):
    """An IPython shell in which aelearn cannot be found, whose %pip records its line."""
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "aelearn" else find_spec(name, *a),
    )
    shell = InteractiveShell()
    shell.pip_lines = []
    shell.register_magic_function(shell.pip_lines.append, magic_kind="line", magic_name="pip")
    return shell


def test_the_install_cell_installs_the_given_source_where_aelearn_is_missing(shell_without_aelearn):
    wheel = "https://example.org/course/aelearn-0.1.0-py3-none-any.whl"
    assert shell_without_aelearn.run_cell(install_cell(wheel).source).success
    assert shell_without_aelearn.pip_lines == [f'install --quiet "{wheel}"']


def test_the_install_cell_without_a_source_says_what_to_set(shell_without_aelearn):
    result = shell_without_aelearn.run_cell(install_cell("").source)
    assert isinstance(result.error_in_exec, ModuleNotFoundError)
    assert "set AELEARN_SOURCE" in str(result.error_in_exec)
    assert shell_without_aelearn.pip_lines == []


def test_the_install_cell_does_nothing_where_aelearn_is_importable():
    shell = InteractiveShell()
    pip_lines = []
    shell.register_magic_function(pip_lines.append, magic_kind="line", magic_name="pip")
    assert shell.run_cell(install_cell("https://example.org/aelearn.whl").source).success
    assert pip_lines == []


def test_the_autograd_notebooks_table_of_ops_gives_each_ops_current_line():
    """The committed output of notebook 01 lists every op's file and line: moving an op's
    class without re-executing the notebook would leave the students a stale table."""
    import inspect
    import re

    # Every op's module, so that each op is among the subclasses below.
    import aelearn.autograd.ops
    import aelearn.losses  # noqa: F401
    from aelearn.autograd.function import Function

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ops = {op.__name__: op for op in subclasses(Function) if op.__module__.startswith("aelearn.")}
    nb = nbformat.read(NOTEBOOKS / "01_autograd.ipynb", as_version=4)
    text = "".join(
        output.get("text", "") for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )  # fmt: skip
    rows = re.findall(r"^(\w+) +(aelearn/\S+\.py) +(\d+)  ", text, re.MULTILINE)
    assert {name for name, _, _ in rows} == set(ops), "an op missing from notebook 01's table"
    for name, file, line in rows:
        assert Path(inspect.getsourcefile(ops[name])).as_posix().endswith(file), (name, file)
        assert inspect.getsourcelines(ops[name])[1] == int(line), (
            f"notebook 01 shows {name} at {file}:{line}; re-execute it with "
            "python notebooks/build_notebooks.py 01_"
        )


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_without_error(path, tmp_path, monkeypatch, record_property):
    # The BLAS threads are not pinned: aelearn chooses them itself, as in a student's kernel.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    shutil.copy(path, tmp_path)  # alone in an empty folder, as a downloaded copy would be
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name} raised in a cell:\n{error}")
    seconds = time.perf_counter() - start
    record_property("seconds", round(seconds, 1))
    print(f"\n{path.name}: executed in {seconds:.1f} s")
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    # Every exercise's check, run on the instructor's solution, prints one verdict: right
    # (tests/test_exercises.py runs the same solutions at another seed, and the stubs).
    checks = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("check.")]
    assert checks, f"{path.name} has no exercise checks"
    verdicts = [[o.get("text", o.output_type).strip() for o in c.outputs] for c in checks]
    assert [v for v in verdicts if len(v) != 1 or "\n" in v[0] or "] right" not in v[0]] == []
    # A notebook writes nothing; its README figure is a cell output the builder saves.
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert readme_figures(nb), f"{path.name} marks no figure for the README"
