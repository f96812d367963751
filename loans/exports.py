"""The loan register (貸与台帳) for a period, as CSV and as Excel.

Both formats are written from ``register_rows()``, so a CSV and a workbook of the same period always
hold the same rows. The register is a Japanese city form: headers and status words are Japanese
whatever the UI language.
"""

import io
from datetime import date

from django.db.models import Q, QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font

from kernel.spreadsheets import csv_writer, xlsx_append
from loans.documents import KIND_LABELS
from loans.models import Loan

HEADERS = [
    "管理番号",
    "種別",
    "メーカー・機種",
    "製造番号",
    "氏名",
    "ふりがな",
    "貸与会場",
    "貸与開始日",
    "返却期限",
    "返却日",
    "状態",
    "延長回数",
    "結果",
]
STATUS_LABELS = {
    Loan.Status.ACTIVE: "貸与中",
    Loan.Status.RETURNED: "返却済み",
    Loan.Status.LOST: "紛失",
}
OUTCOME_LABELS = {
    Loan.Outcome.NONE: "",
    Loan.Outcome.OWN_DEVICE: "自分の端末を購入",
    Loan.Outcome.RETURNED_WITHOUT: "購入せず返却",
    Loan.Outcome.OTHER_PROGRAM: "他の事業へ移行",
    Loan.Outcome.EXTENDED: "延長",
    Loan.Outcome.LOST: "紛失",
}
DATE_COLUMNS = (7, 8, 9)  # start, due, returned on


def register_loans(*, date_from: date, date_to: date, venue_ids=None) -> QuerySet[Loan]:
    """Loans whose time overlaps ``date_from``..``date_to`` (local dates, both inclusive).

    A loan runs from its start date to its return date; an active loan runs on; a lost loan
    (no return date) is taken to run to its due date. ``venue_ids`` (None = every venue) limits
    the loans to those venues. Ordered by start date, one query with device, resident and venue.
    """
    qs = (
        Loan.objects.filter(start_date__lte=date_to)
        .filter(
            Q(returned_on__gte=date_from)
            | Q(returned_on__isnull=True, status=Loan.Status.ACTIVE)
            | Q(returned_on__isnull=True, due_date__gte=date_from)
        )
        .select_related("device", "resident", "venue")
    )
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    return qs.order_by("start_date", "id")


def register_rows(loans) -> list[list]:
    """One row per loan, in ``HEADERS`` order: strings, ``date`` (or None) and int cells."""
    rows = []
    for loan in loans:
        device = loan.device
        rows.append(
            [
                device.asset_tag,
                KIND_LABELS.get(device.kind, device.kind),
                f"{device.maker} {device.model_name}".strip(),
                device.serial,
                loan.resident.name,
                loan.resident.name_kana,
                loan.venue.name if loan.venue_id else "",
                loan.start_date,
                loan.due_date,
                loan.returned_on,
                STATUS_LABELS.get(loan.status, loan.status),
                loan.renewals,
                OUTCOME_LABELS.get(loan.outcome, loan.outcome),
            ]
        )
    return rows


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def register_csv(rows: list[list]) -> bytes:
    """The register as CSV bytes: UTF-8 with a BOM (so Excel reads the Japanese), CRLF lines."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def register_xlsx(rows: list[list], *, title: str = "貸与台帳") -> bytes:
    """The register as an .xlsx workbook (bytes): one sheet, bold frozen header, real date cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    xlsx_append(sheet, HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        xlsx_append(sheet, row)
    for index in DATE_COLUMNS:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = "yyyy/m/d"
    widths = [12, 14, 22, 16, 16, 18, 22, 12, 12, 12, 10, 9, 18]
    for column, width in zip(sheet.columns, widths, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
