"""Read queries for devices and loans."""

from datetime import date, timedelta

from django.db.models import QuerySet

from loans.models import Device, Loan


def loans_active(*, venue_ids=None) -> QuerySet[Loan]:
    """Active loans with device, resident and venue, soonest due first."""
    qs = Loan.objects.filter(status=Loan.Status.ACTIVE).select_related("device", "resident", "venue")
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    return qs.order_by("due_date", "id")


def loans_due_soon(*, today: date, days: int = 7, venue_ids=None) -> QuerySet[Loan]:
    """Active loans due between ``today`` and ``today + days`` inclusive (local dates)."""
    return loans_active(venue_ids=venue_ids).filter(
        due_date__gte=today, due_date__lte=today + timedelta(days=days)
    )


def loans_overdue(*, today: date, venue_ids=None) -> QuerySet[Loan]:
    """Active loans whose due date is before ``today`` (local date)."""
    return loans_active(venue_ids=venue_ids).filter(due_date__lt=today)


def device_list(*, status: str | None = None) -> QuerySet[Device]:
    """Devices with their home venue, by asset tag; ``status`` filters by Device.Status."""
    qs = Device.objects.select_related("home_venue")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("asset_tag")
