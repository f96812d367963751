"""The loan register (貸与台帳) for a period, as CSV and Excel (``loans:register_export``)."""

import csv
import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from loans.exports import HEADERS
from loans.models import Device, Loan
from tests.factories import DeviceFactory, LoanFactory, ResidentFactory

pytestmark = pytest.mark.django_db

URL = "/loans/loans/register/"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _get(client, fmt, date_from="2026-04-01", date_to="2026-06-30"):
    return client.get(
        reverse("loans:register_export"),
        {"date_from": date_from, "date_to": date_to, "format": fmt},
    )


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_rows(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = []
        for value in row:
            if isinstance(value, datetime):
                value = value.date().isoformat()
            cells.append("" if value is None else str(value))
        rows.append(cells)
    return rows


@pytest.fixture
def period_loans(venue, other_venue, policy):
    """Five loans around the period April-June 2026 at ``venue``, one at the other venue."""

    def make(tag, start, due, *, status=Loan.Status.ACTIVE, returned_on=None, **kw):
        return LoanFactory(
            device=DeviceFactory(asset_tag=tag, serial=f"SER-{tag}", status=Device.Status.ON_LOAN),
            resident=kw.pop("resident", None) or ResidentFactory(),
            venue=kw.pop("venue", venue),
            policy=policy,
            start_date=start,
            due_date=due,
            status=status,
            returned_on=returned_on,
            **kw,
        )

    return {
        "before": make(
            "SP-BEFORE",
            date(2025, 9, 1),
            date(2026, 3, 1),
            status=Loan.Status.RETURNED,
            returned_on=date(2026, 3, 20),
        ),
        "returned_in": make(
            "SP-RETIN",
            date(2025, 11, 1),
            date(2026, 5, 1),
            status=Loan.Status.RETURNED,
            returned_on=date(2026, 4, 10),
            outcome=Loan.Outcome.OWN_DEVICE,
            renewals=1,
        ),
        "active_old": make(
            "SP-ACTOLD",
            date(2026, 1, 5),
            date(2026, 7, 6),
            resident=ResidentFactory(name="高橋 タケ", name_kana="タカハシ タケ"),
        ),
        "started_in": make("SP-START", date(2026, 6, 30), date(2026, 12, 29)),
        "after": make("SP-AFTER", date(2026, 7, 1), date(2026, 12, 30)),
        "other_venue": make("SP-OTHER", date(2026, 5, 1), date(2026, 11, 1), venue=other_venue),
    }


def test_csv_and_xlsx_hold_the_same_rows_for_the_period(admin_client_, period_loans):
    csv_response = _get(admin_client_, "csv")
    xlsx_response = _get(admin_client_, "xlsx")

    assert csv_response.status_code == 200 and xlsx_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert 'filename="loan-register-20260401-20260630.csv"' in csv_response["Content-Disposition"]
    assert xlsx_response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    csv_rows = _csv_rows(csv_response.content)
    xlsx_rows = _xlsx_rows(xlsx_response.content)
    assert csv_rows == xlsx_rows
    assert csv_rows[0] == HEADERS
    assert csv_rows[0][:5] == ["管理番号", "種別", "メーカー・機種", "製造番号", "氏名"]
    tags = [row[0] for row in csv_rows[1:]]
    # Ordered by start date; loans that ended before or began after the period are left out.
    assert tags == ["SP-RETIN", "SP-ACTOLD", "SP-OTHER", "SP-START"]


def test_register_row_shows_dates_status_renewals_and_outcome(admin_client_, period_loans):
    rows = {row[0]: row for row in _csv_rows(_get(admin_client_, "csv").content)[1:]}

    returned = dict(zip(HEADERS, rows["SP-RETIN"], strict=True))
    assert returned["製造番号"] == "SER-SP-RETIN"
    assert returned["貸与開始日"] == "2025-11-01"
    assert returned["返却日"] == "2026-04-10"
    assert returned["状態"] == "返却済み"
    assert returned["延長回数"] == "1"
    assert returned["結果"] == "自分の端末を購入"
    assert returned["貸与会場"] == "いわき市中央公民館"

    active = dict(zip(HEADERS, rows["SP-ACTOLD"], strict=True))
    assert active["氏名"] == "高橋 タケ" and active["ふりがな"] == "タカハシ タケ"
    assert active["返却期限"] == "2026-07-06" and active["返却日"] == ""
    assert active["状態"] == "貸与中"


def test_xlsx_dates_are_real_dates_and_header_is_frozen(admin_client_, period_loans):
    sheet = load_workbook(io.BytesIO(_get(admin_client_, "xlsx").content)).active
    assert sheet.title == "貸与台帳"
    assert sheet.freeze_panes == "A2"
    assert isinstance(sheet.cell(row=2, column=8).value, datetime)


def test_staff_get_only_their_venues_loans(staff_client, period_loans):
    tags = [row[0] for row in _csv_rows(_get(staff_client, "csv").content)[1:]]
    assert "SP-OTHER" not in tags
    assert tags == ["SP-RETIN", "SP-ACTOLD", "SP-START"]


def test_empty_period_gives_headers_only(admin_client_, period_loans):
    rows = _csv_rows(_get(admin_client_, "csv", "2020-01-01", "2020-01-31").content)
    assert rows == [HEADERS]


@pytest.mark.parametrize("persona", ["coordinator_user", "supporter_user"])
def test_coordinator_and_supporter_get_403(client, request, persona, period_loans):
    client.force_login(request.getfixturevalue(persona))
    assert _get(client, "csv").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = _get(client, "csv")
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_from": "2026-13-01", "date_to": "2026-06-30", "format": "csv"}, "From: "),
        ({"date_from": "", "date_to": "2026-06-30", "format": "csv"}, "From: "),
        ({"date_from": "2026-04-01", "date_to": "soon", "format": "xlsx"}, "To: "),
        ({"date_from": "2026-04-01", "date_to": "2026-06-30", "format": "pdf"}, "Format: "),
        (
            {"date_from": "2026-06-30", "date_to": "2026-04-01", "format": "csv"},
            "The end of the period must not be before its start.",
        ),
    ],
)
def test_bad_input_goes_back_to_the_list_with_a_message(admin_client_, params, expected):
    response = admin_client_.get(reverse("loans:register_export"), params, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("loans:loan_list")
    assert any(message.startswith(expected) for message in _messages(response)), _messages(response)


def test_loan_list_has_the_register_form(staff_client):
    content = staff_client.get(reverse("loans:loan_list")).content.decode()
    assert f'action="{reverse("loans:register_export")}"' in content
    assert '<label for="register-from">' in content and 'id="register-from"' in content
    assert '<label for="register-to">' in content and 'name="format"' in content


def test_url_path():
    assert reverse("loans:register_export") == URL


def _count_queries(client, fmt) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = _get(client, fmt, "2026-01-01", "2026-12-31")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_rows(staff_client, venue, policy, fmt):
    def add(n):
        for _ in range(n):
            LoanFactory(venue=venue, policy=policy, start_date=date(2026, 5, 1))

    add(5)
    staff_client.get(reverse("loans:loan_list"))  # warm the session and role caches
    with_5 = _count_queries(staff_client, fmt)
    add(45)
    with_50 = _count_queries(staff_client, fmt)
    assert with_5 == with_50
    assert with_50 <= 6  # including the audit-trail row for the export
    rows = _csv_rows(_get(staff_client, "csv", "2026-01-01", "2026-12-31").content)
    assert len(rows) == 51


def test_downloading_the_register_is_kept_in_the_audit_trail(staff_client, staff_user, policy):
    from kernel.models import AuditEvent

    assert _get(staff_client, "csv").status_code == 200
    event = AuditEvent.objects.get(object_type="loans.loan", action="export")
    assert event.user == staff_user
    assert event.path == reverse("loans:register_export")
