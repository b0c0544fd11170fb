"""Build the course notebooks from their sources in notebooks/src/, and execute them.

Each source is a plain Python file in the "percent" format: a line ``# %%`` starts a code
cell and ``# %% [markdown]`` a markdown cell, whose lines are comments (``# `` is
stripped). A line ``# %matplotlib inline`` in a code cell becomes the IPython magic, as
in jupytext. Sources are easy to review and diff; the notebooks are committed executed,
with their outputs, so that they read well on a page that cannot run them.

Usage (from the repository root)::

    python notebooks/build_notebooks.py            # build and execute all of them
    python notebooks/build_notebooks.py 06_vae     # only those whose name starts so

Each notebook runs in a temporary folder and writes nothing; a code cell with a line
``# README figure: NAME.png`` has its figure saved here, to notebooks/figures/NAME.png,
from the executed notebook's output, for the README. Threads are left to aelearn, which
chooses its BLAS threads itself.

Every notebook starts with one more cell, written here (``install_cell``), not in the sources:
where aelearn is importable it does nothing; where it is not (a hosted service such as Colab)
it runs ``%pip install`` of ``AELEARN_SOURCE``, which an instructor sets once below to the
course's wheel or its URL before building.
"""

import base64
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
MAGIC_PREFIX = "# %"


def _code_line(line):
    """A commented magic (``# %matplotlib inline``) becomes the magic; other lines stay."""
    if line.startswith(MAGIC_PREFIX) and not line.startswith("# %%"):
        return line[2:]
    return line


def parse_cells(text):
    """Split a percent-format source into nbformat cells (markdown and code), in order."""
    cells, kind, lines = [], None, []

    def flush():
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(
                line[2:] if line.startswith("# ") else line.lstrip("#")
                for line in body.splitlines()
            )
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body:
            cells.append(nbformat.v4.new_code_cell("\n".join(map(_code_line, body.splitlines()))))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        else:
            lines.append(line)
    flush()
    return cells


#: What the first cell of every notebook installs where aelearn is missing: anything
#: ``pip install`` accepts, such as the URL of the wheel ``python -m build`` makes, put where
#: the class can download it. Empty, the cell says so instead of installing something else.
AELEARN_SOURCE = ""


INSTALL_CELL = """\
# Installs aelearn where it is missing (a hosted service such as Colab); elsewhere it does
# nothing. AELEARN_SOURCE: the wheel your course gives, its URL or its path once uploaded.
import importlib.util

AELEARN_SOURCE = {source!r}
if importlib.util.find_spec("aelearn") is None:
    if not AELEARN_SOURCE:
        raise ModuleNotFoundError(
            "aelearn is not installed here: set AELEARN_SOURCE in this cell to the wheel "
            "(or its URL) your course gives, then run the cell again"
        )
    %pip install --quiet "{{AELEARN_SOURCE}}"
    importlib.invalidate_caches()
"""


def install_cell(source=AELEARN_SOURCE):
    """The code cell that installs aelearn from ``source`` where it cannot be imported."""
    return nbformat.v4.new_code_cell(INSTALL_CELL.format(source=source).strip("\n"))


def build(source):
    """The notebook of one source file, not yet executed: the install cell, then its cells."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [install_cell(), *parse_cells(source.read_text())]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["kernelspec"] = kernel
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb, workdir, timeout=300):
    """Run every cell in a fresh python3 kernel started in ``workdir``; return seconds taken."""
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    ).execute()
    return time.perf_counter() - start


FIGURE_MARK = re.compile(r"^# README figure: ([\w.-]+\.png)", re.MULTILINE)


def readme_figures(nb):
    """{file name: PNG bytes} of the cells marked ``# README figure: NAME.png``."""
    figures = {}
    for cell in nb.cells:
        mark = FIGURE_MARK.search(cell.source) if cell.cell_type == "code" else None
        if mark:
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            if not images:
                raise RuntimeError(f"the cell marked for {mark.group(1)} showed no figure")
            figures[mark.group(1)] = base64.b64decode(images[-1]["data"]["image/png"])
    return figures


def main(prefixes):
    (HERE / "figures").mkdir(exist_ok=True)
    for source in sorted(SOURCES.glob("*.py")):
        if prefixes and not any(source.stem.startswith(p) for p in prefixes):
            continue
        nb = build(source)
        with tempfile.TemporaryDirectory() as folder:
            seconds = execute(nb, folder)
        nbformat.write(nb, HERE / f"{source.stem}.ipynb")
        for name, png in readme_figures(nb).items():
            (HERE / "figures" / name).write_bytes(png)
        print(f"{source.stem}.ipynb  executed in {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
