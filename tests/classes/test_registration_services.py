from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from classes import services
from classes.models import Registration, Session
from classes.services_offers import seat_offer_answer
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_registration_takes_a_seat_while_seats_are_free():
    session = SessionFactory(seats=2)
    reg = services.registration_create(session=session, resident=ResidentFactory())
    assert reg.status == Registration.Status.REGISTERED


def test_full_class_puts_the_next_caller_on_the_waitlist_in_order():
    session = SessionFactory(seats=1)
    services.registration_create(session=session, resident=ResidentFactory())
    second = services.registration_create(session=session, resident=ResidentFactory())
    third = services.registration_create(session=session, resident=ResidentFactory())
    assert second.status == third.status == Registration.Status.WAITLISTED
    assert services.waitlist_position(second) == 1
    assert services.waitlist_position(third) == 2


def test_waitlist_promotes_first_in_line_when_they_accept_the_freed_seat():
    session = SessionFactory(seats=1)
    seated = services.registration_create(session=session, resident=ResidentFactory())
    first = services.registration_create(session=session, resident=ResidentFactory())
    second = services.registration_create(session=session, resident=ResidentFactory())
    offer = services.registration_cancel(registration=seated)
    assert offer.registration_id == first.pk
    first.refresh_from_db()
    assert first.status == Registration.Status.WAITLISTED  # held for them, not yet theirs
    seat_offer_answer(offer=offer, answer="accept")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Registration.Status.REGISTERED
    assert second.status == Registration.Status.WAITLISTED
    assert session.registrations.filter(status="registered").count() == 1


def test_cancelling_a_waitlisted_registration_promotes_nobody():
    session = SessionFactory(seats=1)
    services.registration_create(session=session, resident=ResidentFactory())
    waiting = services.registration_create(session=session, resident=ResidentFactory())
    assert services.registration_cancel(registration=waiting) is None


def test_salon_without_seat_limit_never_waitlists():
    session = SessionFactory(kind=Session.Kind.SALON, seats=None)
    regs = [
        services.registration_create(session=session, resident=ResidentFactory()) for _ in range(30)
    ]
    assert {r.status for r in regs} == {Registration.Status.REGISTERED}


def test_same_resident_cannot_register_twice_for_one_session():
    session = SessionFactory()
    resident = ResidentFactory(name="山田 太郎")
    services.registration_create(session=session, resident=resident)
    with pytest.raises(ValidationError, match="already registered"):
        services.registration_create(session=session, resident=resident)
    assert session.registrations.count() == 1


def test_resident_can_register_again_after_cancelling():
    session = SessionFactory()
    resident = ResidentFactory()
    reg = services.registration_create(session=session, resident=resident)
    services.registration_cancel(registration=reg)
    again = services.registration_create(session=session, resident=resident)
    assert again.status == Registration.Status.REGISTERED


def test_overlapping_sessions_are_refused_with_the_other_session_named():
    first = SessionFactory(title="LINE入門")
    overlapping = SessionFactory(
        starts_at=first.starts_at + timedelta(minutes=30),
        ends_at=first.ends_at + timedelta(minutes=30),
    )
    resident = ResidentFactory()
    services.registration_create(session=first, resident=resident)
    with pytest.raises(ValidationError, match="LINE入門"):
        services.registration_create(session=overlapping, resident=resident)
    assert not overlapping.registrations.exists()


def test_back_to_back_sessions_are_not_an_overlap():
    first = SessionFactory()
    after = SessionFactory(starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=1))
    resident = ResidentFactory()
    services.registration_create(session=first, resident=resident)
    assert services.registration_create(session=after, resident=resident).status == "registered"


def test_cancelled_session_takes_no_registrations():
    session = SessionFactory(status=Session.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.registration_create(session=session, resident=ResidentFactory())


def test_attendance_marks_ticked_present_and_the_rest_absent(time_machine):
    session = SessionFactory()
    time_machine.move_to(session.starts_at + timedelta(minutes=5))
    here = RegistrationFactory(session=session)
    away = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, status=Registration.Status.WAITLISTED)
    assert services.attendance_record(session=session, attended_ids=[here.pk]) == (1, 1)
    here.refresh_from_db()
    away.refresh_from_db()
    waiting.refresh_from_db()
    assert here.attendance == "attended"
    assert away.attendance == "absent"
    assert waiting.attendance == ""


def test_attendance_cannot_be_taken_before_the_day():
    session = SessionFactory()
    with pytest.raises(ValidationError, match="day of the session"):
        services.attendance_record(session=session, attended_ids=[])


def test_walk_in_gets_a_place_even_when_the_class_is_full(time_machine):
    session = SessionFactory(seats=1)
    services.registration_create(session=session, resident=ResidentFactory())
    time_machine.move_to(session.starts_at + timedelta(minutes=5))
    walk_in = services.registration_create(
        session=session, resident=ResidentFactory(), walk_in=True
    )
    assert walk_in.status == "registered"
    assert walk_in.attendance == "attended"


def test_session_cancel_reports_how_many_to_call():
    session = SessionFactory(seats=1)
    services.registration_create(session=session, resident=ResidentFactory())
    services.registration_create(session=session, resident=ResidentFactory())
    assert services.session_cancel(session=session) == 2
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
