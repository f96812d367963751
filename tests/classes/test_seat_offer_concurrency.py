"""Seat offers under real concurrency (PostgreSQL, separate connections): two staff answering
the same offer, a mail link used twice at once, two expiry scans at once, and newcomers racing a
held seat all make one outcome."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services
from classes.models import Registration, SeatOffer
from classes.services_offers import seat_offer_answer, seat_offer_link_token, seat_offers_expire
from kernel.models import Role
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _offered(venue, *, email: str = ""):
    """A full one-seat class with two waiting; the seat was freed: returns (session, offer)."""
    session = SessionFactory(venue=venue, seats=1)
    seated = RegistrationFactory(session=session)
    for n in range(2):
        RegistrationFactory(
            session=session,
            status=Registration.Status.WAITLISTED,
            resident=ResidentFactory(email=email if n == 0 else ""),
        )
    offer = services.registration_cancel(registration=seated)
    assert offer is not None
    return session, offer


def test_two_staff_answering_one_offer_make_one_outcome(venue):
    skip_unless_postgresql("two desks answer the same offer on separate connections")
    session, offer = _offered(venue)
    users = [make_user(Role.STAFF, venues=[venue], username=f"desk{n}") for n in range(2)]

    def answer(user, what):
        return seat_offer_answer(offer=SeatOffer.objects.get(pk=offer.pk), answer=what, by=user)

    outcome = run_at_once(answer, [(users[0], "accept"), (users[1], "decline")])

    assert outcome.unexpected == []
    assert sorted(r.applied for r in outcome.results) == [False, True]
    offer.refresh_from_db()
    winner = next(r for r in outcome.results if r.applied)
    assert offer.status == winner.offer.status
    registration = offer.registration
    registration.refresh_from_db()
    if offer.status == SeatOffer.Status.ACCEPTED:
        assert registration.status == Registration.Status.REGISTERED
        assert not SeatOffer.objects.filter(status="open").exists()
    else:
        assert registration.status == Registration.Status.CANCELLED
        assert SeatOffer.objects.filter(status="open").count() == 1  # the next in line
    assert Registration.objects.filter(session=session, status="registered").count() <= 1


def test_a_link_used_twice_at_once_makes_one_outcome(venue):
    skip_unless_postgresql("two browsers post the same link on separate connections")
    session, offer = _offered(venue, email="first@example.jp")
    assert offer.channel == SeatOffer.Channel.MAIL
    path = reverse("classes:offer_page", args=[seat_offer_link_token(offer)])

    def post(answer):
        return Client().post(path, {"answer": answer}).content.decode()

    outcome = run_at_once(post, [("accept",), ("accept",), ("decline",)])

    assert outcome.unexpected == []
    offer.refresh_from_db()
    assert offer.status in (SeatOffer.Status.ACCEPTED, SeatOffer.Status.DECLINED)
    fresh = [p for p in outcome.results if "You already answered" not in p]
    assert len(fresh) == 1  # one POST decided, the others were shown that answer
    assert Registration.objects.filter(session=session, status="registered").count() <= 1


def test_two_expiry_scans_at_once_expire_each_offer_once(venue):
    skip_unless_postgresql("two beat scans on separate connections")
    session, offer = _offered(venue)
    SeatOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    outcome = run_at_once(seat_offers_expire, [(), ()])

    assert outcome.unexpected == []
    assert sorted(outcome.results) == [0, 1]
    assert SeatOffer.objects.filter(status="expired").count() == 1
    assert SeatOffer.objects.filter(status="open").count() == 1


def test_newcomers_racing_a_held_seat_all_wait(venue):
    skip_unless_postgresql("registrations on separate connections against a held seat")
    session, offer = _offered(venue)
    residents = [ResidentFactory() for _ in range(4)]

    def register(resident):
        return services.registration_create(session=session, resident=resident).status

    outcome = run_at_once(register, [(r,) for r in residents])

    assert outcome.unexpected == []
    assert outcome.results == [Registration.Status.WAITLISTED] * 4
    assert Registration.objects.filter(session=session, status="registered").count() == 0
    assert SeatOffer.objects.get(pk=offer.pk).status == SeatOffer.Status.OPEN
