"""Editing a session's seats: never below the seats held; more seats (or none) are offered to the
waitlist, and staff are told whom to call."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration, SeatOffer, Session
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_class(venue):
    # 10:00-11:00 Japan time three days ahead: the same day whenever the tests run (now + 3 days
    # lasting an hour crossed midnight after 23:00 JST, and the form refuses that).
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(
        days=3
    )
    session = SessionFactory(
        venue=venue,
        kind=Session.Kind.CLASS,
        seats=2,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    for name in ("一 席", "二 席"):
        RegistrationFactory(session=session, resident=ResidentFactory(name=name))
    for name in ("待 一郎", "待 二郎"):
        RegistrationFactory(
            session=session,
            resident=ResidentFactory(name=name, phone="0246-00-0000"),
            status=Registration.Status.WAITLISTED,
        )
    return session


def _edit(client, session, seats):
    url = reverse("classes:session_edit", args=[session.pk])
    form = client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if name in ("starts_at", "ends_at"):
            value = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, list | tuple):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = value
    data["seats"] = "" if seats is None else seats
    return client.post(url, data, follow=True)


def _statuses(session):
    return dict(
        Registration.objects.filter(session=session).values_list("resident__name", "status")
    )


def test_more_seats_offer_the_seat_to_the_first_in_line_and_ask_staff_to_call(
    staff_client, full_class
):
    page = _edit(staff_client, full_class, 3).content.decode()

    assert "The session was saved." in page
    assert "The freed seat is offered to 待 一郎, first on the waitlist, until" in page
    assert "Please call them (0246-00-0000) and record the answer on the call list." in page
    # Held, not given: still waiting until they say yes; the session page lists the offer.
    assert _statuses(full_class)["待 一郎"] == Registration.Status.WAITLISTED
    assert _statuses(full_class)["待 二郎"] == Registration.Status.WAITLISTED
    assert "Open seat offers (1)" in page
    offer = SeatOffer.objects.get(status=SeatOffer.Status.OPEN)
    assert offer.registration.resident.name == "待 一郎"


def test_no_seat_limit_offers_everyone_waiting_a_place(staff_client, full_class):
    full_class.kind = Session.Kind.SALON  # a class needs seats; a salon may drop the limit
    full_class.save(update_fields=["kind"])
    _edit(staff_client, full_class, None)

    # Both waiting are asked; nobody is moved without a yes.
    assert _statuses(full_class)["待 一郎"] == Registration.Status.WAITLISTED
    offered = SeatOffer.objects.filter(status=SeatOffer.Status.OPEN)
    assert {o.registration.resident.name for o in offered} == {"待 一郎", "待 二郎"}


def test_fewer_seats_than_held_are_refused_and_nothing_changes(staff_client, full_class):
    response = _edit(staff_client, full_class, 1)

    assert response.status_code == 200
    assert "2 residents already hold a seat. Keep at least 2 seats" in response.content.decode()
    full_class.refresh_from_db()
    assert full_class.seats == 2
