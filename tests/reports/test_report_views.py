"""The reports page: asking for a report, the background task, progress, download and rights;
the venue's month of attendance; KPI targets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from classes.models import Registration
from kernel.models import Role
from reports.models import GeneratedReport, Kpi, KpiTarget
from reports.services import report_generate
from reports.tasks import generate_report
from tests.factories import (
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    make_user,
)
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text
from tests.reports.program_fixture import jst

pytestmark = pytest.mark.django_db

LIST = reverse("reports:report_list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ask(client, **data):
    form = {
        "kind": "monthly",
        "year": "2026",
        "month": "10",
        "scope": "program",
        "format": "pdf",
        "published": "on",
    }
    form.update(data)
    return client.post(LIST, form)


def test_administrator_asks_for_a_report_and_downloads_it(
    admin_client_, venue, django_capture_on_commit_callbacks
):
    session = SessionFactory(venue=venue, starts_at=jst(2026, 10, 6, 10, 0), seats=10)
    for _ in range(6):
        RegistrationFactory(session=session, attendance=Registration.Attendance.ATTENDED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = ask(admin_client_)
    assert response.status_code == 302
    assert len(callbacks) == 1
    report = GeneratedReport.objects.get()
    assert report.status == GeneratedReport.Status.DONE
    assert report.progress == 100
    assert report.requested_by.username == "admin1"
    assert report.finished_at is not None
    page = admin_client_.get(LIST)
    body = page.content.decode()
    assert "Monthly report" in body and "Ready" in body and "admin1" in body
    assert 'http-equiv="refresh"' not in body  # nothing running
    download = admin_client_.get(reverse("reports:report_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert_only_embedded_ipaex(content)
    text = "".join(pdf_pages_text(content))
    assert "October 2026" in text
    assert "Published version" in text
    squeezed = "".join(text.split())
    # The six attendances of the month, not hidden (6 is above the threshold of 5).
    assert "Attendances(named)6" in squeezed
    assert "Sessionsheld1" in squeezed


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [("csv", "text/csv", b"\xef\xbb\xbfsection"), ("xlsx", "spreadsheetml", b"PK")],
)
def test_csv_and_excel_reports(
    admin_client_, django_capture_on_commit_callbacks, fmt, content_type, magic
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(admin_client_, format=fmt, kind="fiscal_year", year="2026", month="")
    report = GeneratedReport.objects.get()
    assert (report.period_start.isoformat(), report.period_end.isoformat()) == (
        "2026-04-01",
        "2027-03-31",
    )
    response = admin_client_.get(reverse("reports:report_download", args=[report.pk]))
    assert content_type in response["Content-Type"]
    assert b"".join(response.streaming_content).startswith(magic)


def test_page_refreshes_while_a_report_is_being_made(admin_client_, admin_user):
    GeneratedReport.objects.create(
        kind="monthly",
        period_start=jst(2026, 10, 1, 0).date(),
        period_end=jst(2026, 10, 31, 0).date(),
        format="pdf",
        status=GeneratedReport.Status.RUNNING,
        progress=50,
        requested_by=admin_user,
    )
    body = admin_client_.get(LIST).content.decode()
    assert '<meta http-equiv="refresh"' in body
    assert 'value="50"' in body
    assert "<script" not in body


def test_task_claims_a_report_once_and_records_failures(admin_user, monkeypatch):
    report = GeneratedReport.objects.create(
        kind="monthly",
        period_start=jst(2026, 10, 1, 0).date(),
        period_end=jst(2026, 10, 31, 0).date(),
        format="csv",
        requested_by=admin_user,
    )
    assert generate_report.delay(report.pk).get() is True
    # A second delivery of the same task finds it done and does nothing.
    assert generate_report.delay(report.pk).get() is False
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE and report.file.name.endswith(".csv")

    broken = GeneratedReport.objects.create(
        kind="monthly",
        period_start=report.period_start,
        period_end=report.period_end,
        format="csv",
    )

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("reports.services.render_report", explode)
    with pytest.raises(RuntimeError):
        report_generate(report_id=broken.pk)
    broken.refresh_from_db()
    assert broken.status == GeneratedReport.Status.FAILED
    assert "disk full" in broken.error


def test_bad_input_shows_a_message_and_saves_nothing(admin_client_):
    response = ask(admin_client_, month="13")
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 12" in response.content.decode()
    response = ask(admin_client_, scope="venue")
    assert "Choose the venue." in response.content.decode()
    response = ask(admin_client_, month="")
    assert "Choose a month from 1 to 12" in response.content.decode()
    assert not GeneratedReport.objects.exists()


def test_staff_may_ask_only_for_their_venues(
    staff_client, venue, other_venue, django_capture_on_commit_callbacks
):
    body = staff_client.get(LIST).content.decode()
    assert venue.name in body
    assert other_venue.name not in body
    response = ask(staff_client, scope="program")
    assert response.status_code == 200
    response = ask(staff_client, scope="venue", venue=str(other_venue.pk))
    assert response.status_code == 200
    assert not GeneratedReport.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(staff_client, scope="venue", venue=str(venue.pk), format="csv")
    assert response.status_code == 302
    report = GeneratedReport.objects.get()
    assert report.venue == venue
    assert staff_client.get(reverse("reports:report_download", args=[report.pk])).status_code == 200


def test_staff_cannot_see_or_download_program_or_other_venue_reports(
    staff_client, admin_user, other_venue
):
    def make(**kw):
        return GeneratedReport.objects.create(
            kind="monthly",
            period_start=jst(2026, 10, 1, 0).date(),
            period_end=jst(2026, 10, 31, 0).date(),
            format="csv",
            status=GeneratedReport.Status.DONE,
            requested_by=admin_user,
            **kw,
        )

    program = make()
    other = make(scope="venue", venue=other_venue)
    assert "Whole program" not in staff_client.get(LIST).content.decode().split("Reports made")[1]
    for report in (program, other):
        url = reverse("reports:report_download", args=[report.pk])
        assert staff_client.get(url).status_code == 404


def test_coordinator_may_ask_for_an_organiser_report(
    coordinator_client, django_capture_on_commit_callbacks
):
    npo = OrganiserFactory(name="NPO")
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(coordinator_client, scope="organiser", organiser=str(npo.pk))
    assert response.status_code == 302
    assert GeneratedReport.objects.get().organiser == npo


def test_supporters_and_strangers_are_kept_out(client, supporter_user):
    assert client.get(LIST).status_code == 302  # to the login page
    client.force_login(supporter_user)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("reports:kpi_targets")).status_code == 403


def test_nav_links_to_reports(staff_client):
    assert f'href="{LIST}"' in staff_client.get(LIST).content.decode()


def test_venue_month_of_attendance(staff_client, venue, other_venue):
    salon = SessionFactory(
        venue=venue,
        kind="salon",
        title="スマホサロン",
        starts_at=jst(2028, 2, 29, 13, 0),
        seats=None,
        walk_in_count=2,
    )
    salon.ends_at = salon.starts_at + timedelta(hours=2)
    salon.save()
    RegistrationFactory(session=salon, attendance=Registration.Attendance.ATTENDED)
    RegistrationFactory(session=salon, attendance=Registration.Attendance.ABSENT)
    SessionFactory(venue=other_venue, starts_at=jst(2028, 2, 10, 10, 0))
    url = reverse("reports:venue_month_attendance")
    response = staff_client.get(url, {"venue": venue.pk, "year": 2028, "month": 2})
    assert response.status_code == 200
    content = response.content
    assert_only_embedded_ipaex(content)
    text = "".join(pdf_pages_text(content))
    assert "2028年2月" in text and venue.name in text
    # Registered 2, attended 1 + 2 counted = 3, absent 1, walk-ins 2, waiting 0.
    assert "2/29(火)" in text
    lines = text.split("\n")
    assert lines[lines.index("スマホサロン", lines.index("2/29(火)")) + 1 :][:6] == [
        "スマホサロン",
        "2",
        "3",
        "1",
        "2",
        "0",
    ]
    assert lines[lines.index("合計") + 1 :][:5] == ["2", "3", "1", "2", "0"]
    # Another venue's month: back to the reports page with a message, no PDF.
    response = staff_client.get(url, {"venue": other_venue.pk, "year": 2028, "month": 2})
    assert response.status_code == 302


def test_administrator_sets_kpi_targets_per_fiscal_year(admin_client_, client):
    kpi = Kpi.objects.create(code="classes_held", name="ICT講座の開催回数", unit="回/年")
    url = reverse("reports:kpi_targets")
    page = admin_client_.get(url, {"year": 2027})
    assert "FY2027" in page.content.decode()
    response = admin_client_.post(url, {"year": 2027, f"kpi_{kpi.pk}": "12"})
    assert response.status_code == 302
    assert KpiTarget.objects.get(kpi=kpi, fiscal_year=2027).target_value == Decimal(12)
    response = admin_client_.post(url, {"year": 2027, f"kpi_{kpi.pk}": "-1"})
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert KpiTarget.objects.get(kpi=kpi, fiscal_year=2027).target_value == Decimal(12)
    admin_client_.post(url, {"year": 2027, f"kpi_{kpi.pk}": ""})
    assert not KpiTarget.objects.exists()
    coordinator = make_user(Role.COORDINATOR)
    client.force_login(coordinator)
    assert client.get(url).status_code == 403


def test_reports_left_waiting_are_queued_again_and_made_once(admin_user, settings):
    import time_machine

    from reports.tasks import requeue_pending_reports

    settings.REPORT_STALE_SECONDS = 15 * 60

    def waiting(**extra):
        return GeneratedReport.objects.create(
            kind="monthly",
            period_start=jst(2026, 10, 1, 0).date(),
            period_end=jst(2026, 10, 31, 0).date(),
            format="csv",
            requested_by=admin_user,
            **extra,
        )

    # Asked at 9:00 and its message lost: nothing picked it up.
    with time_machine.travel(jst(2026, 11, 2, 9), tick=False):
        lost = waiting()
    # A worker died while making this one; its last progress was two hours ago.
    dead = waiting(status=GeneratedReport.Status.RUNNING, progress=50)
    GeneratedReport.objects.filter(pk=dead.pk).update(progress_at=jst(2026, 11, 2, 7, 20))
    # This one's worker reported progress ten minutes ago: still at it.
    fresh_running = waiting(status=GeneratedReport.Status.RUNNING, progress=50)
    GeneratedReport.objects.filter(pk=fresh_running.pk).update(progress_at=jst(2026, 11, 2, 9, 10))

    with time_machine.travel(jst(2026, 11, 2, 9, 20), tick=False):
        assert requeue_pending_reports.delay().get() == {"requeued": 2}
        assert requeue_pending_reports.delay().get() == {"requeued": 0}

    for report in (lost, dead):
        report.refresh_from_db()
        assert report.status == GeneratedReport.Status.DONE and report.file.name.endswith(".csv")
    fresh_running.refresh_from_db()
    assert fresh_running.status == GeneratedReport.Status.RUNNING  # its worker is still at it


def test_venue_month_of_attendance_names_untitled_sessions_in_japanese(staff_client, venue):
    """The form is Japanese whatever the UI language (English here): a salon without a title
    or topic is "スマホサロン", not the translated kind "Salon"."""
    SessionFactory(
        venue=venue,
        kind="salon",
        title="",
        topic=None,
        starts_at=jst(2028, 3, 7, 13, 0),
        seats=None,
    )
    response = staff_client.get(
        reverse("reports:venue_month_attendance"), {"venue": venue.pk, "year": 2028, "month": 3}
    )
    lines = "".join(pdf_pages_text(response.content)).split("\n")
    row = lines[lines.index("3/7(火)") :][:4]
    assert row[2:] == ["スマホサロン", "スマホサロン"]  # kind, then what
    assert "Salon" not in lines
