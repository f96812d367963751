"""Celery tasks of the kernel. Thin: one service call, safe to run twice."""

from celery import shared_task
from django.conf import settings

from kernel.once import form_submissions_forget


@shared_task
def forget_old_form_submissions() -> int:
    """Celery beat, daily: delete used one-time form tokens older than
    ``settings.FORM_TOKEN_KEEP_DAYS``; returns how many were deleted."""
    return form_submissions_forget(older_than_days=settings.FORM_TOKEN_KEEP_DAYS)
