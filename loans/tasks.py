"""Background jobs for loans. Kept thin: each calls one service and is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from loans.selectors import loans_overdue
from loans.services import loans_mark_overdue
from loans.services_devices import device_reservations_expire


@shared_task(name="loans.tasks.mark_overdue_loans")
def mark_overdue_loans() -> dict[str, int]:
    """Note newly overdue loans for a follow-up call (run hourly by Celery beat).

    Returns ``{"newly_overdue": n, "overdue": total}``; a second run the same day notes nothing new.
    """

    today = timezone.localdate()
    newly = loans_mark_overdue(today=today)
    return {"newly_overdue": len(newly), "overdue": loans_overdue(today=today).count()}


@shared_task(name="loans.tasks.release_expired_reservations")
def release_expired_reservations() -> dict[str, int]:
    """Put devices whose reservation ended before today back to available (run daily by beat).

    Returns ``{"released": n}``; a second run releases nothing more.
    """

    return {"released": len(device_reservations_expire(today=timezone.localdate()))}
