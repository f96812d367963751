"""A consultation desk records who came one way, as every session does: the resident's
registration. Booking a named slot holds one, recording the consultation marks it attended,
freeing the slot cancels it; the attendance sheet and the reports read those rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from classes import services_consult
from classes.models import Registration, Session
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _desk(venue):
    start = (timezone.localtime() + timedelta(days=2)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    return SessionFactory(
        kind=Session.Kind.CONSULTATION,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(minutes=60),
        seats=None,
        topic=None,
    )


def _registrations(session):
    return list(
        Registration.objects.filter(session=session).values_list(
            "resident__name", "status", "attendance"
        )
    )


def test_a_named_booking_registers_the_resident_and_recording_it_marks_them_attended(
    venue, staff_user
):
    session = _desk(venue)
    resident = ResidentFactory(name="佐藤 花子")
    booking = services_consult.consultation_book(
        session=session, resident=resident, slot_start=session.starts_at, by=staff_user
    )
    assert _registrations(session) == [("佐藤 花子", "registered", "")]
    services_consult.consultation_record(
        consultation=booking, category="line", resolved=True, by=staff_user
    )
    assert _registrations(session) == [("佐藤 花子", "registered", "attended")]


def test_booking_keeps_a_registration_made_by_phone(venue, staff_user):
    session = _desk(venue)
    resident = ResidentFactory(name="鈴木 一郎")
    RegistrationFactory(session=session, resident=resident, status="waitlisted")
    services_consult.consultation_book(
        session=session, resident=resident, slot_start=session.starts_at, by=staff_user
    )
    # One registration, now with a seat: the slot is the seat.
    assert _registrations(session) == [("鈴木 一郎", "registered", "")]


def test_freeing_the_slot_cancels_the_registration_unless_attendance_was_taken(venue, staff_user):
    session = _desk(venue)
    first, second = ResidentFactory(name="田中 一"), ResidentFactory(name="田中 二")
    one = services_consult.consultation_book(
        session=session, resident=first, slot_start=session.starts_at, by=staff_user
    )
    two = services_consult.consultation_book(
        session=session,
        resident=second,
        slot_start=session.starts_at + timedelta(minutes=20),
        by=staff_user,
    )
    Registration.objects.filter(resident=second).update(attendance="attended")
    services_consult.consultation_cancel(consultation=one, by=staff_user)
    services_consult.consultation_cancel(consultation=two, by=staff_user)
    assert sorted(_registrations(session)) == [
        ("田中 一", "cancelled", ""),
        ("田中 二", "registered", "attended"),
    ]


def test_an_anonymous_walk_up_makes_no_registration(venue, staff_user):
    session = _desk(venue)
    services_consult.consultation_book(
        session=session, resident=None, slot_start=session.starts_at, by=staff_user
    )
    assert _registrations(session) == []
