"""Plain-text tables for results printed in a terminal or a notebook cell."""

from collections.abc import Mapping
from numbers import Integral, Real

MISSING = "-"


def _format_cell(value, floatfmt):
    if value is None:
        return MISSING
    # Integers (numpy's too) print as they are, bools as True and False; other numbers with
    # floatfmt.
    if isinstance(value, Real) and not isinstance(value, Integral):
        return format(float(value), floatfmt)
    return str(value)


def format_table(rows, columns=None, floatfmt=".5f", headers=None):
    """Render a list of dicts as a text table: a header, a line of dashes, one line per row.

    Numbers are right-aligned and everything else left-aligned; a key missing from a row, or
    a value of None, shows as ``-``. ``columns`` are the keys to show, in order (default:
    every key, in the order first seen); ``floatfmt`` formats floats (``".5g"``: five
    significant digits); ``headers`` heads columns with something other than their key, such
    as a name with its unit (``{"test_mse": "test MSE per pixel"}``).

    Examples
    --------
    >>> print(format_table([{"code_size": 2, "pca_mse": 0.053175}, {"code_size": 8}]))
    code_size  pca_mse
    ---------  -------
            2  0.05318
            8        -
    """
    rows = list(rows)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"rows must be mappings (dicts), row {i} is {type(row).__name__}")
    try:
        format(1.0, floatfmt)
    except ValueError as err:
        raise ValueError(
            f"floatfmt must be a float format spec such as '.5f', got {floatfmt!r}"
        ) from err
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    if not columns:
        return ""
    header = [str((headers or {}).get(c, c)) for c in columns]
    body = [[_format_cell(row.get(c), floatfmt) for c in columns] for row in rows]
    # A column is numeric when every value present in it is a number: those read best
    # right-aligned, so that decimal points line up.
    numeric = [
        all(isinstance(row[c], Real) for row in rows if row.get(c) is not None) for c in columns
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]

    def line(cells):
        padded = [
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip()

    lines = [line(header), line(["-" * w for w in widths]), *(line(cells) for cells in body)]
    return "\n".join(lines)
