"""Mails: plain text from templates, and the claim a sender takes on a row before sending.

A sender claims its row with one UPDATE that sets a claim time where the claim is free, sends
outside any transaction, then marks the row sent (or releases the claim when the send fails). A
worker killed between the claim and the send leaves a claim nobody will finish: it counts as
free again after ``REMINDER_CLAIM_TIMEOUT`` seconds, longer than any send (``EMAIL_TIMEOUT``),
so the mail is sent later rather than lost. Used by the reminder and the seat-offer mails.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string


def mail_render(*, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) from ``<template>_subject.txt`` and ``<template>_message.txt``, rendered
    in the active language (wrap the call in ``translation.override`` to choose another).

    The subject is folded onto one line; the body loses the blank lines and spaces the template
    tags leave at its start and end. Raises TemplateDoesNotExist for an unknown ``template``.
    """
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split("\n")).strip()
    body = render_to_string(f"{template}_message.txt", context).strip()
    return subject, body


def mail_claim_free(field: str, *, now: datetime) -> Q:
    """Rows whose claim ``field`` (an aware DateTimeField, the time a sender claimed the row) is
    empty or older than ``REMINDER_CLAIM_TIMEOUT`` seconds before ``now`` (aware): nobody is
    sending their mail. Combine it with the row's own "not sent yet" condition; in the claiming
    UPDATE keep to the row's own columns, which PostgreSQL re-checks against a claim committed
    concurrently."""
    stale_before = now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT)
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": stale_before})
