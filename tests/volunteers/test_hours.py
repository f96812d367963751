"""Hours: check-in/out by the supporter (own, on the day) or center staff (own venues), the
coordinator's approval (one or many, minutes 0..720) and the supporter's own hours page."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import AssignmentFactory
from tests.volunteers import helpers
from tests.volunteers.helpers import jst, texts
from volunteers import selectors_hours, services_hours
from volunteers.models import Assignment

pytestmark = pytest.mark.django_db

DAY_START = jst(2026, 12, 7, 10)  # the session: Monday 10:00-11:30 JST


def session_at(start=DAY_START, minutes=90, **kwargs):
    return helpers.session_at(start, minutes, **kwargs)


def checked_out(supporter=None, start=DAY_START, minutes=90, **kwargs) -> Assignment:
    """A confirmed assignment with check-in at the start and check-out ``minutes`` later."""
    extra = {"supporter": supporter} if supporter else {}
    return AssignmentFactory(
        session=session_at(start, **kwargs),
        checked_in_at=start,
        checked_out_at=start + timedelta(minutes=minutes),
        **extra,
    )


# --- services ----------------------------------------------------------------------------------


def test_check_in_then_out_on_the_day_records_the_times():
    assignment = AssignmentFactory(session=session_at())
    with time_machine.travel(jst(2026, 12, 7, 9, 50), tick=False):
        services_hours.hours_check_in(assignment=assignment, by=None)
    with time_machine.travel(jst(2026, 12, 7, 11, 40), tick=False):
        done = services_hours.hours_check_out(assignment=assignment, by=None)
    assert done.checked_in_at == jst(2026, 12, 7, 9, 50)
    assert done.checked_out_at == jst(2026, 12, 7, 11, 40)
    assert services_hours.worked_minutes(done) == 110


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Assignment.Status.DECLINED, "was declined"),
        (Assignment.Status.CANCELLED, "was cancelled"),
        (Assignment.Status.PROPOSED, "Accept it first"),
    ],
)
def test_check_in_of_an_assignment_not_confirmed_is_refused(status, message):
    assignment = AssignmentFactory(session=session_at(), status=status)
    with time_machine.travel(jst(2026, 12, 7, 9, 50), tick=False):
        with pytest.raises(ValidationError, match=message):
            services_hours.hours_check_in(assignment=assignment, by=None)
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None


def test_check_out_before_check_in_is_refused():
    assignment = AssignmentFactory(session=session_at())
    with time_machine.travel(jst(2026, 12, 7, 11), tick=False):
        with pytest.raises(ValidationError, match="Check in first"):
            services_hours.hours_check_out(assignment=assignment, by=None)
        services_hours.hours_check_in(assignment=assignment, by=None)
        with pytest.raises(ValidationError, match="must be after the check-in time"):
            services_hours.hours_check_out(
                assignment=assignment, by=None, at=jst(2026, 12, 7, 10, 30)
            )
        with pytest.raises(ValidationError, match="Already checked in at 11:00"):
            services_hours.hours_check_in(assignment=assignment, by=None)
    assignment.refresh_from_db()
    assert assignment.checked_out_at is None


def test_times_are_recorded_only_on_the_sessions_day_and_not_in_the_future():
    assignment = AssignmentFactory(session=session_at())
    with time_machine.travel(jst(2026, 12, 6, 10), tick=False):
        with pytest.raises(ValidationError, match="only be recorded on the session's day"):
            services_hours.hours_check_in(assignment=assignment, by=None)
    with time_machine.travel(jst(2026, 12, 7, 9), tick=False):
        with pytest.raises(ValidationError, match="future"):
            services_hours.hours_check_in(assignment=assignment, by=None, at=jst(2026, 12, 7, 10))
    # Staff may record a time noted on paper afterwards, as long as it is on the session's day.
    with time_machine.travel(jst(2026, 12, 9, 9), tick=False):
        services_hours.hours_check_in(assignment=assignment, by=None, at=jst(2026, 12, 7, 10))
    assignment.refresh_from_db()
    assert assignment.checked_in_at == jst(2026, 12, 7, 10)


def test_approve_uses_the_checked_in_span_by_default(coordinator_user):
    assignment = checked_out(minutes=95)
    approved = services_hours.hours_approve(assignment=assignment, by=coordinator_user)
    assert approved.approved_minutes == 95
    assert approved.hours_approved_by == coordinator_user
    assert approved.hours_approved_at is not None
    with pytest.raises(ValidationError, match="already approved"):
        services_hours.hours_approve(assignment=assignment, by=coordinator_user)


@pytest.mark.parametrize("minutes", [-1, 721, 10_000])
def test_approved_minutes_are_bounded(coordinator_user, minutes):
    assignment = checked_out()
    with pytest.raises(ValidationError, match="between 0 and 720"):
        services_hours.hours_approve(assignment=assignment, by=coordinator_user, minutes=minutes)
    assignment.refresh_from_db()
    assert assignment.hours_approved_at is None


def test_hours_without_check_out_cannot_be_approved(coordinator_user):
    assignment = AssignmentFactory(session=session_at(), checked_in_at=DAY_START)
    with pytest.raises(ValidationError, match="check-in and check-out"):
        services_hours.hours_approve(assignment=assignment, by=coordinator_user)


def test_approved_hours_can_no_longer_be_checked_in_or_out(coordinator_user):
    assignment = checked_out()
    services_hours.hours_approve(assignment=assignment, by=coordinator_user, minutes=60)
    Assignment.objects.filter(pk=assignment.pk).update(checked_out_at=None)
    with time_machine.travel(jst(2026, 12, 7, 12), tick=False):
        with pytest.raises(ValidationError, match="already approved"):
            services_hours.hours_check_out(assignment=assignment, by=None)


def test_bulk_approval_is_all_or_nothing(coordinator_user):
    good = checked_out(minutes=60)
    not_out = AssignmentFactory(session=session_at(), checked_in_at=DAY_START)
    with pytest.raises(ValidationError) as exc:
        services_hours.hours_approve_many(assignment_ids=[good.pk, not_out.pk], by=coordinator_user)
    assert not_out.supporter.name in str(exc.value)
    good.refresh_from_db()
    assert good.hours_approved_at is None


# --- views: check-in ---------------------------------------------------------------------------


def test_supporter_checks_in_and_out_on_own_assignment_page(supporter_client, supporter_user):
    assignment = AssignmentFactory(session=session_at(), supporter=supporter_user.supporter)
    detail = reverse("volunteers:my_assignment_detail", args=[assignment.pk])
    check = reverse("volunteers:assignment_check", args=[assignment.pk])
    with time_machine.travel(jst(2026, 12, 7, 9, 55), tick=False):
        page = supporter_client.get(detail).content.decode()
        assert "Check in" in page
        # A supporter cannot pick the time: the field is ignored, now is recorded.
        response = supporter_client.post(check, {"action": "in", "time": "08:00"}, follow=True)
    assert any("checked in" in t for t in texts(response))
    with time_machine.travel(jst(2026, 12, 7, 11, 35), tick=False):
        supporter_client.post(check, {"action": "out"})
    assignment.refresh_from_db()
    assert assignment.checked_in_at == jst(2026, 12, 7, 9, 55)
    assert assignment.checked_out_at == jst(2026, 12, 7, 11, 35)


def test_supporter_cannot_check_in_on_another_day_and_is_told_why(supporter_client, supporter_user):
    assignment = AssignmentFactory(session=session_at(), supporter=supporter_user.supporter)
    check = reverse("volunteers:assignment_check", args=[assignment.pk])
    with time_machine.travel(jst(2026, 12, 5, 10), tick=False):
        page = supporter_client.get(
            reverse("volunteers:my_assignment_detail", args=[assignment.pk])
        ).content.decode()
        assert "on the day of the session" in page
        response = supporter_client.post(check, {"action": "in"}, follow=True)
    assert any("session's day" in t for t in texts(response))
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None


def test_supporter_cannot_check_in_someone_else(supporter_client):
    other = AssignmentFactory(session=session_at())
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        response = supporter_client.post(
            reverse("volunteers:assignment_check", args=[other.pk]), {"action": "in"}
        )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.checked_in_at is None


def test_staff_of_the_venue_check_in_with_a_time(staff_client, venue):
    assignment = AssignmentFactory(session=session_at(venue=venue))
    page_url = reverse("volunteers:session_check_in", args=[assignment.session_id])
    with time_machine.travel(jst(2026, 12, 7, 12), tick=False):
        page = staff_client.get(page_url).content.decode()
        assert assignment.supporter.name in page
        staff_client.post(
            reverse("volunteers:assignment_check", args=[assignment.pk]),
            {"action": "in", "time": "09:45", "next": page_url},
        )
        response = staff_client.post(
            reverse("volunteers:assignment_check", args=[assignment.pk]),
            {"action": "out", "time": "09:30", "next": page_url},
            follow=True,
        )
        assert any("must be after the check-in time (09:45)" in t for t in texts(response))
    assignment.refresh_from_db()
    assert assignment.checked_in_at == jst(2026, 12, 7, 9, 45)
    assert assignment.checked_out_at is None


def test_staff_of_another_venue_get_404(other_staff_client_factory):
    client, assignment = other_staff_client_factory
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        assert (
            client.get(
                reverse("volunteers:session_check_in", args=[assignment.session_id])
            ).status_code
            == 404
        )
        response = client.post(
            reverse("volunteers:assignment_check", args=[assignment.pk]), {"action": "in"}
        )
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None


@pytest.fixture
def other_staff_client_factory(client, other_staff_user, venue):
    client.force_login(other_staff_user)
    return client, AssignmentFactory(session=session_at(venue=venue))


def test_an_unsafe_next_url_is_ignored(staff_client, venue):
    assignment = AssignmentFactory(session=session_at(venue=venue))
    with time_machine.travel(jst(2026, 12, 7, 10), tick=False):
        response = staff_client.post(
            reverse("volunteers:assignment_check", args=[assignment.pk]),
            {"action": "in", "next": "https://evil.example/"},
        )
    assert response["Location"] == reverse(
        "volunteers:session_check_in", args=[assignment.session_id]
    )


# --- views: approval ---------------------------------------------------------------------------


def approval_url(date_from="2026-12-01", date_to="2026-12-31"):
    return reverse("volunteers:hours_approval") + f"?date_from={date_from}&date_to={date_to}"


def test_coordinator_approves_in_bulk_with_one_adjusted(coordinator_client, coordinator_user):
    first = checked_out(minutes=90)
    second = checked_out(start=jst(2026, 12, 8, 13), minutes=120)
    outside = checked_out(start=jst(2027, 1, 8, 13), minutes=30)
    url = approval_url()
    page = coordinator_client.get(url).content.decode()
    assert first.supporter.name in page and second.supporter.name in page
    assert outside.supporter.name not in page

    response = coordinator_client.post(
        url,
        {"approve": [first.pk, second.pk], f"minutes-{second.pk}": "100"},
        follow=True,
    )

    assert any("Approved the hours of 2 rows" in t for t in texts(response))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.approved_minutes, second.approved_minutes) == (90, 100)
    assert second.hours_approved_by == coordinator_user
    assert "Nothing is waiting for approval" in response.content.decode()


@pytest.mark.parametrize("value", ["721", "-5", "abc", "1.5"])
def test_bad_minutes_approve_nothing(coordinator_client, value):
    row = checked_out()
    response = coordinator_client.post(
        approval_url(), {"approve": [row.pk], f"minutes-{row.pk}": value}
    )
    assert response.status_code == 200
    assert "whole number from 0 to 720" in response.content.decode()
    row.refresh_from_db()
    assert row.hours_approved_at is None


def test_approving_nothing_or_a_row_not_on_the_page_is_explained(coordinator_client):
    row = checked_out()
    page = coordinator_client.post(approval_url(), {}).content.decode()
    assert "Tick at least one row" in page
    page = coordinator_client.post(
        approval_url("2027-01-01", "2027-01-31"), {"approve": [row.pk]}
    ).content.decode()
    assert "no longer waiting for approval" in page
    row.refresh_from_db()
    assert row.hours_approved_at is None


def test_approval_period_is_validated(coordinator_client):
    page = coordinator_client.get(approval_url("2026-12-31", "2026-12-01")).content.decode()
    assert "The end date must be on or after the start date." in page
    page = coordinator_client.get(approval_url("2025-01-01", "2026-12-31")).content.decode()
    assert "at most one year" in page


@pytest.mark.parametrize(
    ("persona", "status"), [("staff_client", 403), ("supporter_client", 403), ("client", 302)]
)
def test_only_coordinators_approve(request, persona, status):
    client = request.getfixturevalue(persona)
    row = checked_out()
    assert client.get(approval_url()).status_code == status
    assert client.post(approval_url(), {"approve": [row.pk]}).status_code == status
    row.refresh_from_db()
    assert row.hours_approved_at is None


def test_approval_page_query_count_does_not_grow(coordinator_client, django_assert_max_num_queries):
    for day in range(1, 6):
        checked_out(start=jst(2026, 12, day, 10))
    with django_assert_max_num_queries(12):
        page = coordinator_client.get(approval_url()).content.decode()
    assert page.count('name="approve"') == 5  # every row is shown, not just counted
    for day in range(6, 28):
        checked_out(start=jst(2026, 12, day, 10))
    with django_assert_max_num_queries(12):
        page = coordinator_client.get(approval_url()).content.decode()
    assert page.count('name="approve"') == 27


# --- my hours ----------------------------------------------------------------------------------


def test_my_hours_lists_the_month_with_totals_of_approved_minutes(
    supporter_client, supporter_user, coordinator_user
):
    mine = supporter_user.supporter
    a = checked_out(supporter=mine, minutes=90)
    b = checked_out(supporter=mine, start=jst(2026, 12, 14, 13), minutes=60)
    pending = checked_out(supporter=mine, start=jst(2026, 12, 21, 13), minutes=45)
    other_month = checked_out(supporter=mine, start=jst(2026, 11, 30, 13), minutes=30)
    someone_else = checked_out(start=jst(2026, 12, 15, 13), minutes=30)
    services_hours.hours_approve(assignment=a, by=coordinator_user, minutes=80)
    services_hours.hours_approve(assignment=b, by=coordinator_user)
    services_hours.hours_approve(assignment=other_month, by=coordinator_user)
    services_hours.hours_approve(assignment=someone_else, by=coordinator_user)

    response = supporter_client.get(reverse("volunteers:my_hours") + "?month=2026-12")

    summary = response.context["summary"]
    assert summary.approved_minutes == 80 + 60
    assert summary.approved_sessions == 2
    assert summary.pending_minutes == 45
    assert [row.pk for row in summary.rows] == [a.pk, b.pk, pending.pk]
    html = response.content.decode()
    assert "140 min" in html
    assert "45 (not approved yet)" in html


def test_my_hours_survives_a_bad_month_parameter(supporter_client):
    today = timezone.localdate()
    for bad in ("2026-13", "zz"):
        response = supporter_client.get(reverse("volunteers:my_hours") + f"?month={bad}")
        assert response.status_code == 200
        assert response.context["month"] == today.replace(day=1)  # falls back to this month


def test_hours_selector_counts_only_approved_rows_for_the_certificate(coordinator_user):
    approved = checked_out(minutes=90)
    checked_out(supporter=approved.supporter, start=jst(2026, 12, 9, 10), minutes=60)
    services_hours.hours_approve(assignment=approved, by=coordinator_user)
    rows = selectors_hours.approved_hours_rows(
        supporter=approved.supporter,
        date_from=jst(2026, 12, 1).date(),
        date_to=jst(2026, 12, 31).date(),
    )
    assert [r.pk for r in rows] == [approved.pk]


def test_my_hours_query_count_does_not_grow(
    supporter_client, supporter_user, django_assert_max_num_queries
):
    url = reverse("volunteers:my_hours") + "?month=2026-12"
    rows = []
    for n, first_day in ((5, 1), (20, 6)):
        for day in range(first_day, first_day + n):
            rows.append(
                checked_out(
                    supporter=supporter_user.supporter,
                    start=jst(2026, 12, 1, 8) + timedelta(hours=day),
                )
            )
        with django_assert_max_num_queries(10):
            page = supporter_client.get(url).content.decode()
        for row in rows:  # every session of the month is on the page
            assert reverse("volunteers:my_assignment_detail", args=[row.pk]) in page
