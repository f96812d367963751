"""The loan register (貸与台帳) for a period, as CSV and Excel: asked for on the loan list
(``reports:loan_register``), made by the report task, downloaded from the reports page."""

import csv
import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kernel.models import AuditEvent, Role
from loans.exports import HEADERS
from loans.models import Device, Loan
from reports.models import GeneratedReport
from tests.factories import DeviceFactory, LoanFactory, ResidentFactory, make_user

pytestmark = pytest.mark.django_db

URL = "/reports/loan-register/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _ask(client, fmt, date_from="2026-04-01", date_to="2026-06-30", **kw):
    return client.post(
        reverse("reports:loan_register"),
        {"date_from": date_from, "date_to": date_to, "format": fmt},
        **kw,
    )


def _download(client, report):
    return client.get(reverse("reports:report_download", args=[report.pk]))


def _get(client, fmt, date_from="2026-04-01", date_to="2026-06-30"):
    """Ask for the register, let the task make it, and download the file (a plain response)."""
    # Tasks run eagerly in tests: the queued one runs when the request's transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = _ask(client, fmt, date_from, date_to)
    assert asked.status_code == 302, asked
    assert asked["Location"] == reverse("reports:report_list")
    report = GeneratedReport.objects.filter(kind="loan_register").latest("id")
    assert report.status == GeneratedReport.Status.DONE, report.error
    response = _download(client, report)
    if response.status_code != 200:
        return response
    return HttpResponse(
        b"".join(response.streaming_content),
        headers={k: response[k] for k in ("Content-Type", "Content-Disposition")},
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
    assert 'filename="loan-register-20260401-20260630-' in csv_response["Content-Disposition"]
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
    assert _ask(client, "csv").status_code == 403
    assert not GeneratedReport.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = _ask(client, "csv")
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
    response = admin_client_.post(reverse("reports:loan_register"), params, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("loans:loan_list")
    assert any(message.startswith(expected) for message in _messages(response)), _messages(response)
    assert not GeneratedReport.objects.exists()


def test_loan_list_has_the_register_form(staff_client):
    content = staff_client.get(reverse("loans:loan_list")).content.decode()
    assert f'action="{reverse("reports:loan_register")}"' in content
    assert 'method="post"' in content and 'name="once_token"' in content
    assert '<label for="register-from">' in content and 'id="register-from"' in content
    assert '<label for="register-to">' in content and 'name="format"' in content


def test_url_path():
    assert reverse("reports:loan_register") == URL


def test_the_page_returns_at_once_with_a_queued_job(
    staff_client, staff_user, period_loans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with CaptureQueriesContext(connection) as ctx:
            response = _ask(staff_client, "xlsx", follow=True)
    assert response.redirect_chain[0][0] == reverse("reports:report_list")
    assert len(callbacks) == 1  # the making, sent to the worker once the request commits
    report = GeneratedReport.objects.get()
    assert report.status == GeneratedReport.Status.QUEUED and report.progress == 0
    assert report.kind == "loan_register" and report.format == "xlsx"
    assert report.requested_by == staff_user
    assert report.scope == "own_venues"
    assert report.venue_ids == sorted(staff_user.profile.venues.values_list("pk", flat=True))
    # The request reads no loan: the rows are read by the task.
    assert not any('"loans_loan"' in q["sql"] for q in ctx.captured_queries)
    body = response.content.decode()
    assert "The loan register is being made" in body
    assert "Loan register" in body and 'http-equiv="refresh"' in body
    assert "<progress" in body


def test_the_task_reports_progress_and_the_file_keeps_the_rows(
    admin_client_, period_loans, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import loan_register

    monkeypatch.setattr(loan_register, "PROGRESS_EVERY", 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _ask(admin_client_, "csv")
    report = GeneratedReport.objects.get()
    with CaptureQueriesContext(connection) as ctx:
        callbacks[0]()
    seen = [
        q["sql"] for q in ctx.captured_queries if "progress" in q["sql"] and "UPDATE" in q["sql"]
    ]
    # claimed, two signs of life while reading four loans, before writing, done
    assert len(seen) >= 4
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE and report.progress == 100
    assert report.scope == "program" and report.venue_ids is None
    rows = _csv_rows(b"".join(_download(admin_client_, report).streaming_content))
    assert [row[0] for row in rows[1:]] == ["SP-RETIN", "SP-ACTOLD", "SP-OTHER", "SP-START"]


def test_a_run_that_lost_its_claim_writes_no_file(
    admin_client_, period_loans, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import loan_register
    from reports.services import report_generate

    monkeypatch.setattr(loan_register, "PROGRESS_EVERY", 1)
    with django_capture_on_commit_callbacks(execute=False):
        _ask(admin_client_, "csv")
    report = GeneratedReport.objects.get()
    calls = []

    def lose_claim(percent):
        calls.append(percent)
        return False

    made = loan_register.loan_register_file(report, progress=lose_claim)
    assert made is None and len(calls) == 1
    assert report_generate(report_id=report.pk) is True  # the queued report is still made once
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE


def test_downloading_the_register_is_kept_in_the_audit_trail(staff_client, staff_user, policy):
    response = _get(staff_client, "csv")
    assert response.status_code == 200
    report = GeneratedReport.objects.get()
    event = AuditEvent.objects.get(object_type="reports.generatedreport", action="export")
    assert event.user == staff_user
    assert event.path == reverse("reports:report_download", args=[report.pk])
    assert event.object_id == report.pk


def test_other_venue_staff_and_coordinators_cannot_download(
    staff_client, client, period_loans, other_staff_user, coordinator_user
):
    assert _get(staff_client, "csv").status_code == 200
    report = GeneratedReport.objects.get()
    for user in (other_staff_user, coordinator_user):
        client.force_login(user)
        assert _download(client, report).status_code == 404
        assert "Loan register" not in client.get(reverse("reports:report_list")).content.decode()


def test_staff_who_left_a_venue_can_no_longer_download_its_register(
    staff_client, staff_user, venue, period_loans
):
    assert _get(staff_client, "csv").status_code == 200
    report = GeneratedReport.objects.get()
    staff_user.profile.venues.remove(venue)
    staff_client.force_login(staff_user)
    assert _download(staff_client, report).status_code == 404


def test_staff_without_venues_are_told_so(client, period_loans):
    client.force_login(make_user(Role.STAFF))
    response = _ask(client, "csv", follow=True)
    assert response.redirect_chain[-1][0] == reverse("loans:loan_list")
    assert any("no venue" in m for m in _messages(response))
    assert not GeneratedReport.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_making_reads_a_fixed_number_of_queries_however_many_loans(
    staff_client, venue, policy, fmt
):
    def add(n):
        for _ in range(n):
            LoanFactory(venue=venue, policy=policy, start_date=date(2026, 5, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _get(staff_client, fmt, "2026-01-01", "2026-12-31").status_code == 200
        return len(ctx.captured_queries)

    add(5)
    staff_client.get(reverse("loans:loan_list"))  # warm the session and role caches
    with_5 = count()
    add(45)
    with_50 = count()
    assert with_5 == with_50
    rows = _csv_rows(_get(staff_client, "csv", "2026-01-01", "2026-12-31").content)
    assert len(rows) == 51
