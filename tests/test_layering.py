"""The layers of the package import only the layers below them (STYLE.md's arrows)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aelearn"

# For each part of the package, the parts of aelearn it may import.
ALLOWED = {
    "autograd": {"autograd"},
    "gradcheck": {"autograd"},
    "nn": {"autograd", "nn"},
    "losses": {"autograd"},
    "optim": set(),
    "training": {"autograd", "optim", "validation"},
    "models": {"autograd", "nn", "losses", "optim", "training", "validation", "models", "datasets"},
}


def aelearn_imports(path):
    """The first component after ``aelearn.`` of every aelearn module ``path`` imports."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "aelearn" and len(parts) > 1:
                yield parts[1]


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_parts_below_it(part):
    files = sorted((PACKAGE / part).rglob("*.py")) or [PACKAGE / f"{part}.py"]
    for path in files:
        imported = set(aelearn_imports(path))
        assert imported <= ALLOWED[part], f"{path.name} imports {sorted(imported - ALLOWED[part])}"
