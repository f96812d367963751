"""Reads for matching: what each session needs, and the matching problem built from the database.

Dates are JST calendar dates; a range [date_from, date_to] covers sessions starting from
date_from 00:00 to date_to 24:00 JST.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from classes.models import Registration, Session, Venue
from volunteers import matching
from volunteers.models import (
    Assignment,
    AvailabilityException,
    DistrictTravel,
    MatchGap,
    MatchProposal,
    MatchRun,
    Skill,
    Supporter,
)
from volunteers.selectors import active_assignments, local_month_bounds


def local_day_start(day: date) -> datetime:
    """Aware datetime of 00:00 JST on ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def session_supporters_needed(session: Session, registered: int | None = None) -> int:
    """How many supporters ``session`` needs now: ``supporters_needed``, or more when the ratio
    (one per ``residents_per_supporter`` registered residents) asks for more, and at least one when
    a lead is needed. ``registered``: registered residents (default: the ``registered_count``
    annotation, else one query)."""
    need = session.supporters_needed
    if session.residents_per_supporter:
        if registered is None:
            registered = getattr(session, "registered_count", None)
        if registered is None:
            registered = session.registrations.filter(status=Registration.Status.REGISTERED).count()
        need = max(need, math.ceil(registered / session.residents_per_supporter))
    if session.lead_needed:
        need = max(need, 1)
    return need


def session_skill_codes(session: Session) -> frozenset[str]:
    """The skills every supporter of ``session`` needs: its own, else its topic's defaults.
    Uses prefetched ``required_skills`` and ``topic.default_skills`` when present."""
    own = frozenset(s.code for s in session.required_skills.all())
    if own or session.topic is None:
        return own
    return frozenset(s.code for s in session.topic.default_skills.all())


def matching_sessions(
    *, date_from: date, date_to: date, venue: Venue | None = None
) -> QuerySet[Session]:
    """Scheduled sessions starting in the range (optionally at one venue), with venue, topic,
    skills and ``registered_count``; soonest first. Four queries when iterated."""
    qs = Session.objects.filter(
        status=Session.Status.SCHEDULED,
        starts_at__gte=local_day_start(date_from),
        starts_at__lt=local_day_start(date_to + timedelta(days=1)),
    )
    if venue is not None:
        qs = qs.filter(venue=venue)
    return (
        qs.select_related("venue", "topic", "series")
        .prefetch_related("required_skills", "topic__default_skills")
        .annotate(
            registered_count=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            )
        )
        .order_by("starts_at", "id")
    )


def _district(session: Session) -> str:
    return session.venue.district if session.venue is not None else ""


@dataclass
class BuiltProblem:
    """A matching problem and the rows it came from (for showing the result)."""

    problem: matching.Problem
    sessions: list[Session]
    supporters: dict[int, Supporter]
    needs: dict[int, int] = field(default_factory=dict)  # session id -> supporters needed
    skills: dict[int, frozenset[str]] = field(default_factory=dict)
    existing: list[Assignment] = field(default_factory=list)  # active ones on these sessions


def match_problem_build(
    *,
    date_from: date,
    date_to: date,
    venue: Venue | None = None,
    run: MatchRun | None = None,
) -> BuiltProblem:
    """The matching problem for the range from the database, in a fixed number of queries.

    Slots: scheduled sessions in the range that need supporters. Supporters: active ones, with
    weekly windows, exceptions touching the range, skills. Fixed: active assignments on those
    sessions and, with ``run``, its pinned proposals; forbidden: its removed proposals. Other active
    assignments count towards monthly maxima (the whole JST months the range touches), overlaps
    (a day either side) and fairness (inside the range).
    """
    sessions = list(matching_sessions(date_from=date_from, date_to=date_to, venue=venue))
    needs = {s.pk: session_supporters_needed(s) for s in sessions}
    skills = {s.pk: session_skill_codes(s) for s in sessions}
    sessions = [s for s in sessions if needs[s.pk] > 0]
    slot_ids = {s.pk for s in sessions}
    slots = [
        matching.Slot(
            id=s.pk,
            start=s.starts_at,
            end=s.ends_at,
            needed=needs[s.pk],
            district=_district(s),
            lead_needed=s.lead_needed,
            skills=skills[s.pk],
            series=s.series_id,
            label=s.display_title,
        )
        for s in sessions
    ]

    range_start = local_day_start(date_from)
    range_end = local_day_start(date_to + timedelta(days=1))
    months_start = local_month_bounds(date_from)[0]
    months_end = local_month_bounds(date_to)[1]
    window_start = min(months_start, range_start - timedelta(days=1))
    window_end = max(months_end, range_end + timedelta(days=1))

    supporters = {
        s.pk: s
        for s in Supporter.objects.filter(is_active=True)
        .prefetch_related(
            "skills",
            "availabilities",
            Prefetch(
                "availability_exceptions",
                queryset=AvailabilityException.objects.filter(
                    date_from__lte=date_to, date_to__gte=date_from
                ),
            ),
        )
        .order_by("pk")
    }
    commitments = (
        active_assignments()
        .filter(
            supporter__in=list(supporters),
            session__starts_at__lt=window_end,
            session__ends_at__gt=window_start,
        )
        .select_related("session__venue", "supporter")
        .order_by("session__starts_at", "pk")
    )
    fixed: list[matching.Placement] = []
    existing: list[Assignment] = []
    busy: dict[int, list[matching.Busy]] = defaultdict(list)
    month_counts: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    base_load: dict[int, int] = defaultdict(int)
    tz = timezone.get_default_timezone()
    for a in commitments:
        if a.session_id in slot_ids:
            fixed.append(matching.Placement(a.session_id, a.supporter_id, a.is_lead))
            existing.append(a)
            continue
        day = timezone.localtime(a.session.starts_at, tz).date()
        if months_start <= a.session.starts_at < months_end:
            month_counts[a.supporter_id][(day.year, day.month)] += 1
        if range_start - timedelta(days=1) <= a.session.starts_at < range_end + timedelta(days=1):
            busy[a.supporter_id].append(
                matching.Busy(a.session.starts_at, a.session.ends_at, _district(a.session))
            )
        if range_start <= a.session.starts_at < range_end:
            base_load[a.supporter_id] += 1

    series_ids = {s.series_id for s in sessions if s.series_id}
    history: dict[int, set[int]] = defaultdict(set)
    if series_ids:
        for sup_id, series_id in (
            Assignment.objects.filter(session__series_id__in=series_ids)
            .exclude(status__in=[Assignment.Status.DECLINED, Assignment.Status.CANCELLED])
            .values_list("supporter_id", "session__series_id")
            .distinct()
        ):
            history[sup_id].add(series_id)

    forbidden: set[tuple[int, int]] = set()
    if run is not None:
        taken = {(p.slot_id, p.supporter_id) for p in fixed}
        for proposal in MatchProposal.objects.filter(run=run).exclude(
            state=MatchProposal.State.SUGGESTED
        ):
            pair = (proposal.session_id, proposal.supporter_id)
            if proposal.state == MatchProposal.State.REMOVED:
                forbidden.add(pair)
            elif proposal.session_id in slot_ids and pair not in taken:
                fixed.append(matching.Placement(*pair, proposal.is_lead))

    data = [
        matching.SupporterData(
            id=s.pk,
            skills=frozenset(k.code for k in s.skills.all()),
            district=s.home_district,
            training_completed_on=s.training_completed_on,
            insurance_valid_until=s.insurance_valid_until,
            max_per_month=s.max_sessions_per_month,
            wish=s.desired_sessions_per_month,
            windows=tuple(
                matching.Window(a.weekday, a.start_time, a.end_time) for a in s.availabilities.all()
            ),
            exceptions=tuple(
                matching.DateException(
                    e.date_from, e.date_to, e.available, e.start_time, e.end_time
                )
                for e in s.availability_exceptions.all()
            ),
            busy=tuple(busy.get(s.pk, ())),
            month_counts=dict(month_counts.get(s.pk, {})),
            base_load=base_load.get(s.pk, 0),
            series_history=frozenset(history.get(s.pk, ())),
            name=s.name,
        )
        for s in supporters.values()
    ]
    travel = {(t.from_district, t.to_district): t.minutes for t in DistrictTravel.objects.all()}
    problem = matching.Problem(
        slots=slots,
        supporters=data,
        fixed=fixed,
        forbidden=forbidden,
        travel=travel,
        default_travel=getattr(
            settings, "MATCHING_DEFAULT_TRAVEL_MINUTES", matching.DEFAULT_TRAVEL_MINUTES
        ),
    )
    return BuiltProblem(
        problem=problem,
        sessions=sessions,
        supporters=supporters,
        needs=needs,
        skills=skills,
        existing=existing,
    )


def match_run_list() -> QuerySet[MatchRun]:
    """Recent runs, newest first, with venue and creator."""
    return MatchRun.objects.select_related("venue", "created_by").order_by("-created_at", "-pk")


@dataclass
class SessionRow:
    """One session on the run page: supporters needed, skill names, active assignments,
    proposals (removed ones apart) and the gap explanation when short."""

    session: Session
    needed: int
    skills: list[str]
    existing: list[Assignment]
    proposals: list[MatchProposal]
    removed: list[MatchProposal]
    gap: MatchGap | None


@dataclass
class DayGroup:
    """The rows of one JST day, in start order."""

    day: date
    rows: list[SessionRow]


def match_run_detail(*, run: MatchRun) -> list[DayGroup]:
    """The run's sessions grouped by JST day, each with the active assignments it already has,
    the proposals (pinned, suggested; removed listed apart) and why it is short. A fixed number
    of queries whatever the size."""
    sessions = list(
        matching_sessions(date_from=run.date_from, date_to=run.date_to, venue=run.venue)
    )
    ids = [s.pk for s in sessions]
    proposals: dict[int, list[MatchProposal]] = defaultdict(list)
    removed: dict[int, list[MatchProposal]] = defaultdict(list)
    for p in (
        MatchProposal.objects.filter(run=run, session_id__in=ids)
        .select_related("supporter")
        .prefetch_related("supporter__skills")
        .order_by("session_id", "-is_lead", "supporter__name_kana", "pk")
    ):
        (removed if p.state == MatchProposal.State.REMOVED else proposals)[p.session_id].append(p)
    gaps = {g.session_id: g for g in MatchGap.objects.filter(run=run, session_id__in=ids)}
    existing: dict[int, list[Assignment]] = defaultdict(list)
    for a in (
        active_assignments()
        .filter(session_id__in=ids)
        .select_related("supporter")
        .order_by("-is_lead", "supporter__name_kana", "pk")
    ):
        existing[a.session_id].append(a)
    skill_names = dict(Skill.objects.values_list("code", "name"))
    tz = timezone.get_default_timezone()
    groups: list[DayGroup] = []
    for s in sessions:
        needed = session_supporters_needed(s)
        if not needed and not proposals.get(s.pk) and not existing.get(s.pk):
            continue
        row = SessionRow(
            session=s,
            needed=needed,
            skills=sorted(skill_names.get(c, c) for c in session_skill_codes(s)),
            existing=existing.get(s.pk, []),
            proposals=proposals.get(s.pk, []),
            removed=removed.get(s.pk, []),
            gap=gaps.get(s.pk),
        )
        day = timezone.localtime(s.starts_at, tz).date()
        if not groups or groups[-1].day != day:
            groups.append(DayGroup(day, []))
        groups[-1].rows.append(row)
    return groups
