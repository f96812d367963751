"""The offer mail and its one-time link: a GET decides nothing, the POST decides once, the page
shows nothing beyond the session and a given name, and it is rate limited."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services
from classes.models import Registration, SeatOffer
from classes.services_offers import seat_offer_link_token, seat_offers_expire
from kernel.models import AuditEvent
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(venue, django_capture_on_commit_callbacks):
    """A full one-seat class four days ahead whose seat was freed: the first in line, 山田 花子
    with an email address and consent, was mailed an offer. Returns (offer, mail link path)."""
    start = (timezone.localtime() + timedelta(days=4)).replace(hour=10, minute=0, second=0)
    session = SessionFactory(
        venue=venue, seats=1, title="LINE入門", starts_at=start, ends_at=start + timedelta(hours=1)
    )
    seated = RegistrationFactory(session=session)
    RegistrationFactory(
        session=session,
        status=Registration.Status.WAITLISTED,
        resident=ResidentFactory(name="山田 花子", email="hanako@example.jp", phone="0246-99-1234"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.registration_cancel(registration=seated)
    path = reverse("classes:offer_page", args=[seat_offer_link_token(offer)])
    return offer, path


def test_the_offer_mail_carries_the_link_and_the_deadline(offered):
    offer, path = offered
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako@example.jp"]
    assert message.subject == "【空席のご案内】LINE入門"
    assert path in message.body
    assert "「参加します」か「辞退します」" in message.body
    offer.refresh_from_db()
    assert offer.mail_sent_at is not None


def test_the_beat_scan_does_not_mail_twice(offered):
    seat_offers_expire()
    assert len(mail.outbox) == 1


def test_a_get_of_the_link_decides_nothing(offered):
    offer, path = offered
    response = Client().get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "LINE入門" in page and 'value="accept"' in page and 'value="decline"' in page
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.OPEN
    assert offer.registration.status == Registration.Status.WAITLISTED


def test_the_page_shows_only_the_given_name_and_is_never_cached(offered):
    offer, path = offered
    response = Client().get(path)
    page = response.content.decode()
    assert "花子" in page
    assert "山田" not in page
    assert "0246-99-1234" not in page and "hanako@example.jp" not in page
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_post_decides_once_and_a_second_use_shows_the_first_answer(offered):
    offer, path = offered
    browser = Client()
    first = browser.post(path, {"answer": "accept"})
    assert "Your seat is booked" in first.content.decode()
    again = Client().post(path, {"answer": "decline"})
    assert "You already answered: you will come." in again.content.decode()
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.ACCEPTED
    assert offer.decided_via == SeatOffer.Via.LINK
    assert offer.registration.status == Registration.Status.REGISTERED
    event = AuditEvent.objects.get(object_type="classes.seatoffer", object_id=offer.pk)
    assert event.user is None and event.summary == "seat offer: accepted (link)"


def test_declining_by_link_frees_the_seat_for_the_next(offered):
    offer, path = offered
    Client().post(path, {"answer": "decline"})
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.DECLINED
    assert offer.registration.status == Registration.Status.CANCELLED


def test_an_unknown_answer_decides_nothing(offered):
    offer, path = offered
    Client().post(path, {"answer": "no_answer"})
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.OPEN


@pytest.mark.parametrize("token", ["nonsense", "WzEsImFiYyJd:forged:signature"])
def test_a_forged_or_broken_link_is_not_found(offered, token):
    response = Client().get(reverse("classes:offer_page", args=[token]))
    assert response.status_code == 404


def test_a_link_with_the_right_id_but_another_key_is_not_found(offered):
    offer, _path = offered
    other = SeatOffer(pk=offer.pk, link_key="another-key")
    response = Client().get(reverse("classes:offer_page", args=[seat_offer_link_token(other)]))
    assert response.status_code == 404


def test_the_page_is_rate_limited_per_address(offered, settings):
    settings.SEAT_OFFER_PAGE_RATE = 3
    _offer, path = offered
    browser = Client()
    codes = [browser.get(path).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    wrong = browser.get(reverse("classes:offer_page", args=["guessing"]))
    assert wrong.status_code == 429  # guessing links is limited too
