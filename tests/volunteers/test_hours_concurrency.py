"""Two people approving the same hours, or a supporter cancelling twice at once, on real
PostgreSQL connections: one wins, the other gets a clear message, one alert is sent."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from kernel.models import Role
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import AssignmentFactory, SessionFactory, make_user
from tests.volunteers.helpers import jst
from volunteers import services_hours, services_replies
from volunteers.models import Assignment


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_the_same_row_approve_it_once():
    skip_unless_postgresql("row locks (SELECT ... FOR UPDATE); SQLite serialises writers")
    start = jst(2031, 6, 10, 10)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(minutes=90))
    row = AssignmentFactory(
        session=session, checked_in_at=start, checked_out_at=start + timedelta(minutes=90)
    )
    a, b = (make_user(Role.COORDINATOR, username=f"c{i}") for i in range(2))

    def approve(by, minutes):
        return services_hours.hours_approve(assignment=row, by=by, minutes=minutes)

    outcome = run_at_once(approve, [(a, 60), (b, 80)])

    assert outcome.unexpected == []
    assert len(outcome.results) == 1 and len(outcome.refused) == 1, outcome
    assert "already approved" in outcome.refused_messages[0]
    approved = outcome.results[0]
    assert isinstance(approved, Assignment) and approved.approved_minutes in (60, 80)
    row.refresh_from_db()
    assert row.approved_minutes == approved.approved_minutes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_cancel_sends_one_late_alert():
    skip_unless_postgresql("row locks (SELECT ... FOR UPDATE); SQLite serialises writers")
    coordinator = make_user(Role.COORDINATOR, username="coord")
    coordinator.email = "coord@example.jp"
    coordinator.save()
    start = jst(2031, 6, 10, 10)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(minutes=90))
    row = AssignmentFactory(session=session, status=Assignment.Status.CONFIRMED)

    with time_machine.travel(start - timedelta(hours=6), tick=False):
        outcome = run_at_once(
            lambda reason: services_replies.assignment_withdraw(
                assignment=row, by=None, reason=reason
            ),
            [("a",), ("b",)],
        )

    assert outcome.unexpected == []
    assert len(outcome.results) == 1 and len(outcome.refused) == 1, outcome
    assert isinstance(outcome.results[0], Assignment)
    assert [m.to for m in mail.outbox] == [["coord@example.jp"]]
