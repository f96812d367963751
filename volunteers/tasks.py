"""Background work for supporters. Tasks take primary keys and are safe to run twice."""

from celery import shared_task


@shared_task
def match_publish_notify(assignment_pks: list[int]) -> int:
    """Email each supporter the assignments a published matching run asked them to (see
    ``volunteers.services_matching.match_publish_notify_send``). Returns emails sent."""
    from volunteers.services_matching import match_publish_notify_send

    return match_publish_notify_send(assignment_pks=assignment_pks)


# --- Supporters' answers (volunteers/services_replies.py) --------------------------------------


@shared_task(autoretry_for=(OSError,), retry_backoff=60, retry_backoff_max=600, max_retries=5)
def send_assignment_request(assignment_id: int) -> bool:
    """Email a supporter who was asked to help (nothing when no longer proposed)."""
    from volunteers.services_replies import assignment_request_email_send

    return assignment_request_email_send(assignment_id=assignment_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, retry_backoff_max=600, max_retries=5)
def send_late_cancellation_alert(assignment_id: int, reason: str = "") -> bool:
    """Email the coordinators about a cancellation less than 48 hours before a session."""
    from volunteers.services_replies import late_cancellation_alert_send

    return late_cancellation_alert_send(assignment_id=assignment_id, reason=reason)
