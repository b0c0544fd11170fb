"""Build the course as a JupyterLite site: the notebooks in a browser, nothing installed.

JupyterLite runs a Python kernel in the browser (Pyodide), which has NumPy, SciPy,
scikit-learn and matplotlib. The site this builds holds the aelearn wheel (in its piplite
index, ``pypi/``) and the student version of every notebook, whose first cell is
``%pip install aelearn``: in JupyterLite that magic is piplite's, and installs the wheel the
site holds. Pyodide's own packages come from its CDN when a student opens the page.

Usage (from anywhere; needs the ``lite`` extra, ``pip install -e '.[lite]'``)::

    python notebooks/build_lite.py OUTDIR          # then serve OUTDIR, e.g. python -m http.server

Nothing is written into the repository: the wheel is built from a copy of the package, and
the notebooks and the site go to a temporary folder and OUTDIR.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from build_notebooks import instructor_version, sources, student_version

#: The first cell of every notebook in the site, in place of the install cell of the others.
LITE_INSTALL_CELL = """\
# In JupyterLite this is piplite's %pip: it installs the aelearn wheel this site holds.
%pip install aelearn"""

#: What a wheel is built from: the package and the files its build reads.
PACKAGE_FILES = ("aelearn", "pyproject.toml", "setup.cfg", "README.md")


def build_wheel(folder):
    """Build aelearn's wheel into ``folder`` from a copy of the package; its path."""
    with tempfile.TemporaryDirectory() as tree:
        for name in PACKAGE_FILES:
            source, target = ROOT / name, Path(tree) / name
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder)]
        subprocess.run([*pip, tree], check=True)
    (wheel,) = Path(folder).glob("aelearn-*.whl")
    return wheel


def write_notebooks(folder):
    """The student version of every notebook, with the JupyterLite install cell, into
    ``folder``; their names."""
    names = []
    for source in sources([]):
        nb = student_version(instructor_version(source))
        nb.cells[0] = nbformat.v4.new_code_cell(LITE_INSTALL_CELL)
        nbformat.write(nb, Path(folder) / f"{source.stem}.ipynb")
        names.append(f"{source.stem}.ipynb")
    return names


def build_site(output):
    """Build the site into ``output``; (the wheel's name, the notebooks' names)."""
    output = Path(output).resolve()
    with tempfile.TemporaryDirectory() as work:
        lite_dir, contents = Path(work), Path(work) / "contents"
        (lite_dir / "pypi").mkdir()
        contents.mkdir()
        wheel = build_wheel(lite_dir / "pypi")  # pypi/ in the lite folder: piplite's index
        names = write_notebooks(contents)
        command = ["jupyter", "lite", "build", "--lite-dir", str(lite_dir)]
        command += ["--contents", str(contents), "--output-dir", str(output)]
        subprocess.run([sys.executable, "-m", *command], check=True, cwd=lite_dir)
    return wheel.name, names


def check_site(output, wheel, notebooks):
    """Raise unless the site at ``output`` holds the wheel in its piplite index and every
    notebook with the JupyterLite install cell."""
    output = Path(output)
    index = json.loads((output / "pypi" / "all.json").read_text())
    if "aelearn" not in index or not (output / "pypi" / wheel).is_file():
        raise RuntimeError(f"{output}: the piplite index does not hold {wheel}")
    for name in notebooks:
        nb = nbformat.read(output / "files" / name, as_version=4)
        if nb.cells[0].source != LITE_INSTALL_CELL:
            raise RuntimeError(f"{output}: {name} does not start with the JupyterLite install cell")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="the folder to write the site to")
    args = parser.parse_args()
    wheel, notebooks = build_site(args.output)
    check_site(args.output, wheel, notebooks)
    print(f"{args.output}: a JupyterLite site with {wheel} and {len(notebooks)} notebooks")
