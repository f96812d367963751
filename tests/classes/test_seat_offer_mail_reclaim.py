"""An offer mail claimed by a worker that died before sending is mailed by a later expiry scan,
once; a claim still in progress is left to its worker (classes.services_offers.seat_offer_mail_send,
the reminders' REMINDER_CLAIM_TIMEOUT rule in kernel.mail)."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import current_app
from django.conf import settings as django_settings
from django.core import mail

from classes import services, tasks
from classes.models import Registration, SeatOffer
from classes.services_offers import seat_offer_mail_send
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2030, 12, 2, 14, 0, tzinfo=JST)  # a Monday afternoon
START = datetime(2030, 12, 6, 10, 0, tzinfo=JST)  # the class, four days later


class WorkerKilled(BaseException):
    """What the send looks like from the worker's side when its process is killed: nothing in
    the sender runs after it (not the ``except Exception`` that releases the claim)."""


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def abandoned(clock, venue, settings, django_capture_on_commit_callbacks):
    """A seat freed in a full class and offered by mail to 山田 花子, whose mail a worker
    claimed and then died before sending. Returns the offer."""
    settings.REMINDER_CLAIM_TIMEOUT = 600
    session = SessionFactory(
        venue=venue, seats=1, starts_at=START, ends_at=START + timedelta(hours=1)
    )
    seated = RegistrationFactory(session=session)
    RegistrationFactory(
        session=session,
        status=Registration.Status.WAITLISTED,
        resident=ResidentFactory(name="山田 花子", email="hanako@example.jp"),
    )
    with django_capture_on_commit_callbacks(execute=False):  # the mail task is not queued here
        offer = services.registration_cancel(registration=seated)
    assert offer is not None and offer.channel == SeatOffer.Channel.MAIL
    with (
        mock.patch("classes.services_offers.send_mail", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        seat_offer_mail_send(offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.mail_claimed_at == NOW and offer.mail_sent_at is None
    assert mail.outbox == []
    return offer


def _expiry_scan(django_capture_on_commit_callbacks):
    """Run the task Celery beat runs as ``classes-expire-seat-offers``."""
    name = django_settings.CELERY_BEAT_SCHEDULE["classes-expire-seat-offers"]["task"]
    with django_capture_on_commit_callbacks(execute=True):
        return current_app.tasks[name].delay().get()


def test_a_claim_older_than_the_timeout_is_mailed_by_the_expiry_scan(
    abandoned, clock, django_capture_on_commit_callbacks
):
    clock.shift(timedelta(minutes=11))
    _expiry_scan(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    assert "山田 花子 様" in mail.outbox[0].body
    abandoned.refresh_from_db()
    assert abandoned.status == SeatOffer.Status.OPEN
    assert abandoned.mail_sent_at == NOW + timedelta(minutes=11)
    # Sent: later scans and a duplicate delivery of the task send nothing more.
    clock.shift(timedelta(minutes=30))
    _expiry_scan(django_capture_on_commit_callbacks)
    assert tasks.send_seat_offer_mail(abandoned.pk) is False
    assert len(mail.outbox) == 1


def test_a_claim_younger_than_the_timeout_is_left_to_its_worker(
    abandoned, clock, django_capture_on_commit_callbacks
):
    clock.shift(timedelta(minutes=9))
    _expiry_scan(django_capture_on_commit_callbacks)
    assert tasks.send_seat_offer_mail(abandoned.pk) is False
    assert mail.outbox == []
    abandoned.refresh_from_db()
    assert abandoned.mail_claimed_at == NOW and abandoned.mail_sent_at is None
