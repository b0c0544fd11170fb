"""Each part of the package imports only the parts below it: the rule the README states.

From the bottom up: the autograd core knows nothing of the rest; layers (nn) know nothing
of losses, optimisers or models; the training loop knows nothing of models; models know
nothing of data sets, plots, files, the command line or scikit-learn; the outer faces (io,
sklearn, plotting, the demo and the command line) sit on top.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aelearn"

OUTER = {
    "autograd", "nn", "losses", "optim", "threads", "allocator", "training", "models", "validation"
}  # fmt: skip
# For each part of the package, the parts of aelearn it may import.
ALLOWED = {
    "validation": set(),
    "reporting": set(),
    "optim": set(),
    "autograd": {"autograd"},
    "gradient_check": {"autograd"},
    "nn": {"autograd", "nn", "validation"},
    "losses": {"autograd", "validation"},
    "threads": set(),
    "allocator": set(),
    "training": {"autograd", "allocator", "optim", "threads", "training", "validation"},
    "models": {"autograd", "nn", "losses", "optim", "threads", "training", "validation", "models"},
    "datasets": {"datasets", "validation"},
    "baselines": {"validation"},
    "plotting": {"plotting"},
    "io": {"io", "models", "nn", "training", "version"},
    "sklearn": {"models", "training", "validation"},
    # The checks of the notebooks' exercises may read the library; no part of it reads them.
    "exercises": OUTER | {"exercises", "gradient_check", "datasets", "baselines"},
    "demo": OUTER | {"baselines", "datasets", "io", "plotting", "reporting", "version"},
    "cli": OUTER | {"baselines", "datasets", "demo", "io", "plotting", "reporting", "version"},
    "__init__": {"autograd", "gradient_check", "threads"},
    "__main__": {"cli"},
}


def part_of(path):
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def aelearn_imports(path):
    """The first component after ``aelearn.`` of every aelearn module ``path`` imports
    (``from aelearn import io`` counts as io)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "aelearn":
                continue
            if len(parts) > 1:
                yield parts[1]
            else:
                yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "aelearn":
                    yield parts[1] if len(parts) > 1 else "version"  # aelearn.__version__


FILES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_of_the_package_is_covered_by_a_rule():
    assert {part_of(path) for path in FILES} <= set(ALLOWED)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PACKAGE)) for p in FILES])
def test_each_module_imports_only_the_parts_below_it(path):
    part = part_of(path)
    imported = set(aelearn_imports(path)) - {"__version__"}
    assert imported <= ALLOWED[part], f"{path.name} imports {sorted(imported - ALLOWED[part])}"


# The image ops of the autograd core and the one module whose window view and scatter-add
# (im2col, col2im) they all share; the image layers of nn, and the ops they wrap.
IMAGE_OPS = {
    "im2col": set(),
    "convolution": {"aelearn.autograd.function", "aelearn.autograd.im2col"},
    "transposed_convolution": {
        "aelearn.autograd.function",
        "aelearn.autograd.convolution",
        "aelearn.autograd.im2col",
    },
    "pooling": {
        "aelearn.autograd.function",
        "aelearn.autograd.convolution",
        "aelearn.autograd.im2col",
    },
    "upsampling": {
        "aelearn.autograd.function",
        "aelearn.autograd.convolution",
        "aelearn.autograd.im2col",
    },
}
IMAGE_LAYERS = {
    "conv": {"aelearn.autograd.convolution", "aelearn.autograd.transposed_convolution"},
    "pooling": {
        "aelearn.autograd.convolution",
        "aelearn.autograd.pooling",
        "aelearn.autograd.upsampling",
    },
    "reshape": {"aelearn.autograd.shapes"},
}


def aelearn_modules(path):
    """The full dotted names of the aelearn modules ``path`` imports from."""
    tree = ast.parse(path.read_text())
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aelearn")
    }


@pytest.mark.parametrize(
    ("folder", "name", "allowed"),
    [("autograd", name, allowed) for name, allowed in IMAGE_OPS.items()]
    + [("nn", name, allowed | {"aelearn.nn.module", "aelearn.nn.dense"})
       for name, allowed in IMAGE_LAYERS.items()],
)  # fmt: skip
def test_image_ops_share_one_im2col_and_image_layers_reach_only_their_ops(folder, name, allowed):
    imported = aelearn_modules(PACKAGE / folder / f"{name}.py")
    assert imported <= allowed, f"{folder}/{name}.py imports {sorted(imported - allowed)}"
