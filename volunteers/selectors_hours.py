"""Reads for supporters' hours: the approval queue, a supporter's month, certificate rows.

Periods are JST calendar dates, inclusive at both ends; a session belongs to the day it starts.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from classes.models import Session
from volunteers.models import Assignment, Supporter


def local_period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """Aware [start, end) datetimes covering the JST dates ``date_from``..``date_to``."""
    tz = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(date_from, time.min), tz),
        timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz),
    )


def _joined(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return qs.select_related("supporter", "session__venue", "session__topic", "hours_approved_by")


def hours_to_approve(
    *, date_from: date, date_to: date, supporter: Supporter | None = None
) -> QuerySet[Assignment]:
    """Confirmed, checked-out, not yet approved assignments on sessions in the period (not
    cancelled), oldest first, with supporter, session, venue and topic joined. One query."""
    start, end = local_period_bounds(date_from, date_to)
    qs = Assignment.objects.filter(
        status=Assignment.Status.CONFIRMED,
        checked_out_at__isnull=False,
        hours_approved_at__isnull=True,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    ).exclude(session__status=Session.Status.CANCELLED)
    if supporter is not None:
        qs = qs.filter(supporter=supporter)
    return _joined(qs).order_by("session__starts_at", "supporter__name_kana", "id")


def session_check_ins(*, session: Session) -> QuerySet[Assignment]:
    """The confirmed assignments of ``session`` with their supporters, for the check-in page."""
    return (
        Assignment.objects.filter(session=session, status=Assignment.Status.CONFIRMED)
        .select_related("supporter")
        .order_by("-is_lead", "supporter__name_kana", "id")
    )


@dataclass
class HoursSummary:
    """A supporter's hours in a period. Minutes are whole minutes; only approved ones count in
    ``approved_minutes``; ``pending_minutes`` is checked-out time not yet approved."""

    rows: list[Assignment]
    approved_minutes: int
    approved_sessions: int
    pending_minutes: int

    @property
    def approved_hours(self) -> float:
        """Approved time in hours, rounded to two decimals."""
        return round(self.approved_minutes / 60, 2)


def supporter_hours(*, supporter: Supporter, date_from: date, date_to: date) -> HoursSummary:
    """The supporter's confirmed assignments on sessions in the period (JST dates, inclusive),
    with check-in/out and approval, and totals. Each row carries ``worked_minutes`` (the
    checked-in span or None). One query."""
    start, end = local_period_bounds(date_from, date_to)
    rows = list(
        _joined(
            Assignment.objects.filter(
                supporter=supporter,
                status=Assignment.Status.CONFIRMED,
                session__starts_at__gte=start,
                session__starts_at__lt=end,
            ).exclude(session__status=Session.Status.CANCELLED)
        ).order_by("session__starts_at", "id")
    )
    approved = pending = sessions = 0
    for row in rows:
        if row.hours_approved_at is not None:
            approved += row.approved_minutes or 0
            sessions += 1
        elif row.worked_minutes is not None:
            pending += row.worked_minutes
    return HoursSummary(rows, approved, sessions, pending)


def approved_hours_rows(
    *, supporter: Supporter, date_from: date, date_to: date
) -> list[Assignment]:
    """The supporter's assignments whose hours are approved, on sessions in the period (JST
    dates, inclusive), oldest first: the rows of the activity certificate. One query."""
    start, end = local_period_bounds(date_from, date_to)
    return list(
        _joined(
            Assignment.objects.filter(
                supporter=supporter,
                hours_approved_at__isnull=False,
                approved_minutes__isnull=False,
                session__starts_at__gte=start,
                session__starts_at__lt=end,
            )
        ).order_by("session__starts_at", "id")
    )
