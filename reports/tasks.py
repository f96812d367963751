"""Background jobs for reports. Kept thin: each calls one service and is safe to run twice."""

from celery import shared_task

from reports.services import report_generate, reports_requeue_stale


@shared_task(name="reports.tasks.generate_report")
def generate_report(report_id: int) -> bool:
    """Make the file of GeneratedReport ``report_id`` (a primary key). Returns False when the
    report is had by another live run, finished, or gone; True once it is made. A message
    redelivered after its worker died (acks_late, reject_on_worker_lost) makes the report when
    its run has gone silent for REPORT_STALE_SECONDS."""
    return report_generate(report_id=report_id)


@shared_task(name="reports.tasks.requeue_pending_reports")
def requeue_pending_reports() -> dict[str, int]:
    """Queue again reports left without progress for REPORT_STALE_SECONDS (a lost message, a
    worker that died); run every 5 minutes by beat. Returns ``{"requeued": n}``."""
    return {"requeued": len(reports_requeue_stale())}
