"""Build the course notebooks from their sources in notebooks/src/, and execute them.

Each source is a plain Python file in the "percent" format: a line ``# %%`` starts a code
cell and ``# %% [markdown]`` a markdown cell, whose lines are comments (``# `` is
stripped). A line ``# %matplotlib inline`` in a code cell becomes the IPython magic, as
in jupytext. Sources are easy to review and diff; the notebooks are committed executed,
with their outputs, so that they read well on a page that cannot run them.

Usage (from the repository root)::

    python notebooks/build_notebooks.py            # build and execute all of them
    python notebooks/build_notebooks.py 07_vae     # only those whose name starts so
    python notebooks/build_notebooks.py --student  # student versions, in notebooks/student/
    python notebooks/build_notebooks.py --student OUTDIR 07_vae
    python notebooks/build_notebooks.py --course COURSEDIR     # a course folder for nbgrader

Each notebook ends with exercises: a solution cell, then a check cell that calls
``aelearn.exercises``. A solution is marked as nbgrader marks one, inside a code cell::

    def kl_divergence(mu1, logvar1, mu2, logvar2):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

The committed notebooks here are the instructor versions, solutions included. ``--student``
writes the student versions (not executed, no outputs) to OUTDIR, by default
notebooks/student/, which git ignores. As nbgrader's ``generate_assignment`` does, each
region from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` becomes a stub indented like the
markers: inside a function body nbgrader's own ``# YOUR CODE HERE`` and
``raise NotImplementedError()``; at a cell's top level, where a solution ends by binding
``answer``, ``# YOUR CODE HERE`` and ``answer = ...``, so that the student's notebook still
runs to its end and each check says "not yet attempted". Both versions carry nbgrader's cell
metadata: solution cells, and check cells, which are locked graded cells (nbgrader's
"autograder tests") worth ``POINTS_PER_CHECK`` point each.

``--course COURSEDIR`` makes a course folder for nbgrader: one assignment per notebook,
``COURSEDIR/source/07_vae/07_vae.ipynb`` (the instructor version, not executed), and
``COURSEDIR/nbgrader_config.py``, a copy of notebooks/nbgrader_config.py. nbgrader reads
its configuration from the folder its commands run in, the course's root, hence the copy.
That configuration makes nbgrader's ``generate_assignment`` write the stubs described above
(nbgrader's own stub raises at a cell's top level too, which would stop Run All at the first
exercise) and gives the autograder a cell timeout that fits the training cells. Under
nbgrader's autograder a check that is not right raises, so its cell scores 0
(``aelearn.exercises.verdict``).

Each notebook runs in a temporary folder and writes nothing; a code cell with a line
``# README figure: NAME.png`` has its figure saved here, to notebooks/figures/NAME.png,
from the executed notebook's output, for the README. Threads are left to aelearn, which
chooses its BLAS threads itself.

Every notebook starts with one more cell, written here (``install_cell``), not in the sources:
where aelearn is importable it does nothing; where it is not (a hosted service such as Colab)
it runs ``%pip install`` of ``AELEARN_SOURCE``, which an instructor sets once below to the
course's wheel or its URL before building.
"""

import argparse
import base64
import copy
import re
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


BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
STUB_IN_FUNCTION = ("# YOUR CODE HERE", "raise NotImplementedError()")
STUB_AT_TOP_LEVEL = ("# YOUR CODE HERE", "answer = ...")


def clear_solutions(code):
    """``code`` with each solution region replaced by its stub (nbgrader's semantics).

    The marker lines and everything between them go; the stub takes the indentation of the
    ``### BEGIN SOLUTION`` line. A top-level region must bind ``answer``, the name its stub
    binds to ``...``.
    """
    lines, region, out = code.split("\n"), None, []
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN_SOLUTION:
            if region is not None:
                raise ValueError(f"line {number}: a solution region opens inside another")
            region, indent = [], line[: line.index(BEGIN_SOLUTION)]
        elif line.strip() == END_SOLUTION:
            if region is None:
                raise ValueError(f"line {number}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            stub = STUB_IN_FUNCTION if indent else STUB_AT_TOP_LEVEL
            if not indent and not any(re.match(r"answer\s*=", text) for text in region):
                raise ValueError(f"line {number}: a top-level solution must bind `answer`")
            out.extend(indent + text for text in stub)
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise ValueError(f"a {BEGIN_SOLUTION} is never closed by {END_SOLUTION}")
    return "\n".join(out)


#: The points of each check cell: every check weighs the same, whether it tests a function,
#: an op or an experiment's numbers, so a notebook is worth as many points as it has checks.
POINTS_PER_CHECK = 1


def mark_exercises(nb, stem):
    """Give solution cells and the check cells after them nbgrader's cell metadata; ``nb``.

    A solution cell is nbgrader's "autograded answer" (a solution, not graded); a check cell
    is an "autograder test" (graded, locked, ``POINTS_PER_CHECK`` points), which scores 0
    when it raises, as a check does under nbgrader's autograder for an answer that is not
    right. The ids count the exercises (``07_vae-exercise-3``, ``07_vae-exercise-3-check``),
    so that they stay put when a cell is added above the exercises.
    """
    exercise = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if BEGIN_SOLUTION in cell.source:
            exercise += 1
            grade_id, solution = f"{stem}-exercise-{exercise}", True
        elif cell.source.startswith("check."):
            grade_id, solution = f"{stem}-exercise-{exercise}-check", False
        else:
            continue
        cell.metadata["nbgrader"] = {
            "grade": not solution,
            "grade_id": grade_id,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
        if not solution:
            cell.metadata["nbgrader"]["points"] = POINTS_PER_CHECK
    return nb


def instructor_version(source):
    """The notebook of ``source`` with its exercises marked for nbgrader, not yet executed."""
    return mark_exercises(build(source), source.stem)


def student_version(nb):
    """A copy of the instructor notebook ``nb`` with its solutions stubbed, without outputs."""
    student = copy.deepcopy(nb)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.source = clear_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
    return student


def sources(prefixes):
    return [
        source
        for source in sorted(SOURCES.glob("*.py"))
        if not prefixes or any(source.stem.startswith(p) for p in prefixes)
    ]


def write_student_versions(prefixes, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources(prefixes):
        nbformat.write(student_version(instructor_version(source)), folder / f"{source.stem}.ipynb")
        print(f"{folder / source.stem}.ipynb  (student version)", flush=True)


NBGRADER_CONFIG = HERE / "nbgrader_config.py"


def write_course(prefixes, folder):
    """A course folder for nbgrader: source/STEM/STEM.ipynb for each notebook, and the config.

    Each notebook is an assignment of its own; ``nbgrader generate_assignment STEM`` run in
    ``folder`` writes its student version to release/STEM/.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NBGRADER_CONFIG.name).write_text(NBGRADER_CONFIG.read_text())
    for source in sources(prefixes):
        assignment = folder / "source" / source.stem
        assignment.mkdir(parents=True, exist_ok=True)
        nbformat.write(instructor_version(source), assignment / f"{source.stem}.ipynb")
        print(f"{assignment / source.stem}.ipynb  (an assignment's source)", flush=True)


def main(prefixes):
    (HERE / "figures").mkdir(exist_ok=True)
    for source in sources(prefixes):
        nb = instructor_version(source)
        with tempfile.TemporaryDirectory() as folder:
            seconds = execute(nb, folder)
        nbformat.write(nb, HERE / f"{source.stem}.ipynb")
        for name, png in readme_figures(nb).items():
            (HERE / "figures" / name).write_bytes(png)
        print(f"{source.stem}.ipynb  executed in {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build the course notebooks.")
    parser.add_argument("prefixes", nargs="*", help="only the notebooks whose name starts so")
    parser.add_argument(
        "--student",
        nargs="?",
        const=HERE / "student",
        type=Path,
        metavar="OUTDIR",
        help="write student versions (solutions stubbed) to OUTDIR instead "
        "(default notebooks/student/)",
    )
    parser.add_argument(
        "--course",
        type=Path,
        metavar="COURSEDIR",
        help="write a course folder for nbgrader instead: COURSEDIR/source/NAME/NAME.ipynb "
        "and COURSEDIR/nbgrader_config.py",
    )
    args = parser.parse_args()
    if args.course:
        write_course(args.prefixes, args.course)
    elif args.student:
        write_student_versions(args.prefixes, args.student)
    else:
        main(args.prefixes)
