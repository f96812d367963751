"""Cells that leave the program in CSV and Excel files: text, never a formula.

A resident named ``=HYPERLINK("http://x","y")``, or a note that starts with ``+``, ``-`` or ``@``,
would run as a formula when the office opens the file in Excel (CSV/formula injection). Every
exporter writes through ``csv_writer`` and ``xlsx_append``, which neutralise such text as OWASP
describes: in CSV a leading apostrophe; in .xlsx a text cell (openpyxl would otherwise store a
value starting with ``=`` as a formula).
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# What a spreadsheet may read as the start of a formula (OWASP: =, +, -, @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as "-3", "-1.5" or "-12%" is a value, not a formula: it keeps its sign.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?%?")


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula;
    anything else (numbers, dates, None, other text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value


class _SafeWriter:
    """``csv.writer`` whose rows pass through ``neutralise`` cell by cell."""

    def __init__(self, out: Any, **options: Any):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **options: Any) -> _SafeWriter:
    """A CSV writer on the text stream ``out`` (options as ``csv.writer``) that neutralises every
    cell; use it for every CSV the program sends out."""
    return _SafeWriter(out, **options)


def xlsx_append(sheet: Worksheet, row: Iterable[Any]) -> None:
    """Append ``row`` to ``sheet`` as ``sheet.append`` does, with every text cell stored as text:
    a value starting with ``=`` stays the letters the user typed, never a formula.

    Constant time per row: such a value goes in as a ready text cell (``sheet.max_row``, which
    looking the row up again needs, walks every cell: 15,000 rows took minutes)."""
    values: list[Any] = []
    for value in row:
        if isinstance(value, str) and value.startswith("="):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"
            values.append(cell)
        else:
            values.append(value)
    sheet.append(values)
