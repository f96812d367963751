"""What staff typed never runs as a formula when the office opens an export in Excel.

Every exporter (loan register CSV and .xlsx, report CSV and .xlsx, disclosure CSV) is given text
starting with =, +, -, @, tab and CR, and the files are read back: in CSV the text starts with an
apostrophe, in .xlsx it is a text cell holding exactly what was typed, never a formula.
"""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kernel.spreadsheets import neutralise
from reports.figures import Period, ReportFigures, Row, Scope, Section, Table, fiscal_year_period
from reports.models import GeneratedReport
from reports.report_exports import report_csv, report_workbook
from tests.factories import DeviceFactory, LoanFactory, ResidentFactory

HOSTILE = [
    '=HYPERLINK("http://x.example/","y")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_csv_neutralised(content: bytes, values) -> None:
    cells = _csv_cells(content)
    for value in values:
        assert "'" + value in cells, f"{value!r} not written with a leading apostrophe"
        assert value not in cells, f"{value!r} written as it is: Excel would run it"


def assert_xlsx_text(content: bytes, values) -> None:
    cells = _xlsx_cells(content)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell was written"
    texts = {c.value for c in cells if c.data_type == "s"}
    for value in values:
        value = value.replace("\r", "\n")  # XML reads a stored CR back as a line feed
        assert value in texts, f"{value!r} is not kept as the text typed"


def test_neutralise_leaves_numbers_dates_and_ordinary_text_alone():
    assert neutralise("山田 花子") == "山田 花子"
    assert neutralise("-3") == "-3" and neutralise("-12.5%") == "-12.5%"
    assert neutralise(-3) == -3 and neutralise(None) is None
    assert neutralise(date(2026, 4, 1)) == date(2026, 4, 1)
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]


@pytest.mark.django_db
def test_the_loan_register_writes_names_and_notes_as_text(
    admin_client_, venue, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    for i, value in enumerate(HOSTILE):
        LoanFactory(
            device=DeviceFactory(asset_tag=f"SP-F{i}"),
            resident=ResidentFactory(name=value),
            venue=venue,
            start_date=date(2026, 5, 1),
            due_date=date(2026, 11, 1),
        )
    params = {"date_from": "2026-04-01", "date_to": "2026-06-30"}
    url = reverse("reports:loan_register")
    files = {}
    for fmt in ("csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            assert admin_client_.post(url, {**params, "format": fmt}).status_code == 302
        report = GeneratedReport.objects.latest("id")
        got = admin_client_.get(reverse("reports:report_download", args=[report.pk]))
        assert got.status_code == 200
        files[fmt] = b"".join(got.streaming_content)
    assert_csv_neutralised(files["csv"], HOSTILE)
    assert_xlsx_text(files["xlsx"], HOSTILE)


@pytest.mark.django_db
def test_the_disclosure_export_writes_what_is_held_as_text(admin_client_):
    resident = ResidentFactory(name=HOSTILE[0], notes=HOSTILE[3], district=HOSTILE[1])
    response = admin_client_.get(reverse("privacy:disclosure", args=[resident.pk, "csv"]))
    assert response.status_code == 200
    assert_csv_neutralised(response.content, [HOSTILE[0], HOSTILE[1], HOSTILE[3]])


def test_report_exports_write_labels_as_text():
    rows = tuple(Row(label, (i + 10,), key=f"r{i}") for i, label in enumerate(HOSTILE))
    table = Table(
        key="t",
        title="@venue",
        label_header="=header",
        columns=("n",),
        rows=rows,
        total=Row("Total", (sum(r.values[0] for r in rows),), key="total"),
        people_columns=frozenset(),
        additive=True,
    )
    period = fiscal_year_period(2026)
    figures = ReportFigures(
        period=Period(period.start, period.end),
        scope=Scope(),
        as_of=date(2027, 4, 30),
        sections=(Section("s", "s", (table,)),),
    )
    assert_csv_neutralised(report_csv(figures), HOSTILE + ["@venue"])
    assert_xlsx_text(report_workbook(figures), HOSTILE + ["@venue", "=header"])
