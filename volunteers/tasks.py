"""Background work for supporters. Tasks take primary keys and are safe to run twice."""

from celery import shared_task


@shared_task(name="volunteers.tasks.match_run_solve")
def match_run_solve(run_id: int) -> bool:
    """Compute the proposal of MatchRun ``run_id`` (a primary key; see
    ``volunteers.services_matching.match_run_solve``). Returns False when another live run has
    it, it is done, failed or gone; True once stored. A message redelivered after its worker
    died computes the run when it has gone silent for MATCHING_STALE_SECONDS. When it cannot be
    queued the run is marked failed at once; a lost message is found by the beat scan below."""
    from volunteers.services_matching import match_run_solve as solve

    return solve(run_id=run_id)


@shared_task(name="volunteers.tasks.requeue_pending_match_runs")
def requeue_pending_match_runs() -> dict[str, int]:
    """Queue again matching runs left without progress for MATCHING_STALE_SECONDS (a lost
    message, a dead worker); run every 5 minutes by beat. Returns ``{"requeued": n}``."""
    from volunteers.services_matching import match_runs_requeue_stale

    return {"requeued": len(match_runs_requeue_stale())}


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
