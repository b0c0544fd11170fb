"""Planted wrong answers for the exercise checks, one module per module of checks.

Each ``tests/plants/<module>.py`` defines ``PLANTS``: for each check of
``aelearn.exercises.<module>``, a list of ``(mistake, answer, hint)``: a plausible wrong answer a
student could give (a factor or sign forgotten, the wrong model, the wrong split, the
untrained model, the same model twice), what that mistake is, and a regular expression the
check's hint must match. tests/test_exercises.py asserts that every check calls each of them
"wrong", with that hint.
"""

import importlib
import pkgutil


def all_plants():
    """{"module.check": [(mistake, answer, hint), ...]} over every plants module."""
    plants = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        plants.update({f"{info.name}.{name}": list(p) for name, p in module.PLANTS.items()})
    return plants
