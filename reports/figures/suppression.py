"""The published version of the figures: small counts of people hidden (``suppress``)."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _

from reports.figures.tables import ReportFigures, Row, Suppressed, Table

# --- suppression ----------------------------------------------------------------------------


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def suppress(figures: ReportFigures, threshold: int) -> ReportFigures:
    """The published version of ``figures``: counts of people from 1 to ``threshold - 1`` become
    ``Suppressed`` (printed "<threshold"); zeros and larger counts stay.

    Primary suppression applies to every people-count cell (``Row.people`` and the table's
    ``people_columns``), totals included. Secondary suppression: in a table whose rows add up to
    its total row (``additive``), a column with exactly one hidden row cell would give that cell
    away by subtraction, so the smallest other non-zero cell of the column is hidden too. A
    share worked out from a hidden count is hidden with it (``Row.derived_from``,
    ``Table.derived_columns``: the seat fill rate, a KPI's achievement). Other figures that are
    not counts of people (sessions, seats, hours) are never hidden. ``threshold`` <= 1 changes
    nothing.
    """
    if threshold <= 1:
        return dataclasses.replace(figures, threshold=threshold)

    def hide(value, row: Row, column: int, table: Table):
        if (
            row.people
            and column in table.people_columns
            and _is_count(value)
            and 0 < value < threshold
        ):
            return Suppressed(threshold)
        return value

    sections = []
    for section in figures.sections:
        tables = []
        for table in section.tables:
            rows = [
                [hide(v, row, i, table) for i, v in enumerate(row.values)] for row in table.rows
            ]
            if table.additive:
                for column in table.people_columns:
                    hidden = [r for r in rows if isinstance(r[column], Suppressed)]
                    if len(hidden) != 1:
                        continue
                    candidates = [r for r in rows if _is_count(r[column]) and r[column] > 0]
                    if candidates:
                        smallest = min(candidates, key=lambda r: r[column])
                        smallest[column] = Suppressed(threshold)
            for derived, source in table.derived_columns:
                for r in rows:
                    if isinstance(r[source], Suppressed):
                        r[derived] = Suppressed(threshold)
            hidden_keys = {
                row.key
                for row, values in zip(table.rows, rows, strict=True)
                if any(isinstance(v, Suppressed) for v in values)
            }
            for row, values in zip(table.rows, rows, strict=True):
                if hidden_keys.intersection(row.derived_from):
                    values[:] = [Suppressed(threshold) if v is not None else v for v in values]
            new_rows = tuple(
                dataclasses.replace(row, values=tuple(values))
                for row, values in zip(table.rows, rows, strict=True)
            )
            total = table.total
            if total is not None:
                total = dataclasses.replace(
                    total,
                    values=tuple(hide(v, total, i, table) for i, v in enumerate(total.values)),
                )
            tables.append(dataclasses.replace(table, rows=new_rows, total=total))
        sections.append(dataclasses.replace(section, tables=tuple(tables)))
    note = _(
        "Published version: counts of residents from 1 to %(below)d are shown as <%(threshold)d. "
        "Where a hidden count could be worked out from a total by subtraction, the next smallest "
        "count of the same column is hidden too. Charts draw hidden counts as 0."
    ) % {"below": threshold - 1, "threshold": threshold}
    return dataclasses.replace(
        figures, sections=tuple(sections), threshold=threshold, notes=(*figures.notes, note)
    )
