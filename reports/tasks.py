"""Background jobs for reports. Kept thin: each calls one service and is safe to run twice."""

from celery import shared_task

from reports.services import report_generate


@shared_task(name="reports.tasks.generate_report")
def generate_report(report_id: int) -> bool:
    """Make the file of GeneratedReport ``report_id`` (a primary key). Returns False when the
    report was already claimed by another run (or no longer exists), True once it is made."""
    return report_generate(report_id=report_id)
