"""session_create and session_update take the staff-set fields as data; an update writes only what
it changes, on the row as read under the session's lock."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from classes import services, services_consult
from classes.models import Session
from tests.factories import SessionFactory, SkillFactory, VenueFactory

pytestmark = pytest.mark.django_db


def _today_salon(venue):
    start = timezone.localtime().replace(hour=0, minute=30, second=0, microsecond=0)
    return SessionFactory(
        kind=Session.Kind.SALON,
        venue=venue,
        topic=None,
        seats=None,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


def test_an_update_from_a_stale_copy_keeps_walk_ins_and_the_cancellation(venue, staff_user):
    salon = _today_salon(venue)
    stale = Session.objects.get(pk=salon.pk)  # what the edit page read
    services_consult.salon_walk_ins_count(session=salon, add=4)
    services.session_cancel(session=salon, by=staff_user)

    services.session_update(
        session=stale,
        by=staff_user,
        kind=stale.kind,
        title="スマホサロン",
        venue=stale.venue,
        starts_at=stale.starts_at,
        ends_at=stale.ends_at,
        seats=None,
    )

    salon.refresh_from_db()
    assert salon.title == "スマホサロン"
    assert salon.walk_in_count == 4
    assert salon.status == Session.Status.CANCELLED


def test_an_update_that_changes_nothing_keeps_the_calendar_revision(venue):
    session = SessionFactory(venue=venue, title="LINE入門")

    services.session_update(session=session, title="LINE入門", seats=session.seats)

    session.refresh_from_db()
    assert session.sequence == 0


def test_a_new_start_time_is_a_new_calendar_revision(venue):
    session = SessionFactory(venue=venue)

    services.session_update(
        session=session,
        starts_at=session.starts_at + timedelta(hours=1),
        ends_at=session.ends_at + timedelta(hours=1),
    )

    session.refresh_from_db()
    assert session.sequence == 1


def test_an_update_sets_the_required_skills(venue):
    session = SessionFactory(venue=venue)
    line = SkillFactory(code="line", name="LINE")

    services.session_update(session=session, required_skills=[line])

    assert list(session.required_skills.all()) == [line]


def test_an_update_ending_before_it_starts_is_refused_and_nothing_changes(venue):
    session = SessionFactory(venue=venue, title="LINE入門")

    with pytest.raises(ValidationError, match="The end time must be after the start time"):
        services.session_update(
            session=session, title="変更", ends_at=session.starts_at - timedelta(minutes=1)
        )

    session.refresh_from_db()
    assert session.title == "LINE入門"


def test_a_class_without_seats_is_refused(venue):
    session = SessionFactory(venue=venue, kind=Session.Kind.CLASS, seats=8)

    with pytest.raises(ValidationError) as caught:
        services.session_update(session=session, seats=None)

    assert caught.value.message_dict == {"seats": ["A class needs a number of seats."]}


def test_a_field_the_services_do_not_set_is_a_programming_error(venue):
    session = SessionFactory(venue=venue)

    with pytest.raises(TypeError, match="walk_in_count"):
        services.session_update(session=session, walk_in_count=0)


def test_create_makes_a_scheduled_session_with_its_skills(venue):
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    line = SkillFactory(code="line", name="LINE")

    session = services.session_create(
        kind=Session.Kind.CLASS,
        title="LINE入門",
        venue=venue,
        starts_at=start + timedelta(days=7),
        ends_at=start + timedelta(days=7, minutes=90),
        seats=12,
        required_skills=[line],
    )

    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert (session.title, session.seats, session.venue) == ("LINE入門", 12, venue)
    assert list(session.required_skills.all()) == [line]


def test_create_without_venue_or_place_names_the_venue_field():
    VenueFactory()  # there are venues to choose from
    start = timezone.now() + timedelta(days=7)

    with pytest.raises(ValidationError) as caught:
        services.session_create(
            kind=Session.Kind.CARAVAN, starts_at=start, ends_at=start + timedelta(hours=1)
        )

    assert list(caught.value.message_dict) == ["venue"]
    assert not Session.objects.exists()
