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


def test_the_first_two_commands_set_up_the_demo_and_the_tests():
    blocks = re.findall(r"^```\w*\n(.*?)^```", README, flags=re.S | re.M)
    assert blocks[0].strip().endswith("pip install -e . && aelearn demo"), blocks[0]
    assert blocks[1].strip().endswith("pip install -e '.[test]' && python -m pytest"), blocks[1]


def test_the_readme_states_the_layering_rule_the_tests_check():
    rule = test_layering.__doc__.split("\n\n", 1)[1]
    assert normalised(rule) in normalised(README)
