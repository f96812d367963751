"""The dashboard: today's and the week's sessions, sessions needing supporters, overdue and
due-soon loans with their real totals, limited to the staff member's venues."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.models import Session
from dashboard import selectors
from dashboard.selectors import dashboard_overview
from tests.factories import (
    AssignmentFactory,
    LoanFactory,
    LoanPolicyFactory,
    ResidentFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@pytest.fixture
def week(venue, other_venue):
    """Sessions at ``venue`` today, in three days, in eight days (outside the week), one
    cancelled, and one at another venue; the one in three days has 1 of 2 supporters."""
    today = timezone.localdate()
    s = {
        "today": SessionFactory(
            venue=venue, title="今日の教室", starts_at=_at(today, 23), supporters_needed=0
        ),
        "soon": SessionFactory(
            venue=venue,
            title="三日後の教室",
            starts_at=_at(today + timedelta(days=3), 10),
            supporters_needed=2,
        ),
        "later": SessionFactory(
            venue=venue, title="来週の教室", starts_at=_at(today + timedelta(days=8), 10)
        ),
        "cancelled": SessionFactory(
            venue=venue,
            title="中止の教室",
            starts_at=_at(today + timedelta(days=2), 10),
            supporters_needed=2,
            status=Session.Status.CANCELLED,
        ),
        "elsewhere": SessionFactory(
            venue=other_venue, title="他館の教室", starts_at=_at(today + timedelta(days=1), 10)
        ),
    }
    AssignmentFactory(session=s["soon"])
    return s


def test_sessions_split_into_today_week_and_understaffed(week, venue):
    overview = dashboard_overview(today=timezone.localdate(), venue_ids={venue.pk})
    assert [s.title for s in overview.today_sessions] == ["今日の教室"]
    assert [s.title for s in overview.week_sessions] == ["中止の教室", "三日後の教室"]
    # Cancelled sessions need nobody; the session with 1 of 2 supporters is listed.
    assert [(s.title, s.supporter_count) for s in overview.understaffed] == [("三日後の教室", 1)]


def test_many_sessions_give_the_same_lists_through_the_bounded_queries(week, venue, monkeypatch):
    fast = dashboard_overview(today=timezone.localdate(), venue_ids={venue.pk})
    # Fewer rows allowed than there are sessions: the lists come from one query each.
    monkeypatch.setattr(selectors, "DASHBOARD_SESSION_FETCH", 1)
    bounded = dashboard_overview(today=timezone.localdate(), venue_ids={venue.pk})
    for name in ("today_sessions", "week_sessions", "understaffed"):
        assert [s.pk for s in getattr(bounded, name)] == [s.pk for s in getattr(fast, name)]
    assert bounded.understaffed_total == fast.understaffed_total == 1


def test_loan_totals_count_every_loan_while_the_lists_stop_at_the_row_limit(venue):
    today = timezone.localdate()
    policy = LoanPolicyFactory()
    for days in (1, 2, 3):
        LoanFactory(
            venue=venue,
            policy=policy,
            start_date=today - timedelta(days=200),
            due_date=today - timedelta(days=days),
        )
    for days in (0, 7):
        LoanFactory(
            venue=venue,
            policy=policy,
            start_date=today - timedelta(days=100),
            due_date=today + timedelta(days=days),
        )
    LoanFactory(venue=venue, policy=policy, start_date=today, due_date=today + timedelta(days=8))

    full = dashboard_overview(today=today, venue_ids={venue.pk})
    assert (full.overdue_total, full.due_soon_total) == (3, 2)
    # Longest overdue first; due today counts as due soon, not overdue.
    assert [loan.due_date for loan in full.overdue] == [
        today - timedelta(days=3),
        today - timedelta(days=2),
        today - timedelta(days=1),
    ]
    assert [loan.due_date for loan in full.due_soon] == [today, today + timedelta(days=7)]

    short = dashboard_overview(today=today, venue_ids={venue.pk}, rows=2)
    assert (short.overdue_total, short.due_soon_total) == (3, 2)
    assert [loan.pk for loan in short.overdue] == [loan.pk for loan in full.overdue[:2]]
    assert [loan.pk for loan in short.due_soon] == [loan.pk for loan in full.due_soon]


def test_many_overdue_loans_do_not_hide_the_loans_due_soon(venue):
    today = timezone.localdate()
    policy = LoanPolicyFactory()
    for days in range(1, 7):
        LoanFactory(
            venue=venue,
            policy=policy,
            start_date=today - timedelta(days=200),
            due_date=today - timedelta(days=days),
        )
    for days in (1, 2, 3):
        LoanFactory(
            venue=venue,
            policy=policy,
            start_date=today - timedelta(days=100),
            due_date=today + timedelta(days=days),
        )
    overview = dashboard_overview(today=today, venue_ids={venue.pk}, rows=2)
    assert (overview.overdue_total, overview.due_soon_total) == (6, 3)
    assert [loan.due_date for loan in overview.overdue] == [
        today - timedelta(days=6),
        today - timedelta(days=5),
    ]
    assert [loan.due_date for loan in overview.due_soon] == [
        today + timedelta(days=1),
        today + timedelta(days=2),
    ]


def test_dashboard_page_shows_total_and_link_when_more_loans_are_overdue_than_listed(
    staff_client, venue, monkeypatch
):
    today = timezone.localdate()
    policy = LoanPolicyFactory()
    for n in range(3):
        LoanFactory(
            venue=venue,
            policy=policy,
            resident=ResidentFactory(name=f"延滞 {n}号"),
            start_date=today - timedelta(days=200),
            due_date=today - timedelta(days=n + 1),
        )
    monkeypatch.setattr("dashboard.views.DASHBOARD_ROWS", 2)
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert '<span class="badge err">3</span>' in html
    # The two longest overdue are listed, the third is behind the link to the full list.
    assert "延滞 2号" in html and "延滞 1号" in html and "延滞 0号" not in html
    assert reverse("loans:loan_list") + "?show=overdue" in html


def test_dashboard_page_lists_only_the_staff_members_venue(staff_client, week):
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert "今日の教室" in html and "三日後の教室" in html
    assert "他館の教室" not in html and "来週の教室" not in html


def test_dashboard_query_count_does_not_grow_with_rows(
    staff_client, venue, django_assert_max_num_queries
):
    today = timezone.localdate()
    policy = LoanPolicyFactory()
    for n in range(12):
        SessionFactory(venue=venue, starts_at=_at(today + timedelta(days=n % 6 + 1), 9 + n % 8))
        LoanFactory(
            venue=venue,
            policy=policy,
            start_date=today - timedelta(days=200),
            due_date=today + timedelta(days=n % 10 - 5),
        )
    # Session, user with profile, venues; the week's sessions; the loans due up to a week ahead;
    # the audit trail (the read limit's look at the user's recent reads, the page's event).
    with django_assert_max_num_queries(7):
        assert staff_client.get(reverse("dashboard")).status_code == 200


def test_dashboard_rows_escape_names_and_link_each_loan(staff_client, venue):
    today = timezone.localdate()
    loan = LoanFactory(
        venue=venue,
        policy=LoanPolicyFactory(),
        resident=ResidentFactory(name="<b>山田</b> & 花子"),
        start_date=today - timedelta(days=200),
        due_date=today - timedelta(days=1),
    )
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert "&lt;b&gt;山田&lt;/b&gt; &amp; 花子" in html and "<b>山田</b>" not in html
    assert f'href="{reverse("loans:loan_detail", args=[loan.pk])}"' in html
    assert f'href="{reverse("residents:detail", args=[loan.resident_id])}"' in html


@time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
def test_a_day_with_more_sessions_than_rows_lists_the_first_and_links_to_all_of_them(
    admin_client_, venue, monkeypatch
):
    # An administrator of a prefecture sees every venue: a busy day has hundreds of sessions.
    from dashboard import views as dashboard_views
    from tests.factories import SessionFactory

    start = datetime(2026, 12, 2, 13, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    for n in range(5):
        SessionFactory(
            venue=venue,
            title=f"今日の回{n}",
            starts_at=start + timedelta(minutes=n),
            ends_at=start + timedelta(minutes=60),
        )
    today = timezone.localdate()
    overview = dashboard_overview(today=today, venue_ids=None, rows=3)
    assert overview.today_total == 5
    assert [s.title for s in overview.today_sessions] == ["今日の回0", "今日の回1", "今日の回2"]
    # The same through the bounded queries of a large city.
    monkeypatch.setattr(selectors, "DASHBOARD_SESSION_FETCH", 1)
    bounded = dashboard_overview(today=today, venue_ids=None, rows=3)
    assert bounded.today_total == 5
    assert [s.pk for s in bounded.today_sessions] == [s.pk for s in overview.today_sessions]

    monkeypatch.setattr(dashboard_views, "DASHBOARD_ROWS", 3)
    page = admin_client_.get(reverse("dashboard")).content.decode()
    assert "今日の回2" in page and "今日の回3" not in page
    link = f"{reverse('classes:session_list')}?start=2026-12-02&amp;days=1"
    assert f'<a href="{link}">The first 3 of 5: all of today\'s sessions</a>' in page
    listed = admin_client_.get(reverse("classes:session_list"), {"start": "2026-12-02", "days": 1})
    assert listed.content.decode().count("今日の回") == 5
