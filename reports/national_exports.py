"""The national-units export (国の事業報告の集計単位) as CSV and as Excel, from one
``reports.figures.national.NationalUnits``, so both files show the same numbers.

Excel: a summary sheet (period, scope, time of the figures, number of venues), one sheet per
table (a title line, a header line, one line per venue, the total line) and a counting-rules
sheet that marks which rules are assumptions the administrator can change in settings.
CSV (UTF-8 with a BOM and CRLF, so Excel opens the Japanese text): the same blocks one under the
other, separated by an empty line, the rules last. Every cell goes through
``kernel.spreadsheets``.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from kernel.spreadsheets import csv_writer, xlsx_append
from reports.figures import format_value
from reports.figures.national import CountingRule, NationalUnits
from reports.japanese_dates import long_date
from reports.report_exports import sheet_title, xlsx_figures_row


def _summary(units: NationalUnits) -> list[list[str | int]]:
    made = timezone.localtime(units.as_of)
    return [
        [_("period"), units.period.label()],
        [_("scope"), units.scope.label()],
        [_("figures as of (Japan time)"), f"{long_date(made.date())} {made:%H:%M}"],
        [_("venues with sessions held"), units.venues],
        [_("counting rules"), _("see the counting rules at the end (sheet or block)")],
    ]


def _rule_cells(rule: CountingRule) -> list[str]:
    if rule.is_assumption:
        kind = _("assumption: the administrator can change it in settings")
    else:
        kind = _("fixed: as in the fiscal-year report")
    return [rule.topic, rule.rule, kind, rule.setting, rule.value, rule.value_label]


def _rule_header() -> list[str]:
    return [
        _("item"),
        _("rule"),
        _("kind of rule"),
        _("setting"),
        _("current value"),
        _("current value in words"),
    ]


def national_csv(units: NationalUnits) -> bytes:
    """The CSV file's bytes (UTF-8 with BOM, CRLF line ends)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([_("National program units")])
    writer.writerows(_summary(units))
    for table in units.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([table.label_header, *table.columns])
        for row in table.all_rows():
            writer.writerow([row.label, *(format_value(v) for v in row.values)])
    writer.writerow([])
    writer.writerow([_("Counting rules")])
    writer.writerow(_rule_header())
    writer.writerows(_rule_cells(rule) for rule in units.rules)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


SHEET_NAMES = {
    "units_by_venue": lambda: _("Sessions and koma"),
    "participants_by_venue": lambda: _("Participants"),
    "age_bands_by_venue": lambda: _("Age bands"),
    "topics_by_venue": lambda: _("Topics by level"),
    "supporters_by_venue": lambda: _("Supporters"),
}


def national_workbook(units: NationalUnits) -> bytes:
    """The Excel workbook's bytes (.xlsx): summary, one sheet per table, counting rules."""
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E8E8E8")
    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    cover = book.active
    cover.title = _("Summary")
    xlsx_append(cover, [_("National program units")])
    cover.cell(row=1, column=1).font = bold
    for line in _summary(units):
        xlsx_append(cover, line)
    cover.column_dimensions["A"].width = 30
    cover.column_dimensions["B"].width = 60
    used = {cover.title}
    for table in units.tables:
        sheet = book.create_sheet(sheet_title(SHEET_NAMES[table.key](), used))
        xlsx_append(sheet, [table.title])
        sheet.cell(row=1, column=1).font = bold
        xlsx_append(sheet, [table.label_header, *table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = wrap
        for row in table.all_rows():
            xlsx_figures_row(sheet, row.label, row.values)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.freeze_panes = "B3"
        sheet.column_dimensions["A"].width = 28
        for cell in sheet[2][1:]:
            sheet.column_dimensions[cell.column_letter].width = 14
    rules = book.create_sheet(sheet_title(_("Counting rules"), used))
    xlsx_append(rules, [_("Counting rules")])
    rules.cell(row=1, column=1).font = bold
    xlsx_append(rules, _rule_header())
    for cell in rules[rules.max_row]:
        cell.font = bold
        cell.fill = header_fill
    for rule in units.rules:
        xlsx_append(rules, _rule_cells(rule))
        for cell in rules[rules.max_row]:
            cell.alignment = wrap
    for letter, width in zip("ABCDEF", (26, 80, 30, 30, 12, 30), strict=True):
        rules.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
