"""Each part of the package imports only the parts below it: the layout the style guide states.

From the bottom up: the fast kernels import nothing of aelearn; the autograd core imports
only itself and the fast kernels (through one switch, `autograd/kernels.py`); layers (nn)
know nothing of losses, optimisers or models; the training loop knows nothing of models;
models know nothing of data sets, plots, files, the command line or scikit-learn; the outer
faces (io, sklearn, plotting, the demo and the command line) sit on top. And nothing in the
package reaches for process-wide settings through ctypes.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aelearn"

# For each part of the package, the parts of aelearn it may import ("__version__" is
# ``aelearn.__version__``).
ALLOWED = {
    "fast": {"fast"},  # its own modules; nothing else of aelearn
    "autograd": {"autograd", "fast"},
    "validation": set(),
    "reporting": set(),
    "gradient_check": {"autograd"},
    "nn": {"autograd", "nn", "validation"},
    "losses": {"autograd", "validation"},
    "optim": set(),
    "threads": {"nn", "validation"},
    "training": {"autograd", "optim", "threads", "training", "validation"},
    "models": {"autograd", "nn", "losses", "optim", "threads", "training", "validation", "models"},
    "datasets": {"datasets", "validation"},
    "baselines": {"validation"},
    "plotting": {"plotting"},
    "io": {"io", "nn", "training", "validation", "__version__"},
    "sklearn": {"models", "nn", "training", "validation"},
    # PyTorch's modules of the models; torch is imported only when they are asked for.
    "export": {"export", "models", "nn"},
    # The checks of the notebooks' exercises may read the library; no part of it reads them.
    "exercises": {
        "exercises",
        "autograd",
        "baselines",
        "datasets",
        "gradient_check",
        "losses",
        "models",
        "nn",
    },  # fmt: skip
    "demo": {
        "__version__",
        "baselines",
        "datasets",
        "io",
        "models",
        "nn",
        "plotting",
        "reporting",
    },  # fmt: skip
    "cli": {"__version__", "cli", "datasets", "demo", "io", "plotting", "reporting", "training"},
    "__init__": {"autograd", "gradient_check", "models", "threads"},
    "__main__": {"cli"},
}


def part_of(path):
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_modules(path):
    """(full dotted name, names taken from it) of every module ``path`` imports, with
    relative imports resolved: ``from aelearn import io`` gives ("aelearn", ["io"])."""
    tree = ast.parse(path.read_text())
    package = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = package[:-1]  # the package the file is in (for __init__.py, its own)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def aelearn_imports(path):
    """The parts of aelearn ``path`` imports: the first component after ``aelearn.``
    (``from aelearn import io`` counts as io); for a bare ``import aelearn``, each
    attribute of it the file reads (``aelearn.__version__``)."""
    tree = ast.parse(path.read_text())
    for module, names in imported_modules(path):
        parts = module.split(".")
        if parts[0] != "aelearn":
            continue
        if len(parts) > 1:
            yield parts[1]
        elif names:
            yield from names
        else:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "aelearn"
                ):
                    yield node.attr


FILES = sorted(PACKAGE.rglob("*.py"))
IDS = [str(p.relative_to(PACKAGE)) for p in FILES]


def test_every_module_of_the_package_is_covered_by_a_rule():
    assert {part_of(path) for path in FILES} <= set(ALLOWED)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_each_module_imports_only_the_parts_below_it(path):
    part = part_of(path)
    imported = set(aelearn_imports(path))
    assert imported <= ALLOWED[part], f"{path.name} imports {sorted(imported - ALLOWED[part])}"


def test_the_rules_see_relative_imports_and_attributes_of_a_bare_import(tmp_path, monkeypatch):
    # The checker itself: a rule it cannot see breaking is no rule.
    package = tmp_path / "aelearn"
    (package / "nn").mkdir(parents=True)
    source = "from . import dense\nfrom ..models import Autoencoder\nimport aelearn\naelearn.io\n"
    (package / "nn" / "layer.py").write_text(source)
    monkeypatch.setattr(f"{__name__}.PACKAGE", package)
    assert set(aelearn_imports(package / "nn" / "layer.py")) == {"nn", "models", "io"}


# ----- the image ops a student opens, and the one switch to the fast kernels ----------------
REFERENCE_IMAGE_OPS = ["convolution", "transposed_convolution", "pooling", "upsampling"]


def aelearn_modules(path):
    """The full dotted names of the aelearn modules ``path`` imports, or imports from
    (``from aelearn import fast`` counts as aelearn.fast)."""
    found = set()
    for module, names in imported_modules(path):
        if module == "aelearn" and names:
            found |= {f"aelearn.{name}" for name in names}
        elif module.startswith("aelearn"):
            found.add(module)
    return found


@pytest.mark.parametrize("name", REFERENCE_IMAGE_OPS)
def test_a_reference_image_op_imports_only_function_and_im2col(name):
    allowed = {"aelearn.autograd.function", "aelearn.autograd.im2col"}
    imported = aelearn_modules(PACKAGE / "autograd" / f"{name}.py")
    assert imported <= allowed, f"autograd/{name}.py imports {sorted(imported - allowed)}"


def test_im2col_imports_nothing_of_aelearn():
    assert aelearn_modules(PACKAGE / "autograd" / "im2col.py") == set()


OPS = sorted(
    path
    for path in (PACKAGE / "autograd").glob("*.py")
    if path.name not in {"__init__.py", "kernels.py"}
)


@pytest.mark.parametrize("path", OPS, ids=[p.name for p in OPS])
def test_no_op_a_student_opens_names_the_fast_kernels(path):
    assert "aelearn.fast" not in path.read_text(), f"autograd/{path.name} names aelearn.fast"
    assert not any(m.startswith("aelearn.fast") for m in aelearn_modules(path))


def test_only_the_switch_imports_the_fast_kernels():
    importers = {
        str(path.relative_to(PACKAGE))
        for path in FILES
        if part_of(path) != "fast"
        and any(m == "aelearn.fast" or m.startswith("aelearn.fast.") for m in aelearn_modules(path))
    }
    assert importers == {"autograd/kernels.py"}


# ----- no process-wide settings behind the user's back ---------------------------------------
def names_used(path):
    """Every name and attribute name a file's code uses (comments and strings left out)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.alias):
            yield from node.name.split(".")


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_module_imports_ctypes_or_calls_mallopt(path):
    imported = {module.split(".")[0] for module, _ in imported_modules(path)}
    assert "ctypes" not in imported, f"{path.name} imports ctypes"
    reached = set(names_used(path)) & {"mallopt", "CDLL", "cdll"}
    assert not reached, f"{path.name} uses {sorted(reached)}"
