"""The report as PDF, CSV and Excel: parsed back, they show the same figures; published
versions hide small counts in a way subtraction cannot undo."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.figures import (
    Period,
    ReportFigures,
    Row,
    Scope,
    Section,
    Suppressed,
    Table,
    fiscal_year_period,
    format_value,
    report_figures,
    suppress,
)
from reports.program_report import ProgramReportRenderer
from reports.report_exports import csv_rows, report_csv, report_workbook
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text
from tests.reports.program_fixture import AS_OF, build_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures():
    build_program()
    return report_figures(period=fiscal_year_period(2027), as_of=AS_OF)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(figures) -> tuple[bytes, str]:
    content = ProgramReportRenderer(figures, "Fiscal-year report").render()
    return content, squeeze("".join(pdf_pages_text(content)))


def assert_pdf_shows_every_row(figures, text: str) -> None:
    """Each row prints as its label followed by its values, cell after cell; every note too."""
    for section in figures.sections:
        assert squeeze(section.title) in text
        if section.note:
            assert squeeze(section.note) in text
        for table in section.tables:
            assert squeeze(table.title) in text
            if table.note:
                assert squeeze(table.note) in text
            for row in table.all_rows():
                printed = squeeze(row.label + "".join(format_value(v) for v in row.values))
                assert printed in text, f"{table.key}: {row.label} {row.values}"
    for note in figures.notes:
        assert squeeze(note) in text


def every_cell(figures) -> list[list[str]]:
    """[section, table, row, column, printed value] of every cell, read from the figures
    themselves (not through the exporter under test)."""
    cells = []
    for section in figures.sections:
        for table in section.tables:
            for row in table.all_rows():
                for i, column in enumerate(table.columns):
                    value = format_value(row.values[i])
                    cells.append([section.title, table.title, row.label, column, value])
    return cells


def assert_csv_holds_every_cell(figures, content: bytes) -> list[list[str]]:
    """The CSV's body is every cell of the figures, in order; returns the body lines."""
    assert content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == ["section", "table", "row", "column", "value"]
    body = [line for line in lines[1:] if line[0]]
    assert body == every_cell(figures)
    assert {line[0] for line in body} == {s.title for s in figures.sections if s.tables}
    return body


def test_pdf_is_a4_with_embedded_font_page_numbers_and_every_figure(figures):
    content, text = pdf_text(figures)
    pages = pdf_pages_text(content)
    assert len(pages) >= 3
    assert_only_embedded_ipaex(content)
    assert f"1 / {len(pages)}" in pages[0]
    assert f"{len(pages)} / {len(pages)}" in pages[-1]
    assert "FY2027(1Apr2027–31Mar2028)" in text
    assert "Internalversion" in text
    assert_pdf_shows_every_row(figures, text)
    # A few hand-worked numbers, spelled out: held 4, unique residents 6, hours 4.3.
    assert "Sessionsheld4" in text
    assert "Uniqueresidents6" in text
    assert "Total334.3" in text
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_csv_holds_the_same_cells_as_the_figures_and_the_pdf(figures):
    body = assert_csv_holds_every_cell(figures, report_csv(figures))
    assert body == csv_rows(figures)
    cells = {(line[1], line[2], line[3]): line[4] for line in body}
    assert cells[("Sessions", "Sessions held", "Value")] == "4"
    assert cells[("Participants by age band", "80-84", "Attendances")] == "1"
    assert cells[("Device loans", "Share ending with an own device (%)", "Value")] == "33.3"
    # Every (table, row) of the CSV reads the same in the PDF.
    _pdf, text = pdf_text(figures)
    by_row: dict[tuple[str, str], list[str]] = {}
    for _section, table, row, _column, value in body:
        by_row.setdefault((table, row), []).append(value)
    for (_table, row), values in by_row.items():
        assert squeeze(row + "".join(values)) in text


def excel_text(cell) -> str | None:
    """What Excel shows in a cell, to compare with the PDF's text."""
    value = cell.value
    if isinstance(value, int | float) and cell.number_format.startswith("0."):
        places = len(cell.number_format) - 2
        return f"{value:.{places}f}"
    return None if value is None else str(value)


def assert_workbook_shows_every_row(figures, content: bytes):
    """A cover sheet with the notes, then a sheet per section whose tables show every row of
    the figures, value for value. Returns the workbook."""
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Report"] + [s.title for s in figures.sections]
    cover = [row[0] for row in book["Report"].iter_rows(values_only=True)]
    for note in figures.notes:
        assert note in cover
    for section in figures.sections:
        lines = [[excel_text(c) for c in row] for row in book[section.title].iter_rows()]
        titles = [line[0] for line in lines]
        if section.note:
            assert section.note in titles
        for table in section.tables:
            start = titles.index(table.title)
            header = lines[start + 1][: len(table.columns) + 1]
            assert header == [table.label_header, *table.columns]
            for offset, row in enumerate(table.all_rows(), start=2):
                shown = lines[start + offset][: len(row.values) + 1]
                assert shown == [row.label, *(format_value(v) for v in row.values)]
    return book


def test_excel_has_a_sheet_per_section_with_the_same_numbers(figures):
    book = assert_workbook_shows_every_row(figures, report_workbook(figures))
    # Counts are numbers in Excel, not text.
    sheet = book["Sessions held"]
    assert sheet.cell(row=3, column=1).value == "Sessions held"
    assert sheet.cell(row=3, column=2).value == 4


def test_published_version_hides_small_counts_in_all_three_formats(figures):
    published = suppress(figures, 5)
    unique = {r.key: r.values for r in published.table("participants_by_age_band").all_rows()}
    # 1..4 hidden, zero kept, totals of 5 or more kept.
    assert unique["85+"] == (Suppressed(5), Suppressed(5), Suppressed(5))
    assert unique["65-69"] == (Suppressed(5), 0, 0)
    assert unique["total"] == (10, 6, 5)
    # Sessions, seats and hours are not counts of people: never hidden.
    summary = {r.key: r.values for r in published.table("sessions_summary").rows}
    assert summary["held"] == (4,)
    assert summary["waitlisted"] == (Suppressed(5),)
    assert published.table("supporters_by_kind").total.values == (
        3,
        3,
        figures.table("supporters_by_kind").total.values[2],
    )
    # Salon (3) and consultation desk (2) attendances are hidden; the classes' 5 is shown: two
    # hidden cells cannot be told apart from the total.
    kinds = {r.key: r.values for r in published.table("sessions_by_kind").all_rows()}
    assert kinds["salon"][3] == Suppressed(5)
    assert kinds["consultation"][3] == Suppressed(5)
    assert kinds["class"][3] == 5
    assert kinds["total"][3] == 10
    assert kinds["class"][5] == Suppressed(5)  # one no-show
    _pdf, text = pdf_text(published)
    assert "Publishedversion" in text
    assert "Stillonawaitlist<5" in text
    assert "thenextsmallestcountofthesamecolumnishiddentoo" in text
    assert_pdf_shows_every_row(published, text)
    body = assert_csv_holds_every_cell(published, report_csv(published))
    cells = {(line[1], line[2], line[3]): line[4] for line in body}
    assert cells[("Participants by age band", "85+", "Attendances")] == "<5"
    assert cells[("Participants by age band", "Total", "Unique residents")] == "6"
    book = assert_workbook_shows_every_row(published, report_workbook(published))
    values = [c for row in book["Participants"].iter_rows(values_only=True) for c in row]
    assert "<5" in values
    assert ["suppression threshold", 5] in [list(r[:2]) for r in book["Report"].values]


def test_shares_worked_out_from_a_hidden_count_are_hidden_with_it(figures):
    # At 7 the 6 seats filled are hidden; their 40.0 % of the 15 seats offered would give
    # them away, so the fill rate is hidden too.
    published = suppress(figures, 7)
    summary = {r.key: r.values for r in published.table("sessions_summary").rows}
    assert summary["seats_filled"] == (Suppressed(7),)
    assert summary["seats_offered"] == (15,)
    assert summary["fill"] == (Suppressed(7),)
    # A KPI's achievement goes with its actual: 5 loans started of a target of 10 (50.0 %).
    kpis = {r.key: r.values for r in published.table("kpis").rows}
    assert kpis["loans_started"][2:] == (Decimal(10), Suppressed(7), Suppressed(7))
    # Classes held are not people: the actual and its achievement stay.
    assert kpis["classes_held"][3:] == (2, Decimal("50.0"))
    # At 5 the seats filled are shown, and so is their rate.
    at_five = {r.key: r.values for r in suppress(figures, 5).table("sessions_summary").rows}
    assert at_five["fill"] == (Decimal("40.0"),)


def _table(values, additive=True) -> ReportFigures:
    rows = tuple(Row(f"r{i}", (v,), key=f"r{i}") for i, v in enumerate(values))
    table = Table(
        key="t",
        title="t",
        label_header="",
        columns=("n",),
        rows=rows,
        total=Row("Total", (sum(values),), key="total"),
        people_columns=frozenset({0}),
        additive=additive,
    )
    return ReportFigures(
        period=Period(fiscal_year_period(2027).start, fiscal_year_period(2027).end),
        scope=Scope(),
        as_of=AS_OF,
        sections=(Section("s", "s", (table,)),),
    )


def _shown(figures) -> list:
    return [r.values[0] for r in figures.table("t").all_rows()]


def test_one_hidden_cell_takes_the_smallest_other_with_it():
    # 20 + 7 + 3 = 30: hiding only the 3 would leave it as 30 - 20 - 7.
    assert _shown(suppress(_table([20, 7, 3]), 5)) == [20, Suppressed(5), Suppressed(5), 30]


def test_two_hidden_cells_need_no_more_and_zeros_stay():
    assert _shown(suppress(_table([20, 0, 2, 1]), 5)) == [20, 0, Suppressed(5), Suppressed(5), 23]


def test_a_small_total_is_hidden_and_threshold_one_hides_nothing():
    assert _shown(suppress(_table([1, 2]), 5)) == [Suppressed(5)] * 3
    assert _shown(suppress(_table([1, 2]), 1)) == [1, 2, 3]


def test_threshold_comes_from_settings_in_generated_reports(settings, figures):
    from reports.models import GeneratedReport
    from reports.services import report_figures_for

    settings.REPORT_SUPPRESSION_THRESHOLD = 3
    report = GeneratedReport(
        kind="fiscal_year",
        period_start=figures.period.start,
        period_end=figures.period.end,
        format="csv",
        published=True,
    )
    published = report_figures_for(report, as_of=AS_OF)
    assert published.threshold == 3
    band = {r.key: r.values for r in published.table("participants_by_age_band").rows}
    assert band["75-79"][0] == 4  # 4 is not below 3
    assert band["85+"][0] == Suppressed(3)
