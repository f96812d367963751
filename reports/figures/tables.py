"""The figures object: a report's sections of tables of rows of values, frozen, and how a value
is printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import overload

from reports.figures.periods import Period, Scope

DASH = "—"


# --- the figures object ---------------------------------------------------------------------

Number = int | Decimal


@dataclass(frozen=True)
class Suppressed:
    """A count hidden in the published report because it is below the threshold."""

    threshold: int

    def __str__(self) -> str:
        return f"<{self.threshold}"


CellValue = int | Decimal | str | None | Suppressed


@dataclass(frozen=True)
class Row:
    """One line of a table: its label and one value per column.

    ``people``: the row's counts are counts of residents (or their visits, loans, check-ins),
    so the published report suppresses the small ones. ``derived_from``: keys of rows of the
    same table this row is worked out from (a share of a count): where one of them is hidden,
    so is this row's cell, else it would give the hidden count away.
    """

    label: str
    values: tuple[CellValue, ...]
    people: bool = True
    key: str = ""
    derived_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A table of a section. ``people_columns``: indexes of the columns that count residents.
    ``additive``: the rows partition the total row, so one hidden cell could be worked out by
    subtraction (secondary suppression applies). ``derived_columns``: (derived, source) column
    index pairs; in a row where the source cell is hidden, the derived one is too (a KPI's
    achievement with its actual). ``chart``: "bar" for a bar chart of column ``chart_column`` in the PDF."""

    key: str
    title: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    people_columns: frozenset[int] = frozenset()
    additive: bool = False
    derived_columns: tuple[tuple[int, int], ...] = ()
    chart: str = ""
    chart_column: int = 0
    note: str = ""

    def all_rows(self) -> tuple[Row, ...]:
        """The rows followed by the total row, if any."""
        return self.rows + ((self.total,) if self.total is not None else ())


@dataclass(frozen=True)
class Section:
    """A part of the report (sessions, participants...): its tables and an optional note."""

    key: str
    title: str
    tables: tuple[Table, ...]
    note: str = ""


@dataclass(frozen=True)
class ReportFigures:
    """Everything a report prints. ``threshold``: None for the internal version, else the
    suppression threshold applied (counts 1..threshold-1 are hidden)."""

    period: Period
    scope: Scope
    as_of: datetime
    sections: tuple[Section, ...]
    threshold: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        """The section with ``key``; raises StopIteration when there is none."""
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        """The table with ``key``, in any section; raises StopIteration when there is none."""
        return next(t for s in self.sections for t in s.tables if t.key == key)

    def value(self, table_key: str, row_key: str, column: int = 0) -> CellValue:
        """One cell, by table key, row key (or label) and column index: for tests and KPIs."""
        for row in self.table(table_key).all_rows():
            if row.key == row_key or (not row.key and row.label == row_key):
                return row.values[column]
        raise KeyError(f"{table_key}/{row_key}")


def format_value(value: CellValue) -> str:
    """The text a cell shows in the PDF and the CSV: ``1234`` -> ``"1234"``, None -> ``"—"``,
    Decimal with its places, a suppressed count as ``"<5"``."""
    if value is None:
        return DASH
    return str(value)


@overload
def _dec(value: None, places: str = ...) -> None: ...
@overload
def _dec(value: Number | float | str, places: str = ...) -> Decimal: ...
def _dec(value, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _percent(part, whole) -> Decimal | None:
    if not whole or part is None:
        return None
    return _dec(Decimal(part) * 100 / Decimal(whole))
