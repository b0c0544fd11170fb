"""The README shows the code as it is and states the layering rule the tests check."""

import inspect
import re
from pathlib import Path

import test_layering

from aelearn.autograd.activations import SigmoidOp

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def normalised(text):
    return " ".join(text.split())


def test_the_readme_backward_pass_is_the_code_of_the_op():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    snippet = next(block for block in blocks if block.startswith("class SigmoidOp"))
    assert snippet == inspect.getsource(SigmoidOp)


def test_the_readme_states_the_layering_rule_the_tests_check():
    rule = test_layering.__doc__.split("\n\n", 1)[1]
    assert normalised(rule) in normalised(README)
