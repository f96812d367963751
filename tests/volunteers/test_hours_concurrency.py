"""Two people approving the same hours, or a supporter cancelling twice at once, on real
PostgreSQL connections: one wins, the other gets a clear message, one alert is sent."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections

from project.models import Role
from tests.factories import AssignmentFactory, SessionFactory, make_user
from tests.volunteers.helpers import jst
from volunteers import services_hours, services_replies
from volunteers.models import Assignment


def run_together(*calls):
    """Run the callables in parallel threads, started together; return their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=10)
            outcome: object = call()
        except ValidationError as exc:
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_the_same_row_approve_it_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) need PostgreSQL; SQLite serialises writers")
    start = jst(2031, 6, 10, 10)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(minutes=90))
    row = AssignmentFactory(
        session=session, checked_in_at=start, checked_out_at=start + timedelta(minutes=90)
    )
    a, b = (make_user(Role.COORDINATOR, username=f"c{i}") for i in range(2))

    results = run_together(
        lambda: services_hours.hours_approve(assignment=row, by=a, minutes=60),
        lambda: services_hours.hours_approve(assignment=row, by=b, minutes=80),
    )

    approved = [r for r in results if isinstance(r, Assignment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(approved) == 1 and len(refused) == 1, results
    assert "already approved" in " ".join(refused[0].messages)
    row.refresh_from_db()
    assert row.approved_minutes == approved[0].approved_minutes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_cancel_sends_one_late_alert():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) need PostgreSQL; SQLite serialises writers")
    coordinator = make_user(Role.COORDINATOR, username="coord")
    coordinator.email = "coord@example.jp"
    coordinator.save()
    start = jst(2031, 6, 10, 10)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(minutes=90))
    row = AssignmentFactory(session=session, status=Assignment.Status.CONFIRMED)

    with time_machine.travel(start - timedelta(hours=6), tick=False):
        results = run_together(
            lambda: services_replies.assignment_withdraw(assignment=row, by=None, reason="a"),
            lambda: services_replies.assignment_withdraw(assignment=row, by=None, reason="b"),
        )

    done = [r for r in results if isinstance(r, Assignment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(done) == 1 and len(refused) == 1, results
    assert len(mail.outbox) == 1
