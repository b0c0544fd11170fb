"""The prose of each executed notebook holds to its outputs.

Every number with a decimal point (0.0308, 3.2, 2.5e-3) and every percentage (95%, 0.5%)
in a markdown cell must appear in a text output of the same notebook (a stream, or the
plain text of a result), to the precision the prose states: 0.0308 stands for any output
that rounds to it (0.030812, 0.03076), 95% for 95.3% or a fraction printed as 0.951. A
setting the code writes as a literal counts as printed too (``test_size=0.2`` for "20% of
the training images", ``noise_level=0.3``): the code is where it comes from. So the text
cannot quote a result that the code does not print, and cannot drift from the table it
describes when a notebook is re-executed.

Not held: numbers inside $...$ or $$...$$ math and inside inline code or code blocks
(formulas and settings, not results), the addresses of links, and arXiv identifiers.
"""

import bisect
import re
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

#: What a markdown cell says that is not prose: code blocks, display and inline math,
#: inline code, link addresses, bare addresses, HTML tags, and arXiv identifiers (a
#: citation's arXiv:1606.05908 is a name, not a number).
NOT_PROSE = [
    re.compile(r"^(```|~~~).*?^\1", re.M | re.S),
    re.compile(r"\$\$.+?\$\$", re.S),
    re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$"),
    re.compile(r"(`+).+?\1", re.S),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"https?://\S+"),
    re.compile(r"<[^>\n]+>"),
    re.compile(r"arXiv:\s?\d{4}\.\d{4,5}(?:v\d+)?", re.I),
]
#: A percentage: 95%, 0.5 %.
PERCENTAGE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?%")
#: A number with a decimal point, with an exponent or not: 0.0308, 3.2, 2.5e-3; not a
#: version number (0.9.6) or part of a word.
DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+(?:[eE][-+]?\d+)?)(?![\w%]|\.\d)")
#: Any number an output prints: 3, -0.0308, 1.5e-05, .5, 95.3 (of 95.3%).
OUTPUT_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def prose(markdown):
    """The cell's text with everything that is not prose blanked out."""
    for pattern in NOT_PROSE:
        markdown = pattern.sub(" ", markdown)
    return markdown


def stated_numbers(markdown):
    """[(as written, value, half a unit of its last digit, is a percentage)] of a cell."""
    text, found = prose(markdown), []
    for match in PERCENTAGE.finditer(text):
        found.append((match.group(0), *_value_and_half_unit(match.group(1)), True))
    text = PERCENTAGE.sub(" ", text)
    for match in DECIMAL.finditer(text):
        found.append((match.group(1), *_value_and_half_unit(match.group(1)), False))
    return found


def _value_and_half_unit(written):
    number = Decimal(written)
    return float(number), 0.5 * 10.0 ** number.as_tuple().exponent


def output_text(nb):
    """Every text output of the notebook, joined: streams and results' plain text."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append(output.get("text", ""))
            else:
                data = output.get("data", {})
                texts.extend(data.get(kind, "") for kind in ("text/plain", "text/markdown"))
    return "\n".join(text if isinstance(text, str) else "".join(text) for text in texts)


def printed_values(text):
    """The magnitudes of every number in ``text``, sorted."""
    return sorted(abs(float(number)) for number in OUTPUT_NUMBER.findall(text))


def printed(values, value, half_unit):
    """Whether some printed magnitude rounds to ``value`` at the stated precision."""
    tolerance = half_unit * (1 + 1e-9)
    low = bisect.bisect_left(values, abs(value) - tolerance)
    return low < len(values) and values[low] <= abs(value) + tolerance


def code_text(nb):
    """The source of every code cell, joined: where the settings are written."""
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def unprinted_numbers(nb):
    """[(markdown cell index, number as written)] of the prose numbers that no output prints
    and no code cell writes."""
    values = printed_values(output_text(nb) + "\n" + code_text(nb))
    missing = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for written, value, half_unit, percentage in stated_numbers(cell.source):
            found = printed(values, value, half_unit) or (
                percentage and printed(values, value / 100, half_unit / 100)
            )
            if not found:
                missing.append((index, written))
    return missing


def test_the_prose_rules_read_numbers_as_stated():
    """The rules themselves: what counts as a stated number, and what rounding allows."""
    markdown = (
        "The dense DAE ends at 0.0308 against 0.0248, 3.2 times faster, 95% of the variance; "
        "$\\beta = 0.5$ and `lr=1e-3` and `0.75` are not results, nor is nbgrader 0.9.6 or "
        "[a paper](https://arxiv.org/abs/1606.05908), arXiv:1606.05908.\n```\nx = 0.125\n```"
    )
    assert [written for written, *_ in stated_numbers(markdown)] == [
        "95%",
        "0.0308",
        "0.0248",
        "3.2",
    ]
    values = printed_values("test MSE 0.030812 and 0.02476; ratio 3.24; kept 0.951 of it")
    assert printed(values, 0.0308, 0.00005)
    assert printed(values, 0.0248, 0.00005)
    assert not printed(values, 0.0309, 0.00005)
    assert printed(values, 3.2, 0.05)
    assert not printed(values, 3.3, 0.05)
    assert printed(values, 0.95, 0.005)  # 95% as the fraction 0.951


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_number_in_the_prose_is_printed_by_the_notebook(path):
    nb = nbformat.read(path, as_version=4)
    assert output_text(nb), f"{path.name} has no text output: execute it first"
    missing = unprinted_numbers(nb)
    assert not missing, f"{path.name}: numbers in the prose that no output prints:\n" + "\n".join(
        f"  markdown cell {index}: {written}" for index, written in missing
    )
