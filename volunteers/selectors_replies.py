"""Reads for supporters' answers: replacements after a decline, late cancellations.

A supporter's withdrawal is an Assignment row in status DECLINED (a proposal turned down) or
CANCELLED; no other model records it. A cancellation made by the supporter (not by the
coordinator) has ``responded_at == cancelled_at``: ``services_replies.assignment_withdraw`` writes
both with the same instant, while the coordinator's ``services.assignment_cancel`` leaves
``responded_at`` at the earlier acceptance (or empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from classes.models import Session
from volunteers import matching
from volunteers.models import Assignment, AvailabilityException, Supporter
from volunteers.selectors import active_assignments, session_local_day
from volunteers.selectors_matching import match_problem_build

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# A supporter withdrawing less than this before the session starts alerts the coordinators.
LATE_CANCELLATION_WINDOW = timedelta(hours=48)


def is_late(*, session: Session, at: datetime) -> bool:
    """True when ``at`` (aware) is less than 48 hours before ``session`` starts (or after)."""
    return at > session.starts_at - LATE_CANCELLATION_WINDOW


def last_asked_by_supporter(supporter_ids: list[int]) -> dict[int, datetime]:
    """supporter id -> when they were last asked to help (latest ``notified_at``, or
    ``created_at`` where never notified, over all their assignments). One query; supporters
    never asked are missing from the dict."""
    rows = (
        Assignment.objects.filter(supporter_id__in=supporter_ids)
        .values("supporter_id")
        .annotate(last=Max(Coalesce("notified_at", "created_at")))
    )
    return {row["supporter_id"]: row["last"] for row in rows}


@dataclass(frozen=True)
class ReplacementCandidate:
    """A supporter who could replace someone; ``last_asked`` is None when never asked."""

    supporter: Supporter
    month_count: int
    last_asked: datetime | None


def replacement_candidates(*, session: Session) -> list[ReplacementCandidate]:
    """Supporters who could replace someone on ``session``, least recently asked first.

    Eligibility is the matching solver's (``matching.slot_candidates`` on the problem
    ``selectors_matching.match_problem_build`` builds for the session's JST day and venue):
    active; available per the weekly pattern and the dated exceptions; free at that time with
    the travel time between districts; under their monthly maximum; trained and insured on the
    day; holding every skill the session needs; able to lead when only the lead position is
    open. Supporters already on the session, or who declined or cancelled it, are left out.
    A session the matching does not plan (not scheduled, or needing no supporter) has none.

    Each candidate carries ``month_count`` (active sessions in the session's JST month) and
    ``last_asked`` (aware datetime or None: never asked). Order: never asked, then the oldest
    ``last_asked``, then fewest sessions that month, then kana. A fixed number of queries.
    """
    day = session_local_day(session)
    built = match_problem_build(date_from=day, date_to=day, venue=session.venue)
    withdrew = set(
        Assignment.objects.filter(
            session=session,
            status__in=[Assignment.Status.DECLINED, Assignment.Status.CANCELLED],
        ).values_list("supporter_id", flat=True)
    )
    counts = {
        sup_id: month_count
        for sup_id, month_count in matching.slot_candidates(built.problem, session.pk).items()
        if sup_id not in withdrew
    }
    last = last_asked_by_supporter(list(counts))
    eligible = [
        ReplacementCandidate(
            supporter=built.supporters[sup_id],
            month_count=month_count,
            last_asked=last.get(sup_id),
        )
        for sup_id, month_count in counts.items()
    ]
    eligible.sort(
        key=lambda c: (
            c.last_asked is not None,
            c.last_asked or session.starts_at,
            c.month_count,
            c.supporter.name_kana,
            c.supporter.pk,
        )
    )
    return eligible


def _session_active_count() -> Coalesce:
    """Subquery: active assignments of the row's session (the slot is filled by these)."""
    counts = (
        Assignment.objects.filter(
            session=OuterRef("session"), status__in=Assignment.ACTIVE_STATUSES
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class ActiveCount(TypedDict):
    """What ``withdrawals`` annotates: the session's active assignments now."""

    active_count: int


def withdrawals(
    *, start: datetime | None = None, venue_ids=None, late_only: bool = False
) -> QuerySet[WithAnnotations[Assignment, ActiveCount]]:
    """Declined or cancelled assignments on scheduled sessions starting at or after ``start``
    (aware; default now), soonest session first, with supporter, session, venue and topic joined
    and ``active_count`` (the session's active assignments now) annotated.

    ``late_only``: only cancellations the supporter made less than 48 hours before the start
    (see the module docstring). ``venue_ids``: restrict to these venues (None: all).
    """
    start = start or timezone.now()
    qs = Assignment.objects.filter(
        status__in=[Assignment.Status.DECLINED, Assignment.Status.CANCELLED],
        session__status=Session.Status.SCHEDULED,
        session__starts_at__gte=start,
    )
    if late_only:
        qs = late_cancellation_filter(qs)
    if venue_ids is not None:
        qs = qs.filter(session__venue_id__in=venue_ids)
    return (
        qs.select_related("supporter", "session__venue", "session__topic")
        .annotate(active_count=_session_active_count())
        .order_by("session__starts_at", "session_id", "id")
    )


def late_cancellation_filter(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Narrow ``qs`` to cancellations the supporter made less than 48 hours before the start."""
    return qs.filter(
        status=Assignment.Status.CANCELLED,
        responded_at=F("cancelled_at"),
        cancelled_at__gt=F("session__starts_at") - LATE_CANCELLATION_WINDOW,
    )


def late_cancellations(
    *, since: datetime | None = None, venue_ids=None
) -> QuerySet[WithAnnotations[Assignment, ActiveCount]]:
    """Late cancellations by supporters on sessions starting at or after ``since`` (aware;
    default: 7 days ago, so the coordinator still sees what happened last week). Same shape as
    ``withdrawals``; cancelled sessions are left out."""
    since = since or timezone.now() - timedelta(days=7)
    return withdrawals(start=since, venue_ids=venue_ids, late_only=True)


def open_withdrawals(*, venue_ids=None) -> list[WithAnnotations[Assignment, ActiveCount]]:
    """Withdrawals on upcoming sessions that are still short of supporters (``active_count`` below
    ``supporters_needed``): the slots the coordinator should fill. One query."""
    return [
        a
        for a in withdrawals(venue_ids=venue_ids).filter(Q(session__supporters_needed__gt=0))
        if a.active_count < a.session.supporters_needed
    ]


def exception_conflicts(
    *, supporter: Supporter, exceptions: Iterable[AvailabilityException]
) -> dict[int, list[Assignment]]:
    """The requests (proposed) and accepted assignments (confirmed) that a day off falls on.

    For each exception among ``exceptions`` with ``available=False``: ``supporter``'s active
    assignments on sessions not cancelled and not started yet whose JST start day lies in the
    exception's dates and, for an exception with times, whose JST times overlap them (a session
    ending exactly when the exception starts does not). Returns exception pk -> assignments
    (session, topic and venue loaded; start order); exceptions with none are left out. One query.
    """
    blocked = [e for e in exceptions if not e.available]
    if not blocked:
        return {}
    tz = timezone.get_default_timezone()
    first = min(e.date_from for e in blocked)
    after = max(e.date_to for e in blocked) + timedelta(days=1)
    candidates = list(
        active_assignments()
        .filter(
            supporter=supporter,
            session__starts_at__gte=max(
                timezone.now(), datetime.combine(first, time.min, tzinfo=tz)
            ),
            session__starts_at__lt=datetime.combine(after, time.min, tzinfo=tz),
        )
        .select_related("session__topic", "session__venue")
        .order_by("session__starts_at", "pk")
    )
    found: dict[int, list[Assignment]] = {}
    for a in candidates:
        start = timezone.localtime(a.session.starts_at, tz)
        end = timezone.localtime(a.session.ends_at, tz)
        end_time = end.time() if end.date() == start.date() else time.max
        for e in blocked:
            if not e.date_from <= start.date() <= e.date_to:
                continue
            if e.start_time is not None and e.end_time is not None:
                if not (e.start_time < end_time and start.time() < e.end_time):
                    continue
            found.setdefault(e.pk, []).append(a)
    return found
