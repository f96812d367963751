"""Fifty staff register fifty different residents for the last five seats at the same moment."""

import pytest

from classes import services
from classes.models import Registration
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_simultaneous_calls_for_the_last_five_seats_never_overbook():
    skip_unless_postgresql("concurrent connections with row locks")
    session = SessionFactory(seats=10)
    for _ in range(5):
        RegistrationFactory(session=session)
    callers = [ResidentFactory() for _ in range(50)]

    def call(resident):
        return services.registration_create(session=session, resident=resident).status

    outcome = run_at_once(call, [(r,) for r in callers], timeout=60)

    assert outcome.unexpected == []
    assert outcome.refused == []
    assert outcome.results.count("registered") == 5
    assert outcome.results.count("waitlisted") == 45
    seated = Registration.objects.filter(session=session, status="registered").count()
    assert seated == 10


def test_restoring_and_a_new_call_for_the_last_seat_never_overbook():
    skip_unless_postgresql("concurrent connections with row locks")
    for _round in range(5):
        session = SessionFactory(seats=2)
        RegistrationFactory(session=session)
        back = RegistrationFactory(session=session)
        services.registration_cancel(registration=back)
        caller = ResidentFactory()

        def call(kind, session=session, back=back, caller=caller):
            if kind == "restore":
                return services.registration_restore(registration=back).status
            return services.registration_create(session=session, resident=caller).status

        outcome = run_at_once(call, [("restore",), ("register",)], timeout=30)

        assert outcome.unexpected == []
        assert outcome.refused == []
        assert sorted(outcome.results) == ["registered", "waitlisted"]
        seated = Registration.objects.filter(session=session, status="registered").count()
        assert seated == 2
