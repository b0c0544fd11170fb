"""Run a notebook's exercise section in this process, at any seed, and see its answers.

The exercise section runs after the cells it depends on: the notebook's setup (its code
cells before the first "## " section) and the functions and classes its body defines. An
exercise never reads anything else of the body, so the section runs in seconds to a minute,
without the body's training. The tests use this to run every solution at another seed than
the notebook's; an author uses it to measure how an experiment's answers vary across seeds,
which is where an experiment check's tolerances come from::

    python notebooks/exercise_runner.py 05_denoising --seeds 0 1 2 3 4

prints each check's answer at each seed, and for an answer of numbers their range.
"""

import argparse
import ast
import contextlib
import io
import sys
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_notebooks import SOURCES, instructor_version, student_version


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
    if seeding not in setup:
        raise ValueError(f"{stem}: the setup should seed with SEED = 0 or default_rng(0)")
    section = [
        (c.source, c.source.startswith("check."))
        for c in cells[exercises:]
        if c.cell_type == "code"
    ]
    return setup.replace(seeding, seeding.replace("0", str(seed)), 1), section


class _Recorder:
    """Stands in for a notebook's ``check`` module: calls the check, keeps its answer."""

    def __init__(self, module, answers):
        self._module, self._answers = module, answers

    def __getattr__(self, name):
        def recorded(answer, *args, **kwargs):
            self._answers.append((name, answer))
            return getattr(self._module, name)(answer, *args, **kwargs)

        return recorded


def run_exercises(stem, seed, student=False, answers=None):
    """Execute a notebook's exercise section in this process; the checks' results.

    ``answers``, a list, receives each check's (name, answer) in the order they run.
    """
    setup, section = exercise_program(stem, seed, student)
    namespace = {"get_ipython": _NoMagics}
    results = []
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(setup, f"{stem} setup", "exec"), namespace)
        for source, is_check in section:
            if is_check:
                if answers is not None and not isinstance(namespace["check"], _Recorder):
                    namespace["check"] = _Recorder(namespace["check"], answers)
                results.append(eval(compile(source, f"{stem} check", "eval"), namespace))
            else:
                exec(compile(source, f"{stem} exercise", "exec"), namespace)
    return results


def _shown(answer):
    if isinstance(answer, dict):
        return "{" + ", ".join(f"{k!r}: {_shown(v)}" for k, v in answer.items()) + "}"
    if isinstance(answer, float):
        return f"{answer:.5g}"
    return repr(answer) if not callable(answer) else getattr(answer, "__name__", "code")


def main(stem, seeds):
    by_check = {}
    for seed in seeds:
        answers = []
        results = run_exercises(stem, seed, answers=answers)
        for (name, answer), result in zip(answers, results, strict=True):
            by_check.setdefault(name, []).append(answer)
            print(f"seed {seed}  {name}: {_shown(answer)}  [{result.status}]", flush=True)
    for name, values in by_check.items():
        if all(isinstance(v, dict) for v in values):
            for key in values[0]:
                numbers = [float(v[key]) for v in values if isinstance(v.get(key), int | float)]
                if len(numbers) == len(values):
                    print(f"{name}[{key!r}]: {min(numbers):.5g} .. {max(numbers):.5g}")
        elif all(isinstance(v, int | float) for v in values):
            print(f"{name}: {min(values):.5g} .. {max(values):.5g}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stem", help="a notebook's name without .ipynb, such as 05_denoising")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    main(args.stem, args.seeds)
