"""The demo data (seed_demo), the city-scale data set (generate_city) and the benchmark (bench)."""

import io
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.urls import reverse

from classes.models import Registration, Session
from classes.selectors import local_day_bounds
from devtools.demo.builder import DEMO_PASSWORD, DEMO_USERNAMES
from kernel.models import Profile, Role
from loans.models import Device, Loan
from loans.selectors import loans_due_soon, loans_overdue
from residents.models import Resident
from tests.factories import TopicFactory, VenueFactory
from volunteers.models import Assignment, Supporter
from volunteers.selectors import sessions_understaffed

JST = ZoneInfo("Asia/Tokyo")
# A Thursday; the month before holds 成人の日 (12 January) and the year-end closure.
TODAY = datetime(2026, 2, 5, 8, 0, tzinfo=JST)


@pytest.fixture
def program_data(db):
    """The venues and topics load_program_data would bring, made with factories."""
    venues = [
        VenueFactory(code="iwaki-chuo", name="いわき市中央公民館", district="平", default_seats=20),
        VenueFactory(
            code="iwaki-plaza", name="いわき市生涯学習プラザ", district="平", default_seats=24
        ),
        VenueFactory(code="onahama", name="小名浜公民館", district="小名浜", default_seats=16),
        VenueFactory(code="uchigo", name="内郷公民館", district="内郷", default_seats=12),
        VenueFactory(code="miwa", name="三和公民館", district="三和", default_seats=8),
    ]
    for code, title in (
        ("B01", "スマートフォンの基本操作"),
        ("B07", "LINEの使い方"),
        ("B09", "安心・安全な使い方（詐欺対策）"),
        ("A01", "マイナンバーカードの申請"),
    ):
        TopicFactory(code=code, title=title)
    return venues


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def seed() -> str:
    with time_machine.travel(TODAY, tick=False):
        return run("seed_demo")


def assert_no_supporter_overlaps() -> None:
    by_supporter = defaultdict(list)
    for a in Assignment.objects.filter(status__in=["proposed", "confirmed"]).select_related(
        "session"
    ):
        by_supporter[a.supporter_id].append((a.session.starts_at, a.session.ends_at))
    for spans in by_supporter.values():
        spans.sort()
        for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
            assert next_start >= end, "a supporter is on two sessions at once"


def assert_no_device_on_two_active_loans() -> None:
    assert not (
        Loan.objects.filter(status=Loan.Status.ACTIVE)
        .values("device")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )


def sessions_over_seats() -> int:
    return (
        Session.objects.filter(seats__isnull=False)
        .annotate(n=Count("registrations", filter=Q(registrations__status="registered")))
        .filter(n__gt=F("seats"))
        .count()
    )


def test_seed_demo_builds_a_program_staff_can_demo(program_data, client):
    out = seed()

    # Every demo login works with the password printed in the table.
    for username in DEMO_USERNAMES:
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(f"{username} "))
        assert DEMO_PASSWORD in line
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, f"{username} cannot log in"
    staff = Profile.objects.get(user__username="staff")
    assert staff.role == Role.STAFF
    assert [v.code for v in staff.venues.all()] == ["iwaki-chuo"]
    assert Supporter.objects.get(user__username="supporter").kind == Supporter.Kind.STUDENT

    # About 300 residents, mostly 65+, findable by kana and phone.
    residents = list(Resident.objects.all())
    assert len(residents) == 300
    ages = [r.age_on(TODAY.date()) for r in residents if r.birth_date]
    assert sum(65 <= a <= 95 for a in ages) / len(ages) > 0.8
    assert all(r.search_kana and r.phone_digits for r in residents)
    from residents.selectors import resident_search

    someone = residents[42]
    assert someone in resident_search(query=someone.name_kana, limit=30)
    assert someone in resident_search(query=someone.phone, limit=30)

    # Sessions: class times only, never on a holiday or during the year-end closure.
    sessions = list(Session.objects.all())
    assert {s.kind for s in sessions} == set(Session.Kind.values)
    for s in sessions:
        local = s.starts_at.astimezone(JST)
        assert local.time() in (time(10, 0), time(13, 30))
        assert not jpholiday.is_holiday(local.date()) and local.weekday() < 5
        assert not (local.month == 1 and local.day <= 3)
    caravans = [s for s in sessions if s.kind == Session.Kind.CARAVAN]
    assert caravans and all(s.venue is None and s.place for s in caravans)
    assert all(s.seats is None for s in sessions if s.kind == Session.Kind.SALON)

    # Registrations: attendance taken in the past, full classes with waitlists, never over seats.
    past = Registration.objects.filter(session__starts_at__lt=TODAY, status="registered")
    assert past.filter(attendance="attended").exists() and past.filter(attendance="absent").exists()
    assert not past.filter(attendance="").exists()
    assert (
        Registration.objects.filter(status="waitlisted").values("session").distinct().count() >= 3
    )
    assert sessions_over_seats() == 0

    # Loans: 40 devices, ~20 on loan, some due this week, some overdue, outcomes recorded.
    assert Device.objects.count() == 40
    assert Loan.objects.filter(status="active").count() == 20
    assert loans_overdue(today=TODAY.date()).exists()
    assert loans_due_soon(today=TODAY.date(), days=7).exists()
    assert Loan.objects.filter(status="returned").exclude(outcome="").count() >= 5
    assert_no_device_on_two_active_loans()

    # Supporters: 40, some sessions in the coming week still short, also at the demo staff venue.
    assert Supporter.objects.count() == 40
    start, end = TODAY, local_day_bounds(TODAY.date() + timedelta(days=6))[1]
    assert sessions_understaffed(start=start, end=end).exists()
    assert sessions_understaffed(start=start, end=end, venue_ids={staff.venues.get().pk}).exists()
    assert_no_supporter_overlaps()


def test_seed_demo_loads_program_data_and_twice_does_not_duplicate(db):
    out = seed()

    # With no venues yet, the program data is loaded first: staff get the real central venue.
    assert "venues.csv" in out
    assert Profile.objects.get(user__username="staff").venues.get().code == "iwaki-chuo"
    counts = (Resident.objects.count(), Session.objects.count(), Registration.objects.count())

    out = seed()

    assert "already exists" in out
    assert (
        Resident.objects.count(),
        Session.objects.count(),
        Registration.objects.count(),
    ) == counts

    with time_machine.travel(TODAY, tick=False):
        run("seed_demo", "--reset")

    assert (
        Resident.objects.count(),
        Session.objects.count(),
        Registration.objects.count(),
    ) == counts
    assert Profile.objects.filter(user__username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)


def test_generate_city_tiny_scale_is_proportional_and_consistent(program_data):
    out = run("generate_city", "--scale", "0.001")

    assert Resident.objects.count() == 100
    assert Session.objects.count() == 20
    assert Registration.objects.count() == 300
    assert Device.objects.count() == 3
    assert Loan.objects.count() == 15
    assert Supporter.objects.count() == 1
    assert "Generated in" in out
    # bulk_create skips save(): the search keys must be filled all the same.
    assert not Resident.objects.filter(Q(search_kana="") | Q(phone_digits="")).exists()
    assert not (
        Registration.objects.values("session", "resident").annotate(n=Count("id")).filter(n__gt=1)
    ).exists()
    assert sessions_over_seats() == 0
    assert_no_device_on_two_active_loans()
    assert Loan.objects.filter(status="active").count() <= 3
    assert_no_supporter_overlaps()

    # A second run adds another set beside the first (unique asset tags do not collide).
    run("generate_city", "--scale", "0.001")
    assert Device.objects.count() == 6


def test_bench_generates_then_prints_timings(program_data):
    out = run("bench", "--scale", "0.001", "--iterations", "2")

    assert "Data set: generated in" in out
    assert Resident.objects.count() == 100
    lines = out.splitlines()
    header = next(ln for ln in lines if ln.startswith("page"))
    assert "p50 ms" in header and "p95 ms" in header and "queries" in header
    for page in ("dashboard", "session detail", "device list", "lend page"):
        row = next(ln for ln in lines if ln.startswith(page))
        p50, p95, queries = row[len(header.split("p50")[0]) :].split()[:3]
        assert float(p50) > 0 and float(p95) >= float(p50) and int(queries) > 0
    assert sum(ln.startswith("phone search:") for ln in lines) == 3


def test_generation_at_prefecture_scale_is_judged_against_fifteen_minutes():
    from devtools.management.commands.generate_city import generation_goal_line

    assert generation_goal_line(105.8) == (
        "generation at scale 10 under 15 minutes: 1.8 min -> met"
    )
    assert generation_goal_line(20 * 60) == (
        "generation at scale 10 under 15 minutes: 20.0 min -> missed: over by 5.0 min"
    )
