"""``python -m aelearn``: the same command line as the ``aelearn`` console script."""

from aelearn.cli import main

raise SystemExit(main())
