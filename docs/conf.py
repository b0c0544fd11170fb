"""Sphinx configuration of aelearn's documentation: a user guide, the API reference built
from the numpydoc docstrings, and the course's notebooks rendered with their committed
outputs (never re-executed).

Build it with ``python -m sphinx -W --keep-going -b html docs <output folder>``.
"""

import pkgutil
import re
import sys
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
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

# The notebooks are committed with their outputs, and the docs show exactly those.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# autodoc documents each class's members itself; numpydoc's own member tables would
# repeat them.
numpydoc_show_class_members = False
autodoc_default_options = {"members": True, "member-order": "bysource"}

html_theme = "furo"
html_title = f"aelearn {release}"

# The modules of aelearn that are not part of its API: the command line and the demo are
# used as `aelearn ...` (the user guide documents them), the other two are helpers of the
# rest.
INTERNAL_MODULES = {"cli", "demo", "reporting", "validation"}
API_DIR = ROOT / "docs" / "api"
README = ROOT / "README.md"
#: A guide page's line "% README section: Ten lines" (a comment in MyST) is replaced by the
#: body of the README's section "## Ten lines", so that each fact is written once.
README_SECTION = re.compile(r"^% README section: (.+)$", flags=re.M)


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
    return found.group(1).strip() + "\n"


def include_readme_sections(app, docname, source):
    if README_SECTION.search(source[0]):
        app.env.note_dependency(str(README))
        source[0] = README_SECTION.sub(lambda line: readme_section(line[1]), source[0])


def setup(app):
    app.connect("builder-inited", check_every_public_module_has_a_page)
    app.connect("source-read", include_readme_sections)
