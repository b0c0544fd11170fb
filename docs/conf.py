"""Sphinx configuration of aelearn's documentation: a user guide with a start page for
students and one for instructors, the API reference built from the numpydoc docstrings, and
the course's notebooks as students get them (the student versions, never re-executed).

Build it with ``python -m sphinx -W --keep-going -b html docs <output folder>``. The build
writes nothing into the checkout but its output folder: the student notebooks are made in
memory from the committed ones, and the files the site serves (the student notebooks to
download, MathJax) are written into the output folder.
"""

import importlib.util
import pkgutil
import re
import shutil
import sys
from pathlib import Path

import nbformat
from sphinx.errors import ExtensionError
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
# Importing aelearn and build_notebooks from the checkout must not leave __pycache__ in it.
sys.dont_write_bytecode = True
# The checkout's aelearn is the one documented, whatever else is installed.
sys.path.insert(0, str(ROOT))
import aelearn  # noqa: E402

project = "aelearn"
author = "the aelearn authors"
copyright = "aelearn authors, MIT licence"
release = version = aelearn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

# The notebooks are read through the symbolic link docs/notebooks -> ../notebooks, so they
# stay in one place. Only the top-level notebooks are pages: the sources in notebooks/src,
# the figures and any generated versions beside them are not.
include_patterns = ["index.md", "guide/*.md", "api/*.rst", "notebooks/*.ipynb"]
exclude_patterns = ["_build"]

# The notebooks are committed with their outputs (the instructor versions, solutions
# included); the site shows each as a student gets it (``student_page`` below), never
# re-executed.
nb_execution_mode = "off"
# No notebook has widgets; MyST-NB would otherwise load their scripts from a CDN.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# The site publishes no source file: Sphinx's copy of a notebook's source would be the
# instructor version, with the solutions.
html_copy_source = False
# Code in docstrings (``'relu'``, ``"--filters"``) keeps its straight quotes.
smartquotes = False

# autodoc documents each class's members itself; numpydoc's own member tables would
# repeat them. A class shows the methods it inherits too (a CVAE's ``sample``, a
# DenoisingAutoencoder's ``convolutional``, every model's ``fit``), except those of
# ``nn.Module`` (``parameters``, ``state_dict``, ``train`` ..., documented once, on Module's
# own entry) and of Python's built-in bases. (The page of aelearn.sklearn, and those whose
# modules show no members, turn this off.)
numpydoc_show_class_members = False
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "inherited-members": (
        "Module, object, BaseException, Exception, ValueError, RuntimeError, tuple"
    ),
}

html_theme = "furo"
html_title = f"aelearn {release}"

# Math is rendered by the MathJax that the `docs` extra installs (the package
# django-static-mathjax, a copy of MathJax 3 with no Python dependency), copied into the
# site: the pages load it from the site itself, not from a CDN, so they show their
# equations offline. ``mathjax_path`` is relative to the site's _static folder.
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"options": {}}

# The modules of aelearn that are not part of its API: the command line and the demo are
# used as `aelearn ...` (the user guide documents them), validation is a helper of the rest.
# (aelearn.reporting has a page: every notebook prints its tables with format_table.)
INTERNAL_MODULES = {"cli", "demo", "validation"}
API_DIR = ROOT / "docs" / "api"
README = ROOT / "README.md"
#: A guide page's line "% README section: Ten lines" (a comment in MyST) is replaced by the
#: body of the README's section "## Ten lines", so that each fact is written once;
#: "% README section: Ten lines / Lead" by the part of it that starts "**Lead**".
README_SECTION = re.compile(r"^% README section: (.+)$", flags=re.M)
#: A link from the README to one of its own sections, ``[the course](#the-course)``.
README_LINK = re.compile(r"\[([^\]]+)\]\(#[\w-]+\)")


def public_modules():
    """aelearn's public modules: every top-level module or package but the internal ones."""
    return sorted(
        f"aelearn.{info.name}"
        for info in pkgutil.iter_modules(aelearn.__path__)
        if not info.name.startswith("_") and info.name not in INTERNAL_MODULES
    )


def check_every_public_module_has_a_page(app):
    """A module added to aelearn without a page in docs/api/ fails the build (run with -W)."""
    for module in public_modules():
        if not (API_DIR / f"{module}.rst").exists():
            logging.getLogger(__name__).warning(
                f"{module} has no API page: add docs/api/{module}.rst (an automodule, as the "
                "other pages there), or list it in INTERNAL_MODULES in docs/conf.py"
            )


def readme_section(title):
    """The body of the README's section ``## title`` (or of its title ``# title``), up to
    the next section."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"^##? {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if found is None:
        raise ExtensionError(f"README.md has no section '## {title}' for the user guide")
    # A link to another of the README's sections has no target on the site: name the section.
    return README_LINK.sub(r"the README's section *\1*", found.group(1).strip()) + "\n"


def readme_part(title):
    """The body of a README section, or with ``"Section / Lead"`` the part of the section
    ``## Section`` that starts with the paragraph ``**Lead**``, up to the next paragraph that
    starts with a bold lead (or the section's end)."""
    section, _, lead = title.partition(" / ")
    text = readme_section(section.strip())
    if not lead:
        return text
    found = re.search(
        rf"^\*\*{re.escape(lead.strip())}\*\*.*?(?=^\*\*\w[^*\n]*\*\*|\Z)", text, flags=re.M | re.S
    )
    if found is None:
        raise ExtensionError(f"README.md's section '## {section}' has no part '**{lead}**'")
    return found.group(0).strip() + "\n"


def include_readme_sections(app, docname, source):
    if README_SECTION.search(source[0]):
        app.env.note_dependency(str(README))
        source[0] = README_SECTION.sub(lambda line: readme_part(line[1]), source[0])


# The course's notebooks, as students get them. The committed notebooks are the instructor
# versions; notebooks/build_notebooks.py makes the student versions (``student_version``:
# each solution replaced by its stub, no outputs), and the site uses exactly that.

BUILD_NOTEBOOKS = ROOT / "notebooks" / "build_notebooks.py"
NOTEBOOK_PAGES = "notebooks/"
#: Where a notebook page's download link points: the student notebook, written beside the
#: page in the output folder.
DOWNLOAD_NOTE = """\
```{{admonition}} The student version
This page is the notebook as a student gets it: each exercise's solution is a stub
(`# YOUR CODE HERE`), and the exercises' cells have not been run, so their checks show no
verdict here. The lesson above the exercises shows its outputs and figures.
<a class="reference download" href="{name}" download>Download {name}</a> and run it
({{doc}}`start here </guide/students>` says how).
```"""


def build_notebooks():
    """notebooks/build_notebooks.py, imported as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("build_notebooks", BUILD_NOTEBOOKS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_exercise_cell(instructor, student):
    """Whether a code cell is an exercise's solution or check: its outputs are the solution's
    results or the check's verdict on them, and the site does not show them."""
    grading = instructor.metadata.get("nbgrader", {})
    return (
        student.source != instructor.source
        or grading.get("solution", False)
        or grading.get("grade", False)
        or instructor.source.lstrip().startswith("check.")
    )


def student_page(instructor, name):
    """The notebook a page shows: the student version of ``instructor`` (an executed notebook)
    with the outputs of every cell but the exercises' solutions and checks, and a note that
    links to the student notebook ``name`` to download."""
    student = build_notebooks().student_version(instructor)
    executed = {cell.get("id"): cell for cell in instructor.cells}
    if None in executed or len(executed) != len(instructor.cells):
        raise ExtensionError(f"{name}: every cell needs an id of its own (nbformat 4.5)")
    for cell in student.cells:
        source = executed.get(cell.get("id"))
        if cell.cell_type == "code" and source is not None:
            if not is_exercise_cell(source, cell):
                cell.outputs, cell.execution_count = source.outputs, source.execution_count
    titles = [i for i, cell in enumerate(student.cells) if cell.cell_type == "markdown"]
    note = nbformat.v4.new_markdown_cell(DOWNLOAD_NOTE.format(name=name))
    student.cells.insert(titles[0] + 1 if titles else 0, note)
    return student


def show_student_versions(app, docname, source):
    """source-read: a notebook page's source becomes its student page, in memory."""
    if docname.startswith(NOTEBOOK_PAGES) and app.env.doc2path(docname).suffix == ".ipynb":
        instructor = nbformat.reads(source[0], as_version=4)
        name = f"{docname.removeprefix(NOTEBOOK_PAGES)}.ipynb"
        source[0] = nbformat.writes(student_page(instructor, name))


def notebook_pages(app):
    """{docname: path of the committed notebook} of every notebook page."""
    return {
        docname: Path(app.env.doc2path(docname))
        for docname in sorted(app.env.found_docs)
        if docname.startswith(NOTEBOOK_PAGES) and app.env.doc2path(docname).suffix == ".ipynb"
    }


def mathjax_folder():
    """MathJax's es5 folder, from the package django-static-mathjax (the `docs` extra)."""
    spec = importlib.util.find_spec("mathjax")
    folder = spec and Path(spec.submodule_search_locations[0]) / "static" / "mathjax" / "es5"
    if folder is None or not (folder / "tex-chtml.js").is_file():
        raise ExtensionError(
            "MathJax is missing: install the `docs` extra (pip install -e '.[docs]'), which "
            "brings it in the package django-static-mathjax"
        )
    return folder


def write_site_files(app, exception):
    """build-finished: the student notebooks beside their pages, and MathJax in _static."""
    if exception is not None or app.builder.format != "html":
        return
    make_student_version = build_notebooks().student_version
    for docname, path in notebook_pages(app).items():
        page = Path(app.outdir) / f"{docname}.ipynb"
        page.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(make_student_version(nbformat.read(path, as_version=4)), page)
    # tex-chtml.js and the components it loads when a page needs them (fonts, TeX
    # extensions, the menu, accessibility): not the other combined components.
    source, target = mathjax_folder(), Path(app.outdir) / "_static" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(source / "tex-chtml.js", target)
    shutil.copy2(source.parent / "LICENSE", target)
    for folder in source.iterdir():
        if folder.is_dir():
            shutil.copytree(folder, target / folder.name)


def hide_check_sources(app, modname):
    """viewcode-find-source: no [source] page for aelearn.exercises, whose checks compute
    the answers they expect, that is, the solutions."""
    if modname == "aelearn.exercises" or modname.startswith("aelearn.exercises."):
        return "", {}
    return None


def setup(app):
    app.connect("builder-inited", check_every_public_module_has_a_page)
    app.connect("source-read", include_readme_sections)
    app.connect("source-read", show_student_versions)
    app.connect("build-finished", write_site_files)
    app.connect("viewcode-find-source", hide_check_sources)
