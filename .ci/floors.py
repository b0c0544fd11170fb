"""Print setup.cfg's runtime dependencies pinned at their floors, one a line.

``numpy>=1.23`` is printed ``numpy==1.23``. Run from the repository root; .ci/matrix uses the
output as the constraints of its `oldest` environment, so that the versions it tests are the
floors setup.cfg declares, with no second list to keep in step.
"""

import configparser
import re
import sys

config = configparser.ConfigParser()
config.read("setup.cfg")
for requirement in config["options"]["install_requires"].split():
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
    if match is None:
        sys.exit(f"setup.cfg: {requirement!r} is not of the form name>=floor")
    print(f"{match[1]}=={match[2]}")
