"""Read queries for devices and loans. Each returns what its page needs in a fixed number of queries."""

from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from loans.models import Device, DeviceEvent, Loan, LoanCheckIn


def loans_active(*, venue_ids=None) -> QuerySet[Loan]:
    """Active loans with device, resident and venue, soonest due first."""
    qs = Loan.objects.filter(status=Loan.Status.ACTIVE).select_related(
        "device", "resident", "venue"
    )
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


def loan_counts(*, today: date, days: int = 7, venue_ids=None) -> dict[str, int]:
    """Counts of active, due-soon (within ``days``) and overdue loans, in one query."""
    qs = Loan.objects.filter(status=Loan.Status.ACTIVE)
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    return qs.aggregate(
        active=Count("id"),
        due_soon=Count(
            "id", filter=Q(due_date__gte=today, due_date__lte=today + timedelta(days=days))
        ),
        overdue=Count("id", filter=Q(due_date__lt=today)),
    )


def loan_for_detail(*, pk: int) -> Loan:
    """One loan with device, resident, venue, policy and the users who lent/received it.

    Raises Loan.DoesNotExist.
    """
    return Loan.objects.select_related(
        "device", "resident", "venue", "policy", "created_by", "returned_by"
    ).get(pk=pk)


def _active_loans_prefetch() -> Prefetch:
    return Prefetch(
        "loans",
        queryset=Loan.objects.filter(status=Loan.Status.ACTIVE).select_related("resident", "venue"),
        to_attr="active_loans",
    )


def device_list(*, status: str | None = None, search: str = "") -> QuerySet[Device]:
    """Devices with their home venue, by asset tag; ``status`` filters by Device.Status.

    Each device carries ``active_loans`` (a list with the current loan, if any, with its resident
    and venue). ``search`` matches the asset tag, serial number, IMEI or model (case-insensitive).
    """
    qs = Device.objects.select_related("home_venue").prefetch_related(_active_loans_prefetch())
    if status:
        qs = qs.filter(status=status)
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(asset_tag__icontains=search)
            | Q(serial__icontains=search)
            | Q(imei__icontains=search)
            | Q(model_name__icontains=search)
        )
    return qs.order_by("asset_tag")


def device_status_counts() -> dict[str, int]:
    """Number of devices per Device.Status value (every status present, zero when none), one query."""
    counts = {value: 0 for value in Device.Status.values}
    for row in Device.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def devices_lendable() -> QuerySet[Device]:
    """Devices that may be lent now (available or reserved), by asset tag."""
    return Device.objects.filter(
        status__in=[Device.Status.AVAILABLE, Device.Status.RESERVED]
    ).order_by("asset_tag")


def device_loan_history(*, device: Device) -> QuerySet[Loan]:
    """All loans of ``device``, newest first, with resident, venue and the lending user."""
    return (
        Loan.objects.filter(device=device)
        .select_related("resident", "venue", "created_by")
        .order_by("-start_date", "-id")
    )


def device_events(*, device: Device) -> QuerySet[DeviceEvent]:
    """The status history of ``device``, newest first, with the acting user (one query)."""
    return DeviceEvent.objects.filter(device=device).select_related("by").order_by("-at", "-id")


def loan_check_ins(*, loan: Loan) -> QuerySet[LoanCheckIn]:
    """Check-ins of ``loan``, newest first, with the recording user (one query)."""
    return LoanCheckIn.objects.filter(loan=loan).select_related("created_by").order_by("-on", "-id")
