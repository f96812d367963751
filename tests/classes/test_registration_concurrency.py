"""Fifty staff register fifty different residents for the last five seats at the same moment."""

import threading

import pytest
from django.db import connection, connections

from classes import services
from classes.models import Registration
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_simultaneous_calls_for_the_last_five_seats_never_overbook():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL with concurrent connections (set DATABASE_URL)")
    session = SessionFactory(seats=10)
    for _ in range(5):
        RegistrationFactory(session=session)
    callers = [ResidentFactory() for _ in range(50)]
    barrier = threading.Barrier(len(callers))
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def call(resident):
        try:
            barrier.wait()
            reg = services.registration_create(session=session, resident=resident)
            with lock:
                outcomes.append(reg.status)
        except BaseException as exc:  # noqa: BLE001 - any escape is a failure we report
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(r,)) for r in callers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert outcomes.count("registered") == 5
    assert outcomes.count("waitlisted") == 45
    seated = Registration.objects.filter(session=session, status="registered").count()
    assert seated == 10
