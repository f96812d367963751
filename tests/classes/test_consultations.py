"""Consultation desk (相談会): a slot grid from the session times, booking one slot at a time."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from classes import services_consult
from classes.models import Consultation, Session
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import ResidentFactory, SessionFactory


def _consult_session(venue, **kwargs):
    start = (timezone.localtime() + timedelta(days=2)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    defaults = dict(
        kind=Session.Kind.CONSULTATION,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(minutes=70),
        seats=None,
        topic=None,
    )
    defaults.update(kwargs)
    return SessionFactory(**defaults)


def _slot_value(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M:%S%z")


@pytest.mark.django_db
def test_slot_grid_covers_whole_slots_from_the_session_times(venue):
    session = _consult_session(venue)
    starts = [
        timezone.localtime(s).strftime("%H:%M") for s in services_consult.slot_starts(session)
    ]
    # 13:00–14:10 in 20-minute slots: the 10 minutes left at the end are no slot.
    assert starts == ["13:00", "13:20", "13:40"]
    session.slot_minutes = 30
    assert len(services_consult.slot_starts(session)) == 2


@pytest.mark.django_db
def test_booking_a_slot_shows_the_resident_on_the_grid(venue, staff_user):
    session = _consult_session(venue)
    resident = ResidentFactory(name="佐藤 花子")
    slot = session.starts_at + timedelta(minutes=20)
    services_consult.consultation_book(
        session=session, resident=resident, slot_start=slot, category="line", by=staff_user
    )
    grid = services_consult.consultation_slots(session=session)
    assert [s.is_free for s in grid] == [True, False, True]
    assert grid[1].consultation.resident == resident
    assert grid[1].consultation.category == "line"


@pytest.mark.django_db
def test_a_taken_slot_is_refused_with_a_clear_message(venue):
    session = _consult_session(venue)
    services_consult.consultation_book(
        session=session, resident=ResidentFactory(), slot_start=session.starts_at
    )
    with pytest.raises(ValidationError, match="slot was just taken"):
        services_consult.consultation_book(
            session=session, resident=ResidentFactory(), slot_start=session.starts_at
        )
    assert Consultation.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_a_resident_books_one_slot_at_a_time(venue):
    session = _consult_session(venue)
    resident = ResidentFactory(name="鈴木 一郎")
    services_consult.consultation_book(
        session=session, resident=resident, slot_start=session.starts_at
    )
    with pytest.raises(ValidationError, match="already has the 13:00 slot"):
        services_consult.consultation_book(
            session=session,
            resident=resident,
            slot_start=session.starts_at + timedelta(minutes=20),
        )


@pytest.mark.django_db
def test_anonymous_walk_ups_can_take_slots(venue):
    session = _consult_session(venue)
    for minutes in (0, 20):
        services_consult.consultation_book(
            session=session,
            resident=None,
            slot_start=session.starts_at + timedelta(minutes=minutes),
        )
    assert Consultation.objects.filter(session=session, resident=None).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [10, 60, 80, -20])
def test_a_slot_off_the_grid_or_outside_the_session_is_refused(venue, offset):
    session = _consult_session(venue)
    with pytest.raises(ValidationError, match="is not the start of a 20-minute slot"):
        services_consult.consultation_book(
            session=session,
            resident=ResidentFactory(),
            slot_start=session.starts_at + timedelta(minutes=offset),
        )
    assert not Consultation.objects.exists()


@pytest.mark.django_db
def test_a_class_or_cancelled_session_has_no_slots_to_book(venue):
    klass = SessionFactory(venue=venue)
    with pytest.raises(ValidationError, match="Only a consultation desk"):
        services_consult.consultation_book(session=klass, resident=None, slot_start=klass.starts_at)
    cancelled = _consult_session(venue, status=Session.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services_consult.consultation_book(
            session=cancelled, resident=None, slot_start=cancelled.starts_at
        )


@pytest.mark.django_db
def test_recording_category_and_resolved(venue):
    session = _consult_session(venue)
    c = services_consult.consultation_book(
        session=session, resident=ResidentFactory(), slot_start=session.starts_at
    )
    services_consult.consultation_record(
        consultation=c, category="scam", resolved=True, note="不審なSMS"
    )
    c.refresh_from_db()
    assert (c.category, c.resolved, c.note) == ("scam", True, "不審なSMS")
    with pytest.raises(ValidationError, match="Choose a category"):
        services_consult.consultation_record(consultation=c, category="bogus", resolved=False)
    c.refresh_from_db()
    assert c.category == "scam"


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_books_a_slot_from_the_page_and_sees_it(staff_client, venue):
    session = _consult_session(venue)
    resident = ResidentFactory(name="高橋 和子", name_kana="たかはし かずこ")
    page = staff_client.get(reverse("classes:consult_slots", args=[session.pk]), {"q": "たかはし"})
    assert "高橋 和子" in page.content.decode()
    resp = staff_client.post(
        reverse("classes:consult_book", args=[session.pk]),
        {"slot": _slot_value(session.starts_at + timedelta(minutes=40)), "resident": resident.pk},
        follow=True,
    )
    body = resp.content.decode()
    assert "The 13:40 slot is booked for 高橋 和子." in body
    assert Consultation.objects.get(session=session).resident == resident
    # The same slot again: a message, no error page, still one booking.
    resp = staff_client.post(
        reverse("classes:consult_book", args=[session.pk]),
        {"slot": _slot_value(session.starts_at + timedelta(minutes=40))},
        follow=True,
    )
    assert resp.status_code == 200
    assert "The 13:40 slot was just taken" in resp.content.decode()
    assert Consultation.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_garbled_slot_gives_a_message_not_a_500(staff_client, venue):
    session = _consult_session(venue)
    resp = staff_client.post(
        reverse("classes:consult_book", args=[session.pk]), {"slot": "tomorrow"}, follow=True
    )
    assert resp.status_code == 200
    assert "The slot was not understood" in resp.content.decode()
    assert not Consultation.objects.exists()


@pytest.mark.django_db
def test_staff_records_category_and_resolved_from_the_page(staff_client, venue):
    session = _consult_session(venue)
    c = services_consult.consultation_book(
        session=session, resident=None, slot_start=session.starts_at
    )
    resp = staff_client.post(
        reverse("classes:consult_record", args=[c.pk]),
        {"category": "my_number", "resolved": "on", "note": "暗証番号"},
        follow=True,
    )
    assert "The 13:00 consultation was recorded." in resp.content.decode()
    c.refresh_from_db()
    assert (c.category, c.resolved, c.note) == ("my_number", True, "暗証番号")


@pytest.mark.django_db
def test_session_page_links_to_the_slots(staff_client, venue):
    session = _consult_session(venue)
    body = staff_client.get(reverse("classes:session_detail", args=[session.pk])).content.decode()
    assert reverse("classes:consult_slots", args=[session.pk]) in body


@pytest.mark.django_db
def test_staff_of_another_venue_gets_404(client, other_staff_user, venue):
    session = _consult_session(venue)
    client.force_login(other_staff_user)
    assert client.get(reverse("classes:consult_slots", args=[session.pk])).status_code == 404
    resp = client.post(
        reverse("classes:consult_book", args=[session.pk]),
        {"slot": _slot_value(session.starts_at)},
    )
    assert resp.status_code == 404
    assert not Consultation.objects.exists()


@pytest.mark.django_db
def test_supporter_gets_403(client, supporter_user, venue):
    session = _consult_session(venue)
    client.force_login(supporter_user)
    assert client.get(reverse("classes:consult_slots", args=[session.pk])).status_code == 403
    resp = client.post(
        reverse("classes:consult_book", args=[session.pk]),
        {"slot": _slot_value(session.starts_at)},
    )
    assert resp.status_code == 403
    assert not Consultation.objects.exists()


@pytest.mark.django_db
def test_coordinator_sees_the_grid_but_cannot_book(coordinator_client, venue):
    session = _consult_session(venue)
    page = coordinator_client.get(reverse("classes:consult_slots", args=[session.pk]))
    assert page.status_code == 200
    assert "13:00–13:20" in page.content.decode()  # the grid is shown (an English page)
    assert "Book 13:00" not in page.content.decode()
    resp = coordinator_client.post(
        reverse("classes:consult_book", args=[session.pk]),
        {"slot": _slot_value(session.starts_at)},
    )
    assert resp.status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_booking_the_same_slot_at_the_same_moment_get_exactly_one(venue):
    skip_unless_postgresql("concurrent connections with row locks")
    session = _consult_session(venue)
    callers = [ResidentFactory() for _ in range(2)]

    def call(resident):
        consultation = services_consult.consultation_book(
            session=session, resident=resident, slot_start=session.starts_at
        )
        return consultation.resident_id

    outcome = run_at_once(call, [(r,) for r in callers])

    assert outcome.unexpected == []
    assert len(outcome.results) == 1
    assert len(outcome.refused) == 1 and "slot was just taken" in outcome.refused_messages[0]
    booked = Consultation.objects.get(session=session)
    assert booked.resident_id == outcome.results[0]


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_booking_of_a_slot(venue):
    from django.db import IntegrityError, transaction

    session = _consult_session(venue)
    Consultation.objects.create(session=session, slot_start=session.starts_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.create(session=session, slot_start=session.starts_at)
