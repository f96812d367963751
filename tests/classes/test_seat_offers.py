"""Seat offers: a freed seat is held for the first in line, who says yes or no (mail link or
phone), within a window that never ends at night or on a closed day for phone residents, and
never within the cutoff before the start. Every way a seat frees goes through the same offers."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes import services, services_consult, services_series
from classes.models import Registration, SeatOffer, Series, Session, VenueClosure
from classes.services_offers import seat_offer_answer, seat_offers_expire
from kernel.models import AuditEvent
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

JST = timezone.get_fixed_timezone(9 * 60)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def clock():
    """Travel to a moment (aware) and stay there; ``clock(moment)`` moves again."""
    traveller = None

    def go(moment):
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()

    yield go
    if traveller is not None:
        traveller.stop()


def full_class(venue, starts_at, *, waiting=2, **resident):
    """A one-seat class at ``venue`` with its seat taken and ``waiting`` residents in line."""
    session = SessionFactory(
        venue=venue, seats=1, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90)
    )
    seated = RegistrationFactory(session=session)
    line = [
        RegistrationFactory(
            session=session,
            status=Registration.Status.WAITLISTED,
            resident=ResidentFactory(name=f"待ち {n}子", **resident),
        )
        for n in ("一", "二", "三")[:waiting]
    ]
    return session, seated, line


def logged_in(client, user):
    """``client`` logged in as ``user`` at the travelled-to time (a login from before the travel
    would have timed out)."""
    client.force_login(user)
    return client


def status_of(registration) -> str:
    registration.refresh_from_db()
    return registration.status


# --- the window -----------------------------------------------------------------------------


def test_phone_window_ending_at_night_moves_to_the_next_morning(venue, clock):
    clock(at(12, 2, 21, 30))  # Monday 21:30: 24 h later is Tuesday night
    session, seated, (first, _second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    assert offer.channel == SeatOffer.Channel.PHONE
    assert timezone.localtime(offer.expires_at) == at(12, 4, 9)  # Wednesday 09:00


def test_phone_window_ending_in_the_small_hours_moves_to_that_morning(venue, clock):
    clock(at(12, 2, 3, 0))  # an expiry scan at 03:00 offers the seat on
    session, seated, _line = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    assert timezone.localtime(offer.expires_at) == at(12, 3, 9)


def test_phone_window_ending_on_a_closed_day_moves_to_the_next_open_morning(venue, clock):
    VenueClosure.objects.create(venue=venue, date=at(12, 3, 0).date(), reason="点検")
    VenueClosure.objects.create(venue=venue, date=at(12, 4, 0).date(), reason="点検")
    clock(at(12, 2, 14))  # Monday 14:00: Tuesday 14:00 and Wednesday are closed
    session, seated, _line = full_class(venue, at(12, 7, 10))
    offer = services.registration_cancel(registration=seated)
    assert timezone.localtime(offer.expires_at) == at(12, 5, 9)  # Thursday 09:00


def test_phone_window_skips_a_public_holiday(venue, clock):
    clock(at(11, 3, 10))  # 文化の日; 24 h later is Monday 4th, its 振替休日
    session, seated, _line = full_class(venue, at(11, 8, 10))
    offer = services.registration_cancel(registration=seated)
    assert timezone.localtime(offer.expires_at) == at(11, 5, 9)


def test_mail_window_is_the_plain_window_and_the_venue_sets_its_length(venue, clock):
    venue.offer_window_hours = 48
    venue.save(update_fields=["offer_window_hours"])
    clock(at(12, 2, 21, 30))
    session, seated, (first, _second) = full_class(venue, at(12, 9, 10), email="ichiko@example.jp")
    offer = services.registration_cancel(registration=seated)
    assert offer.channel == SeatOffer.Channel.MAIL
    assert timezone.localtime(offer.expires_at) == at(12, 4, 21, 30)


def test_no_window_outlasts_the_start(venue, clock, settings):
    settings.SEAT_OFFER_CUTOFF_HOURS = 6
    clock(at(12, 2, 8))
    session, seated, _line = full_class(venue, at(12, 2, 18))
    offer = services.registration_cancel(registration=seated)
    assert offer.expires_at == session.starts_at


def test_a_resident_with_email_but_no_consent_is_called(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, _) = full_class(
        venue, at(12, 6, 10), email="x@example.jp", consent_given=False, consent_date=None
    )
    offer = services.registration_cancel(registration=seated)
    assert offer.channel == SeatOffer.Channel.PHONE


# --- the cutoff -----------------------------------------------------------------------------


def test_no_offer_within_the_cutoff_the_seat_goes_to_walk_ins(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 3, 9))  # 23 h ahead
    assert services.registration_cancel(registration=seated) is None
    assert not SeatOffer.objects.exists()
    assert status_of(first) == Registration.Status.WAITLISTED
    walk_in = services.registration_create(
        session=session, resident=ResidentFactory(), walk_in=True
    )
    assert walk_in.status == Registration.Status.REGISTERED


# --- answers --------------------------------------------------------------------------------


def test_a_held_seat_is_not_free_for_anyone_else(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, _second) = full_class(venue, at(12, 6, 10))
    services.registration_cancel(registration=seated)
    newcomer = services.registration_create(session=session, resident=ResidentFactory())
    assert newcomer.status == Registration.Status.WAITLISTED
    assert Session.objects.get(pk=session.pk).seats_left == 0


def test_accept_gives_the_seat(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    result = seat_offer_answer(offer=offer, answer="accept")
    assert result.applied and result.offer.status == SeatOffer.Status.ACCEPTED
    assert status_of(first) == Registration.Status.REGISTERED
    assert status_of(second) == Registration.Status.WAITLISTED
    assert not SeatOffer.objects.filter(status="open").exists()


def test_decline_cancels_their_place_and_offers_the_seat_to_the_next_in_line(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    result = seat_offer_answer(offer=offer, answer="decline")
    assert status_of(first) == Registration.Status.CANCELLED
    assert [o.registration_id for o in result.next_offers] == [second.pk]
    assert status_of(second) == Registration.Status.WAITLISTED


def test_no_answer_keeps_the_offer_open_and_the_deadline_passes_it_on(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    result = seat_offer_answer(offer=offer, answer="no_answer")
    assert result.applied and result.offer.status == SeatOffer.Status.OPEN
    assert result.offer.no_answer_count == 1

    clock(at(12, 3, 10, 1))  # past Tuesday 10:00
    assert seat_offers_expire() == 1
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.EXPIRED
    # The seat went to the next in line; the one who did not answer waits at the end.
    nxt = SeatOffer.objects.get(status="open")
    assert nxt.registration_id == second.pk
    assert status_of(first) == Registration.Status.WAITLISTED
    assert services.waitlist_position(first) == 2


def test_expiry_scan_run_twice_expires_once(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    services.registration_cancel(registration=seated)
    clock(at(12, 3, 11))
    assert seat_offers_expire() == 1
    assert seat_offers_expire() == 0
    assert SeatOffer.objects.filter(status="expired").count() == 1
    assert SeatOffer.objects.filter(status="open").count() == 1
    assert Registration.objects.filter(session=session, status="registered").count() == 0


def test_an_answer_after_the_deadline_is_not_taken_and_the_seat_moves_on(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    clock(at(12, 3, 10, 30))  # the beat has not run yet
    result = seat_offer_answer(offer=offer, answer="accept")
    assert not result.applied
    assert result.offer.status == SeatOffer.Status.EXPIRED
    assert status_of(first) == Registration.Status.WAITLISTED
    assert [o.registration_id for o in result.next_offers] == [second.pk]


def test_a_second_answer_changes_nothing(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    seat_offer_answer(offer=offer, answer="accept")
    again = seat_offer_answer(offer=offer, answer="decline")
    assert not again.applied and again.offer.status == SeatOffer.Status.ACCEPTED
    assert status_of(first) == Registration.Status.REGISTERED


def test_the_decision_is_audited(venue, clock, staff_user):
    clock(at(12, 2, 10))
    session, seated, (first, _second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    seat_offer_answer(offer=offer, answer="accept", by=staff_user)
    event = AuditEvent.objects.get(object_type="classes.seatoffer", object_id=offer.pk)
    assert event.user == staff_user
    assert event.summary == "seat offer: accepted (staff)"
    assert event.resident_ids == [first.resident_id]


# --- every way a seat frees -----------------------------------------------------------------


def _cancel(session, seated):
    services.registration_cancel(registration=seated)


def _more_seats(session, seated):
    services.session_update(session=session, seats=2)


def _move(session, seated):
    later = SessionFactory(
        venue=session.venue,
        series=session.series,
        starts_at=session.starts_at + timedelta(days=7),
        ends_at=session.ends_at + timedelta(days=7),
    )
    services.registration_move(registration=seated, to_session=later)


def _series_seats(session, seated):
    services_series.series_update_following(
        session=session,
        start_time=time(10),
        end_time=time(11, 30),
        seats=2,
        supporters_needed=0,
        what_to_bring="",
    )


@pytest.mark.parametrize(
    "frees", [_cancel, _more_seats, _move, _series_seats], ids=lambda f: f.__name__
)
def test_every_way_a_seat_frees_offers_it_to_the_first_in_line(venue, clock, frees):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    series = Series.objects.create(
        venue=venue,
        start_time=time(10),
        end_time=time(11, 30),
        weekdays="4",
        first_date=at(12, 6, 0).date(),
        last_date=at(12, 27, 0).date(),
        seats=1,
    )
    Session.objects.filter(pk=session.pk).update(series=series)
    session.refresh_from_db()

    frees(session, seated)

    offer = SeatOffer.objects.get(session=session, status="open")
    assert offer.registration_id == first.pk
    assert status_of(first) == Registration.Status.WAITLISTED  # never without a yes
    assert status_of(second) == Registration.Status.WAITLISTED


def test_a_restore_that_finds_its_seat_held_waits_first_and_gets_the_next_offer(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    services.registration_restore(registration=seated)
    assert seated.status == Registration.Status.WAITLISTED  # the seat is held for `first`
    result = seat_offer_answer(offer=offer, answer="decline")
    assert [o.registration_id for o in result.next_offers] == [seated.pk]


def test_a_cancelled_consultation_offers_its_seat(venue, clock):
    clock(at(12, 2, 10))
    start = at(12, 6, 10)
    desk = SessionFactory(
        venue=venue,
        kind=Session.Kind.CONSULTATION,
        topic=None,
        seats=1,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    booked = services_consult.consultation_book(
        session=desk, resident=ResidentFactory(), slot_start=start
    )
    waiting = services.registration_create(session=desk, resident=ResidentFactory())
    assert waiting.status == Registration.Status.WAITLISTED
    services_consult.consultation_cancel(consultation=booked)
    assert SeatOffer.objects.get(status="open").registration_id == waiting.pk


def test_booking_a_slot_for_a_resident_holding_an_offer_seats_them_and_closes_the_offer(
    venue, clock
):
    # The desk's only seat frees and is offered to the first in line; staff then book that
    # resident a slot directly on the phone. They have their seat: the offer must not hold a
    # second one, and nobody else is offered a seat that is not free.
    clock(at(12, 2, 10))
    start = at(12, 6, 10)
    desk = SessionFactory(
        venue=venue,
        kind=Session.Kind.CONSULTATION,
        topic=None,
        seats=1,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    booked = services_consult.consultation_book(
        session=desk, resident=ResidentFactory(), slot_start=start
    )
    first = services.registration_create(session=desk, resident=ResidentFactory())
    second = services.registration_create(session=desk, resident=ResidentFactory())
    services_consult.consultation_cancel(consultation=booked)
    offer = SeatOffer.objects.get(status=SeatOffer.Status.OPEN)
    assert offer.registration_id == first.pk

    services_consult.consultation_book(
        session=desk, resident=first.resident, slot_start=start + timedelta(minutes=40)
    )

    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.WITHDRAWN
    assert status_of(first) == Registration.Status.REGISTERED
    assert status_of(second) == Registration.Status.WAITLISTED
    assert not SeatOffer.objects.filter(status=SeatOffer.Status.OPEN).exists()


def test_a_resident_holding_an_offer_who_comes_to_the_caravan_has_their_offer_closed(
    venue, staff_user, clock
):
    import uuid

    from classes import services_caravan

    clock(at(12, 2, 10))
    start = at(12, 6, 10)
    caravan = SessionFactory(
        venue=venue,
        kind=Session.Kind.CARAVAN,
        topic=None,
        seats=1,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    seated = RegistrationFactory(session=caravan)
    waiting = RegistrationFactory(session=caravan, status=Registration.Status.WAITLISTED)
    offer = services.registration_cancel(registration=seated)
    assert offer.registration_id == waiting.pk

    # They came to the caravan; the offer ran out at the start, two minutes ago, and the
    # expiry scan (every five minutes) has not run yet.
    clock(start + timedelta(minutes=2))
    [result] = services_caravan.caravan_sync(
        session=caravan,
        records=[{"id": str(uuid.uuid4()), "type": "presence", "registration": waiting.pk}],
        by=staff_user,
    )

    assert result.status == "accepted", result
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.WITHDRAWN
    assert status_of(waiting) == Registration.Status.REGISTERED


def test_cancelling_a_registration_that_holds_an_offer_passes_it_on(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    nxt = services.registration_cancel(registration=first)
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.WITHDRAWN
    assert nxt.registration_id == second.pk


def test_fewer_seats_withdraw_the_newest_offers(venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    services.session_update(session=session, seats=3)
    assert SeatOffer.objects.filter(status="open").count() == 2
    services.session_update(session=session, seats=2)
    assert list(SeatOffer.objects.filter(status="open").values_list("registration", flat=True)) == [
        first.pk
    ]


def test_cancelling_the_session_withdraws_its_offers(venue, clock):
    clock(at(12, 2, 10))
    session, seated, _line = full_class(venue, at(12, 6, 10))
    services.registration_cancel(registration=seated)
    services.session_cancel(session=session)
    assert not SeatOffer.objects.filter(status="open").exists()


# --- the session page and the call list ------------------------------------------------------


def test_the_session_page_shows_open_offers_with_their_deadline(client, staff_user, venue, clock):
    clock(at(12, 2, 10))
    staff_client = logged_in(client, staff_user)
    session, seated, (first, _second) = full_class(venue, at(12, 6, 10))
    services.registration_cancel(registration=seated)
    page = staff_client.get(reverse("classes:session_detail", args=[session.pk])).content.decode()
    assert "Open seat offers (1)" in page
    offers = page[page.index('id="h-offers"') :]
    assert first.resident.name in offers
    assert "Tue 3 Dec 2030 10:00" in offers
    assert "1 held for a seat offer" in page
    assert "0 of 1 taken, 0 left" in page


def test_staff_answer_on_the_call_list_and_a_double_click_records_once(
    client, staff_user, venue, clock
):
    clock(at(12, 2, 10))
    staff_client = logged_in(client, staff_user)
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    url = reverse("classes:offer_answer", args=[offer.pk])
    data = {"answer": "accept", "once_token": "a-token-of-this-form-0001"}
    first_post = staff_client.post(url, data, follow=True)
    again = staff_client.post(url, data, follow=True)
    assert f"{first.resident.name} accepted and now has a seat." in first_post.content.decode()
    assert "already sent and saved" in again.content.decode()
    assert status_of(first) == Registration.Status.REGISTERED
    # A fresh page, a stale offer: nothing changes either.
    stale = staff_client.post(url, {"answer": "decline", "confirmed": "yes"}, follow=True)
    assert "was already closed: Accepted" in stale.content.decode()
    assert status_of(first) == Registration.Status.REGISTERED


def test_a_decline_on_the_call_list_asks_once(client, staff_user, venue, clock):
    clock(at(12, 2, 10))
    staff_client = logged_in(client, staff_user)
    session, seated, (first, second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    url = reverse("classes:offer_answer", args=[offer.pk])
    page = staff_client.post(url, {"answer": "decline"})
    assert page.status_code == 200 and "Record a decline?" in page.content.decode()
    assert status_of(first) == Registration.Status.WAITLISTED
    done = staff_client.post(url, {"answer": "decline", "confirmed": "yes"}, follow=True)
    assert f"Recorded that {first.resident.name} declined." in done.content.decode()
    assert f"The seat is now offered to {second.resident.name}" in done.content.decode()
    assert status_of(first) == Registration.Status.CANCELLED


def test_staff_of_another_venue_cannot_answer(client, other_staff_user, venue, clock):
    clock(at(12, 2, 10))
    session, seated, (first, _second) = full_class(venue, at(12, 6, 10))
    offer = services.registration_cancel(registration=seated)
    client.force_login(other_staff_user)
    response = client.post(reverse("classes:offer_answer", args=[offer.pk]), {"answer": "accept"})
    assert response.status_code == 404
    assert status_of(first) == Registration.Status.WAITLISTED
