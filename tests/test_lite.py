"""notebooks/build_lite.py: the JupyterLite site's notebooks, and the check of a built site.

CI builds the site itself (.ci/lite, with the `lite` extra); these need only nbformat.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
from build_lite import LITE_INSTALL_CELL, check_site, write_notebooks
from build_notebooks import SOURCES


def test_the_site_gets_every_student_notebook_starting_with_piplites_install(tmp_path):
    names = write_notebooks(tmp_path)
    assert sorted(names) == sorted(f"{s.stem}.ipynb" for s in SOURCES.glob("*.py"))
    for name in names:
        nb = nbformat.read(tmp_path / name, as_version=4)
        assert nb.cells[0].source == LITE_INSTALL_CELL
        assert "{AELEARN_SOURCE}" not in nb.cells[0].source  # JupyterLite would not expand it
        assert not any("### BEGIN SOLUTION" in cell.source for cell in nb.cells)


def _site(folder, wheel="aelearn-0.1.0-py3-none-any.whl", indexed=True):
    (folder / "pypi").mkdir(parents=True)
    (folder / "files").mkdir()
    (folder / "pypi" / wheel).write_bytes(b"")
    (folder / "pypi" / "all.json").write_text(json.dumps({"aelearn": {}} if indexed else {}))
    return write_notebooks(folder / "files")


def test_a_built_site_with_the_wheel_and_the_notebooks_passes_the_check(tmp_path):
    check_site(tmp_path, "aelearn-0.1.0-py3-none-any.whl", _site(tmp_path))


def test_a_site_whose_index_lacks_aelearn_fails_the_check(tmp_path):
    notebooks = _site(tmp_path, indexed=False)
    with pytest.raises(RuntimeError, match="piplite index does not hold"):
        check_site(tmp_path, "aelearn-0.1.0-py3-none-any.whl", notebooks)


def test_a_notebook_without_the_lite_install_cell_fails_the_check(tmp_path):
    notebooks = _site(tmp_path)
    path = tmp_path / "files" / notebooks[0]
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = '%pip install "{AELEARN_SOURCE}"'
    nbformat.write(nb, path)
    with pytest.raises(RuntimeError, match="JupyterLite install cell"):
        check_site(tmp_path, "aelearn-0.1.0-py3-none-any.whl", notebooks)
