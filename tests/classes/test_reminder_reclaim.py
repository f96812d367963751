"""A reminder claimed by a worker that died before sending is sent later, once; a claim still
in progress is left alone (classes.services_calls.reminder_send, REMINDER_CLAIM_TIMEOUT)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from classes import tasks
from classes.models import CallListEntry
from tests.factories import RegistrationFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(reminder_session, settings):
    settings.REMINDER_CLAIM_TIMEOUT = 600
    registration = RegistrationFactory(
        session=reminder_session, resident=ResidentFactory(email="hanako@example.jp")
    )
    return CallListEntry.objects.create(registration=registration, reason="reminder")


def _beat(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.send_due_reminders()


def test_a_claim_abandoned_by_a_dead_worker_is_sent_by_a_later_scan(
    entry, django_capture_on_commit_callbacks
):
    # What a worker killed between the claim and the send leaves behind.
    CallListEntry.objects.filter(pk=entry.pk).update(
        sent_at=timezone.now() - timedelta(minutes=11), send_attempts=1
    )
    assert _beat(django_capture_on_commit_callbacks) == 1
    entry.refresh_from_db()
    assert entry.status == "reminded" and entry.send_attempts == 2
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    # Sent: later scans and duplicate deliveries send nothing more.
    assert _beat(django_capture_on_commit_callbacks) == 0
    assert tasks.send_reminder(entry.pk) is False
    assert len(mail.outbox) == 1


def test_a_claim_still_in_progress_is_not_sent_again(entry, django_capture_on_commit_callbacks):
    CallListEntry.objects.filter(pk=entry.pk).update(
        sent_at=timezone.now() - timedelta(minutes=1), send_attempts=1
    )
    assert _beat(django_capture_on_commit_callbacks) == 0
    assert tasks.send_reminder(entry.pk) is False
    assert mail.outbox == []
    entry.refresh_from_db()
    assert entry.status == "to_call" and entry.send_attempts == 1
