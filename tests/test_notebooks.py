"""Every course notebook runs top to bottom in a fresh kernel without an error.

Each notebook is copied into a temporary folder (so the figures it saves land there, not
in the repository) and executed with nbclient in a new python3 kernel. A cell that raises
fails the test with the cell's traceback. The execution time is printed (``pytest -s``)
and recorded as a user property for the JUnit report.
"""

import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from build_notebooks import readme_figures  # noqa: E402

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_every_topic_of_the_course_has_a_notebook():
    stems = [p.stem for p in PATHS]
    assert [s[:2] for s in stems] == ["01", "02", "03", "04", "05", "06", "07", "08"], stems


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
    # A notebook writes nothing; its README figure is a cell output the builder saves.
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert readme_figures(nb), f"{path.name} marks no figure for the README"
