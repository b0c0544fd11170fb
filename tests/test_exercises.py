"""The exercise checks of aelearn.exercises, and the exercise sections of the notebooks.

Each check says "right" for the notebook's own solution (run here at another seed than the
notebook's, so that an experiment's tolerance is seen to hold across seeds; the notebook's
seed is asserted by test_notebooks.py, which executes the instructor notebooks), "wrong"
with the documented hint for a planted wrong answer, and "not attempted" for a stub.

The exercise sections run in this process, after the cells they depend on: a notebook's
setup (its code cells before the first "## " section) and the functions and classes its
body defines. An exercise never reads anything else of the body, which is what lets the
student version be tested here without training the body's models: the body is the same in
both versions and test_notebooks.py runs it.
"""

import ast
import contextlib
import importlib
import inspect
import io
import pkgutil
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import aelearn.exercises
from aelearn.autograd import Function
from aelearn.exercises.verdict import NOT_ATTEMPTED, RIGHT, WRONG, CheckResult

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from build_notebooks import SOURCES, clear_solutions, instructor_version, student_version  # noqa: E402

# One module of checks per notebook; verdict and ops are what the checks share.
MODULES = [
    importlib.import_module(f"aelearn.exercises.{info.name}")
    for info in pkgutil.iter_modules(aelearn.exercises.__path__)
    if info.name not in ("verdict", "ops")
]
STEMS = [source.stem for source in sorted(SOURCES.glob("*.py"))]
CHECKS = {
    f"{module.__name__.rsplit('.', 1)[1]}.{name}": fn
    for module in MODULES
    for name, fn in inspect.getmembers(module, inspect.isfunction)
    if hasattr(fn, "__wrapped__") and fn.__module__ == module.__name__
}


class _NoMagics:
    """Stands in for IPython in this process: a notebook's magics (%matplotlib, %pip) are
    for a kernel, and aelearn is importable here."""

    def run_line_magic(self, *args, **kwargs):
        pass

    run_cell_magic = system = run_line_magic


def exercise_program(stem, seed, student=False):
    """(setup code, [(exercise cell source, is_check)]) of a notebook, at ``seed``."""
    nb = instructor_version(SOURCES / f"{stem}.py")
    if student:
        nb = student_version(nb)
    cells = nb.cells
    first_section = next(
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## ")
    )
    exercises = next(i for i, c in enumerate(cells) if c.source.startswith("## Exercises"))
    code = [c.source for c in cells[:first_section] if c.cell_type == "code"]
    for cell in cells[first_section:exercises]:
        if cell.cell_type == "code":
            tree = ast.parse(TransformerManager().transform_cell(cell.source))
            code += [
                ast.unparse(node)
                for node in tree.body
                if isinstance(node, ast.FunctionDef | ast.ClassDef)
            ]
    setup = "\n".join(TransformerManager().transform_cell(c) for c in code)
    seeding = "SEED = 0" if "SEED = 0" in setup else "default_rng(0)"
    assert seeding in setup, f"{stem}: the setup should seed with SEED = 0 or default_rng(0)"
    section = [
        (c.source, c.source.startswith("check."))
        for c in cells[exercises:]
        if c.cell_type == "code"
    ]
    return setup.replace(seeding, seeding.replace("0", str(seed)), 1), section


def run_exercises(stem, seed, student=False):
    """Execute a notebook's exercise section in this process; the checks' results."""
    setup, section = exercise_program(stem, seed, student)
    namespace = {"get_ipython": _NoMagics}
    results = []
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(setup, f"{stem} setup", "exec"), namespace)
        for source, is_check in section:
            if is_check:
                results.append(eval(compile(source, f"{stem} check", "eval"), namespace))
            else:
                exec(compile(source, f"{stem} exercise", "exec"), namespace)
    return results


def checks_called(stem):
    """The checks a notebook's check cells call, as "module.name"."""
    source = (SOURCES / f"{stem}.py").read_text()
    module = re.search(r"from aelearn.exercises import (\w+) as check", source).group(1)
    _, section = exercise_program(stem, 0)
    return [
        f"{module}.{code.split('(')[0][len('check.') :]}" for code, is_check in section if is_check
    ]


# ----- every notebook's solutions, at another seed ---------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_every_check_is_right_for_the_notebooks_solution_at_another_seed(stem):
    results = run_exercises(stem, seed=1)
    assert results, f"{stem} has no check cells"
    assert all(isinstance(r, CheckResult) for r in results)
    assert [str(r) for r in results if r.status != RIGHT] == []


@pytest.mark.parametrize("stem", STEMS)
def test_the_student_version_runs_to_its_end_and_every_check_is_not_yet_attempted(stem):
    results = run_exercises(stem, seed=0, student=True)
    assert results
    assert [str(r) for r in results if r.status != NOT_ATTEMPTED] == []
    assert all("not yet attempted" in str(r) for r in results)


def test_every_check_is_called_by_exactly_one_notebook_cell():
    called = [name for stem in STEMS for name in checks_called(stem)]
    assert sorted(called) == sorted(CHECKS)


def test_the_student_version_keeps_no_solution():
    for stem in STEMS:
        instructor = instructor_version(SOURCES / f"{stem}.py")
        student = student_version(instructor)
        for mine, theirs in zip(instructor.cells, student.cells, strict=True):
            if "### BEGIN SOLUTION" in mine.source:
                assert "SOLUTION" not in theirs.source
                assert "# YOUR CODE HERE" in theirs.source
                assert mine.metadata["nbgrader"]["solution"] is True
                assert theirs.metadata["nbgrader"] == mine.metadata["nbgrader"]
            else:
                assert theirs.source == mine.source


# ----- the stubs, as nbgrader makes them -------------------------------------------------


def test_a_solution_in_a_function_body_becomes_nbgraders_stub_at_its_indentation():
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\ny = 1"
    assert clear_solutions(code) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\ny = 1"
    )


def test_a_top_level_solution_becomes_answer_equals_ellipsis():
    code = "### BEGIN SOLUTION\nz = 2\nanswer = z * 3\n### END SOLUTION\nprint(answer)"
    assert clear_solutions(code) == "# YOUR CODE HERE\nanswer = ...\nprint(answer)"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("### BEGIN SOLUTION\nz = 2\n### END SOLUTION", "must bind `answer`"),
        ("### BEGIN SOLUTION\nanswer = 1", "never closed"),
        ("answer = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_badly_marked_solutions_are_refused(code, message):
    with pytest.raises(ValueError, match=message):
        clear_solutions(code)


# ----- planted wrong answers, and stubs --------------------------------------------------


def _relu_gradients(x, y, W1, b1, W2, b2, keep_tanh=False):
    a = x @ W1 + b1
    h = np.maximum(a, 0.0)
    d_y_hat = 2 * (h @ W2 + b2 - y) / len(x)
    da = (d_y_hat @ W2.T) * ((1 - np.tanh(a) ** 2) if keep_tanh else (a > 0))
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ d_y_hat, "b2": d_y_hat.sum(axis=0)}


class DoubledCube(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, grad):
        (x,) = self.saved
        return (grad * 6 * x**2,)


def _held_at_zero(model, X, units):
    codes = model.encode(X)
    codes[:, units] = 0.0
    return model.decode(codes)


def _kl_without_variance_ratio(mu1, logvar1, mu2, logvar2):
    return 0.5 * np.sum(np.exp(logvar1) + (mu1 - mu2) ** 2 - 1.0 - logvar1, axis=1)


def _elbo_terms_with_sigma_for_variance(vae_model, x, eps):
    from aelearn.autograd import Tensor

    mu, logvar = (t.data for t in vae_model.encoder(Tensor(x)))
    logits = vae_model.decoder(Tensor(mu + np.exp(logvar) * eps)).data
    reconstruction = np.sum(np.logaddexp(0.0, logits) - x * logits, axis=1)
    return reconstruction, 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)


def _conv_by_loops(image, kernel, stride):
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    for i, j in np.ndindex(out.shape):
        out[i, j] = np.sum(
            image[i * stride : i * stride + kh, j * stride : j * stride + kw] * kernel
        )
    return out


# (check, a wrong answer, what the hint must say); convolutional.conv_by_loops's flips the
# kernel, a true convolution where conv2d (as PyTorch's) is a cross-correlation
WRONG_ANSWERS = {
    "autograd.relu_gradients": (
        lambda *a: _relu_gradients(*a, keep_tanh=True),
        r"dW1\[\d, \d\] is .* where .* is expected \(off by",
    ),
    "autograd.cube": (DoubledCube, r"relative error 0.5 .*worst at x\[\d, \d\]"),
    "autograd.two_paths": (
        lambda a, b: (2 * (a * b + a) * b, 2 * (a * b + a) * a),
        r"dL/da at a = .* is .* where .* is expected \(off by",
    ),
    "autograd.float32_difference": (1e-10, "below gradcheck's tolerance"),
    "autoencoder_pca.slow_linear_angles": (np.full(8, 1.5), "largest angle is 1.50 degrees"),
    "autoencoder_pca.identity_against_pca": (0.02, "below PCA's"),
    "autoencoder_pca.hold_units_at_mean": (_held_at_zero, r"reconstruction\[\d+, \d+\] is"),
    "autoencoder_pca.decode_line": (
        lambda model, a, b, steps: np.linspace(a, b, steps),
        r"decoded image\[\d, \d+\] is",
    ),
    "transfer.hidden_probe": (
        {"probe": 0.80, "probe_hidden": 0.805, "fine_tuned": 0.82},
        r"by 2 points or more \(it is \+0.5\)",
    ),
    "transfer.denoising_codes": ({"autoencoder": 0.8, "denoising": 0.9}, r"\+10.0 points"),
    "transfer.small_code": (
        {"probe_32": 0.86, "probe_8": 0.81, "fine_tuned_32": 0.87, "fine_tuned_8": 0.80},
        "fine_tuned_8 .* should beat probe_8",
    ),
    "pretraining.glorot_start": ({"normal": 0.2, "glorot": 0.3}, "should beat normal"),
    "pretraining.masked_pretraining": ({"plain": 0.85, "masking": 0.3}, "masking is 0.300"),
    "pretraining.all_labels": ({"pretrained": 0.96, "normal": 0.9}, "by 30 points"),
    "denoising.other_corruption": (
        {"noisy_input": 0.07, "gaussian_dae": 0.02, "masking_dae": 0.03},
        "masking_dae .* should beat gaussian_dae",
    ),
    "denoising.clean_images": ({"plain": 0.016, "denoising": 0.008}, "should reconstruct"),
    "denoising.wide_code": (
        {"noisy_input": 0.07, "plain_64": 0.02, "denoising_64": 0.02},
        "copies its input",
    ),
    "vae.beta_four": (
        {"reconstruction_1": 24.0, "kl_1": 1.7, "reconstruction_4": 24.5, "kl_4": 0.0},
        "at least 1 nat worse",
    ),
    "vae.warmup": (
        {"kl_peak_warmup": 2.0, "kl_peak": 2.0, "neg_elbo_warmup": 25.6, "neg_elbo": 25.7},
        "3 times kl_peak",
    ),
    "vae.logvar_gradient": (
        lambda grad_z, eps, logvar: grad_z * eps * np.exp(logvar) / 2,
        r"dL/dlogvar\[\d, \d\] is .* where .* is expected",
    ),
    "vae.active_units": ({0.5: 8, 1.0: 8, 4.0: 8}, "should keep fewer"),
    "vae.kl_two_gaussians": (_kl_without_variance_ratio, r"KL\[\d\] is .* where"),
    "vae.elbo_terms": (_elbo_terms_with_sigma_for_variance, r"reconstruction\[\d\] is"),
    "cvae.chosen_class": (0.3, "expect 0.8 or more"),
    "cvae.wrong_label": (0.1, "nearest the 7s"),
    "cvae.kl_against_vae": ({"cvae_kl": 2.5, "vae_kl": 2.9}, "under 60%"),
    "convolutional.conv_by_loops": (
        lambda image, kernel, stride: _conv_by_loops(image, kernel[::-1, ::-1], stride),
        r"output\[\d, \d\] is .* where .* is expected \(off by",
    ),
    "convolutional.conv_size": (
        lambda size, k, stride, padding: (size + padding - k) // stride + 1,
        r"for size=\d, kernel_size=\d, stride=\d, padding=\d your formula gives",
    ),
    "convolutional.transposed_size": (
        lambda size, k, stride, padding, output_padding: (size - 1) * stride - 2 * padding + k,
        r"output_padding=1 your formula gives .* \(off by -1\)",
    ),
    "convolutional.parameter_counts": ({"conv": 144, "dense": 16640}, "the biases"),
    "convolutional.fewer_images": (
        {
            "noisy_input": 0.05,
            "conv_full": 0.026,
            "dense_full": 0.024,
            "conv_half": 0.028,
            "dense_half": 0.029,
        },
        "should lose clearly more",
    ),
}


def test_every_check_has_a_planted_wrong_answer():
    assert sorted(WRONG_ANSWERS) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(WRONG_ANSWERS))
def test_a_wrong_answer_is_wrong_with_a_hint(name, capsys):
    answer, hint = WRONG_ANSWERS[name]
    result = CHECKS[name](answer)
    assert result.status == WRONG
    assert capsys.readouterr().out.strip() == str(result)  # printed once, as returned
    assert re.search(hint, result.message), result.message


def _stub(*args):
    raise NotImplementedError


class StubOp(Function):
    pass


# A check that takes code gets a function (or op) that raises NotImplementedError, as the
# student version's stub does; every check gets the stubbed `answer = ...` and None.
STUBS = [
    (name, stub)
    for name in sorted(CHECKS)
    for stub in ["ellipsis", "none"] + (["raises"] if callable(WRONG_ANSWERS[name][0]) else [])
]


@pytest.mark.parametrize(("name", "stub"), STUBS)
def test_a_stub_is_not_yet_attempted(name, stub):
    answer = {"ellipsis": ..., "none": None}.get(stub)
    if stub == "raises":
        answer = StubOp if name == "autograd.cube" else _stub
    result = CHECKS[name](answer)
    assert result.status == NOT_ATTEMPTED
    assert "not yet attempted" in str(result)


def test_a_dict_answer_with_a_value_left_as_ellipsis_is_not_yet_attempted():
    answer = {"reconstruction_1": 24.0, "kl_1": ..., "reconstruction_4": 27.0, "kl_4": 0.1}
    result = CHECKS["vae.beta_four"](answer)
    assert result.status == NOT_ATTEMPTED


def test_student_code_that_crashes_is_wrong_and_says_how_never_raises():
    result = CHECKS["vae.kl_two_gaussians"](lambda *args: np.zeros(2) + np.ones(3))
    assert result.status == WRONG
    assert "raised ValueError" in result.message


def test_an_answer_of_the_wrong_shape_names_both_shapes():
    result = CHECKS["vae.kl_two_gaussians"](lambda mu1, *rest: np.zeros_like(mu1))
    assert result.status == WRONG
    assert "has shape (5, 3); expected (5,)" in result.message


def test_a_dict_answer_missing_a_key_names_it():
    result = CHECKS["transfer.denoising_codes"]({"autoencoder": 0.8})
    assert result.status == WRONG
    assert "no 'denoising'" in result.message
