"""Read queries for devices and loans. Each returns what its page needs in a fixed number of queries."""

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from loans.models import (
    Device,
    DeviceEvent,
    Loan,
    LoanApplication,
    LoanCheckIn,
    LoanLottery,
    LoanPolicy,
)


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


def resident_active_loans(*, resident) -> QuerySet[Loan]:
    """The resident's active loans, newest first, with only the device's asset tag and the due
    date loaded (what the lend page warns about)."""
    return (
        Loan.objects.filter(resident=resident, status=Loan.Status.ACTIVE)
        .select_related("device")
        .only("id", "due_date", "venue_id", "device__id", "device__asset_tag")
        .order_by("-start_date", "-id")
    )


def loan_for_detail(*, pk: int) -> Loan:
    """One loan with device, resident, venue, policy and the users who lent/received it.

    Raises Loan.DoesNotExist.
    """
    return Loan.objects.select_related(
        "device", "resident", "venue", "policy", "created_by", "returned_by"
    ).get(pk=pk)


# What the device list shows of each device, as keys of the rows device_list() returns.
DEVICE_LIST_COLUMNS = (
    "id",
    "asset_tag",
    "kind",
    "maker",
    "model_name",
    "os",
    "serial",
    "imei",
    "status",
    "home_venue_name",
    "loan_id",
    "loan_venue_id",
    "loan_due_date",
    "loan_resident_name",
)


def _devices_matching(*, status: str | None, search: str) -> QuerySet[Device]:
    qs = Device.objects.all()
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
    return qs


def device_list(*, status: str | None = None, search: str = "") -> QuerySet[Device, dict]:
    """Rows of the device list, by asset tag, in one query: dicts with DEVICE_LIST_COLUMNS.

    ``home_venue_name`` is None without a home venue; the ``loan_*`` keys describe the current
    (active) loan and are None when the device is not lent. A device has at most one active loan
    (constraint loan_one_active_per_device), so the join never repeats a device. Dicts, not
    Device instances: building 50 model instances cost more than the query itself.
    ``status`` filters by Device.Status; ``search`` matches the asset tag, serial number, IMEI or
    model (case-insensitive).
    """
    return (
        _devices_matching(status=status, search=search)
        .annotate(
            current_loan=FilteredRelation("loans", condition=Q(loans__status=Loan.Status.ACTIVE)),
            home_venue_name=F("home_venue__name"),
            loan_id=F("current_loan__id"),
            loan_venue_id=F("current_loan__venue_id"),
            loan_due_date=F("current_loan__due_date"),
            loan_resident_name=F("current_loan__resident__name"),
        )
        .order_by("asset_tag")
        .values(*DEVICE_LIST_COLUMNS)
    )


def device_count(*, status: str | None = None, search: str = "") -> int:
    """How many devices device_list() returns for the same filters (one query, no joins)."""
    return _devices_matching(status=status, search=search).count()


def device_status_counts() -> dict[str, int]:
    """Number of devices per Device.Status value (every status present, zero when none), one query."""
    counts = {value: 0 for value in Device.Status.values}
    for row in Device.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def device_pick_search(
    *,
    search: str,
    statuses: Collection[str],
    limit: int,
    venue_ids: Collection[int] | None = None,
    other_venues: bool = False,
) -> list[Device]:
    """Devices in one of ``statuses`` (Device.Status values) matching ``search``, for the device
    step of the lend and reserve pages: at most ``limit`` of them, by asset tag, with the home
    venue (one query; none for a blank search, which returns []).

    ``venue_ids`` are the user's venues (None: every venue, for an administrator): only devices
    whose home venue is one of them (or that have none), unless ``other_venues`` asks for the
    others too, listed after the user's own.

    Every word of ``search`` (NFKC-normalised, so full-width ＳＰ－０１ finds SP-01) must be part
    of the asset tag, the maker or the model name, or of the kind's name in the active language
    or its value (``タブレット``, ``tablet``); case does not matter.
    """
    words = unicodedata.normalize("NFKC", search).lower().split()
    if not words:
        return []
    qs = Device.objects.filter(status__in=list(statuses))
    for word in words:
        kinds = [
            value
            for value, label in Device.Kind.choices
            if word in value or word in str(label).lower()
        ]
        qs = qs.filter(
            Q(asset_tag__icontains=word)
            | Q(maker__icontains=word)
            | Q(model_name__icontains=word)
            | Q(kind__in=kinds)
        )
    order: list = ["asset_tag"]
    # A device without a home venue is held at no venue: everyone's own.
    own = Q(home_venue_id__in=list(venue_ids or ())) | Q(home_venue__isnull=True)
    if venue_ids is not None and not other_venues:
        qs = qs.filter(own)
    elif venue_ids is not None:
        own_first = Case(
            When(own, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        order = [own_first, "asset_tag"]
    return list(qs.select_related("home_venue").order_by(*order)[:limit])


def device_loan_history(*, device: Device) -> QuerySet[Loan]:
    """All loans of ``device``, newest first, with resident, venue and the lending user."""
    return (
        Loan.objects.filter(device=device)
        .select_related("resident", "venue", "created_by")
        .order_by("-start_date", "-id")
    )


def device_events(*, device: Device) -> QuerySet[DeviceEvent]:
    """The status and venue history of ``device``, newest first, with the acting user and a
    transfer's venues (one query)."""
    return (
        DeviceEvent.objects.filter(device=device)
        .select_related("by", "from_venue", "to_venue")
        .order_by("-at", "-id")
    )


def loan_check_ins(*, loan: Loan) -> QuerySet[LoanCheckIn]:
    """Check-ins of ``loan``, newest first, with the recording user (one query)."""
    return LoanCheckIn.objects.filter(loan=loan).select_related("created_by").order_by("-on", "-id")


@dataclass(frozen=True)
class OverdueLoan:
    """A row of the overdue call list: the loan and how many whole days it is late."""

    loan: Loan
    days_overdue: int


def overdue_rows(loans, *, today: date) -> list[OverdueLoan]:
    """The overdue call list's rows of ``loans`` (e.g. one page of ``loans_overdue``), each with
    its ``days_overdue``: whole days since its due date, to ``today`` (a local date)."""
    return [OverdueLoan(loan, (today - loan.due_date).days) for loan in loans]


def loan_policies_active() -> QuerySet[LoanPolicy]:
    """Active loan policies, newest first (the first is the one new loans use)."""
    return LoanPolicy.objects.filter(is_active=True).order_by("-id")


def loan_applications(*, policy: LoanPolicy, venue_ids=None) -> QuerySet[LoanApplication]:
    """Applications under ``policy`` with resident, venue and lottery: pending first in applied
    order, then selected and waitlisted in drawn order, withdrawn last (one query).

    ``venue_ids`` (None: all) keeps the applications to be collected at those venues (those
    recorded without a venue, before it was required, only administrators see).
    """
    status_rank = Case(
        When(status=LoanApplication.Status.PENDING, then=Value(0)),
        When(status=LoanApplication.Status.SELECTED, then=Value(1)),
        When(status=LoanApplication.Status.WAITLISTED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        _applications_at(LoanApplication.objects.filter(policy=policy), venue_ids)
        .select_related("resident", "lottery", "venue")
        .annotate(status_rank=status_rank)
        .order_by("status_rank", "draw_position", "applied_at", "id")
    )


def _applications_at(qs: QuerySet[LoanApplication], venue_ids) -> QuerySet[LoanApplication]:
    if venue_ids is None:
        return qs
    return qs.filter(venue_id__in=venue_ids)


def device_reservations(*, resident) -> QuerySet[Device]:
    """Devices currently reserved for ``resident``, soonest-ending first."""
    return Device.objects.filter(reserved_for=resident, status=Device.Status.RESERVED).order_by(
        "reserved_until", "asset_tag"
    )


def loan_lotteries(*, policy: LoanPolicy, venue_ids=None) -> QuerySet[LoanLottery]:
    """Draws held under ``policy``, newest first, with the administrator who held them and
    their venue. ``venue_ids`` (None: all) keeps the draws of every venue and of those venues."""
    qs = LoanLottery.objects.filter(policy=policy)
    if venue_ids is not None:
        qs = qs.filter(Q(venue__isnull=True) | Q(venue_id__in=venue_ids))
    return qs.select_related("held_by", "venue").order_by("-held_at", "-id")


def loan_lottery_for_detail(
    *, pk: int, venue_ids=None
) -> tuple[LoanLottery, list[LoanApplication]]:
    """A lottery and its applications in drawn order (position 1 first), in two queries.

    ``venue_ids`` (None: all) keeps the applications to be collected at those venues; the
    lottery's ``result`` still lists every drawn id. Raises LoanLottery.DoesNotExist.
    """
    lottery = LoanLottery.objects.select_related("policy", "held_by", "venue").get(pk=pk)
    applications = list(
        _applications_at(LoanApplication.objects.filter(lottery=lottery), venue_ids)
        .select_related("resident", "venue")
        .order_by("draw_position", "id")
    )
    return lottery, applications
