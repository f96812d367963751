"""The report of an import: a text kept with the run (and written by the command), and the
row-by-row download (CSV or Excel) made from the run's rows.

Row numbers are those staff see in Excel (for a CSV, the line on which the record starts). The
counts at the top add up to the rows read below the header.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from kernel.spreadsheets import csv_writer, xlsx_append
from residents.importing.headers import Located, field_label
from residents.importing.process import Outcome
from residents.importing.values import RowResult
from residents.models import ImportOutcome, ResidentImport, ResidentImportRow


def _ranges(numbers: Iterable[int]) -> str:
    """``[2, 3, 4, 7]`` -> ``2–4, 7``."""
    parts: list[str] = []
    start = previous = None
    for n in numbers:
        if previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(f"{start}–{previous}" if previous != start else str(start))
        start = previous = n
    if start is not None:
        parts.append(f"{start}–{previous}" if previous != start else str(start))
    return ", ".join(parts)


def outcome_label(outcome: str) -> str:
    return str(dict(ImportOutcome.choices).get(outcome, outcome))


def heading_lines(run: ResidentImport, located: Located | None = None) -> list[str]:
    """The lines naming the file: format, sheet read and sheets ignored, header and columns."""
    lines = [_("File: %(name)s") % {"name": run.file_name}]
    if run.file_format:
        lines.append(_("Format: %(format)s") % {"format": run.file_format})
    if located is None:
        return lines
    header = located.header
    if header.sheet:
        lines.append(_("Sheet read: %(sheet)s") % {"sheet": header.sheet})
    if located.ignored_sheets:
        lines.append(
            _("Sheets ignored: %(sheets)s") % {"sheets": "、".join(located.ignored_sheets)}
        )
    lines.append(_("Header: row %(row)s") % {"row": header.row_number})
    mapped = [
        f"{text} → {field_label(key)}" if key != "ignored" else f"{text} → {_('(not read)')}"
        for text, key in header.columns
        if key
    ]
    lines.append(_("Columns: %(columns)s") % {"columns": "; ".join(mapped)})
    if header.unrecognised:
        lines.append(
            _("Columns not recognised (not read): %(columns)s")
            % {"columns": "、".join(header.unrecognised)}
        )
    if header.duplicated:
        lines.append(
            _("Columns read once only (the first of the same meaning is read): %(columns)s")
            % {"columns": "、".join(header.duplicated)}
        )
    if located.above:
        numbers = [n for n, _cells in located.above]
        lines.append(
            _("Rows %(rows)s: above the header (title lines, notes), not read")
            % {"rows": _ranges(numbers)}
        )
    return lines


def _row_line(row: RowResult) -> str:
    if row.name:
        return _("Row %(number)s %(name)s: %(status)s: %(reason)s") % {
            "number": row.number,
            "name": row.name,
            "status": outcome_label(row.outcome),
            "reason": row.reason,
        }
    return _("Row %(number)s: %(status)s: %(reason)s") % {
        "number": row.number,
        "status": outcome_label(row.outcome),
        "reason": row.reason,
    }


def _noted_lines(noted: list[RowResult]) -> Iterator[str]:
    """One line per row not plainly imported; runs of empty rows as one line."""
    empty = _("empty row")
    run: list[int] = []
    for row in noted:
        if row.outcome == ImportOutcome.SKIPPED and row.reason == empty:
            if run and row.number != run[-1] + 1:
                yield _rows_skipped(run)
                run = []
            run.append(row.number)
            continue
        if run:
            yield _rows_skipped(run)
            run = []
        if row.outcome != ImportOutcome.IMPORTED:
            yield _row_line(row)
    if run:
        yield _rows_skipped(run)


def _rows_skipped(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return _("Row %(number)s: %(status)s: %(reason)s") % {
            "number": numbers[0],
            "status": outcome_label(ImportOutcome.SKIPPED),
            "reason": _("empty row"),
        }
    return _("Rows %(rows)s: %(status)s: %(reason)s") % {
        "rows": _ranges(numbers),
        "status": outcome_label(ImportOutcome.SKIPPED),
        "reason": _("empty rows"),
    }


def report_text(
    run: ResidentImport, located: Located, outcome: Outcome, *, preview: bool = False
) -> str:
    """The text report of a read (``preview``: what would become of each row) or an import."""
    lines = heading_lines(run, located)
    if preview:
        lines.append(_("Preview: nothing has been imported yet."))
    counts = outcome.counts
    lines += [
        _("Rows: %(n)s") % {"n": outcome.total},
        _("Imported: %(n)s") % {"n": counts[ImportOutcome.IMPORTED]},
        _("Flagged: %(n)s") % {"n": counts[ImportOutcome.FLAGGED]},
        _("Rejected: %(n)s") % {"n": counts[ImportOutcome.REJECTED]},
        _("Skipped: %(n)s") % {"n": counts[ImportOutcome.SKIPPED]},
        _("(Row numbers are the sheet's row numbers as Excel shows them.)")
        if located.header.sheet
        else _("(Row numbers are the file's line numbers: the line on which a record starts.)"),
        "",
    ]
    if outcome.imported_numbers:
        numbers = outcome.imported_numbers
        lines.append(
            _("Row %(rows)s: imported") % {"rows": numbers[0]}
            if len(numbers) == 1
            else _("Rows %(rows)s: imported") % {"rows": _ranges(numbers)}
        )
    lines += list(_noted_lines(outcome.noted))
    warned = [r for r in outcome.noted if r.warnings and r.outcome != ImportOutcome.REJECTED]
    if warned:
        lines += ["", _("Warnings:")]
        for row in warned:
            lines.append(
                _("Row %(number)s %(name)s: %(warnings)s")
                % {"number": row.number, "name": row.name, "warnings": "; ".join(row.warnings)}
            )
    return "\n".join(lines) + "\n"


def refusal_text(run: ResidentImport, message: str) -> str:
    """The report of a refused file: what was read of it, why it was refused."""
    lines = heading_lines(run)
    lines += [_("Refused: %(reason)s") % {"reason": message}, _("Nothing was imported.")]
    return "\n".join(lines) + "\n"


# --- downloads ---------------------------------------------------------------------------------


def _download_rows(run: ResidentImport) -> Iterator[list[Any]]:
    for line in run.report.splitlines():
        if not line.strip():
            break
        yield [line]
    yield []
    yield [_("Row"), _("Outcome"), _("Name"), _("Reason"), _("Resident no.")]
    rows = ResidentImportRow.objects.filter(run=run).order_by("row_number")
    for number, outcome, name, reason, resident_id in rows.values_list(
        "row_number", "outcome", "name", "reason", "resident_id"
    ).iterator(chunk_size=2000):
        yield [number, outcome_label(outcome), name, reason, resident_id or ""]


def report_csv(run: ResidentImport) -> bytes:
    """The report as CSV, UTF-8 with a BOM (Excel opens it in the right encoding), every cell
    neutralised (``kernel.spreadsheets``)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerows(_download_rows(run))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_workbook(run: ResidentImport) -> bytes:
    """The report as an .xlsx workbook (one sheet), text cells stored as text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Import report")[:31]
    for row in _download_rows(run):
        xlsx_append(sheet, row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
