"""nbgrader's configuration for a course folder made of the aelearn notebooks.

nbgrader reads ``nbgrader_config.py`` from the folder its commands run in, the course's root;
``python notebooks/build_notebooks.py --course COURSEDIR`` copies this file there, beside
``source/``. It changes two things of nbgrader 0.9's defaults:

- The stubs of ``nbgrader generate_assignment``. nbgrader writes ``raise NotImplementedError()``
  for every solution, which at a cell's top level stops Run All at the first unanswered
  exercise. Here, as in ``build_notebooks.py --student``, a solution inside a function body
  becomes nbgrader's own stub and one at a cell's top level (which ends by binding
  ``answer``) becomes ``answer = ...``: a released notebook runs to its end, and each of its
  checks says "not yet attempted" (and scores 0).
- The cell timeout of ``nbgrader autograde`` (and ``validate``): 300 s, as
  ``build_notebooks.py`` executes the notebooks with, where nbgrader's default of 30 s would
  stop the training cells on a slow machine (the longest takes about 10 s on a laptop CPU).
"""

import re

from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions

#: The stub of a top-level solution region, where the solution binds ``answer``.
TOP_LEVEL_STUB = "# YOUR CODE HERE\nanswer = ..."


class ClearSolutionsKeepingTopLevelRunnable(ClearSolutions):
    """nbgrader's ClearSolutions, but a stub at a cell's top level binds ``answer = ...``."""

    def _replace_solution_region(self, cell, language):
        replaced = super()._replace_solution_region(cell, language)
        if replaced and cell.cell_type == "code":
            # A stub is indented like its BEGIN SOLUTION line: unindented, it is at top level.
            stub = re.compile(rf"^{re.escape(self.code_stub[language])}$", re.MULTILINE)
            cell.source = stub.sub(TOP_LEVEL_STUB, cell.source)
        return replaced


c = get_config()  # noqa: F821 (nbgrader runs this file with get_config defined)

c.GenerateAssignment.preprocessors = [
    ClearSolutionsKeepingTopLevelRunnable if step is ClearSolutions else step
    for step in GenerateAssignment.class_traits()["preprocessors"].default()
]
c.Execute.timeout = 300
