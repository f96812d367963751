import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse

from classes import tasks
from classes.models import CallListEntry
from tests.factories import RegistrationFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrations(reminder_session):
    session = reminder_session
    emailed = RegistrationFactory(
        session=session, resident=ResidentFactory(name="山田 花子", email="hanako@example.jp")
    )
    no_consent = RegistrationFactory(
        session=session,
        resident=ResidentFactory(email="x@example.jp", consent_given=False, consent_date=None),
    )
    phone_only = RegistrationFactory(session=session, resident=ResidentFactory(email=""))
    return emailed, no_consent, phone_only


def _run_beat(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_due_reminders.delay()


def test_reminder_emails_are_sent_once_when_the_task_runs_twice(
    registrations, django_capture_on_commit_callbacks
):
    emailed, no_consent, phone_only = registrations
    _run_beat(django_capture_on_commit_callbacks)
    _run_beat(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@example.jp"]
    assert "2030年12月5日(木)" in mail.outbox[0].body and "LINE入門" in mail.outbox[0].body
    entry = CallListEntry.objects.get(registration=emailed, reason="reminder")
    assert entry.status == "reminded" and entry.sent_at is not None
    # The others stay on the list to phone.
    for reg in (no_consent, phone_only):
        assert CallListEntry.objects.get(registration=reg).status == "to_call"


def test_a_duplicate_delivery_of_one_reminder_sends_nothing(registrations):
    emailed = registrations[0]
    tasks.send_due_reminders.delay()
    entry = CallListEntry.objects.get(registration=emailed)
    assert tasks.send_reminder.delay(entry.pk).get() is True
    assert tasks.send_reminder.delay(entry.pk).get() is False
    assert len(mail.outbox) == 1


def test_a_failing_send_is_retried_shown_to_staff_and_succeeds_later(
    registrations, staff_client, venue
):
    emailed = registrations[0]
    tasks.send_due_reminders.delay()
    entry = CallListEntry.objects.get(registration=emailed)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("mail server went away"),
    ) as send:
        # Eager Celery raises Retry where a worker would schedule the retry with backoff.
        with pytest.raises(Retry) as retry:
            tasks.send_reminder.delay(entry.pk)
    assert isinstance(retry.value.exc, smtplib.SMTPServerDisconnected)
    assert send.call_count == 1
    entry.refresh_from_db()
    assert entry.sent_at is None and entry.status == "to_call"
    body = staff_client.get(reverse("classes:call_list"), {"venue": venue.pk}).content.decode()
    assert "Email failed" in body and "mail server went away" in body

    assert tasks.send_reminder.delay(entry.pk).get() is True
    entry.refresh_from_db()
    assert entry.status == "reminded" and entry.last_error == ""
    assert len(mail.outbox) == 1
