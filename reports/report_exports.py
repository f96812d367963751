"""The monthly and fiscal-year report as CSV and as Excel, from the same ``ReportFigures`` as the
PDF (``reports.program_report``), so all three show the same numbers.

CSV is in long format, one cell a line: ``section,table,row,column,value`` (UTF-8 with a BOM so
Excel opens Japanese text correctly). Excel has one sheet per section, its tables one under the
other, each with a title line, a header line and a total line.
"""

import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from kernel.spreadsheets import csv_writer, xlsx_append
from reports.figures import CellValue, ReportFigures, Suppressed, format_value


def csv_rows(figures: ReportFigures) -> list[list[str]]:
    """Every cell of the report as ``[section, table, row, column, value]`` (strings, the value
    as the PDF prints it), in report order."""
    rows = []
    for section in figures.sections:
        for table in section.tables:
            for row in table.all_rows():
                for column, value in zip(table.columns, row.values, strict=True):
                    rows.append(
                        [section.title, table.title, row.label, column, format_value(value)]
                    )
    return rows


def report_csv(figures: ReportFigures) -> bytes:
    """The CSV file's bytes (UTF-8 with BOM, CRLF line ends)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([_("section"), _("table"), _("row"), _("column"), _("value")])
    writer.writerow(["", _("period"), figures.period.label(), "", ""])
    writer.writerow(["", _("scope"), figures.scope.label(), "", ""])
    if figures.threshold:
        writer.writerow(["", _("suppression threshold"), "", "", str(figures.threshold)])
    writer.writerows(csv_rows(figures))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _excel_value(value):
    """Numbers stay numbers (a Decimal becomes a float); hidden counts and blanks are text."""
    if isinstance(value, Suppressed) or value is None:
        return format_value(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def xlsx_figures_row(sheet: Worksheet, label: str, values: Iterable[CellValue]) -> None:
    """Append a row of figures to ``sheet``: its label, then each value as a number (a Decimal
    shown with its places, 40.0 stays "40.0") or, hidden or blank, as the text the PDF prints.
    Through ``xlsx_append``, so no cell is a formula."""
    values = list(values)
    xlsx_append(sheet, [label, *(_excel_value(v) for v in values)])
    for cell, value in zip(sheet[sheet.max_row][1:], values, strict=False):
        exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
        # An int for a finite Decimal ("n", "N", "F" for NaN and infinity).
        if isinstance(exponent, int) and exponent < 0:
            cell.number_format = "0." + "0" * -exponent


def sheet_title(title: str, used: set[str]) -> str:
    """``title`` as an Excel sheet name not in ``used`` (at most 31 characters, none of
    ``[]:*?/\\``), added to ``used``."""
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}-{n}"
        n += 1
    used.add(name)
    return name


def report_workbook(figures: ReportFigures) -> bytes:
    """The Excel workbook's bytes (.xlsx): a cover sheet, then one sheet per section."""
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E8E8E8")
    book = Workbook()
    cover = book.active
    cover.title = _("Report")
    xlsx_append(cover, [_("period"), figures.period.label()])
    xlsx_append(cover, [_("scope"), figures.scope.label()])
    if figures.threshold:
        xlsx_append(cover, [_("suppression threshold"), figures.threshold])
    for note in figures.notes:
        xlsx_append(cover, [note])
    used = {cover.title}
    for section in figures.sections:
        sheet = book.create_sheet(sheet_title(section.title, used))
        if section.note:
            xlsx_append(sheet, [section.note])
        for table in section.tables:
            xlsx_append(sheet, [table.title])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            xlsx_append(sheet, [table.label_header, *table.columns])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
                cell.fill = header_fill
            for row in table.all_rows():
                xlsx_figures_row(sheet, row.label, row.values)
            if table.note:
                xlsx_append(sheet, [table.note])
            xlsx_append(sheet, [])
        sheet.column_dimensions["A"].width = 40
        for letter in "BCDEFG":
            sheet.column_dimensions[letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
