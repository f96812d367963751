"""Reads of residents' data leave a trace: one audit event per page shown, with the query and the
residents shown, and a user who walks through too many residents is paused (HTTP 429)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from classes.models import CallListEntry
from kernel.models import AuditAction, AuditEvent
from loans.models import LoanApplication
from reports.models import GeneratedReport
from tests.factories import (
    LoanFactory,
    LoanPolicyFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")


def _reads():
    return list(
        AuditEvent.objects.filter(
            action__in=[AuditAction.VIEW, AuditAction.EXPORT, AuditAction.READ_LIMIT]
        ).order_by("id")
    )


@pytest.fixture
def world(venue, staff_user):
    """One resident registered for a session, called, on loan and applying for a loan."""
    resident = ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ", phone="0246-22-1111")
    session = SessionFactory(venue=venue, starts_at=timezone.now() + timedelta(days=2))
    registration = RegistrationFactory(session=session, resident=resident)
    CallListEntry.objects.create(registration=registration, reason=CallListEntry.Reason.REMINDER)
    policy = LoanPolicyFactory()
    loan = LoanFactory(
        venue=venue,
        policy=policy,
        resident=resident,
        start_date=timezone.localdate() - timedelta(days=40),
        due_date=timezone.localdate() - timedelta(days=3),
    )
    LoanApplication.objects.create(policy=policy, resident=resident, venue=venue)
    today = timezone.localdate()
    report = GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.MONTHLY,
        period_start=today.replace(day=1),
        period_end=today,
        scope=GeneratedReport.ScopeKind.VENUE,
        venue=venue,
        format=GeneratedReport.Format.CSV,
        status=GeneratedReport.Status.DONE,
        requested_by=staff_user,
    )
    report.file.save("r.csv", ContentFile(b"a,b\n"), save=True)
    return {"resident": resident, "session": session, "loan": loan, "report": report}


def _pages(world):
    r, s, loan = world["resident"], world["session"], world["loan"]
    day = timezone.localtime(s.starts_at).date()
    return [
        ("residents:list", reverse("residents:list"), {}),
        ("residents:list", reverse("residents:list"), {"q": "ヤマダ"}),
        ("residents:detail", reverse("residents:detail", args=[r.pk]), {}),
        ("classes:session_detail", reverse("classes:session_detail", args=[s.pk]), {}),
        ("classes:phone", reverse("classes:phone"), {"q": "0246221111"}),
        (
            "classes:call_list",
            reverse("classes:call_list"),
            {"day": day.isoformat(), "venue": s.venue_id},
        ),
        ("loans:loan_list", reverse("loans:loan_list"), {}),
        ("loans:follow_up", reverse("loans:follow_up"), {}),
        ("loans:applications", reverse("loans:applications"), {}),
        ("loans:loan_detail", reverse("loans:loan_detail", args=[loan.pk]), {}),
        ("loans:agreement_pdf", reverse("loans:agreement_pdf", args=[loan.pk]), {}),
        ("reports:attendance_sheet", reverse("reports:attendance_sheet", args=[s.pk]), {}),
    ]


def test_every_page_with_residents_records_one_event_with_who_the_query_and_whom(
    staff_client, staff_user, world
):
    resident = world["resident"]
    for name, url, params in _pages(world):
        before = AuditEvent.objects.count()
        response = staff_client.get(url, params)
        assert response.status_code == 200, name
        events = list(AuditEvent.objects.filter(id__gt=0).order_by("id")[before:])
        assert len(events) == 1, (name, events)
        [event] = events
        assert event.user == staff_user and event.summary == name
        assert resident.pk in event.resident_ids, name
        assert event.resident_count == len(event.resident_ids)
        if params:
            assert event.query, name


def test_the_admin_sites_resident_and_loan_pages_are_recorded(client, world):
    resident, loan = world["resident"], world["loan"]
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.jp", "x"))
    for url in (
        reverse("admin:residents_resident_changelist"),
        reverse("admin:residents_resident_change", args=[resident.pk]),
        reverse("admin:loans_loan_changelist"),
    ):
        before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
        assert client.get(url).status_code == 200, url
        after = AuditEvent.objects.filter(action=AuditAction.VIEW).order_by("id")
        assert after.count() == before + 1, url
        assert resident.pk in after.last().resident_ids
    assert loan.resident_id == resident.pk


def test_a_report_download_is_an_export_in_the_trail(staff_client, world):
    report = world["report"]
    response = staff_client.get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 200
    [event] = _reads()
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.EXPORT,
        "reports.generatedreport",
        report.pk,
    )


def test_walking_the_resident_list_leaves_one_event_per_page_naming_every_resident(
    staff_client, venue
):
    residents = ResidentFactory.create_batch(120)  # 50 a page: 50, 50, 20
    pages = 0
    for page in (1, 2, 3):
        assert staff_client.get(reverse("residents:list"), {"page": page}).status_code == 200
        pages += 1
    events = _reads()
    assert len(events) == pages
    shown = set().union(*(e.resident_ids for e in events))
    assert shown == {r.pk for r in residents}
    assert [e.resident_count for e in events] == [50, 50, 20]


# --- the read limit ------------------------------------------------------------------------------


@override_settings(AUDIT_READ_LIMIT=60, AUDIT_READ_WINDOW_MINUTES=10, AUDIT_READ_PAUSE_MINUTES=5)
def test_a_user_shown_too_many_residents_is_paused_and_the_administrator_sees_it(
    client, staff_user, admin_user, venue
):
    ResidentFactory.create_batch(110)
    client.force_login(staff_user)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as clock:
        assert client.get(reverse("residents:list"), {"page": 1}).status_code == 200  # 50 shown
        clock.shift(timedelta(minutes=1))
        refused = client.get(reverse("residents:list"), {"page": 2})  # 100 > 60
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) == 5 * 60
        html = refused.content.decode()
        assert "more than 60 residents within 10 minutes" in html
        assert "山田" not in html and "<table" not in html
        # The pause: any page with residents, for five minutes; other pages still work.
        clock.shift(timedelta(minutes=3))
        resident = ResidentFactory(name="佐藤 花子")
        assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 429
        assert client.get(reverse("classes:session_list")).status_code == 200
        # After the pause the count starts again from nothing.
        clock.shift(timedelta(minutes=2, seconds=1))
        assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200

        [pause] = AuditEvent.objects.filter(action=AuditAction.READ_LIMIT)
        assert pause.username == "staff1" and pause.resident_count == 100
        administrator = Client()
        administrator.force_login(admin_user)
        audit_page = administrator.get(reverse("audit_list")).content.decode()
    assert "1 user paused for opening too many residents" in audit_page
    assert "staff1: 100 residents within 10 minutes; paused for 5 minutes" in audit_page


@override_settings(AUDIT_READ_LIMIT=60, AUDIT_READ_WINDOW_MINUTES=10, AUDIT_READ_PAUSE_MINUTES=5)
def test_the_same_residents_shown_again_count_once_towards_the_limit(client, staff_user, venue):
    # 50 residents shown three times is 150 rows on screen but 50 people: under the limit of 60.
    # A 51st to 61st person then crosses it.
    ResidentFactory.create_batch(50)
    client.force_login(staff_user)
    for _ in range(3):
        assert client.get(reverse("residents:list"), {"page": 1}).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.READ_LIMIT).exists()
    newcomers = ResidentFactory.create_batch(11, name_kana="ン")  # sorted after the first 50
    assert client.get(reverse("residents:detail", args=[newcomers[0].pk])).status_code == 200
    for resident in newcomers[1:10]:
        assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200
    assert client.get(reverse("residents:detail", args=[newcomers[10].pk])).status_code == 429
    [pause] = AuditEvent.objects.filter(action=AuditAction.READ_LIMIT)
    assert pause.resident_count == 61


def test_a_busy_desk_is_not_paused_by_the_default_limit(staff_client, venue, settings):
    # 300 residents in ten minutes is a busy desk; the default (1,000) leaves it alone.
    assert settings.AUDIT_READ_LIMIT == 1000
    ResidentFactory.create_batch(300)
    for page in range(1, 7):
        assert staff_client.get(reverse("residents:list"), {"page": page}).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.READ_LIMIT).exists()


@override_settings(AUDIT_READ_LIMIT=0)
def test_a_limit_of_zero_turns_the_pause_off(staff_client, venue):
    ResidentFactory.create_batch(45)
    for page in (1, 2, 3):
        assert staff_client.get(reverse("residents:list"), {"page": page}).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.READ_LIMIT).exists()
