"""Read queries for supporters and assignments. Each makes a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from classes.models import Registration, Session
from classes.selectors import session_list
from volunteers.models import Assignment, Availability, Supporter
from volunteers.skills import LEAD_SKILL_CODE

if TYPE_CHECKING:
    from classes.selectors import SessionWithCounts


def local_month_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware [start, end) datetimes of the calendar month containing ``day``, in the
    program's time zone (settings.TIME_ZONE, JST), whatever time zone the request activated."""
    tz = timezone.get_default_timezone()
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(next_first, time.min), tz),
    )


def session_local_day(session: Session) -> date:
    """The JST calendar date ``session`` starts on."""
    return timezone.localtime(session.starts_at, timezone.get_default_timezone()).date()


def active_assignments() -> QuerySet[Assignment]:
    """Assignments that hold a supporter's time: proposed or confirmed, on a session not cancelled."""
    return Assignment.objects.filter(status__in=Assignment.ACTIVE_STATUSES).exclude(
        session__status=Session.Status.CANCELLED
    )


def sessions_understaffed(
    *, start: datetime, end: datetime, venue_ids=None
) -> QuerySet[SessionWithCounts]:
    """Scheduled sessions in [start, end) with fewer active assignments than supporters needed."""
    return session_list(start=start, end=end, venue_ids=venue_ids).filter(
        status=Session.Status.SCHEDULED, supporters_needed__gt=F("supporter_count")
    )


def _active_in(start: datetime, end: datetime, prefix: str = "assignments__") -> Q:
    """Filter for a supporter's active assignments on non-cancelled sessions starting in [start, end)."""
    return Q(
        **{
            f"{prefix}status__in": Assignment.ACTIVE_STATUSES,
            f"{prefix}session__starts_at__gte": start,
            f"{prefix}session__starts_at__lt": end,
        }
    ) & ~Q(**{f"{prefix}session__status": Session.Status.CANCELLED})


def supporter_list(
    *,
    month: date | None = None,
    q: str = "",
    kind: str = "",
    skill_code: str = "",
    active: bool | None = True,
) -> QuerySet[Supporter]:
    """Supporters with their skills prefetched and ``month_count``: active assignments on sessions
    starting in the JST calendar month of ``month`` (default: this month). Two queries (a page
    of them: count it with ``.count()``, which leaves the month count out).

    Filters: ``q`` matches name, kana or organisation; ``kind`` a Supporter.Kind value;
    ``skill_code`` a Skill code; ``active`` True/False, or None for both.
    """
    month_start, month_end = local_month_bounds(month or timezone.localdate())
    qs = Supporter.objects.all()
    if active is not None:
        qs = qs.filter(is_active=active)
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(name_kana__icontains=q) | Q(organisation__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if skill_code:
        qs = qs.filter(skills__code=skill_code)
    # A correlated count, not a join and GROUP BY: PostgreSQL then counts only the rows of the
    # page it returns (after the sort and LIMIT), and the pager's COUNT leaves it out. The join
    # counted every supporter's assignments for each page (1 s for 10,000 supporters).
    month_assignments = (
        Assignment.objects.filter(supporter=OuterRef("pk"))
        .filter(_active_in(month_start, month_end, prefix=""))
        .order_by()
        .values("supporter")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        qs.annotate(
            month_count=Coalesce(Subquery(month_assignments, output_field=IntegerField()), 0)
        )
        .prefetch_related("skills")
        .order_by("name_kana", "id")
    )


def supporter_detail(*, pk: int) -> Supporter:
    """One supporter with skills and weekly availability prefetched. Raises Supporter.DoesNotExist."""
    return Supporter.objects.prefetch_related("skills", "availabilities").get(pk=pk)


def _with_session_needs(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Session, venue and topic joined, and ``registered_count`` (residents registered for the
    session). Only what a supporter needs: no resident rows are loaded."""
    return qs.select_related("session__venue", "session__topic").annotate(
        registered_count=Count(
            "session__registrations",
            filter=Q(session__registrations__status=Registration.Status.REGISTERED),
        )
    )


def supporter_assignments(
    *, supporter: Supporter, start: datetime | None = None, active_only: bool = True
) -> QuerySet[Assignment]:
    """The supporter's assignments on sessions starting at or after ``start`` (aware; default:
    today 00:00 JST), soonest first, with the session's needs (see ``_with_session_needs``).
    ``active_only``: only proposed and confirmed ones."""
    if start is None:
        start = timezone.make_aware(
            datetime.combine(timezone.localdate(), time.min), timezone.get_default_timezone()
        )
    qs = Assignment.objects.filter(supporter=supporter, session__starts_at__gte=start)
    if active_only:
        qs = qs.filter(status__in=Assignment.ACTIVE_STATUSES)
    return _with_session_needs(qs).order_by("session__starts_at", "id")


def supporter_assignment(*, supporter: Supporter, pk: int) -> Assignment:
    """One of the supporter's own assignments (any status or date) with the session's needs.
    Raises Assignment.DoesNotExist for another supporter's assignment."""
    return _with_session_needs(Assignment.objects.filter(supporter=supporter)).get(pk=pk)


def session_assignments(*, session: Session) -> QuerySet[Assignment]:
    """Every assignment of ``session`` (active ones first), with the supporter and their skills."""
    return (
        Assignment.objects.filter(session=session)
        .select_related("supporter")
        .prefetch_related("supporter__skills")
        .annotate(
            is_active_row=ExpressionWrapper(
                Q(status__in=Assignment.ACTIVE_STATUSES), output_field=BooleanField()
            )
        )
        .order_by("-is_active_row", "-is_lead", "supporter__name_kana", "id")
    )


@dataclass(frozen=True)
class Candidate:
    """A supporter who could be assigned to a session, and how well they fit it."""

    supporter: Supporter
    is_free: bool
    month_count: int
    under_max: bool
    is_available: bool
    has_lead_skill: bool

    @property
    def fits(self) -> bool:
        return self.is_free and self.under_max and self.is_available


def candidates_for_session(*, session: Session) -> list[Candidate]:
    """Active supporters not yet on ``session``, best fit first, each with (``Candidate``):

    - ``is_free``: no active assignment on another non-cancelled session overlapping in time
      (back-to-back sessions do not overlap);
    - ``month_count`` and ``under_max``: active assignments in the session's JST calendar month,
      and whether one more stays within ``max_sessions_per_month``;
    - ``is_available``: a weekly availability window covers the session's JST weekday and times;
    - ``has_lead_skill``; ``fits`` = free and under the maximum and available.

    Order: those who fit, then by fewest sessions this month (to spread the work), then kana.
    Two queries (supporters, skills).
    """
    tz = timezone.get_default_timezone()
    local_start = timezone.localtime(session.starts_at, tz)
    local_end = timezone.localtime(session.ends_at, tz)
    month_start, month_end = local_month_bounds(local_start.date())

    active_elsewhere = Assignment.objects.filter(
        supporter=OuterRef("pk"), status__in=Assignment.ACTIVE_STATUSES
    ).exclude(session__status=Session.Status.CANCELLED)
    overlapping = active_elsewhere.filter(
        session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at
    ).exclude(session=session)
    on_this_session = active_elsewhere.filter(session=session)
    # A window must hold the whole session on its start day; a session past midnight fits none.
    is_available: Exists | Value
    if local_start.date() == local_end.date():
        is_available = Exists(
            Availability.objects.filter(
                supporter=OuterRef("pk"),
                weekday=local_start.weekday(),
                start_time__lte=local_start.time(),
                end_time__gte=local_end.time(),
            )
        )
    else:
        is_available = Value(False, output_field=BooleanField())
    supporters = (
        Supporter.objects.filter(is_active=True)
        .annotate(
            already_on=Exists(on_this_session),
            is_busy=Exists(overlapping),
            is_available=is_available,
            month_count=Count("assignments", filter=_active_in(month_start, month_end)),
        )
        .filter(already_on=False)
        .prefetch_related("skills")
    )
    candidates = [
        Candidate(
            supporter=s,
            is_free=not s.is_busy,
            month_count=s.month_count,
            under_max=s.month_count < s.max_sessions_per_month,
            is_available=s.is_available,
            has_lead_skill=any(skill.code == LEAD_SKILL_CODE for skill in s.skills.all()),
        )
        for s in supporters
    ]
    candidates.sort(
        key=lambda c: (not c.fits, c.month_count, c.supporter.name_kana, c.supporter.pk)
    )
    return candidates
