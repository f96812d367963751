"""Two tablets saving a class's attendance at the same moment (PostgreSQL, separate
connections): each save is whole, none fails. The load test met an HTTP 500 here: both saves
mark rows present and then the others absent, in opposite orders, and PostgreSQL broke the
deadlock by failing one of them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from classes import services
from classes.models import Registration, Session
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_attendance_saves_at_once_both_save_and_the_class_holds_one_of_them(venue):
    skip_unless_postgresql("two desks save attendance on separate connections")
    now = timezone.now()
    session = SessionFactory(
        venue=venue,
        seats=40,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )
    regs = RegistrationFactory.create_batch(40, session=session)
    ids = [r.pk for r in regs]
    # One tablet ticked the first half present, the other the second half.
    first, second = set(ids[:20]), set(ids[20:])

    def save(attended):
        return services.attendance_record(
            session=Session.objects.get(pk=session.pk), attended_ids=attended
        )

    for _ in range(10):
        outcome = run_at_once(save, [(first,), (second,)])
        assert outcome.unexpected == [] and outcome.refused == []
        assert sorted(outcome.results) == [(20, 20), (20, 20)]
        present = set(
            Registration.objects.filter(
                session=session, attendance=Registration.Attendance.ATTENDED
            ).values_list("pk", flat=True)
        )
        assert present in (first, second)  # one tablet's list, never a mix of both
