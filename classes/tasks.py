"""Celery tasks of the classes app. Thin: ids in, one service call, safe to run twice."""

import smtplib
from functools import partial

from celery import shared_task
from django.db import transaction

from classes import services_calls, services_offers
from kernel.tasks_util import enqueue


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_reminder(entry_id: int) -> bool:
    """Send one reminder email (claimed atomically, so a duplicate delivery sends nothing)."""
    return services_calls.reminder_send(entry_id=entry_id)


@shared_task
def send_due_reminders() -> int:
    """Celery beat: queue the reminder emails for tomorrow's sessions; returns how many."""
    ids = services_calls.reminders_due()
    for entry_id in ids:
        # After commit: a worker must never look for a row that is not committed yet.
        transaction.on_commit(partial(enqueue, send_reminder, entry_id))
    return len(ids)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_seat_offer_mail(offer_id: int) -> bool:
    """Mail one seat offer's link (claimed atomically, so a duplicate delivery sends nothing)."""
    return services_offers.seat_offer_mail_send(offer_id=offer_id)


@shared_task
def expire_seat_offers() -> int:
    """Celery beat: expire offers past their deadline (the seat goes to the next in line) and
    queue offer mails not sent yet; returns how many expired. Safe to run twice."""
    return services_offers.seat_offers_expire()
